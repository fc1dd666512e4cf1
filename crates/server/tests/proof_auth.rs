//! Proof scenario `auth`: signatures and sessions, on SQLite and PostgreSQL.
//!
//! **API.** A valid SDK-signed read (`GET …/account-change-records?balance_type=…&offset=0&
//! limit=10`) and write (`POST …/adjust-amount`) are accepted; then every signed part is tampered
//! with in turn — method (a signed GET replayed as the POST that issues coupons, and back), path,
//! query (a parameter added, removed, a value changed), each signed header (`content-type`,
//! `host`, `x-domain-id`, `x-sdk-date`: changed and removed), the body, the date ±16 minutes
//! (outside the ±15 minute window: `APIGW.0303`; ±14 minutes is accepted), another key's secret, a
//! key revoked through the console, another partner's `X-Domain-Id` with this partner's key (and
//! the reverse), a missing, malformed or unknown-key `Authorization`, signed headers leaving out
//! `host` or `x-sdk-date`, and a declared-but-false payload hash. Each is refused 401 with the
//! vendor envelope (`error_code` `APIGW.0301`, or `APIGW.0303` for the clock window; `error_msg`;
//! `X-Request-Id`), and no table gains or loses a row. Two query cases are not tampering: the pairs
//! in another order are the same request (the SDK's canonical query is sorted) and are accepted;
//! a repeated key with its values swapped also signs the same, so the parameter parser must refuse
//! the ambiguity (400 `CBC.0100`) rather than pick one.
//! There is no disabled state for a partner (`partners.status` is `active` or `restricted`, which
//! only limits associating customers), so no such case exists; a revoked key is the way to cut off
//! an API caller.
//!
//! **Console.** Every console form post (each POST route read from the router source), for an
//! operator, a partner admin and a customer, with the CSRF token missing and with another session's
//! token is refused 4xx and writes nothing; for the forms that create a key, revoke a key, move
//! money, create staff, switch language and log out, the same post with the right token succeeds
//! (so the refusal is the token's doing). A session cookie after logout, a forged cookie, a session
//! of a staff user disabled through the console, a session of a user disabled by any other means
//! (the session lookup itself refuses disabled users), and a session past its 12 hours give no
//! access (a redirect to the login page, nothing written).
//!
//! **Password guessing** (the rule in `http/console/pages.rs` and `http/ratelimit.rs`): a rate
//! limit per login name (case-folded), not per IP and not a lockout stored in the database: at most
//! 10 failed logins per login in a sliding 15-minute window of the application clock; beyond that
//! every attempt for that login — the right password included — is refused (400, the `CBC.0250`
//! "too many requests" message) without checking the password; a successful login clears the
//! count; other logins are unaffected. The limiter lives in one instance's memory. The test moves
//! the `ManualClock`: refused at 15 minutes less 1 ms after the failures, the right password works
//! at 15 minutes.
//!
//! **Browser protections.** Console and invite pages (pages, redirects, refusals, the stylesheet)
//! carry `Content-Security-Policy` with `frame-ancestors 'none'`, `X-Content-Type-Options: nosniff`
//! and `Referrer-Policy`; the CSP admits what the pages themselves use (inline confirm handlers,
//! inline script, `style=`). Every cookie the console sets is `HttpOnly` and `SameSite`, and
//! `Secure` when `Settings::secure_cookies` is on.

mod common;

use pc_app::store::sql;
use std::time::Instant;

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use common::shop::{coupon_quota, customer_balance};
use common::*;
use pc_app::services::identity;
use pc_domain::coupons::QuotaType;
use pc_domain::party::{AssociationType, PartnerType};
use pc_domain::signing;
use pc_domain::Money;

// ---------------------------------------------------------------------------------------------
// Bookkeeping

/// Cases run and what failed, so the whole matrix runs and the report names every failure.
#[derive(Default)]
struct Tally {
    cases: u64,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, name: &str, ok: bool, why: impl FnOnce() -> String) {
        self.cases += 1;
        if !ok {
            let msg = format!("{name}: {}", why());
            eprintln!("FAIL {msg}");
            self.failures.push(msg);
        }
    }
}

/// Every table; a refused request must not change any table's row count.
const TABLES: &[&str] = &[
    "partners",
    "customers",
    "associations",
    "users",
    "sessions",
    "access_keys",
    "ledger_accounts",
    "ledger_transfers",
    "idempotency_keys",
    "audit_log",
    "outbox",
    "settings",
    "invite_links",
    "verification_codes",
    "delegations",
    "invite_events",
    "coupon_quotas",
    "coupons",
    "coupon_records",
    "quota_records",
    "catalog_service_types",
    "catalog_resource_types",
    "catalog_products",
    "orders",
    "order_lines",
    "resources",
    "partner_discounts",
    "order_coupons",
    "refund_details",
    "partner_redirects",
    "refund_sources",
    "topup_requests",
    "partner_customer_counts",
    "promotions",
    "order_adjustments",
    "key_flash",
    "replay_cache",
];

/// Row counts of every table plus the revoked keys and disabled users (a refused revoke or disable
/// changes no count), and every user's language.
async fn fingerprint(app: &TestApp) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for t in TABLES {
        let n: i64 = sql::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(app.db.read())
            .await
            .unwrap();
        out.push((t.to_string(), n));
    }
    for (name, q) in [
        (
            "revoked keys",
            "SELECT COUNT(*) FROM access_keys WHERE revoked_at IS NOT NULL",
        ),
        (
            "disabled users",
            "SELECT COUNT(*) FROM users WHERE disabled_at IS NOT NULL",
        ),
        (
            "english users",
            "SELECT COUNT(*) FROM users WHERE lang = 'en-US'",
        ),
    ] {
        let n: i64 = sql::query_scalar(q).fetch_one(app.db.read()).await.unwrap();
        out.push((name.to_string(), n));
    }
    out
}

