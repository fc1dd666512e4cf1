//! The console's two languages. Every visible string goes through [`t`]; a missing key shows
//! `??`, which the tests would catch. The table is split by area: the pages' common strings here,
//! the bills and test-clock pages' in [`bills`], the staff pages' in [`staff`], the customer's
//! pay-per-use page's in [`usage`].

pub mod audit;
mod bills;
mod invoices;
mod staff;
mod usage;

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
        "unbind" => ("解除关联", "End association"),
        "unbind_confirm" => ("解除关联后，代售客户的账户余额将退回合作伙伴账户，且 3 个月内不能再次解除关联。确定解除？", "After the association ends, a resale customer's balance returns to the partner, and no new unbinding is possible for 3 months. End it?"),
        "unbind_hint" => ("每 3 个月最多解除一次", "At most once every 3 months"),
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
        "funds_trade_time" => ("交易时间", "Time"),
        "funds_trade_type" => ("交易类型", "Trade type"),
        "funds_direction" => ("收支", "In/out"),
        "funds_change_amount" => ("变更金额（元）", "Change (CNY)"),
        "funds_counterparty" => ("对方", "Counterparty"),
        "funds_tt_RECHARGE" => ("充值", "Top-up"),
        "funds_tt_BEADJUST" => ("拨款", "Allocation"),
        "funds_tt_BERETRIEVE" => ("回收", "Reclaim"),
        "funds_tt_ADJUST" => ("调账", "Adjustment"),
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
        "partner_filter" => ("伙伴（名称或 ID）", "Partner (name or ID)"),
        "customer_detail" => ("客户详情", "Customer details"),
        "partner_detail" => ("伙伴详情", "Partner details"),
        "association_history" => ("关联记录", "Association history"),
        "ended_at" => ("结束时间", "Ended"),
        "current" => ("当前", "Current"),
        "export_csv" => ("导出 CSV", "Export CSV"),
        "not_associated_short" => ("未关联", "Not associated"),
        "none" => ("无", "None"),
        // -- coupon keys --
        "quotas" => ("优惠券额度", "Coupon quotas"),
        "voucher_management" => ("代金券管理", "Voucher management"),
        "cash_coupon_management" => ("现金券管理", "Cash coupon management"),
        "my_coupons" => ("我的优惠券", "My coupons"),
        "quota_id" => ("额度编号", "Quota ID"),
        "quota_value" => ("额度总值", "Quota value"),
        "quota_balance" => ("额度余额", "Quota balance"),
        "effective_time" => ("生效时间", "Effective"),
        "expire_time" => ("失效时间", "Expires"),
        "expire_time_optional" => ("失效时间（可选，UTC，如 2027-01-01T00:00:00Z）", "Expiry (optional, UTC, e.g. 2027-01-01T00:00:00Z)"),
        "issue_coupons" => ("发放优惠券", "Issue coupons"),
        "issue_customers_hint" => ("客户 ID（每次最多 10 个，用逗号或换行分隔）", "Customer IDs (up to 10 per issue, separated by commas or new lines)"),
        "face_value" => ("面值（元）", "Face value (yuan)"),
        "memo" => ("备注（仅发放方可见）", "Memo (visible to the issuer only)"),
        "issue" => ("发放", "Issue"),
        "issued_coupons" => ("已发放", "Issued"),
        "customer_id" => ("客户 ID", "Customer ID"),
        "search" => ("查询", "Search"),
        "coupon_id" => ("券 ID", "Coupon ID"),
        "customer" => ("客户", "Customer"),
        "coupon_balance" => ("余额", "Balance"),
        "recall" => ("回收", "Recall"),
        "batch_recall" => ("批量回收", "Batch recall"),
        "recall_confirm" => ("确定回收该券？将回收全部剩余金额 ¥{amount}。", "Recall this coupon? Its whole remaining balance of ¥{amount} will be recalled."),
        "batch_recall_confirm" => ("确定回收选中的 {count} 张券？共回收 ¥{amount}。", "Recall the {count} selected coupons? ¥{amount} in all will be recalled."),
        "recalled_n" => ("已回收", "Recalled"),
        "recalled_amount" => ("回收金额", "recalled"),
        "issued_n" => ("已发放", "Issued"),
        "nothing_selected" => ("请先选择要回收的券。", "Select the coupons to recall first."),
        "issue_too_many" => ("每次最多给 10 个客户发券。", "Up to 10 customers per issue."),
        "bad_amount" => ("金额须大于 0，最多两位小数。", "The amount must be greater than 0 with at most 2 decimals."),
        "bad_time" => ("时间格式应为 2027-01-01T00:00:00Z。", "Times look like 2027-01-01T00:00:00Z."),
        "operation_records" => ("操作记录", "Operation records"),
        "operation_time" => ("操作时间", "Time"),
        "operation_type" => ("操作类型", "Operation"),
        "amount" => ("金额", "Amount"),
        "result" => ("操作结果", "Result"),
        "result_ok" => ("成功", "Succeeded"),
        "result_failed" => ("失败", "Failed"),
        "operator" => ("操作员", "Operator"),
        "voucher" => ("代金券", "Voucher"),
        "cash_coupon" => ("现金券", "Cash coupon"),
        "voucher_quota" => ("代金券额度", "Voucher quota"),
        "cash_quota" => ("现金券额度", "Cash-coupon quota"),
        "grant_quota" => ("发放额度", "Grant a quota"),
        "partner_id" => ("伙伴 ID", "Partner ID"),
        "grant" => ("发放", "Grant"),
        "granted" => ("已发放额度", "Granted quota"),
        "top_up" => ("追加金额", "Top up"),
        "apply" => ("提交", "Apply"),
        "saved" => ("已保存。", "Saved."),
        "coupon_status_1" => ("未激活", "Not yet active"),
        "coupon_status_2" => ("可使用", "Usable"),
        "coupon_status_3" => ("已使用", "Used"),
        "coupon_status_4" => ("已过期", "Expired"),
        "coupon_status_5" => ("已回收", "Reclaimed"),
        "quota_status_0" => ("正常", "Normal"),
        "quota_status_3" => ("失效", "Invalid"),
        "quota_status_4" => ("额度调整中", "Adjusting"),
        "quota_status_5" => ("冻结", "Frozen"),
        "quota_status_6" => ("已回收", "Reclaimed"),
        "coupon_op_1" => ("发放", "Issue"),
        "coupon_op_2" => ("手动回收", "Manual recall"),
        "coupon_op_3" => ("解绑自动回收", "Recalled on unbinding"),
        "coupon_op_4" => ("过期回收", "Returned on expiry"),
        "coupon_op_5" => ("退订回收", "Recalled on unsubscription"),
        "coupon_op_6" => ("退款充值撤销", "Refund / top-up reversal"),
        "coupon_op_7" => ("建立关联回收", "Recalled on association"),
        "coupon_op_8" => ("切换关联模式自动回收", "Recalled on association-type switch"),
        "coupon_op_9" => ("云经销商转移", "Reseller transfer"),
        // -- order keys --
        "catalog" => ("产品目录", "Catalogue"),
        "orders" => ("订单", "Orders"),
        "catalog_new_product" => ("新建产品", "New product"),
        "catalog_product" => ("产品", "Product"),
        "catalog_service" => ("云服务", "Cloud service"),
        "catalog_spec" => ("规格", "Spec"),
        "catalog_month_price" => ("包月价格", "Monthly price"),
        "catalog_year_price" => ("包年价格", "Yearly price"),
        "catalog_hour_price" => ("按需价格（每小时）", "Pay-per-use (per hour)"),
        "catalog_inactive" => ("已下架", "Inactive"),
        "catalog_active" => ("在售", "On sale"),
        "catalog_product_id" => ("产品 ID", "Product ID"),
        "catalog_service_code" => ("云服务类型编码", "Service type code"),
        "catalog_resource_code" => ("资源类型编码", "Resource type code"),
        "catalog_spec_code" => ("资源规格", "Resource spec"),
        "catalog_name_zh" => ("中文名称", "Chinese name"),
        "catalog_name_en" => ("英文名称", "English name"),
        "catalog_spec_zh" => ("中文规格描述", "Chinese spec description"),
        "catalog_spec_en" => ("英文规格描述", "English spec description"),
        "catalog_size_measure" => ("线性单位（14 个 / 15 Mbit/s / 17 GB，可空）", "Linear unit (14 count / 15 Mbit/s / 17 GB, optional)"),
        "region" => ("区域", "Region"),
        "edit" => ("编辑", "Edit"),
        "save" => ("保存", "Save"),
        "period" => ("周期", "Period"),
        "period_month" => ("月", "month(s)"),
        "period_year" => ("年", "year(s)"),
        "period_count" => ("周期数", "Number of periods"),
        "quantity" => ("数量", "Quantity"),
        "size" => ("容量", "Size"),
        "quote" => ("询价", "Get a quote"),
        "official_amount" => ("官网价", "List price"),
        "discount" => ("折扣", "Discount"),
        "order_discount_at_payment" => ("折扣在支付时选择（每次支付最多一个）。", "Choose a discount when you pay (at most one per payment)."),
        "place_order" => ("提交订单", "Place order"),
        "order_tab_all" => ("全部", "All"),
        "order_status_6" => ("待支付", "Pending payment"),
        "order_status_5" => ("已完成", "Completed"),
        "order_status_4" => ("已取消", "Cancelled"),
        "order_status_other" => ("处理中", "Processing"),
        "order_id" => ("订单号", "Order ID"),
        "amount_paid" => ("优惠后金额", "Amount after discount"),
        "order_detail" => ("订单详情", "Order details"),
        "payment_deadline" => ("支付截止时间", "Pay before"),
        "paid_at" => ("支付时间", "Paid at"),
        "pay" => ("支付", "Pay"),
        "cancel_order" => ("取消订单", "Cancel order"),
        "quota_limits" => ("额度限制", "Limits"),
        "limit_service_types" => ("云服务类型（逗号分隔，最多 10 个）", "Cloud service types (comma-separated, up to 10)"),
        "limit_products" => ("产品 ID（逗号分隔，最多 10 个）", "Product IDs (comma-separated, up to 10)"),
        "limit_min_face" => ("单券最小面值（元）", "Minimum face value per coupon (yuan)"),
        "limit_max_face" => ("单券最大面值（元）", "Maximum face value per coupon (yuan)"),
        "limit_max_count" => ("最多发券数量", "Maximum number of coupons"),
        "limit_order_types" => ("订购类型", "Order types"),
        "limit_first_association_only" => ("仅限首次关联的客户", "Customers associated for the first time only"),
        "inherit_quota_limit" => ("留空则继承额度限制", "empty: the quota's limits"),
        "edit_limits" => ("修改限制", "Edit limits"),
        "coupon_order_type_1" => ("开通", "New purchase"),
        "coupon_order_type_2" => ("续订", "Renewal"),
        "coupon_order_type_3" => ("变更", "Change"),
        "coupon_order_type_10" => ("包年/包月转按需", "Yearly/monthly to pay-per-use"),
        "coupon_order_type_11" => ("按需转包年/包月", "Pay-per-use to yearly/monthly"),
        "coupon_order_type_13" => ("试用", "Trial"),
        "coupon_order_type_14" => ("转商用", "Trial to commercial"),
        "coupon_order_type_15" => ("费用调整", "Fee adjustment"),
        // -- capability opening, payment page and resources keys (feat-console5) --
        "order_status_1" => ("待审核", "Pending review"),
        "order_status_3" => ("处理中", "Processing"),
        "capability" => ("能力开放", "Capability opening"),
        "capability_reseller" => (
            "云经销商没有能力开放：您的客户使用默认的充值入口与支付完成页面。",
            "Cloud resellers have no capability opening: your customers get the default top-up entry and post-payment page.",
        ),
        "capability_intro" => (
            "配置伙伴平台回跳地址（均为可选）：客户支付订单余额不足时，支付页面的充值入口跳转到“订单充值跳转地址”；客户支付成功后跳转到“订单支付成功跳转地址”。未配置时使用默认页面。",
            "Configure your sales platform's return addresses (both optional): when a customer's balance is insufficient to pay an order, the payment page's top-up entry leads to the top-up address; after paying, the customer is sent to the post-payment address. Without them the defaults apply.",
        ),
        "capability_topup_url" => ("订单充值跳转地址", "Order top-up address"),
        "capability_paid_url" => ("订单支付成功跳转地址", "Order post-payment address"),
        "capability_default_topup" => (
            "未配置（默认：提示客户联系合作伙伴拨款或充值）",
            "Not configured (default: the customer is told to ask you for an allocation or to top up)",
        ),
        "capability_default_paid" => (
            "未配置（默认：返回本平台的订单详情）",
            "Not configured (default: back to the order details here)",
        ),
        "capability_updated_at" => ("修改时间", "Last changed"),
        "capability_topup_hint" => (
            "跳转时附加参数 order_id（订单号）与 amount（本次支付还差的金额，元）。",
            "The link gets the parameters order_id (the order) and amount (what the balance lacks for the payment, in yuan).",
        ),
        "capability_paid_hint" => (
            "跳转时附加参数 order_id（订单号）；您的平台可通过 show_customer_order_details 查询订单。",
            "The address gets the parameter order_id; your platform can look the order up with show_customer_order_details.",
        ),
        "capability_rules" => (
            "地址须为完整的 https:// 地址（http 仅限 localhost 与 127.0.0.1），不超过 1024 个字符，不含用户名、密码或 # 片段。留空表示不配置。",
            "Addresses must be complete https:// addresses (http only for localhost and 127.0.0.1), at most 1024 characters, without a user name, password or #fragment. Leave a field empty not to configure it.",
        ),
        "capability_clear" => ("清除全部跳转地址", "Clear both addresses"),
        "capability_clear_confirm" => (
            "清除后客户将使用默认的充值入口与支付完成页面，确定清除？",
            "Your customers will get the default top-up entry and post-payment page. Clear both addresses?",
        ),
        "capability_err_too_long" => ("地址不能超过 1024 个字符。", "the address is longer than 1024 characters."),
        "capability_err_bad_character" => (
            "地址包含不允许的字符（空格、引号、尖括号、反斜杠或非 ASCII 字符；中文请先进行编码）。",
            "the address contains a character that is not allowed (a space, quote, angle bracket, backslash or non-ASCII character; encode non-ASCII text first).",
        ),
        "capability_err_not_absolute" => (
            "请填写以 https:// 开头的完整地址。",
            "enter a complete address starting with https://.",
        ),
        "capability_err_scheme" => (
            "只允许 https 地址（http 仅限 localhost 与 127.0.0.1）；javascript:、data: 等均不允许。",
            "only https addresses are allowed (http only for localhost and 127.0.0.1); javascript:, data: and the like are refused.",
        ),
        "capability_err_credentials" => (
            "地址中不能包含用户名或密码（@）。",
            "the address must not contain a user name or password (@).",
        ),
        "capability_err_host" => ("地址中的域名或 IP 无效。", "the host name or IP address is not valid."),
        "capability_err_port" => ("地址中的端口无效（1–65535）。", "the port is not valid (1–65535)."),
        "capability_err_fragment" => (
            "地址不能包含 # 片段（订单号以参数形式附加在地址后）。",
            "the address must not contain a #fragment (the order id is appended as a parameter).",
        ),
        "capability_err_escape" => (
            "地址中的 % 后须跟两位十六进制数字。",
            "a % in the address must be followed by two hex digits.",
        ),
        "pay_title" => ("支付订单", "Pay the order"),
        "pay_coupons" => ("优惠券（每次最多 3 张）", "Coupons (up to 3 per payment)"),
        "pay_no_coupons" => ("暂无可用于此订单的优惠券。", "No coupon can be used for this order."),
        "pay_no_discounts" => ("暂无可用于此订单的折扣。", "No discount can be used for this order."),
        "pay_choose_discount" => ("选择折扣（最多 1 个）", "Choose a discount (at most 1)"),
        "pay_order_hint" => (
            "先按所选折扣计算，再依次使用所选优惠券抵扣，剩余金额从账户余额扣除。",
            "The discount applies first, then each chosen coupon in turn; the rest is paid from your balance.",
        ),
        "pay_too_many_coupons" => ("每次支付最多使用 3 张优惠券。", "At most 3 coupons per payment."),
        "pay_topup_short" => (
            "账户余额不足：本次支付还差 ¥{amount}。",
            "Your balance is insufficient: this payment lacks ¥{amount}.",
        ),
        "pay_topup_partner" => ("前往伙伴平台充值", "Top up on your partner's platform"),
        "pay_topup_resale" => (
            "您是代售客户，账户余额由合作伙伴“{partner}”拨款，不能自行充值。请联系合作伙伴至少拨款 ¥{amount}，到账后再支付此订单。",
            "As a resale customer your balance is allocated by your partner \"{partner}\"; you cannot top up yourself. Ask your partner to allocate at least ¥{amount}, then pay this order again.",
        ),
        "pay_topup_check_balance" => ("查看账户余额与合作伙伴", "See my balance and partner"),
        "resources" => ("我的资源", "My resources"),
        "resources_view" => ("查看已开通的资源", "See the resources provisioned"),
        "resources_hint" => (
            "包年/包月资源：续订会生成一个待支付的续订订单；开通自动续费后，资源到期时自动续订并从余额扣款。",
            "Yearly/monthly resources: renewing creates a renewal order to pay; with auto-renew on, a resource is renewed at expiry and paid from your balance.",
        ),
        "resources_show_all" => ("查看全部资源", "Show all resources"),
        "resources_resource" => ("资源", "Resource"),
        "resources_expiry_policy" => ("到期策略", "At expiry"),
        "resources_status_2" => ("使用中", "In use"),
        "resources_status_3" => ("已关闭", "Closed"),
        "resources_status_4" => ("已冻结", "Frozen"),
        "resources_status_5" => ("已过期", "Expired"),
        "resources_auto_renew_on" => ("自动续费", "Auto-renew"),
        "resources_auto_renew_off" => ("到期不续费（进入宽限期）", "No renewal (grace period)"),
        "resources_per_month" => ("按月", "monthly"),
        "resources_per_year" => ("按年", "yearly"),
        "resources_times_left" => ("剩余次数", "renewals left"),
        "resources_renew" => ("续订", "Renew"),
        "resources_enable_auto_renew" => ("开通自动续费", "Turn on auto-renew"),
        "resources_disable_auto_renew" => ("取消自动续费", "Turn off auto-renew"),
        "resources_auto_renew_enabled" => ("已开通自动续费。", "Auto-renew is on."),
        "resources_auto_renew_disabled" => ("已取消自动续费。", "Auto-renew is off."),
        // Unsubscribe (console/unsubscribe.rs) and refund details.
        "unsub_title" => ("退订资源", "Unsubscribe a resource"),
        "unsub_action" => ("退订", "Unsubscribe"),
        "unsub_type_1" => ("退订资源及其已续费周期", "The resource and its renewed periods"),
        "unsub_type_2" => ("只退订已续费周期", "Renewed periods only"),
        "unsub_base_order" => ("原订单", "Original order"),
        "unsub_period" => ("周期", "Period"),
        "unsub_paid" => ("实付", "Paid"),
        "unsub_consumed" => ("已使用", "Used"),
        "unsub_fee" => ("手续费", "Handling fee"),
        "unsub_refund" => ("退款", "Refund"),
        "unsub_not_started" => ("（未生效）", "(not started)"),
        "unsub_no_reason" => (
            "购买未满 5 天：本次退订适用 5 天无理由全额退订，不收取手续费。",
            "Bought less than 5 days ago: this unsubscription is a full refund with no reason needed and no fee.",
        ),
        "unsub_refund_to" => (
            "退款原路退回：现金部分退回账户余额，优惠券部分退回原优惠券（优惠券已过期或已回收的，退回发券伙伴的额度）。",
            "Refunds go back the way they came: the cash part to your balance, the coupon part to the coupon used (if it has expired or was recalled, to the quota of the partner that issued it).",
        ),
        "unsub_warning" => (
            "退订后资源将无法使用，且不可恢复。",
            "An unsubscribed resource can no longer be used and cannot be restored.",
        ),
        "unsub_reason_type" => ("退订原因", "Reason"),
        "unsub_reason_1" => ("产品不好用", "The product is hard to use"),
        "unsub_reason_2" => ("产品功能无法满足需求", "The product lacks functions I need"),
        "unsub_reason_3" => ("不会操作/操作过于复杂", "Too complex to operate"),
        "unsub_reason_4" => ("对服务不满意", "Unsatisfied with the service"),
        "unsub_reason_5" => ("其他", "Other"),
        "unsub_reason" => ("补充说明", "Details"),
        "unsub_confirm_fee" => ("我已确认本次退订将收取手续费", "I confirm that this unsubscription charges a handling fee"),
        "unsub_submit" => ("确认退订", "Unsubscribe"),
        "refund_details" => ("退款明细", "Refund details"),
        "order_type_4" => ("退订", "Unsubscribe"),
        "change_title" => ("变更规格", "Change the spec"),
        "promotions" => ("促销折扣", "Promotions"),
        "types_title" => ("云服务类型与资源类型", "Service and resource types"),
        "types_hint" => (
            "填写已有编码即修改该类型；资源类型创建后不能改属其他云服务类型。",
            "Enter an existing code to change that type; a resource type cannot move to another service type.",
        ),
        "types_services" => ("云服务类型", "Cloud service types"),
        "types_resources" => ("资源类型", "Resource types"),
        "types_abbreviation" => ("缩写", "Abbreviation"),
        "types_save" => ("保存", "Save"),
        "adjust_current" => ("订单调价：", "Price adjustment:"),
        "adjust_amount" => ("调减金额（元）", "Amount off (yuan)"),
        "adjust_reason" => ("调价原因", "Reason"),
        "adjust_submit" => ("调价", "Adjust price"),
        "adjust_clear" => ("取消调价", "Remove the adjustment"),
        "promo_hint" => (
            "促销折扣面向所有客户：在生效期内，客户支付订单时可选用（每笔支付最多使用一个折扣，与伙伴折扣二选一）。",
            "Promotions are for every customer: while one runs, a customer may choose it when paying (one discount per payment, instead of a partner discount).",
        ),
        "promo_name" => ("名称", "Name"),
        "promo_first_day" => ("开始日期", "First day"),
        "promo_last_day" => ("结束日期", "Last day"),
        "promo_window" => ("生效期", "Runs"),
        "promo_create" => ("创建促销", "Create promotion"),
        "promo_revoke" => ("撤销", "Revoke"),
        "promo_bad_day" => ("请按 YYYY-MM-DD 填写日期。", "Enter the days as YYYY-MM-DD."),
        "promo_status_live" => ("生效中", "Running"),
        "promo_status_upcoming" => ("未开始", "Not started"),
        "promo_status_ended" => ("已结束", "Ended"),
        "promo_status_revoked" => ("已撤销", "Revoked"),
        "change_from" => ("变更前产品：", "Changed from:"),
        "change_action" => ("变更", "Change spec"),
        "change_hint" => (
            "按剩余时长计价（每月按 30 天、每年按 365 天）：升配需支付差价，生成待支付的变更订单；降配立即生效，差价原路退回，最多退回已付未用的金额。",
            "Priced by the time left (a month counts 30 days, a year 365): a bigger spec costs the difference, as a change order to pay; a smaller spec takes effect at once and the difference goes back the way it was paid, never more than what was paid and not used.",
        ),
        "change_effect" => ("费用", "Cost"),
        "change_pay" => ("需支付", "To pay"),
        "change_refund" => ("退回", "Refund"),
        "change_submit" => ("变更为此规格", "Change to this spec"),
        "order_type" => ("订单类型", "Order type"),
        "refund_amount_hint" => (
            "负数为退款金额，正数为已使用金额或手续费。",
            "Negative amounts were refunded; positive ones were used or charged as a fee.",
        ),
        // -- native API helper: discounts, operator keys, resellers' orders --
        "discounts" => ("折扣", "Discounts"),
        "disc_floor" => ("运营方允许的最低折扣", "Lowest discount the operator allows"),
        "disc_floor_hint" => (
            "伙伴授予客户的折扣不能低于该折扣；修改后只约束新授予的折扣，已授予的折扣继续有效。",
            "Partners cannot grant their customers a lower ratio than this. A change applies to new grants; discounts already granted stay in force.",
        ),
        "disc_new_floor" => ("新的最低折扣", "New lowest discount"),
        "disc_ratio" => ("折扣", "Discount"),
        "disc_ratio_placeholder" => ("如 8.5折、85% 或 0.85", "e.g. 8.5折, 85% or 0.85"),
        "disc_ratio_invalid" => (
            "请按“8.5折”、“85%”或“0.85”的形式填写折扣（须大于 0 且小于原价）。",
            "Enter the discount as \"8.5折\", \"85%\" or \"0.85\" (more than 0 and less than the list price).",
        ),
        "disc_of_list_price" => ("原价", "of list price"),
        "disc_all_products" => ("全部产品", "All products"),
        "disc_grant" => ("授予折扣", "Grant discount"),
        "disc_in_force" => ("生效中", "In force"),
        "disc_with_revoked" => ("含已撤销", "Including revoked"),
        "disc_revoke_confirm" => (
            "撤销后客户将无法在询价和支付时使用该折扣，确定撤销？",
            "The customer will no longer be offered this discount in quotes and payments. Revoke it?",
        ),
        "operator_key_hint" => (
            "运营人员的访问密钥只能调用原生接口（/native/v1）中的运营操作，调用 BSS 接口会被拒绝。签名时账号 ID 为您的用户 ID。",
            "Operator access keys call the operator operations of the native API (/native/v1) only; the BSS API refuses them. Sign with your user ID as the account ID.",
        ),
        "orders_tab_mine" => ("我的客户订单", "My customers' orders"),
        "orders_tab_resellers" => ("云经销商的客户订单", "Resellers' customers' orders"),
        "orders_reseller" => ("云经销商", "Cloud reseller"),
        "orders_all_resellers" => ("全部云经销商", "All resellers"),
        // -- offline top-up (console/topups.rs, services/topups.rs) --
        "topup_nav" => ("充值", "Top up"),
        "topup_title" => ("账户充值（线下汇款）", "Top up (bank transfer)"),
        "topup_here" => ("在此充值", "Top up here"),
        "topup_entry_hint" => (
            "通过线下汇款充值：汇款后在充值页面提交充值申请，运营方确认到账后金额计入账户余额，再回到此订单支付。",
            "Top up by bank transfer: after transferring, declare it on the top-up page; once the operator confirms the money arrived it is added to your balance, and you can pay this order.",
        ),
        "topup_resale" => (
            "您是代售客户，账户余额由合作伙伴拨款，不能自行充值。请联系您的合作伙伴拨款。",
            "As a resale customer your balance is allocated by your partner; you cannot top up yourself. Ask your partner for an allocation.",
        ),
        "topup_intro" => (
            "本平台通过线下汇款充值：请先按下方收款信息汇款，再填写汇款金额和汇款凭证号提交充值申请。运营方核实到账并确认后，金额即计入您的账户余额。",
            "Top-ups here are bank transfers: transfer the money to the account below, then declare the amount and the remittance reference. Once the operator has checked that the money arrived and confirms it, the amount is added to your balance.",
        ),
        "topup_instructions" => ("收款信息", "Where to transfer"),
        "topup_no_instructions" => (
            "运营方尚未公布收款信息，请联系平台运营方获取收款账户。",
            "The operator has not published the receiving account yet; ask the platform operator for it.",
        ),
        "topup_instructions_hint" => (
            "客户在充值页面看到的收款信息（户名、开户行、账号等），最多 1000 个字符。",
            "What customers see on their top-up page (payee, bank, account number …); at most 1000 characters.",
        ),
        "topup_declare" => ("提交充值申请", "Declare a top-up"),
        "topup_amount" => ("汇款金额（元）", "Amount transferred (yuan)"),
        "topup_reference" => ("汇款凭证号", "Remittance reference"),
        "topup_reference_hint" => (
            "银行流水号或汇款回单号，便于运营方核对到账，最多 128 个字符。",
            "The bank's transaction number or the receipt number, so the operator can match your transfer; at most 128 characters.",
        ),
        "topup_for_order" => ("用于订单", "For order"),
        "topup_submit" => ("提交", "Declare"),
        "topup_declared" => (
            "充值申请已提交，运营方确认到账后金额将计入账户余额。",
            "Your top-up is declared; the amount is added to your balance once the operator confirms the transfer arrived.",
        ),
        "topup_cancelled_ok" => ("充值申请已撤销。", "The top-up request was cancelled."),
        "topup_my_requests" => ("我的充值申请", "My top-up requests"),
        "topup_none" => ("暂无充值申请。", "No top-up requests."),
        "topup_status_pending" => ("待确认", "Pending"),
        "topup_status_credited" => ("已入账", "Credited"),
        "topup_status_rejected" => ("已驳回", "Rejected"),
        "topup_status_cancelled" => ("已撤销", "Cancelled"),
        "topup_decided_at" => ("处理时间", "Decided"),
        "topup_cancel" => ("撤销", "Cancel"),
        "topup_cancel_confirm" => ("确定撤销该充值申请？", "Cancel this top-up request?"),
        "topup_ops_nav" => ("充值确认", "Top-ups"),
        "topup_ops_title" => ("线下充值确认", "Bank-transfer top-ups"),
        "topup_ops_intro" => (
            "客户汇款后提交的充值申请。核实款项已到账后确认，金额立即计入客户账户余额；未到账或金额不符的请填写原因驳回。",
            "Top-ups customers declared after transferring money. Confirm one once the money has arrived: the amount is added to the customer's balance at once. Reject one that did not arrive or does not match, with a reason.",
        ),
        "topup_confirm" => ("确认到账", "Confirm receipt"),
        "topup_confirm_prompt" => (
            "确认已收到该笔汇款？确认后金额立即计入客户账户余额，且不可撤销。",
            "Has this transfer arrived? Confirming adds the amount to the customer's balance at once and cannot be undone.",
        ),
        "topup_reject" => ("驳回", "Reject"),
        "topup_reject_reason" => ("驳回原因", "Reason for rejection"),
        "topup_confirmed_ok" => ("已确认，金额已计入客户账户余额。", "Confirmed: the amount was added to the customer's balance."),
        "topup_rejected_ok" => ("已驳回该充值申请。", "The top-up request was rejected."),
        "topup_err_not_an_amount" => (
            "请填写金额，如 1000 或 99.50（最多两位小数）。",
            "Enter an amount such as 1000 or 99.50 (at most 2 decimals).",
        ),
        "topup_err_not_positive" => ("金额须大于 0。", "The amount must be greater than 0."),
        "topup_err_too_large" => (
            "单笔充值金额不能超过 ¥1000000.00。",
            "One top-up may not exceed ¥1000000.00.",
        ),
        "topup_err_reference_missing" => ("请填写汇款凭证号。", "Enter the remittance reference."),
        "topup_err_reference_too_long" => ("汇款凭证号最多 128 个字符。", "The remittance reference has at most 128 characters."),
        "topup_err_control_character" => ("内容不能包含换行或控制字符。", "The text must not contain line breaks or control characters."),
        "topup_err_reason_missing" => ("驳回时须填写原因。", "A rejection needs a reason."),
        "topup_err_reason_too_long" => ("驳回原因最多 200 个字符。", "The reason has at most 200 characters."),
        "topup_err_instructions_too_long" => ("收款信息最多 1000 个字符。", "The instructions have at most 1000 characters."),
        _ => match bills::pair(key)
            .or_else(|| audit::pair(key))
            .or_else(|| staff::pair(key))
            .or_else(|| invoices::pair(key))
            .or_else(|| usage::pair(key))
        {
            Some(p) => p,
            None => return "??",
        },
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::{t, Lang};

    /// The keys the console's sources pass to `t` as string literals: `t(lang, "key")` and
    /// `t(lang, if … { "a" } else { "b" })`. Keys built at run time (`&format!("status_{n}")`)
    /// are checked by family in the tests that render them.
    fn literal_keys(src: &str) -> Vec<String> {
        let mut keys = Vec::new();
        let b = src.as_bytes();
        let mut i = 0;
        while let Some(at) = src[i..].find("t(") {
            let start = i + at;
            i = start + 2;
            if start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_') {
                continue;
            }
            // The language argument: an identifier or a field path, then ", ".
            let rest = &src[i..];
            let Some(comma) = rest.find(", ") else {
                continue;
            };
            if !rest[..comma]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
            {
                continue;
            }
            let arg = &rest[comma + 2..];
            let end = arg.find(')').unwrap_or(arg.len());
            let arg = &arg[..end];
            if !(arg.starts_with('"') || arg.starts_with("if ")) {
                continue;
            }
            for (n, piece) in arg.split('"').enumerate() {
                if n % 2 == 1
                    && !piece.is_empty()
                    && piece
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
                {
                    keys.push(piece.to_string());
                }
            }
        }
        keys
    }

    fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).expect("console sources") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let s = std::fs::read_to_string(&p).expect("source");
                // The code under test, not its tests (they name keys that need not exist).
                let code = s.split("#[cfg(test)]").next().unwrap_or("").to_string();
                out.push((p.display().to_string(), code));
            }
        }
    }

    /// No console page can show `??`: every key a page passes as a literal has both languages.
    #[test]
    fn every_literal_key_has_both_languages() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
        let mut files = Vec::new();
        sources(&dir, &mut files);
        let mut missing = Vec::new();
        let mut seen = 0;
        for (path, src) in &files {
            for k in literal_keys(src) {
                seen += 1;
                if t(Lang::Zh, &k) == "??" || t(Lang::En, &k) == "??" {
                    missing.push(format!("{path}: {k}"));
                }
            }
        }
        assert!(
            seen > 500,
            "the scan found only {seen} keys: is it still reading the sources?"
        );
        assert!(
            missing.is_empty(),
            "keys without a translation:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_scan_reads_both_forms() {
        let src =
            r#"x(t(lang, "home")); t(c.lang, if a { "yes" } else { "no" }); not_t(lang, "zz")"#;
        assert_eq!(literal_keys(src), vec!["home", "yes", "no"]);
    }

    #[test]
    fn invoice_statuses_have_labels() {
        for s in pc_domain::invoices::Status::ALL {
            assert_ne!(t(Lang::Zh, &format!("invoice_status_{}", s.code())), "??");
        }
    }
}
