//! Outcome results: four-eyes verification, corrections, idempotent retries, concurrent reviews,
//! and payout runs computed from verified data only and reproduced from "as of" data.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::projects::project_id;
use crate::util::{TestApp, TestResponse, db_test};

pub const ENTERER: &str = "evaluator@mirai.example";
pub const VERIFIER: &str = "evaluator2@mirai.example";

/// Enters a result and submits it for verification; returns its id.
pub async fn enter(app: &TestApp, project: i64, token: &str, body: &Value) -> i64 {
    let res = app
        .post(
            &format!("/api/v1/projects/{project}/outcome-results"),
            Some(token),
            body,
        )
        .await;
    res.assert_status(StatusCode::CREATED);
    let id = res.json()["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/projects/{project}/outcome-results/{id}/submit"),
        Some(token),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    id
}

pub async fn verify(app: &TestApp, project: i64, id: i64, token: &str) -> TestResponse {
    app.post(
        &format!("/api/v1/projects/{project}/outcome-results/{id}/verify"),
        Some(token),
        &json!({}),
    )
    .await
}

fn egfr_correction(old: i64, value: &str) -> Value {
    json!({"metric": "egfr_decline_suppression", "tranche": "final", "value": value,
           "supersedes": old, "correction_reason": "re-measured eGFR after data cleaning"})
}

async fn current_egfr(app: &TestApp, project: i64, token: &str) -> i64 {
    let rows = app
        .get(
            &format!("/api/v1/projects/{project}/outcome-results?status=verified"),
            Some(token),
        )
        .await
        .json();
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "egfr_decline_suppression" && r["superseded_at"].is_null())
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn record_status(app: &TestApp, kobe: i64, id: i64) -> String {
    let token = app.login(VERIFIER).await;
    let rows = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results"),
            Some(&token),
        )
        .await
        .json();
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn four_eyes_rule(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let old = current_egfr(&app, kobe, &enterer).await;
    let id = enter(&app, kobe, &enterer, &egfr_correction(old, "0.4")).await;

    // The person who entered it cannot verify it.
    verify(&app, kobe, id, &enterer)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    // The provider and investors see the project but may not verify.
    for email in ["provider@dpp.example", "investor@smbc.example"] {
        let token = app.login(email).await;
        verify(&app, kobe, id, &token)
            .await
            .assert_problem(StatusCode::FORBIDDEN);
    }
    // Government staff of the project may not verify either.
    verify(&app, kobe, id, &app.login("staff@kobe-city.example").await)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    // An evaluator not appointed to this project does not even see it.
    let admin = app.login("admin@seika.example").await;
    let org = app.post("/api/v1/organizations", Some(&admin), &json!({"slug": "other-eval", "kind": "evaluator", "name_ja": "他評価", "name_en": "Other evaluator"})).await.json();
    app.post("/api/v1/users", Some(&admin), &json!({"email": "eval@other.example", "display_name": "Other", "role": "evaluator", "organization_id": org["id"], "password": seika::demo::DEMO_PASSWORD}))
        .await
        .assert_status(StatusCode::CREATED);
    let stranger = app.login("eval@other.example").await;
    verify(&app, kobe, id, &stranger)
        .await
        .assert_problem(StatusCode::NOT_FOUND);

    assert_eq!(
        record_status(&app, kobe, id).await,
        "submitted",
        "every refusal changed nothing"
    );
    let verifier = app.login(VERIFIER).await;
    verify(&app, kobe, id, &verifier)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(record_status(&app, kobe, id).await, "verified");
    let history = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results/{id}/history"),
            Some(&verifier),
        )
        .await
        .json();
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "outcome_result.entered",
            "outcome_result.submitted",
            "outcome_result.verified"
        ]
    );
}
db_test!(four_eyes_rule);

async fn run_payout(app: &TestApp, project: i64, token: &str) -> Value {
    let res = app
        .post(
            &format!("/api/v1/projects/{project}/payout-runs"),
            Some(token),
            &json!({}),
        )
        .await;
    res.assert_status(StatusCode::CREATED);
    res.json()
}

