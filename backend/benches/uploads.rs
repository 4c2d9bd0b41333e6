//! Peak memory of the largest accepted upload of each kind, against the 300 MB target: the real
//! `seika` binary on SQLite, a fresh server for each kind (so each peak is that kind's own), the
//! server's peak resident memory (VmHWM) after the upload was answered and any job it queued
//! had finished.
//!
//! Kinds, each at its limit (docs/OPERATIONS.md, "Limits on what anyone can send"):
//! - results CSV of 64 MiB (`SEIKA_MAX_IMPORT_BYTES`), every row wrong: read up to the row limit,
//!   200 problems listed and the rest counted;
//! - participant CSV of 64 MiB: queued as a job, refused by the row limit inside it;
//! - participant workbook of 200,000 rows (the row limit): queued, stored as a batch;
//! - contract workbook of 1 MiB (`SEIKA_MAX_BODY_BYTES`) whose sheet inflates 150-fold;
//! - evidence file of 16 MiB (`SEIKA_MAX_EVIDENCE_BYTES`).
//!
//! `cargo bench --bench uploads`. Figures go to docs/BENCHMARKS.md.

#![expect(
    clippy::float_arithmetic,
    reason = "timings and memory sizes, never money"
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/memory.rs"]
mod memory;
mod support;

use memory::status_kb;
use support::{start, start_with};

const PASSWORD: &str = "bench-password-2026";
const TARGET_MB: f64 = 300.0;
const MIB: usize = 1024 * 1024;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One HTTP/1.1 request on its own connection: the status and the body as JSON (Null if none).
fn send(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("send head");
    stream.write_all(body).expect("send body");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let payload = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    (
        status,
        serde_json::from_str(&payload).unwrap_or(Value::Null),
    )
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

fn login(addr: &str, email: &str, password: &str) -> String {
    let body = serde_json::json!({"email": email, "password": password}).to_string();
    let (status, answer) = send(
        addr,
        "POST",
        "/api/v1/auth/login",
        None,
        "application/json",
        body.as_bytes(),
    );
    assert_eq!(status, 200, "login {email}: {answer}");
    answer["access_token"].as_str().expect("a token").to_owned()
}

/// The id of the project with this code, as the token's holder lists it.
fn project(addr: &str, token: &str, code: &str) -> i64 {
    let (_, list) = send(
        addr,
        "GET",
        "/api/v1/projects?per_page=100",
        Some(token),
        "application/json",
        b"",
    );
    let items = list.get("items").unwrap_or(&list).as_array().cloned();
    items
        .unwrap_or_default()
        .iter()
        .find(|p| p["code"] == code)
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("project {code} in {list}"))
}

