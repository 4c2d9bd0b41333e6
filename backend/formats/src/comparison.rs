//! The 新旧対照表 of an amendment: what changed between the terms in force and the amended terms,
//! part by part, as people read contracts. Metrics, payment dates and components by their names,
//! amounts in yen with separators, rates as percentages, dates as dates, each payment described
//! as the public page describes it; never an id, a key or a raw fraction where a name or a
//! percentage exists. Parts the contract format holds as data for the engine (investments, the
//! waterfall, the budget) are compared value by value under their Japanese labels.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use crate::publication::{Scale, amount_words, describe_component};
use crate::terms_workbook::{leaves, path_label};
use seika_core::contract::{Component, Contract, Localized, Metric, Name, Tranche};

/// One changed part: where, and its text in force and amended (`None`: absent on that side).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Change {
    pub part: Localized,
    pub in_force: Option<Localized>,
    pub amended: Option<Localized>,
}

fn both(ja: impl Into<String>, en: impl Into<String>) -> Localized {
    Localized {
        ja: ja.into(),
        en: en.into(),
    }
}

fn same(text: impl Into<String>) -> Localized {
    let text = text.into();
    both(text.clone(), text)
}

/// Every change from `in_force` to `amended`, in the order of the contract's parts.
pub fn compare(in_force: &Contract, amended: &Contract) -> Vec<Change> {
    let mut out = Changes(Vec::new());
    out.overview(in_force, amended);
    out.by_id(
        &in_force.metrics,
        &amended.metrics,
        |m| &m.id,
        |out, a, b| out.metric(a, b, in_force, amended),
    );
    out.by_id(
        &in_force.tranches,
        &amended.tranches,
        |t| &t.id,
        |out, a, b| out.tranche(a, b, in_force, amended),
    );
    out.by_id(
        &in_force.components,
        &amended.components,
        |c| &c.id,
        |out, a, b| out.component(a, b, in_force, amended),
    );
    for key in [
        "payers",
        "invoicing",
        "data_checks",
        "budget",
        "investments",
        "waterfall",
    ] {
        out.generic(key, in_force, amended);
    }
    out.0
}

struct Changes(Vec<Change>);

impl Changes {
    fn push(&mut self, part: Localized, in_force: Option<Localized>, amended: Option<Localized>) {
        if in_force != amended {
            self.0.push(Change {
                part,
                in_force,
                amended,
            });
        }
    }

    /// The items of a list matched by id: changed, removed (absent when amended) and added.
    fn by_id<T>(
        &mut self,
        in_force: &[T],
        amended: &[T],
        id: impl Fn(&T) -> &String,
        mut each: impl FnMut(&mut Self, Option<&T>, Option<&T>),
    ) {
        for a in in_force {
            each(self, Some(a), amended.iter().find(|b| id(b) == id(a)));
        }
        for b in amended {
            if !in_force.iter().any(|a| id(a) == id(b)) {
                each(self, None, Some(b));
            }
        }
    }

    fn overview(&mut self, a: &Contract, b: &Contract) {
        let title = |c: &Contract| c.title.clone();
        self.push(both("事業名", "Title"), title(a), title(b));
        let population = |c: &Contract| c.target_population.clone().map(same);
        self.push(
            both("対象者", "Target population"),
            population(a),
            population(b),
        );
        let money = |c: &Contract, d: Option<Decimal>| d.map(|d| same(amount_words(d, c.currency)));
        self.push(
            both("支払上限額", "Contract maximum"),
            money(a, a.max_total_payment),
            money(b, b.max_total_payment),
        );
        self.push(
            both("成果連動部分の上限額", "Maximum of the outcome-linked part"),
            money(a, a.max_contingent_payment),
            money(b, b.max_contingent_payment),
        );
        let (da, db) = (a.dates.as_ref(), b.dates.as_ref());
        let on =
            |d: Option<&seika_core::contract::ContractDates>,
             f: fn(&seika_core::contract::ContractDates) -> Option<NaiveDate>| {
                d.and_then(f)
            };
        for (ja, en, x, y) in [
            (
                "契約締結日",
                "Signed on",
                on(da, |d| d.signed_on),
                on(db, |d| d.signed_on),
            ),
            (
                "事業開始日",
                "Service starts",
                on(da, |d| d.service_start),
                on(db, |d| d.service_start),
            ),
            (
                "事業終了日",
                "Service ends",
                on(da, |d| d.service_end),
                on(db, |d| d.service_end),
            ),
        ] {
            self.push(both(ja, en), x.map(day), y.map(day));
        }
    }

