//! Command line: one subcommand per job (clap derive). Long work shows indicatif progress on
//! a terminal and stays quiet when piped.
//!
//! Every subcommand lives in its own file with an `Args` struct and a `run` function; add
//! new ones to [`Command`] and [`run`].
pub mod audit;
pub mod briefing;
pub mod chart;
pub mod clock_arg;
pub mod cluster;
pub mod db;
pub mod db_arg;
pub mod demo;
pub mod demo_data;
pub mod displacement;
pub mod emerging;
pub mod evaluate;
pub mod exit;
pub mod export;
pub mod hexes;
pub mod import;
pub mod input;
pub mod kde;
pub mod layer_file;
pub mod measure_args;
pub mod near;
pub mod near_repeat;
pub mod output;
pub mod plan;
pub mod progress;
pub mod risk;
pub mod serve;
pub mod status;
pub mod synth;
pub mod token;

use crate::analysis::AnalysisError;
use crate::ingest::IngestError;
use clap::{Parser, Subcommand};
use exit::BadInput;

/// Maps drug-crime hotspots for police planners.
#[derive(Debug, Parser)]
#[command(name = "hotspot", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// DBSCAN hotspots: labels per report and one polygon per cluster.
    Cluster(cluster::Args),
    /// Getis-Ord Gi* hot and cold spots over H3 cells.
    Hexes(hexes::Args),
    /// Kernel density of reports on H3 cells (reports per km²).
    Kde(kde::Args),
    /// Reports (and hotspots) near schools, boarding houses, industrial zones…
    Near(near::Args),
    /// Emerging hot spot analysis over H3 cells and time steps.
    Emerging(emerging::Args),
    /// Deterministic synthetic reports and sites (for demos and benchmarks).
    Synth(synth::Args),
    /// Loads reports, sites, areas, declarations or targets into the store (all or nothing);
    /// lists and undoes import batches.
    Import(import::ImportArgs),
    /// Writes stored reports, sites or areas as GeoJSON or CSV.
    Export(export::ExportArgs),
    /// Database status: backend, schema version, counts.
    Db(db::DbArgs),
    /// Area status per month (hotspot, cleaning, clean, kept clean, relapsed) and
    /// declared-vs-computed discrepancies.
    Status(status::Args),
    /// Progress against targets: actual vs target, on track or behind, areas not yet clean.
    Progress(progress::Args),
    /// Trend charts (PNG or SVG): trend, targets, status, emerging.
    Chart(chart::Args),
    /// Action plans ("6 clears") for hotspots and areas.
    Plan(plan::Args),
    /// Regenerates the synthetic demo ward files in data/demo.
    DemoData(demo_data::Args),
    /// Serves the HTTP API, OGC API – Features and the web map.
    Serve(serve::ServeArgs),
    /// API tokens: create (shown once), list, revoke.
    Token(token::TokenArgs),
    /// Loads the synthetic An Cựu demo ward into the store and serves the map.
    Demo(demo::Args),
    /// The audit trail: raw report reads, exports, imports, undos, token and plan changes.
    Audit(audit::AuditArgs),
    /// The monthly briefing of an area: one A4 PDF (or HTML page) with the dashboard, a
    /// map, the charts, hotspots with their plans and the discrepancies.
    Briefing(briefing::Args),
    /// Did a clean-up displace reports? Weighted Displacement Quotient (response, buffer, control).
    Displacement(displacement::Args),
    /// How well each hotspot map drawn from a train period predicts a test period (PAI, PEI).
    Evaluate(evaluate::Args),
    /// Near repeat: Knox test of pairs close in space and time, with Monte Carlo bands.
    NearRepeat(near_repeat::Args),
    /// Risk near sensitive sites: relative risk of reports within N metres of each site kind.
    Risk(risk::Args),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Cluster(a) => cluster::run(a),
        Command::Hexes(a) => hexes::run(a),
        Command::Kde(a) => kde::run(a),
        Command::Near(a) => near::run(a),
        Command::Emerging(a) => emerging::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Import(a) => block_on(import::run(a)),
        Command::Export(a) => block_on(export::run(a)),
        Command::Db(a) => block_on(db::run(a)),
        Command::Status(a) => block_on(status::run(a)),
        Command::Progress(a) => block_on(progress::run(a)),
        Command::Chart(a) => block_on(chart::run(a)),
        Command::Plan(a) => block_on(plan::run(a)),
        Command::DemoData(a) => demo_data::run(a),
        Command::Serve(a) => block_on(serve::run(a)),
        Command::Token(a) => block_on(token::run(a)),
        Command::Demo(a) => block_on(demo::run(a)),
        Command::Audit(a) => block_on(audit::run(a)),
        Command::Briefing(a) => block_on(briefing::run(a)),
        Command::Displacement(a) => displacement::run(a),
        Command::Evaluate(a) => evaluate::run(a),
        Command::NearRepeat(a) => near_repeat::run(a),
        Command::Risk(a) => risk::run(a),
    }
}

