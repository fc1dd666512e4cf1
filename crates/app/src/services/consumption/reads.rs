//! The reads over consumption records: a partner's view of one customer's month
//! (`list_sub_customer_bill_detail`) and a customer's monthly summary (`show_customer_monthly_sum`).
//!
//! Who sees what (the vendor's API reference, decided here where it is silent):
//! - a partner sees the records charged while the customer was associated with it (both
//!   association types); a master distributor naming `indirect_partner_id` sees those charged
//!   while the customer was associated with that reseller (its own, else `CBC.99000037` as every
//!   reseller operation); a customer the partner never had at all (no association now, no
//!   record of one) is refused with `CBC.99000035`, so that a typo is not mistaken for "no
//!   consumption";
//! - a customer sees all of its own records, whoever its partner was.

use pc_domain::bills::{self, BillCycle};
use pc_domain::party::PartnerType;
use pc_domain::timefmt;

use super::close::BILL_TYPE_SQL;
use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::customers::association;
use crate::services::partners;
use crate::store::filters::{self, bind_args, Arg, Conditions};
use crate::store::{sql, Db};

/// A text filter that was sent with a value (absent and blank are "no filter").
pub(crate) fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The largest page of a bill list (the vendor documents 1 to 1,000 for its bill lists).
pub const BILL_MAX_PAGE: i64 = 1000;

/// One consumption record as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    pub customer_id: String,
    pub partner_id: Option<String>,
    pub association_type: Option<i64>,
    pub bill_cycle: String,
    pub trade_time: i64,
    pub consume_time: i64,
    pub trade_id: String,
    pub order_type: Option<i64>,
    pub bill_detail_type: i64,
    pub charging_mode: i64,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub region: String,
    pub product_id: Option<String>,
    pub product_spec_desc: String,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub period_type: Option<i64>,
    pub period_num: Option<i64>,
    /// The closed month this record was made for, when it landed in a later one.
    pub late_from: Option<String>,
    pub amounts: Amounts,
}

/// What a record (or a sum of records) charged and what paid it, in cents: the list price, the
/// discount, what was payable, and how it was paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amounts {
    pub official: i64,
    pub discount: i64,
    pub payment: i64,
    pub cash: i64,
    pub credit: i64,
    pub vouchers: i64,
    pub cash_coupons: i64,
    pub stored_card: i64,
    pub debt: i64,
    pub writeoff: i64,
}

/// The amount columns of `consumption_records`, in [`Amounts`]' order.
pub(crate) const AMOUNT_COLS: [&str; 10] = [
    "official_amount",
    "discount_amount",
    "payment_amount",
    "cash_amount",
    "credit_amount",
    "coupon_amount",
    "flexipurchase_coupon_amount",
    "stored_value_card_amount",
    "debt_amount",
    "writeoff_amount",
];

impl Amounts {
    /// Reads [`AMOUNT_COLS`] from column `from` on (a NULL sum is 0).
    pub(super) fn from_row(r: &sql::Row, from: usize) -> Amounts {
        let a = |i: usize| r.get::<Option<i64>, _>(from + i).unwrap_or(0);
        Amounts {
            official: a(0),
            discount: a(1),
            payment: a(2),
            cash: a(3),
            credit: a(4),
            vouchers: a(5),
            cash_coupons: a(6),
            stored_card: a(7),
            debt: a(8),
            writeoff: a(9),
        }
    }
}

const RECORD_COLS: &str = "r.id, r.customer_id, r.partner_id, r.association_type, r.bill_cycle, r.trade_time, r.consume_time, \
     r.trade_id, r.order_type, r.bill_detail_type, r.charging_mode, r.service_type_code, r.resource_type_code, r.region, \
     r.product_id, r.product_spec_desc, r.resource_id, r.resource_name, r.period_type, r.period_num, r.late_from";

