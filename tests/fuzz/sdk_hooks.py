"""Schemathesis hooks for the fuzz-api scenario (loaded through SCHEMATHESIS_HOOKS by fuzz_api.py).

1. Authentication: every request is signed exactly as the official SDK signs it (SDK-HMAC-SHA256,
   signed headers content-type;host;x-domain-id;x-sdk-date, `bench/sign.py`), as a real principal
   that may call the operation, so the fuzzer reaches the handlers instead of bouncing off 401/403.
   The caller kind comes from the operation's documented callers (`"Callers: …."` in its
   description, from the `callers` field of the OPERATIONS tables): operator keys for operator
   operations, the customer's key for customer-only ones, and for "partner, customer" operations
   the partner and the customer in turn.
2. Real ids: the world file lists ids of rows that exist (customers, orders, resources, coupons,
   quotas, partners, products, discounts); half of the generated path parameters, query strings and
   JSON bodies get their id-like fields replaced by one of them, so generated requests also hit real
   rows and not only "not found" paths.

The world file (PC_FUZZ_WORLD, JSON) is written by fuzz_api.py after seeding the database.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
import threading
import urllib.parse
from pathlib import Path

import requests.auth
import schemathesis
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import sign  # noqa: E402  (bench/sign.py: the standard-library SDK signer)

WORLD = json.loads(Path(os.environ["PC_FUZZ_WORLD"]).read_text())


class SdkSigner(requests.auth.AuthBase):
    """Signs the prepared request (the exact bytes sent) as one of `identities`, in turn."""

    def __init__(self, *identities: dict) -> None:
        self.identities = itertools.cycle(identities)
        self.lock = threading.Lock()

    def __call__(self, r):
        with self.lock:
            who = next(self.identities)
        parts = urllib.parse.urlsplit(r.url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        # The SDK sends (and signs) Content-Type: application/json on every call; keep a generated
        # content type if the fuzzer chose one, so the server sees what was signed.
        ctype = r.headers.get("Content-Type") or "application/json"
        headers = {"Content-Type": ctype, "Host": parts.netloc, "X-Domain-Id": who["domain_id"],
                   "X-Sdk-Date": sign.sdk_date()}
        authz, _, _ = sign.sign(who["ak"], who["sk"], r.method, path, headers, body)
        for k, v in headers.items():
            if k != "Host":
                r.headers[k] = v
        r.headers["Authorization"] = authz
        return r


def callers(operation) -> list[str]:
    """The caller kinds of an operation, from its description `Callers: partner, customer.`"""
    desc = operation.definition.raw.get("description") or ""
    m = re.search(r"Callers: (.*)\.", desc)
    if not m:
        return []
    # "partner (master distributor or solution provider)" is a partner key.
    text = re.sub(r"\([^)]*\)", "", m.group(1))
    return [k.strip() for k in text.split(",") if k.strip()]


def _kind_is(*kinds):
    def match(ctx) -> bool:
        return callers(ctx.operation) == list(kinds)

    match.__name__ = "callers_" + "_".join(kinds)
    return match


ids = WORLD["identities"]
schemathesis.auth.set_from_requests(SdkSigner(ids["operator"])).apply_to(_kind_is("operator"))
schemathesis.auth.set_from_requests(SdkSigner(ids["customer"])).apply_to(_kind_is("customer"))
schemathesis.auth.set_from_requests(SdkSigner(ids["partner"], ids["customer"])).apply_to(
    _kind_is("partner", "customer"))
# Every other documented operation (partner-only ones, health) as the master distributor.
schemathesis.auth.set_from_requests(SdkSigner(ids["partner"]))


# --- real ids -------------------------------------------------------------------------------------

REAL = WORLD["ids"]  # field name -> list of existing ids


def _with_real_ids(value):
    """`value` (a dict of parameters or a JSON body) with a strategy replacing id-like fields by real ids."""
    if not isinstance(value, dict):
        return st.just(value)
    keys = [k for k in value if k in REAL and REAL[k]]
    if not keys:
        return st.just(value)

    def put(choices):
        out = dict(value)
        for k, v in choices.items():
            # A list-valued field (customer_ids, ...) keeps its shape.
            out[k] = [v] if isinstance(value[k], list) else v
        return out

    return st.fixed_dictionaries({k: st.sampled_from(REAL[k]) for k in keys}).map(put)


def _maybe_real(value):
    return st.one_of(st.just(value), _with_real_ids(value))


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    return _maybe_real(path_parameters)


@schemathesis.hook
def flatmap_query(context, query):
    return _maybe_real(query)


@schemathesis.hook
def flatmap_body(context, body):
    return _maybe_real(body)
