//! Associating customers with partners: the refusal rules applied to real accounts
//! (`pc_domain::association`), the vendor API's `create_sub_customer` (the vendor's API reference),
//! `check_user_identity` (§2.2) and `send_verification_message_code` (§2.39).

use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::association::{self as rules, CurrentPartner, Inviter, Prospect};
use pc_domain::ids::random_hex;
use pc_domain::party::{AssociationType, PartnerType, Role};
use pc_domain::verification::{self as codes, Scene};

use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::crypto;
use crate::error::{AppError, AppResult, Code};
use crate::services::customers::{self, validate_domain_name};
use crate::services::{customers::email, customers::verification, identity, partners};
use crate::store::Db;

/// `partners.status` of a partner that may not develop customers.
pub const STATUS_RESTRICTED: &str = "restricted";
pub const STATUS_ACTIVE: &str = "active";

/// The partner-side facts of the rules.
pub async fn inviter_facts(c: &mut Conn, p: &partners::Partner) -> AppResult<Inviter> {
    let distributor_restricted = match &p.parent_id {
        Some(parent) => partners::get(&mut *c, parent)
            .await?
            .is_some_and(|d| d.status == STATUS_RESTRICTED),
        None => false,
    };
    Ok(Inviter {
        partner_type: p.partner_type,
        restricted: p.status == STATUS_RESTRICTED,
        distributor_restricted,
    })
}

/// Whether a mobile number is a partner's contact number (R10.3).
pub async fn mobile_is_partner(c: &mut Conn, mobile: &str) -> AppResult<bool> {
    partners::contact_mobile_in_use(c, mobile).await
}

/// How many customer accounts a mobile number has registered.
pub async fn accounts_of_mobile(c: &mut Conn, mobile: &str) -> AppResult<i64> {
    Ok(
        sql::query_scalar("SELECT COUNT(*) FROM customers WHERE mobile = $1")
            .bind(mobile)
            .fetch_one(&mut *c)
            .await?,
    )
}

/// Whether a name is free as both a customer account name and a console login.
pub async fn name_taken(c: &mut Conn, name: &str) -> AppResult<bool> {
    let n: i64 = sql::query_scalar(&format!(
        "SELECT (SELECT COUNT(*) FROM customers WHERE domain_name = $1) + {}",
        identity::login_uses_sql("$1")
    ))
    .bind(name)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

fn name_taken_error(name: &str) -> AppError {
    AppError::with_tr(
        Code::LoginNameExists,
        format!("The account name {name:?} is taken; choose another."),
        format!("账号名 {name:?} 已被使用，请更换。"),
    )
}

/// Applies every rule to a new account (no customer yet) about to associate with `p`: the
/// partner's side, then the mobile number (a partner's number, R10.3; too many accounts).
pub async fn check_new_account(
    c: &mut Conn,
    p: &partners::Partner,
    mobile: Option<&str>,
    kind: AssociationType,
) -> AppResult<()> {
    let inviter = inviter_facts(c, p).await?;
    rules::check_inviter(&inviter, kind)?;
    if let Some(m) = mobile {
        let is_partner = mobile_is_partner(c, m).await?;
        rules::check(&inviter, &Prospect::new_account(is_partner), kind)?;
        if accounts_of_mobile(c, m).await? >= rules::MAX_ACCOUNTS_PER_MOBILE {
            return Err(AppError::new(Code::MobileAccountLimit));
        }
    }
    Ok(())
}

/// Applies every rule to an existing customer account about to associate with `p`.
pub async fn check_existing_customer(
    c: &mut Conn,
    p: &partners::Partner,
    customer_id: &str,
    kind: AssociationType,
) -> AppResult<()> {
    let inviter = inviter_facts(c, p).await?;
    let row = sql::query(
        "SELECT c.in_arrears, c.mobile, a.partner_id FROM customers c \
         LEFT JOIN associations a ON a.customer_id = c.id AND a.ended_at IS NULL WHERE c.id = $1",
    )
    .bind(customer_id)
    .fetch_optional(&mut *c)
    .await?
    .ok_or_else(|| AppError::new(Code::NotCustomerAccount))?;
    let in_arrears: i64 = row.get(0);
    let mobile: Option<String> = row.get(1);
    let current: Option<String> = row.get(2);
    let is_partner = match mobile.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => mobile_is_partner(c, m).await?,
        None => false,
    };
    let prospect = Prospect {
        current: match current {
            None => CurrentPartner::None,
            Some(pid) if pid == p.id => CurrentPartner::Same,
            Some(_) => CurrentPartner::Other,
        },
        is_partner,
        in_arrears: in_arrears != 0,
    };
    rules::check(&inviter, &prospect, kind)?;
    Ok(())
}