fn diff(a: &[(String, i64)], b: &[(String, i64)]) -> String {
    a.iter()
        .zip(b)
        .filter(|(x, y)| x.1 != y.1)
        .map(|(x, y)| format!("{} {}→{}", x.0, x.1, y.1))
        .collect::<Vec<_>>()
        .join(", ")
}

fn short(body: &str) -> String {
    body.chars().take(200).collect()
}

fn location(r: &Resp) -> &str {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// A request, signed over one form and sent in another

/// A request as the SDK would send it; every header in `headers` is signed.
#[derive(Clone)]
struct Msg {
    method: String,
    pq: String,
    body: String,
    headers: Vec<(String, String)>,
}

impl Msg {
    fn new(creds: &Creds, method: &str, pq: &str, body: &str, date_ms: i64) -> Msg {
        Msg {
            method: method.into(),
            pq: pq.into(),
            body: body.into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("host".into(), "127.0.0.1:8080".into()),
                ("x-domain-id".into(), creds.domain_id.clone()),
                ("x-sdk-date".into(), sdk_date(date_ms)),
            ],
        }
    }
    fn method(mut self, m: &str) -> Msg {
        self.method = m.into();
        self
    }
    fn pq(mut self, pq: &str) -> Msg {
        self.pq = pq.into();
        self
    }
    fn body(mut self, b: &str) -> Msg {
        self.body = b.into();
        self
    }
    fn set(mut self, name: &str, value: &str) -> Msg {
        match self.headers.iter_mut().find(|(k, _)| k == name) {
            Some(h) => h.1 = value.into(),
            None => self.headers.push((name.into(), value.into())),
        }
        self
    }
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn without(mut self, name: &str) -> Msg {
        self.headers.retain(|(k, _)| k != name);
        self
    }

    /// `Authorization` for this request signed with `sk` over all its headers.
    fn authz(&self, ak: &str, sk: &str) -> String {
        let (path, query) = self.pq.split_once('?').unwrap_or((&self.pq, ""));
        let mut names: Vec<String> = self.headers.iter().map(|(k, _)| k.clone()).collect();
        names.sort();
        let headers = self.headers.clone();
        let lookup = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        let rp = signing::RequestParts {
            method: &self.method,
            raw_path: path,
            raw_query: query,
            header: &lookup,
            body: self.body.as_bytes(),
        };
        let canonical = signing::canonical_request(&rp, &names).unwrap();
        let date = lookup("x-sdk-date").unwrap_or("");
        let sig = signing::sign(sk, &signing::string_to_sign(date, &canonical));
        format!(
            "SDK-HMAC-SHA256 Access={ak}, SignedHeaders={}, Signature={sig}",
            names.join(";")
        )
    }

    fn request(&self, authz: Option<HeaderValue>) -> Request<Body> {
        let mut b = Request::builder()
            .method(self.method.as_str())
            .uri(self.pq.as_str());
        for (k, v) in &self.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if let Some(a) = authz {
            b = b.header("authorization", a);
        }
        b.body(Body::from(self.body.clone())).unwrap()
    }

    /// Signed by `creds` as it is.
    fn signed_by(&self, creds: &Creds) -> Request<Body> {
        self.sent_as(self, creds)
    }

    /// `sent` carrying the signature `creds` made over `self`.
    fn sent_as(&self, sent: &Msg, creds: &Creds) -> Request<Body> {
        let a = HeaderValue::from_str(&self.authz(&creds.ak, &creds.sk)).unwrap();
        sent.request(Some(a))
    }
}

/// One API case: the request, the status and code it must get.
struct Case {
    name: String,
    req: Request<Body>,
    status: u16,
    code: Option<&'static str>,
}

fn refused(name: impl Into<String>, req: Request<Body>, code: &'static str) -> Case {
    Case {
        name: name.into(),
        req,
        status: 401,
        code: Some(code),
    }
}

const DENIED: &str = "APIGW.0301";
const EXPIRED: &str = "APIGW.0303";

