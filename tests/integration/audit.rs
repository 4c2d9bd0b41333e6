//! The hash-chained audit log: appended on every change, verified by API and command line,
//! tampering detected and named.

use std::process::Command;

use axum::http::StatusCode;
use serde_json::json;

use crate::util::{TestApp, db_test};

fn seika(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seika"));
    cmd.env("DATABASE_URL", database_url)
        .env("SEIKA_LOG", "warn");
    cmd
}

/// How many entries the log holds now (the demo's claims are entered through the services and
/// audited).
async fn entries_now(app: &TestApp) -> i64 {
    app.with_conn(|conn| seika_db::audit::count(conn).unwrap())
        .await
}

async fn tampering_is_detected_and_named(app: TestApp) {
    let admin = app.login("admin@seika.example").await;
    let before = entries_now(&app).await;
    for slug in ["org-one", "org-two", "org-three"] {
        app.post(
            "/api/v1/organizations",
            Some(&admin),
            &json!({"slug": slug, "kind": "investor", "name_ja": slug, "name_en": slug}),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    let report = app.get("/api/v1/audit/verify", Some(&admin)).await.json();
    assert_eq!(report["entries"], before + 3);
    assert!(report["first_broken"].is_null());
    let url = app.database_url();
    let ok = seika(&url).args(["audit", "verify"]).output().unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains(&format!("intact: {} entries", before + 3))
    );

    // The newest three entries are this test's creations, newest first, each naming what it
    // created.
    let entries = app.get("/api/v1/audit", Some(&admin)).await.json();
    assert_eq!(entries["total"], before + 3);
    let created: Vec<(String, String)> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|e| {
            let after: serde_json::Value =
                serde_json::from_str(e["after_state"].as_str().unwrap()).unwrap();
            (
                e["action"].as_str().unwrap().to_owned(),
                after["slug"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        created,
        ["org-three", "org-two", "org-one"]
            .map(|slug| ("organization.created".to_owned(), slug.to_owned()))
    );
    assert_eq!(
        entries["items"][0]["prev_hash"], entries["items"][1]["hash"],
        "newest links to the one before"
    );

    // Someone edits this test's second entry directly in the database.
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::audit_log;
        diesel::update(audit_log::table.filter(audit_log::seq.eq(before + 2)))
            .set(audit_log::after_state.eq(r#"{"slug":"forged"}"#))
            .execute(conn)
            .unwrap();
    })
    .await;
    let report = app.get("/api/v1/audit/verify", Some(&admin)).await.json();
    assert_eq!(report["first_broken"]["seq"], before + 2);
    let broken = seika(&url).args(["audit", "verify"]).output().unwrap();
    assert!(!broken.status.success());
    let out = String::from_utf8_lossy(&broken.stdout);
    assert!(
        out.contains(&format!("BROKEN at entry seq {}", before + 2)),
        "{out}"
    );

    let city = app.login("staff@kobe-city.example").await;
    app.get("/api/v1/audit/verify", Some(&city))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}
db_test!(tampering_is_detected_and_named);

async fn first_admin_from_the_command_line(app: TestApp) {
    let url = app.database_url();
    let out = seika(&url)
        .args([
            "user",
            "add",
            "--email",
            "Root@Example.org",
            "--name",
            "Root",
            "--role",
            "platform_admin",
        ])
        .env("SEIKA_NEW_USER_PASSWORD", "platform-secret-2026")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "root@example.org", "password": "platform-secret-2026"}),
        )
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["user"]["role"], "platform_admin");

    let weak = seika(&url)
        .args([
            "user",
            "add",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "investor",
            "--organization",
            "smbc",
        ])
        .env("SEIKA_NEW_USER_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
}
db_test!(first_admin_from_the_command_line);

