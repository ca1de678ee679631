//! The feature table every file format is written from: one geometry and one row of typed
//! attributes per feature, with a fixed schema.
//!
//! GeoJSON properties are free-form (arrays, nested objects, a number that is an integer in
//! one feature and a float in the next); GeoPackage, FlatGeobuf, CSV, Shapefile and vector
//! tiles are not. [`FeatureTable::from_features`] makes that translation once, so every
//! format shows the same columns with the same types:
//! - an integer column stays `INTEGER` unless some value has a fraction (then `REAL`);
//! - text that is a date (`2025-03-01`) or a date-time (`2025-03-01T08:30:00[+07:00]`) in
//!   every row becomes a `DATE` / `DATETIME` column;
//! - arrays become `;`-joined text (objects in them by their `id`, or `key=value` pairs,
//!   fractions to 3 decimals), a `[lon, lat]` pair named `centroid` becomes two `REAL`
//!   columns;
//! - nested objects become `parent_key` columns;
//! - every feature gets an `id` (the GeoJSON id, or its position when it has none).

use crate::model::Report;
use crate::render::geojson::{iso_local, round7};
use geojson::{Feature, JsonValue};
use std::collections::HashMap;

/// Column types, as GIS software names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Integer,
    Real,
    Boolean,
    Text,
    /// `YYYY-MM-DD` text.
    Date,
    /// ISO 8601 date-time text.
    DateTime,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
}

/// One cell. Dates and date-times are [`Cell::Text`] in a [`FieldType::Date`] /
/// [`FieldType::DateTime`] column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Boolean(bool),
    Text(String),
}

impl Cell {
    /// The cell as CSV / tile text (`None` for null).
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Integer(i) => Some(i.to_string()),
            Cell::Real(x) => Some(format_real(*x)),
            Cell::Boolean(b) => Some(b.to_string()),
            Cell::Text(s) => Some(s.clone()),
        }
    }
}

/// Shortest text of a float that reads back the same (`0.5`, not `0.50000`).
pub fn format_real(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// What kind of geometry every feature of a table has, as the file formats declare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    Point,
    /// Polygons are written as multipolygons so that one layer has one type.
    MultiPolygon,
    /// Anything else, or a mix (e.g. sites that are points or polygons).
    Geometry,
}

/// A layer ready for a tabular/GIS format.
#[derive(Debug, Clone)]
pub struct FeatureTable {
    /// Layer name (GeoPackage table name, FlatGeobuf and vector tile layer name).
    pub name: String,
    pub fields: Vec<Field>,
    pub geometries: Vec<geo::Geometry<f64>>,
    /// One row per geometry, one cell per field.
    pub rows: Vec<Vec<Cell>>,
}

impl FeatureTable {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The geometry kind all features share.
    pub fn geometry_kind(&self) -> GeometryKind {
        use geo::Geometry as G;
        let mut kind = None;
        for g in &self.geometries {
            let k = match g {
                G::Point(_) => GeometryKind::Point,
                G::Polygon(_) | G::MultiPolygon(_) | G::Rect(_) | G::Triangle(_) => {
                    GeometryKind::MultiPolygon
                }
                _ => GeometryKind::Geometry,
            };
            match kind {
                None => kind = Some(k),
                Some(prev) if prev != k => return GeometryKind::Geometry,
                _ => {}
            }
        }
        kind.unwrap_or(GeometryKind::Geometry)
    }

    /// `[min_x, min_y, max_x, max_y]` of all geometries.
    pub fn extent(&self) -> Option<[f64; 4]> {
        use geo::BoundingRect;
        self.geometries
            .iter()
            .filter_map(|g| g.bounding_rect())
            .fold(None, |acc, r| {
                Some(match acc {
                    None => [r.min().x, r.min().y, r.max().x, r.max().y],
                    Some(b) => [
                        b[0].min(r.min().x),
                        b[1].min(r.min().y),
                        b[2].max(r.max().x),
                        b[3].max(r.max().y),
                    ],
                })
            })
    }

