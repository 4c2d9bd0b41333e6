//! The integrity defects found when Seika was probed (issue 9), each reproduced: the right
//! answer now, and nothing half-written.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::outcomes::{ENTERER, VERIFIER, enter, verify};
use crate::projects::{project_id, send_with_if_match};
use crate::util::{TestApp, TestResponse, db_test};

/// Current verified results for one metric and tranche, straight from the database.
async fn current_count(app: &TestApp, project: i64, metric: &str, tranche: &str) -> i64 {
    let (metric, tranche) = (metric.to_owned(), tranche.to_owned());
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::outcome_results as r;
        r::table
            .filter(r::project_id.eq(project))
            .filter(r::metric.eq(metric))
            .filter(r::tranche.eq(tranche))
            .filter(r::status.eq("verified"))
            .filter(r::superseded_at.is_null())
            .count()
            .get_result(conn)
            .unwrap()
    })
    .await
}

async fn current_egfr(app: &TestApp, kobe: i64) -> i64 {
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::outcome_results as r;
        r::table
            .filter(r::project_id.eq(kobe))
            .filter(r::metric.eq("egfr_decline_suppression"))
            .filter(r::status.eq("verified"))
            .filter(r::superseded_at.is_null())
            .select(r::id)
            .first(conn)
            .unwrap()
    })
    .await
}

fn correction(old: i64, value: &str) -> Value {
    json!({"metric": "egfr_decline_suppression", "tranche": "final", "value": value,
           "supersedes": old, "correction_reason": "re-measured after data cleaning"})
}

async fn payout_run(app: &TestApp, project: i64, token: &str) -> TestResponse {
    app.post(
        &format!("/api/v1/projects/{project}/payout-runs"),
        Some(token),
        &json!({}),
    )
    .await
}

/// Defect 1: two corrections of one verified result can no longer both be verified.
async fn two_corrections_of_one_result_cannot_both_be_verified(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    let old = current_egfr(&app, kobe).await;
    let first = enter(&app, kobe, &enterer, &correction(old, "0.31")).await;
    let second = enter(&app, kobe, &enterer, &correction(old, "0.35")).await;
    verify(&app, kobe, first, &verifier)
        .await
        .assert_status(StatusCode::OK);
    let loser = verify(&app, kobe, second, &verifier).await;
    let problem = loser.assert_problem(StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("another correction was verified first"),
        "{problem}"
    );
    assert_eq!(
        current_count(&app, kobe, "egfr_decline_suppression", "final").await,
        1
    );
    assert_eq!(current_egfr(&app, kobe).await, first);
    // The loser is still submitted (nothing half-written) and payout runs still work.
    let rows = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results"),
            Some(&verifier),
        )
        .await
        .json();
    let loser_row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == second)
        .unwrap();
    assert_eq!(loser_row["status"], "submitted");
    let staff = app.login("staff@kobe-city.example").await;
    payout_run(&app, kobe, &staff)
        .await
        .assert_status(StatusCode::CREATED);
}
db_test!(two_corrections_of_one_result_cannot_both_be_verified);

/// Two submitted results for a metric and tranche that has no current record: any earlier
/// winner is retired by hand first, so each round of a race starts the same.
async fn two_fresh_results(app: &TestApp, kobe: i64, enterer: &str) -> [i64; 2] {
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::outcome_results as r;
        diesel::update(
            r::table
                .filter(r::project_id.eq(kobe))
                .filter(r::metric.eq("programme_completion"))
                .filter(r::tranche.eq("final")),
        )
        .set(r::status.eq("rejected"))
        .execute(conn)
        .unwrap();
    })
    .await;
    let body = json!({"metric": "programme_completion", "tranche": "final",
                      "numerator": "100", "denominator": "105"});
    [
        enter(app, kobe, enterer, &body).await,
        enter(app, kobe, enterer, &body).await,
    ]
}

/// Defect 1, racing: two fresh results for one metric and tranche verified at the same moment,
/// and two corrections of one record verified at the same moment: one winner each time.
async fn simultaneous_verifications_leave_one_current_result(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    for round in 0..5 {
        let [a, b] = two_fresh_results(&app, kobe, &enterer).await;
        let (ra, rb) = tokio::join!(
            verify(&app, kobe, a, &verifier),
            verify(&app, kobe, b, &verifier)
        );
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}: fresh results"
        );
        assert_eq!(
            current_count(&app, kobe, "programme_completion", "final").await,
            1
        );

        let old = current_egfr(&app, kobe).await;
        let c = enter(&app, kobe, &enterer, &correction(old, "0.30")).await;
        let d = enter(&app, kobe, &enterer, &correction(old, "0.34")).await;
        let (rc, rd) = tokio::join!(
            verify(&app, kobe, c, &verifier),
            verify(&app, kobe, d, &verifier)
        );
        let mut statuses = [rc.status, rd.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}: corrections"
        );
        assert_eq!(
            current_count(&app, kobe, "egfr_decline_suppression", "final").await,
            1
        );
    }
}
db_test!(simultaneous_verifications_leave_one_current_result);

