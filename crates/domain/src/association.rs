//! Customer association rules (the vendor's help pages): who may associate with whom, in which mode, and why
//! not. Pure functions over facts the services gather; every refusal names the rule it applies.
//!
//! Of the vendor's refusal list (R10.1–R10.19) these apply to a self-hosted platform and are
//! modelled here:
//! - R10.2 already associated with a partner (another one, or this one: [`Refusal::AlreadyHere`]);
//! - R10.3 the account is itself a partner (a partner's login, or a partner's contact mobile);
//! - R10.9 the account is in arrears;
//! - resale only: the partner's programme does not offer resale (vendor code CBC.5023, "account type
//!   does not match the partner's association type");
//! - the partner is restricted, or, for a cloud reseller, its master distributor is (CBC.50010086
//!   and its unnumbered sibling for the partner itself).
//!
//! Decisions on the rest: R10.1 (international site), R10.4–R10.7 (vendor reports, subsidy and
//! reward programmes, consumer-cloud and internal accounts), R10.10–R10.19 (finance hosting,
//! contracts, reserved instances, invoices owed, stored-value cards, credit accounts) name vendor
//! systems this platform does not have, so there is no fact to test. R10.8 ("registered more than
//! 7 days ago → must first be reported") protects the vendor's direct sales against partners; with
//! no reporting (报备) here, applying it would only lock existing customers out, so it is not applied.

use crate::party::{AssociationType, PartnerType};

/// The partner a customer would associate with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inviter {
    pub partner_type: PartnerType,
    /// The partner's own status is restricted (it may not develop customers).
    pub restricted: bool,
    /// For a cloud reseller: its master distributor is restricted.
    pub distributor_restricted: bool,
}

/// The customer account's current partner, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurrentPartner {
    None,
    /// Already associated with the inviting partner.
    Same,
    /// Associated with some other partner.
    Other,
}

/// What is known about the account that would associate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prospect {
    pub current: CurrentPartner,
    /// The login or mobile number belongs to a partner (R10.3).
    pub is_partner: bool,
    /// The account owes money (R10.9).
    pub in_arrears: bool,
}

impl Prospect {
    /// A brand-new account: nothing known against it yet.
    pub fn new_account(is_partner: bool) -> Prospect {
        Prospect {
            current: CurrentPartner::None,
            is_partner,
            in_arrears: false,
        }
    }
}

/// Why an association is refused. Each has its own error code and a message that tells the
/// customer what to do (the error table of `pc-app`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the partner is restricted and cannot create associations")]
    PartnerRestricted,
    #[error("the cloud reseller's master distributor is restricted (R12, CBC.50010086)")]
    DistributorRestricted,
    #[error("the partner does not offer this association type (CBC.5023)")]
    TypeNotOffered,
    #[error("the account belongs to a partner (R10.3)")]
    IsPartner,
    #[error("the account is already associated with this partner (R10.2)")]
    AlreadyHere,
    #[error("the account is already associated with another partner (R10.2)")]
    AlreadyElsewhere,
    #[error("the account is in arrears (R10.9)")]
    InArrears,
}

/// The association modes a partner type may use. Decision (the vendor's help pages name solution
/// providers, master distributors and cloud resellers as the partners that associate customers in
/// either mode): consulting-sales partners and marketplace sellers earn the vendor's referral
/// incentive but never resell, so they associate customers in consulting mode only.
pub fn offers(partner_type: PartnerType, kind: AssociationType) -> bool {
    match kind {
        AssociationType::Consulting => true,
        AssociationType::Resale => matches!(
            partner_type,
            PartnerType::Distributor | PartnerType::Reseller | PartnerType::Solution
        ),
    }
}

/// The partner-side checks alone: may this partner create associations (or invite links) of this
/// type at all? Checked when a link is generated and again when it is used.
pub fn check_inviter(inviter: &Inviter, kind: AssociationType) -> Result<(), Refusal> {
    if inviter.restricted {
        return Err(Refusal::PartnerRestricted);
    }
    if inviter.partner_type == PartnerType::Reseller && inviter.distributor_restricted {
        return Err(Refusal::DistributorRestricted);
    }
    if !offers(inviter.partner_type, kind) {
        return Err(Refusal::TypeNotOffered);
    }
    Ok(())
}

/// Every rule, partner side first (a restricted partner is the same answer for every customer),
/// then the customer side in the order a customer can act on them.
pub fn check(inviter: &Inviter, prospect: &Prospect, kind: AssociationType) -> Result<(), Refusal> {
    check_inviter(inviter, kind)?;
    if prospect.is_partner {
        return Err(Refusal::IsPartner);
    }
    match prospect.current {
        CurrentPartner::Same => return Err(Refusal::AlreadyHere),
        CurrentPartner::Other => return Err(Refusal::AlreadyElsewhere),
        CurrentPartner::None => {}
    }
    if prospect.in_arrears {
        return Err(Refusal::InArrears);
    }
    Ok(())
}

/// Whether the association notice must be accepted ("I have read and agree"): only in resale mode
/// (the vendor's help pages).
pub fn notice_required(kind: AssociationType) -> bool {
    kind == AssociationType::Resale
}

/// Most customer accounts one mobile number may register (the limit `check_user_identity` reports
/// as `mobile_remain_available_num`). Decision: the vendor publishes no figure; 5 lets a person keep
/// a few accounts (a company's, a test one) without making the number a free-for-all.
pub const MAX_ACCOUNTS_PER_MOBILE: i64 = 5;

