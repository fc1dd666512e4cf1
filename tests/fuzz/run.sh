#!/usr/bin/env bash
# fuzz-api: Schemathesis against /openapi.json of a spawned partner-center server, every request
# signed as a real principal (SDK-HMAC-SHA256), on SQLite and, when PC_TEST_POSTGRES_URL is set,
# on PostgreSQL too. Prints one `PROOF<TAB>fuzz-api<TAB>…` line per engine; exits non-zero on any
# 5xx, undocumented status, response off its schema, dead server or failed `verify`.
#
#   PC_BIN                 the server binary (default: <repo>/target/debug/partner-center); never built here
#   PC_TEST_POSTGRES_URL   admin URL of a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres
#   PC_PROOF_LONG=1        the long mode (~500 examples per operation instead of 25)
#   PC_FUZZ_SEED           the Hypothesis seed (fixed by default, so CI runs are reproducible)
#   PC_FUZZ_KEEP=1         keep the work folders (database, server log, schemathesis log)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="$REPO/.venv-fuzz"
export PC_BIN="${PC_BIN:-$REPO/target/debug/partner-center}"

if [[ ! -x "$PC_BIN" ]]; then
  echo "run.sh: partner-center binary not found or not executable at $PC_BIN" >&2
  echo "run.sh: build it first (cargo build -p partner-center) or set PC_BIN" >&2
  exit 2
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$HERE/requirements.txt"

if [[ -z "${PC_TEST_POSTGRES_URL:-}" ]]; then
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! PC_TEST_POSTGRES_URL is not set: PostgreSQL was SKIPPED; fuzz-api runs on SQLite only !!!"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
fi

cd "$REPO"
exec "$VENV/bin/python" "$HERE/fuzz_api.py"
