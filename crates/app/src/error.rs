//! The one error type of the application layer, and the one table that maps every error to an
//! HTTP status, a vendor code and a message in both languages (docs/ARCHITECTURE.md, Conventions).
//!
//! Vendor `CBC.*` / `APIGW.*` codes are used where the vendor has one (its documented error codes); `PC.*` codes are ours. Adapters render an [`AppError`] exactly once: the
//! vendor API and native API as `{"error_code","error_msg"}`, the console as a flash message.

use std::fmt;

macro_rules! codes {
    ($( $(#[$m:meta])* $name:ident => ($status:expr, $code:literal, $en:literal, $zh:literal), )*) => {
        /// Every error a client can see.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code { $( $(#[$m])* $name, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $(Code::$name,)* ];
            pub fn status(self) -> u16 { match self { $(Code::$name => $status,)* } }
            pub fn vendor_code(self) -> &'static str { match self { $(Code::$name => $code,)* } }
            pub fn message_en(self) -> &'static str { match self { $(Code::$name => $en,)* } }
            pub fn message_zh(self) -> &'static str { match self { $(Code::$name => $zh,)* } }
        }
    };
}

codes! {
    InvalidParameter => (400, "CBC.0100", "Invalid parameter.", "参数错误。"),
    MalformedBody => (400, "CBC.0100", "The request body is not valid JSON for this operation.", "请求体不是该接口可接受的 JSON。"),
    AuthFailed => (401, "APIGW.0301", "Incorrect IAM authentication information.", "认证信息错误。"),
    SignatureExpired => (401, "APIGW.0303", "Incorrect app authentication information: signature expired.", "认证信息错误：签名已过期。"),
    AccessDenied => (403, "CBC.0151", "Access denied.", "访问拒绝。"),
    NotAllowed => (403, "CBC.0155", "This account may not call this API.", "不允许执行当前请求。"),
    NoSuchApi => (404, "APIGW.0101", "The API does not exist or has not been published.", "API 不存在或未发布。"),
    MethodNotAllowed => (405, "PC.0405", "Method not allowed on this path.", "该路径不支持此请求方法。"),
    PayloadTooLarge => (413, "PC.0413", "The request body is too large.", "请求体过大。"),
    IdempotencyConflict => (409, "PC.0409", "This X-Idempotency-Key was already used with a different request.", "该幂等键已用于另一个不同的请求。"),
    IdempotencyInFlight => (409, "PC.0410", "A request with this X-Idempotency-Key is still being processed; retry later.", "使用该幂等键的请求仍在处理中，请稍后重试。"),
    IdempotencyFormChanged => (409, "PC.0411", "This X-Idempotency-Key was used before a server upgrade changed how responses are kept; check the outcome of the first request instead of retrying it.", "该幂等键在服务升级前已使用，升级后无法重放其响应；请查询首次请求的结果，不要重试。"),
    Throttled => (400, "CBC.0250", "Too many requests; slow down and retry later.", "请求过于频繁，请稍后重试。"),
    NoCustomerPermission => (400, "CBC.99000000", "You have no permission to operate on this customer.", "无对该客户的操作权限。"),
    NotSubCustomer => (400, "CBC.99000035", "The customer is not a sub-customer of this partner.", "非合作伙伴子客户。"),
    NoResellerPermission => (400, "CBC.99000037", "You have no permission to operate on this cloud reseller.", "您没有操作该云经销商的权限。"),
    AssociationTypeNotAllowed => (400, "CBC.5024", "The customer's association type does not allow this operation (resale customers only).", "客户的关联类型不允许调用该接口（仅限代售客户）。"),
    InsufficientBalance => (400, "CBC.99005003", "Insufficient balance.", "余额不足。"),
    // Coupons and coupon quotas (the vendor's help pages).
    QuotaInvalid => (400, "CBC.99000012", "The quota does not exist or its status does not allow this.", "额度不存在或者额度状态不正确。"),
    QuotaInsufficient => (400, "CBC.99000013", "The coupon quota's balance is insufficient.", "优惠券额度不足。"),
    CouponCustomerTypeNotAllowed => (400, "CBC.99000014", "Coupons cannot be issued to customers of this association type (resale customers only).", "该券不能发给该合作类型的客户。"),
    QuotaNotInForce => (400, "CBC.99000017", "The quota is not yet effective or has expired.", "额度未生效或者已过期。"),
    FaceValueBelowMin => (400, "CBC.99000018", "The face value is below the quota's minimum.", "面值小于最小值。"),
    FaceValueAboveMax => (400, "CBC.99000019", "The face value is above the quota's maximum.", "面值大于最大值。"),
    CouponCountExceeded => (400, "CBC.99000020", "The number of coupons exceeds the quota's maximum.", "券数量超过最大限制。"),
    CouponTotalAboveQuota => (400, "CBC.99000021", "The coupons' total face value (face value × customers) exceeds the quota's total value.", "券总面值不允许超过额度总面值。"),
    CouponFirstAssociationOnly => (400, "CBC.99000022", "This quota's coupons can only be issued to customers associated for the first time.", "该券只能发给首次关联的子客户。"),
    CouponLimitsExceedQuota => (400, "CBC.99000023", "The coupon's cloud service or product restriction exceeds the quota's.", "券的云服务/产品限制超出额度限制。"),
    CouponOrderTypesExceedQuota => (400, "CBC.99000024", "The coupon's order-type restriction exceeds the quota's.", "订购类型限制超出额度范围。"),
    CouponSelfIssue => (400, "CBC.99000025", "A partner cannot issue coupons to itself.", "该类伙伴不能给自己发券。"),
    ReclaimConsultingCoupon => (400, "CBC.99000045", "Coupons issued to consulting-sales customers cannot be reclaimed.", "不能回收发给顾问销售子客户的券。"),
    CouponNotReclaimable => (400, "CBC.99000048", "The coupon has expired, been used or already been reclaimed.", "该券已经过期或者已经被回收。"),
    CouponLocked => (400, "PC.0901", "The coupon is locked by a pending order.", "该券已被待支付订单锁定。"),
    // No vendor table names this case: the operator's grant is not a vendor operation.
    QuotaForConsultingPartner => (400, "PC.0902", "A consulting-sales partner cannot issue coupons, so it cannot be granted a coupon quota.", "顾问销售合作伙伴不能发放优惠券，因此不能为其发放优惠券额度。"),
    // Distributor → reseller delegation (the vendor's help pages).
    DelegationActive => (400, "PC.1201", "Your customers' continuous operation is already delegated to your master distributor.", "已委托总经销商持续运营，无需重复委托。"),
    NoActiveDelegation => (400, "PC.1202", "No delegation is in effect.", "当前没有生效中的委托授权。"),
    DelegationConsentRequired => (400, "PC.1203", "Read and agree to the sales-expansion task delegation notice first.", "请先阅读并同意《销售拓展任务委托须知》。"),
    NotOwnDistributor => (400, "PC.1204", "A cloud reseller can delegate only to the master distributor it belongs to.", "云经销商只能委托其所属的总经销商。"),
    ResaleCustomerNoAccount => (400, "CBC.99000049", "A resale customer has no account balance of its own (its balance is its partner's allocation), so it has no income and expense records to query.", "转售子客户无账户余额。"),
    ResaleCustomerNoRecords => (400, "CBC.99000084", "Resale customers cannot query income and expense records.", "代售类客户不能查询收支明细。"),
    // Yearly/monthly orders (the vendor's help pages).
    InvalidOrder => (400, "CBC.30000010", "Invalid order: it does not exist or is not yours.", "无效订单：订单不存在或不属于您。"),
    OrderStatusChanged => (400, "CBC.99003106", "The order status has changed; it cannot be paid.", "订单状态已发生变更，不能支付。"),
    DiscountNotApplicable => (400, "CBC.99003108", "The discount cannot be used for this order.", "折扣不可用于该订单。"),
    PaymentDeadlinePassed => (400, "CBC.99003110", "The payment deadline of the order has passed.", "已过支付截止时间。"),
    CouponUsedOrLocked => (400, "CBC.99003112", "The coupon has already been used or is locked by another order.", "优惠券或储值卡已被使用。"),
    CouponForbidsDiscount => (400, "CBC.99003116", "The coupon's restriction does not allow it to be used together with a discount.", "优惠券限制不能和折扣同时使用。"),
    CouponsNotCombinable => (400, "CBC.99003147", "Vouchers and discount coupons cannot be used together.", "代金券和折扣券不能同时使用。"),
    CouponNotForOrder => (400, "PC.1103", "The coupon cannot be used for this order (not yours, not usable now, or outside its service, product or amount scope).", "该优惠券不可用于此订单（不属于您、当前不可用，或超出其服务、产品或金额范围）。"),
    ResourceNotFound => (400, "CBC.99003012", "The resource ID does not exist or is not yours.", "资源ID不存在。"),
    ResourceInPendingOrder => (400, "CBC.99003100", "The resource is included in an order pending payment.", "资源包含在待支付订单中。"),
    ResourceFrozen => (400, "CBC.99003656", "The resource is frozen.", "资源已冻结。"),
    // Renewal (续订包年/包月资源).
    RenewGone => (400, "CBC.99003016", "The resource has expired and been deleted, or does not exist.", "资源已过期删除或不存在。"),
    RenewNotMain => (400, "CBC.30010036", "The resource is not a main resource: renew its main resource (its sub-resources go with it).", "续费的资源非主资源，不允许续费。"),
    // Auto-renewal (设置/取消包年/包月资源自动续费).
    AutoRenewNotAllowed => (400, "CBC.99003602", "The resource has expired or is frozen: it cannot renew automatically.", "资源已过期或被冻结，不允许自动续费。"),
    AutoRenewCancelled => (400, "CBC.99003605", "Auto-renewal is already cancelled: the resource does not renew automatically.", "自动续费已取消，不可进行当前操作。"),
    NoRenewedPeriod => (400, "CBC.99003128", "The resource has no renewed period that has not started yet; to stop using it, unsubscribe the resource itself (unsubscribe_type 1).", "该资源没有尚未生效的已续费周期；如需停止使用，请退订资源本身（unsubscribe_type 为 1）。"),
    WholeServiceRequired => (400, "CBC.99003185", "Only main resources can be unsubscribed; their sub-resources go with them.", "云服务必须整体操作：只能退订主资源，从资源随主资源一起退订。"),
    // Renewal quotes (`list_renew_rate_on_period`): the vendor answers these per resource, in the
    // `fail_resource_infos` of a 200, except the repeated ids, which refuse the request.
    RenewNotMainResource => (400, "CBC.30050007", "It is not a main resource: its renewal cannot be quoted.", "资源非主资源，不允许续费询价。"),
    RenewPeriodUnavailable => (400, "CBC.30050008", "The resource's product is not sold by this period type.", "资源不存在对应的的周期类型或周期数。"),
    RenewResourceMissing => (400, "CBC.30050009", "The resource does not exist, is not yours, or was unsubscribed or deleted.", "资源已过期删除或不存在。"),
    RenewInPendingOrder => (400, "CBC.30050010", "The resource is included in an order pending payment.", "当前操作的资源中，有资源包含在您的待支付的订单，不能进行当前操作。"),
    RenewNotRenewable => (400, "CBC.30050013", "The product can no longer be renewed (it is no longer sold).", "该产品不支持续费。"),
    RenewQuoteLocked => (400, "CBC.3002", "The resource is locked (frozen): its renewal cannot be quoted.", "资源被锁定。"),
    RenewDuplicateIds => (400, "CBC.30050012", "The resource IDs repeat.", "存在重复的资源ID。"),
    RenewConfigUnsupported => (400, "PC.1107", "A same expiration date for renewed resources (EXPIRE_DATE) is not supported here yet; only the deduction date of auto-renewal (DEDUCTION_DATE) can be set.", "暂不支持设置续费后资源统一到期日（EXPIRE_DATE）；仅可设置自动续费扣款日（DEDUCTION_DATE）。"),
    // Yearly/monthly to pay-per-use (`update_period_to_on_demand` and `_instantly`): the vendor's
    // codes for the cases its table names; answered per resource, in a 200's results.
    ToOnDemandNotSoldByUsage => (400, "CBC.99003609", "This product type cannot change to pay-per-use: it has no pay-per-use price.", "该产品类型不支持转按需。"),
    ToOnDemandGracePeriod => (400, "CBC.99003610", "A resource in its grace or retention period cannot change to pay-per-use; renew it first.", "宽限期、保留期资源不能转按需。"),
    ToOnDemandPackage => (400, "CBC.99003611", "A resource package cannot change to pay-per-use.", "按需套餐包不能设置转按需。"),
    ToOnDemandPendingOrder => (400, "CBC.99003623", "Another transaction of the resource is in progress (an order awaiting payment); it cannot change to pay-per-use.", "存在其他处理中交易不能转按需。"),
    ToOnDemandFrozen => (400, "CBC.99003624", "A frozen resource cannot change to pay-per-use.", "冻结资源不允许设置转按需。"),
    ToOnDemandNotMain => (400, "PC.1120", "Only main resources can change to pay-per-use; their sub-resources go with them.", "只能对主资源设置转按需，从资源随主资源一起转按需。"),
    ToOnDemandNotSetUp => (400, "PC.1121", "The resource is not set to change to pay-per-use at expiry: there is nothing to cancel.", "该资源未设置到期转按需，无需取消。"),
    ResourceDeleted => (400, "CBC.30000067", "The resource was already unsubscribed or deleted.", "资源已退订或已删除。"),
    NotRefundOrder => (400, "CBC.99005026", "The order is not an unsubscribe or downgrade order.", "该订单不是退订或降配订单。"),
    OrderNotCancellable => (400, "CBC.99005010", "The order status does not allow cancellation.", "订单状态不允许取消。"),
    ChangeNotPossible => (400, "PC.1106", "This spec change is not possible.", "无法进行该规格变更。"),
    FeeNotConfirmed => (400, "PC.1104", "Tick the box to confirm that this unsubscription charges a handling fee.", "请勾选“我已确认本次退订将收取手续费”。"),
    // The price-query tables (查询包年/包月产品价格, 查询按需产品价格): "产品未发现".
    ProductNotFound => (400, "CBC.99006006", "Product not found: no product matches the service type, resource type, spec and region.", "产品未发现：找不到与云服务类型、资源类型、资源规格和区域匹配的产品。"),
    DiscountBelowFloor => (400, "PC.1102", "The discount is below the lowest ratio the operator allows.", "折扣低于运营方允许的最低折扣率。"),
    // Offline top-ups (services/topups.rs; the vendor's help pages).
    TopupResaleCustomer => (400, "PC.1501", "Resale customers cannot top up themselves: their balance is allocated by their partner. Ask the partner for an allocation.", "代售客户不能自行充值：账户余额由合作伙伴拨款。请联系合作伙伴拨款。"),
    TopupNotPending => (400, "PC.1502", "The top-up request is no longer pending: it was already credited, rejected or cancelled.", "该充值申请已不是待确认状态：已入账、已驳回或已撤销。"),
    TopupTooManyPending => (400, "PC.1503", "Too many top-up requests are pending (at most 10); wait for the operator to handle them, or cancel one.", "待确认的充值申请过多（最多 10 个）；请等待运营方处理，或撤销其中一个。"),
    TopupDuplicateReference => (400, "PC.1504", "A top-up request with this remittance reference is already pending or credited.", "使用该汇款凭证号的充值申请已在待确认或已入账状态。"),
    // Partner staff accounts (services/partners/staff.rs).
    StaffOnly => (400, "PC.1601", "Only a staff account can be disabled, re-enabled or given a new password here; an administrator account cannot.", "此处只能停用、启用员工账号或为其重置密码；管理员账号不可以。"),
    // Consumption invoices (services/invoices, pc_domain::invoices).
    InvoiceTooEarly => (400, "PC.1701", "Last month's consumption can be invoiced from the 4th of this month on (after the 3rd).", "上个月的账期须在每月3号后（4号起）才能申请开票。"),
    InvoiceMonthNotEnded => (400, "PC.1702", "This billing month has not ended; only ended months can be invoiced.", "该账期尚未结束，只能为已结束的账期申请开票。"),
    InvoiceInArrears => (400, "PC.1703", "This account is in arrears: repay what is owed before asking for an invoice.", "该账号存在欠费，请先还清欠款再申请开票。"),
    InvoiceNothingOpen => (400, "PC.1704", "Nothing is left to invoice in what was selected (or the invoices owed for refunds exceed it).", "所选范围没有可开票金额（或欠票金额不小于可开票金额）。"),
    InvoiceSpecialNeedsEnterprise => (400, "PC.1705", "A VAT special invoice needs an enterprise title with a tax ID.", "增值税专用发票仅限抬头类型为企业且填写了税号。"),
    InvoicePaperNeedsAddress => (400, "PC.1706", "A paper invoice needs a mailing address.", "纸质发票须填写邮寄地址。"),
    InvoiceBadTitle => (400, "PC.1707", "The invoice title is required (at most 100 characters).", "发票抬头必填（最多 100 个字符）。"),
    InvoiceNotNow => (400, "PC.1708", "The request's status does not allow this.", "该开票申请当前状态不允许此操作。"),
    InvoiceWrongMedium => (400, "PC.1709", "Electronic invoices are issued; paper invoices are mailed.", "电子发票直接开具，纸质发票需邮寄。"),
    InvoiceNoProfile => (400, "PC.1710", "Fill in the invoice information first (one profile per account).", "请先填写发票信息（每个账号一份）。"),
    NotFound => (404, "PC.0404", "Not found.", "未找到。"),
    AlreadyExists => (400, "PC.0001", "It already exists.", "已存在。"),
    LoginFailed => (401, "PC.0401", "Wrong login or password.", "账号或密码错误。"),
    CsrfFailed => (403, "PC.0403", "The form expired; reload the page and try again.", "表单已过期，请刷新页面后重试。"),
    // -- customer association (the vendor's help pages) --
    AlreadyAssociatedHere => (400, "PC.3101", "This account is already associated with this partner; there is nothing more to do.", "该账号已与此合作伙伴关联，无需重复关联。"),
    AlreadyAssociated => (400, "PC.3102", "This account is already associated with another partner. To change partner, first unbind in Account Center > My Partner (at most once every 3 months), or use another account.", "该账号已关联其他合作伙伴。如需更换，请先在“账号中心 > 我的合作伙伴”申请解除关联（每 3 个月最多一次），或使用其他账号。"),
    CustomerIsPartner => (400, "PC.3103", "This account or mobile number belongs to a partner, and a partner cannot be associated as a customer. Register or log in with a customer account.", "该账号或手机号属于合作伙伴，合作伙伴不能作为客户被关联。请注册或登录客户账号。"),
    CustomerInArrears => (400, "PC.3104", "This account is in arrears. Top up and repay the amount owed first, then open the link again.", "该账号存在欠费。请先充值还清欠款，再重新打开链接关联。"),
    PartnerRestricted => (400, "CBC.50010085", "The partner is currently restricted and cannot create associations. Contact the partner.", "该伙伴企业目前处于受限状态，无法拓客创建关联关系。请联系合作伙伴。"),
    DistributorRestricted => (400, "CBC.50010086", "The partner is a cloud reseller whose master distributor is currently restricted, so it cannot create associations. Contact the partner.", "伙伴是云经销商，其关联的总经销商企业目前处于受限状态，无法拓客创建关联关系。请联系合作伙伴。"),
    AssociationTypeMismatch => (400, "CBC.5023", "The account type does not match the partner's association type: this partner cannot associate customers in this mode. Ask the partner for another link.", "账户类型与合作伙伴关联类型不匹配：该伙伴不能以此关联类型关联客户。请向合作伙伴索取其他链接。"),
    NoticeNotAccepted => (400, "PC.3106", "To associate in resale mode, read the notice on associating with a partner and tick \"I have read and agree\".", "以代售模式关联前，请阅读《客户关联合作伙伴须知》并勾选“我已经阅读并同意”。"),
    InviteNotFound => (404, "PC.3107", "This invite link does not exist or was disabled. Ask the partner for a new link.", "该邀请链接不存在或已停用。请向合作伙伴索取新的链接。"),
    NotCustomerAccount => (400, "PC.3108", "This is not a customer account. Log in with a customer account, or register one.", "该账号不是客户账号。请登录客户账号，或注册新账号。"),
    UnbindTooSoon => (400, "PC.3110", "This customer's association was already ended within the last 3 months; unbinding is allowed at most once every 3 months.", "该客户在最近 3 个月内已解除过关联；每 3 个月最多解除一次。"),
    NotAssociated => (400, "PC.3111", "There is no association in effect to end.", "当前没有生效中的关联关系。"),
    EmailExists => (400, "PC.3112", "The e-mail address is already used by another account.", "该电子邮箱已被其他账号使用。"),
    MobileAccountLimit => (400, "CBC.99000030", "This mobile number already has the most customer accounts allowed. Log in with one of them, or use another mobile number.", "手机号注册数量超过上限。请登录已有账号，或使用其他手机号。"),
    // `create_sub_customer`'s table (the vendor's API reference, 创建客户).
    XaccountDuplicate => (400, "CBC.99000039", "This partner-platform account (xaccount_id) already has a customer account; domain_id and domain_name name it.", "xaccountId重复：该伙伴销售平台账号已创建过客户账号，domain_id 与 domain_name 为该客户账号。"),
    LoginNameExists => (400, "CBC.99000038", "The customer login name already exists.", "客户登录名已经存在。"),
    LoginNameInvalid => (400, "CBC.99000031", "The customer login name is not valid.", "客户登录名格式不合法。"),
    MobileExists => (400, "CBC.99000029", "The customer mobile number already exists.", "客户手机号已经存在。"),
    MobileInvalid => (400, "CBC.5017", "The customer mobile number is not valid.", "客户手机号格式不合法。"),
    PasswordInvalid => (400, "CBC.99000036", "The customer password is not valid.", "客户密码格式不合法。"),
    VerificationCodeWrong => (400, "CBC.99004010", "Wrong verification code. Check the SMS and try again, or request a new code.", "验证码错误。请核对短信后重试，或重新获取验证码。"),
    VerificationCodeExpired => (400, "CBC.99004008", "The verification code has expired. Request a new code.", "验证码已失效，请重新获取。"),
    VerificationCodeVoid => (400, "CBC.99004009", "The verification code failed too many checks and is void. Request a new code.", "验证码校验失败次数过多，已失效，请重新获取。"),
    VerificationCodeLimit => (400, "CBC.99004015", "Too many verification codes for this mobile number (at most 15 an hour and 60 a day). Try again later.", "该手机号发送验证码次数已达到上限（每小时 15 次，每天 60 次），请稍后再试。"),
    Unavailable => (503, "PC.0503", "The service is busy; retry shortly.", "服务繁忙，请稍后重试。"),
    Internal => (500, "CBC.0999", "Internal error.", "其他错误。"),
}

/// An application error: a [`Code`] and, for the client, an optional detail that says which
/// field or object is wrong. A detail is given in both languages ([`AppError::with_tr`],
/// [`AppError::invalid_tr`]) or names an object the same way in both ([`AppError::naming`]);
/// there is no English-only constructor, so a Chinese page never shows an English detail.
/// Internal causes are logged, never sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppError {
    pub code: Code,
    pub(crate) detail: Option<String>,
    /// The detail in Chinese.
    pub(crate) detail_zh: Option<String>,
    /// The input the refusal concerns, where the use case knows it (`mobile`, `account_name`):
    /// a form shows the message beside that field without re-running the rules.
    pub field: Option<&'static str>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: Code) -> Self {
        AppError {
            code,
            detail: None,
            detail_zh: None,
            field: None,
        }
    }

    /// A detail that only names an object (an id, a billing month): the same in both languages.
    pub fn naming(code: Code, id: impl Into<String>) -> Self {
        let id = id.into();
        AppError {
            code,
            detail: Some(id.clone()),
            detail_zh: Some(id),
            field: None,
        }
    }

    /// A detail in both languages (English, Chinese).
    pub fn with_tr(code: Code, en: impl Into<String>, zh: impl Into<String>) -> Self {
        AppError {
            code,
            detail: Some(en.into()),
            detail_zh: Some(zh.into()),
            field: None,
        }
    }

    /// The same refusal, saying which input it concerns (see [`AppError::field`]).
    pub fn at_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    /// `CBC.0100` with a detail in both languages (English, Chinese).
    pub fn invalid_tr(en: impl Into<String>, zh: impl Into<String>) -> Self {
        AppError::with_tr(Code::InvalidParameter, en, zh)
    }

    /// The same detail under another code (an operation whose vendor table names its own code
    /// for a refusal a shared rule makes).
    pub fn recode(self, code: Code) -> Self {
        AppError { code, ..self }
    }

    /// An internal failure. The cause is logged here and not shown to the client.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        AppError::new(Code::Internal)
    }

    /// The client-facing message: the code's message plus the detail, in English or Chinese.
    pub fn message(&self, zh: bool) -> String {
        let base = if zh {
            self.code.message_zh()
        } else {
            self.code.message_en()
        };
        let detail = match (zh, &self.detail_zh) {
            (true, Some(d)) => Some(d),
            _ => self.detail.as_ref(),
        };
        match detail {
            Some(d) => format!("{base} {d}"),
            None => base.to_string(),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.vendor_code(), self.message(false))
    }
}