async fn only_verified_data_pays_and_past_runs_reproduce(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;

    // Kobe through the API: the demo's run and a fresh one reproduce the published figures.
    let runs = app
        .get(
            &format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&staff),
        )
        .await
        .json();
    let demo_run = runs[0]["id"].as_i64().unwrap();
    assert_eq!(runs[0]["total"], "29432425");
    let first = run_payout(&app, kobe, &staff).await;
    assert_eq!(first["total"], "29432425");
    let amounts: Vec<&str> = first["statement"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["10480000", "15720000", "3232425"]);
    let first_id = first["id"].as_i64().unwrap();

    // A correction that is entered and submitted but not verified changes nothing.
    let enterer = app.login(ENTERER).await;
    let old = current_egfr(&app, kobe, &enterer).await;
    let correction = enter(&app, kobe, &enterer, &egfr_correction(old, "0.4")).await;
    assert_eq!(run_payout(&app, kobe, &staff).await["total"], "29432425");

    // Once verified, a new run pays 7,860,000 × 0.4 / 0.8 = 3,930,000 for the final part.
    verify(&app, kobe, correction, &app.login(VERIFIER).await)
        .await
        .assert_status(StatusCode::OK);
    let after = run_payout(&app, kobe, &staff).await;
    assert_eq!(after["total"], "30130000");

    // The earlier runs are unchanged and still reproduce exactly from the data as it was.
    let stored = app
        .get(
            &format!("/api/v1/projects/{kobe}/payout-runs/{first_id}"),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(stored["total"], "29432425");
    for run in [demo_run, first_id] {
        let check = app
            .post(
                &format!("/api/v1/projects/{kobe}/payout-runs/{run}/reproduce"),
                Some(&staff),
                &json!({}),
            )
            .await
            .json();
        assert_eq!(check["matches"], true, "{check}");
        assert_eq!(
            check["stored_inputs_sha256"],
            check["recomputed_inputs_sha256"]
        );
    }
    let as_of = stored["as_of"].as_str().unwrap();
    let then = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results?as_of={as_of}"),
            Some(&staff),
        )
        .await
        .json();
    let egfr: Vec<&Value> = then
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["metric"] == "egfr_decline_suppression")
        .collect();
    assert_eq!(egfr.len(), 1);
    assert_eq!(egfr[0]["value"], "0.329");

    // The command line reproduces the same run.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_seika"))
        .args(["payout-run", "reproduce", &first_id.to_string()])
        .env("DATABASE_URL", app.database_url())
        .env("SEIKA_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("MATCH"));

    // Investors and providers may read runs but not compute them.
    for email in ["investor@smbc.example", "provider@dpp.example"] {
        let token = app.login(email).await;
        app.post(
            &format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&token),
            &json!({}),
        )
        .await
        .assert_problem(StatusCode::FORBIDDEN);
        app.get(
            &format!("/api/v1/projects/{kobe}/payout-runs/{first_id}"),
            Some(&token),
        )
        .await
        .assert_status(StatusCode::OK);
    }
    // The appointed evaluator may compute one.
    run_payout(&app, kobe, &enterer).await;
}
db_test!(only_verified_data_pays_and_past_runs_reproduce);

