//! Yearly/monthly orders of partners' customers (domain.md §11, bss-api-spec §2.21–2.26, §2.38):
//! price quotes, placing an order, listing and showing orders, partner-granted discounts, paying
//! from the customer's balance, cancelling, and expiring unpaid orders. The codes, the state
//! machine, period and discount arithmetic are in `pc_domain::orders`.
//!
//! **Who sees an order (decision).** An order records the partner the customer was associated
//! with when it was placed (`partner_id`, and its tenant `root_id`). That partner lists and reads
//! it; a master distributor reads its resellers' customers' orders by naming the reseller
//! (`indirect_partner_id`), as `list_sub_customers` does; the customer reads its own. Anything
//! else is `CBC.30000010` (invalid order), the same answer as an id that does not exist.
//!
//! **Paying (decision).** Payment is from the customer's cash account: one ledger transfer
//! `customer_cash:<customer> → external:world` (kind `order_pay`): the money leaves the
//! deployment to the cloud vendor, which is what a paid order is. The order's move from
//! `6 pending payment` to `5 completed` is a guarded `UPDATE … WHERE status = 6` in the same
//! transaction as the transfer, the resources it provisions and the audit row, so an order is
//! paid at most once however many requests race, and a failed payment leaves nothing behind.
//! Coupons are spent at [`apply_coupons`], the one seam between a payment and the coupon ledger.

use pc_domain::ids::random_hex;
use pc_domain::ledger::AccountKind;
use pc_domain::orders::{
    self as rules, DiscountKind, OrderStatus, OrderType, PeriodType, Ratio, ResourceStatus,
    SourceType,
};
use pc_domain::party::AssociationType;
use pc_domain::{timefmt, Money};
use sqlx::{AnyConnection, AnyPool, Row};

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::catalog::{self, Product};
use crate::services::{adjustments, changes, promotions};
use crate::services::{coupons, funds, partners};
use crate::store::filters::{bind_args, bind_scalar_args, Arg, Conditions};
use crate::store::{audit, ledger, Db};

/// Ledger transfer kind of an order payment (customer cash → outside world).
pub const KIND_ORDER_PAY: &str = "order_pay";

/// The `settings` key of the operator's lowest discount ratio (basis points).
pub const DISCOUNT_FLOOR_KEY: &str = "orders.discount_floor_bp";

/// Most lines one order or one quote may carry.
pub const MAX_LINES: usize = 10;
/// Most items of one kind bought on one line.
pub const MAX_SUBSCRIPTION_NUM: i64 = 100;
/// Largest size of a linear product on one line (GB, Mbit/s, count).
pub const MAX_RESOURCE_SIZE: i64 = 32_768;

pub(crate) fn new_order_id() -> String {
    format!("CS{}", random_hex(8).to_uppercase())
}

fn new_resource_id() -> String {
    let h = random_hex(16);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

// ----------------------------------------------------------------------------------------------
// Items and quotes

/// One thing to buy: a product for a number of months or years, a quantity, and for linear
/// products a size.
#[derive(Debug, Clone)]
pub struct Item {
    pub product_id: String,
    pub period: PeriodType,
    pub period_num: i64,
    pub subscription_num: i64,
    pub resource_size: Option<i64>,
}

/// An item with its product and list price.
#[derive(Debug, Clone)]
pub struct PricedItem {
    pub item: Item,
    pub product: Product,
    pub official: Money,
}

/// Prices an item of an active product: the period's unit price × period count × quantity
/// (× size for linear products). Every error names the field.
pub fn price(product: &Product, item: &Item) -> AppResult<Money> {
    rules::check_period(item.period, item.period_num).map_err(AppError::invalid)?;
    if !(1..=MAX_SUBSCRIPTION_NUM).contains(&item.subscription_num) {
        return Err(AppError::invalid(format!(
            "subscription_num must be between 1 and {MAX_SUBSCRIPTION_NUM}"
        )));
    }
    let size = if product.is_linear() {
        match item.resource_size {
            Some(s) if (1..=MAX_RESOURCE_SIZE).contains(&s) => Some(s),
            _ => {
                return Err(AppError::invalid(format!(
                    "resource_size (1–{MAX_RESOURCE_SIZE}) is required for product {}",
                    product.product_id
                )))
            }
        }
    } else {
        None
    };
    let unit = match item.period {
        PeriodType::Year => product.year_price,
        _ => product.month_price,
    }
    .ok_or_else(|| {
        AppError::invalid(format!(
            "product {} is not sold by this period type",
            product.product_id
        ))
    })?;
    rules::line_price(unit, item.period_num, item.subscription_num, size)
        .ok_or_else(|| AppError::invalid("the amount is out of range"))
}

/// A discount in force: one a partner granted its customer, or an operator promotion (then
/// `partner_id` and `customer_id` are empty: it is for everyone).
#[derive(Debug, Clone)]
pub struct Grant {
    pub id: String,
    pub partner_id: String,
    pub customer_id: String,
    /// `None`: every product.
    pub product_id: Option<String>,
    pub ratio: Ratio,
    pub created_at: i64,
    pub kind: DiscountKind,
}

impl Grant {
    pub fn applies_to(&self, product_id: &str) -> bool {
        self.product_id.as_deref().is_none_or(|p| p == product_id)
    }
}

/// The discounts `partner_id` grants `customer_id` that are in force, newest first.
pub async fn grants<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
    partner_id: &str,
    customer_id: &str,
) -> AppResult<Vec<Grant>> {
    let rows = sqlx::query(
        "SELECT id, partner_id, customer_id, product_id, ratio_bp, created_at FROM partner_discounts \
         WHERE partner_id = $1 AND customer_id = $2 AND revoked_at IS NULL ORDER BY created_at DESC, id",
    )
    .bind(partner_id)
    .bind(customer_id)
    .fetch_all(exec)
    .await?;
    rows.iter().map(grant_of).collect()
}

/// A grant from a row whose first columns are id, partner_id, customer_id, product_id, ratio_bp,
/// created_at.
fn grant_of(r: &sqlx::any::AnyRow) -> AppResult<Grant> {
    Ok(Grant {
        id: r.get(0),
        partner_id: r.get(1),
        customer_id: r.get(2),
        product_id: r.get(3),
        ratio: Ratio::from_bp(r.get(4)).ok_or_else(|| AppError::internal("bad discount ratio"))?,
        created_at: r.get(5),
        kind: DiscountKind::Partner,
    })
}

/// A line's price under one discount.
#[derive(Debug, Clone, Copy)]
pub struct Discounted {
    pub official: Money,
    pub discount: Money,
}

impl Discounted {
    pub fn amount(&self) -> Money {
        self.official
            .checked_sub(self.discount)
            .unwrap_or(Money::ZERO)
    }
}

/// What a discount does to each line (in order) of something priced: lines it does not apply to
/// keep their list price.
pub fn discount_lines(grant: &Grant, lines: &[(&str, Money)]) -> Vec<Discounted> {
    lines
        .iter()
        .map(|(product_id, official)| Discounted {
            official: *official,
            discount: if grant.applies_to(product_id) {
                grant.ratio.discount_on(*official)
            } else {
                Money::ZERO
            },
        })
        .collect()
}

pub(crate) fn sum(v: impl IntoIterator<Item = Money>) -> Money {
    v.into_iter()
        .fold(Money::ZERO, |a, b| a.checked_add(b).unwrap_or(a))
}

/// One discount's quote.
#[derive(Debug, Clone)]
pub struct DiscountQuote {
    pub grant: Grant,
    pub lines: Vec<Discounted>,
    pub best: bool,
}

impl DiscountQuote {
    pub fn discount(&self) -> Money {
        sum(self.lines.iter().map(|l| l.discount))
    }
    pub fn amount(&self) -> Money {
        sum(self.lines.iter().map(|l| l.amount()))
    }
}

/// A price quote (`list_rate_on_period_detail`): the list price of each item and, for a customer,
/// one result per partner-granted discount that lowers the price.
#[derive(Debug, Clone)]
pub struct Quote {
    pub items: Vec<PricedItem>,
    pub discounts: Vec<DiscountQuote>,
}

impl Quote {
    pub fn official(&self) -> Money {
        sum(self.items.iter().map(|i| i.official))
    }
}

/// The partner a customer is associated with now, and the association type.
async fn customer_partner<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
    customer_id: &str,
) -> AppResult<Option<(partners::Partner, AssociationType)>> {
    let row = sqlx::query(
        "SELECT p.id, p.root_id, p.parent_id, p.name, p.partner_type, p.domain_id, p.xaccount_type, p.status, p.created_at, \
         a.association_type FROM associations a JOIN partners p ON p.id = a.partner_id \
         WHERE a.customer_id = $1 AND a.ended_at IS NULL",
    )
    .bind(customer_id)
    .fetch_optional(exec)
    .await?;
    match row {
        None => Ok(None),
        Some(r) => {
            let t = AssociationType::from_code(r.get(9))
                .ok_or_else(|| AppError::internal("bad association type"))?;
            Ok(Some((partners::row_to_partner(&r)?, t)))
        }
    }
}

