//! Fixture of the hardening tests (issue 14): the `server_common` dataset and tokens seeded
//! into any store — in-memory SQLite or a fresh PostGIS schema — behind the real router.
#![allow(dead_code)]

use std::sync::Arc;

use hotspot::server::auth::token_hash;
use hotspot::server::{AppState, ServerConfig, router};
use hotspot::store::{ImportKind, ImportMeta, OnConflict, Role, Store};

use crate::common::store_db::{self, PgDb};
use crate::server_common::{self, ADMIN, ANALYST, App, REVOKED, VIEWER};

fn meta(kind: ImportKind, name: &str) -> ImportMeta {
    ImportMeta {
        kind,
        file_name: name.into(),
        sha256: format!("{name}-sha"),
        imported_by: "test".into(),
        on_conflict: OnConflict::Error,
        force: false,
    }
}

/// Loads the `server_common` reports, sites, areas and one token per role into `store`.
pub async fn seed(store: &dyn Store) {
    store
        .import_reports(
            &meta(ImportKind::Reports, "reports.csv"),
            &server_common::reports(),
        )
        .await
        .unwrap();
    store
        .import_sites(
            &meta(ImportKind::Sites, "sites.geojson"),
            &server_common::sites(),
        )
        .await
        .unwrap();
    store
        .import_areas(
            &meta(ImportKind::Areas, "areas.geojson"),
            &server_common::areas(),
        )
        .await
        .unwrap();
    for (tok, role) in [
        (VIEWER, Role::Viewer),
        (ANALYST, Role::Analyst),
        (ADMIN, Role::Admin),
        (REVOKED, Role::Admin),
    ] {
        let rec = store
            .create_token(tok.split('-').next().unwrap(), role, &token_hash(tok))
            .await
            .unwrap();
        if tok == REVOKED {
            store.revoke_token(rec.id).await.unwrap();
        }
    }
}

/// The router over `store` (seeded).
pub async fn app_on(store: Arc<dyn Store>) -> App {
    seed(store.as_ref()).await;
    let state = AppState::new(store, ServerConfig::default());
    App {
        router: router(state.clone()),
        state,
    }
}

/// The router over a seeded in-memory SQLite store.
pub async fn sqlite_app() -> App {
    app_on(store_db::sqlite_memory().await).await
}

/// The router over a seeded fresh PostGIS schema; `None` (loudly) when PostGIS is not
/// reachable, a panic instead under `CI=true`.
pub async fn pg_app() -> Option<(App, PgDb)> {
    let db = store_db::postgis().await?;
    let app = app_on(db.dyn_store()).await;
    Some((app, db))
}
