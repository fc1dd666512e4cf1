//! Unsubscribe refunds (退订), pure: what comes back when a customer unsubscribes a yearly/monthly
//! resource, and to which of the sources that paid. The vendor publishes the shape (5-day
//! no-reason full refund, otherwise the used part and a handling fee are kept, refunds go back to
//! where the money came from; the vendor's help pages) but not the arithmetic, so this module is
//! the documented rule.
//!
//! **The rule.** A resource was paid for by one or more *periods*: the new purchase and each
//! renewal, each with the amount paid for this resource (after discount; cash and coupons alike)
//! and its `[start, end)` validity.
//!
//! * A period that has ended was consumed; nothing of it comes back and it is not listed.
//! * A period that has not started (a renewal bought in advance) comes back in full.
//! * The period in use: the customer keeps paying for the time used, `consumed =
//!   round_half_up(paid × used / length)` with times in milliseconds, and a handling fee of
//!   [`FEE_BP`] (5%) of what is left, `fee = round_half_up((paid − consumed) × 5%)`. The refund is
//!   `paid − consumed − fee`.
//! * **No-reason refund.** When the resource's new purchase started less than
//!   [`NO_REASON_WINDOW_MS`] (5 days) ago and the customer has used fewer than
//!   [`NO_REASON_PER_YEAR`] no-reason refunds in the last 365 days, the period in use comes back in
//!   full: nothing consumed, no fee.
//! * Unsubscribe type 1 (the resource and its renewed periods) refunds every period still running
//!   or to come and closes the resource. Type 2 (renewed periods only) refunds only the periods
//!   that have not started; the resource stays in use until the end of its current period. With
//!   no such period the request is refused (`CBC.99003128`).
//!
//! **Spec changes** (order type 3, [`quote_change`]): moving a resource to a bigger or smaller
//! spec costs or gives back the list-price difference for the time left (a month counts 30 days,
//! a year 365), a downgrade never more than the paid value not yet used ([`unused_value`]).
//!
//! **Back to the sources.** Each period's refund is split over what paid that period's order
//! (its cash and each coupon), in proportion to what each source has *not yet had back*, by the
//! largest-remainder method: every source gets the floor or the ceiling of its exact share, the
//! parts add up to the refund exactly, and no source ever gets back more than it paid, however
//! many partial refunds an order sees.

use crate::money::Money;

/// The no-reason window after a new purchase starts: 5 days (R11.10).
pub const NO_REASON_WINDOW_MS: i64 = 5 * 86_400_000;
/// No-reason refunds a customer may take in any 365 days (decision: the vendor limits them per
/// account and year without publishing the number on the pages we have; 10 is its help-centre
/// figure for self-service accounts).
pub const NO_REASON_PER_YEAR: i64 = 10;
/// The window [`NO_REASON_PER_YEAR`] counts over.
pub const NO_REASON_COUNT_WINDOW_MS: i64 = 365 * 86_400_000;
/// The handling fee on the unused part of a period in use, in basis points: 5%.
pub const FEE_BP: i64 = 500;

/// `unsubscribe_type` of an unsubscribe request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnsubscribeType {
    /// 1: the resource and its renewed periods.
    ResourceAndRenewals,
    /// 2: only the renewed periods that have not started.
    RenewalsOnly,
}

impl UnsubscribeType {
    pub fn from_code(c: i64) -> Option<UnsubscribeType> {
        match c {
            1 => Some(UnsubscribeType::ResourceAndRenewals),
            2 => Some(UnsubscribeType::RenewalsOnly),
            _ => None,
        }
    }
    pub fn code(self) -> i64 {
        match self {
            UnsubscribeType::ResourceAndRenewals => 1,
            UnsubscribeType::RenewalsOnly => 2,
        }
    }
}

/// `unsubscribe_reason_type`: 1 hard to use … 5 other.
pub fn valid_reason_type(c: i64) -> bool {
    (1..=5).contains(&c)
}

