//! The foundation: health, request ids, problem+json, migrations, the demo data set.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use seika::api::{AppState, HttpConfig};
use seika_db::{self as db, DatabaseUrl, Db, PoolOptions};

use crate::util::{TestApp, db_test};

async fn health_reports_database(app: TestApp) {
    let res = app.get("/api/v1/health", None).await;
    res.assert_status(StatusCode::OK);
    let body = res.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], app.db.backend().name());
    let id = res.header("x-request-id").expect("request id header");
    assert_eq!(id.len(), 36, "a UUID: {id}");
}
db_test!(health_reports_database);

crate::util::async_test!(request_id_from_the_client_is_kept);
async fn request_id_from_the_client_is_kept() {
    let app = TestApp::new(db::Backend::Sqlite).await;
    let req = Request::get("/api/v1/health")
        .header("x-request-id", "trace-me-42")
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.header("x-request-id"), Some("trace-me-42"));
}

crate::util::async_test!(health_is_503_when_the_database_is_unreachable);
async fn health_is_503_when_the_database_is_unreachable() {
    let url = DatabaseUrl::parse("postgres://nobody@127.0.0.1:1/none").unwrap();
    let db = Db::lazy(
        &url,
        &PoolOptions {
            max_size: 1,
            connection_timeout: Duration::from_millis(300),
        },
    );
    let keys = seika::api::session::AuthKeys::from_secret(b"0123456789abcdef0123456789abcdef");
    let app = seika::api::router(AppState::new(db, HttpConfig::default(), keys));
    let res = tower::ServiceExt::oneshot(
        app,
        Request::get("/api/v1/health").body(Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["status"], 503);
    assert!(
        !body["detail"].as_str().unwrap().contains("127.0.0.1"),
        "no internals: {body}"
    );
}

crate::util::async_test!(unknown_routes_and_methods_are_problems);
async fn unknown_routes_and_methods_are_problems() {
    let app = TestApp::new(db::Backend::Sqlite).await;
    app.get("/api/v1/no-such-thing", None)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.request(Method::DELETE, "/api/v1/health", None, None)
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED);
}

crate::util::test!(migration_trees_have_identical_versions);
fn migration_trees_have_identical_versions() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let versions = |dialect: &str| {
        let mut names: Vec<String> = std::fs::read_dir(root.join(dialect))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        names
    };
    let sqlite = versions("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, versions("postgres"));
    for name in &sqlite {
        for dialect in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    root.join(dialect).join(name).join(file).is_file(),
                    "{dialect}/{name}/{file}"
                );
            }
        }
    }
}

crate::util::test!(database_urls_choose_the_backend_by_scheme);
fn database_urls_choose_the_backend_by_scheme() {
    use seika_db::Backend;
    let backend = |s: &str| DatabaseUrl::parse(s).map(|u| u.backend());
    assert_eq!(backend("postgres://u@h/db"), Ok(Backend::Postgres));
    assert_eq!(backend("postgresql://u@h/db"), Ok(Backend::Postgres));
    assert_eq!(backend("sqlite://data/x.db"), Ok(Backend::Sqlite));
    assert_eq!(backend("data/x.db"), Ok(Backend::Sqlite));
    for (typo, scheme) in [
        ("postgress://u@h/db", "postgress:"),
        ("postgre://u@h/db", "postgre:"),
        ("mysql://u@h/db", "mysql:"),
    ] {
        let refusal = backend(typo).unwrap_err();
        assert!(
            refusal.contains(&format!("unsupported database URL scheme `{scheme}`"))
                && refusal.contains("expected postgres://"),
            "{typo}: {refusal}"
        );
    }
    // `postgres:` without `//` is not a PostgreSQL URL either.
    assert!(
        backend("postgres:u@h/db")
            .unwrap_err()
            .contains("unsupported database URL scheme `postgres:`")
    );
    assert!(
        backend("sqlite://:memory:")
            .unwrap_err()
            .contains("in-memory databases are not shared")
    );
    assert_eq!(backend(""), Err("the database URL is empty".to_owned()));
    let url = DatabaseUrl::parse("postgres://alice:s3cret@db.internal:5432/seika").unwrap();
    assert_eq!(
        url.redacted(),
        "postgres://alice:***@db.internal:5432/seika"
    );
    assert!(!format!("{url:?}").contains("s3cret"));
}

async fn demo_load_is_idempotent(app: TestApp) {
    let (first, second, counts) = app
        .with_conn(|conn| {
            let first = seika::demo::load(conn).unwrap();
            let second = seika::demo::load(conn).unwrap();
            let counts = (
                db::organizations::count(conn).unwrap(),
                db::projects::count(conn).unwrap(),
            );
            (first, second, counts)
        })
        .await;
    // The test app loaded the demo once already.
    assert_eq!(first, seika::demo::DemoSummary::default());
    assert_eq!(second, seika::demo::DemoSummary::default());
    assert_eq!(counts, (9, 2));
}
db_test!(demo_load_is_idempotent);

async fn foreign_keys_are_enforced(app: TestApp) {
    let result = app
        .with_conn(|conn| {
            db::users::insert(
                conn,
                &db::users::NewUser {
                    organization_id: 999_999,
                    email: "ghost@example.org",
                    display_name: "Ghost",
                    role: seika_core::user::Role::Investor,
                    password_hash: "x",
                },
            )
            .map(|_| ())
        })
        .await;
    assert!(
        matches!(
            result,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _
            ))
        ),
        "a user of a missing organization must be refused by the foreign key: {result:?}"
    );
    let users = app
        .with_conn(|conn| db::users::find_by_email(conn, "ghost@example.org").unwrap())
        .await;
    assert!(users.is_none());
}
db_test!(foreign_keys_are_enforced);

async fn write_transaction_rolls_back_on_error(app: TestApp) {
    let count = app
        .with_conn(|conn| {
            let outcome: Result<(), diesel::result::Error> = db::write_transaction(conn, |conn| {
                db::organizations::insert(
                    conn,
                    &db::organizations::NewOrganization {
                        slug: "rolled-back",
                        kind: seika_core::organization::OrganizationKind::Investor,
                        name_ja: "x",
                        name_en: "x",
                    },
                )?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(matches!(
                outcome,
                Err(diesel::result::Error::RollbackTransaction)
            ));
            db::organizations::find_by_slug(conn, "rolled-back").unwrap()
        })
        .await;
    assert!(count.is_none());
}
db_test!(write_transaction_rolls_back_on_error);

/// The server's start banner, the demo and the README list the same demo accounts: the banner
/// is made from the demo's list, and the README's table names every one of them and no other.
fn the_readme_lists_every_demo_account() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let listed: std::collections::BTreeSet<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .filter(|cell| cell.contains('@') && cell.ends_with(".example"))
        .collect();
    let demo: std::collections::BTreeSet<&str> = seika::demo::demo_emails().collect();
    assert_eq!(listed, demo);
    let banner = seika::demo::login_help();
    for email in demo {
        assert!(banner.contains(email), "{banner}");
    }
}
crate::util::test!(the_readme_lists_every_demo_account);
