//! The payout engine (crate `seika-engine`): pure functions from contract terms and verified outcome data to a payout
//! statement. No IO, no HTTP, no SQL. The same inputs give a byte-identical statement; the server,
//! the command line and the tests all call [`compute`].
//!
//! Order of work, per tranche in date order and per component in contract order:
//! 1. conditions (all-or-nothing) are checked; if one fails the component pays 0;
//! 2. the rule gives an unrounded amount, after its own per-participant and per-outcome caps;
//! 3. the contract's rounding policy rounds that amount (the one rounding point of a line);
//! 4. caps apply in turn: component, metric (cumulative), tranche (cumulative), contract maximum
//!    (支払上限額, cumulative); each that binds is recorded with how much it took off;
//! 5. the amount is split among payers (the component's own payer, or the shares) by largest
//!    remainder in minor units, then each payer's cap (cumulative) applies;
//! 6. the tranche totals are distributed to investors through the waterfall.

pub mod allocate;
pub mod figures;
pub mod rules;
pub mod simulate;
pub mod statement;
pub mod versions;
pub mod waterfall;
pub mod words;
pub mod xirr;

use seika_core::message::Msg;
use seika_core::msg;
use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use rules::{Evaluation, RuleState, Window};
use seika_core::Money;
use seika_core::contract::{Component, Contract, Issue, Rule};
use seika_core::outcomes::Outcomes;
use statement::{
    CapApplied, Explanation, Line, LineStatus, MetricTotal, PayerAmount, PayerTotal, Statement,
    TrancheTotal,
};

/// Changes whenever a change to the engine could change a statement.
pub const ENGINE_VERSION: &str = "seika-engine/1.3.0";

#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    #[error("the contract terms are invalid")]
    Contract(Vec<Issue>),
    #[error("the outcome data is invalid")]
    Outcomes(Vec<Issue>),
}

impl EngineError {
    pub fn issues(&self) -> &[Issue] {
        match self {
            EngineError::Contract(i) | EngineError::Outcomes(i) => i,
        }
    }
}

/// SHA-256 of what `write` writes, streamed into the hasher.
fn sha256_of(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    struct HashWriter(Sha256);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // Buffered: many small writes become few hasher updates.
    let mut writer = std::io::BufWriter::with_capacity(1 << 16, HashWriter(Sha256::new()));
    // Writing our own data into a writer that never fails cannot fail.
    let _infallible = write(&mut writer).and_then(|()| std::io::Write::flush(&mut writer));
    let (hasher, _flushed) = writer.into_parts();
    hex::encode(hasher.0.finalize())
}

/// SHA-256 of the value's canonical JSON, streamed into the hasher (no copy of large inputs).
fn sha256_json<T: serde::Serialize>(value: &T) -> String {
    sha256_of(|w| serde_json::to_writer(w, value).map_err(std::io::Error::from))
}

/// A running total that a cap limits; returns how much of `amount` fits.
fn apply_cap(
    amount: &mut i64,
    limit: Option<Decimal>,
    used: i64,
    (name, said): (String, words::Words),
    currency: seika_core::Currency,
    caps: &mut Vec<CapApplied>,
) {
    let Some(limit) = limit else { return };
    let limit_minor = Money::from_decimal(limit, currency).map_or(i64::MAX, Money::minor);
    let room = (limit_minor - used).max(0);
    if *amount > room {
        let cut = *amount - room;
        caps.push(CapApplied::new(
            name,
            said,
            limit,
            Money::from_minor(cut, currency).to_decimal(),
        ));
        *amount = room;
    }
}

/// A payer's cap: the statement's text and the words people read.
fn payer_cap(say: &words::Say<'_>, id: &str) -> (String, words::Words) {
    let who = say.payer(id);
    (
        format!("payer cap `{id}`"),
        words::words(
            format!("支払者「{who}」の上限"),
            format!("Cap of the payer \u{201c}{who}\u{201d}"),
        ),
    )
}

