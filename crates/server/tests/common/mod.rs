//! Shared harness for the server's in-process HTTP tests: a fresh database per engine, the real
//! router, a manual clock, and a signer that builds requests the way the official SDK does.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use http_body_util::BodyExt;
use partner_center::config::Settings;
use partner_center::state::AppState;
use pc_app::clock::ManualClock;
use pc_app::crypto::MasterKey;
use pc_app::services::{customers, funds, partners};
use pc_app::store::{ledger, testing};
use pc_app::{Actor, Ctx, Db};
use pc_domain::party::{AssociationType, PartnerType};
use pc_domain::signing;
use pc_domain::Money;
use tower::ServiceExt;

pub mod proof;
pub mod routes;
pub mod shop;
pub mod spawn;
pub mod xlsx;

pub const NOW_MS: i64 = 1_795_000_000_000;

pub struct TestApp {
    pub engine: String,
    pub db: Db,
    pub mk: MasterKey,
    pub clock: ManualClock,
    pub router: Router,
}

pub async fn apps(tag: &str) -> Vec<TestApp> {
    let mut out = Vec::new();
    for (engine, db) in testing::engines(tag).await {
        let mk = MasterKey::generate();
        let clock = ManualClock::at(NOW_MS);
        let state = AppState::new(
            db.clone(),
            mk.clone(),
            Arc::new(clock.clone()),
            Settings::default(),
        );
        let router = partner_center::http::app(state);
        out.push(TestApp {
            engine,
            db,
            mk,
            clock,
            router,
        });
    }
    out
}

pub fn ctx() -> Ctx {
    Ctx::new(
        Actor::System {
            name: "test".into(),
        },
        "req-test",
        NOW_MS,
    )
}

