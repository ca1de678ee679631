//! `hotspot hexes`: Getis-Ord Gi* over H3 cells (every occupied cell and its k-ring).

use super::input::InputArgs;
use super::layer_file::{FormatArgs, write_features};
use super::measure_args::flag_error;
use super::output::{OutputArgs, Reporter, commit_all, create};
use super::{bad_param, parse_resolution};
use crate::ops::hexes::{HexParams, hex_hotspots};
use crate::ops::isa::choose_k;
use anyhow::Result;

/// `--k`: a grid distance, or `auto` (incremental spatial autocorrelation picks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KChoice {
    Fixed(u32),
    Auto,
}

fn parse_k(s: &str) -> Result<KChoice, String> {
    if s.trim().eq_ignore_ascii_case("auto") {
        return Ok(KChoice::Auto);
    }
    s.trim()
        .parse::<u32>()
        .map(KChoice::Fixed)
        .map_err(|_| format!("{s:?} is not a grid distance (0, 1, 2, …) or auto"))
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// H3 resolution (0–15; 9 ≈ 0.1 km² cells).
    #[arg(long, default_value = "9", value_parser = parse_resolution)]
    pub res: h3o::Resolution,
    /// Neighbourhood: grid distance of the Gi* weights (and of the zero-count halo), or
    /// `auto`: the first peak of Moran's I z over k = 1..k-max.
    #[arg(long, default_value = "1", value_parser = parse_k)]
    pub k: KChoice,
    /// With `--k auto`: the largest grid distance tried.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub k_max: u32,
    /// Apply the Benjamini–Hochberg false discovery rate correction to the bins.
    #[arg(long)]
    pub fdr: bool,
    /// Cells with `h3`, `count`, `gi_z`, `gi_p`, `bin` (format from the extension: .geojson, .gpkg, .fgb, .csv; or --format).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<String>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("hexes", args.output);
    let format = args.format.resolve(args.out.as_deref())?;
    let tz = args.input.tz.tz;
    let mut rejects = args.input.rejects_output()?;
    let mut out = args.out.as_deref().map(create).transpose()?;

    let loaded = rep.time("read", |_| args.input.load(rejects.as_mut()))?;
    let isa = match args.k {
        KChoice::Fixed(_) => None,
        KChoice::Auto => Some(
            rep.time("isa", |_| {
                choose_k(&crate::model::coords(&loaded.reports), args.res, args.k_max)
            })
            .map_err(|e| flag_error(e, &["k", "k-max"]))?,
        ),
    };
    let k = match (args.k, &isa) {
        (KChoice::Fixed(k), _) => k,
        (KChoice::Auto, Some(c)) => c.k_chosen,
        (KChoice::Auto, None) => unreachable!("auto always runs the ISA"),
    };
    let params = HexParams {
        res: args.res,
        k,
        fdr: args.fdr,
    };
    let hexes = rep
        .time("gistar", |_| hex_hotspots(&loaded.reports, &params))
        .map_err(bad_param)?;
    let grid = &hexes.grid;
    let (hot, cold) = (hexes.hot(), hexes.cold());

    rep.time("write", |_| -> Result<()> {
        if let Some(o) = out.as_mut() {
            write_features(o, format, &args.format, "hexes", hexes.features(0), tz)?;
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
    rep.set("k", k);
    if let Some(c) = &isa {
        rep.set("isa", serde_json::to_value(&c.rows)?);
        rep.set("k_chosen", c.k_chosen);
        rep.set("k_still_rising", c.still_rising);
        let curve: Vec<String> = c
            .rows
            .iter()
            .map(|r| format!("k {}: I {:.3}, z {:.2}", r.k, r.i, r.z))
            .collect();
        rep.say(format!(
            "automatic scale: {}; k = {}{}",
            curve.join("; "),
            c.k_chosen,
            if c.still_rising {
                " (z still rising at --k-max: a larger --k-max may peak later)"
            } else {
                " (first peak of z)"
            }
        ));
    }
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
