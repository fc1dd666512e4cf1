//! Coupons (the vendor's help pages): quotas granted by operators, coupons issued from them to resale
//! customers, recall, the time-driven lifecycle, and the functions orders will use.
//!
//! **Money.** A quota's balance is the ledger account `coupon_quota:<quota id>`, a coupon's
//! remaining balance is `coupon:<coupon id>`; both have floor 0. An operator grant moves value
//! `external:world → quota`; issuing moves `quota → coupon`; a recall (manual or automatic) moves
//! the coupon's whole remaining balance `coupon → quota`, back to the quota it came from; using a
//! coupon on an order moves `coupon → external:world` (the value is spent on the vendor's
//! services). A distributor's grant to a reseller moves `quota → child quota`, its reclaim back.
//!
//! **Concurrency.** Every status change is one guarded `UPDATE … WHERE status = 2 …` in the same
//! transaction as its ledger transfer and audit row, so a coupon cannot be recalled twice, and
//! the quota's debit carries the floor in its `WHERE`, so a quota cannot be over-issued.
//!
//! **Decisions on gaps** (where the vendor's help pages leave them open):
//! - A coupon issued with a future `valid_time` is "not yet active" (1) until then; it becomes
//!   usable (2) by time alone. Statuses 1/2/4 of a live coupon are derived from the clock at read
//!   time; the expiry job (`partner-center jobs run coupon-expiry`) stores 4 and returns the
//!   remainder of an expired coupon to its quota while that quota is still valid (record type 4,
//!   过期回收); if the quota is no longer valid the remainder stays on the lapsed coupon (a
//!   reclaimed reseller quota counts as valid here: its distributor can reclaim the remainder).
//! - A recall returns the amount to the quota even when the quota has meanwhile expired or been
//!   frozen; such a quota simply cannot issue it again.
//! - Issuing is for resale customers only, through the API and the console alike.
//! - A coupon's validity must lie within its quota's.
//! - `max_count` of a quota counts every coupon ever issued from it (recalls do not give back a
//!   slot).
//! - The quota `limit_infos` keys are ours: `cloud_service_types`, `product_ids` and
//!   `order_types` (one `value1` each), `face_value` (`value1` minimum, `value2` maximum),
//!   `max_count`, and `first_association_only` (`value1` "1", present only when set).
//! - Operators set a quota's limits when granting it (CLI `admin grant-quota`, the console's
//!   grant form) and may change a top-level quota's limits later ([`adjust_quota`]): they
//!   govern issues from then on, coupons already issued keep their own restrictions, and the
//!   reseller quotas granted from it follow their parent.
//! - Order types (CBC.99000024): the vendor's issue request has no order-type field, so coupons
//!   issued through the API inherit the quota's order types; the console's issue form may narrow
//!   them, and naming one the quota does not allow refuses the issue.
//! - CBC.99000021 (total face value, per customer): see [`coupons::check_total`]; CBC.99000022 (first
//!   association): the customer's association with the issuing partner is the first it ever had
//!   with any partner (no earlier, ended association); CBC.99000025 (issuing to itself): partners
//!   and customers are separate accounts here, so it arises when `customer_ids` names the acting
//!   partner's own account (its partner id or account id), or the caller's when a distributor
//!   issues for its reseller; both are per-customer refusals in `error_details`.
//! - A distributor's reclaim that empties a normal reseller quota marks it reclaimed (6); a
//!   later grant from the same parent makes it normal again.

use crate::store::sql::{self, Conn};
use pc_domain::coupons::{IssueRefusal, MAX_COUPON_LIMIT_ITEMS, ORDER_TYPES};
use pc_domain::ids::random_hex;
use pc_domain::Money;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};

// ----------------------------------------------------------------------------------------------
// The sub-topics; every public item is re-exported here, so `services::coupons::…` paths hold.

mod expiry;
mod for_orders;
mod issue;
mod quotas;
mod reads;
mod recall;
mod records;
mod reseller_quotas;
pub mod summary;

