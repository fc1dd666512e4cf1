#!/usr/bin/env bash
# Consumption at scale (the bills benchmark): consumption records over the 12 billing months
# before this one, 10,000 customers, 200 partners; timed month close (`jobs run bill-close`) and
# list_sub_customer_bill_detail pages, with the peak memory of the process that did the work.
#
#   bash bench/consumption.sh [sqlite|postgres|all]      (default: all)
#
# Environment: BENCH_RECORDS (space-separated record counts, default "1000000 10000000": the
# memory must stay flat as records grow), BENCH_CUSTOMERS (10000), BENCH_PAGES (200 requests per
# page timed), BENCH_SKIP_BUILD=1 (use the existing release build), PC_BENCH_PG (admin URL,
# default postgres://postgres@127.0.0.1:5432/test). Prints one TSV table at the end.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
MODE=${1:-all}
RECORDS=${BENCH_RECORDS:-"1000000 10000000"}
CUSTOMERS=${BENCH_CUSTOMERS:-10000}
PAGES=${BENCH_PAGES:-200}
PG_URL=${PC_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}
PC="$REPO/target/release/partner-center"
WORK=$(mktemp -d /tmp/pc-bench-consumption.XXXXXX)
RESULTS="$WORK/results.tsv"
PIDS=()
PG_DBS=()

log() { printf '\033[1m[bench-consumption]\033[0m %s\n' "$*" >&2; }
die() { printf '[bench-consumption] ERROR: %s\n' "$*" >&2; exit 1; }
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for d in "${PG_DBS[@]:-}"; do [ -n "$d" ] && psql "$PG_URL" -qAt -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    (cd "$REPO" && cargo build --release -p partner-center) >&2
fi
[ -x "$PC" ] || die "no release build at $PC"
command -v sqlite3 >/dev/null || die "sqlite3 is needed (apt-get install -y sqlite3)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
pc() { "$PC" --database "$DB_URL" "$@"; }
sql() { if [ "$ENGINE" = sqlite ]; then sqlite3 -bail "$SQLITE_FILE" >/dev/null; else psql "$DB_URL" -q -v ON_ERROR_STOP=1 >/dev/null; fi; }
sql_value() { if [ "$ENGINE" = sqlite ]; then sqlite3 "$SQLITE_FILE" "$1"; else psql "$DB_URL" -qAt -c "$1"; fi; }

# Runs a command; prints "SECONDS MAX_RSS_KB" of it (its own process tree's peak resident memory).
timed() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.time()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
el = time.time() - t
if r.returncode != 0:
    sys.exit(r.returncode)
