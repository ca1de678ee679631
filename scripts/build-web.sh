#!/usr/bin/env bash
# Build the web map into web/dist (served by the hotspot binary at `/`).
# Idempotent and fast when up to date: `npm ci` runs only when package-lock.json changed since
# the last install, and vite runs only when a source file is newer than web/dist.
#   scripts/build-web.sh           build if needed
#   FORCE=1 scripts/build-web.sh   always reinstall and rebuild
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v npm >/dev/null 2>&1; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "build-web: installing nodejs and npm" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "build-web: npm not found; install Node.js >= 20 and npm" >&2
    exit 1
  fi
fi

stamp=node_modules/.hotspot-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ "${FORCE:-}" == 1 || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "build-web: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

newest_src=$(find index.html build.mjs tsconfig.json package-lock.json src ../src/glossary.json -type f -newer dist/index.html 2>/dev/null | head -n1 || true)
if [[ "${FORCE:-}" == 1 || ! -f dist/index.html || -n "$newest_src" ]]; then
  echo "build-web: vite build" >&2
  npx --no-install tsc --noEmit
  node build.mjs
else
  echo "build-web: web/dist is up to date" >&2
fi