fn row_to_record(r: &sql::Row) -> Record {
    Record {
        id: r.get(0),
        customer_id: r.get(1),
        partner_id: r.get(2),
        association_type: r.get(3),
        bill_cycle: r.get(4),
        trade_time: r.get(5),
        consume_time: r.get(6),
        trade_id: r.get(7),
        order_type: r.get(8),
        bill_detail_type: r.get(9),
        charging_mode: r.get(10),
        service_type_code: r.get(11),
        resource_type_code: r.get(12),
        region: r.get(13),
        product_id: r.get(14),
        product_spec_desc: r.get(15),
        resource_id: r.get(16),
        resource_name: r.get(17),
        period_type: r.get(18),
        period_num: r.get(19),
        late_from: r.get(20),
        amounts: Amounts::from_row(r, 21),
    }
}

/// A billing month as sent (`YYYY-MM`), or `CBC.0100` naming the field.
pub fn parse_cycle(field: &str, v: Option<&str>) -> AppResult<BillCycle> {
    let v = v.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
        AppError::invalid_tr(
            format!("{field} is required (YYYY-MM)"),
            format!("{field} 必填（YYYY-MM）。"),
        )
    })?;
    BillCycle::parse(v).ok_or_else(|| {
        AppError::invalid_tr(
            format!("{field} must be YYYY-MM"),
            format!("{field} 必须是 YYYY-MM 格式。"),
        )
    })
}

/// `bill_date_begin` / `bill_date_end`: both or neither (one alone is ignored, as the vendor
/// documents), each `YYYY-MM-DD` in `cycle`'s month, begin ≤ end. The instants `[from, to)`.
fn date_range(
    cycle: BillCycle,
    begin: Option<&str>,
    end: Option<&str>,
) -> AppResult<Option<(i64, i64)>> {
    let (Some(b), Some(e)) = (nonempty(begin), nonempty(end)) else {
        return Ok(None);
    };
    let parse = |field: &str, s: &str| {
        timefmt::parse_date(s)
            .filter(|d| cycle.contains_date(*d))
            .ok_or_else(|| {
                AppError::invalid_tr(
                    format!("{field} must be a date (YYYY-MM-DD) in {cycle}"),
                    format!("{field} 必须是 {cycle} 内的日期（YYYY-MM-DD）。"),
                )
            })
    };
    let (b, e) = (parse("bill_date_begin", b)?, parse("bill_date_end", e)?);
    if b > e {
        return Err(AppError::invalid_tr(
            "bill_date_begin must not be after bill_date_end",
            "bill_date_begin 不能晚于 bill_date_end。",
        ));
    }
    let end = e.next_day().unwrap_or(e);
    Ok(Some((
        timefmt::cn_day_start_ms(b),
        timefmt::cn_day_start_ms(end),
    )))
}

/// The filters every record list shares, as sent (absent or blank text is no filter).
#[derive(Debug, Clone, Default)]
pub struct RecordFilters {
    pub service_type_code: Option<String>,
    pub resource_type_code: Option<String>,
    pub region_code: Option<String>,
    pub charging_mode: Option<i64>,
    pub bill_detail_type: Option<i64>,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub trade_id: Option<String>,
    /// `1` consulting, `2` resale (the association at the charge).
    pub association_type: Option<String>,
    /// `YYYY-MM-DD` both or neither, within the month.
    pub bill_date_begin: Option<String>,
    pub bill_date_end: Option<String>,
    /// `Some(false)`: leave out records with nothing payable.
    pub include_zero_record: Option<bool>,
    /// `1` the vendor's cloud, `2` the marketplace (no record here is the marketplace's).
    pub provider_type: Option<i64>,
    /// Payment status: `1` paid (every record here: charges are paid when made), `2` unsettled,
    /// `3` not yet billed (none, until pay-per-use charges in arrears exist).
    pub status: Option<i64>,
}

