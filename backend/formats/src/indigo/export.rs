//! Writing a project in the INDIGO v4.1 project format: each section from the project's facts,
//! private fields marked (or left out) as the publication settings say.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::*;

/// The facts, the contract and its currency code, which every section reads.
fn parts<'f, 'a>(o: &Out<'f, 'a>) -> (&'f ExportFacts<'a>, &'a Contract, &'static str) {
    let f = o.facts;
    (f, f.contract, f.contract.currency.code())
}

/// The project in the INDIGO v4.1 project format.
pub fn export(f: &ExportFacts<'_>) -> Value {
    let o = Out { facts: f };
    let mut p = Map::new();
    p.insert("status".into(), "PUBLIC".into());
    p.insert("name".into(), json!({"value": f.title_en}));
    p.insert("alternative_names".into(), json!({"value": f.title_ja}));
    if let Some(stage) = stage(f) {
        p.insert(
            "stage_development".into(),
            json!({"value": stage, "status": "PUBLIC"}),
        );
    }
    p.insert("dates".into(), Value::Object(dates(&o)));
    // Seika does not record a jurisdiction; a yen contract is Japanese, others are left blank
    // rather than guessed from their currency.
    if f.contract.currency.code() == "JPY" {
        p.insert(
            "jurisdiction".into(),
            json!({"jurisdiction": {"value": "JP", "status": "PUBLIC"}}),
        );
    }
    p.insert("overall_project_finance".into(), Value::Object(finance(&o)));
    let mut purpose = Map::new();
    if let Some(sector) = policy_sector(f.policy_area) {
        purpose.insert("policy_sector".into(), json!({"value": sector}));
    }
    p.insert("purpose_and_classifications".into(), Value::Object(purpose));
    let mut beneficiaries = Map::new();
    insert(
        &mut beneficiaries,
        "target_population",
        f.contract
            .target_population
            .clone()
            .and_then(|t| o.v(t.into(), Some(Section::Metrics))),
    );
    p.insert(
        "service_and_beneficiaries".into(),
        Value::Object(beneficiaries),
    );

    let sections: [(&str, Rows); 9] = [
        ("service_provisions", service_provisions),
        ("intermediary_services", intermediary_services),
        ("outcome_payment_commitments", commitments),
        ("investments", investments),
        ("outcome_metrics", metrics),
        ("outcome_pricings", pricings),
        ("results", results),
        ("outcome_payment_plans", plans),
        ("outcome_payments", payments),
    ];
    for (key, section) in sections {
        p.insert(key.into(), section(&o).into());
    }
    Value::Object(p)
}

/// A section of rows, written from the facts.
type Rows = fn(&Out<'_, '_>) -> Vec<Value>;

/// An amount in the contract's currency, with the section's status.
fn money(o: &Out<'_, '_>, amount: Decimal, section: Option<Section>) -> Option<Value> {
    let cur = o.facts.contract.currency.code();
    o.shown(section).then(|| {
        json!({
            "currency": {"value": cur, "status": o.status(section)},
            "amount": {"value": json_number(amount), "status": o.status(section)},
        })
    })
}

/// Signed, service start and end, and the last payment date as the completion.
fn dates(o: &Out<'_, '_>) -> Map<String, Value> {
    let c = o.facts.contract;
    let mut dates = Map::new();
    if let Some(d) = &c.dates {
        insert(
            &mut dates,
            "outcomes_contract_signed",
            d.signed_on.and_then(|x| o.v(date(x), None)),
        );
        insert(
            &mut dates,
            "start_date_of_service_provision",
            d.service_start.and_then(|x| o.v(date(x), None)),
        );
        insert(
            &mut dates,
            "anticipated_end_date_of_service_provision",
            d.service_end.and_then(|x| o.v(date(x), None)),
        );
    }
    if let Some(last) = c.tranches.iter().map(|t| t.due_on).max() {
        insert(
            &mut dates,
            "anticipated_completion_date",
            o.v(date(last), None),
        );
    }
    dates
}

/// Overall finance: the maximum and what was paid (payments), the total investment.
fn finance(o: &Out<'_, '_>) -> Map<String, Value> {
    let (f, c, cur) = parts(o);
    let mut finance = Map::new();
    if let Some(max) = c.max_total_payment {
        insert(
            &mut finance,
            "maximum_potential_outcome_payment_v2",
            money(o, max, Some(Section::PaymentRules)),
        );
    }
    let paid: Decimal = f.actual.iter().map(|a| a.amount).sum();
    insert(
        &mut finance,
        "total_outcome_payments_made",
        money(o, paid, Some(Section::Payments)),
    );
    if !c.investments.is_empty() {
        let committed: Decimal = c.investments.iter().map(|i| i.committed).sum();
        if o.shown(Some(Section::Investments)) {
            let s = o.status(Some(Section::Investments));
            finance.insert(
                "total_investment_commitment".into(),
                json!({"currency": {"value": cur, "status": s},
                       "amount": {"exact": {"value": json_number(committed), "status": s}}}),
            );
        }
    }
    finance
}

