"""The international SDK (huaweicloudsdkbssintl, same version as huaweicloudsdkbss) against the
server: every operation the two SDKs share, called through `BssintlClient` and its own request
classes. Where the SDKs differ (docs/sdk-compat.md) the server takes both shapes: registration by
e-mail (`send_verification_message_code` with receiver_type 2 and `email`; `create_sub_customer`
with `email` and the required `domain_area`, no mobile number). Money the intl client cannot move
(allocations are not in it) is moved with the Chinese client."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import huaweicloudsdkbssintl.v2 as I

from sdk_support import Creds, expect_client_error, funded_resale_customer, intl_client


def intl(engine, record):
    return intl_client(engine.port, Creds.of(record))


def this_month() -> str:
    return datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m")


def utc(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def email_code(engine, email: str) -> str:
    out = engine.cli("outbox", "--recipient", email, "--limit", "1").stdout
    m = re.search(r"\b(\d{6})\b", out)
    assert m, f"no code for {email} in the outbox:\n{out}"
    return m.group(1)


def send_email_code(client, email: str, **kw):
    return client.send_verification_message_code(I.SendVerificationMessageCodeRequest(
        body=I.SendVerificationCodeV2Req(receiver_type=2, email=email, **kw)))


def create(client, **kw):
    return client.create_sub_customer(I.CreateSubCustomerRequest(body=I.CreateCustomerV2Req(**kw)))


def customers(client, **kw):
    return client.list_sub_customers(I.ListSubCustomersRequest(body=I.QuerySubCustomerListReq(**kw)))


def test_register_by_email_with_the_intl_client(engine, distributor):
    p = intl(engine, distributor)
    email = f"{engine.unique('intl')}@example.com"
    assert p.check_user_identity(I.CheckUserIdentityRequest(body=I.CheckSubcustomerUserReq(
        search_type="email", search_value=email))).check_result == "available"
    send_email_code(p, email, lang="en-us", timeout=10)
    code = email_code(engine, email)
    name = engine.unique("intlc")
    r = create(p, domain_name=name, email=email, verification_code=code, domain_area="MX",
               xaccount_id=engine.unique("x"), xaccount_type=distributor["xaccount_type"],
               password="Intl-Passw0rd!")
    assert r.domain_name == name and r.domain_id
    listed = customers(p, customer_id=r.domain_id)
    assert listed.count == 1
    assert listed.customer_infos[0].email == email
    assert listed.customer_infos[0].account_name == name
    assert p.check_user_identity(I.CheckUserIdentityRequest(body=I.CheckSubcustomerUserReq(
        search_type="email", search_value=email.upper()))).check_result == "used_by_user"
    # Without an e-mail address no code is needed (the intl docstring); domain_area in any case.
    plain = create(p, domain_area="de", xaccount_id=engine.unique("x"),
                   xaccount_type=distributor["xaccount_type"])
    assert customers(p, customer_id=plain.domain_id).count == 1


def test_intl_registration_refusals_write_nothing(engine, distributor):
    p = intl(engine, distributor)
    before = customers(p).count
    email = f"{engine.unique('intl')}@example.com"

    def make(**kw):
        base = dict(domain_area="MX", xaccount_id=engine.unique("x"), xaccount_type=distributor["xaccount_type"])
        base.update(kw)
        return create(p, **base)

    e = expect_client_error(lambda: make(domain_area="MEX"), 400, "CBC.0100")
    assert "domain_area" in e.error_msg
    expect_client_error(lambda: make(email="not-an-address"), 400, "CBC.0100")
    # An address needs its code; a wrong code is the vendor's code.
    expect_client_error(lambda: make(email=email), 400, "CBC.0100")
    send_email_code(p, email)
    good = email_code(engine, email)
    wrong = "000000" if good != "000000" else "111111"
    expect_client_error(lambda: make(email=email, verification_code=wrong), 400, "CBC.99004010")
    # The password must not contain the address.
    expect_client_error(lambda: make(email=email, verification_code=good, password=f"Aa1!{email}"),
                        400, "CBC.99000036")
    # An address another account uses (a customer's) is refused.
    taken = f"{engine.unique('intl')}@example.com"
    send_email_code(p, taken)
    make(email=taken, verification_code=email_code(engine, taken))
    send_email_code(p, taken)
    e = expect_client_error(lambda: make(email=taken, verification_code=email_code(engine, taken)), 400, "PC.3112")
    assert taken in e.error_msg
    assert customers(p).count == before + 1
    # The code request itself: receiver_type 2 needs an address.
    expect_client_error(lambda: p.send_verification_message_code(I.SendVerificationMessageCodeRequest(
        body=I.SendVerificationCodeV2Req(receiver_type=2))), 400, "CBC.0100")
    expect_client_error(lambda: send_email_code(p, "nobody"), 400, "CBC.0100")
    expect_client_error(lambda: p.send_verification_message_code(I.SendVerificationMessageCodeRequest(
        body=I.SendVerificationCodeV2Req(receiver_type=3, email=email))), 400, "CBC.0100")


def test_partner_reads_with_the_intl_client(engine):
    dist = engine.create_partner("distributor")
    reseller = engine.create_partner("reseller", parent=dist["partner_id"])
    p = intl(engine, dist)
    r = p.list_indirect_partners(I.ListIndirectPartnersRequest(body=I.QueryIndirectPartnersReq()))
    assert [x.indirect_partner_id for x in r.indirect_partners] == [reseller["partner_id"]]
    assert p.list_service_types(I.ListServiceTypesRequest(limit=100)).total_count > 0
    rt = p.list_resource_types(I.ListResourceTypesRequest(limit=2, offset=0))
    assert len(rt.resource_types) == 2
    r = p.list_on_demand_resource_ratings(I.ListOnDemandResourceRatingsRequest(body=I.RateOnDemandReq(
        product_infos=[I.DemandProductInfo(
            id="1", cloud_service_type="hws.service.type.ec2", resource_type="hws.resource.type.vm",
            resource_spec="s6.small.1.linux", region="cn-north-4", usage_value=Decimal("10"),
            usage_measure_id=4, subscription_num=2)])))
    assert Decimal(str(r.amount)) == Decimal("1.40")
    expect_client_error(lambda: p.list_on_demand_resource_ratings(I.ListOnDemandResourceRatingsRequest(
        body=I.RateOnDemandReq(product_infos=[I.DemandProductInfo(
            id="1", cloud_service_type="hws.service.type.ec2", resource_type="hws.resource.type.vm",
            resource_spec="no.such.spec", region="cn-north-4", usage_value=Decimal("1"))]))), 400, "CBC.99006006")




def test_orders_resources_and_bills_with_the_intl_client(engine):
    dist, cust = funded_resale_customer(engine, "1000.00")
    p, c = intl(engine, dist), intl(engine, cust)
    # A price, an order, its discounts, its payment.
    info = I.PeriodProductInfo(id="1", cloud_service_type="hws.service.type.ebs",
                               resource_type="hws.resource.type.volume", resource_spec="SSD",
                               region="cn-north-4", resource_size=40, size_measure_id=17,
                               period_type=2, period_num=2, subscription_num=1)
    r = c.list_rate_on_period_detail(I.ListRateOnPeriodDetailRequest(body=I.RateOnPeriodReq(
        project_id="proj", product_infos=[info])))
    assert r.official_website_rating_result.official_website_amount == Decimal("80.00")
    order = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 1)["order_id"]
    mine = p.list_customer_orders(I.ListCustomerOrdersRequest(customer_id=cust["customer_id"]))
    assert [o.order_id for o in mine.order_infos] == [order]
    assert c.show_customer_order_details(I.ShowCustomerOrderDetailsRequest(order_id=order)).order_info.status == 6
    assert c.list_order_discounts(I.ListOrderDiscountsRequest(order_id=order)).discounts == []
    c.pay_orders(I.PayOrdersRequest(body=I.PayCustomerOrderV3Req(order_id=order, use_coupon="NO", use_discount="NO")))
    assert c.show_customer_order_details(I.ShowCustomerOrderDetailsRequest(order_id=order)).order_info.status == 5
    spare = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 1)["order_id"]
    c.cancel_customer_order(I.CancelCustomerOrderRequest(body=I.CancelCustomerOrderReq(order_id=spare)))
    assert c.show_customer_order_details(I.ShowCustomerOrderDetailsRequest(order_id=spare)).order_info.status == 4
    # The resource: quote and renew it, auto-renewal on and off, the deduction date, to pay-per-use.
    res = c.list_pay_per_use_customer_resources(I.ListPayPerUseCustomerResourcesRequest(
        body=I.QueryResourcesReq(order_id=order))).data
    rid = res[0].resource_id
    q = c.list_renew_rate_on_period(I.ListRenewRateOnPeriodRequest(body=I.ListRenewRateOnPeriodReq(
        resource_ids=[rid], period_type=2, period_num=1)))
    assert len(q.renew_inquiry_results) == 1 and not q.fail_resource_infos
    ren = c.renewal_resources(I.RenewalResourcesRequest(body=I.RenewalResourcesReq(
        resource_ids=[rid], period_type=2, period_num=1, is_auto_pay=1)))
    assert len(ren.order_ids) == 1
    c.auto_renewal_resources(I.AutoRenewalResourcesRequest(
        resource_id=rid, body=I.AutoRenewalResourcesReq(auto_renew_times=1, period_type="MONTH")))
    c.cancel_auto_renewal_resources(I.CancelAutoRenewalResourcesRequest(resource_id=rid))
    c.set_resources_renew_config(I.SetResourcesRenewConfigRequest(body=I.RenewResourceConfigReq(
        config_name="DEDUCTION_DATE", config_value="3")))
    assert not c.update_period_to_on_demand(I.UpdatePeriodToOnDemandRequest(body=I.PeriodToOnDemandReq(
        operation="SET_UP", resource_ids=[rid]))).error_details
    assert not c.update_period_to_on_demand(I.UpdatePeriodToOnDemandRequest(body=I.PeriodToOnDemandReq(
        operation="CANCEL", resource_ids=[rid]))).error_details
    # Unsubscribe, and the refund's amounts.
    refund = c.cancel_resources_subscription(I.CancelResourcesSubscriptionRequest(body=I.UnsubscribeResourcesReq(
        resource_ids=[rid], unsubscribe_type=1, unsubscribe_reason_type=5,
        unsubscribe_reason="no longer needed"))).order_ids[0]
    details = c.show_refund_order_details(I.ShowRefundOrderDetailsRequest(order_id=refund))
    assert details.total_count >= 1 and all(x.amount < 0 for x in details.refund_infos)
    # The customer's balances and bills.
    bal = c.show_customer_account_balances(I.ShowCustomerAccountBalancesRequest())
    assert bal.account_balances
    s = c.show_customer_monthly_sum(I.ShowCustomerMonthlySumRequest(bill_cycle=this_month()))
    assert s.total_count >= 1
    recs = c.list_customerself_resource_records(I.ListCustomerselfResourceRecordsRequest(cycle=this_month()))
    assert recs.total_count >= 1
    det = c.list_customerself_resource_record_details(I.ListCustomerselfResourceRecordDetailsRequest(
        body=I.QueryResRecordsDetailReq(cycle=this_month())))
    assert det.total_count >= 1
    assert c.list_sub_customer_coupons(I.ListSubCustomerCouponsRequest()).count == 0
    # The vendor codes come through the intl client's exceptions too.
    expect_client_error(lambda: c.auto_renewal_resources(I.AutoRenewalResourcesRequest(
        resource_id="no-such", body=I.AutoRenewalResourcesReq(auto_renew_times=1, period_type="MONTH"))),
        400, "CBC.99003012")
    expect_client_error(lambda: c.show_refund_order_details(I.ShowRefundOrderDetailsRequest(order_id=order)),
                        400, "CBC.99005026")
    assert engine.verify().returncode == 0


def test_usage_reads_with_the_intl_client(engine, tmp_path):
    dist = engine.create_partner("distributor")
    cust = engine.create_customer(dist["partner_id"], "resale")
    end = datetime.now(timezone.utc) - timedelta(hours=1)
    path = tmp_path / f"usage-{cust['customer_id']}.jsonl"
    path.write_text(json.dumps({
        "usage_id": f"{cust['customer_id']}-0", "customer_id": cust["customer_id"],
        "resource_id": f"{cust['customer_id']}-vm", "product_id": "ecs-s6-small-1-linux", "usage": "2",
        "begin_time": utc(end - timedelta(hours=2)), "end_time": utc(end)}) + "\n")
    engine.cli("usage", "import", str(path), "--json")
    p, c = intl(engine, dist), intl(engine, cust)
    r = p.list_customer_on_demand_resources(I.ListCustomerOnDemandResourcesRequest(
        body=I.QueryCustomerOnDemandResourcesReq(customer_id=cust["customer_id"])))
    assert [x.resource_id for x in r.resources] == [f"{cust['customer_id']}-vm"]
    assert c.list_free_resource_infos(I.ListFreeResourceInfosRequest(
        body=I.ListFreeResourceInfosReq(status=1))).total_count == 0
    assert c.list_free_resource_usages(I.ListFreeResourceUsagesRequest(
        body=I.ListFreeResourceUsagesReq(free_resource_ids=["FR-none"]))).free_resources == []
    assert c.list_free_resources_usage_records(I.ListFreeResourcesUsageRecordsRequest(limit=10)).total_count == 0
    other = engine.create_partner("distributor")
    expect_client_error(lambda: intl(engine, other).list_customer_on_demand_resources(
        I.ListCustomerOnDemandResourcesRequest(body=I.QueryCustomerOnDemandResourcesReq(
            customer_id=cust["customer_id"]))), 400, "CBC.99000035")


def test_every_shared_operation_is_called_here(engine):
    """The operations both the server (its /openapi.json) and the intl client have are exactly
    the ones this module calls, so a new shared operation cannot go untested through it."""
    import inspect
    import sys

    import requests
    from huaweicloudsdkbssintl.v2 import BssintlClient

    doc = requests.get(f"{engine.endpoint}/openapi.json", timeout=10).json()
    served = {op["operationId"] for methods in doc["paths"].values() for op in methods.values()}
    intl_ops = {n for n, _ in inspect.getmembers(BssintlClient, inspect.isfunction) if not n.startswith("_")}
    shared = served & intl_ops
    source = inspect.getsource(sys.modules[__name__])
    called = {n for n in shared if re.search(rf"\.{n}\(", source)}
    assert len(shared) == 32, sorted(shared)
    assert called == shared, sorted(shared - called)