    /// Renames the fields to what a Shapefile (dBase) can hold: at most 10 characters,
    /// unique (ignoring case), ASCII letters, digits and `_`. A clash keeps the first name
    /// and numbers the later ones (`trend_z`, `hot_steps`, `cold_steps`, `step_label` and
    /// `step_lab_1` …).
    ///
    /// Date-time columns become text in this mode: a Shapefile has dates but no times, and
    /// `ogr2ogr` would silently drop the time of day.
    pub fn with_shapefile_names(mut self) -> Self {
        let names = shapefile_names(self.fields.iter().map(|f| f.name.as_str()));
        for (f, n) in self.fields.iter_mut().zip(names) {
            f.name = n;
            if f.ty == FieldType::DateTime {
                f.ty = FieldType::Text;
            }
        }
        self
    }

    /// The stored reports: `id`, `kind`, `observed_at` (date-time), points.
    pub fn reports(reports: &[Report]) -> Self {
        use rayon::prelude::*;
        let (geometries, rows) = reports
            .par_iter()
            .map(|r| {
                (
                    geo::Geometry::Point(geo::Point::new(r.lon, r.lat)),
                    vec![
                        Cell::Text(r.id.clone()),
                        Cell::Text(r.kind.as_str().to_string()),
                        Cell::Text(iso_local(r.observed_at)),
                    ],
                )
            })
            .unzip();
        FeatureTable {
            name: "reports".into(),
            fields: vec![
                field("id", FieldType::Text),
                field("kind", FieldType::Text),
                field("observed_at", FieldType::DateTime),
            ],
            geometries,
            rows,
        }
    }

    /// A table from GeoJSON features (see the module documentation for the rules). Columns
    /// come in the order `preferred` lists them, then in the order they are first met.
    pub fn from_features(name: &str, features: &[Feature], preferred: &[&str]) -> Self {
        let flat: Vec<Vec<(String, Flat)>> = features
            .iter()
            .enumerate()
            .map(|(i, f)| flatten_feature(i, f))
            .collect();
        let mut order: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut add = |name: &str, order: &mut Vec<String>| {
            if !index.contains_key(name) {
                index.insert(name.to_string(), order.len());
                order.push(name.to_string());
            }
        };
        add("id", &mut order);
        for p in preferred {
            // A preferred column only exists if some feature has it (possibly flattened).
            if flat.iter().any(|row| row.iter().any(|(k, _)| k == p)) {
                add(p, &mut order);
            }
            for suffix in ["_lon", "_lat"] {
                let k = format!("{p}{suffix}");
                if flat.iter().any(|row| row.iter().any(|(n, _)| *n == k)) {
                    add(&k, &mut order);
                }
            }
        }
        for row in &flat {
            for (k, _) in row {
                add(k, &mut order);
            }
        }
        let mut columns: Vec<Vec<Flat>> = vec![vec![Flat::Null; flat.len()]; order.len()];
        for (r, row) in flat.into_iter().enumerate() {
            for (k, v) in row {
                columns[index[&k]][r] = v;
            }
        }
        let mut fields = Vec::with_capacity(order.len());
        let mut typed: Vec<Vec<Cell>> = Vec::with_capacity(order.len());
        for (name, col) in order.into_iter().zip(columns) {
            let ty = column_type(&col);
            typed.push(col.into_iter().map(|v| v.cell(ty)).collect());
            fields.push(Field { name, ty });
        }
        let rows = (0..features.len())
            .map(|r| typed.iter().map(|c| c[r].clone()).collect())
            .collect();
        let geometries = features
            .iter()
            .map(|f| {
                f.geometry
                    .as_ref()
                    .and_then(|g| geo::Geometry::<f64>::try_from(g.clone()).ok())
                    .unwrap_or(geo::Geometry::GeometryCollection(Default::default()))
            })
            .collect();
        FeatureTable {
            name: name.to_string(),
            fields,
            geometries,
            rows,
        }
    }
}

fn field(name: &str, ty: FieldType) -> Field {
    Field {
        name: name.into(),
        ty,
    }
}

