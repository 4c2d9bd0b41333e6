//! The OpenAPI document describes every endpoint, and the running server's answers conform to it:
//! each answer's status is documented for its operation and its body validates against the
//! documented schema.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::projects::{new_project_body, project_id};
use crate::util::{TestApp, TestResponse, db_test};

/// A small JSON Schema validator for the subset schemars emits.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        let target = &doc["components"]["schemas"][name];
        if target.is_null() {
            return Err(format!("{at}: unresolved {r}"));
        }
        return validate(doc, target, value, at);
    }
    if let Some(c) = schema.get("const") {
        return if c == value {
            Ok(())
        } else {
            Err(format!("{at}: expected {c}, got {value}"))
        };
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        return Err(format!("{at}: {value} not in {options:?}"));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let matches = options
                .iter()
                .filter(|o| validate(doc, o, value, at).is_ok())
                .count();
            let ok = if key == "oneOf" {
                matches == 1
            } else {
                matches >= 1
            };
            if !ok {
                return Err(format!(
                    "{at}: {matches} of the {key} alternatives match {value}"
                ));
            }
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            validate(doc, s, value, at)?;
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !fits {
            return Err(format!("{at}: expected {types:?}, got {actual} {value}"));
        }
    }
    if let (Some(pattern), Some(s)) = (
        schema.get("pattern").and_then(Value::as_str),
        value.as_str(),
    ) && pattern.contains(r"\d+(\.\d+)?")
        && s.parse::<rust_decimal::Decimal>().is_err()
    {
        return Err(format!("{at}: `{s}` is not a decimal string"));
    }
    if let Value::Object(map) = value {
        let props = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !map.contains_key(name) {
                return Err(format!("{at}: missing required `{name}`"));
            }
        }
        if let Some(props) = props {
            for (name, v) in map {
                match props.get(name) {
                    Some(s) => validate(doc, s, v, &format!("{at}.{name}"))?,
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        return Err(format!("{at}: undocumented property `{name}`"));
                    }
                    None => {}
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            validate(doc, item_schema, v, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Finds the documented operation for a concrete path and checks the answer against it.
fn conforms(doc: &Value, method: &Method, path: &str, res: &TestResponse) {
    let path = path.split('?').next().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    let (template, item) = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(template, _)| {
            let t: Vec<&str> = template.split('/').collect();
            t.len() == segments.len()
                && t.iter()
                    .zip(&segments)
                    .all(|(a, b)| a.starts_with('{') || a == b)
        })
        .unwrap_or_else(|| panic!("{path} is not documented"));
    let operation = &item[method.as_str().to_lowercase()];
    assert!(
        !operation.is_null(),
        "{method} {template} is not documented"
    );
    let status = res.status.as_u16().to_string();
    let response = &operation["responses"][&status];
    assert!(
        !response.is_null(),
        "{method} {template}: status {status} is not documented ({})",
        String::from_utf8_lossy(&res.body)
    );
    if res.body.is_empty() {
        return;
    }
    let content_type = res
        .header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let schema = &response["content"][&content_type]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {template} {status}: content type {content_type} not documented"
    );
    if let Err(e) = validate(doc, schema, &res.json(), "body") {
        panic!("{method} {template} {status}: {e}");
    }
}

async fn answers_conform_to_the_document(app: TestApp) {
    let doc = app.get("/api/v1/openapi.json", None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let admin = app.login("admin@seika.example").await;
    let staff = app.login("staff@kobe-city.example").await;
    let evaluator = app.login("evaluator@mirai.example").await;
    let investor = app.login("investor@smbc.example").await;
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let hachioji = project_id(&app, "hachioji-screening-2017").await;
    let runs = app
        .get(
            &format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&staff),
        )
        .await
        .json();
    let run = runs[0]["id"].as_i64().unwrap();
    let results = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results"),
            Some(&staff),
        )
        .await
        .json();
    let result = results[0]["id"].as_i64().unwrap();
    let org = app.get("/api/v1/organizations", Some(&admin)).await.json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let user = app.get("/api/v1/users", Some(&admin)).await.json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let new_project = new_project_body(&app, "conformance-2026").await;

    let calls: Vec<(Method, String, Option<&str>, Option<Value>)> = vec![
        (Method::GET, "/api/v1/health".into(), None, None),
        (
            Method::GET,
            "/api/v1/schemas/contract.json".into(),
            None,
            None,
        ),
        (
            Method::POST,
            "/api/v1/auth/login".into(),
            None,
            Some(json!({"email": "staff@kobe-city.example", "password": "wrong-password"})),
        ),
        (Method::GET, "/api/v1/auth/me".into(), Some(&staff), None),
        (Method::GET, "/api/v1/auth/me".into(), None, None),
        (
            Method::GET,
            "/api/v1/organizations?per_page=3".into(),
            Some(&staff),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/organizations/{org}"),
            Some(&staff),
            None,
        ),
        (
            Method::POST,
            "/api/v1/organizations".into(),
            Some(&admin),
            Some(
                json!({"slug": "conformance-org", "kind": "investor", "name_ja": "a", "name_en": "b"}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/organizations".into(),
            Some(&admin),
            Some(json!({"slug": "x"})),
        ),
        (
            Method::POST,
            "/api/v1/organizations".into(),
            Some(&staff),
            Some(
                json!({"slug": "conformance-2", "kind": "investor", "name_ja": "a", "name_en": "b"}),
            ),
        ),
        (Method::GET, "/api/v1/users".into(), Some(&admin), None),
        (
            Method::GET,
            format!("/api/v1/users/{user}"),
            Some(&admin),
            None,
        ),
        (
            Method::GET,
            "/api/v1/audit?per_page=5".into(),
            Some(&admin),
            None,
        ),
        (
            Method::GET,
            "/api/v1/audit/verify".into(),
            Some(&admin),
            None,
        ),
        (Method::GET, "/api/v1/projects".into(), Some(&staff), None),
        (
            Method::GET,
            "/api/v1/projects?status=nope".into(),
            Some(&staff),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{kobe}"),
            Some(&investor),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{hachioji}"),
            Some(&staff),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{kobe}/versions"),
            Some(&staff),
            None,
        ),
        (
            Method::POST,
            "/api/v1/projects".into(),
            Some(&staff),
            Some(new_project),
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{kobe}/outcome-results"),
            Some(&evaluator),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{kobe}/outcome-results/{result}/history"),
            Some(&evaluator),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/projects/{kobe}/outcome-results"),
            Some(&evaluator),
            Some(json!({"metric": "egfr_decline_suppression", "tranche": "final", "value": "2"})),
        ),
        (
            Method::POST,
            format!("/api/v1/projects/{kobe}/outcome-results/{result}/verify"),
            Some(&evaluator),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{kobe}/outcome-batches"),
            Some(&evaluator),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{kobe}/outcome-summary"),
            Some(&investor),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&investor),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{kobe}/payout-runs/{run}"),
            Some(&investor),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&staff),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&investor),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/projects/{kobe}/payout-runs/{run}/reproduce"),
            Some(&staff),
            Some(json!({})),
        ),
        (
            Method::POST,
            "/api/v1/auth/logout".into(),
            Some(&investor),
            Some(json!({})),
        ),
    ];
    for (method, path, token, body) in calls {
        let res = app
            .request(method.clone(), &path, token, body.as_ref())
            .await;
        assert!(
            res.status != StatusCode::INTERNAL_SERVER_ERROR,
            "{method} {path}: 500"
        );
        conforms(&doc, &method, &path, &res);
    }
}
db_test!(answers_conform_to_the_document);

