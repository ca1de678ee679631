//! OGC GeoPackage 1.3 (12-128r18) writer for one [`FeatureTable`].
//!
//! The file holds what the standard requires of a vector GeoPackage and what GDAL/QGIS
//! check: `application_id` `GPKG` and `user_version` 10300; `gpkg_spatial_ref_sys` with the
//! three mandatory rows (-1, 0, 4326); `gpkg_contents` with the layer's extent;
//! `gpkg_geometry_columns` with one geometry type per layer (polygons promoted to
//! multipolygons); the feature table with `fid INTEGER PRIMARY KEY AUTOINCREMENT`, a
//! `geom` column of GeoPackage binary geometries (header `GP`, version 0, little-endian,
//! srs 4326, `[minx, maxx, miny, maxy]` envelope, then ISO WKB) and typed columns
//! (`INTEGER`, `REAL`, `BOOLEAN`, `TEXT`, `DATE`, `DATETIME`); and the R-tree spatial index
//! extension (`rtree_<table>_geom` plus its `gpkg_extensions` row and the six maintenance
//! triggers of Annex F.3, so edits in QGIS keep the index right).
//!
//! The index is packed from Rust in Hilbert order of the boxes and written straight into
//! the R-tree's shadow tables ([`super::gpkg_rtree`]) before the triggers are created; the
//! triggers call `ST_MinX` & co., which GIS software provides when it opens the file.
//! Writing goes through sqlx's SQLite (no second SQLite binding, no unsafe code): a file
//! database without journal or fsync, multi-row INSERTs in one transaction.

use super::gpkg_rtree;
use super::table::{Cell, FeatureTable, FieldType, GeometryKind, utc_datetime};
use geo::BoundingRect;
use geozero::{CoordDimensions, ToWkb};
use rayon::prelude::*;
use sqlx::Connection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteLockingMode, SqliteSynchronous,
};
use std::path::Path;

/// Errors of the GeoPackage writer.
#[derive(Debug, thiserror::Error)]
pub enum GpkgError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] sqlx::Error),
    #[error("temporary file: {0}")]
    Io(#[from] std::io::Error),
    #[error("encoding a geometry as WKB: {0}")]
    Geometry(String),
}

/// `GPKG` as a big-endian integer (the `application_id` pragma).
pub const APPLICATION_ID: i32 = 0x4750_4B47;
/// GeoPackage 1.3.0.
pub const USER_VERSION: i32 = 10300;

const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// The standard's core tables (Annex C), in dependency order.
const CORE_TABLES: &str = r#"
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
"#;

/// A name safe as an SQLite identifier and a GeoPackage table name: lower-case ASCII
/// letters, digits and `_`, starting with a letter.
pub fn table_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert_str(0, "layer_");
    }
    s
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn sql_type(t: FieldType) -> &'static str {
    match t {
        FieldType::Integer => "INTEGER",
        FieldType::Real => "REAL",
        FieldType::Boolean => "BOOLEAN",
        FieldType::Text => "TEXT",
        FieldType::Date => "DATE",
        FieldType::DateTime => "DATETIME",
    }
}

fn geometry_type_name(k: GeometryKind) -> &'static str {
    match k {
        GeometryKind::Point => "POINT",
        GeometryKind::MultiPolygon => "MULTIPOLYGON",
        GeometryKind::Geometry => "GEOMETRY",
    }
}

/// An encoded geometry and its box, `None` for an empty one (stored as NULL, not indexed).
struct Encoded {
    blob: Vec<u8>,
    bbox: [f64; 4],
}

