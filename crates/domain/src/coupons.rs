//! Coupons (代金券 vouchers, 现金券 cash coupons) and the quotas they are issued from
//! (the vendor's help pages): wire enums, the time-driven status of a coupon, and the checks an issue must
//! pass against its quota. Pure; the services apply these inside their transactions.

use crate::money::Money;

/// `quota_type`: 0 voucher quota (代金券额度), 1 cash-coupon quota (现金券额度).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuotaType {
    Voucher,
    Cash,
}

impl QuotaType {
    pub fn code(self) -> i64 {
        match self {
            QuotaType::Voucher => 0,
            QuotaType::Cash => 1,
        }
    }

    pub fn from_code(c: i64) -> Option<QuotaType> {
        match c {
            0 => Some(QuotaType::Voucher),
            1 => Some(QuotaType::Cash),
            _ => None,
        }
    }

    /// The CLI's and console's names: `voucher` | `cash`.
    pub fn parse(s: &str) -> Option<QuotaType> {
        match s {
            "voucher" | "0" => Some(QuotaType::Voucher),
            "cash" | "1" => Some(QuotaType::Cash),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuotaType::Voucher => "voucher",
            QuotaType::Cash => "cash",
        }
    }

    /// The `coupon_type` of the coupons issued from such a quota: 1 voucher, 4 cash coupon.
    pub fn coupon_type(self) -> i64 {
        match self {
            QuotaType::Voucher => 1,
            QuotaType::Cash => 4,
        }
    }

    pub fn from_coupon_type(c: i64) -> Option<QuotaType> {
        match c {
            1 => Some(QuotaType::Voucher),
            4 => Some(QuotaType::Cash),
            _ => None,
        }
    }
}

/// `quota_status`: 0 normal, 3 invalid (expired or set invalid), 4 adjusting (visible, cannot
/// issue), 5 frozen. `6` (reclaimed) exists on the wire for issued reseller quotas only.
pub mod quota_status {
    pub const NORMAL: i64 = 0;
    pub const INVALID: i64 = 3;
    pub const ADJUSTING: i64 = 4;
    pub const FROZEN: i64 = 5;
    /// A reseller quota whose whole balance its master distributor reclaimed while it was
    /// normal (`IssuedCouponQuota.quota_status` 6). It cannot issue; a later grant from the
    /// same parent quota makes it normal again. Its owner's own list (`CouponQuotaV2`, which has
    /// no 6) shows it as invalid (3): see [`owner_view`].
    pub const RECLAIMED: i64 = 6;
    /// The statuses an operator may set (and `quota_status_list` may name).
    pub const ALL: [i64; 4] = [NORMAL, INVALID, ADJUSTING, FROZEN];

    /// The status as the quota's owner sees it (`CouponQuotaV2`): reclaimed reads as invalid.
    pub fn owner_view(status: i64) -> i64 {
        if status == RECLAIMED {
            INVALID
        } else {
            status
        }
    }
}

/// The status a quota shows at `now`: a normal quota past its expiry is invalid (3).
pub fn quota_status_at(stored: i64, expire_at: i64, now: i64) -> i64 {
    if stored == quota_status::NORMAL && now >= expire_at {
        quota_status::INVALID
    } else {
        stored
    }
}

/// Coupon instance status (§9.3): 1 not yet active, 2 usable, 3 used, 4 expired, 5 reclaimed.
pub mod coupon_status {
    pub const NOT_ACTIVE: i64 = 1;
    pub const USABLE: i64 = 2;
    pub const USED: i64 = 3;
    pub const EXPIRED: i64 = 4;
    pub const RECLAIMED: i64 = 5;
}

/// The status a coupon shows at `now`. Only "live" coupons (stored as 2) change with time: before
/// their effective time they are not yet active (1: the activation trigger is inferred to be the
/// effective time, the vendor's help pages), from their expiry on they are expired (4) — the expiry job
/// later stores that. Used, expired and reclaimed are final.
pub fn coupon_status_at(stored: i64, effective_at: i64, expire_at: i64, now: i64) -> i64 {
    if stored != coupon_status::USABLE {
        stored
    } else if now >= expire_at {
        coupon_status::EXPIRED
    } else if now < effective_at {
        coupon_status::NOT_ACTIVE
    } else {
        coupon_status::USABLE
    }
}

