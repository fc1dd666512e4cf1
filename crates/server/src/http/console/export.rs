//! The console's list exports, one helper for every list: a header and typed rows become a CSV
//! (UTF-8 with a byte-order mark, so Excel reads Chinese) or an XLSX workbook of one sheet
//! (written by `rust_xlsxwriter`, decision 0009), sent as a download.
//!
//! Every list exports what its page shows with the page's filters, every page of it, in the
//! page's language. Cells are typed, so both files agree:
//! - text is text, never a formula (CSV defuses a leading `=`, `+`, `-`, `@` with an apostrophe;
//!   the workbook writes it as a string);
//! - an amount is yuan with two decimals (`1234.50` in the CSV; a number formatted `#,##0.00`
//!   in the workbook);
//! - a time is the display zone's wall-clock time to the minute (`2026-11-18 20:00`; Asia/Shanghai
//!   unless `serve --time-zone` says otherwise), as text in both files, the zone said in the
//!   column's header ([`time_header`]);
//! - a count is a number.
//!
//! An export holds at most [`MAX_ROWS`] rows: a larger list is refused with a message asking for
//! narrower filters ([`all_pages`]) rather than cut silently.

use std::future::Future;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use pc_app::AppResult;
use pc_domain::timefmt::format_in;
use pc_domain::Money;
use rust_xlsxwriter::{Format as CellFormat, Workbook, XlsxError};

use super::i18n::{t, Lang};
use super::layout::{display_zone, internal, message_page, Page};
use super::Console;

/// The two downloads of one list, `csv` and `xlsx`, over the module's
/// `async fn rows(&AppState, &Console, &HashMap<String, String>) -> Result<Export, Response>`.
macro_rules! downloads {
    () => {
        /// `GET /console/….csv?…`: the list with the page's filters as CSV.
        pub(in crate::http::console) async fn csv(
            axum::extract::State(st): axum::extract::State<AppState>,
            c: Console,
            axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
        ) -> crate::http::console::layout::Page {
            crate::http::console::export::send(
                c.lang,
                crate::http::console::export::Format::Csv,
                rows(&st, &c, &q).await?,
            )
        }

        /// `GET /console/….xlsx?…`: the same rows as a workbook of one sheet.
        pub(in crate::http::console) async fn xlsx(
            axum::extract::State(st): axum::extract::State<AppState>,
            c: Console,
            axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
        ) -> crate::http::console::layout::Page {
            crate::http::console::export::send(
                c.lang,
                crate::http::console::export::Format::Xlsx,
                rows(&st, &c, &q).await?,
            )
        }
    };
}
pub(super) use downloads;

pub(super) mod bills;
pub(super) mod coupon_records;
pub(super) mod coupons;
pub(super) mod discounts;
pub(super) mod funds;
pub(super) mod history;
pub(super) mod invite_records;
pub(super) mod invites;
pub(super) mod invoices;
pub(super) mod orders;
pub(super) mod outbox;
pub(super) mod partners;
pub(super) mod promotions;
pub(super) mod quotas;
pub(super) mod resellers;
pub(super) mod resources;
pub(super) mod staff;
pub(super) mod topups;
pub(super) mod usage;

/// The most rows one export holds.
pub(super) const MAX_ROWS: i64 = 100_000;

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cell {
    Text(String),
    /// A count or a code that is a number.
    Count(i64),
    /// Money, in yuan with two decimals.
    Amount(Money),
    /// A UTC instant (Unix milliseconds), written in the display zone.
    Time(i64),
    /// Nothing (an optional value not set).
    Empty,
}

impl Cell {
    pub(super) fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub(super) fn cents(c: i64) -> Cell {
        Cell::Amount(Money::from_cents(c))
    }

    /// A time, or nothing.
    pub(super) fn time_opt(ms: Option<i64>) -> Cell {
        ms.map(Cell::Time).unwrap_or(Cell::Empty)
    }

    /// An optional text.
    pub(super) fn opt(s: Option<&str>) -> Cell {
        Cell::Text(s.unwrap_or_default().to_string())
    }

