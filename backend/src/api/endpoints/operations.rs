//! The endpoints of operations, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::get;

use crate::api::{
    health,
    openapi::{Endpoint, schema as s},
    openapi_json, schema,
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(
            M::GET,
            "/health",
            get(health::health),
            "operations",
            "Process and database health",
        )
        .public()
        .ok(200, s::<health::Health>)
        .errors(&[503]),
        Endpoint::new(
            M::GET,
            "/openapi.json",
            get(openapi_json),
            "operations",
            "This OpenAPI 3.1 document",
        )
        .public(),
        Endpoint::new(
            M::GET,
            "/schemas/{name}",
            get(schema),
            "operations",
            "JSON Schema of the contract, outcomes or statement file format",
        )
        .public()
        .ok(200, s::<serde_json::Value>)
        .errors(&[404]),
    ]
}