/// A run's explanations come in Japanese and English beside its statement, one per line: kept
/// when the run is stored, and re-computed (and kept) for a run stored before words were kept.
/// The statement itself is the engine's, byte for byte.
async fn a_run_explains_itself_in_japanese_and_english(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let run = run_payout(&app, kobe, &staff).await;
    let id = run["id"].as_i64().unwrap();
    let check = |run: &Value| {
        let words = run["words"].as_array().expect("words beside the statement");
        let lines = run["statement"]["lines"].as_array().unwrap();
        assert_eq!(words.len(), lines.len(), "{run}");
        assert_eq!(
            words[2]["formula"]["ja"],
            "上限額 ¥7,860,000 × min(1, 32.9% / 80%) = ¥7,860,000 × 41.125% = ¥3,232,425"
        );
        assert_eq!(
            words[2]["formula"]["en"],
            "Maximum ¥7,860,000 × min(1, 32.9% / 80%) = ¥7,860,000 × 41.125% = ¥3,232,425"
        );
        assert_eq!(
            words[2]["rounding"]["ja"],
            "切り捨て（¥1単位）: ¥3,232,425 → ¥3,232,425"
        );
        // The statement keeps the engine's own text.
        assert_eq!(
            lines[2]["explanation"]["formula"],
            "7860000 × min(1, 0.329 / 0.8) = 7860000 × 0.41125 = 3232425"
        );
    };
    check(&run);
    let path = format!("/api/v1/projects/{kobe}/payout-runs/{id}");
    check(&app.get(&path, Some(&staff)).await.json());

    // A run stored before words were kept: its words are re-computed on reading, and kept.
    let count = move |conn: &mut seika_db::DbConn| {
        use diesel::prelude::*;
        use seika_db::schema::payout_run_words::dsl as w;
        w::payout_run_words
            .filter(w::payout_run_id.eq(id))
            .count()
            .get_result::<i64>(conn)
            .unwrap()
    };
    let removed = app
        .with_conn(move |conn| {
            use diesel::prelude::*;
            use seika_db::schema::payout_run_words::dsl as w;
            diesel::delete(w::payout_run_words.filter(w::payout_run_id.eq(id)))
                .execute(conn)
                .unwrap()
        })
        .await;
    assert_eq!(removed, 1);
    check(&app.get(&path, Some(&staff)).await.json());
    assert_eq!(app.with_conn(count).await, 1);
    check(&app.get(&path, Some(&staff)).await.json());
}
db_test!(a_run_explains_itself_in_japanese_and_english);

