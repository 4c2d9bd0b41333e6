//! The layering docs/ARCHITECTURE.md describes, checked on the source: a change that breaks it
//! fails here, naming the file and the line.

use std::path::{Path, PathBuf};

const HANDLER_MODULES: &[&str] = &[
    "audit",
    "auth",
    "batches",
    "budgets",
    "claims",
    "contracts",
    "evidence",
    "jobs",
    "organizations",
    "outcomes",
    "payout_runs",
    "projects",
    "publication",
    "users",
    "work",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

/// Lines of `file` (outside comments) that contain any of `needles`.
fn offending(file: &Path, needles: &[String]) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| needles.iter().any(|n| line.contains(n.as_str())))
        .map(|(i, line)| format!("{}:{}: {}", file.display(), i + 1, line.trim()))
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

crate::util::test!(handlers_call_services_not_queries_nor_each_other);
fn handlers_call_services_not_queries_nor_each_other() {
    let mut found = Vec::new();
    for module in HANDLER_MODULES {
        let file = src().join("api").join(format!("{module}.rs"));
        let mut needles = strings(&["crate::db"]);
        for other in HANDLER_MODULES.iter().filter(|m| *m != module) {
            needles.push(format!("super::{other}::"));
            needles.push(format!("api::{other}::"));
        }
        found.extend(offending(&file, &needles));
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

crate::util::test!(wiring_calls_no_handler);
fn wiring_calls_no_handler() {
    let needles: Vec<String> = HANDLER_MODULES
        .iter()
        .map(|m| format!("api::{m}"))
        .collect();
    let mut found = Vec::new();
    for file in ["cli.rs", "demo.rs", "server.rs", "web.rs"] {
        found.extend(offending(&src().join(file), &needles));
    }
    found.extend(offending(&src().join("web.rs"), &strings(&["crate::api"])));
    assert!(found.is_empty(), "{}", found.join("\n"));
}

crate::util::test!(layers_import_only_inwards);
fn layers_import_only_inwards() {
    let mut found = Vec::new();
    for file in rust_files(&src().join("service")) {
        found.extend(offending(&file, &strings(&["axum", "crate::api"])));
    }
    for file in rust_files(&src().join("db")) {
        found.extend(offending(
            &file,
            &strings(&["axum", "crate::api", "crate::service"]),
        ));
    }
    for dir in ["domain", "engine"] {
        for file in rust_files(&src().join(dir)) {
            found.extend(offending(
                &file,
                &strings(&[
                    "axum",
                    "diesel",
                    "crate::db",
                    "crate::service",
                    "crate::api",
                ]),
            ));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

crate::util::test!(database_rows_are_not_serialized_for_the_wire);
fn database_rows_are_not_serialized_for_the_wire() {
    let mut found = Vec::new();
    for file in rust_files(&src().join("db")) {
        let text = std::fs::read_to_string(&file).unwrap();
        // A derive list that makes a row (Queryable) also Serialize.
        for (i, line) in text.lines().enumerate() {
            if line.contains("derive(") && line.contains("Queryable") && line.contains("Serialize")
            {
                found.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
