"""fuzz-api: Schemathesis generates requests from the server's own /openapi.json, signed as real
principals (sdk_hooks.py), against a spawned `partner-center serve`, once per database engine.

Checks on every response: no 5xx (`not_a_server_error`), the status code is documented
(`status_code_conformance`) and the body matches the documented schema, success and error
envelope alike (`response_schema_conformance`). After the run the server must still be up and
`partner-center verify` (ledger, tree and refund invariants) must pass.

Prints one line per engine in the proof suite's format:
    PROOF<TAB>fuzz-api<TAB><engine><TAB><requests><TAB><failures><TAB><seconds><TAB><detail>
and exits non-zero when anything failed.

Environment: PC_BIN (the binary; default target/debug/partner-center, never built here),
PC_TEST_POSTGRES_URL (admin URL; PostgreSQL runs too when set), PC_PROOF_LONG=1 (long mode),
PC_FUZZ_SEED (the Hypothesis seed, fixed by default so CI is reproducible).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "bench"))

import sign  # noqa: E402

PC_BIN = os.environ.get("PC_BIN") or str(REPO / "target" / "debug" / "partner-center")
POSTGRES_ADMIN_URL = os.environ.get("PC_TEST_POSTGRES_URL", "")
LONG = os.environ.get("PC_PROOF_LONG") == "1"
MAX_EXAMPLES = 500 if LONG else 25
SEED = int(os.environ.get("PC_FUZZ_SEED", "20260101"))
MASTER_KEY = "7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a"
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str) -> None:
    out = subprocess.run(["psql", POSTGRES_ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed ({sql}): {out.stderr}")


class Engine:
    def __init__(self, name: str, url: str, workdir: Path):
        self.name, self.url, self.workdir = name, url, workdir
        self.env = dict(os.environ, PC_MASTER_KEY=MASTER_KEY, RUST_LOG="warn")
        self.port = free_port()
        self.proc = None
        self.log = workdir / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        out = subprocess.run([PC_BIN, *args, "--database", self.url], capture_output=True, text=True,
                             env=self.env, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"CLI {args} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
        return out.stdout

    def cli_json(self, *args: str):
        return json.loads(self.cli(*args, "--json"))

    def start(self) -> None:
        self.cli("migrate")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [PC_BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--database", self.url],
                stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited during start-up:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("server not ready within 30 s")

    def stop(self):
        """Stops the server; its exit code if it had died on its own, else None."""
        if self.proc is None:
            return None
        died = self.proc.poll()
        if died is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        return died

    def call(self, who: dict, method: str, path: str, body=None) -> dict:
        """A signed API call during seeding; must succeed."""
        raw = json.dumps(body) if body is not None else ""
        headers = sign.signed_headers(who["ak"], who["sk"], who["domain_id"], f"127.0.0.1:{self.port}",
                                      method, path, raw)
        headers.pop("Host")
        r = requests.request(method, self.base + path, headers=headers, data=raw.encode(), timeout=30)
        if r.status_code != 200:
            raise RuntimeError(f"seeding {method} {path}: {r.status_code} {r.text}")
        return r.json()


def ident(doc: dict, ak="access_key", sk="secret_key", domain="domain_id") -> dict:
    return {"ak": doc[ak], "sk": doc[sk], "domain_id": doc[domain]}


def seed(e: Engine) -> dict:
    """A small world so generated ids sometimes hit real rows: a distributor with a reseller,
    customers of both association types, money, coupon quotas and coupons, pending and paid
    orders (hence resources), a partner discount, and an operator key."""
    d = e.cli_json("admin", "create-partner", "--name", "fuzz-distributor", "--type", "distributor")
    r = e.cli_json("admin", "create-partner", "--name", "fuzz-reseller", "--type", "reseller",
                   "--parent", d["partner_id"])
    other = e.cli_json("admin", "create-partner", "--name", "fuzz-other", "--type", "consulting")
    c = e.cli_json("admin", "create-customer", "--partner", d["partner_id"], "--association", "resale",
                   "--name", "fuzz-cust")
    cc = e.cli_json("admin", "create-customer", "--partner", d["partner_id"], "--association", "consulting",
                    "--name", "fuzz-ccust")
    rc = e.cli_json("admin", "create-customer", "--partner", r["partner_id"], "--association", "resale",
                    "--name", "fuzz-rcust")
    e.cli("admin", "credit-partner", d["partner_id"], "100000.00")
    quotas = [e.cli_json("admin", "grant-quota", d["partner_id"], "--type", t, "--amount", "5000.00")["quota_id"]
              for t in ("voucher", "cash")]
    e.cli("admin", "create-operator", "--login", "fuzz-operator", "--password", "Fuzz-Passw0rd!")
    op = e.cli_json("admin", "create-operator-key", "--login", "fuzz-operator")
    products = [p["product_id"] for p in json.loads(e.cli("admin", "list-products", "--json"))]
    ecs = "ecs-s6-small-1-linux" if "ecs-s6-small-1-linux" in products else products[0]
    orders = [e.cli_json("admin", "place-order", "--customer", cid, "--product", ecs, "--period", "month")["order_id"]
              for cid in (c["customer_id"], c["customer_id"], c["customer_id"], rc["customer_id"])]
    e.start()
    dp, cp = ident(d), ident(c)
    e.call(dp, "POST", "/v2/accounts/partner-accounts/adjust-amount",
           {"customer_id": c["customer_id"], "amount": 500})
    coupons = []
    for q in quotas:
        j = e.call(dp, "POST", "/v2/promotions/benefits/partner-coupons",
                   {"quota_id": q, "customer_ids": [c["customer_id"]], "face_value": 10})
        coupons += [k["coupon_id"] for k in j.get("coupon_infos", [])]
    # Paying the first order makes resources (renew, auto-renew, unsubscribe have real targets).
    e.call(cp, "POST", "/v3/orders/customer-orders/pay",
           {"order_id": orders[0], "use_coupon": "NO", "use_discount": "NO"})
    res = e.call(cp, "POST", "/v2/orders/suscriptions/resources/query", {"order_id": orders[0]})
    resources = [x["resource_id"] for x in res.get("data", [])]
    disc = e.call(dp, "POST", "/native/v1/discounts",
                  {"customer_id": c["customer_id"], "product_id": ecs, "discount_ratio": 0.9})
    discounts = [disc["discount_id"]] if "discount_id" in disc else []
    customers = [c["customer_id"], cc["customer_id"], rc["customer_id"]]
    partners = [r["partner_id"], other["partner_id"]]
    return {
        "identities": {
            "partner": dp,
            "customer": cp,
            "operator": {"ak": op["access_key"], "sk": op["secret_key"], "domain_id": op["user_id"]},
        },
        "ids": {
            "customer_id": customers, "customer_ids": customers, "sub_customer_id": customers,
            "order_id": orders, "order_ids": orders,
            "resource_id": resources, "resource_ids": resources,
            "coupon_id": coupons, "coupon_ids": coupons,
            "quota_id": quotas, "quota_ids": quotas,
            "indirect_partner_id": partners, "indirect_partner_ids": partners, "partner_id": partners,
            "product_id": products[:20], "product_ids": products[:20],
            "discount_id": discounts,
        },
    }


def read_events(ndjson: Path) -> tuple[int, int, list[str]]:
    """(test cases, requests sent, distinct failures) from schemathesis's ndjson event stream; a
    failure is one (operation, check, problem) however many cases showed it, as schemathesis
    counts them."""
    cases, sent, failures = 0, 0, {}
    if not ndjson.exists():
        return 0, 0, ["schemathesis wrote no ndjson report"]
    for line in ndjson.read_text().splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        body = ev.get("ScenarioFinished")
        if not body:
            continue
        rec = body.get("recorder", {})
        cases += len(rec.get("cases", {}))
        sent += len(rec.get("interactions", {}))
        for checks in rec.get("checks", {}).values():
            for ch in checks:
                if str(ch.get("status")).lower() != "failure":
                    continue
                f = (ch.get("failure_info") or {}).get("failure", {})
                op = f.get("operation") or rec.get("label", "?")
                key = (op, ch.get("name"), f.get("code") or f.get("title"))
                failures.setdefault(key, f"{op}: {ch.get('name')}: {f.get('title', '')}: "
                                         f"{str(f.get('message', ''))[:200]}")
    return cases, sent, list(failures.values())


def fuzz(e: Engine, workdir: Path, problems: list) -> tuple[int, int]:
    """Seeds, runs schemathesis, checks the server and the ledger after it: (cases, requests)."""
    world = seed(e)
    (workdir / "world.json").write_text(json.dumps(world))
    ndjson = workdir / "events.ndjson"
    env = dict(os.environ, SCHEMATHESIS_HOOKS=str(HERE / "sdk_hooks.py"),
               PC_FUZZ_WORLD=str(workdir / "world.json"))
    argv = [SCHEMATHESIS, "run", f"{e.base}/openapi.json", "--checks", CHECKS,
            "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1",
            "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
            "--generation-with-security-parameters", "false", "--request-timeout", "30",
            "--report", "ndjson", "--report-ndjson-path", str(ndjson),
            "--no-color", "--warnings", "off", "--continue-on-failure"]
    print(f"[{e.name}] {' '.join(argv)}", flush=True)
    st = subprocess.run(argv, env=env, cwd=workdir, text=True, capture_output=True)
    out = st.stdout + st.stderr
    (workdir / "schemathesis.log").write_text(out)
    cases, sent, failures = read_events(ndjson)
    if st.returncode != 0:
        sys.stdout.write(out[-20000:])
        if not failures:
            failures.append(f"schemathesis exited {st.returncode}")
    problems += failures
    if sent == 0:
        problems.append("no request was sent")
    died = e.stop()
    if died is not None:
        problems.append(f"the server died (exit {died}):\n{e.log.read_text()[-3000:]}")
    try:
        e.cli("verify")
    except RuntimeError as err:
        problems.append(f"verify failed after the run: {err}")
    return cases, sent


def run_engine(name: str) -> tuple[int, int, float, str]:
    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix=f"pc-fuzz-{name}-"))
    dbname = None
    problems: list[str] = []
    cases = sent = 0
    if name == "sqlite":
        url = f"sqlite://{workdir}/pc.db"
    else:
        dbname = f"pc_fuzz_{secrets.token_hex(6)}"
        psql(f"CREATE DATABASE {dbname}")
        parts = urllib.parse.urlsplit(POSTGRES_ADMIN_URL)
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, ""))
    e = Engine(name, url, workdir)
    try:
        cases, sent = fuzz(e, workdir, problems)
    except Exception as err:  # a broken harness is a failure too, reported on the PROOF line
        problems.append(f"harness error: {err!r}")
    finally:
        e.stop()
        if dbname:
            try:
                psql(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
            except Exception as err:  # a leftover database is harmless
                print(f"warning: could not drop {dbname}: {err}", file=sys.stderr)
    detail = f"{cases} cases, {MAX_EXAMPLES} examples/op, seed {SEED}"
    if problems:
        first = " ".join(problems[0].split())[:300]
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        detail += f"; first failure: {first}{more}"
        print(f"[{name}] FAILURES ({len(problems)}); logs in {workdir}", flush=True)
        for p in problems:
            print(f"  - {p}")
    elif not os.environ.get("PC_FUZZ_KEEP"):
        shutil.rmtree(workdir, ignore_errors=True)
    return sent, len(problems), time.monotonic() - began, detail


def main() -> int:
    engines = ["sqlite"] + (["postgres"] if POSTGRES_ADMIN_URL else [])
    total_failures = 0
    for name in engines:
        reqs, fails, took, detail = run_engine(name)
        total_failures += fails
        print(f"PROOF\tfuzz-api\t{name}\t{reqs}\t{fails}\t{took:.1f}\t{detail}", flush=True)
    return 1 if total_failures else 0


if __name__ == "__main__":
    sys.exit(main())
