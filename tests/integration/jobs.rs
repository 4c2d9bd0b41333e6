//! Heavy work as jobs: simulations and payout runs queued in the database, run by the server's
//! workers with progress, equal to the answers given within a request, taken over once when the
//! instance running them stops, and claimed once by any number of claimers at the same time.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use seika_core::job::{JobKind, JobStatus};
use seika_db::jobs::{self as queue, NewJob, Outcome};
use serde_json::{Value, json};

use crate::projects::project_id;
use crate::util::{TestApp, db_test};

/// Polls a job until it is finished (at most a minute).
pub async fn finished(app: &TestApp, token: &str, id: i64) -> Value {
    let started = Instant::now();
    loop {
        let job = app.get(&format!("/api/v1/jobs/{id}"), Some(token)).await;
        job.assert_status(StatusCode::OK);
        let job = job.json();
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "job {id} never finished: {job}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A job as the queue stores it, for inserting directly (bypassing the API's checks).
fn new_job<'a>(
    kind: JobKind,
    project_id: i64,
    requested_by: i64,
    key: Option<&'a str>,
    input: &'a str,
) -> NewJob<'a> {
    NewJob {
        kind,
        project_id,
        requested_by,
        idempotency_key: key,
        input,
        progress_total: 1,
    }
}

async fn submit(
    app: &TestApp,
    token: &str,
    url: &str,
    key: Option<&str>,
    body: &Value,
) -> crate::util::TestResponse {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    app.send(req.body(Body::from(body.to_string())).unwrap())
        .await
}