pub use expiry::{run_expiry_job, JobReport};
pub(crate) use for_orders::refund_for_order;
pub use for_orders::{
    consume_for_order, lock_for_order, release_all_for_order, release_for_order, usable_for_order,
    RefundTarget, KIND_COUPON_REFUND, KIND_COUPON_USE,
};
pub use issue::{issue, IssueOutcome, IssueRequest};
pub use quotas::{
    adjust_quota, grant_quota, parse_list, parse_order_types, LimitInput, NewQuota, QuotaAdjusted,
    QuotaAdjustment, QuotaGranted, DEFAULT_QUOTA_VALIDITY_MS,
};
pub use reads::{
    get_coupon, get_quota, list_coupons, list_granted_quotas, list_quotas, Coupon, CouponQuery,
    GrantedQuota, GrantedQuotaQuery, ListedCoupon, Listing, Quota, QuotaQuery,
};
pub(crate) use recall::reclaim_for_customer_in;
pub use recall::{reclaim, reclaim_many, Reclaim};
pub use records::{
    list_quota_records, list_records, CouponRecord, QuotaRecordQuery, QuotaRecordRow, RecordQuery,
};
pub use reseller_quotas::{
    grant_to_resellers, reclaim_from_resellers, require_distributor, ResellerGrant, ResellerReclaim,
};

use quotas::{add_quota_value, insert_quota};
use reads::{acting_partner, coupons_of, owned_quota, COUPON_COLUMNS, COUPON_FROM};

/// What a batch operation did per item: successes and refusals, by id. It is the whole output of
/// the use case, so an idempotent retry renders the same `error_details` again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchOutcome<T> {
    pub done: Vec<(String, T)>,
    #[serde(with = "refusals")]
    pub failed: Vec<(String, AppError)>,
}

/// Per-item refusals as a saved output keeps them: the id, the code by name, the detail (the
/// messages in both languages follow from the code, as for any [`AppError`]).
pub(super) mod refusals {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::error::{AppError, Code};

    #[derive(Serialize, Deserialize)]
    struct Refusal {
        id: String,
        code: String,
        detail: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail_zh: Option<String>,
    }

    pub fn serialize<S: Serializer>(v: &[(String, AppError)], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|(id, e)| Refusal {
                id: id.clone(),
                code: format!("{:?}", e.code),
                detail: e.detail.clone(),
                detail_zh: e.detail_zh.clone(),
            })
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(String, AppError)>, D::Error> {
        Vec::<Refusal>::deserialize(d)?
            .into_iter()
            .map(|r| {
                let code = Code::ALL
                    .iter()
                    .copied()
                    .find(|c| format!("{c:?}") == r.code)
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!("unknown error code {}", r.code))
                    })?;
                Ok((
                    r.id,
                    AppError {
                        code,
                        detail: r.detail,
                        detail_zh: r.detail_zh,
                        field: None,
                    },
                ))
            })
            .collect()
    }
}

/// The most customers one `create_partner_coupons` call may name (the console allows 10).
pub const MAX_CUSTOMERS_PER_ISSUE: usize = 100;
pub const MAX_CUSTOMERS_PER_CONSOLE_ISSUE: usize = 10;
/// The most quota ids one `reclaim_coupon_quotas` call may name.
pub const MAX_QUOTAS_PER_RECLAIM: usize = 10;
pub const MAX_PAGE: i64 = 100;

fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", random_hex(12))
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// Stored order types (`"1,2"`) as codes.
fn split_codes(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|v| v.parse().ok()).collect()
}

