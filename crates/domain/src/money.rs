//! Exact money.
//!
//! Every amount in Partner Center is an integer count of **cents** (1/100 of the currency unit),
//! held in an `i64`. The vendor's wire formats carry amounts as JSON numbers with at most two
//! decimals (`10.50`); we parse those digits exactly (never through `f64`) and print them back with
//! exactly two decimals. Arithmetic is checked: an overflow is an error, never a wrap.
//!
//! Rounding rule (docs/ARCHITECTURE.md, invariant 1): computations that produce fractions of a cent (prices × discount,
//! pro-rata refunds) are done on integers with a wider intermediate and rounded **half-up (away
//! from zero on .5), to the cent, once, at the last step**: see [`Money::mul_ratio`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Cents per currency unit.
pub const SCALE: i64 = 100;

/// An exact amount of money in cents. May be negative (ledger balances of source accounts,
/// refund lines); whether a negative value is acceptable is decided by the caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not a decimal amount: {0:?}")]
    Syntax(String),
    #[error("an amount may have at most 2 decimal places: {0:?}")]
    TooPrecise(String),
    #[error("amount out of range: {0:?}")]
    Overflow(String),
}

impl MoneyError {
    /// The detail in Chinese (`Display` is the English one).
    pub fn zh(&self) -> String {
        match self {
            MoneyError::Syntax(s) => format!("不是有效的金额：{s:?}"),
            MoneyError::TooPrecise(s) => format!("金额最多 2 位小数：{s:?}"),
            MoneyError::Overflow(s) => format!("金额超出范围：{s:?}"),
        }
    }
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    pub fn checked_neg(self) -> Option<Money> {
        self.0.checked_neg().map(Money)
    }

    /// `self × num / den`, rounded half-up (away from zero) to the cent. `den` must be > 0.
    /// Uses an `i128` intermediate so no precision is lost before the single rounding step.
    pub fn mul_ratio(self, num: i64, den: i64) -> Option<Money> {
        if den <= 0 {
            return None;
        }
        let p = (self.0 as i128) * (num as i128);
        let d = den as i128;
        let q = p / d;
        let r = p % d;
        // Half-up away from zero: round when 2|r| >= d.
        let q = if 2 * r.abs() >= d { q + p.signum() } else { q };
        i64::try_from(q).ok().map(Money)
    }

    /// Parses a decimal string such as `10`, `10.5`, `10.50`, `-3.07`, `0.010` (trailing zeros
    /// beyond two places are accepted when they are zeros). Exponents are accepted when the value is
    /// exact at two decimals (`1.05e1`), because JSON allows them.
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let err = || MoneyError::Syntax(s.to_string());
        let t = s.trim();
        if t.is_empty() {
            return Err(err());
        }
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => {
                let e: i32 = t[i + 1..].parse().map_err(|_| err())?;
                (&t[..i], e)
            }
            None => (t, 0),
        };
        let (neg, digits) = match mantissa.as_bytes().first() {
            Some(b'-') => (true, &mantissa[1..]),
            Some(b'+') => (false, &mantissa[1..]),
            _ => (false, mantissa),
        };
        let (int_part, frac_part) = match digits.find('.') {
            Some(i) => (&digits[..i], &digits[i + 1..]),
            None => (digits, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err());
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        // All significant digits, and the power of ten of the last one.
        let all: String = format!("{int_part}{frac_part}");
        // In i64: an exponent near i32::MIN or i32::MAX must not overflow (it panicked in debug
        // builds, e.g. `1e2147483647` posted as an amount).
        let frac_len = i64::try_from(frac_part.len()).map_err(|_| err())?;
        let mut pow = i64::from(exp) - frac_len; // value = all × 10^pow
        let mut all = all.trim_start_matches('0').to_string();
        // Drop trailing zeros while the power is below cents.
        while pow < -2 && all.ends_with('0') {
            all.pop();
            pow += 1;
        }
        if pow < -2 {
            return Err(MoneyError::TooPrecise(s.to_string()));
        }
        if all.is_empty() {
            return Ok(Money(0));
        }
        if all.len() > 20 {
            return Err(MoneyError::Overflow(s.to_string()));
        }
        let base: i128 = all.parse().map_err(|_| err())?;
        // Multiply by 10^shift to reach cents (pow >= -2 here).
        let shift = u32::try_from(pow + 2).map_err(|_| MoneyError::Overflow(s.to_string()))?;
        let cents = 10i128
            .checked_pow(shift)
            .and_then(|m| base.checked_mul(m))
            .ok_or_else(|| MoneyError::Overflow(s.to_string()))?;
        let cents = if neg { -cents } else { cents };
        i64::try_from(cents)
            .map(Money)
            .map_err(|_| MoneyError::Overflow(s.to_string()))
    }
}

