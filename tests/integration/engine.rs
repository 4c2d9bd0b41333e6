//! The payout engine through its files and the command line: golden statements for every example
//! contract, Kobe City's published figures, and clear errors for bad files.

use std::path::{Path, PathBuf};
use std::process::Command;

use seika_core::{contract::Contract, outcomes::Outcomes};
use seika_engine::compute;
use seika_formats::input;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every example contract with its outcomes file (JSON or CSV).
fn examples() -> Vec<(String, PathBuf, PathBuf)> {
    let dir = root().join("docs/examples");
    let mut list: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".contract.json")?.to_owned();
            let outcomes = ["json", "csv"]
                .iter()
                .map(|ext| dir.join(format!("{stem}.outcomes.{ext}")))
                .find(|p| p.exists())?;
            Some((stem, dir.join(name), outcomes))
        })
        .collect();
    list.sort();
    list
}

fn load(contract: &Path, outcomes: &Path) -> (Contract, Outcomes) {
    let c: Contract = input::contract_from_json(&std::fs::read(contract).unwrap()).unwrap();
    let bytes = std::fs::read(outcomes).unwrap();
    let o = if outcomes.extension().is_some_and(|e| e == "csv") {
        input::outcomes_from_csv(&bytes, &c.code).unwrap()
    } else {
        input::from_json(&bytes).unwrap()
    };
    (c, o)
}

/// Asserts `text` is the golden file `tests/golden/{file}` byte for byte (or writes it, with
/// `SEIKA_UPDATE_GOLDEN` set).
fn same_as_golden(file: &str, text: &str) {
    let golden = root().join("tests/golden").join(file);
    if std::env::var_os("SEIKA_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, text).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
        panic!(
            "no golden file {}; run with SEIKA_UPDATE_GOLDEN=1",
            golden.display()
        )
    });
    assert!(text == expected, "{file} differs from {}", golden.display());
}

crate::util::test!(golden_statements_are_unchanged);
/// A change of engine that alters a past payment fails here. Regenerate deliberately with
/// `SEIKA_UPDATE_GOLDEN=1 cargo test golden`.
fn golden_statements_are_unchanged() {
    let examples = examples();
    assert!(examples.len() >= 6, "{examples:?}");
    for (name, contract, outcomes) in examples {
        let (c, o) = load(&contract, &outcomes);
        let statement = compute(&c, &o).unwrap_or_else(|e| panic!("{name}: {e}: {:?}", e.issues()));
        let text = serde_json::to_string_pretty(&statement).unwrap() + "\n";
        same_as_golden(&format!("{name}.statement.json"), &text);
    }
}

crate::util::test!(explanations_read_in_japanese_and_english);
/// Every explanation of every example has its words in both languages, one per cap and note:
/// names instead of ids, amounts with the currency, and Japanese that reads as Japanese. The
/// words of each example are kept beside its golden statement (`*.words.json`) so a change of
/// wording is reviewed like a change of amount.
fn explanations_read_in_japanese_and_english() {
    let japanese = |text: &str| {
        text.chars().any(|c| {
            ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c)
        })
    };
    for (name, contract, outcomes) in examples() {
        let (c, o) = load(&contract, &outcomes);
        let statement = compute(&c, &o).unwrap();
        for line in &statement.lines {
            let w = &line.words;
            let at = format!("{name}: {} in {}", line.component, line.tranche);
            assert_eq!(w.caps.len(), line.explanation.caps.len(), "{at}: caps");
            assert_eq!(w.notes.len(), line.explanation.notes.len(), "{at}: notes");
            let every = [&w.formula, &w.rounding]
                .into_iter()
                .chain(&w.caps)
                .chain(&w.notes);
            for words in every {
                for text in [&words.ja, &words.en] {
                    assert!(!text.is_empty(), "{at}: an empty text in {words:?}");
                    assert!(!text.contains('`'), "{at}: an id in backticks: {text}");
                    for id in c
                        .components
                        .iter()
                        .map(|c| &c.id)
                        .chain(c.tranches.iter().map(|t| &t.id))
                    {
                        // An id may be a word of a name ("final", "bed-days"); ids with an
                        // underscore are unmistakably ids.
                        if id.contains('_') {
                            assert!(!text.contains(id.as_str()), "{at}: the id {id} in {text}");
                        }
                    }
                }
                assert!(
                    japanese(&words.ja) || !words.en.chars().any(|c| c.is_ascii_alphabetic()),
                    "{at}: not Japanese: {}",
                    words.ja
                );
            }
            // The rounding note says the amount with its currency.
            let shown =
                seika_core::money::amount_words(line.amount.parse().unwrap(), statement.currency);
            if line.explanation.caps.is_empty() && line.explanation.notes.is_empty() {
                assert!(
                    w.rounding.ja.ends_with(&shown),
                    "{at}: {} / {shown}",
                    w.rounding.ja
                );
            }
        }
        let words: Vec<_> = statement.lines.iter().map(|l| &l.words).collect();
        let text = serde_json::to_string_pretty(&words).unwrap() + "\n";
        same_as_golden(&format!("{name}.words.json"), &text);
    }
}