/// Whether an error is one of the association refusals (recorded for the partner to see).
pub fn is_refusal(code: Code) -> bool {
    matches!(
        code,
        Code::AlreadyAssociatedHere
            | Code::AlreadyAssociated
            | Code::CustomerIsPartner
            | Code::CustomerInArrears
            | Code::PartnerRestricted
            | Code::DistributorRestricted
            | Code::AssociationTypeMismatch
            | Code::MobileAccountLimit
            | Code::NotCustomerAccount
    )
}

// ---------------------------------------------------------------------------------------------
// create_sub_customer

/// `CreateCustomerV2Req`, as received.
#[derive(Debug, Clone, Default)]
pub struct SubCustomerRequest {
    pub domain_name: Option<String>,
    pub mobile_phone: Option<String>,
    pub verification_code: Option<String>,
    pub xaccount_id: String,
    pub xaccount_type: String,
    pub password: Option<String>,
    pub cooperation_type: Option<String>,
    pub indirect_partner_id: Option<String>,
    /// The international SDK's: the customer's e-mail address (verified by an e-mail code when
    /// no mobile number is given) and country or region.
    pub email: Option<String>,
    pub domain_area: Option<String>,
}

/// A request checked for shape, with its password hashed (slow: done before the write).
#[derive(Debug, Clone)]
struct PreparedSubCustomer {
    pub domain_name: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub code: Option<String>,
    pub xaccount_id: String,
    pub xaccount_type: String,
    pub password_hash: String,
    pub kind: AssociationType,
    pub indirect_partner_id: Option<String>,
}

/// Who a code sent through a partner's platform was requested by (and who must spend it).
fn code_requester(partner_id: &str) -> String {
    format!("partner:{partner_id}")
}

/// The hash stored for an account created without a password: it never verifies, so the account
/// cannot log in directly (the vendor's "no password: SSO from the partner's platform only").
pub const NO_PASSWORD: &str = "!";

/// A generated account name: 32 characters (the vendor's "random 32-character string"), starting
/// with a letter as the name rule requires.
pub fn generated_domain_name() -> String {
    format!("c{}", &random_hex(16)[..31])
}

