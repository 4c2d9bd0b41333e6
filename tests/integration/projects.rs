//! Projects: who sees what, registration with validation, publication, amendments.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::util::{TestApp, TestResponse, db_test};

pub const KOBE_CONTRACT: &str = include_str!("../../docs/examples/kobe-dialysis.contract.json");

async fn codes(app: &TestApp, token: &str) -> Vec<String> {
    let list = app.get("/api/v1/projects", Some(token)).await.json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn project_id(app: &TestApp, code: &str) -> i64 {
    let code = code.to_owned();
    app.with_conn(move |conn| {
        seika_db::projects::find_by_code(conn, &code)
            .unwrap()
            .unwrap()
            .id
    })
    .await
}

async fn each_role_sees_exactly_its_projects(app: TestApp) {
    for (email, expected) in [
        (
            "admin@seika.example",
            &["kobe-dialysis-2017", "hachioji-screening-2017"][..],
        ),
        ("staff@kobe-city.example", &["kobe-dialysis-2017"]),
        ("staff@hachioji-city.example", &["hachioji-screening-2017"]),
        ("evaluator@mirai.example", &["kobe-dialysis-2017"]),
        ("investor@smbc.example", &["kobe-dialysis-2017"]),
        ("investor@smbc-trust.example", &["kobe-dialysis-2017"]),
        ("provider@dpp.example", &["kobe-dialysis-2017"]),
    ] {
        let token = app.login(email).await;
        assert_eq!(codes(&app, &token).await, expected, "{email}");
    }
    // Another organization's project is not found, not forbidden: its existence is not revealed.
    let hachioji = project_id(&app, "hachioji-screening-2017").await;
    for email in [
        "staff@kobe-city.example",
        "evaluator@mirai.example",
        "investor@smbc.example",
        "provider@dpp.example",
    ] {
        let token = app.login(email).await;
        let res = app
            .get(&format!("/api/v1/projects/{hachioji}"), Some(&token))
            .await;
        res.assert_problem(StatusCode::NOT_FOUND);
    }
    let token = app.login("staff@kobe-city.example").await;
    app.get("/api/v1/projects/999999", Some(&token))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let filtered = app
        .get("/api/v1/projects?status=closed", Some(&token))
        .await
        .json();
    assert_eq!(filtered["total"], 0);
    let bad = app
        .get("/api/v1/projects?status=finished", Some(&token))
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    // Searched on the server by code or either title, in any case, within what the reader sees.
    let admin = app.login("admin@seika.example").await;
    let codes = |query: &'static str, token: String| {
        let app = &app;
        async move {
            let page = app
                .get(&format!("/api/v1/projects?{query}"), Some(&token))
                .await
                .json();
            let codes: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["code"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(page["total"], codes.len() as i64);
            codes
        }
    };
    assert_eq!(
        codes("q=DIALYSIS", admin.clone()).await,
        ["kobe-dialysis-2017"]
    );
    assert_eq!(
        codes("q=%E5%85%AB%E7%8E%8B%E5%AD%90", admin.clone()).await,
        ["hachioji-screening-2017"],
        "八王子, in the Japanese title"
    );
    assert_eq!(
        codes("q=cancer%20screening", admin.clone()).await,
        ["hachioji-screening-2017"],
        "in the English title"
    );
    assert!(
        codes("q=_", admin.clone()).await.is_empty(),
        "a literal underscore"
    );
    assert!(
        codes("q=hachioji", token.clone()).await.is_empty(),
        "not Kobe's"
    );
}
db_test!(each_role_sees_exactly_its_projects);

async fn investors_see_other_investors_only_in_aggregate(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let token = app.login("investor@smbc.example").await;
    let project = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&token))
        .await
        .json();
    let investments = project["terms"]["investments"].as_array().unwrap();
    assert_eq!(investments.len(), 1);
    assert_eq!(investments[0]["investor"], "smbc");
    assert_eq!(
        project["terms"]["other_investors"],
        json!({"investments": 2, "investors": 2, "committed_total": "10000000"})
    );
    let staff = app.login("staff@kobe-city.example").await;
    let full = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&staff))
        .await
        .json();
    assert_eq!(full["terms"]["investments"].as_array().unwrap().len(), 3);
}
db_test!(investors_see_other_investors_only_in_aggregate);