/// Loads and prices items; an unknown or inactive product is `ProductNotFound`.
pub(crate) async fn price_items(
    c: &mut AnyConnection,
    items: Vec<Item>,
) -> AppResult<Vec<PricedItem>> {
    if items.is_empty() {
        return Err(AppError::invalid("at least one product is required"));
    }
    if items.len() > MAX_LINES {
        return Err(AppError::invalid(format!(
            "at most {MAX_LINES} products at a time"
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let product = catalog::product(&mut *c, &item.product_id)
            .await?
            .filter(|p| p.active)
            .ok_or_else(|| AppError::with(Code::ProductNotFound, item.product_id.clone()))?;
        let official = price(&product, &item)?;
        out.push(PricedItem {
            item,
            product,
            official,
        });
    }
    Ok(out)
}

/// Quotes priced items for `customer_id` (or nobody): its partner's grants and the live
/// promotions that lower the price, the biggest partner discount marked best (the first of equals).
pub async fn quote_priced(
    c: &mut AnyConnection,
    customer_id: Option<&str>,
    items: Vec<PricedItem>,
    now: i64,
) -> AppResult<Quote> {
    let mut discounts = Vec::new();
    // The customer's partner's grants, when there is a customer; promotions are for everyone.
    let mut offers = Vec::new();
    if let Some(cid) = customer_id {
        if let Some((p, _)) = customer_partner(&mut *c, cid).await? {
            offers = grants(&mut *c, &p.id, cid).await?;
        }
    }
    offers.extend(promotions::live(&mut *c, now).await?);
    let lines: Vec<(&str, Money)> = items
        .iter()
        .map(|i| (i.product.product_id.as_str(), i.official))
        .collect();
    for g in offers {
        let q = DiscountQuote {
            lines: discount_lines(&g, &lines),
            grant: g,
            best: false,
        };
        if q.discount().is_positive() {
            discounts.push(q);
        }
    }
    // The best offer is chosen among partner discounts; promotions do not compete (the vendor's
    // `best_offer` rule).
    if let Some(best) = discounts
        .iter()
        .enumerate()
        .filter(|(_, d)| d.grant.kind == DiscountKind::Partner)
        .max_by_key(|(i, d)| (d.discount(), std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
    {
        discounts[best].best = true;
    }
    Ok(Quote { items, discounts })
}

/// A quote of products named by id (the console's catalogue page).
pub async fn quote(
    pool: &AnyPool,
    customer_id: Option<&str>,
    items: Vec<Item>,
    now: i64,
) -> AppResult<Quote> {
    let mut c = pool.acquire().await?;
    let priced = price_items(&mut c, items).await?;
    quote_priced(&mut c, customer_id, priced, now).await
}

// ----------------------------------------------------------------------------------------------
// Partner-granted discounts

/// The operator's lowest discount ratio a partner may grant.
pub async fn discount_floor<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
) -> AppResult<Ratio> {
    let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(DISCOUNT_FLOOR_KEY)
        .fetch_optional(exec)
        .await?;
    v.and_then(|s| s.parse().ok())
        .and_then(Ratio::from_bp)
        .or_else(|| Ratio::from_bp(rules::DEFAULT_DISCOUNT_FLOOR_BP))
        .ok_or_else(|| AppError::internal("bad discount floor"))
}

/// Sets the lowest ratio partners may grant (operators only).
pub async fn set_discount_floor(c: &mut AnyConnection, ctx: &Ctx, floor: Ratio) -> AppResult<()> {
    if !matches!(ctx.actor, Actor::Operator { .. } | Actor::System { .. }) {
        return Err(AppError::new(Code::AccessDenied));
    }
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
    )
    .bind(DISCOUNT_FLOOR_KEY)
    .bind(floor.bp().to_string())
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.set_discount_floor",
            target_kind: "setting",
            target_id: DISCOUNT_FLOOR_KEY,
            transfer_ids: &[],
            detail: serde_json::json!({"ratio": floor.to_string()}),
        },
    )
    .await
}

/// A partner grants one of its own customers a discount on one product or every product, not
/// below the operator's floor. Returns the discount id.
pub async fn grant_discount(
    c: &mut AnyConnection,
    ctx: &Ctx,
    partner_id: &str,
    customer_id: &str,
    product_id: Option<&str>,
    ratio: Ratio,
) -> AppResult<String> {
    let p = partners::get(&mut *c, partner_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    match customer_partner(&mut *c, customer_id).await? {
        Some((cp, _)) if cp.id == p.id => {}
        _ => return Err(AppError::new(Code::NotSubCustomer)),
    }
    if let Some(pid) = product_id {
        catalog::product(&mut *c, pid)
            .await?
            .ok_or_else(|| AppError::with(Code::ProductNotFound, pid.to_string()))?;
    }
    let floor = discount_floor(&mut *c).await?;
    if ratio < floor {
        return Err(AppError::with(
            Code::DiscountBelowFloor,
            format!("the lowest ratio is {floor}"),
        ));
    }
    let id = format!("pd{}", random_hex(12));
    sqlx::query(
        "INSERT INTO partner_discounts (id, root_id, partner_id, customer_id, product_id, ratio_bp, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(&p.root_id)
    .bind(&p.id)
    .bind(customer_id)
    .bind(product_id.map(str::to_string))
    .bind(ratio.bp())
    .bind(ctx.actor.id())
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.grant_discount",
            target_kind: "customer",
            target_id: customer_id,
            transfer_ids: &[],
            detail: serde_json::json!({"discount_id": id, "product_id": product_id, "ratio": ratio.to_string()}),
        },
    )
    .await?;
    Ok(id)
}

/// A partner revokes one of its discounts: it stops applying to quotes and payments at once
/// (orders already paid keep theirs). Another partner's discount, an unknown id and one already
/// revoked are `PC.0404`.
pub async fn revoke_discount(
    c: &mut AnyConnection,
    ctx: &Ctx,
    partner_id: &str,
    discount_id: &str,
) -> AppResult<()> {
    audit::stamp_owned(
        c,
        ctx,
        audit::Stamp {
            table: "partner_discounts",
            key_column: "id",
            stamp_column: "revoked_at",
            key: discount_id.trim(),
            partner_id,
            action: "orders.revoke_discount",
            target_kind: "discount",
        },
    )
    .await
}

/// A granted discount as listed, with its customer's account name and when it was revoked.
#[derive(Debug, Clone)]
pub struct GrantRow {
    pub grant: Grant,
    pub customer_name: String,
    pub revoked_at: Option<i64>,
}

/// Filters of a partner's discount list.
#[derive(Debug, Clone, Default)]
pub struct DiscountQuery {
    pub customer_id: Option<String>,
    pub product_id: Option<String>,
    /// Revoked discounts too (default: in force only).
    pub include_revoked: bool,
    pub offset: i64,
    pub limit: i64,
}

const GRANT_SELECT: &str =
    "SELECT d.id, d.partner_id, d.customer_id, d.product_id, d.ratio_bp, d.created_at, \
     c.domain_name, d.revoked_at FROM partner_discounts d JOIN customers c ON c.id = d.customer_id";

fn row_to_grant(r: &sqlx::any::AnyRow) -> AppResult<GrantRow> {
    Ok(GrantRow {
        grant: grant_of(r)?,
        customer_name: r.get(6),
        revoked_at: r.get(7),
    })
}

/// One discount `partner_id` granted (revoked or not); another partner's is `None`.
pub async fn find_discount<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
    partner_id: &str,
    discount_id: &str,
) -> AppResult<Option<GrantRow>> {
    let row = sqlx::query(&format!(
        "{GRANT_SELECT} WHERE d.id = $1 AND d.partner_id = $2"
    ))
    .bind(discount_id.trim())
    .bind(partner_id)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(row_to_grant).transpose()
}

/// The discounts `partner_id` granted, newest first, with the total count.
pub async fn list_discounts(
    pool: &AnyPool,
    partner_id: &str,
    q: &DiscountQuery,
) -> AppResult<(i64, Vec<GrantRow>)> {
    let filters = "WHERE d.partner_id = $1 AND ($2 IS NULL OR d.customer_id = $2) \
         AND ($3 IS NULL OR d.product_id = $3) AND ($4 = 1 OR d.revoked_at IS NULL)";
    macro_rules! bind_filters {
        ($x:expr) => {
            $x.bind(partner_id)
                .bind(q.customer_id.clone())
                .bind(q.product_id.clone())
                .bind(i64::from(q.include_revoked))
        };
    }
    let total: i64 = bind_filters!(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM partner_discounts d {filters}"
    )))
    .fetch_one(pool)
    .await?;
    let rows = bind_filters!(sqlx::query(&format!(
        "{GRANT_SELECT} {filters} ORDER BY d.created_at DESC, d.id LIMIT $5 OFFSET $6"
    )))
    .bind(q.limit)
    .bind(q.offset)
    .fetch_all(pool)
    .await?;
    let list = rows
        .iter()
        .map(row_to_grant)
        .collect::<AppResult<Vec<_>>>()?;
    Ok((total, list))
}

