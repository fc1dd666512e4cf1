"""Coupons through the official SDK (the coupon and quota operations, list_sub_customer_coupons): quotas,
issue with per-customer error_details, lists, recall, records, distributor → reseller quotas."""

from __future__ import annotations

from huaweicloudsdkbss.v2 import (
    AdjustCouponQuotasReq,
    CreatePartnerCouponsReq,
    CreatePartnerCouponsRequest,
    ListCouponQuotasRecordsRequest,
    ListIssuedCouponQuotasRequest,
    ListIssuedPartnerCouponsRequest,
    ListPartnerCouponsRecordRequest,
    ListQuotaCouponsRequest,
    ListSubCustomerCouponsRequest,
    QueryCouponQuotasReqExt,
    ReclaimCouponQuotasReq,
    ReclaimCouponQuotasRequest,
    ReclaimPartnerCouponsReq,
    ReclaimPartnerCouponsRequest,
    UpdateCouponQuotasRequest,
)

from sdk_support import expect_client_error


def quota_balance(client, quota_id, quota_type=0):
    resp = client.list_quota_coupons(ListQuotaCouponsRequest(body=QueryCouponQuotasReqExt(quota_ids=[quota_id], quota_type=quota_type)))
    assert resp.total_count == 1, resp
    return float(resp.quotas[0].balance)


def test_issue_recall_and_lists(engine, grant_quota):
    dist = engine.create_partner("distributor")
    other = engine.create_partner("distributor")
    c1 = engine.create_customer(dist["partner_id"], "resale")
    cons = engine.create_customer(dist["partner_id"], "consulting")
    q = grant_quota(dist["partner_id"], "voucher", "100.00")
    cq = grant_quota(dist["partner_id"], "cash", "10.00")
    client = engine.client(dist)

    resp = client.list_quota_coupons(ListQuotaCouponsRequest(body=QueryCouponQuotasReqExt()))
    assert resp.total_count == 1 and resp.quotas[0].quota_id == q
    assert resp.quotas[0].quota_type == 0 and resp.quotas[0].quota_status == 0 and resp.quotas[0].currency == "CNY"
    resp = client.list_quota_coupons(ListQuotaCouponsRequest(body=QueryCouponQuotasReqExt(quota_type=1)))
    assert resp.quotas[0].quota_id == cq

    resp = client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
        quota_id=q, customer_ids=[c1["customer_id"], cons["customer_id"]], face_value=25.5, memo="sdk")))
    assert resp.status_code == 200
    assert [i.id for i in resp.coupon_infos] == [c1["customer_id"]]
    assert resp.error_details[0].id == cons["customer_id"]
    assert resp.error_details[0].error_code == "CBC.99000014"
    coupon = resp.coupon_infos[0].coupon_id
    assert quota_balance(client, q) == 74.5

    expect_client_error(lambda: engine.client(other).create_partner_coupons(CreatePartnerCouponsRequest(
        body=CreatePartnerCouponsReq(quota_id=q, customer_ids=[c1["customer_id"]], face_value=1))), 400, "CBC.99000012")

    resp = client.list_issued_partner_coupons(ListIssuedPartnerCouponsRequest(customer_id=c1["customer_id"]))
    assert resp.total_count == 1
    uc = resp.user_coupons[0]
    assert uc.coupon_id == coupon and uc.status == 2 and uc.coupon_type == 1 and float(uc.face_value) == 25.5
    assert uc.is_frozen == "0"

    cust_client = engine.client(c1)
    resp = cust_client.list_sub_customer_coupons(ListSubCustomerCouponsRequest())
    assert resp.count == 1 and resp.user_coupons[0].coupon_id == coupon
    assert resp.user_coupons[0].balance == 25.5 and resp.user_coupons[0].currency == "CNY"

    expect_client_error(lambda: engine.client(other).reclaim_partner_coupons(ReclaimPartnerCouponsRequest(
        body=ReclaimPartnerCouponsReq(coupon_id=coupon))), 400, "CBC.99000000")
    resp = client.reclaim_partner_coupons(ReclaimPartnerCouponsRequest(body=ReclaimPartnerCouponsReq(coupon_id=coupon)))
    assert resp.status_code == 200
    expect_client_error(lambda: client.reclaim_partner_coupons(ReclaimPartnerCouponsRequest(
        body=ReclaimPartnerCouponsReq(coupon_id=coupon))), 400, "CBC.99000048")
    assert quota_balance(client, q) == 100.0
    assert cust_client.list_sub_customer_coupons(ListSubCustomerCouponsRequest()).count == 0
    resp = client.list_issued_partner_coupons(ListIssuedPartnerCouponsRequest(coupon_id=coupon))
    assert resp.user_coupons[0].status == 5

    resp = client.list_partner_coupons_record(ListPartnerCouponsRecordRequest(operation_types=["1", "2"], result="0"))
    assert resp.total_count == 2
    ops = sorted(r.operation_type for r in resp.records)
    assert ops == ["1", "2"]
    assert all(r.result == "0" for r in resp.records)
    resp = client.list_partner_coupons_record(ListPartnerCouponsRecordRequest(operation_types=["2"]))
    assert resp.total_count == 1 and float(resp.records[0].operation_amount) == 25.5