/// Checks the request's fields (CBC.0100 naming the field; the vendor's own codes for a bad login
/// name, mobile number or password) and hashes the password.
async fn prepare_sub_customer(r: SubCustomerRequest) -> AppResult<PreparedSubCustomer> {
    let xaccount_id = r.xaccount_id.trim().to_string();
    if xaccount_id.is_empty() || xaccount_id.chars().count() > 128 {
        return Err(AppError::invalid_tr(
            "xaccount_id must have 1 to 128 characters",
            "xaccount_id 须为 1 到 128 个字符。",
        ));
    }
    if r.xaccount_type.is_empty() || r.xaccount_type.chars().count() > 64 {
        return Err(AppError::invalid_tr(
            "xaccount_type must have 1 to 64 characters",
            "xaccount_type 须为 1 到 64 个字符。",
        ));
    }
    let domain_name = match r.domain_name.filter(|d| !d.is_empty()) {
        Some(d) => {
            validate_domain_name(&d).map_err(|e| e.recode(Code::LoginNameInvalid))?;
            d
        }
        None => generated_domain_name(),
    };
    let mobile = match r.mobile_phone.filter(|m| !m.is_empty()) {
        Some(m) => Some(rules::parse_cn_mobile(&m).ok_or_else(|| {
            AppError::with_tr(
                Code::MobileInvalid,
                "mobile_phone must be a Chinese mobile number such as 13800000000",
                "mobile_phone 须为中国大陆手机号，例如 13800000000。",
            )
        })?),
        None => None,
    };
    let email = match r.email.filter(|e| !e.is_empty()) {
        Some(e) => Some(email::parse_email("email", &e)?),
        None => None,
    };
    if let Some(area) = r.domain_area.as_deref() {
        email::parse_domain_area(area)?;
    }
    // The code verifies the mobile number, or without one the e-mail address.
    let code = match (mobile.is_some() || email.is_some(), r.verification_code) {
        (true, None) => {
            return Err(AppError::invalid_tr(
                "verification_code is required with mobile_phone or email (send_verification_message_code sends one)",
                "填写 mobile_phone 或 email 时须填写 verification_code（由 send_verification_message_code 发送）。",
            ))
        }
        (true, Some(c)) if c.trim().is_empty() => {
            return Err(AppError::invalid_tr(
                "verification_code must not be empty",
                "verification_code 不能为空。",
            ))
        }
        (true, Some(c)) => Some(c),
        (false, _) => None,
    };
    let kind = match r.cooperation_type.as_deref() {
        Some("1") => AssociationType::Consulting,
        _ => AssociationType::Resale,
    };
    let password_hash = match r.password {
        None => NO_PASSWORD.to_string(),
        Some(pw) => {
            identity::validate_password(&pw).map_err(|e| e.recode(Code::PasswordInvalid))?;
            if let Some((en, zh)) = rules::password_conflict(&pw, &domain_name, mobile.as_deref()) {
                return Err(AppError::with_tr(Code::PasswordInvalid, en, zh));
            }
            if email
                .as_deref()
                .is_some_and(|e| pw.to_ascii_lowercase().contains(e))
            {
                return Err(AppError::with_tr(
                    Code::PasswordInvalid,
                    "The password must not contain the e-mail address.",
                    "密码不能包含邮箱地址。",
                ));
            }
            tokio::task::spawn_blocking(move || crypto::hash_password(&pw))
                .await
                .map_err(AppError::internal)??
        }
    };
    Ok(PreparedSubCustomer {
        domain_name,
        mobile,
        email,
        code,
        xaccount_id,
        xaccount_type: r.xaccount_type,
        password_hash,
        kind,
        indirect_partner_id: r.indirect_partner_id.filter(|s| !s.is_empty()),
    })
}

/// An account: the new one, or the one a platform user already has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubCustomerCreated {
    pub domain_id: String,
    pub domain_name: String,
}

/// What `create_sub_customer` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubCustomerOutcome {
    /// A new account, associated.
    Created(SubCustomerCreated),
    /// This `xaccount_id` already had an account under the partner's platform: the vendor API
    /// refuses it with `CBC.99000039` (its table: "xaccountId重复") and names that account in the
    /// error body, so a platform retrying after a lost response learns the account it created.
    Existing(SubCustomerCreated),
}

