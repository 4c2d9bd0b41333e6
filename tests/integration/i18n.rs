//! Every text the frontend shows exists in Japanese and in English: the keys the app's modules use, the
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

/// The keys of one language's texts (`frontend/texts/en.js` or `ja.js`).
fn keys(lang: &str) -> BTreeSet<String> {
    let texts = frontend(&format!("texts/{lang}.js"));
    let start = texts
        .find("export default {\n")
        .unwrap_or_else(|| panic!("no `export default {{` in texts/{lang}.js"));
    let block = &texts[start..];
    let end = block.find("\n};").unwrap();
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

/// The app's code: the entry module and every module under `frontend/js/`, one after another.
fn app_source() -> String {
    fn read_dir(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                read_dir(&path, out);
            } else if path.extension().is_some_and(|e| e == "js") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend");
    let mut files = vec![root.join("app.js")];
    read_dir(&root.join("js"), &mut files);
    files.sort();
    assert!(files.len() > 10, "{files:?}");
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
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
    let body = &source[source.find("fn slug(&self) -> &'static str {").unwrap()..];
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
    let app = app_source();
    let en = keys("en");
    let ja = keys("ja");
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
    assert!(
        used.len() > 100,
        "{} keys found in the app's modules",
        used.len()
    );
    let missing = missing_in(&en, used);
    assert!(
        missing.is_empty(),
        "keys the app uses but texts/en.js and texts/ja.js lack: {missing:?}"
    );

    // Key families built from server values: t(`status.${…}`) and the like.
    use seika_core::access::{PartyRole, PartyStatus};
    use seika_core::budget::BudgetWarning;
    use seika_core::claim::ClaimStatus;
    use seika_core::contract::{self, Direction, MetricUnit};
    use seika_core::project::{PolicyArea, ProjectStatus};
    use seika_core::user::Role;
    use seika_engine::figures::CashFlowKind;
    use seika_engine::statement::LineStatus;
    use seika_service::distributions::DistributionState;
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
        ("ed.rounding", variants::<seika_core::money::RoundingMode>()),
        ("error", [problem_types(), vec!["network".into()]].concat()),
    ];
    // Every audit action the server writes (`action: "claim.submitted"`) reads in words in the
    // audit log and its filter, and so does its family ("Claims").
    let mut actions = BTreeSet::new();
    for (_, text) in backend_sources() {
        for rest in text.split("action: \"").skip(1) {
            let action = rest.split('"').next().unwrap_or_default();
            let word =
                |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if action
                .split_once('.')
                .is_some_and(|(f, a)| word(f) && word(a))
            {
                actions.insert(action.to_owned());
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
            "the app no longer builds `{family}.…` keys: update this test"
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

/// Every Rust source file of the server's crates, with its path.
fn backend_sources() -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let backend = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<std::path::PathBuf> = [
        "src",
        "core/src",
        "engine/src",
        "formats/src",
        "db/src",
        "service/src",
    ]
    .iter()
    .map(|dir| backend.join(dir))
    .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out
}

/// The string literal at the start of `s` (after blanks and an optional comma): its value, as
/// Rust reads it (escapes and `\` line continuations), and the rest of `s`.
fn literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start().trim_start_matches(',').trim_start();
    let mut chars = s.strip_prefix('"')?.char_indices();
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &s[i + 2..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                '\n' => {
                    let rest = chars.as_str();
                    let skipped = rest.len() - rest.trim_start().len();
                    for _ in 0..rest[..skipped].chars().count() {
                        chars.next();
                    }
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

/// The arguments a format string uses: `{name}`, `{0}`, and each `{}` numbered in order.
fn placeholders(format: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut next = 0;
    let mut rest = format.replace("{{", "").replace("}}", "");
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        let inner = rest[open + 1..close].split(':').next().unwrap_or("");
        if inner.is_empty() {
            out.insert(next.to_string());
            next += 1;
        } else {
            out.insert(inner.to_owned());
        }
        rest = rest[(close + 1).min(rest.len())..].to_owned();
    }
    out
}

/// Every message a person reads from the server is written at its call site as
/// `msg!(code, english, japanese, …)`; this reads them all from the sources and fails on a code
/// that is not stable-looking, a missing or untranslated text, texts that use different
/// arguments, or one code with two different texts.
fn every_server_message_code_has_english_and_japanese() {
    let code_shape = |c: &str| {
        c.split_once('.').is_some_and(|(area, what)| {
            !area.is_empty()
                && !what.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._".contains(ch))
        })
    };
    let japanese = |t: &str| {
        t.chars().any(|c| {
            ('\u{3040}'..='\u{9fff}').contains(&c) || ('\u{ff00}'..='\u{ffef}').contains(&c)
        })
    };
    let mut texts: std::collections::BTreeMap<String, (String, String)> = Default::default();
    let mut problems = Vec::new();
    let mut count = 0;
    for (path, text) in backend_sources() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for call in text.split("msg!(").skip(1) {
            if call.trim_start().starts_with('$') {
                continue; // the macro's own definition
            }
            let Some((code, rest)) = literal(call) else {
                problems.push(format!(
                    "{file}: msg! without a literal code: {}",
                    &call[..60.min(call.len())]
                ));
                continue;
            };
            let Some((en, rest)) = literal(rest) else {
                problems.push(format!("{file}: {code}: no English text"));
                continue;
            };
            let Some((ja, _)) = literal(rest) else {
                problems.push(format!("{file}: {code}: no Japanese text"));
                continue;
            };
            count += 1;
            if !code_shape(&code) {
                problems.push(format!(
                    "{file}: `{code}` is not a code such as `area.what`"
                ));
            }
            if en.trim().is_empty()
                || japanese(&en.replace(|c: char| c.is_ascii(), ""))
                    && !en.chars().any(|c| c.is_ascii_alphabetic())
            {
                problems.push(format!("{file}: {code}: the English text is missing"));
            }
            if !japanese(&ja) {
                problems.push(format!(
                    "{file}: {code}: the Japanese text has no Japanese: {ja}"
                ));
            }
            // The same values in both texts; a value in words may have a Japanese twin
            // (`{kind}` and `{kind_ja}`). Serde's own sentences are passed on whole in English
            // and told in parts in Japanese.
            let same_values = |t: &str| -> BTreeSet<String> {
                placeholders(t)
                    .into_iter()
                    .map(|p| match p.strip_suffix("_ja").unwrap_or(&p) {
                        "ja" => "en".to_owned(),
                        p => p.to_owned(),
                    })
                    .collect()
            };
            let whole_in_english = [
                "json.unknown_field",
                "json.unknown_variant",
                "json.invalid_type",
                "json.invalid_value",
                "json.invalid_length",
                "money.unknown_currency",
                "money.not_decimal",
                "engine.invalid",
            ];
            if same_values(&en) != same_values(&ja) && !whole_in_english.contains(&code.as_str()) {
                problems.push(format!(
                    "{file}: {code}: English uses {:?}, Japanese {:?}",
                    placeholders(&en),
                    placeholders(&ja)
                ));
            }
            if let Some((e, j)) = texts.get(&code)
                && (e != &en || j != &ja)
            {
                problems.push(format!("{file}: {code} has two texts: `{e}` and `{en}`"));
            }
            texts.insert(code, (en, ja));
        }
    }
    assert!(
        count > 250,
        "only {count} messages found: is the scan broken?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The interface no longer translates server sentences by pattern.
    assert!(!frontend("texts/ja.js").contains("SEIKA_SERVER_MESSAGES_JA"));
    assert!(!app_source().contains("SEIKA_SERVER_MESSAGES_JA"));
}
crate::util::test!(every_server_message_code_has_english_and_japanese);
