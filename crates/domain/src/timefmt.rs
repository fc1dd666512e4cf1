//! The vendor's time formats. Timestamps are stored as UTC Unix milliseconds.

use time::OffsetDateTime;

/// `2019-05-06T08:05:01Z`, the vendor's UTC format for query filters and responses.
///
/// Every list row of the vendor API carries one or more of these, so the years 0 to 9999 take
/// a direct path (days to civil date by Hinnant's algorithm, digits written by hand): the
/// `time` crate's general formatter was 2% of a list call's CPU (bench/README.md, P1). Other
/// instants go through `time`; the unit tests hold both paths to the same output.
pub fn format_utc(ms: i64) -> String {
    fast_utc(ms).unwrap_or_else(|| general_utc(ms))
}

fn general_utc(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&fmt).unwrap_or_default()
}

/// [`format_utc`] for the years 0 to 9999; `None` outside them.
fn fast_utc(ms: i64) -> Option<String> {
    // From 0000-03-01 to 10000-01-01, in seconds since 1970 (bounds the arithmetic below).
    const MIN: i64 = -62_162_035_200;
    const MAX: i64 = 253_402_300_800;
    let secs = ms.div_euclid(1000);
    if !(MIN..MAX).contains(&secs) {
        return None;
    }
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil from days (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut b = [0u8; 20];
    let mut put = |at: usize, v: i64, width: usize| {
        let mut v = v;
        for i in (0..width).rev() {
            b[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, sod / 3600, 2);
    put(14, sod / 60 % 60, 2);
    put(17, sod % 60, 2);
    b[4] = b'-';
    b[7] = b'-';
    b[10] = b'T';
    b[13] = b':';
    b[16] = b':';
    b[19] = b'Z';
    // Only ASCII digits and separators were written.
    String::from_utf8(b.to_vec()).ok()
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
    format_in(ms, Zone::SHANGHAI)
}

/// A time zone the console may show times in: a name and its fixed offset from UTC. Only zones
/// without daylight saving are offered, so one offset is right all year (docs/decisions/0010).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    pub name: &'static str,
    offset_minutes: i16,
}

/// The zones `serve --time-zone` accepts, with their offsets (none observes daylight saving).
pub const ZONES: &[Zone] = &[
    Zone::at("Asia/Shanghai", 8 * 60),
    Zone::at("Asia/Hong_Kong", 8 * 60),
    Zone::at("Asia/Macau", 8 * 60),
    Zone::at("Asia/Taipei", 8 * 60),
    Zone::at("Asia/Singapore", 8 * 60),
    Zone::at("Asia/Kuala_Lumpur", 8 * 60),
    Zone::at("Asia/Manila", 8 * 60),
    Zone::at("Asia/Tokyo", 9 * 60),
    Zone::at("Asia/Seoul", 9 * 60),
    Zone::at("Asia/Bangkok", 7 * 60),
    Zone::at("Asia/Jakarta", 7 * 60),
    Zone::at("Asia/Ho_Chi_Minh", 7 * 60),
    Zone::at("Asia/Kolkata", 5 * 60 + 30),
    Zone::at("Asia/Karachi", 5 * 60),
    Zone::at("Asia/Dubai", 4 * 60),
    Zone::at("Asia/Riyadh", 3 * 60),
    Zone::at("Europe/Moscow", 3 * 60),
    Zone::at("Africa/Nairobi", 3 * 60),
    Zone::at("Africa/Johannesburg", 2 * 60),
    Zone::at("Africa/Lagos", 60),
    Zone::at("UTC", 0),
    Zone::at("America/Sao_Paulo", -3 * 60),
    Zone::at("America/Bogota", -5 * 60),
    Zone::at("America/Mexico_City", -6 * 60),
    Zone::at("Pacific/Honolulu", -10 * 60),
];

impl Zone {
    const fn at(name: &'static str, offset_minutes: i16) -> Zone {
        Zone {
            name,
            offset_minutes,
        }
    }

    /// The business time zone, the default.
    pub const SHANGHAI: Zone = Zone::at("Asia/Shanghai", 8 * 60);

    /// A zone of [`ZONES`] by its name (`Asia/Shanghai`; `Etc/UTC` and `utc` are `UTC`).
    pub fn parse(name: &str) -> Option<Zone> {
        let name = name.trim();
        let name = if name.eq_ignore_ascii_case("utc") || name == "Etc/UTC" {
            "UTC"
        } else {
            name
        };
        ZONES.iter().copied().find(|z| z.name == name)
    }

    /// The offset from UTC in minutes (`480` for UTC+8).
    pub fn offset_minutes(self) -> i16 {
        self.offset_minutes
    }

    fn offset(self) -> time::UtcOffset {
        let m = i32::from(self.offset_minutes);
        time::UtcOffset::from_whole_seconds(m * 60).unwrap_or(time::UtcOffset::UTC)
    }
}

/// `2026-11-18 20:00`: the wall-clock time in `zone` at `ms`, to the minute.
pub fn format_in(ms: i64, zone: Zone) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(zone.offset());
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
    fn fast_utc_matches_the_general_formatter() {
        let mut ms: i64 = -62_162_035_200_000;
        // A walk over the whole fast range with an odd step, plus the edges.
        let mut samples = vec![0, -1, 1, 999, -1000, 951_782_400_000, 4_107_542_399_999];
        while ms < 253_402_300_800_000 {
            samples.push(ms);
            ms += 7_777_777_777_777;
        }
        // Every day (and a drifting time of day) from 1900 to 2174.
        samples.extend((0..100_000).map(|i| -2_208_988_800_000 + i * 86_400_007));
        for ms in samples {
            assert_eq!(format_utc(ms), general_utc(ms), "{ms}");
        }
        assert_eq!(format_utc(1_557_129_901_000), "2019-05-06T08:05:01Z");
        assert_eq!(fast_utc(253_402_300_800_000), None);
    }

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

    #[test]
    fn zones_have_fixed_offsets() {
        let ms = parse_utc("2026-11-30T16:30:59Z").unwrap();
        assert_eq!(
            format_in(ms, Zone::parse("Asia/Shanghai").unwrap()),
            "2026-12-01 00:30"
        );
        assert_eq!(
            format_in(ms, Zone::parse("utc").unwrap()),
            "2026-11-30 16:30"
        );
        assert_eq!(
            format_in(ms, Zone::parse("Asia/Kolkata").unwrap()),
            "2026-11-30 22:00"
        );
        assert_eq!(
            format_in(ms, Zone::parse("America/Bogota").unwrap()),
            "2026-11-30 11:30"
        );
        assert_eq!(
            Zone::parse("Europe/London"),
            None,
            "a zone with daylight saving"
        );
        assert_eq!(Zone::parse("Asia/Shanghai"), Some(Zone::SHANGHAI));
        for z in ZONES {
            assert_eq!(Zone::parse(z.name), Some(*z));
        }
    }
}
