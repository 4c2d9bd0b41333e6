//! The real `seika` binary: start-up failures, help, serving and graceful shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn seika() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seika"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("SEIKA_ADDR")
        .env("SEIKA_JWT_SECRET", crate::util::TEST_JWT_SECRET)
        .env("SEIKA_LOG", "warn");
    cmd
}

crate::util::test!(unreachable_postgres_fails_fast_and_creates_no_file);
fn unreachable_postgres_fails_fast_and_creates_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = seika()
        .current_dir(dir.path())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot connect to the database postgres://nobody@127.0.0.1:1/none"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file created"
    );
}

crate::util::test!(mistyped_scheme_is_refused_and_creates_no_file);
fn mistyped_scheme_is_refused_and_creates_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = seika()
        .current_dir(dir.path())
        .args([
            "migrate",
            "--database-url",
            "postgress://nobody@127.0.0.1/none",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL scheme"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

crate::util::test!(every_subcommand_has_help);
fn every_subcommand_has_help() {
    for sub in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["user", "--help"],
        &["user", "add", "--help"],
        &["audit", "--help"],
        &["audit", "verify", "--help"],
    ] {
        let out = seika().args(sub).output().unwrap();
        assert!(out.status.success(), "{sub:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage:"), "{sub:?}: {text}");
    }
    let serve = seika().args(["serve", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&serve.stdout);
    for flag in [
        "--addr",
        "--database-url",
        "--demo",
        "SEIKA_ADDR",
        "DATABASE_URL",
    ] {
        assert!(text.contains(flag), "serve --help mentions {flag}");
    }
}

/// Sends one HTTP/1.1 request and returns the status line and body.
pub fn http_get(addr: &str, path: &str) -> (String, String) {
    http(addr, "GET", path, None, None)
}

/// Sends one HTTP/1.1 request with an optional bearer token and JSON body.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    write!(stream, "{head}\r\n{body}").unwrap();
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    let (mut length, mut chunked) = (None, false);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if let Some(n) = length {
        body.resize(n, 0);
        reader.read_exact(&mut body).unwrap();
    } else if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        reader.read_to_end(&mut body).unwrap();
    }
    (
        status.trim_end().to_owned(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// A running `seika serve` on a free port; stopped when dropped.
pub struct Server {
    pub addr: String,
    child: std::process::Child,
}

impl Server {
    pub fn start(database_url: &str) -> Server {
        Self::start_with(database_url, &[])
    }

    /// Starts with extra environment variables (settings).
    pub fn start_with(database_url: &str, env: &[(&str, &str)]) -> Server {
        let mut child = seika()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("DATABASE_URL", database_url)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let addr = first
            .strip_prefix("Seika is running at http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        Server { addr, child }
    }
}

impl Server {
    /// Stops the process at once (SIGKILL, as a crash or `kill -9` would).
    pub fn kill(mut self) {
        let _ignored = self.child.kill();
        let _ignored = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ignored = self.child.kill();
        let _ignored = self.child.wait();
    }
}

crate::util::test!(serves_demo_then_stops_gracefully_on_sigterm);
fn serves_demo_then_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // As a newcomer runs it: no signing secret configured, an empty folder.
    let mut child = seika()
        .env_remove("SEIKA_JWT_SECRET")
        .current_dir(dir.path())
        .args(["serve", "--demo", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("Seika is running at http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    let rest: Vec<String> = lines.by_ref().take(2).map(|l| l.unwrap()).collect();
    assert!(
        rest[0].contains("seika-demo-2026"),
        "prints the demo password: {rest:?}"
    );
    assert!(
        rest[1].contains("admin@seika.example"),
        "prints a demo login: {rest:?}"
    );

    let (status, body) = http_get(&addr, "/api/v1/health");
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("\"sqlite\""), "{body}");
    assert!(
        dir.path().join("seika-data/seika.db").is_file(),
        "default SQLite file"
    );
    let key_file = dir.path().join("seika-data/jwt-signing.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o600,
            "the generated signing key is the owner's alone"
        );
    }
    let login = r#"{"email":"admin@seika.example","password":"seika-demo-2026"}"#;
    let (status, body) = http(&addr, "POST", "/api/v1/auth/login", None, Some(login));
    assert!(status.contains("200"), "{status} {body}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "graceful exit after SIGTERM: {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

crate::util::test!(log_lines_carry_the_request_id);
/// Every log line of a request carries its request id (here the client's own).
fn log_lines_carry_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = seika()
        .current_dir(dir.path())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("SEIKA_LOG", "info")
        .env("SEIKA_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let addr = first
        .trim_start_matches("Seika is running at http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(stream, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nx-request-id: trace-me-7\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.contains("x-request-id: trace-me-7"), "{response}");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&output.stderr);
    let request_lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("/api/v1/health"))
        .collect();
    assert!(!request_lines.is_empty(), "{logs}");
    for line in request_lines {
        let json: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
        assert!(line.contains("trace-me-7"), "request id missing: {json}");
    }
}
