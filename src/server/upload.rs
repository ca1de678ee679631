//! `POST /api/reports`: one report as JSON, or a CSV / GeoJSON upload. The body goes through
//! the same parsers as `hotspot import` (so the same validation and messages), and into the
//! store as one transaction: any problem answers 422 with line-numbered details and stores
//! nothing.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use sha2::{Digest, Sha256};

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult, ErrorDetail};
use super::params::Params;
use super::respond;
use crate::ingest::{self, IngestOptions, Parsed};
use crate::model::Report;
use crate::store::{ImportKind, ImportMeta, OnConflict, Role, StoreError};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// How the body is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Csv,
    GeoJson,
    /// `{"id":…, "lon":…, "lat":…, "kind":…, "observed_at":…}`
    SingleReport,
}

fn body_kind(headers: &HeaderMap, body: &[u8]) -> ApiResult<BodyKind> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "text/csv" | "application/csv" => Ok(BodyKind::Csv),
        "application/geo+json" => Ok(BodyKind::GeoJson),
        "application/json" => {
            // A GeoJSON object has a "type"; a single report does not.
            let v: serde_json::Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))?;
            if v.get("type").is_some() {
                Ok(BodyKind::GeoJson)
            } else {
                Ok(BodyKind::SingleReport)
            }
        }
        "" => Err(ApiError::UnsupportedMediaType(
            "Content-Type required: text/csv, application/geo+json or application/json".into(),
        )),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type {other}: expected text/csv, application/geo+json or application/json"
        ))),
    }
}

/// A single JSON report as a one-row CSV, so it is validated exactly like a file row.
fn single_report_csv(body: &[u8]) -> ApiResult<Vec<u8>> {
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("expected a JSON object: {e}")))?;
    let cols = ["id", "lon", "lat", "kind", "observed_at"];
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cols).expect("in-memory CSV");
    w.write_record(cols.iter().map(|c| match v.get(*c) {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }))
    .expect("in-memory CSV");
    Ok(w.into_inner().expect("in-memory CSV"))
}

/// Uploads reports (admins). Query: `on_conflict` = error (default) | skip | update,
/// `force` = import a file already imported, `name` = file name for the import record.
#[utoipa::path(post, path = "/api/reports", tag = "api", security(("bearer" = [])),
    params(
        ("on_conflict" = Option<String>, Query, description = "error (default), skip or update"),
        ("force" = Option<bool>, Query, description = "import even if this file was imported before"),
        ("name" = Option<String>, Query, description = "file name recorded with the import"),
    ),
    request_body(content = String, description = "CSV (text/csv), GeoJSON (application/geo+json) or one report (application/json)"),
    responses((status = 201, body = Object, description = "the import record"),
              (status = 400, body = super::error::ErrorBody), (status = 401, body = super::error::ErrorBody),
              (status = 403, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody),
              (status = 413, body = super::error::ErrorBody), (status = 415, body = super::error::ErrorBody),
              (status = 422, body = super::error::ErrorBody)))]
pub async fn post_reports(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(format!(
                "body larger than {} bytes (see --max-body)",
                state.config.max_body_bytes
            ))
        } else {
            ApiError::BadRequest(e.body_text())
        }
    })?;
    let mut p = Params::new(q);
    let on_conflict = match p.string("on_conflict").as_deref() {
        None | Some("error") => OnConflict::Error,
        Some("skip") => OnConflict::Skip,
        Some("update") => OnConflict::Update,
        Some(o) => {
            return Err(ApiError::bad_param(
                "on_conflict",
                format!("{o:?}: expected error, skip or update"),
            ));
        }
    };
    let force = p.bool("force", false)?;
    let kind = body_kind(&headers, &body)?;
    let file_name = p.string("name").unwrap_or_else(|| {
        match kind {
            BodyKind::Csv => "upload.csv",
            BodyKind::GeoJson => "upload.geojson",
            BodyKind::SingleReport => "report.json",
        }
        .to_string()
    });
    let opts = IngestOptions {
        tz: state.config.clock.tz,
        skip_invalid: false,
    };
    let sha256 = sha256_hex(&body);
    let name = file_name.clone();
    let parsed: Parsed<Report> = tokio::task::spawn_blocking(move || match kind {
        BodyKind::Csv => ingest::csv::read_reports(&body, &name, &opts),
        BodyKind::GeoJson => ingest::geojson::read_reports(&body, &name, &opts),
        BodyKind::SingleReport => {
            let csv = single_report_csv(&body).map_err(|e| ingest::IngestError::Invalid {
                problems: vec![ingest::Problem {
                    file: name.clone(),
                    line: 1,
                    column: "-".into(),
                    message: e.to_string(),
                }],
                total: 1,
            })?;
            ingest::csv::read_reports(&csv, &name, &opts)
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    if parsed.rows.is_empty() {
        return Err(ApiError::Unprocessable {
            message: "no reports in the upload".into(),
            details: vec![],
        });
    }
    let meta = ImportMeta {
        kind: ImportKind::Reports,
        file_name,
        sha256,
        imported_by: caller.name.clone(),
        on_conflict,
        force: force || kind == BodyKind::SingleReport,
    };
    let record = state
        .store
        .import_reports(&meta, &parsed.rows)
        .await
        .map_err(|e| with_line(e, &parsed.lines))?;
    state.data_changed();
    let batch = record.batch.to_string();
    super::audit::record(
        &state,
        &caller,
        crate::store::audit::action::IMPORT,
        "POST /api/reports",
        [
            ("kind", "reports"),
            ("batch", batch.as_str()),
            ("name", meta.file_name.as_str()),
        ],
        record.inserted + record.updated,
    )
    .await?;
    let mut resp = respond::json(&record);
    *resp.status_mut() = StatusCode::CREATED;
    Ok(resp)
}

/// Maps a store row error back to the line of the uploaded file it came from.
fn with_line(e: StoreError, lines: &[u64]) -> ApiError {
    let line_of = |row: usize| lines.get(row).copied().unwrap_or(row as u64 + 2);
    match e {
        StoreError::Row { row, ref message } => ApiError::Unprocessable {
            details: vec![ErrorDetail {
                line: line_of(row),
                column: "-".into(),
                message: message.clone(),
            }],
            message: format!("line {}: {message}; nothing was stored", line_of(row)),
        },
        StoreError::Conflict { row, ref id } => ApiError::Unprocessable {
            details: vec![ErrorDetail {
                line: line_of(row),
                column: "id".into(),
                message: format!("id {id:?} is already stored (use on_conflict=skip or update)"),
            }],
            message: format!(
                "line {}: duplicate id {id:?}; nothing was stored",
                line_of(row)
            ),
        },
        other => other.into(),
    }
}
