//! Consumption invoices (开具发票): who invoices whom, what is open to invoice, requests by
//! billing month, by order, or (partners) by customer per month, and their review, issue and
//! mailing. The rules and the state machine are `pc_domain::invoices`; the amounts come from the
//! consumption records (`consumption::for_invoices`: cash paid, refunds negative).
//!
//! This capability owns `invoice_profiles`, `invoice_requests` and `invoice_request_lines`.
//!
//! - **Requesters and issuers.** A customer asks the issuer of each record: its partner for resale
//!   consumption, the vendor (operators) for the rest; a request goes to one issuer, so months with
//!   consumption under two issuers make two requests. A partner admin asks the vendor for its
//!   resale customers' consumption (a master distributor's includes its resellers' customers; a
//!   cloud reseller asks nobody: its customers' consumption is its distributor's to invoice).
//! - **Held amounts.** A request holds its amounts per customer, month and order (its lines) while
//!   pending, issuing, awaiting receipt or issued; a cancelled request or a draft holds nothing.
//!   What is open = cash paid − held. A month whose refunds came after it was invoiced has a
//!   negative open amount: owed invoices (欠票), offset first from the next request (R8.7).
//! - **One profile per account (R8.9).** A request copies the requester's profile (title type,
//!   title, tax id, mailing address) as it is at submission.
//! - **Arrears (R8.2).** A customer that owes pay-per-use cannot ask for an invoice.
//! - **Notices.** Submitting tells the issuer; rejecting, issuing and mailing tell the requester
//!   (the outbox).

mod reads;
mod review;

pub use reads::*;
pub use review::*;

use std::collections::{BTreeMap, HashMap};

use pc_domain::bills::BillCycle;
use pc_domain::ids::random_hex;
use pc_domain::invoices::{self as rules, Form, Status, TitleType};
use pc_domain::party::{PartnerType, Role};
use pc_domain::timefmt;
use serde::{Deserialize, Serialize};

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::consumption::for_invoices::{self, CashPaid};
use crate::services::customers::association;
use crate::services::funds::arrears;
use crate::services::partners;
use crate::store::sql::{self, Conn};
use crate::store::{audit, outbox, Db};

/// Who asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    Customer(String),
    Partner(String),
}

impl Requester {
    pub fn of(ctx: &Ctx) -> AppResult<Requester> {
        match &ctx.actor {
            Actor::Customer { customer_id, .. } => Ok(Requester::Customer(customer_id.clone())),
            Actor::Partner {
                partner_id, role, ..
            } if *role == Role::PartnerAdmin => Ok(Requester::Partner(partner_id.clone())),
            _ => Err(AppError::new(Code::NotAllowed)),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Requester::Customer(_) => "customer",
            Requester::Partner(_) => "partner",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Requester::Customer(id) | Requester::Partner(id) => id,
        }
    }

    fn owner_key(&self) -> String {
        format!("{}:{}", self.kind(), self.id())
    }
}

/// One open amount: cash paid in one customer's month (or on one order) not yet held by a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Open {
    /// `''`: the vendor.
    pub issuer_partner_id: String,
    pub customer_id: String,
    pub cycle: String,
    /// `''`: the month as a whole.
    pub order_id: String,
    pub paid: i64,
    pub held: i64,
    pub open: i64,
}

/// The requester's cash paid, by issuer, customer, month and order.
async fn paid_of(c: &mut Conn, who: &Requester) -> AppResult<Vec<CashPaid>> {
    match who {
        Requester::Customer(id) => for_invoices::cash_of_customer(&mut *c, id).await,
        Requester::Partner(id) => {
            let me = partners::get(&mut *c, id)
                .await?
                .ok_or_else(|| AppError::new(Code::AccessDenied))?;
            // A cloud reseller's customers' consumption is invoiced to its master distributor
            // (below), so the reseller has nothing of its own to ask the vendor for.
            if me.partner_type == PartnerType::Reseller {
                return Ok(Vec::new());
            }
            let mut ids = vec![me.id.clone()];
            if me.partner_type == PartnerType::Distributor {
                ids.extend(
                    partners::resellers_of(&mut *c, &me.id)
                        .await?
                        .into_iter()
                        .map(|p| p.id),
                );
            }
            for_invoices::cash_of_partners(&mut *c, &ids).await
        }
    }
}