/// GeoPackage binary: `GP`, version 0, flags (little-endian, envelope `[minx,maxx,miny,maxy]`),
/// srs id, envelope, then the WKB. Polygons become multipolygons in a multipolygon layer.
fn encode(g: &geo::Geometry<f64>, kind: GeometryKind) -> Result<Option<Encoded>, GpkgError> {
    let Some(r) = g.bounding_rect() else {
        return Ok(None);
    };
    let bbox = [r.min().x, r.min().y, r.max().x, r.max().y];
    let mut blob = Vec::with_capacity(64);
    blob.extend_from_slice(b"GP");
    blob.push(0); // version 1 of the binary format
    blob.push(0b0000_0011); // envelope indicator 1 (bits 1-3), little-endian (bit 0)
    blob.extend_from_slice(&4326i32.to_le_bytes());
    for v in [bbox[0], bbox[2], bbox[1], bbox[3]] {
        blob.extend_from_slice(&v.to_le_bytes());
    }
    match (g, kind) {
        (geo::Geometry::Point(p), _) => {
            blob.push(1); // little-endian WKB
            blob.extend_from_slice(&1u32.to_le_bytes()); // Point
            blob.extend_from_slice(&p.x().to_le_bytes());
            blob.extend_from_slice(&p.y().to_le_bytes());
        }
        (geo::Geometry::Polygon(p), GeometryKind::MultiPolygon) => {
            let m = geo::Geometry::MultiPolygon(geo::MultiPolygon(vec![p.clone()]));
            blob.extend(wkb(&m)?);
        }
        (other, _) => blob.extend(wkb(other)?),
    }
    Ok(Some(Encoded { blob, bbox }))
}

fn wkb(g: &geo::Geometry<f64>) -> Result<Vec<u8>, GpkgError> {
    g.to_wkb(CoordDimensions::xy())
        .map_err(|e| GpkgError::Geometry(e.to_string()))
}

/// Position of a box centre on a 2^16 × 2^16 Hilbert curve over `extent`.
fn hilbert(b: &[f64; 4], extent: &[f64; 4]) -> u64 {
    let n: u32 = 1 << 16;
    let scale = |v: f64, lo: f64, hi: f64| {
        if hi > lo {
            (((v - lo) / (hi - lo)) * (n - 1) as f64) as u32
        } else {
            0
        }
    };
    let mut x = scale((b[0] + b[2]) / 2.0, extent[0], extent[2]);
    let mut y = scale((b[1] + b[3]) / 2.0, extent[1], extent[3]);
    let mut d: u64 = 0;
    let mut s = n / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += (s as u64) * (s as u64) * ((3 * rx) ^ ry) as u64;
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

/// Rows per multi-row INSERT: SQLite binds at most 32 766 parameters per statement.
fn rows_per_insert(columns: usize) -> usize {
    (32_000 / columns.max(1)).max(1)
}

/// `INSERT INTO t VALUES (?, …), (?, …) …` for `rows` rows of `columns` values.
fn insert_sql(table: &str, columns: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(","));
    format!(
        "INSERT INTO {} VALUES {}",
        quote(table),
        vec![row; rows].join(",")
    )
}