/// The text with its first letter in upper case.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A refusal of the verified data naming the component, its tranche and its metric: what was
/// expected, and what happened instead.
fn component_refusal(component: &Component, message: Msg) -> EngineError {
    EngineError::Outcomes(vec![Issue::new(
        format!("components.{}", component.id),
        message,
    )])
}

/// " of metric `x`" in each language, for a refusal naming the component's metric.
fn of_metric(component: &Component) -> (String, String) {
    component
        .rule
        .metric()
        .map(|m| (format!(" of metric `{m}`"), format!("（指標 `{m}`）")))
        .unwrap_or_default()
}

/// Computes the payout statement for verified outcome data under one contract terms version.
pub fn compute(contract: &Contract, outcomes: &Outcomes) -> Result<Statement, EngineError> {
    let issues = contract.validate();
    if !issues.is_empty() {
        return Err(EngineError::Contract(issues));
    }
    let issues = outcomes.validate(contract);
    if !issues.is_empty() {
        return Err(EngineError::Outcomes(issues));
    }
    let hash = || sha256_of(|w| outcomes.write_hashed(&mut { w }));
    if outcomes.participant_outcomes.len() < HASH_BESIDE_RULES_FROM {
        let mut statement = statement_of(contract, outcomes)?;
        statement.outcomes_sha256 = hash();
        return Ok(statement);
    }
    // Over many records the input hash (a tenth of a large run's time) is computed on a second
    // thread while the rules read the same records. The statement is the same either way.
    std::thread::scope(|scope| {
        let hashing = scope.spawn(hash);
        let mut statement = statement_of(contract, outcomes)?;
        statement.outcomes_sha256 = hashing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Ok(statement)
    })
}

/// Participant records from which the input hash is computed beside the rules: below it a
/// thread costs more than it saves (a simulation prices thousands of small runs).
const HASH_BESIDE_RULES_FROM: usize = 100_000;

