//! `admin clock show|set|advance|reset`: the movable clock of servers started with
//! `serve --test-clock` (`pc_app::services::test_clock`).

use std::process::ExitCode;

use pc_app::clock::{Clock, SystemClock};
use pc_app::services::test_clock::{self, Move};
use pc_app::Db;
use pc_domain::timefmt;

use super::lang::{say, tr};
use super::{cli_ctx, fail, ClockCmd};

pub(super) async fn admin(db: Db, cmd: ClockCmd) -> ExitCode {
    let system = SystemClock.now_ms();
    let m = match cmd {
        ClockCmd::Show => None,
        ClockCmd::Set { time } => match timefmt::parse_utc(&time) {
            Some(t) => Some(Move::To(t)),
            None => {
                return fail(tr(
                    "时间必须是 UTC 时间，如 2027-01-01T00:00:00Z",
                    "the time must be UTC like 2027-01-01T00:00:00Z",
                ))
            }
        },
        ClockCmd::Advance { by } => match test_clock::parse_duration(&by) {
            Some(d) => Some(Move::By(d)),
            None => {
                return fail(tr(
                    "时长格式应如 3d、12h、90m、30s 或 -1d",
                    "the duration must be like 3d, 12h, 90m, 30s or -1d",
                ))
            }
        },
        ClockCmd::Reset => Some(Move::Reset),
    };
    let offset = match m {
        None => test_clock::offset(db.read()).await,
        Some(m) => test_clock::move_clock(&db, cli_ctx(), m, system).await,
    };
    match offset {
        Ok(o) => {
            say!(
                "测试时钟：{}（偏移 {} 秒）；以 --test-clock 启动的服务一秒内跟随",
                "test clock: {} (offset {} s); servers started with --test-clock follow within a second",
                timefmt::format_utc(system + o),
                o / 1000
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
