//! Capability opening (能力开放, the vendor's help pages): a partner's two optional return addresses
//! (伙伴平台回跳地址), stored in `partner_redirects`:
//! - the **top-up address** (订单充值跳转地址): where the top-up entry of the customer's payment
//!   page leads when the balance is insufficient (R3.4);
//! - the **post-payment address** (订单支付成功跳转地址): where the customer lands after paying.
//!
//! The URL rules are in `pc_domain::redirects` (https only, http for localhost, no credentials,
//! no fragment, ≤ 1024 characters).
//!
//! **Decisions (the spec leaves these open).**
//! - *Who may configure.* the vendor's help pages gives capability opening to solution providers and not
//!   to cloud resellers. Here every partner that sells under its own agreement with the vendor may
//!   configure: master distributors, consulting-sales partners, solution partners and marketplace
//!   sellers (the partners without a parent). Cloud resellers (tier 2) may not: they sell through
//!   their distributor, and their customers get the default entries. The distributor's addresses
//!   are not used for its resellers' customers either: its platform does not serve them.
//!   Only the partner's administrators change the addresses, their own partner's only (staff,
//!   customers and operators get `CBC.0151`; a reseller `CBC.0155`).
//! - *R3.1 (access configuration first).* This deployment has no separate SAML access-configuration
//!   step: a partner's platform identifier (`xaccount_type`) exists from its creation, so the
//!   precondition always holds.
//! - *Which addresses apply.* Those of the partner the order records (the customer's partner when
//!   the order was placed), if that partner may configure them.
//! - *What is appended.* The top-up address gets `order_id` and `amount` (what the balance lacks
//!   for the payment the customer tried, yuan with 2 decimals); the post-payment address gets
//!   `order_id`. The partner's platform looks the order up with `show_customer_order_details`;
//!   nothing else about the customer travels in the URL.
//! - Clearing keeps the row with both addresses empty (the audit log has the history).

use crate::store::sql::{self, Conn};
use pc_domain::party::{PartnerType, Role};
use pc_domain::redirects::{parse_return_url, with_params};
use pc_domain::Money;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::partners;
use crate::store::{audit, Db};

/// A partner's return addresses; `None` = not configured (the default applies).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReturnUrls {
    pub topup_url: Option<String>,
    pub paid_url: Option<String>,
    /// When they were last changed; `None` = never configured.
    pub updated_at: Option<i64>,
}

impl ReturnUrls {
    /// The top-up entry's target for `order_id` when `shortfall` is missing, if configured.
    pub fn topup_link(&self, order_id: &str, shortfall: Money) -> Option<String> {
        self.topup_url.as_deref().map(|u| {
            with_params(
                u,
                &[("order_id", order_id), ("amount", &shortfall.to_string())],
            )
        })
    }

    /// Where a customer goes after paying `order_id`, if configured.
    pub fn paid_link(&self, order_id: &str) -> Option<String> {
        self.paid_url
            .as_deref()
            .map(|u| with_params(u, &[("order_id", order_id)]))
    }
}

/// May a partner of this type configure return addresses? (Not cloud resellers.)
pub fn may_configure(t: PartnerType) -> bool {
    t != PartnerType::Reseller
}

/// The stored addresses of `partner_id` (empty when never configured).
pub async fn get<'e, E: Into<sql::Exec<'e>>>(exec: E, partner_id: &str) -> AppResult<ReturnUrls> {
    let row = sql::query(
        "SELECT topup_url, paid_url, updated_at FROM partner_redirects WHERE partner_id = $1",
    )
    .bind(partner_id)
    .fetch_optional(exec)
    .await?;
    Ok(row
        .map(|r| ReturnUrls {
            topup_url: r.get(0),
            paid_url: r.get(1),
            updated_at: Some(r.get(2)),
        })
        .unwrap_or_default())
}

/// The acting partner administrator's stored addresses (empty when never configured), as its
/// capability page shows and edits them; anyone else `CBC.0151`.
pub async fn mine(db: &Db, ctx: &Ctx) -> AppResult<ReturnUrls> {
    let partner_id = acting_admin(ctx)?;
    get(db.read(), &partner_id).await
}

