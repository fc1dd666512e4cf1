//! The vendor's time formats. Timestamps are stored as UTC Unix milliseconds.

use time::OffsetDateTime;

/// `2019-05-06T08:05:01Z`, the vendor's UTC format for query filters and responses.
pub fn format_utc(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&fmt).unwrap_or_default()
}

/// Parses `YYYY-MM-DDThh:mm:ssZ` (the vendor's form); also accepts any RFC 3339 timestamp.
pub fn parse_utc(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let t = time::PrimitiveDateTime::parse(s, &fmt)
        .map(|p| p.assume_utc())
        .or_else(|_| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339))
        .ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let ms = parse_utc("2019-05-06T08:05:01Z").unwrap();
        assert_eq!(format_utc(ms), "2019-05-06T08:05:01Z");
        assert!(parse_utc("2019-05-06").is_none());
        assert!(parse_utc("2019-05-06T08:05:01+08:00").is_some());
    }
}