impl std::error::Error for AppError {}

impl From<crate::store::sql::Error> for AppError {
    fn from(e: crate::store::sql::Error) -> Self {
        use crate::store::sql::ErrorKind;
        match e.kind {
            ErrorKind::Busy => AppError::new(Code::Unavailable),
            // PostgreSQL refuses NUL characters in text; they can only come from client input
            // such as a JSON "\u0000", so the client hears about it.
            ErrorKind::Nul => AppError::invalid_tr(
                "text must not contain NUL characters",
                "文本不能包含 NUL 字符。",
            ),
            _ => AppError::internal(e),
        }
    }
}

/// Maps a unique-constraint violation to `on_conflict()` (the business meaning of the duplicate),
/// and any other database error as usual.
pub fn unique_violation_as<T>(
    r: Result<T, crate::store::sql::Error>,
    on_conflict: impl FnOnce() -> AppError,
) -> AppResult<T> {
    match r {
        Err(e) if e.is_unique_violation() => Err(on_conflict()),
        other => other.map_err(AppError::from),
    }
}

impl From<pc_domain::Detail> for AppError {
    /// A rule's refusal of a value: `CBC.0100` with its detail in both languages.
    fn from(d: pc_domain::Detail) -> Self {
        AppError::invalid_tr(d.en, d.zh)
    }
}