impl RecordFilters {
    /// Checks the filters (`CBC.0100` naming the field) and adds their conditions to `w`.
    pub(super) fn apply(&self, cycle: BillCycle, w: &mut Conditions) -> AppResult<()> {
        if let Some(m) = self.charging_mode {
            if !bills::charging_mode::ALL.contains(&m) {
                return Err(AppError::invalid_tr(
                    "charging_mode must be 1, 3, 10 or 11",
                    "charging_mode 必须是 1、3、10 或 11。",
                ));
            }
        }
        if let Some(t) = self.bill_detail_type {
            if !bills::detail_type::ALL.contains(&t) {
                return Err(AppError::invalid_tr(
                    "the bill type is not a known bill type",
                    "未知的账单类型。",
                ));
            }
        }
        let association_type = match nonempty(self.association_type.as_deref()) {
            None => None,
            Some("1") => Some(1),
            Some("2") => Some(2),
            Some(_) => {
                return Err(AppError::invalid_tr(
                    "association_type must be 1 or 2",
                    "association_type 必须是 1 或 2。",
                ))
            }
        };
        match self.provider_type {
            None | Some(1) => {}
            Some(2) => w.require("1 = 0"),
            Some(_) => {
                return Err(AppError::invalid_tr(
                    "provider_type must be 1 or 2",
                    "provider_type 必须是 1 或 2。",
                ))
            }
        }
        if let Some(st) = self.status {
            if !(1..=3).contains(&st) {
                return Err(AppError::invalid_tr(
                    "status must be 1, 2 or 3",
                    "status 必须是 1、2 或 3。",
                ));
            }
            if st != 1 {
                w.require("1 = 0");
            }
        }
        let range = date_range(
            cycle,
            self.bill_date_begin.as_deref(),
            self.bill_date_end.as_deref(),
        )?;
        let text = |s: &Option<String>| nonempty(s.as_deref()).map(str::to_string);
        for (column, value) in [
            ("r.service_type_code", text(&self.service_type_code)),
            ("r.resource_type_code", text(&self.resource_type_code)),
            ("r.region", text(&self.region_code)),
            ("r.resource_id", text(&self.resource_id)),
            ("r.resource_name", text(&self.resource_name)),
            ("r.trade_id", text(&self.trade_id)),
        ] {
            if let Some(v) = value {
                w.add(&format!("{column} = ?"), Arg::Text(v));
            }
        }
        for (column, value) in [
            ("r.charging_mode", self.charging_mode),
            ("r.bill_detail_type", self.bill_detail_type),
            ("r.association_type", association_type),
        ] {
            if let Some(v) = value {
                w.add(&format!("{column} = ?"), Arg::Int(v));
            }
        }
        if self.include_zero_record == Some(false) {
            w.require("r.payment_amount <> 0");
        }
        if let Some((from, to)) = range {
            w.add("r.trade_time >= ?", Arg::Int(from));
            w.add("r.trade_time < ?", Arg::Int(to));
        }
        Ok(())
    }
}

/// `list_sub_customer_bill_detail`'s request, as sent.
#[derive(Debug, Clone, Default)]
pub struct BillDetailQuery {
    pub bill_cycle: Option<String>,
    pub customer_id: Option<String>,
    pub indirect_partner_id: Option<String>,
    pub filters: RecordFilters,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// One customer's consumption in one month, as its partner sees it (see the module's header),
/// newest first: the total and one page.
pub async fn bill_detail(db: &Db, ctx: &Ctx, q: &BillDetailQuery) -> AppResult<(i64, Vec<Record>)> {
    let caller = ctx.actor.partner_id()?;
    let cycle = parse_cycle("bill_cycle", q.bill_cycle.as_deref())?;
    if !bills::within_detail_window(cycle, ctx.now_ms) {
        return Err(AppError::invalid_tr(
            format!(
                "bill_cycle must be one of the last {} months",
                bills::DETAIL_WINDOW_MONTHS
            ),
            format!(
                "bill_cycle 必须是最近 {} 个月之一。",
                bills::DETAIL_WINDOW_MONTHS
            ),
        ));
    }
    let customer_id = q
        .customer_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::invalid_tr("customer_id is required", "customer_id 必填。"))?;
    let (offset, limit) = filters::page(q.offset, q.limit, BILL_MAX_PAGE)?;
    let pool = db.read();
    let owner = records_owner(pool, caller, q.indirect_partner_id.as_deref()).await?;
    if association::type_with(pool, &owner, customer_id)
        .await?
        .is_none()
    {
        let had: Option<i64> = sql::query_scalar(
            "SELECT 1 FROM consumption_records WHERE customer_id = $1 AND partner_id = $2 LIMIT 1",
        )
        .bind(customer_id)
        .bind(&owner)
        .fetch_optional(pool)
        .await?;
        if had.is_none() {
            return Err(AppError::new(Code::NotSubCustomer));
        }
    }
    let mut w = Conditions::new(1);
    w.add("r.customer_id = ?", Arg::Text(customer_id.to_string()));
    w.add("r.bill_cycle = ?", Arg::Text(cycle.to_string()));
    w.add("r.partner_id = ?", Arg::Text(owner));
    q.filters.apply(cycle, &mut w)?;
    // One customer's month: bounded, so its count is cheap (the (customer, month) index).
    let (total, rows) = record_page(pool, &w, offset, limit).await?;
    Ok((total, rows))
}

