//! `hotspot emerging`: emerging hot spot analysis (space-time Gi* + Mann-Kendall trend).

use super::input::InputArgs;
use super::layer_file::{FormatArgs, write_features};
use super::output::{OutputArgs, Reporter, commit_all, create};
use super::{bad_param, parse_resolution};
use crate::analysis::emerging::EmergingParams;
use crate::ops::emerging::{emerging_features, emerging_hotspots};
use crate::render::geojson::category_name;
use crate::timestep::TimeStep;
use anyhow::Result;
use std::collections::BTreeMap;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// H3 resolution (8 ≈ 0.7 km² cells).
    #[arg(long, default_value = "8", value_parser = parse_resolution)]
    pub res: h3o::Resolution,
    /// Time step: day, week, month, quarter or year.
    #[arg(long, default_value = "month")]
    pub step: TimeStep,
    /// Spatial neighbourhood: grid distance.
    #[arg(long, default_value_t = 1)]
    pub k: u32,
    /// Temporal neighbourhood: steps before and after.
    #[arg(long, default_value_t = 1)]
    pub time_k: u32,
    /// Significance level of a hot or cold bin.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Cells with `h3`, `category`, `trend_z`, `trend_p`, `hot_steps`, `cold_steps`, `steps`,
    /// `z`, `counts` (format from the extension: .geojson, .gpkg, .fgb, .csv; or --format).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<String>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("emerging", args.output);
    let format = args.format.resolve(args.out.as_deref())?;
    let tz = args.input.tz.tz;
    let mut rejects = args.input.rejects_output()?;
    let mut out = args.out.as_deref().map(create).transpose()?;

    let loaded = rep.time("read", |_| args.input.load(rejects.as_mut()))?;
    let reports = &loaded.reports;
    let params = EmergingParams {
        resolution: args.res,
        step: args.step,
        k: args.k,
        time_k: args.time_k,
        alpha: args.alpha,
    };
    let result = rep
        .time("emerging", |_| emerging_hotspots(reports, &params))
        .map_err(bad_param)?;

    rep.time("write", |_| -> Result<()> {
        if let Some(o) = out.as_mut() {
            write_features(
                o,
                format,
                &args.format,
                "emerging",
                emerging_features(&result, 0),
                tz,
            )?;
        }
        Ok(())
    })?;
    commit_all([rejects, out])?;

    let mut categories: BTreeMap<String, usize> = BTreeMap::new();
    for c in &result.cells {
        *categories.entry(category_name(c.category)).or_default() += 1;
    }
    rep.set("source", loaded.source.as_str());
    rep.set("reports", reports.len());
    rep.set("rejected", loaded.rejected);
    rep.set("cells", result.cells.len());
    rep.set("steps", result.steps.len());
    rep.set("categories", serde_json::to_value(&categories)?);
    for (role, path) in [("rejects", &args.input.rejects), ("out", &args.out)] {
        if let Some(p) = path {
            rep.output(role, p);
        }
    }
    rep.say(format!(
        "{} reports from {}: {} cells × {} {}s",
        reports.len(),
        loaded.source,
        result.cells.len(),
        result.steps.len(),
        args.step
    ));
    for (name, n) in &categories {
        rep.say(format!("  {name:<24} {n}"));
    }
    rep.finish();
    Ok(())
}
