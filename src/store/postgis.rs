//! PostgreSQL + PostGIS backend for servers (`postgres://…`).
//!
//! Geometries are `geometry(…, 4326)` with GiST indexes and reports carry their H3 res-9
//! cell. Imports `COPY` (text format, geometries as hex EWKB) into a temporary stage table and
//! merge it with `INSERT … SELECT` in the same transaction; spatial filters are `&&` plus
//! `ST_Intersects`, the area filter a recursive CTE over the area's descendants.
use super::audit::{AuditEntry, AuditQuery, NewAudit};
use super::codec::{self, Val};
use super::copy_text::{self, NulInText};
use super::engine::{self, Spec};
use super::plan_versions::PlanVersion;
use super::report_sql::{area_tree_cte, report_conditions};
use super::rows;
use super::shared::{self, GeomSql, Queries};
use super::{
    DbStatus, ImportKind, ImportMeta, ImportRecord, PlanInput, ReportFilter, Result, Role, Store,
    StoreError, TokenRecord, TrackedHotspot,
};
use crate::filter::sql::{Dialect, SqlValue};
use crate::model::{ActionPlan, Area, AreaLevel, Declaration, PlanSubject, Report, Site, Target};
use chrono::{NaiveDate, NaiveDateTime};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres};
use std::io::Write;
use std::str::FromStr;
use std::time::Duration;

pub mod listen;
pub mod routed;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Bytes of COPY text sent per message.
const COPY_CHUNK: usize = 1 << 20;

const REPORTS: Spec = Spec {
    kind: ImportKind::Reports,
    table: "reports",
    key: "id",
    cols: &["lon", "lat", "kind", "observed_at", "h3", "geom"],
    stage_ddl: "id TEXT NOT NULL, lon DOUBLE PRECISION NOT NULL, lat DOUBLE PRECISION NOT NULL, \
                kind TEXT NOT NULL, observed_at TIMESTAMP NOT NULL, h3 BIGINT NOT NULL",
    staged: Some(&["lon", "lat", "kind", "observed_at", "h3"]),
    exprs: Some(&[
        "s.lon",
        "s.lat",
        "s.kind",
        "s.observed_at",
        "s.h3",
        "ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)",
    ]),
    bulk_indexes: &[
        (
            "reports_geom",
            "CREATE INDEX reports_geom ON reports USING GIST (geom)",
        ),
        ("reports_h3", "CREATE INDEX reports_h3 ON reports (h3)"),
        (
            "reports_observed_at",
            "CREATE INDEX reports_observed_at ON reports (observed_at)",
        ),
    ],
    area_ref: None,
};
const SITES: Spec = Spec {
    kind: ImportKind::Sites,
    table: "sites",
    key: "id",
    cols: &["name", "kind", "geom"],
    stage_ddl: "id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, \
                geom geometry(Geometry, 4326) NOT NULL",
    staged: None,
    exprs: None,
    bulk_indexes: &[],
    area_ref: None,
};
const AREAS: Spec = Spec {
    kind: ImportKind::Areas,
    table: "areas",
    key: "id",
    cols: &["name", "level", "parent_id", "geom"],
    stage_ddl: "id TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL, parent_id TEXT, \
                geom geometry(MultiPolygon, 4326) NOT NULL",
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
                declared_at DATE NOT NULL, declared_by TEXT NOT NULL",
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
    stage_ddl: "key TEXT NOT NULL, area_id TEXT NOT NULL, level TEXT NOT NULL, \
                share DOUBLE PRECISION NOT NULL, due DATE NOT NULL",
    staged: None,
    exprs: None,
    bulk_indexes: &[],
    area_ref: Some("area_id"),
};

/// Geometries are PostGIS `geometry`, read as WKB and written as EWKB with SRID 4326.
const GEOM: GeomSql = GeomSql {
    read: "ST_AsBinary(geom) AS geom",
    from_blob: Some("ST_GeomFromEWKB"),
    encode: codec::to_ewkb,
};

fn spec_for(kind: ImportKind) -> Result<&'static Spec> {
    engine::find_spec(&[&REPORTS, &SITES, &AREAS, &DECLARATIONS, &TARGETS], kind)
}

