#!/usr/bin/env bash
# Soak test of two `hotspot serve` instances over one PostGIS (loopback only, bounded):
#   * a fresh database on the test PostgreSQL, seeded with N reports (default 50,000, Huế);
#   * instance A on the primary; instance B on the primary too, reading from the streaming
#     replica (--db-read, port 5433) when scripts/setup-replica.sh has made one;
#   * CONNECTIONS (64) wrk connections for SOAK_SECS (300) seconds: 3/4 on cached routes (layers
#     with fixed parameters, OGC pages of cached collections), 1/4 on uncached ones (hexes of
#     random bounding boxes, OGC report pages at random offsets), split evenly over A and B;
#   * a report upload every second, alternating A and B (each bumps the dataset version, so
#     every instance learns of a new version through LISTEN/NOTIFY once a second; cached
#     routes are then answered from the previous version while the new one computes in the
#     background, within `--stale-secs`, the serve default of 30 s);
#   * RSS of both instances and the machine's load average sampled every 5 s.
# The rate limit is off (--rate-per-min 0): one viewer token stands for many users here.
# Prints errors (non-2xx answers, socket errors, failed uploads), p99 latency of the cached
# routes, and RSS growth over the last 4/5 of the run (the last 4 minutes of a 5-minute run),
# and exits 1 unless errors = 0, p99 < 100 ms and RSS growth < 10 %.
#
# usage: benches/soak.sh [path/to/hotspot]     (default target/release/hotspot)
# env:   SOAK_SECS=300 CONNECTIONS=64 N=50000 PG=postgres://postgres@127.0.0.1:5432
#        REPLICA=postgres://postgres@127.0.0.1:5433 (set REPLICA= to run B without one)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-target/release/hotspot}")"
SOAK_SECS="${SOAK_SECS:-300}"
CONNECTIONS="${CONNECTIONS:-64}"
N="${N:-50000}"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
REPLICA="${REPLICA-postgres://postgres@127.0.0.1:5433}"
command -v wrk >/dev/null || { echo "wrk is required (scripts/setup-system.sh installs it)"; exit 2; }
command -v psql >/dev/null || { echo "psql is required"; exit 2; }
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build --release)"; exit 2; }
(( CONNECTIONS >= 8 )) || { echo "CONNECTIONS must be at least 8"; exit 2; }

tmp="$(mktemp -d)"
db="hs_soak_$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  psql "$PG/postgres" -XqAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

psql "$PG/postgres" -XqAtc "CREATE DATABASE $db"
psql "$PG/$db" -XqAtc "CREATE EXTENSION IF NOT EXISTS postgis"
url="$PG/$db"
admin="$("$BIN" token create --db "$url" --role admin --name soak-admin 2>/dev/null)"
viewer="$("$BIN" token create --db "$url" --role viewer --name soak-viewer 2>/dev/null)"
analyst="$("$BIN" token create --db "$url" --role analyst --name soak-analyst 2>/dev/null)"

