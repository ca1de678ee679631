//! Command line: one subcommand per job (clap derive). Long work shows indicatif progress on
//! a terminal and stays quiet when piped.
//!
//! Every subcommand lives in its own file with an `Args` struct and a `run` function; add
//! new ones to [`Command`] and [`run`].
pub mod chart;
pub mod cluster;
pub mod demo_data;
pub mod emerging;
pub mod exit;
pub mod hexes;
pub mod input;
pub mod kde;
pub mod near;
pub mod output;
pub mod plan;
pub mod progress;
pub mod status;
pub mod synth;

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
    }
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
