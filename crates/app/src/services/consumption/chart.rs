//! A partner's customers' consumption over the last months by service type: the Bills page's
//! 12-month chart.

use pc_domain::bills::BillCycle;

use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::services::catalog;
use crate::store::{sql, Db};

/// One service type's line in [`MonthsByService`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSeries {
    pub service_type_code: String,
    /// The catalogue's names (`None` for a code it does not know).
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    /// Cents payable in each month, in [`MonthsByService::cycles`]' order (net of refunds).
    pub payments: Vec<i64>,
}

/// A partner's customers' consumption over the last months, by service type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthsByService {
    /// The months, oldest first; the last is this month (Asia/Shanghai).
    pub cycles: Vec<String>,
    /// The service types with records in those months, the largest total first (then by code).
    pub series: Vec<ServiceSeries>,
}

/// The most months [`partner_months_by_service`] reads.
pub const MONTHS_BY_SERVICE_MAX: i64 = 24;

/// The calling partner's customers' consumption over the last `months` months (this month and
/// the ones before it), summed by billing month and service type: every record charged while the
/// customer was associated with the caller (either association type, every charging mode), as
/// payable net of refunds. One grouped query over the caller's records (the
/// `consumption_partner_cycle` index), one for the service types' names.
pub async fn partner_months_by_service(
    db: &Db,
    ctx: &Ctx,
    months: i64,
) -> AppResult<MonthsByService> {
    let caller = ctx.actor.partner_id()?;
    if !(1..=MONTHS_BY_SERVICE_MAX).contains(&months) {
        return Err(AppError::invalid_tr(
            format!("months must be from 1 to {MONTHS_BY_SERVICE_MAX}"),
            format!("months 必须在 1 到 {MONTHS_BY_SERVICE_MAX} 之间。"),
        ));
    }
    let cycles: Vec<String> = BillCycle::of_ms(ctx.now_ms)
        .last_months(months)
        .iter()
        .map(|c| c.to_string())
        .collect();
    let (first, last) = (&cycles[0], &cycles[cycles.len() - 1]);
    let pool = db.read();
    let rows: Vec<(String, String, i64)> = sql::query_as(
        "SELECT r.bill_cycle, r.service_type_code, CAST(SUM(r.payment_amount) AS BIGINT) FROM consumption_records r \
         WHERE r.partner_id = $1 AND r.bill_cycle >= $2 AND r.bill_cycle <= $3 \
         GROUP BY r.bill_cycle, r.service_type_code",
    )
    .bind(caller)
    .bind(first)
    .bind(last)
    .fetch_all(pool)
    .await?;
    let mut series: Vec<ServiceSeries> = Vec::new();
    for (cycle, code, cents) in rows {
        let Some(i) = cycles.iter().position(|c| *c == cycle) else {
            continue;
        };
        let at = match series.iter().position(|s| s.service_type_code == code) {
            Some(at) => at,
            None => {
                series.push(ServiceSeries {
                    service_type_code: code,
                    name_zh: None,
                    name_en: None,
                    payments: vec![0; cycles.len()],
                });
                series.len() - 1
            }
        };
        series[at].payments[i] += cents;
    }
    let codes: Vec<&str> = series
        .iter()
        .map(|s| s.service_type_code.as_str())
        .collect();
    let (names, _) = catalog::type_names(pool, &codes, &[]).await?;
    for s in &mut series {
        if let Some((zh, en)) = names.get(&s.service_type_code) {
            s.name_zh = zh.clone();
            s.name_en = en.clone();
        }
    }
    series.sort_by(|a, b| {
        let total = |s: &ServiceSeries| s.payments.iter().sum::<i64>();
        total(b)
            .cmp(&total(a))
            .then_with(|| a.service_type_code.cmp(&b.service_type_code))
    });
    Ok(MonthsByService { cycles, series })
}
