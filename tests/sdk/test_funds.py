"""update_customer_account_amount (§2.14), reclaim_to_partner_account (§2.15) and X-Idempotency-Key."""

from __future__ import annotations

import json
import secrets
import threading
from decimal import Decimal

import pytest
from huaweicloudsdkbss.v2 import (
    AdjustAccountReq,
    ReclaimToPartnerAccountBalancesReq,
    ReclaimToPartnerAccountRequest,
    UpdateCustomerAccountAmountRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from sdk_support import Creds, assert_error_response, describe, expect_client_error, signed_request

ADJUST = "/v2/accounts/partner-accounts/adjust-amount"


def allocate(client, customer_id, amount):
    resp = client.update_customer_account_amount(
        UpdateCustomerAccountAmountRequest(body=AdjustAccountReq(customer_id=customer_id, amount=amount)))
    assert resp.status_code == 200
    assert isinstance(resp.transfer_id, str) and resp.transfer_id, f"no transfer_id: {resp}"
    return resp


def reclaim(client, customer_id, amount):
    resp = client.reclaim_to_partner_account(
        ReclaimToPartnerAccountRequest(body=ReclaimToPartnerAccountBalancesReq(customer_id=customer_id, amount=amount)))
    assert resp.status_code == 200
    assert isinstance(resp.trans_id, str) and resp.trans_id, f"no trans_id: {resp}"
    return resp


def allocate_call(client, customer_id, amount):
    return lambda: client.update_customer_account_amount(
        UpdateCustomerAccountAmountRequest(body=AdjustAccountReq(customer_id=customer_id, amount=amount)))


def reclaim_call(client, customer_id, amount):
    return lambda: client.reclaim_to_partner_account(
        ReclaimToPartnerAccountRequest(body=ReclaimToPartnerAccountBalancesReq(customer_id=customer_id, amount=amount)))


@pytest.fixture
def funded(engine):
    """A distributor credited with 100.00 and one fresh resale customer."""
    dist = engine.create_partner("distributor")
    engine.credit_partner(dist["partner_id"], "100.00")
    cust = engine.create_customer(dist["partner_id"], "resale")
    return {"dist": dist, "cust": cust, "cid": cust["customer_id"], "client": engine.client(dist)}


def test_allocate_returns_transfer_id_and_moves_exact_amount(funded):
    c, cid = funded["client"], funded["cid"]
    first = allocate(c, cid, Decimal("10.50"))
    # Exactly 89.50 is left: it can be allocated, and then not a cent more.
    second = allocate(c, cid, Decimal("89.50"))
    assert second.transfer_id != first.transfer_id
    expect_client_error(allocate_call(c, cid, Decimal("0.01")), 400, "CBC.99005003")


def test_allocate_more_than_balance(funded):
    c, cid = funded["client"], funded["cid"]
    expect_client_error(allocate_call(c, cid, Decimal("100.01")), 400, "CBC.99005003")
    # The failed request changed nothing: the whole 100.00 is still there.
    allocate(c, cid, Decimal("100.00"))


def test_allocate_without_any_balance(engine):
    dist = engine.create_partner("distributor")
    cust = engine.create_customer(dist["partner_id"], "resale")
    expect_client_error(allocate_call(engine.client(dist), cust["customer_id"], Decimal("1.00")), 400, "CBC.99005003")


def test_allocate_to_consulting_customer(engine, funded):
    consulting = engine.create_customer(funded["dist"]["partner_id"], "consulting")
    expect_client_error(allocate_call(funded["client"], consulting["customer_id"], Decimal("10.00")), 400, "CBC.5024")


def test_allocate_to_other_partners_customer(engine, funded):
    other = engine.create_partner("distributor")
    engine.credit_partner(other["partner_id"], "50.00")
    foreign = engine.create_customer(other["partner_id"], "resale")
    expect_client_error(allocate_call(funded["client"], foreign["customer_id"], Decimal("10.00")), 400, "CBC.99000035")
    unknown = expect_client_error(
        allocate_call(funded["client"], "no-such-customer-" + secrets.token_hex(4), Decimal("10.00")), 400)
    assert unknown.error_code in ("CBC.99000035", "CBC.5002"), unknown
    # Nothing moved: the full balance is still there.
    allocate(funded["client"], funded["cid"], Decimal("100.00"))


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("0.00"), Decimal("1.005"), Decimal("-1.00")],
                         ids=["0", "0.00", "1.005", "negative"])