/// What the requester's active requests hold: (issuer, customer, month, order) → cents.
async fn held_of(
    c: &mut Conn,
    who: &Requester,
) -> AppResult<HashMap<(String, String, String, String), i64>> {
    let rows: Vec<(String, String, String, String, i64)> = sql::query_as(&format!(
        "SELECT q.issuer_partner_id, l.customer_id, l.bill_cycle, l.order_id, CAST(SUM(l.amount) AS BIGINT) \
         FROM invoice_request_lines l JOIN invoice_requests q ON q.id = l.request_id \
         WHERE q.requester_kind = $1 AND q.requester_id = $2 AND q.status IN ({}) \
         GROUP BY q.issuer_partner_id, l.customer_id, l.bill_cycle, l.order_id",
        Status::holding_codes()
    ))
    .bind(who.kind())
    .bind(who.id())
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(i, cu, cy, o, a)| ((i, cu, cy, o), a))
        .collect())
}

/// Every month's open amount for the requester (orders folded into their month), and each order's.
/// A month's open amount counts what requests by order hold in it; an order's is at most its
/// month's (so nothing is invoiced twice either way).
pub(crate) async fn open_of(c: &mut Conn, who: &Requester) -> AppResult<(Vec<Open>, Vec<Open>)> {
    let paid = paid_of(c, who).await?;
    let held = held_of(c, who).await?;
    let mut months: BTreeMap<(String, String, String), (i64, i64)> = BTreeMap::new();
    for p in &paid {
        months
            .entry((
                p.issuer_partner_id.clone(),
                p.customer_id.clone(),
                p.cycle.clone(),
            ))
            .or_default()
            .0 += p.cash;
    }
    for ((i, cu, cy, _), a) in &held {
        months
            .entry((i.clone(), cu.clone(), cy.clone()))
            .or_default()
            .1 += a;
    }
    let month_rows: Vec<Open> = months
        .iter()
        .map(|((i, cu, cy), (p, h))| Open {
            issuer_partner_id: i.clone(),
            customer_id: cu.clone(),
            cycle: cy.clone(),
            order_id: String::new(),
            paid: *p,
            held: *h,
            open: p - h,
        })
        .collect();
    let month_open: HashMap<(&str, &str, &str), i64> = month_rows
        .iter()
        .map(|m| {
            (
                (
                    m.issuer_partner_id.as_str(),
                    m.customer_id.as_str(),
                    m.cycle.as_str(),
                ),
                m.open,
            )
        })
        .collect();
    let orders = paid
        .iter()
        .filter(|p| !p.order_id.is_empty() && p.cash > 0)
        .map(|p| {
            let h = held
                .get(&(
                    p.issuer_partner_id.clone(),
                    p.customer_id.clone(),
                    p.cycle.clone(),
                    p.order_id.clone(),
                ))
                .copied()
                .unwrap_or(0);
            let cap = month_open
                .get(&(
                    p.issuer_partner_id.as_str(),
                    p.customer_id.as_str(),
                    p.cycle.as_str(),
                ))
                .copied()
                .unwrap_or(0);
            Open {
                issuer_partner_id: p.issuer_partner_id.clone(),
                customer_id: p.customer_id.clone(),
                cycle: p.cycle.clone(),
                order_id: p.order_id.clone(),
                paid: p.cash,
                held: h,
                open: (p.cash - h).min(cap),
            }
        })
        .collect();
    Ok((month_rows, orders))
}

/// The invoice information of an account (R8.9: one per account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub title_type: TitleType,
    pub title: String,
    pub tax_id: Option<String>,
    pub mailing_address: Option<String>,
}

pub async fn profile(db: &Db, ctx: &Ctx) -> AppResult<Option<Profile>> {
    let who = Requester::of(ctx)?;
    let mut conn = db.read().acquire().await?;
    load_profile(&mut conn, &who).await
}

async fn load_profile(c: &mut Conn, who: &Requester) -> AppResult<Option<Profile>> {
    let row: Option<(i64, String, Option<String>, Option<String>)> = sql::query_as(
        "SELECT title_type, title, tax_id, mailing_address FROM invoice_profiles WHERE owner = $1",
    )
    .bind(who.owner_key())
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.map(|(t, title, tax_id, mailing_address)| Profile {
        title_type: TitleType::from_code(t).unwrap_or(TitleType::Enterprise),
        title,
        tax_id,
        mailing_address,
    }))
}

fn clean(s: Option<String>, max: usize, field: &str) -> AppResult<Option<String>> {
    match s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max => Err(AppError::invalid_tr(
            format!("{field} has at most {max} characters"),
            format!("{field} 最多 {max} 个字符。"),
        )),
        v => Ok(v),
    }
}

