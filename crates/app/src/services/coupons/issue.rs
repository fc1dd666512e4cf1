//! Issuing coupons from a quota to resale customers (`create_partner_coupons`, the console's
//! issue form).

use crate::store::sql::{self, Conn};
use pc_domain::coupons::{self, operation};
use pc_domain::ledger::AccountKind;
use pc_domain::party::AssociationType;
use pc_domain::Money;
use serde::{Deserialize, Serialize};

use super::*;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::{customers::association, partners};
use crate::store::{audit, ledger, Db};

/// `create_partner_coupons` input (the vendor's API reference), parsed, and the console's issue form.
#[derive(Debug, Clone, Default)]
pub struct IssueRequest {
    pub quota_id: String,
    pub customer_ids: Vec<String>,
    pub face_value: Money,
    pub valid_time: Option<i64>,
    pub expire_time: Option<i64>,
    pub service_types: Vec<String>,
    pub product_ids: Vec<String>,
    pub memo: Option<String>,
    /// A master distributor issuing from one of its resellers' quotas.
    pub indirect_partner_id: Option<String>,
    /// The order types the coupons may pay (the console's issue form; the vendor request has no
    /// such field): empty inherits the quota's, others must be among the quota's (CBC.99000024).
    pub order_types: Vec<i64>,
}

/// What an issue did: per customer, the coupon or the refusal (the vendor's `coupon_infos` and
/// `error_details`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IssueOutcome {
    /// (customer id, coupon id).
    pub issued: Vec<(String, String)>,
    #[serde(with = "refusals")]
    pub failed: Vec<(String, AppError)>,
}

/// `create_partner_coupons`: checks the request and the quota once (a failure there refuses the
/// whole call), then issues to each customer in its own savepoint: a customer that is not the
/// partner's resale customer, or a quota that runs dry, fails that customer only. The acting
/// partner issues (with `indirect_partner_id`, for its reseller).
pub async fn issue(db: &Db, ctx: Ctx, req: IssueRequest) -> AppResult<IssueOutcome> {
    let caller = ctx.actor.partner_id()?.to_string();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { issue_in(c, &ctx, &caller, req).await })
    })
    .await
}

async fn issue_in(
    c: &mut Conn,
    ctx: &Ctx,
    caller_partner_id: &str,
    req: IssueRequest,
) -> AppResult<IssueOutcome> {
    if req.customer_ids.is_empty() || req.customer_ids.len() > MAX_CUSTOMERS_PER_ISSUE {
        return Err(AppError::invalid_tr(
            format!("customer_ids holds 1 to {MAX_CUSTOMERS_PER_ISSUE} customer ids"),
            format!("customer_ids 须有 1 到 {MAX_CUSTOMERS_PER_ISSUE} 个客户 ID。"),
        ));
    }
    if !req.face_value.is_positive() {
        return Err(AppError::invalid_tr(
            "face_value must be greater than 0 with at most 2 decimals",
            "face_value 须大于 0，且最多 2 位小数。",
        ));
    }
    check_limit_list("cloud_service_types", &req.service_types)?;
    check_limit_list("product_ids", &req.product_ids)?;
    check_order_types(&req.order_types)?;
    if req.memo.as_ref().is_some_and(|m| m.chars().count() > 256) {
        return Err(AppError::invalid_tr(
            "memo has at most 256 characters",
            "memo 最多 256 个字符。",
        ));
    }
    let p = acting_partner(c, caller_partner_id, req.indirect_partner_id.as_deref()).await?;
    let quota = owned_quota(c, &p.id, &req.quota_id).await?;
    // The partner's own accounts (CBC.99000025): the acting partner's, and the caller's when a
    // distributor acts for its reseller.
    let mut selves = vec![p.id.clone(), p.domain_id.clone()];
    if caller_partner_id != p.id {
        if let Some(caller) = partners::get(&mut *c, caller_partner_id).await? {
            selves.extend([caller.id, caller.domain_id]);
        }
    }
    let effective_at = req.valid_time.unwrap_or(quota.effective_at);
    let expire_at = req.expire_time.unwrap_or(quota.expire_at);
    coupons::check_issue(
        quota.status,
        quota.effective_at,
        quota.expire_at,
        &quota.limits,
        req.face_value,
        effective_at,
        expire_at,
        ctx.now_ms,
    )
    .map_err(refusal)?;
    let services =
        coupons::narrow(&quota.limits.service_types, &req.service_types).map_err(refusal)?;
    let products = coupons::narrow(&quota.limits.product_ids, &req.product_ids).map_err(refusal)?;
    let order_types = coupons::narrow_order_types(&quota.limits.order_types, &req.order_types)
        .map_err(refusal)?;
    let terms = Terms {
        validity: (effective_at, expire_at),
        services: &services,
        products: &products,
        order_types: &order_types,
        selves: &selves,
    };
    let mut out = IssueOutcome::default();
    let mut seen = std::collections::HashSet::new();
    let mut issued_total = Money::ZERO;
    for cid in &req.customer_ids {
        if !seen.insert(cid.clone()) {
            out.failed.push((
                cid.clone(),
                AppError::invalid_tr("duplicate customer id", "客户 ID 重复。"),
            ));
            continue;
        }
        savepoint(c).await?;
        let r = issue_one(c, ctx, &p, &quota, cid, &req, &terms, issued_total).await;
        end_savepoint(c, r.is_ok()).await?;
        match r {
            Ok(coupon_id) => {
                issued_total = issued_total
                    .checked_add(req.face_value)
                    .unwrap_or(issued_total);
                out.issued.push((cid.clone(), coupon_id));
            }
            Err(e) if e.code == Code::Internal || e.code == Code::Unavailable => return Err(e),
            Err(e) => {
                record(
                    c,
                    ctx,
                    (&p.id, &p.root_id),
                    &quota,
                    None,
                    cid,
                    operation::ISSUE,
                    req.face_value,
                    -1,
                    Some(e.code.vendor_code()),
                )
                .await?;
                out.failed.push((cid.clone(), e));
            }
        }
    }
    Ok(out)
}