pub struct PostgisStore {
    pool: PgPool,
    url: String,
    /// How the pool connects (schema included), for the LISTEN connection of [`listen`].
    opts: PgConnectOptions,
}

impl PostgisStore {
    /// Connects and migrates (the `postgis` extension must be available).
    pub async fn open(url: &str) -> Result<Self> {
        Self::connect(url, PgConnectOptions::from_str(url)?).await
    }

    /// Like [`Self::open`] but keeps every table in `schema` (created if missing), so that
    /// tests can run in parallel on one database. PostGIS itself stays in `public`.
    pub async fn open_in_schema(url: &str, schema: &str) -> Result<Self> {
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            || schema.is_empty()
        {
            return Err(StoreError::Invalid(format!("bad schema name {schema:?}")));
        }
        let opts = PgConnectOptions::from_str(url)?;
        let mut conn: PgConnection = sqlx::Connection::connect_with(&opts).await?;
        // PostGIS lives in `public` for every schema; parallel first calls may race on
        // creating it, and the loser's error is harmless.
        let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")
            .execute(&mut conn)
            .await;
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .execute(&mut conn)
            .await?;
        sqlx::Connection::close(conn).await?;
        let opts = opts.options([("search_path", format!("{schema},public"))]);
        Self::connect(url, opts).await
    }

    async fn connect(url: &str, opts: PgConnectOptions) -> Result<Self> {
        let store = Self::connect_unmigrated(url, opts).await?;
        MIGRATOR.run(&store.pool).await?;
        Ok(store)
    }

    async fn connect_unmigrated(url: &str, opts: PgConnectOptions) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .test_before_acquire(true)
            .connect_with(opts.clone())
            .await?;
        Ok(Self {
            pool,
            url: url.to_string(),
            opts,
        })
    }

    /// Connects to a hot standby of the primary (`hotspot serve --db-read`): no migration
    /// (a standby is read-only; it replays the primary's), and refused unless the server is
    /// in recovery, since catching up is judged by `pg_last_wal_replay_lsn()`.
    pub async fn open_standby(url: &str) -> Result<Self> {
        Self::standby(url, PgConnectOptions::from_str(url)?).await
    }

    /// Like [`Self::open_standby`] with every table in `schema` (tests).
    pub async fn open_standby_in_schema(url: &str, schema: &str) -> Result<Self> {
        let opts =
            PgConnectOptions::from_str(url)?.options([("search_path", format!("{schema},public"))]);
        Self::standby(url, opts).await
    }

    async fn standby(url: &str, opts: PgConnectOptions) -> Result<Self> {
        let store = Self::connect_unmigrated(url, opts).await?;
        let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
            .fetch_one(&store.pool)
            .await?;
        if !standby {
            return Err(StoreError::Invalid(
                "the read database is not a streaming standby (pg_is_in_recovery() is false)"
                    .into(),
            ));
        }
        Ok(store)
    }

    /// The connection pool (for tests and maintenance).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A transaction that holds the imports lock: one import or undo at a time, since
    /// concurrent merges would race on the same keys.
    async fn begin_exclusive(&self) -> Result<sqlx::Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("LOCK TABLE imports IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
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
        // A COPY IN broken by a bad row or a dropped connection must not go back to the
        // pool half-finished: the connection is closed unless the import commits.
        let mut guard = CloseUnlessDone(Some(self.pool.acquire().await?));
        let record = self
            .import_on(guard.conn(), spec, meta, rows, keys, vals)
            .await?;
        guard.done();
        Ok(record)
    }

    /// The import on one connection: lock, stage with COPY, merge, commit.
    async fn import_on<'r, T: Sync>(
        &self,
        conn: &mut PgConnection,
        spec: &Spec,
        meta: &ImportMeta,
        rows: &'r [T],
        keys: Option<&'r [String]>,
        vals: fn(&'r T) -> Vec<Val<'r>>,
    ) -> Result<ImportRecord> {
        let mut tx = sqlx::Connection::begin(conn).await?;
        sqlx::query("LOCK TABLE imports IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        Queries::<Postgres>::refuse_reimport(&mut tx, meta).await?;
        sqlx::query("DROP TABLE IF EXISTS pg_temp.stage")
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "CREATE TEMP TABLE stage (row_idx BIGINT NOT NULL, {}) ON COMMIT DROP",
            spec.stage_ddl
        ))
        .execute(&mut *tx)
        .await?;
        stage_rows(&mut tx, spec, rows, keys, vals).await?;
        let record = Queries::<Postgres>::merge_stage(rows.len(), &mut tx, spec, meta).await?;
        tx.commit().await?;
        Ok(record)
    }
}

