//! Review, issue and mailing of invoice requests, and the requester's own moves (cancel,
//! resubmit a draft, delete it, confirm receipt): the state machine of `pc_domain::invoices`.

use pc_domain::invoices::{self as rules, Action, Side, Status};
use pc_domain::party::Role;
use serde::{Deserialize, Serialize};

use super::{clean, get_in, place, NewRequest, Request, Requester, Selection};
use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::store::sql;
use crate::store::{audit, outbox, Db};

/// Is the acting caller this request's requester, or its issuer?
pub(crate) fn side_of(ctx: &Ctx, r: &Request) -> Option<Side> {
    match &ctx.actor {
        Actor::Customer { customer_id, .. }
            if r.requester_kind == "customer" && r.requester_id == *customer_id =>
        {
            Some(Side::Requester)
        }
        Actor::Partner {
            partner_id, role, ..
        } if *role == Role::PartnerAdmin => {
            if r.requester_kind == "partner" && r.requester_id == *partner_id {
                Some(Side::Requester)
            } else if r.issuer_partner_id == *partner_id {
                Some(Side::Issuer)
            } else {
                None
            }
        }
        Actor::Operator { .. } if r.issuer_partner_id.is_empty() => Some(Side::Issuer),
        _ => None,
    }
}

/// An action on a request, with what it needs: a reason to reject, an invoice number to issue or
/// mail (and the tracking number in `note` for mailing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Act {
    pub request_id: String,
    pub action: Action,
    pub reason: Option<String>,
    pub invoice_no: Option<String>,
}

/// Moves a request along its state machine (`pc_domain::invoices::next`); the request after, or
/// `None` when a draft was deleted. Someone who is neither its requester nor its issuer hears
/// `PC.0404`, as if it did not exist.
pub async fn act(db: &Db, ctx: Ctx, a: Act) -> AppResult<Option<Request>> {
    let reason = clean(a.reason.clone(), 200, "reason")?;
    let invoice_no = clean(a.invoice_no.clone(), 64, "invoice_no")?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let r = get_in(c, &a.request_id)
                .await?
                .ok_or_else(|| AppError::new(Code::NotFound))?;
            let side = side_of(&ctx, &r).ok_or_else(|| AppError::new(Code::NotFound))?;
            if a.action.side() != side {
                return Err(AppError::new(Code::InvoiceNotNow));
            }
            let from = Status::from_code(r.status)
                .ok_or_else(|| AppError::internal("a request in an unknown status"))?;
            let to = rules::next(from, a.action, r.paper)?;
            if matches!(
                a.action,
                Action::Reject | Action::RequestReturn | Action::RefuseReturn
            ) && reason.is_none()
            {
                return Err(AppError::invalid_tr("give the reason", "请填写原因。"));
            }
            if matches!(a.action, Action::IssueElectronic | Action::Mail) && invoice_no.is_none() {
                return Err(AppError::invalid_tr("give the invoice number", "请填写发票号码。"));
            }
            match to {
                None => {
                    sql::query("DELETE FROM invoice_request_lines WHERE request_id = $1")
                        .bind(&r.id)
                        .execute(&mut *c)
                        .await?;
                    sql::query("DELETE FROM invoice_requests WHERE id = $1 AND status = 0")
                        .bind(&r.id)
                        .execute(&mut *c)
                        .await?;
                }
                Some(Status::PendingReview) => {
                    // A draft resubmitted: every rule again, with today's amounts.
                    let who = match r.requester_kind.as_str() {
                        "customer" => Requester::Customer(r.requester_id.clone()),
                        _ => Requester::Partner(r.requester_id.clone()),
                    };
                    let selection = selection_of(&r);
                    let req = NewRequest {
                        issuer_partner_id: r.issuer_partner_id.clone(),
                        selection,
                        special: r.special,
                        paper: r.paper,
                        remark: r.remark.clone(),
                    };
                    place(c, &ctx, &who, &r.id, &req, r.remark.clone(), Some(&r)).await?;
                }
                Some(next) => {
                    let n = sql::query(
                        "UPDATE invoice_requests SET status = $1, reason = COALESCE($2, reason), \
                         invoice_no = COALESCE($3, invoice_no), updated_at = $4 WHERE id = $5 AND status = $6",
                    )
                    .bind(next.code())
                    .bind(reason.clone())
                    .bind(invoice_no.clone())
                    .bind(ctx.now_ms)
                    .bind(&r.id)
                    .bind(r.status)
                    .execute(&mut *c)
                    .await?;
                    if n.rows_affected() == 0 {
                        return Err(AppError::new(Code::InvoiceNotNow));
                    }
                    let notice = match a.action {
                        Action::Reject => Some(("Invoice request rejected / 开票申请被驳回", format!("{}: {}", r.id, reason.clone().unwrap_or_default()))),
                        Action::IssueElectronic => Some(("Invoice issued / 发票已开具", format!("{}: {}", r.id, invoice_no.clone().unwrap_or_default()))),
                        Action::Mail => Some(("Invoice mailed / 发票已邮寄", format!("{}: {}", r.id, invoice_no.clone().unwrap_or_default()))),
                        Action::ConfirmReturn => Some(("Invoice returned / 发票已退回", format!("{}: {}", r.id, r.invoice_no.clone().unwrap_or_default()))),
                        Action::RefuseReturn => Some(("Invoice return refused / 退票申请被拒绝", format!("{}: {}", r.id, reason.clone().unwrap_or_default()))),
                        _ => None,
                    };
                    if let Some((subject, body)) = notice {
                        outbox::enqueue(c, &ctx, None, "email", &r.requester_id, subject, &body).await?;
                    }
                }
            }
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "invoices.act",
                    target_kind: "invoice_request",
                    target_id: &r.id,
                    transfer_ids: &[],
                    detail: serde_json::json!({"action": a.action, "from": r.status, "to": to.map(|s| s.code()), "reason": reason, "invoice_no": invoice_no}),
                },
            )
            .await?;
            get_in(c, &r.id).await
        })
    })
    .await
}

fn selection_of(r: &Request) -> Selection {
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    };
    match r.kind {
        2 => Selection::Orders(list(&r.scope)),
        3 => {
            let (customer, months) = r.scope.split_once(':').unwrap_or(("", ""));
            Selection::CustomerMonths {
                customer_id: customer.to_string(),
                months: list(months),
            }
        }
        _ => Selection::Months(list(&r.scope)),
    }
}
