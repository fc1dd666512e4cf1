//! `/console/clock` (operators, servers started with `serve --test-clock` only): the movable
//! clock's time, and forms to set it, move it by a duration, or put it back on the system's time
//! (`pc_app::services::test_clock`). The change is stored for every instance and applied to this
//! one at once. Without the flag the page says the test clock is off (404).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use maud::html;
use pc_app::clock::{Clock, SystemClock};
use pc_app::services::test_clock::{self, Move};
use pc_domain::party::Role;
use pc_domain::timefmt;
use serde::Deserialize;

use super::i18n::t;
use super::layout::{cn_time, message_page, page, with_status, Page};
use super::refill::{Refill, Submitted};
use super::Console;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/console/clock", get(clock_page).post(clock_submit))
}

#[derive(Deserialize, Default)]
struct ClockForm {
    #[serde(default)]
    csrf: String,
    /// `set`, `advance` or `reset`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    by: String,
}

#[derive(Deserialize, Default)]
struct Flash {
    #[serde(default)]
    err: String,
}

#[allow(clippy::result_large_err)]
fn require_test_clock(st: &AppState, c: &Console) -> Result<(), axum::response::Response> {
    c.require(&[Role::Operator])?;
    if st.test_clock.is_none() {
        return Err((
            StatusCode::NOT_FOUND,
            message_page(
                c.lang,
                Some(c),
                t(c.lang, "test_clock"),
                t(c.lang, "test_clock_off"),
            ),
        )
            .into_response());
    }
    Ok(())
}

async fn clock_page(State(st): State<AppState>, c: Console, Query(f): Query<Flash>) -> Page {
    require_test_clock(&st, &c)?;
    render(&st, &c, &f, &Refill::NONE).await
}

/// The page; `refill` re-shows a refused form (set, advance or reset).
async fn render(st: &AppState, c: &Console, f: &Flash, refill: &Refill) -> Page {
    let lang = c.lang;
    let (sr, ar, rr) = (
        refill.on("clock-set"),
        refill.on("clock-advance"),
        refill.on("clock-reset"),
    );
    let offset = st.test_clock.as_ref().map(|k| k.offset_ms()).unwrap_or(0);
    let body = html! {
        @if !f.err.is_empty() { p.flash.error #clock-error { (f.err) } }
        p #clock-now data-ms=(st.now_ms()) { (t(lang, "test_clock_now")) ": " strong { (cn_time(st.now_ms())) } }
        p.muted #clock-offset data-offset-ms=(offset) { (t(lang, "test_clock_offset")) ": " (offset / 1000) " s" }
        form #clock-set method="post" action="/console/clock" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            input type="hidden" name="action" value="set";
            (sr.form_error())
            label { (t(lang, "test_clock_set")) " " input name="time" placeholder="2027-01-01T00:00:00Z" required value=(sr.value("time", ""))
                aria-invalid=[sr.invalid("time")] aria-describedby=[sr.described_by("time")]; }
            " " button #clock-set-go type="submit" { (t(lang, "save")) }
            (sr.error_for("time"))
        }
        form #clock-advance method="post" action="/console/clock" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            input type="hidden" name="action" value="advance";
            (ar.form_error())
            label { (t(lang, "test_clock_advance")) " " input name="by" placeholder="3d, 12h, 90m, -1d" required value=(ar.value("by", ""))
                aria-invalid=[ar.invalid("by")] aria-describedby=[ar.described_by("by")]; }
            " " button #clock-advance-go type="submit" { (t(lang, "save")) }
            (ar.error_for("by"))
        }
        form #clock-reset method="post" action="/console/clock" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            input type="hidden" name="action" value="reset";
            (rr.form_error())
            button #clock-reset-go type="submit" { (t(lang, "test_clock_reset")) }
        }
    };
    with_status(
        refill.status(),
        page(lang, Some(c), t(lang, "test_clock"), body),
    )
}

async fn clock_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<ClockForm>,
) -> Page {
    require_test_clock(&st, &c)?;
    c.check_csrf(&f.csrf)?;
    let lang = c.lang;
    let form = match f.action.as_str() {
        "advance" => "clock-advance",
        "reset" => "clock-reset",
        _ => "clock-set",
    };
    let refill = Refill::new(form, &fields);
    let none = Flash::default();
    let bad = |key: &str, field: &str| {
        let refill = Refill::new(form, &fields);
        refill.refused_with(t(lang, key), StatusCode::BAD_REQUEST, Some(field))
    };
    let m = match f.action.as_str() {
        "set" => match timefmt::parse_utc(f.time.trim()) {
            Some(t) => Move::To(t),
            None => return render(&st, &c, &none, &bad("test_clock_bad_time", "time")).await,
        },
        "advance" => match test_clock::parse_duration(&f.by) {
            Some(d) => Move::By(d),
            None => return render(&st, &c, &none, &bad("test_clock_bad_duration", "by")).await,
        },
        "reset" => Move::Reset,
        _ => return render(&st, &c, &none, &bad("test_clock_bad_time", "time")).await,
    };
    match test_clock::move_clock(&st.db, c.ctx(), m, SystemClock.now_ms()).await {
        Ok(offset) => {
            if let Some(k) = &st.test_clock {
                k.set_offset_ms(offset);
            }
            Ok(Redirect::to("/console/clock").into_response())
        }
        Err(e) => {
            let field = match f.action.as_str() {
                "set" => Some("time"),
                "advance" => Some("by"),
                _ => None,
            };
            render(&st, &c, &none, &refill.refused(lang, &e, field)).await
        }
    }
}