/// "Only in aggregate" means it: where the others are one investor, a total over them is that
/// investor's position, so the total is withheld, and so are the amounts it could be worked out
/// from (what the waterfall left, the total distributed). Here SIIF's investment in Kobe is
/// moved to SMBC Trust's individuals, leaving SMBC with one other investor.
async fn a_total_over_one_other_investor_is_withheld(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    app.with_conn(|conn| {
        use diesel::RunQueryDsl;
        for table in ["project_terms SET terms", "payout_runs SET statement"] {
            let (name, column) = table.split_once(" SET ").unwrap();
            diesel::sql_query(format!(
                "UPDATE {name} SET {column} = REPLACE({column}, '\"siif\"', '\"smbc-trust-individuals\"')"
            ))
            .execute(conn)
            .unwrap();
        }
    })
    .await;
    let smbc = app.login("investor@smbc.example").await;
    let project = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&smbc))
        .await
        .json();
    assert_eq!(
        project["terms"]["other_investors"],
        json!({"investments": 2, "investors": 1, "committed_total": null})
    );
    let distributions = app
        .get(
            &format!("/api/v1/projects/{kobe}/distributions"),
            Some(&smbc),
        )
        .await
        .json();
    for tranche in distributions["tranches"].as_array().unwrap() {
        assert_eq!(tranche["other_investors"]["investors"], 1, "{tranche}");
        assert_eq!(tranche["other_investors"]["computed_total"], Value::Null);
        assert_eq!(tranche["retained"], Value::Null);
    }
    let run = app
        .get(&format!("/api/v1/projects/{kobe}/payout-runs"), Some(&smbc))
        .await
        .json()[0]["id"]
        .clone();
    let statement = app
        .get(
            &format!("/api/v1/projects/{kobe}/payout-runs/{run}"),
            Some(&smbc),
        )
        .await
        .json();
    let distribution = &statement["statement"]["distribution"];
    assert_eq!(distribution["reconciliation"]["distributed"], Value::Null);
    assert_eq!(distribution["reconciliation"]["retained"], Value::Null);
    for tranche in distribution["tranches"].as_array().unwrap() {
        assert_eq!(tranche["retained"], Value::Null, "{tranche}");
    }
    // The provider still sees two other investors, so their total is shown.
    let provider = app.login("provider@dpp.example").await;
    let seen = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&provider))
        .await
        .json();
    assert_eq!(seen["terms"]["other_investors"]["investors"], 2);
    // 16,000,000 + 8,000,000 + 2,000,000.
    assert_eq!(
        seen["terms"]["other_investors"]["committed_total"],
        "26000000"
    );
}
db_test!(a_total_over_one_other_investor_is_withheld);

