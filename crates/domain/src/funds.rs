//! Funds rules, pure: which amounts may move, what each kind of ledger transfer is called on the
//! vendor's wire, and the vendor's enums of the income/expense records (the vendor's API reference).
//!
//! **Transfer kinds → trade types (decision).** The vendor's income/expense records classify
//! each movement by `trade_type` (filter) and `trade_detail_type` (record). Our ledger transfer
//! kinds map as follows; the direction (`type` "1" income / "2" expense) follows from which side
//! of the transfer the viewed account is on:
//!
//! | transfer kind        | what moves                         | trade_type   | trade_detail_type             |
//! |----------------------|------------------------------------|--------------|-------------------------------|
//! | `operator_credit`    | outside world → partner            | `RECHARGE`   | `SOURCE_OPERAIION_RECHARGE`   |
//! | `allocate_customer`  | partner → resale customer          | `BEADJUST`   | `SOURCE_OPERATION_BEADJUST`   |
//! | `reclaim_customer`   | resale customer → partner          | `BERETRIEVE` | `SOURCE_OPERATION_BERETRIEVE` |
//! | `allocate_reseller`  | master distributor → its reseller  | `BEADJUST`   | `SOURCE_OPERATION_BEADJUST`   |
//! | `reclaim_reseller`   | reseller → its master distributor  | `BERETRIEVE` | `SOURCE_OPERATION_BERETRIEVE` |
//! | `unbind_return`      | customer → partner at an unbind    | `BEUNBIND`   | `SOURCE_OPERATION_BEUNBIND`   |
//! | `customer_topup`     | outside world → customer           | `RECHARGE`   | `SOURCE_OPERAIION_RECHARGE`   |
//! | `order_pay`          | customer → outside world           | `DEDEUCT`    | `SOURCE_OPERATION_DEDEUCT`    |
//! | `order_refund`       | outside world → customer           | `REFUND`     | `SOURCE_OPERATION_REFUND`     |
//! | `coupon_use`         | coupon → outside world             | `DEDEUCT`    | `SOURCE_OPERATION_DEDEUCT`    |
//! | `coupon_refund`      | outside world → coupon             | `REFUND`     | `SOURCE_OPERATION_REFUND`     |
//! | `usage_pay`          | customer → outside world (按需)     | `DEDEUCT`    | `SOURCE_OPERAIION_USAGE`      |
//! | `arrears_repay`      | customer cash → what it owed       | `DEDEUCT`    | `SOURCE_OPERAIION_WRITEOFF`   |
//! | anything else        | (kinds other capabilities add)     | `ADJUST`     | `SOURCE_OPERAIION_ADJUST`     |
//!
//! The vendor publishes no list of `trade_detail_type` values for these kinds: the names after
//! the first five follow the pattern of the documented ones (decision). Coupon uses and refunds
//! move a coupon's balance, never a cash account, so no cash account's records show them; they
//! are classified so that any view of the ledger names them alike. A kind added later that has a
//! better vendor name gets a row in [`KINDS`]; until then it shows as a balance adjustment, never
//! hidden.

use crate::money::Money;

/// Ledger transfer kinds that move partner or customer cash (`ledger_transfers.kind`).
pub mod kind {
    /// Pay-per-use paid from a customer's cash, and owed beyond it (`customer_arrears`).
    pub const USAGE_PAY: &str = "usage_pay";
    pub const USAGE_DEBT: &str = "usage_debt";
    /// A customer's cash repaying what it owed.
    pub const ARREARS_REPAY: &str = "arrears_repay";
    pub const OPERATOR_CREDIT: &str = "operator_credit";
    pub const ALLOCATE_CUSTOMER: &str = "allocate_customer";
    pub const RECLAIM_CUSTOMER: &str = "reclaim_customer";
    pub const ALLOCATE_RESELLER: &str = "allocate_reseller";
    pub const RECLAIM_RESELLER: &str = "reclaim_reseller";
    /// A resale customer's balance returned to its partner when the association ends.
    pub const UNBIND_RETURN: &str = "unbind_return";
    /// An operator-confirmed offline top-up of a customer's cash.
    pub const CUSTOMER_TOPUP: &str = "customer_topup";
    /// An order paid from a customer's cash.
    pub const ORDER_PAY: &str = "order_pay";
    /// An unsubscribe's refund to a customer's cash.
    pub const ORDER_REFUND: &str = "order_refund";
    /// A coupon's value spent on an order.
    pub const COUPON_USE: &str = "coupon_use";
    /// A coupon's value given back by an unsubscribe.
    pub const COUPON_REFUND: &str = "coupon_refund";
}