/// A simulation queued as a job reports its runs, ends with exactly the answer the synchronous
/// endpoint gives for the same seed, is visible only to the person who queued it, and is queued
/// once per idempotency key; bad input is refused before anything is queued.
async fn simulation_jobs_report_progress_and_equal_the_direct_answer(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let input = json!({"runs": 1200, "seed": 7, "assumptions": [
        {"metric": "egfr_decline_suppression", "tranche": "final", "distribution": {"kind": "normal", "mean": "0.329", "standard_error": "0.15"}},
        {"metric": "lifestyle_improvement", "tranche": "interim", "distribution": {"kind": "beta", "mean": "0.8", "sample_size": "105"}}]});
    let url = format!("/api/v1/projects/{kobe}/simulation-jobs");
    let queued = submit(&app, &staff, &url, Some("sim-1"), &input).await;
    queued.assert_status(StatusCode::ACCEPTED);
    let id = queued.json()["id"].as_i64().unwrap();
    assert_eq!(
        queued.header("location"),
        Some(format!("/api/v1/jobs/{id}").as_str())
    );
    assert_eq!(queued.json()["progress_total"], 1200);
    assert_eq!(queued.json()["kind"], "simulation");

    // The same key and body: the same job; the same key, another body: 409.
    let again = submit(&app, &staff, &url, Some("sim-1"), &input).await;
    again.assert_status(StatusCode::ACCEPTED);
    assert_eq!(again.json()["id"], id);
    let mut other = input.clone();
    other["seed"] = json!(8);
    submit(&app, &staff, &url, Some("sim-1"), &other)
        .await
        .assert_problem(StatusCode::CONFLICT);

    let job = finished(&app, &staff, id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["progress_done"], 1200);
    assert_eq!(job["attempts"], 1);
    assert!(job["started_at"].is_string() && job["finished_at"].is_string());
    let direct = app
        .post(
            &format!("/api/v1/projects/{kobe}/simulations"),
            Some(&staff),
            &input,
        )
        .await;
    direct.assert_status(StatusCode::OK);
    assert_eq!(
        job["result"],
        direct.json(),
        "the job answers what the request answers"
    );

    // Only the person who queued it sees it.
    let colleague_of_nobody = app.login("staff@hachioji-city.example").await;
    app.get(&format!("/api/v1/jobs/{id}"), Some(&colleague_of_nobody))
        .await
        .assert_problem(StatusCode::NOT_FOUND);

    // Beyond the synchronous bound: refused within the request, queued as a job.
    let big = json!({"runs": 30000, "seed": 1, "assumptions": []});
    let refused = app
        .post(
            &format!("/api/v1/projects/{kobe}/simulations"),
            Some(&staff),
            &big,
        )
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["errors"][0]["field"], "runs");
    // Bad input never becomes a job.
    let before = app.get("/api/v1/jobs", Some(&staff)).await.json();
    let bad = submit(
        &app,
        &staff,
        &url,
        None,
        &json!({"runs": 100001, "seed": 1, "assumptions": [{"metric": "x", "distribution": {"kind": "poisson", "mean": "1"}}]}),
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
    assert_eq!(app.get("/api/v1/jobs", Some(&staff)).await.json(), before);
    // An investor's job shows only its own outlook, as the direct answer does.
    let investor = app.login("investor@smbc.example").await;
    let queued = submit(&app, &investor, &url, None, &input).await;
    queued.assert_status(StatusCode::ACCEPTED);
    let own = finished(&app, &investor, queued.json()["id"].as_i64().unwrap()).await;
    let names: Vec<&str> = own["result"]["investors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["investor"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["smbc"]);
}
db_test!(simulation_jobs_report_progress_and_equal_the_direct_answer);

/// A payout run queued as a job stores exactly one run, which the job's result names.
async fn payout_run_jobs_store_one_run(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let runs = format!("/api/v1/projects/{kobe}/payout-runs");
    let before = app
        .get(&runs, Some(&staff))
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    let queued = submit(
        &app,
        &staff,
        &format!("/api/v1/projects/{kobe}/payout-run-jobs"),
        None,
        &json!({}),
    )
    .await;
    queued.assert_status(StatusCode::ACCEPTED);
    let job = finished(&app, &staff, queued.json()["id"].as_i64().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let list = app.get(&runs, Some(&staff)).await.json();
    assert_eq!(list.as_array().unwrap().len(), before + 1);
    assert_eq!(list[0]["id"], job["result"]["id"]);
    assert_eq!(list[0]["total"], job["result"]["total"]);
    assert_eq!(job["result"]["total"], "29432425");

    // Someone who may not run payouts: refused at once, nothing queued.
    let investor = app.login("investor@smbc.example").await;
    submit(
        &app,
        &investor,
        &format!("/api/v1/projects/{kobe}/payout-run-jobs"),
        None,
        &json!({}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/jobs", Some(&investor)).await.json(),
        json!([])
    );
}
db_test!(payout_run_jobs_store_one_run);

/// A job whose instance stopped (no heartbeat) is taken over by another instance and finished;
/// the stopped instance can no longer store a result. A payout run job whose run was stored
/// before its instance stopped ends with that run, not a second one.
async fn a_job_left_by_a_stopped_instance_is_taken_over_once(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let me = app.get("/api/v1/auth/me", Some(&staff)).await.json();
    let (user_id, org_id) = (
        me["id"].as_i64().unwrap(),
        me["organization"]["id"].as_i64().unwrap(),
    );
    let runs = format!("/api/v1/projects/{kobe}/payout-runs");
    let before = app
        .get(&runs, Some(&staff))
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    // Queued and taken by an instance that then "dies" after storing the run.
    let id = app
        .with_conn(move |conn| {
            use diesel::Connection;
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                let job = queue::insert(
                    conn,
                    &new_job(JobKind::PayoutRun, kobe, user_id, None, "{}"),
                )?;
                let taken = queue::claim(conn, "dead-instance", 30)?.unwrap();
                assert_eq!(taken.id, job.id);
                Ok(job.id)
            })
            .unwrap()
        })
        .await;
    app.with_conn(move |conn| {
        let actor = seika_core::access::Actor {
            user_id,
            organization_id: org_id,
            role: seika_core::user::Role::GovernmentStaff,
        };
        seika_service::payout_runs::create(conn, &actor, kobe, Some(&format!("seika-job-{id}")))
            .unwrap();
    })
    .await;
    assert_eq!(
        app.get(&runs, Some(&staff))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        before + 1
    );
    // Still "running" with a fresh heartbeat: nobody takes it over.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let job = app
        .get(&format!("/api/v1/jobs/{id}"), Some(&staff))
        .await
        .json();
    assert_eq!(job["status"], "running");
    assert_eq!(job["attempts"], 1);
    // Its heartbeat stops: another instance takes it over and finishes it.
    app.with_conn(move |conn| queue::backdate_heartbeat(conn, id, 120).unwrap())
        .await;
    let job = finished(&app, &staff, id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["attempts"], 2);
    let list = app.get(&runs, Some(&staff)).await.json();
    assert_eq!(
        list.as_array().unwrap().len(),
        before + 1,
        "one run, not two"
    );
    assert_eq!(list[0]["id"], job["result"]["id"]);
    // The stopped instance comes back: it can neither report nor store anything.
    let (beat, stored) = app
        .with_conn(move |conn| {
            (
                queue::heartbeat(conn, id, "dead-instance", 1).unwrap(),
                queue::finish(conn, id, "dead-instance", Outcome::Failed("{}")).unwrap(),
            )
        })
        .await;
    assert!(!beat && !stored);
    assert_eq!(finished(&app, &staff, id).await, job);
}
db_test!(a_job_left_by_a_stopped_instance_is_taken_over_once);

/// Eight claimers at once (and the server's own worker) never take the same job twice.
async fn concurrent_claims_take_each_job_once(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let user_id = app.get("/api/v1/auth/me", Some(&staff)).await.json()["id"]
        .as_i64()
        .unwrap();
    let ids: Vec<i64> = app
        .with_conn(move |conn| {
            (0..40)
                .map(|i| {
                    queue::insert(
                        conn,
                        &new_job(
                            JobKind::Simulation,
                            kobe,
                            user_id,
                            None,
                            &format!("{{\"not a simulation\": {i}}}"),
                        ),
                    )
                    .unwrap()
                    .id
                })
                .collect()
        })
        .await;
    let db = app.db.clone();
    let claimed: Vec<i64> = tokio::task::spawn_blocking(move || {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let db = db.clone();
                    scope.spawn(move || {
                        let mut conn = db.get().unwrap();
                        let mut mine = Vec::new();
                        while let Some(job) =
                            queue::claim(&mut conn, &format!("claimer-{t}"), 30).unwrap()
                        {
                            mine.push(job.id);
                        }
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        })
    })
    .await
    .unwrap();
    let mut sorted = claimed.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        claimed.len(),
        "a job claimed twice: {claimed:?}"
    );
    let rows = app
        .with_conn(move |conn| {
            ids.iter()
                .map(|id| queue::find(conn, *id).unwrap().unwrap())
                .collect::<Vec<_>>()
        })
        .await;
    for row in rows {
        assert_eq!(
            row.attempts, 1,
            "job {} started {} times",
            row.id, row.attempts
        );
        assert_ne!(row.status, JobStatus::Queued);
    }
}
db_test!(concurrent_claims_take_each_job_once);

