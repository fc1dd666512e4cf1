"""list_sub_customers through the official SDK."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import pytest
from huaweicloudsdkbss.v2 import ListSubCustomersRequest, QuerySubCustomerListReq

from sdk_support import ISO_Z, Creds, assert_error_response, expect_client_error, signed_request

PATH = "/v2/partners/sub-customers/query"


def query(client, **kw):
    resp = client.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq(**kw)))
    assert resp.status_code == 200
    return resp


def ids(resp):
    return {c.customer_id for c in (resp.customer_infos or [])}


@pytest.fixture
def world(engine):
    """A fresh distributor with 2 resale customers (labelled) and 1 consulting customer."""
    tok = secrets.token_hex(3)
    dist = engine.create_partner("distributor")
    alpha = engine.create_customer(dist["partner_id"], "resale", name=f"sdk{tok}alpha", label=f"vip-gold-{tok}")
    beta = engine.create_customer(dist["partner_id"], "resale", name=f"sdk{tok}beta", label=f"vip-silver-{tok}")
    gamma = engine.create_customer(dist["partner_id"], "consulting", name=f"sdk{tok}gamma")
    return {
        "tok": tok,
        "dist": dist,
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
        "client": engine.client(dist),
    }


def test_lists_all_three_with_fields(world):
    resp = query(world["client"], offset=0, limit=10)
    assert resp.count == 3, resp
    assert len(resp.customer_infos) == 3, resp
    by_id = {c.customer_id: c for c in resp.customer_infos}
    assert set(by_id) == {world[k]["customer_id"] for k in ("alpha", "beta", "gamma")}, resp

    now = datetime.now(timezone.utc)
    for key, assoc, label in (
        ("alpha", "2", f"vip-gold-{world['tok']}"),
        ("beta", "2", f"vip-silver-{world['tok']}"),
        ("gamma", "1", None),
    ):
        rec = world[key]
        info = by_id[rec["customer_id"]]
        assert info.account_name == rec["domain_name"], (key, info)
        assert info.association_type == assoc, (key, info)
        if label is None:
            assert info.label in (None, ""), (key, info)
        else:
            assert info.label == label, (key, info)
        assert isinstance(info.associated_on, str) and ISO_Z.match(info.associated_on), (key, info.associated_on)
        t = datetime.strptime(info.associated_on, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        assert abs((now - t).total_seconds()) < 600, f"associated_on {info.associated_on} is not 'now' ({now})"


def test_wire_types_are_the_vendors(engine, world):
    """The raw JSON: count is an integer, association_type a string, keys are snake_case."""
    r = signed_request(engine.port, Creds.of(world["dist"]), "POST", PATH, '{"offset": 0, "limit": 10}')
    assert r.status_code == 200, r.text
    assert r.headers.get("Content-Type", "").startswith("application/json")
    assert r.headers.get("X-Request-Id"), "no X-Request-Id on a success response"
    doc = r.json()
    assert type(doc["count"]) is int and doc["count"] == 3, doc
    for c in doc["customer_infos"]:
        assert isinstance(c["customer_id"], str) and c["customer_id"], c
        assert isinstance(c["account_name"], str) and c["account_name"], c
        assert c["association_type"] in ("1", "2"), c


def test_filter_association_type(world):
    resale = query(world["client"], association_type="2")
    assert resale.count == 2, resale
    assert ids(resale) == {world["alpha"]["customer_id"], world["beta"]["customer_id"]}
    consulting = query(world["client"], association_type="1")
    assert consulting.count == 1, consulting
    assert ids(consulting) == {world["gamma"]["customer_id"]}


def test_filter_label_substring(world):
    tok = world["tok"]
    middle = query(world["client"], label=f"gold-{tok}")
    assert middle.count == 1 and ids(middle) == {world["alpha"]["customer_id"]}, middle
    prefix = query(world["client"], label="vip-")
    assert prefix.count == 2, prefix
    assert ids(prefix) == {world["alpha"]["customer_id"], world["beta"]["customer_id"]}
    suffix = query(world["client"], label=f"silver-{tok}")
    assert ids(suffix) == {world["beta"]["customer_id"]}, suffix
    none = query(world["client"], label=f"bronze-{tok}")
    assert none.count == 0 and not none.customer_infos, none


def test_filter_account_name_substring(world):
    tok = world["tok"]
    r = query(world["client"], account_name=f"{tok}bet")
    assert r.count == 1 and ids(r) == {world["beta"]["customer_id"]}, r
    r = query(world["client"], account_name="gamma")
    assert ids(r) == {world["gamma"]["customer_id"]}, r
    r = query(world["client"], account_name=f"sdk{tok}")
    assert r.count == 3, r
    # Empty string: not a filter (spec: 携带值为空串 → 不作为筛选条件).
    r = query(world["client"], account_name="")
    assert r.count == 3, r


def test_filter_customer_id_exact(world):
    cid = world["beta"]["customer_id"]
    r = query(world["client"], customer_id=cid)
    assert r.count == 1 and ids(r) == {cid}, r
    r = query(world["client"], customer_id=cid[:-1])
    assert r.count == 0 and not r.customer_infos, f"customer_id must match exactly, not as a prefix: {r}"


def test_paging(world):
    r = query(world["client"], limit=1, offset=1)
    assert r.count == 3, r
    assert len(r.customer_infos) == 1, r
    pages = [query(world["client"], limit=1, offset=i) for i in range(3)]
    seen = [p.customer_infos[0].customer_id for p in pages]
    assert len(set(seen)) == 3, f"limit=1 pages overlap or miss: {seen}"
    past = query(world["client"], limit=10, offset=3)
    assert past.count == 3 and not past.customer_infos, past
    two = query(world["client"], limit=2, offset=0)
    assert two.count == 3 and len(two.customer_infos) == 2, two
    r100 = query(world["client"], limit=100)
    assert r100.count == 3, r100


def test_default_paging_when_absent(world):
    r = query(world["client"])
    assert r.count == 3 and len(r.customer_infos) == 3, r


def test_other_partners_customers_never_appear(engine, world):
    other = engine.create_partner("distributor")
    foreign = engine.create_customer(other["partner_id"], "resale", label=f"vip-gold-{world['tok']}")
    mine = {world[k]["customer_id"] for k in ("alpha", "beta", "gamma")}
    r = query(world["client"], limit=100)
    assert ids(r) == mine, r
    r = query(world["client"], customer_id=foreign["customer_id"])
    assert r.count == 0 and not r.customer_infos, r
    r = query(world["client"], label="vip-gold")
    assert ids(r) == {world["alpha"]["customer_id"]}, r
    # And the other way round.
    r = query(engine.client(other), limit=100)
    assert ids(r) == {foreign["customer_id"]}, r


def test_distributor_sees_own_resellers_customers(engine, world):
    dist = world["dist"]
    reseller = engine.create_partner("reseller", parent=dist["partner_id"])
    r1 = engine.create_customer(reseller["partner_id"], "resale", label="reseller-cust")
    r = query(world["client"], indirect_partner_id=reseller["partner_id"])
    assert r.count == 1 and ids(r) == {r1["customer_id"]}, r
    # Without indirect_partner_id the distributor lists only its own customers.
    r = query(world["client"], limit=100)
    assert r1["customer_id"] not in ids(r), r
    assert r.count == 3, r
    r = query(world["client"], customer_id=r1["customer_id"])
    assert r.count == 0 and not r.customer_infos, r
    # The reseller lists its own customer with its own keys.
    r = query(engine.client(reseller))
    assert r.count == 1 and ids(r) == {r1["customer_id"]}, r


def test_foreign_reseller_is_refused(engine, world):
    other = engine.create_partner("distributor")
    foreign_reseller = engine.create_partner("reseller", parent=other["partner_id"])
    engine.create_customer(foreign_reseller["partner_id"], "resale")
    expect_client_error(
        lambda: query(world["client"], indirect_partner_id=foreign_reseller["partner_id"]), 400, "CBC.99000037"
    )


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_limit_out_of_range(world, limit):
    expect_client_error(lambda: query(world["client"], limit=limit), 400, "CBC.0100")


def test_negative_offset(world):
    expect_client_error(lambda: query(world["client"], offset=-1), 400, "CBC.0100")


@pytest.mark.parametrize("value", ["2019-05-06 08:05:01", "yesterday", "2019-13-06T08:05:01Z", ""],
                         ids=["space-separated", "word", "month-13", "empty"])
def test_bad_associated_on_begin(world, value):
    expect_client_error(lambda: query(world["client"], associated_on_begin=value), 400, "CBC.0100")


def test_associated_on_window(world):
    now = datetime.now(timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    past, future = (now - timedelta(days=1)).strftime(fmt), (now + timedelta(days=1)).strftime(fmt)
    r = query(world["client"], associated_on_begin=past, associated_on_end=future)
    assert r.count == 3, r
    r = query(world["client"], associated_on_begin=future)
    assert r.count == 0, r
    r = query(world["client"], associated_on_end=past)
    assert r.count == 0, r


def test_raw_error_shape_for_bad_limit(engine, world):
    r = signed_request(engine.port, Creds.of(world["dist"]), "POST", PATH, '{"limit": 0}')
    assert_error_response(r, 400, "CBC.0100")


def test_like_wildcards_are_literal_and_label_is_case_sensitive(engine):
    """Substring filters must not leak SQL LIKE wildcards, and behave the same on every engine.

    Spec §2.3: label matching does not support case-insensitive fuzzy matching.
    """
    tok = secrets.token_hex(3)
    dist = engine.create_partner("distributor")
    under = engine.create_customer(dist["partner_id"], "resale", name=f"sdk{tok}under", label=f"a_b{tok}")
    engine.create_customer(dist["partner_id"], "resale", name=f"sdk{tok}plain", label=f"axb{tok}")
    gold = engine.create_customer(dist["partner_id"], "resale", name=f"sdk{tok}gold", label=f"Gold{tok}")
    client = engine.client(dist)
    assert ids(query(client, label="_")) == {under["customer_id"]}
    assert query(client, label="%").count == 0
    assert query(client, label="\\").count == 0
    assert query(client, account_name="%").count == 0
    assert query(client, account_name="_").count == 0
    assert query(client, label=f"gold{tok}").count == 0
    assert ids(query(client, label=f"Gold{tok}")) == {gold["customer_id"]}