/// `list_partner_account_change_records?trade_type=` (the literal `DEDEUCT` is the vendor's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TradeType {
    Recharge,
    Dedeuct,
    Refund,
    Rfrozen,
    Trans,
    Adjust,
    BeAdjust,
    BeRetrieve,
    BeUnbind,
    BonusConvert,
    TradeModeTransfer,
    /// `EXPIRED` (过期清零): a customer's filter only; nothing here expires cash.
    Expired,
    /// `DEPOSIT` (保证金): a customer's filter only; there are no deposit accounts.
    Deposit,
}

impl TradeType {
    pub const ALL: [TradeType; 11] = [
        TradeType::Recharge,
        TradeType::Dedeuct,
        TradeType::Refund,
        TradeType::Rfrozen,
        TradeType::Trans,
        TradeType::Adjust,
        TradeType::BeAdjust,
        TradeType::BeRetrieve,
        TradeType::BeUnbind,
        TradeType::BonusConvert,
        TradeType::TradeModeTransfer,
    ];

    /// The extra values of a customer's `trade_type` filter
    /// (`list_customer_account_change_records`), beside [`TradeType::ALL`].
    pub const CUSTOMER_ONLY: [TradeType; 2] = [TradeType::Expired, TradeType::Deposit];

    pub fn as_str(self) -> &'static str {
        match self {
            TradeType::Recharge => "RECHARGE",
            TradeType::Dedeuct => "DEDEUCT",
            TradeType::Refund => "REFUND",
            TradeType::Rfrozen => "RFROZEN",
            TradeType::Trans => "TRANS",
            TradeType::Adjust => "ADJUST",
            TradeType::BeAdjust => "BEADJUST",
            TradeType::BeRetrieve => "BERETRIEVE",
            TradeType::BeUnbind => "BEUNBIND",
            TradeType::BonusConvert => "BONUSCONVERT",
            TradeType::TradeModeTransfer => "TRADE_MODE_TRANSFER",
            TradeType::Expired => "EXPIRED",
            TradeType::Deposit => "DEPOSIT",
        }
    }

    /// A partner's `trade_type` filter (`list_partner_account_change_records`).
    pub fn parse(s: &str) -> Option<TradeType> {
        TradeType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// A customer's `trade_type` filter: the partner's values and [`TradeType::CUSTOMER_ONLY`].
    pub fn parse_customer(s: &str) -> Option<TradeType> {
        TradeType::parse(s).or_else(|| {
            TradeType::CUSTOMER_ONLY
                .into_iter()
                .find(|t| t.as_str() == s)
        })
    }
}

