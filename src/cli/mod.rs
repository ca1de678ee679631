//! Command line: one subcommand per job (clap derive). Long work shows indicatif progress on
//! a terminal and stays quiet when piped.
pub mod chart;
pub mod db;
pub mod demo_data;
pub mod exit;
pub mod export;
pub mod plan;
pub mod progress;
pub mod status;
