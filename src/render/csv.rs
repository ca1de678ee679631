//! The reports' CSV in the import header (so an export imports again); every other layer's
//! CSV is [`super::table_csv`] (`lon,lat` or `wkt`, no JSON in cells). Every text cell goes
//! through [`escape`] so a spreadsheet never runs it as a formula.

use std::io::Write;

use super::csv_cell::escape;
use crate::model::Report;

/// Report points in exactly the import format (`id,lon,lat,kind,observed_at`, full
/// precision, local times), so that an export goes back in through `hotspot import reports`
/// unchanged; text cells are made spreadsheet-safe by [`escape`], which the importer undoes.
pub fn reports_csv<W: Write>(out: W, rows: &[Report]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(crate::ingest::csv::REPORT_COLUMNS)?;
    for r in rows {
        let lon = r.lon.to_string();
        let lat = r.lat.to_string();
        let at = r.observed_at.format("%Y-%m-%dT%H:%M:%S%.f").to_string();
        w.write_record([escape(&r.id).as_ref(), &lon, &lat, r.kind.as_str(), &at])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::IngestOptions;
    use crate::model::ReportKind;
    use crate::render::geojson::geometry_json;
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
            "id,lon,lat,kind,observed_at\na,107.123456789,16.5,sale,2025-01-02T03:04:05\n"
        );
    }

    #[test]
    fn exported_reports_import_back_unchanged() {
        let at = chrono::NaiveDate::from_ymd_opt(2025, 3, 1)
            .unwrap()
            .and_hms_milli_opt(8, 30, 0, 250)
            .unwrap();
        let reports: Vec<Report> = [
            "=HYPERLINK(\"http://evil\",\"x\")",
            "+1",
            "@a",
            "-b",
            "'=c",
            "R,\"7\"",
        ]
        .iter()
        .enumerate()
        .map(|(i, id)| Report {
            id: id.to_string(),
            lon: 107.123456789 + i as f64,
            lat: -16.5,
            kind: ReportKind::Sale,
            observed_at: at,
        })
        .collect();
        let mut bytes = Vec::new();
        reports_csv(&mut bytes, &reports).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("id,lon,lat,kind,observed_at\n"));
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""),
            "{text}"
        );
        assert!(text.contains(",-16.5,"), "coordinates stay numbers: {text}");
        let back =
            crate::ingest::csv::read_reports(&bytes, "x.csv", &IngestOptions::default()).unwrap();
        assert_eq!(back.rows, reports);
    }
}
