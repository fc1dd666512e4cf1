#!/usr/bin/env bash
# Partner Center benchmarks (the budgets P1–P3 of bench/README.md; server on cpu0, wrk on cpu1).
#
#   bash bench/run.sh [sqlite|postgres|all]        (default: all)
#
# For each engine: a fresh database, migrated; one distributor with BENCH_CUSTOMERS customers
# (P1 and P3) and BENCH_P2_PARTNERS more distributors with BENCH_P2_CUSTOMERS customers each (P2),
# all credited. The server runs pinned to cpu0, wrk to cpu1 (`wrk -t1 -c64 -d10s --latency`).
# Scenarios, each a short unmeasured warm-up then the measured run:
#   H   bench-baseline GET /                       bare axum "Hello, World!" (the ratio's base)
#   H+lua  the same with the status-counting wrk script (shows the load generator's own cost)
#   P1  POST /v2/partners/sub-customers/query       signed, tenant-checked read (list_sub_customers)
#       for the partner with BENCH_CUSTOMERS customers
#   P1small  the same read for a partner with BENCH_P2_CUSTOMERS customers
#   P2  POST /v2/accounts/partner-accounts/adjust-amount   durable ledger transfer, spread over
#       BENCH_P2_PARTNERS partner accounts and all their customers
#   P3  the same write, every debit from ONE partner account (hot account)
#   O1k, O1M  GET /v2/orders/customer-orders?limit=10&offset=0   signed list_customer_orders, first
#       page, for a distributor with BENCH_ORDERS_SMALL (1,000) orders and one with BENCH_ORDERS
#       (1,000,000): the list must cost the same whatever the tenant's size
# Requests are signed once (bench/sign.py) and replayed: the protocol has no nonce. Writes carry a
# fresh X-Idempotency-Key each (unsigned), so the idempotency row is part of the write
# (BENCH_IDEMPOTENCY=0 leaves it out). Every response is counted by status; any non-2xx makes the
# run INVALID. After each write scenario `partner-center verify` must pass, and the transfers the
# database holds must cover every acknowledged (2xx) write.
#
# Environment (all optional):
#   BENCH_DURATION=10s  BENCH_WARMUP=2s  BENCH_CONNECTIONS=64  BENCH_CUSTOMERS=10000
#   BENCH_TIMEOUT=10s   (wrk --timeout: a request slower than this counts as a socket error)
#   BENCH_P2_PARTNERS=16  BENCH_P2_CUSTOMERS=256  BENCH_IDEMPOTENCY=1
#   BENCH_ORDERS=1000000  BENCH_ORDERS_SMALL=1000
#   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/test   (server to create bench_<random> on)
#   BENCH_SKIP_BUILD=1  (reuse target/release)   BENCH_KEEP=1 (keep temp dir and PG databases)
#   BENCH_WAIT_QUIET=SECONDS  wait up to that long before each run for other work to stop
#   BENCH_NICE=-20      priority of the server, the baseline, wrk and our PostgreSQL backends
#                       (needs root; "" to leave priorities alone). On a shared machine this keeps
#                       other work (builds, tests) from taking the benchmark's cores.
#   BENCH_PG_PIN=1      pin the PostgreSQL backends serving the bench database to the server's
#                       core (the system under test gets one core, as with SQLite); 0 leaves
#                       them free to run on both cores (wrk's too)
#   BENCH_PERF=1        profile the server with `perf record -g` during each run (costs some
#                       throughput; profiles land in the kept temp dir)
#   BENCH_PERF_CALLGRAPH=fp  call chains by frame pointers (cheap; the release build has none, so
#                       Rust chains are cut short) or `dwarf` (full chains from the unwind tables)
#   RUST_LOG            (passed to the server; default: its own, one info line per request)
# Exit status: 0 when every run was valid and every ledger check held (budgets may still be
# missed: the table says which); 1 otherwise.
set -euo pipefail

MODE=${1:-all}
case "$MODE" in sqlite | postgres | all) ;; *)
    echo "usage: bash bench/run.sh [sqlite|postgres|all]" >&2
    exit 2
    ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