/// A new project based on Kobe's terms under another code, with the demo evaluator appointed.
pub async fn new_project_body(app: &TestApp, code: &str) -> Value {
    let mut terms: Value = serde_json::from_str(KOBE_CONTRACT).unwrap();
    terms["code"] = json!(code);
    // Kobe's investors are not parties of the new project; its payer (Kobe City) is the owner.
    terms["investments"] = json!([]);
    terms["waterfall"] = json!([]);
    let evaluator = app
        .with_conn(|conn| {
            seika_db::organizations::find_by_slug(conn, "mirai-kogaku")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    json!({
        "title_ja": "テスト事業", "title_en": "Test project", "policy_area": "health",
        "effective_from": "2025-04-01",
        "parties": [{"organization_id": evaluator, "role": "evaluator"}],
        "terms": terms,
    })
}

/// The demo users who answer invitations, one per organization and role.
const ANSWERING_USERS: &[&str] = &[
    "staff@kobe-city.example",
    "staff@hachioji-city.example",
    "evaluator@mirai.example",
    "investor@smbc.example",
    "investor@smbc-trust.example",
    "provider@dpp.example",
];

/// Accepts, through the API, every open invitation of a project as the demo user who answers for
/// each party. Returns how many were accepted.
pub async fn accept_invitations(app: &TestApp, project: i64) -> usize {
    let mut accepted = 0;
    for email in ANSWERING_USERS {
        let token = app.login(email).await;
        let invitations = app.get("/api/v1/invitations", Some(&token)).await.json();
        for invitation in invitations.as_array().unwrap() {
            if invitation["project_id"] == project && invitation["status"] == "invited" {
                let id = invitation["id"].as_i64().unwrap();
                app.post(
                    &format!("/api/v1/invitations/{id}/accept"),
                    Some(&token),
                    &json!({}),
                )
                .await
                .assert_status(StatusCode::OK);
                accepted += 1;
            }
        }
    }
    accepted
}

pub async fn send_with_if_match(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    etag: &str,
    body: &Value,
) -> TestResponse {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("if-match", etag)
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

/// A change that makes a valid project body invalid.
type Mutation = Box<dyn Fn(&mut Value)>;

async fn project_count(app: &TestApp) -> (i64, i64) {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        use seika_db::schema::{audit_log, project_terms};
        (
            seika_db::projects::count(conn).unwrap(),
            audit_log::table.count().get_result::<i64>(conn).unwrap()
                + project_terms::table
                    .count()
                    .get_result::<i64>(conn)
                    .unwrap(),
        )
    })
    .await
}

async fn invalid_terms_get_422_naming_each_field_and_store_nothing(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let before = project_count(&app).await;
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "terms.components[0].rule.amount",
            Box::new(|b: &mut Value| {
                b["terms"]["components"][0]["rule"]["amount"] = json!("-10480000")
            }),
        ),
        (
            "terms.metrics[0].target",
            Box::new(|b: &mut Value| b["terms"]["metrics"][0]["target"] = json!("80")),
        ),
        (
            "terms.currency",
            Box::new(|b: &mut Value| b["terms"]["currency"] = json!("XYZ")),
        ),
        (
            "terms.payers",
            Box::new(|b: &mut Value| b["terms"]["payers"][0]["share"] = json!("0.8")),
        ),
        (
            "terms.max_total_payment",
            Box::new(|b: &mut Value| b["terms"]["max_total_payment"] = json!("1000")),
        ),
        (
            "terms.metrics[3]",
            Box::new(|b: &mut Value| {
                b["terms"]["metrics"].as_array_mut().unwrap().push(json!({"id": "orphan", "name": {"ja": "x", "en": "x"}, "unit": "count", "direction": "higher_is_better"}));
            }),
        ),
        (
            "terms.components[2].rule.steps[1].at",
            Box::new(|b: &mut Value| {
                b["terms"]["components"][2]["rule"] = json!({"type": "tiered", "metric": "egfr_decline_suppression", "steps": [{"at": "0.5", "amount": "1"}, {"at": "0.4", "amount": "2"}]});
            }),
        ),
        (
            "terms.tranches[0].outcomes_until",
            Box::new(|b: &mut Value| {
                b["terms"]["tranches"][0]["outcomes_from"] = json!("2019-01-01");
                b["terms"]["tranches"][0]["outcomes_until"] = json!("2018-01-01");
            }),
        ),
        (
            "terms.payers[0].id",
            Box::new(|b: &mut Value| b["terms"]["payers"][0]["id"] = json!("hachioji-city")),
        ),
        (
            "terms.dates.service_end",
            Box::new(|b: &mut Value| {
                b["terms"]["dates"] =
                    json!({"service_start": "2025-04-01", "service_end": "2025-03-31"})
            }),
        ),
        (
            "terms.budget[1].fiscal_year",
            Box::new(
                |b: &mut Value| b["terms"]["budget"] = json!([{"fiscal_year": 2025, "amount": "1"}, {"fiscal_year": 2025, "amount": "2"}]),
            ),
        ),
        (
            "title_en",
            Box::new(|b: &mut Value| b["title_en"] = json!("")),
        ),
        (
            "terms.components[2].rule.max_amount",
            Box::new(|b: &mut Value| {
                b["terms"]["components"][2]["rule"]["max_amount"] = json!(7860000.5)
            }),
        ),
        (
            "parties[0].role",
            Box::new(|b: &mut Value| b["parties"][0]["role"] = json!("investor")),
        ),
    ];
    for (field, mutate) in cases {
        let mut body = new_project_body(&app, "test-project-1").await;
        mutate(&mut body);
        let res = app.post("/api/v1/projects", Some(&staff), &body).await;
        let problem = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field} not in {fields:?}");
    }
    assert_eq!(project_count(&app).await, before, "nothing stored");
    let investor = app.login("investor@smbc.example").await;
    let body = new_project_body(&app, "test-project-1").await;
    app.post("/api/v1/projects", Some(&investor), &body)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}
db_test!(invalid_terms_get_422_naming_each_field_and_store_nothing);

