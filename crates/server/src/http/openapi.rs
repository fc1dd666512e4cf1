//! `/openapi.json`: generated from [`super::bss::OPERATIONS`], [`super::native::OPERATIONS`]
//! and the request/response types' derived JSON Schemas, so it cannot drift from the code.

use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};

use axum::http::Method;
use schemars::SchemaGenerator;

use super::bss::Operation;

/// The query parameters of a GET/DELETE operation, one per property of its query type's schema
/// (an operation's `request` names the query type for those methods; they have no body).
fn query_parameters(schema: &Value, gen: &SchemaGenerator) -> Vec<Value> {
    let resolved = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .and_then(|name| gen.definitions().get(name))
        .unwrap_or(schema);
    let required: Vec<&str> = resolved
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    resolved
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, prop)| {
                    let mut p = json!({"name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": prop});
                    if let Some(d) = prop.get("description") {
                        p["description"] = d.clone();
                    }
                    p
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every documented operation: the vendor API's, then the native API's.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    super::bss::operations().chain(super::native::operations())
}

pub fn document() -> Value {
    let mut gen = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas/".into())
        .into_generator();
    let mut paths: Map<String, Value> = Map::new();
    for op in operations() {
        let mut o = json!({
            "operationId": op.name,
            "summary": op.summary,
            "description": format!("Callers: {}.", op.callers),
            "security": [{"sdkHmacSha256": []}],
            "responses": {
                "200": {"description": "Success", "content": {"application/json": {"schema": (op.response)(&mut gen)}}},
                "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}
            }
        });
        match (
            op.request,
            op.method == Method::GET || op.method == Method::DELETE,
        ) {
            (Some(req), false) => {
                o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": req(&mut gen)}}});
            }
            (Some(req), true) => {
                let schema = req(&mut gen).to_value();
                o["parameters"] = Value::Array(query_parameters(&schema, &gen));
            }
            (None, _) => {}
        }
        // Path parameters (`{order_id}`) are strings named in the path.
        let path_params: Vec<Value> = op
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if !path_params.is_empty() {
            let mut all = path_params;
            if let Some(Value::Array(q)) = o.get("parameters") {
                all.extend(q.iter().cloned());
            }
            o["parameters"] = Value::Array(all);
        }
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        entry[op.method.as_str().to_ascii_lowercase()] = o;
    }
    for (path, summary) in [
        ("/healthz", "Liveness"),
        ("/readyz", "Readiness (database reachable)"),
    ] {
        paths.insert(
            path.into(),
            json!({"get": {"operationId": path.trim_start_matches('/'), "summary": summary,
            "responses": {"200": {"description": "OK"}, "503": {"description": "Not ready"}}}}),
        );
    }
    let mut schemas: Map<String, Value> = gen.take_definitions(true).into_iter().collect();
    schemas.insert(
        "ErrorEnvelope".into(),
        json!({"type": "object", "required": ["error_code", "error_msg"],
               "properties": {"error_code": {"type": "string"}, "error_msg": {"type": "string"}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Partner Center API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Vendor-compatible partner API (BSS, /v2 and /v3) and the native API (/native/v1: catalogue, discount and order administration for operators and partners). Both authenticate with SDK-HMAC-SHA256 access-key signatures and answer errors as {\"error_code\",\"error_msg\"}; writes accept X-Idempotency-Key."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"sdkHmacSha256": {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<…>, Signature=<hex>; X-Sdk-Date within ±15 min."}}
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_is_documented_with_resolvable_refs() {
        let doc = super::document();
        for op in super::operations() {
            let m = op.method.as_str().to_ascii_lowercase();
            assert!(
                doc["paths"][op.path][&m]["operationId"] == op.name,
                "{}",
                op.name
            );
        }
        // GET operations document their query strings as parameters, never as a body.
        let params = |path: &str| -> Vec<String> {
            doc["paths"][path]["get"]["parameters"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|p| {
                            format!(
                                "{}:{}",
                                p["in"].as_str().unwrap(),
                                p["name"].as_str().unwrap()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        for op in super::operations().filter(|o| o.method == axum::http::Method::GET) {
            assert!(
                doc["paths"][op.path]["get"].get("requestBody").is_none(),
                "{}",
                op.name
            );
        }
        let orders = params("/v2/orders/customer-orders");
        for q in [
            "query:customer_id",
            "query:status",
            "query:order_type",
            "query:limit",
            "query:indirect_partner_id",
        ] {
            assert!(
                orders.contains(&q.to_string()),
                "{q} missing from {orders:?}"
            );
        }
        let details = params("/v2/orders/customer-orders/details/{order_id}");
        assert!(
            details.contains(&"path:order_id".to_string()),
            "{details:?}"
        );
        assert!(params("/v2/orders/customer-orders/refund-orders")
            .contains(&"query:order_id".to_string()));
        assert!(params("/v2/promotions/benefits/partner-coupons")
            .contains(&"query:coupon_type".to_string()));
        let text = doc.to_string();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &part[..part.find('"').unwrap()];
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "dangling $ref {name}"
            );
        }
    }
}
