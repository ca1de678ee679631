//! RFC 7946 GeoJSON writer (WGS84, CCW exterior rings, ≤ 7 decimals, bbox).
//!
//! Layers are built as [`geojson::Feature`]s by the `*_feature` functions (shared by the CLI
//! and the HTTP server) and streamed by [`FeatureWriter`], which enforces the RFC on the way
//! out whatever the caller built: polygon exterior rings counter-clockwise and holes
//! clockwise (RFC 7946 §3.1.6), coordinates rounded to 7 decimals (≈ 1 cm), and a `bbox` on
//! the collection. The writer formats numbers itself, so a million features stream quickly
//! without an intermediate document. The plural `*_features` builders run in parallel
//! (rayon keeps the order); hexagon boundaries and property maps are the costly part.

use crate::analysis::emerging::{Category, EmergingCell};
use crate::analysis::gistar::GiStar;
use crate::analysis::hotspots::Hotspot;
use crate::analysis::kde::DensityCell;
use crate::analysis::proximity::SiteProximity;
use crate::model::{Area, KIND_COUNT, Report, ReportKind, Site};
use chrono::NaiveDateTime;
use geojson::{Feature, GeometryValue, JsonObject, Position};
use h3o::CellIndex;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::io::{self, Write};

/// Decimal places kept in coordinates (RFC 7946 §11.2 recommends no more than needed).
pub const DECIMALS: i32 = 7;
const SCALE: f64 = 1e7;

/// Rounds to [`DECIMALS`] places.
pub fn round7(x: f64) -> f64 {
    (x * SCALE).round() / SCALE
}

/// Local time as ISO 8601 without offset, e.g. `2025-03-01T08:30:00`.
pub fn iso_local(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `f` with a string id (the server identifies every feature, e.g. by H3 cell or hotspot id).
pub fn with_id(mut f: Feature, id: impl Into<String>) -> Feature {
    f.id = Some(geojson::feature::Id::String(id.into()));
    f
}

/// `f` with the members of the `json!({...})` object `extra` added to (or replacing) its
/// properties.
pub fn with_properties(mut f: Feature, extra: Value) -> Feature {
    if let Value::Object(extra) = extra {
        for (k, v) in extra {
            f.set_property(k, v);
        }
    }
    f
}

/// A FeatureCollection with its bbox, serialised in memory by [`write_collection`] (the server's layer bodies).
pub fn collection_json(features: Vec<Feature>) -> Vec<u8> {
    let mut out = Vec::new();
    write_collection(&mut out, features).expect("writing to memory cannot fail");
    out
}

// ---------------------------------------------------------------------------------------
// Geometry conversion
// ---------------------------------------------------------------------------------------

/// Rounded already here (not only by [`FeatureWriter`]) because the server also serialises
/// features with serde (OGC item pages, single items).
fn position(c: geo::Coord<f64>) -> Position {
    Position::from([round7(c.x), round7(c.y)])
}

fn ring(ls: &geo::LineString<f64>, ccw: bool) -> Vec<Position> {
    let mut pts: Vec<Position> = ls.0.iter().map(|&c| position(c)).collect();
    if pts.len() >= 4 && (signed_area(&pts) > 0.0) != ccw {
        pts.reverse();
    }
    pts
}

fn polygon(p: &geo::Polygon<f64>) -> Vec<Vec<Position>> {
    std::iter::once(ring(p.exterior(), true))
        .chain(p.interiors().iter().map(|r| ring(r, false)))
        .collect()
}

/// A geo geometry as a GeoJSON geometry object (`{"type": …, "coordinates": …}`), oriented
/// and rounded like [`geometry_value`]: for CSV cells and other places that embed one.
pub fn geometry_json(g: &geo::Geometry<f64>) -> Value {
    serde_json::to_value(geojson::Geometry::new(geometry_value(g)))
        .expect("a geometry serialises to JSON")
}

/// A geo geometry as a GeoJSON geometry with RFC 7946 ring orientation and 7 decimals.
pub fn geometry_value(g: &geo::Geometry<f64>) -> GeometryValue {
    use geo::Geometry as G;
    match g {
        G::Point(p) => GeometryValue::Point {
            coordinates: position(p.0),
        },
        G::MultiPoint(m) => GeometryValue::MultiPoint {
            coordinates: m.iter().map(|p| position(p.0)).collect(),
        },
        G::Line(l) => GeometryValue::LineString {
            coordinates: vec![position(l.start), position(l.end)],
        },
        G::LineString(l) => GeometryValue::LineString {
            coordinates: l.0.iter().map(|&c| position(c)).collect(),
        },
        G::MultiLineString(m) => GeometryValue::MultiLineString {
            coordinates: m
                .iter()
                .map(|l| l.0.iter().map(|&c| position(c)).collect())
                .collect(),
        },
        G::Polygon(p) => GeometryValue::Polygon {
            coordinates: polygon(p),
        },
        G::MultiPolygon(m) => GeometryValue::MultiPolygon {
            coordinates: m.iter().map(polygon).collect(),
        },
        G::Rect(r) => geometry_value(&G::Polygon(r.to_polygon())),
        G::Triangle(t) => geometry_value(&G::Polygon(t.to_polygon())),
        G::GeometryCollection(c) => GeometryValue::GeometryCollection {
            geometries: c
                .iter()
                .map(|g| geojson::Geometry::new(geometry_value(g)))
                .collect(),
        },
    }
}

/// A feature with `geometry` and `properties` (and an optional string id).
pub fn feature(g: &geo::Geometry<f64>, properties: JsonObject, id: Option<&str>) -> Feature {
    Feature {
        bbox: None,
        geometry: Some(geojson::Geometry::new(geometry_value(g))),
        id: id.map(|s| geojson::feature::Id::String(s.to_string())),
        properties: Some(properties),
        foreign_members: None,
    }
}

fn object(v: Value) -> JsonObject {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("json! object literal"),
    }
}

