//! Login, tokens and their rejection cases, throttling, password change.

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;

use crate::util::{TestApp, db_test};
use seika::api::session::{AuthKeys, issue_token};
use seika_core::user::Role;

const ADMIN: &str = "admin@seika.example";
const CITY: &str = "staff@kobe-city.example";

async fn each_demo_user_logs_in(app: TestApp) {
    for (email, role) in [
        (ADMIN, "platform_admin"),
        (CITY, "government_staff"),
        ("evaluator@mirai.example", "evaluator"),
        ("investor@smbc.example", "investor"),
        ("investor@smbc-trust.example", "investor"),
        ("provider@dpp.example", "service_provider"),
    ] {
        let token = app.login(email).await;
        let me = app.get("/api/v1/auth/me", Some(&token)).await;
        me.assert_status(StatusCode::OK);
        assert_eq!(me.json()["email"], email);
        assert_eq!(me.json()["role"], role);
    }
}
db_test!(each_demo_user_logs_in);

async fn wrong_credentials_are_401_without_telling_which(app: TestApp) {
    let wrong_password = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": CITY, "password": "not-the-password"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "nobody@kobe-city.example", "password": "x"}),
        )
        .await;
    let a = wrong_password.assert_problem(StatusCode::UNAUTHORIZED);
    let b = unknown.assert_problem(StatusCode::UNAUTHORIZED);
    assert_eq!(a["detail"], b["detail"]);
    app.get("/api/v1/auth/me", None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}
db_test!(wrong_credentials_are_401_without_telling_which);

async fn repeated_failures_are_throttled_per_account(app: TestApp) {
    for _ in 0..seika::api::auth::MAX_FAILURES_PER_ACCOUNT_AND_CLIENT {
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"email": CITY, "password": "guess-guess"}),
        )
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, with a Retry-After.
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": CITY, "password": seika::demo::DEMO_PASSWORD}),
        )
        .await;
    res.assert_problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(res.header("retry-after").is_some());
    // Other accounts are not affected by this account's failures.
    app.login(ADMIN).await;
}
db_test!(repeated_failures_are_throttled_per_account);

/// A login as if from `address` (the peer the server sees).
fn login_from(address: &str, email: &str, password: &str) -> axum::http::Request<axum::body::Body> {
    let peer: std::net::SocketAddr = format!("{address}:40000").parse().unwrap();
    let mut request = axum::http::Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"email": email, "password": password}).to_string(),
        ))
        .unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    request
}

async fn a_guesser_elsewhere_does_not_lock_the_owner_out(app: TestApp) {
    let guesser = "198.51.100.7";
    for _ in 0..seika::api::auth::MAX_FAILURES_PER_ACCOUNT_AND_CLIENT {
        app.send(login_from(guesser, CITY, "guess-guess"))
            .await
            .assert_problem(StatusCode::UNAUTHORIZED);
    }
    // The guesser's address is stopped, even with the right password ...
    app.send(login_from(guesser, CITY, seika::demo::DEMO_PASSWORD))
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS);
    // ... the owner, elsewhere, is not.
    app.send(login_from("203.0.113.9", CITY, seika::demo::DEMO_PASSWORD))
        .await
        .assert_status(StatusCode::OK);
    // Signing in forgave nothing of the guesser's.
    app.send(login_from(guesser, CITY, seika::demo::DEMO_PASSWORD))
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS);
}
db_test!(a_guesser_elsewhere_does_not_lock_the_owner_out);

