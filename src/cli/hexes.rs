//! `hotspot hexes`: Getis-Ord Gi* over H3 cells (every occupied cell and its k-ring).

use super::input::InputArgs;
use super::output::{OutputArgs, Reporter, commit_all, create, write_features};
use super::{bad_param, parse_resolution};
use crate::ops::hexes::{HexParams, hex_hotspots};
use anyhow::Result;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// H3 resolution (0–15; 9 ≈ 0.1 km² cells).
    #[arg(long, default_value = "9", value_parser = parse_resolution)]
    pub res: h3o::Resolution,
    /// Neighbourhood: grid distance of the Gi* weights (and of the zero-count halo).
    #[arg(long, default_value_t = 1)]
    pub k: u32,
    /// Apply the Benjamini–Hochberg false discovery rate correction to the bins.
    #[arg(long)]
    pub fdr: bool,
    /// Cells with `h3`, `count`, `gi_z`, `gi_p`, `bin` (GeoJSON).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("hexes", args.output);
    let mut rejects = args.input.rejects_output()?;
    let mut out = args.out.as_deref().map(create).transpose()?;

    let loaded = rep.time("read", |_| args.input.load(rejects.as_mut()))?;
    let params = HexParams {
        res: args.res,
        k: args.k,
        fdr: args.fdr,
    };
    let hexes = rep
        .time("gistar", |_| hex_hotspots(&loaded.reports, &params))
        .map_err(bad_param)?;
    let grid = &hexes.grid;
    let (hot, cold) = (hexes.hot(), hexes.cold());

    rep.time("write", |_| -> Result<()> {
        if let Some(o) = out.as_mut() {
            write_features(o, hexes.features(0))?;
        }
        Ok(())
    })?;
    commit_all([rejects, out])?;

    rep.set("source", loaded.source.as_str());
    rep.set("reports", loaded.reports.len());
    rep.set("rejected", loaded.rejected);
    rep.set("cells", grid.cells.len());
    rep.set("hot_cells", hot);
    rep.set("cold_cells", cold);
    rep.set("fdr", args.fdr);
    for (role, path) in [("rejects", &args.input.rejects), ("out", &args.out)] {
        if let Some(p) = path {
            rep.output(role, p);
        }
    }
    rep.say(format!(
        "{} reports from {}: {} cells at resolution {}, {} hot and {} cold (90% or more){}",
        loaded.reports.len(),
        loaded.source,
        grid.cells.len(),
        u8::from(args.res),
        hot,
        cold,
        if args.fdr { ", FDR-corrected" } else { "" }
    ));
    rep.finish();
    Ok(())
}