// ----------------------------------------------------------------------------------------------
// Orders

/// An order as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Order {
    pub order_id: String,
    pub root_id: String,
    pub partner_id: String,
    pub customer_id: String,
    pub service_type_code: String,
    pub service_type_name_zh: Option<String>,
    pub service_type_name_en: Option<String>,
    pub source_type: i64,
    pub status: i64,
    pub order_type: i64,
    pub official_amount: Money,
    pub amount_after_discount: Money,
    pub discount_amount: Money,
    pub discount_type: Option<String>,
    pub coupon_amount: Money,
    pub flexipurchase_coupon_amount: Money,
    pub stored_card_amount: Money,
    pub cash_amount: Money,
    pub commission_amount: Money,
    pub consumed_amount: Money,
    pub currency: String,
    pub user_name: String,
    pub created_at: i64,
    pub payment_deadline: Option<i64>,
    pub paid_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
}

impl Order {
    pub fn service_type_name(&self, en: bool) -> Option<&str> {
        if en {
            self.service_type_name_en.as_deref()
        } else {
            self.service_type_name_zh.as_deref()
        }
    }
    pub fn status(&self) -> Option<OrderStatus> {
        OrderStatus::from_code(self.status)
    }
}

const ORDER_SELECT: &str = "SELECT o.id, o.root_id, o.partner_id, o.customer_id, o.service_type_code, s.name_zh, s.name_en, \
     o.source_type, o.status, o.order_type, o.official_amount, o.amount_after_discount, o.discount_amount, o.discount_type, \
     o.coupon_amount, o.flexipurchase_coupon_amount, o.stored_card_amount, o.cash_amount, o.commission_amount, o.consumed_amount, \
     o.currency, o.user_name, o.created_at, o.payment_deadline, o.paid_at, o.cancelled_at, o.cancel_reason \
     FROM orders o LEFT JOIN catalog_service_types s ON s.code = o.service_type_code";

fn row_to_order(r: &sqlx::any::AnyRow) -> Order {
    let m = |i: usize| Money::from_cents(r.get(i));
    Order {
        order_id: r.get(0),
        root_id: r.get(1),
        partner_id: r.get(2),
        customer_id: r.get(3),
        service_type_code: r.get(4),
        service_type_name_zh: r.get(5),
        service_type_name_en: r.get(6),
        source_type: r.get(7),
        status: r.get(8),
        order_type: r.get(9),
        official_amount: m(10),
        amount_after_discount: m(11),
        discount_amount: m(12),
        discount_type: r.get(13),
        coupon_amount: m(14),
        flexipurchase_coupon_amount: m(15),
        stored_card_amount: m(16),
        cash_amount: m(17),
        commission_amount: m(18),
        consumed_amount: m(19),
        currency: r.get(20),
        user_name: r.get(21),
        created_at: r.get(22),
        payment_deadline: r.get(23),
        paid_at: r.get(24),
        cancelled_at: r.get(25),
        cancel_reason: r.get(26),
    }
}

pub(crate) async fn load_order<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
    order_id: &str,
) -> AppResult<Option<Order>> {
    let row = sqlx::query(&format!("{ORDER_SELECT} WHERE o.id = $1"))
        .bind(order_id.trim().to_uppercase())
        .fetch_optional(exec)
        .await?;
    Ok(row.as_ref().map(row_to_order))
}

/// An order line as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrderLine {
    pub order_line_item_id: String,
    pub order_id: String,
    pub product_id: String,
    pub service_type_code: String,
    pub service_type_name_zh: Option<String>,
    pub service_type_name_en: Option<String>,
    pub resource_type_code: String,
    pub product_spec_desc: String,
    pub region: String,
    pub period_type: i64,
    pub period_num: Option<i64>,
    pub subscription_num: i64,
    pub resource_size: Option<i64>,
    pub official_amount: Money,
    pub amount_after_discount: Money,
    pub discount_amount: Money,
    pub effective_at: Option<i64>,
    pub expire_at: Option<i64>,
    /// The resource a renewal line extends.
    pub resource_id: Option<String>,
    /// On a spec change: the product it replaced, and that product's spec description.
    pub base_product_id: Option<String>,
    pub base_product_spec_desc: Option<String>,
}

const LINE_SELECT: &str = "SELECT l.id, l.order_id, l.product_id, l.service_type_code, s.name_zh, s.name_en, l.resource_type_code, \
     l.product_spec_desc, l.region, l.period_type, l.period_num, l.subscription_num, l.resource_size, l.official_amount, \
     l.amount_after_discount, l.discount_amount, l.effective_at, l.expire_at, l.resource_id, l.base_product_id, b.spec_desc_zh \
     FROM order_lines l LEFT JOIN catalog_service_types s ON s.code = l.service_type_code \
     LEFT JOIN catalog_products b ON b.id = l.base_product_id";

fn row_to_line(r: &sqlx::any::AnyRow) -> OrderLine {
    OrderLine {
        order_line_item_id: r.get(0),
        order_id: r.get(1),
        product_id: r.get(2),
        service_type_code: r.get(3),
        service_type_name_zh: r.get(4),
        service_type_name_en: r.get(5),
        resource_type_code: r.get(6),
        product_spec_desc: r.get(7),
        region: r.get(8),
        period_type: r.get(9),
        period_num: r.get(10),
        subscription_num: r.get(11),
        resource_size: r.get(12),
        official_amount: Money::from_cents(r.get(13)),
        amount_after_discount: Money::from_cents(r.get(14)),
        discount_amount: Money::from_cents(r.get(15)),
        effective_at: r.get(16),
        expire_at: r.get(17),
        resource_id: r.get(18),
        base_product_id: r.get(19),
        base_product_spec_desc: r.get(20),
    }
}

async fn load_lines<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
    order_id: &str,
) -> AppResult<Vec<OrderLine>> {
    let rows = sqlx::query(&format!(
        "{LINE_SELECT} WHERE l.order_id = $1 ORDER BY l.seq"
    ))
    .bind(order_id)
    .fetch_all(exec)
    .await?;
    Ok(rows.iter().map(row_to_line).collect())
}

/// What was placed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Placed {
    pub order_id: String,
    pub amount: Money,
    pub payment_deadline: i64,
}

/// Places a new-purchase order for `customer_id`, pending payment. Who may:
/// - the customer itself (source type 1 customer; user name = its account name);
/// - its partner when the association is resale (代售), on its behalf (source type 2 agent);
///   a consulting-sales partner gets `CBC.5024`, any other partner `CBC.99000035`;
/// - an operator or the command line (as the customer would; user name "运营人员").
pub async fn place_order(
    c: &mut AnyConnection,
    ctx: &Ctx,
    customer_id: &str,
    items: Vec<Item>,
) -> AppResult<Placed> {
    let (partner, assoc) = match customer_partner(&mut *c, customer_id).await? {
        Some(v) => v,
        None => {
            return Err(match &ctx.actor {
                Actor::Partner { .. } => AppError::new(Code::NotSubCustomer),
                Actor::Customer { .. } => AppError::with(
                    Code::NotSubCustomer,
                    "Only customers of a partner can order here.",
                ),
                _ => AppError::with(Code::NotFound, format!("customer {customer_id}")),
            })
        }
    };
    let domain_name: String = sqlx::query_scalar("SELECT domain_name FROM customers WHERE id = $1")
        .bind(customer_id)
        .fetch_one(&mut *c)
        .await?;
    let (source, user_name) = match &ctx.actor {
        Actor::Customer {
            customer_id: me, ..
        } if me == customer_id => (SourceType::Customer, domain_name),
        Actor::Customer { .. } => return Err(AppError::new(Code::AccessDenied)),
        Actor::Partner { partner_id, .. } => {
            if *partner_id != partner.id {
                return Err(AppError::new(Code::NotSubCustomer));
            }
            if assoc != AssociationType::Resale {
                return Err(AppError::new(Code::AssociationTypeNotAllowed));
            }
            (SourceType::Agent, partner.name.clone())
        }
        Actor::Operator { .. } | Actor::System { .. } => {
            (SourceType::Customer, "运营人员".to_string())
        }
    };
    let priced = price_items(c, items).await?;
    let lines: Vec<(PricedItem, Option<String>)> = priced.into_iter().map(|p| (p, None)).collect();
    let head = NewOrder {
        root_id: &partner.root_id,
        partner_id: &partner.id,
        customer_id,
        source,
        order_type: OrderType::New,
        user_name: &user_name,
    };
    insert_order(c, ctx, &head, &lines).await
}

/// The head of an order to insert.
pub(crate) struct NewOrder<'a> {
    pub root_id: &'a str,
    pub partner_id: &'a str,
    pub customer_id: &'a str,
    pub source: SourceType,
    pub order_type: OrderType,
    pub user_name: &'a str,
}

