//! `hotspot export reports|sites|areas [--out FILE] [--format geojson|gpkg|fgb|csv]
//! [--shapefile-names]`: stored layers as RFC 7946 GeoJSON (7 decimals, counter-clockwise
//! exterior rings), GeoPackage, FlatGeobuf or CSV, the format from `--format` or the
//! extension of `--out` ([`super::layer_file`]). A file is written to a temporary name and
//! renamed, so it is never left half-written.

use super::clock_arg::TzArg;
use super::db_arg::DbArg;
use super::layer_file::FormatArgs;
use super::output::{OutputArgs, Reporter, create};
use crate::ops::export::{ExportLayer, export};
use crate::render::format::TableOptions;
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Layer {
    Reports,
    Sites,
    Areas,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// What to export.
    pub layer: Layer,
    /// Output file (default: standard output); .geojson, .gpkg, .fgb or .csv.
    #[arg(long, short = 'o')]
    pub out: Option<String>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub tz: TzArg,
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let mut rep = Reporter::new("export", args.output);
    let format = args.format.resolve(args.out.as_deref())?;
    let store = args.db.open().await?;
    let path = args.out.as_deref().unwrap_or("-");
    let mut out = create(path)?;
    let layer = match args.layer {
        Layer::Reports => ExportLayer::Reports,
        Layer::Sites => ExportLayer::Sites,
        Layer::Areas => ExportLayer::Areas,
    };
    let opts = TableOptions {
        shapefile_names: args.format.shapefile_names,
        // Files are opened by spreadsheets too (Excel needs the mark for Vietnamese); the
        // importer and GDAL skip it. Standard output stays a plain stream.
        bom: path != "-",
        local_offset: Some(args.tz.tz),
    };
    let progress = super::output::Progress::start(&rep, "export");
    let rows = export(store.as_ref(), layer, format, opts, &mut out).await?;
    progress.finish();
    out.commit()?;
    let what = layer.name();
    super::audit::record(
        store.as_ref(),
        &super::audit::os_user(),
        crate::store::audit::action::EXPORT,
        "cli export",
        &[("layer", what)],
        rows as u64,
    )
    .await?;
    rep.set("rows", rows);
    rep.set("format", format.name());
    rep.output("out", path);
    if path != "-" {
        rep.say(format!("wrote {rows} rows to {path}"));
    }
    rep.finish();
    Ok(())
}
