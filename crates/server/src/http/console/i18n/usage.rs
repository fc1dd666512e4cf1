//! Strings of the customer's pay-per-use page (`console/usage.rs`).

/// The (Chinese, English) pair of `key`, if this area has it.
pub(super) fn pair(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "usage_nav" => ("按需用量", "Pay-per-use"),
        "usage_title" => ("按需用量与资源包", "Pay-per-use usage and resource packages"),
        "usage_times_hint" => (
            "时间按时间旁所注的时区显示；按需费用按北京时间（UTC+8）的自然月计入账单。",
            "Times are in the zone named beside them; pay-per-use charges are on your monthly bills, by month in Beijing time (UTC+8).",
        ),
        "usage_arrears" => ("欠费", "Arrears"),
        "usage_in_arrears" => ("您已欠费，欠费金额：", "Your account is in arrears. You owe"),
        "usage_no_arrears" => ("您未欠费。", "Your account is not in arrears."),
        "usage_repay_topup" => (
            "充值到账后，将优先偿还欠费，剩余金额计入账户余额。",
            "A top-up, once it arrives, repays the arrears first; the rest goes to your balance.",
        ),
        "usage_repay_allocation" => (
            "合作伙伴向您拨款时，将优先偿还欠费，剩余金额计入账户余额。",
            "An allocation from your partner repays the arrears first; the rest goes to your balance.",
        ),
        "usage_topup_link" => ("去充值", "Top up"),
        "usage_resources" => ("按需资源", "On-demand resources"),
        "usage_resource_id" => ("资源 ID", "Resource ID"),
        "usage_spec" => ("规格", "Specification"),
        "usage_since" => ("开始使用", "In use since"),
        "usage_res_status_1" => ("正常", "Normal"),
        "usage_res_status_2" => ("已冻结", "Frozen"),
        "usage_res_status_3" => ("已删除", "Deleted"),
        "usage_packages" => ("资源包", "Resource packages"),
        "usage_package" => ("资源包", "Package"),
        "usage_hours_total" => ("总时长（小时）", "Hours in total"),
        "usage_hours_left" => ("剩余时长（小时）", "Hours left"),
        "usage_effective" => ("生效时间", "In force from"),
        "usage_expires" => ("到期时间", "Expires"),
        "usage_pkg_status_0" => ("未生效", "Not yet in force"),
        "usage_pkg_status_1" => ("生效中", "In force"),
        "usage_pkg_status_2" => ("已用完", "Used up"),
        "usage_pkg_status_3" => ("已过期", "Expired"),
        "usage_deductions" => ("最近抵扣记录", "Latest deductions"),
        "usage_deducted_at" => ("抵扣时间", "Deducted at"),
        "usage_hours_used" => ("抵扣时长（小时）", "Hours deducted"),
        "usage_hours_after" => ("抵扣后剩余（小时）", "Hours left after"),
        "usage_see_bills" => ("查看按需费用账单", "See the pay-per-use charges on Bills"),
        _ => return None,
    })
}