/// `operation_type` of a coupon record (CouponRecordV2, a string on the wire).
pub mod operation {
    pub const ISSUE: i64 = 1;
    pub const MANUAL_RECLAIM: i64 = 2;
    pub const UNBIND_RECLAIM: i64 = 3;
    pub const EXPIRY_RECLAIM: i64 = 4;
    pub const UNSUBSCRIBE_RECLAIM: i64 = 5;
    pub const REFUND_REVERSAL: i64 = 6;
    pub const ASSOCIATION_RECLAIM: i64 = 7;
    pub const MODE_SWITCH_RECLAIM: i64 = 8;
    pub const RESELLER_TRANSFER: i64 = 9;
    /// Quota records (QuotaRecord): a distributor grants to / reclaims from a reseller.
    pub const QUOTA_GRANT: i64 = 10;
    pub const QUOTA_RECLAIM: i64 = 11;
}

/// What a quota restricts (its `limit_infos`). Empty lists mean "no restriction".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuotaLimits {
    pub service_types: Vec<String>,
    pub product_ids: Vec<String>,
    pub min_face: Option<Money>,
    pub max_face: Option<Money>,
    /// The most coupons the quota may issue in all.
    pub max_count: Option<i64>,
    /// The order types ([`ORDER_TYPES`]) its coupons may pay for; empty = any.
    pub order_types: Vec<i64>,
    /// Coupons only for customers associated for the first time (CBC.99000022): the customer's
    /// association with the issuing partner is the first it ever had with any partner.
    pub first_association_only: bool,
}

/// The order types a coupon may be limited to: the `order_type` codes of orders (the vendor's API reference
/// §3): 1 new purchase (开通), 2 renewal (续订), 3 change (变更), 10 yearly/monthly to
/// pay-per-use, 11 pay-per-use to yearly/monthly, 13 trial, 14 trial to commercial, 15 fee
/// adjustment. 4 (unsubscription) pays nothing, so no coupon is ever limited to it.
pub const ORDER_TYPES: [i64; 8] = [1, 2, 3, 10, 11, 13, 14, 15];

/// Why an issue is refused by the quota (each maps to one vendor code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueRefusal {
    /// CBC.99000012: the quota is not normal (invalid, adjusting, frozen).
    QuotaState,
    /// CBC.99000017: the quota is not yet effective or already expired.
    QuotaNotInForce,
    /// CBC.99000018
    FaceBelowMin,
    /// CBC.99000019
    FaceAboveMax,
    /// CBC.99000023: the coupon's service / product restriction exceeds the quota's.
    LimitsExceedQuota,
    /// CBC.99000024: the coupon's order-type restriction exceeds the quota's.
    OrderTypesExceedQuota,
    /// CBC.99000021: the request's total face value exceeds the quota's total value.
    TotalAboveQuota,
    /// CBC.0100: the coupon's validity is empty or lies outside the quota's.
    BadValidity,
}

/// The most cloud service types or product ids one coupon may name.
pub const MAX_COUPON_LIMIT_ITEMS: usize = 10;

/// The coupon's restriction list given the quota's: an empty request inherits the quota's; a
/// non-empty one must be a subset of a restricted quota's.
pub fn narrow<T: Clone + PartialEq>(quota: &[T], requested: &[T]) -> Result<Vec<T>, IssueRefusal> {
    if requested.is_empty() {
        return Ok(quota.to_vec());
    }
    if !quota.is_empty() && requested.iter().any(|r| !quota.contains(r)) {
        return Err(IssueRefusal::LimitsExceedQuota);
    }
    Ok(requested.to_vec())
}

/// [`narrow`] for order types: exceeding the quota's is CBC.99000024.
pub fn narrow_order_types(quota: &[i64], requested: &[i64]) -> Result<Vec<i64>, IssueRefusal> {
    narrow(quota, requested).map_err(|_| IssueRefusal::OrderTypesExceedQuota)
}

/// CBC.99000021 ("券总面值不允许超过总面值"). The vendor does not say which totals; ours: within
/// one issue request, the total face value of the coupons issued so far plus this one may not
/// exceed the quota's total value (`quota_value`, everything ever granted into it). Checked per
/// customer, after the customer's own checks, so a customer refused for another reason does not
/// count; beyond the total it is 21, within the total but beyond what is left it is 13.
pub fn check_total(
    issued_so_far: Money,
    face: Money,
    quota_value: Money,
) -> Result<(), IssueRefusal> {
    match issued_so_far.checked_add(face) {
        Some(total) if total <= quota_value => Ok(()),
        _ => Err(IssueRefusal::TotalAboveQuota),
    }
}

/// R9.15: `list_issued_partner_coupons` only returns coupons whose expiry is within 12 months,
/// read as a retention window: coupons that expired more than 12 calendar months before `now`
/// are left out; live coupons are always listed, however far away their expiry (hiding a usable
/// coupon from its issuer would help no one). Returns the earliest expiry still listed: the
/// same day and time 12 months earlier (29 February falls back to 28 February).
pub fn issued_list_expiry_floor(now_ms: i64) -> i64 {
    match time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000) {
        Ok(t) => {
            let earlier = t.replace_date(crate::timefmt::one_year_before(t.date()));
            i64::try_from(earlier.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MIN)
        }
        Err(_) => i64::MIN,
    }
}