/// One paid period of a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaidPeriod {
    pub base_order_id: String,
    /// What was paid for this resource in this period, after discount.
    pub paid: Money,
    pub start: i64,
    pub end: i64,
}

/// What one period gives back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodRefund {
    pub base_order_id: String,
    pub paid: Money,
    pub consumed: Money,
    pub fee: Money,
    pub refund: Money,
    pub start: i64,
    pub end: i64,
    /// The period had not started.
    pub future: bool,
}

/// Why a refund cannot be planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// Type 2 with no period still to come (`CBC.99003128`).
    NoRenewedPeriod,
    /// Amounts out of range (never from valid stored data).
    Overflow,
}

/// Whether the no-reason refund applies: the new purchase started less than 5 days before `now`
/// and fewer than [`NO_REASON_PER_YEAR`] were used in the last 365 days.
pub fn no_reason_applies(purchase_start: i64, now: i64, used_in_last_year: i64) -> bool {
    now >= purchase_start
        && now - purchase_start < NO_REASON_WINDOW_MS
        && used_in_last_year < NO_REASON_PER_YEAR
}

/// Plans the refund of one resource's periods at `now` (see the module rule). Periods are
/// returned in start order; ended periods are left out.
pub fn plan(
    periods: &[PaidPeriod],
    now: i64,
    kind: UnsubscribeType,
    no_reason: bool,
) -> Result<Vec<PeriodRefund>, PlanError> {
    let mut sorted: Vec<&PaidPeriod> = periods.iter().filter(|p| p.end > now).collect();
    sorted.sort_by(|a, b| (a.start, &a.base_order_id).cmp(&(b.start, &b.base_order_id)));
    let mut out = Vec::new();
    for p in sorted {
        let future = p.start > now;
        if kind == UnsubscribeType::RenewalsOnly && !future {
            continue;
        }
        let (consumed, fee) = if future || no_reason {
            (Money::ZERO, Money::ZERO)
        } else {
            let used = now - p.start;
            let length = (p.end - p.start).max(1);
            let consumed = p.paid.mul_ratio(used, length).ok_or(PlanError::Overflow)?;
            let left = p.paid.checked_sub(consumed).ok_or(PlanError::Overflow)?;
            let fee = left.mul_ratio(FEE_BP, 10_000).ok_or(PlanError::Overflow)?;
            (consumed, fee)
        };
        let refund = p
            .paid
            .checked_sub(consumed)
            .and_then(|m| m.checked_sub(fee))
            .filter(|m| !m.is_negative())
            .ok_or(PlanError::Overflow)?;
        out.push(PeriodRefund {
            base_order_id: p.base_order_id.clone(),
            paid: p.paid,
            consumed,
            fee,
            refund,
            start: p.start,
            end: p.end,
            future,
        });
    }
    if kind == UnsubscribeType::RenewalsOnly && out.is_empty() {
        return Err(PlanError::NoRenewedPeriod);
    }
    Ok(out)
}

/// Splits `amount` over parts in proportion to `weights` by the largest-remainder method: each
/// part is the floor or the ceiling of its exact share, ties go to the earlier part, and the parts
/// add up to `amount` exactly. `None` when `amount` is negative, the weights are negative or sum
/// to zero while `amount` is not zero, or `amount` exceeds their sum (so no part can exceed its
/// weight).
pub fn split(amount: Money, weights: &[Money]) -> Option<Vec<Money>> {
    let total: i128 = weights.iter().map(|w| w.cents() as i128).sum();
    let a = amount.cents() as i128;
    if a < 0 || weights.iter().any(|w| w.is_negative()) || a > total {
        return None;
    }
    if a == 0 {
        return Some(vec![Money::ZERO; weights.len()]);
    }
    let mut parts: Vec<i128> = Vec::with_capacity(weights.len());
    let mut rems: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let p = a * w.cents() as i128;
        parts.push(p / total);
        rems.push((p % total, i));
    }
    let mut left = a - parts.iter().sum::<i128>();
    // Largest remainder first; among equal remainders the earlier part.
    rems.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    for (r, i) in rems {
        if left == 0 {
            break;
        }
        if r > 0 {
            parts[i] += 1;
            left -= 1;
        }
    }
    parts
        .into_iter()
        .map(|p| i64::try_from(p).ok().map(Money::from_cents))
        .collect()
}

