//! Shared by the benches that run the real `seika` binary: start it on a fresh database with
//! the demo data, and stop it when the bench ends or fails.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The server, stopped when the bench ends or fails.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn start(database_url: &str, dir: &std::path::Path) -> (Server, String) {
    start_with(database_url, dir, true)
}

/// Starts the server, loading the demo data or not (the demo refuses a database that holds
/// other accounts, such as seeded ones).
pub fn start_with(database_url: &str, dir: &std::path::Path, demo: bool) -> (Server, String) {
    let args: &[&str] = if demo {
        &["serve", "--demo", "--addr", "127.0.0.1:0"]
    } else {
        &["serve", "--addr", "127.0.0.1:0"]
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_seika"))
        .current_dir(dir)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("SEIKA_JWT_SECRET", "bench-signing-secret-0123456789abcdef")
        .env("SEIKA_LOG", "warn")
        .env("SEIKA_TRUSTED_PROXIES", "127.0.0.1/32")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start seika");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("text");
    let addr = first
        .strip_prefix("Seika is running at http://")
        .and_then(|r| r.strip_suffix('/'))
        .expect("the address line")
        .to_owned();
    std::thread::spawn(move || for _ in lines {});
    (Server(child), addr)
}
