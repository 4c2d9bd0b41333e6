//! Every text the frontend shows exists in Japanese and in English: the keys `app.js` uses, the
//! key families it builds from server values (statuses, roles, areas, problem types…), and the
//! two languages' key sets are the same.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

fn frontend(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../frontend")
            .join(file),
    )
    .unwrap()
}

/// The keys of one language's block (`en: { … }` or `ja: { … }`) of `SEIKA_TEXTS`.
fn keys(i18n: &str, lang: &str) -> BTreeSet<String> {
    let start = i18n
        .find(&format!("\n  {lang}: {{\n"))
        .unwrap_or_else(|| panic!("no `{lang}` block in i18n.js"));
    let block = &i18n[start..];
    let end = block.find("\n  },").or_else(|| block.find("\n};")).unwrap();
    block[..end]
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let rest = line.strip_prefix('"')?;
            let (key, after) = rest.split_once('"')?;
            after.trim_start().starts_with(':').then(|| key.to_owned())
        })
        .collect()
}

/// The values a serde enum takes on the wire, read from its JSON Schema.
fn variants<T: schemars::JsonSchema>() -> Vec<String> {
    let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap();
    let mut out = Vec::new();
    collect_variants(&schema, &mut out);
    assert!(!out.is_empty(), "no variants in {schema}");
    out
}

fn collect_variants(schema: &Value, out: &mut Vec<String>) {
    if let Some(values) = schema["enum"].as_array() {
        out.extend(values.iter().filter_map(|v| v.as_str().map(str::to_owned)));
    }
    if let Some(value) = schema["const"].as_str() {
        out.push(value.to_owned());
    }
    // An internally tagged enum: each variant's `kind` (or `type`).
    for tag in ["kind", "type"] {
        if let Some(value) = schema["properties"][tag]["const"].as_str() {
            out.push(value.to_owned());
        }
    }
    for key in ["oneOf", "anyOf"] {
        for sub in schema[key].as_array().into_iter().flatten() {
            collect_variants(sub, out);
        }
    }
}

/// The problem types the server answers with (`AppError`'s slugs in `api/error.rs`).
fn problem_types() -> Vec<String> {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api/error.rs"))
            .unwrap();
    let body = &source[source.find("fn slug(").unwrap()..];
    let body = &body[..body.find("\n    }\n").unwrap()];
    let slugs: Vec<String> = body
        .lines()
        .filter_map(|line| line.split("=> \"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect();
    assert!(slugs.len() >= 10, "{slugs:?}");
    slugs
}

fn missing_in(set: &BTreeSet<String>, wanted: impl IntoIterator<Item = String>) -> Vec<String> {
    wanted.into_iter().filter(|k| !set.contains(k)).collect()
}

fn every_text_exists_in_both_languages() {
    let i18n = frontend("i18n.js");
    let app = frontend("app.js");
    let en = keys(&i18n, "en");
    let ja = keys(&i18n, "ja");
    assert!(en.len() > 200, "{} English keys read", en.len());
    let only_en: Vec<_> = en.difference(&ja).collect();
    let only_ja: Vec<_> = ja.difference(&en).collect();
    assert!(
        only_en.is_empty() && only_ja.is_empty(),
        "keys in one language only: English only {only_en:?}, Japanese only {only_ja:?}"
    );

    // Literal keys: t("…") and key-like string literals of a known key family ("project.publish"
    // in a table of actions).
    let families: BTreeSet<&str> = en.iter().filter_map(|k| k.split('.').next()).collect();
    let mut used = BTreeSet::new();
    for literal in app.split('"').skip(1).step_by(2) {
        let family = literal.split('.').next().unwrap_or_default();
        // A literal ending in a dot is a prefix keys are looked up by ("audit."), not a key.
        let key_like = literal.contains('.')
            && !literal.ends_with('.')
            && !literal.contains(' ')
            && literal
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if key_like && families.contains(family) {
            used.insert(literal.to_owned());
        }
    }
    assert!(used.len() > 100, "{} keys found in app.js", used.len());
    let missing = missing_in(&en, used);
    assert!(
        missing.is_empty(),
        "keys app.js uses but i18n.js lacks: {missing:?}"
    );

    // Key families built from server values: t(`status.${…}`) and the like.
    use seika::domain::access::{PartyRole, PartyStatus};
    use seika::domain::budget::BudgetWarning;
    use seika::domain::claim::ClaimStatus;
    use seika::domain::project::{PolicyArea, ProjectStatus};
    use seika::domain::user::Role;
    use seika::engine::contract::{self, Direction, MetricUnit};
    use seika::engine::figures::CashFlowKind;
    use seika::engine::statement::LineStatus;
    use seika::service::distributions::DistributionState;
    let review_states = ["draft", "submitted", "verified", "rejected"].map(String::from);
    let families: Vec<(&str, Vec<String>)> = vec![
        ("party", variants::<PartyRole>()),
        ("partyStatus", variants::<PartyStatus>()),
        ("role", variants::<Role>()),
        ("home.intro", variants::<Role>()),
        ("area", variants::<PolicyArea>()),
        (
            "status",
            [
                variants::<ProjectStatus>(),
                variants::<LineStatus>(),
                variants::<ClaimStatus>(),
                variants::<DistributionState>(),
                review_states.to_vec(),
            ]
            .concat(),
        ),
        ("unit", variants::<MetricUnit>()),
        ("direction", variants::<Direction>()),
        ("portfolio.flow", variants::<CashFlowKind>()),
        ("budget.warning", variants::<BudgetWarning>()),
        // The contract editor's choices.
        ("new.rule", variants::<contract::Rule>()),
        ("ed.pay", variants::<contract::ComparisonPay>()),
        ("ed.wf", variants::<contract::WaterfallStep>()),
        ("ed.class", variants::<contract::InvestorClass>()),
        ("ed.remainder", variants::<contract::RemainderPolicy>()),
        ("ed.effect", variants::<contract::EffectKind>()),
        ("instrument", variants::<contract::Instrument>()),
        (
            "ed.rounding",
            variants::<seika::domain::money::RoundingMode>(),
        ),
        ("error", [problem_types(), vec!["network".into()]].concat()),
    ];
    // Every audit action the server writes (`action: "claim.submitted"`) reads in words in the
    // audit log and its filter, and so does its family ("Claims").
    let mut actions = BTreeSet::new();
    let mut sources = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = sources.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for rest in text.split("action: \"").skip(1) {
                    let action = rest.split('"').next().unwrap_or_default();
                    let word = |w: &str| {
                        !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    };
                    if action
                        .split_once('.')
                        .is_some_and(|(f, a)| word(f) && word(a))
                    {
                        actions.insert(action.to_owned());
                    }
                }
            }
        }
    }
    assert!(actions.len() > 20, "{actions:?}");
    let wanted = actions.iter().flat_map(|a| {
        let family = a.split('.').next().unwrap_or_default();
        [format!("audit.{a}"), format!("auditFamily.{family}")]
    });
    let missing = missing_in(&en, wanted);
    assert!(
        missing.is_empty(),
        "audit actions without words: {missing:?}"
    );

    for (family, values) in families {
        assert!(
            app.contains(&format!("t(`{family}.${{")),
            "app.js no longer builds `{family}.…` keys: update this test"
        );
        let wanted = values.into_iter().map(|v| format!("{family}.{v}"));
        let missing = missing_in(&en, wanted);
        assert!(
            missing.is_empty(),
            "texts missing for server values: {missing:?}"
        );
    }
}
crate::util::test!(every_text_exists_in_both_languages);