async fn post_with_key(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> TestResponse {
    let req = Request::post(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

async fn count(app: &TestApp, path: &str, token: &str) -> usize {
    app.get(path, Some(token))
        .await
        .json()
        .as_array()
        .unwrap()
        .len()
}

async fn retries_with_an_idempotency_key_are_safe(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let path = format!("/api/v1/projects/{kobe}/outcome-results");
    let old = current_egfr(&app, kobe, &enterer).await;
    let body = egfr_correction(old, "0.35");
    let before = count(&app, &path, &enterer).await;
    let first = post_with_key(&app, &path, &enterer, "retry-1", &body).await;
    first.assert_status(StatusCode::CREATED);
    let again = post_with_key(&app, &path, &enterer, "retry-1", &body).await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(first.json()["id"], again.json()["id"]);
    assert_eq!(
        count(&app, &path, &enterer).await,
        before + 1,
        "never a duplicate"
    );
    let other = post_with_key(
        &app,
        &path,
        &enterer,
        "retry-1",
        &egfr_correction(old, "0.36"),
    )
    .await;
    other.assert_problem(StatusCode::CONFLICT);
    assert_eq!(count(&app, &path, &enterer).await, before + 1);
}
db_test!(retries_with_an_idempotency_key_are_safe);

async fn concurrent_double_verification_has_one_winner(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let old = current_egfr(&app, kobe, &enterer).await;
    let id = enter(&app, kobe, &enterer, &egfr_correction(old, "0.4")).await;
    let verifier = app.login(VERIFIER).await;
    let (a, b) = tokio::join!(
        verify(&app, kobe, id, &verifier),
        verify(&app, kobe, id, &verifier)
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
}
db_test!(concurrent_double_verification_has_one_winner);

async fn bad_outcome_data_is_refused(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let path = format!("/api/v1/projects/{kobe}/outcome-results");
    for (body, field) in [
        (
            json!({"metric": "egfr_decline_suppression", "tranche": "final", "value": "1.2"}),
            "value",
        ),
        (json!({"metric": "nonexistent", "value": "1"}), "metric"),
        (
            json!({"metric": "programme_completion", "tranche": "interim", "numerator": "106", "denominator": "105"}),
            "numerator",
        ),
        (
            json!({"metric": "egfr_decline_suppression", "tranche": "final", "value": 0.4}),
            "value",
        ),
        (
            json!({"kind": "milestone", "metric": "programme_delivered"}),
            "achieved_on",
        ),
        (
            json!({"metric": "egfr_decline_suppression", "tranche": "final", "value": "0.3", "supersedes": 999999}),
            "supersedes",
        ),
    ] {
        let res = app.post(&path, Some(&enterer), &body).await;
        let problem = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body}: {fields:?}");
    }
    // A second verified value for the same metric and tranche must be a correction.
    let id = enter(
        &app,
        kobe,
        &enterer,
        &json!({"metric": "egfr_decline_suppression", "tranche": "final", "value": "0.3"}),
    )
    .await;
    verify(&app, kobe, id, &app.login(VERIFIER).await)
        .await
        .assert_problem(StatusCode::CONFLICT);
}
db_test!(bad_outcome_data_is_refused);

/// The work list closes the loop: a submitted correction waits for the colleague with what to
/// check it against (metric, target, previous value and the change, who entered it); a rejection
/// reaches the person who entered it with the reason; claims wait for the payer's staff; an
/// invitation waits for the invited organization.
async fn work_waits_for_whoever_must_act(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    crate::claims::without_demo_claims(&app, kobe).await;
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    let work = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/work", Some(&token)).await.json() }
    };
    assert_eq!(work(verifier.clone()).await["total"], 0);

    let old = current_egfr(&app, kobe, &enterer).await;
    let id = enter(&app, kobe, &enterer, &egfr_correction(old, "0.4")).await;
    let waiting = work(verifier.clone()).await;
    assert_eq!(waiting["total"], 1);
    let item = &waiting["to_verify"][0];
    assert_eq!(item["id"], id);
    assert_eq!(
        item["metric_name_en"],
        "Suppression of kidney-function (eGFR) decline"
    );
    assert_eq!(item["target"], "0.8");
    assert_eq!(item["value"], "0.4");
    assert_eq!(item["previous_value"], "0.329");
    assert_eq!(item["change"], "0.071");
    assert_eq!(item["achievement"], "0.5", "0.4 ÷ 0.8");
    assert_eq!(item["entered_by"], "未来 太郎");
    assert_eq!(
        item["correction_reason"],
        "re-measured eGFR after data cleaning"
    );
    // Filtered on the server: by the project's code or title (any case), or by the project.
    let filtered = |query: &'static str| {
        let (app, token) = (&app, verifier.clone());
        async move {
            app.get(&format!("/api/v1/work?{query}"), Some(&token))
                .await
                .json()["total"]
                .clone()
        }
    };
    assert_eq!(filtered("q=KOBE").await, 1);
    assert_eq!(filtered("q=%E7%A5%9E%E6%88%B8").await, 1, "神戸");
    assert_eq!(filtered("q=hachioji").await, 0);
    assert_eq!(
        filtered("q=%25").await,
        0,
        "a % is a character, not a wildcard"
    );
    let other = project_id(&app, "hachioji-screening-2017").await;
    let by_project = app
        .get(&format!("/api/v1/work?project={kobe}"), Some(&verifier))
        .await
        .json();
    assert_eq!(by_project["total"], 1);
    let elsewhere = app
        .get(&format!("/api/v1/work?project={other}"), Some(&verifier))
        .await
        .json();
    assert_eq!(elsewhere["total"], 0);
    // Nobody verifies their own entry: it does not wait for its author.
    assert_eq!(work(enterer.clone()).await["to_verify"], json!([]));

    app.post(
        &format!("/api/v1/projects/{kobe}/outcome-results/{id}/reject"),
        Some(&verifier),
        &json!({"reason": "the evidence covers 2019 only"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let mine = work(enterer.clone()).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["rejected"][0]["id"], id);
    assert_eq!(
        mine["rejected"][0]["reason"],
        "the evidence covers 2019 only"
    );
    assert_eq!(mine["rejected"][0]["rejected_by"], "未来 花子");
    assert_eq!(
        mine["rejected"][0]["label_en"],
        "Suppression of kidney-function (eGFR) decline (Final evaluation (kidney function))"
    );
    assert_eq!(work(verifier.clone()).await["total"], 0);

    // A claim waits for the payer's staff who did not prepare it, then for payment.
    let provider = app.login("provider@dpp.example").await;
    let staff = app.login("staff@kobe-city.example").await;
    let inspector = app.login("inspector@kobe-city.example").await;
    let run = app
        .get(
            &format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&staff),
        )
        .await
        .json()[0]["id"]
        .as_i64()
        .unwrap();
    let claim = app
        .post(
            &format!("/api/v1/projects/{kobe}/claims"),
            Some(&provider),
            &json!({"payout_run_id": run, "tranche": "interim", "payer": "kobe-city",
                    "invoice_number": "T7000012050002", "issued_on": seika_service::claims::today(),
                    "description": "中間評価"}),
        )
        .await;
    claim.assert_status(StatusCode::CREATED);
    let claim_id = claim.json()["id"].clone();
    let city = work(inspector.clone()).await;
    assert_eq!(city["claims_to_inspect"][0]["id"], claim_id);
    assert_eq!(city["claims_to_inspect"][0]["overdue"], false);
    assert_eq!(work(provider.clone()).await["claims_to_inspect"], json!([]));
    app.post(
        &format!("/api/v1/projects/{kobe}/claims/{claim_id}/inspection"),
        Some(&inspector),
        &json!({"accept": true}),
    )
    .await
    .assert_status(StatusCode::OK);
    let city = work(staff.clone()).await;
    assert_eq!(city["claims_to_inspect"], json!([]));
    assert_eq!(city["claims_to_pay"][0]["outstanding"], "26200000");

    // An invitation waits for the invited organization.
    let body = crate::projects::new_project_body(&app, "work-2026").await;
    app.post("/api/v1/projects", Some(&staff), &body)
        .await
        .assert_status(StatusCode::CREATED);
    assert_eq!(work(enterer.clone()).await["invitations"], 1);
}
db_test!(work_waits_for_whoever_must_act);

/// A preview answers "what would we owe if…" before data is verified: Kobe with the eGFR target
/// met (0.8) would owe the final maximum 7,860,000 on top of the interim 26,200,000; nothing is
/// stored, and only those who may run payouts may ask.
async fn a_preview_prices_hypothetical_values_and_stores_nothing(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let runs = || app.with_conn(move |conn| seika_db::payout_runs::list(conn, kobe).unwrap().len());
    let before = runs().await;
    let path = format!("/api/v1/projects/{kobe}/payout-preview");
    let preview = app
        .post(
            &path,
            Some(&staff),
            &json!({"results": [{"metric": "egfr_decline_suppression", "tranche": "final", "value": "0.8"}]}),
        )
        .await;
    preview.assert_status(StatusCode::OK);
    let preview = preview.json();
    assert_eq!(preview["hypothetical"], true);
    assert_eq!(
        preview["assumed"],
        json!(["egfr_decline_suppression (final)"])
    );
    assert_eq!(preview["statement"]["total"], "34060000");
    assert_eq!(
        preview["words"][2]["formula"]["ja"],
        "上限額 ¥7,860,000 × min(1, 80% / 80%) = ¥7,860,000 × 100% = ¥7,860,000"
    );
    let today = app.post(&path, Some(&staff), &json!({})).await.json();
    assert_eq!(today["hypothetical"], false);
    assert_eq!(today["statement"]["total"], "29432425");
    assert_eq!(runs().await, before, "a preview stores no run");
    let investor = app.login("investor@smbc.example").await;
    app.post(&path, Some(&investor), &json!({}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let bad = app
        .post(
            &path,
            Some(&staff),
            &json!({"results": [{"metric": "no-such-metric", "value": "1"}]}),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(String::from_utf8_lossy(&bad.body).contains("outcome_data.results"));
}
db_test!(a_preview_prices_hypothetical_values_and_stores_nothing);

/// Evidence files: attached by the evaluator while the record is not verified, typed from their
/// bytes, hashed, audited, readable by those who may read the record, and fixed once verified.
async fn evidence_is_attached_read_and_fixed_once_verified(app: TestApp) {
    use sha2::Digest;
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    let old = current_egfr(&app, kobe, &enterer).await;
    let id = enter(&app, kobe, &enterer, &egfr_correction(old, "0.4")).await;
    let upload = |token: String, name: &str, bytes: Vec<u8>| {
        let app = &app;
        let uri = format!("/api/v1/projects/{kobe}/outcome-results/{id}/evidence?name={name}");
        async move {
            app.send(
                Request::builder()
                    .method("POST")
                    .uri(uri)
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/octet-stream")
                    .body(Body::from(bytes))
                    .unwrap(),
            )
            .await
        }
    };
    let report = b"%PDF-1.7\n% evaluation report\n".to_vec();
    let res = upload(enterer.clone(), "evaluation-report.pdf", report.clone()).await;
    res.assert_status(StatusCode::CREATED);
    let file = res.json();
    assert_eq!(file["content_type"], "application/pdf");
    assert_eq!(file["size_bytes"], report.len());
    assert_eq!(file["sha256"], hex::encode(sha2::Sha256::digest(&report)));
    // The name says PDF, the bytes say otherwise: refused, nothing stored.
    upload(enterer.clone(), "report.pdf", b"MZ\x90\x00\x03".to_vec())
        .await
        .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A name that says otherwise than the content, or is no plain file name: refused.
    for name in [
        "report.png",
        "page.html",
        "..%2Fup.pdf",
        "a%0D%0AX-Evil:%201.pdf",
    ] {
        let problem = upload(enterer.clone(), name, report.clone())
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "name", "{name}: {problem}");
    }
    // Only the appointed evaluator attaches.
    let staff = app.login("staff@kobe-city.example").await;
    upload(staff.clone(), "x.pdf", report.clone())
        .await
        .assert_problem(StatusCode::FORBIDDEN);

    // Readers of the record list and download it, as it was stored.
    let investor = app.login("investor@smbc.example").await;
    let list = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results/{id}/evidence"),
            Some(&investor),
        )
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let evidence_id = list[0]["id"].as_i64().unwrap();
    let download = app
        .get(
            &format!("/api/v1/projects/{kobe}/evidence/{evidence_id}"),
            Some(&investor),
        )
        .await;
    download.assert_status(StatusCode::OK);
    assert_eq!(download.body, report);
    assert_eq!(download.header("content-type"), Some("application/pdf"));
    assert_eq!(download.header("x-content-type-options"), Some("nosniff"));
    assert!(
        download
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(
        download
            .header("content-disposition")
            .unwrap()
            .contains("evaluation-report.pdf")
    );
    let foreign = app.login("staff@hachioji-city.example").await;
    app.get(
        &format!("/api/v1/projects/{kobe}/evidence/{evidence_id}"),
        Some(&foreign),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);

    // The verifier sees it in the work list; once verified, the evidence is fixed.
    let work = app.get("/api/v1/work", Some(&verifier)).await.json();
    assert_eq!(
        work["to_verify"][0]["evidence_files"][0]["file_name"],
        "evaluation-report.pdf"
    );
    verify(&app, kobe, id, &verifier)
        .await
        .assert_status(StatusCode::OK);
    upload(enterer.clone(), "late.pdf", report.clone())
        .await
        .assert_problem(StatusCode::CONFLICT);
    let admin = app.login("admin@seika.example").await;
    let log = app.get("/api/v1/audit", Some(&admin)).await.json();
    assert!(log["items"].as_array().unwrap().iter().any(|e| {
        e["action"] == "evidence.attached"
            && e["after_state"]
                .as_str()
                .unwrap()
                .contains(file["sha256"].as_str().unwrap())
    }));
}
db_test!(evidence_is_attached_read_and_fixed_once_verified);

/// Simulations and scenarios run the payout engine over the verified data: fixed at the actual
/// values they give the real payout to the unit; the same seed gives the same answer; investors
/// see their own outlook only.
async fn simulations_are_the_engine_and_reproducible(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let url = format!("/api/v1/projects/{kobe}/simulations");
    let fixed = json!({"runs": 20, "seed": 1, "assumptions": [
        {"metric": "egfr_decline_suppression", "tranche": "final", "distribution": {"kind": "fixed", "value": "0.329"}}]});
    let res = app.post(&url, Some(&staff), &fixed).await;
    res.assert_status(StatusCode::OK);
    let sim = res.json();
    assert_eq!(sim["total_payment"]["min"], "29432425");
    assert_eq!(sim["total_payment"]["max"], "29432425");
    assert_eq!(sim["probability_cap_binds"], "0");
    let uncertain = json!({"runs": 300, "seed": 42, "assumptions": [
        {"metric": "egfr_decline_suppression", "tranche": "final", "distribution": {"kind": "normal", "mean": "0.329", "standard_error": "0.15"}},
        {"metric": "lifestyle_improvement", "tranche": "interim", "distribution": {"kind": "beta", "mean": "0.8", "sample_size": "105"}}]});
    let a = app.post(&url, Some(&staff), &uncertain).await.json();
    let b = app.post(&url, Some(&staff), &uncertain).await.json();
    assert_eq!(a, b, "the same seed, the same answer");
    assert_eq!(
        a["investors"].as_array().unwrap().len(),
        3,
        "the city sees every investor"
    );
    let p5: i64 = a["total_payment"]["p5"].as_str().unwrap().parse().unwrap();
    let p95: i64 = a["total_payment"]["p95"].as_str().unwrap().parse().unwrap();
    assert!(p5 < p95, "{a}");
    // The lifestyle rate under 0.75 in some runs loses the interim payment.
    let low: i64 = a["total_payment"]["min"].as_str().unwrap().parse().unwrap();
    assert!(low < 29_432_425 - 15_000_000, "{a}");

    let investor = app.login("investor@smbc.example").await;
    let own = app.post(&url, Some(&investor), &uncertain).await.json();
    let names: Vec<&str> = own["investors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["investor"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["smbc"]);
    assert_eq!(own["total_payment"], a["total_payment"]);

    let bad = app
        .post(
            &url,
            Some(&staff),
            &json!({"runs": 50000, "seed": 1, "assumptions": [{"metric": "x", "distribution": {"kind": "poisson", "mean": "1"}}]}),
        )
        .await;
    let problem = bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["runs", "assumptions[0].metric"]);

    let scenarios = app
        .post(
            &format!("/api/v1/projects/{kobe}/scenarios"),
            Some(&staff),
            &json!({"scenarios": [
                {"name": "low", "values": [{"metric": "egfr_decline_suppression", "tranche": "final", "value": "0"}]},
                {"name": "base", "values": [{"metric": "egfr_decline_suppression", "tranche": "final", "value": "0.329"}]},
                {"name": "high", "values": [{"metric": "egfr_decline_suppression", "tranche": "final", "value": "0.8"}]}]}),
        )
        .await;
    scenarios.assert_status(StatusCode::OK);
    let scenarios = scenarios.json();
    let totals: Vec<&str> = scenarios["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["total_payment"].as_str().unwrap())
        .collect();
    // 10,480,000 + 15,720,000 fixed, and 7,860,000 × value / 0.8 for the final part.
    assert_eq!(totals, ["26200000", "29432425", "34060000"]);
}
db_test!(simulations_are_the_engine_and_reproducible);

/// The results list filters by review status, an enum: each status lists only its records, and a
/// status that does not exist is refused naming the parameter, not answered with an empty list.
async fn results_are_listed_by_review_status(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let token = app.login(ENTERER).await;
    let submitted = enter(
        &app,
        kobe,
        &token,
        &egfr_correction(current_egfr(&app, kobe, &token).await, "0.5"),
    )
    .await;
    let list = |status: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            app.get(
                &format!("/api/v1/projects/{kobe}/outcome-results?status={status}"),
                Some(&token),
            )
            .await
        }
    };
    let waiting = list("submitted").await.json();
    let waiting = waiting.as_array().unwrap();
    assert!(waiting.iter().any(|r| r["id"] == submitted));
    assert!(waiting.iter().all(|r| r["status"] == "submitted"));
    let verified = list("verified").await.json();
    assert!(!verified.as_array().unwrap().is_empty());
    assert!(
        verified
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "verified")
    );
    let refused = list("approved").await;
    assert_eq!(
        refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"],
        "status"
    );
}
db_test!(results_are_listed_by_review_status);

/// A result typed with its value and its numerator and denominator cannot say two things: a
/// value that is not the fraction as written (rounded to its own decimals, to the nearest or cut)
/// is refused at `value`, with the fraction worked out, and nothing is stored; a value that agrees
/// is taken.
async fn a_value_cannot_contradict_its_fraction(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let path = format!("/api/v1/projects/{kobe}/outcome-results");
    let old = current_egfr(&app, kobe, &enterer).await;
    let body = |value: &str| {
        let mut body = egfr_correction(old, value);
        body["numerator"] = json!("2561");
        body["denominator"] = json!("7787");
        body
    };
    let before = app.get(&path, Some(&enterer)).await.json();
    let refused = app
        .post(&path, Some(&enterer), &body("0.5"))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["errors"][0]["field"], "value", "{refused}");
    assert_eq!(refused["errors"][0]["code"], "outcomes.value_fraction");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2561 ÷ 7787 = 0.328881"),
        "{refused}"
    );
    assert_eq!(app.get(&path, Some(&enterer)).await.json(), before);
    app.post(&path, Some(&enterer), &body("0.329"))
        .await
        .assert_status(StatusCode::CREATED);
}
db_test!(a_value_cannot_contradict_its_fraction);

