"""A customer's own bill and account operations through the official SDK:
list_customer_account_change_records (its cash account's income and expense, the vendor's trade
types; resale customers refused), list_customerself_resource_records and
list_customerself_resource_record_details (its resource consumption, by record, resource-month
and resource-day), list_customer_bills_monthly_break_down (the month's amortized cost),
list_renew_rate_on_period (renewal quotes) and set_resources_renew_config (the auto-renewal
deduction date)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import requests
from huaweicloudsdkbss.v2 import (
    ListCustomerAccountChangeRecordsRequest,
    ListCustomerBillsMonthlyBreakDownRequest,
    ListCustomerselfResourceRecordDetailsRequest,
    ListCustomerselfResourceRecordsRequest,
    ListPayPerUseCustomerResourcesRequest,
    ListRenewRateOnPeriodReq,
    ListRenewRateOnPeriodRequest,
    PayCustomerOrderV3Req,
    PayOrdersRequest,
    QueryResourcesReq,
    QueryResRecordsDetailReq,
    RenewResourceConfigReq,
    SetResourcesRenewConfigRequest,
)

from sdk_support import expect_client_error, funded_resale_customer


def this_month() -> str:
    """The billing month now, in the business time zone (UTC+8)."""
    return datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m")


def pay(engine, cust, order):
    engine.client(cust).pay_orders(PayOrdersRequest(body=PayCustomerOrderV3Req(
        order_id=order, use_coupon="NO", use_discount="NO")))


def resources(engine, cust, order):
    res = engine.client(cust).list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(order_id=order)))
    return [r.resource_id for r in res.data]




# ------------------------------------------------------------------------------------------------
# list_customer_account_change_records


def _console(engine, login, password) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{engine.endpoint}/console/login", data={"login": login, "password": password},
               allow_redirects=False)
    assert r.status_code in (200, 303), r.text[:500]
    return s


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def top_up(engine, cust, amount: str) -> None:
    """The customer declares an offline top-up on its console page; an operator confirms it."""
    s = _console(engine, cust["login"], cust["password"])
    page = s.get(f"{engine.endpoint}/console/topup").text
    ref = engine.unique("REMIT")
    r = s.post(f"{engine.endpoint}/console/topup",
               data={"csrf": _csrf(page), "amount": amount, "reference": ref, "order_id": ""},
               allow_redirects=False)
    assert r.status_code in (200, 303), r.text[:500]
    op_login = engine.unique("ops")
    engine.cli("admin", "create-operator", "--login", op_login, "--password", "Passw0rd!ops")
    ops = _console(engine, op_login, "Passw0rd!ops")
    page = ops.get(f"{engine.endpoint}/console/topups").text
    ids = re.findall(r'/console/topups/([^/"]+)/confirm', page)
    assert ids, "the operator's list shows the pending top-up"
    for tid in ids:
        r = ops.post(f"{engine.endpoint}/console/topups/{tid}/confirm", data={"csrf": _csrf(page)},
                     allow_redirects=False)
        assert r.status_code in (200, 303), r.text[:500]


def changes(client, **kw):
    return client.list_customer_account_change_records(ListCustomerAccountChangeRecordsRequest(
        balance_type=kw.pop("balance_type", "BALANCE_TYPE_DEBIT"), **kw))


def test_a_customer_reads_its_top_up_and_payment(engine):
    dist = engine.create_partner("distributor")
    cust = engine.create_customer(dist["partner_id"], "consulting")
    top_up(engine, cust, "100.00")
    order = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 1)["order_id"]
    pay(engine, cust, order)
    c = engine.client(cust)
    r = changes(c)
    assert r.total_count == 2 and r.currency == "CNY"
    paid, topped = r.records
    assert paid.trade_detail_type == "SOURCE_OPERATION_DEDEUCT" and paid.revenue_expense_type == "EXPENSE"
    assert paid.change_amount == "-35.00" and paid.balance_after_change == "65.00"
    assert paid.trade_id == order and paid.payment_channel_id == "0" and paid.bill_cycle == this_month()
    assert topped.trade_detail_type == "SOURCE_OPERAIION_RECHARGE" and topped.revenue_expense_type == "REVENUE"
    assert topped.change_amount == "100.00" and topped.balance_after_change == "100.00"
    assert topped.payment_channel_id == "2" and topped.account_name == cust["domain_name"]
    # Filters.
    assert [x.trade_id for x in changes(c, revenue_expense_type="EXPENSE").records] == [order]
    assert [x.trade_detail_type for x in changes(c, trade_type="RECHARGE").records] == ["SOURCE_OPERAIION_RECHARGE"]
    assert changes(c, trade_type="REFUND").total_count == 0
    assert changes(c, trade_id=order).total_count == 1
    assert changes(c, payment_channel_id="2").total_count == 1
    page = changes(c, offset=1, limit=1)
    assert page.total_count == 2 and [x.trade_id for x in page.records] == [topped.trade_id]
    assert changes(c, balance_type="BALANCE_TYPE_CREDIT").total_count == 0
    # Bad input.
    expect_client_error(lambda: changes(c, revenue_expense_type="INCOME"), 400, "CBC.0100")
    expect_client_error(lambda: changes(c, trade_type="GIFT"), 400, "CBC.0100")
    expect_client_error(lambda: changes(c, balance_type="CASH"), 400, "CBC.0100")
    expect_client_error(lambda: changes(c, limit=101), 400, "CBC.0100")


def test_resale_customers_and_partners_are_refused(engine):
    dist, cust = funded_resale_customer(engine, "50.00")
    expect_client_error(lambda: changes(engine.client(cust)), 400, "CBC.99000049")
    expect_client_error(lambda: changes(engine.client(dist)), 403, "CBC.0155")


# ------------------------------------------------------------------------------------------------
# The resource reads and the month's cost


def bought(engine):
    """A resale customer's 3-month ECS (105.00) and two 1-month ECS in one order (35.00 each)."""
    dist, cust = funded_resale_customer(engine)
    quarter = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 3)["order_id"]
    pay(engine, cust, quarter)
    pair = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 1, quantity=2)["order_id"]
    pay(engine, cust, pair)
    return dist, cust, quarter, pair


