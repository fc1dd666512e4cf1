//! A customer's own reads over its consumption records, beside [`super::reads`]: the resource
//! consumption records (`list_customerself_resource_records`), the resource details
//! (`list_customerself_resource_record_details`), and the month's amortized cost by resource
//! (`list_customer_bills_monthly_break_down`).
//!
//! Every read takes the customer from `ctx.actor` (anyone else: `CBC.0155`) and sees all of its
//! own records, whoever its partner was. There are no enterprise sub-customers here, so every
//! `method` (`oneself`, `sub_customer`, `all`) reads the customer's own records, as
//! `show_customer_monthly_sum` does.
//!
//! **Statistic types** (decision where the vendor is silent on the grouping): `3` lists the
//! records one by one; `1` (by billing month) sums them by resource — service type, resource
//! type, region, charging mode, bill type, resource id and name, product and period type; `2`
//! (by day) by the same and the UTC+8 day of the charge.

use pc_domain::bills::{self, BillCycle};
use pc_domain::timefmt;

use super::reads::{
    grouped_page, nonempty, parse_cycle, record_page, Amounts, Record, RecordFilters, AMOUNT_COLS,
    BILL_MAX_PAGE,
};
use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::store::filters::{self, Arg, Conditions};
use crate::store::{sql, Db};

const DAY_MS: i64 = 86_400_000;
/// UTC+8, the business time zone's offset.
const CN_OFFSET_MS: i64 = 8 * 3_600_000;

/// The acting customer, or `CBC.0155`.
fn acting_customer(ctx: &Ctx) -> AppResult<&str> {
    match &ctx.actor {
        Actor::Customer { customer_id, .. } => Ok(customer_id),
        _ => Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for customers.",
            "此操作仅限客户。",
        )),
    }
}

/// `method`: `oneself`, `sub_customer` or `all` (absent or blank: `all`).
fn check_method(method: Option<&str>) -> AppResult<()> {
    match nonempty(method) {
        None | Some("oneself" | "sub_customer" | "all") => Ok(()),
        Some(_) => Err(AppError::invalid_tr(
            "method must be oneself, sub_customer or all",
            "method 必须是 oneself、sub_customer 或 all。",
        )),
    }
}

/// How records are summed ([`ResourceQuery::statistic_type`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    /// `1`: by billing month, one line per resource.
    Cycle,
    /// `2`: by day, one line per resource and day.
    Day,
    /// `3`: the records themselves.
    Detail,
}

impl Statistic {
    /// The wire code, `default` when absent.
    pub fn parse(v: Option<i64>, default: Statistic) -> AppResult<Statistic> {
        match v {
            None => Ok(default),
            Some(1) => Ok(Statistic::Cycle),
            Some(2) => Ok(Statistic::Day),
            Some(3) => Ok(Statistic::Detail),
            Some(_) => Err(AppError::invalid_tr(
                "statistic_type must be 1, 2 or 3",
                "statistic_type 必须是 1、2 或 3。",
            )),
        }
    }
}

/// The resource reads' request, as sent: the month, the record filters (`bill_date_begin` and
/// `bill_date_end` apply to statistic types 2 and 3 only, as the vendor documents), the statistic
/// type and the page.
#[derive(Debug, Clone)]
pub struct ResourceQuery {
    pub cycle: Option<String>,
    pub filters: RecordFilters,
    pub method: Option<String>,
    pub statistic: Statistic,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// One line of a resource read: a record (statistic type 3), or the sum of a resource's records
/// in the month or in one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceLine {
    pub customer_id: String,
    pub bill_cycle: String,
    /// The UTC+8 day (`YYYY-MM-DD`) of a day's sum or of a record.
    pub bill_date: Option<String>,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub region: String,
    pub charging_mode: i64,
    pub bill_detail_type: i64,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub product_id: Option<String>,
    pub product_spec_desc: String,
    pub period_type: Option<i64>,
    /// The record itself (statistic type 3 only).
    pub record: Option<Record>,
    pub amounts: Amounts,
}

impl ResourceLine {
    fn of_record(r: Record) -> ResourceLine {
        ResourceLine {
            customer_id: r.customer_id.clone(),
            bill_cycle: r.bill_cycle.clone(),
            bill_date: Some(timefmt::format_date(timefmt::cn_date(r.trade_time))),
            service_type_code: r.service_type_code.clone(),
            resource_type_code: r.resource_type_code.clone(),
            region: r.region.clone(),
            charging_mode: r.charging_mode,
            bill_detail_type: r.bill_detail_type,
            resource_id: r.resource_id.clone(),
            resource_name: r.resource_name.clone(),
            product_id: r.product_id.clone(),
            product_spec_desc: r.product_spec_desc.clone(),
            period_type: r.period_type,
            amounts: r.amounts,
            record: Some(r),
        }
    }
}

