"""SDK-HMAC-SHA256 authentication and the error envelope (the vendor's signing guide and error envelope)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests
from huaweicloudsdkbss.v2 import BssClient, ListSubCustomersRequest, QuerySubCustomerListReq
from huaweicloudsdkbss.v2.region.bss_region import BssRegion
from huaweicloudsdkcore.auth.credentials import GlobalCredentials

from sdk_support import (
    SDK_DATE_FORMAT,
    Creds,
    assert_error_response,
    describe,
    expect_client_error,
    hand_signed_post,
    signed_request,
)

PATH = "/v2/partners/sub-customers/query"


def list_request():
    return ListSubCustomersRequest(body=QuerySubCustomerListReq(offset=0, limit=10))


def sdk_date(delta: timedelta) -> str:
    return (datetime.utcnow() + delta).strftime(SDK_DATE_FORMAT)


def test_correct_keys_succeed(engine, distributor):
    resp = engine.client(distributor).list_sub_customers(list_request())
    assert resp.status_code == 200
    assert resp.count == 0 and not resp.customer_infos, resp


def test_wrong_secret(engine, distributor):
    creds = Creds(distributor["access_key"], distributor["secret_key"] + "x", distributor["domain_id"])
    e = expect_client_error(lambda: engine.client(creds).list_sub_customers(list_request()), 401, "APIGW.0301")
    assert e.request_id


def test_unknown_access_key(engine, distributor):
    creds = Creds("NOSUCHACCESSKEY0000000", distributor["secret_key"], distributor["domain_id"])
    expect_client_error(lambda: engine.client(creds).list_sub_customers(list_request()), 401)


@pytest.mark.parametrize("delta", [timedelta(minutes=-20), timedelta(minutes=20)], ids=["20min-old", "20min-ahead"])
def test_sdk_date_outside_window(engine, distributor, delta):
    """The SDK keeps a caller-set X-Sdk-Date (Signer._process_header_time) and signs with it."""
    client = engine.client(distributor)
    call = lambda: client.list_sub_customers_invoker(list_request()).add_header("X-Sdk-Date", sdk_date(delta)).invoke()
    expect_client_error(call, 401, "APIGW.0303")


def test_sdk_date_inside_window(engine, distributor):
    client = engine.client(distributor)
    resp = client.list_sub_customers_invoker(list_request()).add_header("X-Sdk-Date", sdk_date(timedelta(minutes=-10))).invoke()
    assert resp.status_code == 200 and resp.count == 0


def test_stale_date_raw(engine, distributor):
    r = signed_request(engine.port, Creds.of(distributor), "POST", PATH, '{"limit": 10}',
                       headers={"X-Sdk-Date": sdk_date(timedelta(minutes=-20))})
    assert_error_response(r, 401, "APIGW.0303")


def test_tampered_body(engine, distributor):
    creds = Creds.of(distributor)
    ok = signed_request(engine.port, creds, "POST", PATH, '{"offset": 0, "limit": 10}')
    assert ok.status_code == 200, describe(ok)
    r = signed_request(engine.port, creds, "POST", PATH, '{"offset": 0, "limit": 11}', sign_body='{"offset": 0, "limit": 10}')
    assert_error_response(r, 401, "APIGW.0301")


def test_tampered_path(engine, distributor):
    """A signature computed for one path must not authorise another."""
    creds = Creds.of(distributor)
    r = signed_request(engine.port, creds, "POST", PATH, '{"limit": 10}')
    assert r.status_code == 200, describe(r)
    headers = dict(r.request.headers)
    other = requests.post(f"http://127.0.0.1:{engine.port}/v2/accounts/partner-accounts/adjust-amount",
                          headers=headers, data=r.request.body, timeout=30)
    assert_error_response(other, 401, "APIGW.0301")


def test_no_authorization_header(engine):
    r = requests.post(f"http://127.0.0.1:{engine.port}{PATH}", data='{"limit": 10}',
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert_error_response(r, 401)


@pytest.mark.parametrize("auth", [
    "garbage",
    "SDK-HMAC-SHA256 garbage",
    "SDK-HMAC-SHA256 Access=, SignedHeaders=, Signature=",
    "SDK-HMAC-SM3 Access=AK, SignedHeaders=host;x-sdk-date, Signature=00",
], ids=["no-algorithm", "no-fields", "empty-fields", "other-algorithm"])
def test_malformed_authorization_header(engine, auth):
    r = requests.post(f"http://127.0.0.1:{engine.port}{PATH}", data='{"limit": 10}', timeout=30,
                      headers={"Content-Type": "application/json", "Authorization": auth,
                               "X-Sdk-Date": sdk_date(timedelta())})
    assert_error_response(r, 401)


def test_malformed_json_body(engine, distributor):
    r = signed_request(engine.port, Creds.of(distributor), "POST", PATH, '{"offset": 0, "limit": ')
    assert_error_response(r, 400, "CBC.0100")


def test_wrong_json_type(engine, distributor):
    r = signed_request(engine.port, Creds.of(distributor), "POST", PATH, '{"limit": "ten"}')
    assert_error_response(r, 400, "CBC.0100")


@pytest.mark.parametrize("method,path", [
    ("POST", "/v2/partners/no-such-thing"),
    ("GET", "/v2/nope"),
    ("GET", "/v9/partners/sub-customers/query"),
])
def test_unknown_path(engine, distributor, method, path):
    r = signed_request(engine.port, Creds.of(distributor), method, path, "{}" if method == "POST" else None)
    assert_error_response(r, 404)


def test_customer_keys_cannot_use_partner_api(engine, distributor):
    cust = engine.create_customer(distributor["partner_id"], "resale")
    r = signed_request(engine.port, Creds.of(cust), "POST", PATH, '{"limit": 10}')
    assert r.status_code in (401, 403), f"a customer's access key reached a partner API{describe(r)}"
    assert_error_response(r, r.status_code)


def test_every_error_has_json_and_request_id(engine, distributor):
    creds = Creds.of(distributor)
    wrong = Creds(creds.ak, "wrong-secret", creds.domain_id)
    base = f"http://127.0.0.1:{engine.port}"
    responses = [
        (401, requests.post(base + PATH, data="{}", headers={"Content-Type": "application/json"}, timeout=30)),
        (401, signed_request(engine.port, wrong, "POST", PATH, "{}")),
        (401, signed_request(engine.port, creds, "POST", PATH, "{}", headers={"X-Sdk-Date": sdk_date(timedelta(minutes=-20))})),
        (400, signed_request(engine.port, creds, "POST", PATH, "{not json")),
        (400, signed_request(engine.port, creds, "POST", PATH, '{"limit": 101}')),
        (404, signed_request(engine.port, creds, "GET", "/v2/nope")),
    ]
    request_ids = []
    for status, r in responses:
        assert_error_response(r, status)
        request_ids.append(r.headers["X-Request-Id"])
    assert len(set(request_ids)) == len(request_ids), f"X-Request-Id values repeat: {request_ids}"


def _headers(engine, creds, **extra):
    h = {"Content-Type": "application/json", "Host": f"127.0.0.1:{engine.port}",
         "X-Sdk-Date": sdk_date(timedelta()), "X-Domain-Id": creds.domain_id}
    h.update(extra)
    return h


def test_hand_signer_matches_sdk(engine, distributor):
    """Control for the two tests below: the hand-made signature is accepted when all is well."""
    creds = Creds.of(distributor)
    r = hand_signed_post(engine.port, creds, PATH, b'{"limit": 5}', _headers(engine, creds),
                         ["content-type", "host", "x-domain-id", "x-sdk-date"])
    assert r.status_code == 200, describe(r)


@pytest.mark.parametrize("left_out", ["x-sdk-date", "host"])
def test_signed_headers_must_cover_date_and_host(engine, distributor, left_out):
    """Otherwise a captured request could be replayed with a fresh date or to another host."""
    creds = Creds.of(distributor)
    signed = [h for h in ["content-type", "host", "x-domain-id", "x-sdk-date"] if h != left_out]
    r = hand_signed_post(engine.port, creds, PATH, b'{"limit": 5}', _headers(engine, creds), signed)
    assert_error_response(r, 401)


def test_domain_id_of_another_account_is_refused(engine, distributor):
    other = engine.create_partner("distributor")
    engine.create_customer(other["partner_id"], "resale")
    mine = Creds.of(distributor)
    forged = Creds(mine.ak, mine.sk, other["domain_id"])
    r = signed_request(engine.port, forged, "POST", PATH, '{"limit": 10}')
    assert r.status_code in (401, 403), f"X-Domain-Id of another account was accepted{describe(r)}"
    assert_error_response(r, r.status_code)


def test_client_without_domain_id(engine, distributor):
    """Spec §1.1: domain_id is optional; without it the SDK sends no X-Domain-Id."""
    client = (BssClient.new_builder()
              .with_credentials(GlobalCredentials(distributor["access_key"], distributor["secret_key"]))
              .with_endpoints([engine.endpoint])
              .build())
    resp = client.list_sub_customers(list_request())
    assert resp.status_code == 200 and resp.count == 0


def test_client_built_with_env_region(engine, distributor, monkeypatch):
    """Spec §1.1: HUAWEICLOUD_SDK_REGION_BSS_CN_NORTH_1 points BssRegion('cn-north-1') at the server."""
    monkeypatch.setenv("HUAWEICLOUD_SDK_REGION_BSS_CN_NORTH_1", engine.endpoint)
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", "http://127.0.0.1:9")  # never reached: domain_id is given
    client = (BssClient.new_builder()
              .with_credentials(GlobalCredentials(distributor["access_key"], distributor["secret_key"],
                                                  distributor["domain_id"]))
              .with_region(BssRegion.value_of("cn-north-1"))
              .build())
    resp = client.list_sub_customers(list_request())
    assert resp.status_code == 200 and resp.count == 0