    /// The cell as the CSV writes it (and as the workbook shows it).
    pub(super) fn as_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Amount(m) => m.to_string(),
            Cell::Time(ms) => format_in(*ms, display_zone()),
            Cell::Empty => String::new(),
        }
    }
}

/// A column of times: its name and the zone the times are in.
pub(super) fn time_header(lang: Lang, key: &str) -> String {
    format!("{} ({})", t(lang, key), display_zone().name)
}

/// A list's two export links, carrying the page's filters (`qs`, `k=v&…`): `{base}.csv?{qs}`
/// and `{base}.xlsx?{qs}`, with the ids `{id}-csv` and `{id}-xlsx`.
pub(super) fn links(lang: Lang, id: &str, base: &str, qs: &str) -> Markup {
    html! {
        a id=(format!("{id}-csv")) href=(format!("{base}.csv?{qs}")) { (t(lang, "export_csv")) } " · "
        a id=(format!("{id}-xlsx")) href=(format!("{base}.xlsx?{qs}")) { (t(lang, "export_xlsx")) }
    }
}

/// The file format asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Csv,
    Xlsx,
}

/// One list ready to send: the file's name (without extension), the sheet's name, the header
/// and the rows.
pub(super) struct Export {
    pub file: String,
    pub sheet: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Export {
    /// An export whose header is the page's words for `keys` (a key of [`time_header`]'s form,
    /// `@key`, is a time column).
    pub(super) fn new(lang: Lang, file: &str, sheet: &str, keys: &[&str]) -> Export {
        let header = keys
            .iter()
            .map(|k| match k.strip_prefix('@') {
                Some(k) => time_header(lang, k),
                None => t(lang, k).to_string(),
            })
            .collect();
        Export {
            file: file.to_string(),
            sheet: sheet.to_string(),
            header,
            rows: Vec::new(),
        }
    }
}

/// Every page of a list, `size` rows a read, `fetch(offset, size)` answering the list's total and
/// one page. A list longer than [`MAX_ROWS`] is refused (422) with a message naming its length and
/// the maximum; a service's refusal becomes the console's page for it.
#[allow(clippy::result_large_err)] // a page either way, as every console handler returns
pub(super) async fn all_pages<T, F, Fut>(
    c: &Console,
    size: i64,
    mut fetch: F,
) -> Result<Vec<T>, Response>
where
    F: FnMut(i64, i64) -> Fut,
    Fut: Future<Output = AppResult<(i64, Vec<T>)>>,
{
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let (total, rows) = fetch(offset, size).await.map_err(|e| failed(c, e))?;
        if total > MAX_ROWS {
            return Err(too_many(c, total));
        }
        let n = rows.len() as i64;
        out.extend(rows);
        offset += size;
        if n == 0 || offset >= total {
            return Ok(out);
        }
    }
}

/// A service's refusal of an export: a filter it cannot read is 400 with its message, the rest
/// as the list pages answer them (another tenant's object is "not found").
pub(super) fn failed(c: &Console, e: pc_app::AppError) -> Response {
    if e.code == pc_app::Code::InvalidParameter {
        let msg = e.message(c.lang == Lang::Zh);
        return (
            StatusCode::BAD_REQUEST,
            message_page(c.lang, Some(c), t(c.lang, "export"), &msg),
        )
            .into_response();
    }
    super::customers::refused(c, e)
}

/// A list read whole (no pages), refused as [`all_pages`] refuses one longer than [`MAX_ROWS`].
#[allow(clippy::result_large_err)]
pub(super) fn capped<T>(c: &Console, rows: AppResult<Vec<T>>) -> Result<Vec<T>, Response> {
    let rows = rows.map_err(|e| failed(c, e))?;
    if rows.len() as i64 > MAX_ROWS {
        return Err(too_many(c, rows.len() as i64));
    }
    Ok(rows)
}

/// The refusal of an export longer than [`MAX_ROWS`].
pub(super) fn too_many(c: &Console, total: i64) -> Response {
    let lang = c.lang;
    let msg = t(lang, "export_too_many")
        .replace("{n}", &total.to_string())
        .replace("{max}", &MAX_ROWS.to_string());
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        message_page(lang, Some(c), t(lang, "export"), &msg),
    )
        .into_response()
}

