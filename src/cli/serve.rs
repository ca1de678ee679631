//! `hotspot serve`: the HTTP API, OGC API – Features and the web map on one port.

use super::clock_arg::ClockArgs;
use super::db_arg::DbArg;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::server::{AppState, ServerConfig, router};
use crate::store::postgis::PostgisStore;
use crate::store::postgis::routed::RoutedStore;

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// `--quiet`: warnings and errors only in the log (no access lines); `--json`: the
    /// address is printed as `{"listening": "http://…"}`.
    #[command(flatten)]
    pub output: super::output::OutputArgs,
    /// Address to listen on (port 0 picks a free port; the chosen address is printed).
    #[arg(long = "addr", alias = "bind", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Let callers without a token act as viewers (aggregated layers only).
    #[arg(long)]
    pub open: bool,
    /// Viewers do not see hotspots/cells with fewer reports than this.
    #[arg(long, default_value_t = 3)]
    pub min_count: u32,
    /// Largest request body (uploads), MiB.
    #[arg(long, default_value_t = 64)]
    pub max_body_mib: usize,
    /// Requests running longer are answered 408, seconds.
    #[arg(long, default_value_t = 60)]
    pub timeout_secs: u64,
    /// Largest `limit` of paged lists.
    #[arg(long, default_value_t = 10_000)]
    pub max_limit: u64,
    /// Allow cross-origin requests from this origin (`*` for any); off by default.
    #[arg(long)]
    pub cors: Option<String>,
    /// Memory for cached layers, MiB.
    #[arg(long, default_value_t = 512)]
    pub cache_mib: usize,
    /// Programme zone (uploaded times, "today") and `--as-of` date of every answer.
    #[command(flatten)]
    pub clock: ClockArgs,
    /// Offer this XYZ raster template (`https://host/{z}/{x}/{y}.png`) as the map's base map;
    /// without it the map stays offline with no base map.
    #[arg(long)]
    pub base_map_url: Option<String>,
    /// Largest estimated work of one computed layer, in work units (about one kernel step
    /// each); heavier requests are refused with 422 naming the parameter to lower.
    #[arg(long, default_value_t = crate::ops::budget::DEFAULT_MAX_WORK)]
    pub max_work: f64,
    /// Heavy requests (computed layers, charts, OGC items) per caller per minute; 0 = no limit.
    #[arg(long, default_value_t = 120)]
    pub rate_per_min: u32,
    /// Heavy computations at once; 0 = one less than the cores.
    #[arg(long, default_value_t = 0)]
    pub heavy_slots: usize,
    /// Bounded staleness, seconds: while a layer of a new dataset version computes, answer
    /// the previous one if it stopped being current at most this long ago (never to the
    /// caller who wrote the new data, nor to `Cache-Control: no-cache`); 0 = always wait.
    #[arg(long, default_value_t = 30)]
    pub stale_secs: u64,
    /// How long a request waits for that computation before taking the previous answer, ms.
    #[arg(long, default_value_t = 20)]
    pub stale_grace_ms: u64,
    /// A streaming standby of the --db PostGIS for layer and OGC reads (postgres://…).
    #[arg(long = "db-read", value_name = "URL", env = "HOTSPOT_DB_READ")]
    pub db_read: Option<String>,
    /// How long a read waits for the standby to replay a write it must reflect before it
    /// reads the primary instead, milliseconds.
    #[arg(long, default_value_t = 500)]
    pub replica_wait_ms: u64,
}

impl ServeArgs {
    /// The settings `hotspot demo` serves with: defaults, anonymous viewers allowed.
    pub fn for_demo(db: String, addr: String, output: super::output::OutputArgs) -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let mut args = Wrapper::parse_from(["hotspot"]).serve;
        args.db.url = db;
        args.bind = addr;
        args.open = true;
        args.output = output;
        args
    }

    pub fn config(&self) -> anyhow::Result<ServerConfig> {
        if let Some(u) = &self.base_map_url {
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && u.contains("{z}")
                && u.contains("{x}")
                && u.contains("{y}");
            if !ok {
                return Err(crate::cli::exit::BadInput(format!(
                    "--base-map-url {u:?}: expected an http(s) XYZ template with {{z}}, {{x}} and {{y}}"
                ))
                .into());
            }
        }
        Ok(ServerConfig {
            open: self.open,
            min_count: self.min_count,
            max_body_bytes: self.max_body_mib << 20,
            request_timeout: Duration::from_secs(self.timeout_secs),
            max_limit: self.max_limit,
            cors_origin: self.cors.clone(),
            cache_bytes: self.cache_mib << 20,
            clock: self.clock.clock(),
            base_map_url: self.base_map_url.clone(),
            max_work: self.max_work,
            rate_per_min: self.rate_per_min,
            heavy_slots: self.heavy_slots,
            stale_window: Duration::from_secs(self.stale_secs),
            stale_grace: Duration::from_millis(self.stale_grace_ms),
        })
    }
}

/// Opens the store, binds, prints `listening on http://ADDR` and serves until Ctrl-C/SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    // Logs go to stderr, filtered by RUST_LOG (default: warnings plus one access line per
    // request; `hotspot=info` also shows layer timings). A subscriber installed by the
    // caller wins.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(if args.output.quiet {
                    "warn"
                } else {
                    "warn,hotspot::access=info"
                })
            }),
        )
        .try_init();
    let config = args.config()?;
    let state = open_state(&args, config).await?;
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    let addr = listener.local_addr()?;
    if args.output.json {
        println!(
            "{}",
            serde_json::json!({ "listening": format!("http://{addr}") })
        );
    } else {
        println!("listening on http://{addr}");
    }
    use std::io::Write;
    std::io::stdout().flush().ok();
    let changes = state.spawn_change_listener();
    let app = router(state);
    // The peer address keys the rate limit of anonymous (`--open`) callers.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    // In-flight requests finish before this returns; new connections are refused.
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .context("serving");
    if let Some(task) = changes {
        task.abort();
    }
    served
}

/// SQLite: the store as it is, its dataset version polled. PostGIS: writes to `--db`, reads
/// from `--db-read` when given, and dataset changes pushed by `LISTEN/NOTIFY`.
async fn open_state(args: &ServeArgs, config: ServerConfig) -> anyhow::Result<AppState> {
    let url = &args.db.url;
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        if args.db_read.is_some() {
            return Err(crate::cli::exit::BadInput(
                "--db-read needs a PostGIS --db (postgres://…)".into(),
            )
            .into());
        }
        return Ok(AppState::new(args.db.open().await?, config));
    }
    let primary = std::sync::Arc::new(
        PostgisStore::open(url)
            .await
            .context("opening the --db database")?,
    );
    let replica = match &args.db_read {
        Some(read) => Some(std::sync::Arc::new(
            PostgisStore::open_standby(read)
                .await
                .context("opening the --db-read database")?,
        )),
        None => None,
    };
    let routed = RoutedStore::new(
        primary,
        replica,
        Duration::from_millis(args.replica_wait_ms),
    );
    Ok(AppState::pushed(std::sync::Arc::new(routed), config))
}

async fn shutdown() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
