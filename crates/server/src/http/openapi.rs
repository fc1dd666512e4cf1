//! `/openapi.json`: generated from [`super::vendor::OPERATIONS`], [`super::native::OPERATIONS`]
//! and the request/response types' derived JSON Schemas, so it cannot drift from the code.

use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};

use super::vendor::Operation;

/// Every documented operation: the vendor API's, then the native API's.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    super::vendor::operations().chain(super::native::operations())
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
        if let Some(req) = op.request {
            o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": req(&mut gen)}}});
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
