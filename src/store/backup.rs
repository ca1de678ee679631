//! `hotspot db backup` and `hotspot db restore`: a consistent copy of the whole database
//! while it is in use, and putting one back.
//!
//! - SQLite: `VACUUM INTO` writes a transactionally consistent, compacted copy through
//!   SQLite itself (readers and writers carry on); restore replaces the database file
//!   (through a temporary file and a rename, with the `-wal`/`-shm` files removed) and
//!   migrates it.
//! - PostGIS: `pg_dump --format=custom` and `pg_restore --clean --if-exists`. The password
//!   goes to the tools through `PGPASSWORD`, never on their command line (which other users
//!   of the machine can read), and never into a message.
//!
//! Restore refuses a database that holds data unless forced: putting an old copy over
//! newer reports is the one mistake that loses work.

use super::redact::{redact_in, redact_url};
use super::{Result, StoreError};
use sqlx::Connection;
use std::path::Path;
use std::process::Command;
use std::str::FromStr;

/// Tables whose rows make a database "not empty" for restore.
const DATA_TABLES: &[&str] = &[
    "reports",
    "sites",
    "areas",
    "declarations",
    "targets",
    "plans",
    "imports",
];

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn tool_err(m: impl Into<String>) -> StoreError {
    StoreError::Backup(m.into())
}

/// The SQLite file named by a `sqlite://PATH` URL or a bare path.
fn sqlite_path(url: &str) -> Result<std::path::PathBuf> {
    let url = if url.contains("://") || url.starts_with("sqlite:") {
        url.to_string()
    } else {
        format!("sqlite://{url}")
    };
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(tool_err("an in-memory database has nothing to back up"));
    }
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)?;
    Ok(opts.get_filename().to_path_buf())
}

/// An SQL string literal (single quotes doubled; SQLite has no backslash escapes).
fn sqlite_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Writes a consistent copy of the database at `url` to `out` (which must not exist).
pub async fn backup(url: &str, out: &Path) -> Result<()> {
    if out.exists() {
        return Err(tool_err(format!(
            "{} already exists; choose a new file",
            out.display()
        )));
    }
    if is_postgres(url) {
        return pg_dump(url, out);
    }
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&format!(
        "sqlite://{}",
        sqlite_path(url)?.display()
    ))?;
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
    let path = out
        .to_str()
        .ok_or_else(|| tool_err("the backup path is not UTF-8"))?;
    sqlx::query(&format!("VACUUM INTO {}", sqlite_literal(path)))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// Puts the backup `file` in place of the database at `url`; refuses a database holding
/// data unless `force`.
pub async fn restore(url: &str, file: &Path, force: bool) -> Result<()> {
    if !file.is_file() {
        return Err(tool_err(format!("{} is not a file", file.display())));
    }
    if !force {
        let rows = stored_rows(url).await?;
        if rows > 0 {
            return Err(tool_err(format!(
                "{} holds {rows} rows; restore would replace them (use --force)",
                redact_url(url)
            )));
        }
    }
    if is_postgres(url) {
        return pg_restore(url, file);
    }
    let target = sqlite_path(url)?;
    // The backup must be an SQLite database written by this program.
    let opts =
        sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{}", file.display()))?
            .read_only(true);
    let is_ours = match sqlx::SqliteConnection::connect_with(&opts).await {
        Ok(mut conn) => {
            let n: std::result::Result<i64, _> = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            )
            .fetch_one(&mut conn)
            .await;
            let _ = conn.close().await;
            matches!(n, Ok(1))
        }
        Err(_) => false,
    };
    if !is_ours {
        return Err(tool_err(format!(
            "{} is not a hotspot SQLite backup",
            file.display()
        )));
    }
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty());
    let tmp = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))
        .map_err(|e| tool_err(format!("temporary file: {e}")))?;
    std::fs::copy(file, tmp.path()).map_err(|e| tool_err(format!("copy: {e}")))?;
    for ext in ["-wal", "-shm"] {
        let side = format!("{}{ext}", target.display());
        let _ = std::fs::remove_file(side);
    }
    tmp.persist(&target)
        .map_err(|e| tool_err(format!("replace {}: {e}", target.display())))?;
    // Migrate a backup from an older version now, not at the next start.
    drop(super::sqlite::SqliteStore::open(&format!("sqlite://{}", target.display())).await?);
    Ok(())
}

