#!/usr/bin/env bash
# The README's test command: sets up a fresh Debian 12 machine (system packages, PostGIS, the
# web bundle) and runs every check: formatting, clippy, unit/property/contract/store/server
# tests (nextest, with the GDAL and owslib OGC tests), doctests, the API fuzz and the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "system packages"
bash scripts/setup-system.sh
step "PostgreSQL + PostGIS"
bash scripts/setup-postgis.sh
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1/test}"
step "PostgreSQL streaming replica (cluster 15/replica, port 5433)"
if ! bash scripts/setup-replica.sh; then
  if [ "${CI:-}" = true ]; then
    echo "setup-replica failed: with CI=true that is a test failure" >&2
    exit 1
  fi
  echo "WARNING: no streaming replica; the replica test will skip" >&2
fi
step "web map bundle"
bash scripts/build-web.sh
step "GIS client tools (owslib, pyproj, OpenAPI validator venv)"
bash scripts/setup-pytools.sh >/dev/null

step "format and lints"
cargo fmt --check
cargo clippy --all-targets --locked   # lint levels: [lints] in Cargo.toml

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"

step "tests"
cargo build --all-targets --locked
cargo nextest run --no-fail-fast --locked
cargo test --doc --locked

step "API fuzz"
bash scripts/api-fuzz.sh "$target_dir/debug/hotspot"

step "browser test"
HOTSPOT_BIN="$target_dir/debug/hotspot" npm --prefix tests/browser test
