//! Open data: INDIGO export validated against the INDIGO v4.1 JSON Schemas, import as a draft
//! with a report, the round trip, and public pages that show only what the government made
//! public (never participant-level data, never an undisclosed investor position).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::projects::project_id;
use crate::util::{TestApp, db_test};

fn schema(name: &str) -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/indigo")
        .join(name);
    let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {}", errors.join("\n"));
}

async fn publish(app: &TestApp, token: &str, project: i64, sections: Value, threshold: i64) {
    app.request(
        Method::PUT,
        &format!("/api/v1/projects/{project}/publication"),
        Some(token),
        Some(&json!({"published": true, "public_sections": sections, "privacy_threshold": threshold})),
    )
    .await
    .assert_status(StatusCode::OK);
}

async fn disclose(
    app: &TestApp,
    token: &str,
    project: i64,
    public: bool,
) -> crate::util::TestResponse {
    app.request(
        Method::PUT,
        &format!("/api/v1/projects/{project}/publication/disclosure"),
        Some(token),
        Some(&json!({ "public": public })),
    )
    .await
}

/// Every demo project's INDIGO export validates against the INDIGO project schema, and the
/// public bulk export (projects and organisations) against the project and organisation schemas.
async fn indigo_exports_validate_against_the_indigo_schemas(app: TestApp) {
    let project_schema = schema("project.schema.json");
    let organisation_schema = schema("organisation.schema.json");
    let admin = app.login("admin@seika.example").await;
    let projects = app
        .get("/api/v1/projects?per_page=100", Some(&admin))
        .await
        .json();
    let items = projects["items"].as_array().unwrap();
    assert!(items.len() >= 2);
    for p in items {
        let doc = app
            .get(
                &format!("/api/v1/projects/{}/indigo", p["id"]),
                Some(&admin),
            )
            .await
            .json();
        assert_valid(&project_schema, &doc, p["code"].as_str().unwrap());
        assert_eq!(doc["name"]["value"], p["title_en"]);
        assert!(!doc["outcome_metrics"].as_array().unwrap().is_empty());
    }
    // Kobe's figures: the maximum, the payments recorded, every row marked.
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let doc = app
        .get(&format!("/api/v1/projects/{kobe}/indigo"), Some(&admin))
        .await
        .json();
    let finance = &doc["overall_project_finance"];
    assert_eq!(
        finance["maximum_potential_outcome_payment_v2"]["amount"]["value"],
        34_060_000
    );
    assert_eq!(
        finance["total_outcome_payments_made"]["amount"]["value"],
        26_200_000 + 3_232_425
    );
    let actual: Vec<&Value> = doc["outcome_payments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"]["value"] == "Actual")
        .collect();
    assert_eq!(actual.len(), 2);
    assert_eq!(actual[0]["money"]["amount"]["value"], 26_200_000);
    assert_eq!(actual[0]["period"]["end_date"]["value"], "2019-03-22");
    // Not published yet: the default public sections are marked PUBLIC, investments PRIVATE.
    assert_eq!(doc["outcome_metrics"][0]["status"], "PUBLIC");
    assert_eq!(
        finance["total_investment_commitment"]["amount"]["exact"]["status"],
        "PRIVATE"
    );
    // No investor disclosed a position: no investment rows at all.
    assert_eq!(doc["investments"], json!([]));

    let staff = app.login("staff@kobe-city.example").await;
    publish(
        &app,
        &staff,
        kobe,
        json!(["parties", "metrics", "results", "payments"]),
        10,
    )
    .await;
    let bundle = app.get("/api/v1/public/indigo", None).await;
    bundle.assert_status(StatusCode::OK);
    let bundle = bundle.json();
    assert_eq!(bundle["projects"].as_array().unwrap().len(), 1);
    let public = &bundle["projects"][0]["data"];
    assert_eq!(bundle["projects"][0]["id"], "SEIKA-POJ-kobe-dialysis-2017");
    assert_valid(&project_schema, public, "public kobe");
    // PRIVATE fields are left out of the public export, not only marked.
    assert!(!public.to_string().contains("PRIVATE"), "{public}");
    assert_eq!(public["outcome_pricings"], json!([]));
    assert!(
        public["overall_project_finance"]
            .get("maximum_potential_outcome_payment_v2")
            .is_none()
    );
    for org in bundle["organisations"].as_array().unwrap() {
        assert_valid(
            &organisation_schema,
            &org["data"],
            org["id"].as_str().unwrap(),
        );
    }
    let names: Vec<&str> = bundle["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"SEIKA-ORG-kobe-city"), "{names:?}");
}
db_test!(indigo_exports_validate_against_the_indigo_schemas);

