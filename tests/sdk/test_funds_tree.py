"""Funds along the partner tree through the official SDK: list_partner_balances (§2.16),
list_partner_account_change_records (§2.17), update_indirect_partner_account (§2.18),
reclaim_indirect_partner_account (§2.19) and list_customers_balances_detail (§2.20)."""

from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from huaweicloudsdkbss.v2 import (
    AdjustAccountReq,
    AdjustToIndirectPartnerReq,
    CustomerInfoV2,
    ListCustomersBalancesDetailRequest,
    ListPartnerAccountChangeRecordsRequest,
    ListPartnerBalancesRequest,
    QueryCustomersBalancesReq,
    ReclaimIndirectPartnerAccountReq,
    ReclaimIndirectPartnerAccountRequest,
    UpdateCustomerAccountAmountRequest,
    UpdateIndirectPartnerAccountRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from sdk_support import expect_client_error

DEBIT = "BALANCE_TYPE_DEBIT"
CN = timezone(timedelta(hours=8))


def adjust_call(client, reseller_id, amount):
    return lambda: client.update_indirect_partner_account(
        UpdateIndirectPartnerAccountRequest(body=AdjustToIndirectPartnerReq(indirect_partner_id=reseller_id, amount=amount)))


def reclaim_call(client, reseller_id, amount):
    return lambda: client.reclaim_indirect_partner_account(
        ReclaimIndirectPartnerAccountRequest(
            body=ReclaimIndirectPartnerAccountReq(indirect_partner_id=reseller_id, amount=amount)))


def adjust(client, reseller_id, amount) -> str:
    resp = adjust_call(client, reseller_id, amount)()
    assert resp.status_code == 200
    assert isinstance(resp.transfer_id, str) and resp.transfer_id, f"no transfer_id: {resp}"
    return resp.transfer_id


def reclaim(client, reseller_id, amount) -> str:
    resp = reclaim_call(client, reseller_id, amount)()
    assert resp.status_code == 200
    assert isinstance(resp.trans_id, str) and resp.trans_id, f"no trans_id: {resp}"
    return resp.trans_id


def allocate_customer(client, customer_id, amount) -> str:
    resp = client.update_customer_account_amount(
        UpdateCustomerAccountAmountRequest(body=AdjustAccountReq(customer_id=customer_id, amount=amount)))
    assert resp.status_code == 200
    return resp.transfer_id


def balances(client, indirect_partner_id=None):
    return client.list_partner_balances(ListPartnerBalancesRequest(indirect_partner_id=indirect_partner_id))


def cash(client, indirect_partner_id=None) -> Decimal:
    """The cash balance, as the exact decimal the server sent (the SDK model turns it into a float)."""
    resp = balances(client, indirect_partner_id)
    assert resp.status_code == 200
    assert len(resp.account_balances) == 1, resp
    return Decimal(str(resp.account_balances[0].amount)).quantize(Decimal("0.01"))


def records(client, **kw):
    resp = client.list_partner_account_change_records(ListPartnerAccountChangeRecordsRequest(**kw))
    assert resp.status_code == 200
    assert resp.currency == "CNY"
    return resp


def customer_balances(client, ids, indirect_partner_id=None):
    body = QueryCustomersBalancesReq(customer_infos=[CustomerInfoV2(customer_id=i) for i in ids],
                                     indirect_partner_id=indirect_partner_id)
    resp = client.list_customers_balances_detail(ListCustomersBalancesDetailRequest(body=body))
    assert resp.status_code == 200
    return resp.customer_balances or []


@pytest.fixture
def tree(engine):
    """A distributor credited with 100.00, one reseller beneath it, and a foreign distributor with a reseller."""
    dist = engine.create_partner("distributor")
    engine.credit_partner(dist["partner_id"], "100.00")
    reseller = engine.create_partner("reseller", parent=dist["partner_id"])
    other = engine.create_partner("distributor")
    foreign = engine.create_partner("reseller", parent=other["partner_id"])
    return {
        "dist": dist, "reseller": reseller, "other": other, "foreign": foreign,
        "d": engine.client(dist), "r": engine.client(reseller), "o": engine.client(other),
        "rid": reseller["partner_id"],
    }


def test_balances_fields(tree):
    resp = balances(tree["d"])
    [b] = resp.account_balances
    assert b.account_id == f"partner_cash:{tree['dist']['partner_id']}"
    assert b.account_type == 1
    assert b.amount == 100.0
    assert b.currency == "CNY"
    assert b.designated_amount == 0.0
    assert b.measure_id == 1
    assert cash(tree["r"]) == Decimal("0.00")


def test_allocate_to_reseller_and_reclaim(tree):
    d, r, rid = tree["d"], tree["r"], tree["rid"]
    t1 = adjust(d, rid, Decimal("30.25"))
    assert cash(d) == Decimal("69.75")
    assert cash(d, rid) == Decimal("30.25")
    assert cash(r) == Decimal("30.25")
    # Never more than the distributor holds; nothing moves on refusal.
    expect_client_error(adjust_call(d, rid, Decimal("69.76")), 400, "CBC.99005003")
    t2 = reclaim(d, rid, Decimal("10"))
    assert t1 != t2
    # Never more than the reseller holds.
    expect_client_error(reclaim_call(d, rid, Decimal("20.26")), 400, "CBC.99005003")
    reclaim(d, rid, Decimal("20.25"))
    expect_client_error(reclaim_call(d, rid, Decimal("0.01")), 400, "CBC.99005003")
    assert cash(d) == Decimal("100.00")
    assert cash(r) == Decimal("0.00")


def test_only_own_resellers(tree):
    d, r, o, rid = tree["d"], tree["r"], tree["o"], tree["rid"]
    adjust(d, rid, Decimal("5.00"))
    foreign = tree["foreign"]["partner_id"]
    for call in (adjust_call(d, foreign, Decimal("1")), reclaim_call(d, foreign, Decimal("1")),
                 adjust_call(d, "p-no-such-" + secrets.token_hex(3), Decimal("1")),
                 adjust_call(o, rid, Decimal("1")), reclaim_call(o, rid, Decimal("1")),
                 # A reseller cannot call distributor-only operations.
                 adjust_call(r, rid, Decimal("1")), reclaim_call(r, tree["dist"]["partner_id"], Decimal("1")),
                 lambda: balances(d, foreign), lambda: balances(r, tree["dist"]["partner_id"]),
                 lambda: records(d, balance_type=DEBIT, indirect_partner_id=foreign),
                 lambda: customer_balances(d, ["c-x"], indirect_partner_id=foreign)):
        expect_client_error(call, 400, "CBC.99000037")
    # Nothing moved.
    assert cash(d) == Decimal("95.00")
    assert cash(r) == Decimal("5.00")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1.00"), Decimal("1.005"), None],
                         ids=["0", "negative", "1.005", "missing"])