impl From<pc_domain::ledger::LedgerError> for AppError {
    fn from(e: pc_domain::ledger::LedgerError) -> Self {
        use pc_domain::ledger::LedgerError::*;
        match e {
            Insufficient => AppError::new(Code::InsufficientBalance),
            NonPositive | SameAccount | Overflow => AppError::invalid_tr(e.to_string(), e.zh()),
        }
    }
}

impl From<pc_domain::association::Refusal> for AppError {
    fn from(r: pc_domain::association::Refusal) -> Self {
        use pc_domain::association::Refusal::*;
        AppError::new(match r {
            PartnerRestricted => Code::PartnerRestricted,
            DistributorRestricted => Code::DistributorRestricted,
            TypeNotOffered => Code::AssociationTypeMismatch,
            IsPartner => Code::CustomerIsPartner,
            AlreadyHere => Code::AlreadyAssociatedHere,
            AlreadyElsewhere => Code::AlreadyAssociated,
            InArrears => Code::CustomerInArrears,
        })
    }
}

impl From<pc_domain::invoices::InvoiceError> for AppError {
    fn from(e: pc_domain::invoices::InvoiceError) -> Self {
        use pc_domain::invoices::InvoiceError::*;
        match e {
            NotNow(_) => AppError::new(Code::InvoiceNotNow),
            WrongMedium => AppError::new(Code::InvoiceWrongMedium),
            TooEarly(m) => AppError::naming(Code::InvoiceTooEarly, m),
            NotEnded(m) => AppError::naming(Code::InvoiceMonthNotEnded, m),
            SpecialNeedsEnterprise => AppError::new(Code::InvoiceSpecialNeedsEnterprise),
            PaperNeedsAddress => AppError::new(Code::InvoicePaperNeedsAddress),
            BadTitle => AppError::new(Code::InvoiceBadTitle),
        }
    }
}

impl From<pc_domain::verification::CodeError> for AppError {
    /// No code and a wrong code are one answer (`CBC.99004010`): the message says to check the SMS
    /// or request a new code, and tells a guesser nothing; a code voided by wrong guesses is
    /// `CBC.99004009`, an expired one `CBC.99004008` (the vendor's `create_sub_customer` table).
    fn from(e: pc_domain::verification::CodeError) -> Self {
        use pc_domain::verification::CodeError::*;
        match e {
            Expired => AppError::new(Code::VerificationCodeExpired),
            Exhausted => AppError::new(Code::VerificationCodeVoid),
            NoCode | Wrong => AppError::new(Code::VerificationCodeWrong),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_never_429() {
        for c in Code::ALL {
            assert!((400..600).contains(&c.status()), "{c:?}");
            assert_ne!(c.status(), 429, "the SDK drops 429 bodies: {c:?}");
            assert!(!c.message_en().is_empty() && !c.message_zh().is_empty());
            assert!(c.vendor_code().contains('.'));
        }
    }
}
