//! The one error type of the application layer, and the one table that maps every error to an
//! HTTP status, a vendor code and a message in both languages (DESIGN §10).
//!
//! Vendor `CBC.*` / `APIGW.*` codes are used where the vendor has one (`reference/domain.md`
//! error catalogue); `PC.*` codes are ours. Adapters render an [`AppError`] exactly once: the
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
    Throttled => (400, "CBC.0250", "Too many requests; slow down and retry later.", "请求过于频繁，请稍后重试。"),
    NoCustomerPermission => (400, "CBC.99000000", "You have no permission to operate on this customer.", "无对该客户的操作权限。"),
    NotSubCustomer => (400, "CBC.99000035", "The customer is not a sub-customer of this partner.", "非合作伙伴子客户。"),
    NoResellerPermission => (400, "CBC.99000037", "You have no permission to operate on this cloud reseller.", "您没有操作该云经销商的权限。"),
    AssociationTypeNotAllowed => (400, "CBC.5024", "The customer's association type does not allow this operation (resale customers only).", "客户的关联类型不允许调用该接口（仅限代售客户）。"),
    InsufficientBalance => (400, "CBC.99005003", "Insufficient balance.", "余额不足。"),
    // Distributor → reseller delegation (domain.md §12).
    DelegationActive => (400, "PC.1201", "Your customers' continuous operation is already delegated to your master distributor.", "已委托总经销商持续运营，无需重复委托。"),
    NoActiveDelegation => (400, "PC.1202", "No delegation is in effect.", "当前没有生效中的委托授权。"),
    DelegationConsentRequired => (400, "PC.1203", "Read and agree to the sales-expansion task delegation notice first.", "请先阅读并同意《销售拓展任务委托须知》。"),
    NotOwnDistributor => (400, "PC.1204", "A cloud reseller can delegate only to the master distributor it belongs to.", "云经销商只能委托其所属的总经销商。"),
    ResaleCustomerNoRecords => (400, "CBC.99000084", "Resale customers cannot query income and expense records.", "代售类客户不能查询收支明细。"),
    // Yearly/monthly orders (domain.md §11.5).
    InvalidOrder => (400, "CBC.30000010", "Invalid order: it does not exist or is not yours.", "无效订单：订单不存在或不属于您。"),
    OrderStatusChanged => (400, "CBC.99003106", "The order status has changed; it cannot be paid.", "订单状态已发生变更，不能支付。"),
    DiscountNotApplicable => (400, "CBC.99003108", "The discount cannot be used for this order.", "折扣不可用于该订单。"),
    PaymentDeadlinePassed => (400, "CBC.99003110", "The payment deadline of the order has passed.", "已过支付截止时间。"),
    OrderNotCancellable => (400, "CBC.99005010", "The order status does not allow cancellation.", "订单状态不允许取消。"),
    ProductNotFound => (400, "PC.1101", "No product matches the service type, resource type, spec and region.", "找不到与云服务类型、资源类型、资源规格和区域匹配的产品。"),
    DiscountBelowFloor => (400, "PC.1102", "The discount is below the lowest ratio the operator allows.", "折扣低于运营方允许的最低折扣率。"),
    NotFound => (404, "PC.0404", "Not found.", "未找到。"),
    AlreadyExists => (400, "PC.0001", "It already exists.", "已存在。"),
    LoginFailed => (401, "PC.0401", "Wrong login or password.", "账号或密码错误。"),
    CsrfFailed => (403, "PC.0403", "The form expired; reload the page and try again.", "表单已过期，请刷新页面后重试。"),
    Unavailable => (503, "PC.0503", "The service is busy; retry shortly.", "服务繁忙，请稍后重试。"),
    Internal => (500, "CBC.0999", "Internal error.", "其他错误。"),
}

/// An application error: a [`Code`] and, for the client, an optional detail that says which
/// field or object is wrong. Internal causes are logged, never sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppError {
    pub code: Code,
    pub detail: Option<String>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: Code) -> Self {
        AppError { code, detail: None }
    }

    pub fn with(code: Code, detail: impl Into<String>) -> Self {
        AppError {
            code,
            detail: Some(detail.into()),
        }
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        AppError::with(Code::InvalidParameter, detail)
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
        match &self.detail {
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

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut => AppError::new(Code::Unavailable),
            sqlx::Error::Database(d) if is_busy(d.code().as_deref()) => {
                AppError::new(Code::Unavailable)
            }
            // PostgreSQL refuses NUL characters in text (SQLSTATE 22021, also 22P05); they can
            // only come from client input such as a JSON "\u0000", so the client hears about it.
            sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("22021" | "22P05")) => {
                AppError::invalid("text must not contain NUL characters")
            }
            _ => AppError::internal(e),
        }
    }
}

fn is_busy(code: Option<&str>) -> bool {
    // SQLITE_BUSY (5) / SQLITE_LOCKED (6); PostgreSQL serialization_failure / deadlock_detected.
    matches!(
        code,
        Some("5") | Some("6") | Some("517") | Some("40001") | Some("40P01")
    )
}

impl From<pc_domain::ledger::LedgerError> for AppError {
    fn from(e: pc_domain::ledger::LedgerError) -> Self {
        use pc_domain::ledger::LedgerError::*;
        match e {
            Insufficient => AppError::new(Code::InsufficientBalance),
            NonPositive | SameAccount | Overflow => AppError::invalid(e.to_string()),
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
