//! The operation records of coupons and quotas as read: `list_records` (a partner's coupon
//! records) and `list_quota_records` (a master distributor's grants to and reclaims from its
//! resellers), read use cases like the listings in [`super::reads`].

use crate::store::filters::{count_and_page, Arg, Conditions};
use pc_domain::Money;

use super::reads::*;
use super::*;
use crate::error::AppResult;
use crate::services::partners::lookup as partner_lookup;
use crate::store::Db;

/// One coupon operation record (CouponRecordV2).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CouponRecord {
    pub id: String,
    pub operation_type: i64,
    pub quota_id: String,
    pub quota_type: i64,
    pub coupon_id: Option<String>,
    pub customer_id: String,
    pub amount: Money,
    pub at: i64,
    pub result: i64,
    pub remark: Option<String>,
    pub operator: String,
}

/// Filters of `list_partner_coupons_record` (§2.8).
#[derive(Debug, Clone, Default)]
pub struct RecordQuery {
    /// A master distributor listing one of its resellers' records.
    pub indirect_partner_id: Option<String>,
    /// `Some(empty)` matches nothing (the vendor: "an empty list is a filter").
    pub operation_types: Option<Vec<i64>>,
    pub quota_id: Option<String>,
    pub quota_type: Option<i64>,
    pub coupon_ids: Option<Vec<String>>,
    pub customer_id: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub result: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

/// The coupon records of the acting partner, or with `indirect_partner_id` of its reseller.
pub async fn list_records(db: &Db, ctx: &Ctx, q: RecordQuery) -> AppResult<Listing<CouponRecord>> {
    let partner_id = reading_partner(db, ctx, q.indirect_partner_id.as_deref()).await?;
    let mut w = Conditions::new(1);
    add_text(&mut w, "r.partner_id = ?", Some(&partner_id));
    if let Some(ops) = &q.operation_types {
        add_list(
            &mut w,
            "r.operation_type",
            ops.iter().copied().map(Arg::Int).collect(),
        );
    }
    add_text(&mut w, "r.quota_id = ?", q.quota_id.as_deref());
    add_int(&mut w, "r.quota_type = ?", q.quota_type);
    if let Some(ids) = &q.coupon_ids {
        add_list(&mut w, "r.coupon_id", id_list(ids));
    }
    add_text(&mut w, "r.customer_id = ?", q.customer_id.as_deref());
    add_range(&mut w, "r.created_at", q.from, q.to);
    add_int(&mut w, "r.result = ?", q.result);
    let (total, rows) = count_and_page(
        db.read(),
        "SELECT r.id, r.operation_type, r.quota_id, r.quota_type, r.coupon_id, r.customer_id, r.amount, r.created_at, r.result, r.remark, r.operator",
        "FROM coupon_records r",
        &w,
        "r.seq DESC",
        q.offset,
        q.limit,
    )
    .await?;
    Ok(Listing {
        total,
        rows: rows
            .iter()
            .map(|r| CouponRecord {
                id: r.get(0),
                operation_type: r.get(1),
                quota_id: r.get(2),
                quota_type: r.get(3),
                coupon_id: r.get(4),
                customer_id: r.get(5),
                amount: Money::from_cents(r.get(6)),
                at: r.get(7),
                result: r.get(8),
                remark: r.get(9),
                operator: r.get(10),
            })
            .collect(),
    })
}

/// One quota record (QuotaRecord).
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuotaRecordRow {
    pub id: String,
    pub operator: String,
    pub operation_type: i64,
    pub quota_id: String,
    pub parent_quota_id: String,
    pub amount: Money,
    pub at: i64,
    pub result: i64,
    pub indirect_partner_id: String,
    pub indirect_partner_name: String,
    /// The reseller's account id.
    pub indirect_partner_account_name: String,
    pub remark: Option<String>,
}

/// Filters of `list_coupon_quotas_records` (§2.13).
#[derive(Debug, Clone, Default)]
pub struct QuotaRecordQuery {
    pub indirect_partner_id: Option<String>,
    pub quota_id: Option<String>,
    pub parent_quota_id: Option<String>,
    pub operation_type: Option<i64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

/// The quota grant and reclaim records of the acting partner (a master distributor), with the
/// names of the resellers they concern.
pub async fn list_quota_records(
    db: &Db,
    ctx: &Ctx,
    q: QuotaRecordQuery,
) -> AppResult<Listing<QuotaRecordRow>> {
    let mut w = Conditions::new(1);
    add_text(
        &mut w,
        "r.distributor_id = ?",
        Some(ctx.actor.partner_id()?),
    );
    add_text(
        &mut w,
        "r.indirect_partner_id = ?",
        q.indirect_partner_id.as_deref(),
    );
    add_text(&mut w, "r.quota_id = ?", q.quota_id.as_deref());
    add_text(
        &mut w,
        "r.parent_quota_id = ?",
        q.parent_quota_id.as_deref(),
    );
    add_int(&mut w, "r.operation_type = ?", q.operation_type);
    add_range(&mut w, "r.created_at", q.from, q.to);
    let (total, rows) = count_and_page(
        db.read(),
        "SELECT r.id, r.operator, r.operation_type, r.quota_id, r.parent_quota_id, r.amount, r.created_at, r.result, \
         r.indirect_partner_id, r.remark",
        "FROM quota_records r",
        &w,
        "r.seq DESC",
        q.offset,
        q.limit,
    )
    .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.get(8)).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let resellers = partner_lookup::names(db.read(), &ids).await?;
    let rows = rows
        .iter()
        .map(|r| {
            let indirect_partner_id: String = r.get(8);
            let reseller = resellers.get(&indirect_partner_id);
            QuotaRecordRow {
                id: r.get(0),
                operator: r.get(1),
                operation_type: r.get(2),
                quota_id: r.get(3),
                parent_quota_id: r.get(4),
                amount: Money::from_cents(r.get(5)),
                at: r.get(6),
                result: r.get(7),
                indirect_partner_name: reseller.map(|p| p.name.clone()).unwrap_or_default(),
                indirect_partner_account_name: reseller
                    .map(|p| p.domain_id.clone())
                    .unwrap_or_default(),
                indirect_partner_id,
                remark: r.get(9),
            }
        })
        .collect();
    Ok(Listing { total, rows })
}
