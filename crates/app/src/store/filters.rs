//! `WHERE` clauses built from the filters a request actually sends. A list endpoint with optional
//! filters written as `($n IS NULL OR col = $n)` gives PostgreSQL's generic plans nothing to work
//! with (bench/README.md, P1); building the conditions present, with numbered placeholders,
//! gives each filter set its own statement and plan, on both engines.

use super::sql;

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
    pub fn next(&self) -> usize {
        self.first + self.args.len()
    }
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
        return Err(AppError::invalid("offset must be 0 or more"));
    }
    if !(1..=max).contains(&limit) {
        return Err(AppError::invalid(format!(
            "limit must be between 1 and {max}"
        )));
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
    }
}
