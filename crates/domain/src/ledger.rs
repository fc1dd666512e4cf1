//! Double-entry ledger rules, pure.
//!
//! Every movement of money (or a money-like right: coupon quota, coupon balance) is a [`Transfer`]
//! of a positive amount from one account to another. An account's balance is the sum of what came
//! in minus what went out; the sum over all accounts is therefore always zero. Money enters a
//! deployment only from the `external` account (operator credits, customer top-ups), whose balance
//! is allowed to go negative: its negation is the total the outside world has put in.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// What an account holds, which decides its lower limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// The outside world: the one source/sink of money. No lower limit.
    External,
    /// A partner's cash account (伙伴账户余额).
    PartnerCash,
    /// A customer's cash account (客户账户余额).
    CustomerCash,
    /// A coupon quota's unissued balance (优惠券额度余额); owner = quota id. An operator grant
    /// moves value `external → quota`; issuing moves `quota → coupon`; a recall moves it back;
    /// a distributor's grant to a reseller moves `quota → child quota` (and its reclaim back).
    CouponQuota,
    /// An issued coupon's remaining balance (优惠券余额); owner = coupon id. Use by an order moves
    /// `coupon → external` (the value is spent on the vendor's services, outside the partner's books).
    Coupon,
    /// What a customer owes for pay-per-use it consumed beyond its cash (欠费); owner = customer
    /// id. A charge the cash cannot cover moves the rest `arrears → external`, so the balance
    /// goes below zero by what is owed; money that later reaches the customer's cash repays it
    /// (`cash → arrears`) up to zero. No lower limit: pay-per-use runs on until the account is
    /// frozen, and the amount owed is shown, not refused.
    CustomerArrears,
}

impl AccountKind {
    pub const ALL: [AccountKind; 6] = [
        AccountKind::External,
        AccountKind::PartnerCash,
        AccountKind::CustomerCash,
        AccountKind::CouponQuota,
        AccountKind::Coupon,
        AccountKind::CustomerArrears,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::External => "external",
            AccountKind::PartnerCash => "partner_cash",
            AccountKind::CustomerCash => "customer_cash",
            AccountKind::CouponQuota => "coupon_quota",
            AccountKind::Coupon => "coupon",
            AccountKind::CustomerArrears => "customer_arrears",
        }
    }

    pub fn parse(s: &str) -> Option<AccountKind> {
        AccountKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The lowest balance the account may reach; `None` means unbounded.
    pub fn floor(self) -> Option<Money> {
        match self {
            AccountKind::External | AccountKind::CustomerArrears => None,
            _ => Some(Money::ZERO),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("a transfer amount must be greater than zero")]
    NonPositive,
    #[error("a transfer needs two different accounts")]
    SameAccount,
    #[error("insufficient balance")]
    Insufficient,
    #[error("amount out of range")]
    Overflow,
}

impl LedgerError {
    /// The detail in Chinese (`Display` is the English one).
    pub fn zh(&self) -> &'static str {
        match self {
            LedgerError::NonPositive => "转账金额必须大于 0。",
            LedgerError::SameAccount => "转账须在两个不同的账户之间进行。",
            LedgerError::Insufficient => "余额不足。",
            LedgerError::Overflow => "金额超出范围。",
        }
    }
}

/// Checks a transfer's shape before it touches any balance.
pub fn check_transfer(from: &str, to: &str, amount: Money) -> Result<(), LedgerError> {
    if !amount.is_positive() {
        return Err(LedgerError::NonPositive);
    }
    if from == to {
        return Err(LedgerError::SameAccount);
    }
    Ok(())
}

/// The balance after taking `amount` out, if the floor allows it.
pub fn debit(balance: Money, amount: Money, floor: Option<Money>) -> Result<Money, LedgerError> {
    let after = balance.checked_sub(amount).ok_or(LedgerError::Overflow)?;
    match floor {
        Some(f) if after < f => Err(LedgerError::Insufficient),
        _ => Ok(after),
    }
}

pub fn credit(balance: Money, amount: Money) -> Result<Money, LedgerError> {
    balance.checked_add(amount).ok_or(LedgerError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shape_rules() {
        assert_eq!(
            check_transfer("a", "b", Money::ZERO),
            Err(LedgerError::NonPositive)
        );
        assert_eq!(
            check_transfer("a", "a", Money::from_cents(1)),
            Err(LedgerError::SameAccount)
        );
        assert_eq!(
            debit(
                Money::from_cents(5),
                Money::from_cents(6),
                Some(Money::ZERO)
            ),
            Err(LedgerError::Insufficient)
        );
        assert_eq!(
            debit(Money::from_cents(5), Money::from_cents(6), None),
            Ok(Money::from_cents(-1))
        );
    }

    proptest! {
        /// A model of the ledger: whatever sequence of transfers is attempted, the accepted ones
        /// conserve the total and no bounded account goes below its floor.
        #[test]
        fn random_transfers_conserve_and_respect_floors(
            ops in proptest::collection::vec((0usize..5, 0usize..5, -50i64..5000), 0..300)
        ) {
            // Account 0 is external; the others are bounded at zero.
            let kinds = [AccountKind::External, AccountKind::PartnerCash, AccountKind::PartnerCash,
                         AccountKind::CustomerCash, AccountKind::CustomerCash];
            let mut bal = [Money::ZERO; 5];
            for (f, t, a) in ops {
                let amount = Money::from_cents(a);
                if check_transfer(&f.to_string(), &t.to_string(), amount).is_err() { continue; }
                let Ok(nf) = debit(bal[f], amount, kinds[f].floor()) else { continue };
                let nt = credit(bal[t], amount).unwrap();
                bal[f] = nf;
                bal[t] = nt;
                let total: i64 = bal.iter().map(|m| m.cents()).sum();
                prop_assert_eq!(total, 0);
                for (i, k) in kinds.iter().enumerate() {
                    if let Some(fl) = k.floor() { prop_assert!(bal[i] >= fl); }
                }
            }
        }
    }
}
