#!/usr/bin/env python3
"""Used by run.sh: turns one wrk run (and its warm-up) plus CPU samples into one TSV line.

Columns: engine, scenario, req/s, p50 ms, p99 ms, server cores, PostgreSQL cores, server µs/request,
PostgreSQL µs/request, acknowledged (2xx) responses (warm-up + run), problems ("ok" if none),
wrk cores, other cores (the rest of the machine's busy time: other work sharing the box).
"""

import re
import sys


def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def clock(v):  # bash `times`: 1m2.345s
    m = re.match(r"(\d+)m([\d.]+)s", v)
    return int(m.group(1)) * 60 + float(m.group(2))


def main(argv):
    engine, name, out, warm, t0, t1, pg0, pg1, w0, w1, hz, b0, b1, timesf = argv
    text = open(out).read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    rps = float(rps.group(1)) if rps else 0.0
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    p50 = ms(p50.group(1)) if p50 else float("nan")
    p99 = ms(p99.group(1)) if p99 else float("nan")
    problems, acked = [], 0
    for f, label in ((warm, "warm-up"), (out, "run")):
        t = open(f).read()
        st = re.search(r"BENCH_STATUS ok=(\d+) non2xx=(\d+) s401=(\d+) s4xx=(\d+) s5xx=(\d+) other=(\d+)", t)
        if st:
            ok, non2xx, s401, s4xx, s5xx, _other = map(int, st.groups())
            acked += ok
            if non2xx:
                problems.append("%s: %d non-2xx (401: %d, other 4xx: %d, 5xx: %d)" % (label, non2xx, s401, s4xx, s5xx))
                fe = re.search(r"BENCH_FIRST_ERROR (.*)", t)
                if fe:
                    problems.append("first: " + fe.group(1)[:200])
        nn = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
        if nn and not st:
            problems.append("%s: %s non-2xx/3xx (wrk)" % (label, nn.group(1)))
        se = re.search(r"Socket errors: (.*)", t)
        if se:
            problems.append("%s: socket errors %s" % (label, se.group(1)))
        if "Requests/sec" not in t:
            problems.append("%s: wrk did not finish: %s" % (label, " ".join(t.split())[-200:]))
    secs = float(w1) - float(w0)
    hz = float(hz)
    tl = open(timesf).read().split("\n")[1].split()
    wrk_s = clock(tl[0]) + clock(tl[1])
    srv_s = (int(t1) - int(t0)) / hz
    pg_s = (int(pg1) - int(pg0)) / hz
    busy_s = (int(b1) - int(b0)) / hz
    other_s = max(0.0, busy_s - srv_s - pg_s - wrk_s)
    total = re.search(r"(\d+) requests in", text)
    total = int(total.group(1)) if total else 0
    per = lambda s: "%.1f" % (s / total * 1e6) if total else "nan"
    print("\t".join([engine, name, "%.0f" % rps, "%.3f" % p50, "%.3f" % p99, "%.2f" % (srv_s / secs),
                     "%.2f" % (pg_s / secs), per(srv_s), per(pg_s), str(acked), "; ".join(problems) or "ok",
                     "%.2f" % (wrk_s / secs), "%.2f" % (other_s / secs)]))


if __name__ == "__main__":
    main(sys.argv[1:])
