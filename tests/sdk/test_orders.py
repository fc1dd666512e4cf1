"""Catalogue and yearly/monthly orders through the official SDK request classes:
list_service_types (§2.36), list_resource_types (§2.37), list_rate_on_period_detail (§2.38),
list_customer_orders (§2.21), show_customer_order_details (§2.22), list_order_discounts (§2.24),
pay_orders (v3, §2.25) with discounts and coupons, list_order_coupons_by_order_id (§2.23),
cancel_customer_order (PUT, §2.26), cancel_resources_subscription (§2.27),
show_refund_order_details (§2.32), and the order-expiry job."""

from __future__ import annotations

import threading
from decimal import Decimal

from huaweicloudsdkbss.v2 import (
    AdjustAccountReq,
    CancelCustomerOrderReq,
    AutoRenewalResourcesReq,
    AutoRenewalResourcesRequest,
    CancelAutoRenewalResourcesRequest,
    CancelCustomerOrderRequest,
    CancelResourcesSubscriptionRequest,
    ListPayPerUseCustomerResourcesRequest,
    QueryResourcesReq,
    RenewalResourcesReq,
    RenewalResourcesRequest,
    CouponSimpleInfoOrderPayV3,
    DiscountSimpleInfoV3,
    CreatePartnerCouponsReq,
    CreatePartnerCouponsRequest,
    ListOrderCouponsByOrderIdRequest,
    ListCustomerOrdersRequest,
    ListOrderDiscountsRequest,
    ListRateOnPeriodDetailRequest,
    ListResourceTypesRequest,
    ListServiceTypesRequest,
    PayCustomerOrderV3Req,
    PayOrdersRequest,
    PeriodProductInfo,
    RateOnPeriodReq,
    ShowCustomerOrderDetailsRequest,
    ShowRefundOrderDetailsRequest,
    UnsubscribeResourcesReq,
    UpdateCustomerAccountAmountRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from sdk_support import expect_client_error


def pay_req(order_id, use_discount="NO", discount_infos=None):
    return PayOrdersRequest(body=PayCustomerOrderV3Req(
        order_id=order_id, use_coupon="NO", use_discount=use_discount, discount_infos=discount_infos))


def setup(engine, balance="0"):
    dist = engine.create_partner("distributor")
    cust = engine.create_customer(dist["partner_id"], "resale")
    if balance != "0":
        engine.credit_partner(dist["partner_id"], balance)
        engine.client(dist).update_customer_account_amount(UpdateCustomerAccountAmountRequest(
            body=AdjustAccountReq(customer_id=cust["customer_id"], amount=Decimal(balance))))
    return dist, cust


def test_cli_lists_products_with_codes_names_and_prices(engine):
    products = engine.list_products()
    ecs = next(p for p in products if p["product_id"] == "ecs-s6-small-1-linux")
    assert ecs["service_type_code"] == "hws.service.type.ec2"
    assert ecs["resource_type_code"] == "hws.resource.type.vm"
    assert ecs["name_en"] and ecs["name_zh"]
    assert str(ecs["month_price"]) == "35.0" or Decimal(str(ecs["month_price"])) == Decimal("35.00")
    assert Decimal(str(ecs["year_price"])) == Decimal("357.00")


def test_service_and_resource_types(engine):
    dist, _ = setup(engine)
    c = engine.client(dist)
    st = c.list_service_types(ListServiceTypesRequest(limit=100))
    assert st.total_count == 6
    codes = [s.service_type_code for s in st.service_types]
    assert "hws.service.type.obs" in codes
    en = c.list_service_types(ListServiceTypesRequest(x_language="en_US", service_type_name="Storage"))
    assert [s.abbreviation for s in en.service_types] == ["OBS"]
    assert en.service_types[0].service_type_name == "Object Storage Service"
    rt = c.list_resource_types(ListResourceTypesRequest(limit=2, offset=0))
    assert rt.total_count == 7 and len(rt.resource_types) == 2
    assert rt.resource_types[0].resource_type_code == "hws.resource.type.vm"
    assert rt.resource_types[0].service_type_code == "hws.service.type.ec2"


def test_rate_on_period_detail(engine):
    dist, cust = setup(engine)
    info = PeriodProductInfo(id="1", cloud_service_type="hws.service.type.ebs", resource_type="hws.resource.type.volume",
                             resource_spec="SSD", region="cn-north-4", resource_size=40, size_measure_id=17,
                             period_type=2, period_num=2, subscription_num=1)
    r = engine.client(cust).list_rate_on_period_detail(
        ListRateOnPeriodDetailRequest(body=RateOnPeriodReq(project_id="proj", product_infos=[info])))
    off = r.official_website_rating_result
    assert off.official_website_amount == Decimal("80.00")
    assert off.product_rating_results[0].product_id == "evs-ssd"
    assert r.currency == "CNY"
    expect_client_error(lambda: engine.client(dist).list_rate_on_period_detail(
        ListRateOnPeriodDetailRequest(body=RateOnPeriodReq(project_id="", product_infos=[info]))), 400, "CBC.0100")
    # The table's "产品未发现" for a spec the catalogue does not sell.
    info.resource_spec = "no.such.spec"
    expect_client_error(lambda: engine.client(cust).list_rate_on_period_detail(
        ListRateOnPeriodDetailRequest(body=RateOnPeriodReq(project_id="proj", product_infos=[info]))), 400, "CBC.99006006")


def test_orders_list_details_pay_and_cancel(engine):
    dist, cust = setup(engine, "500.00")
    o1 = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "year", 1)
    assert Decimal(str(o1["amount"])) == Decimal("357.00")
    o2 = engine.place_order(cust["customer_id"], "vpc-eip-bgp", "month", 2)
    pc, cc = engine.client(dist), engine.client(cust)

    lst = pc.list_customer_orders(ListCustomerOrdersRequest(order_type="1", status=6, order_by="createTime"))
    assert lst.total_count == 2
    first = lst.order_infos[0]
    assert first.order_id == o1["order_id"]
    assert first.order_type == 1 and first.status == 6 and first.measure_id == 1
    assert first.official_amount == 357.0
    assert first.customer_id == cust["customer_id"]

    d = cc.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=o2["order_id"]))
    assert d.total_count == 1
    assert d.order_info.status == 6 and d.order_info.pending_payment_end_time
    assert d.order_line_items[0].product_id == "vpc-eip-bgp"
    assert d.order_line_items[0].period_type == 2 and d.order_line_items[0].period_num == 2

    # Partner keys cannot pay; another customer's order is invalid.
    expect_client_error(lambda: pc.pay_orders(pay_req(o1["order_id"])), 403, "CBC.0155")
    _, other = setup(engine)
    expect_client_error(lambda: engine.client(other).pay_orders(pay_req(o1["order_id"])), 400, "CBC.30000010")
    expect_client_error(lambda: engine.client(other).show_customer_order_details(
        ShowCustomerOrderDetailsRequest(order_id=o1["order_id"])), 400, "CBC.30000010")

    assert cc.list_order_discounts(ListOrderDiscountsRequest(order_id=o1["order_id"])).discounts == []
    r = cc.pay_orders(pay_req(o1["order_id"]))
    assert r.status_code == 200
    expect_client_error(lambda: cc.pay_orders(pay_req(o1["order_id"])), 400, "CBC.99003106")
    # 500.00 - 357.00 = 143.00 left; o2 costs 40.00 but is cancelled instead.
    cc.cancel_customer_order(CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=o2["order_id"])))
    expect_client_error(lambda: cc.cancel_customer_order(
        CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=o2["order_id"]))), 400, "CBC.99005010")
    done = cc.list_customer_orders(ListCustomerOrdersRequest(status=5))
    assert [o.order_id for o in done.order_infos] == [o1["order_id"]]
    assert done.order_infos[0].payment_time
    d = pc.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=o1["order_id"]))
    assert d.order_line_items[0].effective_time and d.order_line_items[0].expire_time
    big = engine.place_order(cust["customer_id"], "ecs-c7-xlarge-2-win", "year", 1)
    expect_client_error(lambda: cc.pay_orders(pay_req(big["order_id"])), 400, "CBC.99005003")