/// A flattened property value before its column type is known.
#[derive(Debug, Clone, PartialEq)]
enum Flat {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(String),
}

impl Flat {
    fn cell(self, ty: FieldType) -> Cell {
        match (self, ty) {
            (Flat::Null, _) => Cell::Null,
            (Flat::Int(i), FieldType::Integer) => Cell::Integer(i),
            (Flat::Int(i), FieldType::Real) => Cell::Real(i as f64),
            (Flat::Real(x), FieldType::Real) => Cell::Real(x),
            (Flat::Bool(b), FieldType::Boolean) => Cell::Boolean(b),
            (Flat::Text(s), _) => Cell::Text(s),
            (Flat::Int(i), _) => Cell::Text(i.to_string()),
            (Flat::Real(x), _) => Cell::Text(format_real(x)),
            (Flat::Bool(b), _) => Cell::Text(b.to_string()),
        }
    }
}

fn column_type(col: &[Flat]) -> FieldType {
    let mut ty: Option<FieldType> = None;
    for v in col {
        let t = match v {
            Flat::Null => continue,
            Flat::Int(_) => FieldType::Integer,
            Flat::Real(_) => FieldType::Real,
            Flat::Bool(_) => FieldType::Boolean,
            Flat::Text(s) => text_type(s),
        };
        ty = Some(match (ty, t) {
            (None, t) => t,
            (Some(a), b) if a == b => a,
            (Some(FieldType::Integer), FieldType::Real)
            | (Some(FieldType::Real), FieldType::Integer) => FieldType::Real,
            _ => FieldType::Text,
        });
    }
    ty.unwrap_or(FieldType::Text)
}

/// `Date` for `YYYY-MM-DD`, `DateTime` for `YYYY-MM-DDTHH:MM:SS` with optional fraction
/// and offset, `Text` otherwise.
fn text_type(s: &str) -> FieldType {
    if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10 {
        FieldType::Date
    } else if s.len() >= 19
        && (chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
            || chrono::DateTime::parse_from_rfc3339(s).is_ok())
    {
        FieldType::DateTime
    } else {
        FieldType::Text
    }
}

fn flatten_feature(i: usize, f: &Feature) -> Vec<(String, Flat)> {
    let mut out = Vec::new();
    let props = f.properties.as_ref();
    let own_id = props.and_then(|p| p.get("id")).filter(|v| !v.is_null());
    let id = match (&f.id, own_id) {
        (Some(geojson::feature::Id::String(s)), _) => Flat::Text(s.clone()),
        (Some(geojson::feature::Id::Number(n)), _) => flat_scalar(&JsonValue::Number(n.clone())),
        (None, Some(v)) => flat_scalar(v),
        (None, None) => Flat::Text((i + 1).to_string()),
    };
    out.push(("id".to_string(), id));
    for (k, v) in props.into_iter().flatten() {
        if k == "id" {
            continue;
        }
        flatten_value(k, v, &mut out);
    }
    out
}

fn flatten_value(key: &str, v: &JsonValue, out: &mut Vec<(String, Flat)>) {
    match v {
        JsonValue::Array(items) if key == "centroid" && items.len() == 2 => {
            out.push((format!("{key}_lon"), flat_scalar(&items[0])));
            out.push((format!("{key}_lat"), flat_scalar(&items[1])));
        }
        JsonValue::Array(items) => {
            let parts: Vec<String> = items.iter().map(item_text).collect();
            out.push((key.to_string(), Flat::Text(parts.join(";"))));
        }
        JsonValue::Object(m) => {
            for (k, v) in m {
                flatten_value(&format!("{key}_{k}"), v, out);
            }
        }
        other => out.push((key.to_string(), flat_scalar(other))),
    }
}

