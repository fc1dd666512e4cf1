//! The demo's people: the operator, the partner tree (a master distributor with three resellers,
//! a consulting-sales partner), a staff member, the original five customers, and the customers
//! that join over the year (created by the operator, or registering through an invite link),
//! some of whom later end their association.

use pc_domain::party::{AssociationType, PartnerType};

use super::{Demo, DemoCustomer, DemoPartner, World, CONSULTANT, DIST, HANGZHOU, NINGBO, SUZHOU};
use crate::error::{AppError, AppResult};
use crate::services::customers::{self, invites, unbind};
use crate::services::{identity, partners};
use crate::store::outbox;

pub const OPERATOR_LOGIN: &str = "operator";
pub const DEMO_PASSWORD: &str = "Demo-2026-pass";
pub const STAFF_LOGIN: &str = "distributor-staff";

/// The partners: (name, type, parent index, login). Their order is [`super::DIST`] and the others.
const PARTNERS: [(&str, PartnerType, Option<usize>, &str); 5] = [
    (
        "华东云总经销 East China Cloud Distribution",
        PartnerType::Distributor,
        None,
        "distributor",
    ),
    (
        "杭州云经销 Hangzhou Cloud Reseller",
        PartnerType::Reseller,
        Some(DIST),
        "reseller",
    ),
    (
        "北极星顾问 Polaris Consulting",
        PartnerType::Consulting,
        None,
        "consultant",
    ),
    (
        "苏州数云 Suzhou Digital Cloud",
        PartnerType::Reseller,
        Some(DIST),
        "reseller-suzhou",
    ),
    (
        "宁波海港科技 Ningbo Harbour Tech",
        PartnerType::Reseller,
        Some(DIST),
        "reseller-ningbo",
    ),
];

/// The original five customers (the guided browser tests start from them as they are):
/// (account, real name, partner, association, label).
const ORIGINAL: [(&str, &str, usize, AssociationType, &str); 5] = [
    (
        "acme-retail",
        "上海艾克米零售有限公司",
        DIST,
        AssociationType::Resale,
        "retail",
    ),
    (
        "blue-ocean-games",
        "蓝海游戏",
        DIST,
        AssociationType::Resale,
        "games",
    ),
    (
        "delta-logistics",
        "Delta Logistics",
        DIST,
        AssociationType::Consulting,
        "logistics",
    ),
    (
        "west-lake-tea",
        "西湖茶业",
        HANGZHOU,
        AssociationType::Resale,
        "tea",
    ),
    (
        "polar-fintech",
        "Polar Fintech",
        CONSULTANT,
        AssociationType::Consulting,
        "fintech",
    ),
];

/// How a customer of the history arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// The operator creates it, associated.
    Created,
    /// It registers through its partner's invite link (mobile number, SMS code, password).
    Invited,
}

