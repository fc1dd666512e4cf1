#!/usr/bin/env bash
# Browser tests for the Partner Center web console.
#   tests/browser/run.sh            (from anywhere)
# Needs: node >= 20, chromium on PATH, and an already built server binary
# (PC_BIN, default <repo>/target/debug/partner-center). This script never builds it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

export PC_BIN="${PC_BIN:-$repo/target/debug/partner-center}"

if [ ! -d "$here/node_modules" ]; then
  (cd "$here" && npm ci --silent)
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "error: chromium not found on PATH; install it (e.g. apt-get install -y chromium)" >&2
  exit 1
fi

if [ ! -x "$PC_BIN" ]; then
  echo "error: server binary not found or not executable: $PC_BIN" >&2
  echo "       build it first (cargo build -p partner-center) or set PC_BIN" >&2
  exit 1
fi

cd "$repo"
exec node --test "$@" tests/browser/*.test.mjs