/// The export as a download in `format`.
#[allow(clippy::result_large_err)] // a page either way, as every console handler returns
pub(super) fn send(lang: Lang, format: Format, e: Export) -> Page {
    match format {
        Format::Csv => Ok(download(
            "text/csv; charset=utf-8",
            &format!("{}.csv", e.file),
            csv(&e.header, &e.rows).into_bytes(),
        )),
        Format::Xlsx => {
            let bytes = workbook(&e.sheet, &e.header, &e.rows).map_err(|err| {
                internal(
                    lang,
                    pc_app::AppError::internal(format!("writing the workbook: {err}")),
                )
            })?;
            Ok(download(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{}.xlsx", e.file),
                bytes,
            ))
        }
    }
}

/// A file to save: `Content-Disposition: attachment`, never cached. The name is ASCII (the
/// callers build it from codes and ids).
fn download(content_type: &str, file: &str, body: Vec<u8>) -> Response {
    let file: String = file
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

// ----------------------------------------------------------------------------------------------
// CSV

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-`, `@` (or tab/CR) defused with
/// an apostrophe so a spreadsheet never runs a user-supplied value as a formula.
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// The header and rows as CSV with a byte-order mark, lines ending in CRLF. Numbers (counts,
/// amounts) are written as they are: a negative amount is a number, not a formula.
fn csv(header: &[String], rows: &[Vec<Cell>]) -> String {
    let mut out = String::from("\u{feff}");
    let mut line = |fields: Vec<String>| {
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    };
    line(header.iter().map(|h| csv_field(h)).collect());
    for r in rows {
        line(
            r.iter()
                .map(|c| match c {
                    Cell::Count(_) | Cell::Amount(_) => c.as_text(),
                    _ => csv_field(&c.as_text()),
                })
                .collect(),
        );
    }
    out
}

// ----------------------------------------------------------------------------------------------
// XLSX

/// The longest text a cell holds.
const MAX_CELL_CHARS: usize = 32_767;

/// A sheet's name: at most 31 characters, none of `[]:*?/\`, not starting or ending with `'`.
fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    let clean = clean.trim_matches('\'').to_string();
    if clean.is_empty() {
        "Sheet1".into()
    } else {
        clean
    }
}

/// An amount as the workbook's number. The file stores numbers as decimal text, which
/// `rust_xlsxwriter` writes from an `f64` by the shortest form that reads back the same: for any
/// amount under 90 trillion yuan that is the amount's own digits (two decimals at most), so the
/// cell holds exactly the amount (see the test below).
fn amount_number(m: Money) -> f64 {
    m.cents() as f64 / 100.0
}

