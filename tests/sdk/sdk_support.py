"""Helpers shared by the SDK compatibility tests.

Everything here talks to a spawned `partner-center serve` the way a partner's sales platform
would: through the official `huaweicloudsdkbss` client, or (where a test must control the bytes on
the wire) through the SDK's own `Signer` plus `requests`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable, Optional, Union

import requests
from huaweicloudsdkbss.v2 import BssClient
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass
class Creds:
    """An access key pair and the domain it belongs to (as printed by the CLI)."""

    ak: str
    sk: str
    domain_id: Optional[str]

    @classmethod
    def of(cls, record: dict) -> "Creds":
        return cls(record["access_key"], record["secret_key"], record.get("domain_id"))


def sdk_client(port: int, creds: Creds) -> BssClient:
    """A BssClient built exactly as the vendor's SDK guide says (no region, so no IAM lookup)."""
    return (
        BssClient.new_builder()
        .with_credentials(GlobalCredentials(creds.ak, creds.sk, creds.domain_id))
        .with_endpoints([f"http://127.0.0.1:{port}"])
        .build()
    )


def _as_bytes(body: Union[None, str, bytes, dict]) -> Optional[bytes]:
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, dict):
        # The SDK's own separators (", " and ": "); amounts are passed as pre-formatted strings
        # by the callers that care about decimal digits.
        return json.dumps(body).encode()
    return body.encode()


def signed_request(
    port: int,
    creds: Creds,
    method: str,
    path: str,
    body: Union[None, str, bytes, dict] = None,
    *,
    sign_body: Union[None, str, bytes, dict] = None,
    headers: Optional[dict] = None,
    query: Iterable[tuple] = (),
    timeout: float = 30,
) -> requests.Response:
    """Signs a request with the SDK's own `Signer` and sends it with `requests`.

    `sign_body`, when given, is the body the signature is computed over while `body` is what is
    actually sent (to simulate tampering in transit).
    """
    host = f"127.0.0.1:{port}"
    hdrs = {
        "Content-Type": "application/json",
        "User-Agent": "huaweicloud-usdk-python/3.0; pc-sdk-tests",
        "Host": host,
    }
    if creds.domain_id:
        hdrs["X-Domain-Id"] = creds.domain_id
    hdrs.update(headers or {})
    sent = _as_bytes(body)
    signed = sent if sign_body is None else _as_bytes(sign_body)
    req = SdkRequest(
        method=method,
        schema="http",
        host=host,
        resource_path=path,
        query_params=list(query),
        header_params=hdrs,
        body=signed,
    )
    Signer(GlobalCredentials(creds.ak, creds.sk, creds.domain_id)).sign(req)
    return requests.request(
        method,
        f"http://{host}{req.uri}",
        headers=req.header_params,
        data=sent,
        timeout=timeout,
        allow_redirects=False,
    )


def describe(resp: requests.Response) -> str:
    """The request and the response, for assertion messages."""
    req = resp.request
    body = req.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return (
        f"\n--- request: {req.method} {req.url}\n{dict(req.headers)}\n{body}"
        f"\n--- response: {resp.status_code}\n{dict(resp.headers)}\n{resp.text[:2000]}"
    )


def assert_error_response(resp: requests.Response, status: int, code: Optional[str] = None) -> dict:
    """Checks the vendor error shape: status, JSON content type, X-Request-Id, error_code/error_msg."""
    info = describe(resp)
    assert resp.status_code == status, f"expected HTTP {status}{info}"
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/json", f"error Content-Type is {ctype!r}{info}"
    assert resp.headers.get("X-Request-Id"), f"no X-Request-Id on an error response{info}"
    try:
        doc = resp.json()
    except ValueError:
        raise AssertionError(f"error body is not JSON{info}")
    assert isinstance(doc, dict), f"error body is not a JSON object{info}"
    assert isinstance(doc.get("error_code"), str) and doc["error_code"], f"no error_code{info}"
    assert isinstance(doc.get("error_msg"), str) and doc["error_msg"], f"no error_msg{info}"
    if code is not None:
        assert doc["error_code"] == code, f"expected error_code {code}{info}"
    return doc


def expect_client_error(call: Callable[[], object], status: int, code: Optional[str] = None) -> ClientRequestException:
    """Runs an SDK call that must fail with ClientRequestException(status, code)."""
    try:
        result = call()
    except ClientRequestException as e:
        msg = f"SDK raised {e}"
        assert e.status_code == status, msg
        if code is not None:
            assert e.error_code == code, msg
        assert e.error_msg, f"empty error_msg: {msg}"
        assert e.request_id, f"empty request_id (no X-Request-Id header): {msg}"
        return e
    raise AssertionError(f"expected ClientRequestException {status} {code}, got success: {result}")


def money(s: str) -> Decimal:
    return Decimal(s)


def hand_signed_post(port: int, creds: Creds, path: str, body: bytes, headers: dict, signed: list) -> requests.Response:
    """Signs by hand (spec §1.4) over exactly the headers named in `signed`, then POSTs `headers`.

    Lets a test leave a header out of SignedHeaders, which the SDK's Signer never does.
    """
    import hashlib
    import hmac

    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{h}:{lower[h].strip()}\n" for h in signed)
    uri = path if path.endswith("/") else path + "/"
    creq = f"POST\n{uri}\n\n{canonical_headers}\n{';'.join(signed)}\n{hashlib.sha256(body).hexdigest()}"
    sts = f"SDK-HMAC-SHA256\n{lower['x-sdk-date']}\n{hashlib.sha256(creq.encode()).hexdigest()}"
    sig = hmac.new(creds.sk.encode(), sts.encode(), hashlib.sha256).hexdigest()
    sent = dict(headers)
    sent["Authorization"] = f"SDK-HMAC-SHA256 Access={creds.ak}, SignedHeaders={';'.join(signed)}, Signature={sig}"
    return requests.post(f"http://127.0.0.1:{port}{path}", headers=sent, data=body, timeout=30)


def intl_client(port: int, creds: Creds):
    """A BssintlClient (huaweicloudsdkbssintl, the international SDK) built the same way."""
    from huaweicloudsdkbssintl.v2 import BssintlClient

    return (
        BssintlClient.new_builder()
        .with_credentials(GlobalCredentials(creds.ak, creds.sk, creds.domain_id))
        .with_endpoints([f"http://127.0.0.1:{port}"])
        .build()
    )


def funded_resale_customer(engine, amount: str = "5000.00"):
    """A fresh distributor and its resale customer holding `amount` yuan (credited to the
    distributor, then allocated with update_customer_account_amount): (distributor, customer)."""
    from huaweicloudsdkbss.v2 import AdjustAccountReq, UpdateCustomerAccountAmountRequest

    dist = engine.create_partner("distributor")
    cust = engine.create_customer(dist["partner_id"], "resale")
    engine.credit_partner(dist["partner_id"], amount)
    engine.client(dist).update_customer_account_amount(UpdateCustomerAccountAmountRequest(
        body=AdjustAccountReq(customer_id=cust["customer_id"], amount=Decimal(amount))))
    return dist, cust
