//! Every action code the services write to the audit log, named in both languages.
//!
//! The audit log keeps the code (`funds.allocate_customer`); the console shows its name in the
//! page's language and filters by it. The test below scans the crate's sources for every string
//! literal shaped like an action code (`word.word`) and fails when one has no name here, so a new
//! action cannot reach the log unnamed; it fails too when a name here is no longer written.

/// (code, 中文, English), grouped by capability.
#[rustfmt::skip]
pub const ACTIONS: &[(&str, &str, &str)] = &[
    // identity
    ("session.login", "登录控制台", "Console login"),
    ("user.create", "创建用户", "User created"),
    ("user.set_language", "设置界面语言", "Language set"),
    ("access_key.create", "创建访问密钥", "Access key created"),
    ("access_key.revoke", "吊销访问密钥", "Access key revoked"),
    ("keys.reseal", "重新加密访问密钥", "Access keys resealed"),
    // catalog
    ("catalog.save_product", "保存产品", "Product saved"),
    ("catalog.save_service_type", "保存云服务类型", "Service type saved"),
    ("catalog.save_resource_type", "保存资源类型", "Resource type saved"),
    ("catalog.set_usage_pricing", "设置按需价格", "Pay-per-use prices set"),
    // partners
    ("partner.create", "创建伙伴", "Partner created"),
    ("partner.update_profile", "修改伙伴资料", "Partner profile updated"),
    ("delegation.create", "授权总经销商代管", "Delegation granted"),
    ("delegation.cancel", "取消代管授权", "Delegation cancelled"),
    ("delegation.view_customers", "代管查看客户", "Delegated customers viewed"),
    ("staff.create", "创建员工账号", "Staff account created"),
    ("staff.disable", "停用员工账号", "Staff account disabled"),
    ("staff.enable", "启用员工账号", "Staff account enabled"),
    ("staff.reset_password", "重置员工密码", "Staff password reset"),
    ("redirects.set", "设置跳转地址", "Redirect addresses set"),
    ("redirects.clear", "清除跳转地址", "Redirect addresses cleared"),
    // customers
    ("customer.create", "创建客户", "Customer created"),
    ("customer.set_contact", "修改客户联系方式", "Customer contact changed"),
    ("association.create", "关联客户", "Customer associated"),
    ("association.end", "解除客户关联", "Association ended"),
    ("invite_link.create", "生成邀请链接", "Invite link created"),
    ("invite_link.disable", "停用邀请链接", "Invite link disabled"),
    ("invite_link.use", "通过邀请链接关联", "Invite link used"),
    ("verification_code.send", "发送验证码", "Verification code sent"),
    ("verification_code.use", "使用验证码", "Verification code used"),
    ("verification_code.wrong", "验证码错误", "Wrong verification code"),
    // funds
    ("funds.credit_partner", "为伙伴充值", "Partner credited"),
    ("funds.allocate_customer", "向客户拨款", "Funds allocated to customer"),
    ("funds.reclaim_customer", "从客户回收", "Funds reclaimed from customer"),
    ("funds.allocate_reseller", "向云经销商拨款", "Funds allocated to reseller"),
    ("funds.reclaim_reseller", "从云经销商回收", "Funds reclaimed from reseller"),
    ("funds.arrears_repay", "偿还欠费", "Arrears repaid"),
    ("topup.declare", "提交线下充值", "Offline top-up declared"),
    ("topup.confirm", "确认线下充值", "Offline top-up confirmed"),
    ("topup.reject", "驳回线下充值", "Offline top-up rejected"),
    ("topup.cancel", "撤销线下充值", "Offline top-up cancelled"),
    ("topup.set_instructions", "设置充值说明", "Top-up instructions set"),
    // coupons
    ("coupon.grant_quota", "发放优惠券额度", "Coupon quota granted"),
    ("coupon.top_up_quota", "追加优惠券额度", "Coupon quota topped up"),
    ("coupon.set_quota_status", "设置额度状态", "Quota status set"),
    ("coupon.set_quota_limits", "设置额度限制", "Quota limits set"),
    ("coupon.grant_reseller_quota", "向云经销商下拨额度", "Quota granted to reseller"),
    ("coupon.reclaim_reseller_quota", "回收云经销商额度", "Quota reclaimed from reseller"),
    ("coupon.issue", "发放优惠券", "Coupon issued"),
    ("coupon.reclaim", "回收优惠券", "Coupon reclaimed"),
    ("coupon.lock", "锁定优惠券", "Coupon locked"),
    ("coupon.release", "释放优惠券", "Coupon released"),
    ("coupon.use", "使用优惠券", "Coupon used"),
    ("coupon.refund", "退还优惠券", "Coupon refunded"),
    ("coupon.expire", "优惠券过期", "Coupon expired"),
    // orders
    ("orders.place", "下单", "Order placed"),
    ("orders.pay", "支付订单", "Order paid"),
    ("orders.cancel", "取消订单", "Order cancelled"),
    ("orders.expire", "订单超时关闭", "Order expired"),
    ("orders.change", "变更规格", "Specification changed"),
    ("orders.unsubscribe", "退订", "Unsubscribed"),
    ("orders.adjust_price", "订单调价", "Order price adjusted"),
    ("orders.clear_price_adjustment", "取消订单调价", "Price adjustment cleared"),
    ("orders.set_discount_floor", "设置折扣下限", "Discount floor set"),
    ("orders.grant_discount", "授予折扣", "Discount granted"),
    ("orders.revoke_discount", "撤销折扣", "Discount revoked"),
    ("promotions.create", "创建促销", "Promotion created"),
    ("promotions.revoke", "撤销促销", "Promotion revoked"),
    // subscriptions and usage
    ("resources.expire", "资源到期", "Resource expired"),
    ("resources.set_expire_policy", "设置到期策略", "Expiry policy set"),
    ("resources.to_on_demand", "转按需", "Changed to pay-per-use"),
    ("resources.to_on_demand_at_expiry", "到期转按需", "Pay-per-use at expiry"),
    ("subscriptions.set_renew_config", "设置自动续费", "Auto-renewal set"),
    ("usage.import", "导入用量", "Usage imported"),
    ("bills.close_month", "月度账单关账", "Billing month closed"),
    // invoices
    ("invoices.save_profile", "保存开票信息", "Invoicing details saved"),
    ("invoices.submit", "申请发票", "Invoice requested"),
    ("invoices.resubmit", "重新申请发票", "Invoice re-requested"),
    ("invoices.act", "处理发票申请", "Invoice request handled"),
    // deployment
    ("test_clock.move", "调整测试时钟", "Test clock moved"),
];

