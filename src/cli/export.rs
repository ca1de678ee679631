//! `hotspot export reports|sites|areas --format geojson|csv [--out FILE]`: stored layers as
//! RFC 7946 GeoJSON (7 decimals, counter-clockwise exterior rings) or CSV. A file is written
//! to a temporary name and renamed, so it is never left half-written.

use super::db_arg::DbArg;
use super::output::{OutputArgs, Reporter, create};
use crate::ops::export::{ExportFormat, ExportLayer, export};
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Layer {
    Reports,
    Sites,
    Areas,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Geojson,
    Csv,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// What to export.
    pub layer: Layer,
    #[arg(long, value_enum, default_value = "geojson")]
    pub format: Format,
    /// Output file (default: standard output).
    #[arg(long, short = 'o')]
    pub out: Option<String>,
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let mut rep = Reporter::new("export", args.output);
    let store = args.db.open().await?;
    let path = args.out.as_deref().unwrap_or("-");
    let mut out = create(path)?;
    let layer = match args.layer {
        Layer::Reports => ExportLayer::Reports,
        Layer::Sites => ExportLayer::Sites,
        Layer::Areas => ExportLayer::Areas,
    };
    let format = match args.format {
        Format::Geojson => ExportFormat::GeoJson,
        Format::Csv => ExportFormat::Csv,
    };
    let progress = super::output::Progress::start(&rep, "export");
    let rows = export(store.as_ref(), layer, format, &mut out).await?;
    progress.finish();
    out.commit()?;
    let what = match args.layer {
        Layer::Reports => "reports",
        Layer::Sites => "sites",
        Layer::Areas => "areas",
    };
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
    rep.output("out", path);
    if path != "-" {
        rep.say(format!("wrote {rows} rows to {path}"));
    }
    rep.finish();
    Ok(())
}
