//! Files made to harm the server: every import (outcome results, participant records, the terms
//! workbook) refuses a workbook that declares a vast sheet or unpacks far beyond its size, with a
//! problem naming the file, and changes nothing; a file of many bad rows is answered with the
//! first problems and how many more there are. The bomb files are made here, not committed.

use std::io::{Cursor, Write};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;

use crate::batches::{record_count, youth_project};
use crate::evaluators::{hachioji_with_evaluator, result_count};
use crate::outcomes::ENTERER;
use crate::util::{TestApp, TestResponse, db_test};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook of one sheet whose XML is `sheet`, each part deflated.
fn workbook(sheet: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, &[u8]); 4] = [
        ("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#),
        ("xl/workbook.xml", br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    for (name, body) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A sheet with two cells, in A1 and in the sheet's last cell, XFD1048576.
fn far_corners() -> Vec<u8> {
    workbook(br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>"#)
}

/// A sheet whose XML is 16 MiB of spaces around one cell: some 20 KB packed.
fn inflating() -> Vec<u8> {
    let mut xml = br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>"#.to_vec();
    xml.resize(xml.len() + 16 * 1024 * 1024, b' ');
    xml.extend(b"</worksheet>");
    workbook(&xml)
}

async fn upload(
    app: &TestApp,
    uri: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> TestResponse {
    app.send(
        Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// The one problem of a refused file: its field and code.
fn refusal(res: &TestResponse) -> (String, String) {
    let problem = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{problem}");
    let text = |key: &str| errors[0][key].as_str().unwrap().to_owned();
    (text("field"), text("code"))
}

async fn every_import_refuses_a_workbook_bomb(app: TestApp) {
    let results = hachioji_with_evaluator(&app).await;
    let participants = youth_project(&app).await;
    let evaluator = app.login(ENTERER).await;
    let staff = app.login("staff@kobe-city.example").await;
    let before = result_count(&app, results).await;
    for (bomb, code) in [
        (far_corners(), "sheet.too_large"),
        (inflating(), "sheet.inflates_too_much"),
    ] {
        assert!(bomb.len() < 100 * 1024, "{} bytes", bomb.len());
        let uris = [
            (
                format!("/api/v1/projects/{results}/outcome-results/import"),
                &evaluator,
            ),
            (
                format!("/api/v1/projects/{participants}/outcome-batches?name=b.xlsx"),
                &evaluator,
            ),
            ("/api/v1/contract-workbooks/import".to_owned(), &staff),
        ];
        for (uri, token) in uris {
            let res = upload(&app, &uri, token, XLSX, bomb.clone()).await;
            assert_eq!(refusal(&res), ("file".to_owned(), code.to_owned()), "{uri}");
        }
    }
    assert_eq!(result_count(&app, results).await, before, "nothing stored");
    assert_eq!(record_count(&app).await, 0, "nothing stored");
}
db_test!(every_import_refuses_a_workbook_bomb);

/// The problems of a refused file: how many are listed, and the last one's message.
fn listed(res: &TestResponse) -> (usize, String) {
    let problem: Value = res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let errors = problem["errors"].as_array().unwrap();
    let last = errors.last().unwrap();
    assert_eq!(last["code"], "input.more_problems", "{last}");
    (errors.len(), last["message"].as_str().unwrap().to_owned())
}

async fn a_file_of_many_bad_rows_lists_the_first_problems_and_counts_the_rest(app: TestApp) {
    let results = hachioji_with_evaluator(&app).await;
    let participants = youth_project(&app).await;
    let evaluator = app.login(ENTERER).await;
    let mut csv = String::from("metric,tranche,value\n");
    for i in 0..1000 {
        csv.push_str(&format!("no_such_metric_{i},final,1\n"));
    }
    let uri = format!("/api/v1/projects/{results}/outcome-results/import");
    let res = upload(&app, &uri, &evaluator, "text/csv", csv.into_bytes()).await;
    assert_eq!(
        listed(&res),
        (
            201,
            "800 more problems not listed; fix these first".to_owned()
        )
    );
    let mut csv = String::from("participant,outcome,achieved_on\n");
    for i in 0..1000 {
        csv.push_str(&format!("Y{i},juggling,2025-06-01\n"));
    }
    let uri = format!("/api/v1/projects/{participants}/outcome-batches?name=b.csv");
    let res = upload(&app, &uri, &evaluator, "text/csv", csv.into_bytes()).await;
    assert_eq!(
        listed(&res),
        (
            201,
            "800 more problems not listed; fix these first".to_owned()
        )
    );
    assert_eq!(record_count(&app).await, 0, "nothing stored");
}
db_test!(a_file_of_many_bad_rows_lists_the_first_problems_and_counts_the_rest);

/// A NUL character in an address (no login needed for the public pages) is a 400 naming where it
/// is, on both databases; PostgreSQL refuses NUL in text and answered 500 before.
async fn a_nul_in_the_address_is_refused(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    for (uri, token) in [
        ("/api/v1/public/projects/kobe%00dialysis", None),
        ("/api/v1/public/projects/kobe-dialysis-2017/indigo%00", None),
        ("/api/v1/organizations/1%00", Some(&staff)),
    ] {
        let problem = app
            .get(uri, token.map(String::as_str))
            .await
            .assert_problem(StatusCode::BAD_REQUEST);
        assert_eq!(problem["errors"][0]["field"], "path", "{uri}: {problem}");
        assert_eq!(problem["errors"][0]["code"], "request.nul", "{uri}");
    }
    // In a query parameter, the parameter is named (see also integrity::control_characters_…).
    let problem = app
        .get("/api/v1/projects?status=draft%00", Some(&staff))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "status", "{problem}");
    // Without the NUL, the same kind of address is looked up as usual.
    app.get("/api/v1/public/projects/kobe-dialysis", None)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}
db_test!(a_nul_in_the_address_is_refused);

/// A city's project title that looks like a formula reaches an investor's CSV download as text:
/// in UTF-8 and in Shift_JIS, the cell begins with `'` (CWE-1236), while numbers stay numbers.
async fn csv_downloads_never_carry_a_formula(app: TestApp) {
    let formula = "=HYPERLINK(\"http://attacker.example\",\"神戸\")";
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::projects::dsl as p;
        diesel::update(p::projects.filter(p::code.eq("kobe-dialysis-2017")))
            .set(p::title_ja.eq(formula))
            .execute(conn)
            .unwrap();
    })
    .await;
    let investor = app.login("investor@smbc.example").await;
    for encoding in ["utf8", "shift_jis"] {
        let file = app
            .get(
                &format!("/api/v1/dashboards/investor/download?encoding={encoding}"),
                Some(&investor),
            )
            .await;
        file.assert_status(StatusCode::OK);
        let text = match encoding {
            "utf8" => String::from_utf8(file.body.to_vec()).unwrap(),
            _ => encoding_rs::SHIFT_JIS.decode(&file.body).0.into_owned(),
        };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        let title = row.iter().find(|c| c.contains("HYPERLINK")).unwrap();
        assert_eq!(title, format!("'{formula}"), "{encoding}");
        assert!(
            row.iter().all(|c| !c.starts_with(['=', '+', '@'])),
            "{encoding}: {row:?}"
        );
        assert!(row.iter().any(|c| c == "16000000"), "{encoding}: {row:?}");
    }
}
db_test!(csv_downloads_never_carry_a_formula);

/// Reads until the server closes the connection or `within` passes; what it answered, if it
/// closed in time.
fn closed_within(stream: &mut std::net::TcpStream, within: std::time::Duration) -> Option<String> {
    use std::io::Read;
    let deadline = std::time::Instant::now() + within;
    let mut got = Vec::new();
    let mut buf = [0_u8; 4096];
    while std::time::Instant::now() < deadline {
        stream
            .set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_reset) => return Some(String::from_utf8_lossy(&got).into_owned()),
        }
    }
    None
}

/// Clients that never finish their request are cut off: one that sends nothing, one that
/// trickles its headers, one that stops sending its body; and with every connection taken, the
/// next client is served as soon as the slow ones are cut off.
async fn slow_clients_are_cut_off_and_connections_are_bounded(app: TestApp) {
    use std::io::Write;
    use std::net::TcpStream;
    use std::time::{Duration, Instant};
    let server = crate::binary::Server::start_with(
        &app.database_url(),
        &[
            ("SEIKA_HEADER_READ_TIMEOUT_SECS", "1"),
            ("SEIKA_BODY_READ_TIMEOUT_SECS", "1"),
            ("SEIKA_MAX_CONNECTIONS", "3"),
        ],
    );
    let connect = || TcpStream::connect(&server.addr).unwrap();
    let mut silent = connect();
    let mut trickling = connect();
    trickling
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: seika\r\n")
        .unwrap();
    let mut body = connect();
    body.write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: seika\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\"")
        .unwrap();
    // Every connection is taken: the next client waits in the listen queue.
    let started = Instant::now();
    let mut next = connect();
    next.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: seika\r\nConnection: close\r\n\r\n")
        .unwrap();
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(250));
        let _ignored = trickling.write_all(b"X-Slow: 1\r\n");
    }
    assert!(
        closed_within(&mut silent, Duration::from_secs(5)).is_some(),
        "silent"
    );
    assert!(
        closed_within(&mut trickling, Duration::from_secs(5)).is_some(),
        "trickling"
    );
    let answer = closed_within(&mut body, Duration::from_secs(5)).expect("body cut off");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );
    let answer = closed_within(&mut next, Duration::from_secs(10)).expect("next answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "served before a slot was free"
    );
}
db_test!(slow_clients_are_cut_off_and_connections_are_bounded);

