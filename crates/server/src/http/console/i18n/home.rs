//! Strings of the home pages (`console/home.rs`).

/// The (Chinese, English) pair of `key`, if this area has it.
pub(super) fn pair(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "home_customers_this_month" => ("本月新关联客户", "Customers associated this month"),
        "home_orders_awaiting_payment" => ("待支付订单", "Orders awaiting payment"),
        "home_coupons_expiring" => ("30 天内到期的优惠券", "Coupons expiring within 30 days"),
        "home_coupon_quota_left" => ("剩余优惠券额度", "Coupon quota left"),
        "home_tasks" => ("待办事项", "Tasks"),
        "home_no_tasks" => ("暂无待办事项。", "Nothing is waiting on you."),
        "home_task_unpaid_orders" => ("客户订单待支付", "Customer orders awaiting payment"),
        "home_task_invoices" => ("发票申请待处理", "Invoice requests to handle"),
        "home_task_expiring_coupons" => {
            ("优惠券将在 30 天内到期", "Coupons expiring within 30 days")
        }
        "home_customers_chart" => (
            "近 12 个月新关联客户数",
            "Customers associated per month (last 12 months)",
        ),
        "home_funds_chart" => (
            "近 12 个月拨款与回收",
            "Allocations and reclaims per month (last 12 months)",
        ),
        "home_allocated" => ("拨款", "Allocated"),
        "home_reclaimed" => ("回收", "Reclaimed"),
        "home_orders_chart" => ("近 12 个月订单状态", "Orders by status (last 12 months)"),
        "home_coupons_usable" => ("可用优惠券", "Usable coupons"),
        "home_resources_expiring" => ("30 天内到期的资源", "Resources expiring within 30 days"),
        "home_orders_to_pay" => ("待支付订单", "Orders to pay"),
        "home_topups_pending" => ("待确认充值", "Top-ups to confirm"),
        "home_invoices_to_handle" => ("待处理发票申请", "Invoice requests to handle"),
        "home_money_by_kind" => ("系统内资金", "Money in the system"),
        "home_money_by_kind_hint" => (
            "按账户类型汇总的账本余额。",
            "Ledger balances summed by kind of account.",
        ),
        "home_customers_direct" => ("其中直属客户", "of them your direct customers"),
        "home_customers_tree_hint" => (
            "含云经销商的客户。",
            "Including your cloud resellers' customers.",
        ),
        "home_partners_chart" => (
            "近 12 个月新入驻伙伴数",
            "Partners joined per month (last 12 months)",
        ),
        "home_customers_joined_chart" => (
            "近 12 个月新注册客户数",
            "Customers joined per month (last 12 months)",
        ),
        "home_topups_count_chart" => (
            "近 12 个月已确认充值笔数",
            "Top-ups confirmed per month (last 12 months)",
        ),
        "home_topups_amount_chart" => (
            "近 12 个月已确认充值金额",
            "Amount of top-ups confirmed per month (last 12 months)",
        ),
        "home_topups_credited" => ("已入账", "Credited"),
        "home_platform_orders_chart" => (
            "近 12 个月全平台订单状态",
            "Orders by status across the platform (last 12 months)",
        ),
        _ => return None,
    })
}
