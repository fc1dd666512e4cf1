//! Consumption invoices (开具发票), pure: who invoices whom, when a billing month may be invoiced,
//! what a request must carry, and the request's state machine.
//!
//! **Who invoices whom** (the vendor's help pages): a resale (代售) customer's consumption is
//! invoiced by its partner; a consulting-sales customer's (and a customer with no partner) by the
//! vendor, including orders a partner paid on its behalf (they are the customer's consumption);
//! a partner asks the vendor for its resale customers' consumption, a master distributor
//! including its resellers' resale customers. Each consumption record carries the association
//! in effect when it was charged, so the issuer of each record is fixed at the charge.
//!
//! **The request's life** (Partner Center's variant of the billing centre's table):
//!
//! | status | who acts | to |
//! |---|---|---|
//! | 1 pending review (待审核) | issuer approves · issuer rejects · requester cancels | 2 · 0 · 5 |
//! | 0 draft (草稿, after a rejection) | requester resubmits · requester deletes | 1 · gone |
//! | 2 issuing (开票中) | issuer issues an electronic invoice · issuer mails a paper one | 4 · 3 |
//! | 3 awaiting receipt (待签收) | requester confirms receipt | 4 |
//! | 4 issued (已开票) | requester asks to return it (退票) | 6 |
//! | 5 cancelled (已撤销) | — | |
//! | 6 return requested (退票中) | issuer confirms the invoice came back · issuer refuses | 7 · 4 |
//! | 7 returned (已退票) | — | |
//!
//! **Returns (R8.10).** An issued invoice must be returned before its amounts can be invoiced
//! again (or withdrawn). The requester asks with a reason; a paper invoice is mailed back at the
//! requester's cost. The issuer confirms once it has the invoice back (or has red-lettered an
//! electronic one): the request is then *returned* and its amounts are open again. Until then
//! the request still holds them.
//!
//! Decisions where the pages are silent: cancelling is possible only before review (after it,
//! an issued invoice is returned as above); a rejected request keeps its months and amounts as a
//! draft, and resubmitting checks every rule again with today's amounts.
//!
//! **Postage (R8.6)** and **the issuing delay (R8.8)** are facts shown with a request, not
//! states: [`freight_collect`] and [`due_by`]. **Contracting entities (R8.3):** a deployment
//! invoices as one contracting entity (the vendor running it), so funds never need splitting by
//! entity; a vendor with several entities runs one deployment per entity.

use serde::{Deserialize, Serialize};

use crate::bills::BillCycle;

/// A request's status, with the codes the console and the API show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    Draft,
    PendingReview,
    Issuing,
    AwaitingReceipt,
    Issued,
    Cancelled,
    ReturnRequested,
    Returned,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Draft,
        Status::PendingReview,
        Status::Issuing,
        Status::AwaitingReceipt,
        Status::Issued,
        Status::Cancelled,
        Status::ReturnRequested,
        Status::Returned,
    ];

    pub fn code(self) -> i64 {
        match self {
            Status::Draft => 0,
            Status::PendingReview => 1,
            Status::Issuing => 2,
            Status::AwaitingReceipt => 3,
            Status::Issued => 4,
            Status::Cancelled => 5,
            Status::ReturnRequested => 6,
            Status::Returned => 7,
        }
    }

    pub fn from_code(c: i64) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == c)
    }

    /// Does a request in this status hold its amounts (so they cannot be invoiced again)?
    pub fn holds_amounts(self) -> bool {
        matches!(
            self,
            Status::PendingReview
                | Status::Issuing
                | Status::AwaitingReceipt
                | Status::Issued
                | Status::ReturnRequested
        )
    }

    /// The codes of [`Status::holds_amounts`], for SQL: `1, 2, 3, 4, 6`.
    pub fn holding_codes() -> String {
        Status::ALL
            .into_iter()
            .filter(|s| s.holds_amounts())
            .map(|s| s.code().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What someone does to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Approve,
    Reject,
    Cancel,
    Resubmit,
    Delete,
    IssueElectronic,
    Mail,
    ConfirmReceipt,
    RequestReturn,
    ConfirmReturn,
    RefuseReturn,
}

/// Who may do an action: the requester or the issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Requester,
    Issuer,
}