/// The parties of a role.
fn in_role<'f>(o: &Out<'f, '_>, role: PartyRole) -> impl Iterator<Item = &'f PartyFact> {
    o.facts.parties.iter().filter(move |x| x.role == role)
}

fn service_provisions(o: &Out<'_, '_>) -> Vec<Value> {
    let c = o.facts.contract;
    in_role(o, PartyRole::ServiceProvider)
        .enumerate()
        .filter_map(|(i, x)| {
            let mut row = Map::new();
            row.insert("id".into(), format!("serviceprovision{}", i + 1).into());
            row.insert("organisation_id".into(), json!({"value": org_id(&x.slug)}));
            row.insert(
                "organisation_role_category".into(),
                json!({"value": role_category(x.kind)}),
            );
            if let Some(d) = &c.dates {
                let mut planned = Map::new();
                insert(
                    &mut planned,
                    "start_date",
                    d.service_start.map(|x| json!({"value": x.to_string()})),
                );
                insert(
                    &mut planned,
                    "end_date",
                    d.service_end.map(|x| json!({"value": x.to_string()})),
                );
                row.insert("planned_service".into(), Value::Object(planned));
            }
            o.row(row, Some(Section::Parties))
        })
        .collect()
}

fn intermediary_services(o: &Out<'_, '_>) -> Vec<Value> {
    in_role(o, PartyRole::Intermediary)
        .filter_map(|x| {
            let mut row = Map::new();
            row.insert("organisation_id".into(), json!({"value": org_id(&x.slug)}));
            row.insert(
                "organisation_role_category".into(),
                json!({"value": "Performance management"}),
            );
            o.row(row, Some(Section::Parties))
        })
        .collect()
}

/// What each payer committed at most, and paid.
fn commitments(o: &Out<'_, '_>) -> Vec<Value> {
    let (f, c, cur) = parts(o);
    c
        .payers
        .iter()
        .filter_map(|payer| {
            let mut row = Map::new();
            row.insert("organisation_id".into(), json!({"value": org_id(&payer.id)}));
            let kind = f.parties.iter().find(|x| x.slug == payer.id).map(|x| x.kind);
            row.insert(
                "organisation_role_category".into(),
                json!({"value": kind.map_or("Government/Public Sector/Public Bank", role_category)}),
            );
            let max = payer
                .max_payment
                .or_else(|| c.max_total_payment.map(|m| m * payer.share));
            let s = o.status(Some(Section::PaymentRules));
            if let Some(max) = max {
                row.insert(
                    "maximum_potential_outcome_payment".into(),
                    json!({"currency": {"value": cur, "status": s}, "amount": {"value": json_number(max.round_dp(c.currency.exponent()))}}),
                );
            }
            row.insert("result_type".into(), json!({"value": "Overall"}));
            if o.shown(Some(Section::Payments)) {
                let paid: Decimal = f
                    .actual
                    .iter()
                    .filter(|a| a.payer.as_deref() == Some(payer.id.as_str()))
                    .map(|a| a.amount)
                    .sum();
                row.insert(
                    "total_outcome_payments".into(),
                    json!({"currency": {"value": cur, "status": o.status(Some(Section::Payments))}, "amount": {"value": json_number(paid)}}),
                );
            }
            row.insert(
                "notes".into(),
                notes(&[("支払割合 share", payer.share.normalize().to_string())]),
            );
            o.row(row, Some(Section::PaymentRules))
        })
        .collect()
}