/// Export, import as a draft, export again: the project's facts come back the same.
async fn indigo_round_trip_gives_back_the_same_project_facts(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let investor = app.login("investor@smbc.example").await;
    disclose(&app, &investor, kobe, true)
        .await
        .assert_status(StatusCode::OK);
    let original = app
        .get(&format!("/api/v1/projects/{kobe}/indigo"), Some(&staff))
        .await
        .json();
    assert_eq!(
        original["investments"].as_array().unwrap().len(),
        1,
        "only SMBC disclosed"
    );
    let imported = app
        .post(
            "/api/v1/projects/indigo-import",
            Some(&staff),
            &json!({"code": "kobe-roundtrip", "project": original}),
        )
        .await;
    imported.assert_status(StatusCode::CREATED);
    let imported = imported.json();
    let project = &imported["project"];
    assert_eq!(project["status"], "draft");
    let source = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&staff))
        .await
        .json();
    assert_eq!(project["title_ja"], source["title_ja"]);
    assert_eq!(project["title_en"], source["title_en"]);
    assert_eq!(project["policy_area"], source["policy_area"]);
    let (terms, was) = (&project["terms"], &source["terms"]);
    for key in ["currency", "max_total_payment", "dates"] {
        assert_eq!(terms[key], was[key], "{key}");
    }
    assert_eq!(terms["payers"][0]["id"], "kobe-city");
    assert_eq!(terms["payers"][0]["share"], "1");
    // A fact is a number: 0.80 and 0.8 are the same target.
    let n = |v: &Value| -> Value {
        v.as_str()
            .and_then(|s| s.parse::<rust_decimal::Decimal>().ok())
            .map_or(v.clone(), |d| json!(d.normalize().to_string()))
    };
    let metrics = |t: &Value| -> Vec<Value> {
        t["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                json!([
                    m["id"],
                    m["name"],
                    m["unit"],
                    m["direction"],
                    n(&m["target"]),
                    n(&m["baseline"]),
                    m["data_source"],
                    m["measurement_method"],
                    m["definition"]
                ])
            })
            .collect()
    };
    assert_eq!(metrics(terms), metrics(was));
    let tranches = |t: &Value| -> Vec<Value> {
        t["tranches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| json!([x["id"], x["due_on"]]))
            .collect()
    };
    assert_eq!(tranches(terms), tranches(was));
    let components = |t: &Value| -> Vec<Value> {
        t["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| json!([x["id"], x["tranche"]]))
            .collect()
    };
    assert_eq!(components(terms), components(was));
    assert_eq!(terms["investments"].as_array().unwrap().len(), 1);
    let inv = &terms["investments"][0];
    assert_eq!(
        json!([
            inv["id"],
            inv["investor"],
            inv["instrument"],
            inv["committed"],
            inv["annual_rate"]
        ]),
        json!(["smbc-senior", "smbc", "senior_loan", "16000000", "0.01"])
    );
    // Exported again, the definition sections are the same document.
    let again = app
        .get(
            &format!("/api/v1/projects/{}/indigo", project["id"]),
            Some(&staff),
        )
        .await
        .json();
    // (Investments are compared in the terms above: the draft's investor has not disclosed its
    // position on the new project, so its export rightly holds none.)
    for key in [
        "outcome_metrics",
        "outcome_payment_plans",
        "name",
        "alternative_names",
        "dates",
    ] {
        assert_eq!(again[key], original[key], "{key}");
    }
    let maxima = |d: &Value| -> Vec<Value> {
        d["outcome_pricings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["maximum_price_if_all_targets_achieved"].clone())
            .collect()
    };
    assert_eq!(maxima(&again), maxima(&original));
    // The report names what a draft cannot hold: results and payments.
    let report = imported["report"].as_array().unwrap();
    assert!(
        report
            .iter()
            .any(|n| n["field"] == "results[0]" && n["kind"] == "not_imported"),
        "{report:?}"
    );
    assert!(report.iter().any(|n| {
        n["field"]
            .as_str()
            .unwrap()
            .starts_with("outcome_payments[")
    }));
}
db_test!(indigo_round_trip_gives_back_the_same_project_facts);

/// Real INDIGO data: money as text, rates as percentages, partial dates, organizations Seika
/// does not know. The draft holds the cleaned figures and the report names every field.
async fn indigo_import_cleans_real_data_and_reports_each_field(app: TestApp) {
    let staff = app.login("staff@hachioji-city.example").await;
    let doc = json!({
        "name": {"value": "Example Outcomes Partnership"},
        "dates": {
            "outcomes_contract_signed": {"value": "2019-05"},
            "anticipated_end_date_of_service_provision": {"value": "31/03/2022"}
        },
        "purpose_and_classifications": {"policy_sector": {"value": "Employment and training"}},
        "overall_project_finance": {
            "maximum_potential_outcome_payment_v2": {"amount": {"value": "¥34.06 million"}}
        },
        "outcome_payment_commitments": [
            {"organisation_id": {"value": "INDIGO-ORG-0042"}}
        ],
        "investments": [
            {"id": "investment1", "organisation_id": {"value": "INDIGO-ORG-0007"},
             "investment_commitment": {"amount": {"exact": {"value": "£1.2m"}}},
             "maximum_potential_return": {"value": "7.5%"}}
        ],
        "outcome_metrics": [
            {"id": "outcomemetric1", "definition": {"value": "Sustained employment"},
             "outcome_metric_target": {"value": "120"}},
            {"id": "outcomemetric2", "definition": {"value": "Wellbeing"},
             "outcome_metric_target": {"value": "a significant improvement"}}
        ],
        "outcome_pricings": [
            {"outcome_metric_id": {"value": "outcomemetric1"},
             "price_per_unit": {"amount": {"value": "3,000"}},
             "price_description": {"value": "£3,000 per job sustained 26 weeks"}},
            {"outcome_metric_id": {"value": "outcomemetric2"},
             "price_description": {"value": "Discretionary"}}
        ],
        "results": [{"outcome_metric_id": {"value": "outcomemetric1"}, "outcomes_achieved": {"value": "87"}}],
        "sources": [{"id": "source1"}]
    });
    let before = app
        .get("/api/v1/projects?per_page=100", Some(&staff))
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .len();
    let res = app
        .post(
            "/api/v1/projects/indigo-import",
            Some(&staff),
            &json!({"code": "example-outcomes-2019", "project": doc}),
        )
        .await;
    res.assert_status(StatusCode::CREATED);
    let body = res.json();
    let terms = &body["project"]["terms"];
    assert_eq!(terms["max_total_payment"], "34060000");
    assert_eq!(terms["currency"], "JPY");
    assert_eq!(terms["dates"]["signed_on"], "2019-05-01");
    assert_eq!(terms["dates"]["service_end"], "2022-03-31");
    assert_eq!(body["project"]["policy_area"], "employment_and_training");
    assert_eq!(
        terms["payers"],
        json!([{"id": "hachioji-city", "share": "1"}])
    );
    assert_eq!(terms["metrics"][0]["target"], "120");
    // Wellbeing has no payment rule that could be imported: left out, and said so.
    assert_eq!(terms["metrics"].as_array().unwrap().len(), 1);
    assert_eq!(terms["components"].as_array().unwrap().len(), 1);
    assert_eq!(terms["components"][0]["rule"]["type"], "rate_card");
    assert_eq!(
        terms["components"][0]["rule"]["outcomes"][0]["price"],
        "3000"
    );
    assert_eq!(terms["tranches"][0]["due_on"], "2022-03-31");
    let report = body["report"].as_array().unwrap();
    let note = |field: &str, kind: &str| {
        report
            .iter()
            .find(|n| n["field"] == field && n["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} note for {field}: {report:#?}"))
            .clone()
    };
    let money = note(
        "overall_project_finance.maximum_potential_outcome_payment_v2.amount",
        "cleaned",
    );
    assert_eq!(money["found"], "¥34.06 million");
    assert_eq!(money["message_en"], "read as 34060000");
    assert!(!money["message_ja"].as_str().unwrap().is_empty());
    note("dates.outcomes_contract_signed", "cleaned");
    note("dates.anticipated_end_date_of_service_provision", "cleaned");
    assert_eq!(
        note(
            "outcome_payment_commitments[0].organisation_id",
            "not_imported"
        )["found"],
        "INDIGO-ORG-0042"
    );
    note("investments[0].organisation_id", "not_imported");
    note("outcome_metrics[1].outcome_metric_target", "not_imported");
    note("outcome_metrics[1]", "not_imported");
    note("outcome_pricings[1]", "not_imported");
    note("results[0]", "not_imported");
    note("sources", "not_imported");
    let after = app
        .get("/api/v1/projects?per_page=100", Some(&staff))
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, before + 1);

    // Nothing to pay for: refused with the field named, and nothing registered.
    let res = app
        .post(
            "/api/v1/projects/indigo-import",
            Some(&staff),
            &json!({"code": "nothing-to-pay", "project": {"name": {"value": "x"}, "outcome_pricings": []}}),
        )
        .await;
    let problem = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"][0]["field"], "project.outcome_pricings",
        "{problem}"
    );
    let last = app
        .get("/api/v1/projects?per_page=100", Some(&staff))
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(last, after);
    // Only government staff register projects.
    let evaluator = app.login("evaluator@mirai.example").await;
    app.post(
        "/api/v1/projects/indigo-import",
        Some(&evaluator),
        &json!({"code": "not-mine", "project": doc}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
}
db_test!(indigo_import_cleans_real_data_and_reports_each_field);

/// The public page exists only when switched on, shows only the chosen sections, suppresses
/// small counts, shows recorded payments against the maximum and names an investor only when it
/// disclosed its position.
async fn public_pages_show_only_what_the_government_made_public(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let path = "/api/v1/public/projects/kobe-dialysis-2017";
    app.get(path, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/v1/public/projects", None).await.json(),
        json!([])
    );

    let staff = app.login("staff@kobe-city.example").await;
    // Not the owner: refused, nothing changes.
    let hachioji_staff = app.login("staff@hachioji-city.example").await;
    app.request(
        Method::PUT,
        &format!("/api/v1/projects/{kobe}/publication"),
        Some(&hachioji_staff),
        Some(&json!({"published": true, "public_sections": []})),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
    let bad = app
        .request(
            Method::PUT,
            &format!("/api/v1/projects/{kobe}/publication"),
            Some(&staff),
            Some(&json!({"published": true, "public_sections": [], "privacy_threshold": 0})),
        )
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["errors"][0]["field"], "privacy_threshold");
    app.get(path, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND);

    publish(
        &app,
        &staff,
        kobe,
        json!(["metrics", "results", "payments"]),
        10,
    )
    .await;
    let page = app.get(path, None).await;
    page.assert_status(StatusCode::OK);
    let page = page.json();
    assert_eq!(page["parties"], Value::Null);
    assert_eq!(page["payment_rules"], Value::Null);
    assert_eq!(page["investments"], Value::Null);
    assert_eq!(page["metrics"].as_array().unwrap().len(), 3);
    let payments = &page["payments"];
    assert_eq!(payments["max_total_payment"], "34060000");
    assert_eq!(payments["paid"], "29432425");
    assert_eq!(payments["remaining_under_maximum"], "4627575");
    assert_eq!(payments["payments"][0]["amount"], "26200000");
    let completion = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "programme_completion")
        .unwrap()
        .clone();
    assert_eq!(completion["numerator"], "105");
    assert_eq!(completion["suppressed"], false);
    let list = app.get("/api/v1/public/projects", None).await.json();
    assert_eq!(list[0]["code"], "kobe-dialysis-2017");
    assert_eq!(list[0]["paid"], "29432425");
    assert_eq!(
        list[0]["max_total_payment"],
        Value::Null,
        "payment rules are not public"
    );

    // A threshold above the cohort: the count of 105 people is suppressed, the rate is not.
    publish(
        &app,
        &staff,
        kobe,
        json!(["results", "investments", "payment_rules"]),
        200,
    )
    .await;
    let page = app.get(path, None).await.json();
    let results = page["results"].as_array().unwrap();
    let completion = results
        .iter()
        .find(|r| r["metric"] == "programme_completion")
        .unwrap();
    assert_eq!(completion["suppressed"], true);
    assert_eq!(completion["numerator"], Value::Null);
    assert!(!page.to_string().contains("105"), "{page}");
    let lifestyle = results
        .iter()
        .find(|r| r["metric"] == "lifestyle_improvement")
        .unwrap();
    assert_eq!(lifestyle["value"], "0.95");
    assert_eq!(page["payments"], Value::Null);
    let rule = &page["payment_rules"].as_array().unwrap()[2];
    assert!(
        rule["description"]["ja"]
            .as_str()
            .unwrap()
            .contains("¥7,860,000"),
        "{rule}"
    );
    // Each payment as the contract says it: the interim fixed amount names the outcome
    // conditions it depends on, with rates as percentages.
    let interim = page["payment_rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["tranche"] == "interim")
        .nth(1)
        .unwrap();
    let (ja, en) = (
        interim["description"]["ja"].as_str().unwrap(),
        interim["description"]["en"].as_str().unwrap(),
    );
    assert!(ja.contains("条件: 「プログラム修了率」が 80%以上"), "{ja}");
    assert!(
        en.contains("provided that \"") && en.contains("80%"),
        "{en}"
    );
    // Investments: the total only, until an investor discloses its own position.
    assert_eq!(page["investments"]["total_committed"], "26000000");
    assert_eq!(page["investments"]["investors"], 3);
    assert_eq!(page["investments"]["disclosed"], json!([]));
    let investor = app.login("investor@smbc.example").await;
    let view = disclose(&app, &investor, kobe, true).await.json();
    assert_eq!(view["own_position_public"], true);
    let provider = app.login("provider@dpp.example").await;
    disclose(&app, &provider, kobe, true)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let page = app.get(path, None).await.json();
    let disclosed = page["investments"]["disclosed"].as_array().unwrap();
    assert_eq!(disclosed.len(), 1);
    assert_eq!(disclosed[0]["committed"], "16000000");
    assert!(
        disclosed[0]["investor"]["ja"]
            .as_str()
            .unwrap()
            .contains("三井住友"),
        "{disclosed:?}"
    );
    disclose(&app, &investor, kobe, false)
        .await
        .assert_status(StatusCode::OK);
    let page = app.get(path, None).await.json();
    assert_eq!(page["investments"]["disclosed"], json!([]));

    // Switched off: gone again.
    app.request(
        Method::PUT,
        &format!("/api/v1/projects/{kobe}/publication"),
        Some(&staff),
        Some(&json!({"published": false, "public_sections": ["metrics"]})),
    )
    .await
    .assert_status(StatusCode::OK);
    app.get(path, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get("/api/v1/public/projects/kobe-dialysis-2017/indigo", None)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}
db_test!(public_pages_show_only_what_the_government_made_public);

/// A project holding participant-level records: none of them reaches a public page or an export,
/// whatever the government makes public.
async fn no_participant_level_data_is_ever_published(app: TestApp) {
    let project = crate::batches::youth_project(&app).await;
    let staff = app.login("staff@kobe-city.example").await;
    let evaluator = app.login("evaluator@mirai.example").await;
    let res = crate::batches::import(
        &app,
        project,
        &evaluator,
        crate::batches::YOUTH_RECORDS.as_bytes().to_vec(),
    )
    .await;
    res.assert_status(StatusCode::CREATED);
    let batch = res.json()["id"].as_i64().unwrap();
    let rows = app
        .get(
            &format!("/api/v1/projects/{project}/outcome-batches/{batch}/records?per_page=200"),
            Some(&evaluator),
        )
        .await
        .json()["items"]
        .clone();
    let participants: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["participant"].as_str().unwrap().to_owned())
        .collect();
    assert!(!participants.is_empty());
    publish(
        &app,
        &staff,
        project,
        json!([
            "parties",
            "metrics",
            "payment_rules",
            "results",
            "payments",
            "investments"
        ]),
        1,
    )
    .await;
    let code = app
        .get(&format!("/api/v1/projects/{project}"), Some(&staff))
        .await
        .json()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let texts = [
        app.get(&format!("/api/v1/public/projects/{code}"), None)
            .await
            .body_text(),
        app.get(&format!("/api/v1/public/projects/{code}/indigo"), None)
            .await
            .body_text(),
        app.get("/api/v1/public/indigo", None).await.body_text(),
        app.get(&format!("/api/v1/projects/{project}/indigo"), Some(&staff))
            .await
            .body_text(),
    ];
    assert!(texts[0].contains(&code), "{}", texts[0]);
    for text in &texts {
        for p in &participants {
            assert!(
                !text.contains(&format!("\"{p}\"")),
                "participant {p} published: {text}"
            );
        }
    }
}
db_test!(no_participant_level_data_is_ever_published);
