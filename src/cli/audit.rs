//! `hotspot audit list`: the audit trail (raw report reads, exports, imports, undos, token
//! and plan changes), and [`record`], with which the CLI's own changes are written into it.

use super::db_arg::DbArg;
use super::exit::BadInput;
use crate::store::Store;
use crate::store::audit::{AuditQuery, NewAudit, clean_params};
use clap::{Args, Subcommand};

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Lists audit rows, oldest first.
    List {
        /// Only rows at or after this day (YYYY-MM-DD, UTC) or RFC 3339 instant.
        #[arg(long)]
        since: Option<String>,
        /// Only rows of this caller (token name, or the OS user for the CLI).
        #[arg(long)]
        who: Option<String>,
        /// Only the newest N rows.
        #[arg(long)]
        limit: Option<u64>,
    },
}

/// Appends an audit row for a change made from the command line (`who` is the `--by` user
/// or `$USER`, role `cli`).
pub async fn record(
    store: &dyn Store,
    who: &str,
    action: &str,
    route: &str,
    params: &[(&str, &str)],
    rows: u64,
) -> anyhow::Result<()> {
    store
        .append_audit(&NewAudit {
            who: who.to_string(),
            role: "cli".into(),
            action: action.into(),
            route: route.into(),
            params: clean_params(params.iter().copied()),
            rows,
        })
        .await?;
    Ok(())
}

/// The OS user running the command (`$USER`), or `cli`.
pub fn os_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "cli".into())
}

pub async fn run(args: AuditArgs) -> anyhow::Result<()> {
    let AuditCommand::List { since, who, limit } = args.command;
    let json = args.output.json;
    let since = since
        .as_deref()
        .map(crate::server::audit::parse_since)
        .transpose()
        .map_err(|m| BadInput(format!("--since: {m}")))?;
    let store = args.db.open().await?;
    let rows = store.audit(&AuditQuery { since, who, limit }).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("id\tat\twho\trole\taction\troute\tparams\trows");
    for r in rows {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.id,
            r.at.format("%Y-%m-%dT%H:%M:%SZ"),
            r.who,
            r.role,
            r.action,
            r.route,
            r.params,
            r.rows
        );
    }
    Ok(())
}
