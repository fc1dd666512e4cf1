//! The demo data set (`serve --demo`): loaded once, recorded in `settings`.

use crate::store::sql;
use pc_domain::party::{AssociationType, PartnerType};
use pc_domain::Money;

use crate::context::Ctx;
use crate::crypto::MasterKey;
use crate::error::AppResult;
use crate::services::{customers, funds, identity, partners};
use crate::store::Db;

pub const OPERATOR_LOGIN: &str = "operator";
pub const DEMO_PASSWORD: &str = "Demo-2026-pass";

#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoInfo {
    pub logins: Vec<(String, String, String)>,
    pub distributor: partners::CreatedPartner,
}

/// Loads the demo set unless it was loaded before; returns what was created, or `None`.
pub async fn load_once(db: &Db, ctx: Ctx, mk: MasterKey) -> AppResult<Option<DemoInfo>> {
    let loaded: Option<String> =
        sql::query_scalar("SELECT value FROM settings WHERE key = 'demo_loaded'")
            .fetch_optional(db.read())
            .await?;
    if loaded.is_some() {
        return Ok(None);
    }
    let mut logins = Vec::new();
    let operator = identity::Credentials {
        login: OPERATOR_LOGIN.into(),
        password: DEMO_PASSWORD.into(),
    };
    identity::create_operator(db, ctx.clone(), operator).await?;
    logins.push((
        "operator".to_string(),
        OPERATOR_LOGIN.to_string(),
        DEMO_PASSWORD.to_string(),
    ));

    let partner =
        |name: &str, t: PartnerType, parent: Option<String>, login: &str| partners::NewPartner {
            name: name.into(),
            partner_type: t,
            parent_id: parent,
            login: Some(login.into()),
            password: Some(DEMO_PASSWORD.into()),
        };
    let dist = partners::create(
        db,
        ctx.clone(),
        mk.clone(),
        partner(
            "华东云总经销 East China Cloud Distribution",
            PartnerType::Distributor,
            None,
            "distributor",
        ),
    )
    .await?;
    logins.push((
        "master distributor".into(),
        dist.login.clone(),
        DEMO_PASSWORD.into(),
    ));
    let res = partners::create(
        db,
        ctx.clone(),
        mk.clone(),
        partner(
            "杭州云经销 Hangzhou Cloud Reseller",
            PartnerType::Reseller,
            Some(dist.partner_id.clone()),
            "reseller",
        ),
    )
    .await?;
    logins.push(("reseller".into(), res.login.clone(), DEMO_PASSWORD.into()));
    let cons = partners::create(
        db,
        ctx.clone(),
        mk.clone(),
        partner(
            "北极星顾问 Polaris Consulting",
            PartnerType::Consulting,
            None,
            "consultant",
        ),
    )
    .await?;
    logins.push((
        "consulting-sales partner".into(),
        cons.login.clone(),
        DEMO_PASSWORD.into(),
    ));

    let customer = |partner_id: &str, name: &str, real: &str, a: AssociationType, label: &str| {
        customers::NewCustomer {
            partner_id: partner_id.into(),
            association: a,
            domain_name: Some(name.into()),
            real_name: Some(real.into()),
            label: Some(label.into()),
            password: Some(DEMO_PASSWORD.into()),
        }
    };
    let c1 = customers::create_associated(
        db,
        ctx.clone(),
        mk.clone(),
        customer(
            &dist.partner_id,
            "acme-retail",
            "上海艾克米零售有限公司",
            AssociationType::Resale,
            "retail",
        ),
    )
    .await?;
    logins.push(("customer".into(), c1.login.clone(), DEMO_PASSWORD.into()));
    customers::create_associated(
        db,
        ctx.clone(),
        mk.clone(),
        customer(
            &dist.partner_id,
            "blue-ocean-games",
            "蓝海游戏",
            AssociationType::Resale,
            "games",
        ),
    )
    .await?;
    customers::create_associated(
        db,
        ctx.clone(),
        mk.clone(),
        customer(
            &dist.partner_id,
            "delta-logistics",
            "Delta Logistics",
            AssociationType::Consulting,
            "logistics",
        ),
    )
    .await?;
    let tea = customers::create_associated(
        db,
        ctx.clone(),
        mk.clone(),
        customer(
            &res.partner_id,
            "west-lake-tea",
            "西湖茶业",
            AssociationType::Resale,
            "tea",
        ),
    )
    .await?;
    customers::create_associated(
        db,
        ctx.clone(),
        mk.clone(),
        customer(
            &cons.partner_id,
            "polar-fintech",
            "Polar Fintech",
            AssociationType::Consulting,
            "fintech",
        ),
    )
    .await?;
    // Contact details, so the reseller's delegation visibly opens them to the distributor.
    for (id, mobile, email) in [
        (&c1.customer_id, "13900001111", "it@acme-retail.example"),
        (&tea.customer_id, "13800002222", "ops@west-lake-tea.example"),
    ] {
        let contact = customers::Contact {
            customer_id: Some(id.clone()),
            mobile: Some(mobile.into()),
            email: Some(email.into()),
        };
        customers::set_contact(db, ctx.clone(), contact).await?;
    }

    let (dist_id, c1_id) = (dist.partner_id.clone(), c1.customer_id.clone());
    let (res_id, tea_id) = (res.partner_id.clone(), tea.customer_id.clone());
    let ctx2 = ctx.clone();
    db.write(move |c| {
        Box::pin(async move {
            funds::credit_partner_in(
                c,
                &ctx2,
                &dist_id,
                Money::from_cents(10_000_000),
                Some("demo opening balance"),
            )
            .await?;
            funds::move_customer_funds_in(
                c,
                &ctx2,
                funds::Way::Allocate,
                &dist_id,
                None,
                &c1_id,
                Money::from_cents(50_000),
            )
            .await?;
            funds::move_reseller_funds_in(
                c,
                &ctx2,
                funds::Way::Allocate,
                &dist_id,
                &res_id,
                Money::from_cents(2_000_000),
            )
            .await?;
            funds::move_customer_funds_in(
                c,
                &ctx2,
                funds::Way::Allocate,
                &res_id,
                None,
                &tea_id,
                Money::from_cents(30_000),
            )
            .await?;
            sql::query("INSERT INTO settings (key, value) VALUES ('demo_loaded', '1')")
                .execute(c)
                .await?;
            Ok(())
        })
    })
    .await?;
    Ok(Some(DemoInfo {
        logins,
        distributor: dist,
    }))
}