    fn metric(&mut self, a: Option<&Metric>, b: Option<&Metric>, ca: &Contract, cb: &Contract) {
        let Some(named) = b.or(a) else { return };
        let part = |ja: &str, en: &str| {
            both(
                format!("指標「{}」 {ja}", named.name.ja),
                format!("Metric \u{201c}{}\u{201d}: {en}", named.name.en),
            )
        };
        if a.is_none() || b.is_none() {
            let shown = |m: Option<&Metric>| m.map(|m| both(m.name.ja.clone(), m.name.en.clone()));
            let whole = both(
                format!("指標「{}」", named.name.ja),
                format!("Metric \u{201c}{}\u{201d}", named.name.en),
            );
            return self.push(whole, shown(a), shown(b));
        }
        let value = |c: &Contract, m: Option<&Metric>, v: fn(&Metric) -> Option<Decimal>| {
            m.and_then(v)
                .map(|d| same(Scale::of(c, m.map(|m| m.id.as_str())).show(d)))
        };
        self.push(
            part("名称", "name"),
            a.map(|m| m.name.clone()),
            b.map(|m| m.name.clone()),
        );
        self.push(
            part("目標値", "target"),
            value(ca, a, |m| m.target),
            value(cb, b, |m| m.target),
        );
        self.push(
            part("基準値", "baseline"),
            value(ca, a, |m| m.baseline),
            value(cb, b, |m| m.baseline),
        );
        let cap = |c: &Contract, m: Option<&Metric>| {
            m.and_then(|m| m.cap)
                .map(|d| same(amount_words(d, c.currency)))
        };
        self.push(part("上限額", "cap"), cap(ca, a), cap(cb, b));
        for (ja, en, text) in [
            (
                "定義",
                "definition",
                (|m: &Metric| m.definition.clone()) as fn(&Metric) -> Option<String>,
            ),
            ("データの出所", "data source", |m: &Metric| {
                m.data_source.clone()
            }),
            ("測定方法", "measurement method", |m: &Metric| {
                m.measurement_method.clone()
            }),
        ] {
            self.push(
                part(ja, en),
                a.and_then(text).map(same),
                b.and_then(text).map(same),
            );
        }
    }

    fn tranche(&mut self, a: Option<&Tranche>, b: Option<&Tranche>, ca: &Contract, cb: &Contract) {
        let Some(named) = b.or(a) else { return };
        let name = name_of(named.name.as_ref(), &named.id);
        let part = |ja: &str, en: &str| {
            both(
                format!("支払期「{}」 {ja}", name.ja),
                format!("Payment date \u{201c}{}\u{201d}: {en}", name.en),
            )
        };
        if a.is_none() || b.is_none() {
            let shown = |t: Option<&Tranche>| t.map(|t| day(t.due_on));
            return self.push(part("支払日", "due on"), shown(a), shown(b));
        }
        let names = |t: Option<&Tranche>| t.map(|t| name_of(t.name.as_ref(), &t.id));
        self.push(part("名称", "name"), names(a), names(b));
        let date =
            |t: Option<&Tranche>, f: fn(&Tranche) -> Option<NaiveDate>| t.and_then(f).map(day);
        self.push(
            part("支払日", "due on"),
            date(a, |t| Some(t.due_on)),
            date(b, |t| Some(t.due_on)),
        );
        self.push(
            part("成果対象期間（開始）", "outcomes from"),
            date(a, |t| t.outcomes_from),
            date(b, |t| t.outcomes_from),
        );
        self.push(
            part("成果対象期間（終了）", "outcomes until"),
            date(a, |t| t.outcomes_until),
            date(b, |t| t.outcomes_until),
        );
        let cap = |c: &Contract, t: Option<&Tranche>| {
            t.and_then(|t| t.cap)
                .map(|d| same(amount_words(d, c.currency)))
        };
        self.push(part("上限額", "cap"), cap(ca, a), cap(cb, b));
        let per_count = |c: &Contract, t: Option<&Tranche>| {
            let per = t.and_then(|t| t.cap_per_count.as_ref())?;
            let metric = c
                .metric(&per.metric)
                .map_or((per.metric.clone(), per.metric.clone()), |m| {
                    (m.name.ja.clone(), m.name.en.clone())
                });
            let amount = amount_words(per.amount, c.currency);
            Some(both(
                format!("「{}」1あたり {amount}", metric.0),
                format!("{amount} per one of \u{201c}{}\u{201d}", metric.1),
            ))
        };
        self.push(
            part("数1あたりの上限", "cap per one counted"),
            per_count(ca, a),
            per_count(cb, b),
        );
    }

