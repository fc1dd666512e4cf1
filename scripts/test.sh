#!/usr/bin/env bash
# The whole test suite: Rust unit, property and integration tests (SQLite always, PostgreSQL when
# PC_TEST_POSTGRES_URL names a server), the official-SDK compatibility tests, and the browser tests.
#   PC_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test scripts/test.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

if [ -z "${PC_TEST_POSTGRES_URL:-}" ]; then
  echo "!!! PC_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite is SKIPPED !!!"
else
  echo "== PostgreSQL tests use fresh databases on ${PC_TEST_POSTGRES_URL%%\?*}"
fi

echo "== building partner-center"
cargo build --locked -p partner-center
export PC_BIN="$repo/target/debug/partner-center"

echo "== Rust tests (SQLite${PC_TEST_POSTGRES_URL:+ and PostgreSQL})"
cargo test --locked --workspace

echo "== official SDK tests (huaweicloudsdkbss)"
bash tests/sdk/run.sh

echo "== browser tests (Chromium)"
bash tests/browser/run.sh

echo "== all suites passed"