/// Splits `total` into `n` equal shares (the first ones a cent larger when it does not divide):
/// what each of the `n` resources one order line bought was paid.
pub fn equal_shares(total: Money, n: usize) -> Vec<Money> {
    let Ok(n64) = i64::try_from(n) else {
        return Vec::new();
    };
    if n64 == 0 {
        return Vec::new();
    }
    let t = total.cents().max(0);
    let (q, r) = (t / n64, t % n64);
    (0..n64)
        .map(|i| Money::from_cents(q + i64::from(i < r)))
        .collect()
}

// ----------------------------------------------------------------------------------------------
// Spec changes (变更, order type 3)

/// The length one period's list price stands for when a change is priced by the day: 30 days
/// for a month, 365 for a year (decision: the vendor prices changes "by the remaining time"
/// without publishing the day count).
pub fn period_len_ms(year: bool) -> i64 {
    if year {
        365 * 86_400_000
    } else {
        30 * 86_400_000
    }
}

/// What a spec change costs or gives back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeQuote {
    /// A bigger spec: the customer pays the list-price difference for the remaining time.
    Upgrade { amount: Money },
    /// A smaller spec: the list-price difference for the remaining time comes back, never more
    /// than what was paid and not yet used (`unused`); what stays pays for the new spec.
    Downgrade { refund: Money, retained: Money },
}

/// The value not yet used of paid periods at `now`: a running period's unused share
/// (`round_half_up(paid × (end − now) / (end − start))`), future periods whole, ended ones nothing.
pub fn unused_value(periods: &[PaidPeriod], now: i64) -> Option<Money> {
    let mut total = Money::ZERO;
    for p in periods.iter().filter(|p| p.end > now) {
        let part = if p.start >= now {
            p.paid
        } else {
            p.paid.mul_ratio(p.end - now, (p.end - p.start).max(1))?
        };
        total = total.checked_add(part)?;
    }
    Some(total)
}

