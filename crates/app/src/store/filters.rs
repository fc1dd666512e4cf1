//! `WHERE` clauses built from the filters a request actually sends. A list endpoint with optional
//! filters written as `($n IS NULL OR col = $n)` gives PostgreSQL's generic plans nothing to work
//! with (bench/README.md, P1); building the conditions present, with numbered placeholders,
//! gives each filter set its own statement and plan, on both engines.

use super::sql;
use super::ReadPool;
use crate::error::AppResult;

/// A bound value of a query built from the filters a request sends.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Int(i64),
}

/// `AND …` conditions with `$n` placeholders numbered from `first`, and their values in order.
#[derive(Debug, Default)]
pub struct Conditions {
    pub sql: String,
    pub args: Vec<Arg>,
    first: usize,
}

impl Conditions {
    pub fn new(first: usize) -> Conditions {
        Conditions {
            first,
            ..Default::default()
        }
    }
    /// Adds `AND {template}` with its `?` replaced by the next placeholder, bound to `arg`.
    pub fn add(&mut self, template: &str, arg: Arg) {
        let n = self.first + self.args.len();
        self.sql.push_str(" AND ");
        self.sql.push_str(&template.replace('?', &format!("${n}")));
        self.args.push(arg);
    }
    /// Adds `AND {condition}`, a condition without a parameter (`d.revoked_at IS NULL`).
    pub fn require(&mut self, condition: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(condition);
    }
    /// Adds `AND {column} IN ($n, $n+1, …)`, one placeholder per value; nothing when `values` is
    /// empty (no filter).
    pub fn add_in(&mut self, column: &str, values: impl IntoIterator<Item = Arg>) {
        let values: Vec<Arg> = values.into_iter().collect();
        if values.is_empty() {
            return;
        }
        let marks: Vec<String> = (0..values.len())
            .map(|i| format!("${}", self.next() + i))
            .collect();
        self.sql
            .push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
        self.args.extend(values);
    }
    pub fn next(&self) -> usize {
        self.first + self.args.len()
    }
    /// `WHERE …` with the conditions added (the first `AND` dropped), or nothing.
    pub fn where_clause(&self) -> String {
        match self.sql.strip_prefix(" AND ") {
            Some(rest) => format!("WHERE {rest}"),
            None => String::new(),
        }
    }
}

/// The largest page the vendor API's list operations accept (`limit` 1 to 100).
pub const VENDOR_MAX_PAGE: i64 = 100;

/// A time filter of the vendor API (`2019-05-06T08:05:01Z`, UTC), parsed; `None` stays no filter.
/// The error names the field.
pub fn utc_time(field: &str, v: Option<String>) -> AppResult<Option<i64>> {
    match v {
        None => Ok(None),
        Some(s) => pc_domain::timefmt::parse_utc(&s).map(Some).ok_or_else(|| {
            crate::error::AppError::invalid_tr(
                format!("{field} must be a UTC time like 2019-05-06T08:05:01Z"),
                format!("{field} 须为 UTC 时间，例如 2019-05-06T08:05:01Z。"),
            )
        }),
    }
}

/// `%term%` for `LIKE … ESCAPE '\'`, the term's own `%`, `_` and `\` escaped.
pub fn like_pattern(term: &str) -> String {
    let mut s = String::with_capacity(term.len() + 2);
    s.push('%');
    for ch in term.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(ch);
    }
    s.push('%');
    s
}

