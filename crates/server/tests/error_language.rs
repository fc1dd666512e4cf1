//! The vendor API's error messages follow `X-Language` (docs/error-codes.md): Chinese by default
//! (the vendor's default zh_CN) and for `zh_CN`, English for `en_US`; the code never changes. On
//! SQLite and PostgreSQL.

mod common;

use common::shop::app_now;
use common::*;
use pc_domain::party::{AssociationType, PartnerType};
use serde_json::json;

const CREATE: &str = "/v2/partners/sub-customers";
const LIST: &str = "/v2/partners/sub-customers/query";
const ADJUST: &str = "/v2/accounts/partner-accounts/adjust-amount";

/// One refusal asked in each language: its status and code, and the start of its message.
struct Case<'a> {
    creds: &'a Creds,
    path: &'a str,
    body: String,
    status: u16,
    code: &'a str,
    zh: &'a str,
    en: &'a str,
}

async fn check(app: &TestApp, c: &Case<'_>) {
    for (header, expected) in [
        (None, c.zh),
        (Some("zh_CN"), c.zh),
        (Some("en_US"), c.en),
        (Some("en-us"), c.en),
    ] {
        let extra: Vec<(&str, &str)> = header.map(|h| ("x-language", h)).into_iter().collect();
        let r = app
            .send(signed(
                c.creds,
                "POST",
                c.path,
                &c.body,
                app_now(app),
                &extra,
            ))
            .await;
        r.assert_error(c.status, c.code);
        let msg = r.json()["error_msg"].as_str().unwrap().to_string();
        assert!(
            msg.starts_with(expected),
            "{}: {header:?}: {msg}",
            app.engine
        );
    }
}

#[tokio::test]
async fn error_messages_follow_x_language() {
    for app in apps("errlang").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let creds = Creds::from(&d);
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "lang-c", "l")
            .await;
        let customer = Creds::from(&c);
        let cases = [
            // create_sub_customer's own code, with the rule's detail translated.
            Case {
                creds: &creds,
                path: CREATE,
                body: json!({"xaccount_id": "l-1", "xaccount_type": d.xaccount_type, "domain_name": "ab"}).to_string(),
                status: 400,
                code: "CBC.99000031",
                zh: "客户登录名格式不合法。 账号名为 5 到 32",
                en: "The customer login name is not valid. an account name has 5 to 32",
            },
            // A rule of the password whose detail used to be English on a Chinese page.
            Case {
                creds: &creds,
                path: CREATE,
                body: json!({"xaccount_id": "l-2", "xaccount_type": d.xaccount_type, "domain_name": "langshop2026",
                    "password": "langshop2026"}).to_string(),
                status: 400,
                code: "CBC.99000036",
                zh: "客户密码格式不合法。 密码不能与账号名相同",
                en: "The customer password is not valid. the password must not be the account name",
            },
            // A paging rule shared by every list.
            Case {
                creds: &creds,
                path: LIST,
                body: json!({"limit": 0}).to_string(),
                status: 400,
                code: "CBC.0100",
                zh: "参数错误。 limit 须在 1 到 100 之间。",
                en: "Invalid parameter. limit must be between 1 and 100",
            },
            // A funds refusal.
            Case {
                creds: &creds,
                path: ADJUST,
                body: json!({"customer_id": c.customer_id, "amount": 0}).to_string(),
                status: 400,
                code: "CBC.0100",
                zh: "参数错误。 金额须大于 0，且最多 2 位小数。",
                en: "Invalid parameter. amount must be greater than 0 with at most 2 decimals",
            },
            // A customer's key on a partner operation.
            Case {
                creds: &customer,
                path: LIST,
                body: "{}".into(),
                status: 403,
                code: "CBC.0155",
                zh: "不允许执行当前请求。 该接口仅供合作伙伴调用。",
                en: "This account may not call this API. This operation is for partners.",
            },
        ];
        for case in &cases {
            check(&app, case).await;
        }
    }
}
