//! Resource packages (资源包): a yearly/monthly product that carries free hours of one resource
//! type in its region (`catalog::Package`). Buying one grants its hours for the period bought;
//! renewing it grants them again for the renewed period. Usage of that resource type in that
//! region is absorbed by the customer's packages before it is rated (`pc_domain::usage::absorb`:
//! the first to expire first). Each deduction is kept (`free_resource_usages`) for the
//! customer's usage records.
//!
//! Decision: one grant per package resource per period, valid from the period's start to its
//! end; hours not used by the end lapse (the vendor's packages do not carry over).

use std::collections::HashMap;

use pc_domain::ids::random_hex;
use pc_domain::usage::{self as rules, Free, Quantity, Usage};

use crate::context::Ctx;
use crate::error::AppResult;
use crate::services::catalog::{self, UsagePrice};
use crate::store::bulk;
use crate::store::filters::rows_with_ids;
use crate::store::sql::{self, Conn};

/// A package resource just bought or renewed.
pub(crate) struct Granted<'a> {
    pub customer_id: &'a str,
    pub order_id: &'a str,
    pub resource_id: &'a str,
    pub product_id: &'a str,
    pub service_type_code: &'a str,
    pub region: &'a str,
    pub effective_at: i64,
    pub expire_at: i64,
}

/// Grants a package's hours for one period, when the product is a package (else nothing).
pub(crate) async fn grant(c: &mut Conn, ctx: &Ctx, g: &Granted<'_>) -> AppResult<()> {
    let Some(p) = catalog::package_of(c, g.product_id).await? else {
        return Ok(());
    };
    sql::query(
        "INSERT INTO free_resources (id, customer_id, order_id, package_resource_id, product_id, service_type_code, \
         resource_type_code, region, original_quantity, remaining, effective_at, expire_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)",
    )
    .bind(format!("FR{}", random_hex(12).to_uppercase()))
    .bind(g.customer_id)
    .bind(g.order_id)
    .bind(g.resource_id)
    .bind(g.product_id)
    .bind(g.service_type_code)
    .bind(&p.resource_type_code)
    .bind(g.region)
    .bind(p.quantity.micros())
    .bind(g.effective_at)
    .bind(g.expire_at)
    .bind(ctx.now_ms)
    .defer(c)
    .await?;
    Ok(())
}

/// A deduction waiting to be written.
struct Deduction {
    free_resource_id: String,
    customer_id: String,
    usage_id: String,
    resource_id: String,
    resource_type_code: String,
    product_id: String,
    used: i64,
    remaining_after: i64,
}

/// The packages of a batch's customers with hours left, advanced in memory as the batch's lines
/// are absorbed, written back once.
pub(crate) struct Pool {
    /// (customer, resource type, region) → packages.
    by_key: HashMap<(String, String, String), Vec<Free>>,
    changed: HashMap<String, i64>,
    deductions: Vec<Deduction>,
}

impl Pool {
    pub(crate) async fn load(
        c: &mut Conn,
        fresh: &[&Usage],
        prices: &HashMap<String, UsagePrice>,
    ) -> AppResult<Pool> {
        let customers: Vec<&str> = fresh.iter().map(|u| u.customer_id.as_str()).collect();
        let wanted: std::collections::HashSet<(&str, &str)> = fresh
            .iter()
            .filter_map(|u| {
                prices
                    .get(&u.product_id)
                    .map(|p| (u.customer_id.as_str(), p.resource_type_code.as_str()))
            })
            .collect();
        let rows = rows_with_ids(
            &mut *c,
            "SELECT id, customer_id, resource_type_code, region, remaining, effective_at, expire_at FROM free_resources",
            "customer_id",
            &customers,
            &["remaining > 0"],
        )
        .await?;
        let mut by_key: HashMap<(String, String, String), Vec<Free>> = HashMap::new();
        for r in rows {
            let (customer, rtype): (String, String) = (r.get(1), r.get(2));
            if !wanted.contains(&(customer.as_str(), rtype.as_str())) {
                continue;
            }
            by_key
                .entry((customer, rtype, r.get(3)))
                .or_default()
                .push(Free {
                    id: r.get(0),
                    remaining: Quantity::from_micros(r.get(4)),
                    effective_ms: r.get(5),
                    expire_ms: r.get(6),
                });
        }
        Ok(Pool {
            by_key,
            changed: HashMap::new(),
            deductions: Vec::new(),
        })
    }

    /// Absorbs what the customer's packages cover of one line; returns the hours covered.
    pub(crate) fn absorb(&mut self, u: &Usage, p: &UsagePrice) -> Quantity {
        let key = (
            u.customer_id.clone(),
            p.resource_type_code.clone(),
            p.region.clone(),
        );
        let Some(list) = self.by_key.get_mut(&key) else {
            return Quantity::ZERO;
        };
        let (taken, _) = rules::absorb(list, u.quantity, u.end_ms);
        let mut covered = Quantity::ZERO;
        for (i, t) in taken {
            let f = &mut list[i];
            f.remaining = f.remaining.saturating_sub(t);
            covered = covered.plus(t);
            self.changed.insert(f.id.clone(), f.remaining.micros());
            self.deductions.push(Deduction {
                free_resource_id: f.id.clone(),
                customer_id: u.customer_id.clone(),
                usage_id: u.usage_id.clone(),
                resource_id: u.resource_id.clone(),
                resource_type_code: p.resource_type_code.clone(),
                product_id: u.product_id.clone(),
                used: t.micros(),
                remaining_after: f.remaining.micros(),
            });
        }
        covered
    }

    /// Writes the packages' hours left and the deductions, one statement each (`store::bulk`).
    pub(crate) async fn save(self, c: &mut Conn, ctx: &Ctx) -> AppResult<()> {
        let mut left = bulk::Rows::new(2);
        for (id, remaining) in &self.changed {
            left.push(id.as_str()).push(*remaining);
        }
        bulk::defer(
            c,
            "UPDATE free_resources SET remaining = v.column2 FROM (VALUES {rows}) AS v \
             WHERE free_resources.id IN ({firsts}) AND free_resources.id = v.column1",
            left,
        )
        .await?;
        let mut rows = bulk::Rows::new(10);
        for d in self.deductions {
            rows.push(format!("FU{}", random_hex(12).to_uppercase()))
                .push(d.free_resource_id)
                .push(d.customer_id)
                .push(d.usage_id)
                .push(d.resource_id)
                .push(d.resource_type_code)
                .push(d.product_id)
                .push(d.used)
                .push(d.remaining_after)
                .push(ctx.now_ms);
        }
        bulk::defer(
            c,
            "INSERT INTO free_resource_usages (id, free_resource_id, customer_id, usage_id, resource_id, resource_type_code, \
             product_id, used, remaining_after, deducted_at) VALUES {rows}",
            rows,
        )
        .await?;
        Ok(())
    }
}
