//! Income and expense: the records of a partner's cash account, as
//! `list_partner_account_change_records` lists them, and one transfer seen from it (the
//! console's confirmations).

use pc_domain::funds::{self as rules, kind, BalanceType, Direction, KindFilter, TradeType};
use pc_domain::ledger::AccountKind;
use pc_domain::party::AssociationType;
use pc_domain::{timefmt, Money};

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::{customers, customers::association, partners};
use crate::store::filters::{bind_args, bind_scalar_args, Arg, Conditions};
use crate::store::sql;
use crate::store::{ledger, Db};

use super::{acting_partner, cash_owner, partner_caller};

/// The filters of `list_partner_account_change_records` (the vendor's API reference), parsed.
#[derive(Debug, Clone)]
pub struct ChangeRecordQuery {
    pub balance_type: BalanceType,
    pub trade_type: Option<TradeType>,
    /// First UTC+8 day, inclusive.
    pub begin: time::Date,
    /// Last UTC+8 day, inclusive.
    pub end: time::Date,
    pub indirect_partner_id: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// The filters of `list_partner_account_change_records` as they came (the use case parses them,
/// after refusing a customer, so a customer's key always gets its refusal).
#[derive(Debug, Clone, Default)]
pub struct ChangeRecordFilters {
    pub balance_type: Option<String>,
    pub trade_type: Option<String>,
    pub trade_time_begin: Option<String>,
    pub trade_time_end: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub indirect_partner_id: Option<String>,
}

/// Largest page of income/expense records.
pub const MAX_RECORDS_PAGE: i64 = 100;

impl ChangeRecordQuery {
    /// Parses the raw wire values; every error names its field. Dates are `YYYY-MM-DD` in UTC+8;
    /// the defaults are the vendor's: from the same day a year ago to today.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        balance_type: Option<String>,
        trade_type: Option<String>,
        trade_time_begin: Option<String>,
        trade_time_end: Option<String>,
        offset: Option<i64>,
        limit: Option<i64>,
        indirect_partner_id: Option<String>,
        now_ms: i64,
    ) -> AppResult<ChangeRecordQuery> {
        let nz = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
        let balance_type = match nz(balance_type) {
            None => {
                return Err(AppError::invalid_tr(
                    "balance_type is required",
                    "balance_type 必填。",
                ))
            }
            Some(s) => BalanceType::parse(&s).ok_or_else(|| {
                AppError::invalid_tr(
                    "balance_type must be BALANCE_TYPE_DEBIT or BALANCE_TYPE_CREDIT",
                    "balance_type 须为 BALANCE_TYPE_DEBIT 或 BALANCE_TYPE_CREDIT。",
                )
            })?,
        };
        let trade_type = match nz(trade_type) {
            None => None,
            Some(s) => Some(TradeType::parse(&s).ok_or_else(|| {
                AppError::invalid_tr(
                    format!("trade_type {s:?} is not a known trade type"),
                    format!("trade_type {s:?} 不是已知的交易类型。"),
                )
            })?),
        };
        let date = |field: &str, v: Option<String>| -> AppResult<Option<time::Date>> {
            match nz(v) {
                None => Ok(None),
                Some(s) => timefmt::parse_date(&s).map(Some).ok_or_else(|| {
                    AppError::invalid_tr(
                        format!("{field} must be a date like 2017-10-21"),
                        format!("{field} 须为日期，例如 2017-10-21。"),
                    )
                }),
            }
        };
        let today = timefmt::cn_date(now_ms);
        let end = date("trade_time_end", trade_time_end)?.unwrap_or(today);
        let begin = date("trade_time_begin", trade_time_begin)?
            .unwrap_or_else(|| timefmt::one_year_before(today));
        if begin > end {
            return Err(AppError::invalid_tr(
                "trade_time_begin must not be after trade_time_end",
                "trade_time_begin 不能晚于 trade_time_end。",
            ));
        }
        let (offset, limit) = crate::store::filters::page(offset, limit, MAX_RECORDS_PAGE)?;
        Ok(ChangeRecordQuery {
            balance_type,
            trade_type,
            begin,
            end,
            indirect_partner_id: nz(indirect_partner_id),
            offset,
            limit,
        })
    }
}