def records(client, **kw):
    return client.list_customerself_resource_records(ListCustomerselfResourceRecordsRequest(
        cycle=kw.pop("cycle", this_month()), **kw))


def test_the_customer_reads_its_resource_records(engine):
    dist, cust, quarter, pair = bought(engine)
    c = engine.client(cust)
    r = records(c, limit=100)
    assert r.total_count == 3 and r.currency == "CNY"
    assert sum(x.amount for x in r.fee_records) == Decimal("175.00")
    q = [x for x in r.fee_records if x.trade_id == quarter]
    assert len(q) == 1 and q[0].amount == Decimal("105.00") and q[0].order_id == quarter
    assert q[0].cloud_service_type == "hws.service.type.ec2" and q[0].charge_mode == "1" and q[0].period_type == "20"
    assert q[0].cloud_service_type_name == "弹性云服务器" and q[0].id and q[0].bill_type == 1
    assert records(c, trade_id=pair).total_count == 2
    assert records(c, resource_id=q[0].resource_id).total_count == 1
    assert records(c, charge_mode="3").total_count == 0
    assert records(c, x_language="en_US").fee_records[0].cloud_service_type_name == "Elastic Cloud Server"
    by_month = records(c, statistic_type=1, limit=100)
    assert by_month.total_count == 3 and all(x.id is None for x in by_month.fee_records)
    by_day = records(c, statistic_type=2)
    assert by_day.total_count == 3 and by_day.fee_records[0].bill_date
    expect_client_error(lambda: records(c, statistic_type=4), 400, "CBC.0100")
    expect_client_error(lambda: records(c, cycle="2026/11"), 400, "CBC.0100")
    expect_client_error(lambda: records(engine.client(dist)), 403, "CBC.0155")


def details(client, **kw):
    kw.setdefault("cycle", this_month())
    return client.list_customerself_resource_record_details(ListCustomerselfResourceRecordDetailsRequest(
        body=QueryResRecordsDetailReq(**kw)))


def test_the_customer_reads_its_resource_details(engine):
    dist, cust, quarter, pair = bought(engine)
    c = engine.client(cust)
    r = details(c, limit=100)
    assert r.total_count == 3 and r.currency == "CNY"
    assert all(x.resource_type_code == "hws.resource.type.vm" for x in r.monthly_records), "resource_Type_code"
    assert sum(x.consume_amount for x in r.monthly_records) == Decimal("175.00")
    assert all(x.bill_date is None and x.payer_account_id == cust["customer_id"] for x in r.monthly_records)
    one = r.monthly_records[0].res_instance_id
    assert details(c, res_instance_id=one).total_count == 1
    assert details(c, statistic_type=3, charge_mode=1).total_count == 3
    assert details(c, statistic_type=1, bill_type=2).total_count == 0
    expect_client_error(lambda: details(c, statistic_type=1, query_type="DAILY",
                                        bill_cycle_begin="2026-01-01", bill_cycle_end="2026-01-02"), 400, "CBC.0100")
    expect_client_error(lambda: details(c, payer_account_id=dist["partner_id"]), 400, "CBC.0100")
    expect_client_error(lambda: details(engine.client(dist)), 403, "CBC.0155")