    fn component(
        &mut self,
        a: Option<&Component>,
        b: Option<&Component>,
        ca: &Contract,
        cb: &Contract,
    ) {
        let Some(named) = b.or(a) else { return };
        let name = name_of(named.name.as_ref(), &named.id);
        let part = |ja: &str, en: &str| {
            both(
                format!("支払項目「{}」 {ja}", name.ja),
                format!("Payment \u{201c}{}\u{201d}: {en}", name.en),
            )
        };
        let rule = |c: &Contract, x: Option<&Component>| x.map(|x| describe_component(x, c));
        self.push(part("支払の条件", "what it pays"), rule(ca, a), rule(cb, b));
        if a.is_none() || b.is_none() {
            return;
        }
        let names = |x: Option<&Component>| x.map(|x| name_of(x.name.as_ref(), &x.id));
        self.push(part("名称", "name"), names(a), names(b));
        let tranche = |c: &Contract, x: Option<&Component>| {
            let id = &x?.tranche;
            let t = c.tranches.iter().find(|t| &t.id == id);
            Some(t.map_or_else(|| same(id.clone()), |t| name_of(t.name.as_ref(), &t.id)))
        };
        self.push(
            part("支払期", "payment date"),
            tranche(ca, a),
            tranche(cb, b),
        );
        let cap = |c: &Contract, x: Option<&Component>| {
            x.and_then(|x| x.cap)
                .map(|d| same(amount_words(d, c.currency)))
        };
        self.push(part("上限額", "cap"), cap(ca, a), cap(cb, b));
        let contingent = |x: Option<&Component>| {
            x.map(|x| match x.outcome_contingent {
                true => both("成果に連動", "depends on outcomes"),
                false => both("成果に連動しない", "does not depend on outcomes"),
            })
        };
        self.push(
            part("成果連動", "outcome-linked"),
            contingent(a),
            contingent(b),
        );
    }

    /// A part compared value by value under its Japanese labels (English: the keys in words).
    fn generic(&mut self, key: &str, a: &Contract, b: &Contract) {
        let values = |c: &Contract| {
            let json = serde_json::to_value(c).unwrap_or_default();
            let mut out = Vec::new();
            leaves(&json[key], key, &mut out);
            out
        };
        let (va, vb) = (values(a), values(b));
        let paths = va.iter().chain(&vb).map(|(p, _)| p);
        let mut seen = std::collections::BTreeSet::new();
        for path in paths {
            if !seen.insert(path.clone()) {
                continue;
            }
            let find = |v: &[(String, Value)], c: &Contract| {
                v.iter()
                    .find(|(p, _)| p == path)
                    .map(|(p, x)| value_words(p, x, c))
            };
            self.push(
                both(path_label(path), english_label(path)),
                find(&va, a),
                find(&vb, b),
            );
        }
    }
}

fn name_of(name: Option<&Name>, id: &str) -> Localized {
    name.map_or_else(|| same(id), |n| both(n.ja(), n.en()))
}

fn day(d: NaiveDate) -> Localized {
    both(d.format("%Y年%-m月%-d日").to_string(), d.to_string())
}

/// A path in English words: `payers[1].max_payment` → "payers 2 › max payment".
fn english_label(path: &str) -> String {
    path.split('.')
        .map(|part| match part.split_once('[') {
            Some((key, index)) => {
                let n = index
                    .trim_end_matches(']')
                    .parse::<usize>()
                    .map_or(0, |i| i + 1);
                format!("{} {n}", key.replace('_', " "))
            }
            None => part.replace('_', " "),
        })
        .collect::<Vec<_>>()
        .join(" › ")
}

