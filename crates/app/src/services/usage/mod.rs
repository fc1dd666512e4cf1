//! Pay-per-use (按需): usage imported from the deployment's metering, rated with the catalogue's
//! hourly prices and tiers, absorbed first by the customer's resource packages, charged to its
//! cash, and owed beyond it (`funds::arrears`). Each usage line becomes one consumption record
//! (charging mode 3, bill detail type 5 消费-使用), so bills, the month close and `verify` see it
//! like any other charge.
//!
//! This capability owns `usage_events`, `usage_totals`, `on_demand_resources`, `free_resources`
//! and `free_resource_usages`. The pure rules (parsing a line, rating, which package absorbs
//! what) are `pc_domain::usage`.
//!
//! - **Who imports.** Operators and the command line (the vendor's meters are the vendor's own).
//! - **Idempotent by usage id.** A line whose `usage_id` is already stored is skipped and counted
//!   as a duplicate, whatever else it says: importing a file twice changes nothing.
//! - **All or nothing per batch.** [`ingest`] checks every line of its batch (fields, customer,
//!   product, resource) before writing; one bad line refuses the batch, each bad line named. The
//!   CLI checks a whole file with [`check`] before importing any of it.
//! - **Billing month.** A line belongs to the month of its end (Asia/Shanghai), or to the next
//!   open month when that one is closed (the record says which month it was late for).
//! - **A resource** is known from its first usage on, or from when a yearly/monthly resource
//!   became pay-per-use ([`convert_from_period`]); it belongs to one customer and one product,
//!   and a line naming it with another is refused.
//! - **Charging.** A batch charges each customer once (the sum of its lines); what the cash pays
//!   and what is owed are split back over the lines by largest remainder, so the lines' records
//!   add up to the ledger's transfers to the cent. All of a batch's customers are charged at
//!   once (`funds::arrears::charge_usage`) and its lines' rows are written as multi-row
//!   statements (`store::bulk`): a batch costs a fixed number of statements, not a number per
//!   line or per customer (decision 0008, addendum).

pub mod packages;
pub mod reads;

pub use reads::*;

use std::collections::{HashMap, HashSet};

use pc_domain::bills::{self, BillCycle};
use pc_domain::usage::{self as rules, Quantity, RawUsage, Usage, UsageError};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::services::catalog::{self, UsagePrice};
use crate::services::consumption::{self, Charge, Month};
use crate::services::customers::lookup;
use crate::services::funds::arrears;
use crate::store::filters::rows_with_ids;
use crate::store::sql::{self, Conn};
use crate::store::{audit, bulk, locks, Db};

/// The most lines one [`ingest`] call takes (one transaction). The CLI sends a file in batches of
/// this size; the native API refuses a larger body.
pub const MAX_BATCH: usize = 1000;

/// Why one line of a batch is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    /// 0-based position in the batch (the CLI turns it into the file's line number).
    pub index: usize,
    pub usage_id: Option<String>,
    pub message: String,
    pub message_zh: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    Field(UsageError),
    UnknownCustomer(String),
    UnknownProduct(String),
    NotPayPerUse(String),
    ResourceOfAnother(String),
    TwiceInBatch(usize),
}

impl Problem {
    fn messages(&self) -> (String, String) {
        match self {
            Problem::Field(e) => (e.to_string(), field_zh(e)),
            Problem::UnknownCustomer(c) => (
                format!("customer {c} does not exist"),
                format!("客户 {c} 不存在"),
            ),
            Problem::UnknownProduct(p) => (
                format!("product {p} does not exist"),
                format!("产品 {p} 不存在"),
            ),
            Problem::NotPayPerUse(p) => (
                format!("product {p} has no pay-per-use price"),
                format!("产品 {p} 没有按需价格"),
            ),
            Problem::ResourceOfAnother(r) => (
                format!("resource {r} belongs to another customer or product"),
                format!("资源 {r} 属于其他客户或产品"),
            ),
            Problem::TwiceInBatch(first) => (
                format!("the same usage_id as line {} with other values", first + 1),
                format!("与第 {} 行的 usage_id 相同但内容不同", first + 1),
            ),
        }
    }
}

