//! Response helpers: content types, download headers and cache headers shared by the API and
//! the OGC routes.

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub const GEOJSON: &str = "application/geo+json";
pub const JSON: &str = "application/json";
pub const CSV: &str = "text/csv; charset=utf-8";

/// A body with a content type; `attachment` names the download file.
pub fn body(content_type: &'static str, bytes: Bytes, attachment: Option<String>) -> Response {
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Layers depend on the caller's role: never let a shared cache mix them up.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Authorization"));
    if let Some(name) = attachment
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// GeoJSON or CSV of a layer, as an attachment when `download` is set.
pub fn layer_body(name: &str, csv: Option<Bytes>, geojson: Bytes, download: bool) -> Response {
    match csv {
        Some(c) => body(CSV, c, download.then(|| format!("{name}.csv"))),
        None => body(
            GEOJSON,
            geojson,
            download.then(|| format!("{name}.geojson")),
        ),
    }
}

/// Any serialisable value as JSON.
pub fn json<T: serde::Serialize>(v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(b) => body(JSON, Bytes::from(b), None),
        Err(e) => super::error::ApiError::Internal(e.to_string()).into_response(),
    }
}