/// A payout run asked for again while the same person's run of the project still waits joins
/// the waiting job (the run reads the data when it starts); a request with an idempotency key
/// keeps its own job; the database refuses a second waiting run outright; and many people's
/// worth of requests at once, on separate connections, each get a job, with exactly one stored
/// run per job that ran.
async fn a_payout_run_asked_again_while_waiting_joins_it(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let actor = app
        .actor(&staff, seika_core::user::Role::GovernmentStaff)
        .await;
    let runs = format!("/api/v1/projects/{kobe}/payout-runs");
    let count = |list: Value| list.as_array().unwrap().len();
    let before = count(app.get(&runs, Some(&staff)).await.json());

    // Within one transaction the first request's job cannot start: the second joins it, a keyed
    // one does not, and a second waiting row is refused by the database itself.
    let (first, again, keyed, second_row) = app
        .with_conn(move |conn| {
            use diesel::Connection;
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                let submit = |conn: &mut _, key| {
                    seika_service::jobs::submit_payout_run(
                        conn,
                        &actor,
                        kobe,
                        Default::default(),
                        key,
                    )
                    .unwrap()
                };
                let first = submit(conn, None);
                let again = submit(conn, None);
                let keyed = submit(conn, Some("own-job"));
                let second_row = conn
                    .transaction::<_, diesel::result::Error, _>(|conn| {
                        queue::insert(
                            conn,
                            &new_job(JobKind::PayoutRun, kobe, actor.user_id, None, "{}"),
                        )
                    })
                    .map(|row| row.id);
                Ok((first, again, keyed, second_row))
            })
            .unwrap()
        })
        .await;
    assert!(first.1, "the first request queues a job");
    assert!(!again.1, "the second joins it");
    assert_eq!(again.0.id, first.0.id);
    assert!(keyed.1);
    assert_ne!(keyed.0.id, first.0.id);
    assert!(
        matches!(&second_row, Err(e) if seika_db::is_unique_violation(e)),
        "{second_row:?}"
    );
    for id in [first.0.id, keyed.0.id] {
        let job = finished(&app, &staff, id).await;
        assert_eq!(job["status"], "succeeded", "{job}");
    }
    assert_eq!(count(app.get(&runs, Some(&staff)).await.json()), before + 2);

    // Through the API: the answer is 202 with the job either way.
    let url = format!("/api/v1/projects/{kobe}/payout-run-jobs");
    let answer = submit(&app, &staff, &url, None, &json!({})).await;
    answer.assert_status(StatusCode::ACCEPTED);
    let job = finished(&app, &staff, answer.json()["id"].as_i64().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let before = count(app.get(&runs, Some(&staff)).await.json());

    // Eight connections asking four times each while the worker runs them: every request gets
    // a job, none fails, and each distinct job stores exactly one run.
    let db = app.db.clone();
    let ids: Vec<i64> = tokio::task::spawn_blocking(move || {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let db = db.clone();
                    scope.spawn(move || {
                        let mut conn = db.get().unwrap();
                        (0..4)
                            .map(|_| {
                                seika_service::jobs::submit_payout_run(
                                    &mut conn,
                                    &actor,
                                    kobe,
                                    Default::default(),
                                    None,
                                )
                                .expect("queued or joined")
                                .0
                                .id
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        })
    })
    .await
    .unwrap();
    assert_eq!(ids.len(), 32);
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    for id in &distinct {
        let job = finished(&app, &staff, *id).await;
        assert_eq!(job["status"], "succeeded", "{job}");
    }
    let results: std::collections::BTreeSet<i64> = {
        let mut set = std::collections::BTreeSet::new();
        for id in &distinct {
            let job = app
                .get(&format!("/api/v1/jobs/{id}"), Some(&staff))
                .await
                .json();
            set.insert(job["result"]["id"].as_i64().unwrap());
        }
        set
    };
    assert_eq!(results.len(), distinct.len(), "one run per job");
    assert_eq!(
        count(app.get(&runs, Some(&staff)).await.json()),
        before + distinct.len()
    );
}
db_test!(a_payout_run_asked_again_while_waiting_joins_it);

/// A job whose instance stopped three times ends as failed with a problem its requester can
/// read, in English and Japanese.
async fn a_job_that_stopped_too_often_fails_readably(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let user_id = app.get("/api/v1/auth/me", Some(&staff)).await.json()["id"]
        .as_i64()
        .unwrap();
    let id = app
        .with_conn(move |conn| {
            use diesel::Connection;
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                let job = queue::insert(
                    conn,
                    &new_job(JobKind::PayoutRun, kobe, user_id, Some("stops"), "{}"),
                )?;
                for attempt in 1..=queue::MAX_ATTEMPTS {
                    let taken = queue::claim(conn, &format!("dying-{attempt}"), 30)?.unwrap();
                    assert_eq!((taken.id, taken.attempts), (job.id, attempt));
                    queue::backdate_heartbeat(conn, job.id, 120)?;
                }
                assert!(queue::claim(conn, "survivor", 30)?.is_none());
                Ok(job.id)
            })
            .unwrap()
        })
        .await;
    let job = finished(&app, &staff, id).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["problem"]["kind"], "internal-error");
    assert!(
        job["problem"]["detail"]
            .as_str()
            .unwrap()
            .contains("three times"),
        "{job}"
    );
    let ja = app
        .send(
            Request::builder()
                .uri(format!("/api/v1/jobs/{id}"))
                .header("authorization", format!("Bearer {staff}"))
                .header("accept-language", "ja")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .json();
    assert!(
        ja["problem"]["detail"].as_str().unwrap().contains("3回"),
        "{ja}"
    );
}
db_test!(a_job_that_stopped_too_often_fails_readably);

