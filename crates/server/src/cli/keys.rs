//! Operators, access keys, staff and the master key: `admin create-operator`,
//! `create-operator-key`, `create-staff`, `new-master-key`, `reseal-secrets`.

use std::process::ExitCode;

use pc_app::crypto::MasterKey;
use pc_app::services::{identity, partners::staff};
use pc_app::Db;

use super::lang::{say, tr};
use super::{cli_ctx, fail, Admin, Resolved};

/// `admin create-operator`, `create-operator-key`, `create-staff`, `new-master-key`, `reseal-secrets`.
pub(super) async fn admin(r: &Resolved, db: Db, a: Admin) -> ExitCode {
    let mk = || r.master_key.clone();
    match a {
        Admin::CreateOperator { login, password } => {
            let new = identity::Credentials {
                login: login.clone(),
                password,
            };
            match identity::create_operator(&db, cli_ctx(), new).await {
                Ok(id) => {
                    say!(
                        "已创建运营人员 {login}（{id}）",
                        "operator {login} created ({id})"
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::CreateOperatorKey {
            login,
            description,
            json,
        } => {
            let mk = match mk() {
                Ok(k) => k,
                Err(e) => return fail(e),
            };
            let k = identity::NewOperatorKey {
                operator_login: Some(login),
                description,
            };
            match identity::create_operator_key(&db, cli_ctx(), mk, k).await {
                Ok(identity::OperatorKey { user_id, key: k }) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"user_id": user_id, "access_key": k.access_key, "secret_key": k.secret_key})
                        );
                    } else {
                        println!("user_id (X-Domain-Id): {user_id}\naccess_key: {}\nsecret_key: {}  ({})", k.access_key, k.secret_key, tr("仅显示一次", "shown once"));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::CreateStaff {
            partner,
            login,
            password,
            display_name,
            json,
        } => {
            let input = staff::NewStaff {
                partner_id: Some(partner.clone()),
                login: login.clone(),
                password,
                display_name,
            };
            match staff::create(&db, cli_ctx(), input).await {
                Ok(user_id) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"user_id": user_id, "partner_id": partner, "login": login})
                        );
                    } else {
                        say!(
                            "已为伙伴 {partner} 创建员工 {login}（{user_id}）",
                            "staff {login} created for partner {partner} ({user_id})"
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::NewMasterKey => {
            println!("{}", MasterKey::generate().to_hex());
            ExitCode::SUCCESS
        }
        Admin::ResealSecrets => {
            let mk = match mk() {
                Ok(k) => k,
                Err(e) => return fail(e),
            };
            match identity::reseal_secrets(&db, cli_ctx(), mk).await {
                Ok(n) => {
                    say!(
                        "已用当前主密钥重新封存 {n} 个密钥",
                        "{n} secret(s) re-sealed under the current master key"
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        _ => unreachable!("dispatched by cli::admin"),
    }
}