crate::util::test!(golden_statements_and_examples_follow_the_published_schemas);
/// The JSON Schemas in docs/schemas describe the files as the engine reads and writes them: every
/// example contract and outcome file, and every golden statement, validates (a field made
/// required by mistake fails here, not only under the API fuzzer).
fn golden_statements_and_examples_follow_the_published_schemas() {
    let schema = |name: &str| {
        let text = std::fs::read_to_string(root().join(format!("docs/schemas/{name}.schema.json")))
            .unwrap();
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
    };
    let (contracts, outcomes, statements) =
        (schema("contract"), schema("outcomes"), schema("statement"));
    let check = |validator: &jsonschema::Validator, path: &Path| {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            path.display(),
            errors.join("; ")
        );
    };
    for (name, contract, outcome) in examples() {
        check(&contracts, &contract);
        if outcome.extension().is_some_and(|e| e == "json") {
            check(&outcomes, &outcome);
        }
        check(
            &statements,
            &root().join(format!("tests/golden/{name}.statement.json")),
        );
    }
}

crate::util::test!(every_rule_type_has_an_example);
fn every_rule_type_has_an_example() {
    let mut seen = std::collections::BTreeSet::new();
    for (_, contract, outcomes) in examples() {
        let (c, _) = load(&contract, &outcomes);
        seen.extend(c.components.iter().map(|x| x.rule.type_name()));
    }
    let all = [
        "comparison",
        "corridor",
        "deduction",
        "fixed",
        "linear",
        "person_period",
        "rate_card",
        "savings_share",
        "tiered",
    ];
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), all);
}

fn seika_payout(contract: &Path, outcomes: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_seika"))
        .args(["payout"])
        .arg(contract)
        .arg(outcomes)
        .output()
        .unwrap()
}

crate::util::test!(kobe_reproduces_the_published_payments_on_the_command_line);
fn kobe_reproduces_the_published_payments_on_the_command_line() {
    let dir = root().join("docs/examples");
    let out = seika_payout(
        &dir.join("kobe-dialysis.contract.json"),
        &dir.join("kobe-dialysis.outcomes.json"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["currency"], "JPY");
    assert_eq!(s["total"], "29432425");
    let amounts: Vec<&str> = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["10480000", "15720000", "3232425"]);
    assert_eq!(s["payers"][0]["total"], "29432425");
    assert_eq!(s["distribution"]["reconciliation"]["difference"], "0");
    // After the interim evaluation the ¥26.2m paid went to the funders in full.
    assert_eq!(s["distribution"]["tranches"][0]["received"], "26200000");
    assert_eq!(s["distribution"]["tranches"][0]["retained"], "0");
}

crate::util::test!(hachioji_matches_its_published_payments);
fn hachioji_matches_its_published_payments() {
    let dir = root().join("docs/examples");
    let out = seika_payout(
        &dir.join("hachioji-screening.contract.json"),
        &dir.join("hachioji-screening.outcomes.json"),
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let amounts: Vec<&str> = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["2441000", "2960000", "0"]);
}

