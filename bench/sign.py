#!/usr/bin/env python3
"""SDK-HMAC-SHA256 request signing, exactly as the vendor's Python SDK (`Signer.sign`) does it.

Reference: the vendor's API signing guide (SDK-HMAC-SHA256), as the official SDK implements it. Standard library only (hmac, hashlib).

Modes
-----
Print the headers of one signed request (what the SDK would send; `Host` is signed but not
printed, the HTTP client sends it from HOST:PORT):

    python3 bench/sign.py --ak AK --sk SK --domain-id DOMAIN --host 127.0.0.1:8080 \\
        --method POST --path /v2/partners/sub-customers/query --body '{"limit": 10, "offset": 0}'

    options: --date 20240101T000000Z (default: now, UTC), --header 'User-Agent: x' (extra signed
    header, repeatable), --format headers|json|curl.

Check the implementation against the spec's fixed test vectors:

    python3 bench/sign.py --self-test

Write a wrk Lua script whose requests are signed once here and replayed during the run (the
protocol has no nonce: a signature stays valid for the server's X-Sdk-Date window, ±15 min by
default). Each line of --requests is a tab-separated `AK<TAB>SK<TAB>DOMAIN_ID<TAB>BODY`; the
requests are sent round-robin. The script counts responses by status class and prints one
`BENCH_STATUS` line at the end (run.sh reads it):

    python3 bench/sign.py --wrk-lua OUT.lua --requests REQS.tsv --host 127.0.0.1:8080 \\
        --method POST --path /v2/accounts/partner-accounts/adjust-amount [--idempotency-keys]

With --idempotency-keys every request gets a fresh, unsigned `X-Idempotency-Key` (signatures are
computed once, so the varying key cannot be among the signed headers; the server does not require
it to be).
"""

import argparse
import datetime
import hashlib
import hmac
import json
import sys
import urllib.parse

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def pct(s):
    """RFC 3986 as the SDK does it: keep A-Z a-z 0-9 - _ . ~, %XX (upper hex) for every other byte."""
    if isinstance(s, str):
        s = s.encode("utf-8")
    return "".join(chr(b) if b in UNRESERVED else "%%%02X" % b for b in s)


def canonical_uri(raw_path):
    """Whole path unquoted first (so %2F becomes a separator), segments re-encoded, trailing '/'."""
    decoded = urllib.parse.unquote_to_bytes(raw_path)
    out = "/".join(pct(seg) for seg in decoded.split(b"/"))
    return out if out.endswith("/") else out + "/"


def canonical_query(raw_query):
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        pairs.append((urllib.parse.unquote_to_bytes(k), urllib.parse.unquote_to_bytes(v)))
    pairs.sort()
    return "&".join(pct(k) + "=" + pct(v) for k, v in pairs)