/// Finished jobs are deleted once past their retention (their results, inputs and idempotency
/// keys with them), newer ones are kept, and queued or running jobs are never deleted.
async fn finished_jobs_are_forgotten_after_their_retention(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let url = format!("/api/v1/projects/{kobe}/payout-run-jobs");
    let mut ids = Vec::new();
    for key in ["old", "recent"] {
        let queued = submit(&app, &staff, &url, Some(key), &json!({})).await;
        queued.assert_status(StatusCode::ACCEPTED);
        let id = queued.json()["id"].as_i64().unwrap();
        assert_eq!(finished(&app, &staff, id).await["status"], "succeeded");
        ids.push(id);
    }
    let (old, recent) = (ids[0], ids[1]);
    app.with_conn(move |conn| {
        queue::backdate_finished(conn, old, 31 * 24 * 3600).unwrap();
        queue::backdate_finished(conn, recent, 24 * 3600).unwrap();
    })
    .await;
    let forgotten =
        seika_service::jobs::forget_finished(&app.db, seika_service::jobs::DEFAULT_RETENTION)
            .await
            .unwrap();
    assert_eq!(forgotten, 1);
    app.get(&format!("/api/v1/jobs/{old}"), Some(&staff))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get(&format!("/api/v1/jobs/{recent}"), Some(&staff))
        .await
        .assert_status(StatusCode::OK);
    // The run the old job stored is kept; its key may name a new job now.
    let runs = app
        .get(
            &format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&staff),
        )
        .await
        .json();
    assert!(runs.as_array().unwrap().len() >= 2);
    let again = submit(&app, &staff, &url, Some("old"), &json!({})).await;
    again.assert_status(StatusCode::ACCEPTED);
    assert_ne!(again.json()["id"].as_i64().unwrap(), old);
    assert_eq!(
        finished(&app, &staff, again.json()["id"].as_i64().unwrap()).await["status"],
        "succeeded"
    );
    // A queued job is never deleted, however old the cut-off (inside a transaction the worker
    // cannot see into, rolled back).
    let user_id = app.get("/api/v1/auth/me", Some(&staff)).await.json()["id"]
        .as_i64()
        .unwrap();
    app.with_conn(move |conn| {
        use diesel::Connection;
        let kept = conn.transaction::<_, diesel::result::Error, _>(|conn| {
            let waiting = queue::insert(
                conn,
                &new_job(JobKind::Simulation, kobe, user_id, None, "{}"),
            )?;
            let tomorrow = seika_db::now() + chrono::Duration::days(1);
            let deleted = queue::forget_finished(conn, tomorrow)?;
            let kept = queue::find(conn, waiting.id)?.is_some();
            assert!(deleted >= 2, "every finished job is older than tomorrow");
            Err::<bool, _>(if kept {
                diesel::result::Error::RollbackTransaction
            } else {
                diesel::result::Error::NotFound
            })
        });
        assert!(
            matches!(kept, Err(diesel::result::Error::RollbackTransaction)),
            "the queued job was kept: {kept:?}"
        );
    })
    .await;
}
db_test!(finished_jobs_are_forgotten_after_their_retention);