/// Appends one value in `COPY … (FORMAT text)` encoding (text through the tested
/// [`copy_text::escape_field`]).
fn write_copy_val(buf: &mut Vec<u8>, v: &Val<'_>) -> std::result::Result<(), NulInText> {
    match v {
        Val::Text(s) => copy_text::escape_field(buf, s)?,
        Val::OptText(Some(s)) => copy_text::escape_field(buf, s)?,
        Val::OptText(None) => buf.extend_from_slice(b"\\N"),
        Val::F64(x) => {
            let _ = write!(buf, "{x:?}");
        }
        Val::I64(x) => {
            let _ = write!(buf, "{x}");
        }
        // PostGIS parses hex EWKB as geometry input.
        Val::Bytes(b) => buf.extend_from_slice(hex::encode(b).as_bytes()),
        Val::Date(d) => {
            let _ = write!(buf, "{}", d.format("%Y-%m-%d"));
        }
        Val::Ts(t) => {
            let _ = write!(buf, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f"));
        }
    }
    Ok(())
}

/// The 0-based row of a COPY data error (`COPY stage, line N`), if the server named one.
fn copy_error_row(e: &sqlx::Error) -> Option<(usize, String)> {
    let db = e.as_database_error()?;
    let pg = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()?;
    let ctx = pg.r#where()?;
    let rest = &ctx[ctx.find("line ")? + 5..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let line: usize = digits.parse().ok()?;
    // The server's own words stay in the log: they may quote other rows' values and are
    // not for API clients (see the error policy in ARCHITECTURE.md).
    tracing::warn!(line, code = ?pg.code(), message = pg.message(), "COPY rejected a row");
    Some((
        line.checked_sub(1)?,
        format!("the database rejected this row (SQLSTATE {})", pg.code()),
    ))
}

/// Streams the rows into `stage` with `COPY`; errors name the row they happened at.
async fn stage_rows<'r, T>(
    conn: &mut PgConnection,
    spec: &Spec,
    rows: &'r [T],
    keys: Option<&'r [String]>,
    vals: fn(&'r T) -> Vec<Val<'r>>,
) -> Result<()> {
    let mut copy = conn
        .copy_in_raw(&format!(
            "COPY stage ({}) FROM STDIN (FORMAT text)",
            spec.stage_columns()
        ))
        .await?;
    let mut buf = Vec::with_capacity(COPY_CHUNK + 4096);
    let mut chunk_start = 0;
    let fail = |row: usize, e: sqlx::Error| match copy_error_row(&e) {
        Some((row, message)) => StoreError::Row { row, message },
        None => StoreError::Interrupted { row, source: e },
    };
    for (i, row) in rows.iter().enumerate() {
        let _ = write!(buf, "{i}");
        let nul = |_| StoreError::Row {
            row: i,
            message: "a text value holds a NUL character".into(),
        };
        if let Some(keys) = keys {
            buf.push(b'\t');
            write_copy_val(&mut buf, &Val::Text(&keys[i])).map_err(nul)?;
        }
        for v in vals(row) {
            buf.push(b'\t');
            write_copy_val(&mut buf, &v).map_err(nul)?;
        }
        buf.push(b'\n');
        if buf.len() >= COPY_CHUNK {
            if let Err(e) = copy.send(std::mem::take(&mut buf)).await {
                return Err(fail(chunk_start, e));
            }
            buf.reserve(COPY_CHUNK + 4096);
            chunk_start = i + 1;
        }
    }
    if !buf.is_empty()
        && let Err(e) = copy.send(buf).await
    {
        return Err(fail(chunk_start, e));
    }
    copy.finish().await.map_err(|e| fail(chunk_start, e))?;
    Ok(())
}

fn report_vals(r: &Report) -> Vec<Val<'_>> {
    let h3 = h3o::LatLng::new(r.lat, r.lon)
        .map(|ll| u64::from(ll.to_cell(h3o::Resolution::Nine)) as i64)
        .unwrap_or(0);
    vec![
        Val::Text(&r.id),
        Val::F64(r.lon),
        Val::F64(r.lat),
        Val::Text(r.kind.as_str()),
        Val::Ts(r.observed_at),
        Val::I64(h3),
    ]
}

fn site_vals(s: &Site) -> Vec<Val<'_>> {
    vec![
        Val::Text(&s.id),
        Val::Text(&s.name),
        Val::Text(s.kind.as_str()),
        Val::Bytes(codec::to_ewkb(&s.geometry)),
    ]
}