/// Inserts an order pending payment with its priced lines (each with the resource it renews, if
/// any), audited.
pub(crate) async fn insert_order(
    c: &mut AnyConnection,
    ctx: &Ctx,
    head: &NewOrder<'_>,
    lines: &[(PricedItem, Option<String>)],
) -> AppResult<Placed> {
    let official = sum(lines.iter().map(|(p, _)| p.official));
    let order_id = new_order_id();
    let deadline = ctx.now_ms + rules::PAYMENT_WINDOW_MS;
    let first = &lines
        .first()
        .ok_or_else(|| AppError::invalid("at least one product is required"))?
        .0;
    sqlx::query(
        "INSERT INTO orders (id, root_id, partner_id, customer_id, service_type_code, source_type, status, order_type, \
         official_amount, amount_after_discount, user_name, created_at, payment_deadline) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)",
    )
    .bind(&order_id)
    .bind(head.root_id)
    .bind(head.partner_id)
    .bind(head.customer_id)
    .bind(&first.product.service_type_code)
    .bind(head.source.code())
    .bind(OrderStatus::PendingPayment.code())
    .bind(head.order_type.code())
    .bind(official.cents())
    .bind(head.user_name)
    .bind(ctx.now_ms)
    .bind(deadline)
    .execute(&mut *c)
    .await?;
    for (i, (p, resource_id)) in lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO order_lines (id, order_id, seq, product_id, service_type_code, resource_type_code, product_spec_desc, \
             region, period_type, period_num, subscription_num, resource_size, official_amount, amount_after_discount, resource_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)",
        )
        .bind(format!("{order_id}-{}", i + 1))
        .bind(&order_id)
        .bind(i as i64)
        .bind(&p.product.product_id)
        .bind(&p.product.service_type_code)
        .bind(&p.product.resource_type_code)
        .bind(&p.product.spec_desc_zh)
        .bind(&p.product.region)
        .bind(p.item.period.code())
        .bind(p.item.period_num)
        .bind(p.item.subscription_num)
        .bind(p.item.resource_size)
        .bind(p.official.cents())
        .bind(resource_id.clone())
        .execute(&mut *c)
        .await?;
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.place",
            target_kind: "order",
            target_id: &order_id,
            transfer_ids: &[],
            detail: serde_json::json!({"customer_id": head.customer_id, "order_type": head.order_type.code(), "amount": official.to_string(), "lines": lines.len()}),
        },
    )
    .await?;
    Ok(Placed {
        order_id,
        amount: official,
        payment_deadline: deadline,
    })
}

/// Who is reading orders.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    Customer(&'a str),
    /// A partner; with a reseller id, a master distributor reading that reseller's customers' orders.
    Partner {
        partner_id: &'a str,
        indirect_partner_id: Option<&'a str>,
    },
    Operator,
}

/// The SQL scope of a viewer: (partner, customer); `None` = no restriction.
pub(crate) async fn scope(
    pool: &AnyPool,
    v: Viewer<'_>,
) -> AppResult<(Option<String>, Option<String>)> {
    Ok(match v {
        Viewer::Customer(id) => (None, Some(id.to_string())),
        Viewer::Operator => (None, None),
        Viewer::Partner {
            partner_id,
            indirect_partner_id,
        } => {
            let mut conn = pool.acquire().await?;
            let p = funds::acting_partner(&mut conn, partner_id, indirect_partner_id).await?;
            (Some(p.id), None)
        }
    })
}

/// The filters of `list_customer_orders` (bss-api-spec §2.21), parsed.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    pub order_id: Option<String>,
    pub customer_id: Option<String>,
    pub create_from: Option<i64>,
    pub create_to: Option<i64>,
    pub pay_from: Option<i64>,
    pub pay_to: Option<i64>,
    pub service_type_code: Option<String>,
    pub status: Option<i64>,
    pub order_type: Option<i64>,
    pub newest_first: bool,
    /// `method=sub_customer`: orders an enterprise paid for its sub-accounts (none here).
    pub sub_customer: bool,
    pub offset: i64,
    pub limit: i64,
}

/// Largest page of orders.
pub const MAX_ORDERS_PAGE: i64 = 100;

/// The raw wire values of an order query.
#[derive(Debug, Clone, Default)]
pub struct RawOrderQuery {
    pub order_id: Option<String>,
    pub customer_id: Option<String>,
    pub create_time_begin: Option<String>,
    pub create_time_end: Option<String>,
    pub service_type_code: Option<String>,
    pub status: Option<String>,
    pub order_type: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    pub order_by: Option<String>,
    pub payment_time_begin: Option<String>,
    pub payment_time_end: Option<String>,
    pub method: Option<String>,
}

impl OrderQuery {
    /// Parses the raw values; every error names its field. Empty values are "no filter"; the
    /// default order is newest first (decision: the vendor's default is not documented).
    pub fn parse(raw: RawOrderQuery) -> AppResult<OrderQuery> {
        let nz = |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let int = |field: &str, s: Option<String>| -> AppResult<Option<i64>> {
            match nz(s) {
                None => Ok(None),
                Some(v) => v
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| AppError::invalid(format!("{field} must be an integer"))),
            }
        };
        let time = |field: &str, s: Option<String>| -> AppResult<Option<i64>> {
            match nz(s) {
                None => Ok(None),
                Some(v) => timefmt::parse_utc(&v).map(Some).ok_or_else(|| {
                    AppError::invalid(format!(
                        "{field} must be a UTC time like 2019-05-06T08:05:01Z"
                    ))
                }),
            }
        };
        let span = |a: Option<i64>, b: Option<i64>, what: &str| -> AppResult<()> {
            if let (Some(a), Some(b)) = (a, b) {
                if a > b {
                    return Err(AppError::invalid(format!(
                        "{what}_begin must not be after {what}_end"
                    )));
                }
                if b > rules::add_months(a, 12) {
                    return Err(AppError::invalid(format!(
                        "{what}_begin and {what}_end may be at most one year apart"
                    )));
                }
            }
            Ok(())
        };
        let create_from = time("create_time_begin", raw.create_time_begin)?;
        let create_to = time("create_time_end", raw.create_time_end)?;
        span(create_from, create_to, "create_time")?;
        let pay_from = time("payment_time_begin", raw.payment_time_begin)?;
        let pay_to = time("payment_time_end", raw.payment_time_end)?;
        span(pay_from, pay_to, "payment_time")?;
        let status = int("status", raw.status)?;
        if status.is_some_and(|s| OrderStatus::from_code(s).is_none()) {
            return Err(AppError::invalid("status must be 1, 3, 4, 5, 6 or 9"));
        }
        let order_type = int("order_type", raw.order_type)?;
        if order_type.is_some_and(|t| OrderType::from_code(t).is_none()) {
            return Err(AppError::invalid(
                "order_type must be 1, 2, 3, 4, 10, 11, 13, 14 or 15",
            ));
        }
        let newest_first = match nz(raw.order_by).map(|s| s.to_lowercase()).as_deref() {
            None | Some("-createtime") => true,
            Some("createtime") => false,
            Some(_) => {
                return Err(AppError::invalid(
                    "order_by must be createTime or -createTime",
                ))
            }
        };
        let sub_customer = match nz(raw.method).as_deref() {
            None | Some("oneself") => false,
            Some("sub_customer") => true,
            Some(_) => return Err(AppError::invalid("method must be oneself or sub_customer")),
        };
        let (offset, limit) = crate::store::filters::page(
            int("offset", raw.offset)?,
            int("limit", raw.limit)?,
            MAX_ORDERS_PAGE,
        )?;
        Ok(OrderQuery {
            order_id: nz(raw.order_id).map(|s| s.to_uppercase()),
            customer_id: nz(raw.customer_id),
            create_from,
            create_to,
            pay_from,
            pay_to,
            service_type_code: nz(raw.service_type_code).map(|s| s.to_lowercase()),
            status,
            order_type,
            newest_first,
            sub_customer,
            offset,
            limit,
        })
    }
}

/// `list_customer_orders`: the viewer's orders matching the filters, with the total count.
pub async fn list_orders(
    pool: &AnyPool,
    viewer: Viewer<'_>,
    q: &OrderQuery,
) -> AppResult<(i64, Vec<Order>)> {
    let (partner, customer) = scope(pool, viewer).await?;
    list_in(pool, partner, customer, None, q).await
}

/// A master distributor's view of its resellers' customers' orders (the partner console's
/// "云经销商的客户订单" tab, R11.13): one reseller's, or with `reseller_id` empty every reseller's
/// beneath it (the orders of its tenant placed with a partner other than itself). Another
/// partner's reseller, or a caller that is not a master distributor, is `CBC.99000037`.
pub async fn list_reseller_orders(
    pool: &AnyPool,
    distributor_id: &str,
    reseller_id: Option<&str>,
    q: &OrderQuery,
) -> AppResult<(i64, Vec<Order>)> {
    let mut conn = pool.acquire().await?;
    let me = partners::get(&mut *conn, distributor_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    if me.partner_type != pc_domain::party::PartnerType::Distributor {
        return Err(AppError::new(Code::NoResellerPermission));
    }
    drop(conn);
    match reseller_id.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => {
            let v = Viewer::Partner {
                partner_id: distributor_id,
                indirect_partner_id: Some(r),
            };
            list_orders(pool, v, q).await
        }
        None => list_in(pool, None, None, Some(me.root_id), q).await,
    }
}