/// Defect 1 for batches: two corrections of one verified batch cannot both be verified.
async fn two_corrections_of_one_batch_cannot_both_be_verified(app: TestApp) {
    let youth = crate::batches::youth_project(&app).await;
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    let csv = b"participant,outcome,achieved_on\nY0001,job_start,2025/04/01\n".to_vec();
    let batch = |query: String, body: Vec<u8>| {
        Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/projects/{youth}/outcome-batches?{query}"))
            .header("authorization", format!("Bearer {enterer}"))
            .header("content-type", "text/csv")
            .body(Body::from(body))
            .unwrap()
    };
    let step = |id: i64, what: &str, token: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(format!(
                "/api/v1/projects/{youth}/outcome-batches/{id}/{what}"
            ))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap()
    };
    let original = app.send(batch("name=a.csv".into(), csv.clone())).await;
    original.assert_status(StatusCode::CREATED);
    let original = original.json()["id"].as_i64().unwrap();
    app.send(step(original, "submit", &enterer))
        .await
        .assert_status(StatusCode::OK);
    app.send(step(original, "verify", &verifier))
        .await
        .assert_status(StatusCode::OK);
    let mut corrections = Vec::new();
    for n in 0..2 {
        let res = app
            .send(batch(
                format!("name=fix{n}.csv&supersedes={original}&correction_reason=typo"),
                // The same records in files of their own (one file is imported once): blank
                // lines at the end, which the reader skips.
                [csv.clone(), vec![b'\n'; n + 1]].concat(),
            ))
            .await;
        res.assert_status(StatusCode::CREATED);
        let id = res.json()["id"].as_i64().unwrap();
        app.send(step(id, "submit", &enterer))
            .await
            .assert_status(StatusCode::OK);
        corrections.push(id);
    }
    app.send(step(corrections[0], "verify", &verifier))
        .await
        .assert_status(StatusCode::OK);
    app.send(step(corrections[1], "verify", &verifier))
        .await
        .assert_problem(StatusCode::CONFLICT);
}
db_test!(two_corrections_of_one_batch_cannot_both_be_verified);

/// Defect 3: NUL, other control characters and bidirectional overrides are refused with 422
/// naming the field, identically on both databases, and nothing is stored.
async fn control_characters_are_refused_naming_the_field(app: TestApp) {
    let admin = app.login("admin@seika.example").await;
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "staff@kobe-city.example\u{0}", "password": "x"}),
        )
        .await;
    let problem = login.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "email");

    for name in ["Evil\u{0}Org", "Bell\u{7}", "Spoof\u{202E}gro"] {
        let res = app
            .post(
                "/api/v1/organizations",
                Some(&admin),
                &json!({"slug": "evil-org", "kind": "investor", "name_ja": name, "name_en": "Evil"}),
            )
            .await;
        let problem = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "name_ja", "{name:?}");
    }
    let orgs = app
        .get("/api/v1/organizations?per_page=100", Some(&admin))
        .await
        .json();
    assert!(
        !orgs.to_string().contains("evil-org"),
        "nothing stored: {orgs}"
    );

    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let enterer = app.login(ENTERER).await;
    let res = app
        .post(
            &format!("/api/v1/projects/{kobe}/outcome-results"),
            Some(&enterer),
            &json!({"metric": "programme_completion", "tranche": "final",
                    "numerator": "1", "denominator": "2", "evidence": "report\u{0}"}),
        )
        .await;
    assert_eq!(
        res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"],
        "evidence"
    );
    // Query parameters too.
    let res = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results?status=verified%00"),
            Some(&enterer),
        )
        .await;
    assert_eq!(
        res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"],
        "status"
    );
    // And CSV cells.
    let youth = crate::batches::youth_project(&app).await;
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/projects/{youth}/outcome-batches"))
        .header("authorization", format!("Bearer {enterer}"))
        .header("content-type", "text/csv")
        .body(Body::from(
            "participant,outcome,achieved_on\nY0\u{0}01,job_start,2025/04/01\n",
        ))
        .unwrap();
    let problem = app
        .send(req)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["errors"][0]["field"]
            .as_str()
            .unwrap()
            .contains("row 2, column participant"),
        "{problem}"
    );
}
db_test!(control_characters_are_refused_naming_the_field);

/// Defect 4: path ids that are not 64-bit integers are 400 problems naming the parameter.
async fn malformed_path_ids_are_problems(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    for path in [
        "/api/v1/projects/abc",
        "/api/v1/projects/9223372036854775808",
        "/api/v1/projects/1/outcome-results/x/history",
        "/api/v1/users/%F0%9F%98%80",
    ] {
        let res = app.get(path, Some(&staff)).await;
        let problem = res.assert_problem(StatusCode::BAD_REQUEST);
        assert!(
            !problem["errors"][0]["field"].as_str().unwrap().is_empty(),
            "{path}: {problem}"
        );
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
    }
}
db_test!(malformed_path_ids_are_problems);

