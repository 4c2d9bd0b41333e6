//! Seika's one integration-test binary. Tests drive the real router in-process (`oneshot`) or the
//! real binary over HTTP. Each database test runs twice, on a fresh SQLite file and on a fresh
//! PostgreSQL database, each a copy of a template migrated and loaded with the demo once per run
//! (`util::TestDatabase::with_demo`).
//!
//! The harness is our own (libtest-mimic), so that a variant whose prerequisite is missing is
//! reported as *ignored*, with the reason printed, never as passed: PostgreSQL (from
//! `SEIKA_TEST_POSTGRES_URL`, else the local default if it answers) and Chromium with
//! chromedriver. With `CI` set, a missing PostgreSQL or browser fails the run instead; with
//! `SEIKA_TEST_POSTGRES_URL` set, an unreachable PostgreSQL does; with `SEIKA_BROWSER_TESTS` set,
//! a missing browser does. Tests register themselves where they are
//! written (`db_test!`, `test!`, `async_test!` in `util`).

use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Trial};
use seika_db::Backend;

mod util;

mod architecture;
mod audit;
mod auth;
mod authorization;
mod bad_input;
mod batches;
mod binary;
mod browser;
mod claims;
mod editor;
mod engine;
mod evaluators;
mod faults;
mod foundation;
mod hostile;
mod i18n;
mod integrity;
mod jobs;
mod open_data;
mod openapi;
mod outcomes;
mod projects;
mod seed;

use util::{Case, Kind, LocalFuture, TestApp};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn run_db(run: fn(TestApp) -> LocalFuture, backend: Backend) {
    runtime().block_on(async move {
        let app = TestApp::new(backend).await;
        run(app).await;
    });
}

/// How long each test took, for the summary of the slowest ones after the run.
static TIMES: Mutex<Vec<(Duration, String)>> = Mutex::new(Vec::new());

/// Runs `f` as the test `name`, noting its time.
fn timed(name: &str, f: impl FnOnce()) -> Result<(), libtest_mimic::Failed> {
    let start = Instant::now();
    f();
    if let Ok(mut times) = TIMES.lock() {
        times.push((start.elapsed(), name.to_owned()));
    }
    Ok(())
}

/// Prints the slowest tests (where the suite's time goes; docs/TESTING.md).
fn print_slowest() {
    let Ok(mut times) = TIMES.lock() else { return };
    times.sort_by_key(|(time, _)| std::cmp::Reverse(*time));
    let total: Duration = times.iter().map(|(d, _)| *d).sum();
    eprintln!(
        "\nslowest tests (of {} s in all tests, summed):",
        total.as_secs()
    );
    for (time, name) in times.iter().take(15) {
        eprintln!("{:>8.1} s  {name}", time.as_secs_f64());
    }
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let ci = std::env::var_os("CI").is_some();
    let browser_required = ci || std::env::var_os("SEIKA_BROWSER_TESTS").is_some();

    let postgres = util::find_postgres();
    let browser = browser::availability();
    let mut refusals = Vec::new();
    let postgres_configured =
        std::env::var("SEIKA_TEST_POSTGRES_URL").is_ok_and(|url| !url.trim().is_empty());
    if let (true, Err(why)) = (ci || postgres_configured, &postgres) {
        refusals.push(format!(
            "PostgreSQL is required (CI or SEIKA_TEST_POSTGRES_URL is set): {why}"
        ));
    }
    if let (true, Err(why)) = (browser_required, &browser) {
        refusals.push(format!(
            "browser tests are required (CI or SEIKA_BROWSER_TESTS): {why}"
        ));
    }
    if !refusals.is_empty() {
        for refusal in refusals {
            eprintln!("error: {refusal}");
        }
        return ExitCode::FAILURE;
    }
    let _ = util::POSTGRES.set(postgres.clone());

    let mut trials = Vec::new();
    for case in inventory::iter::<Case> {
        let module = case
            .module
            .strip_prefix("integration::")
            .unwrap_or(case.module);
        let name = format!("{module}::{}", case.name);
        match case.kind {
            Kind::Db {
                run,
                browser: needs_browser,
            } => {
                let browser_missing = needs_browser && browser.is_err();
                let sqlite = format!("{name}::sqlite");
                let postgres_name = format!("{name}::postgres");
                trials.push(
                    Trial::test(sqlite.clone(), move || {
                        timed(&sqlite, || run_db(run, Backend::Sqlite))
                    })
                    .with_ignored_flag(browser_missing),
                );
                trials.push(
                    Trial::test(postgres_name.clone(), move || {
                        timed(&postgres_name, || run_db(run, Backend::Postgres))
                    })
                    .with_ignored_flag(browser_missing || postgres.is_err()),
                );
            }
            Kind::Sync(run) => {
                let label = name.clone();
                trials.push(Trial::test(name, move || timed(&label, run)));
            }
            Kind::Async(run) => {
                let label = name.clone();
                trials.push(Trial::test(name, move || {
                    timed(&label, || runtime().block_on(run()))
                }));
            }
        }
    }
    trials.sort_by(|a, b| a.name().cmp(b.name()));

    let listing = args.list;
    let notes: Vec<String> = [
        postgres.as_ref().err().map(|why| {
            format!("PostgreSQL variants ignored: {why}. Start PostgreSQL or set SEIKA_TEST_POSTGRES_URL.")
        }),
        browser.as_ref().err().map(|why| {
            format!("browser tests ignored: {why}. Run `bash .ci/browser-deps` (as root) to install them.")
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !listing {
        if let Ok(url) = &postgres {
            eprintln!("PostgreSQL variants run on {}", redacted(url));
        }
        for note in &notes {
            eprintln!("note: {note}");
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    util::drop_templates();
    if !listing {
        print_slowest();
    }
    if !listing {
        for note in &notes {
            eprintln!("note: {note}");
        }
    }
    conclusion.exit_code()
}

fn redacted(url: &str) -> String {
    seika_db::DatabaseUrl::parse(url)
        .map(|u| u.redacted())
        .unwrap_or_else(|_| "the configured server".into())
}
