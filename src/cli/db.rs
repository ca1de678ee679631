//! `hotspot db status|backup|restore`: which backend, schema version and what is stored; a
//! consistent copy of the database while it is in use, and putting one back.

use super::db_arg::DbArg;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DbCommand {
    /// Backend, schema version, row counts and dataset version (creates and migrates the
    /// database if needed). The URL is printed without its password.
    Status,
    /// Writes a consistent copy of the database to a new file while it stays in use
    /// (SQLite: `VACUUM INTO`; PostGIS: `pg_dump` custom format).
    Backup {
        /// The backup file to create (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Replaces the database with a backup made by `db backup` (stop servers first).
    /// Refuses a database that holds data unless `--force`.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Replace a database that holds data.
        #[arg(long)]
        force: bool,
    },
}

pub async fn run(args: DbArgs) -> anyhow::Result<()> {
    match args.command {
        DbCommand::Status => {
            let json = args.output.json;
            let store = args.db.open().await?;
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
        DbCommand::Backup { out } => {
            crate::store::backup::backup(&args.db.url, &out).await?;
            let who = super::audit::os_user();
            let store = args.db.open().await?;
            let file = out.display().to_string();
            super::audit::record(
                store.as_ref(),
                &who,
                crate::store::audit::action::EXPORT,
                "cli db backup",
                &[("out", file.as_str())],
                0,
            )
            .await?;
            let mut rep = super::output::Reporter::new("db backup", args.output);
            rep.output("out", &file);
            rep.say(format!(
                "backup of {} written to {file}",
                crate::store::redact_url(&args.db.url)
            ));
            rep.finish();
        }
        DbCommand::Restore { file, force } => {
            crate::store::backup::restore(&args.db.url, &file, force).await?;
            let who = super::audit::os_user();
            let store = args.db.open().await?;
            let f = file.display().to_string();
            let force_s = force.to_string();
            super::audit::record(
                store.as_ref(),
                &who,
                crate::store::audit::action::IMPORT,
                "cli db restore",
                &[("file", f.as_str()), ("force", force_s.as_str())],
                0,
            )
            .await?;
            let mut rep = super::output::Reporter::new("db restore", args.output);
            rep.set("file", f.as_str());
            rep.say(format!(
                "{} restored from {f}",
                crate::store::redact_url(&args.db.url)
            ));
            rep.finish();
        }
    }
    Ok(())
}
