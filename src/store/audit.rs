//! The audit trail: who read raw reports, exported, imported, undid an import, changed a
//! token or a plan — when, through which route, with which parameters, and how many rows.
//!
//! The `audit` table is append-only on both stores (triggers refuse `UPDATE` and `DELETE`,
//! and PostgreSQL `TRUNCATE`); this module only ever inserts and selects. Parameters are
//! stored as the caller gives them, so callers pass them through [`clean_params`], which drops
//! tokens and coordinates.

use super::shared::shared_queries;
use super::{Result, codec};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sqlx::Pool;

/// What kind of access an audit row records.
pub mod action {
    /// Raw report points read (API list/CSV, one report, OGC report items).
    pub const REPORTS_READ: &str = "reports.read";
    /// Reports near sensitive sites (raw points).
    pub const NEAR_READ: &str = "near.read";
    /// A file written from the store (`hotspot export`).
    pub const EXPORT: &str = "export";
    pub const IMPORT: &str = "import";
    pub const UNDO: &str = "import.undo";
    pub const TOKEN_CREATE: &str = "token.create";
    pub const TOKEN_REVOKE: &str = "token.revoke";
    pub const PLAN_CREATE: &str = "plan.create";
    pub const PLAN_UPDATE: &str = "plan.update";
    pub const PLAN_DELETE: &str = "plan.delete";
}

/// One audit row to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    /// Token name, or the OS user for the CLI.
    pub who: String,
    /// `viewer`/`analyst`/`admin` for API callers, `cli` for the command line.
    pub role: String,
    /// One of [`action`].
    pub action: String,
    /// `GET /api/reports`, `cli import reports`, …
    pub route: String,
    /// `key=value&…` without tokens or coordinates (see [`clean_params`]).
    pub params: String,
    /// Rows returned, written or removed.
    pub rows: u64,
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC.
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    pub who: String,
    pub role: String,
    pub action: String,
    pub route: String,
    pub params: String,
    /// Stored as a signed integer (neither backend has an unsigned one).
    #[sqlx(try_from = "i64")]
    pub rows: u64,
}

/// Which audit rows to list (newest last).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Rows at or after this UTC instant.
    pub since: Option<NaiveDateTime>,
    /// Rows of this caller only.
    pub who: Option<String>,
    /// At most this many of the newest matching rows.
    pub limit: Option<u64>,
}

/// Parameter names whose values never go into the audit trail or the access log: secrets,
/// and coordinates (a bbox is a place the caller looked at).
const HIDDEN: &[&str] = &[
    "token",
    "access_token",
    "authorization",
    "password",
    "bbox",
    "lon",
    "lat",
    "point",
    "coords",
    "geometry",
];

/// `pairs` as a sorted `key=value&…` string with the values of [`HIDDEN`] names replaced by
/// `*` (the key stays, so the trail still says a bbox was given). Values are cut at 200
/// characters.
pub fn clean_params<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| {
            let hidden = HIDDEN.iter().any(|h| k.eq_ignore_ascii_case(h));
            let v = if hidden {
                "*".to_string()
            } else {
                v.chars().take(200).collect()
            };
            format!("{k}={v}")
        })
        .collect();
    out.sort();
    out.join("&")
}

/// Columns of `audit`, as [`AuditEntry`] names them.
const AUDIT_COLS: &str = "id, at, who, role, action, route, params, rows";

shared_queries! {
    /// Appends one row, stamped now (UTC).
    pub async fn append_audit(pool: &Pool<DB>, e: &NewAudit) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit (at, who, role, action, route, params, rows) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(codec::now())
        .bind(e.who.as_str())
        .bind(e.role.as_str())
        .bind(e.action.as_str())
        .bind(e.route.as_str())
        .bind(e.params.as_str())
        .bind(i64::try_from(e.rows).unwrap_or(i64::MAX))
        .execute(pool)
        .await?;
        Ok(())
    }

    /// The newest `limit` matching rows, oldest first.
    pub async fn audit(pool: &Pool<DB>, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let limit = q
            .limit
            .map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let mut out: Vec<AuditEntry> = sqlx::query_as(&format!(
            "SELECT {AUDIT_COLS} FROM audit \
             WHERE ($1 IS NULL OR at >= $1) AND (CAST($2 AS TEXT) IS NULL OR who = $2) \
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(q.since)
        .bind(q.who.as_deref())
        .bind(limit)
        .fetch_all(pool)
        .await?;
        out.reverse();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_coordinates_are_masked_and_keys_sorted() {
        let p = clean_params([
            ("bbox", "107.5,16.4,107.6,16.5"),
            ("token", "abc"),
            ("kind", "sale"),
            ("from", "2025-01-01"),
        ]);
        assert_eq!(p, "bbox=*&from=2025-01-01&kind=sale&token=*");
        assert_eq!(
            clean_params([("area", &"x".repeat(500) as &str)]).len(),
            205
        );
    }
}