/// The columns a resource's sum is grouped by, in the order [`grouped_line`] reads them.
const GROUP_COLS: &str = "r.customer_id, r.bill_cycle, r.service_type_code, r.resource_type_code, r.region, r.charging_mode, \
     r.bill_detail_type, r.resource_id, r.resource_name, r.product_id, r.product_spec_desc, r.period_type";
/// The UTC+8 day of a record, as whole days since 1970-01-01.
const DAY_SQL: &str = "CAST((r.trade_time + 28800000) / 86400000 AS BIGINT)";

fn grouped_line(r: &sql::Row, by_day: bool) -> ResourceLine {
    let day: Option<i64> = if by_day { Some(r.get(12)) } else { None };
    let from = if by_day { 13 } else { 12 };
    ResourceLine {
        customer_id: r.get(0),
        bill_cycle: r.get(1),
        bill_date: day.map(|d| timefmt::format_date(timefmt::cn_date(d * DAY_MS - CN_OFFSET_MS))),
        service_type_code: r.get(2),
        resource_type_code: r.get(3),
        region: r.get(4),
        charging_mode: r.get(5),
        bill_detail_type: r.get(6),
        resource_id: r.get(7),
        resource_name: r.get(8),
        product_id: r.get(9),
        product_spec_desc: r.get(10),
        period_type: r.get(11),
        record: None,
        amounts: Amounts::from_row(r, from),
    }
}

/// The acting customer's resource consumption in one month under the filters, by the
/// statistic type asked: the total and one page (at most [`BILL_MAX_PAGE`]). Records come
/// newest first; sums by service type, resource type and resource (days newest first).
pub async fn resource_records(
    db: &Db,
    ctx: &Ctx,
    q: &ResourceQuery,
) -> AppResult<(i64, Vec<ResourceLine>)> {
    let customer_id = acting_customer(ctx)?;
    check_method(q.method.as_deref())?;
    let cycle = parse_cycle("cycle", q.cycle.as_deref())?;
    let (offset, limit) = filters::page(q.offset, q.limit, BILL_MAX_PAGE)?;
    let mut f = q.filters.clone();
    if q.statistic == Statistic::Cycle {
        f.bill_date_begin = None;
        f.bill_date_end = None;
    }
    let mut w = Conditions::new(1);
    w.add("r.customer_id = ?", Arg::Text(customer_id.to_string()));
    w.add("r.bill_cycle = ?", Arg::Text(cycle.to_string()));
    f.apply(cycle, &mut w)?;
    let pool = db.read();
    if q.statistic == Statistic::Detail {
        let (total, records) = record_page(pool, &w, offset, limit).await?;
        return Ok((
            total,
            records.into_iter().map(ResourceLine::of_record).collect(),
        ));
    }
    let by_day = q.statistic == Statistic::Day;
    let keys = if by_day {
        format!("{GROUP_COLS}, {DAY_SQL}")
    } else {
        GROUP_COLS.to_string()
    };
    let sums = AMOUNT_COLS
        .map(|c| format!("CAST(SUM(r.{c}) AS BIGINT)"))
        .join(", ");
    let grouped = format!(
        "SELECT {keys}, {sums} FROM consumption_records r {} GROUP BY {keys}",
        w.where_clause()
    );
    let total: i64 = filters::bind_scalar_args(
        sql::query_scalar(&format!("SELECT COUNT(*) FROM ({grouped}) g")),
        &w.args,
    )
    .fetch_one(pool)
    .await?;
    // Service type, resource type, resource id, bill type (and the day first, newest first).
    let order = if by_day {
        "13 DESC, 3, 4, 8, 7"
    } else {
        "3, 4, 8, 7"
    };
    let rows = grouped_page(pool, &grouped, &w, order, offset, limit).await?;
    Ok((
        total,
        rows.iter().map(|r| grouped_line(r, by_day)).collect(),
    ))
}

