//! Persistent storage behind one [`Store`] trait, with an embedded SQLite backend (default,
//! `sqlite://hotspot.db`) and a PostGIS backend for servers (`postgres://…`).
//!
//! Every import is one transaction: all rows land or none do. Each import is recorded as a
//! batch (file name, sha256, counts, who, when) so it can be listed and undone, and so the
//! same file is never silently loaded twice.

pub mod audit;
pub mod backup;
mod codec;
pub mod copy_text;
mod engine;
mod filter_limits;
pub mod plan_versions;
pub mod postgis;
mod redact;
mod report_sql;
mod rows;
mod shared;
pub mod sqlite;
mod sqlite_raw;

use crate::model::{
    ActionPlan, Area, AreaLevel, Declaration, PlanSubject, Report, ReportKind, Site, Target,
};
pub use crate::model::{ImportKind, PlanInput, Role, TrackedHotspot};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use filter_limits::{MAX_LIMIT, MAX_OFFSET};
pub use redact::{redact_in, redact_url};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    BadUrl(String),
    /// A row of the import broke a rule; `row` is the 0-based index into the imported slice
    /// (the caller maps it back to a file line).
    #[error("row {row}: {message}")]
    Row { row: usize, message: String },
    #[error("duplicate id {id:?} (already stored; use --on-conflict skip or update)")]
    Conflict { row: usize, id: String },
    #[error("this file (sha256 {sha256}) was already imported as batch {batch}")]
    AlreadyImported { batch: i64, sha256: String },
    #[error("{what} {id:?} not found")]
    NotFound { what: &'static str, id: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Invalid(String),
    /// The database failed while the rows from `row` on were being written (e.g. the
    /// connection dropped); the transaction was rolled back, nothing was written.
    #[error("import interrupted at row {row}: {source}")]
    Interrupted {
        row: usize,
        #[source]
        source: sqlx::Error,
    },
    /// A conditional write named a version that is no longer the current one (another
    /// write came first); HTTP 412.
    #[error(
        "{what} {id} was changed by someone else (you had version {expected}, it is now {current})"
    )]
    Stale {
        what: &'static str,
        id: String,
        expected: i64,
        current: i64,
    },
    /// Backup or restore could not be done (tool missing or failing, file exists, database
    /// not empty without `--force`).
    #[error("{0}")]
    Backup(String),
}

impl StoreError {
    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What to do with an incoming row whose id is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Fail the whole import (nothing is written).
    #[default]
    Error,
    /// Keep the stored row, drop the incoming one.
    Skip,
    /// Replace the stored row with the incoming one.
    Update,
}

/// Who is importing what.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    pub kind: ImportKind,
    pub file_name: String,
    /// Hex sha256 of the file's bytes; the same file is detected on re-import.
    pub sha256: String,
    pub imported_by: String,
    pub on_conflict: OnConflict,
    /// Import even if this sha256 was already imported.
    pub force: bool,
}

/// A recorded import batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRecord {
    pub batch: i64,
    pub kind: ImportKind,
    pub file_name: String,
    pub sha256: String,
    pub imported_by: String,
    pub imported_at: NaiveDateTime,
    pub inserted: u64,
    pub updated: u64,
    pub skipped: u64,
    /// Set once the batch has been undone.
    pub undone_at: Option<NaiveDateTime>,
}

