#!/usr/bin/env bash
# A streaming read replica of the test PostgreSQL for the multi-server tests (run as root, after
# scripts/setup-postgis.sh): cluster 15/replica on port 5433, a hot standby of 15/main (5432)
# made with pg_basebackup -R. Idempotent: a replica that is online, in recovery and streaming
# is left alone; one that is down is started; one that does not stream is rebuilt.
#
# The primary gets a replication role (hotspot_replicator, no password) that may connect for
# replication from 127.0.0.1 only, and keeps 512 MB of WAL so a briefly stopped replica can
# catch up without a replication slot (a slot of a dropped replica would keep WAL forever).
set -euo pipefail

PRIMARY_PORT=5432
REPLICA_PORT="${REPLICA_PORT:-5433}"
ROLE=hotspot_replicator
DATA=/var/lib/postgresql/15/replica
CONF=/etc/postgresql/15/replica

log() { echo "setup-replica: $*"; }
die() { echo "setup-replica: $*" >&2; exit 1; }
as_postgres() { (cd / && runuser -u postgres -- "$@"); }
psql_at() { local port="$1"; shift; as_postgres psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -XtAq "$@"; }

[ "$(id -u)" -eq 0 ] || die "run as root (pg_createcluster, pg_hba edits)"
pg_isready -q -h 127.0.0.1 -p "$PRIMARY_PORT" || die "no primary on port $PRIMARY_PORT: run scripts/setup-postgis.sh first"

# --- primary: replication role, pg_hba entry, WAL kept for the standby -----------------------
psql_at "$PRIMARY_PORT" -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE WITH REPLICATION LOGIN;
  END IF; END \$\$;"
main_hba=/etc/postgresql/15/main/pg_hba.conf
reload=0
if ! grep -qE "^host\s+replication\s+$ROLE\s+127\.0\.0\.1/32\s+trust" "$main_hba"; then
  sed -i "1i host replication $ROLE 127.0.0.1/32 trust" "$main_hba"
  reload=1
fi
if [ "$(psql_at "$PRIMARY_PORT" -c "SHOW wal_keep_size")" != "512MB" ]; then
  psql_at "$PRIMARY_PORT" -c "ALTER SYSTEM SET wal_keep_size = '512MB'"
  reload=1
fi
if [ "$reload" = 1 ]; then
  pg_ctlcluster --skip-systemctl-redirect 15 main reload
  sleep 0.5
fi

# --- replica ---------------------------------------------------------------------------------
replica_state() { pg_lsclusters -h 2>/dev/null | awk '$1 == "15" && $2 == "replica" {print $4}'; }
streaming() {
  [ "$(psql_at "$REPLICA_PORT" -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = "t" ] &&
    [ "$(psql_at "$REPLICA_PORT" -c "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null)" = "streaming" ]
}
wait_streaming() {
  for _ in $(seq 1 60); do
    streaming && return 0
    sleep 0.5
  done
  return 1
}

state="$(replica_state)"
if [ -n "$state" ]; then
  if [[ "$state" != online* ]]; then
    log "starting cluster 15/replica"
    pg_ctlcluster --skip-systemctl-redirect 15 replica start || true
  fi
  # A test that failed while replay was paused must not leave the standby frozen.
  if [ "$(psql_at "$REPLICA_PORT" -c "SELECT pg_is_wal_replay_paused()" 2>/dev/null)" = "t" ]; then
    psql_at "$REPLICA_PORT" -c "SELECT pg_wal_replay_resume()" >/dev/null
  fi
  if wait_streaming; then
    log "ready: hot standby of :$PRIMARY_PORT at postgres://postgres@127.0.0.1:$REPLICA_PORT (streaming)"
    exit 0
  fi
  log "15/replica does not stream from the primary: rebuilding it"
  pg_dropcluster --stop 15 replica
fi

log "creating cluster 15/replica on port $REPLICA_PORT"
pg_createcluster 15 replica --port "$REPLICA_PORT" >/dev/null
# Same local trust as the primary's test setup (the standby's pg_hba lives in /etc, not in the
# copied data directory).
sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$CONF/pg_hba.conf"
rm -rf "${DATA:?}"/*
log "pg_basebackup from :$PRIMARY_PORT"
as_postgres pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U "$ROLE" -D "$DATA" -R -X stream -c fast
pg_ctlcluster --skip-systemctl-redirect 15 replica start
wait_streaming || die "15/replica started but does not stream (see /var/log/postgresql/postgresql-15-replica.log)"
log "ready: hot standby of :$PRIMARY_PORT at postgres://postgres@127.0.0.1:$REPLICA_PORT (streaming)"
