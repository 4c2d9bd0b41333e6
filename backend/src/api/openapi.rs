//! The endpoint table: every route with its documentation. The router is built from it, so no
//! route can go undocumented, and `/api/v1/openapi.json` (OpenAPI 3.1) is generated from it with
//! JSON Schemas derived from the real request and response types.

use axum::http::Method;
use axum::routing::MethodRouter;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::AppState;

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T` (a reference into `components.schemas` for named types).
pub fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

#[derive(Clone, Copy)]
pub enum RequestBody {
    Json(SchemaFn),
    Table(&'static str),
    /// A file's bytes (evidence), whatever the declared type: the server reads its type.
    File,
}

/// One route and what the API reference says about it.
pub struct Endpoint {
    pub method: Method,
    /// The path under `/api/v1`, with `{name}` parameters.
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
    pub summary: &'static str,
    pub tag: &'static str,
    pub auth: bool,
    pub query: Option<SchemaFn>,
    pub body: Option<RequestBody>,
    pub success: u16,
    pub response: Option<SchemaFn>,
    pub errors: Vec<u16>,
    pub if_match: bool,
    pub idempotent: bool,
    /// The success answer is a file (evidence) of one of these media types.
    pub file_response: Option<&'static [&'static str]>,
    /// A second success: 202 with the job the work was queued as (large inputs).
    pub queued: Option<SchemaFn>,
}

impl Endpoint {
    pub fn new(
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
        tag: &'static str,
        summary: &'static str,
    ) -> Self {
        Endpoint {
            method,
            path,
            handler,
            summary,
            tag,
            auth: true,
            query: None,
            body: None,
            success: 200,
            response: None,
            // A path parameter that is not a valid id is a 400 problem naming it.
            errors: if path.contains('{') {
                vec![400, 401]
            } else {
                vec![401]
            },
            if_match: false,
            idempotent: false,
            file_response: None,
            queued: None,
        }
    }

    pub fn public(mut self) -> Self {
        self.auth = false;
        self.errors.retain(|e| *e != 401);
        self
    }

    pub fn query(mut self, f: SchemaFn) -> Self {
        self.query = Some(f);
        self.errors.push(422);
        self
    }

    pub fn json(mut self, f: SchemaFn) -> Self {
        self.body = Some(RequestBody::Json(f));
        self.errors.extend([400, 413, 415, 422]);
        self
    }

    pub fn file_body(mut self) -> Self {
        self.body = Some(RequestBody::File);
        self.errors.extend([413, 415, 422]);
        self
    }

    pub fn file_response(mut self, media_types: &'static [&'static str]) -> Self {
        self.success = 200;
        self.response = None;
        self.file_response = Some(media_types);
        self
    }

    /// A table in the body: CSV or an XLSX workbook, described by `columns`.
    pub fn table(mut self, columns: &'static str) -> Self {
        self.body = Some(RequestBody::Table(columns));
        self.errors.extend([413, 415, 422]);
        self
    }

    pub fn ok(mut self, status: u16, f: SchemaFn) -> Self {
        self.success = status;
        self.response = Some(f);
        self
    }

    /// Large inputs are queued: 202 with the job (its URL in `Location`).
    pub fn or_queued(mut self, f: SchemaFn) -> Self {
        self.queued = Some(f);
        self
    }

    pub fn no_content(mut self) -> Self {
        self.success = 204;
        self.response = None;
        self
    }

    pub fn errors(mut self, statuses: &[u16]) -> Self {
        self.errors.extend_from_slice(statuses);
        self
    }

    pub fn if_match(mut self) -> Self {
        self.if_match = true;
        // 422: an `If-Match` that is not an ETag Seika gave.
        self.errors.extend([409, 422, 428]);
        self
    }

    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self.errors.push(409);
        self
    }
}

fn query_parameters(f: SchemaFn) -> Vec<Value> {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let schema = serde_json::to_value(f(&mut generator)).unwrap_or_default();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(name, prop)| json!({"name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": prop}))
                .collect()
        })
        .unwrap_or_default()
}

fn reason(status: u16) -> &'static str {
    axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Response")
}

/// The OpenAPI 3.1 document for these endpoints.
pub fn document(endpoints: &[Endpoint]) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "#/components/schemas/".into())
        .into_generator();
    let problem =
        serde_json::to_value(schema::<super::error::Problem>(&mut generator)).unwrap_or_default();
    let mut paths: Map<String, Value> = Map::new();
    for e in endpoints {
        let full = format!("/api/v1{}", e.path);
        let mut parameters: Vec<Value> = e
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| {
                let schema = if name == "name" {
                    json!({"type": "string"})
                } else {
                    json!({"type": "integer", "format": "int64"})
                };
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .collect();
        if let Some(q) = e.query {
            parameters.extend(query_parameters(q));
        }
        if e.if_match {
            parameters.push(json!({"name": "If-Match", "in": "header", "required": true,
                "description": "The ETag of the record as last read; a stale one gets 409.", "schema": {"type": "string"}}));
        }
        if e.idempotent {
            parameters.push(json!({"name": "Idempotency-Key", "in": "header", "required": false,
                "description": "Retries with the same key and body return the first answer; a different body gets 409.", "schema": {"type": "string", "maxLength": 255}}));
        }
        let mut responses = Map::new();
        let success = match (e.response, e.file_response) {
            (_, Some(types)) => {
                let content: Map<String, Value> =
                    types.iter().map(|t| ((*t).to_owned(), json!({}))).collect();
                json!({"description": reason(e.success), "content": content})
            }
            (Some(f), None) => {
                json!({"description": reason(e.success), "content": {"application/json": {"schema": serde_json::to_value(f(&mut generator)).unwrap_or_default()}}})
            }
            (None, None) => json!({"description": reason(e.success)}),
        };
        responses.insert(e.success.to_string(), success);
        if let Some(f) = e.queued {
            responses.insert(
                "202".to_owned(),
                json!({"description": "Accepted: queued as a job; follow the Location header", "content": {"application/json": {"schema": serde_json::to_value(f(&mut generator)).unwrap_or_default()}}}),
            );
        }
        let mut errors = e.errors.clone();
        errors.extend([500, 503]);
        if e.success == 202 || e.queued.is_some() {
            // Work queued as a job counts against the person's and the organization's share.
            errors.push(429);
        }
        errors.sort_unstable();
        errors.dedup();
        for status in errors {
            responses.insert(status.to_string(), json!({"description": reason(status), "content": {"application/problem+json": {"schema": problem}}}));
        }
        let mut operation = json!({
            "summary": e.summary,
            "operationId": format!("{}_{}", e.method.as_str().to_lowercase(), e.path.trim_matches('/').replace(['/', '{', '}', '-'], "_")),
            "tags": [e.tag],
            "parameters": parameters,
            "responses": responses,
        });
        match e.body {
            Some(RequestBody::Json(f)) => {
                operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": serde_json::to_value(f(&mut generator)).unwrap_or_default()}}});
            }
            Some(RequestBody::File) => {
                operation["requestBody"] = json!({"required": true, "content": {"application/octet-stream": {}},
                    "description": "The file's bytes: PDF, XLSX, CSV (UTF-8 or Shift_JIS), PNG or JPEG, as read from its content"});
            }
            Some(RequestBody::Table(columns)) => {
                operation["requestBody"] = json!({"required": true, "content": {
                    "text/csv": {"schema": {"type": "string",
                        "description": format!("UTF-8 (with or without BOM) or Shift_JIS, LF or CRLF; {columns}")}},
                    seika_formats::sheet::XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary",
                        "description": format!("An Excel workbook; its first sheet holds the table: {columns}")}},
                }});
            }
            None => {}
        }
        operation["security"] = if e.auth {
            json!([{"bearer": []}])
        } else {
            json!([])
        };
        paths
            .entry(full)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .map(|item| item.insert(e.method.as_str().to_lowercase(), operation));
    }
    let definitions: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Seika API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Outcome-based contracts (Social Impact Bonds, 成果連動型民間委託契約方式): projects, outcome data, payout runs. Conventions: docs/API.md. Amounts and rates are decimal strings.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": definitions,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "POST /api/v1/auth/login returns the token."}},
        },
    });
    seika_engine::decimals_as_strings(&mut doc);
    doc
}
