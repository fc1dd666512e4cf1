//! `usage import FILE` and `usage check FILE`: pay-per-use usage from the deployment's metering,
//! as CSV (a header naming the columns) or JSON lines (one object per line), chosen by the file's
//! extension (`.csv`; `.jsonl`, `.ndjson`, `.json`) or `--format`.
//!
//! The whole file is checked first (`pc_app::services::usage::check`, in batches): a file with bad
//! lines imports nothing and names them (its line number in the file and why): the first 50 on
//! standard error and how many more, or every one with `--json`. Then it is
//! imported in batches of `--batch` lines, one transaction each, with a progress bar on a
//! terminal. Importing is idempotent by `usage_id`: running the same file again imports nothing
//! and says how many lines it skipped; a run cut short is finished by running it again.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use pc_app::services::usage::{self, Ingested, LineError, Outcome};
use pc_app::Db;
use pc_domain::usage::{csv_header, csv_row, Quantity, RawUsage};
use pc_domain::Money;

use super::lang::{say, tr};
use super::{cli_ctx, fail};

/// A refused line: its number in the file, its `usage_id`, why in English, why in Chinese.
type BadLine = (usize, Option<String>, String, Option<String>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Csv,
    JsonLines,
}

fn format_of(file: &str, asked: Option<&str>) -> Result<Format, String> {
    let name = match asked {
        Some(f) => f.to_ascii_lowercase(),
        None => file.rsplit('.').next().unwrap_or("").to_ascii_lowercase(),
    };
    match name.as_str() {
        "csv" => Ok(Format::Csv),
        "jsonl" | "ndjson" | "json" => Ok(Format::JsonLines),
        _ => Err(format!(
            "cannot tell the format of {file}: name it .csv or .jsonl, or pass --format csv|jsonl"
        )),
    }
}

/// A JSON line as a raw usage line (numbers keep their digits).
fn json_row(line: &str) -> Result<RawUsage, String> {
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not a JSON object: {e}"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    let text = |k: &str| -> Option<String> {
        match obj.get(k)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    };
    for k in obj.keys() {
        if !pc_domain::usage::CSV_COLUMNS.contains(&k.as_str()) {
            return Err(format!("unknown field {k:?}"));
        }
    }
    Ok(RawUsage {
        usage_id: text("usage_id").unwrap_or_default(),
        customer_id: text("customer_id").unwrap_or_default(),
        resource_id: text("resource_id").unwrap_or_default(),
        product_id: text("product_id").unwrap_or_default(),
        usage: text("usage").unwrap_or_default(),
        resource_size: text("resource_size"),
        begin_time: text("begin_time").unwrap_or_default(),
        end_time: text("end_time").unwrap_or_default(),
        resource_name: text("resource_name"),
    })
}

/// Reads the file in batches: each batch's lines with their 1-based line numbers, and the lines
/// that could not be read as a row at all.
struct Reader {
    lines: std::io::Lines<BufReader<File>>,
    format: Format,
    header: Option<Vec<&'static str>>,
    line_no: usize,
}

impl Reader {
    fn open(path: &str, format: Format) -> Result<Reader, String> {
        let f = File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
        let mut r = Reader {
            lines: BufReader::new(f).lines(),
            format,
            header: None,
            line_no: 0,
        };
        if format == Format::Csv {
            let first = r
                .next_line()?
                .ok_or_else(|| format!("{path} is empty: a CSV file starts with its header"))?;
            r.header = Some(csv_header(&first.1).map_err(|e| format!("line 1: {e}"))?);
        }
        Ok(r)
    }

    fn next_line(&mut self) -> Result<Option<(usize, String)>, String> {
        loop {
            match self.lines.next() {
                None => return Ok(None),
                Some(Err(e)) => return Err(format!("line {}: cannot read: {e}", self.line_no + 1)),
                Some(Ok(l)) => {
                    self.line_no += 1;
                    if !l.trim().is_empty() {
                        return Ok(Some((self.line_no, l)));
                    }
                }
            }
        }
    }

    /// Up to `n` rows: `(line number, row)`, and unreadable lines as `(line number, why)`.
    #[allow(clippy::type_complexity)]
    fn batch(
        &mut self,
        n: usize,
    ) -> Result<(Vec<(usize, RawUsage)>, Vec<(usize, String)>), String> {
        let mut rows = Vec::with_capacity(n);
        let mut bad = Vec::new();
        while rows.len() + bad.len() < n {
            let Some((no, line)) = self.next_line()? else {
                break;
            };
            let parsed = match self.format {
                Format::Csv => csv_row(self.header.as_deref().unwrap_or(&[]), &line),
                Format::JsonLines => json_row(&line),
            };
            match parsed {
                Ok(r) => rows.push((no, r)),
                Err(e) => bad.push((no, e)),
            }
        }
        Ok((rows, bad))
    }
}