/// Checks a coupon against its quota at `now`: status, validity window, face value bounds.
#[allow(clippy::too_many_arguments)]
pub fn check_issue(
    status: i64,
    quota_effective_at: i64,
    quota_expire_at: i64,
    limits: &QuotaLimits,
    face: Money,
    coupon_effective_at: i64,
    coupon_expire_at: i64,
    now: i64,
) -> Result<(), IssueRefusal> {
    if status != quota_status::NORMAL {
        return Err(IssueRefusal::QuotaState);
    }
    if now < quota_effective_at || now >= quota_expire_at {
        return Err(IssueRefusal::QuotaNotInForce);
    }
    if limits.min_face.is_some_and(|m| face < m) {
        return Err(IssueRefusal::FaceBelowMin);
    }
    if limits.max_face.is_some_and(|m| face > m) {
        return Err(IssueRefusal::FaceAboveMax);
    }
    if coupon_effective_at >= coupon_expire_at
        || coupon_expire_at <= now
        || coupon_effective_at < quota_effective_at
        || coupon_expire_at > quota_expire_at
    {
        return Err(IssueRefusal::BadValidity);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_time() {
        use coupon_status::*;
        assert_eq!(coupon_status_at(USABLE, 10, 20, 5), NOT_ACTIVE);
        assert_eq!(coupon_status_at(USABLE, 10, 20, 10), USABLE);
        assert_eq!(coupon_status_at(USABLE, 10, 20, 20), EXPIRED);
        assert_eq!(coupon_status_at(RECLAIMED, 10, 20, 15), RECLAIMED);
        assert_eq!(
            quota_status_at(quota_status::NORMAL, 20, 20),
            quota_status::INVALID
        );
        assert_eq!(
            quota_status_at(quota_status::FROZEN, 20, 0),
            quota_status::FROZEN
        );
    }

    #[test]
    fn issue_checks() {
        let l = QuotaLimits {
            min_face: Some(Money::from_cents(100)),
            max_face: Some(Money::from_cents(1000)),
            ..Default::default()
        };
        let ok = |face, s| check_issue(s, 0, 100, &l, Money::from_cents(face), 0, 100, 50);
        assert_eq!(ok(500, quota_status::NORMAL), Ok(()));
        assert_eq!(ok(99, 0), Err(IssueRefusal::FaceBelowMin));
        assert_eq!(ok(1001, 0), Err(IssueRefusal::FaceAboveMax));
        assert_eq!(ok(500, quota_status::FROZEN), Err(IssueRefusal::QuotaState));
        assert_eq!(
            check_issue(0, 0, 100, &l, Money::from_cents(500), 0, 101, 50),
            Err(IssueRefusal::BadValidity)
        );
        assert_eq!(
            check_issue(0, 60, 100, &l, Money::from_cents(500), 60, 100, 50),
            Err(IssueRefusal::QuotaNotInForce)
        );
        let q = vec!["a".to_string(), "b".to_string()];
        assert_eq!(narrow(&q, &[]), Ok(q.clone()));
        assert_eq!(narrow(&q, &["a".into()]), Ok(vec!["a".to_string()]));
        assert_eq!(
            narrow(&q, &["c".into()]),
            Err(IssueRefusal::LimitsExceedQuota)
        );
        assert_eq!(narrow(&[], &["c".into()]), Ok(vec!["c".to_string()]));
        assert_eq!(narrow_order_types(&[1, 2], &[2]), Ok(vec![2]));
        assert_eq!(
            narrow_order_types(&[1], &[1, 2]),
            Err(IssueRefusal::OrderTypesExceedQuota)
        );
        let m = Money::from_cents;
        assert_eq!(check_total(m(6000), m(3000), m(9000)), Ok(()));
        assert_eq!(
            check_total(m(9000), m(1), m(9000)),
            Err(IssueRefusal::TotalAboveQuota)
        );
        assert_eq!(
            check_total(m(i64::MAX), m(1), m(i64::MAX)),
            Err(IssueRefusal::TotalAboveQuota)
        );
    }

    #[test]
    fn twelve_months_back() {
        use crate::timefmt::{format_utc, parse_utc};
        let at = |s: &str| parse_utc(s).unwrap();
        assert_eq!(
            format_utc(issued_list_expiry_floor(at("2026-11-28T02:45:48Z"))),
            "2025-11-28T02:45:48Z"
        );
        assert_eq!(
            format_utc(issued_list_expiry_floor(at("2028-02-29T00:00:00Z"))),
            "2027-02-28T00:00:00Z"
        );
    }
}