CONNS=${BENCH_CONNECTIONS:-64}
TIMEOUT=${BENCH_TIMEOUT:-10s}
CUSTOMERS=${BENCH_CUSTOMERS:-10000}
P2_PARTNERS=${BENCH_P2_PARTNERS:-16}
P2_CUSTOMERS=${BENCH_P2_CUSTOMERS:-256}
IDEM=${BENCH_IDEMPOTENCY:-1}
ORDERS=${BENCH_ORDERS:-1000000}
ORDERS_SMALL=${BENCH_ORDERS_SMALL:-1000}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
SERVER_CPU=0
case "${BENCH_PERF_CALLGRAPH:-fp}" in
fp) PERF_CG="-g" ;;
dwarf) PERF_CG="--call-graph dwarf,16384" ;;
*) echo "BENCH_PERF_CALLGRAPH must be fp or dwarf" >&2; exit 2 ;;
esac
WRK_CPU=1
NICE=${BENCH_NICE--20}
PG_PIN=${BENCH_PG_PIN:-1}
PG_DB=""
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PC="$TARGET_DIR/release/partner-center"
BASE="$TARGET_DIR/release/bench-baseline"

WORK=$(mktemp -d /tmp/pc-bench.XXXXXX)
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
PIDS=()
PG_DBS=()
FAILED=0

log() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }
die() {
    printf '[bench] ERROR: %s\n' "$*" >&2
    exit 1
}

# The command prefix that runs a benchmarked process at BENCH_NICE priority (an array, not a
# function: `$!` of a backgrounded function would be a subshell's pid, not the server's).
PRIO=()
if [ -n "$NICE" ] && [ "$(id -u)" = 0 ]; then PRIO=(nice -n "$NICE"); fi
AUTOGROUP_SAVED=""

# PostgreSQL backends serving the bench database: pin to the server's core and raise their
# priority, like the server's own process (they are the engine's half of the system under test).
pg_backends_tune() {
    [ "${ENGINE:-}" = postgres ] && [ -n "$PG_DB" ] || return 0
    local pids
    pids=$(psql "$PG_URL" -qAt -c "SELECT pid FROM pg_stat_activity WHERE datname = '$PG_DB'" 2>/dev/null || true)
    for p in $pids; do
        [ "$PG_PIN" = 1 ] && taskset -pc $SERVER_CPU "$p" >/dev/null 2>&1 || true
        if [ -n "$NICE" ] && [ "$(id -u)" = 0 ]; then renice -n "$NICE" -p "$p" >/dev/null 2>&1 || true; fi
    done
}

cleanup() {
    local rc=$?
    if [ -n "$AUTOGROUP_SAVED" ]; then echo "$AUTOGROUP_SAVED" >/proc/$$/autogroup 2>/dev/null || true; fi
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "${BENCH_KEEP:-0}" != 1 ]; then
        for db in "${PG_DBS[@]}"; do
            psql "$PG_URL" -qAt -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
        done
        if [ "$rc" = 0 ] && [ "$FAILED" = 0 ] && [ "${BENCH_PERF:-0}" != 1 ]; then
            rm -rf "$WORK"
        else
            echo "[bench] kept $WORK (logs, scripts, wrk output) for inspection" >&2
        fi
    else
        echo "[bench] kept $WORK and PostgreSQL databases: ${PG_DBS[*]:-none}" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# With autogroup scheduling (Linux's default for desktop/server kernels), nice only ranks processes
# inside one session's group; other sessions' builds share the CPU group against group. So the
# group of this session is raised too for the duration of the run, and restored at exit.
if [ -n "$NICE" ] && [ "$(id -u)" = 0 ] && [ -w /proc/self/autogroup ] &&
    [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ]; then
    AUTOGROUP_SAVED=$(sed -n 's/.* nice \(-\?[0-9]*\)$/\1/p' /proc/self/autogroup)
    echo "$NICE" >/proc/$$/autogroup 2>/dev/null || AUTOGROUP_SAVED=""
fi

# ---------------------------------------------------------------------------------------------
# Tools, build, self-tests

if ! command -v wrk >/dev/null; then
    log "installing wrk (Debian package)"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
