//! Operator promotions (促销折扣, discount type 0, fee item 700): a ratio of the list price off
//! one product or every product, for every customer, between two times. A customer may use one
//! at payment instead of a partner-granted discount (at most one discount per payment, R11.4);
//! quotes show them, but the "best offer" is chosen among partner discounts only, as the vendor
//! documents for `best_offer`.
//!
//! **Decisions.** Only operators create and revoke promotions (audited). A promotion's ratio is
//! not bounded by the partner-discount floor (the operator sets both). A revoked or ended
//! promotion is no longer offered; orders already paid keep what they got.

use crate::store::sql::{self, Conn};
use pc_domain::ids::random_hex;
use pc_domain::orders::{DiscountKind, Ratio};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::catalog;
use crate::services::orders::Grant;
use crate::store::{audit, Db};

/// The prefix of every promotion id (partner discounts' ids start `pd`), so a form that names
/// a discount by id alone can tell which kind it is.
pub const ID_PREFIX: &str = "promo-";

/// The kind of discount an id names.
pub fn kind_of_id(id: &str) -> DiscountKind {
    if id.starts_with(ID_PREFIX) {
        DiscountKind::Promotion
    } else {
        DiscountKind::Partner
    }
}

/// A promotion as listed.
#[derive(Debug, Clone)]
pub struct Promotion {
    pub id: String,
    pub name: String,
    pub product_id: Option<String>,
    pub ratio: Ratio,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl Promotion {
    pub fn live_at(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.starts_at <= now && now < self.ends_at
    }

    /// Its status at `now`: `revoked`, `live`, `upcoming` or `ended`.
    pub fn state_at(&self, now: i64) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.live_at(now) {
            "live"
        } else if now < self.starts_at {
            "upcoming"
        } else {
            "ended"
        }
    }
}

/// What an operator enters.
#[derive(Debug, Clone)]
pub struct NewPromotion {
    pub name: String,
    pub product_id: Option<String>,
    pub ratio: Ratio,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// Longest promotion name.
pub const MAX_NAME_CHARS: usize = 64;

/// Creates a promotion (operators only). Returns its id.
pub async fn create(db: &Db, ctx: Ctx, p: NewPromotion) -> AppResult<String> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { create_in(c, &ctx, p).await })
    })
    .await
}

async fn create_in(c: &mut Conn, ctx: &Ctx, p: NewPromotion) -> AppResult<String> {
    let name = p.name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::invalid_tr(
            format!("name is required (at most {MAX_NAME_CHARS} characters)"),
            format!("名称必填（最多 {MAX_NAME_CHARS} 个字符）。"),
        ));
    }
    if p.ends_at <= p.starts_at {
        return Err(AppError::invalid_tr(
            "the end must be after the start",
            "结束时间必须晚于开始时间。",
        ));
    }
    if p.ends_at <= ctx.now_ms {
        return Err(AppError::invalid_tr(
            "the end must be in the future",
            "结束时间必须晚于当前时间。",
        ));
    }
    if let Some(pid) = &p.product_id {
        catalog::product(&mut *c, pid)
            .await?
            .filter(|x| x.active)
            .ok_or_else(|| AppError::naming(Code::ProductNotFound, pid.clone()))?;
    }
    let id = format!("{ID_PREFIX}{}", random_hex(8));
    sql::query(
        "INSERT INTO promotions (id, name, product_id, ratio_bp, starts_at, ends_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(&name)
    .bind(p.product_id.clone())
    .bind(p.ratio.bp())
    .bind(p.starts_at)
    .bind(p.ends_at)
    .bind(ctx.actor.id())
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "promotions.create",
            target_kind: "promotion",
            target_id: &id,
            transfer_ids: &[],
            detail: serde_json::json!({"name": name, "product_id": p.product_id, "ratio": p.ratio.to_string(),
                "starts_at": p.starts_at, "ends_at": p.ends_at}),
        },
    )
    .await?;
    Ok(id)
}

/// Revokes a promotion (operators only); revoking twice or an unknown id is `PC.0404`.
pub async fn revoke(db: &Db, ctx: Ctx, id: String) -> AppResult<()> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { revoke_in(c, &ctx, &id).await })
    })
    .await
}

async fn revoke_in(c: &mut Conn, ctx: &Ctx, id: &str) -> AppResult<()> {
    let n =
        sql::query("UPDATE promotions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(ctx.now_ms)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected();
    if n == 0 {
        return Err(AppError::with_tr(
            Code::NotFound,
            format!("promotion {id}"),
            format!("促销活动 {id}"),
        ));
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "promotions.revoke",
            target_kind: "promotion",
            target_id: id,
            transfer_ids: &[],
            detail: serde_json::json!({}),
        },
    )
    .await
}

fn row_to_promotion(r: &sql::Row) -> AppResult<Promotion> {
    Ok(Promotion {
        id: r.get(0),
        name: r.get(1),
        product_id: r.get(2),
        ratio: Ratio::from_bp(r.get(3)).ok_or_else(|| AppError::internal("bad promotion ratio"))?,
        starts_at: r.get(4),
        ends_at: r.get(5),
        created_at: r.get(6),
        revoked_at: r.get(7),
    })
}

const SELECT: &str =
    "SELECT id, name, product_id, ratio_bp, starts_at, ends_at, created_at, revoked_at FROM promotions";

/// Every promotion, newest first (the operator's page; operators only).
pub async fn list(db: &Db, ctx: &Ctx) -> AppResult<Vec<Promotion>> {
    ctx.actor.require_operator()?;
    let pool = db.read();
    let rows = sql::query(&format!("{SELECT} ORDER BY created_at DESC, id"))
        .fetch_all(pool)
        .await?;
    rows.iter().map(row_to_promotion).collect()
}

/// The promotions live at `now`, as discounts an order may use, newest first.
pub async fn live(c: &mut Conn, now: i64) -> AppResult<Vec<Grant>> {
    let rows = sql::query(&format!(
        "{SELECT} WHERE revoked_at IS NULL AND starts_at <= $1 AND ends_at > $1 ORDER BY created_at DESC, id"
    ))
    .bind(now)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            let p = row_to_promotion(r)?;
            Ok(Grant {
                id: p.id,
                partner_id: String::new(),
                customer_id: String::new(),
                product_id: p.product_id,
                ratio: p.ratio,
                created_at: p.created_at,
                kind: DiscountKind::Promotion,
            })
        })
        .collect()
}