/// One income/expense record of a partner's cash account: one ledger transfer seen from it.
#[derive(Debug, Clone)]
pub struct ChangeRecord {
    pub transfer_id: String,
    pub kind: String,
    pub at_ms: i64,
    pub direction: Direction,
    /// Signed: income positive, expense negative.
    pub change: Money,
    pub balance_after: Money,
    /// The customer or partner on the other side (none for operator credits).
    pub counterparty_id: Option<String>,
    /// Its account name (customer) or name (partner).
    pub counterparty_name: Option<String>,
    pub memo: Option<String>,
}

impl ChangeRecord {
    /// What the record is for, as a customer's records name it: the order (payments, refunds) or
    /// top-up request its transfer carries, else the transfer itself.
    pub fn trade_ref(&self) -> &str {
        self.memo.as_deref().unwrap_or(&self.transfer_id)
    }
    /// `payment_channel_id` of the record ([`rules::payment_channel`]).
    pub fn payment_channel(&self) -> &'static str {
        rules::payment_channel(&self.kind)
    }
    pub fn trade_type(&self) -> TradeType {
        rules::classify(&self.kind).0
    }
    pub fn trade_detail_type(&self) -> &'static str {
        rules::classify(&self.kind).1
    }
}

/// One page of income/expense records and the filters it was read with (the console shows them).
#[derive(Debug, Clone)]
pub struct ChangeRecords {
    pub total: i64,
    pub records: Vec<ChangeRecord>,
    pub query: ChangeRecordQuery,
}

/// `list_partner_account_change_records`: the acting partner's (or its reseller's) income and
/// expense, newest first, with the total count. A credit account has no records (none is ever
/// granted). A customer's own key is refused first: a resale customer with the vendor's
/// `CBC.99000084`, any other customer as not a partner.
pub async fn change_records(
    db: &Db,
    ctx: &Ctx,
    f: ChangeRecordFilters,
) -> AppResult<ChangeRecords> {
    if let Actor::Customer { customer_id, .. } = &ctx.actor {
        return Err(customer_records_refusal(db, customer_id).await);
    }
    let caller_id = partner_caller(ctx)?;
    let q = ChangeRecordQuery::parse(
        f.balance_type,
        f.trade_type,
        f.trade_time_begin,
        f.trade_time_end,
        f.offset,
        f.limit,
        f.indirect_partner_id,
        ctx.now_ms,
    )?;
    let (total, records) = records_page(db, caller_id, &q).await?;
    Ok(ChangeRecords {
        total,
        records,
        query: q,
    })
}

async fn records_page(
    db: &Db,
    caller_id: &str,
    q: &ChangeRecordQuery,
) -> AppResult<(i64, Vec<ChangeRecord>)> {
    let mut conn = db.read().acquire().await?;
    let p = acting_partner(&mut conn, caller_id, q.indirect_partner_id.as_deref()).await?;
    if q.balance_type == BalanceType::Credit {
        return Ok((0, Vec::new()));
    }
    let page = AccountPage {
        account: ledger::account_id(AccountKind::PartnerCash, &p.id),
        from_ms: timefmt::cn_day_start_ms(q.begin),
        to_ms: timefmt::cn_day_start_ms(q.end.next_day().unwrap_or(q.end)),
        trade_type: q.trade_type,
        direction: None,
        trade_id: None,
        channels: None,
        offset: q.offset,
        limit: q.limit,
    };
    account_records(&mut conn, &page).await
}

