//! Exports of the stored layers (reports, sites, areas) as GeoJSON or CSV, through the one
//! GeoJSON writer and the CSV forms in [`crate::render::csv`].

use std::io::Write;

use super::error::{OpsError, OpsResult};
use crate::render::geojson::{area_feature, report_feature, site_feature, write_collection};
use crate::store::{ReportFilter, Store};

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportLayer {
    Reports,
    Sites,
    Areas,
}

/// In which format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    GeoJson,
    Csv,
}

/// Reads the layer from the store and writes it to `out`; returns the number of rows.
pub async fn export(
    store: &dyn Store,
    layer: ExportLayer,
    format: ExportFormat,
    out: &mut dyn Write,
) -> OpsResult<usize> {
    use crate::render::csv;
    match layer {
        ExportLayer::Reports => {
            let rows = store.reports(&ReportFilter::default()).await?;
            write(out, format, &rows, report_feature, |o, r| {
                csv::reports_csv(o, r)
            })
        }
        ExportLayer::Sites => {
            let rows = store.sites(None).await?;
            write(out, format, &rows, site_feature, |o, r| {
                csv::sites_csv(o, r)
            })
        }
        ExportLayer::Areas => {
            let rows = store.areas(None).await?;
            write(out, format, &rows, area_feature, |o, r| {
                csv::areas_csv(o, r)
            })
        }
    }
}

/// Writes `rows` as a FeatureCollection (through `feature`) or as CSV (through `table`).
fn write<T>(
    out: &mut dyn Write,
    format: ExportFormat,
    rows: &[T],
    feature: fn(&T) -> geojson::Feature,
    table: fn(&mut dyn Write, &[T]) -> ::csv::Result<()>,
) -> OpsResult<usize> {
    match format {
        ExportFormat::GeoJson => {
            write_collection(&mut *out, rows.iter().map(feature))?;
        }
        ExportFormat::Csv => table(out, rows).map_err(|e| match e.into_kind() {
            ::csv::ErrorKind::Io(e) => OpsError::Io(e),
            other => OpsError::Io(std::io::Error::other(format!("{other:?}"))),
        })?,
    }
    Ok(rows.len())
}