/// Defect 5: outcome data only on live projects; no payout runs on drafts or terminated ones,
/// while reproducing an existing run stays allowed.
async fn only_live_projects_take_outcome_data_and_runs(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let enterer = app.login(ENTERER).await;
    let run = payout_run(&app, kobe, &staff).await;
    run.assert_status(StatusCode::CREATED);
    let run_id = run.json()["id"].as_i64().unwrap();
    let project = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&staff))
        .await;
    let etag = project.header("etag").unwrap().to_owned();
    send_with_if_match(
        &app,
        Method::POST,
        &format!("/api/v1/projects/{kobe}/status"),
        &staff,
        &etag,
        &json!({"status": "terminated", "reason": "provider insolvent"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let before = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results"),
            Some(&enterer),
        )
        .await
        .json();
    let res = app
        .post(
            &format!("/api/v1/projects/{kobe}/outcome-results"),
            Some(&enterer),
            &json!({"metric": "programme_completion", "tranche": "final",
                    "numerator": "1", "denominator": "2"}),
        )
        .await;
    let problem = res.assert_problem(StatusCode::CONFLICT);
    assert!(problem["detail"].as_str().unwrap().contains("terminated"));
    payout_run(&app, kobe, &staff)
        .await
        .assert_problem(StatusCode::CONFLICT);
    let after = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results"),
            Some(&enterer),
        )
        .await
        .json();
    assert_eq!(before, after, "nothing stored");
    app.post(
        &format!("/api/v1/projects/{kobe}/payout-runs/{run_id}/reproduce"),
        Some(&staff),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
}
db_test!(only_live_projects_take_outcome_data_and_runs);

fn audit_probe(
    conn: &mut seika_db::DbConn,
    chain: &seika_db::audit::ChainLock,
) -> Result<(), seika_service::error::AppError> {
    seika_db::audit::append(
        conn,
        chain,
        seika_db::audit::AuditEntry {
            actor_user_id: None,
            action: "test.probe",
            entity: "test",
            entity_id: "1".into(),
            before: None,
            after: None,
        },
    )?;
    Ok(())
}

/// Defect 2: a panic inside a database transaction discards its connection (releasing SQLite's
/// write lock and PostgreSQL's audit lock), answers 500 problem+json, and the server goes on.
async fn a_panic_releases_its_connection_and_answers_a_problem(app: TestApp) {
    use std::time::Duration;
    let db = app.db.clone();
    let crashed = tokio::spawn(async move {
        db.run(|conn| {
            seika_db::audited_write(conn, |conn, chain| {
                audit_probe(conn, chain)?;
                panic!("a bug inside a transaction");
                #[expect(unreachable_code, reason = "the closure's type")]
                Ok::<(), seika_service::error::AppError>(())
            })
        })
        .await
    })
    .await;
    assert!(crashed.is_err(), "the panic reached the caller");

    // Another server instance on the same database writes an audited change at once.
    let other = seika_db::Db::connect(
        &seika_db::DatabaseUrl::parse(&app.database_url()).unwrap(),
        &seika_db::PoolOptions::default(),
    )
    .unwrap();
    let written = tokio::time::timeout(
        Duration::from_secs(5),
        other.run(|conn| seika_db::audited_write(conn, audit_probe)),
    )
    .await;
    assert!(
        matches!(written, Ok(Ok(()))),
        "the lock was released: {written:?}"
    );
    // And this instance's pool still works.
    app.db
        .run(|conn| seika_db::audited_write(conn, audit_probe))
        .await
        .expect("a fresh connection");

    // A panicking handler under the server's layers: 500 problem+json, the request id kept.
    let state = seika::api::AppState::new(
        app.db.clone(),
        seika::api::HttpConfig::default(),
        seika::api::session::AuthKeys::from_secret(&[7; 32]),
    );
    let router = seika::api::with_layers(
        axum::Router::new().route(
            "/boom",
            axum::routing::get(|| async {
                panic!("handler bug");
                #[expect(unreachable_code, reason = "the handler's type")]
                ""
            }),
        ),
        state,
    );
    let response = tower::ServiceExt::oneshot(
        router,
        Request::get("/boom")
            .header("x-request-id", "panic-test")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(response.headers()["x-request-id"], "panic-test");
}
db_test!(a_panic_releases_its_connection_and_answers_a_problem);

/// Defect 13: authenticated answers (the login answer included) are never cached, and no answer
/// is content-sniffed.
async fn api_answers_are_not_cached_or_sniffed(app: TestApp) {
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "staff@kobe-city.example", "password": "seika-demo-2026"}),
        )
        .await;
    login.assert_status(StatusCode::OK);
    assert_eq!(login.header("cache-control"), Some("no-store"));
    assert_eq!(login.header("x-content-type-options"), Some("nosniff"));
    let token = login.json()["access_token"].as_str().unwrap().to_owned();
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let res = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&token))
        .await;
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    let problem = app.get("/api/v1/projects/abc", Some(&token)).await;
    assert_eq!(problem.header("cache-control"), Some("no-store"));
    let page = app.get("/app.js", None).await;
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
}
db_test!(api_answers_are_not_cached_or_sniffed);

fn asset_request(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

/// The frontend's assets carry an entity tag, answer 304 to a browser that holds them, and go
/// out compressed (brotli or gzip) to one that accepts it, decompressing to the very bytes.
async fn assets_are_tagged_revalidated_and_compressed(app: TestApp) {
    use std::io::Read;
    // The largest of the app's modules (the contract editor).
    const MODULE: &str = "/js/views/editor.js";
    let source = include_str!("../../frontend/js/views/editor.js");
    let plain = app.send(asset_request(MODULE, &[])).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.body, source.as_bytes());
    assert_eq!(plain.header("content-encoding"), None);
    let etag = plain.header("etag").expect("an ETag").to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");

    let again = app
        .send(asset_request(MODULE, &[("if-none-match", &etag)]))
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let listed = format!("\"other\", {etag}");
    let among = app
        .send(asset_request(MODULE, &[("if-none-match", &listed)]))
        .await;
    assert_eq!(among.status, StatusCode::NOT_MODIFIED);
    let stale = app
        .send(asset_request(MODULE, &[("if-none-match", "W/\"0123\"")]))
        .await;
    assert_eq!(stale.status, StatusCode::OK);
    let css = app.send(asset_request("/app.css", &[])).await;
    assert_ne!(css.header("etag"), Some(etag.as_str()), "one tag per asset");

    let gzip = app
        .send(asset_request(MODULE, &[("accept-encoding", "gzip")]))
        .await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(gzip.header("etag"), Some(etag.as_str()));
    assert!(
        gzip.body.len() * 3 < source.len(),
        "{} bytes",
        gzip.body.len()
    );
    let mut inflated = String::new();
    flate2::read::GzDecoder::new(gzip.body.as_slice())
        .read_to_string(&mut inflated)
        .unwrap();
    assert_eq!(inflated, source);
    let br = app
        .send(asset_request(MODULE, &[("accept-encoding", "gzip, br")]))
        .await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert!(br.body.len() < gzip.body.len() * 11 / 10);
    let api = app
        .send(asset_request(
            "/api/v1/health",
            &[("accept-encoding", "br")],
        ))
        .await;
    assert_eq!(
        api.header("etag"),
        None,
        "API answers are not the assets' business"
    );
}
db_test!(assets_are_tagged_revalidated_and_compressed);

