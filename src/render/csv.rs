//! CSV forms of the stored layers: reports with the import header (so an export imports
//! again), sites and areas with their geometry as GeoJSON text.

use std::io::Write;

use crate::model::{Area, Report, Site};
use crate::render::geojson::{geometry_json, round7};

/// Same header and formats as the import CSV (`id,lon,lat,kind,observed_at`).
pub fn reports_csv<W: Write>(out: W, rows: &[Report]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
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
    w.flush()?;
    Ok(())
}

/// `id,name,kind,geometry`.
pub fn sites_csv<W: Write>(out: W, rows: &[Site]) -> csv::Result<()> {
    shapes_csv(
        out,
        &["id", "name", "kind", "geometry"],
        rows.iter().map(|s| {
            vec![
                s.id.clone(),
                s.name.clone(),
                s.kind.to_string(),
                geometry_json(&s.geometry).to_string(),
            ]
        }),
    )
}

/// `id,name,level,parent_id,geometry`.
pub fn areas_csv<W: Write>(out: W, rows: &[Area]) -> csv::Result<()> {
    shapes_csv(
        out,
        &["id", "name", "level", "parent_id", "geometry"],
        rows.iter().map(|a| {
            vec![
                a.id.clone(),
                a.name.clone(),
                a.level.to_string(),
                a.parent_id.clone().unwrap_or_default(),
                geometry_json(&geo::Geometry::MultiPolygon(a.geometry.clone())).to_string(),
            ]
        }),
    )
}

fn shapes_csv<W: Write>(
    out: W,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header)?;
    for r in rows {
        w.write_record(&r)?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReportKind;
    use geo::polygon;
    use serde_json::json;

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
        let out = {
            let mut buf = Vec::new();
            reports_csv(&mut buf, &[r]).unwrap();
            String::from_utf8(buf).unwrap()
        };
        assert_eq!(
            out,
            "id,lon,lat,kind,observed_at\na,107.1234568,16.5,sale,2025-01-02T03:04:05\n"
        );
    }
}
