#!/usr/bin/env bash
# Load test of `hotspot serve` (loopback only):
#   1. seeds N reports (default 1,000,000) through the API into a temporary SQLite file,
#   2. times the hexes layer for a city-sized bbox uncached (first request) and cached,
#   3. runs `wrk -c 64 -d 30s` on cached layers: errors, p50/p99 latency, requests/s,
#   4. reports the server's RSS before and after.
# Targets: cached < 50 ms, uncached < 1.5 s, no wrk errors, p99 < 100 ms.
#
# usage: benches/load.sh [path/to/hotspot]   (default target/release/hotspot;
#        build it with `cargo build --release --all-targets`)
# env:   N=1000000 DURATION=30s CONNECTIONS=64
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/hotspot}"
N="${N:-1000000}"
DURATION="${DURATION:-30s}"
CONNECTIONS="${CONNECTIONS:-64}"
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)"; exit 1; }

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

db="sqlite://$tmp/load.db"
token="$("$BIN" token create --db "$db" --role viewer --name load)"
admin="$("$BIN" token create --db "$db" --role admin --name loader)"

echo "== generating $N reports (Huế, 20 Gaussian hotspots + background)"
awk -v n="$N" 'BEGIN {
  srand(42); print "id,lon,lat,kind,observed_at";
  split("use storage trafficking sale cultivation", kinds, " ");
  for (h = 0; h < 20; h++) { cx[h] = 107.52 + rand() * 0.16; cy[h] = 16.40 + rand() * 0.12 }
  for (i = 0; i < n; i++) {
    if (rand() < 0.7) {
      h = int(rand() * 20);
      # Box-Muller, sigma ~ 300 m
      r = sqrt(-2 * log(rand() + 1e-12)) * 0.003; t = 6.283185307 * rand();
      lon = cx[h] + r * cos(t); lat = cy[h] + r * sin(t);
    } else { lon = 107.45 + rand() * 0.30; lat = 16.35 + rand() * 0.25 }
    m = int(rand() * 36); d = 1 + int(rand() * 28);
    printf "L%07d,%.6f,%.6f,%s,%04d-%02d-%02d\n", i, lon, lat, kinds[1 + int(rand() * 5)], 2023 + int(m / 12), 1 + m % 12, d;
  }
}' >"$tmp/reports.csv"
ls -la "$tmp/reports.csv" | awk '{printf "   %.1f MiB\n", $5 / 1048576}'

RUST_LOG="${RUST_LOG:-hotspot=info}" "$BIN" serve --db "$db" --addr 127.0.0.1:0 --max-body-mib 512 --timeout-secs 600 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q '^listening on ' "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
base="$(sed -n 's/^listening on //p' "$tmp/serve.out" | head -1)"
[[ -n "$base" ]] || { echo "server did not start"; cat "$tmp/serve.err"; exit 1; }
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server_pid/status"; }

echo "== uploading through POST /api/reports"
/usr/bin/time -f "   upload: %e s wall" curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $admin" \
  -H 'Content-Type: text/csv' --data-binary @"$tmp/reports.csv" "$base/api/reports"
echo "   RSS after load: $(rss)"

city="bbox=107.50,16.38,107.70,16.54"
hexes="$base/api/layers/hexes?res=9&k=1&$city"
hotspots="$base/api/layers/hotspots?$city&from=2025-01-01"
t() { curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$1"; }

echo "== hexes res 9, city bbox"
printf '   uncached: %.3f s\n' "$(t "$hexes")"
best=9; for _ in 1 2 3 4 5; do v="$(t "$hexes")"; best="$(awk -v a="$best" -v b="$v" 'BEGIN{print (b<a)?b:a}')"; done
printf '   cached (best of 5): %.1f ms\n' "$(awk -v v="$best" 'BEGIN{print v*1000}')"
printf '   bytes: %s\n' "$(curl -fsS -H "Authorization: Bearer $token" "$hexes" | wc -c)"
echo "== hotspots (DBSCAN, 2025 reports), city bbox"
printf '   uncached: %.3f s\n' "$(t "$hotspots")"
printf '   cached: %.1f ms\n' "$(awk -v v="$(t "$hotspots")" 'BEGIN{print v*1000}')"
echo "   RSS before wrk: $(rss)"

cat >"$tmp/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
for url in "$hexes" "$base/api/layers/sites"; do
  echo "== wrk -c $CONNECTIONS -d $DURATION ${url#$base}"
  wrk -t 2 -c "$CONNECTIONS" -d "$DURATION" --latency -s "$tmp/auth.lua" "$url" | tee "$tmp/wrk.txt" \
    | grep -E 'Requests/sec|Transfer/sec|  50%|  99%|Non-2xx|Socket errors|requests in'
  if grep -qE 'Non-2xx|Socket errors' "$tmp/wrk.txt"; then echo "   ERRORS during wrk"; fi
done
echo "   RSS after wrk: $(rss)"
echo "== layer timings logged by the server"
grep -oE "(reports read|layer computed).*" "$tmp/serve.err" | head -6 || true