/// Defect 8: parallel wrong guesses cannot all pass the throttle's check: the count and the
/// attempt are one step, so at most the limit reach the password check.
async fn parallel_guesses_are_throttled_at_the_limit(app: TestApp) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let router = app.router.clone();
        tasks.spawn(async move {
            let req = Request::post("/api/v1/auth/login")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"email": "staff@kobe-city.example", "password": "wrong-guess"})
                        .to_string(),
                ))
                .unwrap();
            tower::ServiceExt::oneshot(router, req)
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = tasks.join_all().await;
    let wrong = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(wrong + throttled, 12, "{statuses:?}");
    assert_eq!(
        wrong,
        seika::api::auth::MAX_FAILURES_PER_ACCOUNT_AND_CLIENT as usize,
        "exactly the limit reach the password check: {statuses:?}"
    );
    // The right password is refused too while the account is throttled.
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": "staff@kobe-city.example", "password": "seika-demo-2026"}),
    )
    .await
    .assert_problem(StatusCode::TOO_MANY_REQUESTS);
}
db_test!(parallel_guesses_are_throttled_at_the_limit);

crate::util::test!(forwarded_for_is_honoured_only_from_trusted_proxies);
/// Defect 8: X-Forwarded-For names the client only when the peer is a trusted proxy.
fn forwarded_for_is_honoured_only_from_trusted_proxies() {
    use seika::api::extract::client_address;
    let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
    let peer = |s: &str| Some(s.parse().unwrap());
    let ip = |s: &str| Some(s.parse::<std::net::IpAddr>().unwrap());
    // From the load balancer: the client it names.
    assert_eq!(
        client_address(peer("10.0.0.5"), "203.0.113.9", &trusted),
        ip("203.0.113.9")
    );
    // A client's own forged hop before the real one is not believed.
    assert_eq!(
        client_address(peer("10.0.0.5"), "1.2.3.4, 203.0.113.9", &trusted),
        ip("203.0.113.9")
    );
    // Chained trusted proxies are skipped.
    assert_eq!(
        client_address(peer("10.0.0.5"), "203.0.113.9, 10.1.1.1", &trusted),
        ip("203.0.113.9")
    );
    // From anyone else, the header is ignored.
    assert_eq!(
        client_address(peer("198.51.100.7"), "203.0.113.9", &[]),
        ip("198.51.100.7")
    );
    assert_eq!(
        client_address(peer("198.51.100.7"), "203.0.113.9", &trusted),
        ip("198.51.100.7")
    );
    assert_eq!(client_address(None, "203.0.113.9", &trusted), None);
}

crate::util::test!(signing_keys_live_outside_the_database_and_rotate);
/// Defect 9: the signing key never lives in the database: a 0600 key file beside an SQLite
/// database, required configuration on PostgreSQL; rotation keeps the previous key verifying.
fn signing_keys_live_outside_the_database_and_rotate() {
    use seika::api::session::{AuthKeys, KEY_FILE_NAME, decode_token, load_signing_keys};
    use seika_db::DatabaseUrl;
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("seika.db"));
    let first = load_signing_keys(&url, None, &[]).unwrap();
    let file = dir.path().join(KEY_FILE_NAME);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let again = load_signing_keys(&url, None, &[]).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let user = seika_db::users::UserRow {
        id: 7,
        organization_id: 1,
        email: "staff@example.org".into(),
        display_name: "Staff".into(),
        role: seika_core::user::Role::GovernmentStaff,
        password_hash: String::new(),
        disabled: false,
        token_generation: 1,
        lock_version: 1,
        created_at: now,
        updated_at: now,
    };
    let role = seika_core::user::Role::GovernmentStaff;
    let ttl = std::time::Duration::from_secs(60);
    let (token, _) =
        seika::api::session::issue_token(&first, &user, role, ttl, chrono::Utc::now()).unwrap();
    assert!(
        decode_token(&again, &token).is_ok(),
        "a restart keeps the key"
    );

    let postgres = DatabaseUrl::Postgres("postgres://postgres@127.0.0.1:5432/x".into());
    let refused = load_signing_keys(&postgres, None, &[]).unwrap_err();
    assert!(
        refused.to_string().contains("SEIKA_JWT_SECRET"),
        "{refused}"
    );
    assert!(load_signing_keys(&postgres, Some("short"), &[]).is_err());
    // Long enough, and still guessable: refused at start, saying why.
    for guessable in [
        "changeme-changeme-please-0123456789",
        "bench-secret-bench-secret-bench-secret",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "12121212121212121212121212121213333",
    ] {
        let refused = load_signing_keys(&postgres, Some(guessable), &[]).unwrap_err();
        assert!(
            refused.to_string().contains("guessable"),
            "{guessable}: {refused}"
        );
    }
    assert!(load_signing_keys(&postgres, Some("9f2c4e7a1b8d3f60c5e2a9b7d4f1c8e3"), &[]).is_ok());

    let old = "old-secret-7c1e9a24-b5d3-4f80-a6e2-earlier";
    let new = "new-secret-3f8b2d61-c947-4e15-9a0d-current";
    let before = AuthKeys::from_secret(old.as_bytes());
    let (old_token, _) =
        seika::api::session::issue_token(&before, &user, role, ttl, chrono::Utc::now()).unwrap();
    let rotated = load_signing_keys(&postgres, Some(new), &[old.to_owned()]).unwrap();
    assert!(
        decode_token(&rotated, &old_token).is_ok(),
        "old tokens verify"
    );
    let (new_token, _) =
        seika::api::session::issue_token(&rotated, &user, role, ttl, chrono::Utc::now()).unwrap();
    assert!(
        decode_token(&before, &new_token).is_err(),
        "new tokens use the new key"
    );
    let after = load_signing_keys(&postgres, Some(new), &[]).unwrap();
    assert!(decode_token(&after, &old_token).is_err(), "rotation over");
}

