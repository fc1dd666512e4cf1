//! Proof scenario `races`: every single-use action is taken exactly once however many identical
//! requests race for it. For each action, 64 requests are built up front, spawned on their own
//! tasks, held at one `tokio::sync::Barrier` and released together, alternately into two server
//! instances sharing the database (the app's router and a second one with its own pool and, on
//! SQLite, its own writer: two servers). No request carries an idempotency key: what is proved is
//! the natural single-use guard (a guarded `UPDATE … WHERE status = …`, a row lock, a unique
//! index). Afterwards exactly one request succeeded, every other one got the precise refusal its
//! handler gives (the vendor error envelope on the API; on the console a 4xx page naming the
//! reason), the money moved exactly once (balances before and after, one ledger transfer, one
//! audit row) and the ledger verifies. SQLite and PostgreSQL.
//!
//! The actions: pay an order, cancel an order, recall a coupon, reclaim a reseller's coupon
//! quota, confirm a top-up, reject a top-up, spend an SMS verification code, register through an
//! invite link, associate an existing account through an invite link (over HTTP, and once more
//! below the password check, where the racers really meet), unsubscribe a resource, renew a
//! resource, pay that renewal, revoke an access key. Fast mode: one round; long mode: four.

mod common;

use pc_app::store::sql;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use common::shop::*;
use common::*;
use partner_center::config::Settings;
use partner_center::state::AppState;
use pc_app::services::customers::invites::{self, LinkKind, NewLink};
use pc_app::services::topups::{self, Declaration};
use pc_app::services::{coupons, customers, identity};
use pc_app::store::{ledger, outbox};
use pc_app::{Actor, AppError, Code, Ctx, Db};
use pc_domain::coupons::QuotaType;
use pc_domain::ledger::AccountKind;
use pc_domain::orders::{self as order_rules, PeriodType};
use pc_domain::party::{AssociationType, PartnerType, Role};
use pc_domain::topups::TopupStatus;
use pc_domain::Money;
use serde_json::{json, Value};
use tokio::sync::Barrier;

/// Identical requests per action.
const RACERS: usize = 64;
const CANCEL: &str = "/v2/orders/customer-orders/cancel";
const COUPON_RECLAIM: &str = "/v2/promotions/benefits/partner-coupons/reclaim";
const QUOTA_RECLAIM: &str = "/v2/partners/coupon-quotas/indirect-partner-reclaim";
const SEND_CODE: &str = "/v2/bases/verificationcode/send";
const CREATE_CUSTOMER: &str = "/v2/partners/sub-customers";
const UNSUBSCRIBE: &str = "/v2/orders/subscriptions/resources/unsubscribe";
const RENEW: &str = "/v2/orders/subscriptions/resources/renew";

/// Returns `Err(message)` from the enclosing action unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

type Outcome = Result<(), String>;