fn area_vals(a: &Area) -> Vec<Val<'_>> {
    vec![
        Val::Text(&a.id),
        Val::Text(&a.name),
        Val::Text(a.level.as_str()),
        Val::OptText(a.parent_id.as_deref()),
        Val::Bytes(codec::to_ewkb(&geo::Geometry::MultiPolygon(
            a.geometry.clone(),
        ))),
    ]
}

/// The report query of `f` selecting `select` from `reports r`, with every value a
/// parameter (`$1`, …): the area (and its descendants, the `polys` CTE) when it filters by
/// area, then [`report_conditions`].
fn report_query(select: &str, f: &ReportFilter) -> (String, Vec<SqlValue>) {
    let mut sql = String::new();
    let mut params = Vec::new();
    if let Some(area) = &f.area {
        sql.push_str(&area_tree_cte("$1"));
        sql.push_str(", polys AS (SELECT geom FROM areas JOIN tree USING (id)) ");
        params.push(SqlValue::Text(area.clone()));
    }
    let c = report_conditions(f, Dialect::Postgres, params.len() + 1, None);
    sql.push_str(&format!("SELECT {select} FROM reports r WHERE {}", c.sql));
    params.extend(c.params);
    if f.area.is_some() {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM polys p WHERE p.geom && r.geom \
             AND ST_Intersects(p.geom, r.geom))",
        );
    }
    (sql, params)
}

/// The report query in id order, paged, with every value inlined as a literal for
/// `COPY (query) TO STDOUT` (COPY takes no parameters; [`copy_text::inline_params`]).
fn report_copy_sql(f: &ReportFilter) -> Result<String> {
    let (mut sql, params) = report_query("r.id, r.lon, r.lat, r.kind, r.observed_at", f);
    sql.push_str(" ORDER BY r.id");
    if let Some(limit) = f.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    if let Some(offset) = f.offset {
        sql.push_str(&format!(" OFFSET {offset}"));
    }
    copy_text::inline_params(&sql, &params).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// Bound values as sqlx arguments.
fn pg_args(params: &[SqlValue]) -> Result<PgArguments> {
    use sqlx::Arguments;
    let mut args = PgArguments::default();
    for p in params {
        match p {
            SqlValue::Text(s) => args.add(s.as_str()),
            SqlValue::F64(x) => args.add(*x),
            SqlValue::I64(x) => args.add(*x),
            SqlValue::Timestamp(t) => args.add(*t),
        }
        .map_err(|e| StoreError::Invalid(format!("parameter: {e}")))?;
    }
    Ok(args)
}

/// Decodes `COPY … (FORMAT binary)` output of `id, lon, lat, kind, observed_at`, whatever
/// the chunking of the stream.
#[derive(Default)]
struct CopyBinaryReports {
    buf: Vec<u8>,
    header_done: bool,
    trailer_seen: bool,
    out: Vec<Report>,
}

/// Microseconds of `timestamp` count from 2000-01-01 00:00:00.
fn pg_epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("valid date")
}

