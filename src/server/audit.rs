//! Writing the audit trail from handlers, and `GET /api/audit` (admins).
//!
//! Handlers that read raw report points or change data call [`record`] after the work and
//! before answering; a failure to record fails the request (a raw read that cannot be
//! audited is not served).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::respond;
use crate::store::Role;
use crate::store::audit::{AuditEntry, AuditQuery, NewAudit, clean_params};

/// Appends one audit row for `caller`: `action` (see [`crate::store::audit::action`]) on
/// `route` with the request's parameters (tokens and coordinates masked) and `rows` rows.
pub async fn record<'a>(
    state: &AppState,
    caller: &Caller,
    action: &str,
    route: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    rows: u64,
) -> ApiResult<()> {
    state
        .store
        .append_audit(&NewAudit {
            who: caller.name.clone(),
            role: caller
                .role
                .map_or("anonymous", crate::model::Role::as_str)
                .to_string(),
            action: action.to_string(),
            route: route.to_string(),
            params: clean_params(params),
            rows,
        })
        .await?;
    Ok(())
}

/// `(k, v)` pairs of a query map, for [`record`].
pub fn pairs(q: &HashMap<String, String>) -> impl Iterator<Item = (&str, &str)> {
    q.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// The audit trail (admins), oldest first: raw report reads, exports, imports, undos,
/// token and plan changes.
#[utoipa::path(get, path = "/api/audit", tag = "admin", security(("bearer" = [])),
    params(
        ("since" = Option<String>, Query, description = "YYYY-MM-DD or RFC 3339 (UTC): rows at or after"),
        ("who" = Option<String>, Query, description = "token name (or OS user for the CLI)"),
        ("limit" = Option<u64>, Query, description = "the newest N rows (default 1000, max 10000)"),
    ),
    responses((status = 200, body = [AuditEntry]), (status = 400, body = super::error::ErrorBody),
              (status = 403, body = super::error::ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    let since = match q.get("since").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(parse_since(s).map_err(|m| ApiError::bad_param("since", m))?),
    };
    let limit = match q.get("limit") {
        None => 1000,
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|l| (1..=state.config.max_limit).contains(l))
            .ok_or_else(|| {
                ApiError::bad_param(
                    "limit",
                    format!("{s:?} is not in 1..={}", state.config.max_limit),
                )
            })?,
    };
    let who = q.get("who").filter(|s| !s.is_empty()).cloned();
    let rows = state
        .store
        .audit(&AuditQuery {
            since,
            who,
            limit: Some(limit),
        })
        .await?;
    Ok(respond::json(&rows))
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 instant, as naive UTC, in the sane years.
pub fn parse_since(s: &str) -> Result<chrono::NaiveDateTime, String> {
    let t = if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0).expect("midnight")
    } else if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        t.naive_utc()
    } else {
        return Err(format!("{s:?} is not YYYY-MM-DD or an RFC 3339 date-time"));
    };
    crate::ingest::limits::check_datetime(t)?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_days_and_instants_in_utc() {
        assert_eq!(
            parse_since("2025-01-02").unwrap().to_string(),
            "2025-01-02 00:00:00"
        );
        assert_eq!(
            parse_since("2025-01-02T07:00:00+07:00")
                .unwrap()
                .to_string(),
            "2025-01-02 00:00:00"
        );
        assert!(parse_since("0000-01-01").is_err());
        assert!(parse_since("yesterday").is_err());
    }
}
