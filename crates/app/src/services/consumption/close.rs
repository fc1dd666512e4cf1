//! Closing billing months: the `bill-close` job, and the checks `verify` runs over closed months.
//!
//! A month closes once it has ended in the business time zone and the job runs: its records are
//! summed into `monthly_bills` (one line per customer, partner at charge time, service type,
//! resource type, charging mode and bill type) and the month is marked closed, in one
//! transaction per month, holding the month-close lock exclusively so that no record can be
//! written into it meanwhile (`billing_month`). A month already closed is skipped: running the
//! job twice changes nothing. Only months with records close; a month with none has nothing to
//! bill, and one that later receives a record (recorded late, with a moved clock) closes on the
//! next run.

use pc_domain::bills::BillCycle;
use pc_domain::Money;
use serde::Serialize;
use serde_json::json;

use super::reads::AMOUNT_COLS;
use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::coupons::{KIND_COUPON_REFUND, KIND_COUPON_USE};
use crate::services::funds::arrears;
use crate::services::orders::{KIND_ORDER_PAY, KIND_ORDER_REFUND};
use crate::store::{audit, locks, sql, Db, ReadPool};

/// A month the job closed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ClosedMonth {
    pub cycle: String,
    pub records: i64,
    /// What the month's records made payable, net of refunds.
    pub payment: Money,
    /// Bill lines written.
    pub bill_lines: i64,
}

/// The bill type of a record (1 consumption, 2 refund, 3 adjustment), by its detail type.
pub(crate) const BILL_TYPE_SQL: &str =
    "CASE WHEN r.bill_detail_type IN (4, 20, 24) THEN 2 WHEN r.bill_detail_type IN (9, 16) THEN 3 ELSE 1 END";

/// `bill-close`: closes every month before the current one (in the business time zone) that has
/// records and is not closed yet, oldest first. Operators and the command line only.
pub async fn close_months(db: &Db, ctx: Ctx) -> AppResult<Vec<ClosedMonth>> {
    if !matches!(ctx.actor, Actor::Operator { .. } | Actor::System { .. }) {
        return Err(AppError::new(Code::NotAllowed));
    }
    let current = BillCycle::of_ms(ctx.now_ms).to_string();
    let due: Vec<String> = sql::query_scalar(
        "SELECT DISTINCT r.bill_cycle FROM consumption_records r WHERE r.bill_cycle < $1 \
         AND NOT EXISTS (SELECT 1 FROM bill_months m WHERE m.cycle = r.bill_cycle) ORDER BY r.bill_cycle",
    )
    .bind(&current)
    .fetch_all(db.read())
    .await?;
    let mut closed = Vec::new();
    for cycle in due {
        let ctx = ctx.clone();
        let done = db
            .write(move |c| Box::pin(async move { close_one(c, &ctx, &cycle).await }))
            .await?;
        closed.extend(done);
    }
    Ok(closed)
}

async fn close_one(c: &mut sql::Conn, ctx: &Ctx, cycle: &str) -> AppResult<Option<ClosedMonth>> {
    locks::exclusive(c, locks::Named::BillMonths).await?;
    let already: Option<i64> = sql::query_scalar("SELECT 1 FROM bill_months WHERE cycle = $1")
        .bind(cycle)
        .fetch_optional(&mut *c)
        .await?;
    if already.is_some() {
        return Ok(None);
    }
    let sums = AMOUNT_COLS
        .map(|col| format!("CAST(SUM(r.{col}) AS BIGINT)"))
        .join(", ");
    let lines = sql::query(&format!(
        "INSERT INTO monthly_bills (cycle, customer_id, partner_id, service_type_code, resource_type_code, charging_mode, \
         bill_type, records, {}) \
         SELECT r.bill_cycle, r.customer_id, COALESCE(r.partner_id, ''), r.service_type_code, r.resource_type_code, \
         r.charging_mode, {BILL_TYPE_SQL}, COUNT(*), {sums} FROM consumption_records r WHERE r.bill_cycle = $1 \
         GROUP BY r.bill_cycle, r.customer_id, COALESCE(r.partner_id, ''), r.service_type_code, r.resource_type_code, \
         r.charging_mode, {BILL_TYPE_SQL}",
        AMOUNT_COLS.join(", ")
    ))
    .bind(cycle)
    .execute(&mut *c)
    .await?
    .rows_affected() as i64;
    let (records, payment): (i64, i64) = sql::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(payment_amount), 0) AS BIGINT) FROM consumption_records WHERE bill_cycle = $1",
    )
    .bind(cycle)
    .fetch_one(&mut *c)
    .await?;
    sql::query(
        "INSERT INTO bill_months (cycle, closed_at, records, payment_amount) VALUES ($1, $2, $3, $4)",
    )
    .bind(cycle)
    .bind(ctx.now_ms)
    .bind(records)
    .bind(payment)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "bills.close_month",
            target_kind: "bill_month",
            target_id: cycle,
            transfer_ids: &[],
            detail: json!({"records": records, "payment": Money::from_cents(payment).to_string(), "bill_lines": lines}),
        },
    )
    .await?;
    Ok(Some(ClosedMonth {
        cycle: cycle.to_string(),
        records,
        payment: Money::from_cents(payment),
        bill_lines: lines,
    }))
}