/// One page of one cash account's records: the transfers that moved it in `[from_ms, to_ms)`,
/// under the filters set, newest first.
struct AccountPage {
    account: String,
    from_ms: i64,
    to_ms: i64,
    trade_type: Option<TradeType>,
    /// Income or expense only.
    direction: Option<Direction>,
    /// The order, top-up or transfer the record is for ([`ChangeRecord::trade_ref`]).
    trade_id: Option<String>,
    /// The payment channels asked for (`payment_channel_id`, [`rules::payment_channel`]).
    channels: Option<Vec<String>>,
    offset: i64,
    limit: i64,
}

async fn account_records(
    conn: &mut sql::Conn,
    q: &AccountPage,
) -> AppResult<(i64, Vec<ChangeRecord>)> {
    let mut w = Conditions::new(1);
    // `$1` is the account throughout (the join below names it again).
    w.add(
        "(t.from_account = ? OR t.to_account = ?)",
        Arg::Text(q.account.clone()),
    );
    w.add("t.created_at >= ?", Arg::Int(q.from_ms));
    w.add("t.created_at < ?", Arg::Int(q.to_ms));
    match q.trade_type.map(rules::kinds_of) {
        None => {}
        Some(KindFilter::Only(v)) if v.is_empty() => return Ok((0, Vec::new())),
        Some(KindFilter::Only(v)) => w.add_in("t.kind", v.into_iter().map(|k| Arg::Text(k.into()))),
        Some(KindFilter::AllBut(v)) => {
            let marks: Vec<String> = (0..v.len()).map(|i| format!("${}", w.next() + i)).collect();
            w.sql
                .push_str(&format!(" AND t.kind NOT IN ({})", marks.join(", ")));
            w.args.extend(v.into_iter().map(|k| Arg::Text(k.into())));
        }
    }
    match q.direction {
        None => {}
        Some(Direction::Income) => w.require("t.to_account = $1"),
        Some(Direction::Expense) => w.require("t.from_account = $1"),
    }
    if let Some(id) = &q.trade_id {
        w.add("(t.memo = ? OR t.id = ?)", Arg::Text(id.clone()));
    }
    if let Some(channels) = &q.channels {
        let topup = channels
            .iter()
            .any(|c| c == rules::payment_channel(kind::CUSTOMER_TOPUP));
        let other = channels
            .iter()
            .any(|c| c == rules::payment_channel(kind::ORDER_PAY));
        match (topup, other) {
            (true, true) => {}
            (true, false) => w.add("t.kind = ?", Arg::Text(kind::CUSTOMER_TOPUP.into())),
            (false, true) => w.add("t.kind <> ?", Arg::Text(kind::CUSTOMER_TOPUP.into())),
            (false, false) => return Ok((0, Vec::new())),
        }
    }
    let where_ = format!("FROM ledger_transfers t {}", w.where_clause());
    let total = bind_scalar_args(
        sql::query_scalar::<i64>(&format!("SELECT COUNT(*) {where_}")),
        &w.args,
    )
    .fetch_one(&mut *conn)
    .await?;
    let n = w.next();
    let sql = format!(
        "SELECT t.id, t.kind, t.created_at, t.amount, t.from_account, t.from_balance_after, t.to_balance_after, t.memo, \
         o.kind, o.owner_id \
         FROM ({sel} {where_} ORDER BY t.seq DESC LIMIT ${n} OFFSET ${o}) t \
         JOIN ledger_accounts o ON o.id = CASE WHEN t.from_account = $1 THEN t.to_account ELSE t.from_account END \
         ORDER BY t.seq DESC",
        sel = "SELECT t.seq, t.id, t.kind, t.created_at, t.amount, t.from_account, t.to_account, \
               t.from_balance_after, t.to_balance_after, t.memo",
        o = n + 1,
    );
    let rows = bind_args(sql::query(&sql), &w.args)
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(&mut *conn)
        .await?;
    let account = &q.account;
    // The other side's name, looked up once per page from its owner (customers, partners).
    let sides: Vec<(Option<AccountKind>, String)> = rows
        .iter()
        .map(|r| (AccountKind::parse(&r.get::<String, _>(8)), r.get(9)))
        .collect();
    let owners = |kind: AccountKind| -> Vec<&str> {
        sides
            .iter()
            .filter(|(k, _)| *k == Some(kind))
            .map(|(_, o)| o.as_str())
            .collect()
    };
    let customer_names =
        customers::lookup::names(&mut *conn, &owners(AccountKind::CustomerCash)).await?;
    let partner_names =
        partners::lookup::names(&mut *conn, &owners(AccountKind::PartnerCash)).await?;
    let list = rows
        .into_iter()
        .map(|r| {
            let from: String = r.get(4);
            let amount = Money::from_cents(r.get(3));
            let (direction, after) = if &from == account {
                (Direction::Expense, r.get::<i64, _>(5))
            } else {
                (Direction::Income, r.get::<i64, _>(6))
            };
            let other_kind: String = r.get(8);
            let other_owner: String = r.get(9);
            let (counterparty_id, counterparty_name) = match AccountKind::parse(&other_kind) {
                Some(AccountKind::CustomerCash) => {
                    let name = customer_names.get(&other_owner).cloned();
                    (Some(other_owner), name)
                }
                Some(AccountKind::PartnerCash) => {
                    let name = partner_names.get(&other_owner).map(|p| p.name.clone());
                    (Some(other_owner), name)
                }
                _ => (None, None),
            };
            ChangeRecord {
                transfer_id: r.get(0),
                kind: r.get(1),
                at_ms: r.get(2),
                direction,
                change: direction.signed(amount),
                balance_after: Money::from_cents(after),
                counterparty_id,
                counterparty_name,
                memo: r.get(7),
            }
        })
        .collect();
    Ok((total, list))
}