/// The customers that join over the year: (day, account, real name, partner, association, how).
pub(crate) const JOINERS: [(i64, &str, &str, usize, AssociationType, Arrival); 16] = [
    (
        5,
        "jiangnan-textile",
        "江南纺织有限公司",
        DIST,
        AssociationType::Resale,
        Arrival::Created,
    ),
    (
        19,
        "qiantang-edu",
        "钱塘教育科技",
        SUZHOU,
        AssociationType::Resale,
        Arrival::Created,
    ),
    (
        38,
        "harbor-freight",
        "港湾货运 Harbor Freight",
        DIST,
        AssociationType::Resale,
        Arrival::Invited,
    ),
    (
        57,
        "lotus-clinic",
        "莲花诊所",
        NINGBO,
        AssociationType::Resale,
        Arrival::Created,
    ),
    (
        71,
        "sunrise-media",
        "朝阳传媒",
        CONSULTANT,
        AssociationType::Consulting,
        Arrival::Created,
    ),
    (
        93,
        "pearl-robotics",
        "明珠机器人",
        DIST,
        AssociationType::Resale,
        Arrival::Invited,
    ),
    (
        112,
        "mountain-coffee",
        "山间咖啡",
        SUZHOU,
        AssociationType::Resale,
        Arrival::Invited,
    ),
    (
        131,
        "silk-road-travel",
        "丝路旅行社",
        NINGBO,
        AssociationType::Resale,
        Arrival::Created,
    ),
    (
        148,
        "cloudpeak-ai",
        "云峰智能 CloudPeak AI",
        DIST,
        AssociationType::Consulting,
        Arrival::Created,
    ),
    (
        169,
        "golden-grain",
        "金穗粮油",
        DIST,
        AssociationType::Resale,
        Arrival::Created,
    ),
    (
        197,
        "riverbank-finance",
        "江岸金融服务",
        SUZHOU,
        AssociationType::Resale,
        Arrival::Created,
    ),
    (
        221,
        "maple-games",
        "枫叶游戏工作室",
        DIST,
        AssociationType::Resale,
        Arrival::Invited,
    ),
    (
        246,
        "bamboo-design",
        "竹韵设计",
        NINGBO,
        AssociationType::Resale,
        Arrival::Created,
    ),
    (
        268,
        "starlight-retail",
        "星光零售连锁",
        DIST,
        AssociationType::Resale,
        Arrival::Created,
    ),
    (
        301,
        "tidewater-bio",
        "潮汐生物 Tidewater Bio",
        CONSULTANT,
        AssociationType::Consulting,
        Arrival::Invited,
    ),
    (
        322,
        "orchid-hotels",
        "兰庭酒店管理",
        SUZHOU,
        AssociationType::Resale,
        Arrival::Created,
    ),
];

/// The logins startup prints and the docs list: (role in English and Chinese, login).
pub(crate) const LISTED_CUSTOMERS: [(Role, &str); 4] = [
    (
        (
            "customer (no history, for trying things)",
            "客户（无历史数据，可随意试用）",
        ),
        "acme-retail",
    ),
    (
        ("customer of the distributor", "总经销商的客户"),
        "jiangnan-textile",
    ),
    (
        (
            "customer who joined by invite link",
            "通过邀请链接关联的客户",
        ),
        "harbor-freight",
    ),
    (
        ("consulting-sales customer", "咨询销售客户"),
        "cloudpeak-ai",
    ),
];

/// A demo login's role as startup prints it: (English, Chinese).
pub(crate) type Role = (&'static str, &'static str);

