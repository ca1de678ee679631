//! `--out FILE [--format F] [--shapefile-names]` of the layer commands (cluster, hexes, kde,
//! emerging, near, risk) and `hotspot export`: the format comes from `--format` or the
//! extension of `--out` (`.geojson .gpkg .fgb .csv`), and the layer is encoded through the
//! one writer the server's downloads use too ([`crate::render::format`]), so a file written
//! here and one saved from the map are the same. A contradicting `--format`, an unknown
//! extension or a binary format on a terminal is bad input (exit 2), reported before any
//! work is done.

use super::exit::BadInput;
use crate::render::atomic::AtomicOutput;
use crate::render::format::{
    Format, FormatError, TableOptions, encode_features, encode_table, preferred_columns,
};
use crate::render::geojson::write_collection;
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
    Format::parse(s).map_err(|_| format!("{s:?}: expected one of geojson, gpkg, fgb, csv"))
}

impl FormatArgs {
    /// The format of `out` (`None` or `-` = standard output). Errors name `--out` or
    /// `--format` and the accepted values.
    pub fn resolve(&self, out: Option<&str>) -> Result<Format> {
        let f = Format::resolve(self.format, out).map_err(|e| match e {
            FormatError::NoExtension { path } => BadInput(format!(
                "--out {path}: unknown extension; use .geojson, .gpkg, .fgb or .csv, \
                 or name the format with --format geojson|gpkg|fgb|csv"
            )),
            FormatError::Conflict { flag, path, ext } => BadInput(format!(
                "--format {flag} contradicts --out {path} (a .{ext} file); drop one of them"
            )),
            other => BadInput(other.to_string()),
        })?;
        let to_stdout = out.is_none_or(|p| p == "-");
        if f.is_binary() && to_stdout && std::io::stdout().is_terminal() {
            return Err(BadInput(format!(
                "--format {}: a binary format; give --out FILE or redirect standard output",
                f.name()
            ))
            .into());
        }
        Ok(f)
    }

    fn options(&self, local_offset: chrono::FixedOffset) -> TableOptions {
        TableOptions {
            shapefile_names: self.shapefile_names,
            // Files are opened by GIS software and spreadsheets alike; Excel needs the mark
            // to read Vietnamese names as UTF-8, GDAL and hotspot's importer skip it.
            bom: true,
            local_offset: Some(local_offset),
        }
    }
}

/// Writes the features of layer `name` (its columns ordered as the server's downloads
/// order them) to `out` in `format`; returns the feature count. Plain GeoJSON is streamed;
/// the other formats need the whole layer to fix their columns' types first.
pub fn write_features(
    out: &mut AtomicOutput,
    format: Format,
    args: &FormatArgs,
    name: &str,
    features: impl IntoIterator<Item = Feature>,
    local_offset: chrono::FixedOffset,
) -> Result<usize> {
    if format == Format::Geojson && !args.shapefile_names {
        return Ok(write_collection(out, features)?);
    }
    let features: Vec<Feature> = features.into_iter().collect();
    let opts = args.options(local_offset);
    let bytes = runtime()?.block_on(encode_features(
        format,
        name,
        &features,
        preferred_columns(name),
        opts,
    ))?;
    out.write_all(&bytes)?;
    Ok(features.len())
}

/// Writes a ready table (the stored reports) to `out` in `format`, from an async command.
pub async fn write_table(
    out: &mut AtomicOutput,
    format: Format,
    args: &FormatArgs,
    table: &FeatureTable,
    local_offset: chrono::FixedOffset,
) -> Result<usize> {
    let bytes = encode_table(format, table, args.options(local_offset)).await?;
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
        assert!(e.to_string().contains("--out h.shp"), "{e}");
        let csv = FormatArgs {
            format: Some(Format::Csv),
            shapefile_names: false,
        };
        let e = csv.resolve(Some("h.fgb")).unwrap_err();
        assert_eq!(exit_code(&e), EXIT_BAD_INPUT);
        assert!(e.to_string().contains("contradicts --out"), "{e}");
        assert!(parse_format("xlsx").unwrap_err().contains("gpkg"));
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
        let tz = crate::ops::Clock::default().tz;
        let n = write_features(&mut out, Format::Gpkg, &args, "t", [f], tz).unwrap();
        out.commit().unwrap();
        assert_eq!(n, 1);
        assert!(
            std::fs::read(&path)
                .unwrap()
                .starts_with(b"SQLite format 3\0")
        );
    }
}
