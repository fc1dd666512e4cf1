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
        "funds" => ("资金", "Funds"),
        "funds_my_balance" => ("我的账户余额", "My account balance"),
        "funds_all_balances" => ("伙伴账户余额", "Partner balances"),
        "funds_total_balance" => ("全部伙伴余额合计", "All partners hold"),
        "funds_credit" => ("充值", "Credit"),
        "funds_credit_partner" => ("为伙伴账户充值", "Credit a partner's account"),
        "funds_amount" => ("金额（元）", "Amount (CNY)"),
        "funds_memo" => ("备注", "Memo"),
        "funds_amount_rule" => (
            "金额须大于 0，且最多保留两位小数。",
            "The amount must be greater than 0 with at most 2 decimals.",
        ),
        "funds_done" => ("操作成功", "Done"),
        "funds_bad_filter" => (
            "筛选条件无效：日期格式为 YYYY-MM-DD，且开始日期不能晚于结束日期。",
            "Invalid filter: dates are YYYY-MM-DD and the start may not be after the end.",
        ),
        "funds_transfer_id" => ("流水号", "Transfer"),
        "funds_balance_after" => ("变更后余额", "Balance after"),
        "funds_income" => ("收入", "Income"),
        "funds_expense" => ("支出", "Expense"),
        "funds_customers" => (
            "代售客户拨款与回收",
            "Resale customers: allocate and reclaim",
        ),
        "funds_no_resale_customers" => ("暂无代售类客户。", "No resale customers yet."),
        "funds_customer" => ("客户", "Customer"),
        "funds_resellers" => (
            "云经销商拨款与回收",
            "Cloud resellers: allocate and reclaim",
        ),
        "funds_no_resellers" => ("暂无云经销商。", "No cloud resellers yet."),
        "funds_reseller" => ("云经销商", "Cloud reseller"),
        "funds_allocate" => ("拨款", "Allocate"),
        "funds_reclaim" => ("回收", "Reclaim"),
        "funds_records" => ("收支明细", "Income and expense"),
        "funds_from" => ("开始日期", "From"),
        "funds_to" => ("结束日期", "To"),
        "funds_trade_time" => ("交易时间（UTC）", "Time (UTC)"),
        "funds_trade_type" => ("交易类型", "Trade type"),
        "funds_direction" => ("收支", "In/out"),
        "funds_change_amount" => ("变更金额（元）", "Change (CNY)"),
        "funds_counterparty" => ("对方", "Counterparty"),
        "funds_tt_RECHARGE" => ("充值", "Top-up"),
        "funds_tt_BEADJUST" => ("拨款", "Allocation"),
        "funds_tt_BERETRIEVE" => ("回收", "Reclaim"),
        "funds_tt_ADJUST" => ("调账", "Adjustment"),
        // -- invite and association keys --
        // -- reseller tree and delegation keys --
        _ => return "??",
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