fn field_zh(e: &UsageError) -> String {
    match e {
        UsageError::Missing(f) => format!("缺少 {f}"),
        UsageError::TooLong(f) => format!("{f} 超过 64 个字符"),
        UsageError::BadUsage(v) => format!("用量 {v:?} 不是最多六位小数的小时数"),
        UsageError::ZeroUsage => "用量必须大于零".into(),
        UsageError::BadSize(v) => format!("resource_size {v:?} 不是 1 到 100000 的整数"),
        UsageError::BadTime(f, v) => format!("{f} {v:?} 不是 2026-11-30T16:00:00Z 格式的时间"),
        UsageError::EndBeforeBegin => "end_time 不晚于 begin_time".into(),
        UsageError::InTheFuture => "end_time 晚于当前时间".into(),
    }
}

fn line_error(index: usize, usage_id: Option<&str>, p: Problem) -> LineError {
    let (message, message_zh) = p.messages();
    LineError {
        index,
        usage_id: usage_id.map(str::to_string),
        message,
        message_zh,
    }
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ingested {
    /// Lines stored and charged now.
    pub accepted: usize,
    /// Lines whose usage id was already stored (or repeated in the batch): skipped.
    pub duplicates: usize,
    /// Cents charged, of which paid from cash and owed.
    pub charged: i64,
    pub paid_from_cash: i64,
    pub owed: i64,
    /// Hours (millionths) that resource packages covered.
    pub free_quantity: i64,
}

/// A batch's outcome: done, or refused with every bad line named (nothing written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Imported(Ingested),
    Refused { errors: Vec<LineError> },
}

/// The lines of a batch that passed every check, and the facts the checks loaded.
struct Checked {
    lines: Vec<(usize, Usage)>,
    prices: HashMap<String, UsagePrice>,
    /// Resources already known: id → (customer, product).
    known: HashMap<String, (String, String)>,
    errors: Vec<LineError>,
}

/// Checks lines against their own rules and against what is stored (customers, products,
/// resources), reading through `c`.
async fn check_in(c: &mut Conn, now_ms: i64, raw: &[RawUsage]) -> AppResult<Checked> {
    let mut errors = Vec::new();
    let mut lines = Vec::with_capacity(raw.len());
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for (i, r) in raw.iter().enumerate() {
        match r.parse(now_ms) {
            Ok(u) => lines.push((i, u)),
            Err(e) => errors.push(line_error(
                i,
                Some(r.usage_id.trim()).filter(|s| !s.is_empty()),
                Problem::Field(e),
            )),
        }
    }
    for (i, u) in &lines {
        if let Some(&first) = first_of.get(u.usage_id.as_str()) {
            let same = raw[first].parse(now_ms).ok().as_ref() == Some(u);
            if !same {
                errors.push(line_error(
                    *i,
                    Some(&u.usage_id),
                    Problem::TwiceInBatch(first),
                ));
            }
        } else {
            first_of.insert(&u.usage_id, *i);
        }
    }
    let customers: Vec<&str> = lines.iter().map(|(_, u)| u.customer_id.as_str()).collect();
    let products: Vec<&str> = lines.iter().map(|(_, u)| u.product_id.as_str()).collect();
    let resources: Vec<&str> = lines.iter().map(|(_, u)| u.resource_id.as_str()).collect();
    let names = lookup::names(&mut *c, &customers).await?;
    let prices = catalog::usage_prices(c, &products).await?;
    let known: HashMap<String, (String, String)> = rows_with_ids(
        &mut *c,
        "SELECT id, customer_id, product_id FROM on_demand_resources",
        "id",
        &resources,
        &[],
    )
    .await?
    .iter()
    .map(|r| (r.get(0), (r.get(1), r.get(2))))
    .collect();
    // A resource's first line in the batch fixes its owner for the lines after it.
    let mut owner: HashMap<&str, (&str, &str)> = HashMap::new();
    let mut ok = Vec::with_capacity(lines.len());
    for (i, u) in lines {
        let problem = if !names.contains_key(&u.customer_id) {
            Some(Problem::UnknownCustomer(u.customer_id.clone()))
        } else {
            match prices.get(&u.product_id) {
                None => Some(Problem::UnknownProduct(u.product_id.clone())),
                Some(p) if p.hour_price.is_none() => {
                    Some(Problem::NotPayPerUse(u.product_id.clone()))
                }
                Some(_) => None,
            }
        };
        let problem = problem.or_else(|| {
            let stored = known
                .get(&u.resource_id)
                .map(|(c, p)| (c.as_str(), p.as_str()));
            let first = *owner.entry(raw[i].resource_id.trim()).or_insert_with(|| {
                stored.unwrap_or((raw[i].customer_id.trim(), raw[i].product_id.trim()))
            });
            (first != (u.customer_id.as_str(), u.product_id.as_str()))
                .then(|| Problem::ResourceOfAnother(u.resource_id.clone()))
        });
        match problem {
            Some(p) => errors.push(line_error(i, Some(&u.usage_id), p)),
            None => ok.push((i, u)),
        }
    }
    errors.sort_by_key(|e| e.index);
    Ok(Checked {
        lines: ok,
        prices,
        known,
        errors,
    })
}