/// The statement of valid terms and outcomes, but for the input hash.
fn statement_of(contract: &Contract, outcomes: &Outcomes) -> Result<Statement, EngineError> {
    let currency = contract.currency;
    let money = |minor: i64| Money::from_minor(minor, currency).amount_string();
    let say = words::Say::new(contract);
    let shown = |minor: i64| say.money(Money::from_minor(minor, currency).to_decimal());
    let contract_maximum = || {
        (
            "contract maximum (支払上限額)".to_owned(),
            words::words("支払上限額", "Contract maximum"),
        )
    };

    let mut state = RuleState::default();
    let mut lines = Vec::new();
    let mut metric_paid: BTreeMap<&str, i64> = BTreeMap::new();
    let mut payer_paid = vec![0_i64; contract.payers.len()];
    let mut contract_paid = 0_i64;
    let mut component_paid: BTreeMap<&str, i64> = BTreeMap::new();
    let mut tranche_totals = Vec::new();
    let mut previous_due = None;

    for tranche in &contract.tranches {
        let window = Window {
            from: tranche
                .outcomes_from
                .or_else(|| previous_due.and_then(|d: chrono::NaiveDate| d.succ_opt())),
            until: tranche.outcomes_until.unwrap_or(tranche.due_on),
        };
        previous_due = Some(tranche.due_on);
        let mut tranche_paid = 0_i64;
        for component in contract
            .components
            .iter()
            .filter(|c| c.tranche == tranche.id)
        {
            let conditions = rules::check_conditions(&component.conditions, outcomes, &tranche.id);
            let mut evaluation = if conditions.iter().all(|c| c.met) {
                // Decimal arithmetic on verified values panics on overflow; the rule's result is
                // then a refusal naming the component and its metric, never a crashed request.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    rules::evaluate(contract, component, outcomes, window, &mut state)
                }))
                .map_err(|_| {
                    let (id, tranche, (metric, metric_ja)) =
                        (&component.id, &tranche.id, of_metric(component));
                    component_refusal(
                        component,
                        msg!(
                            "engine.overflow",
                            "values the payment rule can compute with: component `{id}` in tranche `{tranche}` overflowed with the verified data{metric}",
                            "支払ルールで計算できる値: 支払時期 `{tranche}` の支払項目 `{id}` の計算が検証済みデータ{metric_ja}で桁あふれしました"
                        ),
                    )
                })?
            } else {
                let awaiting = conditions.iter().any(|c| c.actual.is_none());
                let mut e = Evaluation::new(
                    Decimal::ZERO,
                    "a condition is not met: all-or-nothing → 0".into(),
                    if awaiting {
                        words::words(
                            "条件の判定に必要な検証済みの結果がまだありません（全部か無しか） → 0",
                            "A condition still awaits verified results (all-or-nothing) → 0",
                        )
                    } else {
                        words::words(
                            "条件を満たしていません（全部か無しか） → 0",
                            "A condition is not met (all-or-nothing) → 0",
                        )
                    },
                );
                e.status = if awaiting {
                    LineStatus::AwaitingData
                } else {
                    LineStatus::NotMet
                };
                e
            };

            let out_of_range = |e: seika_core::MoneyError| {
                let (id, tranche, raw, (metric, metric_ja)) = (
                    &component.id,
                    &tranche.id,
                    evaluation.raw,
                    of_metric(component),
                );
                component_refusal(
                    component,
                    msg!(
                        "engine.out_of_range",
                        "an amount in range: component `{id}` in tranche `{tranche}` computed {raw} ({e}) with the verified data{metric}",
                        "範囲内の金額: 支払時期 `{tranche}` の支払項目 `{id}` が検証済みデータ{metric_ja}から {raw} を算出しました（{e}）"
                    ),
                )
            };
            let rounded = contract
                .rounding
                .apply(evaluation.raw)
                .map_err(out_of_range)?;
            let mut amount = Money::from_decimal(rounded, currency)
                .map_err(out_of_range)?
                .minor();
            let rounding = format!(
                "{} to a multiple of {}: {} → {}",
                serde_json::to_value(contract.rounding.mode)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                contract.rounding.unit.normalize(),
                evaluation.raw.normalize(),
                money(amount)
            );
            let how = say.rounding();
            let rounding_words = words::words(
                format!(
                    "{}: {} → {}",
                    how.ja,
                    say.money(evaluation.raw),
                    shown(amount)
                ),
                format!(
                    "{}: {} → {}",
                    capitalised(&how.en),
                    say.money(evaluation.raw),
                    shown(amount)
                ),
            );
            // Running totals are checked: amounts near the limit of the currency's minor units
            // are refused, naming the component, never a panic.
            let overflow = || {
                let (id, tranche, (metric, metric_ja)) =
                    (&component.id, &tranche.id, of_metric(component));
                component_refusal(
                    component,
                    msg!(
                        "engine.total_overflow",
                        "amounts whose totals the currency's minor units can hold: component `{id}` in tranche `{tranche}` made the running totals overflow with the verified data{metric}",
                        "通貨の最小単位で合計を保持できる金額: 支払時期 `{tranche}` の支払項目 `{id}` で検証済みデータ{metric_ja}により累計が桁あふれしました"
                    ),
                )
            };
            // Net of earlier components: a final payment less what they already paid.
            if !component.net_of.is_empty() {
                let earlier = component
                    .net_of
                    .iter()
                    .map(|id| component_paid.get(id.as_str()).copied().unwrap_or(0))
                    .try_fold(0_i64, |sum, part| sum.checked_add(part))
                    .ok_or_else(overflow)?;
                let net = amount.saturating_sub(earlier).max(0);
                let names: Vec<words::Words> = component
                    .net_of
                    .iter()
                    .map(|id| say.component(id))
                    .collect();
                let quoted = |ja: bool| {
                    names
                        .iter()
                        .map(|n| {
                            if ja {
                                format!("「{}」", n.ja)
                            } else {
                                format!("\u{201c}{}\u{201d}", n.en)
                            }
                        })
                        .collect::<Vec<_>>()
                };
                evaluation.note(
                    format!(
                        "{} less {} already paid by {} = {}",
                        money(amount),
                        money(earlier),
                        component
                            .net_of
                            .iter()
                            .map(|id| format!("`{id}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        money(net)
                    ),
                    words::words(
                        format!(
                            "{} − {}で支払済みの {} = {}",
                            shown(amount),
                            quoted(true).join("、"),
                            shown(earlier),
                            shown(net)
                        ),
                        format!(
                            "{} less {} already paid by {} = {}",
                            shown(amount),
                            shown(earlier),
                            quoted(false).join(", "),
                            shown(net)
                        ),
                    ),
                );
                evaluation
                    .inputs
                    .insert("paid_by_earlier_components".to_owned(), money(earlier));
                amount = net;
            }
            let before_caps = amount;
            // A cap inside the rule (per participant, per outcome) already reduced the amount.
            let capped_in_rule = !evaluation.caps.is_empty();
            let mut caps = std::mem::take(&mut evaluation.caps);
            apply_cap(
                &mut amount,
                component.cap,
                0,
                (format!("component cap `{}`", component.id), {
                    let n = say.component(&component.id);
                    words::words(
                        format!("構成要素「{}」の上限", n.ja),
                        format!("Cap of the component \u{201c}{}\u{201d}", n.en),
                    )
                }),
                currency,
                &mut caps,
            );
            let metric = component.rule.metric();
            if let Some(m) = metric.and_then(|m| contract.metric(m)) {
                let used = metric_paid.get(m.id.as_str()).copied().unwrap_or(0);
                apply_cap(
                    &mut amount,
                    m.cap,
                    used,
                    (
                        format!("metric cap `{}`", m.id),
                        words::words(
                            format!("指標「{}」の上限", m.name.ja),
                            format!("Cap of the metric \u{201c}{}\u{201d}", m.name.en),
                        ),
                    ),
                    currency,
                    &mut caps,
                );
            }
            apply_cap(
                &mut amount,
                tranche.cap,
                tranche_paid,
                (format!("tranche cap `{}`", tranche.id), {
                    let n = say.tranche(&tranche.id);
                    words::words(
                        format!("支払期「{}」の上限", n.ja),
                        format!("Cap of the payment date \u{201c}{}\u{201d}", n.en),
                    )
                }),
                currency,
                &mut caps,
            );
            apply_cap(
                &mut amount,
                contract.max_total_payment,
                contract_paid,
                contract_maximum(),
                currency,
                &mut caps,
            );

            // Split among payers, then each payer's own cap.
            let (payer_indices, shares): (Vec<usize>, Vec<Decimal>) = match &component.payer {
                Some(id) => (
                    vec![
                        contract
                            .payers
                            .iter()
                            .position(|p| &p.id == id)
                            .unwrap_or(0),
                    ],
                    vec![Decimal::ONE],
                ),
                None => contract
                    .payers
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i, p.share))
                    .unzip(),
            };
            let mut parts = allocate::by_shares(amount, &shares);
            for (part, &i) in parts.iter_mut().zip(&payer_indices) {
                let payer = &contract.payers[i];
                apply_cap(
                    part,
                    payer.max_payment,
                    payer_paid[i],
                    payer_cap(&say, &payer.id),
                    currency,
                    &mut caps,
                );
                payer_paid[i] = payer_paid[i].checked_add(*part).ok_or_else(overflow)?;
            }
            let base = parts
                .iter()
                .try_fold(0_i64, |sum, part| sum.checked_add(*part))
                .ok_or_else(overflow)?;
            // Top-ups: payers adding a stated fraction of each shared payment, on top of it, up
            // to their own cap and the contract's maximum.
            let mut topped = 0_i64;
            if component.payer.is_none() {
                for (k, &i) in payer_indices.iter().enumerate() {
                    let payer = &contract.payers[i];
                    let Some(rate) = payer.top_up else {
                        continue;
                    };
                    let raw = Money::from_minor(base, currency)
                        .to_decimal()
                        .checked_mul(rate)
                        .ok_or_else(overflow)?;
                    let mut extra = contract
                        .rounding
                        .apply(raw)
                        .ok()
                        .and_then(|d| Money::from_decimal(d, currency).ok())
                        .map(Money::minor)
                        .ok_or_else(overflow)?;
                    let before = extra;
                    apply_cap(
                        &mut extra,
                        payer.max_payment,
                        payer_paid[i],
                        payer_cap(&say, &payer.id),
                        currency,
                        &mut caps,
                    );
                    apply_cap(
                        &mut extra,
                        contract.max_total_payment,
                        contract_paid.saturating_add(base).saturating_add(topped),
                        contract_maximum(),
                        currency,
                        &mut caps,
                    );
                    let who = say.payer(&payer.id);
                    let shown_rate = words::percent(rate);
                    evaluation.note(
                        format!(
                            "top-up by `{}`: {} × {} = {}{}",
                            payer.id,
                            money(base),
                            rate.normalize(),
                            money(before),
                            if extra < before {
                                format!(", {} within its caps", money(extra))
                            } else {
                                String::new()
                            }
                        ),
                        words::words(
                            format!(
                                "「{who}」の上乗せ: {} × {shown_rate} = {}{}",
                                shown(base),
                                shown(before),
                                if extra < before {
                                    format!("、上限内で {}", shown(extra))
                                } else {
                                    String::new()
                                }
                            ),
                            format!(
                                "Top-up by \u{201c}{who}\u{201d}: {} × {shown_rate} = {}{}",
                                shown(base),
                                shown(before),
                                if extra < before {
                                    format!(", {} within its caps", shown(extra))
                                } else {
                                    String::new()
                                }
                            ),
                        ),
                    );
                    parts[k] = parts[k].checked_add(extra).ok_or_else(overflow)?;
                    payer_paid[i] = payer_paid[i].checked_add(extra).ok_or_else(overflow)?;
                    topped = topped.checked_add(extra).ok_or_else(overflow)?;
                }
            }
            amount = base.checked_add(topped).ok_or_else(overflow)?;

            if let Some(m) = metric {
                let paid = metric_paid.entry(m).or_default();
                *paid = paid.checked_add(amount).ok_or_else(overflow)?;
            }
            tranche_paid = tranche_paid.checked_add(amount).ok_or_else(overflow)?;
            contract_paid = contract_paid.checked_add(amount).ok_or_else(overflow)?;
            component_paid.insert(component.id.as_str(), amount);
            if let Rule::SavingsShare { metric, .. } = &component.rule {
                *state.savings_paid.entry(metric.clone()).or_default() +=
                    Money::from_minor(amount, currency).to_decimal();
            }
            let status = if (base < before_caps || capped_in_rule)
                && evaluation.status == LineStatus::Earned
            {
                LineStatus::Capped
            } else {
                evaluation.status
            };
            lines.push(Line {
                component: component.id.clone(),
                name: component.name.clone(),
                tranche: tranche.id.clone(),
                rule: component.rule.type_name(),
                metric: metric.map(str::to_owned),
                status,
                amount: money(amount),
                terms_version: None,
                outcome_contingent: component.outcome_contingent,
                payers: payer_indices
                    .iter()
                    .zip(&parts)
                    .map(|(&i, part)| PayerAmount {
                        payer: contract.payers[i].id.clone(),
                        amount: money(*part),
                    })
                    .collect(),
                words: words::LineWords {
                    formula: evaluation.formula_words,
                    rounding: rounding_words,
                    caps: caps.iter().map(|c| c.words.clone()).collect(),
                    notes: evaluation.note_words,
                },
                explanation: Explanation {
                    inputs: evaluation.inputs,
                    conditions,
                    formula: evaluation.formula,
                    raw_amount: evaluation.raw.normalize().to_string(),
                    rounding,
                    caps,
                    notes: evaluation.notes,
                },
            });
        }
        tranche_totals.push((tranche, tranche_paid));
    }

    let distribution = (!contract.investments.is_empty()).then(|| {
        let receipts: Vec<waterfall::Receipt<'_>> = tranche_totals
            .iter()
            .map(|(t, amount)| waterfall::Receipt {
                tranche: &t.id,
                date: t.due_on,
                amount: *amount,
            })
            .collect();
        // Guarantees are called, and losses realised, only once every tranche is final.
        let every_tranche_final = !lines.iter().any(|l| l.status == LineStatus::AwaitingData);
        waterfall::distribute(contract, &receipts, every_tranche_final)
    });

    Ok(Statement {
        schema: statement::STATEMENT_SCHEMA,
        engine_version: ENGINE_VERSION,
        contract: contract.code.clone(),
        contract_sha256: sha256_json(contract),
        outcomes_sha256: String::new(),
        currency,
        total: money(contract_paid),
        max_total_payment: contract
            .max_total_payment
            .map(|m| m.normalize().to_string()),
        rounding: contract.rounding,
        non_contingent_total: contract
            .components
            .iter()
            .any(|c| !c.outcome_contingent)
            .then(|| {
                money(
                    lines
                        .iter()
                        .filter(|l| !l.outcome_contingent)
                        .map(|l| Money::parse(&l.amount, currency).map_or(0, Money::minor))
                        .sum(),
                )
            }),
        tranches: tranche_totals
            .iter()
            .map(|(t, amount)| TrancheTotal {
                tranche: t.id.clone(),
                due_on: t.due_on,
                total: money(*amount),
            })
            .collect(),
        payers: contract
            .payers
            .iter()
            .zip(&payer_paid)
            .map(|(p, paid)| PayerTotal {
                payer: p.id.clone(),
                total: money(*paid),
                max_payment: p.max_payment.map(|m| m.normalize().to_string()),
            })
            .collect(),
        metrics: contract
            .metrics
            .iter()
            .map(|m| MetricTotal {
                metric: m.id.clone(),
                total: money(metric_paid.get(m.id.as_str()).copied().unwrap_or(0)),
            })
            .collect(),
        lines,
        distribution,
    })
}

