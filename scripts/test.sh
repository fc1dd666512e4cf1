#!/usr/bin/env bash
# The whole test suite: Rust unit, property and integration tests (SQLite always, PostgreSQL when
# PC_TEST_POSTGRES_URL names a server), the official-SDK compatibility tests, the browser tests,
# and the proof suite's fast mode (scripts/proof.sh; its tests are named proof_*).
#   PC_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test scripts/test.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

if [ -z "${PC_TEST_POSTGRES_URL:-}" ]; then
  echo "!!! PC_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite is SKIPPED !!!"
else
  echo "== PostgreSQL tests use fresh databases on ${PC_TEST_POSTGRES_URL%%\?*}"
fi

# PostgreSQL databases the Rust tests create are named pc_test_<run>_… (store/testing.rs) and
# dropped when the run passes; a failed run keeps them for inspection.
if [ -n "${PC_TEST_POSTGRES_URL:-}" ] && [ -z "${PC_TEST_DB_RUN:-}" ]; then
  PC_TEST_DB_RUN="r$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
  export PC_TEST_DB_RUN
  trap 'rc=$?; if [ $rc = 0 ]; then bash "$repo/scripts/drop-test-dbs.sh" "$PC_TEST_DB_RUN" || true; else echo "kept the test databases pc_test_${PC_TEST_DB_RUN}_* for inspection"; fi' EXIT
fi

echo "== building partner-center"
cargo build --locked -p partner-center
export PC_BIN="$repo/target/debug/partner-center"

echo "== Rust tests (SQLite${PC_TEST_POSTGRES_URL:+ and PostgreSQL}; the proof suite runs below)"
cargo test --locked --workspace -- --skip proof_

# The container image (docs/deploy.md): built where a container tool works; elsewhere
# crates/server/tests/deploy.rs (above) checks the Dockerfile against the code.
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  echo "== container image (docker build)"
  docker build -q -t partner-center:test .
else
  echo "== container image: no working container tool here; tests/deploy.rs checked the Dockerfile instead"
fi

echo "== official SDK tests (huaweicloudsdkbss)"
bash tests/sdk/run.sh

echo "== browser tests (Chromium)"
bash tests/browser/run.sh

echo "== proof suite, fast mode (docs/reliability.md)"
bash scripts/proof.sh

echo "== all suites passed"
