//! Backend-neutral row handling: validation before anything touches the database, natural
//! keys of keyless rows, and the column values both backends stage.
//!
//! Validation happens in Rust first so that a bad row is reported by its index and the
//! transaction is never even started; the database constraints are a second line of defence.

use super::{Result, StoreError};
use crate::model::{Area, Declaration, Report, Site, Target};
use chrono::{NaiveDate, NaiveDateTime};
use geo::{BoundingRect, Validation};
use geozero::{CoordDimensions, ToGeo, ToWkb};
use std::collections::HashSet;

/// One staged column value; each backend encodes it its own way (SQLite binds, PostgreSQL
/// writes COPY text).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    F64(f64),
    I64(i64),
    /// Geometry as WKB (SQLite) or EWKB with SRID 4326 (PostGIS).
    Bytes(Vec<u8>),
    Date(NaiveDate),
    Ts(NaiveDateTime),
}

fn row_err(row: usize, message: impl Into<String>) -> StoreError {
    StoreError::Row {
        row,
        message: message.into(),
    }
}

/// The ingest id limits again, for rows that reach the store without a file (plans' API,
/// tests, other callers of the library): the database never sees an id they refuse.
fn check_id(row: usize, what: &str, id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(row_err(row, format!("{what}: must not be empty")));
    }
    crate::ingest::limits::check_id(id).map_err(|m| row_err(row, format!("{what}: {m}")))
}

fn check_lon_lat(row: usize, lon: f64, lat: f64) -> Result<()> {
    crate::model::LonLat::new(lon, lat)
        .map(|_| ())
        .map_err(|e| row_err(row, format!("{}: {e}", e.field())))
}

/// Rejects geometries the spatial queries cannot handle: non-finite or out-of-range
/// coordinates, empty shapes and invalid polygons (self-intersections, open rings…).
pub(crate) fn check_geometry(row: usize, g: &geo::Geometry<f64>) -> Result<()> {
    use geo::CoordsIter;
    let mut any = false;
    for c in g.coords_iter() {
        any = true;
        check_lon_lat(row, c.x, c.y)?;
    }
    if !any {
        return Err(row_err(row, "geometry: is empty"));
    }
    if !matches!(
        g,
        geo::Geometry::Point(_) | geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_)
    ) {
        return Err(row_err(
            row,
            "geometry: must be a Point, Polygon or MultiPolygon",
        ));
    }
    if !g.is_valid() {
        let why = g
            .validation_errors()
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(row_err(row, format!("geometry: invalid ({why})")));
    }
    Ok(())
}

/// Records `key` and fails if it was already seen in this import.
fn unique<'a>(seen: &mut HashSet<&'a str>, row: usize, key: &'a str) -> Result<()> {
    if !seen.insert(key) {
        return Err(row_err(
            row,
            format!("duplicate id {key:?} within this import"),
        ));
    }
    Ok(())
}

pub(crate) fn validate_reports(rows: &[Report]) -> Result<()> {
    let mut seen = HashSet::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        check_id(i, "id", &r.id)?;
        check_lon_lat(i, r.lon, r.lat)?;
        crate::ingest::limits::check_datetime(r.observed_at)
            .map_err(|m| row_err(i, format!("observed_at: {m}")))?;
        unique(&mut seen, i, &r.id)?;
    }
    Ok(())
}

pub(crate) fn validate_sites(rows: &[Site]) -> Result<()> {
    let mut seen = HashSet::with_capacity(rows.len());
    for (i, s) in rows.iter().enumerate() {
        check_id(i, "id", &s.id)?;
        check_geometry(i, &s.geometry)?;
        unique(&mut seen, i, &s.id)?;
    }
    Ok(())
}

pub(crate) fn validate_areas(rows: &[Area]) -> Result<()> {
    let mut seen = HashSet::with_capacity(rows.len());
    for (i, a) in rows.iter().enumerate() {
        check_id(i, "id", &a.id)?;
        if a.parent_id.as_deref() == Some(a.id.as_str()) {
            return Err(row_err(i, "parent_id: an area cannot be its own parent"));
        }
        check_geometry(i, &geo::Geometry::MultiPolygon(a.geometry.clone()))?;
        unique(&mut seen, i, &a.id)?;
    }
    Ok(())
}

/// Natural key of a declaration: one declaration per area and day.
fn declaration_key(d: &Declaration) -> String {
    format!("{}@{}", d.area_id, d.declared_at)
}

/// Natural key of a target: one share per area, child level and due date.
fn target_key(t: &Target) -> String {
    format!("{}/{}@{}", t.area_id, t.level, t.due)
}

/// Checks the declarations and returns their natural keys (which are staged with them).
pub(crate) fn validate_declarations(rows: &[Declaration]) -> Result<Vec<String>> {
    let keys: Vec<String> = rows.iter().map(declaration_key).collect();
    let mut seen = HashSet::with_capacity(rows.len());
    for (i, d) in rows.iter().enumerate() {
        check_id(i, "area_id", &d.area_id)?;
        unique(&mut seen, i, &keys[i])?;
    }
    Ok(keys)
}