/// Investments: only those whose investor made its own position public.
fn investments(o: &Out<'_, '_>) -> Vec<Value> {
    let (f, c, cur) = parts(o);
    c
        .investments
        .iter()
        .filter(|i| f.disclosed_investors.contains(&i.investor))
        .filter_map(|i| {
            let mut row = Map::new();
            row.insert("id".into(), i.id.clone().into());
            row.insert("organisation_id".into(), json!({"value": org_id(&i.investor)}));
            row.insert("organisation_role_category".into(), json!({"value": "Commercial"}));
            row.insert(
                "investment_commitment".into(),
                json!({"currency": {"value": cur}, "amount": {"exact": {"value": json_number(i.committed)}}}),
            );
            let kind = match i.instrument {
                Instrument::SeniorLoan | Instrument::SubordinatedLoan => Some("Debt"),
                Instrument::Equity => Some("Equity"),
                Instrument::Grant | Instrument::Guarantee => None,
            };
            if let Some(kind) = kind {
                row.insert("investment_type".into(), json!({"value": kind}));
            }
            if let Some(rate) = i.annual_rate {
                row.insert("maximum_potential_return_type".into(), json!({"value": "Average annual return"}));
                row.insert(
                    "maximum_potential_return".into(),
                    json!({"value": rate.checked_mul(Decimal::ONE_HUNDRED).map_or(Value::Null, json_number)}),
                );
            }
            row.insert(
                "notes".into(),
                notes(&[("商品 instrument", format!("{:?}", i.instrument).to_lowercase()), ("利率の単位 rate unit", "percent".into())]),
            );
            o.row(row, Some(Section::Investments))
        })
        .collect()
}

/// Outcome metrics, with Seika's details INDIGO has no place for in the notes.
fn metrics(o: &Out<'_, '_>) -> Vec<Value> {
    let c = o.facts.contract;
    c.metrics
        .iter()
        .filter_map(|m| {
            let mut row = Map::new();
            row.insert("id".into(), m.id.clone().into());
            row.insert("definition".into(), json!({"value": m.name.en}));
            if let Some(t) = m.target {
                row.insert(
                    "outcome_metric_target".into(),
                    json!({"value": t.normalize().to_string()}),
                );
            }
            if let Some(s) = &m.data_source {
                row.insert(
                    "data_source_for_outcome_validation".into(),
                    json!({"value": s}),
                );
            }
            if let Some(s) = &m.measurement_method {
                row.insert("outcome_validation_method".into(), json!({"value": s}));
            }
            let mut pairs = vec![
                (NOTE_NAME_JA, m.name.ja.clone()),
                (NOTE_UNIT, unit_word(m.unit).to_owned()),
                (NOTE_DIRECTION, direction_word(m.direction).to_owned()),
            ];
            if let Some(b) = m.baseline {
                pairs.push((NOTE_BASELINE, b.normalize().to_string()));
            }
            if let Some(d) = &m.definition {
                pairs.push(("定義 definition", d.replace(" | ", " / ")));
            }
            row.insert("notes".into(), notes(&pairs));
            o.row(row, Some(Section::Metrics))
        })
        .collect()
}

/// Pricings: one per payment component, its rule in words.
fn pricings(o: &Out<'_, '_>) -> Vec<Value> {
    let (_, c, cur) = parts(o);
    c.components
        .iter()
        .filter_map(|comp| {
            let mut row = Map::new();
            if let Some(metric) = comp.rule.metric() {
                row.insert("outcome_metric_id".into(), json!({"value": metric}));
            }
            row.insert("currency".into(), json!({"value": cur}));
            if let Some(price) = comp.rule.unit_price() {
                row.insert(
                    "price_per_unit".into(),
                    json!({"amount": {"value": json_number(price)}}),
                );
            }
            if let Some(max) = comp.cap.or_else(|| comp.rule.maximum()) {
                row.insert(
                    "maximum_price_if_all_targets_achieved".into(),
                    json!({"amount": {"value": max.normalize().to_string()}}),
                );
            }
            let words = describe_component(comp, c);
            row.insert(
                "price_description".into(),
                json!({"value": format!("{} / {}", words.en, words.ja)}),
            );
            let mut pairs = vec![
                (NOTE_COMPONENT, comp.id.clone()),
                (NOTE_TRANCHE, comp.tranche.clone()),
                (NOTE_RULE, comp.rule.type_name().to_owned()),
            ];
            if !comp.conditions.is_empty() {
                pairs.push((NOTE_CONDITIONS, conditions_text(&comp.conditions)));
            }
            if let seika_core::contract::Rule::Fixed {
                milestone: Some(m), ..
            } = &comp.rule
            {
                pairs.push((NOTE_MILESTONE, m.clone()));
            }
            row.insert("notes".into(), notes(&pairs));
            o.row(row, Some(Section::PaymentRules))
        })
        .collect()
}

/// Results: verified aggregate results, small counts suppressed.
fn results(o: &Out<'_, '_>) -> Vec<Value> {
    let (f, c, _) = parts(o);
    let last_tranche = c
        .tranches
        .iter()
        .max_by_key(|t| t.due_on)
        .map(|t| t.id.clone());
    let validators: Vec<String> = in_role(o, PartyRole::Evaluator)
        .map(|x| org_id(&x.slug))
        .collect();
    f.results
        .iter()
        .filter_map(|r| result_row(o, r, last_tranche.as_ref(), &validators))
        .collect()
}

