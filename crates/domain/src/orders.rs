//! Yearly/monthly (包年/包月) orders, pure: the vendor's status, type and period codes
//! (the vendor's help pages, §16.2), the order state machine, period arithmetic, list-price arithmetic
//! and partner-granted discounts.
//!
//! **State machine (decisions where the vendor's help pages are silent).** An order is created in
//! `6 pending payment` with a payment deadline ([`PAYMENT_WINDOW_MS`] after creation). Paying it
//! provisions its resources in the same transaction, so it goes straight to `5 completed`
//! (the vendor's `3 processing` is never observable here). Cancelling (the customer) or the
//! deadline passing (the `order-expiry` job) moves it to `4 cancelled`. Nothing else moves an
//! order; `1`, `2`, `9` and the hardware states are never produced.
//!
//! **Discount rule (decision, the vendor's API reference).** A partner may grant one of its
//! customers a discount on one product or on every product, as a ratio of the list price that is
//! paid (`0.85` = 15% off, the vendor's "8.5折"), never below the operator's floor
//! ([`DEFAULT_DISCOUNT_FLOOR_BP`] unless configured). For an order, each line's discounted price
//! is `round_half_up(official × ratio)`; the discount is the difference. When several discounts
//! apply to a line, the product-specific one wins over the all-products one (the partner said
//! something more specific); among equals the newest wins. At most one discount is used per
//! payment.

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// How long a new order waits for payment: 7 days (decision; the vendor shows a per-order
/// `pending_payment_end_time` without publishing its rule).
pub const PAYMENT_WINDOW_MS: i64 = 7 * 86_400_000;

/// The lowest ratio a partner may grant unless the operator configures another: 0.70 ("7折").
pub const DEFAULT_DISCOUNT_FLOOR_BP: i64 = 7000;

/// Fee-item discount type of a partner-granted discount in `amount_info.discounts[]`
/// (`DiscountItemV2.discount_type`, a string: 607 合作伙伴授权折扣).
pub const FEE_ITEM_PARTNER_DISCOUNT: &str = "607";
/// `DiscountInfoV3.discount_type` / pay `discount_infos[].type` of a partner-granted discount.
pub const DISCOUNT_TYPE_PARTNER: i64 = 3;
/// `OptionalDiscountRatingResult.discount_type` of a partner-set discount rate.
pub const RATING_DISCOUNT_PARTNER: i64 = 607;
/// `DiscountInfoV3.discount_type` / pay `discount_infos[].type` of an operator promotion.
pub const DISCOUNT_TYPE_PROMOTION: i64 = 0;
/// Fee-item discount type of a promotion (`DiscountItemV2.discount_type` 700 促销折扣).
pub const FEE_ITEM_PROMOTION: &str = "700";

/// Type and fee item of an order price adjustment (订单调价折扣, 609).
pub const DISCOUNT_TYPE_ADJUSTMENT: i64 = 609;
pub const FEE_ITEM_ADJUSTMENT: &str = "609";

/// Who offers a discount: the customer's partner (type 3), the operator's promotion (type 0), or
/// the operator's price adjustment of one order (609, which a payment must use: R11.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiscountKind {
    Partner,
    Promotion,
    Adjustment,
}

impl DiscountKind {
    /// `discount_infos[].type` / `DiscountInfoV3.discount_type`.
    pub fn pay_type(self) -> i64 {
        match self {
            DiscountKind::Partner => DISCOUNT_TYPE_PARTNER,
            DiscountKind::Promotion => DISCOUNT_TYPE_PROMOTION,
            DiscountKind::Adjustment => DISCOUNT_TYPE_ADJUSTMENT,
        }
    }
    /// `DiscountItemV2.discount_type` (a string) and the rating's `discount_type` (a number).
    pub fn fee_item(self) -> &'static str {
        match self {
            DiscountKind::Partner => FEE_ITEM_PARTNER_DISCOUNT,
            DiscountKind::Promotion => FEE_ITEM_PROMOTION,
            DiscountKind::Adjustment => FEE_ITEM_ADJUSTMENT,
        }
    }
}

/// `OrderLineItemV3.discount_mode`: 0 rate, 2 amount off.
pub const DISCOUNT_MODE_RATE: i64 = 0;
pub const DISCOUNT_MODE_AMOUNT: i64 = 2;

macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($v:ident = $c:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn code(self) -> i64 { match self { $($name::$v => $c),* } }
            pub fn from_code(c: i64) -> Option<$name> {
                match c { $($c => Some($name::$v),)* _ => None }
            }
        }
    };
}