async fn register_publish_and_amend(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let body = new_project_body(&app, "kobe-second-2026").await;
    let created = app.post("/api/v1/projects", Some(&staff), &body).await;
    created.assert_status(StatusCode::CREATED);
    let project = created.json();
    assert_eq!(project["status"], "draft");
    let id = project["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{id}");
    let roles: Vec<&str> = project["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"outcome_payer") && roles.contains(&"evaluator"));
    let etag = created.header("etag").unwrap().to_owned();

    // Read once (the page is then kept until something is committed), twice the same.
    let first = app.get(&path, Some(&staff)).await;
    assert_eq!(first.header("etag"), Some(etag.as_str()));
    assert_eq!(app.get(&path, Some(&staff)).await.body, first.body);
    assert_eq!(first.json()["title_en"], body["title_en"]);

    // A draft is edited in place.
    let mut edited = body.clone();
    edited["title_en"] = json!("Test project, revised");
    let res = send_with_if_match(&app, Method::PUT, &path, &staff, &etag, &edited).await;
    res.assert_status(StatusCode::OK);
    let etag2 = res.header("etag").unwrap().to_owned();
    assert_ne!(etag2, etag, "an edit is a new version");
    let stored = app.get(&path, Some(&staff)).await;
    assert_eq!(
        stored.header("etag"),
        Some(etag2.as_str()),
        "never the kept page"
    );
    let stored = stored.json();
    assert_eq!(stored["title_en"], "Test project, revised");
    assert_eq!(stored["title_ja"], "テスト事業");
    assert_eq!(stored["terms"], edited["terms"]);
    send_with_if_match(&app, Method::PUT, &path, &staff, &etag, &edited)
        .await
        .assert_problem(StatusCode::CONFLICT);

    // The evaluator is another organization: it is invited, and publication waits for it.
    let evaluator = project["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["role"] == "evaluator")
        .unwrap();
    assert_eq!(evaluator["status"], "invited");
    let refused = send_with_if_match(
        &app,
        Method::POST,
        &format!("{path}/status"),
        &staff,
        &etag2,
        &json!({"status": "published"}),
    )
    .await;
    refused.assert_problem(StatusCode::CONFLICT);
    let detail = refused.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("Institute for Future Engineering (evaluator, invited)"),
        "{detail}"
    );
    assert_eq!(accept_invitations(&app, id).await, 1);

    // Publish; published terms are read-only.
    let res = send_with_if_match(
        &app,
        Method::POST,
        &format!("{path}/status"),
        &staff,
        &etag2,
        &json!({"status": "published"}),
    )
    .await;
    res.assert_status(StatusCode::OK);
    let etag3 = res.header("etag").unwrap().to_owned();
    send_with_if_match(&app, Method::PUT, &path, &staff, &etag3, &edited)
        .await
        .assert_problem(StatusCode::CONFLICT);
    let closed = send_with_if_match(
        &app,
        Method::POST,
        &format!("{path}/status"),
        &staff,
        &etag3,
        &json!({"status": "closed"}),
    )
    .await;
    closed.assert_problem(StatusCode::CONFLICT);

    // An amendment is a new version with a reason; the old one stays readable.
    let mut terms = body["terms"].clone();
    terms["components"][2]["rule"]["max_amount"] = json!("8000000");
    let amendment = json!({"reason": "Council resolution 2026-12", "effective_from": "2026-12-01", "terms": terms});
    let others = app.login("investor@smbc.example").await;
    send_with_if_match(
        &app,
        Method::POST,
        &format!("{path}/amendments"),
        &others,
        &etag3,
        &amendment,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
    let hachioji = app.login("staff@hachioji-city.example").await;
    send_with_if_match(
        &app,
        Method::POST,
        &format!("{path}/amendments"),
        &hachioji,
        &etag3,
        &amendment,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
    let res = send_with_if_match(
        &app,
        Method::POST,
        &format!("{path}/amendments"),
        &staff,
        &etag3,
        &amendment,
    )
    .await;
    res.assert_status(StatusCode::CREATED);
    assert_eq!(res.json()["terms_version"], 2);
    let versions = app
        .get(&format!("{path}/versions"), Some(&staff))
        .await
        .json();
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(
        versions[0]["terms"]["components"][2]["rule"]["max_amount"],
        "7860000"
    );
    assert_eq!(
        versions[1]["terms"]["components"][2]["rule"]["max_amount"],
        "8000000"
    );
    assert_eq!(versions[1]["reason"], "Council resolution 2026-12");
    // A stale version is refused.
    send_with_if_match(
        &app,
        Method::POST,
        &format!("{path}/amendments"),
        &staff,
        &etag3,
        &amendment,
    )
    .await
    .assert_problem(StatusCode::CONFLICT);
    let history = app
        .get(
            "/api/v1/audit",
            Some(&app.login("admin@seika.example").await),
        )
        .await
        .json();
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..5],
        [
            "project.amended",
            "project.status_changed",
            "project.invitation_accepted",
            "project.draft_updated",
            "project.created"
        ]
    );
}
db_test!(register_publish_and_amend);

/// An amendment prices only the tranches due on or after its effective date: Kobe amended from
/// 2020-04-01 (interim fixed fee 11,000,000 instead of 10,480,000; final maximum 8,000,000 instead
/// of 7,860,000). The interim tranche, due 2019-03-29, stays under version 1; the final tranche,
/// due 2020-09-30, is priced under version 2: 8,000,000 × 0.41125 (0.329 ÷ 0.8) = 3,290,000.
async fn amendments_price_tranches_due_after_they_take_effect(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let path = format!("/api/v1/projects/{kobe}");
    let current = app.get(&path, Some(&staff)).await;
    let etag = current.header("etag").unwrap().to_owned();
    let mut terms = current.json()["terms"].clone();
    assert_eq!(terms["components"][0]["rule"]["amount"], "10480000");
    terms["components"][0]["rule"]["amount"] = json!("11000000");
    terms["components"][2]["rule"]["max_amount"] = json!("8000000");
    send_with_if_match(
        &app,
        Method::POST,
        &format!("{path}/amendments"),
        &staff,
        &etag,
        &json!({"reason": "令和2年度からの単価改定", "effective_from": "2020-04-01", "terms": terms}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let run = app
        .post(&format!("{path}/payout-runs"), Some(&staff), &json!({}))
        .await;
    run.assert_status(StatusCode::CREATED);
    let statement = run.json()["statement"].clone();
    let lines = statement["lines"].as_array().unwrap();
    for line in lines {
        let expected = if line["tranche"] == "interim" { 1 } else { 2 };
        assert_eq!(line["terms_version"], expected, "{line}");
    }
    assert_eq!(lines[0]["amount"], "10480000", "interim: version 1's fee");
    let final_line = lines.iter().find(|l| l["tranche"] == "final").unwrap();
    assert_eq!(final_line["amount"], "3290000");
    assert_eq!(statement["total"], "29490000");
    // The stored run reproduces.
    let id = run.json()["id"].clone();
    let again = app
        .post(
            &format!("{path}/payout-runs/{id}/reproduce"),
            Some(&staff),
            &json!({}),
        )
        .await
        .json();
    assert_eq!(again["matches"], true);
}
db_test!(amendments_price_tranches_due_after_they_take_effect);

/// Government staff start from templates: each is a valid contract once it has a code, and the
/// Kobe type has Kobe City's structure. Nobody else may draft terms.
async fn templates_are_valid_contracts_to_start_from(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let templates = app.get("/api/v1/contract-templates", Some(&staff)).await;
    templates.assert_status(StatusCode::OK);
    let templates = templates.json();
    let ids: Vec<&str> = templates
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["mhlw-model", "kobe-type", "rate-card", "savings-share"]
    );
    for template in templates.as_array().unwrap() {
        assert!(!template["name"]["ja"].as_str().unwrap().is_empty());
        assert!(!template["summary"]["en"].as_str().unwrap().is_empty());
        let mut terms = template["terms"].clone();
        assert_eq!(terms["code"], "", "each project chooses its own code");
        // Without a code, the check names the field.
        let problem = app
            .post(
                "/api/v1/contract-checks",
                Some(&staff),
                &json!({"terms": terms}),
            )
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "terms.code", "{problem}");
        terms["code"] = json!(format!("from-{}", template["id"].as_str().unwrap()));
        let check = app
            .post(
                "/api/v1/contract-checks",
                Some(&staff),
                &json!({"terms": terms}),
            )
            .await;
        check.assert_status(StatusCode::OK);
        assert_eq!(
            check.json(),
            json!({}),
            "{}: no statement without outcomes",
            template["id"]
        );
    }
    // Valid terms that are probably not what was meant answer with warnings, in both languages,
    // each naming its field; the terms are not refused.
    let mut odd = templates[1]["terms"].clone();
    odd["code"] = json!("kobe-odd");
    let fixed = odd["components"][0]["rule"]["amount"].clone();
    odd["components"][0]["cap"] = fixed;
    let check = app
        .post(
            "/api/v1/contract-checks",
            Some(&staff),
            &json!({"terms": odd}),
        )
        .await;
    check.assert_status(StatusCode::OK);
    let warnings = check.json()["warnings"].clone();
    assert_eq!(
        warnings[0]["field"], "terms.components[0].cap",
        "{warnings}"
    );
    assert_eq!(warnings[0]["code"], "warning.cap_never_binds");
    assert!(
        warnings[0]["message"]["ja"]
            .as_str()
            .unwrap()
            .contains("上限")
    );
    assert!(
        warnings[0]["message"]["en"]
            .as_str()
            .unwrap()
            .contains("never binds")
    );
    let kobe = &templates[1]["terms"];
    assert_eq!(kobe["components"].as_array().unwrap().len(), 3);
    assert_eq!(
        kobe["components"][0]["rule"]["milestone"],
        "programme_delivered"
    );
    assert_eq!(
        kobe["components"][1]["conditions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(kobe["components"][2]["rule"]["type"], "linear");
    assert_eq!(kobe["investments"].as_array().unwrap().len(), 3);
    assert_eq!(kobe["waterfall"].as_array().unwrap().len(), 6);
    for email in [
        "evaluator@mirai.example",
        "investor@smbc.example",
        "admin@seika.example",
    ] {
        let token = app.login(email).await;
        app.get("/api/v1/contract-templates", Some(&token))
            .await
            .assert_problem(StatusCode::FORBIDDEN);
    }
}
db_test!(templates_are_valid_contracts_to_start_from);

/// A draft is checked as registration checks it (every problem, each naming its field) and, with
/// hypothetical outcomes, previewed: the statement is the engine's, the same as `seika payout`
/// gives for the same files. Nothing is stored.
async fn draft_terms_are_checked_and_previewed_without_storing(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let before = project_count(&app).await;
    let mut terms: Value = serde_json::from_str(KOBE_CONTRACT).unwrap();
    terms["code"] = json!("Kobe Draft");
    terms["payers"][0]["share"] = json!("0.9");
    terms["components"][2]["rule"]["max_amount"] = json!("7860000.5");
    let problem = app
        .post(
            "/api/v1/contract-checks",
            Some(&staff),
            &json!({"terms": terms}),
        )
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for expected in [
        "terms.code",
        "terms.payers",
        "terms.components[2].rule.max_amount",
    ] {
        assert!(fields.contains(&expected), "{expected} in {fields:?}");
    }
    // A wrong type names its field too.
    terms["tranches"][0]["due_on"] = json!("next spring");
    let problem = app
        .post(
            "/api/v1/contract-checks",
            Some(&staff),
            &json!({"terms": terms}),
        )
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "terms.tranches[0].due_on");

    // Kobe City's contract with its published outcomes: the golden statement, exactly.
    let terms: Value = serde_json::from_str(KOBE_CONTRACT).unwrap();
    let outcomes: Value = serde_json::from_str(include_str!(
        "../../docs/examples/kobe-dialysis.outcomes.json"
    ))
    .unwrap();
    let preview = app
        .post(
            "/api/v1/contract-checks",
            Some(&staff),
            &json!({"terms": terms, "outcomes": {"results": outcomes["results"], "milestones": outcomes["milestones"]}}),
        )
        .await;
    preview.assert_status(StatusCode::OK);
    let golden: Value = serde_json::from_str(include_str!(
        "../../tests/golden/kobe-dialysis.statement.json"
    ))
    .unwrap();
    let preview = preview.json();
    assert_eq!(preview["statement"], golden);
    // With the words of the engine's example, in both languages.
    let words: Value =
        serde_json::from_str(include_str!("../../tests/golden/kobe-dialysis.words.json")).unwrap();
    assert_eq!(preview["words"], words);
    // A part named in Japanese and English keeps both names in the statement.
    let mut named = terms.clone();
    named["components"][0]["name"] = json!({"ja": "固定支払", "en": "Fixed payment"});
    named["tranches"][0]["name"] = json!({"ja": "中間評価", "en": "Interim evaluation"});
    let preview = app
        .post(
            "/api/v1/contract-checks",
            Some(&staff),
            &json!({"terms": named, "outcomes": {"results": outcomes["results"], "milestones": outcomes["milestones"]}}),
        )
        .await
        .json();
    assert_eq!(
        preview["statement"]["lines"][0]["name"],
        json!({"ja": "固定支払", "en": "Fixed payment"})
    );
    assert_eq!(preview["statement"]["total"], golden["total"]);
    // Other values, another statement: the interim part is all-or-nothing on both metrics.
    let mut results = outcomes["results"].clone();
    results[1]["value"] = json!("0.74");
    let preview = app
        .post(
            "/api/v1/contract-checks",
            Some(&staff),
            &json!({"terms": terms, "outcomes": {"results": results, "milestones": outcomes["milestones"]}}),
        )
        .await
        .json();
    let interim = preview["statement"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["component"] == "interim")
        .unwrap()
        .clone();
    assert_eq!(interim["amount"], "0", "{interim}");
    // An outcome for a metric the terms do not have names where.
    let problem = app
        .post(
            "/api/v1/contract-checks",
            Some(&staff),
            &json!({"terms": terms, "outcomes": {"results": [{"metric": "no-such-metric", "value": "1"}]}}),
        )
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("outcomes."),
        "{problem}"
    );
    assert_eq!(project_count(&app).await, before, "a check stores nothing");
}
db_test!(draft_terms_are_checked_and_previewed_without_storing);

/// The column of a workbook sheet whose header names `key` in parentheses.
fn column_of(headers: &[String], key: &str) -> usize {
    headers
        .iter()
        .position(|h| h.contains(&format!("({key})")))
        .unwrap()
}

/// A workbook's sheets as text tables, changed by `edit` and written back: what an officer does
/// in Excel (every cell typed as text, as people type them).
pub fn edit_workbook(bytes: &[u8], edit: impl Fn(&str, &[String], &mut Vec<String>)) -> Vec<u8> {
    let tables = seika_formats::sheet::Table::read_xlsx_sheets(
        bytes,
        &seika_formats::sheet::SheetLimits::default(),
    )
    .unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for table in tables {
        let name = table.sheet.clone().unwrap();
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name).unwrap();
        for (c, h) in table.headers.iter().enumerate() {
            sheet.write_string(0, c as u16, h).unwrap();
        }
        for (r, row) in table.rows.iter().enumerate() {
            let mut cells = row.cells.clone();
            edit(&name, &table.headers, &mut cells);
            for (c, cell) in cells.iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(r as u32 + 1, c as u16, cell).unwrap();
                }
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

async fn import_workbook(app: &TestApp, token: &str, bytes: Vec<u8>) -> TestResponse {
    app.send(
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/contract-workbooks/import")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", seika_formats::sheet::XLSX_MEDIA_TYPE)
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await
}

/// The terms as a 成果水準書 / 支払条件表 workbook: loaded back unchanged they are the same terms;
/// values changed in Excel (a thousands separator, a 和暦 date) come back exact; every problem
/// names its sheet, row and column, and nothing is stored.
async fn terms_go_to_excel_and_back(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let terms: Value = serde_json::from_str(KOBE_CONTRACT).unwrap();
    let res = app
        .post(
            "/api/v1/contract-workbooks",
            Some(&staff),
            &json!({"terms": terms}),
        )
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        res.header("content-type"),
        Some(seika_formats::sheet::XLSX_MEDIA_TYPE)
    );
    let bytes = res.body.clone();
    let sheets: Vec<String> = seika_formats::sheet::Table::read_xlsx_sheets(
        &bytes,
        &seika_formats::sheet::SheetLimits::default(),
    )
    .unwrap()
    .into_iter()
    .map(|t| t.sheet.unwrap())
    .collect();
    assert_eq!(
        sheets,
        [
            "概要",
            "成果水準書",
            "支払条件表",
            "支払期",
            "支払者",
            "予算",
            "投資",
            "分配順位",
            "seika"
        ]
    );
    // Unchanged: the same terms.
    let back = import_workbook(&app, &staff, bytes.clone()).await;
    back.assert_status(StatusCode::OK);
    let expected: seika_core::contract::Contract = serde_json::from_str(KOBE_CONTRACT).unwrap();
    assert_eq!(
        back.json()["terms"],
        serde_json::to_value(&expected).unwrap()
    );

    // Changed in Excel: a raised final payment, a lower target, a later payment date in 和暦.
    let edited = edit_workbook(&bytes, |sheet, headers, cells| {
        let col = |key: &str| column_of(headers, key);
        match sheet {
            "支払条件表" if cells[0] == "final" && cells[col("key")] == "rule.max_amount" => {
                cells[col("value")] = "9,000,000".into();
            }
            "成果水準書" if cells[0] == "egfr_decline_suppression" => {
                cells[col("target")] = "0.75".into();
            }
            "支払期" if cells[0] == "final" => cells[col("due_on")] = "令和2年10月30日".into(),
            _ => {}
        }
    });
    let back = import_workbook(&app, &staff, edited).await;
    back.assert_status(StatusCode::OK);
    let t = back.json()["terms"].clone();
    assert_eq!(t["components"][2]["rule"]["max_amount"], "9000000");
    assert_eq!(t["metrics"][2]["target"], "0.75");
    assert_eq!(
        t["metrics"][0]["target"], "0.80",
        "an unchanged value keeps its text"
    );
    assert_eq!(t["tranches"][1]["due_on"], "2020-10-30");

    // Problems by sheet, row and column.
    let bad = edit_workbook(&bytes, |sheet, headers, cells| {
        let col = |key: &str| column_of(headers, key);
        match sheet {
            "支払条件表" if cells[0] == "final" && cells[col("key")] == "rule.max_amount" => {
                cells[col("value")] = "lots".into();
            }
            "成果水準書" if cells[0] == "programme_completion" => {
                cells[0] = "no-such-metric".into()
            }
            _ => {}
        }
    });
    let problem = import_workbook(&app, &staff, bad)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields
            .iter()
            .any(|f| f.starts_with("sheet 支払条件表, row ") && f.ends_with("column 値 (value)")),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"sheet 成果水準書, row 2, column 指標ID (id)"),
        "{fields:?}"
    );
    // The terms' own checks, at the cell the value came from.
    let short = edit_workbook(&bytes, |sheet, headers, cells| {
        let col = |key: &str| column_of(headers, key);
        if sheet == "支払期" && cells[0] == "final" {
            cells[col("due_on")] = "2019-01-01".into();
        }
    });
    let short_again = short.clone();
    let problem = import_workbook(&app, &staff, short)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"][0]["field"], "sheet 支払期, row 3, column 支払日 (due_on)",
        "{problem}"
    );
    assert_eq!(problem["errors"][0]["place"], problem["errors"][0]["field"]);
    // In Japanese the same place reads as a Japanese officer finds it; the field stays stable.
    let problem = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/contract-workbooks/import")
                .header("authorization", format!("Bearer {staff}"))
                .header("accept-language", "ja")
                .header("content-type", seika_formats::sheet::XLSX_MEDIA_TYPE)
                .body(Body::from(short_again))
                .unwrap(),
        )
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"][0]["field"], "sheet 支払期, row 3, column 支払日 (due_on)",
        "{problem}"
    );
    assert_eq!(
        problem["errors"][0]["place"], "シート「支払期」、3 行目、列 支払日 (due_on)",
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("シート「支払期」、3 行目"),
        "{problem}"
    );
    // A workbook without the structure sheet is refused by name.
    let foreign = seika_formats::sheet::write_xlsx(
        "成果水準書",
        &["指標ID (id)".into()],
        &[vec!["x".into()]],
    )
    .unwrap();
    let problem = import_workbook(&app, &staff, foreign)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "sheet seika");
    let investor = app.login("investor@smbc.example").await;
    import_workbook(&app, &investor, bytes)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}
