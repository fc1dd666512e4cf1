//! Coupon and coupon-quota operations of the vendor API (the vendor's API reference) and the
//! customer's own coupon list. Each operation's wire types (field for field as the SDK's models)
//! and its `Operation` entry sit beside its handler, one file per sub-topic as in
//! `services/coupons/`:
//!
//! - `quotas`: the partner's own quotas;
//! - `reseller_quotas`: a master distributor's quotas for its resellers (grant, reclaim, list,
//!   records);
//! - `issue`: issuing coupons and recalling one;
//! - `reads`: the coupons a partner issued, its records, a customer's own coupons.
//!
//! This file holds what they share: the query-string reader, time fields and `error_details`.

mod issue;
mod quotas;
mod reads;
mod reseller_quotas;

use axum::http::Uri;
use pc_app::services::coupons;
use pc_app::store::filters;
use pc_app::{AppError, AppResult};
use pc_domain::timefmt;
use schemars::JsonSchema;
use serde::Serialize;

use super::Operation;
use crate::http::form::query_pairs;

// ----------------------------------------------------------------------------------------------
// Query-string helpers: the vendor sends repeated keys for lists (`k=v1&k=v2`), and an empty
// value means "not a filter".

struct Params(Vec<(String, String)>);

impl Params {
    fn from_uri(uri: &Uri) -> Params {
        Params(query_pairs(uri.query().unwrap_or("")))
    }
    /// The last non-empty value of `k`.
    fn str(&self, k: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(key, v)| key == k && !v.is_empty())
            .map(|(_, v)| v.clone())
    }
    /// Every value of a repeated key; `None` when the key is absent.
    fn list(&self, k: &str) -> Option<Vec<String>> {
        let v: Vec<String> = self
            .0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect();
        (!v.is_empty()).then(|| v.into_iter().filter(|s| !s.is_empty()).collect())
    }
    fn int(&self, k: &str) -> AppResult<Option<i64>> {
        self.str(k)
            .map(|s| {
                s.parse::<i64>().map_err(|_| {
                    AppError::invalid_tr(
                        format!("{k} must be an integer"),
                        format!("{k} 须为整数。"),
                    )
                })
            })
            .transpose()
    }
    fn time(&self, k: &str) -> AppResult<Option<i64>> {
        time_field(k, self.str(k))
    }
    fn paging(&self) -> AppResult<(i64, i64)> {
        filters::page(self.int("offset")?, self.int("limit")?, coupons::MAX_PAGE)
    }
}

fn time_field(field: &str, v: Option<String>) -> AppResult<Option<i64>> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => timefmt::parse_utc(&s).map(Some).ok_or_else(|| {
            AppError::invalid_tr(
                format!("{field} must be a UTC time like 2019-05-06T08:05:01Z"),
                format!("{field} 须为 UTC 时间，例如 2019-05-06T08:05:01Z。"),
            )
        }),
    }
}

fn utc(ms: i64) -> String {
    timefmt::format_utc(ms)
}

/// `ErrorDetail`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorDetail {
    pub error_code: String,
    pub error_msg: String,
    pub id: String,
}

fn error_details(failed: Vec<(String, AppError)>) -> Vec<ErrorDetail> {
    failed
        .into_iter()
        .map(|(id, e)| ErrorDetail {
            error_code: e.code.vendor_code().to_string(),
            error_msg: e.message(crate::http::error::caller_zh()),
            id,
        })
        .collect()
}

/// Every coupon operation, in the order `/openapi.json` lists them.
pub const OPERATIONS: &[Operation] = &[
    issue::CREATE_PARTNER_COUPONS,
    issue::RECLAIM_PARTNER_COUPONS,
    reads::LIST_ISSUED_PARTNER_COUPONS,
    reads::LIST_PARTNER_COUPONS_RECORD,
    quotas::LIST_QUOTA_COUPONS,
    reseller_quotas::UPDATE_COUPON_QUOTAS,
    reseller_quotas::RECLAIM_COUPON_QUOTAS,
    reseller_quotas::LIST_ISSUED_COUPON_QUOTAS,
    reseller_quotas::LIST_COUPON_QUOTAS_RECORDS,
    reads::LIST_SUB_CUSTOMER_COUPONS,
];