def test_allocate_bad_amount(funded, amount):
    expect_client_error(allocate_call(funded["client"], funded["cid"], amount), 400, "CBC.0100")


def test_allocate_missing_fields(funded):
    """The SDK does not check required fields (§1.2): the server must."""
    c = funded["client"]
    send = lambda body: c.update_customer_account_amount(UpdateCustomerAccountAmountRequest(body=body))
    expect_client_error(lambda: send(AdjustAccountReq(amount=Decimal("1.00"))), 400, "CBC.0100")
    expect_client_error(lambda: send(AdjustAccountReq(customer_id=funded["cid"])), 400, "CBC.0100")
    expect_client_error(lambda: send(AdjustAccountReq()), 400, "CBC.0100")


def test_reclaim(funded):
    c, cid = funded["client"], funded["cid"]
    allocate(c, cid, Decimal("10.50"))
    r = reclaim(c, cid, Decimal("4.25"))
    expect_client_error(reclaim_call(c, cid, Decimal("6.26")), 400, "CBC.99005003")
    r2 = reclaim(c, cid, Decimal("6.25"))
    assert r2.trans_id != r.trans_id
    expect_client_error(reclaim_call(c, cid, Decimal("0.01")), 400, "CBC.99005003")
    # Everything came back to the partner: 100.00 can be allocated again, and no more.
    expect_client_error(allocate_call(c, cid, Decimal("100.01")), 400, "CBC.99005003")
    allocate(c, cid, Decimal("100.00"))


def test_reclaim_more_than_customer_has(funded):
    c, cid = funded["client"], funded["cid"]
    expect_client_error(reclaim_call(c, cid, Decimal("0.01")), 400, "CBC.99005003")
    allocate(c, cid, Decimal("5.00"))
    expect_client_error(reclaim_call(c, cid, Decimal("5.01")), 400, "CBC.99005003")
    reclaim(c, cid, Decimal("5.00"))


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("1.005")], ids=["0", "1.005"])
def test_reclaim_bad_amount(funded, amount):
    allocate(funded["client"], funded["cid"], Decimal("5.00"))
    expect_client_error(reclaim_call(funded["client"], funded["cid"], amount), 400, "CBC.0100")


def test_reclaim_from_other_partners_customer(engine, funded):
    other = engine.create_partner("distributor")
    engine.credit_partner(other["partner_id"], "50.00")
    foreign = engine.create_customer(other["partner_id"], "resale")
    allocate(engine.client(other), foreign["customer_id"], Decimal("20.00"))
    expect_client_error(reclaim_call(funded["client"], foreign["customer_id"], Decimal("1.00")), 400, "CBC.99000035")
    # The owner can still take all 20.00 back: nothing was moved by the refused call.
    reclaim(engine.client(other), foreign["customer_id"], Decimal("20.00"))


def _adjust_body(cid: str, amount: str) -> str:
    # Exactly what the SDK would send for AdjustAccountReq(customer_id=cid, amount=Decimal(amount)).
    return '{"customer_id": %s, "amount": %s}' % (json.dumps(cid), amount)