def test_the_month_bears_a_third_of_a_quarter(engine):
    dist, cust, quarter, pair = bought(engine)
    c = engine.client(cust)
    r = c.list_customer_bills_monthly_break_down(ListCustomerBillsMonthlyBreakDownRequest(
        shared_month=this_month(), limit=100))
    assert r.total_count == 3 and r.currency == "CNY"
    q = [x for x in r.details if x.order_id == quarter][0]
    assert q.consume_amount == Decimal("105.00") and q.current_month_amortized_amount == Decimal("35.00")
    assert q.past_months_amortized_amount == Decimal("0.00") and q.future_months_amortized_amount == Decimal("70.00")
    assert q.amortized_cash_amount == Decimal("35.00") and q.shared_month == this_month()
    for x in r.details:
        if x.order_id == pair:
            assert x.current_month_amortized_amount == Decimal("35.00") and x.future_months_amortized_amount == 0
    expect_client_error(lambda: c.list_customer_bills_monthly_break_down(ListCustomerBillsMonthlyBreakDownRequest(
        shared_month="2019-01")), 400, "CBC.0100")
    expect_client_error(lambda: engine.client(dist).list_customer_bills_monthly_break_down(
        ListCustomerBillsMonthlyBreakDownRequest(shared_month=this_month())), 403, "CBC.0155")


# ------------------------------------------------------------------------------------------------
# Renewal quotes and settings


def rate(client, ids, period_type=2, period_num=1):
    return client.list_renew_rate_on_period(ListRenewRateOnPeriodRequest(body=ListRenewRateOnPeriodReq(
        resource_ids=ids, period_type=period_type, period_num=period_num)))


def test_the_customer_quotes_a_renewal(engine):
    dist, cust, quarter, pair = bought(engine)
    c = engine.client(cust)
    rq = resources(engine, cust, quarter)[0]
    rp = resources(engine, cust, pair)
    r = rate(c, [rq] + rp, 2, 3)
    assert r.currency == "CNY" and not r.fail_resource_infos
    assert [(x.resource_id, x.amount) for x in r.renew_inquiry_results] == [(rq, "105.00"), (rp[0], "105.00"), (rp[1], "105.00")]
    assert r.official_website_rating_result.official_website_amount == "315.00"
    assert rate(c, [rq], 3, 1).renew_inquiry_results[0].amount == "357.00"
    # Another customer's resource and an unknown one are listed as failures, not refused.
    _, other = funded_resale_customer(engine, "100.00")
    o_order = engine.place_order(other["customer_id"], "ecs-s6-small-1-linux", "month", 1)["order_id"]
    pay(engine, other, o_order)
    foreign = resources(engine, other, o_order)[0]
    r = rate(c, [rq, foreign, "nope"])
    assert [x.resource_id for x in r.renew_inquiry_results] == [rq]
    assert [(x.resource_id, x.error_code) for x in r.fail_resource_infos] == [
        (foreign, "CBC.30050009"), ("nope", "CBC.30050009")]
    expect_client_error(lambda: rate(c, [rq, rq]), 400, "CBC.30050012")
    expect_client_error(lambda: rate(c, [rq], 2, 12), 400, "CBC.0100")
    expect_client_error(lambda: rate(engine.client(dist), [rq]), 403, "CBC.0155")


def renew_config(client, name, value):
    return client.set_resources_renew_config(SetResourcesRenewConfigRequest(body=RenewResourceConfigReq(
        config_name=name, config_value=value)))


def test_the_customer_sets_its_deduction_date(engine):
    dist, cust = funded_resale_customer(engine, "10.00")
    c = engine.client(cust)
    r = renew_config(c, "DEDUCTION_DATE", "7")
    assert r.error_code == "CBC.0000" and r.error_msg == "success"
    assert renew_config(c, "DEDUCTION_DATE", "2").error_code == "CBC.0000"
    expect_client_error(lambda: renew_config(c, "DEDUCTION_DATE", "8"), 400, "CBC.0100")
    expect_client_error(lambda: renew_config(c, "EXPIRE_DATE", "15"), 400, "PC.1107")
    expect_client_error(lambda: renew_config(c, "EXPIRE_DATE", "29"), 400, "CBC.0100")
    expect_client_error(lambda: renew_config(engine.client(dist), "DEDUCTION_DATE", "7"), 403, "CBC.0155")