/// The known kinds: (kind, trade type, trade detail type).
pub const KINDS: &[(&str, TradeType, &str)] = &[
    (
        kind::OPERATOR_CREDIT,
        TradeType::Recharge,
        "SOURCE_OPERAIION_RECHARGE",
    ),
    (
        kind::ALLOCATE_CUSTOMER,
        TradeType::BeAdjust,
        "SOURCE_OPERATION_BEADJUST",
    ),
    (
        kind::RECLAIM_CUSTOMER,
        TradeType::BeRetrieve,
        "SOURCE_OPERATION_BERETRIEVE",
    ),
    (
        kind::ALLOCATE_RESELLER,
        TradeType::BeAdjust,
        "SOURCE_OPERATION_BEADJUST",
    ),
    (
        kind::RECLAIM_RESELLER,
        TradeType::BeRetrieve,
        "SOURCE_OPERATION_BERETRIEVE",
    ),
    (
        kind::UNBIND_RETURN,
        TradeType::BeUnbind,
        "SOURCE_OPERATION_BEUNBIND",
    ),
    (
        kind::CUSTOMER_TOPUP,
        TradeType::Recharge,
        "SOURCE_OPERAIION_RECHARGE",
    ),
    (
        kind::ORDER_PAY,
        TradeType::Dedeuct,
        "SOURCE_OPERATION_DEDEUCT",
    ),
    (
        kind::ORDER_REFUND,
        TradeType::Refund,
        "SOURCE_OPERATION_REFUND",
    ),
    (
        kind::COUPON_USE,
        TradeType::Dedeuct,
        "SOURCE_OPERATION_DEDEUCT",
    ),
    (
        kind::COUPON_REFUND,
        TradeType::Refund,
        "SOURCE_OPERATION_REFUND",
    ),
    (
        kind::USAGE_PAY,
        TradeType::Dedeuct,
        "SOURCE_OPERAIION_USAGE",
    ),
    (
        kind::ARREARS_REPAY,
        TradeType::Dedeuct,
        "SOURCE_OPERAIION_WRITEOFF",
    ),
];

/// The vendor's payment channels (`payment_channel_id`) a customer's records name: `2` bank
/// transfer for an offline top-up, `0` (no channel) for every other movement.
pub fn payment_channel(kind: &str) -> &'static str {
    if kind == kind::CUSTOMER_TOPUP {
        "2"
    } else {
        "0"
    }
}

/// `revenue_expense_type` of a customer's records: `REVENUE` income, `EXPENSE` expense.
impl Direction {
    pub fn revenue_expense(self) -> &'static str {
        match self {
            Direction::Income => "REVENUE",
            Direction::Expense => "EXPENSE",
        }
    }

    pub fn parse_revenue_expense(s: &str) -> Option<Direction> {
        match s {
            "REVENUE" => Some(Direction::Income),
            "EXPENSE" => Some(Direction::Expense),
            _ => None,
        }
    }
}

const FALLBACK: (TradeType, &str) = (TradeType::Adjust, "SOURCE_OPERAIION_ADJUST");

/// The trade type and trade detail type of a transfer kind.
pub fn classify(kind: &str) -> (TradeType, &'static str) {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, t, d)| (*t, *d))
        .unwrap_or(FALLBACK)
}

/// Which transfer kinds a `trade_type` filter selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindFilter {
    /// Exactly these kinds (possibly none: nothing of that type exists here yet).
    Only(Vec<&'static str>),
    /// Every kind except these (the fallback type, `ADJUST`).
    AllBut(Vec<&'static str>),
}

pub fn kinds_of(t: TradeType) -> KindFilter {
    if t == FALLBACK.0 {
        KindFilter::AllBut(KINDS.iter().map(|(k, _, _)| *k).collect())
    } else {
        KindFilter::Only(
            KINDS
                .iter()
                .filter(|(_, tt, _)| *tt == t)
                .map(|(k, _, _)| *k)
                .collect(),
        )
    }
}

/// `AccountChangeRecord.type`: "1" income, "2" expense.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Income,
    Expense,
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Direction::Income => "1",
            Direction::Expense => "2",
        }
    }

    /// The signed change of the viewed account: income positive, expense negative. (Decision:
    /// `change_amount` carries the sign, so `balance_after_change - change_amount` is the balance
    /// before, and the sum of a period's changes is its net movement.)
    pub fn signed(self, amount: Money) -> Money {
        match self {
            Direction::Income => amount,
            Direction::Expense => Money::from_cents(-amount.cents()),
        }
    }
}

/// `list_partner_account_change_records?balance_type=` (required).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BalanceType {
    /// `BALANCE_TYPE_DEBIT`: the cash account.
    Debit,
    /// `BALANCE_TYPE_CREDIT`: the credit account. Partner Center grants no credit, so a credit
    /// account never has records.
    Credit,
}