/// A progress line on stderr, redrawn in place; nothing when stderr is not a terminal.
struct Progress {
    on: bool,
    total: usize,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
            on: std::io::stderr().is_terminal(),
            total,
            started: Instant::now(),
            last: Instant::now(),
        }
    }

    fn show(&mut self, done: usize, force: bool) {
        if !self.on || (!force && self.last.elapsed().as_millis() < 100) {
            return;
        }
        self.last = Instant::now();
        let width = 30;
        let frac = if self.total == 0 {
            1.0
        } else {
            done as f64 / self.total as f64
        };
        let filled = ((frac * width as f64) as usize).min(width);
        let rate = done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        let _ = write!(
            std::io::stderr(),
            "\r[{}{}] {:>3}% {done}/{} lines, {:.0} lines/s ",
            "#".repeat(filled),
            ".".repeat(width - filled),
            (frac * 100.0) as u32,
            self.total,
            rate
        );
        let _ = std::io::stderr().flush();
    }

    fn finish(&mut self, done: usize) {
        self.show(done, true);
        if self.on {
            let _ = writeln!(std::io::stderr());
        }
    }
}

/// How many bad lines a text report names before it only counts the rest.
const SHOWN_BAD_LINES: usize = 50;

/// The bad lines of a file as they are found (in line order): on standard error, the first
/// [`SHOWN_BAD_LINES`] with their line numbers and reasons, then how many more; with `--json`,
/// every one, streamed to standard output as one JSON object (`{"errors": […], …}`), so a file of
/// a million bad lines neither floods a terminal nor is held in memory.
struct BadLines {
    json: bool,
    count: usize,
}

impl BadLines {
    fn new(json: bool) -> BadLines {
        BadLines { json, count: 0 }
    }

    /// Reports one batch's bad lines (sorted here by line number): the line, its `usage_id`, why
    /// in English (what `--json` gives a program) and, when the service said it, in Chinese (what
    /// a person reads when the command speaks Chinese; a line the file format refused keeps the
    /// parser's English detail).
    fn add(&mut self, mut batch: Vec<BadLine>) {
        batch.sort_by_key(|e| e.0);
        let mut out = std::io::stdout().lock();
        for (no, id, msg, msg_zh) in batch {
            if self.json {
                let sep = if self.count == 0 {
                    "{\"errors\":["
                } else {
                    ","
                };
                let e = serde_json::json!({"line": no, "usage_id": id, "reason": msg});
                let _ = write!(out, "{sep}{e}");
            } else if self.count < SHOWN_BAD_LINES {
                let why = match (&msg_zh, super::lang::zh()) {
                    (Some(zh), true) => zh,
                    _ => &msg,
                };
                match (id, super::lang::zh()) {
                    (Some(id), true) => eprintln!("第 {no} 行（usage_id {id}）：{why}"),
                    (None, true) => eprintln!("第 {no} 行：{why}"),
                    (Some(id), false) => eprintln!("line {no} (usage_id {id}): {why}"),
                    (None, false) => eprintln!("line {no}: {why}"),
                }
            }
            self.count += 1;
        }
    }

    /// Ends the report: the count of the lines not shown, or the JSON object's closing fields.
    fn finish(&self, lines: usize, message: &str) {
        if self.json {
            let open = if self.count == 0 { "{\"errors\":[" } else { "" };
            println!(
                "{open}],\"invalid\":{},\"lines\":{lines},\"message\":{}}}",
                self.count,
                serde_json::Value::from(message)
            );
        } else if self.count > SHOWN_BAD_LINES {
            let more = self.count - SHOWN_BAD_LINES;
            eprintln!(
                "{}",
                tr(
                    &format!("……另有 {more} 行有误"),
                    &format!("… and {more} more bad lines")
                )
            );
        }
    }
}

/// Checks the whole file; returns the number of rows, or reports the bad lines and fails.
async fn check_file(
    db: &Db,
    path: &str,
    format: Format,
    batch: usize,
    json: bool,
) -> Result<usize, ExitCode> {
    let mut reader = Reader::open(path, format).map_err(fail)?;
    let mut bad_lines = BadLines::new(json);
    let mut rows = 0usize;
    // A failure part way still closes what was reported.
    let stop = |bad_lines: &BadLines, rows: usize, e: String| {
        if bad_lines.count > 0 {
            bad_lines.finish(rows, &e);
        }
        fail(e)
    };
    loop {
        let (ok, bad) = reader.batch(batch).map_err(|e| stop(&bad_lines, rows, e))?;
        if ok.is_empty() && bad.is_empty() {
            break;
        }
        rows += ok.len() + bad.len();
        let mut errors: Vec<BadLine> = bad.into_iter().map(|(no, e)| (no, None, e, None)).collect();
        let raw: Vec<RawUsage> = ok.iter().map(|(_, r)| r.clone()).collect();
        let found: Vec<LineError> = usage::check(db, &cli_ctx(), &raw)
            .await
            .map_err(|e| stop(&bad_lines, rows, e.to_string()))?;
        errors.extend(
            found
                .into_iter()
                .map(|e| (ok[e.index].0, e.usage_id, e.message, Some(e.message_zh))),
        );
        bad_lines.add(errors);
    }
    if bad_lines.count == 0 {
        return Ok(rows);
    }
    // `--json`'s message stays English, as its reasons do; a person reads the chosen language.
    let message = format!(
        "{} of {rows} line(s) of {path} are invalid; nothing was imported",
        bad_lines.count
    );
    bad_lines.finish(rows, &message);
    if super::lang::zh() {
        return Err(fail(format!(
            "{path} 的 {rows} 行中有 {} 行有误；未导入任何内容",
            bad_lines.count
        )));
    }
    Err(fail(message))
}