/// A Chinese mobile number as the vendor accepts it: 11 digits starting with 13–19. `+86`, `0086`
/// and `0086-` prefixes are accepted and dropped; spaces are not.
pub fn parse_cn_mobile(s: &str) -> Option<String> {
    let s = s.trim();
    let national = s
        .strip_prefix("0086-")
        .or_else(|| s.strip_prefix("0086"))
        .or_else(|| s.strip_prefix("+86"))
        .unwrap_or(s);
    let b = national.as_bytes();
    let ok = b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit);
    ok.then(|| national.to_string())
}

/// The vendor's extra password rules for customer accounts (the vendor's API reference), on top of the
/// general strength rule: not the account name, not the account name reversed, and not containing
/// the mobile number.
pub fn password_conflict(
    password: &str,
    account_name: &str,
    mobile: Option<&str>,
) -> Option<(&'static str, &'static str)> {
    let reversed: String = account_name.chars().rev().collect();
    if password.eq_ignore_ascii_case(account_name) || password.eq_ignore_ascii_case(&reversed) {
        return Some((
            "the password must not be the account name or the account name reversed",
            "密码不能与账号名相同，也不能是账号名的倒序。",
        ));
    }
    if let Some(m) = mobile.filter(|m| !m.is_empty()) {
        if password.contains(m) {
            return Some((
                "the password must not contain the mobile number",
                "密码不能包含手机号。",
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssociationType::*;

    fn inviter(t: PartnerType) -> Inviter {
        Inviter {
            partner_type: t,
            restricted: false,
            distributor_restricted: false,
        }
    }

    const CLEAN: Prospect = Prospect {
        current: CurrentPartner::None,
        is_partner: false,
        in_arrears: false,
    };

    #[test]
    fn a_clean_account_associates_in_every_offered_mode() {
        for t in PartnerType::ALL {
            assert_eq!(check(&inviter(t), &CLEAN, Consulting), Ok(()));
            let resale = check(&inviter(t), &CLEAN, Resale);
            assert_eq!(resale.is_ok(), offers(t, Resale), "{t:?}");
        }
        assert_eq!(
            check(&inviter(PartnerType::Consulting), &CLEAN, Resale),
            Err(Refusal::TypeNotOffered)
        );
        assert_eq!(
            check(&inviter(PartnerType::Marketplace), &CLEAN, Resale),
            Err(Refusal::TypeNotOffered)
        );
    }

    #[test]
    fn each_customer_side_refusal() {
        let d = inviter(PartnerType::Distributor);
        let p = |current, is_partner, in_arrears| Prospect {
            current,
            is_partner,
            in_arrears,
        };
        assert_eq!(
            check(&d, &p(CurrentPartner::Other, false, false), Resale),
            Err(Refusal::AlreadyElsewhere)
        );
        assert_eq!(
            check(&d, &p(CurrentPartner::Same, false, false), Consulting),
            Err(Refusal::AlreadyHere)
        );
        assert_eq!(
            check(&d, &p(CurrentPartner::None, true, false), Resale),
            Err(Refusal::IsPartner)
        );
        assert_eq!(
            check(&d, &p(CurrentPartner::None, false, true), Consulting),
            Err(Refusal::InArrears)
        );
        // A partner's account is refused as a partner, whatever else is true of it.
        assert_eq!(
            check(&d, &p(CurrentPartner::Other, true, true), Resale),
            Err(Refusal::IsPartner)
        );
        assert_eq!(
            check(&d, &p(CurrentPartner::Other, false, true), Resale),
            Err(Refusal::AlreadyElsewhere)
        );
    }

    #[test]
    fn partner_side_refusals_come_first() {
        let restricted = Inviter {
            restricted: true,
            ..inviter(PartnerType::Solution)
        };
        let bad = Prospect {
            current: CurrentPartner::Other,
            is_partner: true,
            in_arrears: true,
        };
        assert_eq!(
            check(&restricted, &bad, Resale),
            Err(Refusal::PartnerRestricted)
        );
        let reseller = Inviter {
            distributor_restricted: true,
            ..inviter(PartnerType::Reseller)
        };
        assert_eq!(
            check(&reseller, &CLEAN, Consulting),
            Err(Refusal::DistributorRestricted)
        );
        assert_eq!(
            check_inviter(&reseller, Resale),
            Err(Refusal::DistributorRestricted)
        );
        // Only a reseller has a master distributor whose restriction matters.
        let dist = Inviter {
            distributor_restricted: true,
            ..inviter(PartnerType::Distributor)
        };
        assert_eq!(check_inviter(&dist, Resale), Ok(()));
    }

    #[test]
    fn notice_only_for_resale() {
        assert!(notice_required(Resale));
        assert!(!notice_required(Consulting));
    }

    #[test]
    fn mobiles() {
        assert_eq!(
            parse_cn_mobile("13812345678").as_deref(),
            Some("13812345678")
        );
        assert_eq!(
            parse_cn_mobile("0086-13812345678").as_deref(),
            Some("13812345678")
        );
        assert_eq!(
            parse_cn_mobile("+8619912345678").as_deref(),
            Some("19912345678")
        );
        for bad in [
            "",
            "1381234567",
            "138123456789",
            "12812345678",
            "23812345678",
            "1381234567a",
            "138 1234 5678",
            "0044-13812345678",
        ] {
            assert_eq!(parse_cn_mobile(bad), None, "{bad}");
        }
    }

    #[test]
    fn password_rules() {
        assert!(password_conflict("acme-shop", "acme-shop", None).is_some());
        assert!(password_conflict("POHS-EMCA", "acme-shop", None).is_some());
        assert!(password_conflict("x13812345678y", "acme-shop", Some("13812345678")).is_some());
        assert!(password_conflict("Secret-2026", "acme-shop", Some("13812345678")).is_none());
        assert!(password_conflict("Secret-2026", "acme-shop", Some("")).is_none());
    }
}
