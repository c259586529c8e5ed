#!/usr/bin/env bash
# Property-based API testing: builds the server, serves a fresh temporary database (the
# bundled dataset), and runs Schemathesis against /api/openapi.json with every check
# (server errors, status codes, content types, headers, response schemas, negative and
# positive data). Fails on any 5xx or any departure from the schema.
#
# Schemathesis (PyPI) is installed into a virtualenv under target/ when missing.
# Environment:
#   SCHEMATHESIS_MAX_EXAMPLES  examples per operation and phase (default 50)
#   SCHEMATHESIS_VERSION       pip requirement (default "schemathesis>=4,<5")
#   SCHEMATHESIS_SEED          a seed, to replay a run
#   SCHEMATHESIS_EXCLUDE       checks to skip (default positive_data_acceptance: the server
#                              rightly refuses some values no OpenAPI schema can rule out,
#                              such as 2021-02-30 or `from` after `to`; set it to "" to see
#                              where the schema is looser than the server)
set -euo pipefail
cd "$(dirname "$0")/.."

max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
requirement="${SCHEMATHESIS_VERSION:-schemathesis>=4,<5}"
venv="target/schemathesis-venv"

if [ ! -x "$venv/bin/st" ]; then
  echo "installing $requirement into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet "$requirement"
fi
"$venv/bin/st" --version

cargo build --locked --quiet
bin="target/debug/conflict-timeline"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Serve on a free port; the first line of standard output says where.
RUST_LOG="${RUST_LOG:-warn}" "$bin" serve --db "$work/api.db" --bind 127.0.0.1:0 \
  >"$work/stdout" 2>"$work/server.log" &
server_pid=$!
base=""
for _ in $(seq 1 300); do
  base="$(sed -n 's|.*is serving \(http://[^/ ]*\)/.*|\1|p' "$work/stdout" | head -n1)"
  [ -n "$base" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/server.log" >&2
    echo "the server did not start" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "the server did not say where it serves" >&2
  exit 1
fi
echo "serving $base (database $work/api.db)"

extra_args=()
if [ -n "${SCHEMATHESIS_SEED:-}" ]; then
  extra_args+=(--seed "$SCHEMATHESIS_SEED")
fi
exclude="${SCHEMATHESIS_EXCLUDE-positive_data_acceptance}"
if [ -n "$exclude" ]; then
  extra_args+=(--exclude-checks "$exclude")
fi

# Schemathesis keeps a cache (.schemathesis/) in its working directory: keep it under target/.
root="$PWD"
mkdir -p target/schemathesis
status=0
(cd target/schemathesis && "$root/$venv/bin/st" --config-file "$root/scripts/schemathesis.toml" \
  run "$base/api/openapi.json" \
  --url "$base" \
  --checks all \
  --max-examples "$max_examples" \
  --phases examples,coverage,fuzzing \
  --workers 2 \
  --request-timeout 20 \
  --no-color \
  --report junit --report-dir . \
  --generation-database examples \
  "${extra_args[@]}") || status=$?

if grep -q "panicked" "$work/server.log"; then
  echo "the server logged a panic:" >&2
  grep -n "panicked" "$work/server.log" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "schemathesis found problems (exit $status); the JUnit report is in target/schemathesis/" >&2
fi
exit "$status"