async fn a_burst_from_one_address_stops_at_its_limit(app: TestApp) {
    use seika::api::auth::{MAX_FAILURES_PER_CLIENT, MAX_IN_FLIGHT_PER_CLIENT};
    const BURST: usize = 120;
    let bound = (MAX_IN_FLIGHT_PER_CLIENT + MAX_FAILURES_PER_CLIENT) as usize;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..BURST {
        let router = app.router.clone();
        let request = login_from("198.51.100.8", &format!("guess{i}@kobe-city.example"), "x");
        tasks.spawn(async move {
            tower::ServiceExt::oneshot(router, request)
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = tasks.join_all().await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + refused, BURST, "{statuses:?}");
    assert!(
        (MAX_FAILURES_PER_CLIENT as usize..=bound).contains(&checked),
        "{checked} of {BURST} guesses checked, bound {bound}"
    );
    // The address is held now, even with a right password ...
    app.send(login_from("198.51.100.8", CITY, seika::demo::DEMO_PASSWORD))
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS);
    // ... another address is not.
    app.send(login_from("203.0.113.9", CITY, seika::demo::DEMO_PASSWORD))
        .await
        .assert_status(StatusCode::OK);
}
db_test!(a_burst_from_one_address_stops_at_its_limit);

async fn a_spread_out_guess_spares_the_places_the_owner_signs_in_from(app: TestApp) {
    let home = "203.0.113.9";
    app.send(login_from(home, CITY, seika::demo::DEMO_PASSWORD))
        .await
        .assert_status(StatusCode::OK);
    for i in 0..seika::api::auth::MAX_FAILURES_PER_ACCOUNT {
        app.send(login_from(
            &format!("198.51.100.{}", 10 + i),
            CITY,
            "guess-guess",
        ))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    }
    // A new address is refused while the account is under attack, even with the password ...
    app.send(login_from("192.0.2.50", CITY, seika::demo::DEMO_PASSWORD))
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS);
    // ... the owner's usual address is not.
    app.send(login_from(home, CITY, seika::demo::DEMO_PASSWORD))
        .await
        .assert_status(StatusCode::OK);
}
db_test!(a_spread_out_guess_spares_the_places_the_owner_signs_in_from);

/// A token for the demo city user, made outside the server with chosen times, key and algorithm.
async fn city_user(app: &TestApp) -> seika_db::users::UserRow {
    app.with_conn(|conn| seika_db::users::find_by_email(conn, CITY).unwrap().unwrap())
        .await
}

async fn server_key(app: &TestApp) -> AuthKeys {
    let _ = app;
    AuthKeys::from_secret(crate::util::TEST_JWT_SECRET.as_bytes())
}

async fn rejected_tokens(app: TestApp) {
    let user = city_user(&app).await;
    let keys = server_key(&app).await;
    let hour = std::time::Duration::from_secs(3600);
    let me = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/auth/me", Some(&token)).await.status }
    };

    let (good, _) = issue_token(&keys, &user, Role::GovernmentStaff, hour, Utc::now()).unwrap();
    assert_eq!(
        me(good.clone()).await,
        StatusCode::OK,
        "control: a good token works"
    );

    let (expired, _) = issue_token(
        &keys,
        &user,
        Role::GovernmentStaff,
        hour,
        Utc::now() - Duration::hours(2),
    )
    .unwrap();
    assert_eq!(me(expired).await, StatusCode::UNAUTHORIZED, "expired");

    let (future, _) = issue_token(
        &keys,
        &user,
        Role::GovernmentStaff,
        hour,
        Utc::now() + Duration::minutes(10),
    )
    .unwrap();
    assert_eq!(me(future).await, StatusCode::UNAUTHORIZED, "not yet valid");

    let other = AuthKeys::from_secret(b"another-key-another-key-another-key!");
    let (foreign, _) = issue_token(&other, &user, Role::GovernmentStaff, hour, Utc::now()).unwrap();
    assert_eq!(
        me(foreign).await,
        StatusCode::UNAUTHORIZED,
        "signed with another key"
    );

    // alg none: the good token's claims with an unsigned header.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims_part = good.split('.').nth(1).unwrap();
    let none = format!(
        "{}.{claims_part}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#)
    );
    assert_eq!(me(none).await, StatusCode::UNAUTHORIZED, "alg none");

    // HS384 with the right key: an algorithm the server does not accept.
    let secret = crate::util::TEST_JWT_SECRET.as_bytes();
    let claims: serde_json::Value =
        serde_json::from_slice(&b64.decode(claims_part).unwrap()).unwrap();
    let hs384 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS384),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap();
    assert_eq!(
        me(hs384).await,
        StatusCode::UNAUTHORIZED,
        "unexpected algorithm"
    );

    assert_eq!(
        me("garbage".into()).await,
        StatusCode::UNAUTHORIZED,
        "not a JWT"
    );
}
db_test!(rejected_tokens);