/// Saves the requester's one profile (creating or replacing it).
pub async fn save_profile(db: &Db, ctx: Ctx, p: Profile) -> AppResult<Profile> {
    let who = Requester::of(&ctx)?;
    let p = Profile {
        title: p.title.trim().to_string(),
        tax_id: clean(p.tax_id, 32, "tax_id")?,
        mailing_address: clean(p.mailing_address, 200, "mailing_address")?,
        ..p
    };
    if p.title.is_empty() || p.title.chars().count() > 100 {
        return Err(AppError::new(Code::InvoiceBadTitle));
    }
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            sql::query(
                "INSERT INTO invoice_profiles (owner, title_type, title, tax_id, mailing_address, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (owner) DO UPDATE SET title_type = excluded.title_type, \
                 title = excluded.title, tax_id = excluded.tax_id, mailing_address = excluded.mailing_address, \
                 updated_at = excluded.updated_at",
            )
            .bind(who.owner_key())
            .bind(p.title_type.code())
            .bind(&p.title)
            .bind(p.tax_id.clone())
            .bind(p.mailing_address.clone())
            .bind(ctx.now_ms)
            .execute(&mut *c)
            .await?;
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "invoices.save_profile",
                    target_kind: who.kind(),
                    target_id: who.id(),
                    transfer_ids: &[],
                    detail: serde_json::to_value(&p).map_err(AppError::internal)?,
                },
            )
            .await?;
            Ok(p)
        })
    })
    .await
}

/// How a request selects what it invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Selection {
    /// Billing months (`YYYY-MM`), every customer's (a partner's: all its customers').
    Months(Vec<String>),
    /// Orders open to invoice: a customer's own, or a partner's customers' (domain §8.2).
    Orders(Vec<String>),
    /// One customer's months (partners only).
    CustomerMonths {
        customer_id: String,
        months: Vec<String>,
    },
}

/// A new request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRequest {
    /// The issuer asked: `''` the vendor, else a partner id (a customer's resale partner).
    pub issuer_partner_id: String,
    pub selection: Selection,
    pub special: bool,
    pub paper: bool,
    pub remark: Option<String>,
}

/// One line a request holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    customer_id: String,
    cycle: String,
    order_id: String,
    amount: i64,
}

/// The lines a selection takes from what is open, the owed amount it offsets, and the total.
fn take(
    who: &Requester,
    issuer: &str,
    sel: &Selection,
    months: &[Open],
    orders: &[Open],
    today: time::Date,
) -> AppResult<(Vec<Line>, i64, i64)> {
    let mine = |o: &&Open| o.issuer_partner_id == issuer;
    let check = |cycle: &str| -> AppResult<()> {
        let c = BillCycle::parse(cycle.trim()).ok_or_else(|| {
            AppError::invalid_tr(
                format!("{cycle:?} is not a billing month (YYYY-MM)"),
                format!("{cycle:?} 不是账期（YYYY-MM）。"),
            )
        })?;
        Ok(rules::check_month(c, today)?)
    };
    let mut lines = Vec::new();
    match sel {
        Selection::Months(list) | Selection::CustomerMonths { months: list, .. } => {
            if list.is_empty() {
                return Err(AppError::invalid_tr(
                    "choose at least one billing month",
                    "请至少选择一个账期。",
                ));
            }
            let only = match sel {
                Selection::CustomerMonths { customer_id, .. } => {
                    if matches!(who, Requester::Customer(_)) {
                        return Err(AppError::invalid_tr(
                            "customers invoice by month or by order",
                            "客户按账期或按订单开票。",
                        ));
                    }
                    Some(customer_id.as_str())
                }
                _ => None,
            };
            for m in list {
                check(m)?;
                for o in months.iter().filter(mine).filter(|o| o.cycle == m.trim()) {
                    if only.is_some_and(|c| c != o.customer_id) || o.open <= 0 {
                        continue;
                    }
                    lines.push(Line {
                        customer_id: o.customer_id.clone(),
                        cycle: o.cycle.clone(),
                        order_id: String::new(),
                        amount: o.open,
                    });
                }
            }
        }
        Selection::Orders(list) => {
            if list.is_empty() {
                return Err(AppError::invalid_tr(
                    "choose at least one order",
                    "请至少选择一个订单。",
                ));
            }
            for id in list {
                let found = orders
                    .iter()
                    .filter(mine)
                    .find(|o| o.order_id == id.trim())
                    .ok_or_else(|| {
                        AppError::naming(Code::InvoiceNothingOpen, id.trim().to_string())
                    })?;
                if found.open > 0 {
                    lines.push(Line {
                        customer_id: found.customer_id.clone(),
                        cycle: found.cycle.clone(),
                        order_id: found.order_id.clone(),
                        amount: found.open,
                    });
                }
            }
        }
    }
    // R8.7: what earlier invoices exceed (refunds after invoicing) is offset first, as negative
    // lines on the months that owe it.
    let owed: Vec<&Open> = months.iter().filter(mine).filter(|o| o.open < 0).collect();
    let owed_total: i64 = owed.iter().map(|o| -o.open).sum();
    let amounts: Vec<i64> = lines.iter().map(|l| l.amount).collect();
    let total = rules::amount_after_owed(&amounts, owed_total)
        .ok_or_else(|| AppError::new(Code::InvoiceNothingOpen))?;
    for o in owed {
        lines.push(Line {
            customer_id: o.customer_id.clone(),
            cycle: o.cycle.clone(),
            order_id: String::new(),
            amount: o.open,
        });
    }
    Ok((lines, owed_total, total))
}

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub id: String,
    pub requester_kind: String,
    pub requester_id: String,
    pub issuer_partner_id: String,
    pub kind: i64,
    pub scope: String,
    pub amount: i64,
    pub owed_offset: i64,
    pub title_type: i64,
    pub title: String,
    pub tax_id: Option<String>,
    pub special: bool,
    pub paper: bool,
    pub mailing_address: Option<String>,
    pub remark: Option<String>,
    pub status: i64,
    pub reason: Option<String>,
    pub invoice_no: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Submits a request (see the module's header); the request as stored.
pub async fn submit(db: &Db, ctx: Ctx, req: NewRequest) -> AppResult<Request> {
    let who = Requester::of(&ctx)?;
    let remark = clean(req.remark.clone(), 200, "remark")?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let id = format!("INV{}", random_hex(10).to_uppercase());
            let out = place(c, &ctx, &who, &id, &req, remark, None).await?;
            Ok(out)
        })
    })
    .await
}

