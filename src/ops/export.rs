//! Exports of the stored layers (reports, sites, areas) in every layer format: GeoJSON
//! through the one GeoJSON writer, the reports' CSV in the import format (so an export
//! imports again), everything else through the feature table and the writers of
//! [`crate::render::format`] that the server's downloads use.

use std::io::Write;

use super::error::OpsResult;
use crate::render::format::{
    Format, TableOptions, encode_features, encode_table, preferred_columns,
};
use crate::render::geojson::{area_feature, report_feature, site_feature, write_collection};
use crate::render::table::FeatureTable;
use crate::store::{ReportFilter, Store};

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportLayer {
    Reports,
    Sites,
    Areas,
}

impl ExportLayer {
    /// The layer's name (file names, GeoPackage table, column order).
    pub fn name(self) -> &'static str {
        match self {
            ExportLayer::Reports => "reports",
            ExportLayer::Sites => "sites",
            ExportLayer::Areas => "areas",
        }
    }
}

/// Reads the layer from the store and writes it to `out` in `format`; returns the number of
/// rows. `opts.bom` starts a CSV with a UTF-8 byte-order mark (the importer skips it).
pub async fn export(
    store: &dyn Store,
    layer: ExportLayer,
    format: Format,
    opts: TableOptions,
    out: &mut dyn Write,
) -> OpsResult<usize> {
    let plain = !opts.shapefile_names;
    let features = match layer {
        ExportLayer::Reports => {
            let rows = store.reports(&ReportFilter::default()).await?;
            match format {
                Format::Geojson if plain => {
                    write_collection(&mut *out, rows.iter().map(report_feature))?;
                }
                Format::Csv if plain => {
                    if opts.bom {
                        out.write_all(crate::render::table_csv::BOM)?;
                    }
                    crate::render::csv::reports_csv(&mut *out, &rows).map_err(csv_error)?;
                }
                _ => {
                    // The 1 M-row case: the table is built directly, not through GeoJSON.
                    let table = FeatureTable::reports(&rows);
                    out.write_all(&encode_table(format, &table, opts).await?)?;
                }
            }
            return Ok(rows.len());
        }
        ExportLayer::Sites => {
            let rows = store.sites(None).await?;
            rows.iter().map(site_feature).collect::<Vec<_>>()
        }
        ExportLayer::Areas => {
            let rows = store.areas(None).await?;
            rows.iter().map(area_feature).collect::<Vec<_>>()
        }
    };
    let name = layer.name();
    let bytes = encode_features(format, name, &features, preferred_columns(name), opts).await?;
    out.write_all(&bytes)?;
    Ok(features.len())
}

fn csv_error(e: ::csv::Error) -> super::OpsError {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => super::OpsError::Io(e),
        other => super::OpsError::Io(std::io::Error::other(format!("{other:?}"))),
    }
}
