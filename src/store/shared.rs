//! Queries whose SQL text is the same on SQLite and PostgreSQL (`$n` placeholders work in
//! both), written once and generic over the sqlx database: the import merge and undo steps
//! of [`super::engine`], the batch list, status counts, declarations, targets, action plans,
//! API tokens, and the area and tracked-hotspot queries (parameterised by [`GeomSql`]). What
//! truly differs (staging, report filters, sites) stays in the backend files.
//!
//! Every function lives in an `impl` block on [`Queries`] opened by [`shared_queries!`], so
//! that the long list of sqlx trait bounds is written once (here, and used by
//! `plan_versions.rs` and `audit.rs` too); each backend calls `Queries::<Sqlite>::…` or
//! `Queries::<Postgres>::…`.

use super::codec;
use super::engine::{self, Spec};
use super::rows::{
    self, AreaRow, DeclarationRow, IMPORT_COLS, ImportRow, PLAN_COLS, PlanRow, TOKEN_COLS,
    TargetRow, TokenRow, TrackedRow,
};
use super::{
    DbStatus, ImportKind, ImportMeta, ImportRecord, OnConflict, PlanInput, Result, Role,
    StoreError, TokenRecord, TrackedHotspot,
};
use crate::model::{ActionPlan, Area, AreaLevel, Declaration, PlanSubject, Target};

use sqlx::Pool;
use sqlx::query::Query;
use std::marker::PhantomData;

/// Rows touched by a statement, for either backend's query result.
pub(crate) trait Affected {
    fn affected(&self) -> u64;
}

impl Affected for sqlx::sqlite::SqliteQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl Affected for sqlx::postgres::PgQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

/// The shared queries of database `DB` (never constructed; a namespace for the bounds).
pub(crate) struct Queries<DB>(PhantomData<DB>);

/// Fails when the rows handed to an import are not of the kind its metadata names.
pub(crate) fn check_kind(meta: &ImportMeta, spec: &Spec) -> Result<()> {
    if meta.kind != spec.kind {
        return Err(StoreError::Invalid(format!(
            "import kind {:?} does not match the rows ({:?})",
            meta.kind, spec.kind
        )));
    }
    Ok(())
}

/// How a backend stores geometries, the one difference of the area and tracked-hotspot
/// queries: the SQL that reads the `geom` column as WKB (named `geom` again, for the row
/// structs), the SQL function (if any) that turns
/// a bound blob into a geometry, and how that blob is encoded.
pub(crate) struct GeomSql {
    pub read: &'static str,
    pub from_blob: Option<&'static str>,
    pub encode: fn(&geo::Geometry<f64>) -> Vec<u8>,
}

impl GeomSql {
    /// The geometry parameter `$n`.
    fn param(&self, n: usize) -> String {
        match self.from_blob {
            Some(f) => format!("{f}(${n})"),
            None => format!("${n}"),
        }
    }
}

/// Opens an `impl<DB> Queries<DB>` block with every sqlx bound the shared queries need:
/// what they bind, what they fetch (the row structs of [`rows`] and a few tuples) and how
/// they execute. Rust does not carry `where` clauses through a trait alias, so the list lives
/// in this one macro instead of being copied onto each block (`shared.rs`,
/// `plan_versions.rs`, `audit.rs`).
macro_rules! shared_queries {
    ($($body:tt)*) => {
        impl<DB> $crate::store::shared::Queries<DB>
        where
            DB: sqlx::Database,
            DB::QueryResult: $crate::store::shared::Affected,
            for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
            for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
            for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> chrono::NaiveDate: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> chrono::NaiveDateTime: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> Option<chrono::NaiveDateTime>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> Vec<u8>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
            for<'r> (i64, String): sqlx::FromRow<'r, DB::Row>,
            for<'r> (i64, i64, i64, i64, i64): sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::rows::ImportRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::rows::PlanRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::rows::TokenRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::rows::DeclarationRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::rows::TargetRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::rows::AreaRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::rows::TrackedRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::plan_versions::VersionedRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::plan_versions::HistoryRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::audit::AuditEntry: sqlx::FromRow<'r, DB::Row>,
        {
            $($body)*
        }
    };
}
pub(crate) use shared_queries;