def test_concurrent_payments_pay_once_and_expiry_job(engine):
    _, cust = setup(engine, "35.00")
    order = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 1)
    cc = engine.client(cust)
    results = []

    def attempt():
        try:
            cc.pay_orders(pay_req(order["order_id"]))
            results.append("ok")
        except ClientRequestException as e:
            results.append(e.error_code)

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert set(results) - {"ok"} <= {"CBC.99003106"}, results

    late = engine.place_order(cust["customer_id"], "vpc-eip-bgp", "month", 1)
    out = engine.run_job("order-expiry", now="2999-01-01T00:00:00Z")
    assert late["order_id"] in out.stdout
    d = cc.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=late["order_id"]))
    assert d.order_info.status == 4
    expect_client_error(lambda: cc.pay_orders(pay_req(late["order_id"])), 400, "CBC.99003106")


def test_order_coupons_and_pay_with_a_coupon(engine):
    dist, cust = setup(engine, "100.00")
    q = engine.grant_quota(dist["partner_id"], "voucher", "100.00")
    resp = engine.client(dist).create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
        quota_id=q, customer_ids=[cust["customer_id"]], face_value=10)))
    coupon = resp.coupon_infos[0].coupon_id
    order = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 1)["order_id"]
    c = engine.client(cust)
    usable = c.list_order_coupons_by_order_id(ListOrderCouponsByOrderIdRequest(order_id=order))
    assert usable.count == 1
    assert usable.user_coupons[0].coupon_id == coupon
    assert usable.user_coupons[0].coupon_type == 1
    assert Decimal(str(usable.user_coupons[0].balance)) == Decimal("10")
    assert usable.coupon_max_use_quantity[0].use_quantity_value == 3
    # Partner keys cannot list an order's coupons.
    expect_client_error(lambda: engine.client(dist).list_order_coupons_by_order_id(
        ListOrderCouponsByOrderIdRequest(order_id=order)), 403, "CBC.0155")
    # A wrong pay type is refused and nothing is spent.
    expect_client_error(lambda: c.pay_orders(PayOrdersRequest(body=PayCustomerOrderV3Req(
        order_id=order, use_coupon="YES", use_discount="NO",
        coupon_infos=[CouponSimpleInfoOrderPayV3(id=coupon, type=302)]))), 400, "PC.1103")
    c.pay_orders(PayOrdersRequest(body=PayCustomerOrderV3Req(
        order_id=order, use_coupon="YES", use_discount="NO",
        coupon_infos=[CouponSimpleInfoOrderPayV3(id=coupon, type=301)])))
    d = c.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=order))
    assert d.order_info.status == 5
    assert Decimal(str(d.order_info.amount_info.coupon_amount)) == Decimal("10")
    # The used coupon cannot pay another order.
    other = engine.place_order(cust["customer_id"], "vpc-eip-bgp", "month", 1)["order_id"]
    assert c.list_order_coupons_by_order_id(ListOrderCouponsByOrderIdRequest(order_id=other)).count == 0
    expect_client_error(lambda: c.pay_orders(PayOrdersRequest(body=PayCustomerOrderV3Req(
        order_id=other, use_coupon="YES", use_discount="NO",
        coupon_infos=[CouponSimpleInfoOrderPayV3(id=coupon, type=301)]))), 400, "CBC.99003112")
    assert engine.verify().returncode == 0