for t in taskset curl python3 wrk; do command -v $t >/dev/null || die "$t is required"; done
if [ "$MODE" != postgres ]; then command -v sqlite3 >/dev/null || die "sqlite3 is required"; fi
if [ "$MODE" != sqlite ]; then command -v psql >/dev/null || die "psql is required"; fi
[ "$(nproc --all)" -ge 2 ] || die "needs 2 CPUs (server on cpu$SERVER_CPU, wrk on cpu$WRK_CPU)"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building (release): partner-center, bench-baseline"
    (cd "$ROOT" && cargo build --release -p partner-center -p pc-bench-baseline)
fi
[ -x "$PC" ] && [ -x "$BASE" ] || die "missing $PC or $BASE (build first)"
python3 "$BENCH/sign.py" --self-test >&2 || die "sign.py does not match the spec's test vectors"

PC_MASTER_KEY=$(python3 -c 'import os; print(os.urandom(32).hex())')
export PC_MASTER_KEY

# ---------------------------------------------------------------------------------------------
# Helpers

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() { # URL: wait until it answers (10 s)
    for _ in $(seq 1 200); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

cpu_ticks() { # PID...: user+system clock ticks used so far by these processes (and reaped children)
    python3 - "$@" <<'EOF'
import sys
t = 0
for pid in sys.argv[1:]:
    try:
        f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        t += int(f[11]) + int(f[12])
    except (OSError, IndexError, ValueError):
        pass
print(t)
EOF
}

# PostgreSQL processes doing the bench's work: the backends of the bench database and the
# shared WAL writer, checkpointer and background writer (other databases' backends are not ours).
pg_pids() {
    [ "${ENGINE:-}" = postgres ] && [ -n "$PG_DB" ] || return 0
    psql "$PG_URL" -qAt -c "SELECT pid FROM pg_stat_activity WHERE datname = '$PG_DB'
        OR backend_type IN ('walwriter', 'checkpointer', 'background writer')" 2>/dev/null | tr '\n' ' ' || true
}

# A wrk script for a request-free GET that only counts statuses (for H+lua).
cat >"$WORK/count.lua" <<'EOF'
ok, non2xx, s401, s4xx, s5xx, other = 0, 0, 0, 0, 0, 0
threads_list = {}
function setup(thread) table.insert(threads_list, thread) end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local o, n = 0, 0
  for _, th in ipairs(threads_list) do o = o + th:get("ok"); n = n + th:get("non2xx") end
  io.write(string.format("BENCH_STATUS ok=%d non2xx=%d s401=0 s4xx=0 s5xx=0 other=0\n", o, n))
end
EOF

cpu_busy() { # total busy clock ticks of the machine so far (all CPUs; idle and iowait excluded)
    awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat
}

# The machine's busy CPU (in cores) over one second.
background_load() {
    local b0 b1
    b0=$(cpu_busy)
    sleep 1
    b1=$(cpu_busy)
    python3 -c 'import sys,os; print("%.2f" % ((int(sys.argv[2]) - int(sys.argv[1])) / os.sysconf("SC_CLK_TCK")))' "$b0" "$b1"
}

# With BENCH_WAIT_QUIET=SECONDS, wait up to that long until other work on the machine (a build,
# a test run) uses less than 0.15 of a core: the rig needs both cores to itself.
wait_quiet() {
    local load waited=0 limit=${BENCH_WAIT_QUIET:-0}
    while :; do
        load=$(background_load)
        if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 0.15 else 1)' "$load"; then
            return 0
        fi
        if [ "$waited" -ge "$limit" ]; then
            log "WARNING: the machine is busy with other work ($load cores before this run): figures will be low and noisy"
            return 0
        fi
        [ "$waited" = 0 ] && log "waiting for the machine to be quiet (busy: $load cores; up to ${limit}s)"
        sleep 4
        waited=$((waited + 5))
    done
}