def test_idempotency_key_replays_first_response(engine, funded):
    creds, cid, c = Creds.of(funded["dist"]), funded["cid"], funded["client"]
    key = "sdk-idem-" + secrets.token_hex(8)
    body = _adjust_body(cid, "30.00")
    r1 = signed_request(engine.port, creds, "POST", ADJUST, body, headers={"X-Idempotency-Key": key})
    assert r1.status_code == 200, describe(r1)
    r2 = signed_request(engine.port, creds, "POST", ADJUST, body, headers={"X-Idempotency-Key": key})
    assert r2.status_code == 200, describe(r2)
    assert r1.json() == r2.json(), f"replay differs:{describe(r1)}{describe(r2)}"
    assert r1.content == r2.content, "replayed body is not byte-identical"
    assert r1.json().get("transfer_id"), describe(r1)

    # Same key, other body → 409 PC.0409, and no money moves.
    other = signed_request(engine.port, creds, "POST", ADJUST, _adjust_body(cid, "31.00"), headers={"X-Idempotency-Key": key})
    assert_error_response(other, 409, "PC.0409")

    # Only one 30.00 transfer happened: exactly 70.00 is left.
    expect_client_error(allocate_call(c, cid, Decimal("70.01")), 400, "CBC.99005003")
    allocate(c, cid, Decimal("70.00"))
    expect_client_error(allocate_call(c, cid, Decimal("0.01")), 400, "CBC.99005003")


def test_idempotency_key_through_sdk_invoker(funded):
    """The same thing with the SDK itself: `invoker.add_header` puts the key on a signed request."""
    c, cid = funded["client"], funded["cid"]
    key = "sdk-invoker-" + secrets.token_hex(8)
    req = lambda amount: UpdateCustomerAccountAmountRequest(body=AdjustAccountReq(customer_id=cid, amount=Decimal(amount)))
    a = c.update_customer_account_amount_invoker(req("25.00")).add_header("X-Idempotency-Key", key).invoke()
    b = c.update_customer_account_amount_invoker(req("25.00")).add_header("X-Idempotency-Key", key).invoke()
    assert a.transfer_id and a.transfer_id == b.transfer_id, (a, b)
    call = lambda: c.update_customer_account_amount_invoker(req("26.00")).add_header("X-Idempotency-Key", key).invoke()
    expect_client_error(call, 409, "PC.0409")
    # One 25.00 transfer: 75.00 left.
    allocate(c, cid, Decimal("75.00"))
    expect_client_error(allocate_call(c, cid, Decimal("0.01")), 400, "CBC.99005003")


def test_idempotent_failure_does_not_consume_key_wrongly(engine, funded):
    """A retried request whose first attempt failed must not succeed differently or move money twice."""
    creds, cid, c = Creds.of(funded["dist"]), funded["cid"], funded["client"]
    key = "sdk-fail-" + secrets.token_hex(8)
    body = _adjust_body(cid, "100.01")
    r1 = signed_request(engine.port, creds, "POST", ADJUST, body, headers={"X-Idempotency-Key": key})
    assert_error_response(r1, 400, "CBC.99005003")
    r2 = signed_request(engine.port, creds, "POST", ADJUST, body, headers={"X-Idempotency-Key": key})
    assert_error_response(r2, 400, "CBC.99005003")
    allocate(c, cid, Decimal("100.00"))


def test_concurrent_allocations_never_overdraw(engine, funded):
    """10 parallel allocations of 15.00 against 100.00: exactly 6 succeed, the rest are refused."""
    creds, cid = Creds.of(funded["dist"]), funded["cid"]
    results, errors = [], []
    lock = threading.Lock()

    def worker():
        try:
            client = engine.client(creds)
            try:
                client.update_customer_account_amount(
                    UpdateCustomerAccountAmountRequest(body=AdjustAccountReq(customer_id=cid, amount=Decimal("15.00"))))
                out = "ok"
            except ClientRequestException as e:
                out = e.error_code
        except Exception as e:  # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(e))
            return
        with lock:
            results.append(out)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(results) == sorted(["ok"] * 6 + ["CBC.99005003"] * 4), results
    allocate(funded["client"], cid, Decimal("10.00"))
    expect_client_error(allocate_call(funded["client"], cid, Decimal("0.01")), 400, "CBC.99005003")