/// One line of a monthly summary: a service type, resource type, charging mode and bill type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumLine {
    pub service_type_code: String,
    pub resource_type_code: String,
    pub charging_mode: i64,
    pub bill_type: i64,
    pub amounts: Amounts,
}

/// A customer's month: its lines (one page) and the totals over all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlySum {
    pub customer_id: String,
    pub bill_cycle: String,
    pub total_count: i64,
    pub lines: Vec<SumLine>,
    pub totals: Amounts,
}

/// `show_customer_monthly_sum`'s filters, as sent.
#[derive(Debug, Clone, Default)]
pub struct MonthlySumQuery {
    pub bill_cycle: Option<String>,
    /// `oneself`, `sub_customer` or `all`: there are no enterprise sub-customers here, so every
    /// method reads the customer's own consumption.
    pub method: Option<String>,
    pub service_type_code: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// The acting customer's consumption in one month, summed by service type, resource type,
/// charging mode and bill type.
pub async fn monthly_sum(db: &Db, ctx: &Ctx, q: &MonthlySumQuery) -> AppResult<MonthlySum> {
    let Actor::Customer { customer_id, .. } = &ctx.actor else {
        return Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for customers.",
            "此操作仅限客户。",
        ));
    };
    if nonempty(q.method.as_deref())
        .is_some_and(|m| !["oneself", "sub_customer", "all"].contains(&m))
    {
        return Err(AppError::invalid_tr(
            "method must be oneself, sub_customer or all",
            "method 必须是 oneself、sub_customer 或 all。",
        ));
    }
    let cycle = parse_cycle("bill_cycle", q.bill_cycle.as_deref())?;
    let (offset, limit) = filters::page(q.offset, q.limit, BILL_MAX_PAGE)?;
    let mut w = Conditions::new(1);
    w.add("r.customer_id = ?", Arg::Text(customer_id.clone()));
    w.add("r.bill_cycle = ?", Arg::Text(cycle.to_string()));
    if let Some(s) = q
        .service_type_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        w.add("r.service_type_code = ?", Arg::Text(s.to_string()));
    }
    let grouped = format!(
        "SELECT r.service_type_code, r.resource_type_code, r.charging_mode, {} \
         FROM consumption_records r {} GROUP BY r.service_type_code, r.resource_type_code, r.charging_mode, {BILL_TYPE_SQL}",
        grouped_sums(),
        w.where_clause()
    );
    let pool = db.read();
    let rows = grouped_page(pool, &grouped, &w, "1, 2, 3, 4", offset, limit).await?;
    // One customer's month: a handful of groups, counted and totalled in one statement.
    let totals = (5..=14)
        .map(|i| format!("CAST(COALESCE(SUM(g.c{i}), 0) AS BIGINT)"))
        .collect::<Vec<_>>()
        .join(", ");
    let totals_row = bind_args(
        sql::query(&format!("SELECT COUNT(*), {totals} FROM ({grouped}) g")),
        &w.args,
    )
    .fetch_one(pool)
    .await?;
    let line = |r: &sql::Row| SumLine {
        service_type_code: r.get(0),
        resource_type_code: r.get(1),
        charging_mode: r.get(2),
        bill_type: r.get(3),
        amounts: Amounts::from_row(r, 4),
    };
    Ok(MonthlySum {
        customer_id: customer_id.clone(),
        bill_cycle: cycle.to_string(),
        total_count: totals_row.get(0),
        lines: rows.iter().map(line).collect(),
        totals: Amounts::from_row(&totals_row, 1),
    })
}

