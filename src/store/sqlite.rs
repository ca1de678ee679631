//! Embedded SQLite backend (default `sqlite://hotspot.db`).
//!
//! WAL journal, geometries as WKB blobs next to bbox columns; spatial filters are a bbox
//! prefilter in SQL (index on `(lon, lat)` for reports) and the exact test in Rust with `geo`.
use super::codec::{self, Val};
use super::engine::{self, Spec};
use super::report_sql::{area_tree_cte, report_conditions};
use super::rows;
use super::shared::{self, GeomSql, Queries};
use super::sqlite_raw;
use super::{
    DbStatus, ImportKind, ImportMeta, ImportRecord, PlanInput, ReportFilter, Result, Role, Store,
    StoreError, TokenRecord, TrackedHotspot,
};
use crate::filter::sql::{Dialect, SqlValue};
use crate::model::{ActionPlan, Area, AreaLevel, Declaration, PlanSubject, Report, Site, Target};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, Sqlite, SqliteConnection};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Rows per multi-row `INSERT` into the stage (SQLite allows 32 766 bound values).
const CHUNK: usize = 512;

const REPORTS: Spec = Spec {
    kind: ImportKind::Reports,
    table: "reports",
    key: "id",
    cols: &["lon", "lat", "kind", "observed_at"],
    stage_ddl: "id TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL, kind TEXT NOT NULL, \
                observed_at INTEGER NOT NULL",
    staged: None,
    exprs: None,
    bulk_indexes: &[(
        "reports_lon_lat",
        "CREATE INDEX reports_lon_lat ON reports (lon, lat, kind, observed_at)",
    )],
    area_ref: None,
};
const SITES: Spec = Spec {
    kind: ImportKind::Sites,
    table: "sites",
    key: "id",
    cols: &[
        "name", "kind", "geom", "min_lon", "min_lat", "max_lon", "max_lat",
    ],
    stage_ddl: "id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, geom BLOB NOT NULL, \
                min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL",
    staged: None,
    exprs: None,
    bulk_indexes: &[],
    area_ref: None,
};
const AREAS: Spec = Spec {
    kind: ImportKind::Areas,
    table: "areas",
    key: "id",
    cols: &[
        "name",
        "level",
        "parent_id",
        "geom",
        "min_lon",
        "min_lat",
        "max_lon",
        "max_lat",
    ],
    stage_ddl: "id TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL, parent_id TEXT, \
                geom BLOB NOT NULL, min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL",
    staged: None,
    exprs: None,
    bulk_indexes: &[],
    area_ref: Some("parent_id"),
};
const DECLARATIONS: Spec = Spec {
    kind: ImportKind::Declarations,
    table: "declarations",
    key: "key",
    cols: &["area_id", "status", "declared_at", "declared_by"],
    stage_ddl: "key TEXT NOT NULL, area_id TEXT NOT NULL, status TEXT NOT NULL, \
                declared_at TEXT NOT NULL, declared_by TEXT NOT NULL",
    staged: None,
    exprs: None,
    bulk_indexes: &[],
    area_ref: Some("area_id"),
};
const TARGETS: Spec = Spec {
    kind: ImportKind::Targets,
    table: "targets",
    key: "key",
    cols: &["area_id", "level", "share", "due"],
    stage_ddl: "key TEXT NOT NULL, area_id TEXT NOT NULL, level TEXT NOT NULL, share REAL NOT NULL, \
                due TEXT NOT NULL",
    staged: None,
    exprs: None,
    bulk_indexes: &[],
    area_ref: Some("area_id"),
};

/// Geometries are plain WKB blobs.
const GEOM: GeomSql = GeomSql {
    read: "geom",
    from_blob: None,
    encode: codec::to_wkb,
};

fn spec_for(kind: ImportKind) -> Result<&'static Spec> {
    engine::find_spec(&[&REPORTS, &SITES, &AREAS, &DECLARATIONS, &TARGETS], kind)
}

pub struct SqliteStore {
    pool: SqlitePool,
    url: String,
}

