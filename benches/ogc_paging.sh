#!/usr/bin/env bash
# Paging through a computed OGC collection the way GDAL does it: `ogr2ogr -f GPKG h.gpkg
# OAPIF:http://…/ogc hexes` with GDAL's default page size, on 50 000 synthetic reports
# (override with HOTSPOT_BENCH_N). Target (issue 11): ≤ 5 s; it took 96 s when every page
# recomputed and copied the layer. Also prints the cost of one page once the view is cached.
# Baseline in the same run: ogr2ogr of the same layer from a local GeoJSON file (the layer
# downloaded once from /api/layers), so the ratio is what paging over HTTP adds to GDAL's own
# conversion.
#
# usage: benches/ogc_paging.sh [path/to/hotspot]    (default target/release/hotspot)
# Only loopback addresses are used; the database is a temporary SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-target/release/hotspot}")"
N="${HOTSPOT_BENCH_N:-50000}"
LAYERS="${HOTSPOT_BENCH_LAYERS:-hexes emerging}"
tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

db="sqlite://$tmp/bench.db"
"$BIN" synth --n "$N" --seed 42 --out "$tmp/r.csv" --quiet
"$BIN" import reports "$tmp/r.csv" --db "$db" >/dev/null
token="$("$BIN" token create --db "$db" --role analyst --name bench)"
"$BIN" serve --db "$db" --addr 127.0.0.1:0 --rate-per-min 1000000 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$tmp/serve.out" 2>/dev/null && break
  sleep 0.1
done
base="$(sed -n 's/^listening on //p' "$tmp/serve.out" | head -1)"
[[ -n "$base" ]] || { echo "server did not start:"; cat "$tmp/serve.err"; exit 1; }
export GDAL_HTTP_HEADERS="Authorization: Bearer $token"
echo "reports: $N, server $base, $(ogr2ogr --version)"

copy() { # layer label
  rm -f "$tmp/$1.gpkg"
  local start end
  start=$(date +%s.%N)
  ogr2ogr -f GPKG "$tmp/$1.gpkg" "OAPIF:$base/ogc" "$1" 2>"$tmp/ogr2ogr.err" || { cat "$tmp/ogr2ogr.err"; exit 1; }
  end=$(date +%s.%N)
  count="$(ogrinfo -ro -so "$tmp/$1.gpkg" "$1" | sed -n 's/^Feature Count: //p')"
  last_s="$(awk "BEGIN{print $end - $start}")"
  printf '%-10s ogr2ogr to GPKG, %-38s %6.2f s, %s features\n' "$1" "$2:" "$last_s" "$count"
}
baseline() { # layer
  curl -fsS -o "$tmp/$1.geojson" -H "Authorization: Bearer $token" "$base/api/layers/$1"
  rm -f "$tmp/$1-local.gpkg"
  local start end
  start=$(date +%s.%N)
  ogr2ogr -f GPKG "$tmp/$1-local.gpkg" "$tmp/$1.geojson" 2>/dev/null
  end=$(date +%s.%N)
  base_s="$(awk "BEGIN{print $end - $start}")"
  printf '%-10s ogr2ogr to GPKG from a local GeoJSON file (baseline): %6.2f s\n' "$1" "$base_s"
}
for layer in $LAYERS; do
  copy "$layer" "first run (computes the layers)"
  copy "$layer" "again (views cached: paging only)"
  baseline "$layer"
  printf '%-10s paging over OAPIF / local file: %.1f×\n' "$layer" "$(awk "BEGIN{print $last_s / $base_s}")"
  # One deep page of the cached view.
  t="$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" \
    "$base/ogc/collections/$layer/items?limit=1&offset=$((count / 2))")"
  printf '%-10s one page (limit=1, offset=%d), cached view: %6.1f ms\n' "$layer" $((count / 2)) \
    "$(awk "BEGIN{print $t * 1000}")"
done