db_test!(terms_go_to_excel_and_back);

/// A payment date's cap per one counted goes to the 支払期 sheet (its metric and amount) and
/// comes back: unchanged it is the same terms, an amount changed in Excel is the new amount.
async fn a_cap_per_count_goes_to_excel_and_back(app: TestApp) {
    const PLACES: &str = include_str!("../../docs/examples/places-count-cap.contract.json");
    let staff = app.login("staff@kobe-city.example").await;
    let terms: Value = serde_json::from_str(PLACES).unwrap();
    let bytes = app
        .post(
            "/api/v1/contract-workbooks",
            Some(&staff),
            &json!({"terms": terms}),
        )
        .await
        .body;
    let expected: seika_core::contract::Contract = serde_json::from_str(PLACES).unwrap();
    let back = import_workbook(&app, &staff, bytes.clone()).await;
    back.assert_status(StatusCode::OK);
    assert_eq!(
        back.json()["terms"],
        serde_json::to_value(&expected).unwrap()
    );

    let edited = edit_workbook(
        &bytes,
        |sheet: &str, headers: &[String], cells: &mut Vec<String>| {
            if sheet == "支払期" && cells[0] == "fy2026" {
                let c = headers
                    .iter()
                    .position(|h| h.contains("(cap_per_count.amount)"))
                    .unwrap_or_else(|| panic!("no cap_per_count.amount column in {headers:?}"));
                cells[c] = "45,000".into();
            }
        },
    );
    let back = import_workbook(&app, &staff, edited).await;
    back.assert_status(StatusCode::OK);
    let tranches = &back.json()["terms"]["tranches"];
    assert_eq!(
        tranches[1]["cap_per_count"],
        json!({"metric": "enrolled_children", "amount": "45000"})
    );
    assert_eq!(tranches[0]["cap_per_count"]["amount"], "40000");
}
db_test!(a_cap_per_count_goes_to_excel_and_back);

