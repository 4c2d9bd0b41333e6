//! Benchmarks of the payout engine and the outcome-data import, each step in its own process so
//! its peak memory (VmHWM) is its own. `cargo bench --bench payout [-- --records N]`.
//!
//! - `engine`: a rate-card contract over N participant-outcome records (default 1,000,000), four
//!   payment tranches and a 10-step waterfall, from records already in memory;
//! - `read-sqlite` (and `read-postgres` with SEIKA_BENCH_POSTGRES_URL): merely reading those N
//!   records from the database into the engine's input, as a payout run does;
//! - `import`: parsing, validating and storing a 100,000-row CSV, as the import endpoint does.
//!
//! Prints one JSON line per step and a summary with the engine-to-read ratio measured in the same
//! run. Figures go to docs/BENCHMARKS.md.

#![expect(
    clippy::float_arithmetic,
    reason = "timings and memory sizes, never money"
)]

use std::process::Command;
use std::time::Instant;

use chrono::NaiveDate;
use seika_core::{contract::Contract, outcomes::Outcomes};
use seika_db::{self as db, DatabaseUrl, PoolOptions, batches, organizations, projects, users};
use seika_engine as engine;

const OUTCOMES: [&str; 5] = [
    "contact",
    "assessment",
    "training",
    "job_start",
    "job_sustained",
];

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// N deterministic records: participant i achieves outcomes in order on spread-out days.
fn records(n: usize) -> impl Iterator<Item = (String, &'static str, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    (0..n).map(move |i| {
        let participant = i / OUTCOMES.len();
        let outcome = OUTCOMES[i % OUTCOMES.len()];
        let day = (participant * 7 + i * 13) % 1400;
        (
            format!("P{participant:07}"),
            outcome,
            start + chrono::Duration::days(day as i64),
        )
    })
}

fn contract() -> Contract {
    let mut waterfall = vec![
        serde_json::json!({"type": "fee", "name": "management", "recipient": "intermediary", "amount": "50000000"}),
    ];
    for class in ["senior", "subordinated", "equity"] {
        waterfall.push(serde_json::json!({"type": "interest", "class": class}));
        waterfall.push(serde_json::json!({"type": "principal", "class": class}));
    }
    waterfall.push(serde_json::json!({"type": "residual", "class": "equity", "share": "0.5"}));
    waterfall
        .push(serde_json::json!({"type": "residual", "class": "subordinated", "share": "0.5"}));
    waterfall.push(serde_json::json!({"type": "residual", "class": "senior"}));
    assert_eq!(waterfall.len(), 10);
    let tranches: Vec<_> = (0..4)
        .map(|y| serde_json::json!({"id": format!("fy{}", 2024 + y), "due_on": format!("{}-05-31", 2025 + y),
            "outcomes_from": format!("{}-04-01", 2024 + y), "outcomes_until": format!("{}-03-31", 2025 + y)}))
        .collect();
    let components: Vec<_> = (0..4)
        .map(|y| serde_json::json!({"id": format!("rate-card-{y}"), "tranche": format!("fy{}", 2024 + y), "rule": {
            "type": "rate_card", "metric": "outcomes", "cap_per_participant": "500000",
            "outcomes": OUTCOMES.iter().enumerate().map(|(i, o)| serde_json::json!({"outcome": o, "price": format!("{}", 20000 * (i + 1))})).collect::<Vec<_>>()
        }}))
        .collect();
    let investments = serde_json::json!([
        {"id": "senior", "investor": "bank", "instrument": "senior_loan", "committed": "3000000000", "drawdowns": [{"on": "2024-04-01", "amount": "3000000000"}], "annual_rate": "0.02"},
        {"id": "sub", "investor": "fund", "instrument": "subordinated_loan", "committed": "1000000000", "drawdowns": [{"on": "2024-04-01", "amount": "1000000000"}], "annual_rate": "0.05"},
        {"id": "equity", "investor": "foundation", "instrument": "equity", "committed": "500000000", "drawdowns": [{"on": "2024-04-01", "amount": "500000000"}]}
    ]);
    serde_json::from_value(serde_json::json!({
        "schema": "seika.contract.v1", "code": "bench", "currency": "JPY",
        "rounding": {"unit": "1", "mode": "floor"},
        "payers": [{"id": "city", "share": "0.8"}, {"id": "fund", "share": "0.2"}],
        "tranches": tranches,
        "metrics": [{"id": "outcomes", "name": {"ja": "成果", "en": "Outcomes"}, "unit": "count", "direction": "higher_is_better"}],
        "components": components, "investments": investments, "waterfall": waterfall,
    }))
    .unwrap()
}

