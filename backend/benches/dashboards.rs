//! The read mix under load: the real `seika` binary holding 1,000 projects of 50 cities (each
//! published, with a payout run), and 1, 16 and 64 keep-alive connections asking for one
//! endpoint (login, the project list, a project page, a statement, each dashboard) as fast as
//! they can for a few seconds; requests per second, p50/p99 latency and the server's peak memory,
//! with the health endpoint measured the same way in the same run as the yardstick (this machine
//! is shared). `-- --writes`, `-- --jobs` and `-- --two-instances` measure the write mix, heavy
//! jobs beside reads, and two instances on one PostgreSQL.
//! `cargo bench --bench dashboards` (SQLite), and on PostgreSQL with SEIKA_BENCH_POSTGRES_URL set
//! (a fresh database is created and dropped). Figures go to docs/BENCHMARKS.md.

#![expect(clippy::float_arithmetic, reason = "timings and rates, never money")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use serde_json::{Value, json};

const CONNECTIONS: usize = 64;
const CITIES: usize = 50;
const PROJECTS_PER_CITY: usize = 20;
const SECONDS: u64 = 5;
mod support;

use support::start;

const DEMO_PASSWORD: &str = "seika-demo-2026";
const PASSWORD: &str = "bench-password-2026";

/// One HTTP/1.1 exchange on a kept-alive connection: status and body.
fn exchange(
    stream: &mut BufReader<TcpStream>,
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &str,
    body: Option<&Value>,
) -> (u16, Vec<u8>) {
    let body = body.map(Value::to_string).unwrap_or_default();
    let headers = format!("{headers}Content-Type: application/json\r\n");
    exchange_bytes(stream, addr, method, path, token, &headers, body.as_bytes())
}

/// One exchange with a body of any type (`headers` names it).
fn exchange_bytes(
    stream: &mut BufReader<TcpStream>,
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream.get_mut(),
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}{headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .expect("send");
    stream.get_mut().write_all(body).expect("send body");
    let mut status_line = String::new();
    stream.read_line(&mut status_line).expect("status");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (mut length, mut close) = (0, false);
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).expect("header");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
            close |= name.eq_ignore_ascii_case("connection")
                && value.trim().eq_ignore_ascii_case("close");
        }
    }
    let mut bytes = vec![0; length];
    stream.read_exact(&mut bytes).expect("body");
    // The server ends the connection when it answered before reading the whole body (an endpoint
    // that takes none, asked with `{}`): a browser opens another, and so does this client.
    if close {
        *stream = connect(addr);
    }
    (status, bytes)
}

fn connect(addr: &str) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    BufReader::new(stream)
}

fn call(addr: &str, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Value {
    let mut c = connect(addr);
    let (status, bytes) = exchange(&mut c, addr, method, path, token, "", body);
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {value}"
    );
    value
}