/// Day one: the operator, the partner tree, the distributor's staff member, the original five
/// customers with their contact details and money (as the demo always had), the resellers'
/// money and the partners' invite links.
pub(crate) async fn base(d: &mut Demo<'_>) -> AppResult<(World, super::DemoInfo)> {
    let mut world = World::default();
    let mut logins = Vec::new();
    let login = |(role, role_zh): Role, login: &str| super::DemoLogin {
        role: role.to_string(),
        role_zh: role_zh.to_string(),
        login: login.to_string(),
        password: DEMO_PASSWORD.to_string(),
    };
    let t0 = d.at(0, 9, 0);
    let operator = identity::Credentials {
        login: OPERATOR_LOGIN.into(),
        password: DEMO_PASSWORD.into(),
    };
    let ctx = d.system(t0);
    identity::create_operator(d.db, ctx, operator).await?;
    logins.push(login(("operator", "运营方"), OPERATOR_LOGIN));

    let mut distributor = None;
    for (i, (name, t, parent, user)) in PARTNERS.into_iter().enumerate() {
        let parent_id = parent.map(|p| world.partners[p].id.clone());
        let ctx = d.system(t0 + (i as i64 + 1) * super::MINUTE_MS);
        let p = partners::create(
            d.db,
            ctx,
            d.mk.clone(),
            partners::NewPartner {
                name: name.into(),
                partner_type: t,
                parent_id: parent_id.clone(),
                login: Some(user.into()),
                password: Some(DEMO_PASSWORD.into()),
            },
        )
        .await?;
        let root_id = match parent {
            Some(r) => world.partners[r].root_id.clone(),
            None => p.partner_id.clone(),
        };
        world.partners.push(DemoPartner {
            id: p.partner_id.clone(),
            root_id,
        });
        let role = match (i, t) {
            (DIST, _) => ("master distributor", "总经销商"),
            (HANGZHOU, _) => ("reseller", "云经销商"),
            (_, PartnerType::Consulting) => ("consulting-sales partner", "咨询销售伙伴"),
            _ => ("reseller (with history)", "云经销商（有历史数据）"),
        };
        logins.push(login(role, user));
        if i == DIST {
            logins.push(login(
                ("distributor staff (read-only)", "总经销商员工（只读）"),
                STAFF_LOGIN,
            ));
            distributor = Some(p);
        }
    }
    let dist = distributor.ok_or_else(|| AppError::internal("no demo distributor"))?;
    let ctx = d.system(t0 + 10 * super::MINUTE_MS);
    partners::staff::create(
        d.db,
        ctx,
        partners::staff::NewStaff {
            partner_id: Some(dist.partner_id.clone()),
            login: STAFF_LOGIN.into(),
            password: DEMO_PASSWORD.into(),
            display_name: Some("王小明 Wang Xiaoming".into()),
        },
    )
    .await?;

    let t1 = d.at(0, 10, 0);
    for (i, (account, real, partner, a, label)) in ORIGINAL.into_iter().enumerate() {
        let at = t1 + i as i64 * super::MINUTE_MS;
        create_customer(
            d,
            &mut world,
            at,
            account,
            real,
            partner,
            a,
            Some(label),
            false,
        )
        .await?;
    }
    for (cust, mobile, email) in [
        (0, "13900001111", "it@acme-retail.example"),
        (3, "13800002222", "ops@west-lake-tea.example"),
    ] {
        let contact = customers::Contact {
            customer_id: Some(world.customers[cust].id.clone()),
            mobile: Some(mobile.into()),
            email: Some(email.into()),
        };
        let ctx = d.system(d.at(0, 10, 30));
        customers::set_contact(d.db, ctx, contact).await?;
    }
    for l in LISTED_CUSTOMERS {
        logins.push(login(l.0, l.1));
    }
    super::money::opening(d, &world).await?;
    let linked = [
        (DIST, AssociationType::Resale),
        (SUZHOU, AssociationType::Resale),
        (NINGBO, AssociationType::Resale),
        (CONSULTANT, AssociationType::Consulting),
    ];
    for (i, (p, association_type)) in linked.into_iter().enumerate() {
        let ctx = d.partner(&world.partner(p), d.at(1, 10, i as i64 * 7));
        let link = invites::create_link(
            d.db,
            ctx,
            invites::NewLink {
                kind: invites::LinkKind::Custom,
                custom_label: Some("官网 website".into()),
                association_type,
            },
        )
        .await?;
        world.links.push((p, link.token));
    }
    Ok((
        world,
        super::DemoInfo {
            logins,
            distributor: dist,
        },
    ))
}

/// The operator creates a customer associated with `partner`; its login is its account name.
#[allow(clippy::too_many_arguments)]
async fn create_customer(
    d: &mut Demo<'_>,
    world: &mut World,
    at: i64,
    account: &str,
    real: &str,
    partner: usize,
    association: AssociationType,
    label: Option<&str>,
    lives: bool,
) -> AppResult<usize> {
    let ctx = d.system(at);
    let c = customers::create_associated(
        d.db,
        ctx,
        d.mk.clone(),
        customers::NewCustomer {
            partner_id: world.partners[partner].id.clone(),
            association,
            domain_name: Some(account.into()),
            real_name: Some(real.into()),
            label: label.map(str::to_string),
            password: Some(DEMO_PASSWORD.into()),
        },
    )
    .await?;
    world.customers.push(DemoCustomer {
        id: c.customer_id,
        login: c.login,
        partner: Some(partner),
        resale: association == AssociationType::Resale,
        lives,
    });
    Ok(world.customers.len() - 1)
}

