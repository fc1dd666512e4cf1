"""Pay-per-use through the official SDK: usage imported with the CLI (`usage import`), then
list_customer_on_demand_resources (a partner's view of its customer's pay-per-use resources,
refused for another partner's customer), list_on_demand_resource_ratings (the price of usage
before it is used), and a customer's resource package reads (list_free_resource_infos,
list_free_resource_usages, list_free_resources_usage_records)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from huaweicloudsdkbss.v2 import (
    DemandProductInfo,
    ListCustomerOnDemandResourcesRequest,
    ListFreeResourceInfosReq,
    ListFreeResourceInfosRequest,
    ListFreeResourceUsagesReq,
    ListFreeResourceUsagesRequest,
    ListFreeResourcesUsageRecordsRequest,
    ListOnDemandResourceRatingsRequest,
    QueryCustomerOnDemandResourcesReq,
    RateOnDemandReq,
)

from sdk_support import expect_client_error


def utc(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def imported(engine, tmp_path):
    """A distributor's customer with two VMs used for 3 h and 1.5 h (an hour ago). Resource ids
    are unique in a deployment (a resource belongs to one customer), hence the prefix."""
    dist = engine.create_partner("distributor")
    cust = engine.create_customer(dist["partner_id"], "resale")
    end = datetime.now(timezone.utc) - timedelta(hours=1)
    begin = end - timedelta(hours=3)
    path = tmp_path / f"usage-{cust['customer_id']}.jsonl"
    rows = [
        {"usage_id": f"{cust['customer_id']}-{n}", "customer_id": cust["customer_id"],
         "resource_id": f"{cust['customer_id']}-{rid}",
         "product_id": "ecs-s6-small-1-linux", "usage": hours, "begin_time": utc(begin), "end_time": utc(end),
         "resource_name": name}
        for n, (rid, hours, name) in enumerate([("vm-a", "3", "web"), ("vm-b", "1.5", "batch")])
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = json.loads(engine.cli("usage", "import", str(path), "--json").stdout)
    assert out["accepted"] == 2, out
    return dist, cust, out


def test_a_partner_lists_its_customers_on_demand_resources(engine, tmp_path):
    dist, cust, out = imported(engine, tmp_path)
    # 3 h and 1.5 h at 0.07 yuan: 0.21 + 0.105 (→ 0.11), all owed (no balance).
    assert out["charged"] == "0.32" and out["owed"] == "0.32", out
    p = engine.client(dist)
    r = p.list_customer_on_demand_resources(ListCustomerOnDemandResourcesRequest(
        x_language="en_US", body=QueryCustomerOnDemandResourcesReq(customer_id=cust["customer_id"])))
    assert r.total_count == 2
    by_id = {x.resource_id.split("-", 1)[1]: x for x in r.resources}
    assert set(by_id) == {"vm-a", "vm-b"}
    assert by_id["vm-a"].resource_name == "web"
    assert by_id["vm-a"].service_type_code == "hws.service.type.ec2"
    assert by_id["vm-a"].resource_type_name
    assert by_id["vm-a"].status == 1
    # Filters: one id; a region with none.
    r = p.list_customer_on_demand_resources(ListCustomerOnDemandResourcesRequest(
        body=QueryCustomerOnDemandResourcesReq(customer_id=cust["customer_id"], resource_ids=[f"{cust['customer_id']}-vm-b"])))
    assert [x.resource_id for x in r.resources] == [f"{cust['customer_id']}-vm-b"]
    r = p.list_customer_on_demand_resources(ListCustomerOnDemandResourcesRequest(
        body=QueryCustomerOnDemandResourcesReq(customer_id=cust["customer_id"], region_code="ap-southeast-1")))
    assert r.total_count == 0
    # Another partner: not its customer.
    other = engine.create_partner("distributor")
    expect_client_error(lambda: engine.client(other).list_customer_on_demand_resources(
        ListCustomerOnDemandResourcesRequest(body=QueryCustomerOnDemandResourcesReq(
            customer_id=cust["customer_id"]))), 400)
    # Bad input names the field.
    e = expect_client_error(lambda: p.list_customer_on_demand_resources(ListCustomerOnDemandResourcesRequest(
        body=QueryCustomerOnDemandResourcesReq(customer_id=cust["customer_id"], effective_time_begin="yesterday"))),
        400, "CBC.0100")
    assert "effective_time_begin" in e.error_msg


def test_on_demand_ratings_price_usage_from_the_catalogue(engine):
    dist = engine.create_partner("distributor")
    r = engine.client(dist).list_on_demand_resource_ratings(ListOnDemandResourceRatingsRequest(body=RateOnDemandReq(
        product_infos=[
            DemandProductInfo(id="1", cloud_service_type="hws.service.type.ec2", resource_type="hws.resource.type.vm",
                              resource_spec="s6.small.1.linux", region="cn-north-4", usage_value=Decimal("10"),
                              usage_measure_id=4, subscription_num=2),
            DemandProductInfo(id="2", cloud_service_type="hws.service.type.vpc", resource_type="hws.resource.type.ip",
                              resource_spec="5_bgp", region="cn-north-4", usage_value=Decimal("24"),
                              usage_measure_id=4, subscription_num=1),
        ])))
    # 10 h × 0.07 × 2 = 1.40; 24 h × 0.02 = 0.48.
    assert Decimal(str(r.amount)) == Decimal("1.88")
    assert r.currency == "CNY"
    amounts = {x.id: Decimal(str(x.amount)) for x in r.product_rating_results}
    assert amounts == {"1": Decimal("1.40"), "2": Decimal("0.48")}
    expect_client_error(lambda: engine.client(dist).list_on_demand_resource_ratings(
        ListOnDemandResourceRatingsRequest(body=RateOnDemandReq(product_infos=[
            DemandProductInfo(id="x", cloud_service_type="hws.service.type.ec2", resource_type="hws.resource.type.vm",
                              resource_spec="no.such.spec", region="cn-north-4", usage_value=Decimal("1"))]))),
        400, "CBC.99006006")


def test_a_customer_reads_its_packages_and_deductions(engine, tmp_path):
    _, cust, _ = imported(engine, tmp_path)
    c = engine.client(cust)
    r = c.list_free_resource_infos(ListFreeResourceInfosRequest(body=ListFreeResourceInfosReq(status=1)))
    assert r.total_count == 0 and r.free_resource_packages == []
    r = c.list_free_resource_usages(ListFreeResourceUsagesRequest(body=ListFreeResourceUsagesReq(
        free_resource_ids=["FR-none"])))
    assert r.free_resources == []
    r = c.list_free_resources_usage_records(ListFreeResourcesUsageRecordsRequest(limit=10))
    assert r.total_count == 0
    expect_client_error(lambda: c.list_free_resource_infos(ListFreeResourceInfosRequest(
        body=ListFreeResourceInfosReq(status=9))), 400, "CBC.0100")
