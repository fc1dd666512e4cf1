//! The test clock's setting: how far a deployment started with `serve --test-clock` runs ahead
//! of (or behind) the system clock. Staging and tests only: a server started without the flag
//! never reads it. The offset is stored (`settings`, key [`KEY`]) so that every instance, the
//! console control and the command line (`admin clock`) move the same clock; a server re-reads
//! it every second. Operators and the command line only; every move is audited.

use serde_json::json;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::store::{audit, sql, Db, ReadPool};

/// The `settings` key of the offset (milliseconds, may be negative).
pub const KEY: &str = "test_clock.offset_ms";

/// The earliest and latest times the clock may be set to (UTC ms: 2000-01-01, 2100-01-01).
const EARLIEST: i64 = 946_684_800_000;
const LATEST: i64 = 4_102_444_800_000;

/// The stored offset (0 when never set).
pub async fn offset(pool: &ReadPool) -> AppResult<i64> {
    let v: Option<String> = sql::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(KEY)
        .fetch_optional(pool)
        .await?;
    Ok(v.and_then(|s| s.parse().ok()).unwrap_or(0))
}

/// How to move the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// To this instant (UTC ms).
    To(i64),
    /// By this many milliseconds (negative: back).
    By(i64),
    /// Back to the system's time.
    Reset,
}

/// Parses a duration such as `3d`, `12h`, `90m`, `30s`, `-1d` into milliseconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    let unit = rest.chars().last()?;
    let digits = &rest[..rest.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let ms = match unit {
        'd' => 86_400_000,
        'h' => 3_600_000,
        'm' => 60_000,
        's' => 1_000,
        _ => return None,
    };
    n.checked_mul(ms)?.checked_mul(sign)
}

/// Moves the test clock; returns the new offset. `system_now_ms` is the system's time (the
/// offset is relative to it). Refused for anyone but operators and the command line, and for a
/// time outside 2000–2100.
pub async fn move_clock(db: &Db, ctx: Ctx, m: Move, system_now_ms: i64) -> AppResult<i64> {
    if !matches!(ctx.actor, Actor::Operator { .. } | Actor::System { .. }) {
        return Err(AppError::new(Code::NotAllowed));
    }
    let current = offset(db.read()).await?;
    let new = match m {
        Move::To(t) => t - system_now_ms,
        Move::By(d) => current.checked_add(d).ok_or_else(|| {
            AppError::invalid_tr("the clock cannot move that far", "时钟不能移动这么远。")
        })?,
        Move::Reset => 0,
    };
    let at = system_now_ms.saturating_add(new);
    if !(EARLIEST..LATEST).contains(&at) {
        return Err(AppError::invalid_tr(
            "the test clock must stay between 2000-01-01 and 2100-01-01",
            "测试时钟必须在 2000-01-01 与 2100-01-01 之间。",
        ));
    }
    db.write(move |c| {
        Box::pin(async move {
            sql::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
            )
            .bind(KEY)
            .bind(new.to_string())
            .execute(&mut *c)
            .await?;
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "test_clock.move",
                    target_kind: "setting",
                    target_id: KEY,
                    transfer_ids: &[],
                    detail: json!({"from_offset_ms": current, "offset_ms": new,
                                   "now": pc_domain::timefmt::format_utc(at)}),
                },
            )
            .await
        })
    })
    .await?;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3d"), Some(3 * 86_400_000));
        assert_eq!(parse_duration("-12h"), Some(-12 * 3_600_000));
        assert_eq!(parse_duration("+90m"), Some(90 * 60_000));
        assert_eq!(parse_duration("30s"), Some(30_000));
        for bad in ["", "d", "3", "3w", "1.5d", "--1d", "99999999999999999d"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
