"""The vendor codes of the bill, usage, coupon-read, quota-reclaim and renewal-setting operations
(docs/error-codes.md, "Every operation"), through the official SDK: each refusal answers the
code the operation's table names, and a refused write changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from huaweicloudsdkbss.v2 import (
    AdjustCouponQuotasReq,
    ListConsumeSubCustomersReq,
    ListConsumeSubCustomersRequest,
    ListCouponQuotasRecordsRequest,
    ListCustomerOnDemandResourcesRequest,
    ListIssuedCouponQuotasRequest,
    ListIssuedPartnerCouponsRequest,
    ListPartnerCouponsRecordRequest,
    ListQuotaCouponsRequest,
    ListRenewRateOnPeriodReq,
    ListRenewRateOnPeriodRequest,
    ListSubCustomerBillDetailRequest,
    ListSubCustomerCouponsRequest,
    ListSubcustomerMonthlyBillsRequest,
    QueryCouponQuotasReqExt,
    QueryCustomerOnDemandResourcesReq,
    ReclaimCouponQuotasReq,
    ReclaimCouponQuotasRequest,
    RenewResourceConfigReq,
    SetResourcesRenewConfigRequest,
    UpdateCouponQuotasRequest,
)

from sdk_support import expect_client_error


def this_month() -> str:
    return datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m")


def tree(engine):
    """A distributor with a reseller and a resale customer, and a stranger distributor with a
    reseller of its own."""
    dist = engine.create_partner("distributor")
    res = engine.create_partner("reseller", parent=dist["partner_id"])
    cust = engine.create_customer(dist["partner_id"], "resale")
    other = engine.create_partner("distributor")
    foreign = engine.create_partner("reseller", parent=other["partner_id"])
    return dist, res, cust, other, foreign


def test_partner_reads_refuse_a_reseller_that_is_not_yours(engine):
    """CBC.99000037 wherever indirect_partner_id names someone else's reseller; CBC.99000035 for
    someone else's customer; CBC.0155 for a customer's key."""
    dist, res, cust, other, foreign = tree(engine)
    p, c = engine.client(dist), engine.client(cust)
    fid = foreign["partner_id"]
    calls = {
        "list_subcustomer_monthly_bills": lambda cl, r: cl.list_subcustomer_monthly_bills(
            ListSubcustomerMonthlyBillsRequest(cycle=this_month(), charge_mode="1", indirect_partner_id=r)),
        "list_sub_customer_bill_detail": lambda cl, r: cl.list_sub_customer_bill_detail(
            ListSubCustomerBillDetailRequest(bill_cycle=this_month(), customer_id=cust["customer_id"],
                                             indirect_partner_id=r)),
        "list_customer_on_demand_resources": lambda cl, r: cl.list_customer_on_demand_resources(
            ListCustomerOnDemandResourcesRequest(body=QueryCustomerOnDemandResourcesReq(
                customer_id=cust["customer_id"], indirect_partner_id=r))),
        "list_quota_coupons": lambda cl, r: cl.list_quota_coupons(ListQuotaCouponsRequest(
            body=QueryCouponQuotasReqExt(indirect_partner_id=r))),
        "list_issued_partner_coupons": lambda cl, r: cl.list_issued_partner_coupons(
            ListIssuedPartnerCouponsRequest(indirect_partner_id=r)),
        "list_partner_coupons_record": lambda cl, r: cl.list_partner_coupons_record(
            ListPartnerCouponsRecordRequest(indirect_partner_id=r)),
    }
    for name, call in calls.items():
        e = expect_client_error(lambda: call(p, fid), 400, "CBC.99000037")
        assert e.error_msg, name
    # A reseller asking as a master distributor would.
    r = engine.client(res)
    for name in ("list_subcustomer_monthly_bills", "list_quota_coupons", "list_issued_partner_coupons"):
        expect_client_error(lambda: calls[name](r, fid), 400, "CBC.99000037")
    # On the quotas a distributor granted, indirect_partner_id filters its own grants: a
    # stranger's reseller has none of them.
    assert p.list_issued_coupon_quotas(ListIssuedCouponQuotasRequest(indirect_partner_id=fid)).total_count == 0
    assert p.list_coupon_quotas_records(ListCouponQuotasRecordsRequest(indirect_partner_id=fid)).total_count == 0
    # The partner's customer under a stranger: not its customer.
    o = engine.client(other)
    expect_client_error(lambda: calls["list_sub_customer_bill_detail"](o, None), 400, "CBC.99000035")
    expect_client_error(lambda: calls["list_customer_on_demand_resources"](o, None), 400, "CBC.99000035")
    # The partner operations refuse a customer's key.
    for name in ("list_subcustomer_monthly_bills", "list_sub_customer_bill_detail",
                 "list_customer_on_demand_resources", "list_quota_coupons"):
        expect_client_error(lambda: calls[name](c, None), 403, "CBC.0155")
    expect_client_error(lambda: c.list_issued_coupon_quotas(ListIssuedCouponQuotasRequest()), 403, "CBC.0155")
    # ... and the customer's coupon list a partner's key.
    expect_client_error(lambda: p.list_sub_customer_coupons(ListSubCustomerCouponsRequest()), 403, "CBC.0155")
    expect_client_error(lambda: c.list_consume_sub_customers(ListConsumeSubCustomersRequest(
        body=ListConsumeSubCustomersReq(bill_cycle=this_month()))), 403, "CBC.0155")


def quota_state(engine, client, quota_id):
    q = client.list_quota_coupons(ListQuotaCouponsRequest(body=QueryCouponQuotasReqExt(quota_ids=[quota_id])))
    return [(x.quota_id, Decimal(str(x.balance)), x.quota_status) for x in q.quotas]


def test_reclaim_coupon_quotas_codes_and_nothing_written(engine, grant_quota):
    dist, res, cust, other, foreign = tree(engine)
    p = engine.client(dist)
    parent = grant_quota(dist["partner_id"], "voucher", "50.00")
    child = p.update_coupon_quotas(UpdateCouponQuotasRequest(body=AdjustCouponQuotasReq(
        quota_id=parent, indirect_partner_ids=[res["partner_id"]], quota_amount=20))).simple_quota_infos[0].quota_id
    # A stranger's child quota.
    o = engine.client(other)
    oparent = grant_quota(other["partner_id"], "voucher", "10.00")
    ochild = o.update_coupon_quotas(UpdateCouponQuotasRequest(body=AdjustCouponQuotasReq(
        quota_id=oparent, indirect_partner_ids=[foreign["partner_id"]], quota_amount=5))).simple_quota_infos[0].quota_id
    before = (quota_state(engine, p, parent), quota_state(engine, engine.client(res), child),
              quota_state(engine, o, oparent), quota_state(engine, engine.client(foreign), ochild))
    records = p.list_coupon_quotas_records(ListCouponQuotasRecordsRequest()).total_count

    def reclaim(client, ids):
        return client.reclaim_coupon_quotas(ReclaimCouponQuotasRequest(body=ReclaimCouponQuotasReq(quota_ids=ids)))

    # Per quota, in error_details: unknown, a top-level quota (not granted to a reseller), a
    # stranger's: "额度不存在或者额度状态不正确".
    r = reclaim(p, ["q-nobody", parent, ochild])
    assert not r.simple_quota_infos
    assert [(x.id, x.error_code) for x in r.error_details] == [
        ("q-nobody", "CBC.99000012"), (parent, "CBC.99000012"), (ochild, "CBC.99000012")]
    assert all(x.error_msg for x in r.error_details)
    # The whole request: a reseller (not a master distributor), a customer's key, bad input.
    expect_client_error(lambda: reclaim(engine.client(res), [child]), 400, "CBC.99000037")
    expect_client_error(lambda: reclaim(engine.client(cust), [child]), 403, "CBC.0155")
    expect_client_error(lambda: reclaim(p, []), 400, "CBC.0100")
    after = (quota_state(engine, p, parent), quota_state(engine, engine.client(res), child),
             quota_state(engine, o, oparent), quota_state(engine, engine.client(foreign), ochild))
    assert after == before
    assert p.list_coupon_quotas_records(ListCouponQuotasRecordsRequest()).total_count == records
    # Reclaimed once; a second reclaim finds nothing left: "优惠券额度不足".
    assert reclaim(p, [child]).simple_quota_infos[0].quota_id == child
    r = reclaim(p, [child])
    assert [(x.id, x.error_code) for x in r.error_details] == [(child, "CBC.99000013")]
    assert p.list_coupon_quotas_records(ListCouponQuotasRecordsRequest()).total_count == records + 1
    assert engine.verify().returncode == 0


def test_renewal_operations_refuse_a_partner_key_and_bad_settings(engine):
    dist, res, cust, other, foreign = tree(engine)
    p, c = engine.client(dist), engine.client(cust)
    quote = lambda cl, ids: cl.list_renew_rate_on_period(ListRenewRateOnPeriodRequest(  # noqa: E731
        body=ListRenewRateOnPeriodReq(resource_ids=ids, period_type=2, period_num=1)))
    expect_client_error(lambda: quote(p, ["r-1"]), 403, "CBC.0155")
    expect_client_error(lambda: quote(c, ["r-1", "r-1"]), 400, "CBC.30050012")
    r = quote(c, ["r-nobody"])
    assert [(x.resource_id, x.error_code) for x in r.fail_resource_infos] == [("r-nobody", "CBC.30050009")]

    def config(cl, name, value):
        return cl.set_resources_renew_config(SetResourcesRenewConfigRequest(body=RenewResourceConfigReq(
            config_name=name, config_value=value)))

    expect_client_error(lambda: config(p, "DEDUCTION_DATE", "3"), 403, "CBC.0155")
    expect_client_error(lambda: config(c, "DEDUCTION_DATE", "9"), 400, "CBC.0100")
    expect_client_error(lambda: config(c, "EXPIRE_DATE", "15"), 400, "PC.1107")
    # Refused settings wrote nothing: the date set before stands, audited once.
    config(c, "DEDUCTION_DATE", "5")
    expect_client_error(lambda: config(c, "EXPIRE_DATE", "15"), 400, "PC.1107")
    expect_client_error(lambda: config(c, "DEDUCTION_DATE", "1"), 400, "CBC.0100")
    cid = cust["customer_id"]
    assert engine.scalar("SELECT deduction_days FROM renew_configs WHERE customer_id = $1", cid) == 5
    assert engine.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'subscriptions.set_renew_config' "
                         "AND target_id = $1", cid) == 1