/// Sends the requests all at once: each on its own task, alternately into the two instances,
/// every task waiting at one barrier until all of them are spawned and ready.
async fn race(routers: &[Router; 2], reqs: Vec<Request<Body>>) -> Vec<Resp> {
    let barrier = Arc::new(Barrier::new(reqs.len()));
    let tasks: Vec<_> = reqs
        .into_iter()
        .enumerate()
        .map(|(i, req)| {
            let (router, barrier) = (routers[i % 2].clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                send_to(router, req).await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.expect("a racer panicked"));
    }
    out
}

/// `RACERS` copies of one request.
fn copies(make: impl Fn() -> Request<Body>) -> Vec<Request<Body>> {
    (0..RACERS).map(|_| make()).collect()
}

/// How one racer's answer reads.
enum Verdict {
    Won,
    Refused,
    Unexpected,
}
use Verdict::*;

/// The part of a body worth showing in a failure: the JSON, or an HTML page's error notice.
fn excerpt(body: &str) -> String {
    let at = ["join-error", "topup-error", "flash error", "<main"]
        .iter()
        .find_map(|m| body.find(m))
        .unwrap_or(0);
    body[at..].chars().take(300).collect()
}

/// Exactly one racer won and every other one got the expected refusal; returns the winner.
fn one_winner(resps: &[Resp], verdict: impl Fn(&Resp) -> Verdict) -> Result<&Resp, String> {
    let (mut won, mut odd) = (Vec::new(), Vec::new());
    for r in resps {
        match verdict(r) {
            Won => won.push(r),
            Refused => {}
            Unexpected => odd.push(r),
        }
    }
    if won.len() != 1 || !odd.is_empty() {
        let sample = odd
            .first()
            .map(|r| format!("; e.g. {} {}", r.status, excerpt(&r.body)))
            .unwrap_or_default();
        return Err(format!(
            "{} of {} succeeded, {} answers were neither the success nor the refusal{sample}",
            won.len(),
            resps.len(),
            odd.len()
        ));
    }
    Ok(won[0])
}

/// The vendor error envelope with this status and code.
fn envelope(r: &Resp, status: u16, code: &str) -> bool {
    r.status == status
        && r.headers
            .get("content-type")
            .is_some_and(|v| v == "application/json")
        && r.headers.contains_key("x-request-id")
        && serde_json::from_str::<Value>(&r.body).is_ok_and(|j| {
            j["error_code"] == code && j["error_msg"].as_str().is_some_and(|m| !m.is_empty())
        })
}

/// The API's refusal of a racer: `code` in the envelope, with the code's own status.
fn refused_with(r: &Resp, code: Code) -> Verdict {
    if envelope(r, code.status(), code.vendor_code()) {
        Refused
    } else {
        Unexpected
    }
}

fn location(r: &Resp) -> &str {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A redirect (303) to exactly `to`.
fn redirected(r: &Resp, to: &str) -> bool {
    r.status == 303 && location(r) == to
}

/// The join page's refusal: the code's status and `#join-error` naming one of `codes`.
fn join_refusal(r: &Resp, codes: &[Code]) -> Verdict {
    let ok = codes.iter().any(|c| {
        r.status == c.status()
            && r.body.contains(&format!(
                "id=\"join-error\" data-code=\"{}\"",
                c.vendor_code()
            ))
    });
    if ok {
        Refused
    } else {
        Unexpected
    }
}

async fn count(app: &TestApp, sql: &str, arg: &str) -> i64 {
    sql::query_scalar(sql)
        .bind(arg)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

async fn balance(app: &TestApp, kind: AccountKind, id: &str) -> Money {
    ledger::balance(app.db.read(), &ledger::account_id(kind, id))
        .await
        .unwrap()
}

async fn audits(app: &TestApp, action: &str, target: &str) -> i64 {
    sql::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND target_id = $2")
        .bind(action)
        .bind(target)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

/// What the ledger, tree and refund checks find wrong (empty when clean), without panicking, so
/// one bad action is reported by name.
async fn ledger_problems(app: &TestApp) -> Vec<String> {
    let mut out: Vec<String> = ledger::verify(app.db.read())
        .await
        .unwrap()
        .violations
        .iter()
        .map(|v| format!("{v:?}"))
        .collect();
    out.extend(
        pc_app::services::consistency(app.db.read())
            .await
            .unwrap()
            .iter()
            .map(|v| format!("{v:?}")),
    );
    out
}

fn partner_ctx(partner_id: &str) -> Ctx {
    Ctx::new(
        Actor::Partner {
            partner_id: partner_id.into(),
            root_id: partner_id.into(),
            user_id: None,
            role: Role::PartnerAdmin,
        },
        "req-race-setup",
        NOW_MS,
    )
}

/// A console form post as a raw request (for either instance), the session's CSRF token added.
fn form_post(s: &Session, path: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let mut all = vec![("csrf", s.csrf.as_str())];
    all.extend_from_slice(fields);
    Request::post(path)
        .header("cookie", &s.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form_body(&all)))
        .unwrap()
}

/// A join-page form post carrying the visitor's CSRF pair (cookie and field).
fn join_post(token: &str, step: &str, csrf: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(fields);
    Request::post(format!("/join/{token}/{step}"))
        .header("host", "127.0.0.1:8080")
        .header("cookie", format!("pc_join={csrf}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form_body(&all)))
        .unwrap()
}

/// The newest code sent to a mobile number, read from the outbox as a person reads the SMS.
async fn last_code(app: &TestApp, mobile: &str) -> String {
    let m = outbox::list(app.db.read(), Some(mobile), 1).await.unwrap();
    let body = &m.first().expect("an SMS in the outbox").body;
    let i = body
        .find("code is ")
        .map(|i| i + 8)
        .or_else(|| body.find("验证码为 ").map(|i| i + "验证码为 ".len()))
        .expect("a code in the SMS");
    body[i..i + 6].to_string()
}

/// One round's preconditions: the order world (its resale customer funded), a voucher quota of
/// the distributor, the operator's console session.
struct Fx {
    round: u64,
    w: OrdersWorld,
    cust: Creds,
    dist: Creds,
    quota: String,
    op: Session,
}

// -------------------------------------------------------------------------------------------
// The actions. Each builds its precondition, races, and checks the outcome and the money.

/// 64 payments of one pending order: one pays (the guarded 6 → 5 transition), the rest
/// `CBC.99003106`; the balance drops by the order's amount once.
async fn pay_an_order(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> Outcome {
    let cid = &fx.w.c.customer_id;
    let (order, amount) = place_ecs_month(app, cid).await;
    let before = customer_balance(app, cid).await;
    let resps = race(
        rt,
        copies(|| signed(&fx.cust, "POST", PAY, &pay_body(&order), NOW_MS, &[])),
    )
    .await;
    one_winner(&resps, |r| match r.status {
        200 => Won,
        _ => refused_with(r, Code::OrderStatusChanged),
    })?;
    let pays = count(
        app,
        "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'order_pay' AND memo = $1",
        &order,
    )
    .await;
    ensure!(pays == 1, "{pays} payment transfers for {order}");
    let after = customer_balance(app, cid).await;
    ensure!(
        before.checked_sub(amount) == Some(after),
        "balance {before:?} → {after:?}, the order costs {amount:?}"
    );
    let status: i64 = count(app, "SELECT status FROM orders WHERE id = $1", &order).await;
    ensure!(status == 5, "order status {status}");
    Ok(())
}

/// 64 cancellations of one pending order: one cancels, the rest `CBC.99005010`.
async fn cancel_an_order(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> Outcome {
    let cid = &fx.w.c.customer_id;
    let (order, _) = place_ecs_month(app, cid).await;
    let before = customer_balance(app, cid).await;
    let body = json!({ "order_id": order }).to_string();
    let resps = race(
        rt,
        copies(|| signed(&fx.cust, "PUT", CANCEL, &body, NOW_MS, &[])),
    )
    .await;
    one_winner(&resps, |r| match r.status {
        200 => Won,
        _ => refused_with(r, Code::OrderNotCancellable),
    })?;
    let status: i64 = count(app, "SELECT status FROM orders WHERE id = $1", &order).await;
    ensure!(status == 4, "order status {status}");
    let n = audits(app, "orders.cancel", &order).await;
    ensure!(n == 1, "{n} cancellations audited");
    let after = customer_balance(app, cid).await;
    ensure!(
        before == after,
        "a cancellation moved money: {before:?} → {after:?}"
    );
    Ok(())
}

/// 64 recalls of one usable coupon: one returns its balance to the quota, the rest
/// `CBC.99000048`.
async fn recall_a_coupon(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> Outcome {
    let coupon = issue_coupon(
        app,
        &fx.dist,
        &fx.quota,
        &fx.w.c.customer_id,
        20.0,
        json!({}),
    )
    .await;
    let quota_before = balance(app, AccountKind::CouponQuota, &fx.quota).await;
    let body = json!({ "coupon_id": coupon }).to_string();
    let resps = race(
        rt,
        copies(|| signed(&fx.dist, "POST", COUPON_RECLAIM, &body, NOW_MS, &[])),
    )
    .await;
    one_winner(&resps, |r| match r.status {
        200 => Won,
        _ => refused_with(r, Code::CouponNotReclaimable),
    })?;
    let (left, status, _) = coupon_balance(app, &coupon).await;
    ensure!(status == 5, "coupon status {status}");
    ensure!(left == Money::ZERO, "coupon balance {left:?}");
    ensure!(
        balance(app, AccountKind::Coupon, &coupon).await == Money::ZERO,
        "the coupon's account is not empty"
    );
    let quota_after = balance(app, AccountKind::CouponQuota, &fx.quota).await;
    ensure!(
        quota_before.checked_add(Money::from_cents(2_000)) == Some(quota_after),
        "quota {quota_before:?} → {quota_after:?}, the coupon held 20.00"
    );
    let n = audits(app, "coupon.reclaim", &coupon).await;
    ensure!(n == 1, "{n} recalls audited");
    Ok(())
}

/// 64 reclaims of one reseller quota: one moves its balance back to the parent quota; the
/// others are answered as the vendor answers this batch operation, HTTP 200 with the quota in
/// `error_details` (`CBC.99000013`, nothing left) and no `simple_quota_infos`.
async fn reclaim_a_reseller_quota(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> Outcome {
    let g = coupons::ResellerGrant {
        quota_id: fx.quota.clone(),
        reseller_ids: vec![fx.w.r.partner_id.clone()],
        amount: Money::from_cents(50_000),
    };
    let granted = coupons::grant_to_resellers(&app.db, partner_ctx(&fx.w.d.partner_id), g)
        .await
        .unwrap();
    assert!(granted.failed.is_empty(), "{:?}", granted.failed);
    let child = granted.done[0].1.clone();
    let parent_before = balance(app, AccountKind::CouponQuota, &fx.quota).await;
    let body = json!({ "quota_ids": [child] }).to_string();
    let resps = race(
        rt,
        copies(|| signed(&fx.dist, "POST", QUOTA_RECLAIM, &body, NOW_MS, &[])),
    )
    .await;
    let insufficient = Code::QuotaInsufficient.vendor_code();
    one_winner(&resps, |r| {
        let Ok(j) = serde_json::from_str::<Value>(&r.body) else {
            return Unexpected;
        };
        if r.status != 200 {
            return Unexpected;
        }
        let done = j["simple_quota_infos"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let failed = j["error_details"].as_array().cloned().unwrap_or_default();
        match (done.as_slice(), failed.as_slice()) {
            ([d], [])
                if d["quota_id"] == child.as_str() && d["quota_balance"].as_f64() == Some(0.0) =>
            {
                Won
            }
            ([], [e])
                if e["id"] == child.as_str()
                    && e["error_code"] == insufficient
                    && e["error_msg"].as_str().is_some_and(|m| !m.is_empty()) =>
            {
                Refused
            }
            _ => Unexpected,
        }
    })?;
    let left = balance(app, AccountKind::CouponQuota, &child).await;
    ensure!(
        left == Money::ZERO,
        "the reseller quota still holds {left:?}"
    );
    let parent_after = balance(app, AccountKind::CouponQuota, &fx.quota).await;
    ensure!(
        parent_before.checked_add(Money::from_cents(50_000)) == Some(parent_after),
        "parent quota {parent_before:?} → {parent_after:?}, 500.00 was granted"
    );
    let n = audits(app, "coupon.reclaim_reseller_quota", &child).await;
    ensure!(n == 1, "{n} reclaims audited");
    Ok(())
}

/// The consulting customer declares a bank transfer of 500.00 with `reference`.
async fn declared(app: &TestApp, fx: &Fx, reference: String) -> String {
    let cid = fx.w.cc.customer_id.clone();
    let ctx = Ctx::new(
        Actor::Customer {
            customer_id: cid,
            user_id: None,
        },
        "req-race-topup",
        NOW_MS,
    );
    let d = Declaration {
        amount: Money::from_cents(50_000),
        reference,
        order_id: None,
    };
    topups::declare(&app.db, ctx, d).await.unwrap().id
}

/// The operator's page again with the refusal: 400 and `#topup-error` saying it is no longer
/// pending.
fn topup_refusal(r: &Resp) -> Verdict {
    let msg = AppError::new(Code::TopupNotPending).message(true);
    if r.status == 400
        && r.body.contains(&format!(
            "<p class=\"flash error\" id=\"topup-error\">{msg}</p>"
        ))
    {
        Refused
    } else {
        Unexpected
    }
}

/// 64 operator confirmations of one top-up (console): one credits the customer, the rest get the
/// queue again with "no longer pending".
async fn confirm_a_topup(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> Outcome {
    let cid = &fx.w.cc.customer_id;
    let id = declared(app, fx, format!("RACE-{}-CONFIRM", fx.round)).await;
    let before = customer_balance(app, cid).await;
    let path = format!("/console/topups/{id}/confirm");
    let resps = race(rt, copies(|| form_post(&fx.op, &path, &[]))).await;
    one_winner(&resps, |r| {
        if redirected(r, "/console/topups?done=credited") {
            Won
        } else {
            topup_refusal(r)
        }
    })?;
    let credits = count(
        app,
        "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'customer_topup' AND memo = $1",
        &id,
    )
    .await;
    ensure!(credits == 1, "{credits} credits for {id}");
    let after = customer_balance(app, cid).await;
    ensure!(
        before.checked_add(Money::from_cents(50_000)) == Some(after),
        "balance {before:?} → {after:?}, 500.00 was declared"
    );
    let t = topups::get(app.db.read(), &id).await.unwrap().unwrap();
    ensure!(t.status == TopupStatus::Credited, "status {:?}", t.status);
    let n = audits(app, "topup.confirm", &id).await;
    ensure!(n == 1, "{n} confirmations audited");
    Ok(())
}

/// 64 operator rejections of one top-up (console): one rejects, the rest as above; no money.
async fn reject_a_topup(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> Outcome {
    let cid = &fx.w.cc.customer_id;
    let id = declared(app, fx, format!("RACE-{}-REJECT", fx.round)).await;
    let before = customer_balance(app, cid).await;
    let path = format!("/console/topups/{id}/reject");
    let resps = race(
        rt,
        copies(|| form_post(&fx.op, &path, &[("reason", "未查询到该笔汇款")])),
    )
    .await;
    one_winner(&resps, |r| {
        if redirected(r, "/console/topups?done=rejected") {
            Won
        } else {
            topup_refusal(r)
        }
    })?;
    let t = topups::get(app.db.read(), &id).await.unwrap().unwrap();
    ensure!(t.status == TopupStatus::Rejected, "status {:?}", t.status);
    let n = audits(app, "topup.reject", &id).await;
    ensure!(n == 1, "{n} rejections audited");
    let after = customer_balance(app, cid).await;
    ensure!(
        before == after,
        "a rejection moved money: {before:?} → {after:?}"
    );
    Ok(())
}

/// One SMS code, 64 `create_sub_customer` requests spending it. The requests differ only in the
/// platform user (`xaccount_id`): identical ones would be stopped earlier by the one-account-per-
/// platform-user guard (answered with the existing account), and never reach the code. One
/// account is created; the rest `CBC.99004010` (the code is spent).
async fn spend_an_sms_code(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> Outcome {
    let mobile = format!("1390000{:04}", fx.round);
    let sent = send_to(
        app.router.clone(),
        signed(
            &fx.dist,
            "POST",
            SEND_CODE,
            &json!({"receiver_type": 1, "mobile_phone": mobile}).to_string(),
            NOW_MS,
            &[],
        ),
    )
    .await;
    assert_eq!(sent.status, 200, "{}: {}", app.engine, sent.body);
    let code = last_code(app, &mobile).await;
    let reqs = (0..RACERS)
        .map(|i| {
            let body = json!({"xaccount_id": format!("race{}-x{i}", fx.round), "xaccount_type": fx.w.d.xaccount_type,
                "mobile_phone": mobile, "verification_code": code});
            signed(&fx.dist, "POST", CREATE_CUSTOMER, &body.to_string(), NOW_MS, &[])
        })
        .collect();
    let resps = race(rt, reqs).await;
    one_winner(&resps, |r| match r.status {
        200 if serde_json::from_str::<Value>(&r.body)
            .is_ok_and(|j| j.get("error_code").is_none() && j["domain_id"].is_string()) =>
        {
            Won
        }
        _ => refused_with(r, Code::VerificationCodeWrong),
    })?;
    let accounts = count(
        app,
        "SELECT COUNT(*) FROM customers WHERE mobile = $1",
        &mobile,
    )
    .await;
    ensure!(accounts == 1, "{accounts} accounts with {mobile}");
    let used = count(
        app,
        "SELECT COUNT(*) FROM verification_codes WHERE address = $1 AND used_at IS NOT NULL",
        &mobile,
    )
    .await;
    ensure!(used == 1, "{used} codes spent");
    Ok(())
}

/// The round's invite link of the distributor (resale) and a visitor's CSRF value from its page.
async fn invite(app: &TestApp, fx: &Fx) -> (invites::InviteLink, String) {
    let link = invites::create_link(
        &app.db,
        partner_ctx(&fx.w.d.partner_id),
        NewLink {
            kind: LinkKind::Custom,
            custom_label: Some(format!("race-{}", fx.round)),
            association_type: AssociationType::Resale,
        },
    )
    .await
    .unwrap();
    let page = app
        .send(
            Request::get(format!("/join/{}", link.token))
                .header("host", "127.0.0.1:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("pc_join="))
        .and_then(|v| v.split(';').next())
        .expect("the join page sets its CSRF cookie")
        .to_string();
    (link, csrf)
}

/// 64 identical registrations through an invite link (a visitor pressing the button again and
/// again): one account, associated once. The others are refused on the page (400, `#join-error`)
/// by whichever guard they reach first: the account name is taken (`PC.0001`, once the winner
/// committed) or the SMS code is spent (`CBC.99004010`, when they were already past the name
/// check): both say the truth.
async fn register_through_a_link(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> Outcome {
    let (link, csrf) = invite(app, fx).await;
    let mobile = format!("1380000{:04}", fx.round);
    let asked = send_to(
        app.router.clone(),
        join_post(&link.token, "code", &csrf, &[("mobile", &mobile)]),
    )
    .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    let code = last_code(app, &mobile).await;
    let name = format!("race{}-joiner", fx.round);
    let fields = [
        ("mobile", mobile.as_str()),
        ("code", code.as_str()),
        ("account_name", name.as_str()),
        ("password", "Secret-2026"),
        ("agree", "1"),
    ];
    let resps = race(
        rt,
        copies(|| join_post(&link.token, "register", &csrf, &fields)),
    )
    .await;
    let done = format!("/join/{}/done", link.token);
    one_winner(&resps, |r| {
        if redirected(r, &done) {
            Won
        } else {
            join_refusal(r, &[Code::AlreadyExists, Code::VerificationCodeWrong])
        }
    })?;
    let accounts = count(
        app,
        "SELECT COUNT(*) FROM customers WHERE domain_name = $1",
        &name,
    )
    .await;
    ensure!(accounts == 1, "{accounts} accounts named {name}");
    let associated = count(
        app,
        "SELECT COUNT(*) FROM associations WHERE invite_link_id = $1",
        &link.id,
    )
    .await;
    ensure!(
        associated == 1,
        "{associated} associations through the link"
    );
    let events = count(
        app,
        "SELECT COUNT(*) FROM invite_events WHERE invite_link_id = $1 AND outcome = 'associated'",
        &link.id,
    )
    .await;
    ensure!(events == 1, "{events} expansion records");
    Ok(())
}

/// 64 identical "log in and associate" posts of one unassociated customer through an invite
/// link: one association; the others `PC.3101` (already associated with this partner).
async fn associate_through_a_link(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> Outcome {
    let (link, csrf) = invite(app, fx).await;
    let name = format!("race{}-free", fx.round);
    let customer_id = unassociated_customer(app, &name).await;
    let fields = [
        ("login", name.as_str()),
        ("password", "Passw0rd!"),
        ("agree", "1"),
    ];
    let resps = race(
        rt,
        copies(|| join_post(&link.token, "login", &csrf, &fields)),
    )
    .await;
    let done = format!("/join/{}/done", link.token);
    one_winner(&resps, |r| {
        if redirected(r, &done) {
            Won
        } else {
            join_refusal(r, &[Code::AlreadyAssociatedHere])
        }
    })?;
    let all = count(
        app,
        "SELECT COUNT(*) FROM associations WHERE customer_id = $1",
        &customer_id,
    )
    .await;
    ensure!(all == 1, "{all} associations of the customer");
    let partner: String = sql::query_scalar(
        "SELECT partner_id FROM associations WHERE customer_id = $1 AND ended_at IS NULL",
    )
    .bind(&customer_id)
    .fetch_one(app.db.read())
    .await
    .unwrap();
    ensure!(partner == fx.w.d.partner_id, "associated with {partner}");
    let events = count(
        app,
        "SELECT COUNT(*) FROM invite_events WHERE customer_id = $1 AND outcome = 'associated'",
        &customer_id,
    )
    .await;
    ensure!(events == 1, "{events} expansion records");
    Ok(())
}

/// The same association with the password check out of the way. Over HTTP the 64 password
/// checks (Argon2, on two cores) spread the racers out, so few reach the database together; here
/// 64 already-authenticated calls of the join page's service meet at the barrier and go through
/// two connection pools at once (one per instance), the way a burst of logins that finished
/// hashing together does. One association; the rest `PC.3101`. (Regression: PostgreSQL answered
/// the racers that lost on the unique index with `PC.3102`, "associated with another partner".)
async fn associate_past_the_password_check(app: &TestApp, pools: &[Db; 2], fx: &Fx) -> Outcome {
    let (link, _) = invite(app, fx).await;
    let name = format!("race{}-authd", fx.round);
    let customer_id = unassociated_customer(app, &name).await;
    let user = identity::authenticate(app.db.read(), &name, "Passw0rd!".into())
        .await
        .unwrap();
    let barrier = Arc::new(Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let (db, barrier) = (pools[i % 2].clone(), barrier.clone());
            let (token, user, login) = (link.token.clone(), user.clone(), name.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                invites::associate_authenticated(&db, ctx(), user, token, login, true).await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(RACERS);
    for t in tasks {
        results.push(t.await.expect("a racer panicked"));
    }
    let won = results.iter().filter(|r| r.is_ok()).count();
    let odd: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter(|e| e.code != Code::AlreadyAssociatedHere)
        .map(|e| e.code.vendor_code())
        .collect();
    ensure!(
        won == 1 && odd.is_empty(),
        "{won} of {RACERS} succeeded; other refusals: {odd:?}"
    );
    let all = count(
        app,
        "SELECT COUNT(*) FROM associations WHERE customer_id = $1",
        &customer_id,
    )
    .await;
    ensure!(all == 1, "{all} associations of the customer");
    Ok(())
}

/// A customer account with a console login (password `Passw0rd!`) and no partner.
async fn unassociated_customer(app: &TestApp, name: &str) -> String {
    let name = name.to_string();
    let hash = pc_app::crypto::hash_password("Passw0rd!").unwrap();
    app.db
        .write(move |c| {
            Box::pin(async move {
                let id =
                    customers::insert_customer(c, &ctx(), &name, None, Default::default(), None)
                        .await?;
                identity::insert_user(c, &ctx(), &name, &hash, Role::Customer, None, Some(&id))
                    .await?;
                Ok(id)
            })
        })
        .await
        .unwrap()
}

/// 64 unsubscriptions (type 1) of one resource: one refund order and one refund; the rest
/// `CBC.30000067` (already unsubscribed).
async fn unsubscribe_a_resource(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> Outcome {
    let cid = &fx.w.c.customer_id;
    let rid = bought(app, &fx.cust, cid, 1).await.remove(0);
    let before = customer_balance(app, cid).await;
    let body = json!({"resource_ids": [rid], "unsubscribe_type": 1}).to_string();
    let resps = race(
        rt,
        copies(|| signed(&fx.cust, "POST", UNSUBSCRIBE, &body, NOW_MS, &[])),
    )
    .await;
    let winner = one_winner(&resps, |r| match r.status {
        200 => Won,
        _ => refused_with(r, Code::ResourceDeleted),
    })?;
    let orders = winner.json()["order_ids"].clone();
    ensure!(
        orders.as_array().is_some_and(|a| a.len() == 1),
        "order_ids {orders}"
    );
    let refund_order = orders[0].as_str().unwrap_or_default().to_string();
    let type4 = count(
        app,
        "SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.resource_id = $1 AND o.order_type = 4",
        &rid,
    )
    .await;
    ensure!(type4 == 1, "{type4} unsubscribe orders for {rid}");
    let cash: i64 = count(
        app,
        "SELECT cash_amount FROM orders WHERE id = $1",
        &refund_order,
    )
    .await;
    let transfers = count(
        app,
        "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'order_refund' AND memo = $1",
        &refund_order,
    )
    .await;
    ensure!(
        transfers == i64::from(cash > 0),
        "{transfers} refund transfers for a cash refund of {cash}"
    );
    let after = customer_balance(app, cid).await;
    ensure!(
        before.checked_add(Money::from_cents(cash)) == Some(after),
        "balance {before:?} → {after:?}, refunded {cash} cents"
    );
    let status: i64 = count(app, "SELECT status FROM resources WHERE id = $1", &rid).await;
    ensure!(status == 3, "resource status {status}");
    Ok(())
}

/// Renewing is repeatable by design: each renewal is a new order (paid at once with
/// `is_auto_pay = 1`), so 64 auto-paid renewals rightly extend a resource 64 times. What is
/// single-use is the renewal order itself: while a resource has a renewal pending payment, no
/// second one may be placed (`CBC.99003100`), and that pending order is paid once. So "the same
/// renewal" is (1) 64 identical renewal requests without auto-pay — one pending order, the rest
/// `CBC.99003100` — then (2) that one pending renewal order paid 64 times — one payment, the
/// resource extended by exactly one month, the rest `CBC.99003106`.
async fn renew_a_resource(app: &TestApp, rt: &[Router; 2], fx: &Fx) -> (Outcome, Outcome) {
    let cid = &fx.w.c.customer_id;
    let rid = bought(app, &fx.cust, cid, 1).await.remove(0);
    let before = customer_balance(app, cid).await;
    let body = json!({"resource_ids": [rid], "period_type": 2, "period_num": 1, "is_auto_pay": 0})
        .to_string();
    let resps = race(
        rt,
        copies(|| signed(&fx.cust, "POST", RENEW, &body, NOW_MS, &[])),
    )
    .await;
    let renewed: Result<String, String> = async {
        let winner = one_winner(&resps, |r| match r.status {
            200 => Won,
            _ => refused_with(r, Code::ResourceInPendingOrder),
        })?;
        let j = winner.json();
        ensure!(
            j["order_ids"].as_array().is_some_and(|a| a.len() == 1),
            "order_ids {}",
            j["order_ids"]
        );
        let pending = count(
            app,
            "SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id \
             WHERE l.resource_id = $1 AND o.order_type = 2",
            &rid,
        )
        .await;
        ensure!(pending == 1, "{pending} renewal orders for {rid}");
        let after = customer_balance(app, cid).await;
        ensure!(before == after, "placing a renewal moved money");
        Ok(j["order_ids"][0].as_str().unwrap_or_default().to_string())
    }
    .await;
    let order = match renewed {
        Ok(o) => o,
        // Without the one renewal order there is nothing to pay: the payment race is skipped and
        // counted as failed too.
        Err(e) => return (Err(e), Err("no single renewal order to pay".into())),
    };

    let expire_before: i64 =
        count(app, "SELECT expire_at FROM resources WHERE id = $1", &rid).await;
    let price: i64 = count(
        app,
        "SELECT official_amount FROM orders WHERE id = $1",
        &order,
    )
    .await;
    let resps = race(
        rt,
        copies(|| signed(&fx.cust, "POST", PAY, &pay_body(&order), NOW_MS, &[])),
    )
    .await;
    let paid: Outcome = async {
        one_winner(&resps, |r| match r.status {
            200 => Won,
            _ => refused_with(r, Code::OrderStatusChanged),
        })?;
        let pays = count(
            app,
            "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'order_pay' AND memo = $1",
            &order,
        )
        .await;
        ensure!(
            pays == 1,
            "{pays} payment transfers for the renewal {order}"
        );
        let after = customer_balance(app, cid).await;
        ensure!(
            before.checked_sub(Money::from_cents(price)) == Some(after),
            "balance {before:?} → {after:?}, the renewal costs {price} cents"
        );
        let expire: i64 = count(app, "SELECT expire_at FROM resources WHERE id = $1", &rid).await;
        let once = order_rules::period_end(expire_before, PeriodType::Month, 1);
        ensure!(
            expire == once,
            "expiry {expire_before} → {expire}, one month is {once}"
        );
        Ok(())
    }
    .await;
    (Ok(()), paid)
}

/// 64 revocations of one access key from the partner's console: one revokes (303 back to the
/// key list), the rest get the 404 page; the key no longer signs anything.
async fn revoke_an_access_key(app: &TestApp, rt: &[Router; 2]) -> Outcome {
    let k = app.partner(PartnerType::Solution, None).await;
    let s = app.console_login(&k.login, "Passw0rd!").await;
    let path = format!("/console/access-keys/{}/revoke", k.access_key);
    let resps = race(rt, copies(|| form_post(&s, &path, &[]))).await;
    let not_found = AppError::new(Code::NotFound);
    one_winner(&resps, |r| {
        if redirected(r, "/console/access-keys") {
            Won
        } else if r.status == 404
            && (r.body.contains(&not_found.message(true))
                || r.body.contains(&not_found.message(false)))
        {
            Refused
        } else {
            Unexpected
        }
    })?;
    let n = audits(app, "access_key.revoke", &k.access_key).await;
    ensure!(n == 1, "{n} revocations audited");
    let revoked = count(
        app,
        "SELECT COUNT(*) FROM access_keys WHERE access_key = $1 AND revoked_at IS NOT NULL",
        &k.access_key,
    )
    .await;
    ensure!(revoked == 1, "the key is not revoked");
    // What a server that has not cached the key (a restart, another instance) finds: nothing.
    let found = identity::lookup_key(app.db.read(), &app.mk, &k.access_key)
        .await
        .unwrap();
    ensure!(found.is_none(), "the revoked key is still found");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn proof_races_single_use_actions_happen_once() {
    let rounds = common::proof::size(1, 4);
    for app in apps("races").await {
        let started = Instant::now();
        // The second instance is built here (as `TestApp::second_instance` builds it) to keep
        // its database handle for the one race run below the HTTP layer.
        let db2 = Db::connect(app.db.url()).await.unwrap();
        let second = partner_center::http::app(AppState::new(
            db2.clone(),
            app.mk.clone(),
            Arc::new(app.clock.clone()),
            Settings::default(),
        ));
        let routers = [app.router.clone(), second];
        let pools = [app.db.clone(), db2];
        identity::create_operator(
            &app.db,
            ctx(),
            identity::Credentials {
                login: "ops-race".into(),
                password: "Passw0rd!".into(),
            },
        )
        .await
        .unwrap();
        let op = app.console_login("ops-race", "Passw0rd!").await;
        let (mut requests, mut failed, mut done) = (0u64, Vec::new(), 0u64);
        for round in 0..rounds {
            let w = app.orders_world(&format!("race{round}")).await;
            fund(&app, &w.d.partner_id, &w.c.customer_id, 1_000_000).await;
            let quota = coupon_quota(&app, &w.d.partner_id, QuotaType::Voucher, 10_000_000).await;
            let fx = Fx {
                round,
                cust: Creds::from(&w.c),
                dist: Creds::from(&w.d),
                w,
                quota,
                op: op.clone(),
            };
            let rt = &routers;
            // Two outcomes (the renewal, then its payment), so it runs ahead of the list.
            let (renew, renewal_pay) = renew_a_resource(&app, rt, &fx).await;
            let outcomes = [
                ("pay an order", pay_an_order(&app, rt, &fx).await),
                ("cancel an order", cancel_an_order(&app, rt, &fx).await),
                ("recall a coupon", recall_a_coupon(&app, rt, &fx).await),
                (
                    "reclaim a reseller quota",
                    reclaim_a_reseller_quota(&app, rt, &fx).await,
                ),
                ("confirm a top-up", confirm_a_topup(&app, rt, &fx).await),
                ("reject a top-up", reject_a_topup(&app, rt, &fx).await),
                ("spend an SMS code", spend_an_sms_code(&app, rt, &fx).await),
                (
                    "register through an invite link",
                    register_through_a_link(&app, rt, &fx).await,
                ),
                (
                    "associate through an invite link",
                    associate_through_a_link(&app, rt, &fx).await,
                ),
                (
                    "associate through an invite link, past the password check",
                    associate_past_the_password_check(&app, &pools, &fx).await,
                ),
                (
                    "unsubscribe a resource",
                    unsubscribe_a_resource(&app, rt, &fx).await,
                ),
                ("renew a resource", renew),
                ("pay the renewal", renewal_pay),
                ("revoke an access key", revoke_an_access_key(&app, rt).await),
            ];
            for (name, outcome) in outcomes {
                requests += RACERS as u64;
                done += 1;
                if let Err(e) = outcome {
                    failed.push(format!("round {round}: {name}: {e}"));
                }
            }
            // A broken ledger is counted as one more failure of the round.
            let problems = ledger_problems(&app).await;
            if !problems.is_empty() {
                failed.push(format!("round {round}: ledger: {problems:?}"));
            }
        }
        let detail = if failed.is_empty() {
            format!("{done} single-use actions × {RACERS} racers over 2 instances: each exactly once; ledger clean")
        } else {
            failed.join(" | ")
        };
        common::proof::report(
            "races",
            &app.engine,
            requests,
            failed.len() as u64,
            started.elapsed(),
            &detail,
        );
        app.assert_ledger_clean().await;
    }
}