/// A partner creates a customer account mapped to its platform's user and associates it (with
/// itself, or as a master distributor with one of its resellers).
///
/// Decisions: only master distributors and solution providers may call it (the vendor's
/// constraint; cloud resellers have no capability opening, the vendor's help pages). The association is
/// made at once, in the same transaction (the vendor associates asynchronously, so
/// `include_association_result` changes nothing here); a refused association therefore creates no
/// account at all. A duplicate `xaccount_id` (also when a concurrent create of the same user
/// surfaces as a taken name) is [`SubCustomerOutcome::Existing`] when the account is the
/// partner's platform's. A wrong SMS code counts against the code (five void it).
pub async fn create_sub_customer(
    db: &Db,
    ctx: Ctx,
    r: SubCustomerRequest,
) -> AppResult<SubCustomerOutcome> {
    let caller_id = ctx.actor.partner_id()?.to_string();
    let xaccount_id = r.xaccount_id.clone();
    let prepared = prepare_sub_customer(r).await?;
    let receiver = prepared.mobile.clone().or_else(|| prepared.email.clone());
    let (ctx2, caller) = (ctx.clone(), caller_id.clone());
    let result = db
        .run(ctx, move |c, ctx| {
            Box::pin(async move { create_sub_customer_in(c, &ctx, &caller, &prepared).await })
        })
        .await;
    let e = match result {
        Ok(created) => return Ok(SubCustomerOutcome::Created(created)),
        Err(e) => e,
    };
    match e.code {
        Code::XaccountDuplicate | Code::LoginNameExists | Code::AlreadyExists => {
            if let Some(existing) =
                existing_for_xaccount(db.read(), &caller_id, &xaccount_id).await?
            {
                return Ok(SubCustomerOutcome::Existing(existing));
            }
        }
        Code::VerificationCodeWrong => {
            if let Some(m) = receiver {
                verification::record_wrong_attempt(
                    db,
                    ctx2,
                    m,
                    Scene::Registration,
                    code_requester(&caller_id),
                )
                .await;
            }
        }
        _ => {}
    }
    // The vendor's codes for this operation: a name taken in a race with another create (the
    // login's unique index), a mobile number that is a partner's (already an account's).
    Err(match e.code {
        Code::AlreadyExists => e.recode(Code::LoginNameExists),
        Code::CustomerIsPartner => AppError::with_tr(
            Code::MobileExists,
            "The mobile number belongs to a partner's account.",
            "该手机号属于合作伙伴账号。",
        ),
        _ => e,
    })
}

/// [`create_sub_customer`]'s writes, inside its transaction.
async fn create_sub_customer_in(
    c: &mut Conn,
    ctx: &Ctx,
    caller_id: &str,
    r: &PreparedSubCustomer,
) -> AppResult<SubCustomerCreated> {
    let caller = partners::get(&mut *c, caller_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    if !matches!(
        caller.partner_type,
        PartnerType::Distributor | PartnerType::Solution
    ) {
        return Err(AppError::with_tr(
            Code::AccessDenied,
            "Only master distributors and solution providers may create customers through the API.",
            "只有总经销商和解决方案提供商可以通过接口创建客户。",
        ));
    }
    if r.xaccount_type != caller.xaccount_type {
        return Err(AppError::invalid_tr(
            "xaccount_type must be your platform identifier, shown on your console home page",
            "xaccount_type 须为贵方平台标识（见控制台首页）。",
        ));
    }
    let dup: i64 = sql::query_scalar(
        "SELECT COUNT(*) FROM customers WHERE xaccount_type = $1 AND xaccount_id = $2",
    )
    .bind(&r.xaccount_type)
    .bind(&r.xaccount_id)
    .fetch_one(&mut *c)
    .await?;
    if dup > 0 {
        return Err(AppError::new(Code::XaccountDuplicate));
    }
    let owner = match &r.indirect_partner_id {
        Some(reseller) => {
            if caller.partner_type != PartnerType::Distributor {
                return Err(AppError::new(Code::NoResellerPermission));
            }
            partners::ensure_child(&mut *c, &caller.id, reseller).await?
        }
        None => caller.clone(),
    };
    check_new_account(c, &owner, r.mobile.as_deref(), r.kind).await?;
    if name_taken(c, &r.domain_name).await? {
        return Err(name_taken_error(&r.domain_name));
    }
    if let Some(e) = &r.email {
        email::ensure_email_free(c, e).await?;
    }
    if let (Some(m), Some(code)) = (r.mobile.as_ref().or(r.email.as_ref()), &r.code) {
        verification::consume(
            c,
            ctx,
            m,
            Scene::Registration,
            &code_requester(caller_id),
            code,
        )
        .await?;
    }
    let id = customers::insert_customer(
        c,
        ctx,
        &r.domain_name,
        None,
        customers::NewContact {
            mobile: r.mobile.as_deref(),
            email: r.email.as_deref(),
        },
        Some((&r.xaccount_id, &r.xaccount_type)),
    )
    .await?;
    customers::associate(c, ctx, &owner, &id, r.kind, None).await?;
    identity::insert_user(
        c,
        ctx,
        &r.domain_name,
        &r.password_hash,
        Role::Customer,
        None,
        Some(&id),
    )
    .await?;
    Ok(SubCustomerCreated {
        domain_id: id,
        domain_name: r.domain_name.clone(),
    })
}

/// The account already mapped to this partner-platform user, looked up under the calling
/// partner's own platform identifier (never the request's), so it can only name the caller's.
async fn existing_for_xaccount(
    pool: &ReadPool,
    caller_id: &str,
    xaccount_id: &str,
) -> AppResult<Option<SubCustomerCreated>> {
    let row = sql::query(&format!(
        "SELECT c.id, c.domain_name FROM customers c WHERE c.xaccount_type = {} AND c.xaccount_id = $2",
        partners::fact_sql(partners::Fact::XaccountType, "$1")
    ))
    .bind(caller_id)
    .bind(xaccount_id.trim())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| SubCustomerCreated {
        domain_id: r.get(0),
        domain_name: r.get(1),
    }))
}