/// The filters of `list_customer_account_change_records` as they came.
#[derive(Debug, Clone, Default)]
pub struct CustomerRecordFilters {
    pub balance_type: Option<String>,
    pub revenue_expense_type: Option<String>,
    pub trade_type: Option<String>,
    pub trade_time_begin: Option<String>,
    pub trade_time_end: Option<String>,
    pub trade_id: Option<String>,
    /// Comma-separated channel codes.
    pub payment_channel_id: Option<String>,
    pub payment_channel_no: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// A page of a customer's own income and expense.
#[derive(Debug, Clone)]
pub struct CustomerRecords {
    pub total: i64,
    pub records: Vec<ChangeRecord>,
    /// The customer's account name (each record's `account_name`).
    pub account_name: Option<String>,
}

/// `list_customer_account_change_records`: the acting customer's own cash account records,
/// newest first. Anyone but a customer gets `CBC.0155`; a resale (代售) customer, whose balance
/// is its partner's allocation, the vendor's `CBC.99000049` (the operation "does not apply to
/// partners' resale customers"). The filters are the partner's operation's (dates in UTC+8,
/// a year back by default, pages of at most [`MAX_RECORDS_PAGE`]) and: `revenue_expense_type`
/// (`REVENUE`/`EXPENSE`, never blank), `trade_type` with the customer's `EXPIRED` and `DEPOSIT`
/// (none here), `trade_id` (the order, top-up request or transfer id a record shows),
/// `payment_channel_id` (comma-separated; `2` bank transfer is an offline top-up, `0` no channel
/// every other movement) and `payment_channel_no` (no movement here has a channel serial number,
/// so a value finds nothing). A credit account has no records (none is ever granted).
pub async fn customer_change_records(
    db: &Db,
    ctx: &Ctx,
    f: CustomerRecordFilters,
) -> AppResult<CustomerRecords> {
    let Actor::Customer { customer_id, .. } = &ctx.actor else {
        return Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for customers.",
            "此操作仅限客户。",
        ));
    };
    let mut conn = db.read().acquire().await?;
    if association::current(&mut *conn, customer_id)
        .await?
        .is_some_and(|a| a.association_type == AssociationType::Resale)
    {
        return Err(AppError::new(Code::ResaleCustomerNoAccount));
    }
    let nz = |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let direction = match f.revenue_expense_type {
        None => None,
        Some(s) => Some(Direction::parse_revenue_expense(s.trim()).ok_or_else(|| {
            AppError::invalid_tr(
                "revenue_expense_type must be REVENUE or EXPENSE",
                "revenue_expense_type 须为 REVENUE 或 EXPENSE。",
            )
        })?),
    };
    let trade_type = match nz(f.trade_type) {
        None => None,
        Some(s) => Some(TradeType::parse_customer(&s).ok_or_else(|| {
            AppError::invalid_tr(
                format!("trade_type {s:?} is not a known trade type"),
                format!("trade_type {s:?} 不是已知的交易类型。"),
            )
        })?),
    };
    // The partner's rules for the rest (balance type, dates, page), its trade type aside.
    let q = ChangeRecordQuery::parse(
        f.balance_type,
        None,
        f.trade_time_begin,
        f.trade_time_end,
        f.offset,
        f.limit,
        None,
        ctx.now_ms,
    )?;
    let channels = match nz(f.payment_channel_id) {
        None => None,
        Some(s) => {
            let list: Vec<String> = s.split(',').map(|c| c.trim().to_string()).collect();
            if list
                .iter()
                .any(|c| c.is_empty() || !c.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(AppError::invalid_tr(
                    "payment_channel_id must be channel codes separated by commas",
                    "payment_channel_id 须为以逗号分隔的渠道编码。",
                ));
            }
            Some(list)
        }
    };
    let account_name = customers::lookup::names(&mut *conn, &[customer_id.as_str()])
        .await?
        .remove(customer_id);
    if q.balance_type == BalanceType::Credit || nz(f.payment_channel_no).is_some() {
        return Ok(CustomerRecords {
            total: 0,
            records: Vec::new(),
            account_name,
        });
    }
    let page = AccountPage {
        account: ledger::account_id(AccountKind::CustomerCash, customer_id),
        from_ms: timefmt::cn_day_start_ms(q.begin),
        to_ms: timefmt::cn_day_start_ms(q.end.next_day().unwrap_or(q.end)),
        trade_type,
        direction,
        trade_id: nz(f.trade_id),
        channels,
        offset: q.offset,
        limit: q.limit,
    };
    let (total, records) = account_records(&mut conn, &page).await?;
    Ok(CustomerRecords {
        total,
        records,
        account_name,
    })
}

