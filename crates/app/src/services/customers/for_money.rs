//! What the money capabilities (funds, orders, top-ups) ask of customers: the acting customer's
//! own association and the acting partner's customers for a form, as read use cases over the
//! customer capability's own functions.

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::store::Db;

use super::{
    current_association, list_sub_customers, MyAssociation, SubCustomer, SubCustomerQuery,
};

/// The acting customer's current association as it sees it (the payment page's top-up advice);
/// anyone else `CBC.0155`.
pub async fn my_association(db: &Db, ctx: &Ctx) -> AppResult<Option<MyAssociation>> {
    match &ctx.actor {
        Actor::Customer { customer_id, .. } => current_association(db.read(), customer_id).await,
        _ => Err(AppError::with(
            Code::NotAllowed,
            "This operation is for customers.",
        )),
    }
}

/// The first `limit` customers of the acting partner, as `list_sub_customers` orders them (the
/// customers a discount form suggests); anyone else `CBC.0155`.
pub async fn suggested_customers(db: &Db, ctx: &Ctx, limit: i64) -> AppResult<Vec<SubCustomer>> {
    let partner_id = crate::services::funds::partner_caller(ctx)?;
    let q = SubCustomerQuery {
        limit,
        ..SubCustomerQuery::default()
    };
    let (_, rows) = list_sub_customers(db.read(), partner_id, &q).await?;
    Ok(rows)
}