fn run_engine(n: usize) -> serde_json::Value {
    let contract = contract();
    let mut outcomes = Outcomes::new("bench");
    for (p, o, d) in records(n) {
        outcomes.participant_outcomes.push(&p, o, d);
    }
    let before = peak_rss_mb();
    let started = Instant::now();
    let statement = engine::compute(&contract, &outcomes).expect("computes");
    let seconds = started.elapsed().as_secs_f64();
    serde_json::json!({"step": "engine", "records": n, "seconds": seconds, "peak_rss_mb": peak_rss_mb(),
        "rss_before_compute_mb": before, "total": statement.total,
        "difference": statement.distribution.map(|d| d.reconciliation.difference)})
}

/// A project with one verified batch of N records; returns the database and the batch id.
fn seed(url: &DatabaseUrl, n: usize) -> (db::Db, i64) {
    let db = seika::server::open_database(url, &PoolOptions::default()).expect("open");
    let mut conn = db.get().unwrap();
    let org = organizations::insert(
        &mut conn,
        &organizations::NewOrganization {
            slug: "bench-city",
            kind: seika_core::organization::OrganizationKind::LocalGovernment,
            name_ja: "市",
            name_en: "City",
        },
    )
    .unwrap();
    let user = users::insert(
        &mut conn,
        &users::NewUser {
            organization_id: org.id,
            email: "bench@example.org",
            display_name: "b",
            role: seika_core::user::Role::GovernmentStaff,
            password_hash: "x",
        },
    )
    .unwrap();
    let terms = serde_json::to_string(&contract()).unwrap();
    let project = projects::insert(
        &mut conn,
        &projects::NewProject {
            code: "bench",
            owner_organization_id: org.id,
            status: seika_core::project::ProjectStatus::InService,
            title_ja: "b",
            title_en: "b",
            policy_area: seika_core::project::PolicyArea::EmploymentAndTraining,
            currency: "JPY",
            effective_from: NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
            terms: &terms,
            created_by: Some(user.id),
            parties: &[projects::NewParty {
                organization_id: org.id,
                role: seika_core::access::PartyRole::OutcomePayer,
                status: seika_core::access::PartyStatus::Accepted,
            }],
        },
    )
    .unwrap();
    let rows: Vec<batches::NewRecord> = records(n)
        .map(|(p, o, d)| batches::NewRecord {
            participant: p,
            cohort: None,
            enrolled_on: None,
            outcome: o.to_owned(),
            achieved_on: d,
        })
        .collect();
    let batch = db::write_transaction(&mut conn, |c| {
        batches::insert(
            c,
            &batches::NewBatch {
                project_id: project.id,
                source_name: "bench.csv",
                source_sha256: "-",
                supersedes_id: None,
                correction_reason: None,
                entered_by: user.id,
            },
            &rows,
        )
    })
    .unwrap();
    drop(conn);
    (db, batch.id)
}

fn run_read(url: &DatabaseUrl, label: &str, n: usize) -> serde_json::Value {
    let (db, batch) = seed(url, n);
    let mut conn = db.get().unwrap();
    let before = peak_rss_mb();
    let started = Instant::now();
    let mut into = seika_core::outcomes::ParticipantOutcomes::default();
    batches::load_records(&mut conn, &[batch], &mut into).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(into.len(), n);
    serde_json::json!({"step": label, "records": n, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), "rss_before_read_mb": before})
}

