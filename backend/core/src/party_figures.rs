//! What of a contract's terms is one party's own: the figures its acceptance covers. A party is
//! named in the terms by its organization's slug (a payer's `id`, an investment's `investor`);
//! its figures are every object of the terms that names it, and every object that names one of
//! those by id (a guarantee covering an investment, a step naming it). When a draft is edited
//! and these change, the party is asked again: an acceptance never covers figures it did not see.

use serde_json::Value;

/// The party's figures in `terms` (the contract as JSON), in the order they appear.
pub fn of(terms: &Value, slug: &str) -> Vec<Value> {
    let mut direct = Vec::new();
    collect(terms, &|object| names(object, slug), &mut direct);
    let ids: Vec<String> = direct
        .iter()
        .filter_map(|o| o.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut related = Vec::new();
    collect(
        terms,
        &|object| {
            !names(object, slug)
                && ids
                    .iter()
                    .any(|id| object.iter().any(|(key, v)| key != "id" && mentions(v, id)))
        },
        &mut related,
    );
    direct.extend(related);
    direct
}

/// Whether an edit from `before` to `after` changed the party's figures.
pub fn changed(before: &Value, after: &Value, slug: &str) -> bool {
    of(before, slug) != of(after, slug)
}

fn collect(
    value: &Value,
    wanted: &dyn Fn(&serde_json::Map<String, Value>) -> bool,
    out: &mut Vec<Value>,
) {
    match value {
        Value::Object(object) => {
            if wanted(object) {
                out.push(value.clone());
            }
            object.values().for_each(|v| collect(v, wanted, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, wanted, out)),
        _ => {}
    }
}

/// An object names the party when one of its own fields is the party's slug.
fn names(object: &serde_json::Map<String, Value>, slug: &str) -> bool {
    object.values().any(|v| v.as_str() == Some(slug))
}

/// A field mentions an id when it is that id or a list holding it.
fn mentions(value: &Value, id: &str) -> bool {
    match value {
        Value::String(s) => s == id,
        Value::Array(items) => items.iter().any(|v| v.as_str() == Some(id)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn terms(committed: &str, covered: &str) -> Value {
        json!({
            "max_total_payment": "20000000",
            "payers": [{"id": "kobe-city", "share": "1"}],
            "investments": [
                {"id": "senior", "investor": "smbc", "committed": committed},
                {"id": "guarantee", "investor": "trust", "committed": "100",
                 "covers": {"share": covered, "investments": ["senior"]}},
                {"id": "equity", "investor": "siif", "committed": "5"}
            ]
        })
    }

    #[test]
    fn a_partys_own_figures_and_only_those() {
        let before = terms("16000000", "0.5");
        assert!(!changed(&before, &terms("16000000", "0.5"), "smbc"));
        // Its commitment, and a guarantee that covers its investment, are its figures.
        assert!(changed(&before, &terms("18000000", "0.5"), "smbc"));
        assert!(changed(&before, &terms("16000000", "0.8"), "smbc"));
        // Another investor's commitment is not; the guarantee is the guarantor's own too.
        assert!(!changed(&before, &terms("18000000", "0.5"), "siif"));
        assert!(changed(&before, &terms("16000000", "0.8"), "trust"));
        // The payer's own entry.
        let mut raised = before.clone();
        raised["payers"][0]["share"] = json!("0.9");
        assert!(changed(&before, &raised, "kobe-city"));
        assert!(!changed(&before, &raised, "smbc"));
        assert_eq!(of(&before, "nobody"), Vec::<Value>::new());
    }
}