def test_idempotency_keys_are_per_tenant(engine, funded):
    """Two partners may pick the same key: neither gets a 409 nor the other's cached response."""
    other = engine.create_partner("distributor")
    engine.credit_partner(other["partner_id"], "100.00")
    other_cust = engine.create_customer(other["partner_id"], "resale")
    key = "shared-key-" + secrets.token_hex(6)
    a = signed_request(engine.port, Creds.of(funded["dist"]), "POST", ADJUST, _adjust_body(funded["cid"], "10.00"),
                       headers={"X-Idempotency-Key": key})
    assert a.status_code == 200, describe(a)
    b = signed_request(engine.port, Creds.of(other), "POST", ADJUST, _adjust_body(other_cust["customer_id"], "20.00"),
                       headers={"X-Idempotency-Key": key})
    assert b.status_code == 200, describe(b)
    assert a.json()["transfer_id"] != b.json()["transfer_id"], "the second tenant got the first tenant's cached response"
    # Each moved its own money exactly once.
    allocate(funded["client"], funded["cid"], Decimal("90.00"))
    allocate(engine.client(other), other_cust["customer_id"], Decimal("80.00"))


def test_reclaim_idempotency(engine, funded):
    creds, cid, c = Creds.of(funded["dist"]), funded["cid"], funded["client"]
    allocate(c, cid, Decimal("40.00"))
    key = "sdk-reclaim-" + secrets.token_hex(6)
    body = _adjust_body(cid, "15.00")
    path = "/v2/accounts/partner-accounts/reclaim"
    r1 = signed_request(engine.port, creds, "POST", path, body, headers={"X-Idempotency-Key": key})
    r2 = signed_request(engine.port, creds, "POST", path, body, headers={"X-Idempotency-Key": key})
    assert r1.status_code == 200 and r2.status_code == 200, describe(r1) + describe(r2)
    assert r1.json()["trans_id"] and r1.content == r2.content, describe(r1) + describe(r2)
    # One 15.00 reclaim: the customer still has exactly 25.00.
    expect_client_error(reclaim_call(c, cid, Decimal("25.01")), 400, "CBC.99005003")
    reclaim(c, cid, Decimal("25.00"))


def test_concurrent_retries_with_one_key_move_money_once(engine, funded):
    """5 copies of one request (same key, same body) in flight together: one transfer at most."""
    creds, cid = Creds.of(funded["dist"]), funded["cid"]
    key = "sdk-race-" + secrets.token_hex(6)
    body = _adjust_body(cid, "30.00")
    out, lock = [], threading.Lock()

    def worker():
        r = signed_request(engine.port, creds, "POST", ADJUST, body, headers={"X-Idempotency-Key": key})
        with lock:
            out.append(r)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(out) == 5
    ok = [r for r in out if r.status_code == 200]
    assert ok, "".join(describe(r) for r in out)
    assert len({r.content for r in ok}) == 1, "concurrent retries got different transfers: " + "".join(describe(r) for r in ok)
    for r in out:
        if r.status_code != 200:
            # A retry that arrives while the first is still running may be told so (409-class), never more.
            assert_error_response(r, 409)
    allocate(funded["client"], cid, Decimal("70.00"))
    expect_client_error(allocate_call(funded["client"], cid, Decimal("0.01")), 400, "CBC.99005003")


def test_reseller_allocates_and_reclaims_for_its_own_customer(engine):
    dist = engine.create_partner("distributor")
    reseller = engine.create_partner("reseller", parent=dist["partner_id"])
    engine.credit_partner(reseller["partner_id"], "20.00")
    cust = engine.create_customer(reseller["partner_id"], "resale")
    c = engine.client(reseller)
    allocate(c, cust["customer_id"], Decimal("12.34"))
    reclaim(c, cust["customer_id"], Decimal("2.34"))
    allocate(c, cust["customer_id"], Decimal("10.00"))
    expect_client_error(allocate_call(c, cust["customer_id"], Decimal("0.01")), 400, "CBC.99005003")


def test_distributor_cannot_fund_resellers_customer_as_its_own(engine, funded):
    """Without indirect_partner_id a reseller's customer is not the distributor's sub-customer."""
    reseller = engine.create_partner("reseller", parent=funded["dist"]["partner_id"])
    cust = engine.create_customer(reseller["partner_id"], "resale")
    expect_client_error(allocate_call(funded["client"], cust["customer_id"], Decimal("1.00")), 400, "CBC.99000035")
    allocate(funded["client"], funded["cid"], Decimal("100.00"))
