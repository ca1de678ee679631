//! `hotspot evaluate`: which hotspot map drawn from a train period predicted the test period
//! best (PAI, PEI, hit rate and area share per method).
use super::input::InputArgs;
use super::measure_args::flag_error;
use super::output::{OutputArgs, Reporter};
use super::{parse_metres, parse_resolution};
use crate::analysis::period::Period;
use crate::ops::evaluate::{EvaluateParams, Method, evaluate};
use anyhow::Result;

const FLAGS: &[&str] = &[
    "train",
    "test",
    "coverage",
    "res",
    "k",
    "eps-m",
    "min-pts",
    "bandwidth-m",
];

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Period the maps are drawn from: START/END local dates, END exclusive.
    #[arg(long, value_name = "START/END", value_parser = |s: &str| Period::parse("train", s).map_err(|e| e.to_string()))]
    pub train: Period,
    /// Period the maps are scored on: START/END local dates, END exclusive.
    #[arg(long, value_name = "START/END", value_parser = |s: &str| Period::parse("test", s).map_err(|e| e.to_string()))]
    pub test: Period,
    /// H3 resolution of the cells scored.
    #[arg(long, default_value = "9", value_parser = parse_resolution)]
    pub res: h3o::Resolution,
    /// Methods to score, comma list of hexes, cluster, kde, emerging.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "hexes,cluster,kde,emerging"
    )]
    pub method: Vec<Method>,
    /// KDE: share of the study area flagged (densest cells first).
    #[arg(long, default_value_t = 0.05)]
    pub coverage: f64,
    /// Hexes: Gi* neighbourhood, grid distance.
    #[arg(long, default_value_t = 1)]
    pub k: u32,
    /// Hexes: Benjamini–Hochberg correction of the Gi* bins.
    #[arg(long)]
    pub fdr: bool,
    /// Cluster: DBSCAN radius, metres.
    #[arg(long, default_value = "150", value_parser = parse_metres)]
    pub eps_m: f64,
    /// Cluster: DBSCAN minimum points (the point itself included).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_pts: u32,
    /// KDE bandwidth, metres.
    #[arg(long, default_value = "300", value_parser = parse_metres)]
    pub bandwidth_m: f64,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("evaluate", args.output);
    let loaded = rep.time("read", |_| args.input.load(None))?;
    let mut methods = args.method.clone();
    methods.dedup();
    let params = EvaluateParams {
        train: args.train,
        test: args.test,
        resolution: args.res,
        methods,
        coverage: args.coverage,
        k: args.k,
        fdr: args.fdr,
        eps_m: args.eps_m,
        min_pts: args.min_pts as usize,
        bandwidth_m: args.bandwidth_m,
    };
    let rows = rep
        .time("evaluate", |_| evaluate(&loaded.reports, &params))
        .map_err(|e| flag_error(e, FLAGS))?;

    rep.set("source", loaded.source.as_str());
    rep.set("reports", loaded.reports.len());
    rep.set("train", args.train.to_string());
    rep.set("test", args.test.to_string());
    rep.set("res", u8::from(args.res));
    rep.set("methods", serde_json::to_value(&rows)?);
    let opt =
        |v: Option<f64>, digits: usize| v.map_or("—".to_string(), |x| format!("{x:.digits$}"));
    let mut lines = vec![format!(
        "{:<9} {:>7} {:>7} {:>7} {:>9} {:>9} {:>7} {:>6}",
        "method", "cells", "n", "N", "hit rate", "area", "PAI", "PEI"
    )];
    for r in &rows {
        let a = &r.accuracy;
        lines.push(format!(
            "{:<9} {:>7} {:>7} {:>7} {:>9} {:>9} {:>7} {:>6}",
            r.method.as_str(),
            a.flagged_cells,
            a.n,
            a.n_total,
            opt(a.hit_rate.map(|h| 100.0 * h), 1) + "%",
            opt(a.area_share.map(|s| 100.0 * s), 2) + "%",
            opt(a.pai, 2),
            opt(a.pei, 2)
        ));
    }
    if let Some(best) = rows
        .iter()
        .filter_map(|r| r.accuracy.pai.map(|p| (r.method, p)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
    {
        lines.push(format!(
            "best predictor of {}: {} (PAI {:.2})",
            args.test, best.0, best.1
        ));
    }
    rep.say(lines.join("\n"));
    rep.finish();
    Ok(())
}