impl SqliteStore {
    /// Opens (creating the file if missing) and migrates. `sqlite::memory:` gives a private
    /// in-memory database on a single connection (for tests).
    pub async fn open(url: &str) -> Result<Self> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .busy_timeout(Duration::from_secs(30))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536");
        if !memory {
            opts = opts
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal);
        }
        let pool = if memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(4)
        }
        .connect_with(opts)
        .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            url: url.to_string(),
        })
    }

    /// Stages `rows`, then merges them into `spec.table` in one transaction.
    async fn import<'r, T: Sync>(
        &self,
        spec: &Spec,
        meta: &ImportMeta,
        rows: &'r [T],
        keys: Option<&'r [String]>,
        vals: fn(&'r T) -> Vec<Val<'r>>,
    ) -> Result<ImportRecord> {
        shared::check_kind(meta, spec)?;
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        Queries::<Sqlite>::refuse_reimport(&mut tx, meta).await?;
        sqlx::query("DROP TABLE IF EXISTS temp.stage")
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "CREATE TEMP TABLE stage (row_idx INTEGER NOT NULL, {})",
            spec.stage_ddl
        ))
        .execute(&mut *tx)
        .await?;
        stage_rows(&mut tx, spec, rows, keys, vals).await?;
        let record = Queries::<Sqlite>::merge_stage(rows.len(), &mut tx, spec, meta).await?;
        sqlx::query("DROP TABLE temp.stage")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(record)
    }
}

fn bind_val<'q>(
    q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    v: Val<'q>,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    match v {
        Val::Text(s) => q.bind(s),
        Val::OptText(s) => q.bind(s),
        Val::F64(x) => q.bind(x),
        Val::I64(x) => q.bind(x),
        Val::Bytes(b) => q.bind(b),
        Val::Date(d) => q.bind(d),
        Val::Ts(t) => q.bind(t),
    }
}

/// Multi-row `INSERT`s of `CHUNK` rows; an interruption names the first row of its chunk.
async fn stage_rows<'r, T>(
    conn: &mut SqliteConnection,
    spec: &Spec,
    rows: &'r [T],
    keys: Option<&'r [String]>,
    vals: fn(&'r T) -> Vec<Val<'r>>,
) -> Result<()> {
    let width = spec.cols.len() + 2;
    let sql_for = |n: usize| {
        let tuple = format!("({})", vec!["?"; width].join(","));
        format!(
            "INSERT INTO stage ({}) VALUES {}",
            spec.stage_columns(),
            vec![tuple; n].join(",")
        )
    };
    let full_sql = sql_for(CHUNK);
    for (c, chunk) in rows.chunks(CHUNK).enumerate() {
        let start = c * CHUNK;
        let sql = if chunk.len() == CHUNK {
            full_sql.clone()
        } else {
            sql_for(chunk.len())
        };
        let mut q = sqlx::query(&sql).persistent(chunk.len() == CHUNK);
        for (i, row) in chunk.iter().enumerate() {
            q = q.bind((start + i) as i64);
            if let Some(keys) = keys {
                q = q.bind(keys[start + i].as_str());
            }
            for v in vals(row) {
                q = bind_val(q, v);
            }
        }
        q.execute(&mut *conn)
            .await
            .map_err(|source| StoreError::Interrupted { row: start, source })?;
    }
    Ok(())
}

fn report_vals(r: &Report) -> Vec<Val<'_>> {
    vec![
        Val::Text(&r.id),
        Val::F64(r.lon),
        Val::F64(r.lat),
        Val::Text(r.kind.as_str()),
        Val::I64(codec::micros(r.observed_at)),
    ]
}

fn geom_vals<'a>(g: &geo::Geometry<f64>) -> [Val<'a>; 5] {
    let b = codec::bbox(g);
    [
        Val::Bytes(codec::to_wkb(g)),
        Val::F64(b[0]),
        Val::F64(b[1]),
        Val::F64(b[2]),
        Val::F64(b[3]),
    ]
}

fn site_vals(s: &Site) -> Vec<Val<'_>> {
    let mut v = vec![
        Val::Text(&s.id),
        Val::Text(&s.name),
        Val::Text(s.kind.as_str()),
    ];
    v.extend(geom_vals(&s.geometry));
    v
}

