//! The last months in the business time zone (Asia/Shanghai), for the reads that count or sum
//! rows per month (the home pages' charts): their labels, their spans, and a `CASE` expression
//! numbering the month a time column falls in, so the grouping happens in the database on both
//! engines (one row per month comes back, never one per counted row).

use pc_domain::bills::BillCycle;

use crate::error::AppResult;
use crate::store::sql::{self, FromRow, QueryAs, ReadPool};

/// The most months a per-month read covers.
pub const MAX_MONTHS: i64 = 24;

/// `n` months ending with the current one, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Months {
    /// `YYYY-MM`, oldest first; the last is this month.
    pub labels: Vec<String>,
    /// Each month's first instant (UTC Unix ms), in the same order.
    pub starts: Vec<i64>,
    /// The first instant after the last month.
    pub end: i64,
}

impl Months {
    /// The `n` months (clamped to 1..=[`MAX_MONTHS`]) that end with the month of `now_ms`.
    pub fn last(now_ms: i64, n: i64) -> Months {
        let cycles = BillCycle::of_ms(now_ms).last_months(n.clamp(1, MAX_MONTHS));
        let end = cycles.last().map(|c| c.span_ms().1).unwrap_or(now_ms);
        Months {
            labels: cycles.iter().map(|c| c.to_string()).collect(),
            starts: cycles.iter().map(|c| c.span_ms().0).collect(),
            end,
        }
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The first instant of the first month.
    pub fn start(&self) -> i64 {
        self.starts[0]
    }

    /// `CAST(CASE WHEN col >= $k+n-1 THEN n-1 … WHEN col >= $k THEN 0 END AS BIGINT)`: the index
    /// of the month `col` falls in, the months' starts bound as `$first` onwards in order
    /// ([`Months::starts`]). Rows before the first month must be filtered out by the caller.
    pub fn bucket_sql(&self, col: &str, first: usize) -> String {
        let arms: String = (0..self.len())
            .rev()
            .map(|i| format!(" WHEN {col} >= ${} THEN {i}", first + i))
            .collect();
        format!("CAST(CASE{arms} END AS BIGINT)")
    }

    /// Binds the window (`start`, `end`) and then every month's start, in the order the
    /// statement numbers them: `$k`, `$k+1` for the window, [`Months::bucket_sql`] from `$k+2`.
    pub fn bind<'q, T: FromRow>(&self, q: QueryAs<'q, T>) -> QueryAs<'q, T> {
        self.starts
            .iter()
            .fold(q.bind(self.start()).bind(self.end), |q, s| q.bind(*s))
    }

    /// The rows of `table` whose `time_col` falls in each month, where `filter` holds (a
    /// condition with no placeholders, written by the capability that owns the table), with the
    /// sum of `sum_expr` over them (`"0"` for none): one statement grouping in the database,
    /// over an index on `time_col` (or led by `filter`'s equality and then `time_col`).
    /// Returns the counts and the sums, one per month.
    pub async fn count_and_sum(
        &self,
        pool: &ReadPool,
        table: &str,
        time_col: &str,
        filter: &str,
        sum_expr: &str,
    ) -> AppResult<(Vec<i64>, Vec<i64>)> {
        let sql = format!(
            "SELECT {}, COUNT(*), CAST(SUM({sum_expr}) AS BIGINT) FROM {table} \
             WHERE {filter} AND {time_col} >= $1 AND {time_col} < $2 GROUP BY 1",
            self.bucket_sql(time_col, 3)
        );
        let rows = self
            .bind(sql::query_as::<(i64, i64, i64)>(&sql))
            .fetch_all(pool)
            .await?;
        let counts = self.spread(rows.iter().map(|(i, n, _)| (*i, *n)));
        let sums = self.spread(rows.iter().map(|(i, _, s)| (*i, *s)));
        Ok((counts, sums))
    }

    /// Spreads `(month index, value)` rows into one value per month.
    pub fn spread(&self, rows: impl IntoIterator<Item = (i64, i64)>) -> Vec<i64> {
        let mut out = vec![0; self.len()];
        for (i, v) in rows {
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
                *slot += v;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_in_shanghai() {
        // 2026-03-01 00:30 in Shanghai is 2026-02-28 16:30 UTC.
        let now = 1_772_296_200_000;
        let m = Months::last(now, 12);
        assert_eq!(m.labels.first().unwrap(), "2025-04");
        assert_eq!(m.labels.last().unwrap(), "2026-03");
        assert_eq!(m.starts.len(), 12);
        assert!(m.starts.windows(2).all(|w| w[0] < w[1]));
        assert!(m.starts[11] <= now && now < m.end);
        assert_eq!(m.bucket_sql("t", 3).matches("WHEN").count(), 12);
        assert!(m
            .bucket_sql("t", 3)
            .starts_with("CAST(CASE WHEN t >= $14 THEN 11"));
        assert_eq!(
            m.spread([(0, 2), (11, 1), (11, 4), (12, 9), (-1, 9)])[11],
            5
        );
    }
}
