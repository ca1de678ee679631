//! `hotspot db status`: which backend, schema version and what is stored.

use super::db_arg::DbArg;
use clap::{Args, Subcommand};

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DbCommand {
    /// Backend, schema version, row counts and dataset version (creates and migrates the
    /// database if needed).
    Status {
        /// Print JSON instead of `key: value` lines.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(args: DbArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    match args.command {
        DbCommand::Status { json } => {
            let s = store.status().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                println!("backend: {}", s.backend);
                println!("url: {}", s.url);
                println!("schema_version: {}", s.schema_version);
                println!("reports: {}", s.reports);
                println!("sites: {}", s.sites);
                println!("areas: {}", s.areas);
                println!("imports: {}", s.imports);
                println!("dataset_version: {}", s.dataset_version);
            }
        }
    }
    Ok(())
}
