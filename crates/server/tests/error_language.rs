//! The vendor API's error messages follow `X-Language` (docs/error-codes.md): Chinese by default
//! (the vendor's default zh_CN) and for `zh_CN`, English for `en_US`; the code never changes. On
//! SQLite and PostgreSQL.

mod common;

use common::shop::app_now;
use common::*;
use pc_domain::party::PartnerType;
use serde_json::json;

const CREATE: &str = "/v2/partners/sub-customers";
const LIST: &str = "/v2/partners/sub-customers/query";
const ADJUST: &str = "/v2/accounts/partner-accounts/adjust-amount";

#[tokio::test]
async fn error_messages_follow_x_language() {
    for app in apps("errlang").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let creds = Creds::from(&d);
        let bad_name =
            json!({"xaccount_id": "l-1", "xaccount_type": d.xaccount_type, "domain_name": "ab"})
                .to_string();
        let bad_page = json!({"limit": 0}).to_string();
        // A customer's key on a partner operation: the detail is translated too.
        let c = app
            .customer(
                &d.partner_id,
                pc_domain::party::AssociationType::Resale,
                "lang-c",
                "l",
            )
            .await;
        // A funds refusal's detail.
        let zero = json!({"customer_id": c.customer_id, "amount": 0}).to_string();
        for (header, expected) in [
            (None, "参数错误。 金额须大于 0，且最多 2 位小数。"),
            (
                Some("en_US"),
                "Invalid parameter. amount must be greater than 0 with at most 2 decimals",
            ),
        ] {
            let extra: Vec<(&str, &str)> = header.map(|h| ("x-language", h)).into_iter().collect();
            let r = app
                .send(signed(&creds, "POST", ADJUST, &zero, app_now(&app), &extra))
                .await;
            r.assert_error(400, "CBC.0100");
            assert_eq!(r.json()["error_msg"], expected, "{}", app.engine);
        }
        for (header, expected) in [
            (None, "不允许执行当前请求。 该接口仅供合作伙伴调用。"),
            (
                Some("en_US"),
                "This account may not call this API. This operation is for partners.",
            ),
        ] {
            let extra: Vec<(&str, &str)> = header.map(|h| ("x-language", h)).into_iter().collect();
            let r = app
                .send(signed(
                    &Creds::from(&c),
                    "POST",
                    LIST,
                    "{}",
                    app_now(&app),
                    &extra,
                ))
                .await;
            r.assert_error(403, "CBC.0155");
            assert_eq!(r.json()["error_msg"], expected, "{}", app.engine);
        }
        for (path, body, code, zh, en) in [
            (
                CREATE,
                &bad_name,
                "CBC.99000031",
                "客户登录名格式不合法。 账号名为 5 到 32",
                "The customer login name is not valid. an account name has 5 to 32",
            ),
            (
                LIST,
                &bad_page,
                "CBC.0100",
                "参数错误。 limit 须在 1 到 100 之间。",
                "Invalid parameter. limit must be between 1 and 100",
            ),
        ] {
            for (header, expected) in [
                (None, zh),
                (Some("zh_CN"), zh),
                (Some("en_US"), en),
                (Some("en-us"), en),
            ] {
                let extra: Vec<(&str, &str)> =
                    header.map(|h| ("x-language", h)).into_iter().collect();
                let r = app
                    .send(signed(&creds, "POST", path, body, app_now(&app), &extra))
                    .await;
                r.assert_error(400, code);
                let msg = r.json()["error_msg"].as_str().unwrap().to_string();
                assert!(
                    msg.starts_with(expected),
                    "{}: {header:?}: {msg}",
                    app.engine
                );
            }
        }
    }
}
