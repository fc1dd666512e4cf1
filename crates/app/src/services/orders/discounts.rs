//! Partner-granted discounts and the operator's floor under them.

use crate::store::sql::{self, Conn};
use pc_domain::ids::random_hex;
use pc_domain::orders::{self as rules, Ratio};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::catalog::{self};
use crate::services::{customers, partners};
use crate::store::filters::{count_and_page, Arg, Conditions};
use crate::store::{audit, Db};

use super::{customer_partner, grant_of, Grant, DISCOUNT_FLOOR_KEY};

/// The operator's lowest discount ratio a partner may grant.
pub async fn discount_floor<'e, E: Into<sql::Exec<'e>>>(exec: E) -> AppResult<Ratio> {
    let v: Option<String> = sql::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(DISCOUNT_FLOOR_KEY)
        .fetch_optional(exec)
        .await?;
    v.and_then(|s| s.parse().ok())
        .and_then(Ratio::from_bp)
        .or_else(|| Ratio::from_bp(rules::DEFAULT_DISCOUNT_FLOOR_BP))
        .ok_or_else(|| AppError::internal("bad discount floor"))
}

/// The operator's lowest discount ratio, as the console and the native API show it (anyone
/// signed in may read it: partners see the floor their grants must respect).
pub async fn current_discount_floor(db: &Db, _ctx: &Ctx) -> AppResult<Ratio> {
    discount_floor(db.read()).await
}

/// Sets the lowest ratio partners may grant (operators only; discounts already granted stay in
/// force). The floor as set.
pub async fn set_discount_floor(db: &Db, ctx: Ctx, floor: Ratio) -> AppResult<Ratio> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            set_discount_floor_in(c, &ctx, floor).await?;
            Ok(floor)
        })
    })
    .await
}

async fn set_discount_floor_in(c: &mut Conn, ctx: &Ctx, floor: Ratio) -> AppResult<()> {
    sql::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
    )
    .bind(DISCOUNT_FLOOR_KEY)
    .bind(floor.bp().to_string())
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.set_discount_floor",
            target_kind: "setting",
            target_id: DISCOUNT_FLOOR_KEY,
            transfer_ids: &[],
            detail: serde_json::json!({"ratio": floor.to_string()}),
        },
    )
    .await
}

/// A discount the acting partner grants one of its customers.
#[derive(Debug, Clone)]
pub struct DiscountGrant {
    pub customer_id: String,
    /// One product; `None` (or empty): every product.
    pub product_id: Option<String>,
    pub ratio: Ratio,
}

/// The acting partner grants one of its own customers (associated with it now) a discount on one
/// product or every product, not below the operator's floor. No customer id is `CBC.0100`;
/// another partner's customer `CBC.99000035`; an unknown product `CBC.99006006`; below the floor
/// `PC.1102`. The discount as listed.
pub async fn grant_discount(db: &Db, ctx: Ctx, g: DiscountGrant) -> AppResult<GrantRow> {
    let partner_id = ctx.actor.partner_id()?.to_string();
    let customer_id = g.customer_id.trim().to_string();
    if customer_id.is_empty() {
        return Err(AppError::invalid_tr(
            "customer_id is required",
            "customer_id 必填。",
        ));
    }
    let product_id = g
        .product_id
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty());
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let id = grant_discount_in(
                c,
                &ctx,
                &partner_id,
                &customer_id,
                product_id.as_deref(),
                g.ratio,
            )
            .await?;
            find_discount(&mut *c, &partner_id, &id)
                .await?
                .ok_or_else(|| AppError::internal("discount vanished after granting"))
        })
    })
    .await
}

async fn grant_discount_in(
    c: &mut Conn,
    ctx: &Ctx,
    partner_id: &str,
    customer_id: &str,
    product_id: Option<&str>,
    ratio: Ratio,
) -> AppResult<String> {
    let p = partners::get(&mut *c, partner_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    match customer_partner(&mut *c, customer_id).await? {
        Some((cp, _)) if cp.id == p.id => {}
        _ => return Err(AppError::new(Code::NotSubCustomer)),
    }
    if let Some(pid) = product_id {
        catalog::product(&mut *c, pid)
            .await?
            .ok_or_else(|| AppError::naming(Code::ProductNotFound, pid.to_string()))?;
    }
    let floor = discount_floor(&mut *c).await?;
    if ratio < floor {
        return Err(AppError::with_tr(
            Code::DiscountBelowFloor,
            format!("the lowest ratio is {floor}"),
            format!("最低折扣率为 {floor}。"),
        ));
    }
    let id = format!("pd{}", random_hex(12));
    sql::query(
        "INSERT INTO partner_discounts (id, root_id, partner_id, customer_id, product_id, ratio_bp, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(&p.root_id)
    .bind(&p.id)
    .bind(customer_id)
    .bind(product_id.map(str::to_string))
    .bind(ratio.bp())
    .bind(ctx.actor.id())
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.grant_discount",
            target_kind: "customer",
            target_id: customer_id,
            transfer_ids: &[],
            detail: serde_json::json!({"discount_id": id, "product_id": product_id, "ratio": ratio.to_string()}),
        },
    )
    .await?;
    Ok(id)
}

