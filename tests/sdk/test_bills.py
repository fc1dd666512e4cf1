"""Consumption records and bills through the official SDK: list_sub_customer_bill_detail (the
partner's view of one customer's month), list_consume_sub_customers (who consumed),
list_subcustomer_monthly_bills (the partner's monthly sums by customer) and
show_customer_monthly_sum, list_customer_bills_fee_records and show_customer_account_balances
(the customer's summary, records and balance), fed by paying an order (one record per
resource) and unsubscribing (a negative record); and the month close (`jobs run bill-close`)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from huaweicloudsdkbss.v2 import (
    AdjustAccountReq,
    CancelResourcesSubscriptionRequest,
    ListPayPerUseCustomerResourcesRequest,
    ListConsumeSubCustomersReq,
    ListCustomerBillsFeeRecordsRequest,
    ListConsumeSubCustomersRequest,
    ListSubCustomerBillDetailRequest,
    ListSubcustomerMonthlyBillsRequest,
    PayCustomerOrderV3Req,
    PayOrdersRequest,
    QueryResourcesReq,
    ShowCustomerAccountBalancesRequest,
    ShowCustomerMonthlySumRequest,
    UnsubscribeResourcesReq,
    UpdateCustomerAccountAmountRequest,
)

from sdk_support import expect_client_error


def this_month() -> str:
    """The billing month now, in the business time zone (UTC+8)."""
    return datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m")


def bought_two(engine):
    """A distributor's resale customer with 200.00 pays a one-month order of two ECS (35.00
    each)."""
    dist = engine.create_partner("distributor")
    cust = engine.create_customer(dist["partner_id"], "resale")
    engine.credit_partner(dist["partner_id"], "200.00")
    engine.client(dist).update_customer_account_amount(UpdateCustomerAccountAmountRequest(
        body=AdjustAccountReq(customer_id=cust["customer_id"], amount=Decimal("200.00"))))
    order = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 1, quantity=2)["order_id"]
    engine.client(cust).pay_orders(PayOrdersRequest(body=PayCustomerOrderV3Req(
        order_id=order, use_coupon="NO", use_discount="NO")))
    return dist, cust, order


def detail(client, customer_id, **kw):
    return client.list_sub_customer_bill_detail(ListSubCustomerBillDetailRequest(
        bill_cycle=kw.pop("bill_cycle", this_month()), customer_id=customer_id, **kw))


def test_a_paid_order_gives_one_record_per_resource_that_its_partner_reads(engine):
    dist, cust, order = bought_two(engine)
    p = engine.client(dist)
    r = detail(p, cust["customer_id"])
    assert r.total_count == 2 and r.currency == "CNY"
    ids = set()
    for rec in r.fee_records:
        assert rec.bill_cycle == this_month() and rec.customer_id == cust["customer_id"]
        assert rec.trade_id == order and rec.bill_detail_type == 1 and rec.charging_mode == 1
        assert rec.association_type == "2" and rec.partner_id == dist["partner_id"]
        assert rec.service_type_code == "hws.service.type.ec2" and rec.region_code == "cn-north-4"
        assert rec.official_amount == Decimal("35.00") and rec.payment_amount == Decimal("35.00")
        assert rec.cash_amount == Decimal("35.00") and rec.coupon_amount == Decimal("0.00")
        assert rec.period_type == 20 and rec.period_num == 1 and rec.order_type == 1
        assert rec.service_type_name == "弹性云服务器"
        ids.add(rec.resource_id)
    res = engine.client(cust).list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(order_id=order)))
    assert ids == {x.resource_id for x in res.data}, "one record per resource bought"
    # English names on request; paging; filters.
    en = detail(p, cust["customer_id"], x_language="en_us")
    assert en.fee_records[0].service_type_name == "Elastic Cloud Server"
    page = detail(p, cust["customer_id"], limit=1, offset=1)
    assert page.total_count == 2 and len(page.fee_records) == 1
    assert detail(p, cust["customer_id"], trade_id=order).total_count == 2
    assert detail(p, cust["customer_id"], bill_detail_type=4).total_count == 0
    assert detail(p, cust["customer_id"], charging_mode=3).total_count == 0
    assert detail(p, cust["customer_id"], association_type="1").total_count == 0
    today = datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m-%d")
    assert detail(p, cust["customer_id"], bill_date_begin=today, bill_date_end=today).total_count == 2
    assert engine.verify().returncode == 0


def test_refusals(engine):
    dist, cust, _ = bought_two(engine)
    p = engine.client(dist)
    # A customer the partner never had; a bad month; a month out of the 18-month window; a bad
    # filter; a date outside the month; a customer's key.
    other = engine.create_partner("distributor")
    stranger = engine.create_customer(other["partner_id"], "resale")
    expect_client_error(lambda: detail(p, stranger["customer_id"]), 400, "CBC.99000035")
    expect_client_error(lambda: detail(p, cust["customer_id"], bill_cycle="2026-13"), 400, "CBC.0100")
    expect_client_error(lambda: detail(p, cust["customer_id"], bill_cycle="2019-01"), 400, "CBC.0100")
    expect_client_error(lambda: detail(p, cust["customer_id"], charging_mode=7), 400, "CBC.0100")
    expect_client_error(lambda: detail(p, cust["customer_id"], bill_date_begin="2019-01-01",
                                       bill_date_end="2019-01-02"), 400, "CBC.0100")
    expect_client_error(lambda: detail(p, cust["customer_id"], limit=1001), 400, "CBC.0100")
    expect_client_error(lambda: detail(engine.client(cust), cust["customer_id"]), 403, "CBC.0155")
    # A reseller's customer is read by its distributor only naming the reseller.
    reseller = engine.create_partner("reseller", parent=dist["partner_id"])
    expect_client_error(lambda: detail(engine.client(other), cust["customer_id"],
                                       indirect_partner_id=reseller["partner_id"]), 400, "CBC.99000037")
    expect_client_error(lambda: engine.client(dist).show_customer_monthly_sum(ShowCustomerMonthlySumRequest(
        bill_cycle=this_month())), 403, "CBC.0155")


def test_an_unsubscribe_is_a_negative_record_and_the_customer_sums_its_month(engine):
    dist, cust, order = bought_two(engine)
    c = engine.client(cust)
    rid = c.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(order_id=order))).data[0].resource_id
    refund = c.cancel_resources_subscription(CancelResourcesSubscriptionRequest(body=UnsubscribeResourcesReq(
        resource_ids=[rid], unsubscribe_type=1, unsubscribe_reason_type=5,
        unsubscribe_reason="no longer needed"))).order_ids[0]
    r = detail(engine.client(dist), cust["customer_id"], bill_detail_type=4)
    assert r.total_count == 1
    rec = r.fee_records[0]
    assert rec.trade_id == refund and rec.resource_id == rid and rec.order_type == 4
    assert rec.payment_amount == Decimal("-35.00") and rec.cash_amount == Decimal("-35.00")

    s = c.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle=this_month()))
    assert s.total_count == 2 and s.currency == "CNY" and s.measure_id == 1
    by_type = {x.bill_type: x for x in s.bill_sums}
    assert by_type[1].consume_amount == Decimal("70.00") and by_type[1].cash_amount == Decimal("70.00")
    assert by_type[2].consume_amount == Decimal("-35.00")
    assert by_type[1].service_type_name == "弹性云服务器" and by_type[1].customer_id == cust["customer_id"]
    assert s.consume_amount == Decimal("35.00") and s.cash_amount == Decimal("35.00")
    # Another month is empty; a bad month is refused.
    empty = c.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle="2020-01"))
    assert empty.total_count == 0 and empty.bill_sums == [] and empty.consume_amount == Decimal("0.00")
    expect_client_error(lambda: c.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle="2020-1")),
                        400, "CBC.0100")
    assert engine.verify().returncode == 0


def tamper(engine, statement: str) -> None:
    """Runs `statement` on the engine's database behind the server's back."""
    if engine.name == "sqlite":
        import sqlite3
        db = sqlite3.connect(engine.database_url.removeprefix("sqlite://"))
        with db:
            db.execute(statement)
        db.close()
    else:
        from conftest import _psql
        _psql(engine.database_url, statement)


def next_month(cycle: str) -> str:
    y, m = map(int, cycle.split("-"))
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def test_closing_a_month_freezes_it_and_a_late_record_goes_to_the_next(fresh_engine):
    """`jobs run bill-close`: a month closes once it has ended (here: the job told it is the first
    of next month); its records become bills, `verify` checks records = bills = ledger; running
    it again changes nothing; a charge made afterwards for the closed month lands in the next
    open month."""
    engine = fresh_engine
    dist, cust, order = bought_two(engine)
    month, after = this_month(), next_month(this_month())
    c = engine.client(cust)
    before = c.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle=month))
    assert before.consume_amount == Decimal("70.00")

    # Not ended yet: nothing to close.
    out = engine.cli("jobs", "run", "bill-close")
    assert "0 month(s) closed" in out.stdout, out.stdout
    first_of_next = f"{after}-01T00:00:00Z"
    out = engine.cli("jobs", "run", "bill-close", "--now", first_of_next, "--json")
    closed = __import__("json").loads(out.stdout)["closed"]
    assert [m["cycle"] for m in closed] == [month] and closed[0]["records"] == 2
    again = engine.cli("jobs", "run", "bill-close", "--now", first_of_next, "--json")
    assert __import__("json").loads(again.stdout)["closed"] == []
    assert engine.verify().returncode == 0
    # The check is real: a bill line that no longer matches its records fails `verify`.
    tamper(engine, "UPDATE monthly_bills SET payment_amount = payment_amount + 1")
    broken = engine.verify()
    assert broken.returncode != 0 and f"bills of {month}" in broken.stdout + broken.stderr, broken.stdout
    tamper(engine, "UPDATE monthly_bills SET payment_amount = payment_amount - 1")
    assert engine.verify().returncode == 0

    # A charge made now (still in the closed month) is recorded in the next open month.
    order2 = engine.place_order(cust["customer_id"], "ecs-s6-small-1-linux", "month", 1)["order_id"]
    c.pay_orders(PayOrdersRequest(body=PayCustomerOrderV3Req(order_id=order2, use_coupon="NO", use_discount="NO")))
    frozen = c.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle=month))
    assert frozen.consume_amount == Decimal("70.00") and frozen.total_count == before.total_count
    late = c.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle=after))
    assert late.consume_amount == Decimal("35.00")
    assert engine.verify().returncode == 0


def test_the_partner_lists_who_consumed_and_their_monthly_sums(engine):
    dist, cust, order = bought_two(engine)
    p = engine.client(dist)
    who = p.list_consume_sub_customers(ListConsumeSubCustomersRequest(body=ListConsumeSubCustomersReq(
        bill_cycle=this_month(), limit=100)))
    assert cust["customer_id"] in [x.customer_id for x in who.sub_customers]
    assert who.total_count == len(who.sub_customers)
    expect_client_error(lambda: p.list_consume_sub_customers(ListConsumeSubCustomersRequest(
        body=ListConsumeSubCustomersReq(bill_cycle="2026/12"))), 400, "CBC.0100")
    expect_client_error(lambda: p.list_consume_sub_customers(ListConsumeSubCustomersRequest(
        body=ListConsumeSubCustomersReq(bill_cycle=this_month(), limit=101))), 400, "CBC.0100")

    def sums(**kw):
        return p.list_subcustomer_monthly_bills(ListSubcustomerMonthlyBillsRequest(
            cycle=kw.pop("cycle", this_month()), charge_mode=kw.pop("charge_mode", "1"), **kw))

    mine = sums(customer_id=cust["customer_id"])
    assert mine.count == 1 and mine.currency == "CNY"
    line = mine.bill_sums[0]
    assert line.customer_id == cust["customer_id"] and line.cloud_service_type == "hws.service.type.ec2"
    assert line.bill_type == "0" and line.charge_mode == "1" and line.amount == Decimal("70.00")
    assert line.cloud_service_type_name == "弹性云服务器" and line.resource_type_code == "hws.resource.type.vm"
    assert [(d.balance_type, d.amount) for d in line.account_details] == [("BALANCE_TYPE_DEBIT", Decimal("70.00"))]
    assert sums(customer_id=cust["customer_id"], bill_type="1").count == 0
    assert sums(customer_id=cust["customer_id"], charge_mode="3").count == 0
    # A customer of the partner with no consumption has no line.
    idle = engine.create_customer(dist["partner_id"], "resale")
    assert sums(customer_id=idle["customer_id"]).count == 0
    expect_client_error(lambda: p.list_subcustomer_monthly_bills(ListSubcustomerMonthlyBillsRequest(
        cycle=this_month())), 400, "CBC.0100")
    expect_client_error(lambda: sums(charge_mode="2"), 400, "CBC.0100")
    expect_client_error(lambda: sums(limit=101), 400, "CBC.0100")
    # Another partner sees none of it.
    other = engine.client(engine.create_partner("distributor"))
    assert other.list_subcustomer_monthly_bills(ListSubcustomerMonthlyBillsRequest(
        cycle=this_month(), charge_mode="1", customer_id=cust["customer_id"])).count == 0


def test_the_customer_reads_its_fee_records(engine):
    dist, cust, order = bought_two(engine)
    c = engine.client(cust)

    def fees(**kw):
        return c.list_customer_bills_fee_records(ListCustomerBillsFeeRecordsRequest(
            bill_cycle=kw.pop("bill_cycle", this_month()), **kw))

    r = fees()
    assert r.total_count == 2 and r.currency == "CNY"
    for rec in r.records:
        assert rec.customer_id == cust["customer_id"] and rec.trade_id == order and rec.bill_type == 1
        assert rec.status == 1 and rec.provider_type == 1 and rec.charging_mode == 1
        assert rec.consume_amount == Decimal("35.00") and rec.cash_amount == Decimal("35.00")
        assert rec.official_amount == rec.official_discount_amount + rec.erase_amount + rec.consume_amount
        assert rec.service_type_name == "弹性云服务器"
    assert fees(x_language="en_us").records[0].resource_type_name == "Cloud server"
    assert fees(resource_type_code="hws.resource.type.vm", region_code="cn-north-4").total_count == 2
    assert fees(bill_type=4).total_count == 0 and fees(status=2).total_count == 0
    assert fees(provider_type=2).total_count == 0 and fees(include_zero_record=False).total_count == 2
    assert fees(limit=1, offset=1).total_count == 2 and len(fees(limit=1, offset=1).records) == 1
    expect_client_error(lambda: fees(bill_cycle="2026-00"), 400, "CBC.0100")
    expect_client_error(lambda: fees(status=4), 400, "CBC.0100")
    expect_client_error(lambda: fees(limit=1001), 400, "CBC.0100")
    expect_client_error(lambda: engine.client(dist).list_customer_bills_fee_records(
        ListCustomerBillsFeeRecordsRequest(bill_cycle=this_month())), 403, "CBC.0155")


def test_the_customer_reads_its_balance(engine):
    dist, cust, order = bought_two(engine)
    b = engine.client(cust).show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    assert b.currency == "CNY" and b.measure_id == 1 and b.debt_amount == Decimal("0.00")
    assert len(b.account_balances) == 1
    acct = b.account_balances[0]
    # 200.00 allocated, 70.00 paid.
    assert acct.account_type == 1 and acct.amount == Decimal("130.00") and acct.account_id
    expect_client_error(lambda: engine.client(dist).show_customer_account_balances(
        ShowCustomerAccountBalancesRequest()), 403, "CBC.0155")
