//! Bad input gets a 4xx problem+json naming the field, and changes nothing.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

use crate::util::{TestApp, db_test};

async fn row_counts(app: &TestApp) -> (i64, i64) {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        use seika_db::schema::audit_log;
        let audit: i64 = audit_log::table.count().get_result(conn).unwrap();
        (seika_db::organizations::count(conn).unwrap(), audit)
    })
    .await
}

fn raw_post(token: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/api/v1/organizations")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(body.into())
        .unwrap()
}

async fn malformed_wrong_type_oversized_change_nothing(app: TestApp) {
    let admin = app.login("admin@seika.example").await;
    let before = row_counts(&app).await;

    let res = app
        .send(raw_post(&admin, "application/json", r#"{"slug": "x", "#))
        .await;
    assert!(
        res.assert_problem(StatusCode::BAD_REQUEST)["detail"]
            .as_str()
            .unwrap()
            .contains("malformed JSON")
    );

    let res = app
        .post(
            "/api/v1/organizations",
            Some(&admin),
            &json!({"slug": "ok-slug", "kind": 5, "name_ja": "a", "name_en": "b"}),
        )
        .await;
    let body = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "kind");

    let res = app
        .post(
            "/api/v1/organizations",
            Some(&admin),
            &json!({"slug": "ok-slug", "kind": "investor", "name_ja": "a"}),
        )
        .await;
    assert_eq!(
        res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"],
        "name_en"
    );

    let res = app
        .post(
            "/api/v1/organizations",
            Some(&admin),
            &json!({"slug": "ok-slug", "kind": "investor", "name_ja": "a", "name_en": "b", "extra": 1}),
        )
        .await;
    assert_eq!(
        res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"],
        "extra"
    );

    let res = app
        .send(raw_post(&admin, "text/plain", r#"{"slug":"ok-slug"}"#))
        .await;
    res.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = format!(
        r#"{{"slug":"big","kind":"investor","name_ja":"{}","name_en":"b"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    app.send(raw_post(&admin, "application/json", huge))
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE);

    let res = app
        .post(
            "/api/v1/organizations",
            Some(&admin),
            &json!({"slug": "Bad Slug!", "kind": "investor", "name_ja": " ", "name_en": "b"}),
        )
        .await;
    let body = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["slug", "name_ja"]);

    assert_eq!(row_counts(&app).await, before, "nothing was written");

    // Control: the same endpoint does write when the input is good, with an audit entry.
    app.post(
        "/api/v1/organizations",
        Some(&admin),
        &json!({"slug": "nagoya-city", "kind": "local_government", "name_ja": "名古屋市", "name_en": "Nagoya City"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    assert_eq!(row_counts(&app).await, (before.0 + 1, before.1 + 1));
}
db_test!(malformed_wrong_type_oversized_change_nothing);

async fn updates_need_the_current_version(app: TestApp) {
    let admin = app.login("admin@seika.example").await;
    let list = app
        .get("/api/v1/organizations?kind=evaluator", Some(&admin))
        .await
        .json();
    assert_eq!(list["total"], 1);
    let id = list["items"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/organizations/{id}");
    let patch = |if_match: Option<&str>, name: &str| {
        let mut req = Request::builder()
            .method(Method::PATCH)
            .uri(&path)
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "application/json");
        if let Some(v) = if_match {
            req = req.header("if-match", v);
        }
        req.body(Body::from(
            json!({"name_ja": name, "name_en": name}).to_string(),
        ))
        .unwrap()
    };
    app.send(patch(None, "x"))
        .await
        .assert_problem(StatusCode::PRECONDITION_REQUIRED);
    let etag = app
        .get(&path, Some(&admin))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let first = app.send(patch(Some(&etag), "first")).await;
    first.assert_status(StatusCode::OK);
    assert_ne!(first.header("etag").unwrap(), etag);
    // A second writer holding the old version loses with 409 and does not overwrite.
    app.send(patch(Some(&etag), "second"))
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert_eq!(
        app.get(&path, Some(&admin)).await.json()["name_en"],
        "first"
    );
}
db_test!(updates_need_the_current_version);

async fn only_admins_manage_organizations_and_users(app: TestApp) {
    let city = app.login("staff@kobe-city.example").await;
    let res = app
        .post(
            "/api/v1/organizations",
            Some(&city),
            &json!({"slug": "x-org", "kind": "investor", "name_ja": "a", "name_en": "b"}),
        )
        .await;
    res.assert_problem(StatusCode::FORBIDDEN);
    app.get("/api/v1/users", Some(&city))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    // Everyone signed in may list organizations to name parties.
    app.get("/api/v1/organizations", Some(&city))
        .await
        .assert_status(StatusCode::OK);
    app.get("/api/v1/organizations", None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let bad_page = app
        .get("/api/v1/organizations?per_page=1000", Some(&city))
        .await;
    assert_eq!(
        bad_page.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"],
        "per_page"
    );
}
db_test!(only_admins_manage_organizations_and_users);

fn post_in(token: &str, path: &str, language: &str, body: &serde_json::Value) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept-language", language)
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Problems carry a stable code per field and read in the language the request asks for: the
/// same refusal in English and in Japanese, field and code unchanged, nothing written.
async fn problems_speak_the_requested_language_with_stable_codes(app: TestApp) {
    let admin = app.login("admin@seika.example").await;
    let before = row_counts(&app).await;
    let bad = json!({"slug": "Bad Slug!", "kind": "investor", "name_ja": " ", "name_en": "b", "extra": 1});
    let in_language = |language: &'static str| {
        let request = post_in(&admin, "/api/v1/organizations", language, &bad);
        let app = &app;
        async move {
            app.send(request)
                .await
                .assert_problem(StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    let en = in_language("en-GB,en;q=0.9").await;
    let ja = in_language("ja,en-US;q=0.8").await;
    assert_eq!(en["errors"][0]["field"], "extra");
    assert_eq!(en["errors"][0]["code"], "json.unknown_field");
    assert_eq!(ja["errors"][0]["code"], "json.unknown_field");
    assert!(
        ja["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`extra` という項目はありません"),
        "{ja}"
    );
    let bad = json!({"slug": "Bad Slug!", "kind": "investor", "name_ja": " ", "name_en": "b"});
    let en = app
        .send(post_in(&admin, "/api/v1/organizations", "en", &bad))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let ja = app
        .send(post_in(&admin, "/api/v1/organizations", "ja-JP", &bad))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let codes = |body: &serde_json::Value| -> Vec<(String, String)> {
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].to_string(), e["code"].to_string()))
            .collect()
    };
    assert_eq!(codes(&en), codes(&ja));
    assert_eq!(en["errors"][0]["code"], "organization.slug");
    assert_eq!(
        en["errors"][0]["message"],
        "2 to 64 lower-case letters, digits or hyphens, such as kobe-city"
    );
    assert_eq!(
        ja["errors"][0]["message"],
        "英小文字・数字・ハイフンで 2〜64 文字（例: kobe-city）"
    );
    assert_eq!(ja["errors"][1]["message"], "1〜200文字の名前");
    assert!(ja["detail"].as_str().unwrap().contains("1〜200文字の名前"));
    // Without the header, English.
    let plain = app
        .post("/api/v1/organizations", Some(&admin), &bad)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(plain["errors"], en["errors"]);
    assert_eq!(row_counts(&app).await, before, "nothing was written");

    // A conflict's reason (an organization with this slug exists) in Japanese.
    let taken = json!({"slug": "kobe-city", "kind": "local_government", "name_ja": "神戸市", "name_en": "Kobe"});
    let ja = app
        .send(post_in(&admin, "/api/v1/organizations", "ja", &taken))
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert_eq!(
        ja["detail"], "スラッグ `kobe-city` の組織は既にあります",
        "{ja}"
    );
}
db_test!(problems_speak_the_requested_language_with_stable_codes);

fn get_in(token: Option<&str>, path: &str, language: &str) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header("accept-language", language);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

/// Every refusal, not only a form's, is read in the request's language from the one catalogue,
/// with a code that is the same in both: not logged in, not allowed, not found, no such endpoint,
/// a body of the wrong type.
async fn every_refusal_speaks_both_languages(app: TestApp) {
    let investor = app.login("investor@smbc.example").await;
    type Case = (
        Request<Body>,
        Request<Body>,
        StatusCode,
        &'static str,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            get_in(None, "/api/v1/projects", "en"),
            get_in(None, "/api/v1/projects", "ja"),
            StatusCode::UNAUTHORIZED,
            "auth.missing",
            "先にログインしてください",
        ),
        (
            get_in(Some(&investor), "/api/v1/audit", "en"),
            get_in(Some(&investor), "/api/v1/audit", "ja"),
            StatusCode::FORBIDDEN,
            "access.audit_admin_only",
            "監査ログを読めるのはプラットフォーム管理者だけです",
        ),
        (
            get_in(Some(&investor), "/api/v1/projects/999999", "en"),
            get_in(Some(&investor), "/api/v1/projects/999999", "ja"),
            StatusCode::NOT_FOUND,
            "not_found.project",
            "事業が見つかりません",
        ),
        (
            get_in(None, "/api/v1/no-such-thing", "en"),
            get_in(None, "/api/v1/no-such-thing", "ja"),
            StatusCode::NOT_FOUND,
            "not_found.endpoint",
            "この API はありません",
        ),
    ];
    for (en, ja, status, code, japanese) in cases {
        let en = app.send(en).await.assert_problem(status);
        let ja = app.send(ja).await.assert_problem(status);
        assert_eq!(en["code"], code, "{en}");
        assert_eq!(ja["code"], code, "{ja}");
        let ja_detail = ja["detail"].as_str().unwrap();
        assert!(ja_detail.starts_with(japanese), "{ja_detail}");
        assert!(!ja_detail.is_ascii(), "{ja_detail}");
        assert_ne!(en["detail"], ja["detail"]);
        assert!(en["detail"].as_str().unwrap().is_ascii(), "{en}");
    }
    // A body of the wrong type: 415 in Japanese, naming what was sent.
    let wrong = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header("content-type", "text/plain")
        .header("accept-language", "ja")
        .body(Body::from("hello"))
        .unwrap();
    let ja = app
        .send(wrong)
        .await
        .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(ja["code"], "request.not_json");
    assert!(
        ja["detail"].as_str().unwrap().contains("text/plain"),
        "{ja}"
    );
    assert!(ja["detail"].as_str().unwrap().contains("送"), "{ja}");
}
db_test!(every_refusal_speaks_both_languages);

/// Actions that take no body (run payouts, submit, verify, log out…) accept none or `{}`, and
/// refuse anything else with the field named, storing nothing: a field sent there would
/// otherwise be silently ignored.
async fn actions_without_a_body_refuse_one(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let kobe = crate::projects::project_id(&app, "kobe-dialysis-2017").await;
    let runs = format!("/api/v1/projects/{kobe}/payout-runs");
    let before = row_counts(&app).await;
    for body in [json!({"as_of": "2025-03-31"}), json!([]), json!("run")] {
        let refused = app
            .send(post_in(&staff, &runs, "en", &body))
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        if body.is_object() {
            assert_eq!(refused["errors"][0]["field"], "as_of", "{refused}");
        }
    }
    assert_eq!(row_counts(&app).await, before, "nothing stored");
    app.send(post_in(&staff, &runs, "en", &json!({})))
        .await
        .assert_status(StatusCode::CREATED);
    let empty = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/projects/{kobe}/payout-run-jobs"))
        .header("authorization", format!("Bearer {staff}"))
        .body(Body::empty())
        .unwrap();
    app.send(empty).await.assert_status(StatusCode::ACCEPTED);
}
db_test!(actions_without_a_body_refuse_one);