/// The orders matching `q` within a scope: one partner's, one customer's, the resellers' of a
/// tenant root (its orders not placed with the root itself); `None` = no restriction.
async fn list_in(
    pool: &AnyPool,
    partner: Option<String>,
    customer: Option<String>,
    resellers_of: Option<String>,
    q: &OrderQuery,
) -> AppResult<(i64, Vec<Order>)> {
    if q.sub_customer {
        return Ok((0, Vec::new()));
    }
    let mut w = Conditions::new(1);
    if let Some(v) = partner {
        w.add("o.partner_id = ?", Arg::Text(v));
    }
    if let Some(v) = customer {
        w.add("o.customer_id = ?", Arg::Text(v));
    }
    if let Some(v) = &q.order_id {
        w.add("o.id = ?", Arg::Text(v.clone()));
    }
    if let Some(v) = &q.customer_id {
        w.add("o.customer_id = ?", Arg::Text(v.clone()));
    }
    for (cond, v) in [
        ("o.created_at >= ?", q.create_from),
        ("o.created_at <= ?", q.create_to),
        ("o.paid_at >= ?", q.pay_from),
        ("o.paid_at <= ?", q.pay_to),
    ] {
        if let Some(v) = v {
            w.add(cond, Arg::Int(v));
        }
    }
    if let Some(v) = &q.service_type_code {
        w.add("LOWER(o.service_type_code) = ?", Arg::Text(v.clone()));
    }
    if let Some(v) = q.status {
        w.add("o.status = ?", Arg::Int(v));
    }
    if let Some(v) = q.order_type {
        w.add("o.order_type = ?", Arg::Int(v));
    }
    if let Some(v) = resellers_of {
        // A distributor's resellers' customers: its tree, not its own.
        let n = w.next();
        w.add(
            &format!("o.root_id = ? AND o.partner_id <> ${n}"),
            Arg::Text(v),
        );
    }
    let filters = match w.sql.strip_prefix(" AND ") {
        Some(rest) => format!("WHERE {rest}"),
        None => String::new(),
    };
    let total: i64 = bind_scalar_args(
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM orders o {filters}")),
        &w.args,
    )
    .fetch_one(pool)
    .await?;
    let dir = if q.newest_first { "DESC" } else { "ASC" };
    let n = w.next();
    let mut args = w.args;
    args.push(Arg::Int(q.limit));
    args.push(Arg::Int(q.offset));
    let rows = bind_args(
        sqlx::query(&format!(
            "{ORDER_SELECT} {filters} ORDER BY o.created_at {dir}, o.id {dir} LIMIT ${n} OFFSET ${}",
            n + 1
        )),
        &args,
    )
    .fetch_all(pool)
    .await?;
    Ok((total, rows.iter().map(row_to_order).collect()))
}

/// An order with its lines.
#[derive(Debug, Clone)]
pub struct OrderDetail {
    pub order: Order,
    pub lines: Vec<OrderLine>,
}

/// `show_customer_order_details`: an order the viewer may read, with its lines; anything else is
/// `CBC.30000010`.
pub async fn order_detail(
    pool: &AnyPool,
    viewer: Viewer<'_>,
    order_id: &str,
) -> AppResult<OrderDetail> {
    let (partner, customer) = scope(pool, viewer).await?;
    let order = load_order(pool, order_id)
        .await?
        .filter(|o| partner.as_ref().is_none_or(|p| *p == o.partner_id))
        .filter(|o| customer.as_ref().is_none_or(|c| *c == o.customer_id))
        .ok_or_else(|| AppError::new(Code::InvalidOrder))?;
    let lines = load_lines(pool, &order.order_id).await?;
    Ok(OrderDetail { order, lines })
}

/// A customer's own pending-payment order (for the customer-only operations).
async fn own_order<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
    customer_id: &str,
    order_id: &str,
) -> AppResult<Order> {
    load_order(exec, order_id)
        .await?
        .filter(|o| o.customer_id == customer_id)
        .ok_or_else(|| AppError::new(Code::InvalidOrder))
}

/// One discount the customer may use on one of its orders, with what it does to each line.
#[derive(Debug, Clone)]
pub struct OrderDiscount {
    pub grant: Grant,
    pub order_id: String,
    /// (line id, discounted) for the lines it applies to.
    pub lines: Vec<(String, Discounted)>,
}

impl OrderDiscount {
    /// What it takes off the order, all lines together.
    pub fn discount(&self) -> Money {
        sum(self.lines.iter().map(|(_, x)| x.discount))
    }
}

/// The kind of discount a payment names by id alone (the console's form): the order's own id
/// names its price adjustment (609); promotion ids carry their prefix; anything else is a
/// partner-granted discount.
pub fn discount_kind_of(order_id: &str, discount_id: &str) -> DiscountKind {
    if discount_id == order_id {
        DiscountKind::Adjustment
    } else {
        promotions::kind_of_id(discount_id)
    }
}

/// What a payment of `order` would take from the balance with `discount` and `coupons`: the list
/// price less the discount, less each coupon in turn (each pays at most what is left) — the
/// arithmetic of [`pay`], for showing a customer how much is missing before it pays again.
pub fn cash_needed(
    order: &Order,
    discount: Option<&OrderDiscount>,
    coupons: &[&coupons::Coupon],
) -> Money {
    let mut left = order
        .official_amount
        .checked_sub(discount.map(OrderDiscount::discount).unwrap_or(Money::ZERO))
        .unwrap_or(Money::ZERO);
    for k in coupons {
        left = left.checked_sub(k.balance.min(left)).unwrap_or(left);
    }
    left
}

/// The discounts usable on a pending-payment order at `now`: the grants of the order's partner to
/// the customer and the operator's live promotions, each that applies to at least one line.
async fn usable_discounts(
    c: &mut AnyConnection,
    order: &Order,
    lines: &[OrderLine],
    now: i64,
) -> AppResult<Vec<OrderDiscount>> {
    if order.status() != Some(OrderStatus::PendingPayment) {
        return Ok(Vec::new());
    }
    // A price-adjusted order offers its adjustment and nothing else (R11.5).
    if let Some(a) = adjustments::of_order(&mut *c, &order.order_id).await? {
        return Ok(adjustments::as_discount(&a, lines)
            .map(|(grant, lines)| OrderDiscount {
                grant,
                order_id: order.order_id.clone(),
                lines,
            })
            .into_iter()
            .collect());
    }
    let mut all = grants(&mut *c, &order.partner_id, &order.customer_id).await?;
    all.extend(promotions::live(&mut *c, now).await?);
    let priced: Vec<(&str, Money)> = lines
        .iter()
        .map(|l| (l.product_id.as_str(), l.official_amount))
        .collect();
    Ok(all
        .into_iter()
        .filter_map(|g| {
            let d = discount_lines(&g, &priced);
            let used: Vec<(String, Discounted)> = lines
                .iter()
                .zip(d)
                .filter(|(l, _)| g.applies_to(&l.product_id))
                .map(|(l, d)| (l.order_line_item_id.clone(), d))
                .collect();
            (!used.is_empty()).then(|| OrderDiscount {
                grant: g,
                order_id: order.order_id.clone(),
                lines: used,
            })
        })
        .collect())
}

/// `list_order_discounts` (customer only): the discounts usable on one of its orders.
pub async fn order_discounts(
    pool: &AnyPool,
    customer_id: &str,
    order_id: &str,
    now: i64,
) -> AppResult<Vec<OrderDiscount>> {
    if order_id.trim().is_empty() {
        return Err(AppError::invalid("order_id is required"));
    }
    let mut c = pool.acquire().await?;
    let order = own_order(&mut *c, customer_id, order_id).await?;
    let lines = load_lines(&mut *c, &order.order_id).await?;
    usable_discounts(&mut c, &order, &lines, now).await
}

/// A coupon named in a pay request (`coupon_infos[]`).
#[derive(Debug, Clone)]
pub struct CouponRef {
    pub id: String,
    pub pay_type: i64,
}

/// What a pay request asks for.
#[derive(Debug, Clone)]
pub struct PayRequest {
    pub order_id: String,
    pub use_coupon: bool,
    pub use_discount: bool,
    pub coupons: Vec<CouponRef>,
    /// (discount id, type).
    pub discounts: Vec<(String, i64)>,
}

/// R11.4: a `YES` flag requires its list (at most `max` items), `NO` forbids it.
fn check_flagged_list(flag: &str, yes: bool, list: &str, n: usize, max: usize) -> AppResult<()> {
    match (yes, n) {
        (true, 0) => Err(AppError::invalid(format!(
            "{flag} is YES: {list} is required"
        ))),
        (true, n) if n > max => Err(AppError::invalid(format!(
            "{list} has at most {max} item(s) per payment"
        ))),
        (false, n) if n > 0 => Err(AppError::invalid(format!(
            "{flag} is NO: {list} must be absent"
        ))),
        _ => Ok(()),
    }
}

