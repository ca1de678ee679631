//! CSV of a [`FeatureTable`] that spreadsheets and GIS both open: the geometry as `lon,lat`
//! columns for point layers (right after `id`, so a reports export is also an import file)
//! and as a `wkt` column otherwise (QGIS and `ogr2ogr` read it with
//! `GEOM_POSSIBLE_NAMES=wkt`), typed cells as plain text, never JSON. Downloads start with a
//! UTF-8 byte-order mark so Excel shows Vietnamese names instead of mojibake.

use super::table::{Cell, FeatureTable, GeometryKind, coord_text};
use std::fmt::Write as _;
use std::io::{self, Write};

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes `table` as CSV; `bom` adds the byte-order mark (for downloads opened in Excel).
pub fn write<W: Write>(table: &FeatureTable, out: W, bom: bool) -> io::Result<W> {
    let mut out = out;
    if bom {
        out.write_all(BOM)?;
    }
    let points = table.geometry_kind() == GeometryKind::Point;
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = Vec::with_capacity(table.fields.len() + 2);
    for (i, f) in table.fields.iter().enumerate() {
        header.push(&f.name);
        if i == 0 && points {
            header.extend(["lon", "lat"]);
        }
    }
    if !points {
        header.push("wkt");
    }
    w.write_record(&header)?;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for (g, row) in table.geometries.iter().zip(&table.rows) {
        record.clear();
        for (i, c) in row.iter().enumerate() {
            record.push(match c {
                Cell::Null => String::new(),
                // Ids and names are user text: a spreadsheet must never run one as a formula
                // (the importer undoes the escape).
                Cell::Text(t) => super::csv_cell::escape(t).into_owned(),
                other => other.text().unwrap_or_default(),
            });
            if i == 0 && points {
                let geo::Geometry::Point(p) = g else {
                    unreachable!("point layer")
                };
                record.push(coord_text(p.x()));
                record.push(coord_text(p.y()));
            }
        }
        if !points {
            record.push(wkt(g));
        }
        w.write_record(&record)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// The table as CSV in memory.
pub fn to_bytes(table: &FeatureTable, bom: bool) -> Vec<u8> {
    write(table, Vec::new(), bom).expect("CSV into memory cannot fail")
}

/// OGC Well-Known Text of a geometry, 7 decimals; polygons are written as multipolygons
/// like in the other formats, so a layer has one geometry type.
pub fn wkt(g: &geo::Geometry<f64>) -> String {
    use geo::Geometry as G;
    let mut s = String::new();
    match g {
        G::Point(p) => {
            let _ = write!(s, "POINT ({} {})", coord_text(p.x()), coord_text(p.y()));
        }
        G::Polygon(p) => {
            s.push_str("MULTIPOLYGON (");
            polygon(&mut s, p);
            s.push(')');
        }
        G::MultiPolygon(m) if m.0.is_empty() => s.push_str("MULTIPOLYGON EMPTY"),
        G::MultiPolygon(m) => {
            s.push_str("MULTIPOLYGON (");
            for (i, p) in m.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                polygon(&mut s, p);
            }
            s.push(')');
        }
        G::LineString(l) => {
            s.push_str("LINESTRING ");
            ring(&mut s, l);
        }
        G::Rect(r) => return wkt(&G::Polygon(r.to_polygon())),
        G::Triangle(t) => return wkt(&G::Polygon(t.to_polygon())),
        G::Line(l) => return wkt(&G::LineString(geo::LineString::new(vec![l.start, l.end]))),
        G::MultiPoint(m) => {
            s.push_str("MULTIPOINT (");
            for (i, p) in m.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                let _ = write!(s, "({} {})", coord_text(p.x()), coord_text(p.y()));
            }
            s.push(')');
        }
        G::MultiLineString(m) => {
            s.push_str("MULTILINESTRING (");
            for (i, l) in m.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                ring(&mut s, l);
            }
            s.push(')');
        }
        G::GeometryCollection(c) if c.0.is_empty() => s.push_str("GEOMETRYCOLLECTION EMPTY"),
        G::GeometryCollection(c) => {
            s.push_str("GEOMETRYCOLLECTION (");
            let parts: Vec<String> = c.iter().map(wkt).collect();
            s.push_str(&parts.join(", "));
            s.push(')');
        }
    }
    s
}

fn polygon(s: &mut String, p: &geo::Polygon<f64>) {
    s.push('(');
    ring(s, p.exterior());
    for r in p.interiors() {
        s.push_str(", ");
        ring(s, r);
    }
    s.push(')');
}

fn ring(s: &mut String, l: &geo::LineString<f64>) {
    s.push('(');
    for (i, c) in l.0.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{} {}", coord_text(c.x), coord_text(c.y));
    }
    s.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Report, ReportKind};
    use crate::render::table::{Field, FieldType};

    #[test]
    fn reports_csv_is_an_import_file_with_a_bom() {
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
        let out = to_bytes(&FeatureTable::reports(&[r]), true);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{feff}id,lon,lat,kind,observed_at\na,107.1234568,16.5,sale,2025-01-02T03:04:05\n"
        );
    }

    #[test]
    fn polygons_get_wkt_and_vietnamese_names_stay_utf8() {
        let poly = geo::Polygon::new(
            vec![(107.0, 16.0), (107.1, 16.0), (107.1, 16.1), (107.0, 16.0)].into(),
            vec![],
        );
        let t = FeatureTable {
            name: "areas".into(),
            fields: vec![
                Field {
                    name: "id".into(),
                    ty: FieldType::Text,
                },
                Field {
                    name: "name".into(),
                    ty: FieldType::Text,
                },
                Field {
                    name: "n".into(),
                    ty: FieldType::Integer,
                },
            ],
            geometries: vec![geo::Geometry::Polygon(poly)],
            rows: vec![vec![
                Cell::Text("A1".into()),
                Cell::Text("Phường An Cựu".into()),
                Cell::Null,
            ]],
        };
        let text = String::from_utf8(to_bytes(&t, false)).unwrap();
        assert_eq!(
            text,
            "id,name,n,wkt\nA1,Phường An Cựu,,\"MULTIPOLYGON (((107 16, 107.1 16, 107.1 16.1, 107 16)))\"\n"
        );
    }
}