impl CopyBinaryReports {
    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.extend_from_slice(chunk);
        let mut pos = 0;
        while let Some(used) = self.next_item(&buf[pos..])? {
            pos += used;
        }
        buf.drain(..pos);
        self.buf = buf;
        Ok(())
    }

    fn finish(self) -> Result<Vec<Report>> {
        if !self.trailer_seen || !self.buf.is_empty() {
            return Err(StoreError::Invalid("truncated COPY binary stream".into()));
        }
        Ok(self.out)
    }

    /// Consumes the header or one tuple from the front of `data`; `None` when incomplete.
    fn next_item(&mut self, data: &[u8]) -> Result<Option<usize>> {
        let bad = |what: &str| StoreError::Invalid(format!("COPY binary stream: {what}"));
        if self.trailer_seen {
            return if data.is_empty() {
                Ok(None)
            } else {
                Err(bad("data after the trailer"))
            };
        }
        if !self.header_done {
            if data.len() < 19 {
                return Ok(None);
            }
            if &data[..11] != b"PGCOPY\n\xff\r\n\0" {
                return Err(bad("bad signature"));
            }
            let ext = u32::from_be_bytes(data[15..19].try_into().expect("4 bytes")) as usize;
            if data.len() < 19 + ext {
                return Ok(None);
            }
            self.header_done = true;
            return Ok(Some(19 + ext));
        }
        if data.len() < 2 {
            return Ok(None);
        }
        let n = i16::from_be_bytes([data[0], data[1]]);
        if n == -1 {
            self.trailer_seen = true;
            return Ok(Some(2));
        }
        if n != 5 {
            return Err(bad("expected 5 columns"));
        }
        let mut p = 2;
        let mut fields: [&[u8]; 5] = [&[]; 5];
        for f in &mut fields {
            let Some(len) = data.get(p..p + 4) else {
                return Ok(None);
            };
            let len = i32::from_be_bytes(len.try_into().expect("4 bytes"));
            let len = usize::try_from(len).map_err(|_| bad("unexpected NULL"))?;
            p += 4;
            let Some(bytes) = data.get(p..p + len) else {
                return Ok(None);
            };
            *f = bytes;
            p += len;
        }
        let f8 = |b: &[u8]| -> Result<f64> {
            Ok(f64::from_be_bytes(
                b.try_into().map_err(|_| bad("float8 size"))?,
            ))
        };
        let us = i64::from_be_bytes(fields[4].try_into().map_err(|_| bad("timestamp size"))?);
        self.out.push(Report {
            id: String::from_utf8_lossy(fields[0]).into_owned(),
            lon: f8(fields[1])?,
            lat: f8(fields[2])?,
            kind: codec::parse_vocab(std::str::from_utf8(fields[3]).map_err(|_| bad("kind"))?)?,
            observed_at: pg_epoch()
                .checked_add_signed(chrono::TimeDelta::microseconds(us))
                .ok_or_else(|| bad("timestamp out of range"))?,
        });
        Ok(Some(p))
    }
}

fn report_from_row(r: (String, f64, f64, String, NaiveDateTime)) -> Result<Report> {
    Ok(Report {
        id: r.0,
        lon: r.1,
        lat: r.2,
        kind: codec::parse_vocab(&r.3)?,
        observed_at: r.4,
    })
}