/// A draft its enterer no longer wants is discarded, with its evidence, audited; nobody else's
/// draft, and nothing submitted, can be.
async fn a_draft_is_discarded_by_its_enterer_only(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    let path = format!("/api/v1/projects/{kobe}/outcome-results");
    let old = current_egfr(&app, kobe, &enterer).await;
    let draft = app
        .post(&path, Some(&enterer), &egfr_correction(old, "0.4"))
        .await;
    draft.assert_status(StatusCode::CREATED);
    let id = draft.json()["id"].as_i64().unwrap();
    let one = format!("{path}/{id}");
    app.send(
        Request::builder()
            .method("POST")
            .uri(format!("{one}/evidence?name=report.pdf"))
            .header("authorization", format!("Bearer {enterer}"))
            .header("content-type", "application/octet-stream")
            .body(Body::from("%PDF-1.7\n% report\n"))
            .unwrap(),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let delete = |token: &str| {
        Request::builder()
            .method("DELETE")
            .uri(&one)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let refused = app
        .send(delete(&verifier))
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert_eq!(refused["code"], "outcome.discard");
    app.send(delete(&enterer))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let rows = app.get(&path, Some(&enterer)).await.json();
    assert!(
        !rows.as_array().unwrap().iter().any(|r| r["id"] == id),
        "{rows}"
    );
    let evidence = app
        .with_conn(move |conn| {
            use diesel::prelude::*;
            use seika_db::schema::evidence_files;
            evidence_files::table
                .filter(evidence_files::record_id.eq(id))
                .filter(evidence_files::collection.eq("outcome-results"))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(evidence, 0, "its evidence went with it");
    // A verified record is never discarded.
    let verified = app
        .send(delete_of(&format!("{path}/{old}"), &enterer))
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert_eq!(verified["code"], "outcome.discard");
    let admin = app.login("admin@seika.example").await;
    let log = app
        .get(
            "/api/v1/audit?action=outcome_result.discarded",
            Some(&admin),
        )
        .await
        .json();
    assert_eq!(log["items"][0]["entity_id"], id.to_string(), "{log}");
}
db_test!(a_draft_is_discarded_by_its_enterer_only);

fn delete_of(uri: &str, token: &str) -> Request<Body> {
    Request::builder()
        .method("DELETE")
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}
