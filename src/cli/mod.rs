//! Command line: one subcommand per job (clap derive). Long work shows indicatif progress on
//! a terminal and stays quiet when piped.
pub mod db;
pub mod exit;
pub mod export;
