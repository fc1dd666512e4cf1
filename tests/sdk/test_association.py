"""Customer association through the official SDK: send_verification_message_code (§2.39),
create_sub_customer (§2.1), check_user_identity (§2.2) and list_indirect_partners (§2.4).

Verification codes are read from the notification outbox with `partner-center outbox`, as an
operator of a self-hosted server would.
"""

from __future__ import annotations

import re
import secrets

import pytest
from huaweicloudsdkbss.v2 import (
    CheckSubcustomerUserReq,
    CheckUserIdentityRequest,
    CreateCustomerV2Req,
    CreateSubCustomerRequest,
    ListIndirectPartnersRequest,
    ListSubCustomersRequest,
    QueryIndirectPartnersReq,
    QuerySubCustomerListReq,
    SendVerificationCodeV2Req,
    SendVerificationMessageCodeRequest,
)

from sdk_support import ISO_Z, Creds, expect_client_error, signed_request

CREATE_PATH = "/v2/partners/sub-customers"


def fresh_mobile() -> str:
    return "13" + "".join(str(secrets.randbelow(10)) for _ in range(9))


def send_code(client, mobile: str, **kw) -> None:
    resp = client.send_verification_message_code(
        SendVerificationMessageCodeRequest(body=SendVerificationCodeV2Req(receiver_type=1, mobile_phone=mobile, **kw))
    )
    assert resp.status_code == 200, resp


def code_from_outbox(engine, mobile: str) -> str:
    out = engine.cli("outbox", "--recipient", mobile, "--limit", "1").stdout
    m = re.search(r"(?:code is |验证码为 )(\d{6})", out)
    assert m, f"no code for {mobile} in the outbox:\n{out}"
    return m.group(1)


def create(client, **kw):
    return client.create_sub_customer(CreateSubCustomerRequest(body=CreateCustomerV2Req(**kw)))


def find(client, customer_id: str):
    resp = client.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq(customer_id=customer_id)))
    assert resp.count == 1, resp
    return resp.customer_infos[0]


def test_code_then_create_with_mobile(engine, distributor):
    client = engine.client(distributor)
    mobile = fresh_mobile()
    send_code(client, mobile, lang="en-us", timeout=15)
    code = code_from_outbox(engine, mobile)
    name = engine.unique("sdkcust")
    resp = create(
        client,
        domain_name=name,
        mobile_phone=mobile,
        verification_code=code,
        xaccount_id=engine.unique("xa"),
        xaccount_type=distributor["xaccount_type"],
        password="Secret-2026x",
        include_association_result=True,
    )
    assert resp.status_code == 200
    assert resp.domain_name == name
    assert resp.domain_id
    info = find(client, resp.domain_id)
    assert info.account_name == name
    assert info.association_type == "2"
    assert info.telephone == mobile[:3] + "****" + mobile[-4:]
    assert ISO_Z.match(info.associated_on)
    # The code is spent.
    e = expect_client_error(
        lambda: create(client, mobile_phone=mobile, verification_code=code, xaccount_id=engine.unique("xa"),
                       xaccount_type=distributor["xaccount_type"]),
        400,
        "CBC.99004010",
    )
    # The vendor's default language is Chinese; X-Language: en_US asks for English.
    assert "验证码" in e.error_msg
    body = {"mobile_phone": mobile, "verification_code": code, "xaccount_id": engine.unique("xa"),
            "xaccount_type": distributor["xaccount_type"]}
    en = signed_request(engine.port, Creds.of(distributor), "POST", CREATE_PATH, body,
                        headers={"X-Language": "en_US"})
    assert en.status_code == 400 and en.json()["error_code"] == "CBC.99004010", en.text
    assert "verification code" in en.json()["error_msg"].lower()


def test_duplicate_xaccount_is_refused_naming_the_existing_account(engine, distributor):
    client = engine.client(distributor)
    xid = engine.unique("dup")
    first = create(client, xaccount_id=xid, xaccount_type=distributor["xaccount_type"], cooperation_type="1")
    assert first.domain_id and len(first.domain_name) == 32
    # The vendor's table: a duplicate xaccount_id is CBC.99000039 ...
    expect_client_error(
        lambda: create(client, xaccount_id=xid, xaccount_type=distributor["xaccount_type"], domain_name=engine.unique("other")),
        400, "CBC.99000039")
    assert find(client, first.domain_id).association_type == "1"
    # ... and on the wire the error body names the account the platform user already has.
    r = signed_request(engine.port, Creds.of(distributor), "POST", CREATE_PATH,
                       {"xaccount_id": xid, "xaccount_type": distributor["xaccount_type"]})
    assert r.status_code == 400, r.text
    doc = r.json()
    assert doc["error_code"] == "CBC.99000039"
    assert doc["domain_id"] == first.domain_id and doc["domain_name"] == first.domain_name