/// Checks a batch without writing anything: every bad line, named (empty: all good). The CLI runs
/// this over a whole file before importing any of it.
pub async fn check(db: &Db, ctx: &Ctx, raw: &[RawUsage]) -> AppResult<Vec<LineError>> {
    ctx.actor.require_operator()?;
    let mut conn = db.read().acquire().await?;
    let checked = check_in(&mut conn, ctx.now_ms, raw).await?;
    Ok(checked.errors)
}

/// Imports one batch of at most [`MAX_BATCH`] lines in one transaction (see the module's header).
pub async fn ingest(db: &Db, ctx: Ctx, raw: Vec<RawUsage>) -> AppResult<Outcome> {
    ctx.actor.require_operator()?;
    if raw.len() > MAX_BATCH {
        return Err(AppError::invalid_tr(
            format!("at most {MAX_BATCH} usage lines per request"),
            format!("每次请求最多 {MAX_BATCH} 条用量记录。"),
        ));
    }
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { ingest_in(c, &ctx, &raw).await })
    })
    .await
}

/// One line, rated.
struct RatedLine<'a> {
    usage: &'a Usage,
    price: &'a UsagePrice,
    month: &'a Month,
    free: i64,
    amount: i64,
}

async fn ingest_in(c: &mut Conn, ctx: &Ctx, raw: &[RawUsage]) -> AppResult<Outcome> {
    if c.engine() == crate::store::Engine::Postgres {
        // The batch looks its ids up in the tables the import itself fills (usage events, usage
        // totals, on-demand resources). The store's generic plans (store/pg.rs) are made once
        // per connection, while those tables may still be empty: a plan that scans the table,
        // kept while the table grows, made a long import quadratic (bench/README.md, "Usage
        // import"). A batch plans its statements for the tables as they are now.
        sql::query("SET LOCAL plan_cache_mode = force_custom_plan")
            .defer(c)
            .await?;
    }
    locks::exclusive(c, locks::Named::UsageImport).await?;
    let checked = check_in(c, ctx.now_ms, raw).await?;
    if !checked.errors.is_empty() {
        return Ok(Outcome::Refused {
            errors: checked.errors,
        });
    }
    let mut out = Ingested::default();
    // Already stored, or a repeat within the batch: skipped.
    let ids: Vec<&str> = checked
        .lines
        .iter()
        .map(|(_, u)| u.usage_id.as_str())
        .collect();
    let stored: HashSet<String> = rows_with_ids(
        &mut *c,
        "SELECT usage_id FROM usage_events",
        "usage_id",
        &ids,
        &[],
    )
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut fresh: Vec<&Usage> = Vec::new();
    for (_, u) in &checked.lines {
        if stored.contains(&u.usage_id) || !seen.insert(u.usage_id.as_str()) {
            out.duplicates += 1;
        } else {
            fresh.push(u);
        }
    }
    if fresh.is_empty() {
        return Ok(Outcome::Imported(out));
    }
    // Each distinct month once (it takes the month-close lock shared, see `billing_month`).
    let mut months: HashMap<BillCycle, Month> = HashMap::new();
    for u in &fresh {
        let cycle = BillCycle::of_ms(u.end_ms);
        if let std::collections::hash_map::Entry::Vacant(v) = months.entry(cycle) {
            v.insert(consumption::billing_month(c, u.end_ms).await?);
        }
    }
    let mut totals = Totals::load(c, &fresh, &months).await?;
    let mut pk = packages::Pool::load(c, &fresh, &checked.prices).await?;
    let mut rated: Vec<RatedLine> = Vec::with_capacity(fresh.len());
    for u in &fresh {
        let price = &checked.prices[&u.product_id];
        let month = &months[&BillCycle::of_ms(u.end_ms)];
        let free = pk.absorb(u, price);
        let before = totals.get(&u.customer_id, &u.product_id, &month.cycle);
        let rest = u.quantity.saturating_sub(free);
        // Covered hours count as used for the tiers (the module's header of `pc_domain::usage`).
        let amount = rules::rate(
            price.hour_price.unwrap_or(0),
            &price.tiers,
            before.plus(free),
            rest,
            if price.linear { u.size } else { 1 },
        );
        totals.add(&u.customer_id, &u.product_id, &month.cycle, u.quantity);
        out.free_quantity += free.micros();
        rated.push(RatedLine {
            usage: u,
            price,
            month,
            free: free.micros(),
            amount,
        });
    }
    // Charge each customer once; split what cash paid and what is owed back over its lines.
    let mut by_customer: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut slot: HashMap<&str, usize> = HashMap::new();
    for (i, r) in rated.iter().enumerate() {
        let k = *slot.entry(&r.usage.customer_id).or_insert_with(|| {
            by_customer.push((&r.usage.customer_id, Vec::new()));
            by_customer.len() - 1
        });
        by_customer[k].1.push(i);
    }
    let charges: Vec<(&str, i64)> = by_customer
        .iter()
        .map(|(customer, idx)| (*customer, idx.iter().map(|&i| rated[i].amount).sum()))
        .collect();
    let paid = arrears::charge_usage(c, ctx, &charges, &ctx.request_id).await?;
    let mut transfer_ids: Vec<String> = Vec::new();
    let mut cash = vec![0i64; rated.len()];
    let mut debt = vec![0i64; rated.len()];
    for (((_, idx), (_, total)), paid) in by_customer.iter().zip(&charges).zip(paid) {
        let weights: Vec<i64> = idx.iter().map(|&i| rated[i].amount).collect();
        for (k, part) in bills::split(paid.cash, &weights).into_iter().enumerate() {
            cash[idx[k]] = part;
        }
        for (k, part) in bills::split(paid.debt, &weights).into_iter().enumerate() {
            debt[idx[k]] = part;
        }
        transfer_ids.extend(paid.transfer_ids);
        out.charged += total;
        out.paid_from_cash += paid.cash;
        out.owed += paid.debt;
    }
    let customers: Vec<&str> = by_customer.iter().map(|(c, _)| *c).collect();
    let assocs = lookup::current_associations(&mut *c, &customers).await?;
    store_events(c, ctx, &rated, &cash, &debt).await?;
    save_resources(c, &rated, &checked.known).await?;
    let records: Vec<Charge> = rated
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let u = r.usage;
            Charge {
                customer_id: &u.customer_id,
                trade_id: &u.usage_id,
                source_key: format!("usage:{}", u.usage_id),
                order_type: None,
                bill_detail_type: bills::detail_type::USAGE,
                charging_mode: bills::charging_mode::ON_DEMAND,
                service_type_code: &r.price.service_type_code,
                resource_type_code: &r.price.resource_type_code,
                region: &r.price.region,
                product_id: Some(&u.product_id),
                product_spec_desc: &r.price.spec_desc_zh,
                resource_id: Some(&u.resource_id),
                resource_name: Some(resource_name(u)),
                period_type: Some(25),
                period_num: None,
                consume_time: u.end_ms,
                official: r.amount,
                payment: r.amount,
                cash: cash[i],
                debt: debt[i],
                usage_quantity: Some(u.quantity.micros()),
                free_quantity: Some(r.free),
                ..Default::default()
            }
        })
        .collect();
    let records: Vec<_> = rated
        .iter()
        .zip(&records)
        .map(|(r, ch)| (r.month, assocs.get(&r.usage.customer_id), ch))
        .collect();
    consumption::insert_many(c, ctx, &records).await?;
    pk.save(c, ctx).await?;
    totals.save(c).await?;
    out.accepted = rated.len();
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "usage.import",
            target_kind: "usage_batch",
            target_id: &ctx.request_id,
            transfer_ids: &transfer_ids,
            detail: serde_json::to_value(&out).map_err(AppError::internal)?,
        },
    )
    .await?;
    Ok(Outcome::Imported(out))
}