/// The bill type and the sums of a summary line, named `c5` … `c14` for the totals over them.
/// (`SUM` of a `BIGINT` is a `NUMERIC` on PostgreSQL: cast back.)
fn grouped_sums() -> String {
    let mut s = format!("{BILL_TYPE_SQL} AS bill_type");
    for (i, c) in AMOUNT_COLS.iter().enumerate() {
        s.push_str(&format!(", CAST(SUM(r.{c}) AS BIGINT) AS c{}", i + 5));
    }
    s
}

/// The owner of the records a partner read covers: the caller, or with `indirect_partner_id` its
/// reseller (a master distributor's only, else `CBC.99000037`).
pub(crate) async fn records_owner(
    pool: &crate::store::ReadPool,
    caller: &str,
    indirect_partner_id: Option<&str>,
) -> AppResult<String> {
    match nonempty(indirect_partner_id) {
        None => Ok(caller.to_string()),
        Some(reseller) => {
            let me = partners::get(pool, caller)
                .await?
                .ok_or_else(|| AppError::new(Code::AccessDenied))?;
            if me.partner_type != PartnerType::Distributor {
                return Err(AppError::new(Code::NoResellerPermission));
            }
            Ok(partners::ensure_child(pool, caller, reseller).await?.id)
        }
    }
}

/// `list_consume_sub_customers`: the customers with consumption charged while associated with
/// the calling partner in `bill_cycle`, by id; the total and one page (at most 100).
pub async fn consuming_customers(
    db: &Db,
    ctx: &Ctx,
    bill_cycle: Option<&str>,
    offset: Option<i64>,
    limit: Option<i64>,
) -> AppResult<(i64, Vec<String>)> {
    let caller = ctx.actor.partner_id()?;
    let cycle = parse_cycle("bill_cycle", bill_cycle)?;
    let (offset, limit) = filters::page(offset, limit, filters::VENDOR_MAX_PAGE)?;
    let mut w = Conditions::new(1);
    w.add("r.partner_id = ?", Arg::Text(caller.to_string()));
    w.add("r.bill_cycle = ?", Arg::Text(cycle.to_string()));
    let total: i64 = filters::bind_scalar_args(
        sql::query_scalar(&format!(
            "SELECT COUNT(DISTINCT r.customer_id) FROM consumption_records r {}",
            w.where_clause()
        )),
        &w.args,
    )
    .fetch_one(db.read())
    .await?;
    let rows = filters::page_rows(
        db.read(),
        "SELECT DISTINCT r.customer_id",
        "FROM consumption_records r",
        &w,
        "r.customer_id",
        offset,
        limit,
    )
    .await?;
    Ok((total, rows.iter().map(|r| r.get(0)).collect()))
}

/// `list_subcustomer_monthly_bills`' filters, as sent.
#[derive(Debug, Clone, Default)]
pub struct PartnerMonthlyQuery {
    pub cycle: Option<String>,
    pub customer_id: Option<String>,
    pub cloud_service_type: Option<String>,
    /// `1` yearly/monthly, `3` pay-per-use, `11` savings plan (required).
    pub charge_mode: Option<String>,
    /// `0` consumption, `1` unsubscribe, `2` written off by the vendor.
    pub bill_type: Option<String>,
    pub indirect_partner_id: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// One line of a partner's monthly bills: a customer, service type, resource type and bill
/// type (`0` consumption, `1` unsubscribe, `2` write-off, the vendor's codes on this operation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerSumLine {
    pub customer_id: String,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub charging_mode: i64,
    pub bill_type: i64,
    pub amounts: Amounts,
}

/// The partner-side bill type of a record: 1 unsubscribe (refunds), 2 write-off (adjustments),
/// else 0.
const PARTNER_BILL_TYPE_SQL: &str =
    "CASE WHEN r.bill_detail_type IN (4, 20, 24) THEN 1 WHEN r.bill_detail_type IN (9, 16) THEN 2 ELSE 0 END";

