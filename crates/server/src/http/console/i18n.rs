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
        "resellers" => ("云经销商", "Cloud resellers"),
        "resellers_hint" => (
            "云经销商委托您持续运营后，您可以查看其客户及联系方式；未委托时仅显示客户数量。",
            "Once a reseller delegates continuous operation to you, you can see its customers and their contact details; otherwise only how many it has.",
        ),
        "delegation" => ("委托授权", "Delegation"),
        "delegation_status" => ("委托状态", "Delegation status"),
        "delegated" => ("已委托", "Delegated"),
        "not_delegated" => ("未委托", "Not delegated"),
        "delegated_since" => ("委托时间", "Delegated on"),
        "cancelled_at" => ("取消时间", "Cancelled on"),
        "delegation_history" => ("委托记录", "Delegation history"),
        "distributor" => ("所属总经销商", "Master distributor"),
        "delegation_notice_title" => (
            "《销售拓展任务委托须知》",
            "Sales-expansion task delegation notice (《销售拓展任务委托须知》)",
        ),
        "delegation_notice_body" => (
            "同意委托后，您自愿向所属总经销商开放您的客户的联系方式（电话、邮箱），并委托其为您的客户提供持续运营支持（包括但不限于引导客户购买更高阶的服务、续费提醒）。您可以随时取消委托授权，取消后总经销商将无法再查看您的客户的联系方式。因您与总经销商之间的持续运营合作产生的纠纷，平台不承担责任。",
            "By delegating, you voluntarily open your customers' contact details (telephone, e-mail) to your master distributor and entrust it with continuous-operation support for your customers (including but not limited to guiding them to higher-tier services and renewal reminders). You may cancel the delegation at any time; after that the distributor can no longer see your customers' contact details. The platform is not liable for disputes arising from the continuous-operation cooperation between you and your distributor.",
        ),
        "delegation_consent" => (
            "我已阅读并同意《销售拓展任务委托须知》",
            "I have read and agree to the sales-expansion task delegation notice",
        ),
        "delegate" => ("委托总经销商持续运营", "Delegate to my distributor"),
        "cancel_delegation" => ("取消委托授权", "Cancel the delegation"),
        "cancel_delegation_confirm" => (
            "取消后总经销商将无法再查看您的客户的联系方式，确定取消委托授权？",
            "Your distributor will no longer see your customers' contact details. Cancel the delegation?",
        ),
        "view_customers" => ("查看客户", "View customers"),
        "reseller_customers_hidden" => (
            "该云经销商未委托您持续运营：您只能看到其客户数量，看不到客户及其联系方式。",
            "This reseller has not delegated continuous operation to you: you see only how many customers it has, not the customers or their contact details.",
        ),
        "delegated_view_notice" => (
            "这些客户由云经销商委托您持续运营；每次查看都会记入审计日志。",
            "These customers are delegated to you by their reseller; every view is recorded in the audit log.",
        ),
        "telephone" => ("电话", "Telephone"),
        "email" => ("邮箱", "E-mail"),
        "partner" => ("合作伙伴", "Partner"),
        "partner_filter" => ("伙伴（名称或 ID）", "Partner (name or ID)"),
        "customer_detail" => ("客户详情", "Customer details"),
        "partner_detail" => ("伙伴详情", "Partner details"),
        "association_history" => ("关联记录", "Association history"),
        "ended_at" => ("结束时间", "Ended"),
        "current" => ("当前", "Current"),
        "export_csv" => ("导出 CSV", "Export CSV"),
        "not_associated_short" => ("未关联", "Not associated"),
        "none" => ("无", "None"),
        _ => return "??",
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