// ---------------------------------------------------------------------------------------------
// check_user_identity

/// The answer of `check_user_identity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCheck {
    pub available: bool,
    /// For `mobile` only: how many more accounts the number may register.
    pub mobile_remaining: Option<i64>,
}

/// Whether a login name, mobile number (`0086-13800000000`) or e-mail address can still register.
/// A partner's contact number cannot register customers at all (R10.3).
/// Partners only (`CBC.0155` for anyone else).
pub async fn check_user_identity(
    db: &Db,
    ctx: &Ctx,
    search_type: &str,
    search_value: &str,
) -> AppResult<IdentityCheck> {
    ctx.actor.partner_id()?;
    if search_value.is_empty() || search_value.chars().count() > 64 {
        return Err(AppError::invalid_tr(
            "search_value must have 1 to 64 characters",
            "search_value 须为 1 到 64 个字符。",
        ));
    }
    let mut c = db.read().acquire().await?;
    match search_type {
        "name" => {
            let first_ok = search_value
                .chars()
                .next()
                .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '-');
            if !first_ok || validate_domain_name(search_value).is_err() {
                return Err(AppError::invalid_tr(
                    "a login name has 5 to 32 letters, digits, _ or -, starts with a letter or -, and does not start with op_ or shadow_",
                    "登录名为 5 到 32 个字母、数字、_ 或 -，以字母或 - 开头，且不以 op_ 或 shadow_ 开头。",
                ));
            }
            Ok(IdentityCheck {
                available: !name_taken(&mut c, search_value).await?,
                mobile_remaining: None,
            })
        }
        "mobile" => {
            let national = search_value
                .strip_prefix("0086-")
                .and_then(rules::parse_cn_mobile)
                .ok_or_else(|| {
                    AppError::invalid_tr(
                        "a mobile number is 0086- followed by a Chinese mobile number, e.g. 0086-13800000000",
                        "手机号格式为 0086- 加中国大陆手机号，例如 0086-13800000000。",
                    )
                })?;
            let remaining = if mobile_is_partner(&mut c, &national).await? {
                0
            } else {
                (rules::MAX_ACCOUNTS_PER_MOBILE - accounts_of_mobile(&mut c, &national).await?)
                    .max(0)
            };
            Ok(IdentityCheck {
                available: remaining > 0,
                mobile_remaining: Some(remaining),
            })
        }
        "email" => {
            if !email::valid_email(search_value) {
                return Err(AppError::invalid_tr(
                    "search_value must be a full e-mail address",
                    "search_value 须为完整的电子邮箱地址。",
                ));
            }
            let n = email::email_uses(&mut c, search_value).await?;
            Ok(IdentityCheck {
                available: n == 0,
                mobile_remaining: None,
            })
        }
        _ => Err(AppError::invalid_tr(
            "search_type must be email, mobile or name",
            "search_type 须为 email、mobile 或 name。",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// send_verification_message_code

/// `SendVerificationCodeV2Req`, as received.
#[derive(Debug, Clone, Default)]
pub struct CodeSendRequest {
    /// 1: SMS to `mobile_phone`; 2: e-mail to `email` (the international SDK's).
    pub receiver_type: i64,
    pub timeout: Option<i64>,
    pub mobile_phone: Option<String>,
    pub email: Option<String>,
    pub lang: Option<String>,
    pub scene: Option<i64>,
    pub customer_id: Option<String>,
}

/// The acting partner sends a verification code for its platform (the vendor's API reference). Scene 18
/// (bank-card real-name certification) needs `customer_id`, which must be one of its customers.
pub async fn send_code_for_partner(db: &Db, ctx: Ctx, r: CodeSendRequest) -> AppResult<()> {
    let partner_id = ctx.actor.partner_id()?.to_string();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { send_code_in(c, &ctx, &partner_id, &r).await })
    })
    .await
}

