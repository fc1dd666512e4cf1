#!/usr/bin/env bash
# Pay-per-use import at scale (budget P4: batch lines per second, durable): BENCH_LINES usage
# lines (default 1,000,000) for 10,000 customers imported with `partner-center usage import`,
# then the same file again (every line a duplicate: nothing changes), timed, with the CLI's peak
# memory and CPU time (on SQLite all of the import's work; on PostgreSQL the server's is not
# counted); `verify` after.
#
#   bash bench/usage_import.sh [sqlite|postgres|all]     (default: all)
#
# BENCH_SKIP_BUILD=1 uses the existing release build; PC_BENCH_PG is the PostgreSQL admin URL.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
MODE=${1:-all}
LINES=${BENCH_LINES:-1000000}
CUSTOMERS=${BENCH_CUSTOMERS:-10000}
PG_URL=${PC_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}
PC="$REPO/target/release/partner-center"
WORK=$(mktemp -d /tmp/pc-bench-usage.XXXXXX)
PG_DBS=()
log() { printf '\033[1m[bench-usage]\033[0m %s\n' "$*" >&2; }
die() { printf '[bench-usage] ERROR: %s\n' "$*" >&2; exit 1; }
cleanup() { for d in "${PG_DBS[@]:-}"; do [ -n "$d" ] && psql "$PG_URL" -qAt -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then (cd "$REPO" && cargo build --release -p partner-center) >&2; fi
[ -x "$PC" ] || die "no release build at $PC"
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
timed() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.time()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
el = time.time() - t
if r.returncode != 0:
    sys.exit(r.stderr[-2000:])
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f %d %.2f %s" % (el, ru.ru_maxrss, ru.ru_utime + ru.ru_stime, r.stdout.strip().replace(" ", "")))
PY
}

printf 'engine\tlines\tfirst_s\tfirst_lines_per_s\tfirst_cli_cpu_s\tfirst_peak_kb\tagain_s\tagain_peak_kb\tsummary\n' >"$WORK/results.tsv"
run() {
    local engine=$1 url
    if [ "$engine" = sqlite ]; then url="sqlite://$WORK/pc-sqlite.db"; else
        local db="bench_$(python3 -c 'import os; print(os.urandom(4).hex())')"
        psql "$PG_URL" -qAt -c "CREATE DATABASE $db" >/dev/null; PG_DBS+=("$db"); url="${PG_URL%/*}/$db"
    fi
    "$PC" --database "$url" migrate >&2
    local p pid
    p=$("$PC" --database "$url" admin create-partner --name bench-usage --type distributor --json)
    pid=$(echo "$p" | json_field partner_id)
    if [ "$engine" = sqlite ]; then
        python3 "$BENCH/seed.py" --partner "$pid" --root "$pid" --count "$CUSTOMERS" --ids-out "$WORK/ids.txt" | sqlite3 -bail "$WORK/pc-sqlite.db" >/dev/null
    else
        python3 "$BENCH/seed.py" --partner "$pid" --root "$pid" --count "$CUSTOMERS" --ids-out "$WORK/ids.txt" | psql "$url" -q -v ON_ERROR_STOP=1 >/dev/null
        # Statistics of the seeded tables, as autovacuum would gather on a live database: without
        # them PostgreSQL plans the batch's association lookup as a scan of every association
        # (0.3 s a batch).
        psql "$url" -q -c ANALYZE >/dev/null
    fi
    # One line per customer-resource-hour, ending an hour ago and earlier (UTC).
    python3 - "$WORK/ids.txt" "$LINES" "$WORK/usage.csv" <<'PY'
import sys, time, datetime as dt
ids = [l.strip() for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
end0 = int(time.time()) // 3600 * 3600 - 3600
fmt = lambda s: dt.datetime.fromtimestamp(s, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
with open(sys.argv[3], "w") as f:
    f.write("usage_id,customer_id,resource_id,product_id,usage,begin_time,end_time\n")
    for i in range(n):
        c = ids[i % len(ids)]
        e = end0 - (i // len(ids)) * 3600
        f.write("u%d,%s,vm-%s,ecs-s6-small-1-linux,1,%s,%s\n" % (i, c, c, fmt(e - 3600), fmt(e)))
PY
    log "$engine: importing $LINES lines"
    local first again
    first=$(timed "$PC" --database "$url" usage import "$WORK/usage.csv" --json)
    log "$engine: first import: $first"
    again=$(timed "$PC" --database "$url" usage import "$WORK/usage.csv" --json)
    log "$engine: again: $again"
    "$PC" --database "$url" verify >/dev/null || die "$engine: verify fails after the import"
    local s1 k1 c1 s2 k2
    read -r s1 k1 c1 _ <<<"$first"; read -r s2 k2 _ <<<"$again"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$engine" "$LINES" "$s1" "$(python3 -c "print(int($LINES / $s1))")" "$c1" "$k1" "$s2" "$k2" \
        "$(echo "$first" | cut -d' ' -f4)" >>"$WORK/results.tsv"
}
log "load: $(cut -d' ' -f1-3 /proc/loadavg)"
case "$MODE" in sqlite) run sqlite ;; postgres) run postgres ;; all) run sqlite; run postgres ;; *) die "mode?" ;; esac
log "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
column -t -s $'\t' "$WORK/results.tsv"