fn login(addr: &str, email: &str, password: &str) -> String {
    call(
        addr,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&json!({"email": email, "password": password})),
    )["access_token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

/// 50 cities with 20 published projects each, every one with a payout run: through the API and
/// the command line, as people and operators would.
fn seed(addr: &str, database_url: &str, dir: &std::path::Path) {
    let admin = login(addr, "admin@seika.example", DEMO_PASSWORD);
    let mut terms: Value = serde_json::from_str(include_str!(
        "../../docs/examples/kobe-dialysis.contract.json"
    ))
    .expect("contract");
    terms["investments"] = json!([]);
    terms["waterfall"] = json!([]);
    let started = Instant::now();
    let threads: Vec<_> = (0..CITIES)
        .map(|city| {
            let slug = format!("bench-city-{city}");
            call(
                addr,
                "POST",
                "/api/v1/organizations",
                Some(&admin),
                Some(&json!({"slug": slug, "kind": "local_government",
                    "name_ja": format!("ベンチ市{city}"), "name_en": format!("Bench City {city}")})),
            );
            let status = Command::new(env!("CARGO_BIN_EXE_seika"))
                .current_dir(dir)
                .args(["user", "add", "--email", &format!("staff@{slug}.example")])
                .args(["--name", "Bench", "--role", "government_staff"])
                .args(["--organization", &slug])
                .env("DATABASE_URL", database_url)
                .env("SEIKA_NEW_USER_PASSWORD", PASSWORD)
                .env("SEIKA_LOG", "warn")
                .stdout(Stdio::null())
                .status()
                .expect("seika user add");
            assert!(status.success());
            let (addr, mut terms) = (addr.to_owned(), terms.clone());
            std::thread::spawn(move || {
                let token = login(&addr, &format!("staff@{slug}.example"), PASSWORD);
                terms["payers"] = json!([{"id": slug, "share": "1"}]);
                for n in 0..PROJECTS_PER_CITY {
                    terms["code"] = json!(format!("{slug}-{n}"));
                    let created = call(
                        &addr,
                        "POST",
                        "/api/v1/projects",
                        Some(&token),
                        Some(&json!({"title_ja": format!("ベンチ事業{n}"), "title_en": format!("Bench project {n}"),
                            "policy_area": "health", "effective_from": "2017-07-01", "parties": [], "terms": terms})),
                    );
                    let id = created["id"].as_i64().expect("id");
                    let mut c = connect(&addr);
                    let (status, _) = exchange(
                        &mut c,
                        &addr,
                        "POST",
                        &format!("/api/v1/projects/{id}/status"),
                        Some(&token),
                        &format!("If-Match: \"{}\"\r\n", created["version"]),
                        Some(&json!({"status": "published"})),
                    );
                    assert_eq!(status, 200, "publish");
                    call(
                        &addr,
                        "POST",
                        &format!("/api/v1/projects/{id}/payout-runs"),
                        Some(&token),
                        Some(&json!({})),
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("seeding thread");
    }
    eprintln!(
        "seeded {} projects in {:.1} s",
        CITIES * PROJECTS_PER_CITY,
        started.elapsed().as_secs_f64()
    );
}

struct Load {
    requests: usize,
    errors: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    bytes: usize,
}

/// `CONNECTIONS` keep-alive connections asking for `path` for `SECONDS`.
fn load(addr: &str, path: &str, token: Option<&str>) -> Load {
    load_across(&[addr.to_owned()], path, token)
}

/// `CONNECTIONS` keep-alive connections spread evenly over several instances (the way a
/// round-robin balancer spreads them), asking for `path` for `SECONDS`.
fn load_across(addrs: &[String], path: &str, token: Option<&str>) -> Load {
    load_with(addrs, CONNECTIONS, "GET", path, token, None)
}

/// `connections` keep-alive connections over the instances, asking for `path` for `SECONDS`.
fn load_with(
    addrs: &[String],
    connections: usize,
    method: &'static str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Load {
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let started = Instant::now();
    let threads: Vec<_> = (0..connections)
        .map(|i| {
            let (addr, path, token, body) = (
                addrs[i % addrs.len()].clone(),
                path.to_owned(),
                token.map(str::to_owned),
                body.cloned(),
            );
            std::thread::spawn(move || {
                let mut c = connect(&addr);
                let (mut times, mut errors, mut bytes) = (Vec::new(), 0, 0);
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let (status, answer) = exchange(
                        &mut c,
                        &addr,
                        method,
                        &path,
                        token.as_deref(),
                        "",
                        body.as_ref(),
                    );
                    times.push(t.elapsed());
                    bytes = answer.len();
                    if status != 200 {
                        errors += 1;
                    }
                }
                (times, errors, bytes)
            })
        })
        .collect();
    let mut times = Vec::new();
    let (mut errors, mut bytes) = (0, 0);
    for t in threads {
        let (ts, e, b) = t.join().expect("load thread");
        times.extend(ts);
        errors += e;
        bytes = b;
    }
    summarise(times, errors, bytes, started)
}

/// Rate and latency percentiles of the requests timed since `started`.
fn summarise(mut times: Vec<Duration>, errors: usize, bytes: usize, started: Instant) -> Load {
    let seconds = started.elapsed().as_secs_f64();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    Load {
        requests: times.len(),
        errors,
        per_second: times.len() as f64 / seconds,
        p50_ms: at(0.50).as_secs_f64() * 1000.0,
        p99_ms: at(0.99).as_secs_f64() * 1000.0,
        bytes,
    }
}

fn measure(backend: &str, database_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, addr) = start(database_url, dir.path());
    seed(&addr, database_url, dir.path());
    let city = login(&addr, "staff@bench-city-0.example", PASSWORD);
    let kobe = login(&addr, "staff@kobe-city.example", DEMO_PASSWORD);
    let investor = login(&addr, "investor@smbc.example", DEMO_PASSWORD);
    let provider = login(&addr, "provider@dpp.example", DEMO_PASSWORD);
    let kobe_id = kobe_id(&addr, &kobe);
    let kobe_page = format!("/api/v1/projects/{kobe_id}");
    let runs_of_kobe = call(
        &addr,
        "GET",
        &format!("/api/v1/projects/{kobe_id}/payout-runs"),
        Some(&kobe),
        None,
    );
    let statement = format!(
        "/api/v1/projects/{kobe_id}/payout-runs/{}",
        runs_of_kobe[0]["id"]
            .as_i64()
            .expect("a payout run of Kobe")
    );
    let reads: [MixRead<'_>; 7] = [
        (
            "project list",
            "GET",
            "/api/v1/projects".to_owned(),
            Some(&kobe),
            None,
        ),
        (
            "project page (Kobe, demo)",
            "GET",
            kobe_page,
            Some(&kobe),
            None,
        ),
        (
            "statement (Kobe, demo)",
            "GET",
            statement,
            Some(&kobe),
            None,
        ),
        (
            "government (20 projects)",
            "GET",
            "/api/v1/dashboards/government".to_owned(),
            Some(&city),
            None,
        ),
        (
            "government (Kobe, demo)",
            "GET",
            "/api/v1/dashboards/government".to_owned(),
            Some(&kobe),
            None,
        ),
        (
            "investor (SMBC, demo)",
            "GET",
            "/api/v1/dashboards/investor".to_owned(),
            Some(&investor),
            None,
        ),
        (
            "provider (demo)",
            "GET",
            "/api/v1/dashboards/provider".to_owned(),
            Some(&provider),
            None,
        ),
    ];
    let addrs = [addr.clone()];
    for connections in [1, 16, 64] {
        let health = load_with(&addrs, connections, "GET", "/api/v1/health", None, None);
        let report = |name: &str, l: &Load| {
            println!(
                "{{\"backend\":\"{backend}\",\"endpoint\":\"{name}\",\"connections\":{connections},\
                 \"requests\":{},\"errors\":{},\"requests_per_second\":{:.0},\"p50_ms\":{:.1},\
                 \"p99_ms\":{:.1},\"response_bytes\":{},\"ratio_to_health\":{:.2},\"server_peak_mb\":{}}}",
                l.requests,
                l.errors,
                l.per_second,
                l.p50_ms,
                l.p99_ms,
                l.bytes,
                l.per_second / health.per_second,
                peak_mb(&server)
            );
        };
        report("health", &health);
        for (name, method, path, token, body) in &reads {
            let l = load_with(
                &addrs,
                connections,
                method,
                path,
                token.map(String::as_str),
                *body,
            );
            report(name, &l);
            assert_eq!(l.errors, 0, "{name}: every request answered 200");
        }
        // Logins, each connection as its own city's staff: a login holds a place among the
        // 20 unsettled attempts one client address may have (parallel guessing stops there), so
        // from this one address they are measured up to 16 connections; 64 at once is the
        // logins bench's burst.
        if connections <= 16 {
            let login: std::sync::Arc<MakeWrite> = std::sync::Arc::new(Box::new(|i, _| {
                Some((
                    "/api/v1/auth/login".to_owned(),
                    json!({"email": format!("staff@bench-city-{i}.example"), "password": PASSWORD})
                        .to_string()
                        .into_bytes(),
                ))
            }));
            let json = "Content-Type: application/json\r\n";
            let l = write_load(&addr, connections, None, json, &login).load;
            report("login (an account per connection)", &l);
            assert_eq!(l.errors, 0, "login: every request answered 200");
        }
    }
    drop(server);
}

/// One request of the read mix: its name in the report, method, path, token and body.
type MixRead<'a> = (
    &'a str,
    &'static str,
    String,
    Option<&'a String>,
    Option<&'a Value>,
);

/// The demo's Kobe City project, by its code.
fn kobe_id(addr: &str, token: &str) -> i64 {
    let projects = call(
        addr,
        "GET",
        "/api/v1/projects?per_page=100",
        Some(token),
        None,
    );
    projects["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["code"] == "kobe-dialysis-2017")
        .expect("Kobe")["id"]
        .as_i64()
        .expect("id")
}

/// Runs `f` on a fresh PostgreSQL database made from the admin URL, dropped afterwards.
fn on_fresh_postgres(admin: &str, prefix: &str, f: impl FnOnce(&str)) {
    let name = format!("{prefix}_{}", std::process::id());
    let mut conn = diesel::pg::PgConnection::establish(admin).expect("PostgreSQL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .expect("create database");
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    f(&format!("{base}/{name}"));
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut conn)
        .expect("drop database");
}

/// Heavy work as jobs beside reads (issue 17): 64 requests at once queue 32 payout runs and 32
/// simulations of 10,000 runs on Kobe's project, while 64 connections read the project page. How
/// many requests failed, the reads' rate and p99 against the same reads alone (same run), and how
/// long the queue took to drain with one worker.
fn measure_jobs(backend: &str, database_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, addr) = start(database_url, dir.path());
    let staff = login(&addr, "staff@kobe-city.example", DEMO_PASSWORD);
    let kobe = kobe_id(&addr, &staff);
    let page = format!("/api/v1/projects/{kobe}");
    let alone = load(&addr, &page, Some(&staff));
    let started = Instant::now();
    let submitters: Vec<_> = (0..CONNECTIONS)
        .map(|i| {
            let (addr, staff) = (addr.clone(), staff.clone());
            std::thread::spawn(move || {
                // Each run request with a key of its own, as from 32 different people: the same
                // person asking again while a run waits would join it.
                let (path, body, key) = if i % 2 == 0 {
                    (
                        format!("/api/v1/projects/{kobe}/payout-run-jobs"),
                        json!({}),
                        format!("Idempotency-Key: bench-run-{i}\r\n"),
                    )
                } else {
                    (
                        format!("/api/v1/projects/{kobe}/simulation-jobs"),
                        json!({"runs": 10000, "seed": i, "assumptions": [
                            {"metric": "egfr_decline_suppression", "tranche": "final",
                             "distribution": {"kind": "normal", "mean": "0.329", "standard_error": "0.12"}}]}),
                        String::new(),
                    )
                };
                let mut c = connect(&addr);
                exchange(&mut c, &addr, "POST", &path, Some(&staff), &key, Some(&body)).0
            })
        })
        .collect();
    let beside = load(&addr, &page, Some(&staff));
    let statuses: Vec<u16> = submitters
        .into_iter()
        .map(|t| t.join().expect("submitter"))
        .collect();
    let refused = statuses.iter().filter(|s| **s != 202).count();
    drain_jobs(&addr, &staff);
    let drained = started.elapsed().as_secs_f64();
    println!(
        "{{\"backend\":\"{backend}\",\"step\":\"jobs\",\"jobs\":{CONNECTIONS},\"refused\":{refused},\
         \"reads_alone_per_second\":{:.0},\"reads_alone_p99_ms\":{:.1},\
         \"reads_beside_jobs_per_second\":{:.0},\"reads_beside_jobs_p99_ms\":{:.1},\"read_errors\":{},\
         \"ratio\":{:.2},\"queue_drained_seconds\":{drained:.1}}}",
        alone.per_second,
        alone.p99_ms,
        beside.per_second,
        beside.p99_ms,
        beside.errors,
        beside.per_second / alone.per_second
    );
    drop(server);
}

/// Two stateless instances on one PostgreSQL against one (issue 17): the read mix (project page,
/// the statement, each dashboard) at 64 connections, first all on one instance, then spread over
/// both, in the same run.
fn measure_two_instances(database_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (first, a) = start(database_url, dir.path());
    let (second, b) = start(database_url, dir.path());
    let staff = login(&a, "staff@kobe-city.example", DEMO_PASSWORD);
    let investor = login(&a, "investor@smbc.example", DEMO_PASSWORD);
    let kobe = kobe_id(&a, &staff);
    let runs = call(
        &a,
        "GET",
        &format!("/api/v1/projects/{kobe}/payout-runs"),
        Some(&staff),
        None,
    );
    let run = runs[0]["id"].as_i64().expect("the demo's run");
    let mix = [
        ("health", "/api/v1/health".to_owned(), None),
        (
            "project page",
            format!("/api/v1/projects/{kobe}"),
            Some(&staff),
        ),
        (
            "statement",
            format!("/api/v1/projects/{kobe}/payout-runs/{run}"),
            Some(&staff),
        ),
        (
            "government dashboard",
            "/api/v1/dashboards/government".to_owned(),
            Some(&staff),
        ),
        (
            "investor dashboard",
            "/api/v1/dashboards/investor".to_owned(),
            Some(&investor),
        ),
    ];
    for (name, path, token) in &mix {
        let one = load_across(std::slice::from_ref(&a), path, token.map(String::as_str));
        let two = load_across(&[a.clone(), b.clone()], path, token.map(String::as_str));
        println!(
            "{{\"backend\":\"postgres\",\"step\":\"two-instances\",\"endpoint\":\"{name}\",\
             \"one_per_second\":{:.0},\"one_p99_ms\":{:.1},\"two_per_second\":{:.0},\
             \"two_p99_ms\":{:.1},\"errors\":{},\"ratio_two_to_one\":{:.2}}}",
            one.per_second,
            one.p99_ms,
            two.per_second,
            two.p99_ms,
            one.errors + two.errors,
            two.per_second / one.per_second
        );
    }
    drop(second);
    drop(first);
}

/// One kind of write, as each connection sends it: path and body for the connection's `n`th
/// request, or nothing when that connection has no more to send.
type MakeWrite = Box<dyn Fn(usize, usize) -> Option<(String, Vec<u8>)> + Send + Sync>;

/// A write step's figures: the load, the refusals the design makes (409, counted apart from
/// errors), and the `id` of what each connection's accepted requests answered with.
struct Written {
    load: Load,
    refused: usize,
    ids: Vec<Vec<i64>>,
}

/// `connections` keep-alive connections sending writes for `SECONDS` (or until each has sent
/// all it has).
fn write_load(
    addr: &str,
    connections: usize,
    token: Option<&str>,
    headers: &'static str,
    make: &std::sync::Arc<MakeWrite>,
) -> Written {
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let started = Instant::now();
    let threads: Vec<_> = (0..connections)
        .map(|i| {
            let (addr, token, make) = (addr.to_owned(), token.map(str::to_owned), make.clone());
            std::thread::spawn(move || {
                let mut c = connect(&addr);
                let (mut times, mut errors, mut refused, mut ids) = (Vec::new(), 0, 0, Vec::new());
                let mut n = 0;
                while Instant::now() < deadline
                    && let Some((path, body)) = make(i, n)
                {
                    n += 1;
                    let t = Instant::now();
                    let (status, answer) = exchange_bytes(
                        &mut c,
                        &addr,
                        "POST",
                        &path,
                        token.as_deref(),
                        headers,
                        &body,
                    );
                    times.push(t.elapsed());
                    match status {
                        200..=299 => ids.extend(
                            serde_json::from_slice::<Value>(&answer)
                                .ok()
                                .and_then(|v| v["id"].as_i64()),
                        ),
                        409 => refused += 1,
                        _ => {
                            if errors == 0 {
                                eprintln!("{path}: {status} {}", String::from_utf8_lossy(&answer));
                            }
                            errors += 1;
                        }
                    }
                }
                (times, errors, refused, ids)
            })
        })
        .collect();
    let mut times = Vec::new();
    let (mut errors, mut refused, mut ids) = (0, 0, Vec::new());
    for t in threads {
        let (ts, e, r, mine) = t.join().expect("write thread");
        times.extend(ts);
        errors += e;
        refused += r;
        ids.push(mine);
    }
    Written {
        load: summarise(times, errors, 0, started),
        refused,
        ids,
    }
}

/// Waits until `token`'s holder has no job queued or running; the seconds it took.
fn drain_jobs(addr: &str, token: &str) -> f64 {
    let started = Instant::now();
    loop {
        let open = call(addr, "GET", "/api/v1/jobs", Some(token), None);
        if open.as_array().is_some_and(Vec::is_empty) {
            return started.elapsed().as_secs_f64();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The server's peak resident memory so far (VmHWM), in MB.
fn peak_mb(server: &support::Server) -> u64 {
    std::fs::read_to_string(format!("/proc/{}/status", server.0.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// The write mix (issue 17) at 1, 16 and 64 connections: results entered (corrections of the
/// current verified record, drafts); participant records imported as 50-row CSV batches into a
/// seeded rate-card project, then those batches submitted and verified by a second evaluator
/// (four eyes); and payout runs of that project asked for as jobs, with the time the queue takes
/// to drain afterwards. Each against the health endpoint at the same connection count, with the
/// server's peak memory.
fn measure_writes(backend: &str, database_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, addr) = start(database_url, dir.path());
    let seeded = Command::new(env!("CARGO_BIN_EXE_seika"))
        .current_dir(dir.path())
        .args([
            "seed",
            "--projects",
            "2",
            "--participants",
            "2000",
            "--records",
            "4000",
        ])
        .args(["--investors", "2", "--cities", "2"])
        .env("DATABASE_URL", database_url)
        .stdout(Stdio::null())
        .status()
        .expect("seika seed");
    assert!(seeded.success(), "seed");
    let staff = login(&addr, "staff@kobe-city.example", DEMO_PASSWORD);
    let evaluator = login(&addr, "evaluator@mirai.example", DEMO_PASSWORD);
    let seed_password = "seed-password-2026";
    let importer = login(&addr, "evaluator@seed-evaluator.example", seed_password);
    let verifier = login(&addr, "evaluator2@seed-evaluator.example", seed_password);
    let city = login(&addr, "staff@seed-city-01.example", seed_password);
    let kobe = kobe_id(&addr, &staff);
    let results = call(
        &addr,
        "GET",
        &format!("/api/v1/projects/{kobe}/outcome-results"),
        Some(&evaluator),
        None,
    );
    let current = results
        .as_array()
        .expect("results")
        .iter()
        .find(|r| {
            r["metric"] == "egfr_decline_suppression"
                && r["status"] == "verified"
                && r["superseded_at"].is_null()
        })
        .and_then(|r| r["id"].as_i64())
        .expect("a verified final result");
    let projects = call(
        &addr,
        "GET",
        "/api/v1/projects?q=seed-000001",
        Some(&importer),
        None,
    );
    let seeded_project = projects["items"]
        .as_array()
        .or(projects.as_array())
        .and_then(|items| items.first())
        .and_then(|p| p["id"].as_i64())
        .expect("the seeded project");
    let runs_url = format!("/api/v1/projects/{seeded_project}/payout-runs");
    let entry: std::sync::Arc<MakeWrite> = std::sync::Arc::new(Box::new(move |i, n| {
        Some((
            format!("/api/v1/projects/{kobe}/outcome-results"),
            json!({"metric": "egfr_decline_suppression", "tranche": "final",
                   "value": format!("0.3{i:02}{n}"), "supersedes": current,
                   "correction_reason": "load benchmark"})
            .to_string()
            .into_bytes(),
        ))
    }));
    let import: std::sync::Arc<MakeWrite> = std::sync::Arc::new(Box::new(move |i, n| {
        let mut csv = String::from("participant,outcome,achieved_on\n");
        for k in 0..50 {
            csv.push_str(&format!("bench-{i}-{n}-{k},job_start,2024-06-01\n"));
        }
        Some((
            format!("/api/v1/projects/{seeded_project}/outcome-batches?name=bench.csv"),
            csv.into_bytes(),
        ))
    }));
    // Each connection reviews the batches it imported: `step` is `submit` or `verify`.
    let review = |ids: Vec<Vec<i64>>, step: &'static str| -> std::sync::Arc<MakeWrite> {
        std::sync::Arc::new(Box::new(move |i, n| {
            ids.get(i).and_then(|mine| mine.get(n)).map(|id| {
                (
                    format!("/api/v1/projects/{seeded_project}/outcome-batches/{id}/{step}"),
                    Vec::new(),
                )
            })
        }))
    };
    let run_jobs: std::sync::Arc<MakeWrite> = std::sync::Arc::new(Box::new(move |_, _| {
        Some((
            format!("/api/v1/projects/{seeded_project}/payout-run-jobs"),
            b"{}".to_vec(),
        ))
    }));
    for connections in [1, 16, 64] {
        let health = load_with(
            std::slice::from_ref(&addr),
            connections,
            "GET",
            "/api/v1/health",
            None,
            None,
        );
        let health_rate = health.per_second;
        let report = |name: &str, w: &Written, extra: &str| {
            let l = &w.load;
            println!(
                "{{\"backend\":\"{backend}\",\"write\":\"{name}\",\"connections\":{connections},\
                 \"requests\":{},\"errors\":{},\"refused_409\":{},\"requests_per_second\":{:.0},\
                 \"p50_ms\":{:.1},\"p99_ms\":{:.1},\"ratio_to_health\":{:.3},\"server_peak_mb\":{}{extra}}}",
                l.requests,
                l.errors,
                w.refused,
                l.per_second,
                l.p50_ms,
                l.p99_ms,
                l.per_second / health_rate,
                peak_mb(&server)
            );
        };
        let health = Written {
            load: health,
            refused: 0,
            ids: Vec::new(),
        };
        report("health", &health, "");
        let json = "Content-Type: application/json\r\n";
        report(
            "result entry",
            &write_load(&addr, connections, Some(&evaluator), json, &entry),
            "",
        );
        let csv = "Content-Type: text/csv\r\n";
        let imported = write_load(&addr, connections, Some(&importer), csv, &import);
        report("participant import (50 rows)", &imported, "");
        let submitted = write_load(
            &addr,
            connections,
            Some(&importer),
            "",
            &review(imported.ids, "submit"),
        );
        report("batch submission", &submitted, "");
        let verified = write_load(
            &addr,
            connections,
            Some(&verifier),
            "",
            &review(submitted.ids, "verify"),
        );
        report("batch verification", &verified, "");
        let runs_before = call(&addr, "GET", &runs_url, Some(&city), None)
            .as_array()
            .map_or(0, Vec::len);
        let asked = write_load(&addr, connections, Some(&city), json, &run_jobs);
        let drained = drain_jobs(&addr, &city);
        let mut jobs: Vec<i64> = asked.ids.iter().flatten().copied().collect();
        jobs.sort_unstable();
        jobs.dedup();
        let runs = call(&addr, "GET", &runs_url, Some(&city), None)
            .as_array()
            .map_or(0, Vec::len)
            - runs_before;
        let records = call(
            &addr,
            "GET",
            &format!("/api/v1/projects/{seeded_project}/outcome-summary"),
            Some(&city),
            None,
        );
        report(
            "payout run job",
            &asked,
            &format!(
                ",\"jobs\":{},\"runs_stored\":{runs},\"queue_drained_after_s\":{drained:.2},\
                 \"records_in_summary\":{}",
                jobs.len(),
                records["outcomes"].as_array().map_or(0, |o| o
                    .iter()
                    .filter_map(|x| x["records"].as_i64())
                    .sum::<i64>())
            ),
        );
    }
    drop(server);
}

fn main() {
    let postgres = std::env::var("SEIKA_BENCH_POSTGRES_URL").ok();
    if std::env::args().any(|a| a == "--two-instances") {
        let admin = postgres.expect("SEIKA_BENCH_POSTGRES_URL: two instances share one PostgreSQL");
        on_fresh_postgres(&admin, "seika_bench_two", measure_two_instances);
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    if std::env::args().any(|a| a == "--writes") {
        measure_writes("sqlite", &sqlite);
        if let Some(admin) = &postgres {
            on_fresh_postgres(admin, "seika_bench_writes", |url| {
                measure_writes("postgres", url)
            });
        }
        return;
    }
    if std::env::args().any(|a| a == "--jobs") {
        measure_jobs("sqlite", &sqlite);
        if let Some(admin) = &postgres {
            on_fresh_postgres(admin, "seika_bench_jobs", |url| {
                measure_jobs("postgres", url)
            });
        }
        return;
    }
    measure("sqlite", &sqlite);
    if let Some(admin) = &postgres {
        on_fresh_postgres(admin, "seika_bench_dashboards", |url| {
            measure("postgres", url)
        });
    }
}