/// One transfer seen from a partner's cash account, for the console's confirmations.
#[derive(Debug, Clone)]
pub struct TransferView {
    pub id: String,
    pub kind: String,
    pub direction: Direction,
    pub amount: Money,
    /// The partner's balance right after this transfer.
    pub balance_after: Money,
    pub memo: Option<String>,
    pub at_ms: i64,
}

/// A transfer that moved a partner's cash, by id (`None` when it did not, or does not exist): the
/// acting partner's own, or the one an operator names.
pub async fn find_transfer(
    db: &Db,
    ctx: &Ctx,
    partner_id: Option<&str>,
    transfer_id: &str,
) -> AppResult<Option<TransferView>> {
    let account = ledger::account_id(AccountKind::PartnerCash, cash_owner(ctx, partner_id)?);
    let row = sql::query(
        "SELECT id, kind, from_account, amount, from_balance_after, to_balance_after, memo, created_at \
         FROM ledger_transfers WHERE id = $1 AND (from_account = $2 OR to_account = $2)",
    )
    .bind(transfer_id)
    .bind(&account)
    .fetch_optional(db.read())
    .await?;
    Ok(row.map(|r| {
        let expense = r.get::<String, _>(2) == account;
        TransferView {
            id: r.get(0),
            kind: r.get(1),
            direction: if expense {
                Direction::Expense
            } else {
                Direction::Income
            },
            amount: Money::from_cents(r.get(3)),
            balance_after: Money::from_cents(if expense { r.get(4) } else { r.get(5) }),
            memo: r.get(6),
            at_ms: r.get(7),
        }
    }))
}

