//! A PostGIS store that writes to the primary and may read dataset content (reports, sites,
//! areas, declarations, targets, tracked hotspots, the dataset version) from a streaming
//! standby (`hotspot serve --db-read`).
//!
//! Reads must never go back in time for someone who has seen a write, so the store keeps a
//! *required* WAL position: raised after every write through it (the primary's
//! `pg_current_wal_lsn()` once the write committed), by the dataset-version listener for
//! writes of other servers and the CLI, and by clients that pass the position a write answered
//! them (`Hotspot-Min-Lsn`, see `server::cluster`). A read goes to the standby only once its `pg_last_wal_replay_lsn()` has
//! reached that position; it waits for that at most `max_wait`, then reads the primary.
//! Tokens, plans and the import list always come from the primary: they are small, and a
//! revoked token or a plan just saved must be seen at once.

use super::PostgisStore;
use crate::model::{ActionPlan, Area, AreaLevel, Declaration, PlanSubject, Report, Site, Target};
use crate::store::{
    DbStatus, ImportMeta, ImportRecord, PlanInput, ReportFilter, Result, Role, Store, TokenRecord,
    TrackedHotspot,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often a waiting read asks the standby how far it has replayed.
const REPLAY_POLL: Duration = Duration::from_millis(5);

/// Counters for tests and `/api/meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouteStats {
    /// Reads answered by the standby.
    pub replica_reads: u64,
    /// Reads sent to the primary because the standby had not caught up in time (or failed).
    pub primary_fallbacks: u64,
}

/// Primary for writes, optionally a standby for reads.
pub struct RoutedStore {
    primary: Arc<PostgisStore>,
    replica: Option<Arc<PostgisStore>>,
    max_wait: Duration,
    /// WAL position every read must reflect (bytes since 0/0).
    required: AtomicI64,
    /// Newest replay position the standby reported.
    replayed: AtomicI64,
    /// Highest position a read already waited for in vain: later reads for it do not wait
    /// again (one look at the standby, then the primary), so a request of several reads
    /// waits at most once.
    waited_out: AtomicI64,
    replica_reads: AtomicU64,
    primary_fallbacks: AtomicU64,
}

/// Formats a WAL position the way PostgreSQL prints `pg_lsn` (`16/B374D848`).
pub fn format_lsn(lsn: i64) -> String {
    let v = lsn as u64;
    format!("{:X}/{:X}", v >> 32, v & 0xFFFF_FFFF)
}

/// Parses a `pg_lsn` text (`16/B374D848`); `None` for anything else.
pub fn parse_lsn(s: &str) -> Option<i64> {
    let (hi, lo) = s.trim().split_once('/')?;
    if hi.is_empty() || lo.is_empty() || hi.len() > 8 || lo.len() > 8 {
        return None;
    }
    let hi = u32::from_str_radix(hi, 16).ok()? as u64;
    let lo = u32::from_str_radix(lo, 16).ok()? as u64;
    i64::try_from((hi << 32) | lo).ok()
}

impl RoutedStore {
    pub fn new(
        primary: Arc<PostgisStore>,
        replica: Option<Arc<PostgisStore>>,
        max_wait: Duration,
    ) -> Self {
        RoutedStore {
            primary,
            replica,
            max_wait,
            required: AtomicI64::new(0),
            replayed: AtomicI64::new(0),
            waited_out: AtomicI64::new(-1),
            replica_reads: AtomicU64::new(0),
            primary_fallbacks: AtomicU64::new(0),
        }
    }

    pub fn primary(&self) -> &Arc<PostgisStore> {
        &self.primary
    }

    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    pub fn stats(&self) -> RouteStats {
        RouteStats {
            replica_reads: self.replica_reads.load(Ordering::Relaxed),
            primary_fallbacks: self.primary_fallbacks.load(Ordering::Relaxed),
        }
    }

    /// The WAL position reads currently have to reflect.
    pub fn required_lsn(&self) -> i64 {
        self.required.load(Ordering::Acquire)
    }

    /// Raises the position reads have to reflect; returns whether it moved.
    pub fn require(&self, lsn: i64) -> bool {
        self.required.fetch_max(lsn, Ordering::AcqRel) < lsn
    }