/// Runs an async subcommand (the ones that talk to the store or serve HTTP) on a tokio
/// runtime; the pure batch commands stay synchronous.
fn block_on(fut: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(fut)
}

/// Prints an error for the user: ingest problems as bare `FILE:LINE: column: message` lines,
/// anything else as `hotspot: error: …` with its causes.
pub fn print_error(err: &anyhow::Error) {
    for cause in err.chain() {
        if let Some(e @ IngestError::Invalid { .. }) = cause.downcast_ref::<IngestError>() {
            eprintln!("{e}");
            return;
        }
    }
    eprintln!("hotspot: error: {err:#}");
}

/// Analysis parameters come from the command line, so a rejected one is bad input (exit 2).
pub(crate) fn bad_param(e: AnalysisError) -> anyhow::Error {
    match e {
        AnalysisError::Parameter { .. } => BadInput(e.to_string()).into(),
        other => other.into(),
    }
}

/// `--res`: an H3 resolution 0..=15.
pub(crate) fn parse_resolution(s: &str) -> Result<h3o::Resolution, String> {
    let r: u8 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not an H3 resolution (0–15)"))?;
    h3o::Resolution::try_from(r).map_err(|_| format!("{s:?} is not an H3 resolution (0–15)"))
}

/// A positive, finite number of metres.
pub(crate) fn parse_metres(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a positive number of metres")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every leaf subcommand (`hotspot db status`, `hotspot import undo`, …) takes
    /// `--quiet` and `--json` with the one meaning of [`output::OutputArgs`], and `--db URL`
    /// unless it never reads a store (the analysis commands take it as the alternative to
    /// `--input`, so it has no default there).
    #[test]
    fn every_subcommand_takes_quiet_json_and_db() {
        fn leaves(c: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
            let subs: Vec<_> = c
                .get_subcommands()
                .filter(|s| s.get_name() != "help")
                .collect();
            if subs.is_empty() {
                out.push((path.clone(), c.clone()));
            }
            for s in subs {
                leaves(s, format!("{path} {}", s.get_name()), out);
            }
        }
        let mut root = Cli::command();
        root.build();
        let mut all = Vec::new();
        leaves(&root, "hotspot".into(), &mut all);
        assert!(all.len() > 30, "{} leaves", all.len());
        let arg = |c: &clap::Command, long: &str| {
            c.get_arguments()
                .find(|a| a.get_long() == Some(long))
                .map(|a| a.get_help().map(|h| h.to_string()).unwrap_or_default())
        };
        let synth = root.find_subcommand("synth").unwrap().clone();
        let without_store = ["hotspot synth", "hotspot demo-data"];
        let mut wrong = Vec::new();
        for (path, c) in &all {
            for flag in ["quiet", "json"] {
                match arg(c, flag) {
                    None => wrong.push(format!("{path}: no --{flag}")),
                    Some(h) if Some(&h) != arg(&synth, flag).as_ref() => {
                        wrong.push(format!("{path}: --{flag} means {h:?}"))
                    }
                    Some(_) => {}
                }
            }
            if !without_store.contains(&path.as_str()) && arg(c, "db").is_none() {
                wrong.push(format!("{path}: no --db"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn parameter_errors_are_bad_input() {
        let e = bad_param(AnalysisError::Parameter {
            name: "eps_m",
            expected: "> 0",
            value: "0".into(),
        });
        assert_eq!(exit::exit_code(&e), exit::EXIT_BAD_INPUT);
        assert!(parse_resolution("16").is_err());
        assert_eq!(parse_resolution("9").unwrap(), h3o::Resolution::Nine);
        assert!(parse_metres("-1").is_err());
        assert!(parse_metres("inf").is_err());
    }
}
