//! What operators read of the audit log: a filtered, paged search (actor, tenant, object, action,
//! a range of days in the business time zone), its export, the action codes' names in both
//! languages ([`actions`]), and the ledger transfer an entry made. Operators and the command line
//! only, as the log names every tenant's actions.

pub mod actions;

use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, AuditRow, Filter};
use crate::store::ledger::{self, TransferRow};
use crate::store::{filters, Db};

/// The largest page of the console's list.
pub const MAX_PAGE: i64 = 200;
/// The most rows one export holds (the newest).
pub const EXPORT_MAX: i64 = 50_000;

/// A search as a request sends it: text fields, empty meaning no filter; days as `YYYY-MM-DD` in
/// Asia/Shanghai, both included.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: String,
    pub partner: String,
    pub target_kind: String,
    pub target_id: String,
    pub action: String,
    pub from: String,
    pub to: String,
}

impl AuditQuery {
    /// The store's filter: days become the instants they begin (`to`: the day after). An unknown
    /// action code is refused (the list offers the known ones); a malformed day names its field.
    pub fn filter(&self) -> AppResult<Filter> {
        let nz = |s: &str| Some(s.trim().to_string()).filter(|v| !v.is_empty());
        let day = |field: &str, s: &str, next: bool| -> AppResult<Option<i64>> {
            let Some(s) = nz(s) else { return Ok(None) };
            let d = pc_domain::timefmt::parse_date(&s).ok_or_else(|| {
                AppError::invalid_tr(
                    format!("{field} must be a date like 2026-11-18"),
                    format!("{field} 必须是日期，如 2026-11-18。"),
                )
            })?;
            let d = if next { d.next_day().unwrap_or(d) } else { d };
            Ok(Some(pc_domain::timefmt::cn_day_start_ms(d)))
        };
        let action = nz(&self.action);
        if let Some(a) = &action {
            if actions::label(a, false).is_none() {
                return Err(AppError::invalid_tr(
                    format!("unknown action {a}"),
                    format!("未知的操作 {a}"),
                ));
            }
        }
        Ok(Filter {
            actor: nz(&self.actor),
            root_id: nz(&self.partner),
            target_kind: nz(&self.target_kind),
            target_id: nz(&self.target_id),
            action,
            from_ms: day("from", &self.from, false)?,
            to_ms: day("to", &self.to, true)?,
            transfer_id: None,
        })
    }
}

/// One audit entry as the console and the exports show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub row: AuditRow,
    /// The ledger transfers the action made, in order.
    pub transfers: Vec<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> AuditEntry {
        let transfers = row
            .transfer_ids
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        AuditEntry { row, transfers }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditPage {
    pub total: i64,
    pub entries: Vec<AuditEntry>,
}

/// One page of the entries matching `q`, newest first, and their total.
pub async fn search(
    db: &Db,
    ctx: &Ctx,
    q: &AuditQuery,
    offset: Option<i64>,
    limit: Option<i64>,
) -> AppResult<AuditPage> {
    ctx.actor.require_operator()?;
    let (offset, limit) = filters::page(offset, limit, MAX_PAGE)?;
    let (total, rows) = audit::search(db.read(), &q.filter()?, offset, limit).await?;
    Ok(AuditPage {
        total,
        entries: rows.into_iter().map(AuditEntry::from).collect(),
    })
}

/// The entries matching `q` for an export: the newest [`EXPORT_MAX`] of them, and the total.
pub async fn export(db: &Db, ctx: &Ctx, q: &AuditQuery) -> AppResult<AuditPage> {
    ctx.actor.require_operator()?;
    let (total, rows) = audit::search(db.read(), &q.filter()?, 0, EXPORT_MAX).await?;
    Ok(AuditPage {
        total,
        entries: rows.into_iter().map(AuditEntry::from).collect(),
    })
}

/// A ledger transfer and the audit entries that name it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TransferDetail {
    pub transfer: TransferRow,
    /// Is each side's running balance derived (the `external:` account records 0)?
    pub from_derived: bool,
    pub to_derived: bool,
    pub entries: Vec<AuditEntry>,
}

/// The transfer `id` with the entries that made it; `None` when there is no such transfer.
pub async fn transfer(db: &Db, ctx: &Ctx, id: &str) -> AppResult<Option<TransferDetail>> {
    ctx.actor.require_operator()?;
    let Some(t) = ledger::transfer_by_id(db.read(), id).await? else {
        return Ok(None);
    };
    let filter = Filter {
        transfer_id: Some(id.to_string()),
        ..Filter::default()
    };
    let (_, rows) = audit::search(db.read(), &filter, 0, 20).await?;
    Ok(Some(TransferDetail {
        from_derived: ledger::is_derived(&t.from_account),
        to_derived: ledger::is_derived(&t.to_account),
        transfer: t,
        entries: rows.into_iter().map(AuditEntry::from).collect(),
    }))
}
