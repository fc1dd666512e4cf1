//! The customer's payment of a pending order on its order page (the vendor's help pages, §3 R3.4):
//! choose up to 3 coupons (each shown with its type, balance and expiry) and at most one
//! partner-granted discount, then pay the rest from the balance with `subscriptions::pay`, the same
//! function as the vendor API's `pay_orders`.
//!
//! **After paying** the customer is redirected (303) to its partner's post-payment address with
//! `?order_id=…` when the partner configured one (capability opening), else to the order page.
//!
//! **When the balance is insufficient** (`CBC.99005003`) the page shows the payment error and a
//! top-up entry (`#topup-entry`) naming how much is missing for the payment just tried (list price
//! − discount − coupons − balance, the same arithmetic as `subscriptions::pay`):
//! - where the partner configured a top-up address, the entry links there with `?order_id=…` and
//!   `&amount=…` (the shortfall): the partner's platform funds the customer and sends it back;
//! - **otherwise** the customer tops up here (R3.4's default): any customer but a resale one is
//!   led to `/console/topup?order_id=…&amount=…` (the shortfall), where it declares a bank
//!   transfer that an operator confirms (`services/topups.rs`, offline top-up). A resale (代售)
//!   customer cannot top up itself (R3.5) and is told to ask its partner, by name, for an
//!   allocation of at least the shortfall, with a link to the console home (balance and partner).
//!   Either way the form stays on the page to pay again once the money is there.
//!
//! The form's choices survive a failed payment (the same coupons and discount are ticked again),
//! and the refusal is said in the pay form (`#pay-form-error`), a refused cancellation in the
//! cancel form (`#cancel-form-error`).

use axum::response::Response;
use maud::{html, Markup};
use pc_app::services::coupons::Coupon;
use pc_app::services::orders::{self, Order, OrderDiscount};
use pc_app::services::{customers, funds, redirects};
use pc_app::AppError;
use pc_domain::party::AssociationType;
use pc_domain::Money;

use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, yuan};
use super::refill::Refill;
use super::Console;
use crate::state::AppState;

/// Most coupons one payment may use (R11.4).
pub(super) const MAX_COUPONS: usize = 3;

/// What the customer chose on the form, and whether the payment failed for lack of balance.
#[derive(Debug, Clone, Default)]
pub(super) struct PayState {
    pub coupons: Vec<String>,
    pub discount: String,
    pub insufficient: bool,
}

fn coupon_type_label(lang: Lang, coupon_type: i64) -> &'static str {
    t(
        lang,
        if coupon_type == 4 {
            "cash_coupon"
        } else {
            "voucher"
        },
    )
}

/// What the balance lacks for the payment `state` describes (`orders::cash_needed` less the
/// balance).
fn shortfall(
    order: &Order,
    discounts: &[OrderDiscount],
    usable: &[Coupon],
    state: &PayState,
    balance: Money,
) -> Money {
    let discount = discounts.iter().find(|d| d.grant.id == state.discount);
    let chosen: Vec<&Coupon> = usable
        .iter()
        .filter(|k| state.coupons.contains(&k.id))
        .collect();
    let left = orders::cash_needed(order, discount, &chosen);
    left.checked_sub(balance)
        .filter(|m| m.is_positive())
        // The balance moved since the payment failed: name what the payment needs in cash.
        .unwrap_or(left)
}

/// The top-up entry shown after a payment failed for lack of balance.
async fn topup_entry(
    st: &AppState,
    c: &Console,
    order: &Order,
    missing: Money,
) -> Result<Markup, Response> {
    let lang = c.lang;
    let urls = redirects::for_orders_of(&st.db, &c.ctx(), &order.partner_id)
        .await
        .map_err(|e| internal(lang, e))?;
    let short = t(lang, "pay_topup_short").replace("{amount}", &yuan(missing));
    if let Some(link) = urls.topup_link(&order.order_id, missing) {
        return Ok(html! {
            div.card #topup-entry data-kind="partner" data-amount=(missing) {
                p { (short) }
                p { a.primary #topup-link href=(link) { (t(lang, "pay_topup_partner")) } }
            }
        });
    }
    let assoc = customers::current_association(&st.db, &c.ctx())
        .await
        .map_err(|e| internal(lang, e))?;
    Ok(match &assoc {
        Some(a) if a.association_type == AssociationType::Resale.code() => {
            let advice = t(lang, "pay_topup_resale")
                .replace("{partner}", &a.partner_name)
                .replace("{amount}", &yuan(missing));
            html! {
                div.card #topup-entry data-kind="default" data-amount=(missing) {
                    p { (short) }
                    p #topup-advice { (advice) }
                    p { a #topup-link href="/console#association" { (t(lang, "pay_topup_check_balance")) } }
                }
            }
        }
        _ => {
            let link = format!(
                "/console/topup?order_id={}&amount={missing}",
                enc(&order.order_id)
            );
            html! {
                div.card #topup-entry data-kind="default" data-amount=(missing) {
                    p { (short) }
                    p #topup-advice { (t(lang, "topup_entry_hint")) }
                    p { a.primary #topup-link href=(link) { (t(lang, "topup_here")) } }
                }
            }
        }
    })
}