fn area_vals(a: &Area) -> Vec<Val<'_>> {
    let mut v = vec![
        Val::Text(&a.id),
        Val::Text(&a.name),
        Val::Text(a.level.as_str()),
        Val::OptText(a.parent_id.as_deref()),
    ];
    v.extend(geom_vals(&geo::Geometry::MultiPolygon(a.geometry.clone())));
    v
}

/// `WHERE` for the SQL part of a report filter and its parameters (`?1`, …);
/// `extra_bbox` is the area prefilter.
fn report_where(f: &ReportFilter, extra_bbox: Option<[f64; 4]>) -> (String, Vec<SqlValue>) {
    let c = report_conditions(f, Dialect::Sqlite, 1, extra_bbox);
    (format!(" WHERE {}", c.sql), c.params)
}

/// Bound values as sqlx arguments (times as the stored microseconds).
fn sqlite_args(params: &[SqlValue]) -> Result<SqliteArguments<'static>> {
    use sqlx::Arguments;
    let mut args = SqliteArguments::default();
    for p in params {
        match p {
            SqlValue::Text(s) => args.add(s.clone()),
            SqlValue::F64(x) => args.add(*x),
            SqlValue::I64(x) => args.add(*x),
            SqlValue::Timestamp(t) => args.add(codec::micros(*t)),
        }
        .map_err(|e| StoreError::Invalid(format!("parameter: {e}")))?;
    }
    Ok(args)
}

fn report_from_row(r: (String, f64, f64, String, i64)) -> Result<Report> {
    Ok(Report {
        id: r.0,
        lon: r.1,
        lat: r.2,
        kind: codec::parse_vocab(&r.3)?,
        observed_at: codec::from_micros(r.4)?,
    })
}

fn union_bbox(boxes: impl IntoIterator<Item = [f64; 4]>) -> Option<[f64; 4]> {
    boxes.into_iter().reduce(|a, b| {
        [
            a[0].min(b[0]),
            a[1].min(b[1]),
            a[2].max(b[2]),
            a[3].max(b[3]),
        ]
    })
}

