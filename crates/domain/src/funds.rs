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
//! | anything else        | (kinds other capabilities add)     | `ADJUST`     | `SOURCE_OPERAIION_ADJUST`     |
//!
//! A kind added later that has a better vendor name (a payment → `DEDEUCT`, an unbind reclaim →
//! `BEUNBIND`) gets a row in [`KINDS`]; until then it shows as a balance adjustment, never hidden.

use crate::money::Money;

/// Ledger transfer kinds that move partner or customer cash (`ledger_transfers.kind`).
pub mod kind {
    pub const OPERATOR_CREDIT: &str = "operator_credit";
    pub const ALLOCATE_CUSTOMER: &str = "allocate_customer";
    pub const RECLAIM_CUSTOMER: &str = "reclaim_customer";
    pub const ALLOCATE_RESELLER: &str = "allocate_reseller";
    pub const RECLAIM_RESELLER: &str = "reclaim_reseller";
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
        }
    }

    pub fn parse(s: &str) -> Option<TradeType> {
        TradeType::ALL.into_iter().find(|t| t.as_str() == s)
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
];

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
        assert_eq!(kinds_of(TradeType::Refund), KindFilter::Only(vec![]));
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