# run_wrk ENGINE SCENARIO URL [LUA]: warm-up + measured run; appends a line to $RESULTS.
# CPU is sampled for the server ($SERVER_PIDS), PostgreSQL's processes, wrk, and the whole
# machine; the rest is other work on the machine ("other"), which makes a run noisy.
run_wrk() {
    local engine=$1 name=$2 url=$3 lua=${4:-}
    local out="$WORK/wrk-$engine-$name.txt" warm="$WORK/wrk-$engine-$name-warmup.txt"
    local tag
    tag=$(python3 -c 'import os; print(os.urandom(4).hex())')
    wait_quiet
    log "$engine $name: warm-up $WARMUP"
    if [ -n "$lua" ]; then
        "${PRIO[@]}" taskset -c $WRK_CPU wrk -t1 -c"$CONNS" -d"$WARMUP" --timeout "$TIMEOUT" -s "$lua" "$url" -- "w$tag" >"$warm" 2>&1 || true
    else
        "${PRIO[@]}" taskset -c $WRK_CPU wrk -t1 -c"$CONNS" -d"$WARMUP" --timeout "$TIMEOUT" "$url" >"$warm" 2>&1 || true
    fi
    pg_backends_tune
    local t0 pg0 b0 wall0
    t0=$(cpu_ticks $SERVER_PIDS)
    pg0=$(cpu_ticks $(pg_pids))
    b0=$(cpu_busy)
    wall0=$(date +%s.%N)
    log "$engine $name: wrk -t1 -c$CONNS -d$DURATION --latency ${lua:+-s $(basename "$lua") }$url"
    local perf_pid=""
    if [ "${BENCH_PERF:-0}" = 1 ] && [ "$name" != H+lua ]; then
        # sample the server (call graphs) during the measured run; perf itself runs on wrk's core
        taskset -c $WRK_CPU perf record -q -F 499 $PERF_CG -o "$WORK/perf-$engine-$name.data" \
            -p "$(echo $SERVER_PIDS | tr ' ' ,)" -- sleep "${DURATION%s}" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    (
        if [ -n "$lua" ]; then
            "${PRIO[@]}" taskset -c $WRK_CPU wrk -t1 -c"$CONNS" -d"$DURATION" --timeout "$TIMEOUT" --latency -s "$lua" "$url" -- "r$tag" >"$out" 2>&1 || true
        else
            "${PRIO[@]}" taskset -c $WRK_CPU wrk -t1 -c"$CONNS" -d"$DURATION" --timeout "$TIMEOUT" --latency "$url" >"$out" 2>&1 || true
        fi
        times >"$WORK/times.txt"
    )
    # Sampled as the run ends, before the profile is written (perf report takes seconds).
    local t1 pg1 b1 wall1
    t1=$(cpu_ticks $SERVER_PIDS)
    pg1=$(cpu_ticks $(pg_pids))
    b1=$(cpu_busy)
    wall1=$(date +%s.%N)
    if [ -n "$perf_pid" ]; then
        wait "$perf_pid" 2>/dev/null || true
        perf report -i "$WORK/perf-$engine-$name.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
            grep -v '^$' | head -120 >"$WORK/perf-$engine-$name.txt" || true
        log "  perf profile: $WORK/perf-$engine-$name.txt"
    fi
    python3 "$BENCH/wrkparse.py" "$engine" "$name" "$out" "$warm" "$t0" "$t1" "$pg0" "$pg1" "$wall0" "$wall1" \
        "$(getconf CLK_TCK)" "$b0" "$b1" "$WORK/times.txt" >>"$RESULTS"
    local line
    line=$(tail -1 "$RESULTS")
    log "  → $(echo "$line" | awk -F'\t' '{printf "%s req/s, p50 %s ms, p99 %s ms; CPU cores: server %s (%s us/req), PG %s, wrk %s, other %s; %s", $3, $4, $5, $6, $8, $7, $12, $13, $11}')"
    if [ "$(echo "$line" | cut -f11)" != ok ]; then FAILED=1; fi
}

# fdatasync latency of 4 KiB where the SQLite file lives: durable writes wait on it (group commit
# amortises it over a batch). It varies with other disk traffic on the machine.
fsync_probe() { # LABEL
    python3 - "$WORK" "$1" >>"$WORK/env.txt" <<'PY'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
lat = []
for i in range(200):
    os.pwrite(fd, b"x" * 4096, (i % 16) * 4096)
    t = time.perf_counter()
    os.fdatasync(fd)
    lat.append((time.perf_counter() - t) * 1e6)
os.close(fd)
os.unlink(path)
lat.sort()
print("fdatasync of 4 KiB (%s): p50 %.0f us, p99 %.0f us" % (sys.argv[2], lat[100], lat[198]))
PY
    log "$(tail -1 "$WORK/env.txt")"
}