/// One page of a list: `{select} {from} WHERE … ORDER BY {order} LIMIT … OFFSET …`, the `WHERE`
/// built from `w` (conditions numbered from 1).
pub async fn page_rows(
    pool: &ReadPool,
    select: &str,
    from: &str,
    w: &Conditions,
    order: &str,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<sql::Row>> {
    let n = w.next();
    Ok(bind_args(
        sql::query(&format!(
            "{select} {from} {} ORDER BY {order} LIMIT ${n} OFFSET ${}",
            w.where_clause(),
            n + 1
        )),
        &w.args,
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?)
}

/// Where a list's total comes from.
#[derive(Debug, Clone, Copy)]
pub enum Total<'a> {
    /// `COUNT(*)` over the page's own `FROM … WHERE …`.
    Count,
    /// A one-value `SELECT` over the same arguments: a count kept at write time (by triggers),
    /// or a count cheaper than the page's joins. No row counts as 0.
    Select(&'a str),
}

/// One page of a list and the list's total, in **one statement**:
/// `{select}, COALESCE(({total}), 0) {from_where} ORDER BY {order} LIMIT … OFFSET …`.
///
/// The total rides as every row's last column (taken off before the rows are returned). It is
/// an uncorrelated scalar subquery, which both engines evaluate once per statement, so a page
/// and its total come from one snapshot and cost one statement (one round trip on PostgreSQL)
/// instead of two (bench/README.md, P1). A page with no row carries no total: on the first
/// page that means the list is empty; past it (an offset beyond the end) the total is read by
/// itself.
///
/// `select` is `SELECT <columns>` without `FROM`; `from_where` the `FROM … [WHERE …]` whose
/// placeholders are `$1..$n` for `args`.
#[allow(clippy::too_many_arguments)]
pub async fn page_and_total(
    pool: &ReadPool,
    select: &str,
    from_where: &str,
    args: &[Arg],
    total: Total<'_>,
    order: &str,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<sql::Row>)> {
    let total_sql = match total {
        Total::Count => format!("SELECT COUNT(*) {from_where}"),
        Total::Select(s) => s.to_string(),
    };
    let n = args.len() + 1;
    let mut rows = bind_args(
        sql::query(&format!(
            "{select}, COALESCE(({total_sql}), 0) {from_where} ORDER BY {order} LIMIT ${n} OFFSET ${}",
            n + 1
        )),
        args,
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let mut total = None;
    for r in &mut rows {
        total = Some(r.take_last::<i64>()?);
    }
    let total = match total {
        Some(t) => t,
        None if offset == 0 => 0,
        None => bind_scalar_args(
            sql::query_scalar::<Option<i64>>(&format!("SELECT ({total_sql})")),
            args,
        )
        .fetch_one(pool)
        .await?
        .unwrap_or(0),
    };
    Ok((total, rows))
}

/// A list's total under `w` and one page of it, counted ([`page_and_total`] with
/// [`Total::Count`]): the count-and-page of every listing whose total is not kept elsewhere.
pub async fn count_and_page(
    pool: &ReadPool,
    select: &str,
    from: &str,
    w: &Conditions,
    order: &str,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<sql::Row>)> {
    page_and_total(
        pool,
        select,
        &format!("{from} {}", w.where_clause()),
        &w.args,
        Total::Count,
        order,
        offset,
        limit,
    )
    .await
}

/// The rows of `{select} WHERE {column} IN (…) AND {also…}` for `ids` (each bound once): a page's
/// batched lookup of rows a capability owns, one query instead of one per row. No ids, no query.
pub async fn rows_with_ids<'e>(
    exec: impl Into<sql::Exec<'e>>,
    select: &str,
    column: &str,
    ids: &[&str],
    also: &[&str],
) -> AppResult<Vec<sql::Row>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Conditions::new(1);
    w.add_in(column, ids.iter().map(|i| Arg::Text(i.to_string())));
    for c in also {
        w.require(c);
    }
    let q = format!("{select} {}", w.where_clause());
    Ok(bind_args(sql::query(&q), &w.args).fetch_all(exec).await?)
}

pub fn bind_args<'q>(mut q: sql::Query<'q>, args: &[Arg]) -> sql::Query<'q> {
    for a in args {
        q = match a {
            Arg::Text(s) => q.bind(s.as_str()),
            Arg::Int(i) => q.bind(*i),
        };
    }
    q
}

pub fn bind_scalar_args<'q, O: sql::Decode>(
    mut q: sql::QueryScalar<'q, O>,
    args: &[Arg],
) -> sql::QueryScalar<'q, O> {
    for a in args {
        q = match a {
            Arg::Text(s) => q.bind(s.as_str()),
            Arg::Int(i) => q.bind(*i),
        };
    }
    q
}

/// `offset` (default 0, at least 0) and `limit` (default 10, 1 to `max`) of a list: the one
/// check every listing of every surface uses, with the vendor's `CBC.0100` and a message naming
/// the bound.
pub fn page(
    offset: Option<i64>,
    limit: Option<i64>,
    max: i64,
) -> crate::error::AppResult<(i64, i64)> {
    use crate::error::AppError;
    let offset = offset.unwrap_or(0);
    let limit = limit.unwrap_or(10);
    if offset < 0 {
        return Err(AppError::invalid_tr(
            "offset must be 0 or more",
            "offset 须大于或等于 0。",
        ));
    }
    if !(1..=max).contains(&limit) {
        return Err(AppError::invalid_tr(
            format!("limit must be between 1 and {max}"),
            format!("limit 须在 1 到 {max} 之间。"),
        ));
    }
    Ok((offset, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_bounds() {
        assert_eq!(page(None, None, 100).unwrap(), (0, 10));
        assert_eq!(page(Some(5), Some(100), 100).unwrap(), (5, 100));
        assert!(page(Some(-1), None, 100).is_err());
        assert!(page(None, Some(0), 100).is_err());
        assert!(page(None, Some(101), 100).is_err());
    }

    #[test]
    fn placeholders_follow_the_conditions_present() {
        let mut w = Conditions::new(2);
        w.add("a.x = ?", Arg::Int(1));
        w.add("a.y LIKE ? ESCAPE '\\'", Arg::Text("%y%".into()));
        assert_eq!(w.sql, " AND a.x = $2 AND a.y LIKE $3 ESCAPE '\\'");
        assert_eq!(w.next(), 4);
        assert_eq!(w.args.len(), 2);
        assert_eq!(Conditions::new(1).next(), 1);
        assert_eq!(Conditions::new(1).where_clause(), "");
        assert_eq!(
            w.where_clause(),
            "WHERE a.x = $2 AND a.y LIKE $3 ESCAPE '\\'"
        );
    }

    #[test]
    fn in_lists_and_bare_conditions() {
        let mut w = Conditions::new(1);
        w.add("r.customer_id = ?", Arg::Text("c".into()));
        w.add_in("r.status", [Arg::Int(1), Arg::Int(2)]);
        w.add_in("r.id", []);
        w.require("r.is_main = 1");
        assert_eq!(
            w.where_clause(),
            "WHERE r.customer_id = $1 AND r.status IN ($2, $3) AND r.is_main = 1"
        );
        assert_eq!(w.next(), 4);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
