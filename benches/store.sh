#!/usr/bin/env bash
# Store speed on 1M synthetic reports (override with HOTSPOT_BENCH_N), SQLite and PostGIS:
# import, read everything back, bbox query returning ~1 %. Targets: import < 10 s (SQLite),
# < 20 s (PostGIS); read all < 1 s; bbox < 50 ms.
#   HOTSPOT_BENCH_BACKENDS=sqlite benches/store.sh      # one backend only
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1/test}"
cargo bench --bench store