/// The 新旧対照表 of an amendment, from the server: each changed part by its name, in yen and
/// percentages, in both languages; terms that cannot be read are refused at their field.
async fn amendments_compare_as_a_table(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let in_force: Value = serde_json::from_str(KOBE_CONTRACT).unwrap();
    let mut amended = in_force.clone();
    amended["components"][2]["rule"]["max_amount"] = json!("9000000");
    let res = app
        .post(
            "/api/v1/contract-comparisons",
            Some(&staff),
            &json!({"in_force": in_force, "amended": amended}),
        )
        .await;
    res.assert_status(StatusCode::OK);
    let changes = res.json()["changes"].clone();
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes}");
    let row = &changes[0];
    assert!(
        row["part"]["ja"]
            .as_str()
            .unwrap()
            .starts_with("支払項目「"),
        "{row}"
    );
    assert!(
        row["in_force"]["ja"]
            .as_str()
            .unwrap()
            .contains("¥7,860,000"),
        "{row}"
    );
    assert!(
        row["amended"]["en"]
            .as_str()
            .unwrap()
            .contains("¥9,000,000"),
        "{row}"
    );

    amended["tranches"] = json!("soon");
    let problem = app
        .post(
            "/api/v1/contract-comparisons",
            Some(&staff),
            &json!({"in_force": in_force, "amended": amended}),
        )
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem.to_string().contains("amended"), "{problem}");
}
db_test!(amendments_compare_as_a_table);