/// Checks every rule and writes the request (new, or a draft resubmitted: `existing`).
async fn place(
    c: &mut Conn,
    ctx: &Ctx,
    who: &Requester,
    id: &str,
    req: &NewRequest,
    remark: Option<String>,
    existing: Option<&Request>,
) -> AppResult<Request> {
    if let Requester::Customer(cid) = who {
        if arrears::owed(&mut *c, cid).await? > 0 {
            return Err(AppError::new(Code::InvoiceInArrears));
        }
    }
    if let Requester::Partner(pid) = who {
        if !req.issuer_partner_id.is_empty() {
            return Err(AppError::invalid_tr(
                "partners ask the vendor for invoices",
                "合作伙伴向云服务商申请发票。",
            ));
        }
        let me = partners::get(&mut *c, pid)
            .await?
            .ok_or_else(|| AppError::new(Code::AccessDenied))?;
        if me.partner_type == PartnerType::Reseller {
            return Err(AppError::with_tr(Code::NotAllowed, "a cloud reseller's customers' consumption is invoiced to its master distributor, who asks the vendor", "云经销商客户的消费由其总经销商开票，总经销商再向云服务商申请。"));
        }
    }
    let profile = load_profile(c, who)
        .await?
        .ok_or_else(|| AppError::new(Code::InvoiceNoProfile))?;
    let form = Form {
        title_type: profile.title_type,
        title: profile.title.clone(),
        tax_id: profile.tax_id.clone(),
        special: req.special,
        paper: req.paper,
        mailing_address: profile.mailing_address.clone(),
    };
    form.check()?;
    let (months, orders) = open_of(c, who).await?;
    let today = timefmt::cn_date(ctx.now_ms);
    let (lines, owed, total) = take(
        who,
        &req.issuer_partner_id,
        &req.selection,
        &months,
        &orders,
        today,
    )?;
    let (kind, scope) = match &req.selection {
        Selection::Months(m) => (1, m.join(",")),
        Selection::Orders(o) => (2, o.join(",")),
        Selection::CustomerMonths {
            customer_id,
            months,
        } => (3, format!("{customer_id}:{}", months.join(","))),
    };
    let root = match (who, req.issuer_partner_id.as_str()) {
        (_, "") => match who {
            Requester::Partner(p) => partners::get(&mut *c, p)
                .await?
                .map(|p| p.root_id)
                .unwrap_or_default(),
            Requester::Customer(_) => String::new(),
        },
        (_, issuer) => partners::get(&mut *c, issuer)
            .await?
            .map(|p| p.root_id)
            .unwrap_or_default(),
    };
    if existing.is_some() {
        sql::query("DELETE FROM invoice_request_lines WHERE request_id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        sql::query(
            "UPDATE invoice_requests SET amount = $1, owed_offset = $2, title_type = $3, title = $4, tax_id = $5, \
             mailing_address = $6, status = 1, reason = NULL, updated_at = $7 WHERE id = $8 AND status = 0",
        )
        .bind(total)
        .bind(owed)
        .bind(form.title_type.code())
        .bind(&form.title)
        .bind(form.tax_id.clone())
        .bind(form.mailing_address.clone())
        .bind(ctx.now_ms)
        .bind(id)
        .execute(&mut *c)
        .await?;
    } else {
        sql::query(
            "INSERT INTO invoice_requests (id, requester_kind, requester_id, issuer_partner_id, root_id, kind, scope, amount, \
             owed_offset, title_type, title, tax_id, special, paper, mailing_address, remark, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $17)",
        )
        .bind(id)
        .bind(who.kind())
        .bind(who.id())
        .bind(&req.issuer_partner_id)
        .bind(&root)
        .bind(kind)
        .bind(&scope)
        .bind(total)
        .bind(owed)
        .bind(form.title_type.code())
        .bind(&form.title)
        .bind(form.tax_id.clone())
        .bind(req.special as i64)
        .bind(req.paper as i64)
        .bind(form.mailing_address.clone())
        .bind(remark)
        .bind(ctx.now_ms)
        .execute(&mut *c)
        .await?;
    }
    for l in &lines {
        sql::query(
            "INSERT INTO invoice_request_lines (request_id, customer_id, bill_cycle, order_id, amount) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (request_id, customer_id, bill_cycle, order_id) DO UPDATE SET amount = invoice_request_lines.amount + excluded.amount",
        )
        .bind(id)
        .bind(&l.customer_id)
        .bind(&l.cycle)
        .bind(&l.order_id)
        .bind(l.amount)
        .execute(&mut *c)
        .await?;
    }
    let issuer_name = if req.issuer_partner_id.is_empty() {
        "operators".to_string()
    } else {
        req.issuer_partner_id.clone()
    };
    outbox::enqueue(
        c,
        ctx,
        (!root.is_empty()).then_some(root.as_str()),
        "email",
        &issuer_name,
        "Invoice request to review / 待审核的开票申请",
        &format!(
            "{} {} asks for an invoice of {} yuan ({id}). / {} {} 申请开票 {} 元（{id}）。",
            who.kind(),
            who.id(),
            pc_domain::Money::from_cents(total),
            who.kind(),
            who.id(),
            pc_domain::Money::from_cents(total)
        ),
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: if existing.is_some() {
                "invoices.resubmit"
            } else {
                "invoices.submit"
            },
            target_kind: "invoice_request",
            target_id: id,
            transfer_ids: &[],
            detail: serde_json::json!({"amount": total, "owed_offset": owed, "scope": scope, "issuer": req.issuer_partner_id}),
        },
    )
    .await?;
    get_in(c, id)
        .await?
        .ok_or_else(|| AppError::internal("the request vanished"))
}

