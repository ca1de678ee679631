//! `LISTEN hotspot_dataset_version`: how a server learns that another server or the CLI
//! changed the dataset, without polling.
//!
//! The trigger of migration 0014 sends `SCHEMA:VERSION` when a transaction that bumped
//! `meta.dataset_version` commits. [`run`] holds one direct connection (not a pooled one: a
//! transaction-pooling PgBouncer drops LISTEN), reports each bump of this store's schema to a
//! [`VersionSink`], and reconnects when the connection drops. While it is down the sink is
//! told so, and must treat the version it knows as unknown: notifications sent meanwhile are
//! lost for good.

use super::PostgisStore;
use super::routed::RoutedStore;
use sqlx::postgres::{PgListener, PgPoolOptions};
use std::sync::Arc;
use std::time::Duration;

/// The channel the trigger notifies.
pub const CHANNEL: &str = "hotspot_dataset_version";

/// A silent connection is probed this often (a dead peer without a TCP reset is otherwise
/// noticed only by the kernel's keepalive, hours later).
const PROBE_EVERY: Duration = Duration::from_secs(10);
/// A probe slower than this counts as a dead connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// Reconnection backoff bounds.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Where the listener reports.
pub trait VersionSink: Send + Sync {
    /// `true` once LISTEN is in place (every later bump will be reported), `false` when the
    /// connection is lost (bumps may be missed from now on until the next `true`).
    fn listening(&self, up: bool);
    /// The dataset version became `version` (already committed).
    fn bumped(&self, version: i64);
}

/// The version in a notification payload, if it is for `schema`.
pub fn parse_payload(payload: &str, schema: &str) -> Option<i64> {
    let (s, v) = payload.rsplit_once(':')?;
    if s != schema {
        return None;
    }
    v.parse().ok()
}

/// Connects, LISTENs and learns the schema this store's tables live in.
async fn connect(store: &PostgisStore) -> Result<(PgListener, String), sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy_with(store.opts.clone().application_name("hotspot-listener"));
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.ignore_pool_close_event(true);
    // A lost connection is handled by [`run`], which starts over with a fresh listener.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    // Named after the schema, so an operator (or a test) can tell the listeners apart.
    let (schema, _): (String, String) = sqlx::query_as(
        "SELECT current_schema(), \
         set_config('application_name', 'hotspot-listener ' || current_schema(), false)",
    )
    .fetch_one(&mut listener)
    .await?;
    Ok((listener, schema))
}

/// Listens until the process ends. `routed` (when reads may go to a standby) learns the
/// primary's WAL position of each bump before the sink hears of it, so no read of the new
/// version can be answered by a standby that has not replayed it.
pub async fn run(
    store: Arc<PostgisStore>,
    routed: Option<Arc<RoutedStore>>,
    sink: Arc<dyn VersionSink>,
) {
    let mut backoff = BACKOFF_MIN;
    loop {
        match connect(&store).await {
            Ok((mut listener, schema)) => {
                backoff = BACKOFF_MIN;
                // Bumps missed while down: reads must reflect everything committed so far.
                if let Some(r) = &routed
                    && let Err(e) = r.note_primary_write().await
                {
                    tracing::warn!(error = %e, "cannot read the primary's WAL position");
                    tokio::time::sleep(backoff).await;
                    continue;
                }
                sink.listening(true);
                tracing::info!(channel = CHANNEL, schema = %schema, "listening for dataset changes");
                let why = listen(&mut listener, &schema, routed.as_deref(), sink.as_ref()).await;
                sink.listening(false);
                tracing::warn!(reason = %why, "dataset-change listener lost its connection; reconnecting");
            }
            Err(e) => {
                tracing::warn!(error = %e, "dataset-change listener cannot connect; retrying");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Forwards notifications until the connection fails; returns why.
async fn listen(
    listener: &mut PgListener,
    schema: &str,
    routed: Option<&RoutedStore>,
    sink: &dyn VersionSink,
) -> String {
    loop {
        // try_recv is cancel-safe (sqlx keeps a partly read message in its buffer).
        match tokio::time::timeout(PROBE_EVERY, listener.try_recv()).await {
            Err(_) => {
                let probe = sqlx::query("SELECT 1").execute(&mut *listener);
                match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return format!("probe failed: {e}"),
                    Err(_) => return "probe timed out".into(),
                }
            }
            Ok(Ok(Some(n))) => {
                if n.channel() != CHANNEL {
                    continue;
                }
                let Some(version) = parse_payload(n.payload(), schema) else {
                    continue;
                };
                if let Some(r) = routed
                    && let Err(e) = r.note_primary_write().await
                {
                    // Without the position a standby could answer with old rows for the new
                    // version: better to lose the connection and start over as "unknown".
                    return format!("reading the primary's WAL position: {e}");
                }
                sink.bumped(version);
            }
            Ok(Ok(None)) => return "connection closed".into(),
            Ok(Err(e)) => return e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_of_other_schemas_are_ignored() {
        assert_eq!(parse_payload("public:42", "public"), Some(42));
        assert_eq!(parse_payload("t_1:42", "public"), None);
        assert_eq!(parse_payload("public:x", "public"), None);
        assert_eq!(parse_payload("42", "public"), None);
    }
}
