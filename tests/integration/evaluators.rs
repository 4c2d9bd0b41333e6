//! The evaluator's bulk work: aggregate results imported from CSV and XLSX (all or nothing, every
//! bad cell named, Japanese spreadsheet habits read and reported), the per-project template, and
//! the same review workflow afterwards.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::outcomes::{ENTERER, VERIFIER, verify};
use crate::projects::project_id;
use crate::util::{TestApp, TestResponse, db_test};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub async fn import_results(
    app: &TestApp,
    project: i64,
    token: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> TestResponse {
    let req = Request::builder()
        .method("POST")
        .uri(format!(
            "/api/v1/projects/{project}/outcome-results/import{query}"
        ))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

/// Hachioji (which the demo leaves without data or evaluator) with the demo's evaluator appointed.
pub async fn hachioji_with_evaluator(app: &TestApp) -> i64 {
    let project = project_id(app, "hachioji-screening-2017").await;
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::project_parties as p;
        let mirai = seika_db::organizations::find_by_slug(conn, "mirai-kogaku")
            .unwrap()
            .unwrap()
            .id;
        diesel::insert_into(p::table)
            .values((
                p::project_id.eq(project),
                p::organization_id.eq(mirai),
                p::role.eq("evaluator"),
                p::status.eq("accepted"),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
    project
}

pub async fn result_count(app: &TestApp, project: i64) -> usize {
    let token = app.login(ENTERER).await;
    app.get(
        &format!("/api/v1/projects/{project}/outcome-results"),
        Some(&token),
    )
    .await
    .json()
    .as_array()
    .unwrap()
    .len()
}

fn xlsx(sheet: &str, rows: &[&[&str]]) -> Vec<u8> {
    let headers: Vec<String> = rows[0].iter().map(|s| (*s).to_owned()).collect();
    let data: Vec<Vec<String>> = rows[1..]
        .iter()
        .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
        .collect();
    seika_formats::sheet::write_xlsx(sheet, &headers, &data).unwrap()
}

fn paths(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn results_templates_list_the_projects_metrics(app: TestApp) {
    let hachioji = hachioji_with_evaluator(&app).await;
    let token = app.login(ENTERER).await;
    let csv = app
        .get(
            &format!("/api/v1/projects/{hachioji}/outcome-results/template"),
            Some(&token),
        )
        .await;
    csv.assert_status(StatusCode::OK);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.body.starts_with(b"\xEF\xBB\xBF"), "Excel needs the BOM");
    let xlsx = app
        .get(
            &format!("/api/v1/projects/{hachioji}/outcome-results/template?format=xlsx"),
            Some(&token),
        )
        .await;
    xlsx.assert_status(StatusCode::OK);
    assert_eq!(xlsx.header("content-type"), Some(XLSX));
    assert!(
        xlsx.header("content-disposition")
            .unwrap()
            .contains("hachioji-screening-2017-results-template.xlsx")
    );
    for bytes in [&csv.body, &xlsx.body] {
        let table =
            seika_formats::sheet::Table::read(bytes, &seika_formats::sheet::SheetLimits::default())
                .unwrap();
        assert_eq!(table.headers[0], "指標ID (metric)");
        assert!(table.headers.contains(&"単位 (unit)".to_owned()));
        let metrics: Vec<&str> = table.rows.iter().map(|r| r.cells[0].as_str()).collect();
        assert_eq!(
            metrics,
            [
                "screening_uptake",
                "detailed_exam_uptake",
                "early_cancers_detected"
            ]
        );
        assert_eq!(table.rows[0].cells[3], "final");
        assert!(table.rows[0].cells[2].contains("rate"));
        assert!(table.rows[2].cells[2].contains("count"));
    }
    // The template as downloaded, not filled in, is refused as holding no figure.
    let empty = import_results(&app, hachioji, &token, "", XLSX, xlsx.body.clone()).await;
    let problem = empty.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(paths(&problem), ["file"]);
}
db_test!(results_templates_list_the_projects_metrics);

async fn a_bad_results_file_stores_nothing_and_names_each_cell(app: TestApp) {
    let hachioji = hachioji_with_evaluator(&app).await;
    let token = app.login(ENTERER).await;
    let before = result_count(&app, hachioji).await;

    let csv = "metric,tranche,value,numerator,denominator\r\n\
               screening_uptake,final,0.268,,\r\n\
               detailed_exam_uptake,final,,lots,3119\r\n\
               no_such_metric,final,1,,\r\n\
               early_cancers_detected,someday,2,,\r\n\
               screening_uptake,final,1.7,,\r\n";
    let res = import_results(&app, hachioji, &token, "", "text/csv", csv.into()).await;
    let problem = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields = paths(&problem);
    assert!(
        fields.contains(&"row 3, column numerator".to_owned()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"row 4, column metric".to_owned()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"row 5, column tranche".to_owned()),
        "{fields:?}"
    );
    assert!(
        fields.iter().any(|f| f.starts_with("row 6")),
        "a rate above 1, or the second row for one metric and tranche: {fields:?}"
    );
    assert!(!fields.iter().any(|f| f.starts_with("row 2")), "{fields:?}");

    let book = xlsx(
        "成果",
        &[
            &["指標ID (metric)", "支払時期ID (tranche)", "実績値 (value)"],
            &["screening_uptake", "final", "0.268"],
            &["detailed_exam_uptake", "final", "八割"],
        ],
    );
    let res = import_results(&app, hachioji, &token, "", XLSX, book).await;
    let problem = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(paths(&problem), ["sheet 成果, row 3, column value"]);
    // A workbook declared as CSV, and a stranger's type, are refused before reading.
    let book = xlsx("x", &[&["metric"], &["screening_uptake"]]);
    import_results(&app, hachioji, &token, "", "text/csv", book)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    import_results(
        &app,
        hachioji,
        &token,
        "",
        "application/pdf",
        b"%PDF".to_vec(),
    )
    .await
    .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);

    assert_eq!(result_count(&app, hachioji).await, before, "nothing stored");
}
db_test!(a_bad_results_file_stores_nothing_and_names_each_cell);

/// A results workbook in Shift_JIS with Japanese habits imports, reports how it read each such
/// cell, goes through four-eyes verification, and pays what the same figures pay when the engine
/// reads the documented example file.
async fn a_good_results_file_imports_and_pays_like_the_example(app: TestApp) {
    let hachioji = hachioji_with_evaluator(&app).await;
    let enterer = app.login(ENTERER).await;
    let text = "指標ID (metric),指標名 (metric_name),支払時期ID (tranche),実績値 (value),分子 (numerator),分母 (denominator),根拠 (evidence)\r\n\
                screening_uptake,大腸がん検診受診率,final,26.8%,,,\"12,162人中\"\r\n\
                detailed_exam_uptake,精密検査受診率,final,,\"２,５６１\",\"3,119\",精検台帳\r\n\
                大腸がん検診受診率,,,,,,\r\n\
                早期がん発見者数（増加分）,,final,２,,,\r\n";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
    let res = import_results(
        &app,
        hachioji,
        &enterer,
        "?submit=true&name=%E6%88%90%E6%9E%9C.csv",
        "text/csv",
        sjis.into_owned(),
    )
    .await;
    res.assert_status(StatusCode::CREATED);
    let report = res.json();
    assert_eq!(report["format"], "csv");
    assert_eq!(report["file_name"], "成果.csv");
    assert_eq!(report["skipped_rows"], json!([4]));
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r["status"] == "submitted"));
    assert_eq!(results[0]["value"], "0.268");
    assert_eq!(results[1]["numerator"], "2561");
    assert_eq!(results[1]["denominator"], "3119");
    assert_eq!(results[1]["evidence"], "精検台帳");
    assert_eq!(
        results[2]["metric"], "early_cancers_detected",
        "named by its Japanese name"
    );
    let readings = report["readings"].as_array().unwrap();
    let reading = |place: &str| {
        readings
            .iter()
            .find(|r| r["place"] == place)
            .unwrap_or_else(|| panic!("no reading at {place}: {readings:?}"))
    };
    assert_eq!(reading("row 2, column value")["read_as"], "0.268");
    assert_eq!(reading("row 3, column numerator")["read_as"], "2561");
    assert_eq!(
        reading("row 3, column numerator")["habits"],
        json!(["full_width", "thousands"])
    );
    assert_eq!(
        reading("row 3, column numerator")["how_ja"],
        "全角文字を半角として読み取り、桁区切りのカンマを除去"
    );
    assert_eq!(reading("row 5, column value")["read_as"], "2");

    // The same review workflow: four eyes, then a payout run.
    let verifier = app.login(VERIFIER).await;
    for r in results {
        let id = r["id"].as_i64().unwrap();
        verify(&app, hachioji, id, &enterer)
            .await
            .assert_problem(StatusCode::FORBIDDEN);
        verify(&app, hachioji, id, &verifier)
            .await
            .assert_status(StatusCode::OK);
    }
    let staff = app.login("staff@hachioji-city.example").await;
    let run = app
        .post(
            &format!("/api/v1/projects/{hachioji}/payout-runs"),
            Some(&staff),
            &json!({}),
        )
        .await;
    run.assert_status(StatusCode::CREATED);
    let contract = seika_formats::input::contract_from_json(include_bytes!(
        "../../docs/examples/hachioji-screening.contract.json"
    ))
    .unwrap();
    let outcomes = seika_formats::input::from_json(include_bytes!(
        "../../docs/examples/hachioji-screening.outcomes.json"
    ))
    .unwrap();
    let expected = seika_engine::compute(&contract, &outcomes).unwrap();
    assert_eq!(run.json()["total"], expected.total.as_str());
    let amounts = |lines: &Value| -> Vec<String> {
        lines
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["amount"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        amounts(&run.json()["statement"]["lines"]),
        amounts(&serde_json::to_value(&expected.lines).unwrap())
    );

    // A second import of the same metric now corrects a verified result: only with a reason.
    let again = "metric,tranche,value\nscreening_uptake,final,0.27\n";
    let res = import_results(&app, hachioji, &enterer, "", "text/csv", again.into()).await;
    let problem = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(paths(&problem), ["row 2"]);
    let res = import_results(
        &app,
        hachioji,
        &enterer,
        "?correction_reason=re-counted",
        "text/csv",
        again.into(),
    )
    .await;
    res.assert_status(StatusCode::CREATED);
    let correction = &res.json()["results"][0];
    assert_eq!(correction["supersedes_id"], results[0]["id"]);
    assert_eq!(correction["status"], "draft");
}
db_test!(a_good_results_file_imports_and_pays_like_the_example);

/// Milestones come in the same sheet, their dates in 和暦 as municipal files write them; the
/// import is one audit entry with the file's hash beside each record's own.
async fn milestones_with_wareki_dates_import_from_a_workbook(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let book = xlsx(
        "マイルストーン",
        &[
            &["指標ID (metric)", "達成日 (achieved_on)", "根拠 (evidence)"],
            &["programme_delivered", "平成30年3月31日", "実施報告書"],
        ],
    );
    let res = import_results(
        &app,
        kobe,
        &enterer,
        "?correction_reason=date%20confirmed",
        XLSX,
        book.clone(),
    )
    .await;
    res.assert_status(StatusCode::CREATED);
    let report = res.json();
    assert_eq!(report["format"], "xlsx");
    let record = &report["results"][0];
    assert_eq!(record["kind"], "milestone");
    assert_eq!(record["achieved_on"], "2018-03-31");
    assert_eq!(
        report["readings"][0]["place"],
        "sheet マイルストーン, row 2, column achieved_on"
    );
    assert_eq!(report["readings"][0]["habits"], json!(["wareki"]));
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&book));
    assert_eq!(report["file_sha256"], sha.as_str());
    let admin = app.login("admin@seika.example").await;
    let audit = app.get("/api/v1/audit", Some(&admin)).await.json();
    let imported = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "outcome_results.imported")
        .expect("the import is audited");
    let after: Value = serde_json::from_str(imported["after_state"].as_str().unwrap()).unwrap();
    assert_eq!(after["file_sha256"], sha.as_str());
    assert_eq!(after["result_ids"], json!([record["id"]]));
    // An era date outside its era is named, not guessed.
    let book = xlsx(
        "s",
        &[
            &["metric", "achieved_on"],
            &["programme_delivered", "平成32年1月1日"],
        ],
    );
    let res = import_results(&app, kobe, &enterer, "?correction_reason=x", XLSX, book).await;
    assert_eq!(
        paths(&res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)),
        ["sheet s, row 2, column achieved_on"]
    );
}
db_test!(milestones_with_wareki_dates_import_from_a_workbook);