/// Inserts `(a, b)` pairs into `target` (`table(col1, col2)`) with multi-row INSERTs.
async fn insert_pairs<B>(
    conn: &mut SqliteConnection,
    target: &str,
    rows: &[(i64, B)],
) -> Result<(), GpkgError>
where
    B: Clone + Send + 'static + for<'q> sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    let per = rows_per_insert(2);
    let sql = |n: usize| format!("INSERT INTO {target} VALUES {}", vec!["(?,?)"; n].join(","));
    let full = sql(per);
    for chunk in rows.chunks(per) {
        let text = if chunk.len() == per {
            full.clone()
        } else {
            sql(chunk.len())
        };
        let mut q = sqlx::query(&text);
        for (a, b) in chunk {
            q = q.bind(*a).bind(b.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes `table` as a new GeoPackage at `path` (which must not exist; the caller writes to
/// a temporary name and renames). sqlx's SQLite connection does the writing, with
/// multi-row INSERTs of ~32 000 values so a million features take a few hundred statements.
///
/// Date-times are stored in UTC (`2025-01-01T20:04:05.000Z`, as the standard's `DATETIME`
/// requires); `local` is the zone of those written without an offset.
pub async fn write_file(
    table: &FeatureTable,
    path: &Path,
    local: Option<chrono::FixedOffset>,
) -> Result<(), GpkgError> {
    let kind = table.geometry_kind();
    let encoded: Vec<Option<Encoded>> = table
        .geometries
        .par_iter()
        .map(|g| encode(g, kind))
        .collect::<Result<_, _>>()?;
    let extent = table.extent();
    let name = table_name(&table.name);
    let rtree = format!("rtree_{name}_geom");

    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Off)
        .synchronous(SqliteSynchronous::Off)
        .locking_mode(SqliteLockingMode::Exclusive)
        .foreign_keys(false)
        .pragma("application_id", APPLICATION_ID.to_string())
        .pragma("user_version", USER_VERSION.to_string())
        .pragma("cache_size", "-262144");
    let mut conn = SqliteConnection::connect_with(&opts).await?;
    sqlx::raw_sql("BEGIN").execute(&mut conn).await?;
    sqlx::raw_sql(CORE_TABLES).execute(&mut conn).await?;
    for (sname, id, org, def, desc) in [
        (
            "Undefined cartesian SRS",
            -1,
            "NONE",
            "undefined",
            "undefined cartesian coordinate reference system",
        ),
        (
            "Undefined geographic SRS",
            0,
            "NONE",
            "undefined",
            "undefined geographic coordinate reference system",
        ),
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            WGS84_WKT,
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
    ] {
        sqlx::query("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)")
            .bind(sname)
            .bind(id)
            .bind(org)
            .bind(id)
            .bind(def)
            .bind(desc)
            .execute(&mut conn)
            .await?;
    }
    let [min_x, min_y, max_x, max_y] = extent.map_or([None; 4], |e| e.map(Some));
    sqlx::query(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description,
           min_x, min_y, max_x, max_y, srs_id) VALUES (?, 'features', ?, ?, ?, ?, ?, ?, 4326)",
    )
    .bind(&name)
    .bind(&table.name)
    .bind(format!("hotspot {} layer", table.name))
    .bind(min_x)
    .bind(min_y)
    .bind(max_x)
    .bind(max_y)
    .execute(&mut conn)
    .await?;
    sqlx::query("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)")
        .bind(&name)
        .bind(geometry_type_name(kind))
        .execute(&mut conn)
        .await?;
    let mut ddl = format!(
        "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {}",
        quote(&name),
        geometry_type_name(kind)
    );
    for f in &table.fields {
        ddl.push_str(&format!(", {} {}", quote(&f.name), sql_type(f.ty)));
    }
    ddl.push(')');
    sqlx::raw_sql(&ddl).execute(&mut conn).await?;

    let datetimes: Vec<usize> = (table.fields.iter().enumerate())
        .filter(|(_, f)| f.ty == FieldType::DateTime)
        .map(|(i, _)| i)
        .collect();
    let utc: Vec<Vec<String>> = table
        .rows
        .par_iter()
        .map(|row| {
            datetimes
                .iter()
                .map(|&j| match &row[j] {
                    Cell::Text(s) => utc_datetime(s, local),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();

    // Features, in table order (fid = position + 1).
    let columns = table.fields.len() + 2;
    let per = rows_per_insert(columns);
    let full_sql = insert_sql(&name, columns, per);
    for start in (0..table.len()).step_by(per) {
        let end = (start + per).min(table.len());
        let sql = if end - start == per {
            full_sql.clone()
        } else {
            insert_sql(&name, columns, end - start)
        };
        let mut q = sqlx::query(&sql);
        for i in start..end {
            q = q.bind(i as i64 + 1);
            q = q.bind(encoded[i].as_ref().map(|e| e.blob.as_slice()));
            let mut dt = utc[i].iter();
            for (j, cell) in table.rows[i].iter().enumerate() {
                let is_dt = table.fields[j].ty == FieldType::DateTime;
                q = match cell {
                    Cell::Null => q.bind(None::<i64>),
                    Cell::Integer(v) => q.bind(*v),
                    Cell::Real(v) => q.bind(v.is_finite().then_some(*v)),
                    Cell::Boolean(b) => q.bind(i64::from(*b)),
                    Cell::Text(_) if is_dt => q.bind(dt.next().map_or("", String::as_str)),
                    Cell::Text(s) => q.bind(s.as_str()),
                };
                if is_dt && !matches!(cell, Cell::Text(_)) {
                    dt.next();
                }
            }
        }
        q.execute(&mut conn).await?;
    }

    // Spatial index: packed in Hilbert order and written straight into the R-tree's shadow
    // tables (see `gpkg_rtree`), then registered with its triggers.
    sqlx::raw_sql(&format!(
        "CREATE VIRTUAL TABLE {} USING rtree(id, minx, maxx, miny, maxy)",
        quote(&rtree)
    ))
    .execute(&mut conn)
    .await?;
    if let Some(ext) = extent {
        let mut order: Vec<(u64, usize)> = encoded
            .par_iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|e| (hilbert(&e.bbox, &ext), i)))
            .collect();
        order.par_sort_unstable();
        // The node size SQLite chose for this table (its empty root blob's length).
        let node_size: i64 = sqlx::query_scalar(&format!(
            "SELECT length(data) FROM {} WHERE nodeno = 1",
            quote(&format!("{rtree}_node"))
        ))
        .fetch_one(&mut conn)
        .await?;
        let entries = order.iter().map(|&(_, i)| {
            let b = encoded[i].as_ref().map_or([0.0; 4], |e| e.bbox);
            (i as i64 + 1, b)
        });
        let packed = gpkg_rtree::pack(node_size as usize, entries).ok_or_else(|| {
            GpkgError::Geometry(format!("R-tree node size {node_size} is too small"))
        })?;
        sqlx::raw_sql(&format!("DELETE FROM {}", quote(&format!("{rtree}_node"))))
            .execute(&mut conn)
            .await?;
        let shadow =
            |suffix: &str, cols: &str| format!("{}({cols})", quote(&format!("{rtree}_{suffix}")));
        insert_pairs(&mut conn, &shadow("node", "nodeno, data"), &packed.nodes).await?;
        insert_pairs(&mut conn, &shadow("rowid", "rowid, nodeno"), &packed.rowids).await?;
        insert_pairs(
            &mut conn,
            &shadow("parent", "nodeno, parentnode"),
            &packed.parents,
        )
        .await?;
    }
    sqlx::query(
        "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index',
           'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
    )
    .bind(&name)
    .execute(&mut conn)
    .await?;
    sqlx::raw_sql(&rtree_triggers(&name))
        .execute(&mut conn)
        .await?;
    sqlx::raw_sql("COMMIT").execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

/// The whole GeoPackage file for `table`, in memory (written through a temporary file).
pub async fn to_bytes(
    table: &FeatureTable,
    local: Option<chrono::FixedOffset>,
) -> Result<Vec<u8>, GpkgError> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("layer.gpkg");
    write_file(table, &path, local).await?;
    Ok(std::fs::read(&path)?)
}

/// The six triggers of GeoPackage 1.3 Annex F.3 that keep `rtree_<t>_geom` in step with
/// the table.
fn rtree_triggers(t: &str) -> String {
    let tq = quote(t);
    let r = quote(&format!("rtree_{t}_geom"));
    let trig = |suffix: &str| quote(&format!("rtree_{t}_geom_{suffix}"));
    let values =
        "(NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom))";
    format!(
        "CREATE TRIGGER {insert} AFTER INSERT ON {tq}
           WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
           BEGIN INSERT OR REPLACE INTO {r} VALUES {values}; END;
         CREATE TRIGGER {u1} AFTER UPDATE OF geom ON {tq}
           WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
           BEGIN INSERT OR REPLACE INTO {r} VALUES {values}; END;
         CREATE TRIGGER {u2} AFTER UPDATE OF geom ON {tq}
           WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
           BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;
         CREATE TRIGGER {u3} AFTER UPDATE ON {tq}
           WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
           BEGIN DELETE FROM {r} WHERE id = OLD.fid; INSERT OR REPLACE INTO {r} VALUES {values}; END;
         CREATE TRIGGER {u4} AFTER UPDATE ON {tq}
           WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
           BEGIN DELETE FROM {r} WHERE id IN (OLD.fid, NEW.fid); END;
         CREATE TRIGGER {delete} AFTER DELETE ON {tq} WHEN old.geom NOT NULL
           BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;",
        insert = trig("insert"),
        u1 = trig("update1"),
        u2 = trig("update2"),
        u3 = trig("update3"),
        u4 = trig("update4"),
        delete = trig("delete"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_blob_has_header_envelope_and_wkb() {
        let g = geo::Geometry::Point(geo::Point::new(107.5, 16.25));
        let e = encode(&g, GeometryKind::Point).unwrap().unwrap();
        assert_eq!(&e.blob[..4], b"GP\x00\x03");
        assert_eq!(i32::from_le_bytes(e.blob[4..8].try_into().unwrap()), 4326);
        let env: Vec<f64> = (0..4)
            .map(|i| f64::from_le_bytes(e.blob[8 + 8 * i..16 + 8 * i].try_into().unwrap()))
            .collect();
        assert_eq!(env, vec![107.5, 107.5, 16.25, 16.25]);
        assert_eq!(&e.blob[40..45], &[1, 1, 0, 0, 0]);
        assert_eq!(e.blob.len(), 40 + 21);
        // geozero writes the same point WKB.
        assert_eq!(&e.blob[40..], &wkb(&g).unwrap()[..]);
    }

    #[test]
    fn polygons_are_promoted_and_empty_geometries_are_null() {
        let p = geo::Geometry::Polygon(geo::Polygon::new(
            vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)].into(),
            vec![],
        ));
        let e = encode(&p, GeometryKind::MultiPolygon).unwrap().unwrap();
        assert_eq!(u32::from_le_bytes(e.blob[41..45].try_into().unwrap()), 6);
        let empty = geo::Geometry::GeometryCollection(Default::default());
        assert!(encode(&empty, GeometryKind::Geometry).unwrap().is_none());
    }

    /// The packed R-tree passes SQLite's own `rtreecheck` and answers box queries exactly as
    /// a scan of the features does (the bulk fill must be a valid tree, not just fast).
    #[tokio::test]
    async fn the_packed_rtree_passes_sqlites_check_and_answers_box_queries() {
        use sqlx::Row;
        let n = 6000usize;
        let pt = |i: usize| {
            (
                107.0 + ((i * 7919) % 1000) as f64 / 1000.0 + 1e-7,
                16.0 + ((i * 104_729) % 997) as f64 / 997.0 - 1e-7,
            )
        };
        let table = FeatureTable {
            name: "t".into(),
            fields: vec![],
            geometries: (0..n)
                .map(|i| geo::Geometry::Point(geo::Point::new(pt(i).0, pt(i).1)))
                .collect(),
            rows: vec![vec![]; n],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.gpkg");
        write_file(&table, &path, None).await.unwrap();
        let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path))
            .await
            .unwrap();
        let check: String = sqlx::query_scalar("SELECT rtreecheck('rtree_t_geom')")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(check, "ok");
        let depth: Vec<u8> =
            sqlx::query_scalar("SELECT data FROM rtree_t_geom_node WHERE nodeno = 1")
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert!(
            u16::from_be_bytes([depth[0], depth[1]]) >= 2,
            "6000 entries need 3 levels"
        );
        for (x0, y0, x1, y1) in [(107.2, 16.3, 107.25, 16.41), (107.9, 16.0, 108.0, 16.05)] {
            let rows = sqlx::query(
                "SELECT id FROM rtree_t_geom WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?",
            )
            .bind(x1)
            .bind(x0)
            .bind(y1)
            .bind(y0)
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let mut got: Vec<i64> = rows.iter().map(|r| r.get::<i64, _>(0)).collect();
            got.sort_unstable();
            // Stored boxes are f32 rounded outwards: every point inside is found, and only
            // points within f32 precision (~1e-5°) of the query box are added.
            let inside = |i: usize, tol: f64| {
                let (x, y) = pt(i);
                x >= x0 - tol && x <= x1 + tol && y >= y0 - tol && y <= y1 + tol
            };
            let want: Vec<i64> = (0..n)
                .filter(|&i| inside(i, 0.0))
                .map(|i| i as i64 + 1)
                .collect();
            assert!(!want.is_empty());
            assert!(
                want.iter().all(|w| got.binary_search(w).is_ok()),
                "{x0},{y0}"
            );
            assert!(
                got.iter().all(|&g| inside(g as usize - 1, 1e-5)),
                "{x0},{y0}"
            );
        }
    }

    #[test]
    fn hilbert_keeps_neighbours_close() {
        let ext = [0.0, 0.0, 1.0, 1.0];
        let at = |x: f64, y: f64| hilbert(&[x, y, x, y], &ext);
        assert_eq!(at(0.0, 0.0), 0);
        assert!(at(0.01, 0.01) < at(0.9, 0.9));
        assert_ne!(at(0.2, 0.7), at(0.7, 0.2));
        assert_eq!(table_name("Hexes res9"), "hexes_res9");
        assert_eq!(table_name("9x"), "layer_9x");
    }
}
