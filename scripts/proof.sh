#!/usr/bin/env bash
# The proof suite: crashes, the bank test, several instances, single-use races, the tenant matrix,
# the model-based test, signatures and sessions, fuzzing — on SQLite and (with PC_TEST_POSTGRES_URL)
# PostgreSQL. Prints one table: scenario, engine, operations, failures, seconds.
#
#   scripts/proof.sh                 CI's fast subset (debug build)
#   scripts/proof.sh --long          the long mode (release build; tens of minutes)
#   scripts/proof.sh --only bank     one scenario (crash, bank, instances, races, tenants, model,
#                                    auth, fuzz-forms, fuzz-api; a prefix selects several)
#
# What each scenario proves, the long-mode figures and the fault each was seen to catch:
# docs/reliability.md.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

long=0
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --long) long=1 ;;
    --only) only="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "proof.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "${PC_TEST_POSTGRES_URL:-}" ]; then
  echo "!!! PC_TEST_POSTGRES_URL is not set: the proof suite runs on SQLite only !!!"
fi

# PostgreSQL databases the Rust tests create are named pc_test_<run>_… (store/testing.rs) and
# dropped when the run passes; a failed run keeps them for inspection.
if [ -n "${PC_TEST_POSTGRES_URL:-}" ] && [ -z "${PC_TEST_DB_RUN:-}" ]; then
  PC_TEST_DB_RUN="r$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
  export PC_TEST_DB_RUN
  trap 'rc=$?; if [ $rc = 0 ]; then bash "$repo/scripts/drop-test-dbs.sh" "$PC_TEST_DB_RUN" || true; else echo "kept the test databases pc_test_${PC_TEST_DB_RUN}_* for inspection"; fi' EXIT
fi

profile=()
bin="$repo/target/debug/partner-center"
if [ "$long" = 1 ]; then
  export PC_PROOF_LONG=1
  profile=(--release)
  bin="$repo/target/release/partner-center"
fi

# Each scenario: its name, and the command that runs it (it prints `PROOF<TAB>…` lines).
scenarios=(
  "crash|cargo test --locked ${profile[*]} -p partner-center --test proof_crash"
  "bank|cargo test --locked ${profile[*]} -p partner-center --test proof_bank"
  "races|cargo test --locked ${profile[*]} -p partner-center --test proof_races"
  "tenants|cargo test --locked ${profile[*]} -p partner-center --test proof_tenants"
  "auth|cargo test --locked ${profile[*]} -p partner-center --test proof_auth"
  "fuzz-forms|cargo test --locked ${profile[*]} -p partner-center --test proof_forms"
  "model|cargo test --locked ${profile[*]} -p pc-app --test proof_model"
  "fuzz-api|env PC_BIN=$bin bash tests/fuzz/run.sh"
)

echo "== building"
cargo build --locked "${profile[@]}" -p partner-center

log_dir="$(mktemp -d "${TMPDIR:-/tmp}/pc-proof.XXXXXX")"
results="$log_dir/results.tsv"
: >"$results"
failed=()
for entry in "${scenarios[@]}"; do
  name="${entry%%|*}"
  cmd="${entry#*|}"
  # `--only bank` also runs `instances`, which lives in the bank test's binary.
  if [ -n "$only" ] && [[ "$name" != "$only"* ]] && ! { [ "$only" = instances ] && [ "$name" = bank ]; }; then
    continue
  fi
  echo "== $name"
  case "$cmd" in
    cargo*) cmd="$cmd -- --nocapture --test-threads=1" ;;
  esac
  start=$(date +%s)
  if ! $cmd >"$log_dir/$name.log" 2>&1; then
    failed+=("$name")
    tail -n 40 "$log_dir/$name.log"
  fi
  grep -a -o $'PROOF\t.*' "$log_dir/$name.log" | cut -f2- >>"$results" || true
  echo "   $(($(date +%s) - start)) s, log: $log_dir/$name.log"
done

echo
printf '%-12s %-9s %12s %9s %9s  %s\n' scenario engine operations failures seconds detail
while IFS=$'\t' read -r sc eng ops fails secs detail; do
  printf '%-12s %-9s %12s %9s %9s  %s\n' "$sc" "$eng" "$ops" "$fails" "$secs" "$detail"
done <"$results"

if [ "${#failed[@]}" -gt 0 ]; then
  echo
  echo "proof suite FAILED: ${failed[*]} (logs in $log_dir)"
  exit 1
fi
echo
echo "proof suite passed"