/// `list_customerself_resource_record_details`' `query_type` and its day range: `BILLCYCLE` the
/// whole month (the default), `DAILY` the days from `bill_cycle_begin` to `bill_cycle_end`
/// (both required, within the month; statistic types 2 and 3 only). Fills the range into
/// `filters`.
pub fn detail_days(
    query_type: Option<&str>,
    statistic: Statistic,
    begin: Option<String>,
    end: Option<String>,
    filters: &mut RecordFilters,
) -> AppResult<()> {
    match nonempty(query_type) {
        None | Some("BILLCYCLE") => Ok(()),
        Some("DAILY") => {
            if statistic == Statistic::Cycle {
                return Err(AppError::invalid_tr(
                    "query_type DAILY needs statistic_type 2 or 3",
                    "query_type 为 DAILY 时，statistic_type 须为 2 或 3。",
                ));
            }
            if nonempty(begin.as_deref()).is_none() || nonempty(end.as_deref()).is_none() {
                return Err(AppError::invalid_tr(
                    "bill_cycle_begin and bill_cycle_end are required with query_type DAILY",
                    "query_type 为 DAILY 时，bill_cycle_begin 和 bill_cycle_end 必填。",
                ));
            }
            filters.bill_date_begin = begin;
            filters.bill_date_end = end;
            Ok(())
        }
        Some(_) => Err(AppError::invalid_tr(
            "query_type must be BILLCYCLE or DAILY",
            "query_type 必须是 BILLCYCLE 或 DAILY。",
        )),
    }
}

/// `payer_account_id` of a customer's read: absent, or the customer itself.
pub fn check_payer(ctx: &Ctx, payer_account_id: Option<&str>) -> AppResult<()> {
    let me = acting_customer(ctx)?;
    match nonempty(payer_account_id) {
        Some(p) if p != me => Err(AppError::invalid_tr(
            "payer_account_id must be your own customer id",
            "payer_account_id 必须是您自己的客户 ID。",
        )),
        _ => Ok(()),
    }
}

// ----------------------------------------------------------------------------------------------
// The month's amortized cost

/// `list_customer_bills_monthly_break_down`'s request, as sent.
#[derive(Debug, Clone, Default)]
pub struct BreakdownQuery {
    pub shared_month: Option<String>,
    pub filters: RecordFilters,
    pub method: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// One charge's cost as one month sees it (`pc_domain::bills::amortize`): what it charged in all,
/// what earlier months took, the month's share, what later months will take, and what paid the
/// month's share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostLine {
    pub record: Record,
    pub shared_month: String,
    pub consume: i64,
    pub past: i64,
    pub current: i64,
    pub future: i64,
    /// The month's share of each means of payment: cash, credit, vouchers, cash coupons,
    /// stored-value card.
    pub cash: i64,
    pub credit: i64,
    pub vouchers: i64,
    pub cash_coupons: i64,
    pub stored_card: i64,
}

/// A record's billing month as a month number (`year × 12 + month − 1`), in SQL.
const START_SQL: &str = "(CAST(SUBSTR(r.bill_cycle, 1, 4) AS BIGINT) * 12 + CAST(SUBSTR(r.bill_cycle, 6, 2) AS BIGINT) - 1)";
/// [`bills::amortization_months`] in SQL: the months a record's cost is spread over.
const SPAN_SQL: &str = "(CASE WHEN r.bill_detail_type IN (4, 20, 24) THEN 1 \
     WHEN r.period_type = 19 THEN 12 * (CASE WHEN r.period_num > 1 THEN r.period_num ELSE 1 END) \
     WHEN r.period_type = 20 THEN (CASE WHEN r.period_num > 1 THEN r.period_num ELSE 1 END) ELSE 1 END)";

/// The share of `record` that `month` bears, by means of payment; the consumption net of them
/// (debt, write-offs) is spread likewise, so the parts add up to the record's payable amount.
fn cost_line(record: Record, month: BillCycle) -> CostLine {
    let months = bills::amortization_months(
        record.bill_detail_type,
        record.period_type,
        record.period_num,
    );
    let index = BillCycle::parse(&record.bill_cycle)
        .map(|start| month.months_after(start))
        .unwrap_or(0);
    let a = record.amounts;
    let paid = [a.cash, a.credit, a.vouchers, a.cash_coupons, a.stored_card];
    let rest = a.payment - paid.iter().sum::<i64>();
    let shares: Vec<bills::Amortized> = paid
        .iter()
        .chain(std::iter::once(&rest))
        .map(|&x| bills::amortize(x, months, index))
        .collect();
    let sum = |f: fn(&bills::Amortized) -> i64| shares.iter().map(f).sum::<i64>();
    CostLine {
        shared_month: month.to_string(),
        consume: a.payment,
        past: sum(|s| s.past),
        current: sum(|s| s.current),
        future: sum(|s| s.future),
        cash: shares[0].current,
        credit: shares[1].current,
        vouchers: shares[2].current,
        cash_coupons: shares[3].current,
        stored_card: shares[4].current,
        record,
    }
}

