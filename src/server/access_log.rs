//! One access log line per request, and the request id that ties a response to its log lines.
//!
//! The middleware gives every request an id (a client's `x-request-id` of up to 64 safe
//! characters is kept, otherwise a fresh one), makes it available to the handlers for the
//! duration of the request ([`request_id`], used by error answers), returns it in the
//! `x-request-id` header, and logs — under the target `hotspot::access`, which `hotspot
//! serve` shows at its default level — the method, the path, the query with secrets and
//! coordinates masked, the status, the time taken and the caller's role.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// What the middleware knows about the request being served.
struct RequestCtx {
    id: String,
    role: Mutex<Option<&'static str>>,
}

tokio::task_local! {
    static CTX: Arc<RequestCtx>;
}

/// The id of the request being served (a fresh one outside a request).
pub fn request_id() -> String {
    CTX.try_with(|c| c.id.clone()).unwrap_or_else(|_| new_id())
}

/// Records the caller's role for the access line (called once the token is resolved).
pub fn set_role(role: &'static str) {
    let _ = CTX.try_with(|c| *c.role.lock().expect("role lock") = Some(role));
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_string()
}

/// A client-supplied id, if it is short and harmless in a log line.
fn client_id(req: &Request) -> Option<String> {
    let v = req.headers().get("x-request-id")?.to_str().ok()?;
    (!v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'))
    .then(|| v.to_string())
}

/// The query string as `key=value&…` with tokens and coordinates masked (see
/// [`crate::store::audit::clean_params`]); undecodable pairs are kept as their raw key.
pub fn clean_query(query: Option<&str>) -> String {
    let Some(q) = query.filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let pairs: Vec<(String, String)> =
        serde_urlencoded_pairs(q).unwrap_or_else(|| vec![("<query>".into(), "?".into())]);
    crate::store::audit::clean_params(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// `application/x-www-form-urlencoded` pairs, through axum's own query parser.
fn serde_urlencoded_pairs(q: &str) -> Option<Vec<(String, String)>> {
    let uri: axum::http::Uri = format!("/?{q}").parse().ok()?;
    let axum::extract::Query(pairs) =
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri).ok()?;
    Some(pairs)
}

/// The middleware (install with `axum::middleware::from_fn`, outermost, so that timeouts
/// and body-limit answers are logged too).
pub async fn access_log(req: Request, next: Next) -> Response {
    let id = client_id(&req).unwrap_or_else(new_id);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = clean_query(req.uri().query());
    let ctx = Arc::new(RequestCtx {
        id: id.clone(),
        role: Mutex::new(None),
    });
    let start = Instant::now();
    let mut resp = CTX.scope(ctx.clone(), next.run(req)).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    let role = ctx.role.lock().expect("role lock").unwrap_or("-");
    tracing::info!(
        target: "hotspot::access",
        request_id = %id,
        method = %method,
        path = %path,
        query = %query,
        status = resp.status().as_u16(),
        ms = format_args!("{ms:.1}"),
        role = %role,
        "request"
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_lose_tokens_and_coordinates() {
        let q = clean_query(Some(
            "bbox=107.5%2C16.4%2C107.6%2C16.5&access_token=abc&kind=sale",
        ));
        assert_eq!(q, "access_token=*&bbox=*&kind=sale");
        assert_eq!(clean_query(None), "");
    }

    #[test]
    fn outside_a_request_ids_are_fresh() {
        assert_ne!(request_id(), request_id());
        assert_eq!(request_id().len(), 16);
    }
}
