//! Items and their list prices, the discounts in force (partner grants, promotions) and price
//! quotes.

use crate::store::sql::{self, Conn};
use pc_domain::orders::{self as rules, DiscountKind, PeriodType, Ratio};
use pc_domain::party::AssociationType;
use pc_domain::Money;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::catalog::{self, Product};
use crate::services::orders::promotions;
use crate::services::{customers::association, partners};

use super::{MAX_LINES, MAX_RESOURCE_SIZE, MAX_SUBSCRIPTION_NUM};
use crate::store::Db;

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
    rules::check_period(item.period, item.period_num).map_err(AppError::from)?;
    if !(1..=MAX_SUBSCRIPTION_NUM).contains(&item.subscription_num) {
        return Err(AppError::invalid_tr(
            format!("subscription_num must be between 1 and {MAX_SUBSCRIPTION_NUM}"),
            format!("subscription_num 必须在 1 到 {MAX_SUBSCRIPTION_NUM} 之间。"),
        ));
    }
    let size = if product.is_linear() {
        match item.resource_size {
            Some(s) if (1..=MAX_RESOURCE_SIZE).contains(&s) => Some(s),
            _ => {
                return Err(AppError::invalid_tr(
                    format!(
                        "resource_size (1–{MAX_RESOURCE_SIZE}) is required for product {}",
                        product.product_id
                    ),
                    format!(
                        "产品 {} 须填写 resource_size（1–{MAX_RESOURCE_SIZE}）。",
                        product.product_id
                    ),
                ))
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
        AppError::invalid_tr(
            format!(
                "product {} is not sold by this period type",
                product.product_id
            ),
            format!("产品 {} 不按此周期类型销售。", product.product_id),
        )
    })?;
    rules::line_price(unit, item.period_num, item.subscription_num, size)
        .ok_or_else(|| AppError::invalid_tr("the amount is out of range", "金额超出范围。"))
}