/// A user's id by e-mail.
/// A job another instance is running (heartbeat fresh, so this test's own worker leaves it).
pub async fn running_elsewhere(
    app: &TestApp,
    kind: JobKind,
    project_id: i64,
    requested_by: i64,
    input: String,
) -> i64 {
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::jobs::dsl as j;
        let job =
            queue::insert(conn, &new_job(kind, project_id, requested_by, None, &input)).unwrap();
        diesel::update(j::jobs.find(job.id))
            .set((
                j::status.eq("running"),
                j::claimed_by.eq(Some("elsewhere")),
                j::heartbeat_at.eq(Some(seika_db::now())),
            ))
            .execute(conn)
            .unwrap();
        job.id
    })
    .await
}

pub async fn user_id(app: &TestApp, email: &'static str) -> i64 {
    app.with_conn(move |conn| {
        seika_db::users::find_by_email(conn, email)
            .unwrap()
            .unwrap()
            .id
    })
    .await
}

/// Jobs are taken fairly: a city's payout run before any simulation however early those were
/// queued, and each organization's first simulation before anyone's second. Queued and taken in
/// one transaction, so the test's own worker sees none of it.
async fn jobs_are_taken_fairly_between_organizations(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let investor = user_id(&app, "investor@smbc.example").await;
    let evaluator = user_id(&app, "evaluator@mirai.example").await;
    let staff = user_id(&app, "staff@kobe-city.example").await;
    let order = app
        .with_conn(move |conn| {
            use diesel::Connection;
            conn.test_transaction::<_, diesel::result::Error, _>(|conn| {
                let mut ids = Vec::new();
                for (kind, who, input) in [
                    (JobKind::Simulation, investor, "{\"n\":1}"),
                    (JobKind::Simulation, investor, "{\"n\":2}"),
                    (JobKind::Simulation, investor, "{\"n\":3}"),
                    (JobKind::Simulation, evaluator, "{\"n\":4}"),
                    (JobKind::PayoutRun, staff, "{}"),
                ] {
                    ids.push(queue::insert(conn, &new_job(kind, kobe, who, None, input))?.id);
                }
                let mut taken = Vec::new();
                while let Some(job) = queue::claim(conn, "fair-test", 30)? {
                    taken.push(ids.iter().position(|id| *id == job.id).unwrap());
                }
                Ok(taken)
            })
        })
        .await;
    // The payout run (4), the investor's first (0), the evaluator's first (3), then the
    // investor's second and third.
    assert_eq!(order, [4, 0, 3, 1, 2]);
}
db_test!(jobs_are_taken_fairly_between_organizations);