/// [`send_code_for_partner`]'s checks and writes, inside its transaction.
async fn send_code_in(
    c: &mut Conn,
    ctx: &Ctx,
    partner_id: &str,
    r: &CodeSendRequest,
) -> AppResult<()> {
    // The receiver: a mobile number, or an e-mail address (verification codes keep either).
    let address = match r.receiver_type {
        1 => rules::parse_cn_mobile(r.mobile_phone.as_deref().unwrap_or_default()).ok_or_else(
            || {
                AppError::invalid_tr(
                    "mobile_phone must be a Chinese mobile number such as 13800000000",
                    "mobile_phone 须为中国大陆手机号，例如 13800000000。",
                )
            },
        )?,
        2 => email::parse_email("email", r.email.as_deref().unwrap_or_default())?,
        _ => {
            return Err(AppError::invalid_tr(
                "receiver_type must be 1 (SMS) or 2 (e-mail)",
                "receiver_type 须为 1（短信）或 2（邮件）。",
            ))
        }
    };
    let ttl = codes::ttl_minutes(r.timeout)
        .map_err(|e| AppError::invalid_tr(e, "timeout 至少为 1 分钟。"))?;
    let english = match r.lang.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("zh-cn") => false,
        Some("en-us") => true,
        Some(_) => {
            return Err(AppError::invalid_tr(
                "lang must be zh-cn or en-us",
                "lang 须为 zh-cn 或 en-us。",
            ))
        }
    };
    let scene = Scene::from_wire(r.scene)
        .ok_or_else(|| AppError::invalid_tr("scene must be 29 or 18", "scene 须为 29 或 18。"))?;
    if scene == Scene::BankCardRealName {
        let cid = r
            .customer_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                AppError::invalid_tr(
                    "customer_id is required when scene is 18",
                    "scene 为 18 时须填写 customer_id。",
                )
            })?;
        let mine: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM associations WHERE customer_id = $1 AND partner_id = $2 AND ended_at IS NULL",
        )
        .bind(cid)
        .bind(partner_id)
        .fetch_one(&mut *c)
        .await?;
        if mine == 0 {
            return Err(AppError::new(Code::NotSubCustomer));
        }
    }
    let root = partners::get(&mut *c, partner_id).await?.map(|p| p.root_id);
    verification::send(
        c,
        ctx,
        &verification::CodeRequest {
            address,
            scene,
            ttl_minutes: ttl,
            english,
            requested_by: code_requester(partner_id),
            root_id: root,
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// The association in effect, for the capabilities whose rules depend on it (funds, coupons,
// top-ups, pricing): they ask here instead of reading `associations` themselves.

/// A customer's association in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub id: String,
    pub partner_id: String,
    /// The partner's tenant root.
    pub root_id: String,
    pub association_type: AssociationType,
}

/// The customer's association in effect, if any.
pub async fn current<'e>(
    exec: impl Into<sql::Exec<'e>>,
    customer_id: &str,
) -> AppResult<Option<Current>> {
    let row = sql::query(
        "SELECT id, partner_id, root_id, association_type FROM associations \
         WHERE customer_id = $1 AND ended_at IS NULL",
    )
    .bind(customer_id)
    .fetch_optional(exec)
    .await?;
    row.map(|r| {
        Ok(Current {
            id: r.get(0),
            partner_id: r.get(1),
            root_id: r.get(2),
            association_type: AssociationType::from_code(r.get(3))
                .ok_or_else(|| AppError::internal("an association of an unknown type"))?,
        })
    })
    .transpose()
}

