//! Report points as CSV in exactly the import format (`id,lon,lat,kind,observed_at`), so
//! that an export goes back in through `hotspot import reports`; text cells are made
//! spreadsheet-safe by [`super::csv_cell::escape`], which the importer undoes.

use crate::model::Report;

/// The CSV bytes of `reports` (header first, local times `YYYY-MM-DDTHH:MM:SS`).
pub fn reports_csv(reports: &[Report]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(64 * (reports.len() + 1)));
    let _ = w.write_record(crate::ingest::csv::REPORT_COLUMNS);
    for r in reports {
        let lon = r.lon.to_string();
        let lat = r.lat.to_string();
        let at = r.observed_at.format("%Y-%m-%dT%H:%M:%S%.f").to_string();
        let _ = w.write_record([
            super::csv_cell::escape(&r.id).as_ref(),
            &lon,
            &lat,
            super::csv_cell::escape(r.kind.as_str()).as_ref(),
            super::csv_cell::escape(&at).as_ref(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::IngestOptions;
    use crate::model::ReportKind;

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
        let bytes = reports_csv(&reports);
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
