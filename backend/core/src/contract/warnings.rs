//! Consistency warnings: terms that compute, but probably not as their authors meant. A rule
//! paying in full at another target than its metric's, a cap that can never bind, a payment date
//! before the service starts. They never refuse a contract; the editor shows them beside the
//! fields, in Japanese and English.

use rust_decimal::Decimal;

use super::*;
use crate::msg;

impl Contract {
    /// Every consistency warning, each naming its field (a JSON path).
    pub fn warnings(&self) -> Vec<Issue> {
        let mut found = Vec::new();
        self.targets_differ(&mut found);
        self.caps_never_bind(&mut found);
        self.dates_outside_service(&mut found);
        found
    }

    /// A linear rule paying in full at another target than its metric states.
    fn targets_differ(&self, found: &mut Vec<Issue>) {
        for (i, c) in self.components.iter().enumerate() {
            let Rule::Linear { metric, target, .. } = &c.rule else {
                continue;
            };
            let Some(declared) = self.metric(metric).and_then(|m| m.target) else {
                continue;
            };
            if declared.normalize() != target.normalize() {
                let (declared, target) = (declared.normalize(), target.normalize());
                found.push(Issue::new(
                    format!("components[{i}].rule.target"),
                    msg!(
                        "warning.target_differs",
                        "the metric's target {declared}, or a reason for paying in full at {target} instead",
                        "指標の目標値 {declared}（この支払ルールは {target} で満額です。意図したものか確認してください）"
                    ),
                ));
            }
        }
    }

    /// Caps at or above everything they could limit.
    fn caps_never_bind(&self, found: &mut Vec<Issue>) {
        for (i, c) in self.components.iter().enumerate() {
            if let (Some(cap), Some(most)) = (c.cap, c.rule.maximum())
                && cap >= most
            {
                found.push(never_binds(format!("components[{i}].cap"), most));
            }
        }
        for (i, t) in self.tranches.iter().enumerate() {
            let most = self
                .components
                .iter()
                .filter(|c| c.tranche == t.id)
                .map(|c| match (c.cap, c.rule.maximum()) {
                    (Some(cap), Some(max)) => Some(cap.min(max)),
                    (cap, max) => cap.or(max),
                })
                .try_fold(Decimal::ZERO, |sum, m| m.and_then(|m| sum.checked_add(m)));
            if let (Some(cap), Some(most)) = (t.cap, most)
                && cap >= most
            {
                found.push(never_binds(format!("tranches[{i}].cap"), most));
            }
        }
        if let (Some(contingent), Some(total)) =
            (self.max_contingent_payment, self.max_total_payment)
            && contingent >= total
        {
            found.push(never_binds("max_contingent_payment".into(), total));
        }
    }

    /// Payment dates and outcome periods that start before the service does.
    fn dates_outside_service(&self, found: &mut Vec<Issue>) {
        let Some(start) = self.dates.as_ref().and_then(|d| d.service_start) else {
            return;
        };
        for (i, t) in self.tranches.iter().enumerate() {
            if t.due_on < start {
                found.push(before_service(format!("tranches[{i}].due_on"), start));
            }
            if t.outcomes_from.is_some_and(|from| from < start) {
                found.push(before_service(
                    format!("tranches[{i}].outcomes_from"),
                    start,
                ));
            }
        }
    }
}

fn never_binds(path: String, most: Decimal) -> Issue {
    let most = crate::money::grouped(most.normalize());
    Issue::new(
        path,
        msg!(
            "warning.cap_never_binds",
            "a cap below {most}, the most it could limit (as it stands it never binds)",
            "上限が対象の最大額 {most} 以上のため、この上限は適用されることがありません"
        ),
    )
}

fn before_service(path: String, start: NaiveDate) -> Issue {
    Issue::new(
        path,
        msg!(
            "warning.before_service",
            "a date on or after the service start {start}",
            "サービス開始日 {start} 以降の日付（開始前の日付になっています）"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(json: serde_json::Value) -> Contract {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn each_inconsistency_is_named_and_consistent_terms_have_none() {
        let base = serde_json::json!({
            "schema": "seika.contract.v1", "code": "w", "currency": "JPY",
            "rounding": {"unit": "1", "mode": "floor"},
            "max_total_payment": "1000",
            "dates": {"service_start": "2024-04-01"},
            "payers": [{"id": "city", "share": "1"}],
            "tranches": [{"id": "t1", "due_on": "2025-03-31"}],
            "metrics": [{"id": "m", "name": {"ja": "m", "en": "m"}, "unit": "rate", "direction": "higher_is_better", "target": "0.5"}],
            "components": [{"id": "a", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "0.50", "max_amount": "600"}, "cap": "500"}],
        });
        assert_eq!(contract(base.clone()).warnings(), Vec::new());
        let mut odd = base;
        odd["components"][0]["rule"]["target"] = serde_json::json!("0.6");
        odd["components"][0]["cap"] = serde_json::json!("600");
        odd["tranches"][0]["cap"] = serde_json::json!("900");
        odd["tranches"][0]["outcomes_from"] = serde_json::json!("2024-01-01");
        odd["max_contingent_payment"] = serde_json::json!("1000");
        let paths: Vec<String> = contract(odd)
            .warnings()
            .into_iter()
            .map(|w| w.path.en)
            .collect();
        assert_eq!(
            paths,
            [
                "components[0].rule.target",
                "components[0].cap",
                "tranches[0].cap",
                "max_contingent_payment",
                "tranches[0].outcomes_from",
            ]
        );
    }
}
