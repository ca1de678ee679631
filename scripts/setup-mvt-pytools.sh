#!/usr/bin/env bash
# Creates (once) the Python venv the vector tile tests decode tiles with: the
# `mapbox-vector-tile` package (Mapbox Vector Tile 2.1 decoder, independent of hotspot's
# encoder). The venv lives under target/ (MVT_PYTOOLS_VENV overrides), so `cargo clean`
# removes it.
#
# usage: scripts/setup-mvt-pytools.sh    prints the venv's python path on the last line
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$(realpath -m "${MVT_PYTOOLS_VENV:-target/mvt-pytools-venv}")"
PACKAGES=(mapbox-vector-tile)

if ! "$VENV/bin/python" -c 'import mapbox_vector_tile' >/dev/null 2>&1; then
  echo "== installing ${PACKAGES[*]} into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PACKAGES[@]}" >&2
fi
echo "$VENV/bin/python"