def test_distributor_reseller_quotas(engine, grant_quota):
    dist = engine.create_partner("distributor")
    res = engine.create_partner("reseller", parent=dist["partner_id"])
    q = grant_quota(dist["partner_id"], "voucher", "50.00")
    client = engine.client(dist)
    resp = client.update_coupon_quotas(UpdateCouponQuotasRequest(body=AdjustCouponQuotasReq(
        quota_id=q, indirect_partner_ids=[res["partner_id"], "p-nobody"], quota_amount=20)))
    assert resp.simple_quota_infos[0].id == res["partner_id"]
    assert resp.error_details[0].id == "p-nobody" and resp.error_details[0].error_code == "CBC.99000037"
    child = resp.simple_quota_infos[0].quota_id
    assert quota_balance(engine.client(res), child) == 20.0
    resp = client.list_issued_coupon_quotas(ListIssuedCouponQuotasRequest(indirect_partner_id=res["partner_id"]))
    assert resp.total_count == 1 and resp.quotas[0].parent_quota_id == q and float(resp.quotas[0].balance) == 20.0
    resp = client.reclaim_coupon_quotas(ReclaimCouponQuotasRequest(body=ReclaimCouponQuotasReq(quota_ids=[child], remark="r")))
    assert resp.simple_quota_infos[0].quota_id == child and float(resp.simple_quota_infos[0].quota_balance) == 0.0
    assert quota_balance(client, q) == 50.0
    resp = client.list_coupon_quotas_records(ListCouponQuotasRecordsRequest())
    assert resp.total_count == 2
    assert sorted(r.operation_type for r in resp.records) == ["10", "11"]


def test_quota_limits_granted_by_cli(engine, grant_quota):
    dist = engine.create_partner("distributor")
    custs = [engine.create_customer(dist["partner_id"], "resale")["customer_id"] for _ in range(3)]
    q = grant_quota(dist["partner_id"], "voucher", "100.00", service_types="hws.service.type.ec2,hws.service.type.evs",
                    products="p-1", min_face="5", max_face="50", max_count="2", order_types="1,2")
    client = engine.client(dist)

    # The limits come back in limit_infos (QuotaLimitInfo / LimitValue) through the SDK.
    resp = client.list_quota_coupons(ListQuotaCouponsRequest(body=QueryCouponQuotasReqExt(quota_ids=[q])))
    limits = {li.limit_key: [(v.value1, v.value2) for v in li.limit_values] for li in resp.quotas[0].limit_infos}
    assert limits == {
        "cloud_service_types": [("hws.service.type.ec2", None), ("hws.service.type.evs", None)],
        "product_ids": [("p-1", None)],
        "face_value": [("5.00", "50.00")],
        "max_count": [("2", None)],
        "order_types": [("1", None), ("2", None)],
    }

    def issue(customers, face, **extra):
        return client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
            quota_id=q, customer_ids=customers, face_value=face, **extra)))

    for face, extra, code in [
        (4.99, {}, "CBC.99000018"),
        (50.01, {}, "CBC.99000019"),
        (10, {"cloud_service_types": ["hws.service.type.obs"]}, "CBC.99000023"),
        (10, {"product_ids": ["p-2"]}, "CBC.99000023"),
    ]:
        expect_client_error(lambda: issue([custs[0]], face, **extra), 400, code)
    assert quota_balance(client, q) == 100.0

    # max_count 2: the third customer is refused in error_details; naming the partner itself is 25.
    resp = issue(custs + [dist["partner_id"]], 10)
    assert [i.id for i in resp.coupon_infos] == custs[:2]
    assert [(e.id, e.error_code) for e in resp.error_details] == [
        (custs[2], "CBC.99000020"), (dist["partner_id"], "CBC.99000025")]
    uc = client.list_issued_partner_coupons(ListIssuedPartnerCouponsRequest(coupon_id=resp.coupon_infos[0].coupon_id))
    keys = {u.limit_key: u.value1 for u in uc.user_coupons[0].use_limits}
    assert keys == {"cloud_service_types": "hws.service.type.ec2,hws.service.type.evs", "product_ids": "p-1",
                    "order_types": "1,2"}

    # CBC.99000021: one request may not issue more than the quota's total value.
    q2 = grant_quota(dist["partner_id"], "voucher", "20.00")
    resp = client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
        quota_id=q2, customer_ids=custs[:2], face_value=15)))
    assert [i.id for i in resp.coupon_infos] == custs[:1]
    assert resp.error_details[0].error_code == "CBC.99000021"

    # A bad limit: the CLI exits 2 with a clear message and grants nothing.
    out = engine.cli("admin", "grant-quota", dist["partner_id"], "--type", "voucher", "--amount", "10",
                     "--min-face", "60", "--max-face", "50", check=False)
    assert out.returncode == 2 and "the minimum face value exceeds the maximum" in out.stderr, out.stderr
    resp = client.list_quota_coupons(ListQuotaCouponsRequest(body=QueryCouponQuotasReqExt(limit=100)))
    assert resp.total_count == 2