fn kind_counts(props: &mut JsonObject, counts: &[u32; KIND_COUNT]) {
    for k in ReportKind::ALL {
        props.insert(k.as_str().into(), counts[k.index()].into());
    }
}

/// The hexagon of an H3 cell.
pub fn cell_polygon(cell: CellIndex) -> geo::Geometry<f64> {
    let ring = geo::LineString::from(cell.boundary());
    geo::Geometry::Polygon(geo::Polygon::new(ring, vec![]))
}

/// A whole-number count as an integer, anything else (a weighted sum) as a float.
fn count_value(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9e15 {
        (x as i64).into()
    } else {
        x.into()
    }
}

// ---------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------

/// Properties of a DBSCAN hotspot: `cluster`, `count`, `core_count`, counts per kind,
/// `first_seen`, `last_seen`, `area_m2`, `centroid`.
pub fn hotspot_properties(h: &Hotspot) -> JsonObject {
    let mut p = object(json!({
        "cluster": h.cluster,
        "count": h.count,
        "core_count": h.core_count,
    }));
    kind_counts(&mut p, &h.kind_counts);
    p.insert("first_seen".into(), iso_local(h.first_seen).into());
    p.insert("last_seen".into(), iso_local(h.last_seen).into());
    p.insert("area_m2".into(), ((h.area_m2 * 10.0).round() / 10.0).into());
    p.insert(
        "centroid".into(),
        json!([round7(h.centroid.x), round7(h.centroid.y)]),
    );
    p
}

/// One polygon feature per hotspot.
pub fn hotspot_feature(h: &Hotspot) -> Feature {
    feature(
        &geo::Geometry::Polygon(h.polygon.clone()),
        hotspot_properties(h),
        None,
    )
}

/// Hotspot features in cluster order.
pub fn hotspots_features(hotspots: &[Hotspot]) -> Vec<Feature> {
    hotspots.par_iter().map(hotspot_feature).collect()
}

