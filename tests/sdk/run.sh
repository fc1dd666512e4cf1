#!/usr/bin/env bash
# Runs the official-SDK compatibility suite (huaweicloudsdkbss and huaweicloudsdkbssintl 3.1.219) against a spawned
# partner-center server, on SQLite and, when PC_TEST_POSTGRES_URL is set, on PostgreSQL too.
#
#   PC_BIN                 the server binary (default: <repo>/target/debug/partner-center); never built here
#   PC_TEST_POSTGRES_URL   admin URL of a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres
#   extra arguments are passed to pytest (e.g. -k idempotency, -x)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="$REPO/.venv-sdk"
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
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! PC_TEST_POSTGRES_URL is not set: PostgreSQL was SKIPPED; the SDK suite runs on SQLite only !!!"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
fi

# The SDK writes $HOME/.huaweicloud/application_id: give it a throw-away HOME.
SDK_HOME="$(mktemp -d "${TMPDIR:-/tmp}/pc-sdk-home.XXXXXX")"
trap 'rm -rf "$SDK_HOME"' EXIT

cd "$REPO"
status=0
HOME="$SDK_HOME" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/sdk "$@" || status=$?
exit "$status"
