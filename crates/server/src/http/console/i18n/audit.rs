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

/// The (Chinese, English) name of a ledger transfer's kind (`ledger_transfers.kind`), if known;
/// the transfer page shows the code beside it either way.
pub fn transfer_kind(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "operator_credit" => ("运营充值", "Operator credit"),
        "allocate_customer" => ("向客户拨款", "Allocation to a customer"),
        "reclaim_customer" => ("从客户回收", "Reclaim from a customer"),
        "allocate_reseller" => ("向云经销商拨款", "Allocation to a reseller"),
        "reclaim_reseller" => ("从云经销商回收", "Reclaim from a reseller"),
        "unbind_return" => ("解除关联退回余额", "Balance returned on unbinding"),
        "customer_topup" => ("客户线下充值", "Customer offline top-up"),
        "order_pay" => ("订单支付", "Order payment"),
        "order_refund" => ("退订退款", "Unsubscribe refund"),
        "coupon_use" => ("优惠券抵扣", "Coupon spent"),
        "coupon_refund" => ("优惠券退还", "Coupon given back"),
        "usage_pay" => ("按需扣费", "Pay-per-use charge"),
        "usage_debt" => ("按需欠费", "Pay-per-use owed"),
        "arrears_repay" => ("偿还欠费", "Arrears repaid"),
        "coupon_issue" => ("发放优惠券", "Coupon issued"),
        "coupon_reclaim" => ("回收优惠券", "Coupon reclaimed"),
        "coupon_expiry_return" => ("优惠券过期退回额度", "Expired coupon returned to its quota"),
        "quota_grant" => ("发放优惠券额度", "Coupon quota granted"),
        "quota_grant_reseller" => ("向云经销商下拨额度", "Quota granted to a reseller"),
        "quota_reclaim_reseller" => ("回收云经销商额度", "Quota reclaimed from a reseller"),
        _ => return None,
    })
}

/// The (Chinese, English) name of a ledger account's kind, from its id's prefix
/// (`partner_cash:p-1`).
pub fn account_kind(account: &str) -> Option<(&'static str, &'static str)> {
    Some(match account.split(':').next()? {
        "external" => ("外部（系统之外）", "External (outside the system)"),
        "partner_cash" => ("伙伴现金账户", "Partner cash"),
        "customer_cash" => ("客户现金账户", "Customer cash"),
        "coupon_quota" => ("优惠券额度", "Coupon quota"),
        "coupon" => ("优惠券", "Coupon"),
        "customer_arrears" => ("客户欠费", "Customer arrears"),
        _ => return None,
    })
}