pub(crate) async fn get_in(c: &mut Conn, id: &str) -> AppResult<Option<Request>> {
    let row = sql::query(&format!(
        "SELECT {REQUEST_COLS} FROM invoice_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.as_ref().map(row_to_request))
}

pub(crate) const REQUEST_COLS: &str = "id, requester_kind, requester_id, issuer_partner_id, kind, scope, amount, owed_offset, \
     title_type, title, tax_id, special, paper, mailing_address, remark, status, reason, invoice_no, created_at, updated_at";

pub(crate) fn row_to_request(r: &sql::Row) -> Request {
    Request {
        id: r.get(0),
        requester_kind: r.get(1),
        requester_id: r.get(2),
        issuer_partner_id: r.get(3),
        kind: r.get(4),
        scope: r.get(5),
        amount: r.get(6),
        owed_offset: r.get(7),
        title_type: r.get(8),
        title: r.get(9),
        tax_id: r.get(10),
        special: r.get::<i64, _>(11) != 0,
        paper: r.get::<i64, _>(12) != 0,
        mailing_address: r.get(13),
        remark: r.get(14),
        status: r.get(15),
        reason: r.get(16),
        invoice_no: r.get(17),
        created_at: r.get(18),
        updated_at: r.get(19),
    }
}

/// Who invoices a customer now: its partner when it is associated for resale (`Some(partner)`),
/// else the vendor (`None`).
pub async fn issuer_now(db: &Db, ctx: &Ctx) -> AppResult<Option<partners::Partner>> {
    let Requester::Customer(id) = Requester::of(ctx)? else {
        return Ok(None);
    };
    let pool = db.read();
    let current = association::current(pool, &id).await?;
    match current {
        Some(a) if a.association_type == pc_domain::party::AssociationType::Resale => {
            partners::get(pool, &a.partner_id).await
        }
        _ => Ok(None),
    }
}
