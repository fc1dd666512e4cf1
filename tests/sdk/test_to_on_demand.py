"""Yearly/monthly to pay-per-use through the official SDK request classes:
update_period_to_on_demand (SET_UP stores expire_policy 1, CANCEL takes it back, refusals in
error_details), the subscription-renewal job changing such a resource at its expiry into a
pay-per-use resource the partner lists, and update_period_to_on_demand_instantly (a type-10 order
refunding the unused part, a negative fee record of bill type 24, results per resource)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from huaweicloudsdkbss.v2 import (
    AutoRenewalResourcesReq,
    AutoRenewalResourcesRequest,
    ListCustomerBillsFeeRecordsRequest,
    ListCustomerOnDemandResourcesRequest,
    ListPayPerUseCustomerResourcesRequest,
    PayCustomerOrderV3Req,
    PayOrdersRequest,
    PeriodToOnDemandInstantlyReq,
    PeriodToOnDemandReq,
    QueryCustomerOnDemandResourcesReq,
    QueryResourcesReq,
    ShowCustomerAccountBalancesRequest,
    ShowCustomerOrderDetailsRequest,
    UpdatePeriodToOnDemandInstantlyRequest,
    UpdatePeriodToOnDemandRequest,
)

from sdk_support import expect_client_error
from sdk_support import funded_resale_customer as funded




def bought(engine, cust, product="ecs-s6-small-1-linux", count=1):
    """Places and pays a one-month order; its resources, as the customer lists them."""
    order = engine.place_order(cust["customer_id"], product, "month", 1, quantity=count)["order_id"]
    c = engine.client(cust)
    c.pay_orders(PayOrdersRequest(body=PayCustomerOrderV3Req(order_id=order, use_coupon="NO", use_discount="NO")))
    return c.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(order_id=order))).data


def listed(client, rid):
    return client.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(resource_ids=[rid]))).data


def policy(client, operation, ids):
    return client.update_period_to_on_demand(UpdatePeriodToOnDemandRequest(
        body=PeriodToOnDemandReq(operation=operation, resource_ids=ids))).error_details


def now(client, ids):
    return client.update_period_to_on_demand_instantly(UpdatePeriodToOnDemandInstantlyRequest(
        body=PeriodToOnDemandInstantlyReq(resource_ids=ids))).to_ondemand_service_results


def on_demand(partner, customer_id):
    return partner.list_customer_on_demand_resources(ListCustomerOnDemandResourcesRequest(
        body=QueryCustomerOnDemandResourcesReq(customer_id=customer_id))).resources


def test_set_up_and_cancel_store_the_policy_with_refusals_per_resource(engine):
    dist, cust = funded(engine, "200.00")
    a, b = (r.resource_id for r in bought(engine, cust, count=2))
    c = engine.client(cust)
    assert listed(c, a)[0].expire_policy == 0
    # SET_UP stores 1; an unknown id is refused by name, the rest done.
    assert not policy(c, "SET_UP", [a])
    assert listed(c, a)[0].expire_policy == 1
    errs = policy(c, "SET_UP", ["no-such-resource", b])
    assert [(e.id, e.error_code) for e in errs] == [("no-such-resource", "CBC.99003012")]
    assert errs[0].error_msg
    assert listed(c, b)[0].expire_policy == 1
    # Auto-renewal replaces it; CANCEL then has nothing to cancel; SET_UP replaces auto-renewal.
    c.auto_renewal_resources(AutoRenewalResourcesRequest(
        resource_id=b, body=AutoRenewalResourcesReq(auto_renew_times=1, period_type="MONTH")))
    assert listed(c, b)[0].expire_policy == 3
    assert [(e.id, e.error_code) for e in policy(c, "CANCEL", [b])] == [(b, "PC.1121")]
    assert not policy(c, "SET_UP", [b])
    assert not policy(c, "CANCEL", [a, b])
    assert [r.expire_policy for r in (listed(c, a)[0], listed(c, b)[0])] == [0, 0]
    # A product not sold by the hour (the storage package has no hourly price).
    obs = bought(engine, cust, "obs-standard-100g")[0].resource_id
    assert [(e.id, e.error_code) for e in policy(c, "SET_UP", [obs])] == [(obs, "CBC.99003609")]
    # Another customer's resource does not exist for this one.
    other = engine.create_customer(dist["partner_id"], "resale")
    assert [e.error_code for e in policy(engine.client(other), "SET_UP", [a])] == ["CBC.99003012"]
    assert listed(c, a)[0].expire_policy == 0
    # Refused whole: the partner's key; a bad operation; no ids; too many.
    expect_client_error(lambda: policy(engine.client(dist), "SET_UP", [a]), 403, "CBC.0155")
    e = expect_client_error(lambda: policy(c, "DELETE", [a]), 400, "CBC.0100")
    assert "operation" in e.error_msg
    expect_client_error(lambda: policy(c, "SET_UP", []), 400, "CBC.0100")
    expect_client_error(lambda: policy(c, "SET_UP", [f"r{i}" for i in range(101)]), 400, "CBC.0100")
    assert engine.verify().returncode == 0


def test_the_renewal_job_changes_a_resource_set_up_at_its_expiry(fresh_engine):
    """On a database of its own: the job runs a month ahead, which every resource would see."""
    engine = fresh_engine
    dist, cust = funded(engine, "100.00")
    a, b = (r.resource_id for r in bought(engine, cust, count=2))
    c, p = engine.client(cust), engine.client(dist)
    assert not policy(c, "SET_UP", [a])
    expire_time = listed(c, a)[0].expire_time
    at = datetime.strptime(expire_time, "%Y-%m-%dT%H:%M:%SZ") + timedelta(seconds=1)
    out = engine.run_job("subscription-renewal", now=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert f"changed to pay-per-use {a}" in out.stdout, out.stdout
    assert f"expired {b}" in out.stdout, out.stdout
    assert "1 expired, 1 changed to pay-per-use" in out.stdout, out.stdout
    # `a` left the yearly/monthly list; the partner lists it as pay-per-use from its expiry on.
    assert listed(c, a) == [] and listed(c, b)[0].status == 5
    res = on_demand(p, cust["customer_id"])
    assert [(r.resource_id, r.status, r.effective_time) for r in res] == [(a, 1, expire_time)]
    assert res[0].resource_spec_code == "s6.small.1.linux"
    # Nothing moved: 100.00 less the two months bought.
    bal = c.show_customer_account_balances(ShowCustomerAccountBalancesRequest()).account_balances[0]
    assert bal.amount == Decimal("30.00")
    out = engine.run_job("subscription-renewal", now=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert "0 expired, 0 changed to pay-per-use" in out.stdout, out.stdout
    assert engine.verify().returncode == 0


def test_changing_now_refunds_with_a_type_10_order(engine):
    dist, cust = funded(engine, "100.00")
    rid = bought(engine, cust)[0].resource_id
    c, p = engine.client(cust), engine.client(dist)
    # Moments after the purchase: nothing used yet; the 5% fee of 35.00 is kept.
    results = now(c, [rid, "no-such-resource"])
    assert [(r.resource_id, r.result) for r in results] == [(rid, "SUCCESS"), ("no-such-resource", "FAIL")]
    ok, bad = results
    assert ok.order_id and ok.error_code is None
    assert bad.error_code == "CBC.99003012" and bad.error_msg and bad.order_id is None
    d = c.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=ok.order_id)).order_info
    assert d.order_type == 10 and d.status == 5
    assert d.amount_after_discount == Decimal("33.25")
    assert d.amount_info.commission_amount == Decimal("1.75")
    bal = c.show_customer_account_balances(ShowCustomerAccountBalancesRequest()).account_balances[0]
    assert bal.amount == Decimal("98.25")
    # The refund is a negative fee record, 退款-包年/包月转按需.
    month = datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m")
    recs = c.list_customer_bills_fee_records(ListCustomerBillsFeeRecordsRequest(
        bill_cycle=month, bill_type=24)).records
    assert [(r.trade_id, r.consume_amount) for r in recs] == [(ok.order_id, Decimal("-33.25"))]
    # The resource left the yearly/monthly list and is pay-per-use; nothing is refunded twice.
    assert listed(c, rid) == []
    assert [r.resource_id for r in on_demand(p, cust["customer_id"])] == [rid]
    again = now(c, [rid])
    assert (again[0].result, again[0].error_code) == ("FAIL", "CBC.99003012")
    # Refused whole: the partner's key; more than 10 ids; duplicates.
    expect_client_error(lambda: now(p, [rid]), 403, "CBC.0155")
    expect_client_error(lambda: now(c, [f"r{i}" for i in range(11)]), 400, "CBC.0100")
    expect_client_error(lambda: now(c, ["x", "x"]), 400, "CBC.0100")
    assert engine.verify().returncode == 0
