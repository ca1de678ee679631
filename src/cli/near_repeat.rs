//! `hotspot near-repeat`: Knox test with Monte Carlo bands (table, JSON and heat-grid chart).
use super::input::InputArgs;
use super::measure_args::flag_error;
use super::output::{OutputArgs, Reporter, commit_all, create};
use crate::analysis::near_repeat::{KnoxParams, NearRepeat};
use crate::ops::near_repeat::knox;
use crate::render::knox_chart;
use anyhow::{Context, Result};
use std::io::Write;

const FLAGS: &[&str] = &["distance-bands", "time-bands", "permutations"];

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Upper bounds of the distance bands, metres, increasing (the first band starts at 0).
    #[arg(long, value_delimiter = ',', default_value = "100,200,400", value_parser = parse_band, allow_hyphen_values = true)]
    pub distance_bands: Vec<f64>,
    /// Upper bounds of the time bands, days, increasing (the first band starts at 0).
    #[arg(long, value_delimiter = ',', default_value = "7,14,30", value_parser = parse_band, allow_hyphen_values = true)]
    pub time_bands: Vec<f64>,
    /// Monte Carlo permutations of the report times.
    #[arg(long, default_value_t = 999, value_parser = clap::value_parser!(u32).range(1..))]
    pub permutations: u32,
    /// Seed of the permutations (same seed, same answer).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Band table: `distance_lo,distance_hi,time_lo,time_hi,observed,expected,ratio,p`.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<String>,
    /// Heat grid of observed / expected (PNG or SVG by extension), p < 0.05 marked.
    #[arg(long, value_name = "FILE")]
    pub chart: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_band(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

/// The band table as CSV (an empty `ratio` when E = 0).
pub fn write_table(out: &mut dyn Write, nr: &NearRepeat) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "distance_lo",
        "distance_hi",
        "time_lo",
        "time_hi",
        "observed",
        "expected",
        "ratio",
        "p",
    ])?;
    for c in &nr.cells {
        w.write_record([
            c.distance_lo.to_string(),
            c.distance_hi.to_string(),
            c.time_lo.to_string(),
            c.time_hi.to_string(),
            c.observed.to_string(),
            c.expected.to_string(),
            c.ratio.map(|r| r.to_string()).unwrap_or_default(),
            c.p.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("near-repeat", args.output);
    let mut out = args.out.as_deref().map(create).transpose()?;
    if let Some(c) = &args.chart {
        crate::render::charts::Format::from_path(std::path::Path::new(c))
            .map_err(|e| super::exit::BadInput(format!("--chart: {e}")))?;
    }
    let loaded = rep.time("read", |_| args.input.load(None))?;
    let params = KnoxParams {
        distance_m: args.distance_bands.clone(),
        time_days: args.time_bands.clone(),
        permutations: args.permutations,
        seed: args.seed,
    };
    let nr = rep
        .time("knox", |_| knox(&loaded.reports, &params))
        .map_err(|e| flag_error(e, FLAGS))?;
    rep.time("write", |_| -> Result<()> {
        if let Some(o) = out.as_mut() {
            write_table(o, &nr)?;
        }
        if let Some(c) = &args.chart {
            knox_chart::write(&nr, args.permutations, std::path::Path::new(c))
                .with_context(|| format!("cannot write {c}"))?;
        }
        Ok(())
    })?;
    commit_all([out])?;

    rep.set("source", loaded.source.as_str());
    rep.set("reports", loaded.reports.len());
    rep.set("permutations", args.permutations);
    rep.set("seed", args.seed);
    rep.set("close_pairs", nr.close_pairs);
    rep.set("bands", serde_json::to_value(&nr.cells)?);
    rep.set("knox", serde_json::to_value(nr.knox)?);
    for (role, path) in [("out", &args.out), ("chart", &args.chart)] {
        if let Some(p) = path {
            rep.output(role, p);
        }
    }
    let k = &nr.knox;
    let mut lines = vec![format!(
        "{} reports from {}: {} pairs within {} m; Knox X = {} (expected {:.1}), Poisson p = {:.3e}",
        loaded.reports.len(),
        loaded.source,
        nr.close_pairs,
        args.distance_bands.last().copied().unwrap_or_default(),
        k.x,
        k.expected,
        k.poisson_p
    )];
    for c in nr
        .cells
        .iter()
        .filter(|c| c.p < 0.05 && c.ratio.is_some_and(|r| r > 1.0))
    {
        lines.push(format!(
            "  within {}–{} m and {}–{} days: {:.2}× the pairs chance gives (p = {:.3})",
            c.distance_lo,
            c.distance_hi,
            c.time_lo,
            c.time_hi,
            c.ratio.unwrap_or_default(),
            c.p
        ));
    }
    rep.say(lines.join("\n"));
    rep.finish();
    Ok(())
}
