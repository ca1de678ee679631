//! `hotspot token create|list|revoke`: API tokens for `hotspot serve`.

use super::db_arg::DbArg;
use clap::{Args, Subcommand};

use crate::cli::exit::BadInput;
use crate::server::auth::{new_token, token_hash};

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Creates a token and prints it once (only its sha256 is stored).
    Create {
        /// viewer, analyst or admin
        #[arg(long)]
        role: String,
        /// Who or what the token is for.
        #[arg(long)]
        name: String,
    },
    /// Lists tokens (never the tokens themselves).
    List,
    /// Revokes a token by id; requests with it then get 401.
    Revoke { id: i64 },
}

pub async fn run(args: TokenArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    match args.command {
        TokenCommand::Create { role, name } => {
            let r = role.parse::<crate::model::Role>().ok().ok_or_else(|| {
                BadInput(format!(
                    "--role {role:?}: expected viewer, analyst or admin"
                ))
            })?;
            if name.trim().is_empty() {
                return Err(BadInput("--name must not be empty".into()).into());
            }
            let token = new_token();
            let rec = store
                .create_token(name.trim(), r, &token_hash(&token))
                .await?;
            let id = rec.id.to_string();
            super::audit::record(
                store.as_ref(),
                &super::audit::os_user(),
                crate::store::audit::action::TOKEN_CREATE,
                "cli token create",
                &[
                    ("id", id.as_str()),
                    ("name", rec.name.as_str()),
                    ("role", rec.role.as_str()),
                ],
                1,
            )
            .await?;
            if args.output.json {
                let shown = serde_json::json!({
                    "id": rec.id, "name": rec.name, "role": rec.role.as_str(), "token": token,
                });
                println!("{shown}");
            } else {
                if !args.output.quiet {
                    eprintln!(
                        "token {} ({}, {}) created; it is shown only now:",
                        rec.id,
                        rec.name,
                        rec.role.as_str()
                    );
                }
                println!("{token}");
            }
        }
        TokenCommand::List => {
            let tokens = store.tokens().await?;
            if args.output.json {
                println!("{}", serde_json::to_string_pretty(&tokens)?);
                return Ok(());
            }
            println!("id\tname\trole\tcreated_at\trevoked");
            for t in tokens {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.role.as_str(),
                    t.created_at.format("%Y-%m-%dT%H:%M:%S"),
                    t.revoked
                );
            }
        }
        TokenCommand::Revoke { id } => {
            store.revoke_token(id).await?;
            let sid = id.to_string();
            super::audit::record(
                store.as_ref(),
                &super::audit::os_user(),
                crate::store::audit::action::TOKEN_REVOKE,
                "cli token revoke",
                &[("id", sid.as_str())],
                1,
            )
            .await?;
            if args.output.json {
                println!("{}", serde_json::json!({"revoked": id}));
            } else if !args.output.quiet {
                eprintln!("token {id} revoked");
            }
        }
    }
    Ok(())
}