impl PayRequest {
    /// Checks the shape rules of R11.4: YES requires the list, NO forbids it; at most 3 coupons
    /// and 1 discount.
    pub fn parse(
        order_id: String,
        use_coupon: &str,
        use_discount: &str,
        coupons: Option<Vec<CouponRef>>,
        discounts: Option<Vec<(String, i64)>>,
    ) -> AppResult<PayRequest> {
        if order_id.trim().is_empty() {
            return Err(AppError::invalid("order_id is required"));
        }
        let use_coupon =
            rules::parse_yes_no("use_coupon", use_coupon).map_err(AppError::invalid)?;
        let use_discount =
            rules::parse_yes_no("use_discount", use_discount).map_err(AppError::invalid)?;
        let coupons = coupons.unwrap_or_default();
        let discounts = discounts.unwrap_or_default();
        check_flagged_list("use_coupon", use_coupon, "coupon_infos", coupons.len(), 3)?;
        check_flagged_list(
            "use_discount",
            use_discount,
            "discount_infos",
            discounts.len(),
            1,
        )?;
        if coupons
            .iter()
            .any(|c| ![300, 301, 302, 303].contains(&c.pay_type))
        {
            return Err(AppError::invalid(
                "coupon_infos[].type must be 300, 301, 302 or 303",
            ));
        }
        if discounts.iter().any(|(_, t)| ![0, 2, 3, 609].contains(t)) {
            return Err(AppError::invalid("discount_infos[].type must be 0, 2 or 3"));
        }
        Ok(PayRequest {
            order_id,
            use_coupon,
            use_discount,
            coupons,
            discounts,
        })
    }
}

/// What the coupons of a payment covered.
#[derive(Debug, Clone, Default)]
pub struct CouponsApplied {
    /// Vouchers (代金券), `amount_info.coupon_amount`.
    pub coupon_amount: Money,
    /// Cash coupons (现金券), `amount_info.flexipurchase_coupon_amount`.
    pub flexipurchase_coupon_amount: Money,
    /// Stored-value cards, `amount_info.stored_card_amount`.
    pub stored_card_amount: Money,
    /// Ledger transfers that consumed coupon balances (named by the payment's audit row).
    pub transfer_ids: Vec<String>,
}

impl CouponsApplied {
    pub fn total(&self) -> Money {
        sum([
            self.coupon_amount,
            self.flexipurchase_coupon_amount,
            self.stored_card_amount,
        ])
    }
}

/// `coupon_infos[].type` of a pay request.
pub const PAY_TYPE_DISCOUNT_COUPON: i64 = 300;
pub const PAY_TYPE_VOUCHER: i64 = 301;
pub const PAY_TYPE_CASH_COUPON: i64 = 302;

/// The pay type a coupon of `coupon_type` is named with: a voucher (1) as 301, a cash coupon (4)
/// as 302. Partners issue no other kind.
fn pay_type_of(coupon_type: i64) -> Option<i64> {
    match coupon_type {
        1 => Some(PAY_TYPE_VOUCHER),
        4 => Some(PAY_TYPE_CASH_COUPON),
        _ => None,
    }
}

/// The combination rules of R11.6–R11.7 that need no database: vouchers and discount coupons
/// are not used together (`CBC.99003147`), and a discount coupon, itself a discount, is not used
/// with a partner-granted discount (`CBC.99003116`), and one coupon is named once.
///
/// **Decision (domain.md §11.4 R11.6).** The coupons partners issue here (vouchers and cash
/// coupons, §9) carry no `simultaneousUseWith…Discount` restriction, so they combine with a
/// partner-granted discount; only a discount coupon (pay type 300) is exclusive. No partner
/// issues discount coupons, so naming one alone fails as "not usable for this order".
pub fn check_coupon_combination(req: &PayRequest) -> AppResult<()> {
    let discount_coupon = req
        .coupons
        .iter()
        .any(|c| c.pay_type == PAY_TYPE_DISCOUNT_COUPON);
    if discount_coupon
        && req
            .coupons
            .iter()
            .any(|c| c.pay_type != PAY_TYPE_DISCOUNT_COUPON)
    {
        return Err(AppError::new(Code::CouponsNotCombinable));
    }
    if discount_coupon && !req.discounts.is_empty() {
        return Err(AppError::new(Code::CouponForbidsDiscount));
    }
    for (i, c) in req.coupons.iter().enumerate() {
        if req.coupons[..i].iter().any(|d| d.id == c.id) {
            return Err(AppError::invalid(format!(
                "coupon {} is named twice in coupon_infos",
                c.id
            )));
        }
    }
    Ok(())
}

