#!/usr/bin/env bash
# PostgreSQL 15 + PostGIS for hotspot's tests on a fresh Debian 12 (run as root). Idempotent:
# installs postgresql-15-postgis-3 when absent, starts the cluster when down, waits until it
# accepts connections, then ensures database `test` with the postgis extension (as postgres).
set -euo pipefail

if ! dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1; then
  echo "setup-postgis: installing postgresql-15-postgis-3"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-postgis: need root to install postgresql-15-postgis-3" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql-15-postgis-3 >/dev/null
fi

if ! pg_lsclusters -h 2>/dev/null | awk '$1 == "15" && $2 == "main"' | grep -q .; then
  echo "setup-postgis: creating cluster 15/main"
  pg_createcluster 15 main >/dev/null
fi

# Local test setup: trust for TCP connections from this machine (the tests connect as
# postgres@127.0.0.1 without a password).
hba=/etc/postgresql/15/main/pg_hba.conf
if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
  sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  reload=1
fi

if ! pg_lsclusters -h | awk '$1 == "15" && $2 == "main" {print $4}' | grep -q online; then
  echo "setup-postgis: starting cluster 15/main"
  pg_ctlcluster --skip-systemctl-redirect 15 main start
elif [ "${reload:-0}" = 1 ]; then
  pg_ctlcluster --skip-systemctl-redirect 15 main reload
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p 5432; then
    break
  fi
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p 5432 >/dev/null || { echo "setup-postgis: server not ready" >&2; exit 1; }

as_postgres() { (cd / && su postgres -c "$1"); }
if ! as_postgres "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'test'\"" | grep -q 1; then
  as_postgres "createdb test"
fi
as_postgres "PGOPTIONS='-c client_min_messages=warning' psql -q -d test -c 'CREATE EXTENSION IF NOT EXISTS postgis'"
echo "setup-postgis: ready at postgres://postgres@127.0.0.1/test"
