//! Pay-per-use (按需) usage, pure: parsing a usage line, rating it against a product's hourly
//! price and its monthly tiers, and letting resource packages absorb it first.
//!
//! Decisions where the vendor's pages are silent (the vendor rates its own meters; we take usage
//! from the deployment's metering through an import):
//! - **A usage line** is `usage_id, customer_id, resource_id, product_id, usage, begin_time,
//!   end_time`, plus optional `resource_size` (linear products: GB, Mbit/s) and `resource_name`.
//!   `usage` is hours of use, a decimal with at most six places; it is kept as whole
//!   millionths of an hour ([`Quantity`]), so nothing is ever a float.
//! - **Rating.** A line costs `usage × hourly price × size` (size 1 for non-linear products).
//!   Where the catalogue has tiers for the product, the hourly price depends on how much of the
//!   product the customer already used in the line's billing month: each part of the line is
//!   priced at the tier it falls in. The exact product (in millionths of a cent) is rounded
//!   half-up to the cent **once per line**, so a line's charge is the nearest cent to its exact
//!   price and never drifts with how the line was split over tiers.
//! - **Resource packages** (资源包) absorb usage before it is rated: a package bought as a
//!   yearly/monthly product carries a free quantity of hours for one resource type in one region,
//!   valid for the period bought. The package that expires first is used first (then the oldest),
//!   so nothing is wasted that could have been used; only what no package covers is rated, and at
//!   the tier that usage would have reached counting the absorbed hours as used.

use serde::{Deserialize, Serialize};

use crate::timefmt;

/// Millionths of one unit of usage (one hour, for every product this deployment rates).
pub const MICROS: i64 = 1_000_000;

/// The vendor's measure id for hours (`usage_measure_id`, `free_resource_measure_id`).
pub const MEASURE_HOUR: i64 = 4;

/// A quantity of usage in millionths of an hour. Never negative.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Quantity(i64);

impl Quantity {
    pub const ZERO: Quantity = Quantity(0);

    pub fn from_micros(m: i64) -> Quantity {
        Quantity(m.max(0))
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    /// Parses a decimal such as `1`, `0.5`, `12.000001`: digits, at most one point, at most six
    /// places after it, at most 1,000,000 hours (a line longer than a century of use is an error
    /// in the meter, not usage).
    pub fn parse(s: &str) -> Result<Quantity, UsageError> {
        let s = s.trim();
        let bad = || UsageError::BadUsage(s.to_string());
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 6
            || int.len() > 7
        {
            return Err(bad());
        }
        let whole: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| bad())?
        };
        let mut places: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        for _ in frac.len()..6 {
            places *= 10;
        }
        let micros = whole * MICROS + places;
        if micros > 1_000_000 * MICROS {
            return Err(bad());
        }
        Ok(Quantity(micros))
    }

    /// The decimal form, without trailing zeros (`1.5`, `2`, `0.000001`).
    pub fn to_decimal(self) -> String {
        let whole = self.0 / MICROS;
        let frac = self.0 % MICROS;
        if frac == 0 {
            return whole.to_string();
        }
        let f = format!("{frac:06}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    }

    pub fn saturating_sub(self, o: Quantity) -> Quantity {
        Quantity((self.0 - o.0).max(0))
    }

    pub fn plus(self, o: Quantity) -> Quantity {
        Quantity(self.0.saturating_add(o.0))
    }
}

/// Why a usage line is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    #[error("{0} is missing")]
    Missing(&'static str),
    #[error("{0} is longer than 64 characters")]
    TooLong(&'static str),
    #[error("usage {0:?} is not a number of hours with at most six decimal places")]
    BadUsage(String),
    #[error("usage must be more than zero")]
    ZeroUsage,
    #[error("resource_size {0:?} is not a whole number from 1 to 100000")]
    BadSize(String),
    #[error("{0} {1:?} is not a time of the form 2026-11-30T16:00:00Z")]
    BadTime(&'static str, String),
    #[error("end_time is not after begin_time")]
    EndBeforeBegin,
    #[error("end_time is in the future")]
    InTheFuture,
}

/// A usage line as it arrives (strings, from a CSV row, a JSON line or an API body).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RawUsage {
    #[serde(default)]
    pub usage_id: String,
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub resource_id: String,
    #[serde(default)]
    pub product_id: String,
    /// Hours, as a decimal string (a JSON number is accepted too, by the adapters).
    #[serde(default)]
    pub usage: String,
    #[serde(default)]
    pub resource_size: Option<String>,
    #[serde(default)]
    pub begin_time: String,
    #[serde(default)]
    pub end_time: String,
    #[serde(default)]
    pub resource_name: Option<String>,
}

/// A usage line, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub usage_id: String,
    pub customer_id: String,
    pub resource_id: String,
    pub product_id: String,
    pub quantity: Quantity,
    /// 1 for non-linear products.
    pub size: i64,
    pub begin_ms: i64,
    pub end_ms: i64,
    pub resource_name: Option<String>,
}

fn id_field(name: &'static str, v: &str) -> Result<String, UsageError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(UsageError::Missing(name));
    }
    if v.chars().count() > 64 {
        return Err(UsageError::TooLong(name));
    }
    Ok(v.to_string())
}