impl BalanceType {
    pub fn parse(s: &str) -> Option<BalanceType> {
        match s {
            "BALANCE_TYPE_DEBIT" => Some(BalanceType::Debit),
            "BALANCE_TYPE_CREDIT" => Some(BalanceType::Credit),
            _ => None,
        }
    }
}

/// `AccountBalanceV2.account_type` of a cash balance (1 余额).
pub const ACCOUNT_TYPE_CASH: i64 = 1;
/// `measure_id` 1: yuan.
pub const MEASURE_YUAN: i64 = 1;
pub const CURRENCY: &str = "CNY";

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amount must be greater than 0 with at most 2 decimals")]
    NotPositive,
}

/// An amount that moves money: greater than zero (two decimals at most is guaranteed by
/// [`Money`] itself, which cannot hold fractions of a cent).
pub fn check_amount(amount: Money) -> Result<(), AmountError> {
    if amount.is_positive() {
        Ok(())
    } else {
        Err(AmountError::NotPositive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trade_types_round_trip_and_cover_every_kind() {
        for t in TradeType::ALL {
            assert_eq!(TradeType::parse(t.as_str()), Some(t));
        }
        assert_eq!(TradeType::parse("beadjust"), None);
        assert_eq!(
            classify(kind::ALLOCATE_RESELLER),
            (TradeType::BeAdjust, "SOURCE_OPERATION_BEADJUST")
        );
        assert_eq!(classify("something_new"), FALLBACK);
        // Every known kind is selected by exactly its own trade type's filter.
        for (k, t, _) in KINDS {
            for other in TradeType::ALL {
                let selected = match kinds_of(other) {
                    KindFilter::Only(v) => v.contains(k),
                    KindFilter::AllBut(v) => !v.contains(k),
                };
                assert_eq!(selected, other == *t, "{k} under {other:?}");
            }
        }
        assert_eq!(
            kinds_of(TradeType::Refund),
            KindFilter::Only(vec![kind::ORDER_REFUND, kind::COUPON_REFUND])
        );
        assert_eq!(kinds_of(TradeType::Expired), KindFilter::Only(vec![]));
        assert_eq!(TradeType::parse("EXPIRED"), None);
        assert_eq!(
            TradeType::parse_customer("EXPIRED"),
            Some(TradeType::Expired)
        );
        assert_eq!(
            TradeType::parse_customer("DEPOSIT"),
            Some(TradeType::Deposit)
        );
        assert_eq!(
            TradeType::parse_customer("BEADJUST"),
            Some(TradeType::BeAdjust)
        );
        assert_eq!(TradeType::parse_customer("GIFT"), None);
        assert_eq!(
            classify(kind::ORDER_PAY),
            (TradeType::Dedeuct, "SOURCE_OPERATION_DEDEUCT")
        );
        assert_eq!(classify(kind::UNBIND_RETURN).0, TradeType::BeUnbind);
        assert_eq!(payment_channel(kind::CUSTOMER_TOPUP), "2");
        assert_eq!(payment_channel(kind::ORDER_PAY), "0");
        for d in [Direction::Income, Direction::Expense] {
            assert_eq!(
                Direction::parse_revenue_expense(d.revenue_expense()),
                Some(d)
            );
        }
        assert_eq!(Direction::parse_revenue_expense("revenue"), None);
    }

    #[test]
    fn directions_and_amounts() {
        let m = Money::from_cents(1050);
        assert_eq!(Direction::Income.signed(m).to_string(), "10.50");
        assert_eq!(Direction::Expense.signed(m).to_string(), "-10.50");
        assert_eq!(Direction::Expense.code(), "2");
        assert!(check_amount(Money::from_cents(1)).is_ok());
        assert!(check_amount(Money::ZERO).is_err());
        assert!(check_amount(Money::from_cents(-5)).is_err());
        assert_eq!(
            BalanceType::parse("BALANCE_TYPE_DEBIT"),
            Some(BalanceType::Debit)
        );
        assert_eq!(BalanceType::parse("debit"), None);
    }
}