read_args=()
if [ -n "$REPLICA" ] && [ "$(psql "$REPLICA/postgres" -XqAtc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]; then
  for _ in $(seq 1 100); do
    psql "$REPLICA/$db" -XqAtc 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.1
  done
  read_args=(--db-read "$REPLICA/$db")
  echo "== B reads from the replica at $REPLICA"
else
  echo "== no replica at ${REPLICA:-(none)}: both instances use the primary only"
fi

start_server() { # name, extra args…; sets URL and PID
  local name="$1"; shift
  RUST_LOG=warn "$BIN" serve --db "$url" --addr 127.0.0.1:0 --max-body-mib 256 --rate-per-min 0 "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err" &
  PID=$!
  pids+=("$PID")
  for _ in $(seq 1 200); do grep -q '^listening on ' "$tmp/$name.out" 2>/dev/null && break; sleep 0.05; done
  URL="$(sed -n 's/^listening on //p' "$tmp/$name.out" | head -1)"
}
start_server a; A="$URL"; A_PID="$PID"
start_server b "${read_args[@]}"; B="$URL"; B_PID="$PID"
[ -n "$A" ] && [ -n "$B" ] || { echo "a server did not start"; cat "$tmp"/*.err; exit 1; }
echo "== A $A (pid $A_PID), B $B (pid $B_PID)"

echo "== seeding $N reports through A"
awk -v n="$N" 'BEGIN {
  srand(42); print "id,lon,lat,kind,observed_at";
  split("use storage trafficking sale cultivation", kinds, " ");
  for (h = 0; h < 20; h++) { cx[h] = 107.52 + rand() * 0.16; cy[h] = 16.40 + rand() * 0.12 }
  for (i = 0; i < n; i++) {
    if (rand() < 0.7) {
      h = int(rand() * 20);
      r = sqrt(-2 * log(rand() + 1e-12)) * 0.003; t = 6.283185307 * rand();
      lon = cx[h] + r * cos(t); lat = cy[h] + r * sin(t);
    } else { lon = 107.45 + rand() * 0.30; lat = 16.35 + rand() * 0.25 }
    m = int(rand() * 36); d = 1 + int(rand() * 28);
    printf "S%07d,%.6f,%.6f,%s,%04d-%02d-%02d\n", i, lon, lat, kinds[1 + int(rand() * 5)], 2023 + int(m / 12), 1 + m % 12, d;
  }
}' >"$tmp/reports.csv"
curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/reports.csv" "$A/api/reports"

cat >"$tmp/cached.lua" <<'LUA'
-- Layers with fixed parameters and OGC pages of cached collections, in turn.
local token = os.getenv("TOKEN")
local paths = {
  "/api/layers/hexes?res=9&k=1",
  "/api/layers/hotspots",
  "/api/layers/sites",
  "/ogc/collections/hexes/items?limit=100",
  "/ogc/collections/hotspots/items?limit=50",
}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Authorization"] = "Bearer " .. token })
end
-- Non-2xx answers by status, printed at the end (wrk itself only counts them).
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) codes = {} end
function response(status, headers, body)
  if status >= 300 then codes[status] = (codes[status] or 0) + 1 end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("codes")) do io.write(string.format("status %d: %d\n", code, n)) end
  end
end
LUA
cat >"$tmp/uncached.lua" <<'LUA'
-- Hexes of a random bounding box (a new cache key nearly every time) and pages of raw
-- reports at random offsets (never cached), alternately.
local token = os.getenv("TOKEN")
local n = tonumber(os.getenv("N"))
local k = 0
math.randomseed(os.time() + tonumber(os.getenv("SEED")))
request = function()
  k = k + 1
  local h = { ["Authorization"] = "Bearer " .. token }
  if k % 2 == 0 then
    local x = 107.45 + math.random() * 0.25
    local y = 16.35 + math.random() * 0.20
    local bbox = string.format("%.4f,%.4f,%.4f,%.4f", x, y, x + 0.05, y + 0.05)
    return wrk.format("GET", "/api/layers/hexes?res=9&k=1&bbox=" .. bbox, h)
  end
  return wrk.format("GET", "/ogc/collections/reports/items?limit=100&offset=" .. math.random(0, n - 100), h)
end
-- Non-2xx answers by status, printed at the end (wrk itself only counts them).
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) codes = {} end
function response(status, headers, body)
  if status >= 300 then codes[status] = (codes[status] or 0) + 1 end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("codes")) do io.write(string.format("status %d: %d\n", code, n)) end
  end
end
LUA

echo "== warming the cached routes"
for base in "$A" "$B"; do
  for p in "/api/layers/hexes?res=9&k=1" /api/layers/hotspots /api/layers/sites \
           "/ogc/collections/hexes/items?limit=100" "/ogc/collections/hotspots/items?limit=50"; do
    curl -fsS -o /dev/null -H "Authorization: Bearer $viewer" "$base$p"
  done
done

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
echo "t a_kib b_kib load1" >"$tmp/rss"
(
  t=0
  while (( t <= SOAK_SECS )); do
    echo "$t $(rss_kib "$A_PID") $(rss_kib "$B_PID") $(cut -d' ' -f1 /proc/loadavg)" >>"$tmp/rss"
    sleep 5; t=$((t + 5))
  done
) &
pids+=($!)

(
  i=0; fails=0
  end=$((SECONDS + SOAK_SECS))
  while (( SECONDS < end )); do
    target="$A"; (( i % 2 )) && target="$B"
    csv="id,lon,lat,kind,observed_at"
    for j in 0 1 2 3 4; do csv+=$'\n'"U${i}_$j,107.$((55 + j)),16.46,use,2025-06-15"; done
    code="$(curl -sS -o /dev/null -w '%{http_code}' -m 10 -X POST -H "Authorization: Bearer $admin" \
      -H 'Content-Type: text/csv' --data-binary "$csv" "$target/api/reports" || echo 000)"
    [ "$code" = 201 ] || { fails=$((fails + 1)); echo "upload $i -> $code" >>"$tmp/upload-errors"; }
    i=$((i + 1))
    sleep 1
  done
  echo "$i $fails" >"$tmp/uploads"
) &
uploader=$!
pids+=($uploader)

cached_c=$(( CONNECTIONS * 3 / 8 ))          # per instance
uncached_c=$(( CONNECTIONS / 2 - cached_c ))  # per instance
echo "== soak: ${SOAK_SECS}s, $CONNECTIONS connections ($cached_c cached + $uncached_c uncached per instance), an upload per second"
run_wrk() { # name, base, connections, script, token
  TOKEN="$5" N="$N" SEED="$RANDOM" wrk -t1 -c"$3" -d"${SOAK_SECS}s" --timeout 10s --latency \
    -s "$tmp/$4" "$2" >"$tmp/$1.wrk" 2>&1 &
  pids+=($!)
}
run_wrk cached_a "$A" "$cached_c" cached.lua "$viewer"
run_wrk cached_b "$B" "$cached_c" cached.lua "$viewer"
run_wrk uncached_a "$A" "$uncached_c" uncached.lua "$analyst"
run_wrk uncached_b "$B" "$uncached_c" uncached.lua "$analyst"
for p in "${pids[@]}"; do
  [ "$p" = "$A_PID" ] || [ "$p" = "$B_PID" ] || wait "$p" || true
done

# --- figures --------------------------------------------------------------------------------
to_ms() { # wrk latency text (850.00us, 12.3ms, 1.2s) -> ms
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.3f", v * 1000 } }'
}
errors=0
for f in cached_a cached_b uncached_a uncached_b; do
  w="$tmp/$f.wrk"
  reqs="$(awk '/requests in/ {print $1}' "$w")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$w")"
  sock="$(awk -F'[ ,]+' '/Socket errors:/ {print $4 + $6 + $8 + $10}' "$w")"
  p99="$(awk '$1 == "99%" {print $2}' "$w")"
  printf '   %-10s %8s requests  p99 %-9s non-2xx %s  socket errors %s\n' \
    "$f" "${reqs:-?}" "${p99:-?}" "${non2xx:-0}" "${sock:-0}"
  errors=$(( errors + ${non2xx:-0} + ${sock:-0} ))
  grep '^status ' "$w" | sed 's/^/                 /' || true
  [ -n "$reqs" ] || { echo "wrk $f failed:"; cat "$w"; errors=$((errors + 1)); }
done
read -r uploads upload_fails <"$tmp/uploads"
errors=$(( errors + upload_fails ))
echo "   uploads    $uploads, failed $upload_fails"
p99_a="$(to_ms "$(awk '$1 == "99%" {print $2}' "$tmp/cached_a.wrk")")"
p99_b="$(to_ms "$(awk '$1 == "99%" {print $2}' "$tmp/cached_b.wrk")")"
p99="$(awk -v a="$p99_a" -v b="$p99_b" 'BEGIN {printf "%.1f", (a > b ? a : b)}')"
from=$(( SOAK_SECS / 5 ))
growth="$(awk -v from="$from" 'NR > 1 && $1 >= from {
    if (!seen) { a0 = $2; b0 = $3; seen = 1 } a1 = $2; b1 = $3 }
  END { ga = (a1 - a0) * 100 / a0; gb = (b1 - b0) * 100 / b0;
        printf "%.1f %.1f %d %d %d %d", ga, gb, a0 / 1024, a1 / 1024, b0 / 1024, b1 / 1024 }' "$tmp/rss")"
read -r ga gb a0 a1 b0 b1 <<<"$growth"
gmax="$(awk -v a="$ga" -v b="$gb" 'BEGIN {print (a > b ? a : b)}')"

load="$(awk 'NR > 1 && $4 != "" { n++; s += $4; if ($4 > m) m = $4 } END {
  printf "mean %.2f, max %.2f", s / n, m }' "$tmp/rss")"
cores="$(nproc)"

echo
echo "machine:                $cores cores, 1-min load average during the run $load"
echo "errors:                 $errors                       (target 0)"
echo "p99 of cached routes:   ${p99} ms (A ${p99_a}, B ${p99_b})   (target < 100 ms)"
echo "RSS growth from ${from}s: A ${a0}→${a1} MiB (${ga} %), B ${b0}→${b1} MiB (${gb} %)   (target < 10 %)"
ok=1
(( errors == 0 )) || { echo "FAIL: errors"; ok=0; [ -f "$tmp/upload-errors" ] && head -5 "$tmp/upload-errors"; }
awk -v p="$p99" 'BEGIN {exit !(p < 100)}' || { echo "FAIL: p99 of cached routes"; ok=0; }
awk -v g="$gmax" 'BEGIN {exit !(g < 10)}' || { echo "FAIL: RSS growth"; ok=0; }
if [ -s "$tmp/a.err" ] || [ -s "$tmp/b.err" ]; then
  echo "server warnings (first lines):"; head -5 "$tmp/a.err" "$tmp/b.err"
fi
(( ok )) && echo "PASS" || exit 1