coded!(
    /// `status` of an order.
    OrderStatus {
        PendingReview = 1,
        PendingRefund = 2,
        Processing = 3,
        Cancelled = 4,
        Completed = 5,
        PendingPayment = 6,
        PendingConfirmation = 9,
    }
);

coded!(
    /// `order_type`: an integer in responses, a string in the `list_customer_orders` query.
    OrderType {
        New = 1,
        Renew = 2,
        Change = 3,
        Unsubscribe = 4,
        PeriodToOnDemand = 10,
        OnDemandToPeriod = 11,
        Trial = 13,
        TrialToCommercial = 14,
        FeeAdjustment = 15,
    }
);

coded!(
    /// `source_type`: who placed the order.
    SourceType {
        Customer = 1,
        Agent = 2,
        Contract = 3,
        Distributor = 4,
        PageDeletedResource = 5,
        Backfilled = 6,
        Compensation = 7,
        SystemCreated = 8,
    }
);

coded!(
    /// `period_type` of an order line / a rating request.
    PeriodType {
        Day = 0,
        Week = 1,
        Month = 2,
        Year = 3,
        Hour = 4,
        OneOff = 5,
    }
);

coded!(
    /// Resource status.
    ResourceStatus {
        InUse = 2,
        Closed = 3,
        Frozen = 4,
        Expired = 5,
    }
);

impl OrderStatus {
    /// Only a pending-payment order may be paid (R11.2) or cancelled (R11.1).
    pub fn is_payable(self) -> bool {
        self == OrderStatus::PendingPayment
    }
}

/// Resource expire policies (`expire_policy`).
pub const EXPIRE_POLICY_GRACE: i64 = 0;
/// Change to pay-per-use at expiry (到期转按需, `crate::to_on_demand`).
pub const EXPIRE_POLICY_TO_ON_DEMAND: i64 = 1;
pub const EXPIRE_POLICY_AUTO_RENEW: i64 = 3;

/// Largest period counts one order may buy: 1–11 months or 1–3 years, as the vendor's renewal
/// (the vendor's API reference); a quote accepts the same.
pub fn check_period(period: PeriodType, num: i64) -> Result<(), crate::Detail> {
    match period {
        PeriodType::Month if (1..=11).contains(&num) => Ok(()),
        PeriodType::Year if (1..=3).contains(&num) => Ok(()),
        PeriodType::Month => Err(crate::Detail::new(
            "period_num must be 1–11 for months",
            "包月时 period_num 须为 1–11。",
        )),
        PeriodType::Year => Err(crate::Detail::new(
            "period_num must be 1–3 for years",
            "包年时 period_num 须为 1–3。",
        )),
        _ => Err(crate::Detail::new(
            "period_type must be 2 (month) or 3 (year)",
            "period_type 必须是 2（包月）或 3（包年）。",
        )),
    }
}

/// Days in a month of a year.
fn days_in_month(year: i32, month: u8) -> u8 {
    time::util::days_in_month(
        time::Month::try_from(month).unwrap_or(time::Month::January),
        year,
    )
}

/// `ms` plus `months` calendar months in UTC; the day is clamped to the target month's last day
/// (31 January + 1 month = 28/29 February).
pub fn add_months(ms: i64, months: i64) -> i64 {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let total = t.year() as i64 * 12 + (t.month() as i64 - 1) + months;
    let year = total.div_euclid(12) as i32;
    let month = (total.rem_euclid(12) + 1) as u8;
    let day = t.day().min(days_in_month(year, month));
    let date = time::Month::try_from(month)
        .ok()
        .and_then(|m| time::Date::from_calendar_date(year, m, day).ok())
        .unwrap_or(t.date());
    let out = t.replace_date(date);
    (out.unix_timestamp_nanos() / 1_000_000) as i64
}

/// When a period bought at `start_ms` ends.
pub fn period_end(start_ms: i64, period: PeriodType, num: i64) -> i64 {
    match period {
        PeriodType::Year => add_months(start_ms, 12 * num),
        _ => add_months(start_ms, num),
    }
}

/// The list price of one line: unit price × period count × quantity × size (linear products,
/// e.g. GB of disk; `None` for others). `None` on overflow.
pub fn line_price(unit: Money, period_num: i64, count: i64, size: Option<i64>) -> Option<Money> {
    let n = period_num
        .checked_mul(count)?
        .checked_mul(size.unwrap_or(1))?;
    Some(Money::from_cents(unit.cents().checked_mul(n)?))
}

/// A discount ratio in basis points of the price that is paid, strictly between 0 and 1. Saved
/// (a use case's output) as its basis points; reading one back checks the range again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Ratio(i64);

impl TryFrom<i64> for Ratio {
    type Error = String;
    fn try_from(bp: i64) -> Result<Ratio, String> {
        Ratio::from_bp(bp).ok_or_else(|| format!("{bp} is not a ratio in basis points"))
    }
}

