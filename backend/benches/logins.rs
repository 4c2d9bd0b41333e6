//! Memory under a burst of logins: the real `seika` binary, 64 concurrent logins of 64 accounts
//! (each account once at a time, as people log in; one account's parallel attempts beyond five
//! are throttled before any hashing), three rounds; the server's peak resident memory (VmHWM)
//! against the 200 MB target. Each account logs in from its own address (`X-Forwarded-For`
//! through a trusted proxy, as behind a load balancer): 64 people, not one address's burst,
//! which the per-address limit would stop at 20.
//! `cargo bench --bench logins` (SQLite), and on PostgreSQL with SEIKA_BENCH_POSTGRES_URL set
//! (a fresh database is created and dropped). Figures go to docs/BENCHMARKS.md.

#![expect(
    clippy::float_arithmetic,
    reason = "timings and memory sizes, never money"
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Instant;

use diesel::{Connection, RunQueryDsl};

#[path = "support/memory.rs"]
mod memory;
mod support;

use memory::status_kb;
use support::start;

const CONCURRENT: usize = 64;
const ROUNDS: usize = 3;

const PASSWORD: &str = "bench-password-2026";

/// Adds the bench's accounts through `seika user add`, as an operator would.
fn add_users(database_url: &str, dir: &std::path::Path) {
    for i in 0..CONCURRENT {
        let status = Command::new(env!("CARGO_BIN_EXE_seika"))
            .current_dir(dir)
            .args([
                "user",
                "add",
                "--email",
                &format!("bench{i}@kobe-city.example"),
            ])
            .args(["--name", "Bench", "--role", "government_staff"])
            .args(["--organization", "kobe-city"])
            .env("DATABASE_URL", database_url)
            .env("SEIKA_NEW_USER_PASSWORD", PASSWORD)
            .env("SEIKA_LOG", "warn")
            .stdout(Stdio::null())
            .status()
            .expect("seika user add");
        assert!(status.success(), "user add");
    }
}

fn login(addr: &str, i: usize) -> bool {
    let body = format!(r#"{{"email":"bench{i}@kobe-city.example","password":"{PASSWORD}"}}"#);
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         X-Forwarded-For: 10.0.{}.{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        i / 200,
        i % 200 + 1,
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer.starts_with("HTTP/1.1 200")
}

fn measure(backend: &str, database_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, addr) = start(database_url, dir.path());
    add_users(database_url, dir.path());
    let pid = server.0.id();
    let idle = status_kb(pid, "VmRSS:") / 1024.0;
    let started = Instant::now();
    let mut ok = 0;
    for _ in 0..ROUNDS {
        let threads: Vec<_> = (0..CONCURRENT)
            .map(|i| {
                let addr = addr.clone();
                std::thread::spawn(move || login(&addr, i))
            })
            .collect();
        ok += threads
            .into_iter()
            .map(|t| usize::from(t.join().unwrap_or(false)))
            .sum::<usize>();
    }
    let seconds = started.elapsed().as_secs_f64();
    let peak = status_kb(pid, "VmHWM:") / 1024.0;
    drop(server);
    println!(
        "{{\"backend\":\"{backend}\",\"concurrent_logins\":{CONCURRENT},\"rounds\":{ROUNDS},\
         \"succeeded\":{ok},\"seconds\":{seconds:.2},\"logins_per_second\":{:.1},\
         \"idle_rss_mb\":{idle:.1},\"peak_rss_mb\":{peak:.1},\"target_mb\":200}}",
        (ok as f64) / seconds
    );
    assert_eq!(ok, CONCURRENT * ROUNDS, "every login answered 200");
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    measure("sqlite", &sqlite);
    if let Ok(admin) = std::env::var("SEIKA_BENCH_POSTGRES_URL") {
        let name = format!("seika_bench_logins_{}", std::process::id());
        let mut conn = diesel::pg::PgConnection::establish(&admin).expect("PostgreSQL");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        measure("postgres", &format!("{base}/{name}"));
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut conn)
            .expect("drop database");
    }
}
