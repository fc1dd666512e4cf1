//! Customers and their association with a partner.
//!
//! A customer is associated with at most one partner at a time (a partial unique index enforces
//! it); the association records its type (1 consulting sales, 2 resale), label and times.
//!
//! This file holds the customer's record (creation, contacts) and the association's insertion and
//! invariants; the parts:
//! - `listing`: the list of a partner's (or every) customer with its filters;
//! - `detail`: one customer as the customer, its partner or an operator sees it;
//! - `association`: the vendor API's creation of a sub-customer, its checks and codes;
//! - `invites`: invite links and what a customer does through one;
//! - `verification`: SMS (and e-mail) verification codes;
//! - `email`: the e-mail address and `domain_area` the international SDK sends;
//! - `unbind`: ending an association;
//! - `resellers`: a distributor's resellers and the operators' partner view, with customer counts.
//!
//! This capability owns `customers`, `associations`, the invite tables, `verification_codes` and
//! `partner_customer_counts`. It sits above `partners` and `identity` (it asks them for partner
//! facts and console users); neither imports it.

pub mod association;
mod detail;
pub mod email;
pub mod invites;
mod listing;
pub mod lookup;
pub mod resellers;
pub mod unbind;
pub mod verification;

pub use detail::*;
pub use listing::*;

use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::ids::random_hex;
use pc_domain::ledger::AccountKind;
use pc_domain::party::{AssociationType, Role};
use pc_domain::CustomerId;

use crate::context::Ctx;
use crate::crypto::{self, MasterKey};
use crate::error::{AppError, AppResult, Code};
use crate::services::identity::{self, KeyOwner};
use crate::services::partners;
use crate::store::{audit, ledger, Db};

/// A customer's verified contact: a mobile number and an e-mail address, each optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewContact<'a> {
    pub mobile: Option<&'a str>,
    pub email: Option<&'a str>,
}

