//! Strings of the list exports (`console/export.rs` and `console/export/`): the links, the
//! refusal of a list too long to export, and the column names only the exports use.

/// The (Chinese, English) pair of `key`, if this area has it.
pub(super) fn pair(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "export" => ("导出", "Export"),
        "export_too_many" => (
            "该列表共 {n} 行，单次导出最多 {max} 行。请缩小筛选范围后再导出。",
            "This list has {n} rows; an export holds at most {max}. Narrow the filters and export again.",
        ),
        "time_utc" => ("时间 (UTC)", "Time (UTC)"),
        "action_code" => ("操作代码", "Action code"),
        "export_recalled_amount" => ("回收金额", "Recalled amount"),
        "export_delegated_since" => ("委托时间", "Delegated since"),
        "export_region" => ("区域", "Region"),
        "export_invoice_owed_offset" => ("已抵扣欠票金额", "Owed invoices offset"),
        "export_usage_deductions" => ("资源包抵扣记录", "Package deductions"),
        "export_package_id" => ("资源包 ID", "Package ID"),
        "export_actor_id" => ("操作人 ID", "Actor ID"),
        "export_target_id" => ("对象 ID", "Object ID"),
        "export_discount_amount" => ("折扣金额", "Discount"),
        "export_voucher_amount" => ("代金券支付", "Paid with vouchers"),
        "export_cash_coupon_amount" => ("现金券支付", "Paid with cash coupons"),
        "export_issued_count" => ("已发券数", "Coupons issued"),
        "export_product_id" => ("产品 ID", "Product ID"),
        "export_revoked_at" => ("撤销时间", "Revoked at"),
        "export_starts_at" => ("开始时间", "Starts"),
        "export_ends_at" => ("结束时间", "Ends"),
        "export_closed_at" => ("结账时间", "Closed at"),
        _ => return None,
    })
}
