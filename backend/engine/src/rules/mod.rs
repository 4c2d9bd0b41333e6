//! Evaluation of each payment rule to an unrounded amount with its explanation, one file per rule
//! type. Caps of the rule's own (per participant, per outcome) apply here; the contract's caps and
//! rounding apply in `compute`. The rules compute and say what they computed from
//! ([`Worked`], [`Note`], [`CapCut`]); [`crate::render`] writes the texts.

mod comparison;
mod corridor;
mod deduction;
mod fixed;
mod linear;
mod person_period;
mod rate_card;
mod savings;
mod tiered;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::explain::{CapCut, Note, Worked};
use crate::render::fmt;
use crate::statement::{ConditionCheck, LineStatus};
use seika_core::contract::{Component, Condition, Contract, Direction, Rule, Step};
use seika_core::outcomes::Outcomes;

/// What a rule gives before rounding and the contract's caps.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub raw: Decimal,
    pub status: LineStatus,
    /// How the amount was worked out.
    pub worked: Worked,
    pub inputs: BTreeMap<String, String>,
    pub notes: Vec<Note>,
    /// The rule's own caps that bound.
    pub caps: Vec<CapCut>,
}

impl Evaluation {
    pub fn new(raw: Decimal, worked: Worked) -> Self {
        Evaluation {
            raw,
            status: if raw.is_zero() {
                LineStatus::NotMet
            } else {
                LineStatus::Earned
            },
            worked,
            inputs: BTreeMap::new(),
            notes: Vec::new(),
            caps: Vec::new(),
        }
    }

    /// Nothing yet: the note says what is awaited.
    fn awaiting(note: Note) -> Self {
        let mut e = Evaluation::new(Decimal::ZERO, Worked::AwaitingData);
        e.status = LineStatus::AwaitingData;
        e.notes.push(note);
        e
    }

    fn no_result(metric: &str, tranche: &str) -> Self {
        Evaluation::awaiting(Note::NoResult {
            metric: metric.to_owned(),
            tranche: tranche.to_owned(),
        })
    }

    fn input(mut self, name: &str, value: impl ToString) -> Self {
        self.inputs.insert(name.to_owned(), value.to_string());
        self
    }
}

/// Per-contract memory across tranches: what participants and outcomes were already paid.
/// Rate cards and person-period rules share their memory by metric (or, without one, by
/// component), so an outcome payable once per participant is paid once across all tranches.
#[derive(Debug, Default)]
pub struct RuleState {
    /// Times paid, per group (metric, else component) × participant × outcome, densely indexed.
    rate_card_counts: BTreeMap<String, Vec<u32>>,
    /// Amount paid per participant, per group (minor-unit-exact decimals).
    per_participant_paid: BTreeMap<String, Vec<Decimal>>,
    /// Amount paid per priced outcome name, per group.
    per_outcome_paid: BTreeMap<(String, String), Decimal>,
    /// Periods paid per participant, per group.
    periods_paid: BTreeMap<String, Vec<u32>>,
    /// Paid per participant and fiscal year, per group (caps per participant per year).
    per_participant_year_paid: BTreeMap<String, BTreeMap<(u32, i32), Decimal>>,
    /// The day of the last paid record, per group × participant × outcome (repeatable outcomes).
    rate_card_last_paid: BTreeMap<String, Vec<Option<NaiveDate>>>,
    /// Paid so far on each savings metric (after caps), to find the switch point.
    pub savings_paid: BTreeMap<String, Decimal>,
}

/// The participant-outcome window of a tranche: inclusive dates.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: Option<NaiveDate>,
    pub until: NaiveDate,
}

impl Window {
    fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| day >= f) && day <= self.until
    }
}

fn metric_value(outcomes: &Outcomes, metric: &str, tranche: &str) -> Option<Decimal> {
    outcomes
        .result(metric, tranche)
        .and_then(|r| r.effective_value())
}

/// Which way a metric improves (up unless the contract says otherwise).
fn direction_of(contract: &Contract, metric: &str) -> Direction {
    contract
        .metric(metric)
        .map_or(Direction::HigherIsBetter, |m| m.direction)
}

/// Checks all-or-nothing conditions; returns each check.
pub fn check_conditions(
    conditions: &[Condition],
    outcomes: &Outcomes,
    tranche: &str,
) -> Vec<ConditionCheck> {
    conditions
        .iter()
        .map(|c| {
            let actual = metric_value(outcomes, &c.metric, tranche);
            let met = actual.is_some_and(|v| {
                c.at_least.is_none_or(|min| v >= min) && c.at_most.is_none_or(|max| v <= max)
            });
            let mut required = Vec::new();
            if let Some(min) = c.at_least {
                required.push(format!("≥ {}", fmt(min)));
            }
            if let Some(max) = c.at_most {
                required.push(format!("≤ {}", fmt(max)));
            }
            ConditionCheck {
                metric: c.metric.clone(),
                required: required.join(" and "),
                actual: actual.map(fmt),
                met,
            }
        })
        .collect()
}

/// The best step reached by `value` in the direction, if any.
fn best_step(steps: &[Step], value: Decimal, direction: Direction) -> Option<&Step> {
    steps.iter().rev().find(|s| match direction {
        Direction::HigherIsBetter => value >= s.at,
        Direction::LowerIsBetter => value <= s.at,
    })
}

/// What one component's rule gives in one tranche.
pub fn evaluate(
    contract: &Contract,
    component: &Component,
    outcomes: &Outcomes,
    window: Window,
    state: &mut RuleState,
) -> Evaluation {
    let tranche = component.tranche.as_str();
    match &component.rule {
        Rule::Fixed {
            amount, milestone, ..
        } => fixed::evaluate(*amount, milestone.as_deref(), outcomes),
        Rule::Tiered { metric, steps } => {
            tiered::evaluate(contract, outcomes, tranche, metric, steps)
        }
        Rule::Linear {
            metric,
            target,
            max_amount,
            floor_ratio,
            uncapped,
        } => linear::evaluate(
            contract,
            outcomes,
            tranche,
            metric,
            linear::Terms {
                target: *target,
                max_amount: *max_amount,
                floor_ratio: *floor_ratio,
                uncapped: *uncapped,
            },
        ),
        Rule::Corridor {
            metric,
            none_at,
            full_at,
            max_amount,
            steps,
        } => corridor::evaluate(
            contract,
            outcomes,
            tranche,
            metric,
            &corridor::Terms {
                none_at: *none_at,
                full_at: *full_at,
                max_amount: *max_amount,
                steps,
            },
        ),
        Rule::Comparison {
            metric,
            effect,
            blend,
            pay,
        } => comparison::evaluate(contract, outcomes, tranche, metric, *effect, blend, pay),
        Rule::SavingsShare { .. } => savings::evaluate(contract, component, outcomes, state),
        Rule::RateCard { .. } => rate_card::evaluate(component, outcomes, window, state),
        Rule::PersonPeriod { .. } => person_period::evaluate(component, outcomes, window, state),
        Rule::Deduction {
            base,
            indicators,
            bands,
        } => deduction::evaluate(outcomes, tranche, *base, indicators, bands),
    }
}