def test_resources_list_renew_and_auto_renew(engine):
    dist, cust = setup(engine, "200.00")
    order = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 1)["order_id"]
    c = engine.client(cust)
    c.pay_orders(pay_req(order))
    res = c.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(order_id=order)))
    assert res.total_count == 1
    rid = res.data[0].resource_id
    assert res.data[0].status == 2 and res.data[0].expire_policy == 0
    # The partner lists its customer's resources by naming it.
    pres = engine.client(dist).list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(customer_id=cust["customer_id"])))
    assert [r.resource_id for r in pres.data] == [rid]
    # Renewal paid at once from the balance.
    ren = c.renewal_resources(RenewalResourcesRequest(body=RenewalResourcesReq(
        resource_ids=[rid], period_type=2, period_num=1, is_auto_pay=1)))
    assert len(ren.order_ids) == 1
    d = c.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=ren.order_ids[0]))
    assert d.order_info.order_type == 2 and d.order_info.status == 5
    c.auto_renewal_resources(AutoRenewalResourcesRequest(
        resource_id=rid, body=AutoRenewalResourcesReq(auto_renew_times=2, period_type="MONTH")))
    res = c.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(resource_ids=[rid])))
    assert res.data[0].expire_policy == 3
    c.cancel_auto_renewal_resources(CancelAutoRenewalResourcesRequest(resource_id=rid))
    res = c.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(resource_ids=[rid])))
    assert res.data[0].expire_policy == 0
    # The table's CBC.99003605: auto-renewal is already cancelled.
    expect_client_error(lambda: c.cancel_auto_renewal_resources(CancelAutoRenewalResourcesRequest(resource_id=rid)),
                        400, "CBC.99003605")
    # Another customer's resource does not exist for this one.
    other = engine.create_customer(dist["partner_id"], "resale")
    expect_client_error(lambda: engine.client(other).renewal_resources(RenewalResourcesRequest(
        body=RenewalResourcesReq(resource_ids=[rid], period_type=2, period_num=1))), 400, "CBC.99003016")
    expect_client_error(lambda: engine.client(other).cancel_auto_renewal_resources(
        CancelAutoRenewalResourcesRequest(resource_id=rid)), 400, "CBC.99003012")
    # The job runs (nothing has expired yet).
    out = engine.run_job("subscription-renewal")
    assert "subscription-renewal: 0 renewed" in out.stdout
    assert engine.verify().returncode == 0


