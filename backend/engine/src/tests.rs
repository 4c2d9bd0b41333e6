//! Unit and property tests of the engine: each rule at its edges, caps, rounding, validation,
//! and the invariants (no cap exceeded, nothing negative, monotone rules, exact distribution).

use proptest::prelude::*;
use serde_json::{Value, json};

use super::statement::{LineStatus, Statement};
use super::{EngineError, compute};
use seika_core::contract::Contract;
use seika_core::outcomes::Outcomes;

/// A one-tranche contract in yen around the given metrics and components.
fn contract(metrics: Value, components: Value) -> Value {
    json!({
        "schema": "seika.contract.v1",
        "code": "t",
        "currency": "JPY",
        "rounding": {"unit": "1", "mode": "floor"},
        "payers": [{"id": "city", "share": "1"}],
        "tranches": [{"id": "t1", "due_on": "2025-03-31"}],
        "metrics": metrics,
        "components": components,
    })
}

fn metric(id: &str, unit: &str, direction: &str) -> Value {
    json!({"id": id, "name": {"ja": id, "en": id}, "unit": unit, "direction": direction})
}

fn run(contract: Value, outcomes: Value) -> Result<Statement, EngineError> {
    let contract: Contract = serde_json::from_value(contract).expect("contract parses");
    let mut outcomes_json = json!({"schema": "seika.outcomes.v1", "contract": "t"});
    if let (Value::Object(base), Value::Object(extra)) = (&mut outcomes_json, outcomes) {
        base.extend(extra);
    }
    let outcomes: Outcomes = serde_json::from_value(outcomes_json).expect("outcomes parse");
    compute(&contract, &outcomes)
}

fn total(statement: &Statement) -> &str {
    &statement.total
}

fn value_result(metric: &str, value: &str) -> Value {
    json!({"results": [{"metric": metric, "value": value}]})
}

fn tiered(direction: &str, value: &str) -> String {
    let steps = if direction == "higher_is_better" {
        json!([{"at": "10", "amount": "100"}, {"at": "20", "amount": "300"}])
    } else {
        json!([{"at": "20", "amount": "100"}, {"at": "10", "amount": "300"}])
    };
    let c = contract(
        json!([metric("m", "count", direction)]),
        json!([{"id": "c", "tranche": "t1", "rule": {"type": "tiered", "metric": "m", "steps": steps}}]),
    );
    run(c, value_result("m", value)).unwrap().total
}

#[test]
fn tiered_pays_exactly_at_a_threshold() {
    assert_eq!(tiered("higher_is_better", "9.99"), "0");
    assert_eq!(tiered("higher_is_better", "10"), "100");
    assert_eq!(tiered("higher_is_better", "19.99"), "100");
    assert_eq!(tiered("higher_is_better", "20"), "300");
    // Lower is better (reconvictions, bed-days): smaller values reach higher steps.
    assert_eq!(tiered("lower_is_better", "20.01"), "0");
    assert_eq!(tiered("lower_is_better", "20"), "100");
    assert_eq!(tiered("lower_is_better", "10"), "300");
    assert_eq!(tiered("lower_is_better", "3"), "300");
}

fn linear(value: &str, mode: &str, max: &str, floor: Option<&str>) -> Statement {
    let mut rule = json!({"type": "linear", "metric": "m", "target": "0.8", "max_amount": max});
    if let Some(f) = floor {
        rule["floor_ratio"] = json!(f);
    }
    let mut c = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([{"id": "c", "tranche": "t1", "rule": rule}]),
    );
    c["rounding"]["mode"] = json!(mode);
    run(c, value_result("m", value)).unwrap()
}

#[test]
fn linear_is_capped_at_the_target_and_respects_the_floor() {
    assert_eq!(total(&linear("0.329", "floor", "7860000", None)), "3232425");
    assert_eq!(total(&linear("0.8", "floor", "7860000", None)), "7860000");
    let over = linear("0.95", "floor", "7860000", None);
    assert_eq!(total(&over), "7860000");
    assert!(over.lines[0].explanation.notes[0].contains("exceeds 100 %"));
    assert_eq!(total(&linear("0", "floor", "7860000", None)), "0");
    assert_eq!(
        total(&linear("0.2", "floor", "1000", Some("0.5"))),
        "0",
        "below the floor"
    );
    assert_eq!(
        total(&linear("0.4", "floor", "1000", Some("0.5"))),
        "500",
        "exactly at the floor"
    );
}

#[test]
fn rounding_at_half_units_follows_the_policy() {
    // 5 × 0.1 / 0.8 = 0.625 yen... scaled: max 5, value 0.5 → 5 × 0.625 = 3.125; max 4 → 2.5.
    assert_eq!(total(&linear("0.5", "floor", "4", None)), "2");
    assert_eq!(total(&linear("0.5", "half_up", "4", None)), "3");
    assert_eq!(total(&linear("0.5", "half_even", "4", None)), "2");
    assert_eq!(total(&linear("0.5", "ceiling", "4", None)), "3");
    assert_eq!(total(&linear("0.5", "half_down", "4", None)), "2");
    let s = linear("0.5", "half_even", "4", None);
    assert_eq!(s.lines[0].explanation.raw_amount, "2.5");
    assert!(
        s.lines[0].explanation.rounding.contains("2.5 → 2"),
        "{}",
        s.lines[0].explanation.rounding
    );
}

#[test]
fn linear_lower_is_better_uses_the_baseline() {
    let mut m = metric("m", "count", "lower_is_better");
    m["baseline"] = json!("100");
    let c = contract(
        json!([m]),
        json!([{"id": "c", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "60", "max_amount": "1000"}}]),
    );
    // (100 − 80) / (100 − 60) = 0.5
    assert_eq!(
        run(c.clone(), value_result("m", "80")).unwrap().total,
        "500"
    );
    assert_eq!(
        run(c.clone(), value_result("m", "120")).unwrap().total,
        "0",
        "worse than baseline pays nothing"
    );
    assert_eq!(run(c, value_result("m", "50")).unwrap().total, "1000");
}

fn corridor(value: &str, steps: Value) -> String {
    let c = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([{"id": "c", "tranche": "t1", "rule": {"type": "corridor", "metric": "m", "none_at": "0.79", "full_at": "0.87", "max_amount": "4880000", "steps": steps}}]),
    );
    run(c, value_result("m", value)).unwrap().total
}

#[test]
fn corridor_edges_linear_and_step_table() {
    assert_eq!(corridor("0.79", json!([])), "0", "at none_at");
    assert_eq!(corridor("0.5", json!([])), "0");
    assert_eq!(corridor("0.87", json!([])), "4880000", "at full_at");
    assert_eq!(corridor("0.83", json!([])), "2440000", "halfway is half");
    let table = json!([{"at": "0.80", "amount": "1600000"}, {"at": "0.82", "amount": "2960000"}]);
    assert_eq!(corridor("0.821", table.clone()), "2960000");
    assert_eq!(corridor("0.7999", table.clone()), "0");
    assert_eq!(corridor("0.9", table), "4880000");
}

fn records(rows: &[(&str, &str, &str)]) -> Value {
    json!({"participant_outcomes": rows.iter().map(|(p, o, d)| json!({"participant": p, "outcome": o, "achieved_on": d})).collect::<Vec<_>>()})
}

fn rate_card_contract(
    cap_per_participant: Option<&str>,
    outcome_cap: Option<&str>,
    max_per: Option<u32>,
) -> Value {
    let mut job = json!({"outcome": "job", "price": "100"});
    if let Some(cap) = outcome_cap {
        job["cap"] = json!(cap);
    }
    if let Some(m) = max_per {
        job["max_per_participant"] = json!(m);
    }
    let mut rule = json!({"type": "rate_card", "metric": "m", "outcomes": [job, {"outcome": "training", "price": "40"}]});
    if let Some(cap) = cap_per_participant {
        rule["cap_per_participant"] = json!(cap);
    }
    let mut c = contract(
        json!([metric("m", "count", "higher_is_better")]),
        json!([{"id": "c", "tranche": "t1", "rule": rule}]),
    );
    c["tranches"] = json!([{"id": "t1", "due_on": "2025-03-31", "outcomes_from": "2024-04-01"}]);
    c
}

#[test]
fn rate_card_pays_each_outcome_once_per_participant_within_the_window() {
    let rows = [
        ("a", "job", "2024-05-01"),
        ("a", "job", "2024-06-01"), // repeat: not paid again
        ("b", "job", "2024-05-01"),
        ("b", "training", "2024-05-01"),
        ("c", "job", "2025-04-01"), // after the window
        ("d", "job", "2024-03-31"), // before the window
        ("e", "unpriced", "2024-05-01"),
    ];
    let s = run(rate_card_contract(None, None, None), records(&rows)).unwrap();
    assert_eq!(s.total, "240");
    assert!(s.lines[0].explanation.notes[0].contains("1 repeat `job`"));
    let twice = run(rate_card_contract(None, None, Some(2)), records(&rows)).unwrap();
    assert_eq!(twice.total, "340", "a second job is payable when allowed");
    let empty = run(rate_card_contract(None, None, None), json!({})).unwrap();
    assert_eq!(empty.total, "0", "zero participants");
    assert_eq!(empty.lines[0].status, LineStatus::NotMet);
}

#[test]
fn rate_card_caps_per_participant_and_per_outcome_bind_and_say_so() {
    let rows = [
        ("a", "job", "2024-05-01"),
        ("a", "training", "2024-05-02"),
        ("b", "job", "2024-05-01"),
        ("c", "job", "2024-05-01"),
    ];
    let s = run(rate_card_contract(Some("120"), None, None), records(&rows)).unwrap();
    // a: 100 + min(40, 20) = 120; b: 100; c: 100.
    assert_eq!(s.total, "320");
    assert_eq!(s.lines[0].explanation.caps[0].cap, "cap per participant");
    assert_eq!(s.lines[0].explanation.caps[0].reduced_by, "20");
    // A cap that binds inside the rule makes the line `capped`, as one outside it does.
    assert_eq!(s.lines[0].status, LineStatus::Capped);
    let s = run(rate_card_contract(None, Some("250"), None), records(&rows)).unwrap();
    assert_eq!(
        s.total, "290",
        "job capped at 250 in total, plus training 40"
    );
    assert_eq!(s.lines[0].explanation.caps[0].reduced_by, "50");
    assert_eq!(s.lines[0].status, LineStatus::Capped);
    let uncapped = run(rate_card_contract(None, None, None), records(&rows)).unwrap();
    assert_eq!(uncapped.lines[0].status, LineStatus::Earned);
}

/// A loan of 10,000,000 half-guaranteed by a guarantor that committed only 1,000,000, in a
/// two-tranche contract paying `paid` on the first tranche and, on the second, 1 per unit of
/// `m` (absent: awaiting data).
fn guaranteed(second: Option<&str>) -> Statement {
    let mut c = contract(
        json!([metric("m", "count", "higher_is_better")]),
        json!([
            {"id": "fee", "tranche": "t1", "rule": {"type": "fixed", "amount": "2000000"}},
            {"id": "per", "tranche": "t2", "rule": {"type": "tiered", "metric": "m",
             "steps": [{"at": "1", "amount": "1000000"}]}}
        ]),
    );
    c["tranches"] =
        json!([{"id": "t1", "due_on": "2025-03-31"}, {"id": "t2", "due_on": "2026-03-31"}]);
    c["investments"] = json!([
        {"id": "loan", "investor": "bank", "instrument": "senior_loan", "committed": "10000000",
         "drawdowns": [{"on": "2024-04-01", "amount": "10000000"}]},
        {"id": "g", "investor": "foundation", "instrument": "guarantee", "committed": "1000000",
         "covers": {"share": "0.5", "investments": ["loan"]}}
    ]);
    c["waterfall"] = json!([{"type": "principal", "class": "senior"}]);
    let outcomes = match second {
        Some(v) => json!({"results": [{"metric": "m", "tranche": "t2", "value": v}]}),
        None => json!({}),
    };
    run(c, outcomes).unwrap()
}