/// A hotspot with `nearby_sites`: `[{id, name, kind, distance_m}]`, nearest first.
pub fn hotspot_feature_with_sites(h: &Hotspot, nearby: &[(usize, f64)], sites: &[Site]) -> Feature {
    let mut f = hotspot_feature(h);
    let list: Vec<Value> = nearby
        .iter()
        .map(|&(i, d)| {
            let s = &sites[i];
            json!({"id": s.id, "name": s.name, "kind": s.kind.as_str(), "distance_m": (d * 10.0).round() / 10.0})
        })
        .collect();
    f.set_property("nearby_sites", list);
    f
}

/// A Gi* cell: `h3`, `count`, `gi_z`, `gi_p`, `bin`.
pub fn hex_feature(cell: CellIndex, count: f64, gi: &GiStar) -> Feature {
    let props = object(json!({
        "h3": cell.to_string(),
        "count": count_value(count),
        "gi_z": gi.z,
        "gi_p": gi.p,
        "bin": gi.bin,
    }));
    feature(&cell_polygon(cell), props, None)
}

/// Gi* cells; `bins` (e.g. after FDR) overrides the bins of `gi` when given.
pub fn hexes_features(
    cells: &[CellIndex],
    counts: &[f64],
    gi: &[GiStar],
    bins: Option<&[i8]>,
) -> Vec<Feature> {
    (0..cells.len())
        .into_par_iter()
        .map(|i| {
            let mut g = gi[i];
            if let Some(b) = bins {
                g.bin = b[i];
            }
            hex_feature(cells[i], counts[i], &g)
        })
        .collect()
}

/// A density cell: `h3`, `density` (reports per km²).
pub fn kde_feature(c: &DensityCell) -> Feature {
    let props = object(json!({"h3": c.cell.to_string(), "density": c.density}));
    feature(&cell_polygon(c.cell), props, None)
}

pub fn kde_features(cells: &[DensityCell]) -> Vec<Feature> {
    cells.par_iter().map(kde_feature).collect()
}

/// A sensitive site with the reports near it: `id`, `name`, `kind`, `reports_within`, counts
/// per kind, `nearest_m` (null when there are no reports at all).
pub fn near_feature(site: &Site, prox: &SiteProximity) -> Feature {
    let mut p = object(json!({
        "id": site.id,
        "name": site.name,
        "kind": site.kind.as_str(),
        "reports_within": prox.reports.len(),
    }));
    kind_counts(&mut p, &prox.kind_counts);
    p.insert(
        "nearest_m".into(),
        prox.nearest_m.map(|d| (d * 10.0).round() / 10.0).into(),
    );
    feature(&site.geometry, p, Some(&site.id))
}

/// The snake_case name of an emerging hot spot category, e.g. `new_hot_spot`.
pub fn category_name(c: Category) -> String {
    match serde_json::to_value(c) {
        Ok(Value::String(s)) => s,
        _ => unreachable!("unit enum variants serialize as strings"),
    }
}

/// An emerging hot spot cell: `h3`, `category`, `trend_z`, `trend_p`, `hot_steps`,
/// `cold_steps`, `steps` (number of time steps), `z` and `counts` (one per step).
pub fn emerging_feature(c: &EmergingCell) -> Feature {
    let props = object(json!({
        "h3": c.cell.to_string(),
        "category": category_name(c.category),
        "trend_z": c.trend_z,
        "trend_p": c.trend_p,
        "hot_steps": c.hot_steps,
        "cold_steps": c.cold_steps,
        "steps": c.z.len(),
        "z": c.z,
        "counts": c.counts,
    }));
    feature(&cell_polygon(c.cell), props, None)
}

pub fn emerging_features(cells: &[EmergingCell]) -> Vec<Feature> {
    cells.par_iter().map(emerging_feature).collect()
}

/// A report point: `id`, `kind`, `observed_at`.
pub fn report_feature(r: &Report) -> Feature {
    let props = object(json!({
        "id": r.id,
        "kind": r.kind.as_str(),
        "observed_at": iso_local(r.observed_at),
    }));
    feature(
        &geo::Geometry::Point(geo::Point::new(r.lon, r.lat)),
        props,
        Some(&r.id),
    )
}

