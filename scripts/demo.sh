#!/usr/bin/env bash
# The README's run command: builds the web map and the release binary, loads the synthetic
# An Cựu demo ward into the embedded SQLite store (./hotspot.db) and serves the map on
# http://127.0.0.1:8080 (override with HOTSPOT_ADDR). Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build-web.sh
cargo build --release --locked --bin hotspot
# Wherever cargo put it (CARGO_TARGET_DIR or the build.target-dir setting move it).
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
exec "$target_dir/release/hotspot" demo --db "${HOTSPOT_DB:-sqlite://hotspot.db}" --addr "${HOTSPOT_ADDR:-127.0.0.1:8080}" "$@"
