#!/usr/bin/env bash
# Export and vector tile timings on 1 000 000 synthetic reports (seed 42), as ratios against
# baselines measured in the same run: GeoPackage / FlatGeobuf / CSV export against the
# GeoJSON export of the same reports; uncached and cached z14 report tiles over HTTP against
# GET /healthz through the same router. Release build, nice'd (the machine is shared).
#
# usage: benches/formats.sh          HOTSPOT_BENCH_N=200000 benches/formats.sh for a quick run
set -euo pipefail
cd "$(dirname "$0")/.."
nice -n 5 cargo bench --bench formats --locked