/// What every coupon of one issue gets, checked once against the quota.
struct Terms<'a> {
    validity: (i64, i64),
    services: &'a [String],
    products: &'a [String],
    order_types: &'a [i64],
    /// Ids naming the issuing partner itself (CBC.99000025).
    selves: &'a [String],
}

/// Issues one coupon; `issued_so_far` is the face value this request already issued.
#[allow(clippy::too_many_arguments)]
async fn issue_one(
    c: &mut Conn,
    ctx: &Ctx,
    p: &partners::Partner,
    quota: &Quota,
    customer_id: &str,
    req: &IssueRequest,
    terms: &Terms<'_>,
    issued_so_far: Money,
) -> AppResult<String> {
    if terms.selves.iter().any(|s| s == customer_id) {
        return Err(AppError::new(Code::CouponSelfIssue));
    }
    match association::type_with(&mut *c, &p.id, customer_id).await? {
        Some(AssociationType::Resale) => {}
        Some(AssociationType::Consulting) => {
            return Err(AppError::new(Code::CouponCustomerTypeNotAllowed))
        }
        None => return Err(AppError::new(Code::NotSubCustomer)),
    }
    if quota.limits.first_association_only
        && association::ended_before(&mut *c, customer_id).await?
    {
        return Err(AppError::new(Code::CouponFirstAssociationOnly));
    }
    coupons::check_total(issued_so_far, req.face_value, quota.quota_value).map_err(refusal)?;
    let (effective_at, expire_at) = terms.validity;
    // The count slot and the row lock on the quota, in one guarded statement.
    let n = sql::query(
        "UPDATE coupon_quotas SET issued_count = issued_count + 1, updated_at = $1 \
         WHERE id = $2 AND (max_count IS NULL OR issued_count < max_count)",
    )
    .bind(ctx.now_ms)
    .bind(&quota.id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::new(Code::CouponCountExceeded));
    }
    let coupon_id = new_id("cp");
    sql::query(
        "INSERT INTO coupons (id, root_id, partner_id, quota_id, customer_id, coupon_type, face_value, status, effective_at, expire_at, \
         service_types, product_ids, memo, created_at, updated_at, order_types) VALUES ($1, $2, $3, $4, $5, $6, $7, 2, $8, $9, $10, $11, $12, $13, $13, $14)",
    )
    .bind(&coupon_id)
    .bind(&p.root_id)
    .bind(&p.id)
    .bind(&quota.id)
    .bind(customer_id)
    .bind(quota.quota_type.coupon_type())
    .bind(req.face_value.cents())
    .bind(effective_at)
    .bind(expire_at)
    .bind(terms.services.join(","))
    .bind(terms.products.join(","))
    .bind(req.memo.clone())
    .bind(ctx.now_ms)
    .bind(join_codes(terms.order_types))
    .execute(&mut *c)
    .await?;
    let to = ledger::ensure_account(
        c,
        AccountKind::Coupon,
        &coupon_id,
        Some(&p.root_id),
        ctx.now_ms,
    )
    .await?;
    let from = ledger::account_id(AccountKind::CouponQuota, &quota.id);
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &from,
            to: &to,
            amount: req.face_value,
            kind: "coupon_issue",
            root_id: Some(&p.root_id),
            memo: None,
        },
    )
    .await
    .map_err(|e| match e.code {
        Code::InsufficientBalance => AppError::new(Code::QuotaInsufficient),
        _ => e,
    })?;
    record(
        c,
        ctx,
        (&p.id, &p.root_id),
        quota,
        Some(&coupon_id),
        customer_id,
        operation::ISSUE,
        req.face_value,
        0,
        req.memo.as_deref(),
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.issue",
            target_kind: "coupon",
            target_id: &coupon_id,
            transfer_ids: &[t.id.into_string()],
            detail: serde_json::json!({"customer_id": customer_id, "quota_id": quota.id,
                "face_value": req.face_value.to_string(), "partner_id": p.id}),
        },
    )
    .await?;
    Ok(coupon_id)
}