impl Action {
    pub fn side(self) -> Side {
        match self {
            Action::Approve
            | Action::Reject
            | Action::IssueElectronic
            | Action::Mail
            | Action::ConfirmReturn
            | Action::RefuseReturn => Side::Issuer,
            Action::Cancel
            | Action::Resubmit
            | Action::Delete
            | Action::ConfirmReceipt
            | Action::RequestReturn => Side::Requester,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("a request in status {0:?} cannot be acted on that way")]
    NotNow(Status),
    #[error("electronic invoices are issued, paper ones mailed")]
    WrongMedium,
    #[error("billing month {0} cannot be invoiced yet: last month's consumption can be invoiced from the 4th of this month on")]
    TooEarly(String),
    #[error("billing month {0} has not ended")]
    NotEnded(String),
    #[error("a VAT special invoice needs an enterprise title with a tax ID")]
    SpecialNeedsEnterprise,
    #[error("a paper invoice needs a mailing address")]
    PaperNeedsAddress,
    #[error("the title is required (at most 100 characters)")]
    BadTitle,
}

/// Where an action takes a request (`None` for `Delete`: the draft is gone). `medium_paper`
/// decides which of issue/mail is allowed.
pub fn next(
    from: Status,
    action: Action,
    medium_paper: bool,
) -> Result<Option<Status>, InvoiceError> {
    use Action::*;
    use Status::*;
    Ok(Some(match (from, action) {
        (PendingReview, Approve) => Issuing,
        (PendingReview, Reject) => Draft,
        (PendingReview, Cancel) => Cancelled,
        (Draft, Resubmit) => PendingReview,
        (Draft, Delete) => return Ok(None),
        (Issuing, IssueElectronic) if !medium_paper => Issued,
        (Issuing, Mail) if medium_paper => AwaitingReceipt,
        (Issuing, IssueElectronic) | (Issuing, Mail) => return Err(InvoiceError::WrongMedium),
        (AwaitingReceipt, ConfirmReceipt) => Issued,
        (Issued, RequestReturn) => ReturnRequested,
        (ReturnRequested, ConfirmReturn) => Returned,
        (ReturnRequested, RefuseReturn) => Issued,
        (s, _) => return Err(InvoiceError::NotNow(s)),
    }))
}

/// R8.6: a paper invoice under 100 CNY travels freight collect (the requester pays postage); from
/// 100 CNY the issuer pays. Electronic invoices have no postage.
pub fn freight_collect(paper: bool, amount_cents: i64) -> bool {
    paper && amount_cents < 10_000
}

/// R8.8: the issuer issues within 3 working days of an accurate request. `submitted` is the
/// request's date in the business time zone; the day it is due by (Saturdays and Sundays are not
/// working days; public holidays are not modelled, so the date is the earliest it can be).
pub fn due_by(submitted: time::Date) -> time::Date {
    let mut d = submitted;
    let mut left = 3;
    while left > 0 {
        d = d.next_day().unwrap_or(d);
        if !matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
            left -= 1;
        }
    }
    d
}

/// R8.1: may `cycle` be invoiced on `today` (a date in the business time zone)? A month that has
/// not ended cannot; last month only after the 3rd of this month (from the 4th on); earlier months
/// any time.
pub fn check_month(cycle: BillCycle, today: time::Date) -> Result<(), InvoiceError> {
    let Some(this) = BillCycle::parse(&format!("{:04}-{:02}", today.year(), today.month() as u8))
    else {
        // A date outside the billing calendar: nothing can be invoiced on it.
        return Err(InvoiceError::NotEnded(cycle.to_string()));
    };
    if cycle >= this {
        return Err(InvoiceError::NotEnded(cycle.to_string()));
    }
    if cycle.next() == this && today.day() <= 3 {
        return Err(InvoiceError::TooEarly(cycle.to_string()));
    }
    Ok(())
}

/// Title type (抬头类型).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TitleType {
    /// 企业
    Enterprise,
    /// 组织 (government, institution)
    Organization,
}

impl TitleType {
    pub fn code(self) -> i64 {
        match self {
            TitleType::Enterprise => 1,
            TitleType::Organization => 2,
        }
    }
    pub fn from_code(c: i64) -> Option<TitleType> {
        match c {
            1 => Some(TitleType::Enterprise),
            2 => Some(TitleType::Organization),
            _ => None,
        }
    }
}

/// What an invoice says and how it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub title_type: TitleType,
    pub title: String,
    pub tax_id: Option<String>,
    /// VAT special invoice (增值税专用发票); else ordinary (增值税普通发票).
    pub special: bool,
    pub paper: bool,
    pub mailing_address: Option<String>,
}

impl Form {
    /// R8.4 (special invoices for enterprise titles, with a tax ID) and R8.5's medium rule (a
    /// paper invoice travels to an address).
    pub fn check(&self) -> Result<(), InvoiceError> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 100 {
            return Err(InvoiceError::BadTitle);
        }
        let has_tax_id = self.tax_id.as_deref().is_some_and(|t| !t.trim().is_empty());
        if self.special && (self.title_type != TitleType::Enterprise || !has_tax_id) {
            return Err(InvoiceError::SpecialNeedsEnterprise);
        }
        if self.paper
            && self
                .mailing_address
                .as_deref()
                .is_none_or(|a| a.trim().is_empty())
        {
            return Err(InvoiceError::PaperNeedsAddress);
        }
        Ok(())
    }
}

