//! Offline top-up (线下汇款充值) rules, pure: what a customer may declare, the request's states,
//! and what an operator's rejection must say.
//!
//! A self-hosted deployment has no card processor, so "top up here" (the vendor's help pages, default
//! entry) is a bank transfer the customer declares and an operator confirms once the money has
//! arrived. The limits here are decisions (the vendor documents none for this flow):
//! - the amount is greater than zero and at most [`MAX_AMOUNT`] (¥1,000,000.00): a single
//!   remittance above that is a contract matter, and the cap keeps a typo (an extra zero or
//!   three) from reaching an operator's confirm button;
//! - the remittance reference (the bank's transaction number, the receipt number) is required so
//!   the operator can match the transfer, trimmed, at most [`MAX_REFERENCE_CHARS`] characters,
//!   without control characters (it is shown in tables and audit details);
//! - a rejection names its reason (1–[`MAX_REASON_CHARS`] characters): the customer reads it.

use crate::money::Money;

/// The largest amount one request may declare: ¥1,000,000.00.
pub const MAX_AMOUNT: Money = Money::from_cents(100_000_000);
/// The longest remittance reference, in characters.
pub const MAX_REFERENCE_CHARS: usize = 128;
/// The longest rejection reason, in characters.
pub const MAX_REASON_CHARS: usize = 200;
/// The longest remittance instructions an operator publishes, in characters.
pub const MAX_INSTRUCTIONS_CHARS: usize = 1000;

/// Where a top-up request stands. `Pending` is the only state that changes, and only once:
/// to `Credited` (an operator confirmed; the money is on the customer's balance), `Rejected`
/// (an operator refused, with a reason) or `Cancelled` (the customer withdrew it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TopupStatus {
    Pending,
    Credited,
    Rejected,
    Cancelled,
}

impl TopupStatus {
    pub const ALL: [TopupStatus; 4] = [
        TopupStatus::Pending,
        TopupStatus::Credited,
        TopupStatus::Rejected,
        TopupStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TopupStatus::Pending => "pending",
            TopupStatus::Credited => "credited",
            TopupStatus::Rejected => "rejected",
            TopupStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<TopupStatus> {
        TopupStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// May a request in this state move to `to`? Only a pending one, and only to a final state.
    pub fn can_become(self, to: TopupStatus) -> bool {
        self == TopupStatus::Pending && to != TopupStatus::Pending
    }
}

/// Why a declaration or a rejection is refused. Each has a message key in the console
/// (`topup_err_{as_str}`); `Display` is the English detail the services return.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TopupError {
    #[error("the amount is not a decimal number with at most 2 decimal places")]
    NotAnAmount,
    #[error("the amount must be greater than 0")]
    NotPositive,
    #[error("the amount must be at most 1000000.00")]
    TooLarge,
    #[error("the remittance reference is required")]
    ReferenceMissing,
    #[error("the remittance reference has at most 128 characters")]
    ReferenceTooLong,
    #[error("the text must not contain control characters")]
    ControlCharacter,
    #[error("a rejection needs a reason")]
    ReasonMissing,
    #[error("the reason has at most 200 characters")]
    ReasonTooLong,
    #[error("the remittance instructions have at most 1000 characters")]
    InstructionsTooLong,
}

impl TopupError {
    pub fn as_str(self) -> &'static str {
        match self {
            TopupError::NotAnAmount => "not_an_amount",
            TopupError::NotPositive => "not_positive",
            TopupError::TooLarge => "too_large",
            TopupError::ReferenceMissing => "reference_missing",
            TopupError::ReferenceTooLong => "reference_too_long",
            TopupError::ControlCharacter => "control_character",
            TopupError::ReasonMissing => "reason_missing",
            TopupError::ReasonTooLong => "reason_too_long",
            TopupError::InstructionsTooLong => "instructions_too_long",
        }
    }

    /// The detail in Chinese (`Display` is the English one).
    pub fn zh(self) -> &'static str {
        match self {
            TopupError::NotAnAmount => "金额必须是最多 2 位小数的数字。",
            TopupError::NotPositive => "金额必须大于 0。",
            TopupError::TooLarge => "金额不能超过 1000000.00。",
            TopupError::ReferenceMissing => "汇款凭证号必填。",
            TopupError::ReferenceTooLong => "汇款凭证号最多 128 个字符。",
            TopupError::ControlCharacter => "文本不能包含控制字符。",
            TopupError::ReasonMissing => "驳回须填写原因。",
            TopupError::ReasonTooLong => "原因最多 200 个字符。",
            TopupError::InstructionsTooLong => "汇款说明最多 1000 个字符。",
        }
    }
}

/// A declarable amount: greater than zero, at most [`MAX_AMOUNT`].
pub fn check_amount(amount: Money) -> Result<Money, TopupError> {
    if !amount.is_positive() {
        Err(TopupError::NotPositive)
    } else if amount > MAX_AMOUNT {
        Err(TopupError::TooLarge)
    } else {
        Ok(amount)
    }
}

