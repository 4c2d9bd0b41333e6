//! The contract editor's form and the server's contract schema describe one format: every field
//! of the schema has a place in the editor (a person never needs JSON to write a contract), and
//! every field the editor writes is one the schema knows. The two are kept in different files,
//! so this test is what stops them drifting apart.

use std::collections::BTreeSet;
use std::path::Path;

/// Fields of the schema the editor writes without a field of its own: the format's version, a
/// rule's type (the rule picker), and the two languages of a name (the name fields).
const WRITTEN_WITHOUT_A_FIELD: &[&str] = &["schema", "type", "ja", "en"];

/// Every property name anywhere in the contract's JSON Schema.
fn schema_fields() -> BTreeSet<String> {
    fn walk(v: &serde_json::Value, found: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                    found.extend(props.keys().cloned());
                }
                map.values().for_each(|x| walk(x, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|x| walk(x, found)),
            _ => {}
        }
    }
    let schema = seika_engine::json_schema("contract").unwrap();
    let mut found = BTreeSet::new();
    walk(&schema, &mut found);
    found
}

/// The keys of the editor's fields: `f("kind", "key", …)` in the editor module.
fn editor_fields(app: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in app.match_indices("f(\"") {
        let part_of_a_name = app[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if part_of_a_name {
            continue;
        }
        let rest = &app[i + 3..];
        let Some(kind_end) = rest.find('"') else {
            continue;
        };
        let after = &rest[kind_end + 1..];
        let Some(key) = after.strip_prefix(", \"") else {
            continue;
        };
        let name: String = key
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && key[name.len()..].starts_with('"') {
            found.insert(name);
        }
    }
    found
}

crate::util::test!(the_editor_and_the_contract_schema_name_the_same_fields);
fn the_editor_and_the_contract_schema_name_the_same_fields() {
    let app = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/js/views/editor.js"),
    )
    .unwrap();
    let editor = editor_fields(&app);
    let schema = schema_fields();
    let missing: Vec<&String> = schema
        .iter()
        .filter(|f| !editor.contains(*f) && !WRITTEN_WITHOUT_A_FIELD.contains(&f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "contract fields with no place in the editor (add a field to EDITOR_SPEC or RULE_FIELDS in frontend/js/views/editor.js): {missing:?}"
    );
    let unknown: Vec<&String> = editor.iter().filter(|f| !schema.contains(*f)).collect();
    assert!(
        unknown.is_empty(),
        "editor fields the contract schema does not know: {unknown:?}"
    );
}

crate::util::test!(the_editor_field_reader_finds_fields_and_only_fields);
/// The reader itself: it finds the keys of `f(…)` calls and nothing else.
fn the_editor_field_reader_finds_fields_and_only_fields() {
    let found = editor_fields(
        r#"f("money", "max_total_payment", "x"), f("opt", "dates", "y", { fields: [f("date", "signed_on", "z")] }), ref("a", "b"), f(x, "no")"#,
    );
    let expected: BTreeSet<String> = ["max_total_payment", "dates", "signed_on"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(found, expected);
}
