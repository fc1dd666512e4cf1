//! SQLite's execution of the store's statements (`store/sql.rs` is the interface): binding
//! values to `$n` placeholders and reading rows into owned values.
//!
//! SQLite treats `$1` as a *named* parameter and numbers parameters by their first appearance in
//! the text. The number each stands for is read from the statement's text ([`placeholder_order`]),
//! not by asking SQLite each parameter's name: `sqlite3_bind_parameter_name` walks a list, so a
//! multi-row statement's thousands of parameters (`store/bulk.rs`) cost O(n²) that way (three
//! quarters of a usage import's time).

use std::sync::Arc;

use super::sql::{Error, ErrorKind, Kind, Out, Result, Row, SqliteConn, Value, Want};

/// The `$n` of each parameter of `sql`, in SQLite's order (each number at its first appearance
/// outside quotes).
pub(crate) fn placeholder_order(sql: &str) -> Vec<usize> {
    let b = sql.as_bytes();
    let mut seen: Vec<bool> = Vec::new();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                // A doubled quote inside ends one literal and starts the next: the same bytes.
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            }
            b'$' => {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if let Ok(n) = sql[i + 1..i + 1 + digits].parse::<usize>() {
                    if seen.len() <= n {
                        seen.resize(n + 1, false);
                    }
                    if !std::mem::replace(&mut seen[n], true) {
                        out.push(n);
                    }
                }
                i += 1 + digits;
            }
            _ => i += 1,
        }
    }
    out
}

/// Binds `args` to a prepared SQLite statement by placeholder number (`$n` → `args[n-1]`).
fn bind_sqlite(stmt: &mut rusqlite::Statement<'_>, sql: &str, args: &[Value]) -> Result<()> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    let order = placeholder_order(sql);
    // The text and SQLite agree on the count unless a `$n` hides where the scan cannot see it;
    // then SQLite is asked each name.
    let by_text = order.len() == stmt.parameter_count();
    for i in 1..=stmt.parameter_count() {
        let n = if by_text {
            order[i - 1]
        } else {
            match stmt.parameter_name(i) {
                Some(name) => name
                    .trim_start_matches(['$', '?', ':', '@'])
                    .parse::<usize>()
                    .map_err(|_| {
                        Error::new(ErrorKind::Other, format!("placeholder {name} is not $n"))
                    })?,
                None => i,
            }
        };
        let v = args.get(n.wrapping_sub(1)).ok_or_else(|| {
            Error::new(
                ErrorKind::Other,
                format!("placeholder ${n} has no value ({} bound)", args.len()),
            )
        })?;
        let out = match v {
            Value::Null(_) => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(x) => ToSqlOutput::Borrowed(ValueRef::Integer(*x)),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(*b as i64)),
            Value::Real(r) => ToSqlOutput::Borrowed(ValueRef::Real(*r)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        };
        stmt.raw_bind_parameter(i, out)?;
    }
    Ok(())
}

pub(crate) fn run_sqlite(c: &mut SqliteConn, sql: &str, args: &[Value], want: Want) -> Result<Out> {
    use rusqlite::types::ValueRef;
    let mut stmt = c.conn.prepare_cached(sql)?;
    bind_sqlite(&mut stmt, sql, args)?;
    let ncols = stmt.column_count();
    let columns: Arc<[String]> = if want == Want::Done {
        Arc::from(Vec::new())
    } else if let Some(names) = c.names.get(sql) {
        names.clone()
    } else {
        let names: Arc<[String]> = (0..ncols)
            .map(|i| stmt.column_name(i).map(str::to_string))
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into();
        // Statement texts built from filters vary; the cache stays small all the same (one entry
        // per filter combination) but is bounded for safety.
        if c.names.len() >= 1024 {
            c.names.clear();
        }
        c.names.insert(sql.to_string(), names.clone());
        names
    };
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        if want == Want::Done {
            continue;
        }
        let mut values = Vec::with_capacity(ncols);
        for i in 0..ncols {
            values.push(match r.get_ref(i)? {
                ValueRef::Null => Value::Null(Kind::Text),
                ValueRef::Integer(x) => Value::Int(x),
                ValueRef::Real(x) => Value::Real(x),
                ValueRef::Text(t) => Value::Text(match std::str::from_utf8(t) {
                    // Valid UTF-8 (every text we write) is copied once; `from_utf8_lossy`
                    // would walk it chunk by chunk first.
                    Ok(s) => s.to_owned(),
                    Err(_) => String::from_utf8_lossy(t).into_owned(),
                }),
                ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        out.push(Row::new(columns.clone(), values));
        // The first row is all `fetch_optional` wants. A data-changing statement made all its
        // changes at its first step (SQLite runs `… RETURNING` to completion there).
        if want == Want::First {
            break;
        }
    }
    drop(rows);
    drop(stmt);
    Ok(match want {
        Want::Done => Out::Done(c.conn.changes()),
        _ => Out::Rows(out),
    })
}

#[cfg(test)]
mod tests {
    use super::placeholder_order;

    #[test]
    fn placeholders_are_numbered_by_first_appearance_outside_quotes() {
        assert_eq!(placeholder_order("SELECT $2 || $1, $1"), vec![2, 1]);
        assert_eq!(
            placeholder_order("SELECT '$9', \"$8\", $3 WHERE x = '' || $1"),
            vec![3, 1]
        );
        assert_eq!(placeholder_order("SELECT $ || $10"), vec![10]);
    }
}