/// An amount typed into a form ("1000", "99.5", "¥ 1,000.00" is not accepted: digits and one
/// point only, as [`Money::parse`] reads them), then [`check_amount`].
pub fn parse_amount(input: &str) -> Result<Money, TopupError> {
    let s = input.trim();
    // Exponents and signs are for JSON; a person typing an amount means neither.
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(TopupError::NotAnAmount);
    }
    check_amount(Money::parse(s).map_err(|_| TopupError::NotAnAmount)?)
}

/// The trimmed text, refused when it holds a control character (a newline included).
fn one_line(input: &str) -> Result<&str, TopupError> {
    let s = input.trim();
    if s.chars().any(char::is_control) {
        return Err(TopupError::ControlCharacter);
    }
    Ok(s)
}

/// The remittance reference as stored: trimmed, 1–[`MAX_REFERENCE_CHARS`] characters.
pub fn reference(input: &str) -> Result<String, TopupError> {
    let s = one_line(input)?;
    match s.chars().count() {
        0 => Err(TopupError::ReferenceMissing),
        n if n > MAX_REFERENCE_CHARS => Err(TopupError::ReferenceTooLong),
        _ => Ok(s.to_string()),
    }
}

/// A rejection reason as stored: trimmed, 1–[`MAX_REASON_CHARS`] characters.
pub fn reject_reason(input: &str) -> Result<String, TopupError> {
    let s = one_line(input)?;
    match s.chars().count() {
        0 => Err(TopupError::ReasonMissing),
        n if n > MAX_REASON_CHARS => Err(TopupError::ReasonTooLong),
        _ => Ok(s.to_string()),
    }
}

/// Remittance instructions as stored: trimmed, line breaks kept (payee, bank and account number
/// read best on lines of their own), at most [`MAX_INSTRUCTIONS_CHARS`] characters; empty means
/// none published.
pub fn instructions(input: &str) -> Result<String, TopupError> {
    let s = input.trim().replace("\r\n", "\n");
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(TopupError::ControlCharacter);
    }
    if s.chars().count() > MAX_INSTRUCTIONS_CHARS {
        return Err(TopupError::InstructionsTooLong);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_pending_moves_and_only_once() {
        use TopupStatus::*;
        for to in [Credited, Rejected, Cancelled] {
            assert!(Pending.can_become(to));
            for from in [Credited, Rejected, Cancelled] {
                assert!(!from.can_become(to), "{from:?} → {to:?}");
            }
        }
        assert!(!Pending.can_become(Pending));
        for s in TopupStatus::ALL {
            assert_eq!(TopupStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(TopupStatus::parse("PENDING"), None);
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount(" 99.5 "), Ok(Money::from_cents(9_950)));
        assert_eq!(parse_amount("1000000"), Ok(MAX_AMOUNT));
        assert_eq!(parse_amount("0.01"), Ok(Money::from_cents(1)));
        assert_eq!(parse_amount("1000000.01"), Err(TopupError::TooLarge));
        assert_eq!(parse_amount("0"), Err(TopupError::NotPositive));
        assert_eq!(parse_amount("0.00"), Err(TopupError::NotPositive));
        for bad in [
            "", " ", "-5", "+5", "1e3", "1,000", "¥100", "abc", "1.234", ".", "1.2.3",
        ] {
            assert_eq!(parse_amount(bad), Err(TopupError::NotAnAmount), "{bad}");
        }
        assert_eq!(
            check_amount(Money::from_cents(-1)),
            Err(TopupError::NotPositive)
        );
    }

    #[test]
    fn references_and_reasons() {
        assert_eq!(reference("  BOC-2026-0001 "), Ok("BOC-2026-0001".into()));
        assert_eq!(reference("   "), Err(TopupError::ReferenceMissing));
        assert_eq!(reference(&"汇".repeat(128)), Ok("汇".repeat(128)));
        assert_eq!(
            reference(&"x".repeat(129)),
            Err(TopupError::ReferenceTooLong)
        );
        assert_eq!(reference("a\nb"), Err(TopupError::ControlCharacter));
        assert_eq!(reject_reason(""), Err(TopupError::ReasonMissing));
        assert_eq!(
            reject_reason(&"x".repeat(201)),
            Err(TopupError::ReasonTooLong)
        );
        assert_eq!(reject_reason(" 未到账 "), Ok("未到账".into()));
        assert_eq!(
            instructions(" 户名：某某\r\n账号：6222 "),
            Ok("户名：某某\n账号：6222".into())
        );
        assert_eq!(instructions(""), Ok(String::new()));
        assert_eq!(
            instructions(&"x".repeat(1001)),
            Err(TopupError::InstructionsTooLong)
        );
        assert_eq!(instructions("a\u{7}"), Err(TopupError::ControlCharacter));
    }

    proptest! {
        #[test]
        fn every_accepted_amount_is_in_range(cents in -10_i64..200_000_000) {
            let m = Money::from_cents(cents);
            match parse_amount(&m.to_string()) {
                Ok(v) => prop_assert!(v == m && v.is_positive() && v <= MAX_AMOUNT),
                Err(_) => prop_assert!(!m.is_positive() || m > MAX_AMOUNT),
            }
        }
    }
}
