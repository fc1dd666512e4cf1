"""Spawns `partner-center serve` once per database engine and hands the tests a way to make data.

Engines: always SQLite; PostgreSQL too when PC_TEST_POSTGRES_URL names an admin URL (a fresh
database `pc_sdk_<random>` is created on that server for the session and dropped afterwards).
The binary comes from PC_BIN (default: <repo>/target/debug/partner-center); it is never built here.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sdk_support import Creds, sdk_client  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PC_BIN = os.environ.get("PC_BIN") or str(REPO / "target" / "debug" / "partner-center")
POSTGRES_ADMIN_URL = os.environ.get("PC_TEST_POSTGRES_URL", "")
# Fixed so that secrets written by the CLI can be read by the server (and across reruns).
MASTER_KEY = "5d1e0c7a9b3f48e2a6c4d8f01b2e3c4d5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
ENGINES = ["sqlite"] + (["postgres"] if POSTGRES_ADMIN_URL else [])
SKIP_LINE = "!!! PC_TEST_POSTGRES_URL is not set: the SDK suite did NOT run against PostgreSQL !!!"


def pytest_report_header(config):
    lines = [f"partner-center binary: {PC_BIN}", f"engines: {', '.join(ENGINES)}"]
    if not POSTGRES_ADMIN_URL:
        lines.append(SKIP_LINE)
    return lines


def pytest_terminal_summary(terminalreporter):
    if not POSTGRES_ADMIN_URL:
        terminalreporter.write_line(SKIP_LINE, red=True, bold=True)


class CliError(AssertionError):
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_url_with_db(admin_url: str, dbname: str) -> str:
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def _psql(admin_url: str, sql: str) -> None:
    psql = shutil.which("psql")
    if not psql:
        raise RuntimeError("PC_TEST_POSTGRES_URL is set but `psql` is not installed")
    out = subprocess.run([psql, admin_url, "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed ({sql}): {out.stderr}")


@dataclass
class Engine:
    """One running server and the CLI pointed at the same database."""

    name: str
    database_url: str
    port: int
    workdir: Path
    env: dict
    proc: Optional[subprocess.Popen] = None
    log_path: Optional[Path] = None
    _seq: int = field(default=0)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- CLI -------------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        argv = [PC_BIN, *args, "--database", self.database_url]
        out = subprocess.run(argv, capture_output=True, text=True, env=self.env, cwd=self.workdir, timeout=timeout)
        if check and out.returncode != 0:
            raise CliError(f"CLI failed (exit {out.returncode}): {argv}\nstdout: {out.stdout}\nstderr: {out.stderr}")
        return out

    def cli_json(self, *args: str) -> dict:
        out = self.cli(*args, "--json")
        try:
            doc = json.loads(out.stdout)
        except ValueError:
            raise CliError(f"CLI --json did not print one JSON object: {args}\nstdout: {out.stdout!r}\nstderr: {out.stderr}")
        if not isinstance(doc, dict):
            raise CliError(f"CLI --json printed {type(doc).__name__}, not an object: {out.stdout!r}")
        return doc

    def unique(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{secrets.token_hex(4)}{self._seq}"

    def create_partner(self, type_: str = "distributor", parent: Optional[str] = None, name: Optional[str] = None) -> dict:
        args = ["admin", "create-partner", "--name", name or self.unique("sdkp"), "--type", type_]
        if parent:
            args += ["--parent", parent]
        doc = self.cli_json(*args)
        for k in ("partner_id", "domain_id", "login", "password", "access_key", "secret_key", "xaccount_type"):
            assert k in doc, f"create-partner --json lacks {k!r}: {doc}"
        return doc

    def create_customer(self, partner_id: str, association: str = "resale", name: Optional[str] = None,
                        label: Optional[str] = None) -> dict:
        args = ["admin", "create-customer", "--partner", partner_id, "--association", association]
        if name:
            args += ["--name", name]
        if label:
            args += ["--label", label]
        doc = self.cli_json(*args)
        for k in ("customer_id", "domain_id", "domain_name", "login", "password", "access_key", "secret_key"):
            assert k in doc, f"create-customer --json lacks {k!r}: {doc}"
        return doc

    def credit_partner(self, partner_id: str, amount: str) -> None:
        self.cli("admin", "credit-partner", partner_id, amount)

    def grant_quota(self, partner_id: str, type_: str = "voucher", amount: str = "100.00", **limits) -> str:
        """Limits become the CLI's flags: service_types="a,b", products="p1", min_face="5", max_face="50",
        max_count="3", order_types="1,2" (a value of None is left out), first_association_only=True."""
        args = ["admin", "grant-quota", partner_id, "--type", type_, "--amount", amount]
        for key, value in limits.items():
            flag = "--" + key.replace("_", "-")
            if value is True:
                args.append(flag)
            elif value is not None and value is not False:
                args += [flag, str(value)]
        doc = self.cli_json(*args)
        assert isinstance(doc.get("quota_id"), str) and doc["quota_id"], f"grant-quota --json: {doc}"
        return doc["quota_id"]
    def place_order(self, customer_id: str, product_id: str, period: str = "month", count: int = 1,
                    quantity: int = 1, size: Optional[int] = None) -> dict:
        """A pending-payment order placed through `admin place-order --json`: {"order_id", "amount"}."""
        args = ["admin", "place-order", "--customer", customer_id, "--product", product_id,
                "--period", period, "--count", str(count), "--quantity", str(quantity)]
        if size is not None:
            args += ["--size", str(size)]
        doc = self.cli_json(*args)
        for k in ("order_id", "amount"):
            assert k in doc, f"place-order --json lacks {k!r}: {doc}"
        return doc

    def list_products(self) -> list:
        out = self.cli("admin", "list-products", "--json")
        doc = json.loads(out.stdout)
        assert isinstance(doc, list), out.stdout
        return doc

    def run_job(self, name: str, now: Optional[str] = None) -> subprocess.CompletedProcess:
        args = ["jobs", "run", name] + (["--now", now] if now else [])
        return self.cli(*args)

    def verify(self) -> subprocess.CompletedProcess:
        return self.cli("verify", check=False)

    def scalar(self, sql: str, *params: str):
        """One value read straight from the database (a test checking that a refused write wrote
        nothing). `params` are text, bound as $1, $2, ... on both engines."""
        if self.database_url.startswith("sqlite://"):
            import sqlite3

            path = self.database_url[len("sqlite://"):]
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = con.execute(re.sub(r"\$(\d+)", r"?\1", sql), params).fetchone()
            finally:
                con.close()
            return None if row is None else row[0]
        literal = sql
        for i in range(len(params), 0, -1):
            literal = literal.replace(f"${i}", "'" + params[i - 1].replace("'", "''") + "'")
        out = subprocess.run([shutil.which("psql"), self.database_url, "-tA", "-c", literal],
                             capture_output=True, text=True, timeout=60, check=True)
        value = out.stdout.strip()
        return None if value == "" else (int(value) if value.lstrip("-").isdigit() else value)

    # --- clients ---------------------------------------------------------------------------
    def client(self, record_or_creds):
        creds = record_or_creds if isinstance(record_or_creds, Creds) else Creds.of(record_or_creds)
        return sdk_client(self.port, creds)

    # --- server ----------------------------------------------------------------------------
    def start(self) -> None:
        self.cli("migrate")
        self.log_path = self.workdir / "server.log"
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [PC_BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--database", self.database_url],
            stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.workdir,
        )
        log.close()
        deadline = time.monotonic() + 30
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} during start-up:\n{self.log_tail()}")
            try:
                r = requests.get(f"{self.endpoint}/healthz", timeout=2)
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}: {r.text[:200]}"
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"GET /healthz did not answer 200 within 30 s (last: {last}):\n{self.log_tail()}")

    def stop(self) -> Optional[int]:
        """Stops the server; returns the exit code it had if it had already died by itself."""
        if self.proc is None:
            return None
        died = self.proc.poll()
        if died is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None
        return died

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except Exception:
            return "<no server log>"


def _engine(name, tmp_path_factory):
    """A server on a database of its own, started; verified and stopped when the generator ends."""
    if not os.path.isfile(PC_BIN) or not os.access(PC_BIN, os.X_OK):
        pytest.exit(f"partner-center binary not found at {PC_BIN} (set PC_BIN; this suite never builds it)", returncode=2)
    workdir = tmp_path_factory.mktemp(f"pc-{name}")
    env = dict(os.environ)
    env["PC_MASTER_KEY"] = MASTER_KEY
    dbname = None
    if name == "sqlite":
        url = f"sqlite://{workdir}/pc.db"
    else:
        dbname = f"pc_sdk_{secrets.token_hex(6)}"
        _psql(POSTGRES_ADMIN_URL, f"CREATE DATABASE {dbname}")
        url = _postgres_url_with_db(POSTGRES_ADMIN_URL, dbname)
    eng = Engine(name=name, database_url=url, port=_free_port(), workdir=workdir, env=env)
    try:
        eng.start()
        yield eng
        died = eng.stop()
        assert died is None, f"[{name}] the server died during the session (exit {died}):\n{eng.log_tail()}"
        out = eng.verify()
        assert out.returncode == 0, (
            f"[{name}] `partner-center verify` failed (exit {out.returncode}) after the SDK suite:\n"
            f"stdout: {out.stdout}\nstderr: {out.stderr}"
        )
    finally:
        eng.stop()
        if dbname:
            try:
                _psql(POSTGRES_ADMIN_URL, f"DROP DATABASE IF EXISTS {dbname}")
            except Exception as e:  # best effort; a leftover database is harmless
                print(f"warning: could not drop {dbname}: {e}", file=sys.stderr)


@pytest.fixture(scope="session", params=ENGINES)
def engine(request, tmp_path_factory):
    yield from _engine(request.param, tmp_path_factory)


@pytest.fixture(params=ENGINES)
def fresh_engine(request, tmp_path_factory):
    """A server on a database of its own for one test: for tests that change what the whole
    deployment sees (closing a billing month), which must not leak into the shared one."""
    yield from _engine(request.param, tmp_path_factory)


# --- per-test data helpers (fresh partners for every test) ---------------------------------

@pytest.fixture
def make_partner(engine):
    return engine.create_partner


@pytest.fixture
def make_customer(engine):
    return engine.create_customer


@pytest.fixture
def credit_partner(engine):
    return engine.credit_partner


@pytest.fixture
def distributor(engine):
    """A fresh distributor partner (CLI record)."""
    return engine.create_partner("distributor")


@pytest.fixture
def grant_quota(engine):
    """Grants a coupon quota through the CLI: grant_quota(partner_id, "voucher"|"cash", "100.00", **limits) -> quota_id
    (limits as in Engine.grant_quota, e.g. max_face="50", order_types="1,2")."""
    return engine.grant_quota


@pytest.fixture
def place_order(engine):
    return engine.place_order
