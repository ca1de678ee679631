//! Plans without lost updates: every write of a plan increments its `version` (the HTTP
//! ETag) and copies the new version into `plan_history`; a conditional write names the
//! version it was based on and fails with [`StoreError::Stale`] when another write came
//! first.
//!
//! The check is the `UPDATE … WHERE id = $ AND version = $` itself, not a read followed by a
//! write: on PostgreSQL the second of two concurrent updates waits for the first's row lock
//! and then finds the version changed; on SQLite writes are serialised. Either way exactly
//! one of N writers holding the same version wins.

use super::rows::{PLAN_COLS, PlanRow};
use super::shared::{Affected, shared_queries};
use super::{PlanInput, Result, StoreError, codec};
use crate::model::ActionPlan;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sqlx::Pool;

/// One version of a plan, as `GET /api/plans/{id}/history` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanVersion {
    /// 1 for the creation, +1 per update; the deletion is the last version.
    pub version: i64,
    /// `create`, `update` or `delete`.
    pub op: String,
    /// Who wrote this version (for a deletion: who deleted).
    pub changed_by: String,
    /// When, UTC.
    pub changed_at: NaiveDateTime,
    /// The plan's fields in this version (for a deletion: the last fields).
    pub plan: ActionPlan,
}

/// The columns of a history row.
const HISTORY_COLS: &str = "id, version, op, subject_type, subject_id, responsible_person, task, \
     responsible_unit, deadline, expected_result, approving_authority, state, created_by, \
     created_at, updated_by, updated_at";

/// A plan row with its version (the ETag).
#[derive(sqlx::FromRow)]
pub(crate) struct VersionedRow {
    #[sqlx(flatten)]
    plan: PlanRow,
    version: i64,
}

/// A row of `plan_history`.
#[derive(sqlx::FromRow)]
pub(crate) struct HistoryRow {
    #[sqlx(flatten)]
    plan: PlanRow,
    version: i64,
    op: String,
}

impl TryFrom<HistoryRow> for PlanVersion {
    type Error = StoreError;
    fn try_from(r: HistoryRow) -> Result<Self> {
        let plan = ActionPlan::try_from(r.plan)?;
        Ok(PlanVersion {
            version: r.version,
            op: r.op,
            changed_by: plan.updated_by.clone(),
            changed_at: plan.updated_at,
            plan,
        })
    }
}

