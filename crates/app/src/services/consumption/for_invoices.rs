//! What invoicing (`services::invoices`) asks of the consumption records: the cash paid, by the
//! issuer each record's association names, customer, billing month and order. Coupons are not
//! invoiced (decision: the vendor invoices what was paid in cash; a voucher is its own gift), and
//! refunds are negative, so a month refunded after it was invoiced shows an amount owed.

use crate::error::AppResult;
use crate::store::filters::{bind_args, Arg, Conditions};
use crate::store::sql;

/// Cash paid in one customer's month, for one issuer (`''`: the vendor), on one order (`''`: not
/// an order, e.g. pay-per-use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashPaid {
    pub issuer_partner_id: String,
    pub customer_id: String,
    pub cycle: String,
    pub order_id: String,
    pub cash: i64,
}

/// A record's order as invoicing sees it: the order that charged it, `''` for pay-per-use.
const ORDER_OF: &str = "CASE WHEN order_type IS NOT NULL THEN trade_id ELSE '' END";

/// The cash a customer paid, by issuer, month and order: resale records are its partner's to
/// invoice, every other record the vendor's.
pub async fn cash_of_customer<'e>(
    exec: impl Into<sql::Exec<'e>>,
    customer_id: &str,
) -> AppResult<Vec<CashPaid>> {
    let rows = sql::query(&format!(
        "SELECT CASE WHEN association_type = 2 THEN partner_id ELSE '' END, customer_id, bill_cycle, \
         {ORDER_OF}, CAST(SUM(cash_amount) AS BIGINT) FROM consumption_records WHERE customer_id = $1 \
         GROUP BY CASE WHEN association_type = 2 THEN partner_id ELSE '' END, customer_id, bill_cycle, {ORDER_OF}"
    ))
    .bind(customer_id)
    .fetch_all(exec)
    .await?;
    Ok(rows.iter().map(row).collect())
}

/// The cash the resale customers of `partner_ids` paid while associated with them, by customer,
/// month and order (the vendor invoices it to the partner).
pub async fn cash_of_partners<'e>(
    exec: impl Into<sql::Exec<'e>>,
    partner_ids: &[String],
) -> AppResult<Vec<CashPaid>> {
    if partner_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Conditions::new(1);
    w.require("association_type = 2");
    w.add_in(
        "partner_id",
        partner_ids.iter().map(|p| Arg::Text(p.clone())),
    );
    let q = format!(
        "SELECT '', customer_id, bill_cycle, {ORDER_OF}, CAST(SUM(cash_amount) AS BIGINT) FROM consumption_records {} \
         GROUP BY customer_id, bill_cycle, {ORDER_OF}",
        w.where_clause()
    );
    let rows = bind_args(sql::query(&q), &w.args).fetch_all(exec).await?;
    Ok(rows.iter().map(row).collect())
}

fn row(r: &sql::Row) -> CashPaid {
    CashPaid {
        issuer_partner_id: r.get(0),
        customer_id: r.get(1),
        cycle: r.get(2),
        order_id: r.get(3),
        cash: r.get(4),
    }
}