crate::util::test!(bad_files_name_the_file_the_place_and_the_expectation);
fn bad_files_name_the_file_the_place_and_the_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let examples = root().join("docs/examples");
    let kobe_outcomes = examples.join("kobe-dialysis.outcomes.json");

    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\n  \"schema\": \"seika.contract.v1\",\n  \"code\": \n}",
    )
    .unwrap();
    let out = seika_payout(&broken, &kobe_outcomes);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.json") && err.contains("line 4 column 1"),
        "{err}"
    );

    let mut kobe: serde_json::Value = serde_json::from_slice(
        &std::fs::read(examples.join("kobe-dialysis.contract.json")).unwrap(),
    )
    .unwrap();
    kobe["components"][2]["rule"]["max_amount"] = serde_json::json!(7860000.5);
    let wrong_type = dir.path().join("wrong-type.json");
    std::fs::write(&wrong_type, kobe.to_string()).unwrap();
    let out = seika_payout(&wrong_type, &kobe_outcomes);
    assert!(!out.status.success() && out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("wrong-type.json: components[2].rule.max_amount"),
        "{err}"
    );

    kobe["components"][2]["rule"]["max_amount"] = serde_json::json!("-5");
    kobe["payers"][0]["share"] = serde_json::json!("0.9");
    let invalid = dir.path().join("invalid.json");
    std::fs::write(&invalid, kobe.to_string()).unwrap();
    let out = seika_payout(&invalid, &kobe_outcomes);
    assert!(!out.status.success() && out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid.json: payers: expected shares that sum to exactly 1"),
        "{err}"
    );
    assert!(
        err.contains("invalid.json: components[2].rule.max_amount: expected a non-negative amount"),
        "{err}"
    );

    let csv = dir.path().join("records.csv");
    std::fs::write(
        &csv,
        "participant,outcome,achieved_on\nY1,job_start,2024-13-01\n",
    )
    .unwrap();
    let out = seika_payout(&examples.join("youth-employment.contract.json"), &csv);
    assert!(!out.status.success() && out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("records.csv: row 2, column achieved_on: expected a date"),
        "{err}"
    );
}

crate::util::test!(committed_json_schemas_match_the_code);
/// The committed JSON Schemas are the ones the code generates (regenerate with
/// `seika schema NAME > docs/schemas/NAME.schema.json`).
fn committed_json_schemas_match_the_code() {
    for name in seika_engine::SCHEMA_NAMES {
        let generated =
            serde_json::to_string_pretty(&seika_engine::json_schema(name).unwrap()).unwrap() + "\n";
        let path = root().join(format!("docs/schemas/{name}.schema.json"));
        if std::env::var_os("SEIKA_UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap();
        assert!(committed == generated, "{} is stale", path.display());
    }
}

crate::util::test!(overflowing_verified_values_are_refused_not_panicked);
/// Arithmetic on verified values that overflows is a refusal naming the component and its
/// metric, never a panic (issue 9, defect 2).
fn overflowing_verified_values_are_refused_not_panicked() {
    let dir = root().join("docs/examples");
    let (contract, mut outcomes) = load(
        &dir.join("housing-savings.contract.json"),
        &dir.join("housing-savings.outcomes.json"),
    );
    let huge = rust_decimal::Decimal::MAX;
    for result in &mut outcomes.results {
        result.value = result.value.map(|_| huge);
        result.comparison = result.comparison.map(|_| -huge);
    }
    let outcome = std::panic::catch_unwind(|| compute(&contract, &outcomes));
    let error = outcome
        .expect("the engine does not panic")
        .expect_err("the overflow is refused");
    let issue = &error.issues()[0];
    assert!(issue.path.en.starts_with("components."), "{issue:?}");
    assert!(
        issue.message.en.contains("net_savings") && issue.path.en.contains("savings"),
        "{issue:?}"
    );
}

crate::util::test!(overflow_inside_a_rule_is_refused_naming_the_metric);
/// Inside a rule: a comparison-group effect whose difference overflows.
fn overflow_inside_a_rule_is_refused_naming_the_metric() {
    let dir = root().join("docs/examples");
    let (contract, mut outcomes) = load(
        &dir.join("recidivism-pfs.contract.json"),
        &dir.join("recidivism-pfs.outcomes.json"),
    );
    for result in &mut outcomes.results {
        if result.metric == "reconvictions_per_person" {
            result.value = Some(-rust_decimal::Decimal::MAX);
            result.comparison = Some(rust_decimal::Decimal::MAX);
        }
    }
    let error = std::panic::catch_unwind(|| compute(&contract, &outcomes))
        .expect("the engine does not panic")
        .expect_err("the overflow is refused");
    let issue = &error.issues()[0];
    assert!(issue.path.en.starts_with("components."), "{issue:?}");
    assert!(
        issue.message.en.contains("reconvictions_per_person"),
        "{issue:?}"
    );
}