/// Imports `rows` records from a CSV or, with `xlsx`, from an Excel workbook holding the same
/// table (written here, outside the timing, as a municipality's spreadsheet would hold it).
fn run_import(url: &DatabaseUrl, rows: usize, xlsx: bool) -> serde_json::Value {
    let (db, _) = seed(url, 0);
    let mut conn = db.get().unwrap();
    let mut csv = String::from("参加者ID,成果,達成日\n");
    for (p, o, d) in records(rows) {
        csv.push_str(&format!("{p},{o},{}\n", d.format("%Y/%m/%d")));
    }
    let file: Vec<u8> = if xlsx {
        let headers = ["参加者ID", "成果", "達成日"].map(String::from).to_vec();
        let table: Vec<Vec<String>> = records(rows)
            .map(|(p, o, d)| vec![p, o.to_owned(), d.format("%Y/%m/%d").to_string()])
            .collect();
        seika_formats::sheet::write_xlsx("records", &headers, &table).unwrap()
    } else {
        csv.clone().into_bytes()
    };
    let allowed: Vec<String> = OUTCOMES.iter().map(|s| s.to_string()).collect();
    let before = peak_rss_mb();
    let started = Instant::now();
    let parsed = seika_formats::participant_csv::parse(
        &file,
        &allowed,
        &seika_formats::sheet::SheetLimits::default(),
    )
    .expect("a valid table");
    let records: Vec<batches::NewRecord> = parsed
        .into_iter()
        .map(|r| batches::NewRecord {
            participant: r.participant,
            cohort: r.cohort,
            enrolled_on: r.enrolled_on,
            outcome: r.outcome,
            achieved_on: r.achieved_on,
        })
        .collect();
    let project = projects::find_by_code(&mut conn, "bench").unwrap().unwrap();
    db::write_transaction(&mut conn, |c| {
        batches::insert(
            c,
            &batches::NewBatch {
                project_id: project.id,
                source_name: "import.csv",
                source_sha256: "-",
                supersedes_id: None,
                correction_reason: None,
                entered_by: 1,
            },
            &records,
        )
    })
    .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(records.len(), rows);
    serde_json::json!({"step": if xlsx { "import-xlsx-sqlite" } else { "import-csv-sqlite" }, "rows": rows, "file_mb": file.len() as f64 / 1_048_576.0, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), "rss_before_mb": before})
}

/// 10,000 Monte Carlo runs of a five-metric contract with a three-class waterfall (Kobe's terms
/// with two more linear metrics), on every core.
fn run_simulation(runs: u32) -> serde_json::Value {
    use seika_engine::simulate::{Assumption, Distribution, SimulationInput, simulate};
    let mut contract: serde_json::Value = serde_json::from_str(include_str!(
        "../../docs/examples/kobe-dialysis.contract.json"
    ))
    .unwrap();
    let mut outcomes: serde_json::Value = serde_json::from_str(include_str!(
        "../../docs/examples/kobe-dialysis.outcomes.json"
    ))
    .unwrap();
    for (id, value) in [("follow_up_visits", "0.6"), ("hba1c_control", "0.4")] {
        contract["metrics"].as_array_mut().unwrap().push(serde_json::json!({
            "id": id, "name": {"ja": id, "en": id}, "unit": "rate", "direction": "higher_is_better", "target": "0.5"}));
        contract["components"].as_array_mut().unwrap().push(serde_json::json!({
            "id": id, "tranche": "final", "rule": {"type": "linear", "metric": id, "target": "0.5", "max_amount": "1000000"}}));
        outcomes["results"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"metric": id, "tranche": "final", "value": value}));
    }
    contract["max_total_payment"] = serde_json::json!("36060000");
    let contract =
        seika_formats::input::contract_from_json(contract.to_string().as_bytes()).unwrap();
    let outcomes: Outcomes =
        seika_formats::input::from_json(outcomes.to_string().as_bytes()).unwrap();
    let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    let normal = |metric: &str, tranche: &str, mean: &str, se: &str| Assumption {
        metric: metric.into(),
        tranche: Some(tranche.into()),
        distribution: Distribution::Normal {
            mean: d(mean),
            standard_error: d(se),
        },
    };
    let beta = |metric: &str, tranche: &str, mean: &str| Assumption {
        metric: metric.into(),
        tranche: Some(tranche.into()),
        distribution: Distribution::Beta {
            mean: d(mean),
            sample_size: d("105"),
        },
    };
    let input = SimulationInput {
        runs,
        seed: 2026,
        assumptions: vec![
            beta("programme_completion", "interim", "0.85"),
            beta("lifestyle_improvement", "interim", "0.78"),
            normal("egfr_decline_suppression", "final", "0.329", "0.12"),
            beta("follow_up_visits", "final", "0.55"),
            normal("hba1c_control", "final", "0.4", "0.1"),
        ],
        correlations: Vec::new(),
    };
    let before = peak_rss_mb();
    let started = Instant::now();
    let one = engine::compute(&contract, &outcomes).unwrap();
    let single = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let result = simulate(&contract, &outcomes, &input).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    serde_json::json!({"step": "simulate", "runs": runs, "seconds": seconds, "one_statement_seconds": single,
        "runs_per_second": f64::from(runs) / seconds, "threads": std::thread::available_parallelism().map_or(1, usize::from),
        "p50_total": result.total_payment.p50.to_string(), "actual_total": one.total, "peak_rss_mb": peak_rss_mb(), "rss_before_mb": before})
}

