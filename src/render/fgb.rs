//! FlatGeobuf writer for one [`FeatureTable`], through the `flatgeobuf` crate (the format's
//! reference Rust implementation, maintained in the FlatGeobuf repository).
//!
//! The file carries the packed Hilbert R-tree index (so QGIS and GDAL read a bbox without
//! scanning), EPSG:4326 as its CRS, one geometry type (polygons promoted to multipolygons,
//! like the GeoPackage) and typed columns: `Long` for integers, `Double` for reals, `Bool`,
//! `String`, and `DateTime` (ISO 8601 text) for dates and date-times. Null cells are simply
//! absent, which is how FlatGeobuf spells null.

use super::table::{Cell, FeatureTable, FieldType, GeometryKind, offset_datetime};
use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geozero::{ColumnValue, PropertyProcessor};

/// Errors of the FlatGeobuf writer.
#[derive(Debug, thiserror::Error)]
pub enum FgbError {
    #[error("flatgeobuf: {0}")]
    Write(#[from] flatgeobuf::Error),
    #[error("flatgeobuf feature {index}: {message}")]
    Feature { index: usize, message: String },
}

fn column_type(t: FieldType) -> ColumnType {
    match t {
        FieldType::Integer => ColumnType::Long,
        FieldType::Real => ColumnType::Double,
        FieldType::Boolean => ColumnType::Bool,
        FieldType::Text => ColumnType::String,
        FieldType::Date | FieldType::DateTime => ColumnType::DateTime,
    }
}

/// The whole FlatGeobuf file for `table`.
/// `local` is the zone of date-times written without an offset; they get it appended.
pub fn to_bytes(
    table: &FeatureTable,
    local: Option<chrono::FixedOffset>,
) -> Result<Vec<u8>, FgbError> {
    let kind = table.geometry_kind();
    let geometry_type = match kind {
        GeometryKind::Point => GeometryType::Point,
        GeometryKind::MultiPolygon => GeometryType::MultiPolygon,
        GeometryKind::Geometry => GeometryType::Unknown,
    };
    let description = format!("hotspot {} layer", table.name);
    let mut fgb = FgbWriter::create_with_options(
        &table.name,
        geometry_type,
        FgbWriterOptions {
            write_index: true,
            // A mixed layer (sites: points and polygons) is `Unknown`, with a type per feature.
            detect_type: false,
            promote_to_multi: kind == GeometryKind::MultiPolygon,
            crs: FgbCrs {
                code: 4326,
                ..Default::default()
            },
            description: Some(&description),
            ..Default::default()
        },
    )?;
    for f in &table.fields {
        fgb.add_column(&f.name, column_type(f.ty), |_, col| col.nullable = true);
    }
    for (index, (g, row)) in table.geometries.iter().zip(&table.rows).enumerate() {
        let mut failed = None;
        let stamped: Vec<Option<String>> = row
            .iter()
            .zip(&table.fields)
            .map(|(c, f)| match c {
                Cell::Text(s) if f.ty == FieldType::DateTime => Some(offset_datetime(s, local)),
                _ => None,
            })
            .collect();
        fgb.add_feature_geom(g.clone(), |w| {
            for (i, (cell, field)) in row.iter().zip(&table.fields).enumerate() {
                let value = match cell {
                    Cell::Null => continue,
                    Cell::Integer(v) => ColumnValue::Long(*v),
                    Cell::Real(v) => ColumnValue::Double(*v),
                    Cell::Boolean(b) => ColumnValue::Bool(*b),
                    Cell::Text(_) if field.ty == FieldType::DateTime => {
                        ColumnValue::DateTime(stamped[i].as_deref().unwrap_or_default())
                    }
                    Cell::Text(s) if field.ty == FieldType::Date => ColumnValue::DateTime(s),
                    Cell::Text(s) => ColumnValue::String(s),
                };
                if let Err(e) = w.property(i, &field.name, &value) {
                    failed = Some(e.to_string());
                }
            }
        })
        .map_err(|e| FgbError::Feature {
            index,
            message: e.to_string(),
        })?;
        if let Some(message) = failed {
            return Err(FgbError::Feature { index, message });
        }
    }
    let mut out = Vec::new();
    fgb.write(&mut out)?;
    Ok(out)
}
