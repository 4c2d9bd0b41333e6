//! Fault checks: the server is killed (`kill -9`) while people write through it. Every write it
//! acknowledged is there afterwards, no import is half stored, the audit chain verifies, SQLite's
//! integrity check passes, and a job the dead instance was running is taken over and finished by
//! the next instance.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::batches::youth_project;
use crate::binary::Server;
use crate::projects::project_id;
use crate::util::{TestApp, db_test};

/// One request that may fail (the server may die under it): the status code and body, or None.
fn try_http(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).ok()?;
    let code = status.split_whitespace().nth(1)?.parse().ok()?;
    let mut rest = String::new();
    reader.read_to_string(&mut rest).ok()?;
    let body = rest.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((code, body))
}

/// The id in an acknowledged answer's JSON body (chunked or not: the first `"id":`).
fn id_in(body: &str) -> Option<i64> {
    let at = body.find("\"id\":")? + 5;
    body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

async fn killing_the_server_mid_write_loses_no_acknowledged_write(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let youth = youth_project(&app).await;
    let url = app.database_url();
    let evaluator = app.login(crate::outcomes::ENTERER).await;
    let staff = app.login("staff@kobe-city.example").await;
    let first = Server::start(&url);
    // A long simulation job the dead instance will be running.
    let sim = json!({"runs": 8000, "seed": 3, "assumptions": [
        {"metric": "egfr_decline_suppression", "tranche": "final", "distribution": {"kind": "normal", "mean": "0.329", "standard_error": "0.15"}}]});
    let (code, body) = try_http(
        &first.addr,
        "POST",
        &format!("/api/v1/projects/{kobe}/simulation-jobs"),
        &staff,
        "application/json",
        sim.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(code, 202, "{body}");
    let job = id_in(&body).unwrap();

    let stop = AtomicBool::new(false);
    let (results, batches): (Vec<i64>, Vec<i64>) = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..6)
            .map(|t| {
                let (addr, evaluator, stop) = (first.addr.clone(), evaluator.clone(), &stop);
                scope.spawn(move || {
                    let (mut results, mut batches) = (Vec::new(), Vec::new());
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        if t % 2 == 0 {
                            let body = json!({"metric": "programme_completion", "tranche": "final",
                                "value": format!("0.{}", 500 + (t * 100 + n) % 400)});
                            match try_http(
                                &addr,
                                "POST",
                                &format!("/api/v1/projects/{kobe}/outcome-results"),
                                &evaluator,
                                "application/json",
                                body.to_string().as_bytes(),
                            ) {
                                Some((201, b)) => results.push(id_in(&b).unwrap()),
                                Some(_) => {}
                                None => break,
                            }
                        } else {
                            let mut csv = String::from("participant,outcome,achieved_on\n");
                            for i in 0..300 {
                                csv.push_str(&format!("F{t}-{n}-{i},regular_contact,2024-10-05\n"));
                            }
                            match try_http(
                                &addr,
                                "POST",
                                &format!("/api/v1/projects/{youth}/outcome-batches?name=f.csv"),
                                &evaluator,
                                "text/csv",
                                csv.as_bytes(),
                            ) {
                                Some((201, b)) => batches.push(id_in(&b).unwrap()),
                                Some(_) => {}
                                None => break,
                            }
                        }
                    }
                    (results, batches)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        first.kill();
        stop.store(true, Ordering::Relaxed);
        writers
            .into_iter()
            .fold((Vec::new(), Vec::new()), |(mut r, mut b), h| {
                let (rs, bs) = h.join().unwrap();
                r.extend(rs);
                b.extend(bs);
                (r, b)
            })
    });
    assert!(
        !results.is_empty() && !batches.is_empty(),
        "writes were acknowledged before the kill"
    );

    // Every acknowledged write is stored; every batch holds exactly its rows.
    let (missing, torn, integrity) = app
        .with_conn(move |conn| {
            use seika_db::schema::{
                outcome_batches as ob, outcome_results as r, participant_records as pr,
            };
            let mut missing = Vec::new();
            for id in &results {
                let found = r::table
                    .find(*id)
                    .select(r::id)
                    .first::<i64>(conn)
                    .optional()
                    .unwrap();
                if found.is_none() {
                    missing.push(*id);
                }
            }
            for id in &batches {
                let found = ob::table
                    .find(*id)
                    .select(ob::id)
                    .first::<i64>(conn)
                    .optional()
                    .unwrap();
                if found.is_none() {
                    missing.push(*id);
                }
            }
            let all: Vec<(i64, i64)> = ob::table
                .select((ob::id, ob::row_count))
                .load(conn)
                .unwrap();
            let torn: Vec<(i64, i64, i64)> = all
                .into_iter()
                .filter_map(|(id, rows)| {
                    let stored: i64 = pr::table
                        .filter(pr::batch_id.eq(id))
                        .count()
                        .get_result(conn)
                        .unwrap();
                    (stored != rows).then_some((id, rows, stored))
                })
                .collect();
            let integrity = match conn {
                seika_db::DbConn::Sqlite(_) => {
                    #[derive(QueryableByName)]
                    struct Check {
                        #[diesel(sql_type = diesel::sql_types::Text)]
                        integrity_check: String,
                    }
                    diesel::sql_query("PRAGMA integrity_check")
                        .get_result::<Check>(conn)
                        .unwrap()
                        .integrity_check
                }
                seika_db::DbConn::Postgres(_) => "ok".to_owned(),
            };
            (missing, torn, integrity)
        })
        .await;
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}"
    );
    assert!(
        torn.is_empty(),
        "half-stored imports (id, rows, stored): {torn:?}"
    );
    assert_eq!(integrity, "ok");

    // The next instance: the chain verifies, and it takes over the dead instance's job.
    let second = Server::start_with(&url, &[("SEIKA_JOB_STALE_SECS", "2")]);
    let admin = app.login("admin@seika.example").await;
    let verify = app.get("/api/v1/audit/verify", Some(&admin)).await;
    verify.assert_status(StatusCode::OK);
    assert!(verify.json()["first_broken"].is_null(), "{}", verify.json());
    assert!(verify.json()["entries"].as_i64().unwrap() > 0);
    let started = Instant::now();
    let finished: Value = loop {
        let (code, body) = try_http(
            &second.addr,
            "GET",
            &format!("/api/v1/jobs/{job}"),
            &staff,
            "application/json",
            b"",
        )
        .unwrap();
        assert_eq!(code, 200, "{body}");
        let job: Value = serde_json::from_str(&body).unwrap();
        if job["status"] == "succeeded" || job["status"] == "failed" {
            break job;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never taken over: {job}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(finished["status"], "succeeded", "{finished}");
    assert_eq!(
        finished["attempts"], 2,
        "started by the dead instance, finished by the next"
    );
    assert_eq!(finished["result"]["runs"], 8000);
}
db_test!(killing_the_server_mid_write_loses_no_acknowledged_write);
