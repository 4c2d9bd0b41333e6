//! Participant-level records: CSV import all or nothing, Shift_JIS, identifiers refused,
//! four-eyes verification, privacy for investors, and payouts from verified records only.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::projects::{accept_invitations, send_with_if_match};
use crate::util::{TestApp, TestResponse, db_test};

const YOUTH_CONTRACT: &str = include_str!("../../docs/examples/youth-employment.contract.json");
pub const YOUTH_RECORDS: &str = include_str!("../../docs/examples/youth-employment.outcomes.csv");

/// Registers and publishes the youth-employment rate-card contract for Kobe, with the demo
/// evaluator and SMBC as parties. Returns the project id.
pub async fn youth_project(app: &TestApp) -> i64 {
    youth_project_with(app, |_| {}).await
}

/// The youth-employment project, its terms changed first by `change`.
pub async fn youth_project_with(app: &TestApp, change: impl FnOnce(&mut Value)) -> i64 {
    let staff = app.login("staff@kobe-city.example").await;
    let (evaluator, investor) = app
        .with_conn(|conn| {
            let mut find = |slug: &str| {
                seika_db::organizations::find_by_slug(conn, slug)
                    .unwrap()
                    .unwrap()
                    .id
            };
            (find("mirai-kogaku"), find("smbc"))
        })
        .await;
    let mut terms: Value = serde_json::from_str(YOUTH_CONTRACT).unwrap();
    // Payers and investors are named by the slugs of the project's parties.
    terms["payers"] = json!([{"id": "kobe-city", "share": "1", "max_payment": "12000000"}]);
    for investment in terms["investments"].as_array_mut().unwrap() {
        investment["investor"] = json!("smbc");
    }
    change(&mut terms);
    let body = json!({
        "title_ja": "若者就労", "title_en": "Youth employment", "policy_area": "employment_and_training",
        "effective_from": "2024-04-01",
        "parties": [{"organization_id": evaluator, "role": "evaluator"}, {"organization_id": investor, "role": "investor"}],
        "terms": terms,
    });
    let created = app.post("/api/v1/projects", Some(&staff), &body).await;
    created.assert_status(StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(accept_invitations(app, id).await, 2);
    let etag = app
        .get(&format!("/api/v1/projects/{id}"), Some(&staff))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    send_with_if_match(
        app,
        Method::POST,
        &format!("/api/v1/projects/{id}/status"),
        &staff,
        &etag,
        &json!({"status": "published"}),
    )
    .await
    .assert_status(StatusCode::OK);
    id
}

pub async fn import(app: &TestApp, project: i64, token: &str, body: Vec<u8>) -> TestResponse {
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!(
            "/api/v1/projects/{project}/outcome-batches?name=records.csv"
        ))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/csv")
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

pub async fn record_count(app: &TestApp) -> i64 {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        seika_db::schema::participant_records::table
            .count()
            .get_result(conn)
            .unwrap()
    })
    .await
}

async fn invalid_csv_stores_nothing_and_names_each_bad_row(app: TestApp) {
    let project = youth_project(&app).await;
    let evaluator = app.login("evaluator@mirai.example").await;
    let csv = "participant,outcome,achieved_on\nY1,job_start,2025-06-01\nY2,juggling,2025-06-01\nY3,job_start,2025-02-30\nY4,job_start,2025/07/01\n";
    let res = import(&app, project, &evaluator, csv.into()).await;
    let problem = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "row 3, column outcome, value `juggling`",
            "row 4, column achieved_on, value `2025-02-30`"
        ]
    );
    assert_eq!(record_count(&app).await, 0);

    let with_names = "participant,氏名,outcome,achieved_on\nY1,山田太郎,job_start,2025-06-01\n";
    let problem = import(&app, project, &evaluator, with_names.as_bytes().to_vec())
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["errors"][0]["field"]
            .as_str()
            .unwrap()
            .contains("氏名")
    );
    let phone_keys = "participant,outcome,achieved_on\n090-1234-5678,job_start,2025-06-01\n";
    import(&app, project, &evaluator, phone_keys.into())
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        record_count(&app).await,
        0,
        "nothing stored by any refused import"
    );
}
db_test!(invalid_csv_stores_nothing_and_names_each_bad_row);