/// Two server instances on one database, writing at once: the chain stays intact, ordered by the
/// database, with no duplicate and no lost entry.
async fn two_instances_keep_one_intact_chain(app: TestApp) {
    let url = app.database_url();
    let before = entries_now(&app).await;
    let (a, b) = (
        crate::binary::Server::start(&url),
        crate::binary::Server::start(&url),
    );
    let login =
        serde_json::json!({"email": "admin@seika.example", "password": seika::demo::DEMO_PASSWORD})
            .to_string();
    let (status, body) =
        crate::binary::http(&a.addr, "POST", "/api/v1/auth/login", None, Some(&login));
    assert!(status.contains("200"), "{status} {body}");
    let token: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let per_writer = 15;
    let writers: Vec<_> = [a.addr.clone(), b.addr.clone(), a.addr.clone(), b.addr.clone()]
        .into_iter()
        .enumerate()
        .map(|(w, addr)| {
            let token = token.clone();
            std::thread::spawn(move || {
                for i in 0..per_writer {
                    let body = serde_json::json!({"slug": format!("org-{w}-{i}"), "kind": "investor", "name_ja": "x", "name_en": "x"}).to_string();
                    let (status, body) = crate::binary::http(&addr, "POST", "/api/v1/organizations", Some(&token), Some(&body));
                    assert!(status.contains("201"), "{status} {body}");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let expected = before + 4 * per_writer;
    let report = app
        .get(
            "/api/v1/audit/verify",
            Some(&app.login("admin@seika.example").await),
        )
        .await
        .json();
    assert_eq!(report["entries"], expected);
    assert!(report["first_broken"].is_null(), "{report}");
    let seqs: Vec<i64> = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            use seika_db::schema::audit_log;
            audit_log::table
                .select(audit_log::seq)
                .order(audit_log::seq.asc())
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        seqs,
        (1..=expected as i64).collect::<Vec<_>>(),
        "gapless, no duplicates"
    );
    let out = seika(&url).args(["audit", "verify"]).output().unwrap();
    assert!(out.status.success());
}
db_test!(two_instances_keep_one_intact_chain);

/// A backup taken while the server runs (`seika backup`: SQLite's `VACUUM INTO`, PostgreSQL's
/// `pg_dump`), restored into a fresh database (the file itself; `pg_restore`), holds an intact
/// audit chain and reproduces every stored payout run to the byte.
async fn a_backup_restores_with_an_intact_chain_and_reproducible_runs(app: TestApp) {
    let url = app.database_url();
    // A run of our own, besides the demo's, so that there is something recent to reproduce.
    let staff = app.login("staff@kobe-city.example").await;
    let kobe = crate::projects::project_id(&app, "kobe-dialysis-2017").await;
    app.post(
        &format!("/api/v1/projects/{kobe}/payout-runs"),
        Some(&staff),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let _server = crate::binary::Server::start(&url);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seika.backup");
    let out = seika(&url)
        .args(["backup", "--to", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A second backup onto the same file is refused, never overwriting it.
    let again = seika(&url)
        .args(["backup", "--to", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    let restored = if url.starts_with("postgres") {
        let admin = crate::util::postgres_admin_url().unwrap();
        let name = format!("seika_restore_{}", std::process::id());
        let base = admin.rsplit_once('/').unwrap().0.to_owned();
        assert!(
            Command::new("psql")
                .args([&admin, "-qc", &format!("CREATE DATABASE {name}")])
                .status()
                .unwrap()
                .success()
        );
        let target = format!("{base}/{name}");
        let restore = Command::new("pg_restore")
            .args(["--no-owner", "-d", &target, file.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            restore.status.success(),
            "{}",
            String::from_utf8_lossy(&restore.stderr)
        );
        target
    } else {
        format!("sqlite://{}", file.display())
    };
    let verify = seika(&restored).args(["audit", "verify"]).output().unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let runs: Vec<i64> = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            seika_db::schema::payout_runs::table
                .select(seika_db::schema::payout_runs::id)
                .load(conn)
                .unwrap()
        })
        .await;
    assert!(runs.len() >= 2, "{runs:?}");
    for run in runs {
        let reproduce = seika(&restored)
            .args(["payout-run", "reproduce", &run.to_string()])
            .output()
            .unwrap();
        assert!(
            reproduce.status.success()
                && String::from_utf8_lossy(&reproduce.stderr).contains("MATCH"),
            "run {run}: {}",
            String::from_utf8_lossy(&reproduce.stderr)
        );
    }
    if restored.starts_with("postgres") {
        let admin = crate::util::postgres_admin_url().unwrap();
        let name = restored.rsplit_once('/').unwrap().1.to_owned();
        let _ = Command::new("psql")
            .args([
                &admin,
                "-qc",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ])
            .status();
    }
}
db_test!(a_backup_restores_with_an_intact_chain_and_reproducible_runs);

/// The audit log is filtered on the server: by action (or a family of actions), record, person
/// and days, each page counting only what matches; a day range that ends before it starts is a
/// 422 naming `to`.
async fn the_audit_log_is_filtered_on_the_server(app: TestApp) {
    let admin = app.login("admin@seika.example").await;
    for slug in ["filter-one", "filter-two"] {
        app.post(
            "/api/v1/organizations",
            Some(&admin),
            &json!({"slug": slug, "kind": "investor", "name_ja": slug, "name_en": slug}),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    let list = |query: &str| {
        let query = query.to_owned();
        let app = &app;
        let admin = admin.clone();
        async move {
            app.get(&format!("/api/v1/audit?{query}"), Some(&admin))
                .await
                .json()
        }
    };
    let all = list("per_page=100").await;
    let actions = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    };
    let created = list("action=organization.created&per_page=100").await;
    let expected = actions(&all)
        .iter()
        .filter(|a| *a == "organization.created")
        .count();
    assert!(expected >= 2);
    assert_eq!(created["total"], expected as i64, "{created}");
    assert!(
        actions(&created)
            .iter()
            .all(|a| a == "organization.created")
    );
    // A family: every organization action, and only those.
    let family = list("action=organization.&per_page=100").await;
    assert!(
        actions(&family)
            .iter()
            .all(|a| a.starts_with("organization."))
    );
    assert!(family["total"].as_i64() >= created["total"].as_i64());
    // One record.
    let id = created["items"][0]["entity_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = list(&format!("entity=organization&entity_id={id}")).await;
    assert_eq!(one["total"], 1);
    assert_eq!(one["items"][0]["entity_id"], id.as_str());
    // One person, and a day range: today holds this test's entries, tomorrow nothing.
    let me = created["items"][0]["actor_user_id"].as_i64().unwrap();
    let by_me = list(&format!("actor={me}&action=organization.created")).await;
    assert_eq!(by_me["total"], created["total"]);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let on_today = list(&format!(
        "from={today}&to={today}&action=organization.created"
    ))
    .await;
    assert!(on_today["total"].as_i64().unwrap() >= 2, "{on_today}");
    let later = list(&format!("from={tomorrow}")).await;
    assert_eq!(later["total"], 0);
    // A wildcard in the action is a character, not a pattern.
    assert_eq!(list("action=%25").await["total"], 0);
    let problem = app
        .get(
            &format!("/api/v1/audit?from={tomorrow}&to={today}"),
            Some(&admin),
        )
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "to");
    // Not for anyone but platform admins.
    app.get(
        "/api/v1/audit?action=project.",
        Some(&app.login("staff@kobe-city.example").await),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
}
db_test!(the_audit_log_is_filtered_on_the_server);