sql() { # run SQL from stdin against the engine's database
    if [ "$ENGINE" = sqlite ]; then sqlite3 -bail "$SQLITE_FILE" >/dev/null; else psql "$DB_URL" -q -v ON_ERROR_STOP=1 >/dev/null; fi
}
sql_value() { # SQL → one value
    if [ "$ENGINE" = sqlite ]; then sqlite3 "$SQLITE_FILE" "$1"; else psql "$DB_URL" -qAt -c "$1"; fi
}

pc() { "$PC" --database "$DB_URL" "$@"; }

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

check_ledger() { # ENGINE SCENARIO ACKED_WRITES TRANSFERS_BEFORE
    local engine=$1 name=$2 acked=$3 before=$4 after verify_out
    after=$(sql_value "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'allocate_customer'")
    local made=$((after - before))
    if verify_out=$(pc verify 2>&1); then
        log "$engine $name: partner-center verify OK ($(echo "$verify_out" | grep -m1 '^checked' || true))"
        echo -e "$engine\t$name\tverify\tok" >>"$WORK/checks.tsv"
    else
        log "$engine $name: partner-center verify FAILED:"
        echo "$verify_out" | tail -20 >&2
        echo -e "$engine\t$name\tverify\tFAILED" >>"$WORK/checks.tsv"
        FAILED=1
    fi
    # wrk stops (warm-up, then run) with up to $CONNS requests in flight each time: the server may
    # commit those without wrk counting the answer.
    if [ "$made" -ge "$acked" ] && [ "$made" -le $((acked + 2 * CONNS)) ]; then
        log "$engine $name: $acked acknowledged writes, $made transfers stored (≥ acked, ≤ acked + 2×$CONNS in flight): OK"
        echo -e "$engine\t$name\tacked-vs-stored\tok ($acked acked, $made stored)" >>"$WORK/checks.tsv"
    else
        log "$engine $name: $acked acknowledged writes but $made transfers stored: MISMATCH"
        echo -e "$engine\t$name\tacked-vs-stored\tFAILED ($acked acked, $made stored)" >>"$WORK/checks.tsv"
        FAILED=1
    fi
}

signed_check() { # AK SK DOMAIN PATH BODY: one signed request with curl; prints the status
    local ak=$1 sk=$2 dom=$3 path=$4 body=$5
    python3 "$BENCH/sign.py" --ak "$ak" --sk "$sk" --domain-id "$dom" --host "127.0.0.1:$PORT" \
        --method POST --path "$path" --body "$body" >"$WORK/hdr.txt"
    curl -sS -o "$WORK/check-body.txt" -w '%{http_code}' -H @"$WORK/hdr.txt" \
        --data-binary "$body" "http://127.0.0.1:$PORT$path"
}

# ---------------------------------------------------------------------------------------------
# One engine