/// A value as people read it: money in the contract's currency, shares and rates as
/// percentages, yes or no, dates and texts as written.
fn value_words(path: &str, value: &Value, c: &Contract) -> Localized {
    let key = path.rsplit('.').next().unwrap_or(path);
    let key = key.split('[').next().unwrap_or(key);
    let decimal = value.as_str().and_then(|s| s.parse::<Decimal>().ok());
    const MONEY: &[&str] = &[
        "amount",
        "committed",
        "max_payment",
        "principal",
        "price",
        "appropriated",
        "limit",
        "cap",
    ];
    const SHARES: &[&str] = &[
        "share",
        "top_up",
        "tax_rate",
        "annual_rate",
        "late_interest_rate",
        "rate",
        "discrepancy_tolerance",
        "annual_return",
        "at_share",
        "deduct",
    ];
    match (value, decimal) {
        (_, Some(d)) if MONEY.contains(&key) => same(amount_words(d, c.currency)),
        (_, Some(d)) if SHARES.contains(&key) => {
            same(format!("{}%", (d * Decimal::ONE_HUNDRED).normalize()))
        }
        (Value::Bool(true), _) => both("はい", "yes"),
        (Value::Bool(false), _) => both("いいえ", "no"),
        (Value::String(s), _) => match s.parse::<NaiveDate>() {
            Ok(d) => day(d),
            Err(_) => same(s.clone()),
        },
        (other, _) => same(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kobe() -> Contract {
        serde_json::from_str(include_str!(
            "../../../docs/examples/kobe-dialysis.contract.json"
        ))
        .unwrap()
    }

    #[test]
    fn the_same_terms_have_no_changes() {
        assert!(compare(&kobe(), &kobe()).is_empty());
    }

    /// Names, percentages and yen, never ids, keys or raw fractions.
    #[test]
    fn changes_read_as_a_comparison_table() {
        let mut amended = kobe();
        amended.metrics[1].target = Some("0.70".parse().unwrap());
        amended.components[1].conditions[1].at_least = Some("0.70".parse().unwrap());
        amended.max_total_payment = Some("40000000".parse().unwrap());
        let changes = compare(&kobe(), &amended);
        let rows: Vec<String> = changes
            .iter()
            .map(|c| {
                format!(
                    "{} | {} | {}",
                    c.part.ja,
                    c.in_force.as_ref().map_or("", |x| x.ja.as_str()),
                    c.amended.as_ref().map_or("", |x| x.ja.as_str())
                )
            })
            .collect();
        assert!(
            rows.iter()
                .any(|r| r.starts_with("支払上限額 | ¥") && r.ends_with("| ¥40,000,000")),
            "{rows:#?}"
        );
        let name = &amended.metrics[1].name.ja;
        assert!(
            rows.contains(&format!("指標「{name}」 目標値 | 75% | 70%")),
            "{rows:#?}"
        );
        let condition = rows
            .iter()
            .find(|r| r.contains("支払の条件"))
            .expect("the interim payment changed");
        assert!(
            condition.contains(&format!("「{name}」が 75%以上"))
                && condition.contains(&format!("「{name}」が 70%以上")),
            "{condition}"
        );
        let english: Vec<&str> = changes.iter().map(|c| c.part.en.as_str()).collect();
        assert!(
            english
                .iter()
                .any(|e| e.starts_with("Metric \u{201c}") && e.ends_with(": target")),
            "{english:?}"
        );
        assert!(
            !rows.iter().any(|r| r.contains("0.7")),
            "no raw fractions: {rows:#?}"
        );
    }

    #[test]
    fn added_and_removed_parts_are_named() {
        let mut amended = kobe();
        let removed = amended.components.remove(2);
        let changes = compare(&kobe(), &amended);
        let row = changes
            .iter()
            .find(|c| c.amended.is_none())
            .expect("a removed row");
        assert!(
            row.part
                .ja
                .contains(&name_of(removed.name.as_ref(), &removed.id).ja),
            "{row:?}"
        );
        assert!(row.in_force.is_some());
    }
}