impl fmt::Display for Money {
    /// Always two decimals: `10.50`, `-0.07`, `0.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / SCALE as u64, a % SCALE as u64)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

/// On the wire a money value is a plain JSON number with its exact digits (`10.50`).
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n: serde_json::Number = self
            .to_string()
            .parse()
            .map_err(serde::ser::Error::custom)?;
        n.serialize(s)
    }
}

/// Accepts a JSON number (its literal digits, thanks to serde_json's `arbitrary_precision`) or a
/// string holding a decimal. Never goes through `f64`.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(serde_json::Number),
            Str(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Num(n) => n.to_string(),
            Raw::Str(s) => s,
        };
        Money::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_vendor_decimals_exactly() {
        assert_eq!(Money::parse("10.50").unwrap().cents(), 1050);
        assert_eq!(Money::parse("10.5").unwrap().cents(), 1050);
        assert_eq!(Money::parse("10").unwrap().cents(), 1000);
        assert_eq!(Money::parse("0.01").unwrap().cents(), 1);
        assert_eq!(Money::parse("-3.07").unwrap().cents(), -307);
        assert_eq!(Money::parse("0.100").unwrap().cents(), 10);
        assert_eq!(Money::parse("1.05e1").unwrap().cents(), 1050);
        assert_eq!(Money::parse("1e2").unwrap().cents(), 10000);
        assert_eq!(Money::parse(".5").unwrap().cents(), 50);
        // 0.1 + 0.2 style values stay exact.
        assert_eq!(Money::parse("0.3").unwrap().cents(), 30);
    }

    #[test]
    fn rejects_bad_or_too_precise_input() {
        assert!(matches!(
            Money::parse("0.001"),
            Err(MoneyError::TooPrecise(_))
        ));
        assert!(matches!(
            Money::parse("1.234"),
            Err(MoneyError::TooPrecise(_))
        ));
        for bad in ["", "abc", "1.2.3", "--1", "1e", "NaN", "1,00", " . "] {
            assert!(Money::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(Money::parse("1e30"), Err(MoneyError::Overflow(_))));
        assert!(matches!(
            Money::parse("99999999999999999999"),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn json_round_trip_keeps_digits() {
        let m: Money = serde_json::from_str("10.50").unwrap();
        assert_eq!(m.cents(), 1050);
        assert_eq!(serde_json::to_string(&m).unwrap(), "10.50");
        let m: Money = serde_json::from_str("\"7.1\"").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "7.10");
        assert!(serde_json::from_str::<Money>("0.005").is_err());
        assert!(serde_json::from_str::<Money>("true").is_err());
    }

    #[test]
    fn half_up_rounding() {
        // 10.05 × 0.5 = 5.025 → 5.03
        assert_eq!(
            Money::from_cents(1005).mul_ratio(1, 2).unwrap().cents(),
            503
        );
        assert_eq!(
            Money::from_cents(-1005).mul_ratio(1, 2).unwrap().cents(),
            -503
        );
        assert_eq!(
            Money::from_cents(1004).mul_ratio(1, 3).unwrap().cents(),
            335
        );
        assert_eq!(Money::from_cents(100).mul_ratio(1, 0), None);
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(c in any::<i64>().prop_filter("not MIN", |c| *c != i64::MIN)) {
            let m = Money::from_cents(c);
            prop_assert_eq!(Money::parse(&m.to_string()).unwrap(), m);
        }

        #[test]
        fn mul_ratio_is_within_half_a_cent(c in -1_000_000_000i64..1_000_000_000, n in 0i64..1000, d in 1i64..1000) {
            let exact = (c as f64) * (n as f64) / (d as f64);
            let got = Money::from_cents(c).mul_ratio(n, d).unwrap().cents() as f64;
            prop_assert!((got - exact).abs() <= 0.5 + 1e-6);
        }
    }
}