async fn logout_revokes_the_token(app: TestApp) {
    let token = app.login(CITY).await;
    let other_session = app.login(CITY).await;
    app.post("/api/v1/auth/logout", Some(&token), &json!({}))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get("/api/v1/auth/me", Some(&token))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    app.get("/api/v1/auth/me", Some(&other_session))
        .await
        .assert_status(StatusCode::OK);
}
db_test!(logout_revokes_the_token);

async fn password_change_revokes_older_tokens(app: TestApp) {
    let token = app.login(CITY).await;
    let weak = app
        .post(
            "/api/v1/auth/password",
            Some(&token),
            &json!({"current_password": seika::demo::DEMO_PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        weak.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"],
        "new_password"
    );
    app.post(
        "/api/v1/auth/password",
        Some(&token),
        &json!({"current_password": seika::demo::DEMO_PASSWORD, "new_password": "a-much-longer-secret"}),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    app.get("/api/v1/auth/me", Some(&token))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": CITY, "password": "a-much-longer-secret"}),
        )
        .await;
    res.assert_status(StatusCode::OK);
}
db_test!(password_change_revokes_older_tokens);

/// An administrator issues a one-time reset code instead of only disabling an account: the person
/// sets a new password with it (older tokens stop working), the code works once and for its own
/// account only, a newer code replaces an older one, nobody but an admin issues one, and every
/// step is in the audit log.
async fn an_admin_issues_a_one_time_reset_code(app: TestApp) {
    let admin = app.login(ADMIN).await;
    let city = app.login(CITY).await;
    let user = city_user(&app).await;
    let issue = format!("/api/v1/users/{}/password-reset", user.id);
    app.post(&issue, Some(&city), &json!({}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let first = app.post(&issue, Some(&admin), &json!({})).await;
    first.assert_status(StatusCode::CREATED);
    let first = first.json()["code"].as_str().unwrap().to_owned();
    let second = app.post(&issue, Some(&admin), &json!({})).await.json();
    let code = second["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 39, "32 hex digits in groups of four: {code}");
    assert_ne!(code, first);
    let reset = |email: &str, code: &str, password: &str| json!({"email": email, "code": code, "new_password": password});
    let refused = |body: serde_json::Value| {
        let app = &app;
        async move {
            let problem = app
                .post("/api/v1/auth/password-reset", None, &body)
                .await
                .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
            problem["errors"][0]["field"].as_str().unwrap().to_owned()
        }
    };
    // The replaced code, another account's e-mail, a weak password: refused, nothing changes.
    assert_eq!(
        refused(reset(CITY, &first, "a-new-secret-42")).await,
        "code"
    );
    assert_eq!(
        refused(reset("provider@dpp.example", &code, "a-new-secret-42")).await,
        "code"
    );
    assert_eq!(refused(reset(CITY, &code, "short")).await, "new_password");
    app.get("/api/v1/auth/me", Some(&city))
        .await
        .assert_status(StatusCode::OK);
    // Typed in lower case without dashes, as people do.
    let typed = code.replace('-', "").to_lowercase();
    app.post(
        "/api/v1/auth/password-reset",
        None,
        &reset(CITY, &typed, "a-new-secret-42"),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    app.get("/api/v1/auth/me", Some(&city))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": CITY, "password": "a-new-secret-42"}),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(
        refused(reset(CITY, &code, "another-secret-43")).await,
        "code"
    );
    let log = app
        .get("/api/v1/audit?entity=user", Some(&admin))
        .await
        .json();
    let entity = user.id.to_string();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_id"].as_str() == Some(entity.as_str()))
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "user.password_reset_issued")
            .count(),
        2,
        "{actions:?}"
    );
    assert!(actions.contains(&"user.password_reset"), "{actions:?}");
}
db_test!(an_admin_issues_a_one_time_reset_code);

/// One code used twice at once (two instances on PostgreSQL under READ COMMITTED too): one
/// password is set, the other use is refused.
async fn a_reset_code_works_once_under_a_race(app: TestApp) {
    let admin = app.login(ADMIN).await;
    let user = city_user(&app).await;
    let code = app
        .post(
            &format!("/api/v1/users/{}/password-reset", user.id),
            Some(&admin),
            &json!({}),
        )
        .await
        .json()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = json!({"email": CITY, "code": code, "new_password": "first-new-secret-1"});
    let b = json!({"email": CITY, "code": code, "new_password": "second-new-secret-2"});
    let (a, b) = tokio::join!(
        app.post("/api/v1/auth/password-reset", None, &a),
        app.post("/api/v1/auth/password-reset", None, &b)
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [204, 422]);
    let winner = if a.status.as_u16() == 204 {
        "first-new-secret-1"
    } else {
        "second-new-secret-2"
    };
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": CITY, "password": winner}),
    )
    .await
    .assert_status(StatusCode::OK);
}
db_test!(a_reset_code_works_once_under_a_race);

async fn disabled_and_deleted_users_lose_access(app: TestApp) {
    let admin = app.login(ADMIN).await;
    let city = app.login(CITY).await;
    let provider = app.login("provider@dpp.example").await;
    let user = city_user(&app).await;
    let path = format!("/api/v1/users/{}", user.id);
    let etag = app
        .get(&path, Some(&admin))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let req = axum::http::Request::builder()
        .method(Method::PATCH)
        .uri(&path)
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "application/json")
        .header("if-match", etag)
        .body(axum::body::Body::from(r#"{"disabled": true}"#))
        .unwrap();
    app.send(req).await.assert_status(StatusCode::OK);
    app.get("/api/v1/auth/me", Some(&city))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": CITY, "password": seika::demo::DEMO_PASSWORD}),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED);

    app.with_conn(|conn| {
        use diesel::prelude::*;
        use seika_db::schema::users;
        diesel::delete(users::table.filter(users::email.eq("provider@dpp.example")))
            .execute(conn)
            .unwrap();
    })
    .await;
    app.get("/api/v1/auth/me", Some(&provider))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}
db_test!(disabled_and_deleted_users_lose_access);

/// Sends `PATCH /users/{id}` with the user's current ETag.
async fn patch_user(app: &TestApp, admin: &str, id: i64, body: &str) -> crate::util::TestResponse {
    let path = format!("/api/v1/users/{id}");
    let etag = app
        .get(&path, Some(admin))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let req = axum::http::Request::builder()
        .method(Method::PATCH)
        .uri(&path)
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "application/json")
        .header("if-match", etag)
        .body(axum::body::Body::from(body.to_owned()))
        .unwrap();
    app.send(req).await
}

/// A token of a disabled user stays dead when the user is enabled again (a new sign-in is
/// needed), and the platform's last administrator cannot disable itself.
async fn re_enabling_revives_no_token_and_the_last_admin_stays(app: TestApp) {
    let admin = app.login(ADMIN).await;
    let city = app.login(CITY).await;
    let user = city_user(&app).await;
    patch_user(&app, &admin, user.id, r#"{"disabled": true}"#)
        .await
        .assert_status(StatusCode::OK);
    patch_user(&app, &admin, user.id, r#"{"disabled": false}"#)
        .await
        .assert_status(StatusCode::OK);
    app.get("/api/v1/auth/me", Some(&city))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let again = app.login(CITY).await;
    app.get("/api/v1/auth/me", Some(&again))
        .await
        .assert_status(StatusCode::OK);

    let me = app.get("/api/v1/auth/me", Some(&admin)).await.json();
    let admin_id = me["id"].as_i64().unwrap();
    // (A platform operator's users can hold no other role, so disabling is the one way out.)
    let problem = patch_user(&app, &admin, admin_id, r#"{"disabled": true}"#)
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("last administrator"),
        "{problem}"
    );
    app.get("/api/v1/auth/me", Some(&admin))
        .await
        .assert_status(StatusCode::OK);
}
db_test!(re_enabling_revives_no_token_and_the_last_admin_stays);
