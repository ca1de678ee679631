//! `--out FILE [--format F] [--shapefile-names]` of the layer commands and `hotspot export`:
//! the format comes from `--format` or the extension of `--out` (`.geojson .gpkg .fgb
//! .csv`), and the layer is encoded through the one writer the server uses too
//! ([`crate::render::format`]). A contradicting `--format`, an unknown extension or a
//! binary format on a terminal is bad input (exit 2), reported before any work is done.

use super::exit::BadInput;
use crate::render::atomic::AtomicOutput;
use crate::render::format::{Format, TableOptions, encode_features, encode_table};
use crate::render::table::FeatureTable;
use anyhow::Result;
use geojson::Feature;
use std::io::{IsTerminal, Write};

/// Format options shared by every command that writes a layer.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct FormatArgs {
    /// Output format: geojson, gpkg, fgb or csv (default: from the extension of --out,
    /// GeoJSON on standard output).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// Attribute names of at most 10 characters, unique, and date-times as text, so the
    /// file converts to an ESRI Shapefile without losing anything.
    #[arg(long)]
    pub shapefile_names: bool,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).map_err(|e| e.to_string())
}

impl FormatArgs {
    /// The format for `out` (`None` or `-` = standard output).
    pub fn resolve(&self, out: Option<&str>) -> Result<Format> {
        let f = Format::resolve(self.format, out).map_err(|e| BadInput(e.to_string()))?;
        let to_stdout = out.is_none_or(|p| p == "-");
        if f.is_binary() && to_stdout && std::io::stdout().is_terminal() {
            return Err(BadInput(format!(
                "{} is a binary format: give --out FILE or redirect standard output",
                f.name()
            ))
            .into());
        }
        Ok(f)
    }

    fn options(&self, local_offset: Option<chrono::FixedOffset>) -> TableOptions {
        TableOptions {
            shapefile_names: self.shapefile_names,
            // Files are opened by GIS software and spreadsheets alike; Excel needs the mark
            // to read Vietnamese names as UTF-8, GDAL and hotspot's importer skip it.
            bom: true,
            local_offset,
        }
    }
}

/// Writes the features of layer `name` to `out` in `format`; returns the feature count.
/// `preferred` orders the leading columns of the tabular formats.
pub fn write_features(
    out: &mut AtomicOutput,
    format: Format,
    args: &FormatArgs,
    name: &str,
    features: &[Feature],
    preferred: &[&str],
    local_offset: Option<chrono::FixedOffset>,
) -> Result<usize> {
    let opts = args.options(local_offset);
    let bytes = runtime()?.block_on(encode_features(format, name, features, preferred, opts))?;
    out.write_all(&bytes)?;
    Ok(features.len())
}

/// Writes a ready table (e.g. the stored reports) to `out` in `format`.
pub fn write_table(
    out: &mut AtomicOutput,
    format: Format,
    args: &FormatArgs,
    table: &FeatureTable,
    local_offset: Option<chrono::FixedOffset>,
) -> Result<usize> {
    let opts = args.options(local_offset);
    let bytes = match tokio::runtime::Handle::try_current() {
        // Inside an async command (export): the GeoPackage writer needs a runtime that is
        // not blocked by this thread, so hand the work to a blocking section.
        Ok(h) => tokio::task::block_in_place(|| h.block_on(encode_table(format, table, opts)))?,
        Err(_) => runtime()?.block_on(encode_table(format, table, opts))?,
    };
    out.write_all(&bytes)?;
    Ok(table.len())
}

/// A small runtime for the synchronous batch commands (the GeoPackage goes through sqlx).
fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::exit::{EXIT_BAD_INPUT, exit_code};

    #[test]
    fn extension_picks_the_format_and_conflicts_are_bad_input() {
        let a = FormatArgs::default();
        assert_eq!(a.resolve(Some("out/h.gpkg")).unwrap(), Format::Gpkg);
        assert_eq!(a.resolve(Some("h.csv")).unwrap(), Format::Csv);
        let e = a.resolve(Some("h.shp")).unwrap_err();
        assert_eq!(exit_code(&e), EXIT_BAD_INPUT);
        let csv = FormatArgs {
            format: Some(Format::Csv),
            shapefile_names: false,
        };
        let e = csv.resolve(Some("h.fgb")).unwrap_err();
        assert_eq!(exit_code(&e), EXIT_BAD_INPUT);
        assert!(e.to_string().contains("contradicts"), "{e}");
    }

    #[test]
    fn a_geopackage_is_written_from_a_sync_command() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.gpkg");
        let p = path.to_str().unwrap();
        let mut out = AtomicOutput::create(p).unwrap();
        let f = crate::render::geojson::feature(
            &geo::Geometry::Point(geo::Point::new(107.6, 16.46)),
            serde_json::Map::new(),
            Some("a"),
        );
        let args = FormatArgs::default();
        let n = write_features(&mut out, Format::Gpkg, &args, "t", &[f], &[], None).unwrap();
        out.commit().unwrap();
        assert_eq!(n, 1);
        assert!(
            std::fs::read(&path)
                .unwrap()
                .starts_with(b"SQLite format 3\0")
        );
    }
}