/// The acting customer's cost in `shared_month` (one of the last 18 months), by charge: every
/// record whose cost is spread over that month, newest first, with the month's share. The
/// filters are the record lists' (`bill_date_begin`/`bill_date_end` aside).
pub async fn monthly_breakdown(
    db: &Db,
    ctx: &Ctx,
    q: &BreakdownQuery,
) -> AppResult<(i64, Vec<CostLine>)> {
    let customer_id = acting_customer(ctx)?;
    check_method(q.method.as_deref())?;
    let month = parse_cycle("shared_month", q.shared_month.as_deref())?;
    if !bills::within_detail_window(month, ctx.now_ms) {
        return Err(AppError::invalid_tr(
            format!(
                "shared_month must be one of the last {} months",
                bills::DETAIL_WINDOW_MONTHS
            ),
            format!(
                "shared_month 必须是最近 {} 个月之一。",
                bills::DETAIL_WINDOW_MONTHS
            ),
        ));
    }
    let (offset, limit) = filters::page(q.offset, q.limit, BILL_MAX_PAGE)?;
    let mut f = q.filters.clone();
    f.bill_date_begin = None;
    f.bill_date_end = None;
    let mut w = Conditions::new(1);
    w.add("r.customer_id = ?", Arg::Text(customer_id.to_string()));
    let number = month.year() as i64 * 12 + month.month() as i64 - 1;
    w.add(
        &format!("({START_SQL} <= ? AND {START_SQL} + {SPAN_SQL} > ?)"),
        Arg::Int(number),
    );
    f.apply(month, &mut w)?;
    let (total, records) = record_page(db.read(), &w, offset, limit).await?;
    Ok((
        total,
        records.into_iter().map(|r| cost_line(r, month)).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(cycle: &str, detail_type: i64, period: Option<(i64, i64)>, a: Amounts) -> Record {
        Record {
            id: "CR1".into(),
            customer_id: "c".into(),
            partner_id: None,
            association_type: None,
            bill_cycle: cycle.into(),
            trade_time: 0,
            consume_time: 0,
            trade_id: "o".into(),
            order_type: Some(1),
            bill_detail_type: detail_type,
            charging_mode: 1,
            service_type_code: "s".into(),
            resource_type_code: "t".into(),
            region: "r".into(),
            product_id: None,
            product_spec_desc: String::new(),
            resource_id: None,
            resource_name: None,
            period_type: period.map(|p| p.0),
            period_num: period.map(|p| p.1),
            late_from: None,
            amounts: a,
        }
    }

    #[test]
    fn a_quarter_is_spread_over_three_months_by_means_of_payment() {
        // 100.00 for 3 months: 90.00 cash, 10.00 vouchers.
        let a = Amounts {
            official: 10_000,
            payment: 10_000,
            cash: 9_000,
            vouchers: 1_000,
            ..Default::default()
        };
        let r = record("2026-10", 1, Some((20, 3)), a);
        let nov = cost_line(r.clone(), BillCycle::parse("2026-11").unwrap());
        assert_eq!((nov.past, nov.current, nov.future), (3334, 3333, 3333));
        assert_eq!((nov.cash, nov.vouchers), (3000, 333));
        assert_eq!(nov.cash + nov.vouchers, nov.current);
        let oct = cost_line(r.clone(), BillCycle::parse("2026-10").unwrap());
        assert_eq!((oct.past, oct.current, oct.future), (0, 3334, 6666));
        let after = cost_line(r, BillCycle::parse("2027-01").unwrap());
        assert_eq!((after.past, after.current, after.future), (10_000, 0, 0));
        // A refund stands whole in its month.
        let refund = Amounts {
            payment: -2_000,
            cash: -2_000,
            ..Default::default()
        };
        let r = record("2026-11", 4, Some((20, 3)), refund);
        let nov = cost_line(r, BillCycle::parse("2026-11").unwrap());
        assert_eq!(
            (nov.past, nov.current, nov.future, nov.cash),
            (0, -2_000, 0, -2_000)
        );
    }
}