/// Filter for reports; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportFilter {
    /// Inclusive lower bound on `observed_at` (local time).
    pub from: Option<NaiveDateTime>,
    /// Exclusive upper bound on `observed_at` (local time).
    pub to: Option<NaiveDateTime>,
    /// Empty means every kind.
    pub kinds: Vec<ReportKind>,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: Option<[f64; 4]>,
    /// Reports inside this area's polygon or any of its descendants'.
    pub area: Option<String>,
    /// Paging, in a stable order (by `id`).
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Schema and content summary (`hotspot db status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbStatus {
    pub backend: String,
    pub url: String,
    pub schema_version: i64,
    pub reports: u64,
    pub sites: u64,
    pub areas: u64,
    pub imports: u64,
    /// Increases on every change of reports, sites or areas; computed layers are cached by it.
    pub dataset_version: i64,
}

/// A stored API token (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: NaiveDateTime,
    pub revoked: bool,
}

/// The one storage interface; SQLite and PostGIS pass the same behavioural test suite.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    async fn status(&self) -> Result<DbStatus>;

    // Imports: one transaction each; on error nothing is written.
    async fn import_reports(&self, meta: &ImportMeta, rows: &[Report]) -> Result<ImportRecord>;
    async fn import_sites(&self, meta: &ImportMeta, rows: &[Site]) -> Result<ImportRecord>;
    async fn import_areas(&self, meta: &ImportMeta, rows: &[Area]) -> Result<ImportRecord>;
    async fn import_declarations(
        &self,
        meta: &ImportMeta,
        rows: &[Declaration],
    ) -> Result<ImportRecord>;
    async fn import_targets(&self, meta: &ImportMeta, rows: &[Target]) -> Result<ImportRecord>;
    async fn list_imports(&self) -> Result<Vec<ImportRecord>>;
    /// Removes what the batch inserted and restores what it updated.
    async fn undo_import(&self, batch: i64) -> Result<ImportRecord>;

    // Reading.
    async fn reports(&self, filter: &ReportFilter) -> Result<Vec<Report>>;
    /// Number of reports matching the filter, ignoring `limit`/`offset` (the total for paging).
    async fn count_reports(&self, filter: &ReportFilter) -> Result<u64>;
    /// Reports matching a checked CQL2 filter (the OGC `reports` items), sorted and paged in
    /// SQL with bound parameters, and how many matched; `None` when the filter has no SQL form
    /// on this backend (the caller evaluates it in memory).
    async fn reports_page(
        &self,
        q: &crate::filter::sql::PageQuery<'_, Report>,
    ) -> Result<Option<(Vec<Report>, u64)>>;
    async fn report(&self, id: &str) -> Result<Option<Report>>;
    async fn sites(&self, bbox: Option<[f64; 4]>) -> Result<Vec<Site>>;
    /// All areas, or those of one level.
    async fn areas(&self, level: Option<AreaLevel>) -> Result<Vec<Area>>;
    async fn area(&self, id: &str) -> Result<Option<Area>>;
    async fn declarations(&self) -> Result<Vec<Declaration>>;
    async fn targets(&self) -> Result<Vec<Target>>;

    // Action plans ("6 clears").
    async fn create_plan(&self, plan: &PlanInput, by: &str) -> Result<ActionPlan>;
    async fn update_plan(&self, id: i64, plan: &PlanInput, by: &str) -> Result<ActionPlan>;
    async fn delete_plan(&self, id: i64) -> Result<()>;
    async fn plan(&self, id: i64) -> Result<Option<ActionPlan>>;
    async fn plans(&self, subject: Option<&PlanSubject>) -> Result<Vec<ActionPlan>>;

    // Hotspot identity across runs.
    async fn tracked_hotspots(&self) -> Result<Vec<TrackedHotspot>>;
    /// Replaces the tracked set (ids are kept by the caller's overlap matching).
    async fn save_tracked_hotspots(&self, hotspots: &[TrackedHotspot]) -> Result<()>;

    // API tokens.
    async fn create_token(&self, name: &str, role: Role, token_sha256: &str)
    -> Result<TokenRecord>;
    async fn token_by_hash(&self, token_sha256: &str) -> Result<Option<TokenRecord>>;
    async fn tokens(&self) -> Result<Vec<TokenRecord>>;
    async fn revoke_token(&self, id: i64) -> Result<()>;

    // Plans without lost updates (see `plan_versions`).
    /// A plan and its version (its ETag).
    async fn plan_versioned(&self, id: i64) -> Result<Option<(ActionPlan, i64)>>;
    /// Updates plan `id` only if its version is still `version` (any when `None`):
    /// [`StoreError::Stale`] otherwise. Returns the plan and its new version.
    async fn update_plan_if(
        &self,
        id: i64,
        plan: &PlanInput,
        by: &str,
        version: Option<i64>,
    ) -> Result<(ActionPlan, i64)>;
    /// Deletes plan `id` only if its version is still `version` (any when `None`).
    async fn delete_plan_if(&self, id: i64, by: &str, version: Option<i64>) -> Result<()>;
    /// Every version of plan `id`, oldest first.
    async fn plan_history(&self, id: i64) -> Result<Vec<plan_versions::PlanVersion>>;

    // Audit trail (append-only, see `audit`).
    async fn append_audit(&self, entry: &audit::NewAudit) -> Result<()>;
    async fn audit(&self, query: &audit::AuditQuery) -> Result<Vec<audit::AuditEntry>>;
}

/// Opens (creating and migrating as needed) the store named by `url`: `sqlite://PATH`,
/// `sqlite::memory:`, a bare file path (SQLite), or `postgres://…` / `postgresql://…`.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgis::PostgisStore::open(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if !url.is_empty() && !url.contains("://") {
        Ok(Arc::new(
            sqlite::SqliteStore::open(&format!("sqlite://{url}")).await?,
        ))
    } else {
        Err(StoreError::BadUrl(redact_url(url)))
    }
}

/// Exact test of a site geometry against a `[min_lon, min_lat, max_lon, max_lat]` box.
pub(crate) fn intersects_bbox(g: &geo::Geometry<f64>, b: [f64; 4]) -> bool {
    use geo::Intersects;
    let rect = geo::Rect::new(
        geo::coord! { x: b[0], y: b[1] },
        geo::coord! { x: b[2], y: b[3] },
    );
    g.intersects(&rect)
}