/// `seika backup` on PostgreSQL gives `pg_dump` the password through the environment, never on
/// its command line (which every user of the machine can read in the process list). A stand-in
/// `pg_dump` first on the PATH records what it was given.
#[cfg(unix)]
fn backup_keeps_the_password_out_of_the_process_list() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("seen");
    let fake = dir.path().join("pg_dump");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho \"args: $*\" > {seen}\necho \"password: $PGPASSWORD\" >> {seen}\n",
            seen = seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap()
    );
    let out = crate::binary::seika()
        .env("PATH", path)
        .env(
            "DATABASE_URL",
            "postgres://seika:s%40cret-pw@db.example:5432/seika",
        )
        .args(["backup", "--to"])
        .arg(dir.path().join("backup.dump"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = std::fs::read_to_string(seen).unwrap();
    assert!(!seen.lines().next().unwrap().contains("cret-pw"), "{seen}");
    assert!(
        seen.contains("args: --format=custom --no-owner --file"),
        "{seen}"
    );
    assert!(
        seen.contains("--dbname=postgres://seika@db.example:5432/seika"),
        "{seen}"
    );
    assert!(seen.contains("password: s@cret-pw"), "{seen}");
}
#[cfg(unix)]
crate::util::test!(backup_keeps_the_password_out_of_the_process_list);

/// An SQLite database and every backup are created readable by their owner only, whatever the
/// umask; a backup never overwrites a file, and a failed one leaves none behind.
#[cfg(unix)]
fn databases_and_backups_are_for_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let file = dir.path().join("data").join("seika.db");
    let url = seika_db::DatabaseUrl::parse(&format!("sqlite://{}", file.display())).unwrap();
    seika_db::Db::connect(&url, &seika_db::PoolOptions::default()).unwrap();
    assert_eq!(mode(&file), 0o600);
    let copy = dir.path().join("copy.db");
    seika::server::backup(&url, &copy).unwrap();
    assert_eq!(mode(&copy), 0o600);
    let again = seika::server::backup(&url, &copy).unwrap_err();
    assert!(again.to_string().contains("exists already"), "{again}");
    // A PostgreSQL server that is not there: the error, and no empty file left.
    let unreachable = seika_db::DatabaseUrl::parse("postgres://nobody@127.0.0.1:1/none").unwrap();
    let dump = dir.path().join("dump");
    assert!(seika::server::backup(&unreachable, &dump).is_err());
    assert!(!dump.exists());
}
#[cfg(unix)]
crate::util::test!(databases_and_backups_are_for_their_owner_only);