/// `list_subcustomer_monthly_bills`: the month's consumption of the partner's resale customers
/// (charged while associated with it, or with its reseller named by `indirect_partner_id`),
/// summed by customer, service type, resource type and bill type.
pub async fn partner_monthly_sums(
    db: &Db,
    ctx: &Ctx,
    q: &PartnerMonthlyQuery,
) -> AppResult<(i64, Vec<PartnerSumLine>)> {
    let caller = ctx.actor.partner_id()?;
    let cycle = parse_cycle("cycle", q.cycle.as_deref())?;
    let charge_mode = match nonempty(q.charge_mode.as_deref()) {
        Some("1") => 1,
        Some("3") => 3,
        Some("11") => 11,
        Some(_) => {
            return Err(AppError::invalid_tr(
                "charge_mode must be 1, 3 or 11",
                "charge_mode 必须是 1、3 或 11。",
            ))
        }
        None => {
            return Err(AppError::invalid_tr(
                "charge_mode is required (1, 3 or 11)",
                "charge_mode 必填（1、3 或 11）。",
            ))
        }
    };
    let bill_type = match nonempty(q.bill_type.as_deref()) {
        None => None,
        Some("0") => Some(0),
        Some("1") => Some(1),
        Some("2") => Some(2),
        Some(_) => {
            return Err(AppError::invalid_tr(
                "bill_type must be 0, 1 or 2",
                "bill_type 必须是 0、1 或 2。",
            ))
        }
    };
    let (offset, limit) = filters::page(q.offset, q.limit, filters::VENDOR_MAX_PAGE)?;
    let pool = db.read();
    let owner = records_owner(pool, caller, q.indirect_partner_id.as_deref()).await?;
    let mut w = Conditions::new(1);
    w.add("r.partner_id = ?", Arg::Text(owner));
    w.add("r.bill_cycle = ?", Arg::Text(cycle.to_string()));
    w.add("r.charging_mode = ?", Arg::Int(charge_mode));
    // Resale (代售) customers only: the vendor's operation is about partner-funded consumption.
    w.require("r.association_type = 2");
    if let Some(c) = nonempty(q.customer_id.as_deref()) {
        w.add("r.customer_id = ?", Arg::Text(c.to_string()));
    }
    if let Some(s) = nonempty(q.cloud_service_type.as_deref()) {
        w.add("r.service_type_code = ?", Arg::Text(s.to_string()));
    }
    if let Some(t) = bill_type {
        w.add(&format!("{PARTNER_BILL_TYPE_SQL} = ?"), Arg::Int(t));
    }
    let sums = AMOUNT_COLS
        .map(|c| format!("CAST(SUM(r.{c}) AS BIGINT)"))
        .join(", ");
    let grouped = format!(
        "SELECT r.customer_id, r.service_type_code, r.resource_type_code, r.charging_mode, {PARTNER_BILL_TYPE_SQL} AS bill_type, \
         {sums} FROM consumption_records r {} GROUP BY r.customer_id, r.service_type_code, r.resource_type_code, \
         r.charging_mode, {PARTNER_BILL_TYPE_SQL}",
        w.where_clause()
    );
    let total: i64 = filters::bind_scalar_args(
        sql::query_scalar(&format!("SELECT COUNT(*) FROM ({grouped}) g")),
        &w.args,
    )
    .fetch_one(pool)
    .await?;
    let rows = grouped_page(pool, &grouped, &w, "1, 2, 3, 5", offset, limit).await?;
    Ok((
        total,
        rows.iter()
            .map(|r| PartnerSumLine {
                customer_id: r.get(0),
                service_type_code: r.get(1),
                resource_type_code: r.get(2),
                charging_mode: r.get(3),
                bill_type: r.get(4),
                amounts: Amounts::from_row(r, 5),
            })
            .collect(),
    ))
}

