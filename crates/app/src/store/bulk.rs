//! Multi-row statements: one `INSERT … VALUES (…), (…), …` (or `UPDATE … FROM (VALUES …)`) for
//! the many rows of a batch instead of one statement per row, on both engines.
//!
//! A statement carries at most [`MAX_ROWS`] rows (and never more parameters than SQLite's
//! 32,766), and its row count is a power of two: a batch of 1,000 rows is six statements
//! (512 + 256 + 128 + 64 + 32 + 8), and however batches vary, a table's statement comes in at
//! most ten texts, each prepared once per connection (SQLite's statement cache, PostgreSQL's
//! prepared statements) instead of once per batch.
//!
//! The rows go where the template says `{rows}`, as `($1, $2, …), ($k, …)`; rows of one value
//! may instead fill an `IN ({list})`, as `$1, $2, …`. In an `UPDATE … FROM (VALUES {rows}) AS v`,
//! both engines name the columns of `v` `column1`, `column2`, …, and `{firsts}` is the rows'
//! first values (`$1, $k, …`): PostgreSQL plans a join with a list of hundreds of rows as a hash
//! join over a scan of the whole table, and a redundant `AND t.id IN ({firsts})` lets it find
//! the rows by their index instead (SQLite's plan is the same either way).

use super::sql::{self, Conn, Encode, Value};

/// The most rows one statement carries.
pub const MAX_ROWS: usize = 512;

/// SQLite's default limit on a statement's parameters.
const MAX_PARAMS: usize = 32_766;

/// The rows of a multi-row statement, `width` values each, in order.
#[derive(Debug, Clone)]
pub struct Rows {
    width: usize,
    values: Vec<Value>,
}

impl Rows {
    pub fn new(width: usize) -> Rows {
        assert!((1..=MAX_PARAMS).contains(&width));
        Rows {
            width,
            values: Vec::new(),
        }
    }

    /// Appends a value to the row being filled (a row is complete after `width` of them).
    pub fn push<T: Encode>(&mut self, v: T) -> &mut Rows {
        self.values.push(v.encode());
        self
    }

    /// The number of complete rows.
    pub fn len(&self) -> usize {
        self.values.len() / self.width
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The statements to run: each text with its values, every row in one of them.
    fn statements(self, template: &str) -> Vec<(String, Vec<Value>)> {
        assert!(
            self.values.len().is_multiple_of(self.width),
            "a row of a multi-row statement is incomplete"
        );
        let most = (MAX_PARAMS / self.width).min(MAX_ROWS);
        let most = 1 << most.ilog2();
        let mut left = self.len();
        let mut out = Vec::new();
        let mut values = self.values.into_iter();
        while left > 0 {
            let n = if left >= most {
                most
            } else {
                1 << left.ilog2()
            };
            out.push((
                statement(template, self.width, n),
                values.by_ref().take(n * self.width).collect(),
            ));
            left -= n;
        }
        out
    }
}

/// `template` with `{rows}` replaced by `n` tuples of `width` numbered placeholders (and
/// `{firsts}` by the first of each), or `{list}` by `n` placeholders.
fn statement(template: &str, width: usize, n: usize) -> String {
    if width == 1 && template.contains("{list}") {
        let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
        return template.replace("{list}", &marks.join(", "));
    }
    let firsts: Vec<String> = (0..n).map(|r| format!("${}", r * width + 1)).collect();
    let template = template.replace("{firsts}", &firsts.join(", "));
    let mut rows = String::with_capacity(n * width * 6);
    for r in 0..n {
        if r > 0 {
            rows.push_str(", ");
        }
        rows.push('(');
        for k in 0..width {
            if k > 0 {
                rows.push_str(", ");
            }
            rows.push('$');
            rows.push_str(&(r * width + k + 1).to_string());
        }
        rows.push(')');
    }
    template.replace("{rows}", &rows)
}

/// Runs `template` over every row (see the module's header); returns the rows its statements
/// return (`… RETURNING …`), in order.
pub async fn fetch_all(c: &mut Conn, template: &str, rows: Rows) -> sql::Result<Vec<sql::Row>> {
    let mut out = Vec::new();
    for (text, values) in rows.statements(template) {
        out.extend(bound(&text, values).fetch_all(&mut *c).await?);
    }
    Ok(out)
}

fn bound(text: &str, values: Vec<Value>) -> sql::Query<'_> {
    values.into_iter().fold(sql::query(text), |q, v| q.bind(v))
}

/// Runs `template` over every row as a deferred statement (`sql::Query::defer`: on PostgreSQL it
/// travels with the transaction's next statement or its `COMMIT`).
pub async fn defer(c: &mut Conn, template: &str, rows: Rows) -> sql::Result<()> {
    for (text, values) in rows.statements(template) {
        bound(&text, values).defer(c).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_go_out_in_power_of_two_statements() {
        let mut r = Rows::new(2);
        for i in 0..1000i64 {
            r.push(i).push(format!("x{i}"));
        }
        let s = r.statements("INSERT INTO t (a, b) VALUES {rows}");
        let sizes: Vec<usize> = s.iter().map(|(_, v)| v.len() / 2).collect();
        assert_eq!(sizes, vec![512, 256, 128, 64, 32, 8]);
        assert_eq!(s[5].0, "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6), ($7, $8), ($9, $10), ($11, $12), ($13, $14), ($15, $16)");
        assert_eq!(s[0].1[0], Value::Int(0));
        assert_eq!(s[5].1[15], Value::Text("x999".into()));
        let mut two = Rows::new(2);
        two.push("a").push(1i64).push("b").push(2i64);
        let s = two.statements("FROM (VALUES {rows}) AS v WHERE t.id IN ({firsts})");
        assert_eq!(
            s[0].0,
            "FROM (VALUES ($1, $2), ($3, $4)) AS v WHERE t.id IN ($1, $3)"
        );
    }

    #[test]
    fn wide_rows_stay_under_the_parameter_limit() {
        let mut r = Rows::new(40);
        for i in 0..(1000 * 40) {
            r.push(i as i64);
        }
        let s = r.statements("{rows}");
        assert!(s.iter().all(|(_, v)| v.len() <= MAX_PARAMS));
        assert_eq!(s.iter().map(|(_, v)| v.len()).sum::<usize>(), 40_000);
        assert!(Rows::new(3).statements("{rows}").is_empty());
        let mut ids = Rows::new(1);
        ids.push("a").push("b").push("c");
        let s = ids.statements("x IN ({list})");
        assert_eq!(
            (s[0].0.as_str(), s[1].0.as_str()),
            ("x IN ($1, $2)", "x IN ($1)")
        );
    }
}
