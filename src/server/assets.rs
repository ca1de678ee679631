//! The web map (built by `scripts/build-web.sh` into `web/dist`), embedded in the binary.
//!
//! `allow_missing` keeps the crate building before the web bundle exists; the map page then
//! answers 503 with how to build it. Hashed files under `/assets/` are cached for a year
//! (`immutable`); `index.html` is revalidated on every load (ETag) so a new release shows at once.

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

use super::AppState;

#[derive(RustEmbed)]
#[folder = "web/dist"]
#[allow_missing = true]
struct WebDist;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
}

/// The page shown when the bundle is missing.
pub const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>hotspot</title>\
<h1>web map not built</h1><p>web map not built: run <code>scripts/build-web.sh</code> and \
rebuild hotspot.</p><p>The API (<a href=\"/api/openapi.json\">/api/openapi.json</a>) and \
OGC API Features (<a href=\"/ogc\">/ogc</a>) work without it.</p>";

async fn index(headers: HeaderMap) -> Response {
    match serve_file("index.html", &headers) {
        Some(r) => r,
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            NOT_BUILT,
        )
            .into_response(),
    }
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve_file(&format!("assets/{path}"), &headers).unwrap_or_else(|| {
        super::error::ApiError::NotFound(format!("no asset {path:?}")).into_response()
    })
}

/// A top-level file of the bundle (favicon, manifest…), for the router's fallback.
pub fn top_level(path: &str, headers: &HeaderMap) -> Option<Response> {
    let p = path.trim_start_matches('/');
    if p.is_empty() || p.contains('/') {
        return None;
    }
    serve_file(p, headers)
}

/// Serves an embedded file with its content type, ETag and cache policy (304 on a match).
pub fn serve_file(path: &str, headers: &HeaderMap) -> Option<Response> {
    let file = WebDist::get(path)?;
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime = mime_guess::from_path(path)
            .first_or_octet_stream()
            .to_string();
        let mut r = Response::new(Body::from(file.data.into_owned()));
        if let Ok(v) = HeaderValue::from_str(&mime) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    };
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Some(resp)
}