def test_bad_amounts(tree, amount):
    expect_client_error(adjust_call(tree["d"], tree["rid"], amount), 400, "CBC.0100")
    expect_client_error(reclaim_call(tree["d"], tree["rid"], amount), 400, "CBC.0100")


def test_missing_reseller_id(tree):
    expect_client_error(adjust_call(tree["d"], None, Decimal("1")), 400, "CBC.0100")
    expect_client_error(reclaim_call(tree["d"], "", Decimal("1")), 400, "CBC.0100")


def test_idempotency_key_on_reseller_allocation(tree):
    d, rid = tree["d"], tree["rid"]
    key = "sdk-tree-" + secrets.token_hex(8)
    req = lambda amount: UpdateIndirectPartnerAccountRequest(
        body=AdjustToIndirectPartnerReq(indirect_partner_id=rid, amount=Decimal(amount)))
    a = d.update_indirect_partner_account_invoker(req("25.00")).add_header("X-Idempotency-Key", key).invoke()
    b = d.update_indirect_partner_account_invoker(req("25.00")).add_header("X-Idempotency-Key", key).invoke()
    assert a.transfer_id and a.transfer_id == b.transfer_id, (a, b)
    other = lambda: d.update_indirect_partner_account_invoker(req("26.00")).add_header("X-Idempotency-Key", key).invoke()
    expect_client_error(other, 409, "PC.0409")
    assert cash(d) == Decimal("75.00")
    rreq = ReclaimIndirectPartnerAccountRequest(body=ReclaimIndirectPartnerAccountReq(indirect_partner_id=rid,
                                                                                     amount=Decimal("5.00")))
    k2 = key + "-r"
    x = d.reclaim_indirect_partner_account_invoker(rreq).add_header("X-Idempotency-Key", k2).invoke()
    y = d.reclaim_indirect_partner_account_invoker(rreq).add_header("X-Idempotency-Key", k2).invoke()
    assert x.trans_id and x.trans_id == y.trans_id
    assert cash(d, rid) == Decimal("20.00")