/// R8.7: the amount of a request over months whose invoiceable amounts are `open` (cents, each
/// positive) when earlier invoices exceed what was finally consumed by `owed` (cents, refunds
/// after invoicing): the owed amount is offset first; what is left must be more than zero.
pub fn amount_after_owed(open: &[i64], owed: i64) -> Option<i64> {
    let sum: i64 = open.iter().filter(|a| **a > 0).sum();
    let left = sum - owed.max(0);
    (left > 0).then_some(left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn returns_release_what_an_issued_invoice_held() {
        use Action::*;
        use Status::*;
        assert_eq!(
            next(Issued, RequestReturn, false),
            Ok(Some(ReturnRequested))
        );
        assert_eq!(
            next(ReturnRequested, ConfirmReturn, true),
            Ok(Some(Returned))
        );
        assert_eq!(next(ReturnRequested, RefuseReturn, false), Ok(Some(Issued)));
        assert_eq!(
            next(Issuing, RequestReturn, false),
            Err(InvoiceError::NotNow(Issuing))
        );
        assert_eq!(
            next(Returned, RequestReturn, false),
            Err(InvoiceError::NotNow(Returned))
        );
        assert!(ReturnRequested.holds_amounts());
        assert!(!Returned.holds_amounts());
        assert_eq!(Status::holding_codes(), "1, 2, 3, 4, 6");
        assert_eq!(RequestReturn.side(), Side::Requester);
        assert_eq!(ConfirmReturn.side(), Side::Issuer);
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn postage_and_the_three_working_days() {
        assert!(freight_collect(true, 9_999));
        assert!(!freight_collect(true, 10_000));
        assert!(!freight_collect(false, 1));
        // Thursday → the next Tuesday; Monday → Thursday; Saturday → Wednesday.
        assert_eq!(due_by(date!(2026 - 12 - 03)), date!(2026 - 12 - 08));
        assert_eq!(due_by(date!(2026 - 12 - 07)), date!(2026 - 12 - 10));
        assert_eq!(due_by(date!(2026 - 12 - 05)), date!(2026 - 12 - 09));
    }

    #[test]
    fn last_month_from_the_fourth_on() {
        let nov = BillCycle::parse("2026-11").unwrap();
        assert_eq!(
            check_month(nov, date!(2026 - 12 - 02)),
            Err(InvoiceError::TooEarly("2026-11".into()))
        );
        assert!(check_month(nov, date!(2026 - 12 - 03)).is_err());
        assert_eq!(check_month(nov, date!(2026 - 12 - 04)), Ok(()));
        // Earlier months any day; this month never.
        assert_eq!(
            check_month(BillCycle::parse("2026-10").unwrap(), date!(2026 - 12 - 01)),
            Ok(())
        );
        assert_eq!(
            check_month(BillCycle::parse("2026-12").unwrap(), date!(2026 - 12 - 20)),
            Err(InvoiceError::NotEnded("2026-12".into()))
        );
        // Across a year.
        assert!(check_month(BillCycle::parse("2026-12").unwrap(), date!(2027 - 01 - 02)).is_err());
        assert_eq!(
            check_month(BillCycle::parse("2026-12").unwrap(), date!(2027 - 01 - 04)),
            Ok(())
        );
    }

    #[test]
    fn the_state_machine() {
        use Action::*;
        use Status::*;
        assert_eq!(next(PendingReview, Approve, false), Ok(Some(Issuing)));
        assert_eq!(next(PendingReview, Reject, false), Ok(Some(Draft)));
        assert_eq!(next(Draft, Resubmit, false), Ok(Some(PendingReview)));
        assert_eq!(next(Draft, Delete, false), Ok(None));
        assert_eq!(next(Issuing, IssueElectronic, false), Ok(Some(Issued)));
        assert_eq!(next(Issuing, Mail, true), Ok(Some(AwaitingReceipt)));
        assert_eq!(next(Issuing, Mail, false), Err(InvoiceError::WrongMedium));
        assert_eq!(
            next(AwaitingReceipt, ConfirmReceipt, true),
            Ok(Some(Issued))
        );
        assert_eq!(
            next(Issued, Cancel, false),
            Err(InvoiceError::NotNow(Issued))
        );
        assert_eq!(
            next(Issuing, Cancel, false),
            Err(InvoiceError::NotNow(Issuing))
        );
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        assert!(!Draft.holds_amounts() && !Cancelled.holds_amounts() && Issued.holds_amounts());
    }

    #[test]
    fn special_invoices_need_an_enterprise_and_paper_an_address() {
        let ok = Form {
            title_type: TitleType::Enterprise,
            title: "Acme Ltd".into(),
            tax_id: Some("91310000MA1".into()),
            special: true,
            paper: false,
            mailing_address: None,
        };
        assert_eq!(ok.check(), Ok(()));
        let org = Form {
            title_type: TitleType::Organization,
            ..ok.clone()
        };
        assert_eq!(org.check(), Err(InvoiceError::SpecialNeedsEnterprise));
        let paper = Form {
            paper: true,
            ..ok.clone()
        };
        assert_eq!(paper.check(), Err(InvoiceError::PaperNeedsAddress));
        let untitled = Form {
            title: " ".into(),
            ..ok
        };
        assert_eq!(untitled.check(), Err(InvoiceError::BadTitle));
    }

    #[test]
    fn owed_invoices_are_offset_first() {
        assert_eq!(amount_after_owed(&[1000, 500], 0), Some(1500));
        assert_eq!(amount_after_owed(&[1000, 500], 300), Some(1200));
        assert_eq!(amount_after_owed(&[1000], 1000), None);
        assert_eq!(amount_after_owed(&[], 0), None);
    }
}