/// A sensitive site: `id`, `name`, `kind`.
pub fn site_feature(s: &Site) -> Feature {
    let props = object(json!({"id": s.id, "name": s.name, "kind": s.kind.as_str()}));
    feature(&s.geometry, props, Some(&s.id))
}

/// An administrative area: `id`, `name`, `level`, `parent_id`.
pub fn area_feature(a: &Area) -> Feature {
    let props = object(json!({
        "id": a.id,
        "name": a.name,
        "level": a.level.as_str(),
        "parent_id": a.parent_id,
    }));
    feature(
        &geo::Geometry::MultiPolygon(a.geometry.clone()),
        props,
        Some(&a.id),
    )
}

// ---------------------------------------------------------------------------------------
// Streaming writer
// ---------------------------------------------------------------------------------------

/// Streams a FeatureCollection; the `bbox` member is written last (member order is free in
/// JSON), from the rounded coordinates actually written.
pub struct FeatureWriter<W: Write> {
    out: W,
    count: usize,
    bbox: [f64; 4],
    num: Vec<u8>,
}

impl<W: Write> FeatureWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(br#"{"type":"FeatureCollection","features":["#)?;
        Ok(FeatureWriter {
            out,
            count: 0,
            bbox: [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
            num: Vec::with_capacity(32),
        })
    }

    /// Writes one feature (geometry re-oriented and rounded as needed).
    pub fn write(&mut self, f: &Feature) -> io::Result<()> {
        if self.count > 0 {
            self.out.write_all(b",")?;
        }
        self.out.write_all(b"\n")?;
        self.count += 1;
        self.out.write_all(br#"{"type":"Feature""#)?;
        if let Some(id) = &f.id {
            self.out.write_all(br#","id":"#)?;
            match id {
                geojson::feature::Id::String(s) => serde_json::to_writer(&mut self.out, s)?,
                geojson::feature::Id::Number(n) => serde_json::to_writer(&mut self.out, n)?,
            }
        }
        self.out.write_all(br#","geometry":"#)?;
        match &f.geometry {
            Some(g) => self.geometry(&g.value)?,
            None => self.out.write_all(b"null")?,
        }
        self.out.write_all(br#","properties":"#)?;
        match &f.properties {
            Some(p) => serde_json::to_writer(&mut self.out, p)?,
            None => self.out.write_all(b"null")?,
        }
        self.out.write_all(b"}")
    }

    /// Number of features written so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Closes the collection (with its bbox when any coordinate was written) and returns
    /// the inner writer, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"\n]")?;
        if self.bbox[0].is_finite() {
            self.out.write_all(br#","bbox":["#)?;
            for (i, v) in self.bbox.into_iter().enumerate() {
                if i > 0 {
                    self.out.write_all(b",")?;
                }
                write_number(&mut self.num, v);
                self.out.write_all(&self.num)?;
            }
            self.out.write_all(b"]")?;
        }
        self.out.write_all(b"}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn geometry(&mut self, g: &GeometryValue) -> io::Result<()> {
        let kind = match g {
            GeometryValue::Point { .. } => "Point",
            GeometryValue::MultiPoint { .. } => "MultiPoint",
            GeometryValue::LineString { .. } => "LineString",
            GeometryValue::MultiLineString { .. } => "MultiLineString",
            GeometryValue::Polygon { .. } => "Polygon",
            GeometryValue::MultiPolygon { .. } => "MultiPolygon",
            GeometryValue::GeometryCollection { geometries } => {
                self.out
                    .write_all(br#"{"type":"GeometryCollection","geometries":["#)?;
                for (i, g) in geometries.iter().enumerate() {
                    if i > 0 {
                        self.out.write_all(b",")?;
                    }
                    self.geometry(&g.value)?;
                }
                return self.out.write_all(b"]}");
            }
        };
        write!(self.out, r#"{{"type":"{kind}","coordinates":"#)?;
        match g {
            GeometryValue::Point { coordinates } => self.position(coordinates)?,
            GeometryValue::MultiPoint { coordinates }
            | GeometryValue::LineString { coordinates } => self.positions(coordinates.iter())?,
            GeometryValue::MultiLineString { coordinates } => {
                self.list(coordinates, |w, l| w.positions(l.iter()))?
            }
            GeometryValue::Polygon { coordinates } => self.polygon(coordinates)?,
            GeometryValue::MultiPolygon { coordinates } => {
                self.list(coordinates, |w, p| w.polygon(p))?
            }
            GeometryValue::GeometryCollection { .. } => unreachable!(),
        }
        self.out.write_all(b"}")
    }

    fn list<T>(
        &mut self,
        items: &[T],
        mut each: impl FnMut(&mut Self, &T) -> io::Result<()>,
    ) -> io::Result<()> {
        self.out.write_all(b"[")?;
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            each(self, it)?;
        }
        self.out.write_all(b"]")
    }

    fn polygon(&mut self, rings: &[Vec<Position>]) -> io::Result<()> {
        self.out.write_all(b"[")?;
        for (i, r) in rings.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            // Exterior counter-clockwise, holes clockwise (RFC 7946 §3.1.6).
            let ccw_wanted = i == 0;
            if r.len() >= 4 && (signed_area(r) > 0.0) != ccw_wanted {
                self.positions(r.iter().rev())?;
            } else {
                self.positions(r.iter())?;
            }
        }
        self.out.write_all(b"]")
    }

    fn positions<'p>(&mut self, ps: impl Iterator<Item = &'p Position>) -> io::Result<()> {
        self.out.write_all(b"[")?;
        for (i, p) in ps.enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            self.position(p)?;
        }
        self.out.write_all(b"]")
    }

    fn position(&mut self, p: &Position) -> io::Result<()> {
        let s = p.as_slice();
        self.out.write_all(b"[")?;
        for (i, &v) in s.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            let v = round7(v);
            if i < 2 {
                let (lo, hi) = (i, i + 2);
                self.bbox[lo] = self.bbox[lo].min(v);
                self.bbox[hi] = self.bbox[hi].max(v);
            }
            write_number(&mut self.num, v);
            self.out.write_all(&self.num)?;
        }
        self.out.write_all(b"]")
    }
}

/// Twice the signed (shoelace) area of a ring in lon/lat; positive means counter-clockwise.
fn signed_area(r: &[Position]) -> f64 {
    r.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

/// Formats `v` (already rounded) with at most 7 decimals and no trailing zeros into `buf`.
fn write_number(buf: &mut Vec<u8>, v: f64) {
    buf.clear();
    if !v.is_finite() {
        buf.extend_from_slice(b"null");
        return;
    }
    let scaled = (v * SCALE).round();
    if scaled.abs() >= 9e15 {
        let _ = write!(buf, "{v}");
        return;
    }
    let n = scaled as i64;
    if n < 0 {
        buf.push(b'-');
    }
    let n = n.unsigned_abs();
    let (int, mut frac) = (n / 10_000_000, n % 10_000_000);
    let _ = write!(buf, "{int}");
    if frac != 0 {
        let mut digits = 7;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        let _ = write!(buf, ".{frac:0digits$}");
    }
}

/// Writes all `features` as one collection to `out`; returns how many were written.
pub fn write_collection<W: Write>(
    out: W,
    features: impl IntoIterator<Item = Feature>,
) -> io::Result<usize> {
    let mut w = FeatureWriter::new(out)?;
    for f in features {
        w.write(&f)?;
    }
    let n = w.count();
    w.finish()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(features: Vec<Feature>) -> Value {
        let mut buf = Vec::new();
        write_collection(&mut buf, features).unwrap();
        serde_json::from_slice(&buf).unwrap()
    }

    #[test]
    fn numbers_have_at_most_seven_decimals() {
        let mut b = Vec::new();
        for (v, s) in [
            (107.123456789, "107.1234568"),
            (-0.00000004, "0"),
            (-0.5, "-0.5"),
            (16.0, "16"),
            (-106.10000001, "-106.1"),
            (0.0000001, "0.0000001"),
        ] {
            write_number(&mut b, round7(v));
            assert_eq!(std::str::from_utf8(&b).unwrap(), s, "{v}");
        }
    }

    #[test]
    fn rings_are_reoriented_and_bbox_covers_everything() {
        // A clockwise square with a counter-clockwise hole: both must be flipped.
        let ext = vec![(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)];
        let hole = vec![(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.2, 0.2)];
        let poly = geo::Polygon::new(ext.into(), vec![hole.into()]);
        let f = feature(&geo::Geometry::Polygon(poly), JsonObject::new(), None);
        let pt = feature(
            &geo::Geometry::Point(geo::Point::new(2.123456789, -1.0)),
            JsonObject::new(),
            Some("p"),
        );
        let v = render(vec![f, pt]);
        let rings = &v["features"][0]["geometry"]["coordinates"];
        let area = |r: &Value| -> f64 {
            let p: Vec<(f64, f64)> = r
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                .collect();
            p.windows(2)
                .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
                .sum()
        };
        assert!(area(&rings[0]) > 0.0);
        assert!(area(&rings[1]) < 0.0);
        assert_eq!(v["bbox"], json!([0, -1, 2.1234568, 1]));
        assert_eq!(v["features"][1]["id"], "p");
        assert_eq!(
            v["features"][1]["geometry"]["coordinates"],
            json!([2.1234568, -1])
        );
    }

    proptest::proptest! {
        #[test]
        fn written_numbers_round_trip_with_at_most_seven_decimals(v in -180.0f64..180.0) {
            let mut b = Vec::new();
            write_number(&mut b, round7(v));
            let text = std::str::from_utf8(&b).unwrap();
            let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
            proptest::prop_assert!(decimals <= 7, "{}", text);
            proptest::prop_assert_eq!(text.parse::<f64>().unwrap(), round7(v));
        }

        #[test]
        fn any_simple_ring_comes_out_counter_clockwise(
            angles in proptest::collection::btree_set(0u32..3600, 3..12),
            clockwise in proptest::bool::ANY,
        ) {
            // A star-shaped ring around (107, 16), in either orientation.
            let mut pts: Vec<(f64, f64)> = angles
                .iter()
                .map(|&a| {
                    let t = (a as f64 / 10.0).to_radians();
                    (107.0 + 0.01 * t.cos(), 16.0 + 0.01 * t.sin())
                })
                .collect();
            if clockwise {
                pts.reverse();
            }
            pts.push(pts[0]);
            let poly = geo::Polygon::new(pts.into(), vec![]);
            let v = render(vec![feature(&geo::Geometry::Polygon(poly), JsonObject::new(), None)]);
            let ring: Vec<(f64, f64)> = v["features"][0]["geometry"]["coordinates"][0]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                .collect();
            let area: f64 = ring.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum();
            proptest::prop_assert!(area > 0.0);
        }
    }

    #[test]
    fn empty_collection_has_no_bbox() {
        let v = render(vec![]);
        assert_eq!(v, json!({"type": "FeatureCollection", "features": []}));
    }

    #[test]
    fn cells_are_hexagons_with_their_h3_id() {
        let cell = h3o::LatLng::new(16.46, 107.59)
            .unwrap()
            .to_cell(h3o::Resolution::Nine);
        let gi = GiStar {
            z: 3.5,
            p: 0.0005,
            bin: 3,
        };
        let v = render(vec![hex_feature(cell, 6.0, &gi)]);
        let f = &v["features"][0];
        assert_eq!(f["properties"]["h3"], cell.to_string());
        assert_eq!(cell.to_string().len(), 15);
        assert_eq!(f["properties"]["count"], 6);
        assert_eq!(f["properties"]["bin"], 3);
        assert_eq!(f["geometry"]["coordinates"][0].as_array().unwrap().len(), 7);
    }
}
