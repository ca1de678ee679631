//! The `--db` argument of every store-backed subcommand, declared once so the flag, its
//! `HOTSPOT_DB` variable and its default cannot differ between subcommands.

use std::sync::Arc;

use anyhow::Context;

use crate::store::Store;

/// Store used when neither `--db` nor `HOTSPOT_DB` is given.
pub const DEFAULT_DB: &str = "sqlite://hotspot.db";

/// `--db URL` (env `HOTSPOT_DB`); include with `#[command(flatten)]`. Global, so it may also
/// follow a nested subcommand (`hotspot db status --db …`).
#[derive(Debug, Clone, clap::Args)]
pub struct DbArg {
    /// Database: sqlite://PATH or postgres://…
    #[arg(
        long = "db",
        value_name = "URL",
        env = "HOTSPOT_DB",
        default_value = DEFAULT_DB,
        global = true
    )]
    pub url: String,
}

impl DbArg {
    /// Opens the store (running migrations), naming the URL when that fails.
    pub async fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        crate::store::open(&self.url)
            .await
            .with_context(|| format!("opening {}", crate::store::redact_url(&self.url)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        db: DbArg,
    }

    #[test]
    fn flag_overrides_the_default() {
        let c = Cmd::parse_from(["x", "--db", "postgres://h/db"]);
        assert_eq!(c.db.url, "postgres://h/db");
    }

    #[test]
    fn default_is_the_local_sqlite_file_unless_the_env_says_otherwise() {
        let c = Cmd::parse_from(["x"]);
        let expected = std::env::var("HOTSPOT_DB").unwrap_or_else(|_| DEFAULT_DB.to_string());
        assert_eq!(c.db.url, expected);
    }
}