shared_queries! {
    /// Marks a change of reports, sites, areas or plans (computed layers are cached by it).
    pub async fn bump_version(conn: &mut DB::Connection) -> Result<()> {
        sqlx::query("UPDATE meta SET dataset_version = dataset_version + 1")
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Refuses a file an active batch already imported, unless the import is forced.
    pub async fn refuse_reimport(conn: &mut DB::Connection, meta: &ImportMeta) -> Result<()> {
        if meta.force {
            return Ok(());
        }
        let batch: Option<i64> = sqlx::query_scalar(
            "SELECT batch FROM imports WHERE sha256 = $1 AND kind = $2 AND undone_at IS NULL \
             ORDER BY batch LIMIT 1",
        )
        .bind(meta.sha256.as_str())
        .bind(meta.kind.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        match batch {
            Some(batch) => Err(StoreError::AlreadyImported {
                batch,
                sha256: meta.sha256.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Conflict handling, history, insert and the batch record, over the staged rows (the
    /// transaction stays open).
    pub async fn merge_stage(
        incoming: usize,
        conn: &mut DB::Connection,
        spec: &Spec,
        meta: &ImportMeta,
    ) -> Result<ImportRecord> {
        if let Some(sql) = spec.first_dangling_ref() {
            let hit: Option<(i64, String)> =
                sqlx::query_as(&sql).fetch_optional(&mut *conn).await?;
            if let Some((row, id)) = hit {
                return Err(StoreError::Row {
                    row: row as usize,
                    message: format!("{}: unknown area {id:?}", spec.area_ref.unwrap_or("area")),
                });
            }
        }
        let now = codec::now();
        let batch: i64 = sqlx::query_scalar(
            "INSERT INTO imports (kind, file_name, sha256, imported_by, imported_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING batch",
        )
        .bind(meta.kind.as_str())
        .bind(meta.file_name.as_str())
        .bind(meta.sha256.as_str())
        .bind(meta.imported_by.as_str())
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        let (mut updated, mut skipped) = (0u64, 0u64);
        match meta.on_conflict {
            OnConflict::Error => {
                let hit: Option<(i64, String)> = sqlx::query_as(&spec.first_conflict())
                    .fetch_optional(&mut *conn)
                    .await?;
                if let Some((row, id)) = hit {
                    return Err(StoreError::Conflict {
                        row: row as usize,
                        id,
                    });
                }
            }
            OnConflict::Skip => {
                skipped = sqlx::query(&spec.drop_existing_from_stage())
                    .execute(&mut *conn)
                    .await?
                    .affected();
            }
            OnConflict::Update => {
                sqlx::query(&spec.save_history())
                    .bind(batch)
                    .execute(&mut *conn)
                    .await?;
                updated = sqlx::query(&spec.update_from_stage())
                    .bind(batch)
                    .execute(&mut *conn)
                    .await?
                    .affected();
                sqlx::query(&spec.drop_existing_from_stage())
                    .execute(&mut *conn)
                    .await?;
            }
        }
        let existing: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", spec.table))
            .fetch_one(&mut *conn)
            .await?;
        let rebuild = !spec.bulk_indexes.is_empty() && engine::rebuild_indexes(incoming, existing);
        if rebuild {
            for (name, _) in spec.bulk_indexes {
                sqlx::query(&format!("DROP INDEX {name}"))
                    .execute(&mut *conn)
                    .await?;
            }
        }
        let inserted = sqlx::query(&spec.insert_from_stage())
            .bind(batch)
            .execute(&mut *conn)
            .await?
            .affected();
        if rebuild {
            for (_, create) in spec.bulk_indexes {
                sqlx::query(create).execute(&mut *conn).await?;
            }
        }
        sqlx::query(
            "UPDATE imports SET inserted = $1, updated = $2, skipped = $3 WHERE batch = $4",
        )
        .bind(inserted as i64)
        .bind(updated as i64)
        .bind(skipped as i64)
        .bind(batch)
        .execute(&mut *conn)
        .await?;
        Self::bump_version(conn).await?;
        Ok(rows::new_import_record(
            meta,
            batch,
            now,
            [inserted, updated, skipped],
        ))
    }

    /// Undoes `batch` inside the caller's transaction (which the caller commits):
    /// deletes what it inserted and restores what it replaced.
    pub async fn undo_batch(
        conn: &mut DB::Connection,
        batch: i64,
        spec_for: fn(ImportKind) -> Result<&'static Spec>,
    ) -> Result<ImportRecord> {
        let row: ImportRow = sqlx::query_as(&format!(
            "SELECT {IMPORT_COLS} FROM imports WHERE batch = $1"
        ))
        .bind(batch)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("import batch", batch))?;
        let mut record = ImportRecord::try_from(row)?;
        if let Some(at) = record.undone_at {
            return Err(StoreError::Invalid(format!(
                "batch {batch} was already undone at {at}"
            )));
        }
        let spec = spec_for(record.kind)?;
        let later: Option<i64> = sqlx::query_scalar(&spec.blocking_batch())
            .bind(batch)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(later) = later {
            return Err(StoreError::Invalid(format!(
                "rows of batch {batch} were since updated by batch {later}; undo batch {later} first"
            )));
        }
        for sql in [
            spec.delete_batch_rows(),
            spec.restore_history(),
            spec.forget_history(),
        ] {
            sqlx::query(&sql).bind(batch).execute(&mut *conn).await?;
        }
        let now = codec::now();
        sqlx::query("UPDATE imports SET undone_at = $1 WHERE batch = $2")
            .bind(now)
            .bind(batch)
            .execute(&mut *conn)
            .await?;
        Self::bump_version(conn).await?;
        record.undone_at = Some(now);
        Ok(record)
    }

    pub async fn list_imports(pool: &Pool<DB>) -> Result<Vec<ImportRecord>> {
        let rows: Vec<ImportRow> =
            sqlx::query_as(&format!("SELECT {IMPORT_COLS} FROM imports ORDER BY batch"))
                .fetch_all(pool)
                .await?;
        rows::convert(rows)
    }

    pub async fn status(pool: &Pool<DB>, backend: &str, url: &str) -> Result<DbStatus> {
        let schema_version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(pool)
        .await?;
        let (reports, sites, areas, imports, dataset_version): (i64, i64, i64, i64, i64) =
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM sites), \
                 (SELECT COUNT(*) FROM areas), (SELECT COUNT(*) FROM imports), \
                 (SELECT dataset_version FROM meta)",
            )
            .fetch_one(pool)
            .await?;
        Ok(DbStatus {
            backend: backend.into(),
            url: super::redact_url(url),
            schema_version,
            reports: reports as u64,
            sites: sites as u64,
            areas: areas as u64,
            imports: imports as u64,
            dataset_version,
        })
    }

    /// All areas, or those of one level (`CAST` types the parameter for PostgreSQL).
    pub async fn areas(
        pool: &Pool<DB>,
        geom: &GeomSql,
        level: Option<AreaLevel>,
    ) -> Result<Vec<Area>> {
        let rows: Vec<AreaRow> = sqlx::query_as(&format!(
            "SELECT id, name, level, parent_id, {} FROM areas \
                 WHERE CAST($1 AS TEXT) IS NULL OR level = $1 ORDER BY id",
            geom.read
        ))
        .bind(level.map(|l| l.as_str()))
        .fetch_all(pool)
        .await?;
        rows::convert(rows)
    }

    pub async fn area(pool: &Pool<DB>, geom: &GeomSql, id: &str) -> Result<Option<Area>> {
        let row: Option<AreaRow> = sqlx::query_as(&format!(
            "SELECT id, name, level, parent_id, {} FROM areas WHERE id = $1",
            geom.read
        ))
        .bind(id)
        .fetch_optional(pool)
        .await?;
        row.map(Area::try_from).transpose()
    }

    pub async fn tracked_hotspots(pool: &Pool<DB>, geom: &GeomSql) -> Result<Vec<TrackedHotspot>> {
        let rows: Vec<TrackedRow> = sqlx::query_as(&format!(
            "SELECT id, {}, first_detected, last_detected FROM tracked_hotspots ORDER BY id",
            geom.read
        ))
        .fetch_all(pool)
        .await?;
        rows::convert(rows)
    }

    /// Replaces the whole tracked set in one transaction.
    pub async fn save_tracked_hotspots(
        pool: &Pool<DB>,
        geom: &GeomSql,
        hotspots: &[TrackedHotspot],
    ) -> Result<()> {
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM tracked_hotspots")
            .execute(&mut *tx)
            .await?;
        // Several servers may save the same set at once (each recomputes the canonical
        // hotspots after a change): a concurrent transaction's rows are invisible to this
        // DELETE, so a plain INSERT would fail on their ids. The upsert waits for that
        // transaction instead and overwrites its row; rows go in id order so that two such
        // transactions wait for each other in one direction only (no deadlock).
        let insert = format!(
            "INSERT INTO tracked_hotspots (id, geom, first_detected, last_detected) \
             VALUES ($1, {}, $3, $4) ON CONFLICT (id) DO UPDATE SET geom = excluded.geom, \
             first_detected = excluded.first_detected, last_detected = excluded.last_detected",
            geom.param(2)
        );
        let mut ordered: Vec<&TrackedHotspot> = hotspots.iter().collect();
        ordered.sort_by(|a, b| a.id.cmp(&b.id));
        for h in ordered {
            sqlx::query(&insert)
                .bind(h.id.as_str())
                .bind((geom.encode)(&geo::Geometry::MultiPolygon(
                    h.polygon.clone(),
                )))
                .bind(h.first_detected)
                .bind(h.last_detected)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn declarations(pool: &Pool<DB>) -> Result<Vec<Declaration>> {
        let rows: Vec<DeclarationRow> = sqlx::query_as(
            "SELECT area_id, status, declared_at, declared_by FROM declarations ORDER BY key",
        )
        .fetch_all(pool)
        .await?;
        rows::convert(rows)
    }

    pub async fn targets(pool: &Pool<DB>) -> Result<Vec<Target>> {
        let rows: Vec<TargetRow> =
            sqlx::query_as("SELECT area_id, level, share, due FROM targets ORDER BY key")
                .fetch_all(pool)
                .await?;
        rows::convert(rows)
    }

    /// Binds `$1`…`$11` of a plan insert or update: subject, the "6 clears", state, and the
    /// user and time of the change.
    pub(super) fn bind_plan<'q>(
        q: Query<'q, DB, DB::Arguments<'q>>,
        plan: &'q PlanInput,
        by: &'q str,
    ) -> Query<'q, DB, DB::Arguments<'q>> {
        let (ty, sid) = rows::plan_subject_parts(&plan.subject);
        q.bind(ty)
            .bind(sid)
            .bind(plan.responsible_person.as_str())
            .bind(plan.task.as_str())
            .bind(plan.responsible_unit.as_str())
            .bind(plan.deadline)
            .bind(plan.expected_result.as_str())
            .bind(plan.approving_authority.as_str())
            .bind(plan.state.as_str())
            .bind(by)
            .bind(codec::now())
    }

    pub async fn create_plan(pool: &Pool<DB>, plan: &PlanInput, by: &str) -> Result<ActionPlan> {
        let mut tx = pool.begin().await?;
        let sql = format!(
            "INSERT INTO plans (subject_type, subject_id, responsible_person, task, \
             responsible_unit, deadline, expected_result, approving_authority, state, created_by, \
             created_at, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11) RETURNING {PLAN_COLS}"
        );
        let row: PlanRow = Self::bind_plan(sqlx::query(&sql), plan, by)
            .try_map(|r| sqlx::FromRow::from_row(&r))
            .fetch_one(&mut *tx)
            .await?;
        let out = ActionPlan::try_from(row)?;
        Self::write_plan_history(&mut tx, out.id, "create").await?;
        Self::bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Unconditional update (the CLI's `plan update`); versioned and recorded like any other.
    pub async fn update_plan(
        pool: &Pool<DB>,
        id: i64,
        plan: &PlanInput,
        by: &str,
    ) -> Result<ActionPlan> {
        Ok(Self::update_plan_if(pool, id, plan, by, None).await?.0)
    }

    /// Unconditional delete; the history records it (by an unnamed caller).
    pub async fn delete_plan(pool: &Pool<DB>, id: i64) -> Result<()> {
        Self::delete_plan_if(pool, id, "unknown", None).await
    }

    pub async fn plan(pool: &Pool<DB>, id: i64) -> Result<Option<ActionPlan>> {
        let row: Option<PlanRow> =
            sqlx::query_as(&format!("SELECT {PLAN_COLS} FROM plans WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
        row.map(ActionPlan::try_from).transpose()
    }

    /// `CAST($1 AS TEXT)` gives PostgreSQL the parameter's type when it is NULL and means
    /// nothing more to SQLite.
    pub async fn plans(pool: &Pool<DB>, subject: Option<&PlanSubject>) -> Result<Vec<ActionPlan>> {
        let (ty, sid) = match subject.map(rows::plan_subject_parts) {
            Some((t, s)) => (Some(t), Some(s)),
            None => (None, None),
        };
        let rows: Vec<PlanRow> = sqlx::query_as(&format!(
            "SELECT {PLAN_COLS} FROM plans \
             WHERE CAST($1 AS TEXT) IS NULL OR (subject_type = $1 AND subject_id = $2) ORDER BY id"
        ))
        .bind(ty)
        .bind(sid)
        .fetch_all(pool)
        .await?;
        rows::convert(rows)
    }

    pub async fn create_token(
        pool: &Pool<DB>,
        name: &str,
        role: Role,
        token_sha256: &str,
    ) -> Result<TokenRecord> {
        let row: TokenRow = sqlx::query_as(&format!(
            "INSERT INTO api_tokens (name, role, token_sha256, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING {TOKEN_COLS}"
        ))
        .bind(name)
        .bind(role.as_str())
        .bind(token_sha256)
        .bind(codec::now())
        .fetch_one(pool)
        .await?;
        TokenRecord::try_from(row)
    }

    pub async fn token_by_hash(pool: &Pool<DB>, token_sha256: &str) -> Result<Option<TokenRecord>> {
        let row: Option<TokenRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE token_sha256 = $1"
        ))
        .bind(token_sha256)
        .fetch_optional(pool)
        .await?;
        row.map(TokenRecord::try_from).transpose()
    }

    pub async fn tokens(pool: &Pool<DB>) -> Result<Vec<TokenRecord>> {
        let rows: Vec<TokenRow> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLS} FROM api_tokens ORDER BY id"))
                .fetch_all(pool)
                .await?;
        rows::convert(rows)
    }

    pub async fn revoke_token(pool: &Pool<DB>, id: i64) -> Result<()> {
        let n = sqlx::query("UPDATE api_tokens SET revoked = TRUE WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?
            .affected();
        if n == 0 {
            return Err(StoreError::not_found("token", id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_parameters_are_wrapped_only_where_the_backend_needs_it() {
        let wkb = GeomSql {
            read: "geom",
            from_blob: None,
            encode: codec::to_wkb,
        };
        let ewkb = GeomSql {
            read: "ST_AsBinary(geom) AS geom",
            from_blob: Some("ST_GeomFromEWKB"),
            encode: codec::to_ewkb,
        };
        assert_eq!(wkb.param(2), "$2");
        assert_eq!(ewkb.param(2), "ST_GeomFromEWKB($2)");
    }
}