fn join_codes(codes: &[i64]) -> String {
    codes
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks order types: each one of [`ORDER_TYPES`], none twice.
pub fn check_order_types(items: &[i64]) -> AppResult<()> {
    if let Some(t) = items.iter().find(|t| !ORDER_TYPES.contains(t)) {
        return Err(AppError::invalid_tr(format!(
            "order type {t} is not one a coupon can pay for; use 1 new purchase, 2 renewal, 3 change, \
             10 yearly/monthly to pay-per-use, 11 pay-per-use to yearly/monthly, 13 trial, 14 trial to commercial, 15 fee adjustment"
        ), format!("订单类型 {t} 不能使用代金券；可用类型：1 新购、2 续订、3 变更、10 包年/包月转按需、11 按需转包年/包月、13 试用、14 试用转商用、15 费用调整。")));
    }
    if items
        .iter()
        .enumerate()
        .any(|(i, t)| items[..i].contains(t))
    {
        return Err(AppError::invalid_tr(
            "order types are listed once each",
            "订购类型不能重复。",
        ));
    }
    Ok(())
}

/// Checks a list of service types / product ids: at most 10, non-empty items without commas.
pub fn check_limit_list(field: &str, items: &[String]) -> AppResult<()> {
    if items.len() > MAX_COUPON_LIMIT_ITEMS {
        return Err(AppError::invalid_tr(
            format!("{field} holds at most {MAX_COUPON_LIMIT_ITEMS} items"),
            format!("{field} 最多 {MAX_COUPON_LIMIT_ITEMS} 项。"),
        ));
    }
    if items
        .iter()
        .any(|i| i.is_empty() || i.contains(',') || i.len() > 64)
    {
        return Err(AppError::invalid_tr(
            format!("{field} items are non-empty, at most 64 characters, without commas"),
            format!("{field} 的各项须非空、最多 64 个字符且不含逗号。"),
        ));
    }
    Ok(())
}

fn refusal(r: IssueRefusal) -> AppError {
    match r {
        IssueRefusal::QuotaState => AppError::new(Code::QuotaInvalid),
        IssueRefusal::QuotaNotInForce => AppError::new(Code::QuotaNotInForce),
        IssueRefusal::FaceBelowMin => AppError::new(Code::FaceValueBelowMin),
        IssueRefusal::FaceAboveMax => AppError::new(Code::FaceValueAboveMax),
        IssueRefusal::LimitsExceedQuota => AppError::new(Code::CouponLimitsExceedQuota),
        IssueRefusal::OrderTypesExceedQuota => AppError::new(Code::CouponOrderTypesExceedQuota),
        IssueRefusal::TotalAboveQuota => AppError::new(Code::CouponTotalAboveQuota),
        IssueRefusal::BadValidity => AppError::invalid_tr("valid_time must be before expire_time, expire_time in the future, both within the quota's validity", "valid_time 须早于 expire_time，expire_time 须晚于当前时间，且两者都在额度有效期内。"),
    }
}

/// Runs the rest of an item of a batch inside a savepoint, so one item's failure undoes only its
/// own writes (both engines support `SAVEPOINT` inside the write transaction).
async fn savepoint(c: &mut Conn) -> AppResult<()> {
    sql::query("SAVEPOINT coupon_item").execute(c).await?;
    Ok(())
}

async fn end_savepoint(c: &mut Conn, ok: bool) -> AppResult<()> {
    if !ok {
        sql::query("ROLLBACK TO SAVEPOINT coupon_item")
            .execute(&mut *c)
            .await?;
    }
    sql::query("RELEASE SAVEPOINT coupon_item")
        .execute(c)
        .await?;
    Ok(())
}

/// Records one coupon operation (CouponRecordV2).
#[allow(clippy::too_many_arguments)]
async fn record(
    c: &mut Conn,
    ctx: &Ctx,
    partner: (&str, &str),
    quota: &Quota,
    coupon_id: Option<&str>,
    customer_id: &str,
    op: i64,
    amount: Money,
    result: i64,
    remark: Option<&str>,
) -> AppResult<()> {
    sql::query(
        "INSERT INTO coupon_records (id, root_id, partner_id, quota_id, quota_type, coupon_id, customer_id, operation_type, amount, result, remark, operator, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(new_id("cr"))
    .bind(partner.1)
    .bind(partner.0)
    .bind(&quota.id)
    .bind(quota.quota_type.code())
    .bind(coupon_id.map(str::to_string))
    .bind(customer_id)
    .bind(op)
    .bind(amount.cents())
    .bind(result)
    .bind(remark.map(str::to_string))
    .bind(ctx.actor.id())
    .bind(ctx.now_ms)
    .execute(c)
    .await?;
    Ok(())
}
