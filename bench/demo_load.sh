#!/usr/bin/env bash
# Times `serve --demo` on a fresh SQLite database, three times: wall-clock until /healthz answers
# (the demo loads before the server listens) and the server's CPU seconds by then.
#   bash bench/demo_load.sh [BINARY]     (default: target/release/partner-center; never built here)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${1:-${CARGO_TARGET_DIR:-$ROOT/target}/release/partner-center}"
[[ -x "$BIN" ]] || { echo "demo_load.sh: no binary at $BIN (cargo build --release -p partner-center)" >&2; exit 2; }
KEY=$(printf '0123456789abcdef%.0s' 1 2 3 4)
for run in 1 2 3; do
  d=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  start=$(date +%s.%N)
  PC_MASTER_KEY=$KEY "$BIN" serve --listen "127.0.0.1:$port" --database "sqlite://$d/pc.db" --demo >"$d/log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$d/log" >&2; exit 1; }
    sleep 0.05
  done
  end=$(date +%s.%N)
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  python3 -c "print(f'run $run: {($end - $start):.2f} s wall, {$ticks / $(getconf CLK_TCK):.2f} s server CPU')"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$d"
done
echo "other load (1-min average): $(cut -d' ' -f1 /proc/loadavg)"