pub(super) async fn check(db: Db, file: String, format: Option<String>) -> ExitCode {
    let f = match format_of(&file, format.as_deref()) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    match check_file(&db, &file, f, usage::MAX_BATCH, false).await {
        Ok(rows) => {
            say!(
                "{file}：{rows} 行，全部有效",
                "{file}: {rows} line(s), all valid"
            );
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

pub(super) async fn import(
    db: Db,
    file: String,
    format: Option<String>,
    batch: usize,
    json: bool,
) -> ExitCode {
    let f = match format_of(&file, format.as_deref()) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let batch = batch.clamp(1, usage::MAX_BATCH);
    let total = match check_file(&db, &file, f, batch, json).await {
        Ok(rows) => rows,
        Err(code) => return code,
    };
    let mut reader = match Reader::open(&file, f) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut sum = Ingested::default();
    let mut done = 0usize;
    let mut progress = Progress::new(total);
    progress.show(0, true);
    loop {
        let (ok, bad) = match reader.batch(batch) {
            Ok(b) => b,
            Err(e) => return fail(e),
        };
        if ok.is_empty() && bad.is_empty() {
            break;
        }
        if let Some((no, e)) = bad.first() {
            // The file changed since it was checked.
            return fail(format!("line {no}: {e}; the lines before it were imported"));
        }
        let numbers: Vec<usize> = ok.iter().map(|(n, _)| *n).collect();
        let raw: Vec<RawUsage> = ok.into_iter().map(|(_, r)| r).collect();
        let n = raw.len();
        match usage::ingest(&db, cli_ctx(), raw).await {
            Ok(Outcome::Imported(i)) => {
                sum.accepted += i.accepted;
                sum.duplicates += i.duplicates;
                sum.charged += i.charged;
                sum.paid_from_cash += i.paid_from_cash;
                sum.owed += i.owed;
                sum.free_quantity += i.free_quantity;
            }
            Ok(Outcome::Refused { errors }) => {
                progress.finish(done);
                let listed: Vec<_> = errors
                    .into_iter()
                    .map(|e| (numbers[e.index], e.usage_id, e.message, Some(e.message_zh)))
                    .collect();
                let mut bad_lines = BadLines::new(json);
                bad_lines.add(listed);
                let message = "the batch above was refused (the data changed since the check); the lines before it were imported";
                bad_lines.finish(done + n, message);
                return fail(tr(
                    "以上这批被拒绝（数据在检查之后有变）；之前的行已导入",
                    message,
                ));
            }
            Err(e) => {
                progress.finish(done);
                return fail(format!(
                    "{e}; the lines before line {} were imported, run the import again to finish",
                    numbers[0]
                ));
            }
        }
        done += n;
        progress.show(done, false);
    }
    progress.finish(done);
    let y = |c: i64| Money::from_cents(c).to_string();
    if json {
        println!(
            "{}",
            serde_json::json!({
                "lines": done,
                "accepted": sum.accepted,
                "duplicates": sum.duplicates,
                "charged": y(sum.charged),
                "paid_from_cash": y(sum.paid_from_cash),
                "owed": y(sum.owed),
                "free_hours": Quantity::from_micros(sum.free_quantity).to_decimal(),
            })
        );
    } else {
        say!(
            "{file}：{done} 行：导入 {} 行，{} 行已导入过（跳过）；计费 {} 元（现金支付 {}，欠费 {}）；资源包抵扣 {} 小时",
            "{file}: {done} line(s): {} imported, {} already imported (skipped); charged {} yuan ({} from cash, {} owed); packages covered {} hours",
            sum.accepted,
            sum.duplicates,
            y(sum.charged),
            y(sum.paid_from_cash),
            y(sum.owed),
            Quantity::from_micros(sum.free_quantity).to_decimal()
        );
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension_or_the_flag() {
        assert_eq!(format_of("a.csv", None), Ok(Format::Csv));
        assert_eq!(format_of("a.JSONL", None), Ok(Format::JsonLines));
        assert_eq!(format_of("a.txt", Some("csv")), Ok(Format::Csv));
        assert!(format_of("a.txt", None).is_err());
    }

    #[test]
    fn json_lines_keep_the_digits_of_numbers() {
        let r = json_row(r#"{"usage_id":"u1","usage":1.25,"resource_size":20,"customer_id":"c"}"#)
            .unwrap();
        assert_eq!(r.usage, "1.25");
        assert_eq!(r.resource_size.as_deref(), Some("20"));
        assert!(json_row(r#"{"usage_id":"u1","colour":"red"}"#)
            .unwrap_err()
            .contains("colour"));
        assert!(json_row("[1]").is_err());
    }
}
