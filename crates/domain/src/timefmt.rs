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

/// UTC+8 (东八区): the vendor's zone for date-only filters such as `trade_time_begin`.
const CN_OFFSET: time::UtcOffset = time::macros::offset!(+8);

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// `YYYY-MM-DD`.
pub fn format_date(d: time::Date) -> String {
    d.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The UTC+8 calendar date at `ms`.
pub fn cn_date(ms: i64) -> time::Date {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(CN_OFFSET)
        .date()
}

/// The instant (UTC Unix ms) a UTC+8 calendar date begins.
pub fn cn_day_start_ms(d: time::Date) -> i64 {
    let t = d.midnight().assume_offset(CN_OFFSET);
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// `2026-11-18 20:00`: the UTC+8 (Asia/Shanghai) wall-clock time at `ms`, to the minute, as the
/// console shows times.
pub fn format_cn(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(CN_OFFSET);
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    t.format(&fmt).unwrap_or_default()
}

/// The same day one year earlier (29 February becomes 28 February).
pub fn one_year_before(d: time::Date) -> time::Date {
    let y = d.year() - 1;
    time::Date::from_calendar_date(y, d.month(), d.day())
        .or_else(|_| time::Date::from_calendar_date(y, d.month(), d.day() - 1))
        .unwrap_or(d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn business_times_read_in_utc_plus_8() {
        let ms = super::parse_utc("2026-12-03T18:30:00Z").unwrap();
        assert_eq!(super::format_cn(ms), "2026-12-04 02:30");
    }

    use super::*;

    #[test]
    fn round_trip() {
        let ms = parse_utc("2019-05-06T08:05:01Z").unwrap();
        assert_eq!(format_utc(ms), "2019-05-06T08:05:01Z");
        assert!(parse_utc("2019-05-06").is_none());
        assert!(parse_utc("2019-05-06T08:05:01+08:00").is_some());
    }

    #[test]
    fn cn_wall_clock() {
        // 16:30 UTC on 30 November is 00:30 on 1 December in Asia/Shanghai.
        assert_eq!(
            format_cn(parse_utc("2026-11-30T16:30:59Z").unwrap()),
            "2026-12-01 00:30"
        );
    }

    #[test]
    fn cn_dates() {
        let d = parse_date("2017-10-21").unwrap();
        assert_eq!(format_date(d), "2017-10-21");
        assert!(parse_date("2017-10-32").is_none() && parse_date("2017-10-21T00:00:00Z").is_none());
        // 2017-10-21 00:00 in UTC+8 is 2017-10-20 16:00 UTC.
        assert_eq!(format_utc(cn_day_start_ms(d)), "2017-10-20T16:00:00Z");
        assert_eq!(cn_date(parse_utc("2017-10-20T16:00:00Z").unwrap()), d);
        assert_eq!(
            format_date(cn_date(parse_utc("2017-10-20T15:59:59Z").unwrap())),
            "2017-10-20"
        );
        assert_eq!(
            format_date(one_year_before(parse_date("2024-02-29").unwrap())),
            "2023-02-28"
        );
        assert_eq!(format_date(one_year_before(d)), "2016-10-21");
    }
}