print("%.2f %d" % (el, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}

# Times PAGES signed GETs of PATH (one signature, replayed: no nonce); prints "P50_MS P99_MS".
time_pages() {
    local path=$1
    python3 "$BENCH/sign.py" --ak "$AK" --sk "$SK" --domain-id "$DOM" --host "127.0.0.1:$PORT" \
        --method GET --path "$path" --body '' >"$WORK/hdr.txt"
    python3 - "$PORT" "$path" "$WORK/hdr.txt" "$PAGES" <<'PY'
import http.client, sys, time
port, path, hdr, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
headers = dict(l.rstrip("\n").split(": ", 1) for l in open(hdr) if ": " in l)
c = http.client.HTTPConnection("127.0.0.1", port)
ts = []
for _ in range(n):
    t = time.perf_counter()
    c.request("GET", path, headers=headers)
    r = c.getresponse(); body = r.read()
    ts.append((time.perf_counter() - t) * 1000)
    if r.status != 200:
        sys.exit("HTTP %d: %s" % (r.status, body[:300]))
ts.sort()
print("%.2f %.2f" % (ts[len(ts) // 2], ts[min(len(ts) - 1, int(len(ts) * 0.99))]))
PY
}

bench_engine() {
    ENGINE=$1
    local n=$2
    log "=== $ENGINE, $n records ==="
    if [ "$ENGINE" = sqlite ]; then
        mkdir -p "$WORK/$ENGINE-$n"
        SQLITE_FILE="$WORK/$ENGINE-$n/pc.db"
        DB_URL="sqlite://$SQLITE_FILE"
    else
        local db="bench_$(python3 -c 'import os; print(os.urandom(4).hex())')"
        psql "$PG_URL" -qAt -c "CREATE DATABASE $db" >/dev/null
        PG_DBS+=("$db")
        DB_URL="${PG_URL%/*}/$db"
    fi
    pc migrate >&2
    local p
    p=$(pc admin create-partner --name "bench-bills" --type distributor --json)
    PID_=$(echo "$p" | json_field partner_id)
    AK=$(echo "$p" | json_field access_key)
    SK=$(echo "$p" | json_field secret_key)
    DOM=$(echo "$p" | json_field domain_id)
    python3 "$BENCH/seed.py" --partner "$PID_" --root "$PID_" --count "$CUSTOMERS" --ids-out "$WORK/ids.txt" | sql
    local t0 t1
    t0=$(date +%s.%N)
    python3 "$BENCH/seed_consumption.py" --engine "$ENGINE" --partner "$PID_" --count "$n" | sql
    t1=$(date +%s.%N)
    if [ "$ENGINE" = postgres ]; then psql "$DB_URL" -q -c "VACUUM ANALYZE" >/dev/null; fi
    local stored
    stored=$(sql_value "SELECT COUNT(*) FROM consumption_records")
    log "$ENGINE: $stored records loaded in $(python3 -c "print(round($t1 - $t0, 1))") s"
    # The month close: 12 months, each an INSERT … SELECT … GROUP BY in the database.
    local close
    close=$(timed "$PC" --database "$DB_URL" jobs run bill-close --json)
    local lines
    lines=$(sql_value "SELECT COUNT(*) FROM monthly_bills")
    log "$ENGINE: closed 12 months into $lines bill lines: $close (seconds, peak KB of the CLI)"
    # Bill detail pages: one of the distributor's customers (position 0: charged as its own).
    local cust cycle
    cust=$(head -1 "$WORK/ids.txt")
    cust=$(sql_value "SELECT customer_id FROM consumption_records WHERE partner_id = '$PID_' LIMIT 1")
    cycle=$(sql_value "SELECT MAX(bill_cycle) FROM consumption_records")
    PORT=$(free_port)
    "$PC" --database "$DB_URL" serve --listen "127.0.0.1:$PORT" >"$WORK/server-$ENGINE-$n.log" 2>&1 &
    local spid=$!
    PIDS+=("$spid")
    for _ in $(seq 1 200); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break; sleep 0.05; done
    local first deep rss
    first=$(time_pages "/v2/bills/subcustomer-bills/res-fee-records?bill_cycle=$cycle&customer_id=$cust&offset=0&limit=100")
    deep=$(time_pages "/v2/bills/subcustomer-bills/res-fee-records?bill_cycle=$cycle&customer_id=$cust&offset=60&limit=10&service_type_code=hws.service.type.ec2")
    rss=$(ps -o rss= -p "$spid" | tr -d ' ')
    kill "$spid"; wait "$spid" 2>/dev/null || true
    local per_customer
    per_customer=$(sql_value "SELECT COUNT(*) FROM consumption_records WHERE customer_id = '$cust' AND bill_cycle = '$cycle'")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ENGINE" "$n" "$(echo "$close" | cut -d' ' -f1)" "$(echo "$close" | cut -d' ' -f2)" \
        "$per_customer" "$first" "$deep" "$rss" >>"$RESULTS"
    if [ "$ENGINE" = sqlite ]; then rm -rf "$WORK/$ENGINE-$n"; fi
}

printf 'engine\trecords\tclose_s\tclose_peak_kb\tcustomer_month_records\tpage1_p50_p99_ms\tfiltered_page_p50_p99_ms\tserver_rss_kb\n' >"$RESULTS"
log "work dir $WORK; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $RECORDS; do
    case "$MODE" in
    sqlite) bench_engine sqlite "$n" ;;
    postgres) bench_engine postgres "$n" ;;
    all) bench_engine sqlite "$n"; bench_engine postgres "$n" ;;
    *) die "mode must be sqlite, postgres or all" ;;
    esac
done
log "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
column -t -s $'\t' "$RESULTS"