fn flat_scalar(v: &JsonValue) -> Flat {
    match v {
        JsonValue::Null => Flat::Null,
        JsonValue::Bool(b) => Flat::Bool(*b),
        JsonValue::Number(n) => match n.as_i64() {
            Some(i) => Flat::Int(i),
            None => Flat::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        JsonValue::String(s) => Flat::Text(s.clone()),
        other => Flat::Text(item_text(other)),
    }
}

/// One array element as text: scalars as themselves, an object by its `id` (or its
/// `key=value` pairs), a nested array `,`-joined.
fn item_text(v: &JsonValue) -> String {
    match v {
        JsonValue::Null => String::new(),
        JsonValue::Bool(b) => b.to_string(),
        JsonValue::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            // Series such as per-step z-scores: 3 decimals keep a 36-month series within a
            // Shapefile's 254-character text field.
            (None, Some(x)) => format_real((x * 1e3).round() / 1e3),
            _ => n.to_string(),
        },
        JsonValue::String(s) => s.clone(),
        JsonValue::Array(a) => a.iter().map(item_text).collect::<Vec<_>>().join(","),
        JsonValue::Object(m) => match m.get("id") {
            Some(id) if !id.is_null() => item_text(id),
            _ => m
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k}={}", item_text(v)))
                .collect::<Vec<_>>()
                .join(","),
        },
    }
}

/// Shapefile-safe versions of `names` (see [`FeatureTable::with_shapefile_names`]).
pub fn shapefile_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for name in names {
        let clean: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let clean = if clean.is_empty() {
            "f".to_string()
        } else {
            clean
        };
        let mut candidate: String = clean.chars().take(10).collect();
        let mut n = 1;
        while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
            let suffix = format!("_{n}");
            candidate = clean.chars().take(10 - suffix.len()).collect::<String>() + &suffix;
            n += 1;
        }
        taken.push(candidate.clone());
        out.push(candidate);
    }
    out
}

/// A date-time cell as UTC with milliseconds and `Z`, the form GeoPackage's `DATETIME`
/// requires: text with an offset is converted, naive local text is read in `local` (the
/// data's zone) when known and left as it is otherwise.
pub fn utc_datetime(s: &str, local: Option<chrono::FixedOffset>) -> String {
    use chrono::TimeZone;
    const UTC: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return t.naive_utc().format(UTC).to_string();
    }
    match (
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"),
        local,
    ) {
        (Ok(t), Some(tz)) => match tz.from_local_datetime(&t).single() {
            Some(t) => t.naive_utc().format(UTC).to_string(),
            None => s.to_string(),
        },
        _ => s.to_string(),
    }
}

/// A date-time cell with its offset (RFC 3339): naive local text gets `local`'s offset.
pub fn offset_datetime(s: &str, local: Option<chrono::FixedOffset>) -> String {
    use chrono::TimeZone;
    if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
        return s.to_string();
    }
    match (
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"),
        local,
    ) {
        (Ok(t), Some(tz)) => match tz.from_local_datetime(&t).single() {
            Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            None => s.to_string(),
        },
        _ => s.to_string(),
    }
}

