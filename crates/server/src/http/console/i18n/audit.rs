//! Strings of the audit log and transfer pages (`console/audit.rs`). The actions' own names are
//! in `pc_app::services::audit::actions`.

/// The (Chinese, English) pair of `key`, if this area has it.
pub(super) fn pair(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "role_system" => ("系统", "System"),
        "actor_operator" => ("运营人员", "Operator"),
        "actor_partner" => ("伙伴", "Partner"),
        "actor_customer" => ("客户", "Customer"),
        "actor_system" => ("系统", "System"),
        "audit_actor" => ("操作人 ID（部分即可）", "Actor ID (part of it)"),
        "audit_partner" => ("租户（一级伙伴 ID）", "Tenant (root partner ID)"),
        "audit_target_kind" => ("对象类型", "Object type"),
        "audit_target_id" => ("对象 ID（部分即可）", "Object ID (part of it)"),
        "audit_from" => ("起始日期（北京时间）", "From (Asia/Shanghai)"),
        "audit_to" => ("截止日期（含）", "To (included)"),
        "audit_all_actions" => ("全部操作", "All actions"),
        "audit_details" => ("详情", "Details"),
        "audit_tenant" => ("租户", "Tenant"),
        "audit_clear" => ("清除筛选", "Clear filters"),
        "audit_export_capped" => (
            "导出包含最新的 50000 条记录。",
            "An export holds the newest 50,000 entries.",
        ),
        "audit_bad_filter" => (
            "筛选条件无效：日期请写成 2026-11-18，操作请从列表中选择。",
            "Invalid filter: write days as 2026-11-18 and pick the action from the list.",
        ),
        "transfer_title" => ("资金流水", "Ledger transfer"),
        "transfer_from" => ("转出账户", "From account"),
        "transfer_to" => ("转入账户", "To account"),
        "transfer_kind" => ("流水类型", "Kind"),
        "transfer_from_after" => ("转出后余额", "From balance after"),
        "transfer_to_after" => ("转入后余额", "To balance after"),
        "transfer_derived" => (
            "（外部账户，不记余额）",
            "(external account, no balance kept)",
        ),
        "transfer_memo" => ("备注", "Memo"),
        "transfer_entries" => ("记录该流水的审计条目", "Audit entries naming it"),
        "transfer_not_found" => ("没有这笔资金流水。", "No such transfer."),
        _ => return None,
    })
}