    /// The primary's current WAL insert position.
    pub async fn primary_lsn(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint")
                .fetch_one(self.primary.pool())
                .await?,
        )
    }

    /// Called once something committed on the primary (here or elsewhere): every later read
    /// reflects it. Returns the position.
    pub async fn note_primary_write(&self) -> Result<i64> {
        let lsn = self.primary_lsn().await?;
        self.require(lsn);
        Ok(lsn)
    }

    /// Records the write (ignoring a failure to read the position: the write itself
    /// succeeded, and the dataset-version notification raises the position as well).
    async fn wrote<T>(&self, out: Result<T>) -> Result<T> {
        if out.is_ok()
            && let Err(e) = self.note_primary_write().await
        {
            tracing::warn!(error = %e, "could not read the primary's WAL position after a write");
        }
        out
    }

    /// The store a read of dataset content goes to.
    async fn reader(&self) -> &PostgisStore {
        let Some(replica) = &self.replica else {
            return &self.primary;
        };
        let need = self.required_lsn();
        if self.replayed.load(Ordering::Acquire) >= need {
            self.replica_reads.fetch_add(1, Ordering::Relaxed);
            return replica;
        }
        let waited_out = self.waited_out.load(Ordering::Acquire) >= need;
        let deadline = Instant::now()
            + if waited_out {
                Duration::ZERO
            } else {
                self.max_wait
            };
        loop {
            let replayed: std::result::Result<Option<i64>, sqlx::Error> =
                sqlx::query_scalar("SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint")
                    .fetch_one(replica.pool())
                    .await;
            match replayed {
                Ok(Some(at)) => {
                    self.replayed.fetch_max(at, Ordering::AcqRel);
                    if at >= need {
                        self.replica_reads.fetch_add(1, Ordering::Relaxed);
                        return replica;
                    }
                }
                Ok(None) | Err(_) => break,
            }
            if Instant::now() + REPLAY_POLL > deadline {
                break;
            }
            tokio::time::sleep(REPLAY_POLL).await;
        }
        self.waited_out.fetch_max(need, Ordering::AcqRel);
        self.primary_fallbacks.fetch_add(1, Ordering::Relaxed);
        &self.primary
    }
}

#[async_trait::async_trait]
impl Store for RoutedStore {
    /// From the store reads go to, so the dataset version and the rows it versions agree.
    async fn status(&self) -> Result<DbStatus> {
        self.reader().await.status().await
    }

    async fn import_reports(&self, meta: &ImportMeta, rows: &[Report]) -> Result<ImportRecord> {
        self.wrote(self.primary.import_reports(meta, rows).await)
            .await
    }

    async fn import_sites(&self, meta: &ImportMeta, rows: &[Site]) -> Result<ImportRecord> {
        self.wrote(self.primary.import_sites(meta, rows).await)
            .await
    }

    async fn import_areas(&self, meta: &ImportMeta, rows: &[Area]) -> Result<ImportRecord> {
        self.wrote(self.primary.import_areas(meta, rows).await)
            .await
    }

    async fn import_declarations(
        &self,
        meta: &ImportMeta,
        rows: &[Declaration],
    ) -> Result<ImportRecord> {
        self.wrote(self.primary.import_declarations(meta, rows).await)
            .await
    }

    async fn import_targets(&self, meta: &ImportMeta, rows: &[Target]) -> Result<ImportRecord> {
        self.wrote(self.primary.import_targets(meta, rows).await)
            .await
    }

    async fn list_imports(&self) -> Result<Vec<ImportRecord>> {
        self.primary.list_imports().await
    }

    async fn undo_import(&self, batch: i64) -> Result<ImportRecord> {
        self.wrote(self.primary.undo_import(batch).await).await
    }

    async fn reports(&self, filter: &ReportFilter) -> Result<Vec<Report>> {
        self.reader().await.reports(filter).await
    }

    async fn count_reports(&self, filter: &ReportFilter) -> Result<u64> {
        self.reader().await.count_reports(filter).await
    }

    async fn reports_page(
        &self,
        q: &crate::filter::sql::PageQuery<'_, Report>,
    ) -> Result<Option<(Vec<Report>, u64)>> {
        self.reader().await.reports_page(q).await
    }

    async fn report(&self, id: &str) -> Result<Option<Report>> {
        self.reader().await.report(id).await
    }