/// The name of `code` in Chinese (`zh`) or English; `None` for a code this table lacks (an
/// older deployment's, say), which the console then shows as it is.
pub fn label(code: &str, zh: bool) -> Option<&'static str> {
    ACTIONS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, z, e)| if zh { *z } else { *e })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// String literals shaped like an action code that are not actions: settings keys.
    const NOT_ACTIONS: &[&str] = &["orders.discount_floor_bp", "test_clock.offset_ms"];

    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("actions.rs") {
                out.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }

    /// Every whole string literal `"xx.yy"` (lower case and `_`, the first part longer than one
    /// letter, which leaves SQL's `r.id` out). Every text between two quotes is looked at, inside
    /// a literal or not, so an escaped quote elsewhere cannot hide one.
    fn code_literals(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for part in text.split('"') {
            let Some((a, b)) = part.split_once('.') else {
                continue;
            };
            let word =
                |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if a.len() > 1 && word(a) && word(b) {
                found.push(part.to_string());
            }
        }
        found
    }

    #[test]
    fn every_action_written_is_named_and_every_name_is_written() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 50, "the sources were found");
        let named: BTreeSet<&str> = ACTIONS.iter().map(|(c, _, _)| *c).collect();
        assert_eq!(named.len(), ACTIONS.len(), "no code is named twice");
        let mut written = BTreeSet::new();
        for (path, text) in &files {
            for code in code_literals(text) {
                if NOT_ACTIONS.contains(&code.as_str()) {
                    continue;
                }
                assert!(
                    named.contains(code.as_str()),
                    "{path}: the action {code:?} has no name in services/audit/actions.rs"
                );
                written.insert(code);
            }
        }
        for code in &named {
            assert!(
                written.contains(*code),
                "{code:?} is named but never written"
            );
        }
        for (code, zh, en) in ACTIONS {
            assert!(!zh.is_empty() && !en.is_empty(), "{code}");
            assert!(!zh.is_ascii(), "{code}: the Chinese name is Chinese");
        }
    }

    #[test]
    fn literals_shaped_like_codes_are_found() {
        let text = r#"action: "funds.credit_partner", x: "r.id", y: "a b.c", "orders.x_y""#;
        assert_eq!(code_literals(text), ["funds.credit_partner", "orders.x_y"]);
    }
}