impl PostgisStore {
    async fn check_area(&self, f: &ReportFilter) -> Result<()> {
        if let Some(id) = &f.area {
            let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM areas WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            if found.is_none() {
                return Err(StoreError::not_found("area", id));
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for PostgisStore {
    async fn status(&self) -> Result<DbStatus> {
        Queries::<Postgres>::status(&self.pool, "postgis", &self.url).await
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
        Queries::<Postgres>::list_imports(&self.pool).await
    }

    async fn undo_import(&self, batch: i64) -> Result<ImportRecord> {
        let mut tx = self.begin_exclusive().await?;
        let record = Queries::<Postgres>::undo_batch(&mut tx, batch, spec_for).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Streams the rows with `COPY (…) TO STDOUT (FORMAT binary)`: a million rows arrive
    /// several times faster than through sqlx's row decoding, and binary spares the server
    /// formatting floats and timestamps as text.
    ///
    /// A COPY that fails or is abandoned half-way (an error, a dropped request) leaves the
    /// connection's protocol state unknown, so the connection is closed instead of going
    /// back to the pool (see [`CloseUnlessDone`]).
    async fn reports(&self, filter: &ReportFilter) -> Result<Vec<Report>> {
        use futures::StreamExt;
        filter.validate()?;
        self.check_area(filter).await?;
        let sql = report_copy_sql(filter)?;
        let mut guard = CloseUnlessDone(Some(self.pool.acquire().await?));
        let reader = {
            let conn = guard.conn();
            let mut stream = conn
                .copy_out_raw(&format!("COPY ({sql}) TO STDOUT (FORMAT binary)"))
                .await?;
            let mut reader = CopyBinaryReports::default();
            while let Some(chunk) = stream.next().await {
                reader.push(&chunk?)?;
            }
            reader
        };
        let out = reader.finish()?;
        guard.done();
        Ok(out)
    }

    async fn reports_page(
        &self,
        q: &crate::filter::sql::PageQuery<'_, Report>,
    ) -> Result<Option<(Vec<Report>, u64)>> {
        self.cql_page(q).await
    }

    async fn count_reports(&self, filter: &ReportFilter) -> Result<u64> {
        filter.validate()?;
        self.check_area(filter).await?;
        let (sql, params) = report_query("COUNT(*)", filter);
        let n: i64 = sqlx::query_scalar_with(&sql, pg_args(&params)?)
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    async fn report(&self, id: &str) -> Result<Option<Report>> {
        let row: Option<(String, f64, f64, String, NaiveDateTime)> =
            sqlx::query_as("SELECT id, lon, lat, kind, observed_at FROM reports WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(report_from_row).transpose()
    }

    async fn sites(&self, bbox: Option<[f64; 4]>) -> Result<Vec<Site>> {
        let rows: Vec<rows::SiteRow> = match bbox {
            None => {
                sqlx::query_as(
                    "SELECT id, name, kind, ST_AsBinary(geom) AS geom FROM sites ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?
            }
            Some(b) => {
                sqlx::query_as(
                    "SELECT id, name, kind, ST_AsBinary(geom) AS geom FROM sites \
                     WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) \
                     AND ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) ORDER BY id",
                )
                .bind(b[0])
                .bind(b[1])
                .bind(b[2])
                .bind(b[3])
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows::convert(rows)
    }

    async fn areas(&self, level: Option<AreaLevel>) -> Result<Vec<Area>> {
        Queries::<Postgres>::areas(&self.pool, &GEOM, level).await
    }

    async fn area(&self, id: &str) -> Result<Option<Area>> {
        Queries::<Postgres>::area(&self.pool, &GEOM, id).await
    }

    async fn declarations(&self) -> Result<Vec<Declaration>> {
        Queries::<Postgres>::declarations(&self.pool).await
    }

    async fn targets(&self) -> Result<Vec<Target>> {
        Queries::<Postgres>::targets(&self.pool).await
    }

    async fn create_plan(&self, plan: &PlanInput, by: &str) -> Result<ActionPlan> {
        Queries::<Postgres>::create_plan(&self.pool, plan, by).await
    }

    async fn update_plan(&self, id: i64, plan: &PlanInput, by: &str) -> Result<ActionPlan> {
        Queries::<Postgres>::update_plan(&self.pool, id, plan, by).await
    }

    async fn delete_plan(&self, id: i64) -> Result<()> {
        Queries::<Postgres>::delete_plan(&self.pool, id).await
    }

    async fn plan(&self, id: i64) -> Result<Option<ActionPlan>> {
        Queries::<Postgres>::plan(&self.pool, id).await
    }

    async fn plans(&self, subject: Option<&PlanSubject>) -> Result<Vec<ActionPlan>> {
        Queries::<Postgres>::plans(&self.pool, subject).await
    }

    async fn tracked_hotspots(&self) -> Result<Vec<TrackedHotspot>> {
        Queries::<Postgres>::tracked_hotspots(&self.pool, &GEOM).await
    }

    async fn save_tracked_hotspots(&self, hotspots: &[TrackedHotspot]) -> Result<()> {
        Queries::<Postgres>::save_tracked_hotspots(&self.pool, &GEOM, hotspots).await
    }

    async fn create_token(
        &self,
        name: &str,
        role: Role,
        token_sha256: &str,
    ) -> Result<TokenRecord> {
        Queries::<Postgres>::create_token(&self.pool, name, role, token_sha256).await
    }

    async fn token_by_hash(&self, token_sha256: &str) -> Result<Option<TokenRecord>> {
        Queries::<Postgres>::token_by_hash(&self.pool, token_sha256).await
    }

    async fn tokens(&self) -> Result<Vec<TokenRecord>> {
        Queries::<Postgres>::tokens(&self.pool).await
    }

    async fn revoke_token(&self, id: i64) -> Result<()> {
        Queries::<Postgres>::revoke_token(&self.pool, id).await
    }

    async fn plan_versioned(&self, id: i64) -> Result<Option<(ActionPlan, i64)>> {
        Queries::<Postgres>::plan_versioned(&self.pool, id).await
    }

    async fn update_plan_if(
        &self,
        id: i64,
        plan: &PlanInput,
        by: &str,
        version: Option<i64>,
    ) -> Result<(ActionPlan, i64)> {
        Queries::<Postgres>::update_plan_if(&self.pool, id, plan, by, version).await
    }

    async fn delete_plan_if(&self, id: i64, by: &str, version: Option<i64>) -> Result<()> {
        Queries::<Postgres>::delete_plan_if(&self.pool, id, by, version).await
    }

    async fn plan_history(&self, id: i64) -> Result<Vec<PlanVersion>> {
        Queries::<Postgres>::plan_history(&self.pool, id).await
    }

    async fn append_audit(&self, entry: &NewAudit) -> Result<()> {
        Queries::<Postgres>::append_audit(&self.pool, entry).await
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        Queries::<Postgres>::audit(&self.pool, query).await
    }
}

/// A pooled connection that is closed, not returned to the pool, unless [`Self::done`] is
/// called: for protocol exchanges (COPY) that an error or a cancelled request can leave half
/// finished. sqlx would otherwise hand the connection to the next caller, whose queries then
/// read the previous exchange's answers ("expected CopyOutResponse, got ReadyForQuery",
/// tokens looked up as unknown).
struct CloseUnlessDone(Option<sqlx::pool::PoolConnection<Postgres>>);

impl CloseUnlessDone {
    fn conn(&mut self) -> &mut PgConnection {
        self.0.as_mut().expect("connection taken only by done()")
    }

    /// The exchange finished cleanly: the connection may be reused.
    fn done(mut self) {
        drop(self.0.take());
    }
}

impl Drop for CloseUnlessDone {
    fn drop(&mut self) {
        if let Some(mut conn) = self.0.take() {
            conn.close_on_drop();
        }
    }
}

impl PostgisStore {
    /// Reports matching a checked CQL2 filter, sorted and paged in SQL with bound parameters
    /// (polygons tested exactly with `ST_Intersects`), and how many matched. `Ok(None)` when
    /// the filter has no SQL form (the caller evaluates it in memory).
    async fn cql_page(
        &self,
        q: &crate::filter::sql::PageQuery<'_, Report>,
    ) -> Result<Option<(Vec<Report>, u64)>> {
        use crate::filter::sql::{REPORT_COLUMNS, page_sql};
        let Ok((filter, order)) = page_sql(q, REPORT_COLUMNS, Dialect::Postgres, "id") else {
            return Ok(None);
        };
        let (where_sql, params) = match &filter {
            Some(f) => (format!(" WHERE {}", f.sql), f.params.clone()),
            None => (String::new(), Vec::new()),
        };
        let n = params.len();
        let sql = format!(
            "SELECT id, lon, lat, kind, observed_at FROM reports{where_sql} ORDER BY {order} \
             LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut page_params = params.clone();
        page_params.push(SqlValue::I64(q.limit.min(i64::MAX as u64) as i64));
        page_params.push(SqlValue::I64(q.offset.min(i64::MAX as u64) as i64));
        let rows = sqlx::query_as_with::<_, (String, f64, f64, String, NaiveDateTime), _>(
            &sql,
            pg_args(&page_params)?,
        )
        .fetch_all(&self.pool)
        .await?;
        let reports = rows
            .into_iter()
            .map(report_from_row)
            .collect::<Result<Vec<_>>>()?;
        let count_sql = format!("SELECT COUNT(*) FROM reports{where_sql}");
        let matched: i64 = sqlx::query_scalar_with(&count_sql, pg_args(&params)?)
            .fetch_one(&self.pool)
            .await?;
        Ok(Some((reports, matched as u64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-built binary COPY stream, fed in every possible chunking.
    #[test]
    fn copy_binary_rows_decode_in_any_chunking() {
        let mut stream = b"PGCOPY\n\xff\r\n\0".to_vec();
        stream.extend_from_slice(&0u32.to_be_bytes()); // flags
        stream.extend_from_slice(&0u32.to_be_bytes()); // header extension
        let field = |s: &mut Vec<u8>, b: &[u8]| {
            s.extend_from_slice(&(b.len() as i32).to_be_bytes());
            s.extend_from_slice(b);
        };
        stream.extend_from_slice(&5i16.to_be_bytes());
        field(&mut stream, "a\tb".as_bytes());
        field(&mut stream, &107.5f64.to_be_bytes());
        field(&mut stream, &(-16.25f64).to_be_bytes());
        field(&mut stream, b"sale");
        // 2000-01-02 00:00:01.5
        field(&mut stream, &(86_401_500_000i64).to_be_bytes());
        stream.extend_from_slice(&(-1i16).to_be_bytes());
        let want = Report {
            id: "a\tb".into(),
            lon: 107.5,
            lat: -16.25,
            kind: crate::model::ReportKind::Sale,
            observed_at: NaiveDate::from_ymd_opt(2000, 1, 2)
                .unwrap()
                .and_hms_milli_opt(0, 0, 1, 500)
                .unwrap(),
        };
        for size in 1..stream.len() {
            let mut r = CopyBinaryReports::default();
            for chunk in stream.chunks(size) {
                r.push(chunk).unwrap();
            }
            assert_eq!(r.finish().unwrap(), vec![want.clone()], "chunk size {size}");
        }
        let mut cut = CopyBinaryReports::default();
        cut.push(&stream[..stream.len() - 2]).unwrap();
        assert!(cut.finish().is_err());
    }

    /// The COPY text is the bound query with the same values as literals: one filter → SQL.
    #[test]
    fn the_copy_query_is_the_bound_query_with_literals() {
        let f = ReportFilter {
            area: Some("P-O'X".into()),
            kinds: vec![crate::model::ReportKind::Sale],
            bbox: Some([107.5, 16.4, 107.6, 16.5]),
            from: NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)),
            limit: Some(5),
            offset: Some(2),
            ..Default::default()
        };
        let (bound, params) = report_query("r.id", &f);
        assert!(bound.contains("WHERE id = $1 UNION"), "{bound}");
        assert!(
            bound.contains("observed_at >= $2 AND kind IN ($3)"),
            "{bound}"
        );
        assert_eq!(params.len(), 7);
        let copy = report_copy_sql(&f).unwrap();
        assert!(copy.contains("WHERE id = E'P-O''X' UNION"), "{copy}");
        assert!(
            copy.contains(
                "observed_at >= '2026-01-01 00:00:00.000000'::timestamp AND kind IN (E'sale')"
            ),
            "{copy}"
        );
        assert!(copy.contains("ST_MakeEnvelope((107.5), (16.4), (107.6), (16.5), 4326)"));
        assert!(!copy.contains('$'), "{copy}");
        assert!(copy.ends_with(" ORDER BY r.id LIMIT 5 OFFSET 2"), "{copy}");
        let nul = ReportFilter {
            area: Some("a\0b".into()),
            ..Default::default()
        };
        assert!(report_copy_sql(&nul).is_err());
    }
}