def test_unsubscribe_and_refund_details(engine):
    """cancel_resources_subscription (§2.27) and show_refund_order_details (§2.32): a resource
    bought moments ago comes back in full (the 5-day no-reason refund), as a type-4 order whose
    refund details name the purchase order; the partner reads them naming its customer."""
    dist, cust = setup(engine, "100.00")
    order = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 1)["order_id"]
    c, p = engine.client(cust), engine.client(dist)
    c.pay_orders(pay_req(order))
    rid = c.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(order_id=order))).data[0].resource_id

    def unsub(client, ids, kind):
        return client.cancel_resources_subscription(CancelResourcesSubscriptionRequest(body=UnsubscribeResourcesReq(
            resource_ids=ids, unsubscribe_type=kind, unsubscribe_reason_type=5, unsubscribe_reason="no longer needed")))

    # Customer-only; nothing renewed to refund with type 2; unknown ids.
    expect_client_error(lambda: unsub(p, [rid], 1), 403, "CBC.0155")
    expect_client_error(lambda: unsub(c, [rid], 2), 400, "CBC.99003128")
    expect_client_error(lambda: unsub(c, ["no-such-resource"], 1), 400, "CBC.99003012")
    expect_client_error(lambda: unsub(c, [rid], 7), 400, "CBC.0100")

    r = unsub(c, [rid], 1)
    assert len(r.order_ids) == 1 and not r.fail_resource_infos
    refund_order = r.order_ids[0]
    d = c.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=refund_order))
    assert d.order_info.order_type == 4 and d.order_info.status == 5
    assert d.order_info.amount_after_discount == Decimal("35.00")

    details = c.show_refund_order_details(ShowRefundOrderDetailsRequest(order_id=refund_order))
    assert details.total_count == 1
    row = details.refund_infos[0]
    assert row.amount == Decimal("-35.00") and row.measure_id == "1"
    assert row.base_order_id == order and row.customer_id == cust["customer_id"]
    assert row.service_type_code == "hws.service.type.ec2" and row.region_code == "cn-north-4"
    assert row.resource_type_code == "hws.resource.type.vm" and row.resource_type_name
    by_partner = p.show_refund_order_details(ShowRefundOrderDetailsRequest(
        order_id=refund_order, customer_id=cust["customer_id"]))
    assert [x.amount for x in by_partner.refund_infos] == [Decimal("-35.00")]
    expect_client_error(lambda: c.show_refund_order_details(ShowRefundOrderDetailsRequest(order_id=order)),
                        400, "CBC.99005026")
    other = engine.create_partner("distributor")
    expect_client_error(lambda: engine.client(other).show_refund_order_details(ShowRefundOrderDetailsRequest(
        order_id=refund_order, customer_id=cust["customer_id"])), 400, "CBC.30000010")
    # Closed: a second unsubscribe is refused; the balance is whole again.
    expect_client_error(lambda: unsub(c, [rid], 1), 400, "CBC.30000067")
    res = c.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(resource_ids=[rid])))
    assert res.data[0].status == 3
    assert engine.verify().returncode == 0


