//! Who is acting, for which request, at what time: passed to every service call, recorded in the
//! audit log, and the only source of the caller's tenant (docs/ARCHITECTURE.md, invariant 4).

use pc_domain::party::Role;

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The vendor's channel team.
    Operator { user_id: String },
    /// A partner, through the console (a user) or an access key.
    Partner {
        partner_id: String,
        root_id: String,
        user_id: Option<String>,
        role: Role,
    },
    /// A customer, through the console or its own access key.
    Customer {
        customer_id: String,
        user_id: Option<String>,
    },
    /// The command line or a background job (the person running it is the operator of the box).
    System { name: String },
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Operator { .. } => "operator",
            Actor::Partner { .. } => "partner",
            Actor::Customer { .. } => "customer",
            Actor::System { .. } => "system",
        }
    }

    pub fn id(&self) -> String {
        match self {
            Actor::Operator { user_id } => user_id.clone(),
            Actor::Partner {
                partner_id,
                user_id,
                ..
            } => match user_id {
                Some(u) => format!("{partner_id}/{u}"),
                None => partner_id.clone(),
            },
            Actor::Customer { customer_id, .. } => customer_id.clone(),
            Actor::System { name } => name.clone(),
        }
    }

    pub fn role(&self) -> &'static str {
        match self {
            Actor::Operator { .. } => Role::Operator.as_str(),
            Actor::Partner { role, .. } => role.as_str(),
            Actor::Customer { .. } => Role::Customer.as_str(),
            Actor::System { .. } => "system",
        }
    }

    /// Operator-only actions (promotions, price adjustments): an operator, or the system (the
    /// command line, jobs); anyone else `CBC.0151`.
    pub fn require_operator(&self) -> crate::error::AppResult<()> {
        match self {
            Actor::Operator { .. } | Actor::System { .. } => Ok(()),
            _ => Err(crate::error::AppError::new(
                crate::error::Code::AccessDenied,
            )),
        }
    }

    /// The partner acting, for use cases only partners may run (their own cash, customers,
    /// coupons); anyone else gets `CBC.0155`, as the vendor answers a key of the wrong kind.
    pub fn partner_id(&self) -> crate::error::AppResult<&str> {
        match self {
            Actor::Partner { partner_id, .. } => Ok(partner_id),
            _ => Err(crate::error::AppError::with_tr(
                crate::error::Code::NotAllowed,
                "Only a partner may do this.",
                "只有合作伙伴可以执行此操作。",
            )),
        }
    }

    /// The tenant (root partner id) the actor is confined to, if any.
    pub fn root_id(&self) -> Option<&str> {
        match self {
            Actor::Partner { root_id, .. } => Some(root_id),
            _ => None,
        }
    }
}

/// Who acts, for which request, at what time: the first argument of every use case.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub actor: Actor,
    pub request_id: String,
    pub now_ms: i64,
    /// The request's `X-Idempotency-Key`, if it sent one: a write use case run through
    /// [`crate::Db::run`] has one effect per key.
    pub idempotency: Option<IdempotencyKey>,
}

/// An idempotency key as the store keeps it: scoped to the caller (two partners may use the same
/// key), with a hash of the request that used it (the same key with another request is refused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

impl Ctx {
    pub fn new(actor: Actor, request_id: impl Into<String>, now_ms: i64) -> Self {
        Ctx {
            actor,
            request_id: request_id.into(),
            now_ms,
            idempotency: None,
        }
    }

    /// The same context carrying the request's idempotency key.
    pub fn with_idempotency(mut self, key: Option<IdempotencyKey>) -> Self {
        self.idempotency = key;
        self
    }
}