/// Defect 12: a service provider no longer sees each investor's position; the government that
/// owns the project does.
async fn providers_see_investors_only_in_aggregate(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let run = payout_run(&app, kobe, &staff).await;
    run.assert_status(StatusCode::CREATED);
    let run_id = run.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{kobe}/payout-runs/{run_id}");
    let full = app.get(&path, Some(&staff)).await.json();
    let investors = full["statement"]["distribution"]["investors"]
        .as_array()
        .unwrap()
        .len();
    assert!(investors >= 2, "the owner sees every investor: {investors}");

    let provider = app.login("provider@dpp.example").await;
    let seen = app.get(&path, Some(&provider)).await.json();
    let distribution = &seen["statement"]["distribution"];
    assert_eq!(distribution["investors"].as_array().unwrap().len(), 0);
    assert_eq!(distribution["other_investors"]["investors"], investors);
    // An investor sees its own position and payments, the others only counted.
    let investor = app.login("investor@smbc.example").await;
    let own = app.get(&path, Some(&investor)).await.json();
    let distribution = &own["statement"]["distribution"];
    let rows = distribution["investors"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["investor"], "smbc");
    assert_eq!(distribution["other_investors"]["investors"], investors - 1);
    for tranche in distribution["tranches"].as_array().unwrap() {
        for payment in tranche["payments"].as_array().unwrap() {
            assert!(
                payment["kind"] == "fee" || payment["to"] == "smbc-senior",
                "{payment}"
            );
        }
    }
    assert_eq!(distribution["reconciliation"]["difference"], "0");
    let project = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&provider))
        .await
        .json();
    assert_eq!(
        project["terms"]["investments"].as_array().unwrap().len(),
        0,
        "{}",
        project["terms"]
    );
    assert!(
        project["terms"]["other_investors"]["investments"]
            .as_u64()
            .unwrap()
            >= 2
    );
}
db_test!(providers_see_investors_only_in_aggregate);