/// The error a customer's own key gets on `list_partner_account_change_records`: resale
/// customers get the vendor's `CBC.99000084`; any other customer is simply not a partner.
async fn customer_records_refusal(db: &Db, customer_id: &str) -> AppError {
    match association::current(db.read(), customer_id).await {
        Ok(Some(a)) if a.association_type == AssociationType::Resale => {
            AppError::new(Code::ResaleCustomerNoRecords)
        }
        Ok(_) => AppError::with_tr(
            Code::NotAllowed,
            "This operation is for partners.",
            "此操作仅限合作伙伴。",
        ),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000; // 2026-11-18T09:46:40Z

    fn parse(
        bt: Option<&str>,
        tt: Option<&str>,
        b: Option<&str>,
        e: Option<&str>,
        limit: Option<i64>,
    ) -> AppResult<ChangeRecordQuery> {
        ChangeRecordQuery::parse(
            bt.map(str::to_string),
            tt.map(str::to_string),
            b.map(str::to_string),
            e.map(str::to_string),
            None,
            limit,
            None,
            NOW,
        )
    }

    #[test]
    fn the_ledger_kinds_are_the_domains() {
        use crate::services::{coupons, orders, topups};
        assert_eq!(orders::KIND_ORDER_PAY, kind::ORDER_PAY);
        assert_eq!(orders::KIND_ORDER_REFUND, kind::ORDER_REFUND);
        assert_eq!(topups::KIND_CUSTOMER_TOPUP, kind::CUSTOMER_TOPUP);
        assert_eq!(coupons::KIND_COUPON_USE, kind::COUPON_USE);
        assert_eq!(coupons::KIND_COUPON_REFUND, kind::COUPON_REFUND);
    }

    #[test]
    fn change_record_query_rules() {
        let q = parse(Some("BALANCE_TYPE_DEBIT"), None, None, None, None).unwrap();
        assert_eq!(timefmt::format_date(q.end), "2026-11-18");
        assert_eq!(timefmt::format_date(q.begin), "2025-11-18");
        assert_eq!((q.offset, q.limit, q.trade_type), (0, 10, None));
        assert!(parse(None, None, None, None, None)
            .unwrap_err()
            .detail
            .unwrap()
            .contains("balance_type"));
        assert!(parse(Some("CASH"), None, None, None, None).is_err());
        assert_eq!(
            parse(
                Some("BALANCE_TYPE_DEBIT"),
                Some("BEADJUST"),
                None,
                None,
                None
            )
            .unwrap()
            .trade_type,
            Some(TradeType::BeAdjust)
        );
        assert_eq!(
            parse(Some("BALANCE_TYPE_DEBIT"), Some(""), None, None, None)
                .unwrap()
                .trade_type,
            None
        );
        assert!(parse(Some("BALANCE_TYPE_DEBIT"), Some("GIFT"), None, None, None).is_err());
        assert!(parse(
            Some("BALANCE_TYPE_DEBIT"),
            None,
            Some("2026-02-30"),
            None,
            None
        )
        .is_err());
        assert!(parse(
            Some("BALANCE_TYPE_DEBIT"),
            None,
            Some("2026-11-02"),
            Some("2026-11-01"),
            None
        )
        .is_err());
        assert!(parse(Some("BALANCE_TYPE_DEBIT"), None, None, None, Some(0)).is_err());
        assert!(parse(Some("BALANCE_TYPE_DEBIT"), None, None, None, Some(101)).is_err());
    }
}