pub struct Resp {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// Asserts the vendor error envelope with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        let j = self.json();
        assert_eq!(j["error_code"], code, "body: {}", self.body);
        assert!(j["error_msg"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(self.headers["content-type"], "application/json");
        assert!(self.headers.contains_key("x-request-id"));
    }
}

/// One request through a router, the response read whole. A workbook (XLSX) answer's body is the
/// text of its XML parts, so a search of the body reads its cells.
pub async fn send_to(router: Router, req: Request<Body>) -> Resp {
    let resp: Response<Body> = router.oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let workbook = headers
        .get("content-type")
        .is_some_and(|t| t.as_bytes().ends_with(b"spreadsheetml.sheet"));
    let body = match workbook.then(|| xlsx::parts_text(&bytes)).flatten() {
        Some(text) => text,
        None => String::from_utf8_lossy(&bytes).into_owned(),
    };
    Resp {
        status,
        headers,
        body,
    }
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> Resp {
        send_to(self.router.clone(), req).await
    }

    /// Sends the requests concurrently, each on its own task.
    pub async fn send_all(&self, reqs: Vec<Request<Body>>) -> Vec<Resp> {
        let handles: Vec<_> = reqs
            .into_iter()
            .map(|req| tokio::spawn(send_to(self.router.clone(), req)))
            .collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }

    /// Another server instance on the same database: its own connection pool (and, on SQLite, its own
    /// writer), its own key cache, the same master key and clock.
    /// Another instance on the same database with its own settings.
    pub async fn instance_with(&self, settings: Settings) -> Router {
        let db = Db::connect(self.db.url()).await.unwrap();
        let state = AppState::new(db, self.mk.clone(), Arc::new(self.clock.clone()), settings);
        partner_center::http::app(state)
    }

    pub async fn second_instance(&self) -> Router {
        let db = Db::connect(self.db.url()).await.unwrap();
        let state = AppState::new(
            db,
            self.mk.clone(),
            Arc::new(self.clock.clone()),
            Settings::default(),
        );
        partner_center::http::app(state)
    }

    pub async fn partner(&self, t: PartnerType, parent: Option<&str>) -> partners::CreatedPartner {
        partners::create(
            &self.db,
            ctx(),
            self.mk.clone(),
            partners::NewPartner {
                name: format!("{t:?} partner"),
                partner_type: t,
                parent_id: parent.map(str::to_string),
                login: None,
                password: Some("Passw0rd!".into()),
            },
        )
        .await
        .unwrap()
    }

    pub async fn customer(
        &self,
        partner_id: &str,
        a: AssociationType,
        name: &str,
        label: &str,
    ) -> customers::CreatedCustomer {
        customers::create_associated(
            &self.db,
            ctx(),
            self.mk.clone(),
            customers::NewCustomer {
                partner_id: partner_id.into(),
                association: a,
                domain_name: Some(name.into()),
                real_name: Some(format!("{name} Ltd")),
                label: Some(label.into()),
                password: Some("Passw0rd!".into()),
            },
        )
        .await
        .unwrap()
    }

    pub async fn credit(&self, partner_id: &str, cents: i64) {
        let credit = funds::Credit {
            partner_id: partner_id.into(),
            amount: Money::from_cents(cents),
            memo: None,
        };
        funds::credit_partner(&self.db, ctx(), credit)
            .await
            .unwrap();
    }

    /// The partner's own admin acting, as its console session or access key would.
    pub fn as_partner(&self, partner_id: &str) -> Ctx {
        Ctx::new(
            Actor::Partner {
                partner_id: partner_id.into(),
                root_id: partner_id.into(),
                user_id: None,
                role: pc_domain::party::Role::PartnerAdmin,
            },
            "req-test",
            pc_app::clock::Clock::now_ms(&self.clock),
        )
    }

    /// The partner allocates `cents` to its resale customer.
    pub async fn allocate(&self, partner_id: &str, customer_id: &str, cents: i64) {
        let m = funds::CustomerFunds {
            way: funds::Way::Allocate,
            indirect_partner_id: None,
            customer_id: customer_id.into(),
            amount: Money::from_cents(cents),
        };
        funds::move_customer_funds(&self.db, self.as_partner(partner_id), m)
            .await
            .unwrap();
    }

    pub async fn assert_ledger_clean(&self) {
        let r = ledger::verify(self.db.read()).await.unwrap();
        assert!(
            r.violations.is_empty(),
            "{}: {:?}",
            self.engine,
            r.violations
        );
        let v = pc_app::services::consistency(self.db.read()).await.unwrap();
        assert!(v.is_empty(), "{}: {v:?}", self.engine);
    }
}

/// Credentials as the SDK holds them.
#[derive(Clone)]
pub struct Creds {
    pub ak: String,
    pub sk: String,
    pub domain_id: String,
}

impl From<&partners::CreatedPartner> for Creds {
    fn from(p: &partners::CreatedPartner) -> Self {
        Creds {
            ak: p.access_key.clone(),
            sk: p.secret_key.clone(),
            domain_id: p.domain_id.clone(),
        }
    }
}

impl From<&customers::CreatedCustomer> for Creds {
    fn from(c: &customers::CreatedCustomer) -> Self {
        Creds {
            ak: c.access_key.clone(),
            sk: c.secret_key.clone(),
            domain_id: c.domain_id.clone(),
        }
    }
}

pub fn sdk_date(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms / 1000).unwrap();
    t.format(&time::macros::format_description!(
        "[year][month][day]T[hour][minute][second]Z"
    ))
    .unwrap()
}

/// Builds a request signed as the SDK signs it (content-type;host;x-domain-id;x-sdk-date).
pub fn signed(
    creds: &Creds,
    method: &str,
    path_and_query: &str,
    body: &str,
    date_ms: i64,
    extra: &[(&str, &str)],
) -> Request<Body> {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let date = sdk_date(date_ms);
    let headers = [
        ("content-type", "application/json".to_string()),
        ("host", "127.0.0.1:8080".to_string()),
        ("x-domain-id", creds.domain_id.clone()),
        ("x-sdk-date", date.clone()),
    ];
    let lookup = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.as_str())
    };
    let signed_headers: Vec<String> = headers.iter().map(|(k, _)| k.to_string()).collect();
    let rp = signing::RequestParts {
        method,
        raw_path: path,
        raw_query: query,
        header: &lookup,
        body: body.as_bytes(),
    };
    let canonical = signing::canonical_request(&rp, &signed_headers).unwrap();
    let sig = signing::sign(&creds.sk, &signing::string_to_sign(&date, &canonical));
    let mut b = Request::builder().method(method).uri(path_and_query);
    for (k, v) in &headers {
        b = b.header(*k, v);
    }
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    b.header(
        "authorization",
        format!(
            "SDK-HMAC-SHA256 Access={}, SignedHeaders={}, Signature={sig}",
            creds.ak,
            signed_headers.join(";")
        ),
    )
    .body(Body::from(body.to_string()))
    .unwrap()
}