impl From<Ratio> for i64 {
    fn from(r: Ratio) -> i64 {
        r.0
    }
}

impl Ratio {
    pub fn from_bp(bp: i64) -> Option<Ratio> {
        (1..10_000).contains(&bp).then_some(Ratio(bp))
    }

    pub fn bp(self) -> i64 {
        self.0
    }

    /// Parses `0.85` (at most 4 decimals).
    pub fn parse(s: &str) -> Option<Ratio> {
        let s = s.trim();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int != "0"
            || frac.is_empty()
            || frac.len() > 4
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let bp: i64 = format!("{frac:0<4}").parse().ok()?;
        Ratio::from_bp(bp)
    }

    /// What is paid of `official`: rounded half-up to the cent.
    pub fn apply(self, official: Money) -> Money {
        official.mul_ratio(self.0, 10_000).unwrap_or(official)
    }

    /// The discount on `official` (`official - apply(official)`).
    pub fn discount_on(self, official: Money) -> Money {
        official
            .checked_sub(self.apply(official))
            .unwrap_or(Money::ZERO)
    }
}

impl std::fmt::Display for Ratio {
    /// `0.85`, `0.8`, `0.8765`: the shortest decimal form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = format!("{:04}", self.0);
        write!(f, "0.{}", s.trim_end_matches('0'))
    }
}

/// A pay request's `YES` / `NO` flag (`use_coupon`, `use_discount`).
pub fn parse_yes_no(field: &str, v: &str) -> Result<bool, crate::Detail> {
    match v {
        "YES" => Ok(true),
        "NO" => Ok(false),
        _ => Err(crate::Detail::new(
            format!("{field} must be YES or NO"),
            format!("{field} 必须是 YES 或 NO。"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timefmt::{format_utc, parse_utc};

    #[test]
    fn ratios_are_saved_as_basis_points_and_checked_when_read() {
        let r = Ratio::from_bp(8500).unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "8500");
        assert_eq!(serde_json::from_str::<Ratio>("8500").unwrap(), r);
        assert!(serde_json::from_str::<Ratio>("0").is_err());
        assert!(serde_json::from_str::<Ratio>("10000").is_err());
    }

    #[test]
    fn codes_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::from_code(s.code()), Some(*s));
        }
        assert_eq!(OrderType::from_code(4), Some(OrderType::Unsubscribe));
        assert_eq!(OrderType::from_code(5), None);
        assert!(OrderStatus::PendingPayment.is_payable());
        assert!(!OrderStatus::Completed.is_payable());
    }

    #[test]
    fn months_are_calendar_months() {
        let t = parse_utc("2026-01-31T10:00:00Z").unwrap();
        assert_eq!(format_utc(add_months(t, 1)), "2026-02-28T10:00:00Z");
        assert_eq!(format_utc(add_months(t, 13)), "2027-02-28T10:00:00Z");
        let l = parse_utc("2028-01-31T00:00:00Z").unwrap();
        assert_eq!(format_utc(add_months(l, 1)), "2028-02-29T00:00:00Z");
        assert_eq!(
            format_utc(period_end(t, PeriodType::Year, 2)),
            "2028-01-31T10:00:00Z"
        );
        assert!(check_period(PeriodType::Month, 12).is_err());
        assert!(check_period(PeriodType::Year, 3).is_ok());
        assert!(check_period(PeriodType::Day, 1).is_err());
    }

    #[test]
    fn prices_and_discounts() {
        assert_eq!(
            line_price(Money::from_cents(100), 3, 2, Some(40)),
            Some(Money::from_cents(24_000))
        );
        assert_eq!(line_price(Money::from_cents(i64::MAX), 2, 1, None), None);
        let r = Ratio::parse("0.85").unwrap();
        assert_eq!(r.bp(), 8500);
        assert_eq!(r.to_string(), "0.85");
        assert_eq!(Ratio::parse("0.8").unwrap().to_string(), "0.8");
        for bad in [
            "1", "1.0", "0.0", "0", "0.12345", "-0.5", "0.", "abc", "0.8x",
        ] {
            assert!(Ratio::parse(bad).is_none(), "{bad}");
        }
        // 35.70 × 0.85 = 30.345 → 30.35 (half-up), discount 5.35.
        assert_eq!(r.apply(Money::from_cents(3570)), Money::from_cents(3035));
        assert_eq!(
            r.discount_on(Money::from_cents(3570)),
            Money::from_cents(535)
        );
        assert!(parse_yes_no("use_coupon", "yes").is_err());
        assert_eq!(parse_yes_no("use_coupon", "NO"), Ok(false));
    }
}
