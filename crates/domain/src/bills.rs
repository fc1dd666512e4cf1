//! Consumption records and bills: the billing month, the vendor's bill codes, and how one
//! payment is split over the records it pays for.
//!
//! **The billing month** (账期, `bill_cycle`, `YYYY-MM`) is the calendar month in the business
//! time zone, Asia/Shanghai (UTC+8 all year: China has no daylight saving), in which a charge was
//! made. A charge at 2026-11-30T16:30Z is in 2026-12.
//!
//! **Rounding.** Amounts are integer cents. Splitting an order's payment (cash, vouchers, cash
//! coupons) over its lines is proportional to each line's amount after discount, by largest
//! remainder ([`split`]): every part is within one cent of its exact share and the parts add up
//! to the whole exactly, so the records of an order always sum to what the ledger moved.

use time::Month;

use crate::timefmt;

/// A billing month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BillCycle {
    year: i32,
    month: u8,
}

impl BillCycle {
    /// Parses `YYYY-MM` (exactly: four digits, a dash, two digits, month 01–12).
    pub fn parse(s: &str) -> Option<BillCycle> {
        let b = s.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !b
                .iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return None;
        }
        let year: i32 = s[..4].parse().ok()?;
        let month: u8 = s[5..].parse().ok()?;
        (1..=12)
            .contains(&month)
            .then_some(BillCycle { year, month })
    }

    /// The billing month of an instant (UTC Unix ms).
    pub fn of_ms(ms: i64) -> BillCycle {
        let d = timefmt::cn_date(ms);
        BillCycle {
            year: d.year(),
            month: d.month() as u8,
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// Months since year 0, for distances between months.
    fn index(self) -> i64 {
        self.year as i64 * 12 + (self.month as i64 - 1)
    }

    /// How many months `self` is after `earlier` (negative when before).
    pub fn months_after(self, earlier: BillCycle) -> i64 {
        self.index() - earlier.index()
    }

    pub fn next(self) -> BillCycle {
        if self.month == 12 {
            BillCycle {
                year: self.year + 1,
                month: 1,
            }
        } else {
            BillCycle {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(self) -> BillCycle {
        if self.month == 1 {
            BillCycle {
                year: self.year - 1,
                month: 12,
            }
        } else {
            BillCycle {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The `n` months that end with this one, oldest first (none when `n` is 0 or less).
    pub fn last_months(self, n: i64) -> Vec<BillCycle> {
        let mut out = Vec::new();
        let mut c = self;
        for _ in 0..n.max(0) {
            out.push(c);
            c = c.prev();
        }
        out.reverse();
        out
    }

    /// The first day of the month.
    pub fn first_day(self) -> time::Date {
        let month = Month::try_from(self.month).unwrap_or(Month::January);
        time::Date::from_calendar_date(self.year, month, 1).unwrap_or(time::Date::MIN)
    }

    /// Does the business-time-zone date `d` fall in this month?
    pub fn contains_date(self, d: time::Date) -> bool {
        d.year() == self.year && d.month() as u8 == self.month
    }

    /// The instants the month spans: `[start, end)` in UTC Unix ms.
    pub fn span_ms(self) -> (i64, i64) {
        (
            timefmt::cn_day_start_ms(self.first_day()),
            timefmt::cn_day_start_ms(self.next().first_day()),
        )
    }
}

impl std::fmt::Display for BillCycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// How far back the partner's bill detail reaches (the vendor: "消费记录支持查询18个月内的记录"):
/// the current month and the 17 before it.
pub const DETAIL_WINDOW_MONTHS: i64 = 18;

/// Is `cycle` within the last [`DETAIL_WINDOW_MONTHS`] months as of `now_ms` (and not in the
/// future)?
pub fn within_detail_window(cycle: BillCycle, now_ms: i64) -> bool {
    let back = BillCycle::of_ms(now_ms).months_after(cycle);
    (0..DETAIL_WINDOW_MONTHS).contains(&back)
}

/// Charging modes (计费模式).
pub mod charging_mode {
    pub const PERIOD: i64 = 1;
    pub const ON_DEMAND: i64 = 3;
    pub const RESERVED: i64 = 10;
    pub const SAVINGS_PLAN: i64 = 11;
    pub const ALL: [i64; 4] = [PERIOD, ON_DEMAND, RESERVED, SAVINGS_PLAN];
}

/// Bill detail types (账单类型) this system produces, with the vendor's codes.
pub mod detail_type {
    /// 消费-新购
    pub const NEW_PURCHASE: i64 = 1;
    /// 消费-续订
    pub const RENEWAL: i64 = 2;
    /// 消费-变更
    pub const CHANGE: i64 = 3;
    /// 退款-退订
    pub const REFUND_UNSUBSCRIBE: i64 = 4;
    /// 消费-使用
    pub const USAGE: i64 = 5;
    /// 消费-自动续订
    pub const AUTO_RENEWAL: i64 = 8;
    /// 退款-变更
    pub const REFUND_CHANGE: i64 = 20;
    /// 退款-包年/包月转按需
    pub const REFUND_TO_ON_DEMAND: i64 = 24;
    /// Every code the vendor documents (accepted as filters even where nothing here makes them).
    pub const ALL: [i64; 15] = [1, 2, 3, 4, 5, 8, 9, 14, 16, 18, 20, 23, 24, 25, 103];
}

/// The bill detail type of a paid order, by the vendor's order type (1 new, 2 renewal,
/// 3 change) and whether the renewal was automatic.
pub fn detail_type_of_order(order_type: i64, auto_renewal: bool) -> Option<i64> {
    match order_type {
        1 => Some(detail_type::NEW_PURCHASE),
        2 if auto_renewal => Some(detail_type::AUTO_RENEWAL),
        2 => Some(detail_type::RENEWAL),
        3 => Some(detail_type::CHANGE),
        _ => None,
    }
}

/// Splits `total` cents over `weights` in proportion, by largest remainder: the parts sum to
/// `total` exactly and each is within one cent of `total × weight / Σweights`. Ties in the
/// remainder go to the earlier part. All weights zero (or none positive): split evenly the same
/// way. Negative totals split as their absolute value, negated. Empty `weights`: empty.
pub fn split(total: i64, weights: &[i64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    if total < 0 {
        return split(-total, weights).into_iter().map(|x| -x).collect();
    }
    let clean: Vec<i128> = weights.iter().map(|&w| w.max(0) as i128).collect();
    let sum: i128 = clean.iter().sum();
    let (w, sum) = if sum == 0 {
        (vec![1i128; weights.len()], weights.len() as i128)
    } else {
        (clean, sum)
    };
    let total = total as i128;
    let mut parts: Vec<i128> = w.iter().map(|&x| total * x / sum).collect();
    let given: i128 = parts.iter().sum();
    let mut order: Vec<usize> = (0..w.len()).collect();
    // Largest remainder first; the earlier index wins a tie (a stable sort keeps index order).
    order.sort_by_key(|&i| std::cmp::Reverse(total * w[i] % sum));
    for &i in order.iter().take((total - given) as usize) {
        parts[i] += 1;
    }
    parts.into_iter().map(|x| x as i64).collect()
}

/// **Monthly cost (成本摊销, decision).** A yearly/monthly charge's cost is spread evenly over the
/// months it pays for, from its billing month on: a charge of `period_type` 20 (month) for `n`
/// months over `n` months, 19 (year) over `12 × n`. Everything else stands whole in its own
/// month: a refund or a change's refund (its reduction is taken when it happens, not spread
/// back over the months already shown), a one-off or hourly charge, and pay-per-use. The vendor
/// spreads by days; spreading by months keeps every month of a period the same, to the cent, and
/// the shares of a charge add up to it exactly ([`split`], the earlier months taking the odd
/// cents).
pub fn amortization_months(
    bill_detail_type: i64,
    period_type: Option<i64>,
    period_num: Option<i64>,
) -> i64 {
    if matches!(
        bill_detail_type,
        detail_type::REFUND_UNSUBSCRIBE
            | detail_type::REFUND_CHANGE
            | detail_type::REFUND_TO_ON_DEMAND
    ) {
        return 1;
    }
    let n = period_num.unwrap_or(1).max(1);
    match period_type {
        Some(19) => n.saturating_mul(12),
        Some(20) => n,
        _ => 1,
    }
}

/// One month's view of an amortized amount: what earlier months took, this month's share, and
/// what later months will take. The three add up to the amount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amortized {
    pub past: i64,
    pub current: i64,
    pub future: i64,
}

/// `total` cents spread over `months` months (at least 1), seen from the month `index` months
/// after the first: before the first month everything is in the future, after the last all in
/// the past.
pub fn amortize(total: i64, months: i64, index: i64) -> Amortized {
    let months = months.max(1);
    if index < 0 {
        return Amortized {
            future: total,
            ..Default::default()
        };
    }
    if index >= months {
        return Amortized {
            past: total,
            ..Default::default()
        };
    }
    let shares = split(total, &vec![1; months as usize]);
    let i = index as usize;
    Amortized {
        past: shares[..i].iter().sum(),
        current: shares[i],
        future: shares[i + 1..].iter().sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_last_months_cross_a_year() {
        let feb = BillCycle::parse("2026-02").unwrap();
        let got: Vec<String> = feb.last_months(4).iter().map(|c| c.to_string()).collect();
        assert_eq!(got, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(feb.last_months(12).len(), 12);
        assert!(feb.last_months(0).is_empty());
        assert_eq!(
            BillCycle::parse("2026-01").unwrap().prev().to_string(),
            "2025-12"
        );
    }

    #[test]
    fn cycles_parse_strictly() {
        assert_eq!(BillCycle::parse("2026-12").unwrap().to_string(), "2026-12");
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-12",
            "2026/12",
            "2026-12-01",
            "",
            "２０２６-12",
        ] {
            assert!(BillCycle::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_month_is_the_business_time_zones() {
        // 2026-11-30T16:30Z is 2026-12-01 00:30 in Shanghai.
        let ms = timefmt::parse_utc("2026-11-30T16:30:00Z").unwrap();
        assert_eq!(BillCycle::of_ms(ms).to_string(), "2026-12");
        let ms = timefmt::parse_utc("2026-11-30T15:59:59Z").unwrap();
        assert_eq!(BillCycle::of_ms(ms).to_string(), "2026-11");
        let (start, end) = BillCycle::parse("2026-12").unwrap().span_ms();
        assert_eq!(timefmt::format_utc(start), "2026-11-30T16:00:00Z");
        assert_eq!(timefmt::format_utc(end), "2026-12-31T16:00:00Z");
    }

    #[test]
    fn the_detail_window_is_eighteen_months_back_to_now() {
        let now = timefmt::parse_utc("2026-12-07T00:00:00Z").unwrap();
        let ok = |s| within_detail_window(BillCycle::parse(s).unwrap(), now);
        assert!(ok("2026-12"));
        assert!(ok("2025-07"));
        assert!(!ok("2025-06"));
        assert!(!ok("2027-01"));
    }

    #[test]
    fn splits_by_largest_remainder() {
        assert_eq!(split(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(split(-100, &[1, 1, 1]), vec![-34, -33, -33]);
        assert_eq!(split(10, &[0, 0]), vec![5, 5]);
        assert_eq!(split(7, &[300, 0, 700]), vec![2, 0, 5]);
        assert_eq!(split(0, &[5, 5]), vec![0, 0]);
        assert!(split(5, &[]).is_empty());
    }

    proptest! {
        #[test]
        fn split_parts_add_up_and_stay_within_a_cent(
            total in -1_000_000_000i64..1_000_000_000,
            weights in proptest::collection::vec(0i64..10_000_000, 1..20),
        ) {
            let parts = split(total, &weights);
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            // |part − total·w/Σw| < 1, in integers: |part·Σw − total·w| < Σw.
            let (w, sum): (Vec<i128>, i128) = match weights.iter().map(|&w| w as i128).sum() {
                0 => (vec![1; weights.len()], weights.len() as i128),
                s => (weights.iter().map(|&w| w as i128).collect(), s),
            };
            for (p, w) in parts.iter().zip(w) {
                prop_assert!((*p as i128 * sum - total as i128 * w).abs() < sum);
            }
        }

        #[test]
        fn months_count_forward(y in 2000i32..2100, m in 1u8..=12, k in 0i64..60) {
            let c = BillCycle::parse(&format!("{y:04}-{m:02}")).unwrap();
            let mut d = c;
            for _ in 0..k { d = d.next(); }
            prop_assert_eq!(d.months_after(c), k);
            let (s, e) = d.span_ms();
            prop_assert_eq!(BillCycle::of_ms(s), d);
            prop_assert_eq!(BillCycle::of_ms(e - 1), d);
        }
    }

    #[test]
    fn amortization_spreads_periods_and_keeps_refunds_whole() {
        assert_eq!(amortization_months(1, Some(20), Some(3)), 3);
        assert_eq!(amortization_months(2, Some(19), Some(1)), 12);
        assert_eq!(amortization_months(1, Some(20), None), 1);
        assert_eq!(amortization_months(4, Some(20), Some(3)), 1);
        assert_eq!(amortization_months(20, Some(19), Some(2)), 1);
        assert_eq!(amortization_months(1, Some(5), Some(1)), 1);
        assert_eq!(amortization_months(5, None, None), 1);
        // 100.00 over 3 months: 33.34, 33.33, 33.33.
        assert_eq!(
            amortize(10_000, 3, 0),
            Amortized {
                past: 0,
                current: 3334,
                future: 6666
            }
        );
        assert_eq!(
            amortize(10_000, 3, 1),
            Amortized {
                past: 3334,
                current: 3333,
                future: 3333
            }
        );
        assert_eq!(
            amortize(10_000, 3, 2),
            Amortized {
                past: 6667,
                current: 3333,
                future: 0
            }
        );
        assert_eq!(
            amortize(10_000, 3, 3),
            Amortized {
                past: 10_000,
                ..Default::default()
            }
        );
        assert_eq!(
            amortize(10_000, 3, -1),
            Amortized {
                future: 10_000,
                ..Default::default()
            }
        );
        assert_eq!(
            amortize(-500, 1, 0),
            Amortized {
                current: -500,
                ..Default::default()
            }
        );
    }

    proptest! {
        #[test]
        fn amortized_parts_add_up(total in -10_000_000i64..10_000_000, months in 1i64..40, index in -2i64..42) {
            let a = amortize(total, months, index);
            prop_assert_eq!(a.past + a.current + a.future, total);
            let shares: i64 = (0..months).map(|i| amortize(total, months, i).current).sum();
            prop_assert_eq!(shares, total);
        }
    }
}