/// Customer `n` of [`JOINERS`] arrives on its day; a resale customer gets its first money from
/// its partner, any other tops up its own account.
pub(crate) async fn join(d: &mut Demo<'_>, world: &mut World, n: usize) -> AppResult<usize> {
    let (day, account, real, partner, a, how) = JOINERS[n];
    let m = d.rng.range(0, 50);
    let at = d.at(day, 10, m);
    let i = match how {
        Arrival::Created => {
            create_customer(d, world, at, account, real, partner, a, None, true).await?
        }
        Arrival::Invited => register(d, world, at, n).await?,
    };
    let later = at + 2 * super::HOUR_MS;
    if world.customers[i].resale {
        let cents = d.rng.range(20, 40) * 10_000;
        super::money::allocate(d, world, i, later, cents).await?;
    } else {
        let cents = d.rng.range(20, 40) * 10_000;
        super::money::top_up(d, world, i, later, cents, true).await?;
    }
    Ok(i)
}

/// Joiner `n` registers through its partner's invite link: asks for a code, reads the SMS in the
/// outbox as a person would, and registers.
async fn register(d: &mut Demo<'_>, world: &mut World, at: i64, n: usize) -> AppResult<usize> {
    let (_, account, _, partner, association, _) = JOINERS[n];
    let token = world
        .link_of(partner)
        .ok_or_else(|| AppError::internal("no demo invite link"))?;
    let mobile = format!("137{:08}", 10_000 + n as u64 * 37);
    let ctx = d.visitor(at);
    let req = invites::LinkCodeRequest {
        token: token.clone(),
        mobile: mobile.clone(),
        english: true,
    };
    invites::request_code(d.db, ctx, req).await?;
    let sms = outbox::list(d.db.read(), Some(&mobile), 1).await?;
    let code = sms
        .first()
        .and_then(|m| m.body.split("code is ").nth(1))
        .map(|rest| rest.chars().take(6).collect::<String>())
        .ok_or_else(|| AppError::internal("no demo verification code"))?;
    let ctx = d.visitor(at + 2 * super::MINUTE_MS);
    let joined = invites::register(
        d.db,
        ctx,
        invites::Registration {
            token,
            mobile,
            code,
            account_name: account.into(),
            password: DEMO_PASSWORD.into(),
            agreed: true,
            lang: "zh-CN".into(),
        },
    )
    .await?;
    world.customers.push(DemoCustomer {
        id: joined.customer_id,
        login: joined.login,
        partner: Some(partner),
        resale: association == AssociationType::Resale,
        lives: true,
    });
    Ok(world.customers.len() - 1)
}

/// The customer ends its own association (`by_partner`: its partner's admin ends it); a resale
/// customer's balance goes back to the partner.
pub(crate) async fn unbind(
    d: &mut Demo<'_>,
    world: &mut World,
    i: usize,
    at: i64,
    by_partner: bool,
) -> AppResult<()> {
    let c = world.customers[i].clone();
    let Some(p) = c.partner else { return Ok(()) };
    let (ctx, whose) = if by_partner {
        let ctx = d.partner(&world.partner(p), at);
        (ctx, unbind::Unbinding::Customer(c.id.clone()))
    } else {
        (d.customer(&c.id, at), unbind::Unbinding::Mine)
    };
    unbind::end_association(d.db, ctx, whose).await?;
    world.customers[i].partner = None;
    Ok(())
}

/// A customer without a partner logs in on `partner`'s invite link and is associated again.
pub(crate) async fn rejoin(
    d: &mut Demo<'_>,
    world: &mut World,
    i: usize,
    partner: usize,
    at: i64,
) -> AppResult<()> {
    let token = world
        .link_of(partner)
        .ok_or_else(|| AppError::internal("no demo invite link"))?;
    let login = world.customers[i].login.clone();
    let user = identity::authenticate(d.db.read(), &login, DEMO_PASSWORD.into()).await?;
    let ctx = d.visitor(at);
    invites::associate_authenticated(d.db, ctx, user, token, login, true).await?;
    world.customers[i].partner = Some(partner);
    world.customers[i].resale = true;
    let cents = d.rng.range(10, 20) * 10_000;
    super::money::allocate(d, world, i, at + super::HOUR_MS, cents).await
}