/// The service types and products of an order's lines (what a coupon's restrictions must admit).
fn order_scope(lines: &[OrderLine]) -> (Vec<&str>, Vec<String>) {
    let mut types: Vec<&str> = lines.iter().map(|l| l.service_type_code.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    let mut products: Vec<String> = lines.iter().map(|l| l.product_id.clone()).collect();
    products.sort_unstable();
    products.dedup();
    (types, products)
}

/// **The coupons of a payment.** Called inside the payment's transaction after the order was
/// claimed (6 → 5) and its discount applied, with what is left to pay. Each named coupon, in the
/// order given, must be the customer's (else `PC.1103`, never revealing another's coupon), usable
/// now and not frozen (`PC.1103`), not used up or locked by another order (`CBC.99003112`), named
/// with its own pay type, and admit every service type and product of the order (`PC.1103`); it
/// pays `min(balance, what is left)`, and a coupon named after the order is already covered is
/// refused (`PC.1103`). Each is locked for this order and consumed (`coupon → external:world`,
/// guarded, so concurrent payments of different orders cannot spend the same value twice: the
/// loser finds the coupon locked or used and its whole payment rolls back), and recorded in
/// `order_coupons` for refunds. Any error rolls the whole payment back.
async fn apply_coupons(
    c: &mut AnyConnection,
    ctx: &Ctx,
    order: &Order,
    lines: &[OrderLine],
    payable: Money,
    refs: &[CouponRef],
) -> AppResult<CouponsApplied> {
    let mut out = CouponsApplied::default();
    let (types, products) = order_scope(lines);
    let mut left = payable;
    for r in refs {
        let not_usable = || AppError::with(Code::CouponNotForOrder, r.id.clone());
        let k = coupons::get_coupon(&mut *c, &r.id)
            .await?
            .filter(|k| k.customer_id == order.customer_id)
            .ok_or_else(not_usable)?;
        if k.status == pc_domain::coupons::coupon_status::USED
            || k.lock_order_id
                .as_deref()
                .is_some_and(|o| o != order.order_id)
        {
            return Err(AppError::with(Code::CouponUsedOrLocked, r.id.clone()));
        }
        if k.status_at(ctx.now_ms) != pc_domain::coupons::coupon_status::USABLE
            || k.is_frozen != 0
            || !k.balance.is_positive()
            || pay_type_of(k.coupon_type) != Some(r.pay_type)
            || !k.admits(&types, &products)
            || !k.admits_order_type(order.order_type)
            || !left.is_positive()
        {
            return Err(not_usable());
        }
        let locked = |e: AppError| {
            if e.code == Code::CouponLocked {
                AppError::with(Code::CouponUsedOrLocked, r.id.clone())
            } else {
                e
            }
        };
        coupons::lock_for_order(c, ctx, &k.id, &order.customer_id, &order.order_id)
            .await
            .map_err(locked)?;
        let used = coupons::consume_for_order(c, ctx, &k.id, &order.order_id, left)
            .await
            .map_err(locked)?;
        if !used.is_positive() {
            return Err(AppError::with(Code::CouponUsedOrLocked, r.id.clone()));
        }
        left = left
            .checked_sub(used)
            .ok_or_else(|| AppError::internal("coupon above the price"))?;
        let slot = if k.coupon_type == 4 {
            &mut out.flexipurchase_coupon_amount
        } else {
            &mut out.coupon_amount
        };
        *slot = sum([*slot, used]);
        sqlx::query(
            "INSERT INTO order_coupons (order_id, coupon_id, coupon_type, amount, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&order.order_id)
        .bind(&k.id)
        .bind(k.coupon_type)
        .bind(used.cents())
        .bind(ctx.now_ms)
        .execute(&mut *c)
        .await?;
    }
    if !refs.is_empty() {
        out.transfer_ids = sqlx::query_scalar(
            "SELECT id FROM ledger_transfers WHERE kind = $1 AND memo = $2 ORDER BY id",
        )
        .bind(coupons::KIND_COUPON_USE)
        .bind(&order.order_id)
        .fetch_all(&mut *c)
        .await?;
    }
    Ok(out)
}

/// Releases every coupon lock `order_id` holds (it was cancelled or expired), each audited.
async fn release_order_coupons(c: &mut AnyConnection, ctx: &Ctx, order_id: &str) -> AppResult<()> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM coupons WHERE lock_order_id = $1 ORDER BY id")
            .bind(order_id)
            .fetch_all(&mut *c)
            .await?;
    for id in ids {
        coupons::release_for_order(c, ctx, &id, order_id).await?;
    }
    Ok(())
}

/// `list_order_coupons_by_order_id` (customer only): the customer's coupons usable on one of its
/// pending-payment orders now: usable, not frozen, not locked by another order, admitting every
/// service type and product of the order, largest balance first. Any other order status lists
/// none; an order that is not the customer's is `CBC.30000010`.
pub async fn order_coupons(
    pool: &AnyPool,
    customer_id: &str,
    order_id: &str,
    now: i64,
) -> AppResult<Vec<coupons::Coupon>> {
    if order_id.trim().is_empty() {
        return Err(AppError::invalid("order_id is required"));
    }
    let order = own_order(pool, customer_id, order_id).await?;
    if order.status() != Some(OrderStatus::PendingPayment) {
        return Ok(Vec::new());
    }
    let lines = load_lines(pool, &order.order_id).await?;
    let (types, products) = order_scope(&lines);
    let list = coupons::usable_for_order(
        pool,
        customer_id,
        &order.order_id,
        &types,
        &products,
        order.official_amount,
        now,
    )
    .await?;
    Ok(list
        .into_iter()
        .filter(|k| pay_type_of(k.coupon_type).is_some() && k.admits_order_type(order.order_type))
        .collect())
}

/// What a payment did.
#[derive(Debug, Clone)]
pub struct Paid {
    pub order_id: String,
    pub official: Money,
    pub discount: Money,
    pub coupons: Money,
    pub cash: Money,
    pub transfer_id: Option<String>,
    pub resource_ids: Vec<String>,
}

/// `pay_orders`: the customer pays one of its pending-payment orders with at most one discount,
/// then at most 3 coupons ([`apply_coupons`]), and the rest from its cash balance.
/// Errors: not its order `CBC.30000010`; not pending payment (also a concurrent payment or
/// cancellation that won) `CBC.99003106`; deadline passed `CBC.99003110`; unusable discount
/// `CBC.99003108`; coupon errors as [`check_coupon_combination`] and [`apply_coupons`]; not
/// enough balance `CBC.99005003`. On any error nothing is written.
pub async fn pay(
    c: &mut AnyConnection,
    ctx: &Ctx,
    customer_id: &str,
    req: &PayRequest,
) -> AppResult<Paid> {
    check_coupon_combination(req)?;
    let order_id = req.order_id.trim().to_uppercase();
    // The guarded transition first: on PostgreSQL it takes the row lock, so a concurrent payment
    // or cancellation of the same order waits for this transaction and then finds status ≠ 6.
    let claimed = sqlx::query(
        "UPDATE orders SET status = $1, paid_at = $2 WHERE id = $3 AND customer_id = $4 AND status = $5",
    )
    .bind(OrderStatus::Completed.code())
    .bind(ctx.now_ms)
    .bind(&order_id)
    .bind(customer_id)
    .bind(OrderStatus::PendingPayment.code())
    .execute(&mut *c)
    .await?
    .rows_affected();
    if claimed == 0 {
        own_order(&mut *c, customer_id, &order_id).await?;
        return Err(AppError::new(Code::OrderStatusChanged));
    }
    let order = own_order(&mut *c, customer_id, &order_id).await?;
    if order.payment_deadline.is_some_and(|d| ctx.now_ms > d) {
        return Err(AppError::new(Code::PaymentDeadlinePassed));
    }
    let mut lines = load_lines(&mut *c, &order_id).await?;
    // The pending order is usable for discounts as it was before the claim.
    let pending = Order {
        status: OrderStatus::PendingPayment.code(),
        ..order.clone()
    };
    let mut discount_type = None;
    let mut discount_id = req.discounts.first().map(|d| d.0.clone());
    // An order with a price adjustment (609) pays with it, named or not, and with no other (R11.5).
    let adjusted = adjustments::of_order(&mut *c, &order_id).await?.is_some();
    if adjusted && discount_id.is_none() {
        discount_id = Some(order_id.clone());
    }
    let wanted = match req.discounts.first() {
        Some((did, dtype)) => Some((did.clone(), *dtype)),
        None if adjusted => Some((order_id.clone(), rules::DISCOUNT_TYPE_ADJUSTMENT)),
        None => None,
    };
    if let Some((did, dtype)) = wanted {
        let usable = usable_discounts(&mut *c, &pending, &lines, ctx.now_ms).await?;
        let d = usable
            .into_iter()
            .find(|d| d.grant.id == did && d.grant.kind.pay_type() == dtype)
            .ok_or_else(|| AppError::new(Code::DiscountNotApplicable))?;
        for l in &mut lines {
            if let Some((_, x)) = d.lines.iter().find(|(id, _)| *id == l.order_line_item_id) {
                l.discount_amount = x.discount;
                l.amount_after_discount = x.amount();
            }
        }
        discount_type = Some(d.grant.kind.fee_item().to_string());
    }
    let discount = sum(lines.iter().map(|l| l.discount_amount));
    let after_discount = order
        .official_amount
        .checked_sub(discount)
        .ok_or_else(|| AppError::internal("discount above the price"))?;
    let coupons = apply_coupons(c, ctx, &order, &lines, after_discount, &req.coupons).await?;
    let cash = after_discount
        .checked_sub(coupons.total())
        .filter(|m| !m.is_negative())
        .ok_or_else(|| AppError::internal("coupons above the price"))?;
    let mut transfer_ids = coupons.transfer_ids.clone();
    let transfer_id = if cash.is_positive() {
        let world = ledger::world(c, ctx.now_ms).await?;
        let from =
            ledger::ensure_account(c, AccountKind::CustomerCash, customer_id, None, ctx.now_ms)
                .await?;
        let t = ledger::transfer(
            c,
            ctx,
            &ledger::Posting {
                from: &from,
                to: &world,
                amount: cash,
                kind: KIND_ORDER_PAY,
                root_id: Some(&order.root_id),
                memo: Some(&order_id),
            },
        )
        .await?;
        transfer_ids.push(t.id.as_str().to_string());
        Some(t.id.into_string())
    } else {
        None
    };
    sqlx::query(
        "UPDATE orders SET amount_after_discount = $1, discount_amount = $2, discount_type = $3, discount_id = $4, \
         coupon_amount = $5, flexipurchase_coupon_amount = $6, stored_card_amount = $7, cash_amount = $8, pay_transfer_id = $9 \
         WHERE id = $10",
    )
    .bind(after_discount.cents())
    .bind(discount.cents())
    .bind(discount_type)
    .bind(discount_id)
    .bind(coupons.coupon_amount.cents())
    .bind(coupons.flexipurchase_coupon_amount.cents())
    .bind(coupons.stored_card_amount.cents())
    .bind(cash.cents())
    .bind(transfer_id.clone())
    .bind(&order_id)
    .execute(&mut *c)
    .await?;
    let resource_ids = provision(c, ctx, &order, &lines).await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.pay",
            target_kind: "order",
            target_id: &order_id,
            transfer_ids: &transfer_ids,
            detail: serde_json::json!({
                "official": order.official_amount.to_string(),
                "discount": discount.to_string(),
                "coupons": coupons.total().to_string(),
                "cash": cash.to_string(),
                "resources": resource_ids.len(),
            }),
        },
    )
    .await?;
    Ok(Paid {
        order_id,
        official: order.official_amount,
        discount,
        coupons: coupons.total(),
        cash,
        transfer_id,
        resource_ids,
    })
}