/// The payment part of a pending order's page for its customer: the top-up entry after a payment
/// failed for lack of balance, the coupon and discount choice, the balance, pay and cancel; a
/// refused payment or cancellation (`refill`, the form `pay-form` or `cancel-form`) says why in
/// its form.
pub(super) async fn pay_section(
    st: &AppState,
    c: &Console,
    order: &Order,
    state: Option<&PayState>,
    refill: &Refill,
) -> Result<Markup, Response> {
    let lang = c.lang;
    let ctx = c.ctx();
    let err = |e: AppError| internal(lang, e);
    let discounts = orders::order_discounts(&st.db, &ctx, &order.order_id)
        .await
        .map_err(err)?;
    let usable = orders::order_coupons(&st.db, &ctx, &order.order_id)
        .await
        .map_err(err)?;
    let balance = funds::customer_balance(&st.db, &ctx).await.map_err(err)?;
    let default_state = PayState::default();
    let state = state.unwrap_or(&default_state);
    let topup = if state.insufficient {
        let missing = shortfall(order, &discounts, &usable, state, balance);
        Some(topup_entry(st, c, order, missing).await?)
    } else {
        None
    };
    let id = enc(&order.order_id);
    Ok(html! {
        @if let Some(entry) = topup { (entry) }
        form.card #pay-form method="post" action=(format!("/console/orders/{id}/pay")) {
            input type="hidden" name="csrf" value=(c.user.csrf);
            h2 { (t(lang, "pay_title")) }
            (refill.on("pay-form").form_error())
            fieldset #pay-coupons {
                legend { (t(lang, "pay_coupons")) }
                @if usable.is_empty() {
                    p.muted #no-coupons { (t(lang, "pay_no_coupons")) }
                } @else {
                    div.scroll { table #pay-coupon-table {
                        thead { tr {
                            th {} th { (t(lang, "coupon_id")) } th { (t(lang, "type")) } th { (t(lang, "face_value")) }
                            th { (t(lang, "coupon_balance")) } th { (t(lang, "expire_time")) }
                        } }
                        tbody { @for k in &usable {
                            tr data-coupon=(k.id) data-type=(k.coupon_type) {
                                td { input.pick-coupon type="checkbox" name="coupon" value=(k.id)
                                    aria-label=(k.id) checked[state.coupons.contains(&k.id)]; }
                                td { code { (k.id) } }
                                td.coupon-type { (coupon_type_label(lang, k.coupon_type)) }
                                td { (yuan(k.face_value)) }
                                td.balance { (yuan(k.balance)) }
                                td.expiry { (cn_time(k.expire_at)) }
                            }
                        } }
                    } }
                }
            }
            fieldset #pay-discount {
                legend { (t(lang, "discount")) }
                @if discounts.is_empty() {
                    p.muted #no-discounts { (t(lang, "pay_no_discounts")) }
                } @else {
                    label { (t(lang, "pay_choose_discount")) " "
                        select name="discount" {
                            option value="" { (t(lang, "none")) }
                            @for d in &discounts {
                                option value=(d.grant.id) selected[state.discount == d.grant.id] {
                                    (d.grant.ratio) " (−" (yuan(d.discount())) ")"
                                }
                            }
                        }
                    }
                }
            }
            p #pay-balance { (t(lang, "balance")) ": " span #balance-amount { (yuan(balance)) } }
            p.muted { (t(lang, "pay_order_hint")) }
            button.primary #pay type="submit" { (t(lang, "pay")) }
        }
        form #cancel-form method="post" action=(format!("/console/orders/{id}/cancel")) {
            input type="hidden" name="csrf" value=(c.user.csrf);
            (refill.on("cancel-form").form_error())
            button #cancel type="submit" { (t(lang, "cancel_order")) }
        }
    })
}