/// A console session opened through `POST /console/login`: the cookie to send back and the
/// session's CSRF token (read from the page, as a browser would).
#[derive(Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// `application/x-www-form-urlencoded` for a few fields.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, NON_ALPHANUMERIC),
                utf8_percent_encode(v, NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl TestApp {
    /// Posts the console's login form once (303 and a cookie on success).
    pub async fn login_attempt(&self, login: &str, password: &str) -> Resp {
        self.send(
            Request::post("/console/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(form_body(&[
                    ("login", login),
                    ("password", password),
                ])))
                .unwrap(),
        )
        .await
    }

    /// Logs in through the console's login form; panics unless it succeeds.
    pub async fn console_login(&self, login: &str, password: &str) -> Session {
        let r = self.login_attempt(login, password).await;
        assert_eq!(r.status, 303, "{}: login {login}: {}", self.engine, r.body);
        let set = r.headers["set-cookie"].to_str().unwrap();
        let cookie = set.split(';').next().unwrap().to_string();
        let mut s = Session {
            cookie,
            csrf: String::new(),
        };
        let home = self.console_get(&s, "/console").await;
        assert_eq!(home.status, 200, "{}", home.body);
        let marker = "name=\"csrf\" value=\"";
        let at = home
            .body
            .find(marker)
            .expect("a csrf field on the home page")
            + marker.len();
        s.csrf = home.body[at..].split('"').next().unwrap().to_string();
        s
    }

    pub async fn console_get(&self, s: &Session, path: &str) -> Resp {
        self.send(
            Request::get(path)
                .header("cookie", &s.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// `GET path` as the session: the status, the headers and the body's bytes (a download).
    pub async fn console_get_bytes(
        &self,
        s: &Session,
        path: &str,
    ) -> (u16, axum::http::HeaderMap, Vec<u8>) {
        let resp = self
            .router
            .clone()
            .oneshot(
                Request::get(path)
                    .header("cookie", &s.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }

    /// A new operator `login` (password `Passw0rd!`), logged in to the console.
    pub async fn operator_session(&self, login: &str) -> Session {
        pc_app::services::identity::create_operator(
            &self.db,
            ctx(),
            pc_app::services::identity::Credentials {
                login: login.into(),
                password: "Passw0rd!".into(),
            },
        )
        .await
        .unwrap();
        self.console_login(login, "Passw0rd!").await
    }

    /// Posts a console form with the session's CSRF token added.
    pub async fn console_post(&self, s: &Session, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf", s.csrf.as_str())];
        all.extend_from_slice(fields);
        self.send(
            Request::post(path)
                .header("cookie", &s.cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(form_body(&all)))
                .unwrap(),
        )
        .await
    }
}

/// The partners and customers the order tests share: a distributor `d` with reseller `r`,
/// another distributor `o`; resale customer `c` of `d`, resale customer `rc` of `r`, consulting
/// customer `cc` of `d`, resale customer `oc` of `o`. Account names are `{prefix}-cust`,
/// `{prefix}-rcust`, `{prefix}-ccust`, `{prefix}-ocust`.
pub struct OrdersWorld {
    pub d: partners::CreatedPartner,
    pub r: partners::CreatedPartner,
    pub o: partners::CreatedPartner,
    pub c: customers::CreatedCustomer,
    pub rc: customers::CreatedCustomer,
    pub cc: customers::CreatedCustomer,
    pub oc: customers::CreatedCustomer,
}

impl TestApp {
    pub async fn orders_world(&self, prefix: &str) -> OrdersWorld {
        let d = self.partner(PartnerType::Distributor, None).await;
        let r = self
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let o = self.partner(PartnerType::Distributor, None).await;
        let name = |s: &str| format!("{prefix}-{s}");
        let c = self
            .customer(&d.partner_id, AssociationType::Resale, &name("cust"), "x")
            .await;
        let rc = self
            .customer(&r.partner_id, AssociationType::Resale, &name("rcust"), "x")
            .await;
        let cc = self
            .customer(
                &d.partner_id,
                AssociationType::Consulting,
                &name("ccust"),
                "x",
            )
            .await;
        let oc = self
            .customer(&o.partner_id, AssociationType::Resale, &name("ocust"), "x")
            .await;
        OrdersWorld {
            d,
            r,
            o,
            c,
            rc,
            cc,
            oc,
        }
    }
}