#[cfg(test)]
mod tests;

/// JSON Schemas of the engine's file formats, generated from the types that read them.
/// Decimals are documented as strings (the wire rule), without exponents.
pub fn json_schema(name: &str) -> Option<serde_json::Value> {
    let schema = match name {
        "contract" => schemars::schema_for!(Contract),
        "outcomes" => schemars::schema_for!(Outcomes),
        "statement" => schemars::schema_for!(Statement),
        _ => return None,
    };
    let mut value = serde_json::to_value(schema).ok()?;
    decimals_as_strings(&mut value);
    Some(value)
}

/// Rewrites decimal schemas as plain decimal strings (the wire rule).
pub fn decimals_as_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let is_decimal = map
                .get("pattern")
                .and_then(|p| p.as_str())
                .is_some_and(|p| p.contains("[eE]"));
            if is_decimal {
                map.insert("type".into(), "string".into());
                map.insert("pattern".into(), r"^-?\d+(\.\d+)?$".into());
                map.entry("description").or_insert_with(|| {
                    "An exact decimal as a string, e.g. \"0.329\" or \"7860000\".".into()
                });
            }
            map.values_mut().for_each(decimals_as_strings);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(decimals_as_strings),
        _ => {}
    }
}

pub const SCHEMA_NAMES: [&str; 3] = ["contract", "outcomes", "statement"];