    async fn sites(&self, bbox: Option<[f64; 4]>) -> Result<Vec<Site>> {
        self.reader().await.sites(bbox).await
    }

    async fn areas(&self, level: Option<AreaLevel>) -> Result<Vec<Area>> {
        self.reader().await.areas(level).await
    }

    async fn area(&self, id: &str) -> Result<Option<Area>> {
        self.reader().await.area(id).await
    }

    async fn declarations(&self) -> Result<Vec<Declaration>> {
        self.reader().await.declarations().await
    }

    async fn targets(&self) -> Result<Vec<Target>> {
        self.reader().await.targets().await
    }

    async fn create_plan(&self, plan: &PlanInput, by: &str) -> Result<ActionPlan> {
        self.wrote(self.primary.create_plan(plan, by).await).await
    }

    async fn update_plan(&self, id: i64, plan: &PlanInput, by: &str) -> Result<ActionPlan> {
        self.wrote(self.primary.update_plan(id, plan, by).await)
            .await
    }

    async fn delete_plan(&self, id: i64) -> Result<()> {
        self.wrote(self.primary.delete_plan(id).await).await
    }

    async fn plan(&self, id: i64) -> Result<Option<ActionPlan>> {
        self.primary.plan(id).await
    }

    async fn plans(&self, subject: Option<&PlanSubject>) -> Result<Vec<ActionPlan>> {
        self.primary.plans(subject).await
    }

    async fn plan_versioned(&self, id: i64) -> Result<Option<(ActionPlan, i64)>> {
        self.primary.plan_versioned(id).await
    }

    async fn update_plan_if(
        &self,
        id: i64,
        plan: &PlanInput,
        by: &str,
        version: Option<i64>,
    ) -> Result<(ActionPlan, i64)> {
        self.wrote(self.primary.update_plan_if(id, plan, by, version).await)
            .await
    }

    async fn delete_plan_if(&self, id: i64, by: &str, version: Option<i64>) -> Result<()> {
        self.wrote(self.primary.delete_plan_if(id, by, version).await)
            .await
    }

    async fn plan_history(&self, id: i64) -> Result<Vec<crate::store::plan_versions::PlanVersion>> {
        self.primary.plan_history(id).await
    }

    /// Audit records are written by the request that read, straight to the primary; no read
    /// waits for them (they change no dataset).
    async fn append_audit(&self, entry: &crate::store::audit::NewAudit) -> Result<()> {
        self.primary.append_audit(entry).await
    }

    async fn audit(
        &self,
        query: &crate::store::audit::AuditQuery,
    ) -> Result<Vec<crate::store::audit::AuditEntry>> {
        self.primary.audit(query).await
    }

    async fn tracked_hotspots(&self) -> Result<Vec<TrackedHotspot>> {
        self.reader().await.tracked_hotspots().await
    }

    async fn save_tracked_hotspots(&self, hotspots: &[TrackedHotspot]) -> Result<()> {
        self.wrote(self.primary.save_tracked_hotspots(hotspots).await)
            .await
    }

    async fn create_token(
        &self,
        name: &str,
        role: Role,
        token_sha256: &str,
    ) -> Result<TokenRecord> {
        self.wrote(self.primary.create_token(name, role, token_sha256).await)
            .await
    }

    async fn token_by_hash(&self, token_sha256: &str) -> Result<Option<TokenRecord>> {
        self.primary.token_by_hash(token_sha256).await
    }

    async fn tokens(&self) -> Result<Vec<TokenRecord>> {
        self.primary.tokens().await
    }

    async fn revoke_token(&self, id: i64) -> Result<()> {
        self.wrote(self.primary.revoke_token(id).await).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsn_text_round_trips() {
        for (text, v) in [("0/0", 0i64), ("16/B374D848", 0x16_B374_D848), ("0/1", 1)] {
            assert_eq!(parse_lsn(text), Some(v), "{text}");
            assert_eq!(format_lsn(v), text);
        }
        for bad in [
            "",
            "16",
            "/1",
            "1/",
            "x/1",
            "123456789/0",
            "FFFFFFFF/FFFFFFFF",
        ] {
            assert_eq!(parse_lsn(bad), None, "{bad:?}");
        }
    }
}