/// A discount in force: one a partner granted its customer, or an operator promotion (then
/// `partner_id` and `customer_id` are empty: it is for everyone).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
pub async fn grants<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    partner_id: &str,
    customer_id: &str,
) -> AppResult<Vec<Grant>> {
    let rows = sql::query(
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
pub(super) fn grant_of(r: &sql::Row) -> AppResult<Grant> {
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
pub(super) async fn customer_partner(
    c: &mut Conn,
    customer_id: &str,
) -> AppResult<Option<(partners::Partner, AssociationType)>> {
    let Some(a) = association::current(&mut *c, customer_id).await? else {
        return Ok(None);
    };
    let p = partners::get(&mut *c, &a.partner_id)
        .await?
        .ok_or_else(|| AppError::internal("an association with a partner that does not exist"))?;
    Ok(Some((p, a.association_type)))
}

/// Loads and prices items; an unknown or inactive product is `ProductNotFound`.
pub(crate) async fn price_items(c: &mut Conn, items: Vec<Item>) -> AppResult<Vec<PricedItem>> {
    if items.is_empty() {
        return Err(AppError::invalid_tr(
            "at least one product is required",
            "至少需要一个产品。",
        ));
    }
    if items.len() > MAX_LINES {
        return Err(AppError::invalid_tr(
            format!("at most {MAX_LINES} products at a time"),
            format!("一次最多 {MAX_LINES} 个产品。"),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let product = catalog::product(&mut *c, &item.product_id)
            .await?
            .filter(|p| p.active)
            .ok_or_else(|| AppError::naming(Code::ProductNotFound, item.product_id.clone()))?;
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
    c: &mut Conn,
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

/// A quote of products named by id (the console's catalogue page), for the acting customer (its
/// partner's grants and the live promotions) or, for anyone else, list prices and promotions.
pub async fn quote(db: &Db, ctx: &Ctx, items: Vec<Item>) -> AppResult<Quote> {
    let customer_id = match &ctx.actor {
        Actor::Customer { customer_id, .. } => Some(customer_id.as_str()),
        _ => None,
    };
    let mut c = db.read().acquire().await?;
    let priced = price_items(&mut c, items).await?;
    quote_priced(&mut c, customer_id, priced, ctx.now_ms).await
}

/// One line of a rating request (`list_rate_on_period_detail`'s `product_infos[]`): a product
/// named by its four rating keys, a period and a quantity.
#[derive(Debug, Clone)]
pub struct RatingLine {
    /// The caller's id of the line (unique in the request).
    pub id: String,
    pub cloud_service_type: String,
    pub resource_type: String,
    pub resource_spec: String,
    pub region: String,
    pub resource_size: Option<i64>,
    pub size_measure_id: Option<i64>,
    /// 2 month, 3 year.
    pub period_type: i64,
    pub period_num: i64,
    pub subscription_num: i64,
}

/// `list_rate_on_period_detail`: 1–[`MAX_LINES`] lines with distinct ids, each an active product
/// found by its rating keys (`CBC.99006006` naming the line otherwise), priced; then quoted as
/// [`quote_priced`] for the acting customer (its partner's grants and the live promotions), or
/// for a partner with no customer. Anyone else `CBC.0155`. The quote's items are in the lines'
/// order.
pub async fn rate(db: &Db, ctx: &Ctx, lines: Vec<RatingLine>) -> AppResult<Quote> {
    if lines.is_empty() {
        return Err(AppError::invalid_tr(
            "product_infos is required",
            "product_infos 必填。",
        ));
    }
    if lines.len() > MAX_LINES {
        return Err(AppError::invalid_tr(
            format!("product_infos has at most {MAX_LINES} items"),
            format!("product_infos 最多 {MAX_LINES} 项。"),
        ));
    }
    let mut conn = db.read().acquire().await?;
    let mut priced = Vec::with_capacity(lines.len());
    let mut ids: Vec<&str> = Vec::with_capacity(lines.len());
    for p in &lines {
        if p.id.trim().is_empty() || ids.contains(&p.id.as_str()) {
            return Err(AppError::invalid_tr(
                "each product_infos[].id must be present and unique",
                "每个 product_infos[].id 必填且不能重复。",
            ));
        }
        ids.push(&p.id);
        let period = PeriodType::from_code(p.period_type)
            .filter(|t| matches!(t, PeriodType::Month | PeriodType::Year))
            .ok_or_else(|| {
                AppError::invalid_tr(
                    "period_type must be 2 (month) or 3 (year)",
                    "period_type 必须是 2（包月）或 3（包年）。",
                )
            })?;
        let product = catalog::find_product(
            &mut *conn,
            &p.cloud_service_type,
            &p.resource_type,
            &p.resource_spec,
            &p.region,
        )
        .await?
        .ok_or_else(|| {
            AppError::with_tr(
                Code::ProductNotFound,
                format!("product_infos id {}", p.id),
                format!("product_infos id {}", p.id),
            )
        })?;
        if product.is_linear()
            && p.size_measure_id
                .is_some_and(|m| Some(m) != product.size_measure_id)
        {
            return Err(AppError::invalid_tr(
                format!(
                    "size_measure_id of {} must be {}",
                    p.id,
                    product.size_measure_id.unwrap_or_default()
                ),
                format!(
                    "{} 的 size_measure_id 必须是 {}。",
                    p.id,
                    product.size_measure_id.unwrap_or_default()
                ),
            ));
        }
        let item = Item {
            product_id: product.product_id.clone(),
            period,
            period_num: p.period_num,
            subscription_num: p.subscription_num,
            resource_size: p.resource_size,
        };
        let official = price(&product, &item)?;
        priced.push(PricedItem {
            item,
            product,
            official,
        });
    }
    let customer = match &ctx.actor {
        Actor::Customer { customer_id, .. } => Some(customer_id.as_str()),
        Actor::Partner { .. } => None,
        // Refused before any vendor handler (`auth::vendor_principals`); refused here again so
        // that the rule does not hang on the router alone.
        Actor::Operator { .. } | Actor::System { .. } => {
            return Err(AppError::with_tr(
                Code::NotAllowed,
                "This operation is for partners and customers.",
                "此操作仅限合作伙伴和客户。",
            ))
        }
    };
    quote_priced(&mut conn, customer, priced, ctx.now_ms).await
}