def test_change_records(engine, tree):
    d, r, rid = tree["d"], tree["r"], tree["rid"]
    cust = engine.create_customer(tree["dist"]["partner_id"], "resale")
    a1 = allocate_customer(d, cust["customer_id"], Decimal("10.50"))
    a2 = adjust(d, rid, Decimal("20"))
    a3 = reclaim(d, rid, Decimal("5"))
    resp = records(d, balance_type=DEBIT, offset=0, limit=10)
    assert resp.total_count == 4
    top, second, third, credit = resp.records
    assert top.trade_id == a3 and top.account_change_id == a3
    assert top.trade_detail_type == "SOURCE_OPERATION_BERETRIEVE"
    assert (top.change_amount, top.balance_after_change, top.type) == ("5.00", "74.50", "1")
    assert top.customer_id == rid
    assert (second.trade_id, second.change_amount, second.balance_after_change, second.type) == (a2, "-20.00", "69.50", "2")
    assert second.trade_detail_type == "SOURCE_OPERATION_BEADJUST"
    assert (third.trade_id, third.change_amount, third.customer_id, third.account_name) == (
        a1, "-10.50", cust["customer_id"], cust["domain_name"])
    assert (credit.trade_detail_type, credit.change_amount, credit.balance_after_change) == (
        "SOURCE_OPERAIION_RECHARGE", "100.00", "100.00")
    assert credit.customer_id is None
    for rec in resp.records:
        assert isinstance(rec.change_amount, str) and isinstance(rec.balance_after_change, str)
        assert len(rec.trade_time) == 20 and rec.trade_time.endswith("Z")
    # Filters and paging.
    assert records(d, balance_type=DEBIT, trade_type="BEADJUST").total_count == 2
    assert records(d, balance_type=DEBIT, trade_type="RECHARGE").total_count == 1
    page = records(d, balance_type=DEBIT, limit=1, offset=1)
    assert page.total_count == 4 and [x.trade_id for x in page.records] == [a2]
    today = datetime.now(CN).date()
    assert records(d, balance_type=DEBIT, trade_time_begin=str(today), trade_time_end=str(today)).total_count == 4
    tomorrow = str(today + timedelta(days=1))
    assert records(d, balance_type=DEBIT, trade_time_begin=tomorrow, trade_time_end=tomorrow).total_count == 0
    assert records(d, balance_type="BALANCE_TYPE_CREDIT").total_count == 0
    # The reseller's own records equal what its distributor sees of them.
    mine = records(r, balance_type=DEBIT)
    via = records(d, balance_type=DEBIT, indirect_partner_id=rid)
    assert [(x.trade_id, x.change_amount, x.type) for x in mine.records] == [
        (a3, "-5.00", "2"), (a2, "20.00", "1")] == [(x.trade_id, x.change_amount, x.type) for x in via.records]
    # Required and validated parameters.
    for kw in ({}, {"balance_type": "CASH"}, {"balance_type": DEBIT, "trade_type": "GIFT"},
               {"balance_type": DEBIT, "trade_time_begin": "2026/01/01"}, {"balance_type": DEBIT, "limit": 0}):
        expect_client_error(lambda: records(d, **kw), 400, "CBC.0100")
    # A resale customer's own key gets the vendor's code.
    expect_client_error(lambda: records(engine.client(cust), balance_type=DEBIT), 400, "CBC.99000084")


def test_customers_balances_detail(engine, tree):
    d, r, rid = tree["d"], tree["r"], tree["rid"]
    dist_id = tree["dist"]["partner_id"]
    c1 = engine.create_customer(dist_id, "resale")
    c2 = engine.create_customer(dist_id, "resale")
    cons = engine.create_customer(dist_id, "consulting")
    foreign = engine.create_customer(tree["other"]["partner_id"], "resale")
    rc = engine.create_customer(rid, "resale")
    allocate_customer(d, c1["customer_id"], Decimal("10.50"))
    adjust(d, rid, Decimal("5"))
    allocate_customer(r, rc["customer_id"], Decimal("2.25"))
    got = customer_balances(d, [c2["customer_id"], c1["customer_id"], cons["customer_id"], foreign["customer_id"],
                                "c-no-such", c1["customer_id"]])
    assert [(b.customer_id, b.amount) for b in got] == [
        (c2["customer_id"], Decimal("0.00")), (c1["customer_id"], Decimal("10.50"))]
    b = got[1]
    assert (b.debt_amount, b.currency, b.measure_id) == (Decimal("0.00"), "CNY", 1)
    assert customer_balances(d, [foreign["customer_id"]]) == []
    via = customer_balances(d, [rc["customer_id"], c1["customer_id"]], indirect_partner_id=rid)
    assert [(x.customer_id, x.amount) for x in via] == [(rc["customer_id"], Decimal("2.25"))]
    expect_client_error(lambda: customer_balances(d, []), 400, "CBC.0100")
    expect_client_error(lambda: customer_balances(engine.client(c1), [c1["customer_id"]]), 403, "CBC.0155")


def test_concurrent_reseller_allocations_never_overdraw(engine, tree):
    """20 parallel allocations of 10.00 against 100.00, then 20 parallel reclaims of 10.00 against
    the reseller's 100.00: exactly 10 of each succeed."""
    creds, rid = tree["dist"], tree["rid"]

    def run(make_call):
        results, errors, lock = [], [], threading.Lock()

        def worker():
            try:
                try:
                    make_call(engine.client(creds))()
                    out = "ok"
                except ClientRequestException as e:
                    out = e.error_code
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    errors.append(repr(e))
                return
            with lock:
                results.append(out)

        threads = [threading.Thread(target=worker) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        return sorted(results)

    expected = sorted(["ok"] * 10 + ["CBC.99005003"] * 10)
    assert run(lambda c: adjust_call(c, rid, Decimal("10.00"))) == expected
    assert cash(tree["d"]) == Decimal("0.00") and cash(tree["r"]) == Decimal("100.00")
    assert run(lambda c: reclaim_call(c, rid, Decimal("10.00"))) == expected
    assert cash(tree["d"]) == Decimal("100.00") and cash(tree["r"]) == Decimal("0.00")