/// Checks the targets and returns their natural keys (which are staged with them).
pub(crate) fn validate_targets(rows: &[Target]) -> Result<Vec<String>> {
    let keys: Vec<String> = rows.iter().map(target_key).collect();
    let mut seen = HashSet::with_capacity(rows.len());
    for (i, t) in rows.iter().enumerate() {
        check_id(i, "area_id", &t.area_id)?;
        if !(t.share.is_finite() && (0.0..=1.0).contains(&t.share)) {
            return Err(row_err(i, format!("share: {} is outside [0, 1]", t.share)));
        }
        unique(&mut seen, i, &keys[i])?;
    }
    Ok(keys)
}

/// `[min_lon, min_lat, max_lon, max_lat]` of a geometry (validated, so never empty).
pub(crate) fn bbox(g: &geo::Geometry<f64>) -> [f64; 4] {
    let r = g
        .bounding_rect()
        .expect("validated geometries are not empty");
    [r.min().x, r.min().y, r.max().x, r.max().y]
}

pub(crate) fn to_wkb(g: &geo::Geometry<f64>) -> Vec<u8> {
    g.to_wkb(CoordDimensions::xy())
        .expect("writing WKB into memory cannot fail")
}

pub(crate) fn to_ewkb(g: &geo::Geometry<f64>) -> Vec<u8> {
    g.to_ewkb(CoordDimensions::xy(), Some(4326))
        .expect("writing EWKB into memory cannot fail")
}

pub(crate) fn from_wkb(bytes: &[u8]) -> Result<geo::Geometry<f64>> {
    geozero::wkb::Wkb(bytes)
        .to_geo()
        .map_err(|e| StoreError::Invalid(format!("stored geometry is unreadable: {e}")))
}

pub(crate) fn multi_polygon(g: geo::Geometry<f64>) -> Result<geo::MultiPolygon<f64>> {
    match g {
        geo::Geometry::MultiPolygon(m) => Ok(m),
        geo::Geometry::Polygon(p) => Ok(geo::MultiPolygon(vec![p])),
        other => Err(StoreError::Invalid(format!(
            "stored area geometry is not a polygon: {other:?}"
        ))),
    }
}

/// Parses a stored vocabulary value (written by this crate, so failure means corruption).
pub(crate) fn parse_vocab<T: std::str::FromStr>(s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e: T::Err| StoreError::Invalid(format!("stored value: {e}")))
}

/// Shared by both backends: does `g` intersect any of `polygons`? Boundary points count, as
/// with PostGIS `ST_Intersects`, so both backends answer the same.
pub(crate) fn point_in_any(polygons: &[geo::MultiPolygon<f64>], lon: f64, lat: f64) -> bool {
    use geo::Intersects;
    let p = geo::Point::new(lon, lat);
    polygons.iter().any(|m| m.intersects(&p))
}

/// Unix microseconds of a naive local time (SQLite stores `observed_at` this way so that
/// range filters compare integers and round trips are exact to the microsecond).
pub(crate) fn micros(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros()
}

pub(crate) fn from_micros(us: i64) -> Result<NaiveDateTime> {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|d| d.naive_utc())
        .ok_or_else(|| StoreError::Invalid(format!("stored time {us} is out of range")))
}

/// The current UTC time, truncated to microseconds so that what is returned equals what
/// both backends store.
pub(crate) fn now() -> NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReportKind;
    use geo::{line_string, polygon};

    fn report(id: &str, lon: f64, lat: f64) -> Report {
        Report {
            id: id.into(),
            lon,
            lat,
            kind: ReportKind::Use,
            observed_at: NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        }
    }

    #[test]
    fn validation_names_the_first_bad_row() {
        let rows = vec![
            report("a", 107.0, 16.0),
            report("b", 107.0, 16.0),
            report("a", 107.0, 16.0),
        ];
        match validate_reports(&rows) {
            Err(StoreError::Row { row, message }) => {
                assert_eq!(row, 2);
                assert!(message.contains("duplicate id \"a\""), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let rows = vec![report("a", 107.0, 16.0), report("b", 181.0, 16.0)];
        assert!(matches!(
            validate_reports(&rows),
            Err(StoreError::Row { row: 1, .. })
        ));
        let rows = vec![report("a", f64::NAN, 16.0)];
        assert!(matches!(
            validate_reports(&rows),
            Err(StoreError::Row { row: 0, .. })
        ));
    }

    #[test]
    fn self_intersecting_polygon_is_a_row_error() {
        let bow_tie = geo::Geometry::Polygon(polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)
        ]);
        assert!(matches!(
            check_geometry(4, &bow_tie),
            Err(StoreError::Row { row: 4, .. })
        ));
        let line = geo::Geometry::LineString(line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)]);
        assert!(check_geometry(0, &line).is_err());
    }

    #[test]
    fn wkb_round_trips_and_micros_are_exact() {
        let g = geo::Geometry::Point(geo::Point::new(107.5901234, 16.4637891));
        assert_eq!(from_wkb(&to_wkb(&g)).unwrap(), g);
        let t = NaiveDate::from_ymd_opt(2024, 2, 29)
            .unwrap()
            .and_hms_micro_opt(23, 59, 58, 123_456)
            .unwrap();
        assert_eq!(from_micros(micros(t)).unwrap(), t);
    }
}