def test_promotion_and_price_adjustment_discounts(engine):
    """list_order_discounts (§2.24) and pay_orders (§2.25) with the operator's discounts: a
    promotion is offered as type 0 beside nothing else here and paid as fee item 700; a price
    adjustment (609) is then the only discount an order offers, as an amount off (mode 2), and its
    payment records 609."""
    dist, cust = setup(engine, "200.00")
    # On a product no other test buys: promotions are for every customer of the shared server.
    promo = engine.cli_json("admin", "create-promotion", "--name", "Spring", "--ratio", "0.8",
                            "--product", "dcs-redis-2g")["promotion_id"]
    c = engine.client(cust)
    o1 = engine.place_order(cust["customer_id"], "dcs-redis-2g", "month", 1)["order_id"]
    offered = c.list_order_discounts(ListOrderDiscountsRequest(order_id=o1)).discounts
    assert [(d.discount_id, d.discount_type) for d in offered] == [(promo, 0)]
    assert offered[0].orders[0].order_line_items[0].discount_amount == Decimal("38.00")
    expect_client_error(lambda: c.pay_orders(pay_req(o1, "YES", [DiscountSimpleInfoV3(id=promo, type=3)])),
                        400, "CBC.99003108")
    c.pay_orders(pay_req(o1, "YES", [DiscountSimpleInfoV3(id=promo, type=0)]))
    d = c.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=o1)).order_info
    assert d.status == 5
    assert [(x.discount_type, x.discount_amount) for x in d.amount_info.discounts] == [("700", Decimal("38.00"))]

    o2 = engine.place_order(cust["customer_id"], "vpc-eip-bgp", "month", 1)["order_id"]
    engine.cli("admin", "adjust-order", "--order", o2, "--amount", "5.00", "--reason", "negotiated")
    offered = c.list_order_discounts(ListOrderDiscountsRequest(order_id=o2)).discounts
    assert [(d.discount_id, d.discount_type, d.discount_value) for d in offered] == [(o2, 609, "5.00")]
    assert offered[0].orders[0].order_line_items[0].discount_mode == 2
    c.pay_orders(pay_req(o2, "YES", [DiscountSimpleInfoV3(id=o2, type=609)]))
    d = c.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=o2)).order_info
    assert [(x.discount_type, x.discount_amount) for x in d.amount_info.discounts] == [("609", Decimal("5.00"))]
    assert engine.verify().returncode == 0
