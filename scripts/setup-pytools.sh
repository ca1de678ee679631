#!/usr/bin/env bash
# Creates (once) the Python venv of the GIS interoperability tests: owslib (the OGC API –
# Features client QGIS-like tools use) and pyproj (reference coordinates for the CRS tests).
# Other GIS test tools go into the same venv by adding them to PACKAGES.
#
# usage: scripts/setup-pytools.sh    prints the venv's python path on the last line
# The venv lives under target/ (PYTOOLS_VENV overrides) so `cargo clean` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$(realpath -m "${PYTOOLS_VENV:-target/pytools-venv}")"
PACKAGES=(owslib pyproj openapi-spec-validator)

if ! "$VENV/bin/python" -c 'import owslib, pyproj, openapi_spec_validator' >/dev/null 2>&1; then
  echo "== installing ${PACKAGES[*]} into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PACKAGES[@]}" >&2
fi
echo "$VENV/bin/python"