crate::util::async_test!(every_endpoint_is_documented_with_its_bodies_and_errors);
async fn every_endpoint_is_documented_with_its_bodies_and_errors() {
    let app = TestApp::new(seika_db::Backend::Sqlite).await;
    let doc = app.get("/api/v1/openapi.json", None).await.json();
    let endpoints = seika::api::endpoints(&seika::api::HttpConfig::default());
    assert!(endpoints.len() >= 40);
    for e in &endpoints {
        let op = &doc["paths"][format!("/api/v1{}", e.path)][e.method.as_str().to_lowercase()];
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{} {}",
            e.method,
            e.path
        );
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|k| k.starts_with('2')),
            "{} {}: no success response",
            e.method,
            e.path
        );
        assert!(
            responses.contains_key("500"),
            "{} {}: errors not documented",
            e.method,
            e.path
        );
        if e.auth {
            assert!(responses.contains_key("401"), "{} {}", e.method, e.path);
        }
        if responses.contains_key("202") {
            // Whatever can be queued can find the person's or organization's share full.
            assert!(responses.contains_key("429"), "{} {}", e.method, e.path);
        }
        if e.if_match {
            // Without If-Match 428; with one that is not an ETag Seika gave, 422 (a DELETE,
            // which has no body, documents it too).
            for status in ["422", "428"] {
                assert!(
                    responses.contains_key(status),
                    "{} {}: {status}",
                    e.method,
                    e.path
                );
            }
        }
        if e.body.is_some() {
            assert!(
                op["requestBody"].is_object(),
                "{} {}: request body not documented",
                e.method,
                e.path
            );
        }
    }
    // The interactive reference is served from the binary, with nothing from a CDN.
    let app_page = app.get("/", None).await;
    let policy = app_page.header("content-security-policy").unwrap();
    assert!(
        policy.contains("default-src 'self'") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    let page = app.get("/api/docs", None).await;
    assert_eq!(page.header("content-security-policy"), Some(policy));
    let html = String::from_utf8(page.body).unwrap();
    // Nothing inline for the policy to allow: the script and style are files of the binary.
    assert!(
        !html.contains("<script>") && !html.contains("<style"),
        "{html}"
    );
    for asset in ["/api-docs.js", "/api-docs.css"] {
        assert!(html.contains(asset), "{asset}");
        app.get(asset, None).await.assert_status(StatusCode::OK);
    }
    assert!(html.contains("/api/v1/openapi.json"));
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "no external resources"
    );
}
