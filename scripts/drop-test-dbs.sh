#!/usr/bin/env bash
# Drops the PostgreSQL databases one test run created: `pc_test_<run>_…` on the server of
# PC_TEST_POSTGRES_URL (crates/app/src/store/testing.rs names them so when PC_TEST_DB_RUN is set).
#   scripts/drop-test-dbs.sh RUN
# scripts/test.sh and scripts/proof.sh call it when a run passes; a failed run keeps its databases
# for inspection (drop them later with this script).
set -euo pipefail
run="${1:?usage: drop-test-dbs.sh RUN}"
[[ "$run" =~ ^[a-z0-9]+$ ]] || { echo "drop-test-dbs.sh: RUN must be [a-z0-9]+" >&2; exit 2; }
url="${PC_TEST_POSTGRES_URL:?PC_TEST_POSTGRES_URL is not set}"
if ! command -v psql >/dev/null; then
  echo "drop-test-dbs.sh: psql not found; the run's databases (pc_test_${run}_*) are left" >&2
  exit 0
fi
n=0
for db in $(psql "$url" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'pc\\_test\\_${run}\\_%'"); do
  psql "$url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" && n=$((n + 1))
done
echo "dropped $n test database(s) of run $run"