/// Imports and submits the example records; `copy` sends them in a file of its own (Windows line
/// endings: the same records, another file, since one file is imported once).
async fn submitted_batch(app: &TestApp, project: i64, enterer: &str, copy: bool) -> i64 {
    let csv = include_str!("../../docs/examples/youth-employment.outcomes.csv");
    let csv = if copy {
        csv.replace('\n', "\r\n")
    } else {
        csv.to_owned()
    };
    let res = crate::batches::import(app, project, enterer, csv.into_bytes()).await;
    res.assert_status(StatusCode::CREATED);
    let id = res.json()["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/projects/{project}/outcome-batches/{id}/submit"),
        Some(enterer),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    id
}

fn drawn(sample: &Value) -> Vec<(String, String, String)> {
    sample["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["participant"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
                r["achieved_on"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A verifier samples a batch reproducibly, records findings, and cannot verify an unfinished
/// sample, nor one with too many discrepancies without saying why.
async fn sample_checks_are_reproducible_and_gate_verification(app: TestApp) {
    let project = crate::batches::youth_project(&app).await;
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    let first = submitted_batch(&app, project, &enterer, false).await;
    let second = submitted_batch(&app, project, &enterer, true).await;
    let base = format!("/api/v1/projects/{project}/outcome-batches");
    let draw = json!({"seed": "audit-2026", "size": {"kind": "count", "count": 5}});

    assert_eq!(
        app.get(&format!("{base}/{first}/sample"), Some(&verifier))
            .await
            .json(),
        Value::Null,
        "no sample before the draw"
    );
    // Four eyes: the importer does not sample its own batch.
    app.post(&format!("{base}/{first}/sample"), Some(&enterer), &draw)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let res = app
        .post(&format!("{base}/{first}/sample"), Some(&verifier), &draw)
        .await;
    res.assert_status(StatusCode::CREATED);
    let sample = res.json();
    assert_eq!(sample["population"], 87);
    assert_eq!(sample["sampled"], 5);
    assert_eq!(sample["seed"], "audit-2026");
    assert_eq!(sample["drawn_by"], "未来 花子");
    // The same seed over the same records draws the same sample, in the same order.
    let again = app
        .post(&format!("{base}/{second}/sample"), Some(&verifier), &draw)
        .await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(drawn(&again.json()), drawn(&sample));
    // Drawn once: no second draw until it looks better.
    app.post(
        &format!("{base}/{first}/sample"),
        Some(&verifier),
        &json!({"seed": "another", "size": {"kind": "count", "count": 5}}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT);

    // An unfinished sample blocks verification.
    let verify = |body: Value| {
        let app = &app;
        let verifier = verifier.clone();
        let url = format!("{base}/{first}/verify");
        async move { app.post(&url, Some(&verifier), &body).await }
    };
    verify(json!({})).await.assert_problem(StatusCode::CONFLICT);
    let records = sample["records"].as_array().unwrap().clone();
    let check = |id: i64, body: Value| {
        let app = &app;
        let verifier = verifier.clone();
        let url = format!("{base}/{first}/sample/records/{id}");
        async move {
            let req = Request::builder()
                .method("PUT")
                .uri(url)
                .header("authorization", format!("Bearer {verifier}"))
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            app.send(req).await
        }
    };
    let ids: Vec<i64> = records.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    check(ids[0], json!({"finding": "discrepant"}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    check(
        ids[0],
        json!({"finding": "discrepant", "note": "台帳では2024/10/12"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let mut last = Value::Null;
    for id in &ids[1..] {
        let res = check(*id, json!({"finding": "confirmed"})).await;
        res.assert_status(StatusCode::OK);
        last = res.json();
    }
    assert_eq!(last["checked"], 5);
    assert_eq!(last["discrepant"], 1);
    assert_eq!(last["discrepancy_rate"], "0.2");
    assert_eq!(last["tolerance"], Value::Null);
    assert_eq!(last["exceeds_tolerance"], true);
    assert_eq!(last["records"][0]["note"], "台帳では2024/10/12");

    // Above the tolerance (none stated: none allowed), verifying needs a reason, and keeps it.
    let problem = verify(json!({}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "reason");
    let res =
        verify(json!({"reason": "one date typo, corrected at source; not payable either way"}))
            .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["status"], "verified");
    assert_eq!(res.json()["rejection_reason"], Value::Null);
    // The sample is closed with the batch; it stays readable, but not for investors.
    check(ids[0], json!({"finding": "confirmed"}))
        .await
        .assert_problem(StatusCode::CONFLICT);
    let kept = app
        .get(&format!("{base}/{first}/sample"), Some(&verifier))
        .await
        .json();
    assert_eq!(kept["discrepant"], 1);
    let investor = app.login("investor@smbc.example").await;
    let denied = app
        .get(&format!("{base}/{first}/sample"), Some(&investor))
        .await;
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&denied.status),
        "{}",
        denied.status
    );
    let admin = app.login("admin@seika.example").await;
    let audit = app.get("/api/v1/audit", Some(&admin)).await.json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"outcome_batch.sampled"));
    assert!(actions.contains(&"outcome_batch.sample_checked"));
}
db_test!(sample_checks_are_reproducible_and_gate_verification);

/// A share per cohort draws from every risk class, and the contract's tolerance lets a batch
/// within it be verified without a reason.
async fn a_share_per_cohort_and_the_contracts_tolerance(app: TestApp) {
    let project = crate::batches::youth_project(&app).await;
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    let csv = "participant,outcome,achieved_on,cohort\n".to_owned()
        + &(0..40)
            .map(|i| {
                format!(
                    "Y{i:03},regular_contact,2024/10/05,{}\n",
                    if i < 4 { "high" } else { "low" }
                )
            })
            .collect::<String>();
    let res = crate::batches::import(&app, project, &enterer, csv.into_bytes()).await;
    res.assert_status(StatusCode::CREATED);
    let batch = res.json()["id"].as_i64().unwrap();
    let base = format!("/api/v1/projects/{project}/outcome-batches/{batch}");
    app.post(&format!("{base}/submit"), Some(&enterer), &json!({}))
        .await
        .assert_status(StatusCode::OK);
    let sample = app
        .post(
            &format!("{base}/sample"),
            Some(&verifier),
            &json!({"size": {"kind": "share_per_cohort", "share": "0.1"}}),
        )
        .await;
    sample.assert_status(StatusCode::CREATED);
    let sample = sample.json();
    assert_eq!(
        sample["seed"].as_str().unwrap().len(),
        16,
        "a seed is made up"
    );
    let strata: Vec<&str> = sample["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["stratum"].as_str().unwrap())
        .collect();
    assert_eq!(strata.iter().filter(|s| **s == "high").count(), 1);
    assert_eq!(strata.iter().filter(|s| **s == "low").count(), 4);
    let bad = app
        .post(
            &format!("{base}/sample"),
            Some(&verifier),
            &json!({"size": {"kind": "share_per_cohort", "share": "1.5"}}),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    // With a tolerance of 25 % in the terms, 1 discrepancy in 5 verifies without a reason.
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::project_terms as t;
        let terms: String = t::table
            .filter(t::project_id.eq(project))
            .select(t::terms)
            .first(conn)
            .unwrap();
        let mut terms: Value = serde_json::from_str(&terms).unwrap();
        terms["data_checks"] = json!({"discrepancy_tolerance": "0.25"});
        diesel::update(t::table.filter(t::project_id.eq(project)))
            .set(t::terms.eq(terms.to_string()))
            .execute(conn)
            .unwrap();
    })
    .await;
    for (i, r) in sample["records"].as_array().unwrap().iter().enumerate() {
        let finding = if i == 0 {
            json!({"finding": "discrepant", "note": "cohort differs"})
        } else {
            json!({"finding": "confirmed"})
        };
        let req = Request::builder()
            .method("PUT")
            .uri(format!("{base}/sample/records/{}", r["id"]))
            .header("authorization", format!("Bearer {verifier}"))
            .header("content-type", "application/json")
            .body(Body::from(finding.to_string()))
            .unwrap();
        app.send(req).await.assert_status(StatusCode::OK);
    }
    let view = app
        .get(&format!("{base}/sample"), Some(&verifier))
        .await
        .json();
    assert_eq!(view["tolerance"], "0.25");
    assert_eq!(view["exceeds_tolerance"], false);
    app.post(&format!("{base}/verify"), Some(&verifier), &json!({}))
        .await
        .assert_status(StatusCode::OK);
}
db_test!(a_share_per_cohort_and_the_contracts_tolerance);

/// A participant's records are erased on a lawful request: kept under a pseudonym where a stored
/// run used them (the run still reproduces), deleted elsewhere; the audit never holds the key.
async fn erasure_keeps_runs_reproducible_and_forgets_the_key(app: TestApp) {
    let project = crate::batches::youth_project(&app).await;
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    let used = submitted_batch(&app, project, &enterer, false).await;
    let base = format!("/api/v1/projects/{project}");
    app.post(
        &format!("{base}/outcome-batches/{used}/verify"),
        Some(&verifier),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    let staff = app.login("staff@kobe-city.example").await;
    let run = app
        .post(&format!("{base}/payout-runs"), Some(&staff), &json!({}))
        .await;
    run.assert_status(StatusCode::CREATED);
    let run = run.json();
    let unused = crate::batches::import(
        &app,
        project,
        &enterer,
        b"participant,outcome,achieved_on\nY0001,job_start,2025-06-01\nY0999,job_start,2025-06-01\n"
            .to_vec(),
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();

    let erase = |who: &str, participant: &str| {
        let app = &app;
        let token = who.to_owned();
        let body = json!({"participant": participant, "reason": "本人からの消去請求 2026-11-20 受付第12号"});
        let url = format!("{base}/participant-erasures");
        async move { app.post(&url, Some(&token), &body).await }
    };
    let investor = app.login("investor@smbc.example").await;
    let denied = erase(&investor, "Y0001").await;
    assert!([StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&denied.status));
    let res = erase(&enterer, "Y0001").await;
    res.assert_status(StatusCode::OK);
    let report = res.json();
    let alias = report["pseudonym"].as_str().unwrap().to_owned();
    assert!(alias.starts_with("erased-") && alias.len() == 47, "{alias}");
    assert_eq!(report["records_deleted"], 1);
    assert!(report["records_pseudonymised"].as_u64().unwrap() >= 1);
    assert_eq!(report["batch_ids"], json!([used, unused]));

    let records = |batch: i64| {
        let app = &app;
        let token = enterer.clone();
        let url = format!("{base}/outcome-batches/{batch}/records?per_page=200");
        async move { app.get(&url, Some(&token)).await.json()["items"].clone() }
    };
    let kept = records(used).await;
    let kept = kept.as_array().unwrap();
    assert!(kept.iter().all(|r| r["participant"] != "Y0001"));
    assert_eq!(
        kept.iter()
            .filter(|r| r["participant"] == alias.as_str())
            .count() as u64,
        report["records_pseudonymised"].as_u64().unwrap()
    );
    assert_eq!(records(unused).await.as_array().unwrap().len(), 1);
    let batches = app
        .get(&format!("{base}/outcome-batches"), Some(&enterer))
        .await
        .json();
    let unused_row = batches
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == unused)
        .unwrap()
        .clone();
    assert_eq!(unused_row["row_count"], 1);

    // The stored run still reproduces, byte for byte.
    let reproduced = app
        .post(
            &format!("{base}/payout-runs/{}/reproduce", run["id"]),
            Some(&staff),
            &json!({}),
        )
        .await
        .json();
    assert_eq!(reproduced["matches"], true, "{reproduced}");

    // The audit log names the pseudonym and the reason, never the key.
    let admin = app.login("admin@seika.example").await;
    let audit = app.get("/api/v1/audit", Some(&admin)).await;
    let entry = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "participant.erased")
        .unwrap()
        .clone();
    let after = entry["after_state"].as_str().unwrap();
    assert!(after.contains(&alias) && after.contains("消去請求"));
    assert!(
        !audit.body_text().contains("\"Y0001\""),
        "the key is gone from the log"
    );
    // Erased once: the key is unknown now.
    erase(&enterer, "Y0001")
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}
db_test!(erasure_keeps_runs_reproducible_and_forgets_the_key);

/// A contract that requires every batch to be sample-checked: verifying a batch with no sample
/// drawn is refused (409, in the reader's language); once drawn and checked, it is verified.
async fn a_required_sample_gates_verification(app: TestApp) {
    let project = crate::batches::youth_project_with(&app, |terms| {
        terms["data_checks"] = json!({"discrepancy_tolerance": "0.05", "sample_required": true});
    })
    .await;
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    let batch = submitted_batch(&app, project, &enterer, false).await;
    let base = format!("/api/v1/projects/{project}/outcome-batches/{batch}");
    let refused = app
        .post(&format!("{base}/verify"), Some(&verifier), &json!({}))
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert_eq!(refused["code"], "sample.required", "{refused}");
    let sample = app
        .post(
            &format!("{base}/sample"),
            Some(&verifier),
            &json!({"seed": "required", "size": {"kind": "count", "count": 3}}),
        )
        .await;
    sample.assert_status(StatusCode::CREATED);
    for record in sample.json()["records"].as_array().unwrap() {
        let req = Request::builder()
            .method("PUT")
            .uri(format!("{base}/sample/records/{}", record["id"]))
            .header("authorization", format!("Bearer {verifier}"))
            .header("content-type", "application/json")
            .body(Body::from(r#"{"finding": "confirmed"}"#))
            .unwrap();
        app.send(req).await.assert_status(StatusCode::OK);
    }
    let verified = app
        .post(&format!("{base}/verify"), Some(&verifier), &json!({}))
        .await;
    verified.assert_status(StatusCode::OK);
    assert_eq!(verified.json()["status"], "verified");
}
db_test!(a_required_sample_gates_verification);
