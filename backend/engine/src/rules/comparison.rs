//! A comparison rule: the effect of the service against a comparison group (one estimate, or a
//! weighted blend of several), paid at a threshold, by steps or per unit of effect.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{Evaluation, best_step, direction_of};
use crate::explain::{ComparisonWorked, EffectPay, Note, Worked};
use crate::render::fmt;
use seika_core::contract::{BlendWeight, ComparisonPay, Contract, Direction, EffectKind};
use seika_core::outcomes::{MetricResult, Outcomes};

/// The effect formed from a treated and a comparison value.
struct EffectOf {
    direction: Direction,
    kind: EffectKind,
}

impl EffectOf {
    /// Absolute in the metric's unit, or relative to the comparison (none for a comparison of 0).
    fn of(&self, treated: Decimal, comparison: Decimal) -> Option<Decimal> {
        let absolute = match self.direction {
            Direction::HigherIsBetter => treated - comparison,
            Direction::LowerIsBetter => comparison - treated,
        };
        match self.kind {
            EffectKind::Absolute => Some(absolute),
            EffectKind::Relative => absolute.checked_div(comparison),
        }
    }
}

/// The effect and its parts, with the inputs it read; or what it awaits.
struct Effect {
    effect: Option<Decimal>,
    parts: Vec<(Decimal, Option<Decimal>)>,
    inputs: BTreeMap<String, String>,
}

pub(super) fn evaluate(
    contract: &Contract,
    outcomes: &Outcomes,
    tranche: &str,
    metric: &str,
    kind: EffectKind,
    blend: &[BlendWeight],
    pay: &ComparisonPay,
) -> Evaluation {
    let Some(result) = outcomes.result(metric, tranche) else {
        return Evaluation::no_result(metric, tranche);
    };
    let effect_of = EffectOf {
        direction: direction_of(contract, metric),
        kind,
    };
    let found = if blend.is_empty() {
        single(result, &effect_of, metric)
    } else {
        blended(result, &effect_of, metric, blend)
    };
    let Effect {
        effect,
        parts,
        mut inputs,
    } = match found {
        Ok(found) => found,
        Err(note) => return Evaluation::awaiting(note),
    };
    let Some(effect) = effect else {
        return Evaluation::awaiting(Note::RelativeNeedsComparison {
            metric: metric.to_owned(),
        });
    };
    let (amount, pay) = match paid(effect, pay, result, &mut inputs) {
        Ok(paid) => paid,
        Err(()) => {
            return Evaluation::awaiting(Note::NeedsCohortSize {
                metric: metric.to_owned(),
            });
        }
    };
    let worked = ComparisonWorked {
        metric: metric.to_owned(),
        kind,
        parts,
        effect,
        pay,
    };
    let mut e = Evaluation::new(amount, Worked::Comparison(worked));
    e.inputs = inputs;
    e.inputs.insert("effect".to_owned(), fmt(effect));
    e
}

/// One treated value against one comparison value.
fn single(result: &MetricResult, effect_of: &EffectOf, metric: &str) -> Result<Effect, Note> {
    let (Some(treated), Some(comparison)) = (result.effective_value(), result.comparison) else {
        return Err(Note::NeedsTreatedAndComparison {
            metric: metric.to_owned(),
        });
    };
    let inputs = BTreeMap::from([
        ("treated".to_owned(), fmt(treated)),
        ("comparison".to_owned(), fmt(comparison)),
    ]);
    Ok(Effect {
        effect: effect_of.of(treated, comparison),
        parts: Vec::new(),
        inputs,
    })
}

/// A weighted blend of several estimates of the effect.
fn blended(
    result: &MetricResult,
    effect_of: &EffectOf,
    metric: &str,
    blend: &[BlendWeight],
) -> Result<Effect, Note> {
    let mut inputs = BTreeMap::new();
    let mut parts = Vec::new();
    let mut total = Some(Decimal::ZERO);
    for w in blend {
        let Some(est) = result.estimates.iter().find(|e| e.source == w.source) else {
            return Err(Note::NoEstimate {
                source: w.source.clone(),
                metric: metric.to_owned(),
            });
        };
        let e = effect_of.of(est.treated, est.comparison);
        inputs.insert(format!("{}.treated", w.source), fmt(est.treated));
        inputs.insert(format!("{}.comparison", w.source), fmt(est.comparison));
        parts.push((w.weight, e));
        total = total.zip(e).map(|(t, e)| t + w.weight * e);
    }
    Ok(Effect {
        effect: total,
        parts,
        inputs,
    })
}

/// What the effect pays; `Err` where a per-participant payment lacks the cohort's size.
fn paid(
    effect: Decimal,
    pay: &ComparisonPay,
    result: &MetricResult,
    inputs: &mut BTreeMap<String, String>,
) -> Result<(Decimal, EffectPay), ()> {
    Ok(match pay {
        ComparisonPay::Threshold { at_least, amount } if effect >= *at_least => (
            *amount,
            EffectPay::ThresholdMet {
                at_least: *at_least,
                amount: *amount,
            },
        ),
        ComparisonPay::Threshold { at_least, .. } => (
            Decimal::ZERO,
            EffectPay::ThresholdMissed {
                at_least: *at_least,
            },
        ),
        ComparisonPay::Tiers { steps } => match best_step(steps, effect, Direction::HigherIsBetter)
        {
            Some(s) => (
                s.amount,
                EffectPay::Step {
                    at: s.at,
                    amount: s.amount,
                },
            ),
            None => (Decimal::ZERO, EffectPay::NoStep),
        },
        ComparisonPay::PerUnit {
            price,
            per_participant,
            at_least,
        } => {
            let positive = effect.max(Decimal::ZERO);
            match at_least {
                Some(gate) if effect < *gate => {
                    (Decimal::ZERO, EffectPay::BelowGate { gate: *gate })
                }
                _ if *per_participant => {
                    let cohort = result.cohort_size.ok_or(())?;
                    inputs.insert("cohort_size".to_owned(), fmt(cohort));
                    let units = positive * cohort;
                    let amount = *price * units;
                    let pay = EffectPay::PerParticipant {
                        positive,
                        cohort,
                        price: *price,
                        units,
                        amount,
                    };
                    (amount, pay)
                }
                _ => {
                    let amount = *price * positive;
                    let pay = EffectPay::PerUnit {
                        positive,
                        price: *price,
                        amount,
                    };
                    (amount, pay)
                }
            }
        }
    })
}