/// Waits for a queued job (202) to finish; its final JSON.
fn finished(addr: &str, token: &str, queued: &Value) -> Value {
    let id = queued["id"].as_i64().expect("a job id");
    let started = Instant::now();
    loop {
        let (_, job) = send(
            addr,
            "GET",
            &format!("/api/v1/jobs/{id}"),
            Some(token),
            "application/json",
            b"",
        );
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "job {id}: {job}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn csv_of(header: &str, size: usize, row: impl Fn(usize) -> String) -> Vec<u8> {
    let mut body = format!("{header}\n").into_bytes();
    let mut n = 0;
    loop {
        let line = row(n);
        if body.len() + line.len() > size {
            return body;
        }
        body.extend_from_slice(line.as_bytes());
        n += 1;
    }
}

fn participant_workbook(rows: u32) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["participant", "outcome", "achieved_on"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for r in 1..=rows {
        sheet.write_string(r, 0, format!("B{r:07}")).expect("key");
        sheet
            .write_string(r, 1, "regular_contact")
            .expect("outcome");
        sheet.write_string(r, 2, "2024-10-05").expect("day");
    }
    book.save_to_buffer().expect("workbook")
}

/// A 1 MiB workbook whose one sheet inflates to about 150 MiB of XML: the most a contract
/// workbook import reads.
fn inflating_workbook() -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut xml = br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#.to_vec();
    xml.resize(xml.len() + 150 * MIB, b' ');
    xml.extend(b"</worksheet>");
    let parts: [(&str, &[u8]); 4] = [
        ("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
        ("_rels/.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ("xl/workbook.xml", br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Terms" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_level(Some(9));
    for (name, bytes) in parts {
        zip.start_file(name, options).expect("part");
        zip.write_all(bytes).expect("write");
    }
    zip.start_file("xl/worksheets/sheet1.xml", options)
        .expect("sheet");
    zip.write_all(&xml).expect("write");
    zip.finish().expect("zip").into_inner()
}

/// One kind's upload, against a fresh server; what it sent and how it was answered.
type Upload = fn(&Ctx) -> String;

struct Ctx {
    addr: String,
}

impl Ctx {
    fn results_csv(&self) -> String {
        let token = login(&self.addr, "evaluator@mirai.example", "seika-demo-2026");
        let kobe = project(&self.addr, &token, "kobe-dialysis-2017");
        let body = csv_of("metric,tranche,value", 64 * MIB - 1, |n| {
            format!("no_such_metric_{n},2018,abc\n")
        });
        let (status, answer) = send(
            &self.addr,
            "POST",
            &format!("/api/v1/projects/{kobe}/outcome-results/import"),
            Some(&token),
            "text/csv",
            &body,
        );
        assert_eq!(status, 422, "{answer}");
        format!("{} MiB, {status}", body.len() / MIB)
    }

    fn seeded(&self) -> (String, i64) {
        let token = login(&self.addr, "evaluator@seed-evaluator.example", PASSWORD);
        let id = project(&self.addr, &token, "seed-000001");
        (token, id)
    }

    fn participant_csv(&self) -> String {
        let (token, id) = self.seeded();
        let body = csv_of("participant,outcome,achieved_on", 64 * MIB - 1, |n| {
            format!("C{n:08},regular_contact,2024-10-05\n")
        });
        let (status, queued) = send(
            &self.addr,
            "POST",
            &format!("/api/v1/projects/{id}/outcome-batches?name=big.csv"),
            Some(&token),
            "text/csv",
            &body,
        );
        assert_eq!(status, 202, "{queued}");
        let job = finished(&self.addr, &token, &queued);
        assert_eq!(job["status"], "failed", "the row limit: {job}");
        format!("{} MiB, job {}", body.len() / MIB, job["status"])
    }

    fn participant_workbook(&self) -> String {
        let (token, id) = self.seeded();
        let body = participant_workbook(199_999);
        let (status, answer) = send(
            &self.addr,
            "POST",
            &format!("/api/v1/projects/{id}/outcome-batches?name=big.xlsx"),
            Some(&token),
            XLSX,
            &body,
        );
        // Under `SEIKA_IMPORT_JOB_BYTES` it is stored at once (201), over it queued (202).
        let batch = if status == 202 {
            let job = finished(&self.addr, &token, &answer);
            assert_eq!(job["status"], "succeeded", "{job}");
            job["result"].clone()
        } else {
            assert_eq!(status, 201, "{answer}");
            answer
        };
        assert_eq!(batch["row_count"], 199_999, "{batch}");
        format!(
            "{:.1} MiB, 200,000 rows, {status}",
            body.len() as f64 / MIB as f64
        )
    }

    fn contract_workbook(&self) -> String {
        let token = login(&self.addr, "staff@kobe-city.example", "seika-demo-2026");
        let body = inflating_workbook();
        let (status, answer) = send(
            &self.addr,
            "POST",
            "/api/v1/contract-workbooks/import",
            Some(&token),
            XLSX,
            &body,
        );
        assert!(
            (400..500).contains(&status) || status == 200,
            "{status} {answer}"
        );
        format!("{} KiB inflating to 150 MiB, {status}", body.len() / 1024)
    }

    fn evidence(&self) -> String {
        let (token, id) = self.seeded();
        let small = participant_workbook(3);
        let (status, batch) = send(
            &self.addr,
            "POST",
            &format!("/api/v1/projects/{id}/outcome-batches?name=small.xlsx"),
            Some(&token),
            XLSX,
            &small,
        );
        assert_eq!(status, 201, "{batch}");
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.resize(16 * MIB, b'0');
        let (status, answer) = send(
            &self.addr,
            "POST",
            &format!(
                "/api/v1/projects/{id}/outcome-batches/{}/evidence?name=report.pdf",
                batch["id"]
            ),
            Some(&token),
            "application/octet-stream",
            &pdf,
        );
        assert_eq!(status, 201, "{answer}");
        format!("{} MiB, {status}", pdf.len() / MIB)
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    // The demo first (it loads only into a database without other accounts), then one seeded
    // project with participant-level outcomes.
    drop(start(&url, dir.path()));
    let seeded = Command::new(env!("CARGO_BIN_EXE_seika"))
        .current_dir(dir.path())
        .args([
            "seed",
            "--projects",
            "1",
            "--participants",
            "20",
            "--records",
            "40",
            "--investors",
            "1",
            "--cities",
            "1",
            "--password",
            PASSWORD,
        ])
        .env("DATABASE_URL", &url)
        .env("SEIKA_LOG", "warn")
        .status()
        .expect("seika seed");
    assert!(seeded.success(), "seed");
    let kinds: [(&str, Upload); 5] = [
        ("results CSV", Ctx::results_csv),
        ("participant CSV", Ctx::participant_csv),
        ("participant workbook", Ctx::participant_workbook),
        ("contract workbook", Ctx::contract_workbook),
        ("evidence file", Ctx::evidence),
    ];
    let mut worst: f64 = 0.0;
    for (kind, run) in kinds {
        let (server, addr) = start_with(&url, dir.path(), false);
        let pid = server.0.id();
        let idle = status_kb(pid, "VmRSS:") / 1024.0;
        let started = Instant::now();
        let what = run(&Ctx { addr });
        let seconds = started.elapsed().as_secs_f64();
        let peak = status_kb(pid, "VmHWM:") / 1024.0;
        drop(server);
        worst = worst.max(peak);
        println!(
            "{{\"upload\":\"{kind}\",\"what\":\"{what}\",\"seconds\":{seconds:.2},\
             \"idle_rss_mb\":{idle:.1},\"peak_rss_mb\":{peak:.1},\"target_mb\":{TARGET_MB}}}"
        );
    }
    assert!(
        worst < TARGET_MB,
        "peak {worst:.1} MB over the {TARGET_MB} MB target"
    );
}
