//! `hotspot export reports|sites|areas --format geojson|csv [--out FILE]`: stored layers as
//! RFC 7946 GeoJSON (7 decimals, counter-clockwise exterior rings) or CSV. A file is written
//! to a temporary name and renamed, so it is never left half-written.

use super::db_arg::DbArg;
use crate::model::{Area, Report, Site};
use crate::store::{ReportFilter, Store};
use anyhow::Context;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Layer {
    Reports,
    Sites,
    Areas,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Geojson,
    Csv,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// What to export.
    pub layer: Layer,
    #[arg(long, value_enum, default_value = "geojson")]
    pub format: Format,
    /// Output file (default: standard output).
    #[arg(long)]
    pub out: Option<String>,
    #[command(flatten)]
    pub db: DbArg,
}

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let body = render(store.as_ref(), args.layer, args.format).await?;
    match &args.out {
        None => std::io::stdout().lock().write_all(&body)?,
        Some(path) => write_atomically(path, &body)?,
    }
    Ok(())
}

/// The whole export in memory (layers are at most a few hundred MB for 1M reports).
pub async fn render(store: &dyn Store, layer: Layer, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match (layer, format) {
        (Layer::Reports, f) => {
            let rows = store.reports(&ReportFilter::default()).await?;
            match f {
                Format::Geojson => collection(rows.iter().map(report_feature)),
                Format::Csv => reports_csv(&rows)?,
            }
        }
        (Layer::Sites, f) => {
            let rows = store.sites(None).await?;
            match f {
                Format::Geojson => collection(rows.iter().map(site_feature)),
                Format::Csv => shapes_csv(
                    &["id", "name", "kind", "geometry"],
                    rows.iter().map(|s| {
                        vec![
                            s.id.clone(),
                            s.name.clone(),
                            s.kind.to_string(),
                            geometry_json(&s.geometry).to_string(),
                        ]
                    }),
                )?,
            }
        }
        (Layer::Areas, f) => {
            let rows = store.areas(None).await?;
            match f {
                Format::Geojson => collection(rows.iter().map(area_feature)),
                Format::Csv => shapes_csv(
                    &["id", "name", "level", "parent_id", "geometry"],
                    rows.iter().map(|a| {
                        vec![
                            a.id.clone(),
                            a.name.clone(),
                            a.level.to_string(),
                            a.parent_id.clone().unwrap_or_default(),
                            geometry_json(&geo::Geometry::MultiPolygon(a.geometry.clone()))
                                .to_string(),
                        ]
                    }),
                )?,
            }
        }
    })
}

fn write_atomically(path: &str, body: &[u8]) -> anyhow::Result<()> {
    let target = std::path::Path::new(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file next to {path}"))?;
    tmp.write_all(body)?;
    tmp.persist(target)
        .with_context(|| format!("writing {path}"))?;
    Ok(())
}

/// RFC 7946: at most 7 decimals (about 1 cm).
fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

fn ring(r: &geo::LineString<f64>) -> Value {
    Value::Array(
        r.coords()
            .map(|c| json!([round7(c.x), round7(c.y)]))
            .collect(),
    )
}

fn polygon_rings(p: &geo::Polygon<f64>) -> Value {
    use geo::orient::{Direction, Orient};
    let p = p.orient(Direction::Default); // exterior counter-clockwise, holes clockwise
    let mut rings = vec![ring(p.exterior())];
    rings.extend(p.interiors().iter().map(ring));
    Value::Array(rings)
}

/// GeoJSON geometry of a stored shape (points and polygons are all the store accepts).
pub fn geometry_json(g: &geo::Geometry<f64>) -> Value {
    match g {
        geo::Geometry::Point(p) => {
            json!({"type": "Point", "coordinates": [round7(p.x()), round7(p.y())]})
        }
        geo::Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": polygon_rings(p)}),
        geo::Geometry::MultiPolygon(m) => json!({
            "type": "MultiPolygon",
            "coordinates": m.0.iter().map(polygon_rings).collect::<Vec<_>>(),
        }),
        other => {
            let gj = geojson::Geometry::from(other);
            serde_json::to_value(gj).unwrap_or(Value::Null)
        }
    }
}

fn feature(id: &str, geometry: Value, properties: Value) -> Value {
    json!({"type": "Feature", "id": id, "geometry": geometry, "properties": properties})
}

fn report_feature(r: &Report) -> Value {
    feature(
        &r.id,
        json!({"type": "Point", "coordinates": [round7(r.lon), round7(r.lat)]}),
        json!({
            "id": r.id,
            "kind": r.kind.as_str(),
            "observed_at": r.observed_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }),
    )
}

fn site_feature(s: &Site) -> Value {
    feature(
        &s.id,
        geometry_json(&s.geometry),
        json!({"id": s.id, "name": s.name, "kind": s.kind.as_str()}),
    )
}

fn area_feature(a: &Area) -> Value {
    feature(
        &a.id,
        geometry_json(&geo::Geometry::MultiPolygon(a.geometry.clone())),
        json!({"id": a.id, "name": a.name, "level": a.level.as_str(), "parent_id": a.parent_id}),
    )
}

/// A FeatureCollection, one feature per line.
fn collection(features: impl Iterator<Item = Value>) -> Vec<u8> {
    let mut out = b"{\"type\":\"FeatureCollection\",\"features\":[".to_vec();
    for (i, f) in features.enumerate() {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        serde_json::to_writer(&mut out, &f).expect("JSON into memory");
    }
    out.extend_from_slice(b"\n]}\n");
    out
}

/// Same header and formats as the import CSV (`id,lon,lat,kind,observed_at`), so an export
/// can be imported again.
fn reports_csv(rows: &[Report]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "lon", "lat", "kind", "observed_at"])?;
    for r in rows {
        w.write_record([
            r.id.clone(),
            format!("{}", round7(r.lon)),
            format!("{}", round7(r.lat)),
            r.kind.to_string(),
            r.observed_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// Sites and areas as CSV with the geometry as a GeoJSON string.
fn shapes_csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(&r)?;
    }
    Ok(w.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReportKind;
    use geo::polygon;

    #[test]
    fn polygons_are_counter_clockwise_and_rounded() {
        // Clockwise input.
        let cw = geo::Geometry::Polygon(polygon![
            (x: 0.0, y: 0.0), (x: 0.0, y: 1.0), (x: 1.123456789, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 0.0)
        ]);
        let v = geometry_json(&cw);
        assert_eq!(
            v["coordinates"][0],
            json!([
                [0.0, 0.0],
                [1.0, 0.0],
                [1.1234568, 1.0],
                [0.0, 1.0],
                [0.0, 0.0]
            ])
        );
    }

    #[test]
    fn reports_csv_uses_the_import_header() {
        let r = Report {
            id: "a".into(),
            lon: 107.123456789,
            lat: 16.5,
            kind: ReportKind::Sale,
            observed_at: chrono::NaiveDate::from_ymd_opt(2025, 1, 2)
                .unwrap()
                .and_hms_opt(3, 4, 5)
                .unwrap(),
        };
        let out = String::from_utf8(reports_csv(&[r]).unwrap()).unwrap();
        assert_eq!(
            out,
            "id,lon,lat,kind,observed_at\na,107.1234568,16.5,sale,2025-01-02T03:04:05\n"
        );
    }
}