impl RawUsage {
    /// Checks a line's own fields; `now_ms` refuses usage that has not ended yet.
    pub fn parse(&self, now_ms: i64) -> Result<Usage, UsageError> {
        let usage_id = id_field("usage_id", &self.usage_id)?;
        let customer_id = id_field("customer_id", &self.customer_id)?;
        let resource_id = id_field("resource_id", &self.resource_id)?;
        let product_id = id_field("product_id", &self.product_id)?;
        if self.usage.trim().is_empty() {
            return Err(UsageError::Missing("usage"));
        }
        let quantity = Quantity::parse(&self.usage)?;
        if quantity == Quantity::ZERO {
            return Err(UsageError::ZeroUsage);
        }
        let size = match self.resource_size.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=100_000).contains(&n) => n,
                _ => return Err(UsageError::BadSize(s.to_string())),
            },
        };
        let time = |name: &'static str, v: &str| {
            let v = v.trim();
            if v.is_empty() {
                return Err(UsageError::Missing(name));
            }
            timefmt::parse_utc(v).ok_or_else(|| UsageError::BadTime(name, v.to_string()))
        };
        let begin_ms = time("begin_time", &self.begin_time)?;
        let end_ms = time("end_time", &self.end_time)?;
        if end_ms <= begin_ms {
            return Err(UsageError::EndBeforeBegin);
        }
        if end_ms > now_ms {
            return Err(UsageError::InTheFuture);
        }
        let resource_name = match self.resource_name.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) if n.chars().count() > 128 => return Err(UsageError::TooLong("resource_name")),
            Some(n) => Some(n.to_string()),
        };
        Ok(Usage {
            usage_id,
            customer_id,
            resource_id,
            product_id,
            quantity,
            size,
            begin_ms,
            end_ms,
            resource_name,
        })
    }
}

/// One tier of a product's hourly price: from `from` hours of the customer's month on, an hour
/// costs `hour_price_cents` (per unit of size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub from: Quantity,
    pub hour_price_cents: i64,
}

/// The price of `q` more hours of a product of which the customer already used `before` this
/// month, at `size` units: in cents, rounded half-up once (see the module's header). `tiers`
/// sorted by `from`; without tiers (or below the first one) the hour costs `base_cents`.
pub fn rate(base_cents: i64, tiers: &[Tier], before: Quantity, q: Quantity, size: i64) -> i64 {
    // Exact price in millionths of a cent: hours(micro) × cents per hour × size.
    let mut exact: i128 = 0;
    let mut at = before.micros() as i128;
    let end = at + q.micros() as i128;
    while at < end {
        // The price in force at `at`, and where the next tier starts.
        let mut price = base_cents as i128;
        let mut next = i128::MAX;
        for t in tiers {
            let from = t.from.micros() as i128;
            if from <= at {
                price = t.hour_price_cents as i128;
            } else {
                next = next.min(from);
            }
        }
        let upto = end.min(next);
        exact += (upto - at) * price * size as i128;
        at = upto;
    }
    let m = MICROS as i128;
    let cents = (exact + m / 2).div_euclid(m);
    cents.clamp(0, i64::MAX as i128) as i64
}

