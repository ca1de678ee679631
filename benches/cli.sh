#!/usr/bin/env bash
# End-to-end timings of the batch CLI on 1 000 000 synthetic reports (parse → analysis →
# files), each with its peak RSS, against a baseline in the same run: reading and validating
# the CSV alone (`cluster --from 2100-01-01` filters every report out after parsing).
#
# usage: benches/cli.sh [path/to/hotspot]    (default target/release/hotspot)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-target/release/hotspot}")"
N="${HOTSPOT_BENCH_N:-1000000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$BIN" synth --n "$N" --seed 42 --out "$tmp/r.csv" --quiet
echo "reports: $N ($(du -h "$tmp/r.csv" | cut -f1))"

run() {
  local name=$1; shift
  local best=""
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$BIN" "$@" --quiet >/dev/null
    read -r wall rss <"$tmp/time"
    if [[ -z "$best" ]] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; best_rss=$rss; fi
  done
  printf '%-34s %6.2f s  %5d MiB\n' "$name" "$best" $((best_rss / 1024))
}

run "baseline: read + validate CSV" cluster --input "$tmp/r.csv" --from 2100-01-01 --eps-m 150 --min-pts 5 --out "$tmp/b.geojson"
run "cluster eps 150 m, min-pts 5" cluster --input "$tmp/r.csv" --eps-m 150 --min-pts 5 --labels "$tmp/l.csv" --out "$tmp/h.geojson"
run "hexes res 9, k 1" hexes --input "$tmp/r.csv" --res 9 --k 1 --out "$tmp/x.geojson"
run "emerging res 8, month" emerging --input "$tmp/r.csv" --res 8 --step month --out "$tmp/e.geojson"
run "kde 300 m, res 10" kde --input "$tmp/r.csv" --bandwidth-m 300 --res 10 --out "$tmp/k.geojson"