/// What `verify` checks of closed months, each problem one line:
/// - the month's bill lines add up to its records, amount by amount, and both to the count and
///   total the close wrote;
/// - the cash the records of the month's span say was paid (net of refunds) is what the ledger
///   moved for order payments and refunds in that span, and likewise for coupons.
pub async fn verify(pool: &ReadPool) -> AppResult<Vec<String>> {
    let mut problems = Vec::new();
    let months: Vec<(String, i64, i64)> =
        sql::query_as("SELECT cycle, records, payment_amount FROM bill_months ORDER BY cycle")
            .fetch_all(pool)
            .await?;
    let sums = |table: &str, count: &str| {
        format!(
            "SELECT {count}, {} FROM {table} r WHERE r.{} = $1",
            AMOUNT_COLS
                .map(|c| format!("CAST(COALESCE(SUM(r.{c}), 0) AS BIGINT)"))
                .join(", "),
            if table == "monthly_bills" {
                "cycle"
            } else {
                "bill_cycle"
            }
        )
    };
    let read = |r: &sql::Row| -> Vec<i64> { (0..11).map(|i| r.get::<i64, _>(i)).collect() };
    for (cycle, records, payment) in months {
        let from_records = sql::query(&sums("consumption_records", "COUNT(*)"))
            .bind(&cycle)
            .fetch_one(pool)
            .await?;
        let from_bills = sql::query(&sums(
            "monthly_bills",
            "CAST(COALESCE(SUM(r.records), 0) AS BIGINT)",
        ))
        .bind(&cycle)
        .fetch_one(pool)
        .await?;
        let (rec, bill) = (read(&from_records), read(&from_bills));
        if rec != bill {
            problems.push(format!(
                "bills of {cycle}: the bill lines {bill:?} do not add up to the records {rec:?} (count, then amounts)"
            ));
        }
        if rec[0] != records || rec[3] != payment {
            problems.push(format!(
                "bills of {cycle}: closed with {records} records paying {payment} cents, the records now say {} and {}",
                rec[0], rec[3]
            ));
        }
        let Some(c) = BillCycle::parse(&cycle) else {
            problems.push(format!("bills: {cycle:?} is not a month"));
            continue;
        };
        let (start, end) = c.span_ms();
        let (cash, coupons, debt): (i64, i64, i64) = sql::query_as(
            "SELECT CAST(COALESCE(SUM(cash_amount), 0) AS BIGINT), \
             CAST(COALESCE(SUM(coupon_amount + flexipurchase_coupon_amount), 0) AS BIGINT), \
             CAST(COALESCE(SUM(debt_amount), 0) AS BIGINT) \
             FROM consumption_records WHERE trade_time >= $1 AND trade_time < $2",
        )
        .bind(start)
        .bind(end)
        .fetch_one(pool)
        .await?;
        let ledger = crate::store::ledger::net_by_kinds(pool, start, end).await?;
        let kind = |k: &str| ledger.get(k).copied().unwrap_or(0);
        let moved_cash =
            kind(KIND_ORDER_PAY) - kind(KIND_ORDER_REFUND) + kind(arrears::KIND_USAGE_PAY);
        let moved_debt = kind(arrears::KIND_USAGE_DEBT);
        if debt != moved_debt {
            problems.push(format!(
                "bills of {cycle}: records say {debt} cents charged in arrears, the ledger moved {moved_debt}"
            ));
        }
        let moved_coupons = ledger.get(KIND_COUPON_USE).copied().unwrap_or(0)
            - ledger.get(KIND_COUPON_REFUND).copied().unwrap_or(0);
        if cash != moved_cash {
            problems.push(format!(
                "bills of {cycle}: records say {cash} cents of cash paid net, the ledger moved {moved_cash}"
            ));
        }
        if coupons != moved_coupons {
            problems.push(format!(
                "bills of {cycle}: records say {coupons} cents paid by coupons net, the ledger moved {moved_coupons}"
            ));
        }
    }
    Ok(problems)
}
