//! Partners and customers: `admin create-partner`, `create-customer`, `update-partner`.

use std::process::ExitCode;

use pc_app::services::{customers, partners};
use pc_app::Db;
use pc_domain::party::{AssociationType, PartnerType};

use super::lang::{say, tr};
use super::{cli_ctx, fail, Admin, Resolved};

/// `admin create-partner`, `create-customer`, `update-partner`.
pub(super) async fn admin(r: &Resolved, db: Db, a: Admin) -> ExitCode {
    let mk = || r.master_key.clone();
    match a {
        Admin::CreatePartner {
            name,
            partner_type,
            parent,
            login,
            password,
            json,
        } => {
            let Some(t) = PartnerType::parse(&partner_type) else {
                return fail(tr(
                    "--type 必须是 distributor、reseller、consulting、solution、marketplace 之一",
                    "--type must be one of distributor, reseller, consulting, solution, marketplace",
                ));
            };
            let mk = match mk() {
                Ok(k) => k,
                Err(e) => return fail(e),
            };
            match partners::create(
                &db,
                cli_ctx(),
                mk,
                partners::NewPartner {
                    name,
                    partner_type: t,
                    parent_id: parent,
                    login,
                    password,
                },
            )
            .await
            {
                Ok(p) => {
                    if json {
                        println!("{}", serde_json::to_string(&p).unwrap_or_default());
                    } else {
                        println!("partner_id:    {}\ndomain_id:     {}\nxaccount_type: {}\nlogin:         {}\npassword:      {}\naccess_key:    {}\nsecret_key:    {}  ({})",
                            p.partner_id, p.domain_id, p.xaccount_type, p.login, p.password, p.access_key, p.secret_key, tr("仅显示一次", "shown once"));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::CreateCustomer {
            partner,
            association,
            name,
            label,
            json,
        } => {
            let Some(at) = AssociationType::parse(&association) else {
                return fail(tr(
                    "--association 必须是 resale 或 consulting",
                    "--association must be resale or consulting",
                ));
            };
            let mk = match mk() {
                Ok(k) => k,
                Err(e) => return fail(e),
            };
            let input = customers::NewCustomer {
                partner_id: partner,
                association: at,
                domain_name: name,
                real_name: None,
                label,
                password: None,
            };
            match customers::create_associated(&db, cli_ctx(), mk, input).await {
                Ok(c) => {
                    if json {
                        println!("{}", serde_json::to_string(&c).unwrap_or_default());
                    } else {
                        println!("customer_id: {}\ndomain_name: {}\nlogin:       {}\npassword:    {}\naccess_key:  {}\nsecret_key:  {}  ({})",
                            c.customer_id, c.domain_name, c.login, c.password, c.access_key, c.secret_key, tr("仅显示一次", "shown once"));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::UpdatePartner {
            partner_id,
            status,
            mobile,
            email,
        } => {
            let change = partners::ProfileChange {
                partner_id: partner_id.clone(),
                status,
                contact_mobile: mobile,
                contact_email: email,
            };
            match partners::update_profile(&db, cli_ctx(), change).await {
                Ok(()) => {
                    say!("伙伴 {partner_id} 已更新", "partner {partner_id} updated");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        _ => unreachable!("dispatched by cli::admin"),
    }
}
