//! The reads of invoicing: what is open to invoice, the requester's requests, and an issuer's
//! queue (a partner admin's resale customers' requests; the operators' for the vendor).

use pc_domain::invoices::Status;
use pc_domain::party::Role;

use super::{open_of, row_to_request, Open, Request, Requester, REQUEST_COLS};
use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::store::filters::{self, count_and_page, Arg, Conditions};
use crate::store::Db;

/// The requester's open amounts: by month (issuer, customer, month) and by order.
pub async fn open_amounts(db: &Db, ctx: &Ctx) -> AppResult<(Vec<Open>, Vec<Open>)> {
    let who = Requester::of(ctx)?;
    let mut conn = db.read().acquire().await?;
    open_of(&mut conn, &who).await
}

/// The requester's own requests, newest first.
pub async fn my_requests(
    db: &Db,
    ctx: &Ctx,
    offset: Option<i64>,
    limit: Option<i64>,
) -> AppResult<(i64, Vec<Request>)> {
    let who = Requester::of(ctx)?;
    let (offset, limit) = filters::page(offset, limit, filters::VENDOR_MAX_PAGE)?;
    let mut w = Conditions::new(1);
    w.add("requester_kind = ?", Arg::Text(who.kind().to_string()));
    w.add("requester_id = ?", Arg::Text(who.id().to_string()));
    let (total, rows) = count_and_page(
        db.read(),
        &format!("SELECT {REQUEST_COLS}"),
        "FROM invoice_requests",
        &w,
        "created_at DESC, id",
        offset,
        limit,
    )
    .await?;
    Ok((total, rows.iter().map(row_to_request).collect()))
}

/// The issuer the caller is: a partner admin its own partner, operators the vendor (`""`);
/// anyone else `CBC.0155`.
fn issuer_of(ctx: &Ctx) -> AppResult<String> {
    match &ctx.actor {
        Actor::Partner {
            partner_id, role, ..
        } if *role == Role::PartnerAdmin => Ok(partner_id.clone()),
        Actor::Operator { .. } => Ok(String::new()),
        _ => Err(AppError::new(Code::NotAllowed)),
    }
}

/// The requests the caller issues: a partner admin's resale customers' (issuer = itself), the
/// vendor's for operators; optionally one status; newest first.
pub async fn issuer_queue(
    db: &Db,
    ctx: &Ctx,
    status: Option<i64>,
    offset: Option<i64>,
    limit: Option<i64>,
) -> AppResult<(i64, Vec<Request>)> {
    let issuer = issuer_of(ctx)?;
    let (offset, limit) = filters::page(offset, limit, filters::VENDOR_MAX_PAGE)?;
    let mut w = Conditions::new(1);
    w.add("issuer_partner_id = ?", Arg::Text(issuer));
    if let Some(s) = status {
        w.add("status = ?", Arg::Int(s));
    }
    let (total, rows) = count_and_page(
        db.read(),
        &format!("SELECT {REQUEST_COLS}"),
        "FROM invoice_requests",
        &w,
        "created_at DESC, id",
        offset,
        limit,
    )
    .await?;
    Ok((total, rows.iter().map(row_to_request).collect()))
}

/// How many requests wait on the caller as their issuer (to review, to issue or mail, a return
/// to decide): a partner admin's resale customers' requests, the vendor's for operators; anyone
/// else `CBC.0155`. Three seeks of `invoice_requests_issuer`.
pub async fn issuer_to_handle(db: &Db, ctx: &Ctx) -> AppResult<i64> {
    let issuer = issuer_of(ctx)?;
    Ok(crate::store::sql::query_scalar(
        "SELECT COUNT(*) FROM invoice_requests WHERE issuer_partner_id = $1 AND status IN ($2, $3, $4)",
    )
    .bind(issuer)
    .bind(Status::PendingReview.code())
    .bind(Status::Issuing.code())
    .bind(Status::ReturnRequested.code())
    .fetch_one(db.read())
    .await?)
}
