//! The console's two languages. Every visible string goes through [`t`]; a missing key shows the
//! key itself, which the tests would catch.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Lang {
        if s.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en-US",
        }
    }
}

pub fn t(lang: Lang, key: &str) -> &'static str {
    let (zh, en) = match key {
        "app" => ("伙伴中心", "Partner Center"),
        "login" => ("登录", "Log in"),
        "logout" => ("退出登录", "Log out"),
        "login_name" => ("账号", "Login"),
        "password" => ("密码", "Password"),
        "home" => ("首页", "Home"),
        "partners" => ("伙伴", "Partners"),
        "customers" => ("客户", "Customers"),
        "access_keys" => ("访问密钥", "Access keys"),
        "outbox" => ("消息发件箱", "Outbox"),
        "audit" => ("审计日志", "Audit log"),
        "role_operator" => ("运营人员", "Operator"),
        "role_partner_admin" => ("伙伴管理员", "Partner admin"),
        "role_partner_staff" => ("伙伴员工", "Partner staff"),
        "role_customer" => ("客户", "Customer"),
        "type_distributor" => ("总经销商", "Master distributor"),
        "type_reseller" => ("云经销商", "Cloud reseller"),
        "type_consulting" => ("顾问销售伙伴", "Consulting-sales partner"),
        "type_solution" => ("解决方案伙伴", "Solution partner"),
        "type_marketplace" => ("云商店商家", "Marketplace seller"),
        "name" => ("名称", "Name"),
        "type" => ("类型", "Type"),
        "id" => ("ID", "ID"),
        "parent" => ("上级伙伴", "Parent partner"),
        "created_at" => ("创建时间", "Created"),
        "balance" => ("账户余额", "Account balance"),
        "domain_id" => ("账号 ID（X-Domain-Id）", "Account ID (X-Domain-Id)"),
        "xaccount_type" => (
            "平台标识 xaccount_type",
            "Platform identifier (xaccount_type)",
        ),
        "welcome" => ("欢迎", "Welcome"),
        "account_name" => ("客户账号名", "Account name"),
        "real_name" => ("实名认证名称", "Verified name"),
        "association_type" => ("关联类型", "Association type"),
        "assoc_1" => ("顾问销售", "Consulting sales"),
        "assoc_2" => ("代售", "Resale"),
        "label" => ("标签", "Label"),
        "associated_on" => ("关联时间", "Associated on"),
        "filter" => ("筛选", "Filter"),
        "all" => ("全部", "All"),
        "prev" => ("上一页", "Previous"),
        "next" => ("下一页", "Next"),
        "total" => ("共", "Total"),
        "description" => ("描述", "Description"),
        "create_key" => ("创建访问密钥", "Create access key"),
        "revoke" => ("撤销", "Revoke"),
        "revoke_confirm" => (
            "撤销后使用该密钥的调用将全部失败，确定撤销？",
            "Calls signed with this key will fail once it is revoked. Revoke it?",
        ),
        "status" => ("状态", "Status"),
        "active" => ("有效", "Active"),
        "revoked" => ("已撤销", "Revoked"),
        "new_key_notice" => (
            "请立即保存秘密访问密钥（SK），它只显示这一次。",
            "Save the secret key (SK) now: it is shown only this once.",
        ),
        "access_key" => ("访问密钥 ID（AK）", "Access key ID (AK)"),
        "secret_key" => ("秘密访问密钥（SK）", "Secret key (SK)"),
        "forbidden" => ("您无权访问此页面。", "You may not open this page."),
        "not_found" => ("页面不存在。", "Page not found."),
        "channel" => ("渠道", "Channel"),
        "recipient" => ("收件人", "Recipient"),
        "subject" => ("主题", "Subject"),
        "body" => ("内容", "Body"),
        "time" => ("时间", "Time"),
        "actor" => ("操作人", "Actor"),
        "action" => ("操作", "Action"),
        "target" => ("对象", "Target"),
        "request_id" => ("请求 ID", "Request ID"),
        "transfers" => ("资金流水", "Transfers"),
        "my_partner" => ("我的合作伙伴", "My partner"),
        "not_associated" => (
            "您尚未关联合作伙伴。",
            "You are not associated with a partner.",
        ),
        "since" => ("关联自", "Since"),
        "partner_count" => ("伙伴数", "Partners"),
        "customer_count" => ("客户数", "Customers"),
        "api_hint" => (
            "伙伴销售平台使用访问密钥通过 BSS 接口调用本系统。",
            "Your sales platform calls the BSS API with an access key.",
        ),
        "empty" => ("暂无数据", "Nothing yet"),
        // -- funds keys --
        // -- invite and association keys --
        "invites" => ("客户拓展", "Invites"),
        "invite_new" => ("生成邀请链接", "Generate an invite link"),
        "invite_kind" => ("链接类型", "Link type"),
        "invite_generic" => ("通用链接（标签为当前账号名）", "Generic (labelled with your login)"),
        "invite_custom" => ("自定义标签", "Custom label"),
        "invite_label_hint" => (
            "（用于识别通过此链接关联的客户）",
            "(identifies the customers who associate through this link)",
        ),
        "invite_create" => ("生成", "Generate"),
        "invite_created" => ("邀请链接已生成。", "The invite link was generated."),
        "invite_share_hint" => (
            "把链接或二维码发给客户：客户打开后阅读须知，注册新账号或登录已有账号即可关联。",
            "Send the link or the QR code to the customer: after reading the notice, the customer registers or logs in and is associated.",
        ),
        "invite_history" => ("生成记录", "Generation history"),
        "invite_link" => ("邀请链接", "Invite link"),
        "invite_qr" => ("邀请二维码", "Invite QR code"),
        "download_png" => ("下载二维码 PNG", "Download QR as PNG"),
        "download_svg" => ("下载二维码 SVG", "Download QR as SVG"),
        "created_by" => ("生成人", "Generated by"),
        "associated_count" => ("已关联客户数", "Customers associated"),
        "disabled" => ("已停用", "Disabled"),
        "disable" => ("停用", "Disable"),
        "disable_confirm" => (
            "停用后客户将无法通过此链接关联，确定停用？",
            "Customers can no longer associate through this link once it is disabled. Disable it?",
        ),
        "invite_records" => ("拓展记录", "Expansion records"),
        "outcome" => ("结果", "Outcome"),
        "outcome_associated" => ("已关联", "Associated"),
        "outcome_refused" => ("关联失败", "Refused"),
        "reason" => ("原因", "Reason"),
        "partner" => ("合作伙伴", "Partner"),
        "join_title" => ("关联合作伙伴", "Associate with a partner"),
        "join_invited_by" => ("邀请您关联的合作伙伴", "The partner inviting you"),
        "join_notice_title" => (
            "《客户关联合作伙伴须知》",
            "Notice on customers associating with partners",
        ),
        "notice_resale" => (
            "以代售模式关联后：您使用合作伙伴为您拨付的资金消费，不能自行充值或提现；您的消费发票由合作伙伴开具；合作伙伴可以为您发放优惠券、拨款和回收余额，经您授权后可以代您下单和运维。关联前请先提取您账户中自己的余额，未使用的现金券将被回收。您每 3 个月最多可申请一次解除关联；解除关联时，账户余额退回合作伙伴。",
            "Once associated in resale mode you spend the funds the partner allocates to you and cannot top up or withdraw yourself; the partner invoices your consumption; the partner may issue you coupons, allocate funds and reclaim your balance and, with your authorisation, place orders and operate resources for you. Withdraw your own balance before associating; unused cash coupons are reclaimed. You may apply to unbind at most once every 3 months; on unbinding, your account balance returns to the partner.",
        ),
        "notice_consulting" => (
            "以顾问销售模式关联后：您自行充值并向平台付款（或由合作伙伴代付），发票由平台开具；合作伙伴为您提供咨询与服务，并获得平台的激励。您每 3 个月最多可申请一次解除关联。",
            "Once associated in consulting-sales mode you top up and pay the platform yourself (or the partner pays on your behalf), and the platform invoices you; the partner advises and serves you and earns the platform's incentive. You may apply to unbind at most once every 3 months.",
        ),
        "notice_shared" => (
            "关联后，合作伙伴可以看到您的账号名、账号 ID 与状态、手机号（部分隐藏）、邮箱、实名认证名称和国家/地区。",
            "Once associated, the partner sees your account name, account ID and status, mobile number (partly hidden), e-mail, verified name and country or region.",
        ),
        "join_agree" => (
            "我已经阅读并同意《客户关联合作伙伴须知》",
            "I have read and agree to the notice on customers associating with partners",
        ),
        "join_new" => ("注册新账号并关联", "Register a new account and associate"),
        "join_existing" => ("已有账号，登录后关联", "Already have an account? Log in and associate"),
        "mobile" => ("手机号", "Mobile number"),
        "sms_code" => ("短信验证码", "SMS code"),
        "get_code" => ("获取验证码", "Get code"),
        "code_sent" => ("验证码已发送，10 分钟内有效：", "Code sent, valid for 10 minutes, to"),
        "account_name_login" => ("账号名", "Account name"),
        "account_name_hint" => (
            "（用于登录；5–32 位字母、数字、_ 或 -，以字母开头）",
            "(your login: 5–32 letters, digits, _ or -, starting with a letter)",
        ),
        "password_hint" => (
            "（至少 8 位，包含大写字母、小写字母、数字、符号中的两种）",
            "(8 or more characters with two of: upper case, lower case, digits, symbols)",
        ),
        "register_associate" => ("注册并关联", "Register and associate"),
        "login_associate" => ("登录并关联", "Log in and associate"),
        "join_refused" => ("无法关联", "Cannot associate"),
        "join_contact" => (
            "如有疑问，请联系邀请您的合作伙伴（伙伴可在伙伴中心看到失败原因）。",
            "Questions? Contact the partner who invited you: it sees the reason in its Partner Center.",
        ),
        "error_code" => ("错误码", "Error code"),
        "join_done_title" => ("关联成功", "Associated"),
        "join_done_text" => ("您已成功关联合作伙伴。", "You are now associated with the partner."),
        "go_console" => ("进入控制台", "Open the console"),
        // -- reseller tree and delegation keys --
        _ => return "??",
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