async fn shift_jis_import_verified_and_paid(app: TestApp) {
    let project = youth_project(&app).await;
    let evaluator = app.login("evaluator@mirai.example").await;
    let staff = app.login("staff@kobe-city.example").await;
    // The example records, with Japanese headers, saved as Shift_JIS by a spreadsheet.
    let japanese =
        YOUTH_RECORDS.replacen("participant,outcome,achieved_on", "参加者ID,成果,達成日", 1);
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&japanese);
    assert!(!unmappable);
    let res = import(&app, project, &evaluator, sjis.into_owned()).await;
    res.assert_status(StatusCode::CREATED);
    let batch = res.json();
    let id = batch["id"].as_i64().unwrap();
    assert_eq!(
        batch["row_count"].as_i64().unwrap(),
        (YOUTH_RECORDS.lines().count() - 1) as i64
    );

    // Not verified yet: the payout pays nothing for it.
    let run = app
        .post(
            &format!("/api/v1/projects/{project}/payout-runs"),
            Some(&staff),
            &json!({}),
        )
        .await;
    assert_eq!(run.json()["total"], "0");

    let base = format!("/api/v1/projects/{project}/outcome-batches/{id}");
    app.post(&format!("{base}/submit"), Some(&evaluator), &json!({}))
        .await
        .assert_status(StatusCode::OK);
    app.post(&format!("{base}/verify"), Some(&evaluator), &json!({}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let verifier = app.login("evaluator2@mirai.example").await;
    // The verifier sees what the batch holds and what it changes in the payout before verifying.
    let work = app.get("/api/v1/work", Some(&verifier)).await.json();
    let waiting = &work["batches_to_verify"][0];
    assert_eq!(waiting["id"], id);
    let counted: i64 = waiting["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(counted, batch["row_count"].as_i64().unwrap());
    assert_eq!(waiting["first_rows"].as_array().unwrap().len(), 5);
    let effect = app
        .get(&format!("{base}/payout-effect"), Some(&verifier))
        .await
        .json();
    assert_eq!(effect["without"], "0");
    let with = effect["with"].as_str().unwrap().to_owned();
    assert_ne!(with, "0");
    app.post(&format!("{base}/verify"), Some(&verifier), &json!({}))
        .await
        .assert_status(StatusCode::OK);

    // The same total as `seika payout` on the example files (the golden statement), and as the
    // verifier was shown before verifying.
    let golden: Value =
        serde_json::from_str(include_str!("../golden/youth-employment.statement.json")).unwrap();
    let run = app
        .post(
            &format!("/api/v1/projects/{project}/payout-runs"),
            Some(&staff),
            &json!({}),
        )
        .await
        .json();
    assert_eq!(run["total"], golden["total"]);
    assert_eq!(run["total"], "5080000");
    assert_eq!(run["total"], with.as_str());
    let run_id = run["id"].as_i64().unwrap();
    let check = app
        .post(
            &format!("/api/v1/projects/{project}/payout-runs/{run_id}/reproduce"),
            Some(&staff),
            &json!({}),
        )
        .await
        .json();
    assert_eq!(check["matches"], true);

    // Investors see aggregates, never participant records.
    let investor = app.login("investor@smbc.example").await;
    app.get(&format!("{base}/records"), Some(&investor))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    // A page at a time, in the order imported; the pages together are the batch.
    let page = |n: i64| {
        let (app, url, token) = (
            &app,
            format!("{base}/records?per_page=50&page={n}"),
            &verifier,
        );
        async move { app.get(&url, Some(token)).await.json() }
    };
    let (first, second) = (page(1).await, page(2).await);
    let rows = batch["row_count"].as_i64().unwrap();
    assert!(rows > 50, "{rows}");
    assert_eq!(first["total"], rows);
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    assert_eq!(
        second["items"].as_array().unwrap().len() as i64,
        (rows - 50).min(50)
    );
    assert_eq!(first["items"][0]["participant"], "Y0001");
    assert_ne!(first["items"][49], second["items"][0]);
    let summary = app
        .get(
            &format!("/api/v1/projects/{project}/outcome-summary"),
            Some(&investor),
        )
        .await
        .json();
    assert_eq!(summary["minimum_cell_size"], 10);
    let by_outcome = |name: &str| {
        summary["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["outcome"] == name)
            .unwrap()
            .clone()
    };
    // 40 participants had regular contact: shown. 6 sustained a job: fewer than 10, suppressed.
    assert_eq!(by_outcome("regular_contact")["participants"], 40);
    let small = by_outcome("job_sustained_6m");
    assert_eq!(small["suppressed"], true);
    assert!(small["participants"].is_null() && small["records"].is_null());
}
db_test!(shift_jis_import_verified_and_paid);

/// A file over the import-job threshold is queued: 202 with the job and its URL; a worker stores
/// the batch with every row, the same as a direct import; a retry with the same idempotency key
/// names the same job and stores nothing twice; someone who may not import is refused at once,
/// with nothing queued.
async fn a_large_import_runs_as_a_job(app: TestApp) {
    let project = youth_project(&app).await;
    let evaluator = app.login("evaluator@mirai.example").await;
    let threshold = seika::api::HttpConfig::default().import_job_bytes;
    let mut csv = String::from("participant,outcome,achieved_on\n");
    let mut rows = 0;
    while csv.len() <= threshold {
        csv.push_str(&format!("Y{rows:07},regular_contact,2024-10-05\n"));
        rows += 1;
    }
    let send = |token: &str, key: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(format!(
                "/api/v1/projects/{project}/outcome-batches?name=large.csv"
            ))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "text/csv")
            .header("idempotency-key", key)
            .body(Body::from(csv.clone()))
            .unwrap()
    };
    let before = record_count(&app).await;
    let queued = app.send(send(&evaluator, "large-1")).await;
    queued.assert_status(StatusCode::ACCEPTED);
    let id = queued.json()["id"].as_i64().unwrap();
    assert_eq!(queued.json()["kind"], "participant_import");
    assert_eq!(
        queued.header("location"),
        Some(format!("/api/v1/jobs/{id}").as_str())
    );
    let job = crate::jobs::finished(&app, &evaluator, id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["row_count"], rows);
    assert_eq!(job["result"]["source_name"], "large.csv");
    assert_eq!(record_count(&app).await, before + rows);
    let batches = app
        .get(
            &format!("/api/v1/projects/{project}/outcome-batches"),
            Some(&evaluator),
        )
        .await
        .json();
    assert_eq!(batches[0]["id"], job["result"]["id"]);

    // The same key again: the same job, nothing stored twice.
    let again = app.send(send(&evaluator, "large-1")).await;
    assert_eq!(again.json()["id"], id);
    assert_eq!(record_count(&app).await, before + rows);
    // The same file under another key: refused before it is queued, naming the batch.
    let jobs_before = app.get("/api/v1/jobs", Some(&evaluator)).await.json();
    let twice = app
        .send(send(&evaluator, "large-3"))
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert_eq!(twice["code"], "batch.same_file", "{twice}");
    assert!(
        twice["detail"]
            .as_str()
            .unwrap()
            .contains(&job["result"]["id"].to_string()),
        "{twice}"
    );
    assert_eq!(
        app.get("/api/v1/jobs", Some(&evaluator)).await.json(),
        jobs_before,
        "nothing was queued"
    );

    // An investor may not import: refused before anything is queued.
    let investor = app.login("investor@smbc.example").await;
    let refused = app.send(send(&investor, "large-2")).await;
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&refused.status),
        "{}",
        refused.body_text()
    );
    assert_eq!(
        app.get("/api/v1/jobs", Some(&investor)).await.json(),
        json!([])
    );
}
db_test!(a_large_import_runs_as_a_job);