bench_engine() {
    ENGINE=$1
    log "=== $ENGINE ==="
    if [ "$ENGINE" = sqlite ]; then
        mkdir -p "$WORK/sqlite"
        SQLITE_FILE="$WORK/sqlite/pc.db"
        DB_URL="sqlite://$SQLITE_FILE"
    else
        local db="bench_$(python3 -c 'import os; print(os.urandom(4).hex())')"
        psql "$PG_URL" -qAt -c "CREATE DATABASE $db" >/dev/null || die "cannot create $db on $PG_URL"
        PG_DBS+=("$db")
        PG_DB=$db
        DB_URL="${PG_URL%/*}/$db"
    fi
    pc migrate >&2

    log "$ENGINE: creating partners (CLI) and seeding customers (SQL)"
    local hot
    hot=$(pc admin create-partner --name "bench-hot" --type distributor --json)
    HOT_ID=$(echo "$hot" | json_field partner_id)
    HOT_AK=$(echo "$hot" | json_field access_key)
    HOT_SK=$(echo "$hot" | json_field secret_key)
    HOT_DOM=$(echo "$hot" | json_field domain_id)
    python3 "$BENCH/seed.py" --partner "$HOT_ID" --root "$HOT_ID" --count "$CUSTOMERS" \
        --ids-out "$WORK/$ENGINE-hot-ids.txt" | sql
    pc admin credit-partner "$HOT_ID" 100000000.00 >/dev/null
    # P3: every write debits the hot partner, credits one of its customers (round-robin).
    awk -v ak="$HOT_AK" -v sk="$HOT_SK" -v d="$HOT_DOM" \
        '{printf "%s\t%s\t%s\t{\"customer_id\": \"%s\", \"amount\": 0.01}\n", ak, sk, d, $1}' \
        "$WORK/$ENGINE-hot-ids.txt" >"$WORK/$ENGINE-p3.tsv"
    # P1: the first page of the hot partner's customers.
    printf '%s\t%s\t%s\t%s\n' "$HOT_AK" "$HOT_SK" "$HOT_DOM" '{"limit": 10, "offset": 0}' >"$WORK/$ENGINE-p1.tsv"

    # P2: P2_PARTNERS partners, P2_CUSTOMERS customers each; requests interleave the partners.
    : >"$WORK/$ENGINE-p2-by-partner.tsv"
    for i in $(seq 1 "$P2_PARTNERS"); do
        local p pid
        p=$(pc admin create-partner --name "bench-p2-$i" --type distributor --json)
        pid=$(echo "$p" | json_field partner_id)
        python3 "$BENCH/seed.py" --partner "$pid" --root "$pid" --count "$P2_CUSTOMERS" \
            --ids-out "$WORK/$ENGINE-p2-$i-ids.txt" | sql
        pc admin credit-partner "$pid" 100000000.00 >/dev/null
        local ak sk dom
        ak=$(echo "$p" | json_field access_key)
        sk=$(echo "$p" | json_field secret_key)
        dom=$(echo "$p" | json_field domain_id)
        awk -v ak="$ak" -v sk="$sk" -v d="$dom" -v i="$i" \
            '{printf "%d\t%s\t%s\t%s\t{\"customer_id\": \"%s\", \"amount\": 0.01}\n", NR, ak, sk, d, $1}' \
            "$WORK/$ENGINE-p2-$i-ids.txt" >>"$WORK/$ENGINE-p2-by-partner.tsv"
    done
    sort -s -n -k1,1 "$WORK/$ENGINE-p2-by-partner.tsv" | cut -f2- >"$WORK/$ENGINE-p2.tsv"
    # P1small: the same read for a partner with only P2_CUSTOMERS customers (the first P2 partner),
    # which separates the per-request cost of the signed read path from the cost of the tenant size.
    head -1 "$WORK/$ENGINE-p2.tsv" | awk -F'\t' '{printf "%s\t%s\t%s\t{\"limit\": 10, \"offset\": 0}\n", $1, $2, $3}' \
        >"$WORK/$ENGINE-p1small.tsv"
    # O1M / O1k: orders for the hot partner (ORDERS) and the first P2 partner (ORDERS_SMALL).
    # BENCH_ORDERS=0 leaves them out.
    if [ "$ORDERS" -gt 0 ]; then
    local small_id
    small_id=$(sql_value "SELECT partner_id FROM associations WHERE customer_id = '$(head -1 "$WORK/$ENGINE-p2-1-ids.txt")'")
    log "$ENGINE: seeding $ORDERS orders for the hot partner and $ORDERS_SMALL for $small_id (SQL)"
    python3 "$BENCH/seed_orders.py" --engine "$ENGINE" --partner "$HOT_ID" --count "$ORDERS" | sql
    python3 "$BENCH/seed_orders.py" --engine "$ENGINE" --partner "$small_id" --count "$ORDERS_SMALL" | sql
    printf '%s\t%s\t%s\t\n' "$HOT_AK" "$HOT_SK" "$HOT_DOM" >"$WORK/$ENGINE-o1m.tsv"
    head -1 "$WORK/$ENGINE-p2.tsv" | awk -F'\t' '{printf "%s\t%s\t%s\t\n", $1, $2, $3}' >"$WORK/$ENGINE-o1k.tsv"
    fi
    if [ "$ENGINE" = postgres ]; then
        # bulk-loaded tables: give the planner the statistics (and the visibility map) that
        # autovacuum would have in a running deployment. SQLite gets nothing: the server never
        # runs ANALYZE there.
        psql "$DB_URL" -q -c "VACUUM ANALYZE" >/dev/null
    fi
    pc verify >/dev/null || die "$ENGINE: verify fails before any load (seed data?)"
    log "$ENGINE: $(sql_value 'SELECT COUNT(*) FROM customers') customers, $(sql_value 'SELECT COUNT(*) FROM partners') partners"

    # --- baseline
    PORT=$(free_port)
    "${PRIO[@]}" taskset -c $SERVER_CPU "$BASE" "127.0.0.1:$PORT" >"$WORK/baseline-$ENGINE.log" 2>&1 &
    local bpid=$!
    PIDS+=("$bpid")
    wait_http "http://127.0.0.1:$PORT/" || die "bench-baseline did not start"
    SERVER_PIDS=$bpid
    run_wrk "$ENGINE" H "http://127.0.0.1:$PORT/"
    run_wrk "$ENGINE" H+lua "http://127.0.0.1:$PORT/" "$WORK/count.lua"
    kill "$bpid"
    wait "$bpid" 2>/dev/null || true

    # --- the server
    PORT=$(free_port)
    "${PRIO[@]}" taskset -c $SERVER_CPU "$PC" --database "$DB_URL" serve --listen "127.0.0.1:$PORT" \
        >"$WORK/server-$ENGINE.log" 2>&1 &
    local spid=$!
    PIDS+=("$spid")
    wait_http "http://127.0.0.1:$PORT/healthz" || {
        tail -20 "$WORK/server-$ENGINE.log" >&2
        die "partner-center did not start"
    }
    SERVER_PIDS=$spid
    log "$ENGINE: server pid $spid on cpu$SERVER_CPU, port $PORT; tokio sees $(taskset -c $SERVER_CPU nproc) CPU"

    local code
    code=$(signed_check "$HOT_AK" "$HOT_SK" "$HOT_DOM" /v2/partners/sub-customers/query '{"limit": 10, "offset": 0}')
    [ "$code" = 200 ] || die "$ENGINE: a signed list_sub_customers answered $code: $(cat "$WORK/check-body.txt")"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["count"]==int(sys.argv[2]) and len(d["customer_infos"])==10, d' \
        "$WORK/check-body.txt" "$CUSTOMERS" || die "$ENGINE: unexpected list_sub_customers answer"

    local idem=()
    [ "$IDEM" = 1 ] && idem=(--idempotency-keys)

    # P1
    python3 "$BENCH/sign.py" --wrk-lua "$WORK/$ENGINE-p1.lua" --requests "$WORK/$ENGINE-p1.tsv" \
        --host "127.0.0.1:$PORT" --method POST --path /v2/partners/sub-customers/query
    run_wrk "$ENGINE" P1 "http://127.0.0.1:$PORT/v2/partners/sub-customers/query" "$WORK/$ENGINE-p1.lua"

    # P1small
    python3 "$BENCH/sign.py" --wrk-lua "$WORK/$ENGINE-p1small.lua" --requests "$WORK/$ENGINE-p1small.tsv" \
        --host "127.0.0.1:$PORT" --method POST --path /v2/partners/sub-customers/query
    run_wrk "$ENGINE" P1small "http://127.0.0.1:$PORT/v2/partners/sub-customers/query" "$WORK/$ENGINE-p1small.lua"

    # O1k and O1M: the first page of list_customer_orders, 1,000 orders against 1,000,000
    if [ "$ORDERS" -gt 0 ]; then
        local opath="/v2/orders/customer-orders?limit=10&offset=0"
        for o in o1k o1m; do
            python3 "$BENCH/sign.py" --wrk-lua "$WORK/$ENGINE-$o.lua" --requests "$WORK/$ENGINE-$o.tsv" \
                --host "127.0.0.1:$PORT" --method GET --path "$opath"
        done
        python3 "$BENCH/sign.py" --ak "$HOT_AK" --sk "$HOT_SK" --domain-id "$HOT_DOM" \
            --host "127.0.0.1:$PORT" --method GET --path "$opath" >"$WORK/hdr.txt"
        code=$(curl -sS -o "$WORK/check-body.txt" -w '%{http_code}' -H @"$WORK/hdr.txt" "http://127.0.0.1:$PORT$opath")
        [ "$code" = 200 ] || die "$ENGINE: a signed list_customer_orders answered $code: $(cat "$WORK/check-body.txt")"
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["total_count"]==int(sys.argv[2]) and len(d["order_infos"])==10, {k: d[k] for k in d if k != "order_infos"}' \
            "$WORK/check-body.txt" "$ORDERS" || die "$ENGINE: unexpected list_customer_orders answer"
        run_wrk "$ENGINE" O1k "http://127.0.0.1:$PORT$opath" "$WORK/$ENGINE-o1k.lua"
        run_wrk "$ENGINE" O1M "http://127.0.0.1:$PORT$opath" "$WORK/$ENGINE-o1m.lua"
    fi

    fsync_probe "$ENGINE, before P2"
    # P2 (spread)
    local before acked
    before=$(sql_value "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'allocate_customer'")
    python3 "$BENCH/sign.py" --wrk-lua "$WORK/$ENGINE-p2.lua" --requests "$WORK/$ENGINE-p2.tsv" \
        --host "127.0.0.1:$PORT" --method POST --path /v2/accounts/partner-accounts/adjust-amount "${idem[@]}"
    run_wrk "$ENGINE" P2 "http://127.0.0.1:$PORT/v2/accounts/partner-accounts/adjust-amount" "$WORK/$ENGINE-p2.lua"
    acked=$(tail -1 "$RESULTS" | cut -f10)
    check_ledger "$ENGINE" P2 "$acked" "$before"

    # P3 (hot account)
    before=$(sql_value "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'allocate_customer'")
    python3 "$BENCH/sign.py" --wrk-lua "$WORK/$ENGINE-p3.lua" --requests "$WORK/$ENGINE-p3.tsv" \
        --host "127.0.0.1:$PORT" --method POST --path /v2/accounts/partner-accounts/adjust-amount "${idem[@]}"
    run_wrk "$ENGINE" P3 "http://127.0.0.1:$PORT/v2/accounts/partner-accounts/adjust-amount" "$WORK/$ENGINE-p3.lua"
    acked=$(tail -1 "$RESULTS" | cut -f10)
    check_ledger "$ENGINE" P3 "$acked" "$before"

    if grep -qiE 'panicked|ERROR' "$WORK/server-$ENGINE.log"; then
        log "$ENGINE: the server log has errors or panics:"
        grep -iE 'panicked|ERROR' "$WORK/server-$ENGINE.log" | head -5 >&2
        echo -e "$ENGINE\tserver-log\terrors\tFAILED" >>"$WORK/checks.tsv"
        FAILED=1
    fi
    kill "$spid"
    wait "$spid" 2>/dev/null || true
}

{
    echo "machine: $(nproc --all) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(uname -r), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "source: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' (work tree has local changes)')$([ "${BENCH_SKIP_BUILD:-0}" = 1 ] && echo "; prebuilt binaries of $(date -u -r "$PC" '+%Y-%m-%d %H:%M UTC')")"
    echo "wrk: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); priority: ${NICE:-unchanged}; PostgreSQL backends pinned to cpu$SERVER_CPU: $([ "$PG_PIN" = 1 ] && echo yes || echo no)"
} >"$WORK/env.txt"
log "work dir $WORK; $(head -1 "$WORK/env.txt")"
case "$MODE" in
sqlite) bench_engine sqlite ;;
postgres) bench_engine postgres ;;
all)
    bench_engine sqlite
    bench_engine postgres
    ;;
esac

# ---------------------------------------------------------------------------------------------
# Report

python3 "$BENCH/report.py" "$RESULTS" "$WORK/checks.tsv" "$CONNS" "$DURATION" "$IDEM" "$WORK/env.txt" | tee "$WORK/report.txt"

if [ "$FAILED" != 0 ]; then
    log "some runs were INVALID or a ledger check failed (see above; logs in $WORK)"
    exit 1
fi
