//! The layering docs/ARCHITECTURE.md describes. Between crates the compiler holds it (a crate
//! cannot `use` what its manifest does not list) and `crates_depend_only_inwards` holds the
//! manifests. Inside the `seika` crate, where the handlers and the wiring live side by side, two
//! rules are still read off the source: handlers call services, not queries nor each other.

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
        let mut needles = strings(&["seika_db"]);
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

/// What each crate of the workspace may depend on, read from `cargo metadata`: the layering is
/// the crates' manifests, so a forbidden `use` does not compile; this test keeps the manifests
/// themselves from growing a forbidden edge (an engine that links diesel, a service that links
/// axum).
const LAYERS: &[(&str, &[&str], &[&str])] = &[
    // (crate, workspace crates it may depend on, crates never in its dependency tree)
    ("seika-core", &[], &["diesel", "axum", "tokio", "hyper"]),
    (
        "seika-engine",
        &["seika-core"],
        &["diesel", "axum", "tokio", "hyper"],
    ),
    (
        "seika-formats",
        &["seika-core"],
        &["diesel", "axum", "tokio", "hyper"],
    ),
    (
        "seika-db",
        &["seika-core"],
        &["axum", "hyper", "tower-http"],
    ),
    (
        "seika-service",
        &["seika-core", "seika-engine", "seika-formats", "seika-db"],
        &["axum", "hyper", "tower-http"],
    ),
];

/// The platform this test runs on (`rustc -vV`'s host), so that metadata needs no package that
/// only another platform uses (and works offline).
fn host_triple() -> String {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("rustc -vV names its host")
        .to_owned()
}

/// The resolved dependency graph: package name → names of its normal (non-dev, non-build)
/// dependencies.
fn dependency_graph() -> std::collections::BTreeMap<String, Vec<String>> {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .args(["--filter-platform", &host_triple()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let name_of = |id: &str| {
        meta["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let mut graph = std::collections::BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null())
            })
            .map(|d| name_of(d["pkg"].as_str().unwrap()))
            .collect();
        graph.insert(name_of(node["id"].as_str().unwrap()), deps);
    }
    graph
}

fn tree_of(graph: &std::collections::BTreeMap<String, Vec<String>>, root: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec![root.to_owned()];
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            todo.extend(graph.get(&name).into_iter().flatten().cloned());
        }
    }
    seen.into_iter().collect()
}

crate::util::test!(crates_depend_only_inwards);
fn crates_depend_only_inwards() {
    let graph = dependency_graph();
    let mut found = Vec::new();
    for (krate, allowed, never) in LAYERS {
        let direct = graph
            .get(*krate)
            .unwrap_or_else(|| panic!("{krate} is a workspace crate"));
        for dep in direct.iter().filter(|d| d.starts_with("seika")) {
            if !allowed.contains(&dep.as_str()) {
                found.push(format!("{krate} depends on {dep}"));
            }
        }
        for dep in tree_of(&graph, krate) {
            if never.contains(&dep.as_str()) {
                found.push(format!("{krate} has {dep} in its dependency tree"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

crate::util::test!(database_rows_are_not_serialized_for_the_wire);
fn database_rows_are_not_serialized_for_the_wire() {
    let mut found = Vec::new();
    for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("db").join("src")) {
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

/// Functions longer than this are split (issue 28); tables of data are the exception.
const MAX_FUNCTION_LINES: usize = 120;

/// Functions that are tables of data, not logic: the HTTP endpoints of one capability.
const TABLES: &[(&str, &str)] = &[("api/endpoints/", "endpoints")];

/// Every `.rs` file under `dir`, recursively.
fn rust_files_within(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(rust_files_within(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The functions of a formatted source file (up to its tests) with their length in lines: a
/// function runs from its `fn` line to the first closing brace at the same indentation.
fn function_lengths(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .iter()
        .position(|l| l.starts_with("#[cfg(test)]"))
        .unwrap_or(lines.len());
    let mut found = Vec::new();
    for (i, line) in lines[..end].iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let signature = trimmed
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("async ")
            .trim_start_matches("const ");
        let Some(rest) = signature.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let closing = format!("{}}}", " ".repeat(indent));
        let Some(last) = lines[i..end].iter().position(|l| l.trim_end() == closing) else {
            continue;
        };
        found.push((name, i + 1, last + 1));
    }
    found
}

crate::util::test!(no_function_is_longer_than_its_limit);
/// No function of the backend's crates (tests and benchmarks aside) is longer than
/// [`MAX_FUNCTION_LINES`], but for the tables of data in [`TABLES`].
fn no_function_is_longer_than_its_limit() {
    let backend = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![backend.join("src")];
    for krate in ["core", "db", "engine", "formats", "service"] {
        dirs.push(backend.join(krate).join("src"));
    }
    let mut long = Vec::new();
    for file in dirs.iter().flat_map(|d| rust_files_within(d)) {
        let name = file.file_name().unwrap().to_string_lossy();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let shown = file.strip_prefix(backend).unwrap().display().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        for (function, line, length) in function_lengths(&text) {
            let table = TABLES
                .iter()
                .any(|(dir, f)| shown.contains(dir) && function == *f);
            if length > MAX_FUNCTION_LINES && !table {
                long.push(format!("{shown}:{line} {function}: {length} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines (split them into named steps):\n{}",
        long.join("\n")
    );
}

crate::util::test!(the_function_length_check_finds_a_long_function);
/// The check itself: a function one line over the limit is found, one at it is not.
fn the_function_length_check_finds_a_long_function() {
    let body = |n: usize| "    let x = 1;\n".repeat(n);
    let source = format!(
        "fn short() {{\n{}}}\n\npub fn long() {{\n{}}}\n",
        body(MAX_FUNCTION_LINES - 2),
        body(MAX_FUNCTION_LINES - 1)
    );
    let lengths = function_lengths(&source);
    assert_eq!(
        lengths
            .iter()
            .map(|(f, _, n)| (f.as_str(), *n))
            .collect::<Vec<_>>(),
        vec![
            ("short", MAX_FUNCTION_LINES),
            ("long", MAX_FUNCTION_LINES + 1)
        ]
    );
}
