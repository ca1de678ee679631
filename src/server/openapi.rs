//! The OpenAPI 3 document of the service, generated from the handlers' `#[utoipa::path]`
//! annotations (tests check that every documented path is routed).

use axum::response::Response;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{api, ogc, upload};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hotspot",
        description = "Drug-crime hotspot maps for police planners: layers, reports, plans and OGC API - Features."
    ),
    paths(
        api::healthz, api::readyz, api::me, api::meta,
        api::list_reports, api::get_report, upload::post_reports,
        api::get_layer, api::area_timeline, api::progress,
        super::charts::chart, super::dashboard::dashboard, super::dashboard::briefing,
        api::list_plans, api::create_plan, api::get_plan, api::update_plan, api::delete_plan,
        api::plan_history, super::audit::list_audit,
        api::list_declarations, api::create_declarations,
        api::list_imports, api::undo_import, api::create_token,
        ogc::landing, ogc::api, ogc::conformance, ogc::collections, ogc::collection,
        ogc::queryables_doc, ogc::items, ogc::item,
        openapi_json,
    ),
    components(schemas(
        super::error::ErrorBody, super::error::ErrorDetail, api::Health, api::Me,
        crate::model::PlanInput, api::TokenRequest, api::TokenCreated, api::LayerName,
        ogc::CollectionId, crate::store::audit::AuditEntry
    )),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "service",
    responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    super::respond::json(&ApiDoc::openapi())
}