/// The addresses that apply to the orders `partner_id` sold: its own when it may configure them,
/// else none. Each is checked again, so a row written past [`set`] (by hand in the database)
/// falls back to the default instead of sending customers somewhere unchecked. Anyone signed in
/// may read them: they are where the partner sends its customers, no secret of its tenant (the
/// console asks for the partner of an order its customer has just read or paid).
pub async fn for_orders_of(db: &Db, _ctx: &Ctx, partner_id: &str) -> AppResult<ReturnUrls> {
    let pool = db.read();
    match partners::get(pool, partner_id).await? {
        Some(p) if may_configure(p.partner_type) => {
            let urls = get(pool, partner_id).await?;
            let valid = |u: Option<String>| u.and_then(|u| parse_return_url(&u).ok());
            Ok(ReturnUrls {
                topup_url: valid(urls.topup_url),
                paid_url: valid(urls.paid_url),
                updated_at: urls.updated_at,
            })
        }
        _ => Ok(ReturnUrls::default()),
    }
}

/// The partner whose addresses the actor may change: its own, and only as its administrator;
/// anyone else (staff, a customer, an operator) `CBC.0151`.
fn acting_admin(ctx: &Ctx) -> AppResult<String> {
    match &ctx.actor {
        Actor::Partner {
            partner_id,
            role: Role::PartnerAdmin,
            ..
        } => Ok(partner_id.clone()),
        _ => Err(AppError::new(Code::AccessDenied)),
    }
}

/// One field of the form: empty = not configured, else a valid address.
fn field(name: &str, raw: &str) -> AppResult<Option<String>> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    parse_return_url(raw).map(Some).map_err(|e| {
        AppError::invalid_tr(
            format!("{name} {}", e.describe()),
            format!("{name} {}", e.describe_zh()),
        )
    })
}

async fn store(
    c: &mut Conn,
    ctx: &Ctx,
    partner_id: &str,
    urls: ReturnUrls,
    action: &str,
) -> AppResult<ReturnUrls> {
    let p = partners::get(&mut *c, partner_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    if !may_configure(p.partner_type) {
        return Err(AppError::with_tr(
            Code::NotAllowed,
            "cloud resellers have no capability opening",
            "云经销商没有能力开通地址。",
        ));
    }
    sql::query(
        "INSERT INTO partner_redirects (partner_id, topup_url, paid_url, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (partner_id) DO UPDATE SET topup_url = $2, paid_url = $3, updated_at = $4",
    )
    .bind(partner_id)
    .bind(urls.topup_url.clone())
    .bind(urls.paid_url.clone())
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action,
            target_kind: "partner",
            target_id: partner_id,
            transfer_ids: &[],
            detail: serde_json::json!({"topup_url": urls.topup_url, "paid_url": urls.paid_url}),
        },
    )
    .await?;
    Ok(ReturnUrls {
        updated_at: Some(ctx.now_ms),
        ..urls
    })
}

/// Both addresses as typed: an empty one is not configured (the default applies).
#[derive(Debug, Clone, Default)]
pub struct NewReturnUrls {
    pub topup_url: String,
    pub paid_url: String,
}

/// The acting partner administrator sets both addresses (an empty one is cleared). Invalid input
/// is `CBC.0100` naming the field and the rule, and writes nothing. Returns what is now stored.
pub async fn set(db: &Db, ctx: Ctx, new: NewReturnUrls) -> AppResult<ReturnUrls> {
    let partner_id = acting_admin(&ctx)?;
    let urls = ReturnUrls {
        topup_url: field("topup_url", &new.topup_url)?,
        paid_url: field("paid_url", &new.paid_url)?,
        updated_at: None,
    };
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { store(c, &ctx, &partner_id, urls, "redirects.set").await })
    })
    .await
}

/// The acting partner administrator clears both addresses: the defaults apply again.
pub async fn clear(db: &Db, ctx: Ctx) -> AppResult<()> {
    let partner_id = acting_admin(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            store(
                c,
                &ctx,
                &partner_id,
                ReturnUrls::default(),
                "redirects.clear",
            )
            .await
            .map(|_| ())
        })
    })
    .await
}