impl<'a> NewContact<'a> {
    pub fn mobile(mobile: Option<&'a str>) -> NewContact<'a> {
        NewContact {
            mobile,
            email: None,
        }
    }
}

/// A mobile number as the audit log keeps it: its first three and last four digits
/// (`138****5678`).
pub fn mask_mobile(m: &str) -> String {
    let chars: Vec<char> = m.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// An e-mail address as the audit log keeps it: the first character of the local part and the
/// domain (`a***@example.com`).
pub fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

/// Inserts a customer account (no association) with its verified contact. Returns its id, which
/// is also its `domain_id`. The audit entry names the contact masked ([`mask_mobile`],
/// [`mask_email`]).
pub async fn insert_customer(
    c: &mut Conn,
    ctx: &Ctx,
    domain_name: &str,
    real_name: Option<&str>,
    contact: NewContact<'_>,
    xaccount: Option<(&str, &str)>,
) -> AppResult<String> {
    let NewContact { mobile, email } = contact;
    let id = format!("{}{}", CustomerId::PREFIX, random_hex(15));
    let r = sql::query(
        "INSERT INTO customers (id, domain_name, real_name, mobile, country_code, email, xaccount_id, xaccount_type, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(domain_name)
    .bind(real_name.map(str::to_string))
    .bind(mobile.map(str::to_string))
    .bind(mobile.map(|_| "0086".to_string()))
    .bind(email.map(str::to_string))
    .bind(xaccount.map(|x| x.0.to_string()))
    .bind(xaccount.map(|x| x.1.to_string()))
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await;
    crate::error::unique_violation_as(r, || {
        AppError::with_tr(
            Code::AlreadyExists,
            format!("account name {domain_name:?} is taken"),
            format!("账号名 {domain_name:?} 已被使用。"),
        )
    })?;
    ledger::ensure_account(c, AccountKind::CustomerCash, &id, None, ctx.now_ms).await?;
    let mut detail = serde_json::json!({"domain_name": domain_name});
    if let Some(m) = mobile {
        detail["mobile"] = mask_mobile(m).into();
    }
    if let Some(e) = email {
        detail["email"] = mask_email(e).into();
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "customer.create",
            target_kind: "customer",
            target_id: &id,
            transfer_ids: &[],
            detail,
        },
    )
    .await?;
    Ok(id)
}

/// Associates a customer with a partner. Fails when the customer already has an active association.
pub async fn associate(
    c: &mut Conn,
    ctx: &Ctx,
    partner: &partners::Partner,
    customer_id: &str,
    kind: AssociationType,
    label: Option<&str>,
) -> AppResult<()> {
    associate_with(c, ctx, partner, customer_id, kind, label, None).await
}

/// [`associate`], recording the invite link the customer came through.
pub async fn associate_with(
    c: &mut Conn,
    ctx: &Ctx,
    partner: &partners::Partner,
    customer_id: &str,
    kind: AssociationType,
    label: Option<&str>,
    invite_link_id: Option<&str>,
) -> AppResult<()> {
    let id = format!("as{}", random_hex(12));
    // `DO NOTHING` rather than catching the unique violation (which aborts a PostgreSQL
    // transaction): a concurrent association of the same customer (the same invite submitted
    // twice) waits here for the other transaction, and the refusal can then say with whom the
    // account is associated: this partner is `PC.3101`, not "another partner" `PC.3102`.
    let inserted = sql::query(
        "INSERT INTO associations (id, root_id, partner_id, customer_id, association_type, label, associated_at, invite_link_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(&partner.root_id)
    .bind(&partner.id)
    .bind(customer_id)
    .bind(kind.code())
    .bind(label.map(str::to_string))
    .bind(ctx.now_ms)
    .bind(invite_link_id.map(str::to_string))
    .execute(&mut *c)
    .await?
    .rows_affected();
    if inserted == 0 {
        let current: Option<String> = sql::query_scalar(
            "SELECT partner_id FROM associations WHERE customer_id = $1 AND ended_at IS NULL",
        )
        .bind(customer_id)
        .fetch_optional(&mut *c)
        .await?;
        let code = if current.as_deref() == Some(partner.id.as_str()) {
            Code::AlreadyAssociatedHere
        } else {
            Code::AlreadyAssociated
        };
        return Err(AppError::new(code));
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "association.create",
            target_kind: "customer",
            target_id: customer_id,
            transfer_ids: &[],
            detail: serde_json::json!({"partner_id": partner.id, "association_type": kind.code(), "label": label, "invite_link_id": invite_link_id}),
        },
    )
    .await
}

/// What `admin create-customer --json` prints. It holds the login's password and the key's secret,
/// shown once: no adapter sends an idempotency key for this use case, so [`Db::run`] never keeps it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CreatedCustomer {
    pub customer_id: String,
    pub domain_id: String,
    pub domain_name: String,
    pub login: String,
    pub password: String,
    pub access_key: String,
    pub secret_key: String,
}

pub struct NewCustomer {
    pub partner_id: String,
    pub association: AssociationType,
    pub domain_name: Option<String>,
    pub real_name: Option<String>,
    pub label: Option<String>,
    pub password: Option<String>,
}

/// An operator (or the command line) creates a customer associated with a partner, with a console
/// login and an access key. `mk` seals the key's secret.
pub async fn create_associated(
    db: &Db,
    ctx: Ctx,
    mk: MasterKey,
    input: NewCustomer,
) -> AppResult<CreatedCustomer> {
    ctx.actor.require_operator()?;
    let domain_name = input
        .domain_name
        .unwrap_or_else(|| format!("cust-{}", random_hex(4)));
    validate_domain_name(&domain_name)?;
    let password = input.password.unwrap_or_else(crypto::random_password);
    identity::validate_password(&password)?;
    let hash = crypto::hash_password(&password)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let partner = partners::get(&mut *c, &input.partner_id)
                .await?
                .ok_or_else(|| {
                    AppError::invalid_tr(
                        format!("partner {} does not exist", input.partner_id),
                        format!("合作伙伴 {} 不存在。", input.partner_id),
                    )
                })?;
            let id = insert_customer(
                c,
                &ctx,
                &domain_name,
                input.real_name.as_deref(),
                NewContact::default(),
                None,
            )
            .await?;
            associate(
                c,
                &ctx,
                &partner,
                &id,
                input.association,
                input.label.as_deref(),
            )
            .await?;
            identity::insert_user(
                c,
                &ctx,
                &domain_name,
                &hash,
                Role::Customer,
                None,
                Some(&id),
            )
            .await?;
            let key = identity::insert_access_key(
                c,
                &ctx,
                &mk,
                &KeyOwner::Customer {
                    customer_id: id.clone(),
                },
                None,
                "initial key",
            )
            .await?;
            Ok(CreatedCustomer {
                customer_id: id.clone(),
                domain_id: id,
                domain_name: domain_name.clone(),
                login: domain_name,
                password,
                access_key: key.access_key,
                secret_key: key.secret_key,
            })
        })
    })
    .await
}

/// The vendor's account-name rule: 5–32 characters of `[a-zA-Z0-9_-]`, starting with a letter,
/// `_` or `-`; not starting with `op_` or `shadow_`; not all digits.
pub fn validate_domain_name(s: &str) -> AppResult<()> {
    let first_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '-');
    let ok = (5..=32).contains(&s.len())
        && first_ok
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !s.starts_with("op_")
        && !s.starts_with("shadow_");
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid_tr(
            "an account name has 5 to 32 letters, digits, _ or -, starts with a letter, _ or -, and does not start with op_ or shadow_",
            "账号名为 5 到 32 个字母、数字、_ 或 -，以字母、_ 或 - 开头，且不以 op_ 或 shadow_ 开头。",
        ))
    }
}

