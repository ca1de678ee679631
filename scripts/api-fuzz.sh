#!/usr/bin/env bash
# Property-based API fuzz: schemathesis generates requests from /api/openapi.json and checks
# that the live server never answers 5xx (and that answers match the documented schemas'
# status codes). Bounded: 20 examples per operation.
#
# usage: scripts/api-fuzz.sh [path/to/hotspot]   (default target/debug/hotspot)
# Only loopback addresses are used; the database is a temporary SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-target/debug/hotspot}")"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-20}"
VENV="$(realpath -m "${FUZZ_VENV:-target/fuzz-venv}")"

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if ! [[ -x "$VENV/bin/schemathesis" ]]; then
  echo "== installing schemathesis into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet schemathesis
fi
ST="$VENV/bin/schemathesis"

db="sqlite://$tmp/fuzz.db"
token="$("$BIN" token create --db "$db" --role admin --name fuzz)"

"$BIN" serve --db "$db" --addr 127.0.0.1:0 --min-count 1 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$tmp/serve.out" 2>/dev/null && break
  sleep 0.1
done
base="$(sed -n 's/^listening on //p' "$tmp/serve.out" | head -1)"
[[ -n "$base" ]] || { echo "server did not start:"; cat "$tmp/serve.err"; exit 1; }
echo "== server at $base"

# Seed a small dataset through the API itself.
{
  echo "id,lon,lat,kind,observed_at"
  for i in $(seq 1 60); do
    printf 'F%03d,107.%04d,16.%04d,%s,2025-%02d-%02d\n' "$i" $((6000 + i % 7 * 3)) $((4600 + i % 5 * 2)) \
      "$(echo use storage trafficking sale cultivation | cut -d' ' -f$((i % 5 + 1)))" $((i % 12 + 1)) $((i % 28 + 1))
  done
} >"$tmp/reports.csv"
curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/reports.csv" "$base/api/reports" >/dev/null

cd "$tmp" # schemathesis writes its .schemathesis/ cache into the working directory
version="$("$ST" --version | grep -o '[0-9]\+\.[0-9.]*' | head -1)"
echo "== schemathesis $version, $MAX_EXAMPLES examples per operation"
if [[ "${version%%.*}" -ge 4 ]]; then
  "$ST" run "$base/api/openapi.json" \
    --checks not_a_server_error \
    --max-examples "$MAX_EXAMPLES" \
    --header "Authorization: Bearer $token" \
    --request-timeout 30 \
    --seed 1
else
  "$ST" run "$base/api/openapi.json" \
    --checks not_a_server_error \
    --hypothesis-max-examples "$MAX_EXAMPLES" \
    --header "Authorization: Bearer $token" \
    --request-timeout 30000 \
    --hypothesis-seed 1
fi
if grep -q 'panicked' "$tmp/serve.err"; then
  echo "server panicked:"; grep -A3 panicked "$tmp/serve.err"; exit 1
fi
echo "== no server errors"
