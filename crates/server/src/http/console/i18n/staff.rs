//! Strings of the staff pages (`console/staff.rs`).

/// The (Chinese, English) pair of `key`, if this area has it.
pub(super) fn pair(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "staff_nav" => ("员工", "Staff"),
        "staff_title" => ("员工账号", "Staff accounts"),
        "staff_intro" => (
            "员工账号可登录控制台查看客户、邀请链接和优惠券，但不能发券、回收、拨款或修改设置。停用后该员工立即退出登录且无法再登录。",
            "Staff can log in to the console to see customers, invite links and coupons, but cannot issue or recall coupons, move funds or change settings. A disabled staff member is logged out at once and cannot log in again.",
        ),
        "staff_partner" => ("伙伴：", "Partner:"),
        "staff_new" => ("新建员工账号", "New staff account"),
        "staff_login_hint" => (
            "3 至 64 个字符：字母、数字、_ - . @",
            "3 to 64 characters: letters, digits, _ - . @",
        ),
        "staff_display_name" => ("显示名称（可选）", "Display name (optional)"),
        "staff_display_name_col" => ("显示名称", "Display name"),
        "staff_initial_password" => ("初始密码", "Initial password"),
        "staff_password_hint" => (
            "8 至 128 个字符，至少包含大写字母、小写字母、数字、符号中的两类。请通过安全渠道告知员工。",
            "8 to 128 characters with at least two of: upper case, lower case, digits, symbols. Give it to the staff member over a safe channel.",
        ),
        "staff_create" => ("创建员工账号", "Create staff account"),
        "staff_accounts" => ("账号列表", "Accounts"),
        "staff_role" => ("角色", "Role"),
        "staff_last_login" => ("最近登录", "Last login"),
        "staff_never" => ("从未登录", "Never"),
        "staff_enable" => ("启用", "Enable"),
        "staff_disable_confirm" => (
            "停用后该员工将立即退出登录且无法再登录，确定停用？",
            "The staff member will be logged out at once and cannot log in again. Disable the account?",
        ),
        "staff_new_password" => ("新密码", "New password"),
        "staff_reset" => ("重置密码", "Reset password"),
        "staff_admin_locked" => ("管理员账号不可在此修改", "Admin accounts cannot be changed here"),
        "staff_done_created" => ("员工账号已创建。", "The staff account was created."),
        "staff_done_disabled" => (
            "员工账号已停用，其登录会话已全部结束。",
            "The staff account was disabled and all its sessions ended.",
        ),
        "staff_done_enabled" => ("员工账号已启用。", "The staff account was enabled."),
        "staff_done_password" => (
            "密码已重置，该员工需使用新密码重新登录。",
            "The password was reset; the staff member must log in again with the new password.",
        ),
        _ => return None,
    })
}