/// A draft the government no longer wants is deleted with its terms and parties, and its code is
/// free again; never at a stale version, never by another city, never once published.
async fn a_draft_is_deleted_and_its_code_freed(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let created = app
        .post(
            "/api/v1/projects",
            Some(&staff),
            &new_project_body(&app, "deleted-draft").await,
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{id}");
    let etag = app
        .get(&path, Some(&staff))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let delete = |token: &str, etag: &str| {
        Request::builder()
            .method(Method::DELETE)
            .uri(&path)
            .header("authorization", format!("Bearer {token}"))
            .header("if-match", etag)
            .body(Body::empty())
            .unwrap()
    };
    let other_city = app.login("staff@hachioji-city.example").await;
    app.send(delete(&other_city, &etag))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.send(delete(&staff, "\"999\""))
        .await
        .assert_problem(StatusCode::CONFLICT);
    app.send(delete(&staff, &etag))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&path, Some(&staff))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    // The code is free again.
    app.post(
        "/api/v1/projects",
        Some(&staff),
        &new_project_body(&app, "deleted-draft").await,
    )
    .await
    .assert_status(StatusCode::CREATED);
    // A published contract is not deleted.
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let kobe_path = format!("/api/v1/projects/{kobe}");
    let kobe_etag = app
        .get(&kobe_path, Some(&staff))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let refused = app
        .send(
            Request::builder()
                .method(Method::DELETE)
                .uri(&kobe_path)
                .header("authorization", format!("Bearer {staff}"))
                .header("if-match", kobe_etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert_eq!(refused["code"], "project.delete_published");
    let admin = app.login("admin@seika.example").await;
    let log = app
        .get("/api/v1/audit?action=project.deleted", Some(&admin))
        .await
        .json();
    assert_eq!(log["items"][0]["entity_id"], id.to_string(), "{log}");
}
db_test!(a_draft_is_deleted_and_its_code_freed);