shared_queries! {
    /// Copies the current row of plan `id` into the history as `op`.
    pub async fn write_plan_history(conn: &mut DB::Connection, id: i64, op: &str) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO plan_history ({HISTORY_COLS}) \
             SELECT id, version, $2, subject_type, subject_id, responsible_person, task, \
             responsible_unit, deadline, expected_result, approving_authority, state, \
             created_by, created_at, updated_by, updated_at FROM plans WHERE id = $1"
        ))
        .bind(id)
        .bind(op)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// A plan and its version.
    pub async fn plan_versioned(pool: &Pool<DB>, id: i64) -> Result<Option<(ActionPlan, i64)>> {
        let row: Option<VersionedRow> = sqlx::query_as(&format!(
            "SELECT {PLAN_COLS}, version FROM plans WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(pool)
        .await?;
        row.map(|r| Ok((ActionPlan::try_from(r.plan)?, r.version)))
            .transpose()
    }

    /// [`StoreError::Stale`] with the current version when plan `id` exists, else not found.
    async fn stale_or_missing(conn: &mut DB::Connection, id: i64, expected: i64) -> StoreError {
        let current: Result<Option<(i64,)>> =
            sqlx::query_as("SELECT version FROM plans WHERE id = $1")
                .bind(id)
                .fetch_optional(conn)
                .await
                .map_err(StoreError::from);
        match current {
            Ok(Some((current,))) => StoreError::Stale {
                what: "plan",
                id: id.to_string(),
                expected,
                current,
            },
            Ok(None) => StoreError::not_found("plan", id),
            Err(e) => e,
        }
    }

    /// Replaces the fields of plan `id` if its version is `expected` (any version when
    /// `None`), recording the new version in the history; returns the plan and its new
    /// version.
    pub async fn update_plan_if(
        pool: &Pool<DB>,
        id: i64,
        plan: &PlanInput,
        by: &str,
        expected: Option<i64>,
    ) -> Result<(ActionPlan, i64)> {
        let mut tx = pool.begin().await?;
        let sql = format!(
            "UPDATE plans SET subject_type = $1, subject_id = $2, responsible_person = $3, \
             task = $4, responsible_unit = $5, deadline = $6, expected_result = $7, \
             approving_authority = $8, state = $9, updated_by = $10, updated_at = $11, \
             version = version + 1 \
             WHERE id = $12 AND ($13 < 0 OR version = $13) RETURNING {PLAN_COLS}, version"
        );
        let row: Option<VersionedRow> = Self::bind_plan(sqlx::query(&sql), plan, by)
            .bind(id)
            .bind(expected.unwrap_or(-1))
            .try_map(|r| sqlx::FromRow::from_row(&r))
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(Self::stale_or_missing(&mut tx, id, expected.unwrap_or(-1)).await);
        };
        let out = ActionPlan::try_from(row.plan)?;
        let version = row.version;
        Self::write_plan_history(&mut tx, id, "update").await?;
        Self::bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok((out, version))
    }

    /// Deletes plan `id` if its version is `expected` (any when `None`); the history keeps
    /// its last fields as a `delete` version written by `by`.
    pub async fn delete_plan_if(
        pool: &Pool<DB>,
        id: i64,
        by: &str,
        expected: Option<i64>,
    ) -> Result<()> {
        let mut tx = pool.begin().await?;
        let n = sqlx::query(
            "UPDATE plans SET version = version + 1, updated_by = $2, updated_at = $3 \
             WHERE id = $1 AND ($4 < 0 OR version = $4)",
        )
        .bind(id)
        .bind(by)
        .bind(codec::now())
        .bind(expected.unwrap_or(-1))
        .execute(&mut *tx)
        .await?
        .affected();
        if n == 0 {
            return Err(Self::stale_or_missing(&mut tx, id, expected.unwrap_or(-1)).await);
        }
        Self::write_plan_history(&mut tx, id, "delete").await?;
        sqlx::query("DELETE FROM plans WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Self::bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every version of plan `id`, oldest first (empty when it never existed).
    pub async fn plan_history(pool: &Pool<DB>, id: i64) -> Result<Vec<PlanVersion>> {
        let rows: Vec<HistoryRow> = sqlx::query_as(&format!(
            "SELECT {HISTORY_COLS} FROM plan_history WHERE id = $1 ORDER BY version"
        ))
        .bind(id)
        .fetch_all(pool)
        .await?;
        super::rows::convert(rows)
    }
}

/// The HTTP entity tag of a plan version: a quoted opaque string.
pub fn etag(id: i64, version: i64) -> String {
    format!("\"plan-{id}-v{version}\"")
}

/// The version an `If-Match` value names for plan `id`: `Ok(None)` for `*` (any version),
/// an error message when it is not an ETag this server issued for this plan.
pub fn parse_if_match(id: i64, value: &str) -> std::result::Result<Option<i64>, String> {
    let v = value.trim();
    if v == "*" {
        return Ok(None);
    }
    let prefix = format!("\"plan-{id}-v");
    v.strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix('"'))
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 1)
        .map(Some)
        .ok_or_else(|| format!("If-Match {v:?} is not an ETag of plan {id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(parse_if_match(7, &etag(7, 3)), Ok(Some(3)));
        assert_eq!(parse_if_match(7, " * "), Ok(None));
        assert!(parse_if_match(8, &etag(7, 3)).is_err());
        assert!(parse_if_match(7, "W/\"plan-7-v3\"").is_err());
        assert!(parse_if_match(7, "\"plan-7-v0\"").is_err());
    }
}