#[test]
fn a_guarantee_pays_no_more_than_its_guarantor_committed() {
    // Final: 2,000,000 + 1,000,000 repaid, 7,000,000 lost; half is 3,500,000, but the guarantor
    // committed 1,000,000: it pays 1,000,000 and the loan still loses 6,000,000.
    let s = guaranteed(Some("1"));
    let d = s.distribution.as_ref().unwrap();
    let bank = d.investors.iter().find(|i| i.investor == "bank").unwrap();
    let foundation = d
        .investors
        .iter()
        .find(|i| i.investor == "foundation")
        .unwrap();
    assert_eq!(bank.outstanding_principal, "7000000");
    assert_eq!(bank.guarantee_cover, "1000000");
    assert_eq!(bank.loss, "6000000");
    assert_eq!(foundation.guarantee_paid, "1000000");
    assert_eq!(foundation.guarantee_committed, "1000000");
    assert!(bank.irr.is_some());
    assert!(bank.projected.is_none());
}

#[test]
fn a_guarantee_is_called_only_when_every_tranche_is_final() {
    // The second tranche awaits data: nothing is called, no loss is realised and no IRR is
    // stated; the projected position says what it would be.
    let s = guaranteed(None);
    assert!(s.lines.iter().any(|l| l.status == LineStatus::AwaitingData));
    let d = s.distribution.as_ref().unwrap();
    let bank = d.investors.iter().find(|i| i.investor == "bank").unwrap();
    let foundation = d
        .investors
        .iter()
        .find(|i| i.investor == "foundation")
        .unwrap();
    assert_eq!(bank.guarantee_cover, "0");
    assert_eq!(bank.loss, "0");
    assert_eq!(foundation.guarantee_paid, "0");
    assert!(bank.irr.is_none());
    let projected = bank.projected.as_ref().unwrap();
    assert_eq!(projected.guarantee_cover, "1000000");
    assert_eq!(
        projected.loss, "7000000",
        "8,000,000 outstanding less the 1,000,000 cover"
    );
    assert!(projected.irr.is_some());
}

#[test]
fn person_periods_count_each_period_once_and_stop_at_the_maximum() {
    let c = contract(
        json!([metric("m", "person_periods", "higher_is_better")]),
        json!([{"id": "c", "tranche": "t1", "rule": {"type": "person_period", "metric": "m", "state": "ok", "price_per_period": "1000", "max_periods_per_participant": 2}}]),
    );
    let rows = [
        ("a", "ok", "2024-06-30"),
        ("a", "ok", "2024-06-30"),
        ("a", "ok", "2024-09-30"),
        ("a", "ok", "2024-12-31"),
        ("b", "ok", "2024-06-30"),
    ];
    let s = run(c, records(&rows)).unwrap();
    assert_eq!(s.total, "3000");
    assert_eq!(
        s.lines[0].explanation.notes.len(),
        2,
        "{:?}",
        s.lines[0].explanation.notes
    );
}

#[test]
fn all_or_nothing_conditions() {
    let c = contract(
        json!([
            metric("a", "rate", "higher_is_better"),
            metric("b", "rate", "higher_is_better")
        ]),
        json!([{"id": "c", "tranche": "t1", "conditions": [{"metric": "a", "at_least": "0.8"}, {"metric": "b", "at_least": "0.75"}], "rule": {"type": "fixed", "amount": "15720000"}}]),
    );
    let both =
        json!({"results": [{"metric": "a", "value": "0.8"}, {"metric": "b", "value": "0.75"}]});
    assert_eq!(
        run(c.clone(), both).unwrap().total,
        "15720000",
        "exactly at both thresholds"
    );
    let one =
        json!({"results": [{"metric": "a", "value": "1"}, {"metric": "b", "value": "0.7499"}]});
    let s = run(c.clone(), one).unwrap();
    assert_eq!(s.total, "0");
    assert_eq!(s.lines[0].status, LineStatus::NotMet);
    assert!(!s.lines[0].explanation.conditions[1].met);
    let missing = json!({"results": [{"metric": "a", "value": "1"}]});
    assert_eq!(
        run(c, missing).unwrap().lines[0].status,
        LineStatus::AwaitingData
    );
}

#[test]
fn comparison_effects_blends_and_per_unit() {
    let c = contract(
        json!([metric("r", "count", "lower_is_better")]),
        json!([{"id": "c", "tranche": "t1", "rule": {"type": "comparison", "metric": "r", "effect": "relative", "pay": {"type": "threshold", "at_least": "0.1", "amount": "500"}}}]),
    );
    let at = json!({"results": [{"metric": "r", "value": "0.9", "comparison": "1"}]});
    assert_eq!(
        run(c.clone(), at).unwrap().total,
        "500",
        "exactly a 10 % reduction"
    );
    let worse = json!({"results": [{"metric": "r", "value": "1.1", "comparison": "1"}]});
    assert_eq!(run(c.clone(), worse).unwrap().total, "0");
    let zero = json!({"results": [{"metric": "r", "value": "1", "comparison": "0"}]});
    assert_eq!(
        run(c, zero).unwrap().lines[0].status,
        LineStatus::AwaitingData
    );

    let per_unit = contract(
        json!([metric("r", "count", "lower_is_better")]),
        json!([{"id": "c", "tranche": "t1", "rule": {"type": "comparison", "metric": "r", "effect": "absolute",
            "blend": [{"source": "rct", "weight": "0.8"}, {"source": "did", "weight": "0.2"}],
            "pay": {"type": "per_unit", "price": "1000", "per_participant": true}}}]),
    );
    let data = json!({"results": [{"metric": "r", "cohort_size": "100", "estimates": [
        {"source": "rct", "treated": "1.0", "comparison": "1.5"},
        {"source": "did", "treated": "1.0", "comparison": "2.0"}]}]});
    // effect 0.8 × 0.5 + 0.2 × 1.0 = 0.6 per person; × 100 people × 1000.
    assert_eq!(run(per_unit.clone(), data).unwrap().total, "60000");
    let negative = json!({"results": [{"metric": "r", "cohort_size": "100", "estimates": [
        {"source": "rct", "treated": "2.0", "comparison": "1.0"}, {"source": "did", "treated": "2.0", "comparison": "1.0"}]}]});
    assert_eq!(
        run(per_unit, negative).unwrap().total,
        "0",
        "a harmful effect pays nothing"
    );
}

#[test]
fn contract_cap_binds_and_says_by_how_much() {
    let mut c = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([
            {"id": "fixed", "tranche": "t1", "rule": {"type": "fixed", "amount": "600"}},
            {"id": "lin", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "1", "max_amount": "1000"}}
        ]),
    );
    c["max_total_payment"] = json!("1000");
    let s = run(c, value_result("m", "0.7")).unwrap();
    assert_eq!(s.total, "1000");
    assert_eq!(s.lines[1].status, LineStatus::Capped);
    assert_eq!(s.lines[1].amount, "400");
    let cap = &s.lines[1].explanation.caps[0];
    assert!(cap.cap.contains("支払上限額"));
    assert_eq!(cap.reduced_by, "300");
}

#[test]
fn payer_shares_split_exactly_and_payer_caps_bind() {
    let mut c = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([
            {"id": "lin", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "1", "max_amount": "1001"}}
        ]),
    );
    c["payers"] = json!([{"id": "city", "share": "0.8"}, {"id": "fund", "share": "0.2", "max_payment": "150"}]);
    let s = run(c, value_result("m", "1")).unwrap();
    // 1001 × 0.8 = 800.8 → 801 by largest remainder; fund 200.2 → 200, capped at 150.
    assert_eq!(s.lines[0].payers[0].amount, "801");
    assert_eq!(s.lines[0].payers[1].amount, "150");
    assert_eq!(s.total, "951");
    assert!(
        s.lines[0].explanation.caps[0]
            .cap
            .contains("payer cap `fund`")
    );
}

#[test]
fn an_empty_period_pays_nothing() {
    let mut c = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([
            {"id": "lin", "tranche": "t2", "rule": {"type": "linear", "metric": "m", "target": "1", "max_amount": "1000"}}
        ]),
    );
    c["tranches"] =
        json!([{"id": "t1", "due_on": "2024-03-31"}, {"id": "t2", "due_on": "2025-03-31"}]);
    let s = run(c, value_result("m", "0.5")).unwrap();
    assert_eq!(s.tranches[0].total, "0");
    assert_eq!(s.tranches[1].total, "500");
}

#[test]
fn invalid_terms_are_refused_naming_each_field() {
    let mut c = contract(
        json!([
            metric("m", "rate", "higher_is_better"),
            metric("unused", "count", "higher_is_better")
        ]),
        json!([
            {"id": "f", "tranche": "t1", "cap": "10", "rule": {"type": "fixed", "amount": "100"}},
            {"id": "t", "tranche": "t1", "rule": {"type": "tiered", "metric": "m", "steps": [{"at": "0.5", "amount": "10"}, {"at": "0.4", "amount": "20"}]}},
            {"id": "x", "tranche": "nope", "rule": {"type": "fixed", "amount": "-1"}}
        ]),
    );
    c["payers"] = json!([{"id": "a", "share": "0.6"}, {"id": "b", "share": "0.3"}]);
    c["max_total_payment"] = json!("50");
    c["metrics"][0]["target"] = json!("1.5");
    let Err(EngineError::Contract(issues)) = run(c, json!({})) else {
        panic!("must be refused")
    };
    let paths: Vec<&str> = issues.iter().map(|i| i.path.en.as_str()).collect();
    for expected in [
        "payers",
        "metrics[0].target",
        "components[0].cap",
        "components[1].rule.steps[1].at",
        "components[2].tranche",
        "components[2].rule.amount",
        "metrics[1]",
        "max_total_payment",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
}

/// A cap per one counted names a metric that counts; a rate or an unknown id is refused at the
/// field, and the count metric is not "unused".
#[test]
fn a_cap_per_count_needs_a_count_metric() {
    let mut c = contract(
        json!([
            metric("m", "rate", "higher_is_better"),
            metric("places", "count", "higher_is_better")
        ]),
        json!([{"id": "lin", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "1", "max_amount": "1000"}}]),
    );
    c["tranches"] = json!([
        {"id": "t1", "due_on": "2025-03-31", "cap_per_count": {"metric": "m", "amount": "10"}},
        {"id": "t2", "due_on": "2026-03-31", "cap_per_count": {"metric": "ghost", "amount": "-1"}},
        {"id": "t3", "due_on": "2027-03-31", "cap_per_count": {"metric": "places", "amount": "10"}}
    ]);
    let Err(EngineError::Contract(issues)) = run(c, json!({})) else {
        panic!("must be refused")
    };
    let paths: Vec<&str> = issues.iter().map(|i| i.path.en.as_str()).collect();
    assert_eq!(
        paths,
        [
            "tranches[0].cap_per_count.metric",
            "tranches[1].cap_per_count.amount",
            "tranches[1].cap_per_count.metric"
        ],
        "{issues:?}"
    );
    assert!(issues[0].message.en.contains("`rate`"), "{:?}", issues[0]);
}

