//! Yearly/monthly to pay-per-use (包年/包月转按需), pure: which resources a customer may set to
//! change at expiry (`SET_UP`), take that back from (`CANCEL`) or change at once (立即转按需),
//! and what changing at once refunds. The vendor documents the operations and their refusal
//! codes (the vendor's API reference: UpdatePeriodToOnDemand, UpdatePeriodToOnDemandInstantly)
//! but not the arithmetic of the refund; this module is the rule, and the services carry it out.
//!
//! **The rule.**
//! - One expiry policy at a time (`expire_policy`, the vendor's field): 0 grace period, 1 change
//!   to pay-per-use, 3 auto-renew. Setting the change to pay-per-use replaces auto-renewal, and
//!   turning auto-renewal on replaces the change: the two are exclusive by construction.
//! - `SET_UP` (and the change at once) needs a main resource in use, not in a pending-payment
//!   order, of a product sold by usage (an hourly price) that is not a resource package. Setting
//!   it again on a resource already set is a success that changes nothing.
//! - `CANCEL` needs a main resource set to change to pay-per-use; it goes back to the grace
//!   period, whatever its status (an expired resource left set can still be taken back).
//! - At expiry a resource set to change becomes pay-per-use; one that no longer qualifies (its
//!   product lost its hourly price, a renewal order is pending on it) expires as with the grace
//!   period ([`converts_at_expiry`]).
//! - **Changing at once refunds** every paid period still running or to come exactly as
//!   unsubscribing it (type 1) at that instant would (`crate::refunds::plan`: the used part and
//!   the 5% handling fee on the unused part of the period in use are kept, periods to come come
//!   back whole), except that the five-day no-reason full refund does not apply: it is a right
//!   of unsubscribing, and the resource goes on running, billed by usage.

pub use crate::orders::EXPIRE_POLICY_TO_ON_DEMAND;
use crate::orders::{ResourceStatus, EXPIRE_POLICY_GRACE};
use crate::refunds::{self, PaidPeriod, PeriodRefund, PlanError, UnsubscribeType};

/// Most resource ids one `SET_UP` / `CANCEL` names (the vendor's [1-100]).
pub const MAX_POLICY_IDS: usize = 100;
/// Most resource ids one change at once names (the vendor's [1,10]).
pub const MAX_INSTANT_IDS: usize = 10;

/// `operation` of `PeriodToOnDemandReq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `SET_UP`: change to pay-per-use at expiry.
    SetUp,
    /// `CANCEL`: back to the grace period.
    Cancel,
}

impl Operation {
    /// `SET_UP` or `CANCEL` (surrounding blanks and case ignored).
    pub fn parse(s: &str) -> Option<Operation> {
        match s.trim().to_ascii_uppercase().as_str() {
            "SET_UP" => Some(Operation::SetUp),
            "CANCEL" => Some(Operation::Cancel),
            _ => None,
        }
    }
}

/// What a customer asks of one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    SetUp,
    Cancel,
    /// Change to pay-per-use now (立即转按需).
    Now,
}

impl From<Operation> for Action {
    fn from(o: Operation) -> Action {
        match o {
            Operation::SetUp => Action::SetUp,
            Operation::Cancel => Action::Cancel,
        }
    }
}

/// What the rule needs to know of one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    /// `ResourceStatus` code.
    pub status: i64,
    pub is_main: bool,
    pub expire_policy: i64,
    /// It is a line of an order awaiting payment (a renewal, a change).
    pub pending_order: bool,
    /// Its product is a resource package.
    pub package: bool,
    /// Its product has an hourly price.
    pub sold_by_usage: bool,
}

/// Why a resource is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Closed (unsubscribed): no longer a resource of the customer's.
    Closed,
    /// A sub-resource: only main resources are named.
    NotMain,
    /// A resource package (按需套餐包).
    Package,
    /// Its product is not sold by usage.
    NotSoldByUsage,
    /// Expired: in its grace or retention period.
    GracePeriod,
    Frozen,
    /// In an order awaiting payment (another transaction in progress).
    PendingOrder,
    /// `CANCEL` of a resource not set to change to pay-per-use.
    NotSetUp,
}

/// What to do with one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Store this expiry policy.
    Policy(i64),
    /// Already so: nothing to write.
    Unchanged,
    /// Change it to pay-per-use now.
    ChangeNow,
}