fn child(step: &str, n: usize) -> serde_json::Value {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--step", step, "--records", &n.to_string()])
        .output()
        .expect("spawn");
    assert!(
        out.status.success(),
        "{step}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    println!("{line}");
    serde_json::from_str(&line).unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let n: usize = arg("--records")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    if let Some(step) = arg("--step") {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = DatabaseUrl::Sqlite(dir.path().join("bench.db"));
        let result = match step.as_str() {
            "engine" => run_engine(n),
            "read-sqlite" => run_read(&sqlite, "read-sqlite", n),
            "read-postgres" => {
                use diesel::{Connection, RunQueryDsl};
                let admin_url =
                    std::env::var("SEIKA_BENCH_POSTGRES_URL").expect("SEIKA_BENCH_POSTGRES_URL");
                let name = format!("seika_bench_{}", std::process::id());
                let mut admin = diesel::PgConnection::establish(&admin_url).expect("PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .unwrap();
                let base = &admin_url[..admin_url.rfind('/').unwrap()];
                let result = run_read(
                    &DatabaseUrl::parse(&format!("{base}/{name}")).unwrap(),
                    "read-postgres",
                    n,
                );
                diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .unwrap();
                result
            }
            "import" => run_import(&sqlite, 100_000, false),
            "import-xlsx" => run_import(&sqlite, 100_000, true),
            "simulate" => run_simulation(10_000),
            other => panic!("unknown step {other}"),
        };
        println!("{result}");
        return;
    }
    // `cargo bench` passes `--bench`; anything else is ignored.
    let engine = child("engine", n);
    let read = child("read-sqlite", n);
    let ratio = engine["seconds"].as_f64().unwrap() / read["seconds"].as_f64().unwrap();
    println!(
        "{}",
        serde_json::json!({"summary": "engine time / SQLite read time", "ratio": ratio, "target": "< 0.5"})
    );
    if std::env::var_os("SEIKA_BENCH_POSTGRES_URL").is_some() {
        let pg = child("read-postgres", n);
        let ratio = engine["seconds"].as_f64().unwrap() / pg["seconds"].as_f64().unwrap();
        println!(
            "{}",
            serde_json::json!({"summary": "engine time / PostgreSQL read time", "ratio": ratio})
        );
    }
    child("simulate", n);
    let csv = child("import", n);
    let xlsx = child("import-xlsx", n);
    println!(
        "{}",
        serde_json::json!({"summary": "XLSX import time / CSV import time (100,000 rows)", "ratio": xlsx["seconds"].as_f64().unwrap() / csv["seconds"].as_f64().unwrap()})
    );
}