/// One person, and one organization's people together, have a bounded share of the queue: work
/// beyond it is refused with 429, a reason in the reader's language and when to ask again, and
/// nothing is queued.
async fn queued_work_is_bounded_per_person_and_organization(app: TestApp) {
    use seika_service::error::AppError;
    use seika_service::jobs::QueueLimits;
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let first = app.login("staff@kobe-city.example").await;
    let second = app.login("inspector@kobe-city.example").await;
    let role = seika_core::user::Role::GovernmentStaff;
    let (first, second) = (
        app.actor(&first, role).await,
        app.actor(&second, role).await,
    );
    let limits = QueueLimits {
        per_user: 2,
        per_organization: 3,
    };
    let refusals = app
        .with_conn(move |conn| {
            use diesel::Connection;
            conn.test_transaction::<_, diesel::result::Error, _>(|conn| {
                let input: seika_engine::simulate::SimulationInput =
                    serde_json::from_value(json!({"runs": 10, "seed": 1, "assumptions": []}))
                        .unwrap();
                let mut outcome = |actor| match seika_service::jobs::submit_simulation(
                    conn, actor, kobe, &input, limits, None,
                ) {
                    Ok(_) => "queued".to_owned(),
                    Err(AppError::TooManyRequests {
                        detail,
                        retry_after_secs,
                    }) => {
                        assert_eq!(retry_after_secs, 30);
                        detail.code.to_owned()
                    }
                    Err(e) => panic!("{e}"),
                };
                let got = [
                    outcome(&first),
                    outcome(&first),
                    outcome(&first),
                    outcome(&second),
                    outcome(&second),
                ];
                Ok(got)
            })
        })
        .await;
    assert_eq!(
        refusals,
        [
            "queued",
            "queued",
            "job.user_queue_full",
            "queued",
            "job.organization_queue_full"
        ]
    );

    // Through the API, with the default share of five: five simulations running on another
    // instance (heartbeats fresh, so this test's worker leaves them), and the sixth is a 429
    // problem with Retry-After, in Japanese when asked.
    let staff = app.login("staff@kobe-city.example").await;
    let staff_id = user_id(&app, "staff@kobe-city.example").await;
    for n in 0..5 {
        let input = format!("{{\"n\":{n}}}");
        running_elsewhere(&app, JobKind::Simulation, kobe, staff_id, input).await;
    }
    let url = format!("/api/v1/projects/{kobe}/simulation-jobs");
    let long = json!({"runs": 10, "seed": 3, "assumptions": []});
    let refused = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri(&url)
                .header("authorization", format!("Bearer {staff}"))
                .header("content-type", "application/json")
                .header("accept-language", "ja")
                .body(Body::from(long.to_string()))
                .unwrap(),
        )
        .await;
    let problem = refused.assert_problem(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("retry-after"), Some("30"));
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("待機中・実行中のジョブが 5 件"),
        "{problem}"
    );
}
db_test!(queued_work_is_bounded_per_person_and_organization);