def test_idempotency_key_replays_the_first_answer(engine, distributor):
    creds = Creds.of(distributor)
    body = {"xaccount_id": engine.unique("idem"), "xaccount_type": distributor["xaccount_type"]}
    key = {"X-Idempotency-Key": engine.unique("key")}
    a = signed_request(engine.port, creds, "POST", CREATE_PATH, body, headers=key)
    b = signed_request(engine.port, creds, "POST", CREATE_PATH, body, headers=key)
    assert a.status_code == b.status_code == 200, (a.text, b.text)
    assert a.json() == b.json() and "error_code" not in b.json()


def test_refusals(engine, distributor):
    client = engine.client(distributor)
    xt = distributor["xaccount_type"]
    expect_client_error(lambda: create(client, xaccount_id="x", xaccount_type="someone-else"), 400, "CBC.0100")
    expect_client_error(lambda: create(client, xaccount_id="x", xaccount_type=xt, domain_name="op_admin"), 400, "CBC.99000031")
    expect_client_error(lambda: create(client, xaccount_id="x", xaccount_type=xt, mobile_phone=fresh_mobile()), 400, "CBC.0100")
    expect_client_error(lambda: create(client, xaccount_id="x", xaccount_type=xt, mobile_phone=fresh_mobile(),
                                       verification_code="123456"), 400, "CBC.99004010")
    # A reseller (no capability opening), another distributor's reseller, a restricted distributor.
    reseller = engine.create_partner("reseller", parent=distributor["partner_id"])
    expect_client_error(lambda: create(engine.client(reseller), xaccount_id="x", xaccount_type=reseller["xaccount_type"]),
                        403, "CBC.0151")
    other = engine.create_partner("distributor")
    foreign = engine.create_partner("reseller", parent=other["partner_id"])
    expect_client_error(lambda: create(client, xaccount_id="x", xaccount_type=xt, indirect_partner_id=foreign["partner_id"]),
                        400, "CBC.99000037")
    engine.cli("admin", "update-partner", distributor["partner_id"], "--status", "restricted")
    try:
        expect_client_error(lambda: create(client, xaccount_id="x", xaccount_type=xt,
                                           indirect_partner_id=reseller["partner_id"]), 400, "CBC.50010086")
    finally:
        engine.cli("admin", "update-partner", distributor["partner_id"], "--status", "active")
    # Created for the reseller, it is the reseller's customer.
    r = create(client, xaccount_id=engine.unique("rx"), xaccount_type=xt, indirect_partner_id=reseller["partner_id"])
    listed = engine.client(reseller).list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq()))
    assert [c.customer_id for c in listed.customer_infos] == [r.domain_id]


def test_create_sub_customer_vendor_codes(engine):
    """Each refusal of the vendor's error-code table for create_sub_customer (创建客户) that this
    server makes, with the table's code."""
    distributor = engine.create_partner("distributor")
    client = engine.client(distributor)
    xt = distributor["xaccount_type"]

    def make(**kw):
        return create(client, xaccount_id=engine.unique("vc"), xaccount_type=xt, **kw)

    taken = make(domain_name=engine.unique("taken"))
    expect_client_error(lambda: make(domain_name=taken.domain_name), 400, "CBC.99000038")
    expect_client_error(lambda: make(domain_name="ab"), 400, "CBC.99000031")
    expect_client_error(lambda: make(mobile_phone="1380000", verification_code="123456"), 400, "CBC.5017")
    expect_client_error(lambda: make(password="short"), 400, "CBC.99000036")
    # A mobile number that is a partner's is already an account's.
    partner_mobile = fresh_mobile()
    other = engine.create_partner("distributor")
    engine.cli("admin", "update-partner", other["partner_id"], "--mobile", partner_mobile)
    send_code(client, partner_mobile)
    expect_client_error(lambda: make(mobile_phone=partner_mobile, verification_code=code_from_outbox(engine, partner_mobile)),
                        400, "CBC.99000029")
    # At most 5 accounts per mobile number.
    mobile = fresh_mobile()
    for _ in range(5):
        send_code(client, mobile)
        make(mobile_phone=mobile, verification_code=code_from_outbox(engine, mobile))
    send_code(client, mobile)
    expect_client_error(lambda: make(mobile_phone=mobile, verification_code=code_from_outbox(engine, mobile)),
                        400, "CBC.99000030")
    # Wrong guesses (CBC.99004010) void the code (CBC.99004009).
    mobile = fresh_mobile()
    send_code(client, mobile)
    code = code_from_outbox(engine, mobile)
    wrong = "111111" if code == "000000" else "000000"
    for _ in range(5):
        expect_client_error(lambda: make(mobile_phone=mobile, verification_code=wrong), 400, "CBC.99004010")
    expect_client_error(lambda: make(mobile_phone=mobile, verification_code=code), 400, "CBC.99004009")
    # A restricted partner cannot develop customers.
    engine.cli("admin", "update-partner", distributor["partner_id"], "--status", "restricted")
    try:
        expect_client_error(lambda: make(), 400, "CBC.50010085")
    finally:
        engine.cli("admin", "update-partner", distributor["partner_id"], "--status", "active")


