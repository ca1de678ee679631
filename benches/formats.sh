#!/usr/bin/env bash
# Export and vector tile timings on 1 000 000 synthetic reports (seed 42), as ratios against
# baselines measured in the same run: GeoPackage / FlatGeobuf / CSV export against the
# GeoJSON export of the same reports; uncached and cached z14 report tiles over HTTP against
# GET /healthz through the same router. Release build, nice'd (the machine is shared).
#
# usage: benches/formats.sh            release profile (cargo bench)
#        benches/formats.sh --dev-o3   dev profile with hotspot at opt-level 3 (reuses the dev
#                                      dependency build; debug assertions stay on)
#        HOTSPOT_BENCH_N=200000 benches/formats.sh   fewer reports for a quick run
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--dev-o3" ]]; then
  CARGO_PROFILE_DEV_OPT_LEVEL=3 nice -n 5 cargo build --bench formats --locked
  bin=$(CARGO_PROFILE_DEV_OPT_LEVEL=3 cargo build --bench formats --locked --message-format json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*formats[^"]*\)".*/\1/p' | tail -1)
  nice -n 5 "$bin"
else
  nice -n 5 cargo bench --bench formats --locked
fi