/// How the customer is associated with `partner_id` now; `None` when it is not.
pub async fn type_with<'e>(
    exec: impl Into<sql::Exec<'e>>,
    partner_id: &str,
    customer_id: &str,
) -> AppResult<Option<AssociationType>> {
    let t: Option<i64> = sql::query_scalar(
        "SELECT association_type FROM associations WHERE partner_id = $1 AND customer_id = $2 AND ended_at IS NULL",
    )
    .bind(partner_id)
    .bind(customer_id)
    .fetch_optional(exec)
    .await?;
    Ok(t.and_then(AssociationType::from_code))
}

/// [`type_with`], and whether the customer is in arrears, in the same query (an allocation
/// repays arrears only when there are some, without a statement of its own on its hot path).
pub async fn type_and_arrears_with(
    c: &mut Conn,
    partner_id: &str,
    customer_id: &str,
) -> AppResult<Option<(AssociationType, bool)>> {
    let row: Option<(i64, i64)> = sql::query_as(
        "SELECT a.association_type, c.in_arrears FROM associations a JOIN customers c ON c.id = a.customer_id \
         WHERE a.partner_id = $1 AND a.customer_id = $2 AND a.ended_at IS NULL",
    )
    .bind(partner_id)
    .bind(customer_id)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.and_then(|(t, a)| AssociationType::from_code(t).map(|t| (t, a != 0))))
}

/// Marks a customer in arrears or not (`funds::arrears` keeps it true exactly while the customer
/// owes; the association rule R10.9 reads it).
pub async fn set_in_arrears(c: &mut Conn, customer_id: &str, owes: bool) -> AppResult<()> {
    sql::query("UPDATE customers SET in_arrears = $1 WHERE id = $2")
        .bind(owes as i64)
        .bind(customer_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Marks customers in arrears, in one statement whatever their number (a batch of usage).
pub async fn mark_in_arrears(c: &mut Conn, customer_ids: &[&str]) -> AppResult<()> {
    let mut rows = crate::store::bulk::Rows::new(1);
    for id in customer_ids {
        rows.push(*id);
    }
    crate::store::bulk::defer(
        c,
        "UPDATE customers SET in_arrears = 1 WHERE id IN ({list})",
        rows,
    )
    .await?;
    Ok(())
}

/// Has the customer had an association that has since ended (with any partner)?
pub async fn ended_before<'e>(
    exec: impl Into<sql::Exec<'e>>,
    customer_id: &str,
) -> AppResult<bool> {
    let n: Option<i64> = sql::query_scalar(
        "SELECT 1 FROM associations WHERE customer_id = $1 AND ended_at IS NOT NULL LIMIT 1",
    )
    .bind(customer_id)
    .fetch_optional(exec)
    .await?;
    Ok(n.is_some())
}