/// Sends each case; a refusal must carry the vendor envelope and leave every table as it was.
async fn run_cases(app: &TestApp, t: &mut Tally, cases: Vec<Case>) {
    for c in cases {
        let before = fingerprint(app).await;
        let r = app.send(c.req).await;
        let after = fingerprint(app).await;
        let name = format!("{}: api: {}", app.engine, c.name);
        let envelope_ok = match c.code {
            None => r.status == c.status,
            Some(code) => {
                let j: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
                r.status == c.status
                    && j["error_code"] == code
                    && j["error_msg"].as_str().is_some_and(|m| !m.is_empty())
                    && r.headers.get("content-type").map(|v| v.as_bytes())
                        == Some(b"application/json".as_slice())
                    && r.headers.get("x-request-id").is_some_and(|v| !v.is_empty())
            }
        };
        t.check(&name, envelope_ok, || {
            format!(
                "want {} {:?}, got {} {}",
                c.status,
                c.code,
                r.status,
                short(&r.body)
            )
        });
        if c.code.is_some() || c.status >= 400 {
            t.check(&format!("{name} writes nothing"), before == after, || {
                diff(&before, &after)
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The API matrix

const READ: &str =
    "/v2/accounts/partner-accounts/account-change-records?balance_type=BALANCE_TYPE_DEBIT&offset=0&limit=10";
const WRITE: &str = "/v2/accounts/partner-accounts/adjust-amount";
const COUPONS: &str = "/v2/promotions/benefits/partner-coupons";

/// The tampering of one signed request: each signed part changed after signing.
fn tampered(label: &str, m: &Msg, d: &Creds, other: &Creds) -> Vec<Case> {
    let (path, query) = m.pq.split_once('?').unwrap_or((&m.pq, ""));
    let with_query = |q: &str| {
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        }
    };
    let mut v = vec![
        refused(
            format!("{label}: path changed"),
            m.sent_as(
                &m.clone().pq(&m.pq.replace(
                    if m.method == "GET" {
                        "account-change-records"
                    } else {
                        "adjust-amount"
                    },
                    if m.method == "GET" {
                        "balances"
                    } else {
                        "reclaim"
                    },
                )),
                d,
            ),
            DENIED,
        ),
        refused(
            format!("{label}: query parameter added"),
            m.sent_as(
                &m.clone().pq(&with_query(
                    &[query, "indirect_partner_id=someone"]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("&"),
                )),
                d,
            ),
            DENIED,
        ),
        refused(
            format!("{label}: content-type changed"),
            m.sent_as(&m.clone().set("content-type", "text/plain"), d),
            DENIED,
        ),
        refused(
            format!("{label}: host changed"),
            m.sent_as(&m.clone().set("host", "partner.example.com"), d),
            DENIED,
        ),
        refused(
            format!("{label}: x-domain-id changed"),
            m.sent_as(&m.clone().set("x-domain-id", &other.domain_id), d),
            DENIED,
        ),
        refused(
            format!("{label}: signed x-domain-id removed"),
            m.sent_as(&m.clone().without("x-domain-id"), d),
            DENIED,
        ),
        refused(
            format!("{label}: x-sdk-date moved 1 s"),
            m.sent_as(
                &m.clone().set(
                    "x-sdk-date",
                    &sdk_date(
                        signing::parse_sdk_date(m.header("x-sdk-date")).unwrap() * 1000 + 1000,
                    ),
                ),
                d,
            ),
            DENIED,
        ),
        refused(
            format!("{label}: x-sdk-date removed"),
            m.sent_as(&m.clone().without("x-sdk-date"), d),
            DENIED,
        ),
        refused(
            format!("{label}: another key's secret"),
            m.signed_by(&Creds {
                ak: d.ak.clone(),
                sk: other.sk.clone(),
                domain_id: d.domain_id.clone(),
            }),
            DENIED,
        ),
        refused(
            format!("{label}: this key, another partner's X-Domain-Id (signed)"),
            m.clone().set("x-domain-id", &other.domain_id).signed_by(d),
            DENIED,
        ),
        refused(
            format!("{label}: another partner's key, this X-Domain-Id (signed)"),
            m.signed_by(&Creds {
                ak: other.ak.clone(),
                sk: other.sk.clone(),
                domain_id: d.domain_id.clone(),
            }),
            DENIED,
        ),
        refused(
            format!("{label}: unknown access key"),
            m.signed_by(&Creds {
                ak: "NOSUCHACCESSKEY000000".into(),
                sk: d.sk.clone(),
                domain_id: d.domain_id.clone(),
            }),
            DENIED,
        ),
        refused(
            format!("{label}: no Authorization"),
            m.request(None),
            DENIED,
        ),
        refused(
            format!("{label}: Authorization not text"),
            m.request(Some(
                HeaderValue::from_bytes(b"SDK-HMAC-SHA256 \xff").unwrap(),
            )),
            DENIED,
        ),
    ];
    let good = m.authz(&d.ak, &d.sk);
    let sig = good.rsplit_once("Signature=").unwrap().1.to_string();
    let malformed = [
        ("no algorithm", "garbage".to_string()),
        ("no fields", "SDK-HMAC-SHA256 garbage".to_string()),
        (
            "empty fields",
            "SDK-HMAC-SHA256 Access=, SignedHeaders=, Signature=".to_string(),
        ),
        (
            "other algorithm",
            good.replacen("SDK-HMAC-SHA256", "SDK-HMAC-SM3", 1),
        ),
        (
            "empty signed header name",
            good.replacen("SignedHeaders=", "SignedHeaders=;", 1),
        ),
        ("signature not hex", good.replace(&sig, "zz")),
        ("signature truncated", good.replace(&sig, &sig[..62])),
        (
            "signature of another request",
            good.replace(
                &sig,
                &signing::sign(&d.sk, "SDK-HMAC-SHA256\n20240101T000000Z\n00"),
            ),
        ),
    ];
    for (what, a) in malformed {
        v.push(refused(
            format!("{label}: malformed Authorization ({what})"),
            m.request(Some(HeaderValue::from_str(&a).unwrap())),
            DENIED,
        ));
    }
    // Signed correctly but over too little: a captured request could then be re-dated or sent to
    // another host (docs/ARCHITECTURE.md, Security).
    for left_out in ["host", "x-sdk-date"] {
        let mut narrow = m.clone().without(left_out);
        let a = narrow.authz(&d.ak, &d.sk);
        narrow.headers = m.headers.clone();
        v.push(refused(
            format!("{label}: {left_out} not among the signed headers"),
            narrow.request(Some(HeaderValue::from_str(&a).unwrap())),
            DENIED,
        ));
    }
    // A declared payload hash that is not the body's (the SDK's UNSIGNED-PAYLOAD) would let anyone
    // on the path swap the body.
    let unsigned = m.clone().set("x-sdk-content-sha256", "UNSIGNED-PAYLOAD");
    v.push(refused(
        format!("{label}: UNSIGNED-PAYLOAD, body swapped"),
        unsigned.sent_as(&unsigned.clone().body(r#"{"amount": 999}"#), d),
        DENIED,
    ));
    v
}

async fn api_matrix(app: &TestApp, t: &mut Tally) {
    let d = app.partner(PartnerType::Distributor, None).await;
    let o = app.partner(PartnerType::Distributor, None).await;
    let c = app
        .customer(&d.partner_id, AssociationType::Resale, "auth-cust", "x")
        .await;
    let c2 = app
        .customer(&d.partner_id, AssociationType::Resale, "auth-cust2", "x")
        .await;
    app.credit(&d.partner_id, 100_000).await;
    let quota = coupon_quota(app, &d.partner_id, QuotaType::Cash, 100_000).await;
    let (dc, oc) = (Creds::from(&d), Creds::from(&o));

    let read = Msg::new(&dc, "GET", READ, "", NOW_MS);
    let body = format!(r#"{{"customer_id": "{}", "amount": 1.00}}"#, c.customer_id);
    let write = Msg::new(&dc, "POST", WRITE, &body, NOW_MS);

    // The signer here is the harness's: the control requests must be byte-for-byte alike.
    let harness = signed(&dc, "GET", READ, "", NOW_MS, &[]);
    t.check(
        &format!("{}: api: test signer matches the harness", app.engine),
        harness.headers()["authorization"].to_str().unwrap() == read.authz(&dc.ak, &dc.sk),
        || "authorization differs".into(),
    );

    // Controls: the untampered read is accepted (the write's control runs last, below).
    let mut cases = vec![Case {
        name: "read: as signed".into(),
        req: read.signed_by(&dc),
        status: 200,
        code: None,
    }];
    cases.extend(tampered("read", &read, &dc, &oc));
    cases.extend(tampered("write", &write, &dc, &oc));

    // Query: removed, changed; reordered is the same canonical request (accepted); a repeated key
    // with its values swapped signs the same, so the parser must refuse the ambiguity.
    cases.push(refused(
        "read: query parameter removed",
        read.sent_as(&read.clone().pq(&READ.replace("&limit=10", "")), &dc),
        DENIED,
    ));
    cases.push(refused(
        "read: query value changed",
        read.sent_as(&read.clone().pq(&READ.replace("limit=10", "limit=11")), &dc),
        DENIED,
    ));
    cases.push(Case {
        name: "read: query pairs reordered (same canonical query, accepted)".into(),
        req: read.sent_as(
            &read
                .clone()
                .pq(&READ.replace("offset=0&limit=10", "limit=10&offset=0")),
            &dc,
        ),
        status: 200,
        code: None,
    });
    let dup = read.clone().pq(&format!("{READ}&limit=20"));
    cases.push(Case {
        name: "read: repeated key, values swapped (same signature, refused by the parser)".into(),
        req: dup.sent_as(
            &dup.clone()
                .pq(&READ.replace("limit=10", "limit=20&limit=10")),
            &dc,
        ),
        status: 400,
        code: Some("CBC.0100"),
    });
    // Body: added to the read, changed on the write (amount, then the beneficiary).
    cases.push(refused(
        "read: body added",
        read.sent_as(&read.clone().body("{}"), &dc),
        DENIED,
    ));
    cases.push(refused(
        "write: amount changed",
        write.sent_as(&write.clone().body(&body.replace("1.00", "900.00")), &dc),
        DENIED,
    ));
    cases.push(refused(
        "write: customer changed",
        write.sent_as(
            &write
                .clone()
                .body(&body.replace(&c.customer_id, &c2.customer_id)),
            &dc,
        ),
        DENIED,
    ));
    // Method: a signed read replayed as the write on the same path (issuing a coupon), and back.
    let issue =
        serde_json::json!({"quota_id": quota, "customer_ids": [c.customer_id], "face_value": 5})
            .to_string();
    let list = Msg::new(&dc, "GET", COUPONS, &issue, NOW_MS);
    cases.push(refused(
        "method: signed GET sent as POST (issue coupons)",
        list.sent_as(&list.clone().method("POST"), &dc),
        DENIED,
    ));
    let post = Msg::new(&dc, "POST", COUPONS, &issue, NOW_MS);
    cases.push(refused(
        "method: signed POST sent as GET",
        post.sent_as(&post.clone().method("GET"), &dc),
        DENIED,
    ));
    // The clock window: ±16 minutes refused as expired, ±14 minutes accepted.
    for (m, name) in [(&read, "read"), (&write, "write")] {
        for minutes in [-16i64, 16] {
            let dated = m
                .clone()
                .set("x-sdk-date", &sdk_date(NOW_MS + minutes * 60_000));
            cases.push(refused(
                format!("{name}: dated {minutes:+} min"),
                dated.signed_by(&dc),
                EXPIRED,
            ));
        }
        for minutes in [-14i64, 14] {
            let dated = m
                .clone()
                .set("x-sdk-date", &sdk_date(NOW_MS + minutes * 60_000));
            cases.push(Case {
                name: format!("{name}: dated {minutes:+} min (inside the window)"),
                req: dated.signed_by(&dc),
                status: 200,
                code: None,
            });
        }
    }
    run_cases(app, t, cases).await;

    // A revoked key: it works, the partner revokes it in the console, it is refused at once.
    let k2 = identity::create_partner_key(
        &app.db,
        app.as_partner(&d.partner_id),
        app.mk.clone(),
        "to revoke".into(),
    )
    .await
    .unwrap();
    let k2c = Creds {
        ak: k2.access_key.clone(),
        sk: k2.secret_key.clone(),
        domain_id: d.domain_id.clone(),
    };
    run_cases(
        app,
        t,
        vec![Case {
            name: "second key before revocation".into(),
            req: read.signed_by(&k2c),
            status: 200,
            code: None,
        }],
    )
    .await;
    let admin = app.console_login(&d.login, &d.password).await;
    let r = app
        .console_post(
            &admin,
            &format!("/console/access-keys/{}/revoke", k2.access_key),
            &[],
        )
        .await;
    t.check(
        &format!("{}: api: console revokes the key", app.engine),
        r.status == 303,
        || format!("{} {}", r.status, short(&r.body)),
    );
    run_cases(
        app,
        t,
        vec![
            refused("read: revoked key", read.signed_by(&k2c), DENIED),
            refused("write: revoked key", write.signed_by(&k2c), DENIED),
        ],
    )
    .await;

    // The write's control, and the ledger: exactly the accepted writes moved money (±14 min and
    // this one), and the coupon quota issued nothing.
    let before = fingerprint(app).await;
    let r = app.send(write.signed_by(&dc)).await;
    let after = fingerprint(app).await;
    t.check(
        &format!("{}: api: write as signed", app.engine),
        r.status == 200 && before != after,
        || format!("{} {}", r.status, short(&r.body)),
    );
    let bal = customer_balance(app, &c.customer_id).await;
    t.check(
        &format!("{}: api: only accepted writes moved money", app.engine),
        bal == Money::from_cents(300),
        || format!("customer balance {bal}, want 3.00"),
    );
    let bal2 = customer_balance(app, &c2.customer_id).await;
    t.check(
        &format!("{}: api: the other customer got nothing", app.engine),
        bal2 == Money::ZERO,
        || format!("balance {bal2}"),
    );
    let coupons: i64 = sql::query_scalar("SELECT COUNT(*) FROM coupons")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    t.check(
        &format!("{}: api: no coupon issued", app.engine),
        coupons == 0,
        || format!("{coupons} coupons"),
    );
    // The issue body itself was valid: signed as a POST it issues.
    let r = app.send(post.signed_by(&dc)).await;
    t.check(
        &format!("{}: api: coupon issue as signed", app.engine),
        r.status == 200,
        || format!("{} {}", r.status, short(&r.body)),
    );
    app.assert_ledger_clean().await;
}

// ---------------------------------------------------------------------------------------------
// Console: CSRF, sessions

/// A form post with the given token (None: no `csrf` field at all).
async fn post_form(
    app: &TestApp,
    cookie: &str,
    path: &str,
    csrf: Option<&str>,
    fields: &[(&str, &str)],
) -> Resp {
    let mut all: Vec<(&str, &str)> = csrf.map(|c| ("csrf", c)).into_iter().collect();
    all.extend_from_slice(fields);
    app.send(
        Request::post(path)
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&all)))
            .unwrap(),
    )
    .await
}

/// The post is refused (4xx) with a missing token, another session's token and a same-length
/// forgery, writing nothing; then with the right token it succeeds (303) and writes.
#[allow(clippy::too_many_arguments)]
async fn csrf_form(
    app: &TestApp,
    t: &mut Tally,
    name: &str,
    s: &Session,
    foreign: &Session,
    path: &str,
    fields: &[(&str, &str)],
    writes: bool,
) {
    let forged: String = s
        .csrf
        .chars()
        .map(|ch| if ch == '0' { '1' } else { '0' })
        .collect();
    for (what, token) in [
        ("missing", None),
        ("empty", Some("")),
        ("another session's", Some(foreign.csrf.as_str())),
        ("forged", Some(forged.as_str())),
    ] {
        let before = fingerprint(app).await;
        let r = post_form(app, &s.cookie, path, token, fields).await;
        let after = fingerprint(app).await;
        let n = format!("{}: csrf: {name}: {what} token", app.engine);
        t.check(&n, (400..500).contains(&r.status), || {
            format!("{} {}", r.status, short(&r.body))
        });
        t.check(&format!("{n} writes nothing"), before == after, || {
            diff(&before, &after)
        });
    }
    let before = fingerprint(app).await;
    let r = post_form(app, &s.cookie, path, Some(&s.csrf), fields).await;
    let after = fingerprint(app).await;
    t.check(
        &format!("{}: csrf: {name}: right token", app.engine),
        r.status == 303 && (!writes || before != after),
        || {
            format!(
                "{} {} ({})",
                r.status,
                short(&r.body),
                diff(&before, &after)
            )
        },
    );
}

/// No access with this cookie: pages and forms redirect to the login page, nothing is written.
async fn no_access(app: &TestApp, t: &mut Tally, name: &str, cookie: &str, csrf: &str) {
    for path in ["/console", "/console/customers", "/console/access-keys"] {
        let r = app
            .send(
                Request::get(path)
                    .header("cookie", cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        t.check(
            &format!("{}: session: {name}: GET {path}", app.engine),
            r.status == 303 && location(&r) == "/console/login",
            || format!("{} {:?} {}", r.status, location(&r), short(&r.body)),
        );
    }
    for (path, fields) in [
        ("/console/access-keys", vec![("description", "x")]),
        ("/console/lang", vec![("lang", "en-US")]),
    ] {
        let before = fingerprint(app).await;
        let r = post_form(app, cookie, path, Some(csrf), &fields).await;
        let after = fingerprint(app).await;
        t.check(
            &format!("{}: session: {name}: POST {path}", app.engine),
            (300..500).contains(&r.status) && r.status != 304 && before == after,
            || {
                format!(
                    "{} {} ({})",
                    r.status,
                    short(&r.body),
                    diff(&before, &after)
                )
            },
        );
    }
}

async fn console_matrix(app: &TestApp, t: &mut Tally) {
    let d = app.partner(PartnerType::Distributor, None).await;
    let c = app
        .customer(&d.partner_id, AssociationType::Resale, "csrf-cust", "x")
        .await;
    app.credit(&d.partner_id, 10_000).await;
    identity::create_operator(
        &app.db,
        ctx(),
        identity::Credentials {
            login: "auth.op".into(),
            password: "Passw0rd!".into(),
        },
    )
    .await
    .unwrap();
    let op = app.console_login("auth.op", "Passw0rd!").await;
    let admin = app.console_login(&d.login, &d.password).await;
    let cust = app.console_login(&c.login, &c.password).await;
    let k3 = identity::create_partner_key(
        &app.db,
        app.as_partner(&d.partner_id),
        app.mk.clone(),
        "csrf".into(),
    )
    .await
    .unwrap();

    // Every console form, for each kind of user: no token, another session's token.
    let routes: Vec<String> = routes::console_routes()
        .into_iter()
        .filter(|r| {
            r.method == "POST" && r.path.starts_with("/console/") && r.path != "/console/login"
        })
        .map(|r| {
            let id = if r.path.starts_with("/console/customers/") {
                c.customer_id.as_str()
            } else {
                "nope"
            };
            r.path.replace("{ak}", &k3.access_key).replace("{id}", id)
        })
        .collect();
    t.check(
        &format!("{}: csrf: the route list is read", app.engine),
        routes.len() >= 20,
        || format!("{} routes", routes.len()),
    );
    let start = fingerprint(app).await;
    for path in &routes {
        for (who, s, foreign) in [
            ("operator", &op, &admin),
            ("partner admin", &admin, &cust),
            ("customer", &cust, &op),
        ] {
            for (what, token) in [("no", None), ("another session's", Some(&foreign.csrf))] {
                let r = post_form(app, &s.cookie, path, token.map(|x| x.as_str()), &[]).await;
                t.check(
                    &format!("{}: csrf: POST {path} as {who}, {what} token", app.engine),
                    (400..500).contains(&r.status),
                    || format!("{} {}", r.status, short(&r.body)),
                );
            }
        }
        let now = fingerprint(app).await;
        t.check(
            &format!("{}: csrf: POST {path} writes nothing", app.engine),
            now == start,
            || diff(&start, &now),
        );
    }

    // The forms that matter, with the control: the right token goes through.
    csrf_form(
        app,
        t,
        "create access key",
        &admin,
        &cust,
        "/console/access-keys",
        &[("description", "csrf test")],
        true,
    )
    .await;
    csrf_form(
        app,
        t,
        "revoke access key",
        &admin,
        &op,
        &format!("/console/access-keys/{}/revoke", k3.access_key),
        &[],
        true,
    )
    .await;
    csrf_form(
        app,
        t,
        "allocate funds",
        &admin,
        &cust,
        "/console/funds/customers",
        &[
            ("op", "allocate"),
            ("customer_id", &c.customer_id),
            ("amount", "1.00"),
        ],
        true,
    )
    .await;
    csrf_form(
        app,
        t,
        "create staff",
        &admin,
        &op,
        "/console/staff",
        &[
            ("login", "auth.staff1"),
            ("password", "Passw0rd!"),
            ("display_name", "One"),
        ],
        true,
    )
    .await;
    csrf_form(
        app,
        t,
        "switch language",
        &cust,
        &admin,
        "/console/lang",
        &[("lang", "en-US")],
        true,
    )
    .await;

    // Logout: with a wrong token the session stays; with the right one it ends, and the cookie
    // (with its token) opens nothing any more.
    let gone = app.console_login(&d.login, &d.password).await;
    csrf_form(
        app,
        t,
        "logout",
        &gone,
        &admin,
        "/console/logout",
        &[],
        true,
    )
    .await;
    no_access(app, t, "after logout", &gone.cookie, &gone.csrf).await;
    no_access(
        app,
        t,
        "forged cookie",
        &format!("pc_session={}", "ab".repeat(32)),
        &admin.csrf,
    )
    .await;

    // A staff session ends when an admin disables the account in the console.
    let staff = app.console_login("auth.staff1", "Passw0rd!").await;
    let sid: String = sql::query_scalar("SELECT id FROM users WHERE login = 'auth.staff1'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    let r = app
        .console_post(&admin, &format!("/console/staff/{sid}/disable"), &[])
        .await;
    t.check(
        &format!("{}: session: staff disabled", app.engine),
        r.status == 303,
        || format!("{} {}", r.status, short(&r.body)),
    );
    no_access(app, t, "staff disabled", &staff.cookie, &staff.csrf).await;
    // The session lookup refuses a disabled user even if its sessions were not ended (a disable
    // by any other path): the account state, not the session row, decides.
    let r = app
        .console_post(
            &admin,
            "/console/staff",
            &[
                ("login", "auth.staff2"),
                ("password", "Passw0rd!"),
                ("display_name", "Two"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}: {}", app.engine, r.body);
    let staff2 = app.console_login("auth.staff2", "Passw0rd!").await;
    app.db
        .write(|c| {
            Box::pin(async move {
                sql::query("UPDATE users SET disabled_at = $1 WHERE login = 'auth.staff2'")
                    .bind(NOW_MS)
                    .execute(c)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    no_access(
        app,
        t,
        "user disabled, session row kept",
        &staff2.cookie,
        &staff2.csrf,
    )
    .await;
    let r = app.login_attempt("auth.staff2", "Passw0rd!").await;
    t.check(
        &format!("{}: session: disabled user cannot log in", app.engine),
        r.status == 401 && !r.headers.contains_key("set-cookie"),
        || format!("{} {}", r.status, short(&r.body)),
    );
    app.assert_ledger_clean().await;
}

// ---------------------------------------------------------------------------------------------
// Console: browser protections

fn directive<'a>(csp: &'a str, name: &str) -> Option<&'a str> {
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(name).filter(|r| r.starts_with(' ')))
        .map(str::trim)
}

/// CSP, nosniff, Referrer-Policy, no framing; and a CSP that admits what the page itself uses.
fn check_headers(t: &mut Tally, name: &str, r: &Resp) {
    let h = |k: &str| {
        r.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let csp = h("content-security-policy");
    let frame = directive(&csp, "frame-ancestors").unwrap_or("");
    t.check(
        &format!("{name}: CSP frame-ancestors"),
        frame == "'none'" || frame == "'self'",
        || format!("CSP {csp:?}"),
    );
    let default = directive(&csp, "default-src").unwrap_or("");
    t.check(
        &format!("{name}: CSP default-src"),
        default == "'self'" || default == "'none'",
        || format!("CSP {csp:?}"),
    );
    t.check(
        &format!("{name}: nosniff"),
        h("x-content-type-options") == "nosniff",
        || format!("{:?}", h("x-content-type-options")),
    );
    let rp = h("referrer-policy");
    t.check(
        &format!("{name}: Referrer-Policy"),
        [
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin",
        ]
        .contains(&rp.as_str()),
        || format!("{rp:?}"),
    );
    // The page must still work under its own policy.
    let b = &r.body;
    let script = directive(&csp, "script-src").unwrap_or(default);
    let style = directive(&csp, "style-src").unwrap_or(default);
    let inline_script =
        b.contains("<script>") || b.contains(" onsubmit=") || b.contains(" onclick=");
    let inline_style = b.contains("<style>") || b.contains(" style=\"");
    t.check(
        &format!("{name}: CSP admits the page's inline script"),
        !inline_script || script.contains("'unsafe-inline'"),
        || format!("script-src {script:?}"),
    );
    t.check(
        &format!("{name}: CSP admits the page's inline style"),
        !inline_style || style.contains("'unsafe-inline'"),
        || format!("style-src {style:?}"),
    );
    t.check(
        &format!("{name}: the page loads nothing from elsewhere"),
        !b.contains("src=\"http")
            && !b.contains("href=\"//")
            && !b.contains("<link rel=\"stylesheet\" href=\"http"),
        || "an external resource".into(),
    );
}

/// `HttpOnly`, `SameSite`, and `Secure` exactly when asked for.
fn check_cookies(t: &mut Tally, name: &str, r: &Resp, secure: bool) {
    let cookies: Vec<String> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect();
    t.check(
        &format!("{name}: sets a cookie"),
        !cookies.is_empty(),
        || format!("status {}", r.status),
    );
    for c in cookies {
        let attrs: Vec<String> = c
            .split(';')
            .skip(1)
            .map(|a| a.trim().to_ascii_lowercase())
            .collect();
        let has = |a: &str| {
            attrs
                .iter()
                .any(|x| x == a || x.starts_with(&format!("{a}=")))
        };
        t.check(&format!("{name}: HttpOnly"), has("httponly"), || c.clone());
        t.check(&format!("{name}: SameSite"), has("samesite"), || c.clone());
        t.check(
            &format!("{name}: Secure is {secure}"),
            has("secure") == secure,
            || c.clone(),
        );
    }
}

async fn protections(app: &TestApp, t: &mut Tally) {
    let d = app.partner(PartnerType::Distributor, None).await;
    let s = app.console_login(&d.login, &d.password).await;
    let e = &app.engine;
    let get = |path: &str, cookie: Option<&str>| {
        let mut b = Request::get(path);
        if let Some(c) = cookie {
            b = b.header("cookie", c);
        }
        b.body(Body::empty()).unwrap()
    };
    let pages = [
        ("login page", get("/console/login", None)),
        ("anonymous console → login", get("/console", None)),
        ("home", get("/console", Some(&s.cookie))),
        ("access keys", get("/console/access-keys", Some(&s.cookie))),
        ("coupons", get("/console/cash-coupons", Some(&s.cookie))),
        ("403 page", get("/console/partners", Some(&s.cookie))),
        ("stylesheet", get("/console/static/console.css", None)),
        (
            "unknown console path",
            get("/console/no-such-page", Some(&s.cookie)),
        ),
        ("invite page", get("/join/no-such-token", None)),
    ];
    for (name, req) in pages {
        let r = app.send(req).await;
        check_headers(t, &format!("{e}: headers: {name} ({})", r.status), &r);
    }
    let r = post_form(app, &s.cookie, "/console/access-keys", None, &[]).await;
    check_headers(t, &format!("{e}: headers: CSRF refusal ({})", r.status), &r);
    let r = app.login_attempt(&d.login, "wrong").await;
    check_headers(t, &format!("{e}: headers: failed login ({})", r.status), &r);

    // Cookies, without and with `secure_cookies`.
    for secure in [false, true] {
        let router = app
            .instance_with(partner_center::config::Settings {
                secure_cookies: secure,
                ..Default::default()
            })
            .await;
        let login = send_to(
            router.clone(),
            Request::post("/console/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(form_body(&[
                    ("login", &d.login),
                    ("password", &d.password),
                ])))
                .unwrap(),
        )
        .await;
        check_headers(t, &format!("{e}: headers: login redirect"), &login);
        check_cookies(
            t,
            &format!("{e}: cookie: session (secure={secure})"),
            &login,
            secure,
        );
        let cookie = login.headers["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let home = send_to(router.clone(), get("/console", Some(&cookie))).await;
        let marker = "name=\"csrf\" value=\"";
        let csrf = home
            .body
            .find(marker)
            .map(|at| home.body[at + marker.len()..].split('"').next().unwrap())
            .unwrap_or("")
            .to_string();
        let lang = |cookie: Option<&str>, csrf: &str| {
            let mut b = Request::post("/console/lang")
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(c) = cookie {
                b = b.header("cookie", c);
            }
            b.body(Body::from(form_body(&[("csrf", csrf), ("lang", "zh-CN")])))
                .unwrap()
        };
        let r = send_to(router.clone(), lang(Some(&cookie), &csrf)).await;
        check_cookies(
            t,
            &format!("{e}: cookie: language (secure={secure})"),
            &r,
            secure,
        );
        let r = send_to(router.clone(), lang(None, "")).await;
        check_cookies(
            t,
            &format!("{e}: cookie: visitor's language (secure={secure})"),
            &r,
            secure,
        );
        let r = send_to(
            router.clone(),
            Request::post("/console/logout")
                .header("cookie", &cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(form_body(&[("csrf", &csrf)])))
                .unwrap(),
        )
        .await;
        check_cookies(
            t,
            &format!("{e}: cookie: logout (secure={secure})"),
            &r,
            secure,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Clock-driven: password guessing, session expiry (they move the clock, so they run last)

async fn guessing(app: &TestApp, t: &mut Tally) {
    let e = &app.engine;
    let g = app.partner(PartnerType::Consulting, None).await;
    let other = app.partner(PartnerType::Consulting, None).await;
    let sessions = || async {
        sql::query_scalar::<i64>("SELECT COUNT(*) FROM sessions")
            .fetch_one(app.db.read())
            .await
            .unwrap()
    };
    // Below the limit: 9 failures, then the right password works and clears the count.
    for i in 0..9 {
        let r = app.login_attempt(&g.login, &format!("wrong{i}")).await;
        t.check(&format!("{e}: guess: failure {i}"), r.status == 401, || {
            format!("{} {}", r.status, short(&r.body))
        });
    }
    let r = app.login_attempt(&g.login, &g.password).await;
    t.check(
        &format!("{e}: guess: 9 failures, then in"),
        r.status == 303,
        || format!("{} {}", r.status, short(&r.body)),
    );
    // The limit: 10 failures, then even the right password is refused, with no session.
    let first_failure = pc_app::clock::Clock::now_ms(&app.clock);
    for i in 0..10 {
        let r = app.login_attempt(&g.login, &format!("wrong{i}")).await;
        t.check(
            &format!("{e}: guess: failure {i} of 10"),
            r.status == 401,
            || format!("{} {}", r.status, short(&r.body)),
        );
    }
    let n = sessions().await;
    for (what, login) in [
        ("right password", g.login.clone()),
        ("right password, login upper-cased", g.login.to_uppercase()),
    ] {
        let r = app.login_attempt(&login, &g.password).await;
        t.check(
            &format!("{e}: guess: after 10 failures, {what}: refused"),
            r.status == 400
                && (r.body.contains("请求过于频繁") || r.body.contains("Too many requests"))
                && !r.headers.contains_key("set-cookie"),
            || format!("{} {}", r.status, short(&r.body)),
        );
    }
    t.check(
        &format!("{e}: guess: no session opened"),
        sessions().await == n,
        || "a session row appeared".into(),
    );
    // Per login: another login is not affected.
    let r = app.login_attempt(&other.login, &other.password).await;
    t.check(
        &format!("{e}: guess: another login works"),
        r.status == 303,
        || format!("{} {}", r.status, short(&r.body)),
    );
    // Until the window passes (application clock): 15 minutes less 1 ms still refused, then in.
    app.clock.set(first_failure + 15 * 60_000 - 1);
    let r = app.login_attempt(&g.login, &g.password).await;
    t.check(
        &format!("{e}: guess: 15 min - 1 ms later: still refused"),
        r.status == 400,
        || format!("{} {}", r.status, short(&r.body)),
    );
    app.clock.set(first_failure + 15 * 60_000);
    let r = app.login_attempt(&g.login, &g.password).await;
    t.check(
        &format!("{e}: guess: 15 min later: in"),
        r.status == 303,
        || format!("{} {}", r.status, short(&r.body)),
    );
}

async fn expiry(app: &TestApp, t: &mut Tally) {
    let d = app.partner(PartnerType::Consulting, None).await;
    let s = app.console_login(&d.login, &d.password).await;
    app.clock.advance(identity::SESSION_TTL_MS - 1);
    let r = app.console_get(&s, "/console").await;
    t.check(
        &format!("{}: session: valid just before 12 h", app.engine),
        r.status == 200,
        || format!("{}", r.status),
    );
    app.clock.advance(1);
    no_access(app, t, "expired after 12 h", &s.cookie, &s.csrf).await;
}

#[tokio::test]
async fn proof_auth() {
    for app in apps("proof_auth").await {
        let start = Instant::now();
        let mut t = Tally::default();
        api_matrix(&app, &mut t).await;
        let api = t.cases;
        console_matrix(&app, &mut t).await;
        protections(&app, &mut t).await;
        let console = t.cases - api;
        guessing(&app, &mut t).await;
        expiry(&app, &mut t).await;
        let detail = format!(
            "api checks {api}, console checks {console}, guessing+expiry {}; {}",
            t.cases - api - console,
            t.failures.join(" | ")
        );
        common::proof::report(
            "auth",
            &app.engine,
            t.cases,
            t.failures.len() as u64,
            start.elapsed(),
            &detail,
        );
    }
}