/// One page of the lines of `grouped` (a `GROUP BY` statement whose `WHERE` is `w`'s), ordered
/// by `order` (column positions).
pub(super) async fn grouped_page(
    pool: &crate::store::ReadPool,
    grouped: &str,
    w: &Conditions,
    order: &str,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<sql::Row>> {
    let n = w.next();
    Ok(bind_args(
        sql::query(&format!(
            "SELECT * FROM ({grouped}) g ORDER BY {order} LIMIT ${n} OFFSET ${}",
            n + 1
        )),
        &w.args,
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?)
}

/// The acting customer's own records of one month under `filters`, newest first: the total and
/// one page (`list_customer_bills_fee_records`, the customer's Bills page).
pub async fn my_records(
    db: &Db,
    ctx: &Ctx,
    bill_cycle: Option<&str>,
    filters: &RecordFilters,
    offset: Option<i64>,
    limit: Option<i64>,
) -> AppResult<(i64, Vec<Record>)> {
    let Actor::Customer { customer_id, .. } = &ctx.actor else {
        return Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for customers.",
            "此操作仅限客户。",
        ));
    };
    let cycle = parse_cycle("bill_cycle", bill_cycle)?;
    let (offset, limit) = filters::page(offset, limit, BILL_MAX_PAGE)?;
    let mut w = Conditions::new(1);
    w.add("r.customer_id = ?", Arg::Text(customer_id.clone()));
    w.add("r.bill_cycle = ?", Arg::Text(cycle.to_string()));
    filters.apply(cycle, &mut w)?;
    let (total, rows) = record_page(db.read(), &w, offset, limit).await?;
    Ok((total, rows))
}

/// A billing month as the operator sees it: closed (with what the close wrote) or still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthStatus {
    pub cycle: String,
    pub closed_at: Option<i64>,
    pub records: i64,
    /// Of those, the pay-per-use records: one per imported usage line.
    pub usage_lines: i64,
    /// Cents payable, net of refunds.
    pub payment: i64,
}

/// Every month with records, newest first, closed or open: operators only. A closed month's
/// figures are what its close wrote (`bill_months`, and its monthly bills for the usage lines);
/// an open month's are summed from its records.
pub async fn months(db: &Db, ctx: &Ctx) -> AppResult<Vec<MonthStatus>> {
    if !matches!(ctx.actor, Actor::Operator { .. } | Actor::System { .. }) {
        return Err(AppError::new(Code::NotAllowed));
    }
    let closed: Vec<(String, i64, i64, i64)> =
        sql::query_as("SELECT cycle, closed_at, records, payment_amount FROM bill_months")
            .fetch_all(db.read())
            .await?;
    let closed_usage: std::collections::HashMap<String, i64> = sql::query_as(
        "SELECT cycle, CAST(SUM(records) AS BIGINT) FROM monthly_bills WHERE charging_mode = $1 GROUP BY cycle",
    )
    .bind(bills::charging_mode::ON_DEMAND)
    .fetch_all(db.read())
    .await?
    .into_iter()
    .collect();
    let open: Vec<(String, i64, i64, i64)> = sql::query_as(
        "SELECT r.bill_cycle, COUNT(*), CAST(COALESCE(SUM(CASE WHEN r.charging_mode = $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(r.payment_amount), 0) AS BIGINT) FROM consumption_records r \
         WHERE NOT EXISTS (SELECT 1 FROM bill_months m WHERE m.cycle = r.bill_cycle) GROUP BY r.bill_cycle",
    )
    .bind(bills::charging_mode::ON_DEMAND)
    .fetch_all(db.read())
    .await?;
    let mut out: Vec<MonthStatus> = closed
        .into_iter()
        .map(|(cycle, at, records, payment)| MonthStatus {
            usage_lines: closed_usage.get(&cycle).copied().unwrap_or(0),
            cycle,
            closed_at: Some(at),
            records,
            payment,
        })
        .chain(
            open.into_iter()
                .map(|(cycle, records, usage_lines, payment)| MonthStatus {
                    cycle,
                    closed_at: None,
                    records,
                    usage_lines,
                    payment,
                }),
        )
        .collect();
    out.sort_by(|a, b| b.cycle.cmp(&a.cycle));
    Ok(out)
}

/// The records under `w` (conditions numbered from 1), newest first: the total and one page.
pub(super) async fn record_page(
    pool: &crate::store::ReadPool,
    w: &Conditions,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<Record>)> {
    let (total, rows) = filters::count_and_page(
        pool,
        &format!(
            "SELECT {RECORD_COLS}, {}",
            AMOUNT_COLS.map(|c| format!("r.{c}")).join(", ")
        ),
        "FROM consumption_records r",
        w,
        "r.trade_time DESC, r.id DESC",
        offset,
        limit,
    )
    .await?;
    Ok((total, rows.iter().map(row_to_record).collect()))
}