/// The cap is the amount per one counted times the verified count, rounded down to the minor
/// unit (cents here, 2.5 places in full-time equivalents: 12.35 × 2.5 = 30.875 → 30.87),
/// cumulative over the tranche's lines.
#[test]
fn a_cap_per_count_follows_the_verified_count() {
    let mut c = contract(
        json!([
            metric("m", "rate", "higher_is_better"),
            metric("places", "count", "higher_is_better")
        ]),
        json!([
            {"id": "a", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "1", "max_amount": "30"}},
            {"id": "b", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "1", "max_amount": "30"}}
        ]),
    );
    c["currency"] = json!("USD");
    c["rounding"] = json!({"unit": "0.01", "mode": "floor"});
    c["tranches"][0]["cap_per_count"] = json!({"metric": "places", "amount": "12.35"});
    let counted =
        json!({"results": [{"metric": "m", "value": "1"}, {"metric": "places", "value": "2.5"}]});
    let s = run(c.clone(), counted).unwrap();
    assert_eq!(s.lines[0].amount, "30.00");
    assert_eq!(s.lines[1].amount, "0.87", "{:?}", s.lines[1]);
    assert_eq!(s.total, "30.87");

    let uncounted = json!({"results": [{"metric": "m", "value": "1"}]});
    let s = run(c, uncounted).unwrap();
    assert_eq!(s.total, "0.00");
    assert!(
        s.lines.iter().all(|l| l.status == LineStatus::AwaitingData),
        "{:?}",
        s.lines
    );
}

/// A deduction (指標連動方式): points for each indicator not met, the highest band reached
/// deducts its share; an indicator without a verified value leaves the line awaiting it; bands
/// out of order, a share above 1 and an indicator without a bound are refused at their fields.
#[test]
fn a_deduction_takes_the_band_the_points_reach() {
    let rule = |bands: Value| {
        json!({"type": "deduction", "base": "1000",
               "indicators": [{"metric": "r", "at_least": "0.8", "points": 2}, {"metric": "n", "at_most": "3", "points": 1}],
               "bands": bands})
    };
    let c = |bands: Value| {
        contract(
            json!([
                metric("r", "rate", "higher_is_better"),
                metric("n", "count", "lower_is_better")
            ]),
            json!([{"id": "d", "tranche": "t1", "rule": rule(bands)}]),
        )
    };
    let bands = json!([{"points": 1, "deduct": "0.1"}, {"points": 3, "deduct": "1"}]);
    let values = |r: &str, n: &str| json!({"results": [{"metric": "r", "value": r}, {"metric": "n", "value": n}]});
    let amount = |r: &str, n: &str| run(c(bands.clone()), values(r, n)).unwrap().lines[0].clone();
    assert_eq!(amount("0.9", "3").amount, "1000");
    assert_eq!(amount("0.9", "4").amount, "900");
    assert_eq!(amount("0.7", "3").amount, "900");
    let all = amount("0.7", "4");
    assert_eq!((all.amount.as_str(), all.status), ("0", LineStatus::NotMet));

    let s = run(
        c(bands.clone()),
        json!({"results": [{"metric": "r", "value": "0.9"}]}),
    )
    .unwrap();
    assert_eq!(s.lines[0].status, LineStatus::AwaitingData);

    let bad = json!([{"points": 3, "deduct": "0.2"}, {"points": 2, "deduct": "1.5"}]);
    let mut terms = c(bad);
    terms["components"][0]["rule"]["indicators"][1] = json!({"metric": "n", "points": 0});
    let Err(EngineError::Contract(issues)) = run(terms, json!({})) else {
        panic!("must be refused")
    };
    let paths: Vec<&str> = issues.iter().map(|i| i.path.en.as_str()).collect();
    for expected in [
        "components[0].rule.indicators[1]",
        "components[0].rule.indicators[1].points",
        "components[0].rule.bands[1].deduct",
        "components[0].rule.bands[1]",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
}

#[test]
fn outcome_data_is_checked_against_the_contract() {
    let c = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([
            {"id": "lin", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "1", "max_amount": "1000"}}
        ]),
    );
    let bad =
        json!({"results": [{"metric": "m", "value": "1.3"}, {"metric": "ghost", "value": "1"}]});
    let Err(EngineError::Outcomes(issues)) = run(c, bad) else {
        panic!("must be refused")
    };
    assert_eq!(issues[0].path.en, "results[0].value");
    assert_eq!(issues[1].path.en, "results[1].metric");
}

#[test]
fn same_inputs_give_byte_identical_statements() {
    let c = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([
            {"id": "lin", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "0.8", "max_amount": "7860000"}}
        ]),
    );
    let a = serde_json::to_vec(&run(c.clone(), value_result("m", "0.329")).unwrap()).unwrap();
    let b = serde_json::to_vec(&run(c, value_result("m", "0.329")).unwrap()).unwrap();
    assert_eq!(a, b);
}

// ---- Properties -------------------------------------------------------------------------

fn dec(units: u64, scale: u32) -> String {
    rust_decimal::Decimal::new(units as i64, scale).to_string()
}

prop_compose! {
    /// A random contract of linear, tiered, corridor and fixed components over up to three
    /// tranches and payers, with random caps, a waterfall, and random outcome values.
    fn arbitrary_case()(
        payer_weights in proptest::collection::vec(1_u64..100, 1..4),
        payer_caps in proptest::collection::vec(proptest::option::of(0_u64..5_000_000), 3),
        tranche_caps in proptest::collection::vec(proptest::option::of(0_u64..5_000_000), 3),
        tranche_count in 1_usize..4,
        max_total in proptest::option::of(0_u64..8_000_000),
        kinds in proptest::collection::vec((0_u8..4, 0_usize..3, 0_u64..3_000_000), 1..6),
        values in proptest::collection::vec(0_u64..=1000, 6),
        drawn in proptest::collection::vec(1_u64..3_000_000, 3),
        rate in 0_u64..100,
    ) -> (Value, Value) {
        // Shares in ten-thousandths summing to exactly 1.
        let total_w: u64 = payer_weights.iter().sum();
        let mut shares: Vec<u64> = payer_weights.iter().map(|w| w * 10_000 / total_w).collect();
        let assigned: u64 = shares.iter().sum();
        shares[0] += 10_000 - assigned;
        let payers: Vec<Value> = shares.iter().enumerate().map(|(i, s)| {
            let mut p = json!({"id": format!("p{i}"), "share": dec(*s, 4)});
            if let Some(cap) = payer_caps[i] { p["max_payment"] = json!(cap.to_string()); }
            p
        }).collect();
        let tranches: Vec<Value> = (0..tranche_count).map(|i| {
            let mut t = json!({"id": format!("t{i}"), "due_on": format!("{}-03-31", 2021 + i)});
            if let Some(cap) = tranche_caps[i] { t["cap"] = json!(cap.to_string()); }
            t
        }).collect();
        let metrics: Vec<Value> = (0..kinds.len()).map(|i| metric(&format!("m{i}"), "rate", "higher_is_better")).collect();
        let components: Vec<Value> = kinds.iter().enumerate().map(|(i, (kind, tranche, amount))| {
            let m = format!("m{i}");
            let rule = match kind {
                0 => json!({"type": "linear", "metric": m, "target": "0.8", "max_amount": amount.to_string()}),
                1 => json!({"type": "tiered", "metric": m, "steps": [{"at": "0.3", "amount": (amount / 3).to_string()}, {"at": "0.6", "amount": amount.to_string()}]}),
                2 => json!({"type": "corridor", "metric": m, "none_at": "0.2", "full_at": "0.9", "max_amount": amount.to_string()}),
                _ => json!({"type": "fixed", "amount": "0"}),
            };
            let mut c = json!({"id": format!("c{i}"), "tranche": format!("t{}", tranche % tranche_count), "rule": rule});
            if *kind == 3 {
                c["conditions"] = json!([{"metric": m, "at_least": "0.5"}]);
                c["rule"] = json!({"type": "fixed", "amount": (amount / 2).to_string()});
            }
            c
        }).collect();
        let investments = json!([
            {"id": "senior", "investor": "bank", "instrument": "senior_loan", "committed": drawn[0].to_string(), "drawdowns": [{"on": "2020-04-01", "amount": drawn[0].to_string()}], "annual_rate": dec(rate, 3)},
            {"id": "sub", "investor": "fund", "instrument": "subordinated_loan", "committed": drawn[1].to_string(), "drawdowns": [{"on": "2020-04-01", "amount": drawn[1].to_string()}], "annual_rate": "0.05"},
            {"id": "eq", "investor": "fund", "instrument": "equity", "committed": drawn[2].to_string(), "drawdowns": [{"on": "2020-06-01", "amount": drawn[2].to_string()}]},
            {"id": "g", "investor": "foundation", "instrument": "guarantee", "committed": "1000000", "covers": {"share": "0.5", "investments": ["senior"]}}
        ]);
        let waterfall = json!([
            {"type": "fee", "name": "admin", "recipient": "intermediary", "amount": "10000"},
            {"type": "interest", "class": "senior"}, {"type": "principal", "class": "senior"},
            {"type": "interest", "class": "subordinated"}, {"type": "principal", "class": "subordinated"},
            {"type": "principal", "class": "equity"}, {"type": "residual", "class": "equity", "share": "0.7"}
        ]);
        let mut contract = json!({
            "schema": "seika.contract.v1", "code": "t", "currency": "JPY",
            "rounding": {"unit": "1", "mode": "half_even"},
            "payers": payers, "tranches": tranches, "metrics": metrics, "components": components,
            "investments": investments, "waterfall": waterfall,
        });
        if let Some(max) = max_total { contract["max_total_payment"] = json!(max.to_string()); }
        let results: Vec<Value> = (0..kinds.len()).map(|i| json!({"metric": format!("m{i}"), "value": dec(values[i % values.len()], 3)})).collect();
        (contract, json!({"results": results}))
    }
}