/// A file over an endpoint's size limit is a 413 problem+json on every upload endpoint, never
/// a plain-text answer.
async fn oversized_uploads_are_problems(app: TestApp) {
    let results = hachioji_with_evaluator(&app).await;
    let evaluator = app.login(ENTERER).await;
    let staff = app.login("staff@kobe-city.example").await;
    let config = seika::api::HttpConfig::default();
    let csv = |size: usize| {
        let mut body = b"metric,tranche,value\n".to_vec();
        body.resize(size + 1, b'a');
        body
    };
    for (uri, token, limit) in [
        (
            format!("/api/v1/projects/{results}/outcome-results/import"),
            &evaluator,
            config.max_import_bytes,
        ),
        (
            format!("/api/v1/projects/{results}/outcome-batches?name=b.csv"),
            &evaluator,
            config.max_import_bytes,
        ),
        (
            "/api/v1/contract-workbooks/import".to_owned(),
            &staff,
            config.max_body_bytes,
        ),
    ] {
        let res = upload(&app, &uri, token, "text/csv", csv(limit)).await;
        let problem = res.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(problem["type"], "/problems/payload-too-large", "{uri}");
    }
}
db_test!(oversized_uploads_are_problems);

/// Item 10: an erasure takes the key out of the stored files of finished imports (their inputs
/// are dropped), and waits (409) while an import that could bring the key back is unfinished.
async fn erasure_takes_the_key_out_of_stored_imports(app: TestApp) {
    let project = youth_project(&app).await;
    let evaluator = app.login(ENTERER).await;
    let mut csv = String::from("participant,outcome,achieved_on\n");
    let mut n = 0;
    while csv.len() <= seika::api::HttpConfig::default().import_job_bytes {
        csv.push_str(&format!("Y{n:07},regular_contact,2024-10-05\n"));
        n += 1;
    }
    let queued = upload(
        &app,
        &format!("/api/v1/projects/{project}/outcome-batches?name=large.csv"),
        &evaluator,
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    queued.assert_status(StatusCode::ACCEPTED);
    let job_id = queued.json()["id"].as_i64().unwrap();
    let job = crate::jobs::finished(&app, &evaluator, job_id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let stored_input =
        || app.with_conn(move |conn| seika_db::jobs::input(conn, job_id).unwrap().unwrap());
    assert!(stored_input().await.contains("file_base64"));

    let erase = |participant: &str| {
        let body = serde_json::json!({"participant": participant, "reason": "消去請求 第3号"});
        let url = format!("/api/v1/projects/{project}/participant-erasures");
        let (app, token) = (&app, evaluator.clone());
        async move { app.post(&url, Some(&token), &body).await }
    };
    // An import waiting on another instance: the erasure waits, changing nothing.
    let evaluator_id = crate::jobs::user_id(&app, ENTERER).await;
    let waiting = crate::jobs::running_elsewhere(
        &app,
        seika_core::job::JobKind::ParticipantImport,
        project,
        evaluator_id,
        "{}".to_owned(),
    )
    .await;
    let refused = erase("Y0000001").await;
    let problem = refused.assert_problem(StatusCode::CONFLICT);
    assert!(
        problem["detail"].as_str().unwrap().contains("import"),
        "{problem}"
    );
    assert!(stored_input().await.contains("file_base64"));

    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::jobs::dsl as j;
        diesel::delete(j::jobs.find(waiting)).execute(conn).unwrap();
    })
    .await;
    let done = erase("Y0000001").await;
    done.assert_status(StatusCode::OK);
    assert_eq!(done.json()["jobs_scrubbed"], 1, "{}", done.body_text());
    assert_eq!(stored_input().await, seika_db::jobs::SCRUBBED_INPUT);
    // The job still tells its requester how it ended.
    let job = crate::jobs::finished(&app, &evaluator, job_id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
}
db_test!(erasure_takes_the_key_out_of_stored_imports);