/// A package's free quantity still available for a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Free {
    pub id: String,
    pub remaining: Quantity,
    pub expire_ms: i64,
    pub effective_ms: i64,
}

/// How much of `q` each package takes, first-expiring first: `(package index, taken)`, and the
/// rest that no package covers. Packages not in force at `at_ms` (the usage's end) take nothing.
pub fn absorb(packages: &[Free], q: Quantity, at_ms: i64) -> (Vec<(usize, Quantity)>, Quantity) {
    let mut order: Vec<usize> = (0..packages.len())
        .filter(|&i| {
            let p = &packages[i];
            p.effective_ms <= at_ms && at_ms <= p.expire_ms && p.remaining > Quantity::ZERO
        })
        .collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&packages[a], &packages[b]);
        (pa.expire_ms, pa.effective_ms, &pa.id).cmp(&(pb.expire_ms, pb.effective_ms, &pb.id))
    });
    let mut left = q;
    let mut taken = Vec::new();
    for i in order {
        if left == Quantity::ZERO {
            break;
        }
        let t = packages[i].remaining.min(left);
        taken.push((i, t));
        left = left.saturating_sub(t);
    }
    (taken, left)
}

/// Splits one CSV line into fields: commas separate, a field in double quotes may hold commas
/// and doubled quotes (`""`). Returns `None` for an unterminated quote.
pub fn csv_fields(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(ch) = chars.next() {
        if quoted {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(ch);
            }
            continue;
        }
        match ch {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            ',' => {
                out.push(std::mem::take(&mut cur));
                at_start = true;
            }
            _ => {
                cur.push(ch);
                if !ch.is_whitespace() {
                    at_start = false;
                }
            }
        }
    }
    if quoted {
        return None;
    }
    out.push(cur);
    Some(out)
}

/// The CSV columns a usage file may have; its header names them (any order).
pub const CSV_COLUMNS: [&str; 9] = [
    "usage_id",
    "customer_id",
    "resource_id",
    "product_id",
    "usage",
    "resource_size",
    "begin_time",
    "end_time",
    "resource_name",
];

/// Reads a CSV header: each column's field name. Unknown or repeated columns, or a missing
/// required one, are an error naming it.
pub fn csv_header(line: &str) -> Result<Vec<&'static str>, String> {
    let fields = csv_fields(line).ok_or("the header has an unterminated quote")?;
    let mut cols: Vec<&'static str> = Vec::new();
    for f in fields {
        let name = f.trim().trim_start_matches('\u{feff}');
        let Some(c) = CSV_COLUMNS.iter().find(|c| **c == name) else {
            return Err(format!(
                "unknown column {name:?}; the columns are {}",
                CSV_COLUMNS.join(", ")
            ));
        };
        if cols.contains(c) {
            return Err(format!("column {name:?} appears twice"));
        }
        cols.push(c);
    }
    for required in [
        "usage_id",
        "customer_id",
        "resource_id",
        "product_id",
        "usage",
        "begin_time",
        "end_time",
    ] {
        if !cols.contains(&required) {
            return Err(format!("the header has no {required:?} column"));
        }
    }
    Ok(cols)
}