/// The rule for one resource (see the module's header). Refusals are checked in a fixed order,
/// so a resource with several problems is always refused for the same one.
pub fn decide(action: Action, f: &Facts) -> Result<Outcome, Refusal> {
    if f.status == ResourceStatus::Closed.code() {
        return Err(Refusal::Closed);
    }
    if !f.is_main {
        return Err(Refusal::NotMain);
    }
    if action == Action::Cancel {
        return if f.expire_policy == EXPIRE_POLICY_TO_ON_DEMAND {
            Ok(Outcome::Policy(EXPIRE_POLICY_GRACE))
        } else {
            Err(Refusal::NotSetUp)
        };
    }
    if f.package {
        return Err(Refusal::Package);
    }
    if !f.sold_by_usage {
        return Err(Refusal::NotSoldByUsage);
    }
    if f.status == ResourceStatus::Expired.code() {
        return Err(Refusal::GracePeriod);
    }
    if f.status == ResourceStatus::Frozen.code() {
        return Err(Refusal::Frozen);
    }
    if f.pending_order {
        return Err(Refusal::PendingOrder);
    }
    Ok(match action {
        Action::Now => Outcome::ChangeNow,
        _ if f.expire_policy == EXPIRE_POLICY_TO_ON_DEMAND => Outcome::Unchanged,
        _ => Outcome::Policy(EXPIRE_POLICY_TO_ON_DEMAND),
    })
}

/// Whether a resource reaching its expiry becomes pay-per-use (else it expires as with the grace
/// period): it is set to, and would still be accepted by `SET_UP` now.
pub fn converts_at_expiry(f: &Facts) -> bool {
    f.expire_policy == EXPIRE_POLICY_TO_ON_DEMAND
        && decide(Action::SetUp, f) == Ok(Outcome::Unchanged)
}