/// What a revocation did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevokedDiscount {
    /// As the request named it.
    pub discount_id: String,
    pub revoked_at: i64,
}

/// The acting partner revokes one of its discounts: it stops applying to quotes and payments at
/// once (orders already paid keep theirs). Another partner's discount, an unknown id and one
/// already revoked are `PC.0404`.
pub async fn revoke_discount(db: &Db, ctx: Ctx, discount_id: String) -> AppResult<RevokedDiscount> {
    let partner_id = ctx.actor.partner_id()?.to_string();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            audit::stamp_owned(
                c,
                &ctx,
                audit::Stamp {
                    table: "partner_discounts",
                    key_column: "id",
                    stamp_column: "revoked_at",
                    key: discount_id.trim(),
                    partner_id: &partner_id,
                    action: "orders.revoke_discount",
                    target_kind: "discount",
                },
            )
            .await?;
            Ok(RevokedDiscount {
                discount_id,
                revoked_at: ctx.now_ms,
            })
        })
    })
    .await
}

/// A granted discount as listed, with its customer's account name and when it was revoked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrantRow {
    pub grant: Grant,
    pub customer_name: String,
    pub revoked_at: Option<i64>,
}

/// Filters of a partner's discount list.
#[derive(Debug, Clone, Default)]
pub struct DiscountQuery {
    pub customer_id: Option<String>,
    pub product_id: Option<String>,
    /// Revoked discounts too (default: in force only).
    pub include_revoked: bool,
    pub offset: i64,
    pub limit: i64,
}

const GRANT_COLUMNS: &str =
    "SELECT d.id, d.partner_id, d.customer_id, d.product_id, d.ratio_bp, d.created_at, \
     d.revoked_at";
const GRANT_FROM: &str = "FROM partner_discounts d";

/// Listed grants from their rows, with their customers' account names (one lookup for them all).
async fn rows_to_grants<'e>(
    exec: impl Into<sql::Exec<'e>>,
    rows: &[sql::Row],
) -> AppResult<Vec<GrantRow>> {
    let ids: Vec<String> = rows.iter().map(|r| r.get(2)).collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let names = customers::lookup::names(exec, &id_refs).await?;
    rows.iter()
        .zip(&ids)
        .map(|(r, id)| {
            Ok(GrantRow {
                grant: grant_of(r)?,
                customer_name: names.get(id).cloned().unwrap_or_default(),
                revoked_at: r.get(6),
            })
        })
        .collect()
}

/// One discount `partner_id` granted (revoked or not); another partner's is `None`.
pub async fn find_discount(
    c: &mut Conn,
    partner_id: &str,
    discount_id: &str,
) -> AppResult<Option<GrantRow>> {
    let row = sql::query(&format!(
        "{GRANT_COLUMNS} {GRANT_FROM} WHERE d.id = $1 AND d.partner_id = $2"
    ))
    .bind(discount_id.trim())
    .bind(partner_id)
    .fetch_optional(&mut *c)
    .await?;
    let rows: Vec<sql::Row> = row.into_iter().collect();
    Ok(rows_to_grants(&mut *c, &rows).await?.pop())
}

/// The discounts the acting partner granted, newest first, with the total count.
pub async fn list_discounts(
    db: &Db,
    ctx: &Ctx,
    q: &DiscountQuery,
) -> AppResult<(i64, Vec<GrantRow>)> {
    let partner_id = crate::services::funds::partner_caller(ctx)?;
    let pool = db.read();
    let mut w = Conditions::new(1);
    w.add("d.partner_id = ?", Arg::Text(partner_id.to_string()));
    if let Some(c) = &q.customer_id {
        w.add("d.customer_id = ?", Arg::Text(c.clone()));
    }
    if let Some(p) = &q.product_id {
        w.add("d.product_id = ?", Arg::Text(p.clone()));
    }
    if !q.include_revoked {
        w.require("d.revoked_at IS NULL");
    }
    let (total, rows) = count_and_page(
        pool,
        GRANT_COLUMNS,
        GRANT_FROM,
        &w,
        "d.created_at DESC, d.id",
        q.offset,
        q.limit,
    )
    .await?;
    Ok((total, rows_to_grants(pool, &rows).await?))
}