/// Prices a change from a spec whose period list price is `old` to one priced `new`, with
/// `remaining_ms` of paid time left (until the resource's expiry) and periods of `period_ms`:
/// the difference is `round_half_up(|new − old| × remaining / period)`. A downgrade refunds at
/// most `unused`. `None` when nothing changes in price or the remaining time is not positive.
pub fn quote_change(
    old: Money,
    new: Money,
    remaining_ms: i64,
    period_ms: i64,
    unused: Money,
) -> Option<ChangeQuote> {
    if remaining_ms <= 0 || period_ms <= 0 || old == new {
        return None;
    }
    let diff = new.checked_sub(old)?;
    let prorated = diff.mul_ratio(remaining_ms, period_ms)?;
    if prorated.is_positive() {
        Some(ChangeQuote::Upgrade { amount: prorated })
    } else {
        let back = prorated.checked_neg()?.min(unused.max(Money::ZERO));
        Some(ChangeQuote::Downgrade {
            refund: back,
            retained: unused.checked_sub(back)?.max(Money::ZERO),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DAY: i64 = 86_400_000;

    fn m(c: i64) -> Money {
        Money::from_cents(c)
    }

    fn period(id: &str, paid: i64, start: i64, end: i64) -> PaidPeriod {
        PaidPeriod {
            base_order_id: id.into(),
            paid: m(paid),
            start,
            end,
        }
    }

    #[test]
    fn period_in_use_keeps_used_time_and_fee() {
        // 30-day period of 300.00, unsubscribed after 10 days.
        let p = [period("A", 30_000, 0, 30 * DAY)];
        let r = plan(&p, 10 * DAY, UnsubscribeType::ResourceAndRenewals, false).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].consumed, m(10_000));
        assert_eq!(r[0].fee, m(1_000)); // 5% of the 200.00 left
        assert_eq!(r[0].refund, m(19_000));
        assert!(!r[0].future);
    }

    #[test]
    fn no_reason_refunds_in_full() {
        let p = [period("A", 30_000, 0, 30 * DAY)];
        let r = plan(&p, 2 * DAY, UnsubscribeType::ResourceAndRenewals, true).unwrap();
        assert_eq!(
            (r[0].consumed, r[0].fee, r[0].refund),
            (m(0), m(0), m(30_000))
        );
    }

    #[test]
    fn no_reason_window_and_yearly_limit() {
        assert!(no_reason_applies(0, 5 * DAY - 1, 0));
        assert!(!no_reason_applies(0, 5 * DAY, 0));
        assert!(!no_reason_applies(0, DAY, NO_REASON_PER_YEAR));
        assert!(no_reason_applies(0, DAY, NO_REASON_PER_YEAR - 1));
        assert!(!no_reason_applies(10, 5, 0));
    }

    #[test]
    fn ended_periods_are_left_out_and_future_ones_come_back_whole() {
        let p = [
            period("A", 10_000, 0, 30 * DAY),
            period("B", 12_000, 30 * DAY, 60 * DAY),
            period("C", 12_000, 60 * DAY, 90 * DAY),
        ];
        let r = plan(&p, 45 * DAY, UnsubscribeType::ResourceAndRenewals, false).unwrap();
        assert_eq!(
            r.iter()
                .map(|x| x.base_order_id.as_str())
                .collect::<Vec<_>>(),
            ["B", "C"]
        );
        assert_eq!(r[0].consumed, m(6_000));
        assert_eq!(r[0].fee, m(300));
        assert_eq!(r[0].refund, m(5_700));
        assert!(r[1].future);
        assert_eq!(r[1].refund, m(12_000));
    }

    #[test]
    fn renewals_only_takes_future_periods_or_refuses() {
        let p = [
            period("A", 10_000, 0, 30 * DAY),
            period("B", 12_000, 30 * DAY, 60 * DAY),
        ];
        let r = plan(&p, 10 * DAY, UnsubscribeType::RenewalsOnly, false).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].base_order_id.as_str(), r[0].refund), ("B", m(12_000)));
        assert_eq!(
            plan(&p, 40 * DAY, UnsubscribeType::RenewalsOnly, false),
            Err(PlanError::NoRenewedPeriod)
        );
    }

    #[test]
    fn rounding_is_half_up_to_the_cent() {
        // 1/3 of 1.00 used: consumed 0.33, left 0.67, fee 5% = 0.0335 → 0.03, refund 0.64.
        let p = [period("A", 100, 0, 3 * DAY)];
        let r = plan(&p, DAY, UnsubscribeType::ResourceAndRenewals, false).unwrap();
        assert_eq!((r[0].consumed, r[0].fee, r[0].refund), (m(33), m(3), m(64)));
    }

    #[test]
    fn split_examples() {
        assert_eq!(split(m(100), &[m(50), m(50)]), Some(vec![m(50), m(50)]));
        assert_eq!(split(m(99), &[m(50), m(50)]), Some(vec![m(50), m(49)]));
        assert_eq!(
            split(m(10), &[m(0), m(7), m(3)]),
            Some(vec![m(0), m(7), m(3)])
        );
        assert_eq!(split(m(11), &[m(7), m(3)]), None);
        assert_eq!(split(m(0), &[]), Some(vec![]));
        assert_eq!(split(m(1), &[]), None);
        assert_eq!(equal_shares(m(100), 3), vec![m(34), m(33), m(33)]);
        assert_eq!(equal_shares(m(0), 2), vec![m(0), m(0)]);
    }

    #[test]
    fn changes_are_priced_by_the_remaining_time() {
        let month = period_len_ms(false);
        // 15 of 30 days left, 35.00 → 119.00 a month: 42.00 to pay.
        assert_eq!(
            quote_change(m(3_500), m(11_900), 15 * DAY, month, m(1_750)),
            Some(ChangeQuote::Upgrade { amount: m(4_200) })
        );
        // Back down: 42.00 difference, but only 20.00 unused was paid: 20.00 back, 0 kept.
        assert_eq!(
            quote_change(m(11_900), m(3_500), 15 * DAY, month, m(2_000)),
            Some(ChangeQuote::Downgrade {
                refund: m(2_000),
                retained: m(0)
            })
        );
        assert_eq!(
            quote_change(m(11_900), m(3_500), 15 * DAY, month, m(5_950)),
            Some(ChangeQuote::Downgrade {
                refund: m(4_200),
                retained: m(1_750)
            })
        );
        assert_eq!(quote_change(m(100), m(100), DAY, month, m(0)), None);
        assert_eq!(quote_change(m(100), m(200), 0, month, m(0)), None);
    }

    #[test]
    fn unused_value_of_periods() {
        let p = [
            period("A", 3_000, 0, 30 * DAY),
            period("B", 3_000, 30 * DAY, 60 * DAY),
        ];
        assert_eq!(unused_value(&p, 10 * DAY), Some(m(2_000 + 3_000)));
        assert_eq!(unused_value(&p, 60 * DAY), Some(m(0)));
        assert_eq!(unused_value(&p, 0), Some(m(6_000)));
    }

    proptest! {
        #[test]
        fn split_is_exact_and_bounded(
            weights in proptest::collection::vec(0i64..1_000_000, 1..6),
            frac in 0u32..=1000,
        ) {
            let ws: Vec<Money> = weights.iter().copied().map(m).collect();
            let total: i64 = weights.iter().sum();
            let amount = m(total * frac as i64 / 1000);
            let parts = split(amount, &ws).unwrap();
            prop_assert_eq!(parts.iter().map(|p| p.cents()).sum::<i64>(), amount.cents());
            for (p, w) in parts.iter().zip(&weights) {
                // floor or ceiling of the exact share, never above the weight
                let exact_floor = (amount.cents() as i128 * *w as i128 / total.max(1) as i128) as i64;
                prop_assert!(p.cents() == exact_floor || p.cents() == exact_floor + 1);
                prop_assert!(p.cents() <= *w);
            }
        }

        /// Repeated partial refunds of one order never return more than a source paid.
        #[test]
        fn repeated_splits_never_overpay_a_source(
            paid in proptest::collection::vec(0i64..100_000, 1..5),
            cuts in proptest::collection::vec(1u32..=100, 1..8),
        ) {
            let mut remaining: Vec<i64> = paid.clone();
            for cut in cuts {
                let left: i64 = remaining.iter().sum();
                let amount = left * cut as i64 / 100;
                let parts = split(m(amount), &remaining.iter().copied().map(m).collect::<Vec<_>>()).unwrap();
                for (r, p) in remaining.iter_mut().zip(&parts) {
                    *r -= p.cents();
                    prop_assert!(*r >= 0);
                }
            }
        }

        #[test]
        fn plan_never_refunds_more_than_paid(
            paid in 0i64..10_000_000,
            len in 1i64..(400 * DAY),
            at in 0i64..(400 * DAY),
            no_reason in any::<bool>(),
        ) {
            let p = [period("A", paid, 0, len)];
            let r = plan(&p, at, UnsubscribeType::ResourceAndRenewals, no_reason).unwrap();
            for x in r {
                prop_assert_eq!(x.consumed.cents() + x.fee.cents() + x.refund.cents(), paid);
                prop_assert!(!x.refund.is_negative() && !x.fee.is_negative() && !x.consumed.is_negative());
            }
        }
    }
}