/// The workbook of one sheet named `name`: `header` (bold, frozen), then `rows`.
fn workbook(name: &str, header: &[String], rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let money = CellFormat::new().set_num_format("#,##0.00");
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(name))?;
    for (i, h) in header.iter().enumerate() {
        let col = i as u16;
        ws.write_string_with_format(0, col, h, &bold)?;
        let width = h.chars().count().max(12) + 2;
        ws.set_column_width(col, width as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (k, r) in rows.iter().enumerate() {
        let row = k as u32 + 1;
        for (i, c) in r.iter().enumerate() {
            let col = i as u16;
            match c {
                Cell::Text(s) => {
                    let s: String = s.chars().take(MAX_CELL_CHARS).collect();
                    ws.write_string(row, col, s)?;
                }
                Cell::Count(n) => {
                    ws.write_number(row, col, *n as f64)?;
                }
                Cell::Amount(m) => {
                    ws.write_number_with_format(row, col, amount_number(*m), &money)?;
                }
                Cell::Time(ms) => {
                    ws.write_string(row, col, format_in(*ms, display_zone()))?;
                }
                Cell::Empty => {}
            }
        }
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("西湖茶业"), "西湖茶业");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("-abcde"), "'-abcde");
        assert_eq!(csv_field("@x,y"), "\"'@x,y\"");
    }

    #[test]
    fn csv_has_a_bom_and_writes_numbers_as_numbers() {
        let out = csv(
            &["a".into(), "b".into(), "c".into(), "d".into()],
            &[vec![
                Cell::text("-x"),
                Cell::cents(-123_456),
                Cell::Count(-3),
                Cell::Time(1_795_513_560_000),
            ]],
        );
        assert_eq!(
            out,
            "\u{feff}a,b,c,d\r\n'-x,-1234.56,-3,2026-11-24 17:46\r\n"
        );
    }

    #[test]
    fn sheet_names_are_what_excel_accepts() {
        assert_eq!(sheet_name("2026-11"), "2026-11");
        assert_eq!(sheet_name("a/b[c]:d*e?f\\g"), "abcdefg");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
        assert_eq!(sheet_name("///"), "Sheet1");
        assert_eq!(sheet_name("'q'"), "q");
    }

    #[test]
    fn amounts_keep_their_digits_as_workbook_numbers() {
        let edges = [
            0i64,
            1,
            -1,
            5,
            10,
            99,
            100,
            105,
            123_456,
            -123_456,
            99_999_999_999_999,
        ];
        let steps = (0..200_000i64).map(|i| i * 7_919 + 13);
        for cents in edges.into_iter().chain(steps) {
            let m = Money::from_cents(cents);
            let written = format!("{}", amount_number(m));
            let read: f64 = written.parse().unwrap();
            assert_eq!((read * 100.0).round() as i64, cents, "{written}");
            // The shortest form is the amount's own digits (trailing zeros dropped).
            let digits = m.to_string();
            let trimmed = digits.trim_end_matches('0').trim_end_matches('.');
            assert_eq!(written, trimmed, "{cents}");
        }
    }

    fn console(lang: Lang) -> Console {
        Console {
            user: pc_app::services::identity::SessionUser {
                user_id: "u".into(),
                login: "ops".into(),
                role: pc_domain::party::Role::Operator,
                partner_id: None,
                root_id: None,
                partner_type: None,
                partner_name: None,
                customer_id: None,
                lang: lang.tag().into(),
                csrf: "c".into(),
            },
            token: "t".into(),
            lang,
            request_id: "r".into(),
            now_ms: 0,
            may_top_up: false,
            test_clock: false,
        }
    }

    /// `all_pages` over a list of `total` rows, each read answering its page; and the reads made.
    async fn read_all(c: &Console, total: i64) -> (Result<Vec<i64>, Response>, Vec<i64>) {
        let calls = std::sync::Mutex::new(Vec::new());
        let got = all_pages(c, 100, |offset, limit| {
            calls.lock().unwrap().push(offset);
            let rows: Vec<i64> = (offset..(offset + limit).min(total)).collect();
            async move { Ok((total, rows)) }
        })
        .await;
        (got, calls.into_inner().unwrap())
    }

    #[tokio::test]
    async fn every_page_is_read_up_to_the_maximum() {
        let c = console(Lang::En);
        let (rows, calls) = read_all(&c, 250).await;
        assert_eq!(rows.unwrap(), (0..250).collect::<Vec<i64>>());
        assert_eq!(calls, [0, 100, 200]);
        let (rows, _) = read_all(&c, 0).await;
        assert!(rows.unwrap().is_empty());
        let (rows, _) = read_all(&c, MAX_ROWS).await;
        assert_eq!(rows.unwrap().len() as i64, MAX_ROWS);
    }

    #[tokio::test]
    async fn a_longer_list_is_refused_with_a_message() {
        for (lang, words) in [(Lang::En, "at most 100000"), (Lang::Zh, "最多 100000 行")] {
            let c = console(lang);
            let (got, calls) = read_all(&c, MAX_ROWS + 1).await;
            let refused = got.unwrap_err();
            assert_eq!(calls, [0], "refused at the first page");
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let body = axum::body::to_bytes(refused.into_body(), usize::MAX)
                .await
                .unwrap();
            let body = String::from_utf8(body.to_vec()).unwrap();
            assert!(body.contains("100001") && body.contains(words), "{body}");
        }
    }

    #[test]
    fn the_workbook_is_a_zip_with_a_sheet() {
        let bytes = workbook(
            "2026-11",
            &["x".into()],
            &[vec![Cell::Count(1)], vec![Cell::text("=1+1")]],
        )
        .unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