/// One verified result, its small counts suppressed.
fn result_row(
    o: &Out<'_, '_>,
    r: &ResultFact,
    last_tranche: Option<&String>,
    validators: &[String],
) -> Option<Value> {
    let (f, c, _) = parts(o);
    let metric = c.metrics.iter().find(|m| m.id == r.metric)?;
    let mut row = Map::new();
    row.insert("outcome_metric_id".into(), json!({"value": r.metric}));
    row.insert("result_level".into(), json!({"value": "Outcome level"}));
    let is_final = r.tranche.is_none() || r.tranche.as_ref() == last_tranche;
    row.insert(
        "result_type".into(),
        json!({"value": if is_final { "Final" } else { "Interim" }}),
    );
    if let Some(t) = r
        .tranche
        .as_ref()
        .and_then(|id| c.tranches.iter().find(|t| &t.id == id))
    {
        let mut period = Map::new();
        insert(
            &mut period,
            "start_date",
            t.outcomes_from.map(|d| json!({"value": d.to_string()})),
        );
        period.insert(
            "end_date".into(),
            json!({"value": t.outcomes_until.unwrap_or(t.due_on).to_string()}),
        );
        row.insert("period".into(), Value::Object(period));
    }
    let small = |n: Option<Decimal>| {
        n.is_some_and(|n| crate::publication::suppress_count(n, f.privacy_threshold))
    };
    let counted = metric.unit == MetricUnit::Count;
    let suppressed = (counted && small(r.value)) || small(r.denominator) || small(r.numerator);
    let achieved = if suppressed {
        format!(
            "fewer than {} (suppressed for privacy)",
            f.privacy_threshold
        )
    } else {
        match (r.value, r.numerator, r.denominator) {
            (_, Some(n), Some(d)) => format!("{} / {}", n.normalize(), d.normalize()),
            (Some(v), _, _) => v.normalize().to_string(),
            _ => return None,
        }
    };
    row.insert("outcomes_achieved".into(), json!({"value": achieved}));
    if !suppressed {
        if let Some(d) = r.denominator {
            row.insert(
                "number_engaged_in_impact_bond".into(),
                json!({"value": json_number(d)}),
            );
        }
        let positive = r.numerator.or(if counted { r.value } else { None });
        if let Some(n) = positive {
            row.insert(
                "number_with_positive_social_outcomes".into(),
                json!({"value": json_number(n)}),
            );
        }
    }
    if !validators.is_empty() && o.shown(Some(Section::Parties)) {
        row.insert(
            "outcomes_validator_organisation_ids".into(),
            json!({"value": validators.join(",")}),
        );
    }
    o.row(row, Some(Section::Results))
}

/// Payment plans: one per tranche.
fn plans(o: &Out<'_, '_>) -> Vec<Value> {
    let c = o.facts.contract;
    c.tranches
        .iter()
        .filter_map(|t| {
            let mut row = Map::new();
            row.insert("id".into(), json!({"value": t.id}));
            let mut period = Map::new();
            insert(
                &mut period,
                "start_date",
                t.outcomes_from.map(|d| json!({"value": d.to_string()})),
            );
            period.insert("end_date".into(), json!({"value": t.due_on.to_string()}));
            row.insert("period".into(), Value::Object(period));
            if let Some(name) = &t.name {
                row.insert("notes".into(), name.text().into());
            }
            o.row(row, Some(Section::PaymentRules))
        })
        .collect()
}

/// Payments, planned and actual.
fn payments(o: &Out<'_, '_>) -> Vec<Value> {
    let f = o.facts;
    f.planned
        .iter()
        .filter_map(|x| payment(o, x, "Planned"))
        .chain(f.actual.iter().filter_map(|x| payment(o, x, "Actual")))
        .collect()
}

fn payment(o: &Out<'_, '_>, x: &PaymentFact, kind: &str) -> Option<Value> {
    let cur = o.facts.contract.currency.code();
    let mut row = Map::new();
    row.insert(
        "outcome_payment_plan_id".into(),
        json!({"value": x.tranche}),
    );
    row.insert(
        "period".into(),
        json!({"end_date": {"value": x.on.to_string()}}),
    );
    if let Some(payer) = &x.payer {
        row.insert(
            "payer_organisation_id".into(),
            json!({"value": org_id(payer)}),
        );
    }
    if let Some(r) = &x.recipient {
        row.insert(
            "recipient_organisation_id".into(),
            json!({"value": org_id(r)}),
        );
    }
    row.insert("type".into(), json!({"value": kind}));
    row.insert(
        "money".into(),
        json!({"currency": {"value": cur}, "amount": {"value": json_number(x.amount)}}),
    );
    o.row(row, Some(Section::Payments))
}