/// A CSV row under `header`, as a raw usage line.
pub fn csv_row(header: &[&'static str], line: &str) -> Result<RawUsage, String> {
    let fields = csv_fields(line).ok_or("unterminated quote")?;
    if fields.len() != header.len() {
        return Err(format!(
            "{} fields where the header has {}",
            fields.len(),
            header.len()
        ));
    }
    let mut r = RawUsage::default();
    for (name, v) in header.iter().zip(fields) {
        match *name {
            "usage_id" => r.usage_id = v,
            "customer_id" => r.customer_id = v,
            "resource_id" => r.resource_id = v,
            "product_id" => r.product_id = v,
            "usage" => r.usage = v,
            "resource_size" => r.resource_size = Some(v),
            "begin_time" => r.begin_time = v,
            "end_time" => r.end_time = v,
            _ => r.resource_name = Some(v),
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn quantities_parse_exactly() {
        assert_eq!(q("1").micros(), 1_000_000);
        assert_eq!(q("0.5").micros(), 500_000);
        assert_eq!(q(".25").micros(), 250_000);
        assert_eq!(q("12.000001").micros(), 12_000_001);
        assert_eq!(q("3.").micros(), 3_000_000);
        for bad in ["", ".", "-1", "1e3", "0.0000001", "1,5", "abc", "2000000"] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(q("1.500").to_decimal(), "1.5");
        assert_eq!(q("2").to_decimal(), "2");
        assert_eq!(q("0.000001").to_decimal(), "0.000001");
    }

    #[test]
    fn a_line_without_tiers_costs_hours_times_price_rounded_half_up_once() {
        // 1.5 h at 0.35 yuan = 52.5 cents → 53.
        assert_eq!(rate(35, &[], Quantity::ZERO, q("1.5"), 1), 53);
        // 0.1 h at 0.37 yuan, 20 GB = 74 cents exactly.
        assert_eq!(rate(37, &[], Quantity::ZERO, q("0.1"), 20), 74);
        // Below half a cent rounds down.
        assert_eq!(rate(1, &[], Quantity::ZERO, q("0.4"), 1), 0);
    }

    #[test]
    fn a_line_crossing_tiers_pays_each_part_at_its_tier() {
        let tiers = [
            Tier {
                from: q("10"),
                hour_price_cents: 80,
            },
            Tier {
                from: q("100"),
                hour_price_cents: 50,
            },
        ];
        // 5 h used already at 1.00; 10 more: 5 at 1.00, 5 at 0.80 = 9.00.
        assert_eq!(rate(100, &tiers, q("5"), q("10"), 1), 900);
        // 95 → 105: 5 at 0.80, 5 at 0.50.
        assert_eq!(rate(100, &tiers, q("95"), q("10"), 1), 650);
        // Far past the last tier.
        assert_eq!(rate(100, &tiers, q("1000"), q("2"), 1), 100);
    }

    #[test]
    fn packages_expiring_first_absorb_first_and_only_when_in_force() {
        let p = |id: &str, rem: &str, eff: i64, exp: i64| Free {
            id: id.into(),
            remaining: q(rem),
            effective_ms: eff,
            expire_ms: exp,
        };
        let packages = [
            p("late", "10", 0, 500),
            p("early", "3", 0, 200),
            p("future", "100", 300, 900),
        ];
        let (taken, rest) = absorb(&packages, q("5"), 100);
        assert_eq!(taken, vec![(1, q("3")), (0, q("2"))]);
        assert_eq!(rest, Quantity::ZERO);
        let (taken, rest) = absorb(&packages, q("20"), 100);
        assert_eq!(taken, vec![(1, q("3")), (0, q("10"))]);
        assert_eq!(rest, q("7"));
        // After `early` expired and before `future` started.
        let (taken, _) = absorb(&packages, q("1"), 250);
        assert_eq!(taken, vec![(0, q("1"))]);
    }

    #[test]
    fn lines_are_checked_field_by_field() {
        let ok = RawUsage {
            usage_id: "u1".into(),
            customer_id: "c1".into(),
            resource_id: "r1".into(),
            product_id: "p1".into(),
            usage: "1".into(),
            resource_size: None,
            begin_time: "2026-11-01T00:00:00Z".into(),
            end_time: "2026-11-01T01:00:00Z".into(),
            resource_name: None,
        };
        let now = timefmt::parse_utc("2026-12-01T00:00:00Z").unwrap();
        assert!(ok.parse(now).is_ok());
        let bad = |f: fn(&mut RawUsage)| {
            let mut r = ok.clone();
            f(&mut r);
            r.parse(now).unwrap_err()
        };
        assert_eq!(
            bad(|r| r.usage_id = " ".into()),
            UsageError::Missing("usage_id")
        );
        assert_eq!(bad(|r| r.usage = "0".into()), UsageError::ZeroUsage);
        assert!(matches!(
            bad(|r| r.resource_size = Some("0".into())),
            UsageError::BadSize(_)
        ));
        assert_eq!(
            bad(|r| r.end_time = "2026-11-01T00:00:00Z".into()),
            UsageError::EndBeforeBegin
        );
        assert_eq!(
            bad(|r| r.end_time = "2026-12-02T00:00:00Z".into()),
            UsageError::InTheFuture
        );
        assert!(matches!(
            bad(|r| r.begin_time = "yesterday".into()),
            UsageError::BadTime("begin_time", _)
        ));
    }

    #[test]
    fn csv_rows_follow_their_header() {
        let h = csv_header(
            "customer_id,usage_id,resource_id,product_id,usage,begin_time,end_time,resource_name",
        )
        .unwrap();
        let r = csv_row(
            &h,
            r#"c1,u1,r1,p1,1.5,2026-11-01T00:00:00Z,2026-11-01T01:30:00Z,"web, ""blue""""#,
        )
        .unwrap();
        assert_eq!(r.customer_id, "c1");
        assert_eq!(r.usage_id, "u1");
        assert_eq!(r.resource_name.as_deref(), Some(r#"web, "blue""#));
        assert!(csv_row(&h, "c1,u1").unwrap_err().contains("2 fields"));
        assert!(csv_header("usage_id,colour")
            .unwrap_err()
            .contains("colour"));
        assert!(csv_header("usage_id,customer_id")
            .unwrap_err()
            .contains("resource_id"));
        assert_eq!(csv_fields(r#""open"#), None);
    }

    proptest! {
        /// Splitting a line into two at any point never changes what the whole costs by more
        /// than a cent (each part rounds once), and the tiers never make more usage cheaper.
        #[test]
        fn rating_is_monotone_and_splits_within_a_cent(
            before in 0i64..200_000_000, a in 1i64..50_000_000, b in 1i64..50_000_000,
            base in 1i64..500, t1 in 1i64..500, t2 in 1i64..500, size in 1i64..100,
        ) {
            let tiers = [
                Tier { from: Quantity::from_micros(10 * MICROS), hour_price_cents: t1 },
                Tier { from: Quantity::from_micros(100 * MICROS), hour_price_cents: t2 },
            ];
            let b0 = Quantity::from_micros(before);
            let (qa, qb) = (Quantity::from_micros(a), Quantity::from_micros(b));
            let whole = rate(base, &tiers, b0, qa.plus(qb), size);
            let parts = rate(base, &tiers, b0, qa, size) + rate(base, &tiers, b0.plus(qa), qb, size);
            prop_assert!((whole - parts).abs() <= 1);
            prop_assert!(rate(base, &tiers, b0, qa.plus(qb), size) >= rate(base, &tiers, b0, qa, size));
        }

        #[test]
        fn absorbing_never_takes_more_than_there_is(
            rems in proptest::collection::vec(0i64..10_000_000, 0..5), want in 0i64..40_000_000,
        ) {
            let packages: Vec<Free> = rems.iter().enumerate().map(|(i, r)| Free {
                id: format!("f{i}"), remaining: Quantity::from_micros(*r), effective_ms: 0, expire_ms: 10,
            }).collect();
            let (taken, rest) = absorb(&packages, Quantity::from_micros(want), 5);
            let sum: i64 = taken.iter().map(|(_, t)| t.micros()).sum();
            prop_assert_eq!(sum + rest.micros(), want);
            for (i, t) in taken {
                prop_assert!(t <= packages[i].remaining);
            }
        }
    }
}