/// What changing at `now` refunds of a resource's paid periods (see the module's header).
pub fn refund(periods: &[PaidPeriod], now: i64) -> Result<Vec<PeriodRefund>, PlanError> {
    refunds::plan(periods, now, UnsubscribeType::ResourceAndRenewals, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::orders::EXPIRE_POLICY_AUTO_RENEW;
    use proptest::prelude::*;

    const DAY: i64 = 86_400_000;

    fn in_use() -> Facts {
        Facts {
            status: ResourceStatus::InUse.code(),
            is_main: true,
            expire_policy: EXPIRE_POLICY_GRACE,
            pending_order: false,
            package: false,
            sold_by_usage: true,
        }
    }

    #[test]
    fn operation_parses_the_vendors_words() {
        assert_eq!(Operation::parse("SET_UP"), Some(Operation::SetUp));
        assert_eq!(Operation::parse(" cancel "), Some(Operation::Cancel));
        for bad in ["", "SETUP", "SET", "DELETE"] {
            assert_eq!(Operation::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn set_up_stores_policy_1_and_replaces_auto_renewal() {
        assert_eq!(
            decide(Action::SetUp, &in_use()),
            Ok(Outcome::Policy(EXPIRE_POLICY_TO_ON_DEMAND))
        );
        let auto = Facts {
            expire_policy: EXPIRE_POLICY_AUTO_RENEW,
            ..in_use()
        };
        assert_eq!(
            decide(Action::SetUp, &auto),
            Ok(Outcome::Policy(EXPIRE_POLICY_TO_ON_DEMAND))
        );
        let set = Facts {
            expire_policy: EXPIRE_POLICY_TO_ON_DEMAND,
            ..in_use()
        };
        assert_eq!(decide(Action::SetUp, &set), Ok(Outcome::Unchanged));
        assert_eq!(decide(Action::Now, &set), Ok(Outcome::ChangeNow));
    }

    #[test]
    fn cancel_needs_the_policy_and_goes_back_to_grace() {
        assert_eq!(decide(Action::Cancel, &in_use()), Err(Refusal::NotSetUp));
        let auto = Facts {
            expire_policy: EXPIRE_POLICY_AUTO_RENEW,
            ..in_use()
        };
        assert_eq!(decide(Action::Cancel, &auto), Err(Refusal::NotSetUp));
        // An expired or frozen resource left set can still be taken back.
        for status in [ResourceStatus::Expired, ResourceStatus::Frozen] {
            let f = Facts {
                status: status.code(),
                expire_policy: EXPIRE_POLICY_TO_ON_DEMAND,
                pending_order: true,
                ..in_use()
            };
            assert_eq!(
                decide(Action::Cancel, &f),
                Ok(Outcome::Policy(EXPIRE_POLICY_GRACE))
            );
        }
    }

    #[test]
    fn refusals_in_order() {
        let cases = [
            (
                Facts {
                    status: ResourceStatus::Closed.code(),
                    is_main: false,
                    ..in_use()
                },
                Refusal::Closed,
            ),
            (
                Facts {
                    is_main: false,
                    package: true,
                    ..in_use()
                },
                Refusal::NotMain,
            ),
            (
                Facts {
                    package: true,
                    sold_by_usage: false,
                    ..in_use()
                },
                Refusal::Package,
            ),
            (
                Facts {
                    sold_by_usage: false,
                    status: ResourceStatus::Expired.code(),
                    ..in_use()
                },
                Refusal::NotSoldByUsage,
            ),
            (
                Facts {
                    status: ResourceStatus::Expired.code(),
                    pending_order: true,
                    ..in_use()
                },
                Refusal::GracePeriod,
            ),
            (
                Facts {
                    status: ResourceStatus::Frozen.code(),
                    pending_order: true,
                    ..in_use()
                },
                Refusal::Frozen,
            ),
            (
                Facts {
                    pending_order: true,
                    ..in_use()
                },
                Refusal::PendingOrder,
            ),
        ];
        for (f, want) in cases {
            assert_eq!(decide(Action::SetUp, &f), Err(want), "{f:?}");
            assert_eq!(decide(Action::Now, &f), Err(want), "{f:?}");
        }
    }

    #[test]
    fn at_expiry_only_a_resource_set_and_still_qualifying_converts() {
        let set = Facts {
            expire_policy: EXPIRE_POLICY_TO_ON_DEMAND,
            ..in_use()
        };
        assert!(converts_at_expiry(&set));
        assert!(!converts_at_expiry(&in_use()));
        assert!(!converts_at_expiry(&Facts {
            expire_policy: EXPIRE_POLICY_AUTO_RENEW,
            ..in_use()
        }));
        assert!(!converts_at_expiry(&Facts {
            pending_order: true,
            ..set
        }));
        assert!(!converts_at_expiry(&Facts {
            sold_by_usage: false,
            ..set
        }));
    }

    #[test]
    fn the_refund_is_an_unsubscribe_without_the_no_reason_rule() {
        // 300.00 for 30 days, changed on day 2 (inside the no-reason window): the used part and
        // the fee are kept all the same; a renewal still to come comes back whole.
        let p = [
            PaidPeriod {
                base_order_id: "A".into(),
                paid: Money::from_cents(30_000),
                start: 0,
                end: 30 * DAY,
            },
            PaidPeriod {
                base_order_id: "B".into(),
                paid: Money::from_cents(30_000),
                start: 30 * DAY,
                end: 60 * DAY,
            },
        ];
        let r = refund(&p, 3 * DAY).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].consumed, Money::from_cents(3_000));
        assert_eq!(r[0].fee, Money::from_cents(1_350));
        assert_eq!(r[0].refund, Money::from_cents(25_650));
        assert!(r[1].future && r[1].refund == Money::from_cents(30_000));
        // Ended periods give nothing back.
        assert!(refund(&p, 61 * DAY).unwrap().is_empty());
    }

    proptest! {
        #[test]
        fn the_refund_never_exceeds_what_was_paid(paid in 0i64..10_000_000, len in 1i64..400, at in 0i64..400) {
            let p = [PaidPeriod { base_order_id: "A".into(), paid: Money::from_cents(paid), start: 0, end: len * DAY }];
            for r in refund(&p, at * DAY).unwrap() {
                prop_assert!(!r.refund.is_negative());
                prop_assert_eq!(r.refund.cents() + r.consumed.cents() + r.fee.cents(), paid);
            }
        }

        #[test]
        fn a_stored_policy_is_grace_or_to_on_demand(status in 2i64..6, main: bool, policy in prop::sample::select(vec![0i64, 1, 3]),
                                                       pending: bool, package: bool, usage: bool) {
            let f = Facts { status, is_main: main, expire_policy: policy, pending_order: pending, package, sold_by_usage: usage };
            for a in [Action::SetUp, Action::Cancel, Action::Now] {
                if let Ok(Outcome::Policy(p)) = decide(a, &f) {
                    prop_assert!(p == EXPIRE_POLICY_GRACE || p == EXPIRE_POLICY_TO_ON_DEMAND);
                }
            }
        }
    }
}