impl SqliteStore {
    /// Polygons of an area and all its descendants, with their overall bbox.
    async fn area_tree(&self, id: &str) -> Result<(Vec<geo::MultiPolygon<f64>>, [f64; 4])> {
        let rows: Vec<(Vec<u8>, f64, f64, f64, f64)> = sqlx::query_as(&format!(
            "{} SELECT geom, min_lon, min_lat, max_lon, max_lat FROM areas JOIN tree USING (id)",
            area_tree_cte("$1")
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let bbox = union_bbox(rows.iter().map(|r| [r.1, r.2, r.3, r.4]))
            .ok_or_else(|| StoreError::not_found("area", id))?;
        let polys = rows
            .iter()
            .map(|r| codec::multi_polygon(codec::from_wkb(&r.0)?))
            .collect::<Result<Vec<_>>>()?;
        Ok((polys, bbox))
    }

    /// Reports matching `f` in id order, before paging when an area is involved.
    async fn filtered_reports(&self, f: &ReportFilter, page_in_sql: bool) -> Result<Vec<Report>> {
        let area = match &f.area {
            Some(id) => Some(self.area_tree(id).await?),
            None => None,
        };
        let extra = area.as_ref().map(|a| a.1);
        let (where_sql, mut params) = report_where(f, extra);
        let paged = page_in_sql && area.is_none() && (f.limit.is_some() || f.offset.is_some());
        let hint = index_hint(f, extra);
        // A bbox walks the (lon, lat, …) index, so rows come out in lon order; SQLite's sorter
        // then needs ~1 s to put 800k string ids in order. Unless SQL pages, sort in Rust
        // (parallel, ids are unique so the order is the same).
        let sort_in_rust = !paged && !hint.is_empty();
        let mut sql = format!(
            "SELECT id, lon, lat, kind, observed_at FROM reports{hint}{where_sql}{}",
            if sort_in_rust { "" } else { " ORDER BY id" }
        );
        if paged {
            let n = params.len();
            sql.push_str(&format!(" LIMIT ?{} OFFSET ?{}", n + 1, n + 2));
            params.push(SqlValue::I64(f.limit.map_or(-1, |l| l as i64)));
            params.push(SqlValue::I64(f.offset.unwrap_or(0) as i64));
        }
        let mut conn = self.pool.acquire().await?;
        let mut handle = conn.lock_handle().await?;
        let mut read = || sqlite_raw::reports_on(&mut handle, &sql, &params);
        let rows = match tokio::runtime::Handle::current().runtime_flavor() {
            tokio::runtime::RuntimeFlavor::CurrentThread => read(),
            _ => tokio::task::block_in_place(read),
        }?;
        drop(handle);
        let mut rows = rows;
        if sort_in_rust {
            use rayon::slice::ParallelSliceMut;
            rows.par_sort_unstable_by(|a, b| a.id.cmp(&b.id));
        }
        let Some((polys, _)) = &area else {
            return Ok(rows);
        };
        let mut out: Vec<Report> = rows
            .into_iter()
            .filter(|r| codec::point_in_any(polys, r.lon, r.lat))
            .collect();
        if page_in_sql {
            let off = f.offset.unwrap_or(0) as usize;
            let lim = f.limit.map_or(usize::MAX, |l| l as usize);
            out = out.into_iter().skip(off).take(lim).collect();
        }
        Ok(out)
    }
}

/// Without statistics the planner prefers walking the primary key (it yields the id order
/// for free) over the covering `(lon, lat, …)` index; a bbox is selective, so insist on it.
fn index_hint(f: &ReportFilter, extra: Option<[f64; 4]>) -> &'static str {
    let boxes = [f.bbox, extra];
    let mut boxes = boxes.iter().flatten().peekable();
    if boxes.peek().is_some() && boxes.all(|b| b[0] <= b[2]) {
        " INDEXED BY reports_lon_lat"
    } else {
        ""
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn status(&self) -> Result<DbStatus> {
        Queries::<Sqlite>::status(&self.pool, "sqlite", &self.url).await
    }

    async fn import_reports(&self, meta: &ImportMeta, rows: &[Report]) -> Result<ImportRecord> {
        codec::validate_reports(rows)?;
        self.import(&REPORTS, meta, rows, None, report_vals).await
    }

    async fn import_sites(&self, meta: &ImportMeta, rows: &[Site]) -> Result<ImportRecord> {
        codec::validate_sites(rows)?;
        self.import(&SITES, meta, rows, None, site_vals).await
    }

    async fn import_areas(&self, meta: &ImportMeta, rows: &[Area]) -> Result<ImportRecord> {
        codec::validate_areas(rows)?;
        self.import(&AREAS, meta, rows, None, area_vals).await
    }

    async fn import_declarations(
        &self,
        meta: &ImportMeta,
        rows: &[Declaration],
    ) -> Result<ImportRecord> {
        let keys = codec::validate_declarations(rows)?;
        self.import(
            &DECLARATIONS,
            meta,
            rows,
            Some(&keys),
            rows::declaration_vals,
        )
        .await
    }

    async fn import_targets(&self, meta: &ImportMeta, rows: &[Target]) -> Result<ImportRecord> {
        let keys = codec::validate_targets(rows)?;
        self.import(&TARGETS, meta, rows, Some(&keys), rows::target_vals)
            .await
    }

    async fn list_imports(&self) -> Result<Vec<ImportRecord>> {
        Queries::<Sqlite>::list_imports(&self.pool).await
    }

    async fn undo_import(&self, batch: i64) -> Result<ImportRecord> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let record = Queries::<Sqlite>::undo_batch(&mut tx, batch, spec_for).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn reports(&self, filter: &ReportFilter) -> Result<Vec<Report>> {
        filter.validate()?;
        self.filtered_reports(filter, true).await
    }

    async fn reports_page(
        &self,
        q: &crate::filter::sql::PageQuery<'_, Report>,
    ) -> Result<Option<(Vec<Report>, u64)>> {
        self.cql_page(q).await
    }

    async fn count_reports(&self, filter: &ReportFilter) -> Result<u64> {
        filter.validate()?;
        if filter.area.is_some() {
            let unpaged = ReportFilter {
                limit: None,
                offset: None,
                ..filter.clone()
            };
            let n = self.filtered_reports(&unpaged, false).await?.len() as u64;
            return Ok(n);
        }
        let (where_sql, params) = report_where(filter, None);
        let sql = format!(
            "SELECT COUNT(*) FROM reports{}{where_sql}",
            index_hint(filter, None)
        );
        let n: i64 = sqlx::query_scalar_with(&sql, sqlite_args(&params)?)
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    async fn report(&self, id: &str) -> Result<Option<Report>> {
        let row: Option<(String, f64, f64, String, i64)> =
            sqlx::query_as("SELECT id, lon, lat, kind, observed_at FROM reports WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(report_from_row).transpose()
    }

    async fn sites(&self, bbox: Option<[f64; 4]>) -> Result<Vec<Site>> {
        let rows: Vec<rows::SiteRow> =
            match bbox {
                None => {
                    sqlx::query_as("SELECT id, name, kind, geom FROM sites ORDER BY id")
                        .fetch_all(&self.pool)
                        .await?
                }
                Some(b) => sqlx::query_as(
                    "SELECT id, name, kind, geom FROM sites WHERE max_lon >= $1 AND min_lon <= $3 \
                     AND max_lat >= $2 AND min_lat <= $4 ORDER BY id",
                )
                .bind(b[0])
                .bind(b[1])
                .bind(b[2])
                .bind(b[3])
                .fetch_all(&self.pool)
                .await?,
            };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let site = Site::try_from(r)?;
            if bbox.is_none_or(|b| super::intersects_bbox(&site.geometry, b)) {
                out.push(site);
            }
        }
        Ok(out)
    }

    async fn areas(&self, level: Option<AreaLevel>) -> Result<Vec<Area>> {
        Queries::<Sqlite>::areas(&self.pool, &GEOM, level).await
    }

    async fn area(&self, id: &str) -> Result<Option<Area>> {
        Queries::<Sqlite>::area(&self.pool, &GEOM, id).await
    }

    async fn declarations(&self) -> Result<Vec<Declaration>> {
        Queries::<Sqlite>::declarations(&self.pool).await
    }

    async fn targets(&self) -> Result<Vec<Target>> {
        Queries::<Sqlite>::targets(&self.pool).await
    }

    async fn create_plan(&self, plan: &PlanInput, by: &str) -> Result<ActionPlan> {
        Queries::<Sqlite>::create_plan(&self.pool, plan, by).await
    }

    async fn update_plan(&self, id: i64, plan: &PlanInput, by: &str) -> Result<ActionPlan> {
        Queries::<Sqlite>::update_plan(&self.pool, id, plan, by).await
    }

    async fn delete_plan(&self, id: i64) -> Result<()> {
        Queries::<Sqlite>::delete_plan(&self.pool, id).await
    }

    async fn plan(&self, id: i64) -> Result<Option<ActionPlan>> {
        Queries::<Sqlite>::plan(&self.pool, id).await
    }

    async fn plans(&self, subject: Option<&PlanSubject>) -> Result<Vec<ActionPlan>> {
        Queries::<Sqlite>::plans(&self.pool, subject).await
    }

    async fn tracked_hotspots(&self) -> Result<Vec<TrackedHotspot>> {
        Queries::<Sqlite>::tracked_hotspots(&self.pool, &GEOM).await
    }

    async fn save_tracked_hotspots(&self, hotspots: &[TrackedHotspot]) -> Result<()> {
        Queries::<Sqlite>::save_tracked_hotspots(&self.pool, &GEOM, hotspots).await
    }

    async fn create_token(
        &self,
        name: &str,
        role: Role,
        token_sha256: &str,
    ) -> Result<TokenRecord> {
        Queries::<Sqlite>::create_token(&self.pool, name, role, token_sha256).await
    }

    async fn token_by_hash(&self, token_sha256: &str) -> Result<Option<TokenRecord>> {
        Queries::<Sqlite>::token_by_hash(&self.pool, token_sha256).await
    }

    async fn tokens(&self) -> Result<Vec<TokenRecord>> {
        Queries::<Sqlite>::tokens(&self.pool).await
    }

    async fn revoke_token(&self, id: i64) -> Result<()> {
        Queries::<Sqlite>::revoke_token(&self.pool, id).await
    }
    async fn plan_versioned(&self, id: i64) -> Result<Option<(ActionPlan, i64)>> {
        Queries::<Sqlite>::plan_versioned(&self.pool, id).await
    }

    async fn update_plan_if(
        &self,
        id: i64,
        plan: &PlanInput,
        by: &str,
        version: Option<i64>,
    ) -> Result<(ActionPlan, i64)> {
        Queries::<Sqlite>::update_plan_if(&self.pool, id, plan, by, version).await
    }

    async fn delete_plan_if(&self, id: i64, by: &str, version: Option<i64>) -> Result<()> {
        Queries::<Sqlite>::delete_plan_if(&self.pool, id, by, version).await
    }

    async fn plan_history(&self, id: i64) -> Result<Vec<super::plan_versions::PlanVersion>> {
        Queries::<Sqlite>::plan_history(&self.pool, id).await
    }

    async fn append_audit(&self, entry: &super::audit::NewAudit) -> Result<()> {
        Queries::<Sqlite>::append_audit(&self.pool, entry).await
    }

    async fn audit(
        &self,
        query: &super::audit::AuditQuery,
    ) -> Result<Vec<super::audit::AuditEntry>> {
        Queries::<Sqlite>::audit(&self.pool, query).await
    }
}

impl SqliteStore {
    /// Reports matching a checked CQL2 filter, sorted and paged in SQL with bound parameters,
    /// and how many matched. `Ok(None)` when the filter has no SQL form here (the caller then
    /// evaluates it in memory). A polygon literal narrows by its bounding box in SQL and is
    /// re-checked exactly with `q.recheck`, the page then being cut in memory.
    async fn cql_page(
        &self,
        q: &crate::filter::sql::PageQuery<'_, Report>,
    ) -> Result<Option<(Vec<Report>, u64)>> {
        use crate::filter::sql::{REPORT_COLUMNS, page_sql};
        let Ok((filter, order)) = page_sql(q, REPORT_COLUMNS, Dialect::Sqlite, "id") else {
            return Ok(None);
        };
        let (where_sql, params, exact) = match &filter {
            Some(f) => (format!(" WHERE {}", f.sql), f.params.clone(), f.exact),
            None => (String::new(), Vec::new(), true),
        };
        let n = params.len();
        let page = if exact {
            format!(" LIMIT ?{} OFFSET ?{}", n + 1, n + 2)
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT id, lon, lat, kind, observed_at FROM reports{where_sql} ORDER BY {order}{page}"
        );
        let mut page_params = params.clone();
        if exact {
            page_params.push(SqlValue::I64(q.limit.min(i64::MAX as u64) as i64));
            page_params.push(SqlValue::I64(q.offset.min(i64::MAX as u64) as i64));
        }
        let mut reports = sqlx::query_as_with::<_, (String, f64, f64, String, i64), _>(
            &sql,
            sqlite_args(&page_params)?,
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(report_from_row)
        .collect::<Result<Vec<_>>>()?;
        if !exact {
            reports.retain(|r| (q.recheck)(r));
            let matched = reports.len() as u64;
            let start = q.offset.min(matched) as usize;
            let end = (start as u64 + q.limit).min(matched) as usize;
            return Ok(Some((reports.drain(start..end).collect(), matched)));
        }
        let count_sql = format!("SELECT COUNT(*) FROM reports{where_sql}");
        let matched: i64 = sqlx::query_scalar_with(&count_sql, sqlite_args(&params)?)
            .fetch_one(&self.pool)
            .await?;
        Ok(Some((reports, matched as u64)))
    }
}