/// Payout runs computed while batches are being verified, on separate connections at once, each
/// reproduce to the byte from the data verified as of their moment: a run computed outside the
/// write lock never stores a statement that misses a verification it should have counted.
async fn runs_computed_beside_verifications_all_reproduce(app: TestApp) {
    use seika_core::user::Role;
    const BATCHES: usize = 12;
    let project = youth_project(&app).await;
    let evaluator = app.login("evaluator@mirai.example").await;
    let staff = app.login("staff@kobe-city.example").await;
    let verifier = app.login("evaluator2@mirai.example").await;
    let mut ids = Vec::new();
    for b in 0..BATCHES {
        // A few records each, so that every verification changes the total (the whole file
        // reaches the payer's cap at once).
        let body: String = YOUTH_RECORDS
            .lines()
            .take(4)
            .map(|l| format!("{}\n", l.replacen('Y', &format!("B{b}-Y"), 1)))
            .collect();
        let res = import(&app, project, &evaluator, body.into_bytes()).await;
        res.assert_status(StatusCode::CREATED);
        let id = res.json()["id"].as_i64().unwrap();
        app.post(
            &format!("/api/v1/projects/{project}/outcome-batches/{id}/submit"),
            Some(&evaluator),
            &json!({}),
        )
        .await
        .assert_status(StatusCode::OK);
        ids.push(id);
    }
    let (runner, checker) = (
        app.actor(&staff, Role::GovernmentStaff).await,
        app.actor(&verifier, Role::Evaluator).await,
    );
    let db = app.db.clone();
    let runs: Vec<i64> = tokio::task::spawn_blocking(move || {
        std::thread::scope(|scope| {
            let verifying = scope.spawn(|| {
                let mut conn = db.get().unwrap();
                for id in &ids {
                    seika_service::batches::review(
                        &mut conn,
                        &checker,
                        project,
                        *id,
                        seika_service::review::Review::Verify,
                        None,
                    )
                    .expect("verified");
                }
            });
            let running: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        let mut conn = db.get().unwrap();
                        (0..BATCHES)
                            .map(|_| {
                                seika_service::payout_runs::create(
                                    &mut conn, &runner, project, None,
                                )
                                .expect("a run")
                                .id
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            verifying.join().unwrap();
            running
                .into_iter()
                .flat_map(|r| r.join().unwrap())
                .collect()
        })
    })
    .await
    .unwrap();
    assert_eq!(runs.len(), 2 * BATCHES);
    let mut totals = std::collections::BTreeSet::new();
    for run in &runs {
        let again = app
            .post(
                &format!("/api/v1/projects/{project}/payout-runs/{run}/reproduce"),
                Some(&staff),
                &json!({}),
            )
            .await;
        again.assert_status(StatusCode::OK);
        assert_eq!(again.json()["matches"], true, "run {run}: {}", again.json());
        let stored = app
            .get(
                &format!("/api/v1/projects/{project}/payout-runs/{run}"),
                Some(&staff),
            )
            .await
            .json();
        totals.insert(stored["total"].as_str().unwrap().to_owned());
    }
    // Each run counted what was verified by its moment, never more than a run computed now,
    // which counts every batch.
    let now = app
        .post(
            &format!("/api/v1/projects/{project}/payout-runs"),
            Some(&staff),
            &json!({}),
        )
        .await;
    now.assert_status(StatusCode::CREATED);
    let all: i64 = now.json()["total"].as_str().unwrap().parse().unwrap();
    assert!(totals.iter().all(|t| t.parse::<i64>().unwrap() <= all));
    assert!(all > 0);
}
db_test!(runs_computed_beside_verifications_all_reproduce);

/// A period whose window has not closed is not a failure. The second year's window is moved to
/// close on 2099-03-31: with no records yet, its lines await their data (saying until when, in
/// both languages) while the first year's, closed, are not met.
async fn an_open_period_awaits_its_data(app: TestApp) {
    let project = youth_project_with(&app, |terms| {
        terms["tranches"][1]["due_on"] = json!("2099-05-29");
        terms["tranches"][1]["outcomes_until"] = json!("2099-03-31");
    })
    .await;
    let staff = app.login("staff@kobe-city.example").await;
    let preview = app
        .post(
            &format!("/api/v1/projects/{project}/payout-preview"),
            Some(&staff),
            &json!({}),
        )
        .await;
    preview.assert_status(StatusCode::OK);
    let preview = preview.json();
    let lines = preview["statement"]["lines"].as_array().unwrap();
    let words = preview["words"].as_array().unwrap();
    let mut seen = (0, 0);
    for (line, words) in lines.iter().zip(words) {
        match line["tranche"].as_str().unwrap() {
            "fy2024" => {
                assert_eq!(line["status"], "not_met", "{line}");
                seen.0 += 1;
            }
            _ => {
                assert_eq!(line["status"], "awaiting_data", "{line}");
                assert_eq!(line["amount"], "0");
                let notes = words["notes"].as_array().unwrap();
                assert!(
                    notes
                        .iter()
                        .any(|n| n["ja"].as_str().unwrap().contains("2099年3月31日 まで")
                            && n["en"].as_str().unwrap().contains("31 March 2099")),
                    "{words}"
                );
                seen.1 += 1;
            }
        }
    }
    assert!(seen.0 > 0 && seen.1 > 0, "{seen:?}");
}
db_test!(an_open_period_awaits_its_data);

/// The same participant file is not imported twice into a project: the second import is refused
/// naming the first batch (in the reader's language), nothing is stored; once the first batch is
/// rejected the file may come again. The database's unique index holds it whatever the code does.
async fn the_same_file_is_not_imported_twice(app: TestApp) {
    let project = youth_project(&app).await;
    let evaluator = app.login("evaluator@mirai.example").await;
    let csv = "participant,outcome,achieved_on\nD1,regular_contact,2024-10-05\n";
    let first = import(&app, project, &evaluator, csv.into()).await;
    first.assert_status(StatusCode::CREATED);
    let first = first.json()["id"].as_i64().unwrap();
    let before = record_count(&app).await;
    let twice = import(&app, project, &evaluator, csv.into())
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert_eq!(twice["code"], "batch.same_file");
    assert!(
        twice["detail"]
            .as_str()
            .unwrap()
            .contains(&first.to_string())
    );
    assert_eq!(record_count(&app).await, before, "nothing was stored");
    // In the database itself: a second batch of the same file cannot be stored.
    let sha = app
        .with_conn(move |conn| {
            let batch = seika_db::batches::find(conn, project, first)
                .unwrap()
                .unwrap();
            let refused = seika_db::batches::insert(
                conn,
                &seika_db::batches::NewBatch {
                    project_id: project,
                    source_name: "again.csv",
                    source_sha256: &batch.source_sha256,
                    supersedes_id: None,
                    correction_reason: None,
                    entered_by: batch.entered_by,
                },
                &[],
            );
            assert!(
                refused.as_ref().is_err_and(seika_db::is_unique_violation),
                "{refused:?}"
            );
            batch.source_sha256
        })
        .await;
    assert_eq!(sha.len(), 64);
    // Rejected, the batch no longer holds the file.
    let reviewer = app.login("evaluator2@mirai.example").await;
    app.post(
        &format!("/api/v1/projects/{project}/outcome-batches/{first}/submit"),
        Some(&evaluator),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    app.post(
        &format!("/api/v1/projects/{project}/outcome-batches/{first}/reject"),
        Some(&reviewer),
        &json!({"reason": "wrong month"}),
    )
    .await
    .assert_status(StatusCode::OK);
    import(&app, project, &evaluator, csv.into())
        .await
        .assert_status(StatusCode::CREATED);
}
db_test!(the_same_file_is_not_imported_twice);