/// Provisions a paid order: each line's discount and validity; a new purchase gets one resource
/// per unit bought, in use from the payment until the end of the period bought; a renewal
/// extends its resource from its current expiry (or from now, if it had expired) and puts it
/// back in use. Returns the resources provisioned or extended.
async fn provision(
    c: &mut AnyConnection,
    ctx: &Ctx,
    order: &Order,
    lines: &[OrderLine],
) -> AppResult<Vec<String>> {
    let mut ids = Vec::new();
    for l in lines {
        let period = PeriodType::from_code(l.period_type).unwrap_or(PeriodType::Month);
        // A renewal continues from the resource's expiry (or from now when it already expired).
        let start = match &l.resource_id {
            Some(rid) if order.order_type == OrderType::Renew.code() => {
                let current: i64 =
                    sqlx::query_scalar("SELECT expire_at FROM resources WHERE id = $1")
                        .bind(rid)
                        .fetch_one(&mut *c)
                        .await?;
                current.max(ctx.now_ms)
            }
            _ => ctx.now_ms,
        };
        let change = order.order_type == OrderType::Change.code();
        let expire = match &l.resource_id {
            // A spec change (an upgrade paid now) runs from the payment to the resource's expiry,
            // and the resource takes the new product.
            Some(rid) if change => {
                let (expire, spec, status): (i64, String, i64) = sqlx::query_as(
                    "SELECT r.expire_at, p.resource_spec, r.status FROM resources r, catalog_products p WHERE r.id = $1 AND p.id = $2",
                )
                .bind(rid)
                .bind(&l.product_id)
                .fetch_one(&mut *c)
                .await?;
                // The resource expired (or stopped) while the change waited for payment: paying
                // would buy no time, so the payment is refused and nothing is written; the
                // customer cancels the order (or the expiry job does).
                if status != ResourceStatus::InUse.code() || expire <= ctx.now_ms {
                    return Err(AppError::with(
                        Code::ChangeNotPossible,
                        "the resource is no longer in use; cancel this change order",
                    ));
                }
                changes::switch_product(c, ctx, rid, &l.product_id, &spec).await?;
                ids.push(rid.clone());
                expire
            }
            _ => rules::period_end(start, period, l.period_num.unwrap_or(1)),
        };
        if let (Some(rid), true) = (&l.resource_id, order.order_type == OrderType::Renew.code()) {
            sqlx::query(
                "UPDATE resources SET expire_at = $1, status = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(expire)
            .bind(ResourceStatus::InUse.code())
            .bind(ctx.now_ms)
            .bind(rid)
            .execute(&mut *c)
            .await?;
            ids.push(rid.clone());
        }
        sqlx::query(
            "UPDATE order_lines SET amount_after_discount = $1, discount_amount = $2, effective_at = $3, expire_at = $4 WHERE id = $5",
        )
        .bind(l.amount_after_discount.cents())
        .bind(l.discount_amount.cents())
        .bind(start)
        .bind(expire)
        .bind(&l.order_line_item_id)
        .execute(&mut *c)
        .await?;
        if order.order_type != OrderType::New.code() {
            continue;
        }
        let spec: String =
            sqlx::query_scalar("SELECT resource_spec FROM catalog_products WHERE id = $1")
                .bind(&l.product_id)
                .fetch_one(&mut *c)
                .await?;
        for n in 0..l.subscription_num {
            let id = new_resource_id();
            sqlx::query(
                "INSERT INTO resources (id, root_id, partner_id, customer_id, order_id, order_line_id, product_id, service_type_code, \
                 resource_type_code, resource_spec, region, name, is_main, status, effective_at, expire_at, expire_policy, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14, $15, $16, $14)",
            )
            .bind(&id)
            .bind(&order.root_id)
            .bind(&order.partner_id)
            .bind(&order.customer_id)
            .bind(&order.order_id)
            .bind(&l.order_line_item_id)
            .bind(&l.product_id)
            .bind(&l.service_type_code)
            .bind(&l.resource_type_code)
            .bind(&spec)
            .bind(&l.region)
            .bind(format!("{}-{}", l.product_id, n + 1))
            .bind(ResourceStatus::InUse.code())
            .bind(ctx.now_ms)
            .bind(expire)
            .bind(rules::EXPIRE_POLICY_GRACE)
            .execute(&mut *c)
            .await?;
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Why an order was cancelled.
pub const CANCEL_BY_CUSTOMER: &str = "customer";
pub const CANCEL_EXPIRED: &str = "expired";

/// `cancel_customer_order`: the customer cancels one of its pending-payment orders. Not its order
/// `CBC.30000010`; any other status (also a payment that won a race) `CBC.99005010`.
pub async fn cancel(
    c: &mut AnyConnection,
    ctx: &Ctx,
    customer_id: &str,
    order_id: &str,
) -> AppResult<()> {
    if order_id.trim().is_empty() {
        return Err(AppError::invalid("order_id is required"));
    }
    let order_id = order_id.trim().to_uppercase();
    let n = sqlx::query(
        "UPDATE orders SET status = $1, cancelled_at = $2, cancel_reason = $3 WHERE id = $4 AND customer_id = $5 AND status = $6",
    )
    .bind(OrderStatus::Cancelled.code())
    .bind(ctx.now_ms)
    .bind(CANCEL_BY_CUSTOMER)
    .bind(&order_id)
    .bind(customer_id)
    .bind(OrderStatus::PendingPayment.code())
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        own_order(&mut *c, customer_id, &order_id).await?;
        return Err(AppError::new(Code::OrderNotCancellable));
    }
    release_order_coupons(c, ctx, &order_id).await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.cancel",
            target_kind: "order",
            target_id: &order_id,
            transfer_ids: &[],
            detail: serde_json::json!({"reason": CANCEL_BY_CUSTOMER}),
        },
    )
    .await
}

/// Most orders one expiry batch cancels (the job repeats until none is left).
const EXPIRY_BATCH: i64 = 500;

/// The `order-expiry` job: cancels every pending-payment order whose deadline is before
/// `ctx.now_ms` (the injectable clock), each with its audit row. Safe to rerun and to run beside
/// payments: each cancellation is the same guarded transition a payment races against. Returns
/// the cancelled order ids.
pub async fn expire_unpaid(db: &Db, ctx: &Ctx) -> AppResult<Vec<String>> {
    let mut all = Vec::new();
    loop {
        let ctx2 = ctx.clone();
        let batch = db
            .write(move |c| {
                Box::pin(async move {
                    let ids: Vec<String> = sqlx::query_scalar(
                        "SELECT id FROM orders WHERE status = $1 AND payment_deadline < $2 ORDER BY payment_deadline, id LIMIT $3",
                    )
                    .bind(OrderStatus::PendingPayment.code())
                    .bind(ctx2.now_ms)
                    .bind(EXPIRY_BATCH)
                    .fetch_all(&mut *c)
                    .await?;
                    let mut done = Vec::new();
                    for id in ids {
                        let n = sqlx::query(
                            "UPDATE orders SET status = $1, cancelled_at = $2, cancel_reason = $3 WHERE id = $4 AND status = $5",
                        )
                        .bind(OrderStatus::Cancelled.code())
                        .bind(ctx2.now_ms)
                        .bind(CANCEL_EXPIRED)
                        .bind(&id)
                        .bind(OrderStatus::PendingPayment.code())
                        .execute(&mut *c)
                        .await?
                        .rows_affected();
                        if n == 1 {
                            release_order_coupons(c, &ctx2, &id).await?;
                            audit::record(
                                c,
                                &ctx2,
                                audit::Entry {
                                    action: "orders.expire",
                                    target_kind: "order",
                                    target_id: &id,
                                    transfer_ids: &[],
                                    detail: serde_json::json!({"reason": CANCEL_EXPIRED}),
                                },
                            )
                            .await?;
                            done.push(id);
                        }
                    }
                    Ok(done)
                })
            })
            .await?;
        let n = batch.len() as i64;
        all.extend(batch);
        if n < EXPIRY_BATCH {
            return Ok(all);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_request_shapes() {
        let p = |uc: &str, ud: &str, c: Option<Vec<CouponRef>>, d: Option<Vec<(String, i64)>>| {
            PayRequest::parse("CS1".into(), uc, ud, c, d)
        };
        assert!(p("NO", "NO", None, None).is_ok());
        assert!(p("NO", "NO", Some(vec![]), Some(vec![])).is_ok());
        assert!(p("YES", "NO", None, None).is_err());
        assert!(p("NO", "YES", None, None).is_err());
        assert!(p("NO", "NO", None, Some(vec![("d".into(), 3)])).is_err());
        assert!(p(
            "NO",
            "YES",
            None,
            Some(vec![("d".into(), 3), ("e".into(), 3)])
        )
        .is_err());
        assert!(p("NO", "YES", None, Some(vec![("d".into(), 7)])).is_err());
        assert!(p("no", "NO", None, None).is_err());
        let four = (0..4)
            .map(|i| CouponRef {
                id: i.to_string(),
                pay_type: 301,
            })
            .collect();
        assert!(p("YES", "NO", Some(four), None).is_err());
    }

    #[test]
    fn order_query_rules() {
        let q = OrderQuery::parse(RawOrderQuery::default()).unwrap();
        assert_eq!((q.offset, q.limit, q.newest_first), (0, 10, true));
        let bad = |raw: RawOrderQuery| OrderQuery::parse(raw).unwrap_err();
        assert!(bad(RawOrderQuery {
            status: Some("7".into()),
            ..Default::default()
        })
        .detail
        .unwrap()
        .contains("status"));
        assert!(bad(RawOrderQuery {
            order_type: Some("x".into()),
            ..Default::default()
        })
        .detail
        .unwrap()
        .contains("order_type"));
        assert!(bad(RawOrderQuery {
            create_time_begin: Some("2025-01-01T00:00:00Z".into()),
            create_time_end: Some("2026-01-02T00:00:00Z".into()),
            ..Default::default()
        })
        .detail
        .unwrap()
        .contains("one year"));
        let ok = OrderQuery::parse(RawOrderQuery {
            order_type: Some("1".into()),
            order_by: Some("CREATETIME".into()),
            order_id: Some("cs12ab".into()),
            status: Some("".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.order_type, Some(1));
        assert!(!ok.newest_first);
        assert_eq!(ok.order_id.as_deref(), Some("CS12AB"));
        assert_eq!(ok.status, None);
    }
}