def sign(ak, sk, method, path_and_query, headers, body):
    """Returns (authorization, canonical_request, string_to_sign).

    `headers` is the header dict at signing time (it must hold X-Sdk-Date); every header whose name
    has no "_" is signed, as in the SDK. `body` is the raw bytes (or str) sent.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    path, _, query = path_and_query.partition("?")
    lower = {k.lower(): v for k, v in headers.items()}
    signed = sorted(k for k in lower if "_" not in k)
    canonical_headers = "".join("%s:%s\n" % (k, lower[k].strip()) for k in signed)
    if "x-sdk-content-sha256" in lower:
        payload_hash = lower["x-sdk-content-sha256"]
    elif not body:
        payload_hash = EMPTY_HASH
    else:
        payload_hash = hashlib.sha256(body).hexdigest()
    creq = "\n".join([
        method.upper(),
        canonical_uri(path),
        canonical_query(query),
        canonical_headers,
        ";".join(signed),
        payload_hash,
    ])
    sts = "%s\n%s\n%s" % (ALGORITHM, lower["x-sdk-date"], hashlib.sha256(creq.encode("utf-8")).hexdigest())
    sig = hmac.new(sk.encode("utf-8"), sts.encode("utf-8"), hashlib.sha256).hexdigest()
    authz = "%s Access=%s, SignedHeaders=%s, Signature=%s" % (ALGORITHM, ak, ";".join(signed), sig)
    return authz, creq, sts


def sdk_date(now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ")


def signed_headers(ak, sk, domain_id, host, method, path, body, date=None, extra=None):
    """The headers the SDK sends for a BSS call: Content-Type, Host, X-Domain-Id, X-Sdk-Date
    (plus any `extra`, signed too) and Authorization. Returned in a list, Host included."""
    h = {"Content-Type": "application/json", "Host": host}
    if domain_id:
        h["X-Domain-Id"] = domain_id
    h["X-Sdk-Date"] = date or sdk_date()
    for k, v in (extra or {}).items():
        h[k] = v
    authz, _, _ = sign(ak, sk, method, path, h, body)
    h["Authorization"] = authz
    return h


# ---------------------------------------------------------------------------------------------
# Self-test: the signing guide's fixed test vectors and a captured SDK request.

VECTOR_HEADERS = {
    "X-Sdk-Date": "20240101T000000Z",
    "User-Agent": "huaweicloud-usdk-python/3.0; test",
    "Host": "127.0.0.1:8080",
    "X-Domain-Id": "domain-0001",
    "Content-Type": "application/json",
}
VECTORS = [
    ("GET", "/v2/orders/customer-orders?customer_id=c%201%2F%C3%A9&limit=10&offset=0&order_by=-createTime", "",
     "/v2/orders/customer-orders/", "customer_id=c%201%2F%C3%A9&limit=10&offset=0&order_by=-createTime", EMPTY_HASH,
     "6229fec3864e27b3b5289b63aa8ee0d1a61abe07066a0829b5531f6fc0010a61"),
    ("POST", "/v2/accounts/partner-accounts/adjust-amount", '{"customer_id": "cust1", "amount": 10.50}',
     "/v2/accounts/partner-accounts/adjust-amount/", "",
     "ae3902e3c31f166bf0923449ff6fb98d59142b273b86823330d6b2e6c9cdbcfb",
     "d2bbd3063eccfbdcc0900a67793e6331d27b88adce1de406844d1a4c7a8dc5f6"),
    ("DELETE", "/v2/orders/subscriptions/resources/autorenew/res%20a%2Fb%2Bc~", "",
     "/v2/orders/subscriptions/resources/autorenew/res%20a/b%2Bc~/", "", EMPTY_HASH,
     "7390902238a418551d96ecf787cd45fb38209fe4bb276859d5360d75e418064b"),
]


def self_test():
    failures = 0
    checks = 0

    def check(what, got, want):
        nonlocal failures, checks
        checks += 1
        if got != want:
            failures += 1
            print("FAIL %s:\n  got  %r\n  want %r" % (what, got, want))

    for method, path, body, curi, cquery, phash, want_sig in VECTORS:
        authz, creq, _ = sign("TESTAK", "TESTSK", method, path, VECTOR_HEADERS, body)
        lines = creq.split("\n")
        check("%s %s canonical URI" % (method, path), lines[1], curi)
        check("%s %s canonical query" % (method, path), lines[2], cquery)
        check("%s %s payload hash" % (method, path), lines[-1], phash)
        check("%s %s authorization" % (method, path), authz,
              "SDK-HMAC-SHA256 Access=TESTAK, SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date, "
              "Signature=" + want_sig)

    # §1.1: the captured GET; the spec gives its canonical request and the StringToSign.
    ua = ("huaweicloud-usdk-python/3.0; os/Linux##1_SMP_PREEMPT_DYNAMIC_@0#x86_64 python/3.11.7 impl/CPython; "
          "app/eb3c031a-f981-43e2-aa50-55f5dca929af")
    h = {"Content-Type": "application/json", "X-Domain-Id": "domain-0001", "X-Sdk-Date": "20261128T010141Z",
         "Host": "127.0.0.1:8080", "User-Agent": ua}
    _, creq, sts = sign("TESTAK", "TESTSK", "GET", "/v2/orders/customer-orders?limit=10&offset=0&status=5", h, b"")
    want_creq = "\n".join([
        "GET", "/v2/orders/customer-orders/", "limit=10&offset=0&status=5",
        "content-type:application/json", "host:127.0.0.1:8080", "user-agent:" + ua,
        "x-domain-id:domain-0001", "x-sdk-date:20261128T010141Z", "",
        "content-type;host;user-agent;x-domain-id;x-sdk-date", EMPTY_HASH])
    check("captured GET canonical request", creq, want_creq)
    check("captured GET string to sign", sts,
          "SDK-HMAC-SHA256\n20261128T010141Z\n357c3a6d7a5e55d2b0b51c2f0411897233a39c33c92753a8533d7bc7d5abbb85")

    # The header set the benchmark sends (no User-Agent): names sorted, Host with its port.
    bh = signed_headers("AK", "SK", "dom", "127.0.0.1:9000", "POST", "/x", "{}", date="20240101T000000Z")
    check("benchmark signed headers", bh["Authorization"].split(", ")[1],
          "SignedHeaders=content-type;host;x-domain-id;x-sdk-date")

    print("sign.py self-test: %d passed, %d failed" % (checks - failures, failures))
    return 1 if failures else 0


# ---------------------------------------------------------------------------------------------
# wrk script generation.

LUA_TEMPLATE = r"""-- Generated by bench/sign.py: %(count)d pre-signed requests, replayed round-robin.
-- Signed at %(date)s (valid for the server's X-Sdk-Date window).
local reqs = {}
local n = 0
local idem = %(idem)s
local run_tag = "%(run_tag)s"
-- globals, so that done() can read them from each thread with thread:get()
ok, non2xx, s401, s4xx, s5xx, other = 0, 0, 0, 0, 0, 0
first_err = ""
local counter = 0
local thread_tag = "t"

local raw = {
%(entries)s
}

function setup(thread)
  thread:set("id", tostring(#threads_list + 1))
  table.insert(threads_list, thread)
end

threads_list = {}

function init(args)
  thread_tag = tostring(id or "1")
  -- a tag per wrk invocation (run.sh passes one after "--"), so idempotency keys never repeat
  -- between the warm-up and the measured run of the same script
  if args and args[1] then run_tag = run_tag .. "-" .. args[1] end
  for i, r in ipairs(raw) do
    local body = r[4]
    local headers = {
      ["Host"] = "%(host)s",
      ["Content-Type"] = "application/json",
      ["X-Domain-Id"] = r[1],
      ["X-Sdk-Date"] = "%(date)s",
      ["Authorization"] = r[2],
    }
    local s = wrk.format("%(method)s", "%(path)s", headers, body)
    if idem then
      -- split after the request line so a per-request key can be spliced in cheaply
      local eol = s:find("\r\n", 1, true)
      reqs[i] = { s:sub(1, eol + 1), s:sub(eol + 2) }
    else
      reqs[i] = s
    end
  end
  n = #reqs
  -- start each thread at a different place in the list
  counter = (tonumber(thread_tag) - 1) * 7919
end

function request()
  counter = counter + 1
  local r = reqs[(counter %% n) + 1]
  if idem then
    return r[1] .. "X-Idempotency-Key: " .. run_tag .. "-" .. thread_tag .. "-" .. counter .. "\r\n" .. r[2]
  end
  return r
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    non2xx = non2xx + 1
    if status == 401 then s401 = s401 + 1
    elseif status >= 500 then s5xx = s5xx + 1
    elseif status >= 400 then s4xx = s4xx + 1
    else other = other + 1 end
    if first_err == "" then
      first_err = tostring(status) .. " " .. string.sub(tostring(body or ""), 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local t = {ok = 0, non2xx = 0, s401 = 0, s4xx = 0, s5xx = 0, other = 0}
  local err = ""
  for _, th in ipairs(threads_list) do
    for k, _ in pairs(t) do t[k] = t[k] + (tonumber(th:get(k)) or 0) end
    local e = th:get("first_err")
    if err == "" and e and e ~= "" then err = e end
  end
  io.write(string.format("BENCH_STATUS ok=%%d non2xx=%%d s401=%%d s4xx=%%d s5xx=%%d other=%%d\n",
    t.ok, t.non2xx, t.s401, t.s4xx, t.s5xx, t.other))
  if err ~= "" then
    io.write("BENCH_FIRST_ERROR " .. err:gsub("[\r\n]", " ") .. "\n")
  end
end
"""


def lua_str(s):
    """A Lua long-bracket-free, escaped double-quoted string."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 32 <= o < 127:
            out.append(ch)
        else:
            for b in ch.encode("utf-8"):
                out.append("\\%03d" % b)
    return '"' + "".join(out) + '"'


def write_wrk_lua(out, requests_file, host, method, path, idempotency_keys, date=None):
    date = date or sdk_date()
    entries = []
    with open(requests_file, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            ak, sk, domain_id, body = line.split("\t", 3)
            h = signed_headers(ak, sk, domain_id, host, method, path, body, date=date)
            entries.append("  {%s, %s, %s, %s}," % (lua_str(domain_id), lua_str(h["Authorization"]),
                                                    lua_str(ak), lua_str(body)))
    if not entries:
        raise SystemExit("sign.py: no requests in %s" % requests_file)
    import os
    script = LUA_TEMPLATE % {
        "count": len(entries),
        "date": date,
        "idem": "true" if idempotency_keys else "false",
        "run_tag": os.urandom(6).hex(),
        "entries": "\n".join(entries),
        "host": host,
        "method": method.upper(),
        "path": path,
    }
    with open(out, "w", encoding="utf-8") as f:
        f.write(script)
    return len(entries)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--self-test", action="store_true", help="check against the spec's test vectors")
    p.add_argument("--ak")
    p.add_argument("--sk")
    p.add_argument("--domain-id", default="")
    p.add_argument("--host", help="HOST:PORT as sent in the Host header")
    p.add_argument("--method", default="POST")
    p.add_argument("--path", help="path, optionally with ?query")
    p.add_argument("--body", default="")
    p.add_argument("--date", help="X-Sdk-Date (default: now, UTC)")
    p.add_argument("--header", action="append", default=[], help="extra signed header 'Name: value'")
    p.add_argument("--format", choices=["headers", "json", "curl"], default="headers")
    p.add_argument("--wrk-lua", metavar="OUT", help="write a wrk script (see --requests)")
    p.add_argument("--requests", help="TSV of AK, SK, DOMAIN_ID, BODY per line (for --wrk-lua)")
    p.add_argument("--idempotency-keys", action="store_true", help="fresh X-Idempotency-Key per request")
    a = p.parse_args(argv)

    if a.self_test:
        return self_test()
    if a.wrk_lua:
        if not (a.requests and a.host and a.path):
            p.error("--wrk-lua needs --requests, --host and --path")
        n = write_wrk_lua(a.wrk_lua, a.requests, a.host, a.method, a.path, a.idempotency_keys, a.date)
        print("wrote %s (%d signed requests)" % (a.wrk_lua, n), file=sys.stderr)
        return 0
    if not (a.ak and a.sk and a.host and a.path):
        p.error("--ak, --sk, --host and --path are required (or --self-test / --wrk-lua)")
    extra = {}
    for h in a.header:
        k, _, v = h.partition(":")
        extra[k.strip()] = v.strip()
    h = signed_headers(a.ak, a.sk, a.domain_id, a.host, a.method, a.path, a.body, date=a.date, extra=extra)
    shown = [(k, v) for k, v in h.items() if k != "Host"]
    if a.format == "json":
        print(json.dumps(dict(shown)))
    elif a.format == "curl":
        parts = ["curl", "-sS", "-X", a.method.upper(), "'http://%s%s'" % (a.host, a.path)]
        for k, v in shown:
            parts += ["-H", "'%s: %s'" % (k, v)]
        if a.body:
            parts += ["--data-binary", "'%s'" % a.body.replace("'", "'\\''")]
        print(" ".join(parts))
    else:
        for k, v in shown:
            print("%s: %s" % (k, v))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