fn minor(s: &str) -> i64 {
    s.parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn no_cap_is_exceeded_nothing_is_negative_and_money_reconciles((contract, outcomes) in arbitrary_case()) {
        let statement = match run(contract.clone(), outcomes) {
            Ok(s) => s,
            // Random fixed fees may exceed random caps: the contract is then refused as invalid.
            Err(EngineError::Contract(issues)) => {
                prop_assert!(issues.iter().all(|i| i.path.en.ends_with("cap") || i.path.en == "max_total_payment"), "{issues:?}");
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        let total = minor(&statement.total);
        prop_assert!(total >= 0);
        if let Some(max) = contract.get("max_total_payment") {
            prop_assert!(total <= minor(max.as_str().unwrap()));
        }
        let lines_total: i64 = statement.lines.iter().map(|l| minor(&l.amount)).sum();
        prop_assert_eq!(lines_total, total);
        for line in &statement.lines {
            prop_assert!(minor(&line.amount) >= 0);
            let payers: i64 = line.payers.iter().map(|p| minor(&p.amount)).sum();
            prop_assert_eq!(payers, minor(&line.amount));
            prop_assert!(line.payers.iter().all(|p| minor(&p.amount) >= 0));
        }
        for (i, p) in statement.payers.iter().enumerate() {
            if let Some(cap) = contract["payers"][i].get("max_payment") {
                prop_assert!(minor(&p.total) <= minor(cap.as_str().unwrap()));
            }
        }
        for (i, t) in statement.tranches.iter().enumerate() {
            if let Some(cap) = contract["tranches"][i].get("cap") {
                prop_assert!(minor(&t.total) <= minor(cap.as_str().unwrap()));
            }
        }
        let d = statement.distribution.as_ref().unwrap();
        prop_assert_eq!(&d.reconciliation.difference, "0");
        prop_assert_eq!(minor(&d.reconciliation.received), total);
        for t in &d.tranches {
            let paid: i64 = t.payments.iter().map(|p| minor(&p.amount)).sum();
            prop_assert!(t.payments.iter().all(|p| minor(&p.amount) > 0));
            prop_assert_eq!(paid + minor(&t.retained), minor(&t.received));
        }
        for inv in &d.investors {
            prop_assert!(minor(&inv.outstanding_principal) >= 0);
            prop_assert!(minor(&inv.loss) >= 0);
            prop_assert!(minor(&inv.principal) <= minor(&inv.drawn));
        }
    }

    #[test]
    fn monotone_rules_are_monotone(kind in 0_u8..3, a in 0_u64..=1000, b in 0_u64..=1000, amount in 0_u64..10_000_000) {
        let (low, high) = (a.min(b), a.max(b));
        let rule = match kind {
            0 => json!({"type": "linear", "metric": "m", "target": "0.8", "max_amount": amount.to_string()}),
            1 => json!({"type": "tiered", "metric": "m", "steps": [{"at": "0.3", "amount": (amount / 3).to_string()}, {"at": "0.6", "amount": amount.to_string()}]}),
            _ => json!({"type": "corridor", "metric": "m", "none_at": "0.2", "full_at": "0.9", "max_amount": amount.to_string()}),
        };
        let c = contract(json!([metric("m", "rate", "higher_is_better")]), json!([{"id": "c", "tranche": "t1", "rule": rule}]));
        let pay = |v: u64| minor(&run(c.clone(), value_result("m", &dec(v, 3))).unwrap().total);
        prop_assert!(pay(low) <= pay(high));
        prop_assert!(pay(high) <= i64::try_from(amount).unwrap());
    }
}

prop_compose! {
    /// A contract of rate-card, person-period, comparison and savings-share components (the four
    /// rule types `arbitrary_case` leaves out), with random participant records, comparison
    /// values, savings and prices, some of them near the edge of what `i64` minor units hold.
    fn participant_case()(
        kinds in proptest::collection::vec((0_u8..5, 0_u64..5_000_000), 1..5),
        events in proptest::collection::vec((0_u8..20, 0_u8..3, 0_u32..700), 0..60),
        treated in 0_u64..=2000,
        comparison in 0_u64..=2000,
        savings in 0_u64..50_000_000,
        huge in proptest::bool::ANY,
        cap_per_participant in proptest::option::of(1_u64..500_000),
        max_total in proptest::option::of(0_u64..20_000_000),
    ) -> (Value, Value) {
        let price = |amount: u64| if huge { "900000000000000000".to_owned() } else { amount.to_string() };
        let mut metrics = Vec::new();
        let components: Vec<Value> = kinds.iter().enumerate().map(|(i, (kind, amount))| {
            let m = format!("m{i}");
            let rule = match kind {
                0 => {
                    metrics.push(metric(&m, "count", "higher_is_better"));
                    let mut r = json!({"type": "rate_card", "metric": m, "outcomes": [
                        {"outcome": "job", "price": price(*amount), "max_per_participant": 2},
                        {"outcome": "training", "price": (amount / 7).to_string(), "cap": (amount * 3).to_string()}]});
                    if let Some(cap) = cap_per_participant { r["cap_per_participant"] = json!(cap.to_string()); }
                    r
                }
                1 => {
                    metrics.push(metric(&m, "person_periods", "higher_is_better"));
                    json!({"type": "person_period", "metric": m, "state": "stable", "price_per_period": price(*amount), "max_periods_per_participant": 4})
                }
                2 => {
                    metrics.push(metric(&m, "count", "lower_is_better"));
                    json!({"type": "comparison", "metric": m, "effect": "absolute",
                           "pay": {"type": "per_unit", "price": price(*amount), "per_participant": true}})
                }
                3 => {
                    metrics.push(metric(&m, "money", "higher_is_better"));
                    json!({"type": "savings_share", "metric": m, "share_before": "0.5", "share_after": "0.1", "switch_after": amount.to_string()})
                }
                _ => {
                    metrics.push(metric(&m, "count", "lower_is_better"));
                    json!({"type": "deduction", "base": price(*amount),
                           "indicators": [{"metric": m, "at_most": "500", "points": 2}, {"metric": m, "at_most": "1000", "points": 1}],
                           "bands": [{"points": 1, "deduct": "0.15"}, {"points": 3, "deduct": "0.55"}]})
                }
            };
            json!({"id": format!("c{i}"), "tranche": "t1", "rule": rule})
        }).collect();
        let mut c = contract(json!(metrics), json!(components));
        c["tranches"] = json!([{"id": "t1", "due_on": "2025-03-31", "outcomes_from": "2023-04-01"}]);
        if let Some(max) = max_total { c["max_total_payment"] = json!(max.to_string()); }
        let outcome = ["job", "training", "stable"];
        let records: Vec<Value> = events.iter().map(|(p, o, day)| json!({
            "participant": format!("p{p}"), "outcome": outcome[*o as usize],
            "achieved_on": (chrono::NaiveDate::from_ymd_opt(2023, 4, 1).unwrap() + chrono::Duration::days(i64::from(*day))).to_string()
        })).collect();
        let results: Vec<Value> = kinds.iter().enumerate().filter_map(|(i, (kind, _))| match kind {
            2 => Some(json!({"metric": format!("m{i}"), "value": dec(treated, 3), "comparison": dec(comparison, 3), "cohort_size": "50"})),
            3 => Some(json!({"metric": format!("m{i}"), "value": savings.to_string()})),
            4 => Some(json!({"metric": format!("m{i}"), "value": treated.to_string()})),
            _ => None,
        }).collect();
        (c, json!({"results": results, "participant_outcomes": records}))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Rate cards, person-periods, comparisons, savings shares and deductions: a statement or a clear
    /// refusal, never a panic; when computed, nothing negative, lines add up, payers add up to
    /// each line and the contract maximum holds.
    #[test]
    fn participant_rules_compute_or_refuse_and_respect_caps((contract, outcomes) in participant_case()) {
        let huge = contract.to_string().contains("900000000000000000");
        let statement = match run(contract.clone(), outcomes) {
            Ok(s) => s,
            Err(e) => {
                // Only amounts beyond what the currency's minor units hold are refused, and the
                // refusal names the component.
                prop_assert!(huge, "refused an ordinary case: {e}");
                prop_assert!(!e.issues().is_empty());
                prop_assert!(e.issues().iter().all(|i| i.path.en.starts_with("components.")), "{:?}", e.issues());
                return Ok(());
            }
        };
        let total = minor(&statement.total);
        prop_assert!(total >= 0);
        if let Some(max) = contract.get("max_total_payment") {
            prop_assert!(total <= minor(max.as_str().unwrap()));
        }
        let lines_total: i64 = statement.lines.iter().map(|l| minor(&l.amount)).sum();
        prop_assert_eq!(lines_total, total);
        for line in &statement.lines {
            prop_assert!(minor(&line.amount) >= 0);
            let payers: i64 = line.payers.iter().map(|p| minor(&p.amount)).sum();
            prop_assert_eq!(payers, minor(&line.amount));
            if !line.explanation.caps.is_empty() && minor(&line.amount) > 0 {
                prop_assert_eq!(line.status, LineStatus::Capped);
            }
        }
    }
}

/// A tranche's ceiling: its components' maxima, at most the contract's maximum; a rate card has
/// none of its own.
#[test]
fn tranche_and_fiscal_year_maxima() {
    let mut contract: Contract = serde_json::from_str(include_str!(
        "../../../docs/examples/kobe-dialysis.contract.json"
    ))
    .unwrap();
    assert_eq!(
        contract.tranche_maximum("interim"),
        Some(rust_decimal::Decimal::from(26_200_000))
    );
    assert_eq!(
        contract.tranche_maximum("final"),
        Some(rust_decimal::Decimal::from(7_860_000))
    );
    contract.max_total_payment = Some(rust_decimal::Decimal::from(30_000_000));
    let years = crate::figures::fiscal_year_maxima(&contract);
    assert_eq!(years[&2018], Some(rust_decimal::Decimal::from(26_200_000)));
    contract.max_total_payment = Some(rust_decimal::Decimal::from(20_000_000));
    assert_eq!(
        contract.tranche_maximum("interim"),
        Some(rust_decimal::Decimal::from(20_000_000))
    );
    // A rate card without a cap and no contract maximum: no ceiling.
    contract.max_total_payment = None;
    contract.components[2].rule = seika_core::contract::Rule::RateCard {
        metric: None,
        outcomes: vec![seika_core::contract::RateCardOutcome {
            outcome: "x".into(),
            name: None,
            price: rust_decimal::Decimal::from(1000),
            max_per_participant: None,
            cap: None,
            min_days_between: None,
            waiting_days: None,
        }],
        cap_per_participant: None,
        cap_per_participant_per_year: None,
    };
    assert_eq!(contract.tranche_maximum("final"), None);
    assert_eq!(crate::figures::fiscal_year_maxima(&contract)[&2020], None);
}

/// The IRR range while the final tranche awaits data: paying nothing gives the IRR of a statement
/// in which the final payment is zero, paying its maximum the IRR of one at the target.
#[test]
fn irr_range_brackets_the_outcomes_still_awaited() {
    let contract: Contract = serde_json::from_str(include_str!(
        "../../../docs/examples/kobe-dialysis.contract.json"
    ))
    .unwrap();
    let mut outcomes: Value = serde_json::from_str(include_str!(
        "../../../docs/examples/kobe-dialysis.outcomes.json"
    ))
    .unwrap();
    let with_egfr = |outcomes: &Value, value: Option<&str>| -> Statement {
        let mut o = outcomes.clone();
        let results = o["results"].as_array_mut().unwrap();
        results.retain(|r| r["metric"] != "egfr_decline_suppression");
        if let Some(v) = value {
            results.push(
                json!({"metric": "egfr_decline_suppression", "tranche": "final", "value": v}),
            );
        }
        compute(&contract, &serde_json::from_value(o).unwrap()).unwrap()
    };
    let awaiting = with_egfr(&outcomes, None);
    let waiting: std::collections::BTreeSet<String> = awaiting
        .lines
        .iter()
        .filter(|l| l.status == LineStatus::AwaitingData)
        .map(|l| l.tranche.clone())
        .collect();
    assert_eq!(waiting.iter().collect::<Vec<_>>(), ["final"]);
    let range = crate::figures::irr_range(&contract, &awaiting.tranches, &waiting).unwrap();
    let irr_of = |s: &Statement, investor: &str| {
        s.distribution
            .as_ref()
            .unwrap()
            .investors
            .iter()
            .find(|i| i.investor == investor)
            .unwrap()
            .irr
            .clone()
    };
    let (nothing, full) = (
        with_egfr(&outcomes, Some("0")),
        with_egfr(&outcomes, Some("0.80")),
    );
    assert!(!range.is_empty());
    for r in &range {
        assert_eq!(r.low, irr_of(&nothing, &r.investor), "{}", r.investor);
        assert_eq!(r.high, irr_of(&full, &r.investor), "{}", r.investor);
    }
    // The senior loan is repaid by the interim payment either way; the equity depends on the
    // final payment.
    let senior = range.iter().find(|r| r.investor == "smbc").unwrap();
    assert_eq!(senior.low, senior.high);
    let equity = range.iter().find(|r| r.investor == "siif").unwrap();
    let (low, high): (rust_decimal::Decimal, rust_decimal::Decimal) = (
        equity.low.as_deref().unwrap().parse().unwrap(),
        equity.high.as_deref().unwrap().parse().unwrap(),
    );
    assert!(low < high, "{low} < {high}");
    // Every tranche final: no range.
    outcomes = serde_json::from_str(include_str!(
        "../../../docs/examples/kobe-dialysis.outcomes.json"
    ))
    .unwrap();
    let done = with_egfr(&outcomes, Some("0.329"));
    assert!(
        crate::figures::irr_range(&contract, &done.tranches, &Default::default())
            .unwrap()
            .is_empty()
    );
}

proptest! {
    /// Money that does not depend on outcomes is kept apart: `non_contingent_total` is the sum of
    /// those lines, never above the total, and the total never above the maximum.
    #[test]
    fn non_contingent_money_reconciles(
        guaranteed in 0i64..6_000_000,
        fee in 0i64..2_000_000,
        attended in 0i64..=12_000,
        maximum in 1i64..12_000_000,
    ) {
        let mut contract: Value =
            serde_json::from_str(include_str!("../../../docs/examples/guaranteed-part.contract.json")).unwrap();
        contract["components"][0]["rule"]["amount"] = json!(guaranteed.to_string());
        contract["components"][1]["rule"]["amount"] = json!(fee.to_string());
        contract["max_total_payment"] = json!(maximum.to_string());
        let contract: Contract = serde_json::from_value(contract).unwrap();
        prop_assume!(contract.validate().is_empty());
        let outcomes: Outcomes = serde_json::from_value(json!({
            "schema": "seika.outcomes.v1", "contract": "guaranteed-part-2024",
            "results": [{"metric": "checkup_uptake", "tranche": "fy2025",
                         "numerator": attended.to_string(), "denominator": "12000"}]
        }))
        .unwrap();
        let s = compute(&contract, &outcomes).unwrap();
        let amount = |x: &str| x.parse::<i64>().unwrap();
        let kept_apart: i64 = s.lines.iter().filter(|l| !l.outcome_contingent).map(|l| amount(&l.amount)).sum();
        let non_contingent = amount(s.non_contingent_total.as_deref().unwrap());
        prop_assert_eq!(non_contingent, kept_apart);
        prop_assert!(non_contingent <= amount(&s.total));
        prop_assert!(amount(&s.total) <= maximum);
        let all: i64 = s.lines.iter().map(|l| amount(&l.amount)).sum();
        prop_assert_eq!(all, amount(&s.total));
    }
}

/// Only a fixed payment without conditions or milestone may be marked not outcome-contingent.
#[test]
fn only_unconditional_fixed_payments_may_be_non_contingent() {
    let mut contract: Value = serde_json::from_str(include_str!(
        "../../../docs/examples/guaranteed-part.contract.json"
    ))
    .unwrap();
    contract["components"][2]["outcome_contingent"] = json!(false);
    let contract: Contract = serde_json::from_value(contract).unwrap();
    let issues: Vec<String> = contract
        .validate()
        .iter()
        .map(|i| i.path.en.clone())
        .collect();
    assert_eq!(issues, ["components[2].outcome_contingent"]);
}

proptest! {
    /// Investments held in units: in every tranche the per-unit amount times the units plus the
    /// remainder is what the investment received plus what was carried in; over the statement
    /// what the holders got plus the remainders is what the investment received; no unit is ever
    /// paid more than its maximum; the money still reconciles to the unit.
    #[test]
    fn unit_distributions_reconcile_and_respect_the_maximum(
        units in 1u64..5_000,
        unit_price in prop_oneof![Just(10_000i64), Just(20_000i64), 1i64..100_000],
        max_rate in proptest::option::of(100i64..200),
        stepped in any::<bool>(),
        carried in any::<bool>(),
        retains in any::<bool>(),
        participation in 0i64..=1_200,
        improved in 0i64..=1_200,
        share in 0i64..=100,
    ) {
        let mut contract: Value =
            serde_json::from_str(include_str!("../../../docs/examples/retail-units.contract.json")).unwrap();
        let committed = i64::try_from(units).unwrap() * unit_price;
        let inv = &mut contract["investments"][1];
        inv["committed"] = json!(committed.to_string());
        inv["drawdowns"][0]["amount"] = json!(committed.to_string());
        inv["units"] = json!({
            "count": units, "unit_price": unit_price.to_string(),
            "remainder": if carried { "carried_forward" } else { "retained" },
        });
        if retains {
            inv["units"]["above_maximum"] = json!("retained");
        }
        match (max_rate, stepped) {
            (Some(rate), false) => {
                inv["units"]["max_redemption_rate"] = json!(rust_decimal::Decimal::new(rate, 2).to_string());
            }
            (Some(rate), true) => {
                inv["units"]["redemption_steps"] = json!([
                    {"at_share": "0", "rate": rust_decimal::Decimal::new(rate - 20, 2).to_string()},
                    {"at_share": "0.5", "rate": rust_decimal::Decimal::new(rate, 2).to_string()}]);
            }
            (None, _) => {}
        }
        contract["waterfall"][4]["share"] = json!(rust_decimal::Decimal::new(share, 2).to_string());
        let contract: Contract = serde_json::from_value(contract).unwrap();
        prop_assert!(contract.validate().is_empty(), "{:?}", contract.validate());
        let outcomes: Outcomes = serde_json::from_value(json!({
            "schema": "seika.outcomes.v1", "contract": "retail-units-2024",
            "results": [
                {"metric": "participation", "tranche": "interim", "numerator": participation.to_string(), "denominator": "1200"},
                {"metric": "frailty_improvement", "tranche": "final", "numerator": improved.to_string(), "denominator": "1200"}]
        }))
        .unwrap();
        let s = compute(&contract, &outcomes).unwrap();
        let amount = |x: &str| x.parse::<i64>().unwrap();
        let d = s.distribution.as_ref().unwrap();
        let n = i64::try_from(units).unwrap();
        let mut received = 0;
        let mut to_holders = 0;
        let mut per_unit = 0;
        for t in &d.tranches {
            received += t.payments.iter().filter(|p| p.to == "citizen-units").map(|p| amount(&p.amount)).sum::<i64>();
            for u in &t.per_unit {
                prop_assert_eq!(
                    amount(&u.per_unit) * n + amount(&u.remainder),
                    amount(&u.amount) + amount(&u.carried_in)
                );
                prop_assert!(amount(&u.remainder) < n, "a remainder smaller than one minor unit per unit");
                to_holders += amount(&u.to_holders);
                per_unit += amount(&u.per_unit);
            }
        }
        let h = &d.unit_holdings[0];
        prop_assert_eq!(amount(&h.distributed_per_unit), per_unit);
        prop_assert_eq!(amount(&h.to_holders), to_holders);
        prop_assert_eq!(
            to_holders + amount(&h.remainder_retained) + amount(&h.remainder_carried),
            received
        );
        if let Some(rate) = max_rate {
            // Stepped: the last step reached (rates never fall, so it is the largest applied).
            let max = amount(h.max_per_unit.as_deref().unwrap());
            prop_assert!(per_unit <= max, "{} per unit above the maximum {}", per_unit, max);
            if !stepped {
                prop_assert_eq!(max, unit_price * rate / 100);
            } else {
                prop_assert!(max == unit_price * rate / 100 || max == unit_price * (rate - 20) / 100);
            }
        }
        prop_assert_eq!(amount(&d.reconciliation.difference), 0);
        // Money above the maximum, when the contract retains it, is in the retained total.
        match (&h.held_back, retains) {
            (Some(held), true) => prop_assert!(amount(&d.reconciliation.retained) >= amount(held)),
            (None, false) => {}
            other => prop_assert!(false, "held_back shown for the wrong policy: {:?}", other),
        }
    }
}

/// Units must multiply out to the committed amount, on a loan, a bond or equity.
#[test]
fn units_must_add_up_to_the_commitment() {
    let mut contract: Value = serde_json::from_str(include_str!(
        "../../../docs/examples/retail-units.contract.json"
    ))
    .unwrap();
    contract["investments"][1]["units"]["count"] = json!(300);
    contract["investments"][1]["units"]["max_redemption_rate"] = json!("0");
    let contract: Contract = serde_json::from_value(contract).unwrap();
    let issues: Vec<String> = contract
        .validate()
        .iter()
        .map(|i| i.path.en.clone())
        .collect();
    assert_eq!(
        issues,
        [
            "investments[1].units",
            "investments[1].units.max_redemption_rate"
        ]
    );
}

proptest! {
    /// Yearly effect-size payments: each year pays max(0, min(1, effect ÷ target)) of its
    /// maximum, rounded down, whatever the sign of the effect; the total is their sum and never
    /// above the years' maxima.
    #[test]
    fn yearly_effect_payments_are_floored_at_zero_and_capped_at_each_maximum(
        effects in proptest::collection::vec(-100i64..100, 3),
    ) {
        let contract: Contract = serde_json::from_str(include_str!(
            "../../../docs/examples/yearly-effect.contract.json"
        ))
        .unwrap();
        let results: Vec<Value> = effects
            .iter()
            .zip(["fy2024", "fy2025", "fy2026"])
            .map(|(e, t)| json!({"metric": "hba1c_effect", "tranche": t,
                "value": rust_decimal::Decimal::new(*e, 2).to_string()}))
            .collect();
        let outcomes: Outcomes = serde_json::from_value(json!({
            "schema": "seika.outcomes.v1", "contract": "yearly-effect-2024", "results": results
        }))
        .unwrap();
        let s = compute(&contract, &outcomes).unwrap();
        let amount = |x: &str| x.parse::<i64>().unwrap();
        let mut total = 0;
        for (line, effect) in s.lines.iter().zip(&effects) {
            // 3,000,000 × clamp(effect / 0.20, 0, 1) with effect = e / 100: 150,000 × e.
            let expected = (150_000 * effect).clamp(0, 3_000_000);
            prop_assert_eq!(amount(&line.amount), expected, "effect {}", effect);
            total += expected;
        }
        prop_assert_eq!(amount(&s.total), total);
        prop_assert!(total <= 9_000_000);
    }
}

/// Outcome-linked redemption steps start at 0, rise in share, never lower the rate, and replace
/// a fixed maximum rather than add to it.
#[test]
fn redemption_steps_start_at_zero_and_never_fall() {
    let mut contract: Value = serde_json::from_str(include_str!(
        "../../../docs/examples/retail-units-stepped.contract.json"
    ))
    .unwrap();
    let units = &mut contract["investments"][1]["units"];
    units["redemption_steps"] = json!([
        {"at_share": "0.1", "rate": "1"},
        {"at_share": "0.5", "rate": "0.9"}]);
    units["max_redemption_rate"] = json!("1.05");
    let contract: Contract = serde_json::from_value(contract).unwrap();
    let issues: Vec<String> = contract
        .validate()
        .iter()
        .map(|i| i.path.en.clone())
        .collect();
    assert_eq!(
        issues,
        [
            "investments[1].units.redemption_steps",
            "investments[1].units.redemption_steps[0].at_share",
            "investments[1].units.redemption_steps[1]"
        ]
    );
}

/// A two-tranche rate card with one repeatable outcome (`min_days_between`, `max_per_participant`)
/// and one with a waiting period.
fn repeatable_contract(gap: u32, max: u32, wait: u32) -> Value {
    let rule = |_: &str| {
        json!({"type": "rate_card", "metric": "m", "outcomes": [
            {"outcome": "sustained", "price": "10", "max_per_participant": max, "min_days_between": gap},
            {"outcome": "start", "price": "1000", "waiting_days": wait}
        ]})
    };
    let mut c = contract(
        json!([metric("m", "count", "higher_is_better")]),
        json!([{"id": "c1", "tranche": "t1", "rule": rule("t1")}, {"id": "c2", "tranche": "t2", "rule": rule("t2")}]),
    );
    c["tranches"] = json!([
        {"id": "t1", "due_on": "2025-09-30", "outcomes_from": "2025-01-01", "outcomes_until": "2025-06-30"},
        {"id": "t2", "due_on": "2026-03-31", "outcomes_from": "2025-07-01", "outcomes_until": "2025-12-31"}
    ]);
    c
}

#[test]
fn a_job_start_waits_and_sustainment_is_paid_once_per_period() {
    let rows = [
        ("a", "start", "2025-06-20"), // claimable 2025-07-18: the second tranche
        ("a", "sustained", "2025-02-01"),
        ("a", "sustained", "2025-02-20"), // 19 days later: not paid
        ("a", "sustained", "2025-03-01"), // 28 days after the paid one: paid
        ("b", "start", "2025-12-20"),     // claimable in 2026: never in a window
    ];
    let s = run(repeatable_contract(28, 26, 28), records(&rows)).unwrap();
    assert_eq!(
        s.lines[0].amount, "20",
        "two sustainment periods, no start yet"
    );
    assert_eq!(
        s.lines[1].amount, "1000",
        "the start, after its waiting period"
    );
    assert!(
        s.lines[0]
            .explanation
            .notes
            .iter()
            .any(|n| n.contains("less than 28 days"))
    );
    assert!(
        s.lines[0]
            .explanation
            .notes
            .iter()
            .any(|n| n.contains("waiting period"))
    );
    assert!(
        s.lines[1]
            .explanation
            .notes
            .iter()
            .any(|n| n.contains("waiting period"))
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// However the records fall, a participant is paid for a repeatable outcome at most `max`
    /// times, never twice within `gap` days, and the lines add up to the records paid.
    #[test]
    fn repeatable_outcomes_respect_their_period_and_maximum(
        gap in 1_u32..60,
        max in 1_u32..8,
        wait in 0_u32..90,
        days in proptest::collection::vec((0_u8..3, 0_i64..365, any::<bool>()), 0..60),
    ) {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let rows: Vec<(String, String, String)> = days
            .iter()
            .map(|(p, d, sustained)| {
                let day = start + chrono::Duration::days(*d);
                (format!("p{p}"), if *sustained { "sustained" } else { "start" }.to_owned(), day.to_string())
            })
            .collect();
        let refs: Vec<(&str, &str, &str)> = rows.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect();
        let s = run(repeatable_contract(gap, max, wait), records(&refs)).unwrap();
        let paid: i64 = s.lines.iter().map(|l| minor(&l.amount)).sum();
        prop_assert_eq!(paid, minor(&s.total));
        // Replay: the sustainment records each participant could be paid for, in date order.
        let mut sustained_paid = 0_i64;
        for p in 0..3 {
            let mut dates: Vec<i64> = days.iter().filter(|(q, _, s)| *q == p && *s).map(|(_, d, _)| *d).collect();
            dates.sort_unstable();
            let (mut count, mut last) = (0_u32, None::<i64>);
            for d in dates {
                if d > 364 || count >= max || last.is_some_and(|l| d - l < i64::from(gap)) {
                    continue;
                }
                count += 1;
                last = Some(d);
            }
            prop_assert!(count <= max);
            sustained_paid += i64::from(count) * 10;
        }
        let starts_paid = paid - sustained_paid;
        prop_assert!(starts_paid >= 0 && starts_paid % 1000 == 0, "{paid} {sustained_paid}");
    }
}

fn savings_contract(hurdle: Value, second_due: &str) -> Value {
    let rule = |h: &Value| {
        let mut r = json!({"type": "savings_share", "metric": "s", "share_before": "0.5", "share_after": "0.1"});
        for (k, v) in h.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    let mut c = contract(
        json!([metric("s", "money", "higher_is_better")]),
        json!([{"id": "a", "tranche": "t1", "rule": rule(&hurdle)}, {"id": "b", "tranche": "t2", "rule": rule(&hurdle)}]),
    );
    c["tranches"] =
        json!([{"id": "t1", "due_on": "2028-03-31"}, {"id": "t2", "due_on": second_due}]);
    c
}

#[test]
fn a_savings_share_switches_once_investors_have_principal_and_return_by_the_payment_date() {
    let hurdle = json!({"switch_after_return": {"principal": "1000000", "annual_return": "0.1", "from": "2027-03-31"}});
    let outcomes = json!({"results": [
        {"metric": "s", "tranche": "t1", "value": "1600000"},
        {"metric": "s", "tranche": "t2", "value": "1000000"}
    ]});
    // Paid a year after `from`: hurdle 1,000,000 × (1 + 0.1 × 366 / 365) = 1,100,273.
    let first = run(
        savings_contract(hurdle.clone(), "2029-03-31"),
        outcomes.clone(),
    )
    .unwrap();
    assert_eq!(first.lines[0].amount, "800000");
    // Second tranche 731 days after: hurdle 1,200,273; 400,273 at 50 % (800,546 of savings),
    // then 10 % of the other 199,454, rounded down.
    assert_eq!(
        first.lines[1].amount, "420218",
        "{}",
        first.lines[1].explanation.formula
    );
    // Paid a year later still, the hurdle is higher and more is paid at the first share.
    let later = run(savings_contract(hurdle, "2030-03-31"), outcomes.clone()).unwrap();
    assert!(
        minor(&later.lines[1].amount) > minor(&first.lines[1].amount),
        "{} vs {}",
        later.lines[1].amount,
        first.lines[1].amount
    );
    // A fixed amount still works, and exactly one kind of hurdle is required.
    let fixed = run(
        savings_contract(json!({"switch_after": "1200000"}), "2029-03-31"),
        outcomes.clone(),
    )
    .unwrap();
    assert_eq!(fixed.lines[1].amount, "420000");
    let both = savings_contract(
        json!({"switch_after": "1", "switch_after_return": {"principal": "1", "annual_return": "0.1", "from": "2027-03-31"}}),
        "2029-03-31",
    );
    let Err(EngineError::Contract(issues)) = run(both, outcomes.clone()) else {
        panic!("two hurdles must be refused")
    };
    assert_eq!(issues[0].path.en, "components[0].rule.switch_after");
    let neither = savings_contract(json!({}), "2029-03-31");
    assert!(matches!(
        run(neither, outcomes),
        Err(EngineError::Contract(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// Whatever the hurdle, a savings payment lies between the two shares of the savings, and a
    /// later payment date never lowers what is paid at the first share.
    #[test]
    fn a_return_hurdle_pays_between_the_two_shares(
        principal in 0_u64..50_000_000,
        rate_pct in 0_u32..30,
        first in 0_u64..80_000_000,
        second in 0_u64..80_000_000,
    ) {
        let hurdle = json!({"switch_after_return": {"principal": principal.to_string(), "annual_return": format!("0.{rate_pct:02}"), "from": "2027-03-31"}});
        let outcomes = json!({"results": [
            {"metric": "s", "tranche": "t1", "value": first.to_string()},
            {"metric": "s", "tranche": "t2", "value": second.to_string()}
        ]});
        let s = run(savings_contract(hurdle.clone(), "2029-03-31"), outcomes.clone()).unwrap();
        for (line, savings) in s.lines.iter().zip([first, second]) {
            let paid = minor(&line.amount);
            prop_assert!(paid <= (savings / 2) as i64 + 1, "{} of {}", paid, savings);
            prop_assert!(paid + 1 >= (savings / 10) as i64, "{} of {}", paid, savings);
        }
        let later = run(savings_contract(hurdle, "2031-03-31"), outcomes).unwrap();
        prop_assert!(minor(&later.total) >= minor(&s.total));
    }
}

/// Two cohorts paid per admission avoided (gated at an effect of `gate`), and a final payment on
/// the pooled effect net of the cohorts' payments.
fn cohorts_contract(gate: &str) -> Value {
    let pay =
        json!({"type": "per_unit", "price": "300000", "per_participant": true, "at_least": gate});
    let rule = json!({"type": "comparison", "metric": "m", "effect": "absolute", "pay": pay});
    let mut c = contract(
        json!([metric("m", "score", "lower_is_better")]),
        json!([
            {"id": "c1", "tranche": "t1", "rule": rule},
            {"id": "c2", "tranche": "t2", "rule": rule},
            {"id": "fin", "tranche": "t3", "rule": rule, "net_of": ["c1", "c2"]}
        ]),
    );
    c["tranches"] = json!([
        {"id": "t1", "due_on": "2027-06-30"},
        {"id": "t2", "due_on": "2028-06-30"},
        {"id": "t3", "due_on": "2029-06-30"}
    ]);
    c.as_object_mut().unwrap().remove("max_total_payment");
    c
}

fn cohort_results(rows: [(u32, u32, u32); 3]) -> Value {
    let results: Vec<Value> = ["t1", "t2", "t3"]
        .iter()
        .zip(rows)
        .map(|(t, (treated, comparison, n))| {
            json!({"metric": "m", "tranche": t, "value": format!("{}.{:02}", treated / 100, treated % 100),
                   "comparison": format!("{}.{:02}", comparison / 100, comparison % 100), "cohort_size": n.to_string()})
        })
        .collect();
    json!({"results": results})
}

#[test]
fn per_unit_payments_are_gated_and_a_final_payment_is_net_of_earlier_ones() {
    let s = run(
        cohorts_contract("0.05"),
        cohort_results([(80, 95, 200), (92, 95, 220), (85, 96, 420)]),
    )
    .unwrap();
    assert_eq!(s.lines[0].amount, "9000000");
    assert_eq!(
        s.lines[1].amount, "0",
        "an effect of 0.03 is below the 0.05 gate"
    );
    assert!(
        s.lines[1]
            .explanation
            .formula
            .contains("below the threshold")
    );
    assert_eq!(
        s.lines[2].amount, "4860000",
        "13,860,000 less the 9,000,000 paid"
    );
    assert!(s.lines[2].explanation.notes[0].contains("already paid by `c1`, `c2`"));
    // Cohorts that paid more than the pooled effect is worth: the final payment is 0, not less.
    let s = run(
        cohorts_contract("0.05"),
        cohort_results([(50, 95, 200), (50, 95, 220), (90, 96, 420)]),
    )
    .unwrap();
    assert_eq!(s.lines[2].amount, "0");
    // Only earlier tranches' components can be netted.
    let mut c = cohorts_contract("0.05");
    c["components"][0]["net_of"] = json!(["fin"]);
    let Err(EngineError::Contract(issues)) = run(c, json!({})) else {
        panic!("a later component cannot be netted")
    };
    assert_eq!(issues[0].path.en, "components[0].net_of[0]");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// The final payment is what the pooled effect is worth less what the cohorts were paid, never
    /// below zero; each cohort pays only from the gate up.
    #[test]
    fn a_net_final_payment_never_pays_twice_or_below_zero(
        rows in proptest::array::uniform3((0_u32..150, 0_u32..150, 1_u32..500)),
        gate in 0_u32..20,
    ) {
        let gate_text = format!("0.{gate:02}");
        let s = run(cohorts_contract(&gate_text), cohort_results(rows)).unwrap();
        // 300,000 per admission avoided: 3,000 per hundredth of effect per participant.
        let worth = |(treated, comparison, n): (u32, u32, u32)| -> i64 {
            let effect = i64::from(comparison) - i64::from(treated);
            if effect < i64::from(gate) { 0 } else { 3000 * effect.max(0) * i64::from(n) }
        };
        let cohorts = worth(rows[0]) + worth(rows[1]);
        prop_assert_eq!(minor(&s.lines[0].amount), worth(rows[0]));
        prop_assert_eq!(minor(&s.lines[1].amount), worth(rows[1]));
        prop_assert_eq!(minor(&s.lines[2].amount), (worth(rows[2]) - cohorts).max(0));
        prop_assert_eq!(minor(&s.total), cohorts.max(worth(rows[2])));
    }
}

#[test]
fn a_coupon_steps_with_the_share_of_the_maximum_received() {
    let mut contract: Value = serde_json::from_str(include_str!(
        "../../../docs/examples/outcome-linked-coupon.contract.json"
    ))
    .unwrap();
    contract["code"] = json!("t");
    let interest = |uptake: &str| {
        let outcomes = json!({"results": [{"metric": "checkup_uptake", "tranche": "fy2025", "value": uptake}]});
        let s = run(contract.clone(), outcomes).unwrap();
        s.distribution.unwrap().investors[0].interest.clone()
    };
    // Full outcomes: 100 % of the maximum received, 5 % for the second period on ¥4M outstanding.
    assert_eq!(interest("0.50"), "199452");
    // ¥8.2M of ¥10M (82 %): 2 %.
    assert_eq!(interest("0.35"), "79780");
    // Only the guaranteed ¥4M (40 %): no coupon at all.
    assert_eq!(interest("0"), "0");
    // Steps need the contract's maximum, start at 0, and replace a fixed rate.
    let mut both = contract.clone();
    both["investments"][0]["annual_rate"] = json!("0.01");
    both["investments"][0]["coupon_steps"][0]["at_share"] = json!("0.1");
    let Err(EngineError::Contract(issues)) = run(both, json!({})) else {
        panic!("invalid steps must be refused")
    };
    let paths: Vec<&str> = issues.iter().map(|i| i.path.en.as_str()).collect();
    assert!(paths.contains(&"investments[0].coupon_steps"), "{paths:?}");
    assert!(
        paths.contains(&"investments[0].coupon_steps[0].at_share"),
        "{paths:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// Better outcomes never lower the coupon, and the distributions still add up to what was
    /// received.
    #[test]
    fn a_stepped_coupon_never_falls_as_outcomes_rise(low in 0_u32..=100, high in 0_u32..=100) {
        let (low, high) = (low.min(high), low.max(high));
        let mut contract: Value = serde_json::from_str(include_str!(
            "../../../docs/examples/outcome-linked-coupon.contract.json"
        ))
        .unwrap();
        contract["code"] = json!("t");
        let at = |pct: u32| {
            let outcomes = json!({"results": [{"metric": "checkup_uptake", "tranche": "fy2025", "value": format!("{}.{:02}", pct / 100, pct % 100)}]});
            run(contract.clone(), outcomes).unwrap()
        };
        let (a, b) = (at(low), at(high));
        let interest = |s: &Statement| minor(&s.distribution.as_ref().unwrap().investors[0].interest);
        prop_assert!(interest(&a) <= interest(&b), "{} > {}", interest(&a), interest(&b));
        for s in [&a, &b] {
            let d = s.distribution.as_ref().unwrap();
            let paid: i64 = d.investors.iter().map(|i| minor(&i.principal) + minor(&i.interest) + minor(&i.success_fee)).sum();
            prop_assert!(paid <= minor(&s.total));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// A participant is never paid more than the yearly cap within a fiscal year, nor more than
    /// the contract-wide cap over both years; every line adds up.
    #[test]
    fn caps_per_participant_per_year_are_never_exceeded(
        year_cap in 1_u64..400,
        total_cap in 1_u64..800,
        draws in proptest::collection::vec((0_u8..3, 0_i64..730), 0..40),
    ) {
        let rule = json!({"type": "rate_card", "metric": "m", "cap_per_participant": total_cap.to_string(),
            "cap_per_participant_per_year": year_cap.to_string(),
            "outcomes": [{"outcome": "x", "price": "100", "max_per_participant": 50}]});
        let mut c = contract(
            json!([metric("m", "count", "higher_is_better")]),
            json!([{"id": "a", "tranche": "t1", "rule": rule}, {"id": "b", "tranche": "t2", "rule": rule}]),
        );
        c["tranches"] = json!([
            {"id": "t1", "due_on": "2025-05-30", "outcomes_from": "2024-04-01", "outcomes_until": "2025-03-31"},
            {"id": "t2", "due_on": "2026-05-29", "outcomes_from": "2025-04-01", "outcomes_until": "2026-03-31"}
        ]);
        c.as_object_mut().unwrap().remove("max_total_payment");
        let start = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
        let rows: Vec<(String, String, String)> = draws
            .iter()
            .map(|(p, d)| (format!("p{p}"), "x".to_owned(), (start + chrono::Duration::days(*d)).to_string()))
            .collect();
        let refs: Vec<(&str, &str, &str)> = rows.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect();
        let s = run(c, records(&refs)).unwrap();
        // Each line is one fiscal year; three participants at most.
        for line in &s.lines {
            prop_assert!(minor(&line.amount) <= 3 * year_cap as i64);
        }
        prop_assert!(minor(&s.total) <= 3 * total_cap as i64);
        // Per participant: replay the caps in record order, year by year.
        let mut expected = 0_i64;
        for p in 0..3 {
            let (mut total, mut years) = (0_i64, [0_i64; 2]);
            let mut days: Vec<i64> = draws.iter().filter(|(q, _)| *q == p).map(|(_, d)| *d).collect();
            days.sort_unstable();
            let mut count = 0;
            for d in days {
                let y = usize::from(d >= 365);
                if count >= 50 { continue; }
                count += 1;
                let pay = 100_i64.min(total_cap as i64 - total).min(year_cap as i64 - years[y]).max(0);
                total += pay;
                years[y] += pay;
            }
            prop_assert!(years.iter().all(|y| *y <= year_cap as i64));
            expected += total;
        }
        prop_assert_eq!(minor(&s.total), expected);
    }
}

fn top_up_contract(rate: &str, fund_cap: u64, max_total: u64) -> Value {
    let mut c = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([
            {"id": "fixed", "tranche": "t1", "rule": {"type": "fixed", "amount": "1000000"}},
            {"id": "linear", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "0.5", "max_amount": "2000000"}},
            {"id": "own", "tranche": "t1", "payer": "city", "rule": {"type": "fixed", "amount": "100000"}}
        ]),
    );
    c["payers"] = json!([
        {"id": "city", "share": "1"},
        {"id": "fund", "share": "0", "top_up": rate, "max_payment": fund_cap.to_string()}
    ]);
    c["max_total_payment"] = json!(max_total.to_string());
    c
}

#[test]
fn a_fund_tops_up_shared_payments_within_its_cap_and_the_maximum() {
    let outcomes = json!({"results": [{"metric": "m", "tranche": "t1", "value": "0.5"}]});
    let s = run(
        top_up_contract("0.25", 600_000, 10_000_000),
        outcomes.clone(),
    )
    .unwrap();
    // 25 % of 1,000,000 and of 2,000,000, the fund's 600,000 cap taking 150,000 of the second;
    // a component paid by the city alone is not topped up.
    assert_eq!(s.lines[0].amount, "1250000");
    assert_eq!(s.lines[1].amount, "2350000");
    assert_eq!(s.lines[2].amount, "100000");
    assert_eq!(s.payers[1].total, "600000");
    // The contract's maximum binds the top-up too.
    let s = run(
        top_up_contract("0.25", 600_000, 3_200_000),
        outcomes.clone(),
    )
    .unwrap();
    assert_eq!(s.total, "3200000");
    // A topping-up payer has no share of its own.
    let mut c = top_up_contract("0.25", 600_000, 10_000_000);
    c["payers"][0]["share"] = json!("0.5");
    c["payers"][1]["share"] = json!("0.5");
    let Err(EngineError::Contract(issues)) = run(c, outcomes) else {
        panic!("a share for a topping-up payer must be refused")
    };
    assert_eq!(issues[0].path.en, "payers[1].share");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// Lines still reconcile to their payers, the fund never passes its cap and the contract
    /// never its maximum.
    #[test]
    fn top_ups_respect_every_cap(rate_pct in 0_u32..=100, fund_cap in 0_u64..2_000_000, max_total in 1_u64..5_000_000, value in 0_u32..=100) {
        let rate = if rate_pct == 100 { "1".to_owned() } else { format!("0.{rate_pct:02}") };
        let outcomes = json!({"results": [{"metric": "m", "tranche": "t1", "value": format!("0.{value:02}")}]});
        let c = top_up_contract(&rate, fund_cap, max_total.max(1_100_000));
        let s = run(c, outcomes).unwrap();
        for line in &s.lines {
            let payers: i64 = line.payers.iter().map(|p| minor(&p.amount)).sum();
            prop_assert_eq!(payers, minor(&line.amount));
        }
        prop_assert!(minor(&s.payers[1].total) <= fund_cap as i64);
        prop_assert!(minor(&s.total) <= max_total.max(1_100_000) as i64);
    }
}

/// The input hash's fast writer gives exactly the bytes of its serde specification, for keys and
/// outcomes that need escaping, erased keys, results and milestones, and dates at the edges of
/// the four-digit years.
#[test]
fn the_input_hash_is_written_as_its_specification_says() {
    let outcomes: Outcomes = serde_json::from_value(json!({
        "schema": "seika.outcomes.v1",
        "contract": "t \"quoted\" \\ back",
        "results": [{"metric": "m", "tranche": "t1", "value": "0.5", "evidence": "改行\nタブ\t"}],
        "milestones": [{"id": "start", "achieved_on": "2024-04-01"}],
        "participant_outcomes": [
            {"participant": "P\"1", "outcome": "job \\ start", "achieved_on": "2024-04-01"},
            {"participant": "参加者２", "outcome": "定着\u{7f}", "achieved_on": "0005-01-09"},
            {"participant": "P\"1", "outcome": "job \\ start", "achieved_on": "9999-12-31"},
            {"participant": "erased:0123456789abcdef0123456789abcdef01234567", "outcome": "o", "achieved_on": "2025-10-10"}
        ]
    }))
    .expect("outcomes parse");
    let mut fast = Vec::new();
    outcomes.write_hashed(&mut fast).unwrap();
    let spec = serde_json::to_string(&outcomes.hashed()).unwrap();
    assert_eq!(String::from_utf8(fast).unwrap(), spec);
    assert_eq!(
        super::sha256_of(|w| outcomes.write_hashed(&mut { w })),
        super::sha256_json(&outcomes.hashed())
    );
}

/// Over many participant records the input hash is computed on a second thread beside the rules:
/// the statement is the same as with the hash computed first, and the hash is its specification's.
#[test]
fn a_large_run_hashes_beside_the_rules_to_the_same_statement() {
    let contract: Contract =
        serde_json::from_value(rate_card_contract(None, None, Some(3))).expect("contract parses");
    let records: Vec<Value> = (0..super::HASH_BESIDE_RULES_FROM + 10)
        .map(|i| {
            json!({"participant": format!("P{}", i % 40_000), "outcome": if i % 3 == 0 { "training" } else { "job" },
                   "achieved_on": format!("2024-{:02}-{:02}", 4 + i % 9, 1 + i % 28)})
        })
        .collect();
    let outcomes: Outcomes = serde_json::from_value(json!({
        "schema": "seika.outcomes.v1", "contract": "t", "participant_outcomes": records,
    }))
    .expect("outcomes parse");
    assert!(outcomes.participant_outcomes.len() >= super::HASH_BESIDE_RULES_FROM);
    let beside = compute(&contract, &outcomes).expect("computes");
    assert_eq!(
        beside.outcomes_sha256,
        super::sha256_json(&outcomes.hashed())
    );
    let mut first = crate::run::statement_of(&contract, &outcomes).expect("computes");
    first.outcomes_sha256 = super::sha256_json(&outcomes.hashed());
    assert_eq!(
        serde_json::to_value(&beside).unwrap(),
        serde_json::to_value(&first).unwrap()
    );
    assert_ne!(beside.total, "0", "the records were paid for");
}

/// Issue 29, item 1: a fee not contingent on outcomes is kept whole under the contract's maximum,
/// the outcome-linked part capped at what remains, whichever component the contract lists first.
#[test]
fn a_fee_within_the_maximum_is_kept_whole_in_either_order() {
    let outcome = json!({"id": "a", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "0.5", "max_amount": "1000"}});
    let fee = json!({"id": "z-fee", "tranche": "t1", "rule": {"type": "fixed", "amount": "300"}, "outcome_contingent": false});
    for components in [json!([outcome, fee]), json!([fee, outcome])] {
        let mut c = contract(json!([metric("m", "rate", "higher_is_better")]), components);
        c["max_total_payment"] = json!("1000");
        let s = run(c, value_result("m", "0.6")).unwrap();
        let line = |id: &str| s.lines.iter().find(|l| l.component == id).unwrap();
        assert_eq!(line("z-fee").amount, "300");
        assert_eq!(line("z-fee").status, LineStatus::Earned);
        assert_eq!(line("a").amount, "700");
        assert_eq!(line("a").status, LineStatus::Capped);
        assert_eq!(line("a").explanation.caps[0].reduced_by, "300");
        assert_eq!(s.total, "1000");
        assert_eq!(s.non_contingent_total.as_deref(), Some("300"));
    }
}

/// The same for a tranche's cap and a payer's maximum: the fee of the tranche, and the payer's
/// part of it, are kept whole.
#[test]
fn a_fee_is_kept_whole_under_the_tranche_cap_and_the_payers_maximum() {
    let outcome = json!({"id": "a", "tranche": "t1", "rule": {"type": "linear", "metric": "m", "target": "0.5", "max_amount": "1000"}});
    let fee = json!({"id": "z-fee", "tranche": "t1", "rule": {"type": "fixed", "amount": "300"}, "outcome_contingent": false});
    let mut tranche_capped = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([outcome, fee]),
    );
    tranche_capped["tranches"][0]["cap"] = json!("800");
    let s = run(tranche_capped, value_result("m", "0.6")).unwrap();
    assert_eq!(s.lines[0].amount, "500");
    assert_eq!(s.lines[1].amount, "300");
    let mut payer_capped = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([outcome, fee]),
    );
    payer_capped["payers"][0]["max_payment"] = json!("900");
    let s = run(payer_capped, value_result("m", "0.6")).unwrap();
    assert_eq!(s.lines[0].amount, "600");
    assert_eq!(s.lines[1].amount, "300");
}

/// A statement with its lists in a canonical order, the contract's own hash and the formulas'
/// texts left out (a formula names the terms in the order listed): two listings of one contract
/// must give equal statements in this form.
fn canonical(statement: &Statement) -> Value {
    fn sort_lists(v: &mut Value) {
        match v {
            Value::Array(items) => {
                items.iter_mut().for_each(sort_lists);
                items.sort_by_key(|x| x.to_string());
            }
            Value::Object(map) => {
                map.remove("formula");
                map.values_mut().for_each(sort_lists);
            }
            _ => {}
        }
    }
    let mut v = serde_json::to_value(statement).unwrap();
    v.as_object_mut().unwrap().remove("contract_sha256");
    sort_lists(&mut v);
    v
}

/// The contract with its lists in another order: components, payers, metrics, investments, each
/// rate card's outcomes and each blend, and tranches due on the same day (the contract keeps its
/// tranches in date order).
fn permuted(contract: &Value, seed: u64) -> Value {
    let mut state = seed | 1;
    let mut shuffle = |items: &mut Vec<Value>| {
        for i in (1..items.len()).rev() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            items.swap(i, (state >> 33) as usize % (i + 1));
        }
    };
    let mut c = contract.clone();
    for list in ["components", "payers", "metrics", "investments", "tranches"] {
        if let Some(Value::Array(items)) = c.get_mut(list) {
            shuffle(items);
        }
    }
    if let Some(Value::Array(tranches)) = c.get_mut("tranches") {
        tranches.sort_by_key(|t| t["due_on"].as_str().unwrap_or_default().to_owned());
    }
    if let Some(Value::Array(components)) = c.get_mut("components") {
        for component in components {
            for list in ["outcomes", "blend"] {
                if let Some(Value::Array(items)) = component["rule"].get_mut(list) {
                    shuffle(items);
                }
            }
        }
    }
    c
}

/// Asserts the contract gives the same statement in the permuted listing (both refused alike).
fn same_in_any_order(contract: &Value, outcomes: &Value, seed: u64) -> Result<(), TestCaseError> {
    let listed = run(contract.clone(), outcomes.clone());
    let other = run(permuted(contract, seed), outcomes.clone());
    match (listed, other) {
        (Ok(a), Ok(b)) => prop_assert_eq!(canonical(&a), canonical(&b)),
        (Err(_), Err(_)) => {}
        (a, b) => prop_assert!(false, "one listing computes, the other not: {a:?} / {b:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// Issue 29, item 2: no amount depends on the order in which a contract lists its
    /// components, payers, tranches, rules' outcomes or investors.
    #[test]
    fn amounts_do_not_depend_on_the_order_of_the_terms((contract, outcomes) in arbitrary_case(), seed in any::<u64>()) {
        same_in_any_order(&contract, &outcomes, seed)?;
    }

    #[test]
    fn participant_rules_do_not_depend_on_the_order_of_the_terms((contract, outcomes) in participant_case(), seed in any::<u64>()) {
        same_in_any_order(&contract, &outcomes, seed)?;
    }
}

/// Every example contract gives the same statement in several other listings.
#[test]
fn every_example_gives_the_same_statement_in_any_order() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".contract.json") else {
            continue;
        };
        let outcomes_path = dir.join(format!("{stem}.outcomes.json"));
        let Ok(text) = std::fs::read_to_string(&outcomes_path) else {
            continue;
        };
        let contract: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut outcomes: Value = serde_json::from_str(&text).unwrap();
        // `run` supplies the schema and a contract code of its own.
        let mut contract = contract;
        contract["code"] = json!("t");
        outcomes["contract"] = json!("t");
        for seed in 1..=5 {
            if let Err(e) = same_in_any_order(&contract, &outcomes, seed) {
                panic!("{stem}, listing {seed}: {e}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "examples checked: {checked}");
}

/// Issue 29, item 3: a maximum for the outcome-contingent part, apart from the contract's: it
/// bounds the outcome-linked lines (and their top-ups) together and leaves the fees alone.
#[test]
fn the_outcome_linked_part_has_a_maximum_of_its_own() {
    let linear = |id: &str, tranche: &str| json!({"id": id, "tranche": tranche, "rule": {"type": "linear", "metric": "m", "target": "0.5", "max_amount": "600"}});
    let mut c = contract(
        json!([metric("m", "rate", "higher_is_better")]),
        json!([
            {"id": "fee", "tranche": "t1", "rule": {"type": "fixed", "amount": "500"}, "outcome_contingent": false},
            linear("a", "t1"),
            linear("b", "t2"),
        ]),
    );
    c["tranches"] =
        json!([{"id": "t1", "due_on": "2025-03-31"}, {"id": "t2", "due_on": "2026-03-31"}]);
    c["max_contingent_payment"] = json!("1000");
    let outcomes = json!({"results": [
        {"metric": "m", "tranche": "t1", "value": "0.6"},
        {"metric": "m", "tranche": "t2", "value": "0.6"},
    ]});
    let s = run(c.clone(), outcomes.clone()).unwrap();
    let line =
        |s: &Statement, id: &str| s.lines.iter().find(|l| l.component == id).unwrap().clone();
    assert_eq!(line(&s, "fee").amount, "500");
    assert_eq!(line(&s, "a").amount, "600");
    assert_eq!(line(&s, "b").amount, "400");
    assert_eq!(line(&s, "b").status, LineStatus::Capped);
    assert_eq!(line(&s, "b").explanation.caps[0].reduced_by, "200");
    assert_eq!(
        line(&s, "b").words.caps[0].en,
        "Maximum of the outcome-linked part"
    );
    assert_eq!(s.total, "1500");
    assert_eq!(s.max_contingent_payment.as_deref(), Some("1000"));
    // A negative maximum is refused, naming the field.
    c["max_contingent_payment"] = json!("-1");
    match run(c, outcomes) {
        Err(EngineError::Contract(issues)) => {
            assert_eq!(issues[0].path.en, "max_contingent_payment")
        }
        other => panic!("{other:?}"),
    }
}

/// Issue 29, item 6: an uncapped linear rule pays an achievement above 100 % in proportion, still
/// floored at 0 and bounded by the caps around it; without `uncapped` the same value pays 100 %.
#[test]
fn an_uncapped_linear_rule_pays_above_the_target() {
    let rule = |uncapped: bool| {
        let mut r = json!({"type": "linear", "metric": "m", "target": "0.2", "max_amount": "1000"});
        if uncapped {
            r["uncapped"] = json!(true);
        }
        contract(
            json!([metric("m", "score", "higher_is_better")]),
            json!([{"id": "c", "tranche": "t1", "rule": r, "cap": "1400"}]),
        )
    };
    let pay = |uncapped: bool, value: &str| run(rule(uncapped), value_result("m", value)).unwrap();
    assert_eq!(pay(true, "0.26").total, "1300");
    assert_eq!(pay(false, "0.26").total, "1000");
    assert_eq!(pay(true, "-0.1").total, "0");
    let capped = pay(true, "0.4");
    assert_eq!(capped.total, "1400");
    assert_eq!(capped.lines[0].status, LineStatus::Capped);
    assert!(
        capped.lines[0]
            .explanation
            .formula
            .contains("max(0, 0.4 / 0.2)")
    );
    assert_eq!(
        capped.lines[0].words.formula.en,
        "Amount at target ¥1,000 × max(0, 0.4 / 0.2) = ¥1,000 × 200% = ¥2,000"
    );
}

/// A period that has not closed has not failed: with the data covering the days up to
/// 2026-01-15, the second half-year's window (to 2026-03-31) is open, so a line with nothing
/// earned yet is awaiting its data, saying so in both languages; the first half-year's window
/// had closed and keeps its result. Without `data_until` (every window closed) nothing changes.
#[test]
fn an_open_period_awaits_its_data_instead_of_failing() {
    let contract: Contract = serde_json::from_str(include_str!(
        "../../../docs/examples/sustainment-rate-card.contract.json"
    ))
    .unwrap();
    let mut outcomes: Outcomes = serde_json::from_value(json!({
        "schema": "seika.outcomes.v1", "contract": "sustainment-rate-card-2025",
        "participant_outcomes": [
            { "participant": "P1", "outcome": "engagement", "achieved_on": "2025-04-10" }
        ]
    }))
    .unwrap();
    let closed = compute(&contract, &outcomes).unwrap();
    let status = |s: &Statement, tranche: &str| {
        s.lines
            .iter()
            .find(|l| l.tranche == tranche)
            .unwrap()
            .status
    };
    assert_eq!(status(&closed, "h1"), LineStatus::Earned);
    assert_eq!(status(&closed, "h2"), LineStatus::NotMet);

    outcomes.data_until = chrono::NaiveDate::from_ymd_opt(2026, 1, 15);
    let open = compute(&contract, &outcomes).unwrap();
    assert_eq!(status(&open, "h1"), LineStatus::Earned);
    let h2 = open.lines.iter().find(|l| l.tranche == "h2").unwrap();
    assert_eq!(h2.status, LineStatus::AwaitingData);
    assert_eq!(h2.amount, "0");
    assert!(
        h2.explanation
            .notes
            .iter()
            .any(|e| e.contains("runs until 2026-03-31")),
        "{:?}",
        h2.explanation
    );
    assert!(
        h2.words
            .notes
            .iter()
            .any(|w| w.ja.contains("2026年3月31日") && w.en.contains("31 March 2026")),
        "{:?}",
        h2.words
    );
    assert_eq!(
        open.total, closed.total,
        "nothing is paid or cut by waiting"
    );
    assert_ne!(
        open.outcomes_sha256, closed.outcomes_sha256,
        "the day is an input"
    );
    // The window closes at the end of its last day.
    outcomes.data_until = chrono::NaiveDate::from_ymd_opt(2026, 4, 1);
    assert_eq!(
        status(&compute(&contract, &outcomes).unwrap(), "h2"),
        LineStatus::NotMet
    );
}