fn resource_name(u: &Usage) -> &str {
    u.resource_name.as_deref().unwrap_or(&u.resource_id)
}

/// The batch's usage rows, in as few statements as `store::bulk` allows.
async fn store_events(
    c: &mut Conn,
    ctx: &Ctx,
    rated: &[RatedLine<'_>],
    cash: &[i64],
    debt: &[i64],
) -> AppResult<()> {
    let mut rows = bulk::Rows::new(15);
    for (i, r) in rated.iter().enumerate() {
        let u = r.usage;
        rows.push(u.usage_id.as_str())
            .push(u.customer_id.as_str())
            .push(u.resource_id.as_str())
            .push(u.product_id.as_str())
            .push(r.month.cycle.as_str())
            .push(u.quantity.micros())
            .push(r.free)
            .push(u.size)
            .push(u.begin_ms)
            .push(u.end_ms)
            .push(r.amount)
            .push(cash[i])
            .push(debt[i])
            .push(ctx.request_id.as_str())
            .push(ctx.now_ms);
    }
    bulk::defer(
        c,
        "INSERT INTO usage_events (usage_id, customer_id, resource_id, product_id, bill_cycle, quantity, free_quantity, size, \
         begin_at, end_at, official_amount, cash_amount, debt_amount, request_id, created_at) VALUES {rows}",
        rows,
    )
    .await?;
    Ok(())
}

/// Makes the batch's new resources known and keeps every resource's first and last usage (usage
/// may arrive out of order): one insert of the new, one update of the known, each carrying a
/// resource's earliest begin and latest end in the batch.
async fn save_resources(
    c: &mut Conn,
    rated: &[RatedLine<'_>],
    known: &HashMap<String, (String, String)>,
) -> AppResult<()> {
    // Each resource's first line, earliest begin and latest end, in order of first appearance.
    let mut spans: Vec<(&RatedLine, i64, i64)> = Vec::new();
    let mut slot: HashMap<&str, usize> = HashMap::new();
    for r in rated {
        let u = r.usage;
        match slot.get(u.resource_id.as_str()) {
            Some(&k) => {
                let s = &mut spans[k];
                s.1 = s.1.min(u.begin_ms);
                s.2 = s.2.max(u.end_ms);
            }
            None => {
                slot.insert(&u.resource_id, spans.len());
                spans.push((r, u.begin_ms, u.end_ms));
            }
        }
    }
    let mut new = bulk::Rows::new(11);
    let mut seen = bulk::Rows::new(3);
    for (r, begin, end) in spans {
        let (u, p) = (r.usage, r.price);
        if known.contains_key(&u.resource_id) {
            seen.push(u.resource_id.as_str()).push(begin).push(end);
        } else {
            new.push(u.resource_id.as_str())
                .push(u.customer_id.as_str())
                .push(u.product_id.as_str())
                .push(p.service_type_code.as_str())
                .push(p.resource_type_code.as_str())
                .push(p.resource_spec.as_str())
                .push(p.region.as_str())
                .push(resource_name(u))
                .push(begin)
                .push(end)
                .push(1i64);
        }
    }
    bulk::defer(
        c,
        "INSERT INTO on_demand_resources (id, customer_id, product_id, service_type_code, resource_type_code, resource_spec, \
         region, name, effective_at, last_usage_at, status) VALUES {rows}",
        new,
    )
    .await?;
    bulk::defer(
        c,
        "UPDATE on_demand_resources SET \
         effective_at = CASE WHEN effective_at > v.column2 THEN v.column2 ELSE effective_at END, \
         last_usage_at = CASE WHEN last_usage_at < v.column3 THEN v.column3 ELSE last_usage_at END \
         FROM (VALUES {rows}) AS v WHERE on_demand_resources.id IN ({firsts}) AND on_demand_resources.id = v.column1",
        seen,
    )
    .await?;
    Ok(())
}

/// A yearly/monthly resource that became pay-per-use (`subscriptions::to_on_demand`).
#[derive(Debug, Clone)]
pub(crate) struct FromPeriod<'a> {
    pub customer_id: &'a str,
    pub resource_id: &'a str,
    pub product_id: &'a str,
    pub service_type_code: &'a str,
    pub resource_type_code: &'a str,
    pub resource_spec: &'a str,
    pub region: &'a str,
    pub name: &'a str,
    /// When pay-per-use began: the end of its period, or the change at once.
    pub since: i64,
}

/// Makes a yearly/monthly resource that became pay-per-use known here from `p.since` on, under
/// its own id, as if its first usage had come then: it is listed with the customer's on-demand
/// resources, and usage imported for it is rated with its product's hourly price. An id the
/// metering already named (usage of the same customer's) is kept as it is, back in use; one of
/// another customer's cannot be taken over (an internal error: ids are the deployment's own).
pub(crate) async fn convert_from_period(c: &mut Conn, p: &FromPeriod<'_>) -> AppResult<()> {
    let n = sql::query(
        "INSERT INTO on_demand_resources (id, customer_id, product_id, service_type_code, resource_type_code, resource_spec, \
         region, name, effective_at, last_usage_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1) \
         ON CONFLICT (id) DO UPDATE SET status = 1 WHERE on_demand_resources.customer_id = excluded.customer_id",
    )
    .bind(p.resource_id)
    .bind(p.customer_id)
    .bind(p.product_id)
    .bind(p.service_type_code)
    .bind(p.resource_type_code)
    .bind(p.resource_spec)
    .bind(p.region)
    .bind(p.name)
    .bind(p.since)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::internal(format!(
            "resource {} is a pay-per-use resource of another customer",
            p.resource_id
        )));
    }
    Ok(())
}