/// Invariants for `verify`: every association carries its partner's root, and the per-partner
/// customer counts the triggers of migration 0013 keep match the active associations.
pub async fn verify(pool: &ReadPool) -> AppResult<Vec<String>> {
    let mut v = Vec::new();
    let bad_assoc: Vec<String> = sql::query_scalar(&format!(
        "SELECT a.id FROM associations a WHERE a.root_id <> {}",
        partners::fact_sql(partners::Fact::Root, "a.partner_id")
    ))
    .fetch_all(pool)
    .await?;
    v.extend(
        bad_assoc
            .into_iter()
            .map(|id| format!("association {id}: root_id differs from its partner's")),
    );
    // Every partner with a kept count or an active association; one without either has 0 of both.
    let drift: Vec<(String, i64, i64)> = sql::query_as(
        "SELECT k.partner_id, COALESCE(k.active, 0), \
         (SELECT COUNT(*) FROM associations a WHERE a.partner_id = k.partner_id AND a.ended_at IS NULL) \
         FROM partner_customer_counts k \
         UNION ALL \
         SELECT a.partner_id, 0, COUNT(*) FROM associations a WHERE a.ended_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM partner_customer_counts k WHERE k.partner_id = a.partner_id) \
         GROUP BY a.partner_id",
    )
    .fetch_all(pool)
    .await?;
    v.extend(
        drift
            .into_iter()
            .filter(|(_, kept, real)| kept != real)
            .map(|(id, kept, real)| {
                format!("partner {id}: customer count {kept} but {real} active associations")
            }),
    );
    Ok(v)
}

/// A customer's contact details; an empty value clears one.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    /// The customer: an operator or the command line names it; a customer's own is `None` (or
    /// its own id).
    pub customer_id: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// Sets a customer's contact details (mobile number, e-mail), as the customer's own profile
/// holds them. Operators, the command line (demo data) and the customer itself may.
pub async fn set_contact(db: &Db, ctx: Ctx, contact: Contact) -> AppResult<()> {
    use crate::context::Actor;
    let named = contact.customer_id.filter(|c| !c.is_empty());
    let customer_id = match (&ctx.actor, named) {
        (Actor::Operator { .. } | Actor::System { .. }, Some(id)) => id,
        (Actor::Operator { .. } | Actor::System { .. }, None) => {
            return Err(AppError::invalid_tr(
                "name the customer",
                "请填写客户名称。",
            ))
        }
        (
            Actor::Customer {
                customer_id: me, ..
            },
            named,
        ) if named.as_ref().is_none_or(|id| id == me) => me.clone(),
        _ => return Err(AppError::new(Code::AccessDenied)),
    };
    let mobile = contact.mobile.filter(|m| !m.is_empty());
    let email = contact.email.filter(|e| !e.is_empty());
    if let Some(m) = &mobile {
        if !(5..=20).contains(&m.len()) || !m.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::invalid_tr(
                "a mobile number has 5 to 20 digits",
                "手机号为 5 到 20 位数字。",
            ));
        }
    }
    if let Some(e) = &email {
        let ok = e.len() <= 100
            && e.split_once('@')
                .is_some_and(|(u, d)| !u.is_empty() && d.contains('.') && !d.contains('@'));
        if !ok || e.chars().any(char::is_whitespace) {
            return Err(AppError::invalid_tr(
                "an e-mail address looks like name@example.com",
                "邮箱地址格式如 name@example.com。",
            ));
        }
    }
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let n = sql::query(
                "UPDATE customers SET mobile = $1, country_code = $2, email = $3 WHERE id = $4",
            )
            .bind(mobile.clone())
            .bind(mobile.as_ref().map(|_| "0086".to_string()))
            .bind(email.clone())
            .bind(&customer_id)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(AppError::with_tr(Code::NotFound, format!("customer {customer_id}"), format!("客户 {customer_id}")));
            }
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "customer.set_contact",
                    target_kind: "customer",
                    target_id: &customer_id,
                    transfer_ids: &[],
                    detail: serde_json::json!({"mobile": mobile.is_some(), "email": email.is_some()}),
                },
            )
            .await
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_masked_for_the_audit_log() {
        assert_eq!(mask_mobile("13812345678"), "138****5678");
        assert_eq!(mask_mobile("1234567"), "*******");
        assert_eq!(mask_email("ana@example.com"), "a***@example.com");
        assert_eq!(mask_email("张@例子.中国"), "张***@例子.中国");
        assert_eq!(mask_email("nobody"), "***");
    }

    #[test]
    fn domain_name_rule() {
        assert!(validate_domain_name("abc_de").is_ok());
        assert!(validate_domain_name("-abcde").is_ok());
        assert!(validate_domain_name("12345").is_err());
        assert!(validate_domain_name("op_abcde").is_err());
        assert!(validate_domain_name("abc").is_err());
        assert!(validate_domain_name("abc def").is_err());
    }
}
