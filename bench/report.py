#!/usr/bin/env python3
"""Used by run.sh: prints the results table (ratios against the same engine run's baseline H)
and the budget verdicts (bench/README.md)."""

import datetime
import os
import platform
import sys


# This step's targets (the storage rewrite of decision 0007), per engine.
STEP = {
    "sqlite": {"P1": 0.30, "P2": 0.10, "P3": 0.9},
    "postgres": {"P1": 0.10, "P2": 0.03, "P3": 0.8},
}


def main(argv):
    results, checks, conns, duration, idem = argv[:5]
    env = argv[5] if len(argv) > 5 else None
    rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
    base = {r[0]: float(r[2]) for r in rows if r[1] == "H"}
    base_us = {r[0]: float(r[7]) for r in rows if r[1] == "H"}
    p2 = {r[0]: float(r[2]) for r in rows if r[1] == "P2"}
    o1k = {r[0]: float(r[2]) for r in rows if r[1] == "O1k"}
    print()
    print("Partner Center benchmarks — %s UTC, %s, %d CPUs, wrk -t1 -c%s -d%s, server on cpu0, wrk on cpu1%s" % (
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"), platform.node() or "?",
        os.cpu_count(), conns, duration, "; writes carry X-Idempotency-Key" if idem == "1" else ""))
    hdr = ("engine", "scenario", "req/s", "x H", "p50 ms", "p99 ms", "srv CPU", "srv us/req", "x H cpu", "PG CPU",
           "PG us/req", "wrk CPU", "other", "budget (bench/README.md)", "status")
    fmt = "%-8s %-7s %8s %6s %8s %8s %7s %10s %7s %6s %9s %7s %5s  %-60s %s"
    print(fmt % hdr)
    for r in rows:
        engine, name, rps, p50, p99, srv, pg, us, pgus, _acked, status, wrkc, other = r
        rps_f, p99_f = float(rps), float(p99)
        h = base.get(engine)
        ratio = rps_f / h if h else float("nan")
        # Two bars per scenario: this step's target (docs/decisions/0007, bench/README.md) and the
        # final budget. A step target is per engine; the final budget is the same for both.
        step = STEP[engine] if engine in STEP else STEP["sqlite"]
        if name in ("P1", "P1small"):
            ok_step = ratio >= step["P1"] and (engine != "sqlite" or p99_f <= 5.0)
            ok = ratio >= 0.60 and p99_f <= 2.0
            budget = "step %s (>=%.2fxH%s); final %s (>=0.60xH, p99<=2ms)" % (
                "MET" if ok_step else "MISSED", step["P1"], ", p99<=5ms" if engine == "sqlite" else "",
                "MET" if ok else "MISSED")
        elif name == "P2":
            budget = "step %s (>=%.2fxH); final %s (>=0.20xH)" % (
                "MET" if ratio >= step["P2"] else "MISSED", step["P2"], "MET" if ratio >= 0.20 else "MISSED")
        elif name == "P3":
            rel = rps_f / p2[engine] if p2.get(engine) else float("nan")
            budget = "%s (%.2fx P2, need >=%.1fx)" % ("MET" if rel >= step["P3"] else "MISSED", rel, step["P3"])
        elif name == "O1M":
            small = o1k.get(engine)
            rel = rps_f / small if small else float("nan")
            budget = "%s (%.2fx O1k, need >=0.8x: same cost)" % ("MET" if rel >= 0.8 else "MISSED", rel)
        else:
            budget = "-"
        # CPU-time ratio: what the throughput ratio would be if the server were CPU-bound on a core of its
        # own (H's server µs per request over this scenario's, PostgreSQL's µs counted too).
        cost = float(us) + (float(pgus) if name not in ("H", "H+lua") and engine == "postgres" else 0.0)
        cpu_ratio = base_us[engine] / cost if base_us.get(engine) and cost > 0 else float("nan")
        if name in ("H", "H+lua"):
            pg = pgus = "-"
        print(fmt % (engine, name, rps, "%.3f" % ratio, p50, p99, srv, us, "%.3f" % cpu_ratio, pg, pgus, wrkc, other, budget,
                     "valid" if status == "ok" else "INVALID: " + status))
    print("CPU columns: cores busy during the measured run (1.00 = one core). 'other' is the rest of the")
    print("machine's busy time: above ~0.1 the run shared the box with other work and reads low and noisy.")
    print("'x H cpu' = H's server CPU per request / this scenario's (server + PostgreSQL): the throughput ratio")
    print("a CPU-bound server would reach; less sensitive to other load, blind to time spent waiting (fsync).")
    if env and os.path.exists(env):
        print()
        for l in open(env):
            print(l.rstrip("\n"))
    if os.path.exists(checks):
        print()
        for l in open(checks):
            e, n, what, res = l.rstrip("\n").split("\t")
            print("check %-8s %-10s %-16s %s" % (e, n, what, res))


if __name__ == "__main__":
    main(sys.argv[1:])