/// Rows in the data tables of the database at `url` (0 when it has no tables yet); opens it
/// without migrating.
async fn stored_rows(url: &str) -> Result<u64> {
    let mut total = 0u64;
    if is_postgres(url) {
        let opts = sqlx::postgres::PgConnectOptions::from_str(url)?;
        let mut conn = sqlx::PgConnection::connect_with(&opts).await?;
        for t in DATA_TABLES {
            let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
                .bind(*t)
                .fetch_one(&mut conn)
                .await?;
            if exists {
                let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
                    .fetch_one(&mut conn)
                    .await?;
                total += n as u64;
            }
        }
        conn.close().await?;
    } else {
        let path = sqlite_path(url)?;
        if !path.exists() {
            return Ok(0);
        }
        let opts =
            sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?;
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
        for t in DATA_TABLES {
            let exists: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(*t)
            .fetch_one(&mut conn)
            .await?;
            if exists > 0 {
                let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
                    .fetch_one(&mut conn)
                    .await?;
                total += n as u64;
            }
        }
        conn.close().await?;
    }
    Ok(total)
}

/// `url` without its password (for the tool's command line) and the password (for its
/// environment).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://") else {
        return (url.to_string(), None);
    };
    let rest = &url[scheme_end + 3..];
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..auth_end].rfind('@') else {
        return (url.to_string(), None);
    };
    let userinfo = &rest[..at];
    let Some(colon) = userinfo.find(':') else {
        return (url.to_string(), None);
    };
    let password = percent_decode(&userinfo[colon + 1..]);
    let bare = format!(
        "{}{}{}",
        &url[..scheme_end + 3],
        &userinfo[..colon],
        &rest[at..]
    );
    (bare, Some(password))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs a PostgreSQL client tool against `url`, with the password in its environment.
fn run_pg_tool(tool: &str, url: &str, args: &[&std::ffi::OsStr]) -> Result<()> {
    let (bare, password) = split_password(url);
    let mut cmd = Command::new(tool);
    cmd.args(args).arg("--dbname").arg(&bare);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd.output().map_err(|e| {
        tool_err(format!(
            "{tool} could not be started ({e}); install postgresql-client"
        ))
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(tool_err(format!(
            "{tool} failed ({}): {}",
            out.status,
            redact_in(stderr.trim(), url)
        )));
    }
    Ok(())
}

fn pg_dump(url: &str, out: &Path) -> Result<()> {
    run_pg_tool(
        "pg_dump",
        url,
        &[
            "--format=custom".as_ref(),
            "--no-owner".as_ref(),
            "--file".as_ref(),
            out.as_os_str(),
        ],
    )
}

fn pg_restore(url: &str, file: &Path) -> Result<()> {
    run_pg_tool(
        "pg_restore",
        url,
        &[
            "--clean".as_ref(),
            "--if-exists".as_ref(),
            "--no-owner".as_ref(),
            "--single-transaction".as_ref(),
            "--exit-on-error".as_ref(),
            file.as_os_str(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_go_to_the_environment_not_the_command_line() {
        let (bare, pw) = split_password("postgres://u:p%40ss@h:5432/db?sslmode=disable");
        assert_eq!(bare, "postgres://u@h:5432/db?sslmode=disable");
        assert_eq!(pw.as_deref(), Some("p@ss"));
        assert_eq!(split_password("postgres://u@h/db").1, None);
    }

    #[test]
    fn sqlite_literals_double_quotes() {
        assert_eq!(sqlite_literal("a'b.db"), "'a''b.db'");
    }
}
