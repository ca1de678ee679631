#!/usr/bin/env bash
# Installs the system packages hotspot's tests and demo need on a fresh Debian 12 (run as root):
# PostGIS for the PostgreSQL 15 cluster, Chromium for the browser test, GDAL for the OGC test,
# poppler-utils (pdftotext, pdftoppm) for the briefing test, python3-venv for the test venvs,
# wrk for the load and soak scripts in benches/.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

need=()
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || need+=(postgresql-15-postgis-3)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
python3 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
command -v wrk >/dev/null 2>&1 || need+=(wrk)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup-system: installing ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-system: need root to install ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