/// Each customer's usage of each product in each month so far (the tiers' position), loaded for
/// a batch, advanced in memory, written back once.
struct Totals {
    map: HashMap<(String, String, String), (Quantity, bool)>,
}

impl Totals {
    async fn load(
        c: &mut Conn,
        fresh: &[&Usage],
        months: &HashMap<BillCycle, Month>,
    ) -> AppResult<Totals> {
        let customers: Vec<&str> = fresh.iter().map(|u| u.customer_id.as_str()).collect();
        let cycles: HashSet<&str> = months.values().map(|m| m.cycle.as_str()).collect();
        let rows = rows_with_ids(
            &mut *c,
            "SELECT customer_id, product_id, bill_cycle, quantity FROM usage_totals",
            "customer_id",
            &customers,
            &[],
        )
        .await?;
        let mut map = HashMap::new();
        for r in rows {
            let cycle: String = r.get(2);
            if cycles.contains(cycle.as_str()) {
                map.insert(
                    (r.get(0), r.get(1), cycle),
                    (Quantity::from_micros(r.get(3)), false),
                );
            }
        }
        Ok(Totals { map })
    }

    fn get(&self, customer: &str, product: &str, cycle: &str) -> Quantity {
        self.map
            .get(&(customer.to_string(), product.to_string(), cycle.to_string()))
            .map(|v| v.0)
            .unwrap_or(Quantity::ZERO)
    }

    fn add(&mut self, customer: &str, product: &str, cycle: &str, q: Quantity) {
        let e = self
            .map
            .entry((customer.to_string(), product.to_string(), cycle.to_string()))
            .or_insert((Quantity::ZERO, false));
        e.0 = e.0.plus(q);
        e.1 = true;
    }

    async fn save(self, c: &mut Conn) -> AppResult<()> {
        let mut rows = bulk::Rows::new(4);
        for ((customer, product, cycle), (q, changed)) in &self.map {
            if *changed {
                rows.push(customer.as_str())
                    .push(product.as_str())
                    .push(cycle.as_str())
                    .push(q.micros());
            }
        }
        bulk::defer(
            c,
            "INSERT INTO usage_totals (customer_id, product_id, bill_cycle, quantity) VALUES {rows} \
             ON CONFLICT (customer_id, product_id, bill_cycle) DO UPDATE SET quantity = excluded.quantity",
            rows,
        )
        .await?;
        Ok(())
    }
}