/// Defect 10: `--demo` on a database with real data is refused and changes nothing; two
/// instances loading the demo at once into an empty database both succeed.
async fn demo_refuses_real_data_and_loads_once_under_concurrency(app: TestApp) {
    let admin = app.login("admin@seika.example").await;
    app.post(
        "/api/v1/organizations",
        Some(&admin),
        &json!({"slug": "osaka-city", "kind": "local_government", "name_ja": "大阪市", "name_en": "Osaka City"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let refused = app
        .with_conn(|conn| seika::demo::load(conn).map_err(|e| e.to_string()))
        .await
        .unwrap_err();
    assert!(refused.contains("real data"), "{refused}");

    let fresh = crate::util::TestDatabase::new(app.db.backend()).unwrap();
    let db = seika::server::open_database(&fresh.url, &seika_db::PoolOptions::default()).unwrap();
    let loads: Vec<_> = (0..2)
        .map(|_| {
            let db = db.clone();
            std::thread::spawn(move || seika::demo::load(&mut db.get().unwrap()).map(|_| ()))
        })
        .collect();
    for load in loads {
        load.join()
            .unwrap()
            .expect("each concurrent demo load succeeds");
    }
    let users = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        seika_db::schema::users::table
            .count()
            .get_result::<i64>(&mut db.get().unwrap())
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(users, 9, "the demo's users, once");
}
db_test!(demo_refuses_real_data_and_loads_once_under_concurrency);

/// Defect 6: `PUT` on a draft applies every field sent (policy area, parties, currency), or
/// refuses it; nothing is silently dropped.
async fn a_draft_edit_applies_every_field(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let body = crate::projects::new_project_body(&app, "draft-edit-2026").await;
    let created = app.post("/api/v1/projects", Some(&staff), &body).await;
    created.assert_status(StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    let etag = created.header("etag").unwrap().to_owned();
    let provider = app
        .with_conn(|conn| {
            seika_db::organizations::find_by_slug(conn, "dpp-health-partners")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    let mut edited = body.clone();
    edited["policy_area"] = json!("employment_and_training");
    edited["parties"]
        .as_array_mut()
        .unwrap()
        .push(json!({"organization_id": provider, "role": "service_provider"}));
    edited["terms"]["currency"] = json!("USD");
    let path = format!("/api/v1/projects/{id}");
    let res = send_with_if_match(&app, Method::PUT, &path, &staff, &etag, &edited).await;
    res.assert_status(StatusCode::OK);
    let stored = app.get(&path, Some(&staff)).await.json();
    assert_eq!(stored["policy_area"], "employment_and_training");
    assert_eq!(stored["currency"], "USD");
    assert_eq!(stored["terms"]["currency"], "USD");
    let roles: Vec<(String, String)> = stored["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["slug"].as_str().unwrap().to_owned(),
                p["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        roles.contains(&("dpp-health-partners".into(), "service_provider".into())),
        "{roles:?}"
    );

    // Removing a party is applied too; an unknown organization is refused and changes nothing.
    let etag = res.header("etag").unwrap().to_owned();
    let mut bad = edited.clone();
    bad["parties"] = json!([{"organization_id": 999_999, "role": "evaluator"}]);
    send_with_if_match(&app, Method::PUT, &path, &staff, &etag, &bad)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get(&path, Some(&staff)).await.json(), stored);
    let mut fewer = edited.clone();
    fewer["parties"] = body["parties"].clone();
    send_with_if_match(&app, Method::PUT, &path, &staff, &etag, &fewer)
        .await
        .assert_status(StatusCode::OK);
    let after = app.get(&path, Some(&staff)).await.json();
    assert!(
        !after["parties"].to_string().contains("dpp-health-partners"),
        "{}",
        after["parties"]
    );
}
db_test!(a_draft_edit_applies_every_field);

/// Defect 1 across real server instances: 20 rounds of two results for one metric and tranche,
/// verified at the same moment through two `seika serve` processes on one database, never leave
/// two current results.
async fn two_instances_verifying_at_once_keep_one_current_result(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let url = app.database_url();
    let servers = [
        crate::binary::Server::start(&url),
        crate::binary::Server::start(&url),
    ];
    let enterer = app.login(ENTERER).await;
    let verifier = app.login(VERIFIER).await;
    for round in 0..20 {
        let ids = two_fresh_results(&app, kobe, &enterer).await;
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let answers: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = ids
                .iter()
                .zip(&servers)
                .map(|(id, server)| {
                    let (barrier, verifier) = (barrier.clone(), verifier.clone());
                    scope.spawn(move || {
                        let path = format!("/api/v1/projects/{kobe}/outcome-results/{id}/verify");
                        barrier.wait();
                        crate::binary::http(&server.addr, "POST", &path, Some(&verifier), None).0
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won = answers.iter().filter(|s| s.contains(" 200 ")).count();
        let lost = answers.iter().filter(|s| s.contains(" 409 ")).count();
        assert_eq!((won, lost), (1, 1), "round {round}: {answers:?}");
        assert_eq!(
            current_count(&app, kobe, "programme_completion", "final").await,
            1,
            "round {round}"
        );
    }
}
db_test!(two_instances_verifying_at_once_keep_one_current_result);

/// The figures a project page shows are computed on the server: progress per metric (direction,
/// baseline, floor) and amounts due by tranche, fiscal year and payer, exact to the yen.
async fn project_figures_are_served_by_the_api(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let figures = app
        .get(&format!("/api/v1/projects/{kobe}/figures"), Some(&staff))
        .await;
    figures.assert_status(StatusCode::OK);
    let f = figures.json();
    let metric = |id: &str| {
        f["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == id)
            .unwrap()
            .clone()
    };
    let egfr = metric("egfr_decline_suppression");
    assert_eq!(egfr["value"], "0.329");
    assert_eq!(egfr["tranche"], "final");
    assert_eq!(
        egfr["achievement"], "0.4112",
        "0.41125 rounded half to even"
    );
    let completion = metric("programme_completion");
    assert_eq!(completion["value"], "1", "105 of 105");
    let due = &f["due"];
    assert_eq!(due["computed_total"], "29432425");
    assert_eq!(due["tranches"][0]["computed"], "26200000");
    assert_eq!(due["tranches"][0]["fiscal_year"], 2018);
    assert_eq!(due["tranches"][1]["cumulative"], "29432425");
    assert_eq!(due["tranches"][1]["fiscal_year"], 2020);
    assert_eq!(due["payers"][0]["payer"], "kobe-city");
    assert_eq!(due["payers"][0]["computed"], "29432425");
    let cap = due["max_total_payment"]
        .as_str()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(
        due["room_under_cap"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap(),
        cap - 29_432_425
    );
    // An investor's own cash flows come from the server too: its drawdowns, then what the run's
    // waterfall computes for it, with the running net position; the government has none.
    assert_eq!(f["own_cash_flows"], json!([]));
    let investor = app.login("investor@smbc.example").await;
    let own = app
        .get(&format!("/api/v1/projects/{kobe}/figures"), Some(&investor))
        .await
        .json();
    let flows = own["own_cash_flows"].as_array().unwrap();
    assert_eq!(flows[0]["kind"], "drawdown");
    assert!(flows[0]["amount"].as_str().unwrap().starts_with('-'));
    let last = flows.last().unwrap();
    assert_eq!(last["kind"], "computed_distribution");
    let net: i64 = flows
        .iter()
        .map(|f| f["amount"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(last["cumulative"], net.to_string());

    // Before any run, nothing is computed and the budget is still laid out.
    let youth = crate::batches::youth_project(&app).await;
    let fresh = app
        .get(&format!("/api/v1/projects/{youth}/figures"), Some(&staff))
        .await
        .json();
    assert!(fresh["latest_run"].is_null());
    assert_eq!(fresh["due"]["computed_total"], "0");
    assert!(fresh["due"]["tranches"].as_array().unwrap().is_empty());
    // Another organization's project is not there for this caller.
    let hachioji = project_id(&app, "hachioji-screening-2017").await;
    app.get(
        &format!("/api/v1/projects/{hachioji}/figures"),
        Some(&staff),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
}
db_test!(project_figures_are_served_by_the_api);

/// The other side of defect 8: many people logging in at once from one address (behind one
/// proxy) are not throttled by each other's logins still being checked.
async fn a_burst_of_right_logins_from_one_address_is_not_throttled(app: TestApp) {
    const EMAILS: [&str; 8] = [
        "admin@seika.example",
        "staff@kobe-city.example",
        "evaluator@mirai.example",
        "evaluator2@mirai.example",
        "staff@hachioji-city.example",
        "investor@smbc.example",
        "investor@smbc-trust.example",
        "provider@dpp.example",
    ];
    let mut tasks = tokio::task::JoinSet::new();
    for email in EMAILS.iter().cycle().take(24) {
        let router = app.router.clone();
        tasks.spawn(async move {
            let req = Request::post("/api/v1/auth/login")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"email": email, "password": seika::demo::DEMO_PASSWORD}).to_string(),
                ))
                .unwrap();
            tower::ServiceExt::oneshot(router, req)
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = tasks.join_all().await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "24 right logins (3 per account) at once: more than the per-address failure limit of 20, within the bound on logins being checked at once: \
         {statuses:?}"
    );
}
db_test!(a_burst_of_right_logins_from_one_address_is_not_throttled);

/// The status of the party of `slug` on the project, as its owner sees it.
async fn party_status(app: &TestApp, token: &str, project: i64, slug: &str) -> Option<Value> {
    let project = app
        .get(&format!("/api/v1/projects/{project}"), Some(token))
        .await
        .json();
    project["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == slug)
        .map(|p| p["status"].clone())
}

/// The invitations a user sees, as (project id, role, status).
async fn invitations_of(app: &TestApp, token: &str) -> Vec<(i64, String, String)> {
    app.get("/api/v1/invitations", Some(token))
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["project_id"].as_i64().unwrap(),
                i["role"].as_str().unwrap().to_owned(),
                i["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn invitation_id(app: &TestApp, token: &str, project: i64) -> i64 {
    let list = app.get("/api/v1/invitations", Some(token)).await.json();
    list.as_array()
        .unwrap()
        .iter()
        .find(|i| i["project_id"] == project)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// Defect 11: naming another organization as a party invites it. Until an authorized user of that
/// organization accepts, it sees only the invitation (not the project, not in its lists) and the
/// project cannot be published; a decline keeps it out, and the owner can drop or ask it again.
async fn foreign_parties_see_only_their_invitation_until_they_accept(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let evaluator = app.login("evaluator@mirai.example").await;
    let investor = app.login("investor@smbc.example").await;
    let admin = app.login("admin@seika.example").await;
    let smbc = crate::claims::org_id(&app, "smbc").await;
    let mut body = crate::projects::new_project_body(&app, "invitations-2026").await;
    body["parties"]
        .as_array_mut()
        .unwrap()
        .push(json!({"organization_id": smbc, "role": "investor"}));
    let created = app.post("/api/v1/projects", Some(&staff), &body).await;
    created.assert_status(StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{id}");
    assert_eq!(
        party_status(&app, &staff, id, "kobe-city").await,
        Some(json!("accepted"))
    );
    assert_eq!(
        party_status(&app, &staff, id, "mirai-kogaku").await,
        Some(json!("invited"))
    );

    // The invitees see the invitation and nothing else of the project.
    for token in [&evaluator, &investor] {
        app.get(&path, Some(token))
            .await
            .assert_problem(StatusCode::NOT_FOUND);
        let list = app.get("/api/v1/projects", Some(token)).await.json();
        assert!(!list.to_string().contains("invitations-2026"), "{list}");
    }
    assert_eq!(
        invitations_of(&app, &evaluator).await,
        [(id, "evaluator".to_owned(), "invited".to_owned())]
    );
    assert_eq!(
        invitations_of(&app, &investor).await,
        [(id, "investor".to_owned(), "invited".to_owned())]
    );
    let shown = app
        .get("/api/v1/invitations", Some(&evaluator))
        .await
        .json();
    assert_eq!(shown[0]["project_title_en"], "Test project");
    assert_eq!(shown[0]["invited_by_name_en"], "Kobe City");
    assert!(invitations_of(&app, &admin).await.is_empty());

    // ...and the terms behind it, to read before answering (issue 34 item 2): the maximum and
    // each payment in words; no other organization reads them.
    let invitation = invitation_id(&app, &evaluator, id).await;
    let terms_path = format!("/api/v1/invitations/{invitation}/terms");
    let read = app.get(&terms_path, Some(&evaluator)).await;
    read.assert_status(StatusCode::OK);
    let read = read.json();
    assert_eq!(read["invitation"]["project_id"], id);
    let payments = read["payments"].as_array().unwrap();
    assert!(!payments.is_empty(), "{read}");
    assert!(
        payments[0]["description"]["ja"]
            .as_str()
            .unwrap()
            .contains('¥'),
        "{read}"
    );
    assert_eq!(read["terms"]["code"], "invitations-2026");
    let hachioji = app.login("staff@hachioji-city.example").await;
    for token in [&hachioji, &investor] {
        app.get(&terms_path, Some(token))
            .await
            .assert_problem(StatusCode::NOT_FOUND);
    }

    // Publication waits for every party, and a refusal changes nothing.
    let etag = app
        .get(&path, Some(&staff))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let publish = |etag: String| {
        let app = &app;
        let staff = &staff;
        let path = &path;
        async move {
            send_with_if_match(
                app,
                Method::POST,
                &format!("{path}/status"),
                staff,
                &etag,
                &json!({"status": "published"}),
            )
            .await
        }
    };
    let refused = publish(etag.clone()).await;
    refused.assert_problem(StatusCode::CONFLICT);
    let detail = refused.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("Institute for Future Engineering (evaluator, invited)"),
        "{detail}"
    );
    assert!(detail.contains("(investor, invited)"), "{detail}");
    let still = app.get(&path, Some(&staff)).await;
    assert_eq!(still.json()["status"], "draft");
    assert_eq!(still.header("etag").unwrap(), etag);

    // Nobody answers another organization's invitation; an answer is given once.
    let for_evaluator = invitation_id(&app, &evaluator, id).await;
    let for_investor = invitation_id(&app, &investor, id).await;
    for (token, invitation) in [
        (&investor, for_evaluator),
        (&staff, for_evaluator),
        (&admin, for_investor),
        (&evaluator, for_investor),
    ] {
        app.post(
            &format!("/api/v1/invitations/{invitation}/accept"),
            Some(token),
            &json!({}),
        )
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    }
    let declined = app
        .post(
            &format!("/api/v1/invitations/{for_investor}/decline"),
            Some(&investor),
            &json!({}),
        )
        .await;
    declined.assert_status(StatusCode::OK);
    assert_eq!(declined.json()["status"], "declined");
    app.post(
        &format!("/api/v1/invitations/{for_investor}/accept"),
        Some(&investor),
        &json!({}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT);
    app.get(&path, Some(&investor))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let accepted = app
        .post(
            &format!("/api/v1/invitations/{for_evaluator}/accept"),
            Some(&evaluator),
            &json!({}),
        )
        .await;
    accepted.assert_status(StatusCode::OK);
    assert_eq!(accepted.json()["status"], "accepted");
    app.get(&path, Some(&evaluator))
        .await
        .assert_status(StatusCode::OK);
    let list = app.get("/api/v1/projects", Some(&evaluator)).await.json();
    assert!(list.to_string().contains("invitations-2026"));
    let refused = publish(etag.clone()).await;
    refused.assert_problem(StatusCode::CONFLICT);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("(investor, declined)")
    );

    // Keeping the declined investor in an edited draft asks it again; the evaluator's acceptance
    // stays, under the same invitation.
    let res = send_with_if_match(&app, Method::PUT, &path, &staff, &etag, &body).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        party_status(&app, &staff, id, "smbc").await,
        Some(json!("invited"))
    );
    assert_eq!(
        party_status(&app, &staff, id, "mirai-kogaku").await,
        Some(json!("accepted"))
    );
    assert_eq!(invitation_id(&app, &investor, id).await, for_investor);
    // Dropping it lets the project be published; it never sees the project.
    let etag = res.header("etag").unwrap().to_owned();
    let mut without = body.clone();
    without["parties"].as_array_mut().unwrap().pop();
    let res = send_with_if_match(&app, Method::PUT, &path, &staff, &etag, &without).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(party_status(&app, &staff, id, "smbc").await, None);
    assert!(invitations_of(&app, &investor).await.is_empty());
    app.post(
        &format!("/api/v1/invitations/{for_investor}/accept"),
        Some(&investor),
        &json!({}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
    let published = publish(res.header("etag").unwrap().to_owned()).await;
    published.assert_status(StatusCode::OK);
    assert_eq!(published.json()["status"], "published");
    app.get(&path, Some(&investor))
        .await
        .assert_problem(StatusCode::NOT_FOUND);

    // Each answer is in the audit log.
    let history = app.get("/api/v1/audit", Some(&admin)).await.json();
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"project.invitation_accepted"));
    assert!(actions.contains(&"project.invitation_declined"));
}
db_test!(foreign_parties_see_only_their_invitation_until_they_accept);

/// Issue 31, item 9: a party's acceptance covers the figures it accepted. Editing the draft's
/// title keeps it; changing that party's own figures (its commitment) asks it again, and the
/// project cannot be published with the changed figure unseen.
async fn a_changed_commitment_is_accepted_again(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let smbc = crate::claims::org_id(&app, "smbc").await;
    let kobe: Value = serde_json::from_str(crate::projects::KOBE_CONTRACT).unwrap();
    let mut body = crate::projects::new_project_body(&app, "figures-2026").await;
    body["terms"]["investments"] = json!([kobe["investments"][0].clone()]);
    body["terms"]["waterfall"] = json!([
        {"type": "principal", "class": "senior"},
        {"type": "interest", "class": "senior"}
    ]);
    body["parties"]
        .as_array_mut()
        .unwrap()
        .push(json!({"organization_id": smbc, "role": "investor"}));
    let created = app.post("/api/v1/projects", Some(&staff), &body).await;
    created.assert_status(StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{id}");
    assert_eq!(crate::projects::accept_invitations(&app, id).await, 2);
    let etag = |res: &TestResponse| res.header("etag").unwrap().to_owned();

    body["title_en"] = json!("Test project, renamed");
    let current = app.get(&path, Some(&staff)).await;
    let res = send_with_if_match(&app, Method::PUT, &path, &staff, &etag(&current), &body).await;
    res.assert_status(StatusCode::OK);
    for slug in ["smbc", "mirai-kogaku"] {
        assert_eq!(
            party_status(&app, &staff, id, slug).await,
            Some(json!("accepted")),
            "{slug}: nothing of its own changed"
        );
    }

    body["terms"]["investments"][0]["committed"] = json!("18000000");
    body["terms"]["investments"][0]["drawdowns"][0]["amount"] = json!("18000000");
    let res = send_with_if_match(&app, Method::PUT, &path, &staff, &etag(&res), &body).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        party_status(&app, &staff, id, "smbc").await,
        Some(json!("invited"))
    );
    assert_eq!(
        party_status(&app, &staff, id, "mirai-kogaku").await,
        Some(json!("accepted"))
    );
    let refused = send_with_if_match(
        &app,
        Method::POST,
        &format!("{path}/status"),
        &staff,
        &etag(&res),
        &json!({"status": "published"}),
    )
    .await;
    refused.assert_problem(StatusCode::CONFLICT);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("(investor, invited)")
    );
}
db_test!(a_changed_commitment_is_accepted_again);

/// Two answers to one invitation at once (accept and decline, on PostgreSQL under READ
/// COMMITTED too): exactly one is applied, the other gets 409, and the party holds that one answer.
async fn simultaneous_answers_to_one_invitation_apply_once(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let evaluator = app.login("evaluator@mirai.example").await;
    for round in 0..5 {
        let body = crate::projects::new_project_body(&app, &format!("answers-{round}")).await;
        let created = app.post("/api/v1/projects", Some(&staff), &body).await;
        created.assert_status(StatusCode::CREATED);
        let project = created.json()["id"].as_i64().unwrap();
        let id = invitation_id(&app, &evaluator, project).await;
        let accept = format!("/api/v1/invitations/{id}/accept");
        let decline = format!("/api/v1/invitations/{id}/decline");
        let empty = json!({});
        let (a, b) = tokio::join!(
            app.post(&accept, Some(&evaluator), &empty),
            app.post(&decline, Some(&evaluator), &empty)
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "round {round}");
        let winner = if a.status == StatusCode::OK { a } else { b };
        assert_eq!(
            party_status(&app, &staff, project, "mirai-kogaku").await,
            Some(winner.json()["status"].clone())
        );
    }
}
db_test!(simultaneous_answers_to_one_invitation_apply_once);