def test_send_code_limits_and_input(engine, distributor):
    client = engine.client(distributor)
    expect_client_error(lambda: send_code(client, "12345"), 400, "CBC.0100")
    expect_client_error(lambda: send_code(client, fresh_mobile(), scene=18), 400, "CBC.0100")
    mobile = fresh_mobile()
    for _ in range(15):
        send_code(client, mobile)
    expect_client_error(lambda: send_code(client, mobile), 400, "CBC.99004015")


def test_check_user_identity(engine, distributor):
    client = engine.client(distributor)

    def ask(t, v):
        return client.check_user_identity(CheckUserIdentityRequest(body=CheckSubcustomerUserReq(search_type=t, search_value=v)))

    free = ask("name", engine.unique("free"))
    assert (free.status_code, free.error_code, free.check_result) == (200, "CBC.0000", "available")
    taken = engine.create_customer(distributor["partner_id"], "resale")
    assert ask("name", taken["domain_name"]).check_result == "used_by_user"
    m = ask("mobile", "0086-" + fresh_mobile())
    assert (m.check_result, m.mobile_remain_available_num) == ("available", 5)
    expect_client_error(lambda: ask("mobile", "13800000000"), 400, "CBC.0100")


def test_list_indirect_partners(engine, distributor):
    client = engine.client(distributor)
    resellers = [engine.create_partner("reseller", parent=distributor["partner_id"]) for _ in range(3)]
    engine.cli("admin", "update-partner", resellers[0]["partner_id"], "--mobile", fresh_mobile(), "--email", "r0@example.test")
    resp = client.list_indirect_partners(ListIndirectPartnersRequest(body=QueryIndirectPartnersReq(limit=10)))
    assert resp.count == 3
    by_id = {p.indirect_partner_id: p for p in resp.indirect_partners}
    assert set(by_id) == {r["partner_id"] for r in resellers}
    r0 = by_id[resellers[0]["partner_id"]]
    assert r0.account_name == resellers[0]["login"] and r0.email == "r0@example.test" and r0.mobile_phone
    assert ISO_Z.match(r0.associated_on)
    one = client.list_indirect_partners(ListIndirectPartnersRequest(
        body=QueryIndirectPartnersReq(account_name=resellers[1]["login"])))
    assert [p.indirect_partner_id for p in one.indirect_partners] == [resellers[1]["partner_id"]]
    page = client.list_indirect_partners(ListIndirectPartnersRequest(body=QueryIndirectPartnersReq(offset=2, limit=2)))
    assert page.count == 3 and len(page.indirect_partners) == 1
    other = engine.create_partner("distributor")
    foreign = engine.create_partner("reseller", parent=other["partner_id"])
    expect_client_error(lambda: client.list_indirect_partners(ListIndirectPartnersRequest(
        body=QueryIndirectPartnersReq(indirect_partner_id=foreign["partner_id"]))), 400, "CBC.99000037")
    expect_client_error(lambda: engine.client(resellers[0]).list_indirect_partners(ListIndirectPartnersRequest(
        body=QueryIndirectPartnersReq())), 403, "CBC.0155")


@pytest.mark.parametrize("association", ["resale", "consulting"])
def test_cli_create_customer_prints_the_spec_json(engine, distributor, association):
    doc = engine.create_customer(distributor["partner_id"], association, label="cli-made")
    info = find(engine.client(distributor), doc["customer_id"])
    assert doc["domain_id"] == doc["customer_id"] and doc["login"] == doc["domain_name"] == info.account_name
    assert info.association_type == {"resale": "2", "consulting": "1"}[association]
    assert info.label == "cli-made"