/// A coordinate rounded for text formats (7 decimals, about 1 cm).
pub fn coord_text(x: f64) -> String {
    format!("{}", round7(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::geojson::feature;
    use serde_json::json;

    fn point(props: JsonValue, id: Option<&str>) -> Feature {
        let JsonValue::Object(p) = props else {
            unreachable!()
        };
        feature(&geo::Geometry::Point(geo::Point::new(107.5, 16.4)), p, id)
    }

    #[test]
    fn types_follow_every_row() {
        let a = point(
            json!({"count": 3, "z": 1.5, "first_seen": "2025-01-02T03:04:05", "due": "2025-12-31",
                   "month": "2025-03", "flag": true, "none": null}),
            Some("A"),
        );
        let b = point(
            json!({"count": 4, "z": 2, "first_seen": "2025-02-02T03:04:05+07:00", "due": null,
                   "month": "2025-04", "flag": false, "none": null}),
            None,
        );
        let t = FeatureTable::from_features("x", &[a, b], &["z"]);
        let types: Vec<(&str, FieldType)> =
            t.fields.iter().map(|f| (f.name.as_str(), f.ty)).collect();
        assert_eq!(
            types,
            vec![
                ("id", FieldType::Text),
                ("z", FieldType::Real),
                ("count", FieldType::Integer),
                ("due", FieldType::Date),
                ("first_seen", FieldType::DateTime),
                ("flag", FieldType::Boolean),
                ("month", FieldType::Text),
                ("none", FieldType::Text),
            ]
        );
        assert_eq!(t.rows[1][0], Cell::Text("2".into()), "position as id");
        assert_eq!(t.rows[1][1], Cell::Real(2.0));
        assert_eq!(t.geometry_kind(), GeometryKind::Point);
    }

    #[test]
    fn arrays_and_objects_are_flattened_without_json() {
        let f = point(
            json!({"centroid": [107.1, 16.2], "z": [1.5, -0.25123456], "step_labels": ["2025-01", "2025-02"],
                   "nearby_sites": [{"id": "S1", "name": "x"}, {"id": "S2"}],
                   "target_progress": [{"level": "ward", "share": 0.5}],
                   "stats": {"a": 1}}),
            Some("H-1"),
        );
        let t = FeatureTable::from_features("h", &[f], &[]);
        let get = |n: &str| {
            let i = t.fields.iter().position(|f| f.name == n).unwrap();
            t.rows[0][i].clone()
        };
        assert_eq!(get("centroid_lon"), Cell::Real(107.1));
        assert_eq!(get("centroid_lat"), Cell::Real(16.2));
        assert_eq!(get("z"), Cell::Text("1.5;-0.251".into()));
        assert_eq!(get("step_labels"), Cell::Text("2025-01;2025-02".into()));
        assert_eq!(get("nearby_sites"), Cell::Text("S1;S2".into()));
        assert_eq!(
            get("target_progress"),
            Cell::Text("level=ward,share=0.5".into())
        );
        assert_eq!(get("stats_a"), Cell::Integer(1));
        for row in &t.rows {
            for c in row {
                if let Some(s) = c.text() {
                    assert!(!s.contains('{') && !s.contains('['), "{s}");
                }
            }
        }
    }

    #[test]
    fn datetimes_become_utc_for_geopackage() {
        let ict = chrono::FixedOffset::east_opt(7 * 3600);
        assert_eq!(
            utc_datetime("2025-01-02T03:04:05", ict),
            "2025-01-01T20:04:05.000Z"
        );
        assert_eq!(
            utc_datetime("2025-01-02T03:04:05+07:00", None),
            "2025-01-01T20:04:05.000Z"
        );
        assert_eq!(
            utc_datetime("2025-01-02T03:04:05", None),
            "2025-01-02T03:04:05"
        );
        assert_eq!(
            offset_datetime("2025-01-02T03:04:05", ict),
            "2025-01-02T03:04:05+07:00"
        );
    }

    #[test]
    fn shapefile_names_are_short_and_unique() {
        let names = shapefile_names([
            "id",
            "step_labels",
            "step_labelz",
            "STEP_LABELS",
            "contradicting_reports",
            "x-y",
        ]);
        assert_eq!(
            names,
            vec![
                "id",
                "step_label",
                "step_lab_1",
                "STEP_LAB_2",
                "contradict",
                "x_y"
            ]
        );
        assert!(names.iter().all(|n| n.len() <= 10));
    }

    #[test]
    fn mixed_geometries_are_generic_and_polygons_multi() {
        let poly = geo::Geometry::Polygon(geo::Polygon::new(
            vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)].into(),
            vec![],
        ));
        let mut t = FeatureTable {
            name: "t".into(),
            fields: vec![],
            geometries: vec![poly.clone()],
            rows: vec![vec![]],
        };
        assert_eq!(t.geometry_kind(), GeometryKind::MultiPolygon);
        t.geometries
            .push(geo::Geometry::Point(geo::Point::new(0.0, 0.0)));
        assert_eq!(t.geometry_kind(), GeometryKind::Geometry);
        assert_eq!(t.extent(), Some([0.0, 0.0, 1.0, 1.0]));
    }
}
