//! A linear rule: the maximum times the achievement against the target, clamped to 0..100 %,
//! nothing below an optional floor.

use rust_decimal::Decimal;

use super::{Evaluation, metric_value};
use crate::explain::{Achievement, LinearWorked, Note, Worked};
use crate::render::fmt;
use seika_core::contract::{Contract, Direction};
use seika_core::outcomes::Outcomes;

pub(super) struct Terms {
    pub target: Decimal,
    pub max_amount: Decimal,
    pub floor_ratio: Option<Decimal>,
    /// An achievement above 100 % pays in proportion (floored at 0 only).
    pub uncapped: bool,
}

pub(super) fn evaluate(
    contract: &Contract,
    outcomes: &Outcomes,
    tranche: &str,
    metric: &str,
    terms: Terms,
) -> Evaluation {
    let Some(value) = metric_value(outcomes, metric, tranche) else {
        return Evaluation::no_result(metric, tranche);
    };
    let achievement = achievement(contract, metric, value, terms.target);
    let ratio = match achievement {
        Achievement::Share { value, target } => value / target,
        Achievement::Reduction {
            baseline,
            value,
            target,
        } => (baseline - value) / (baseline - target),
    };
    let clamped = if terms.uncapped {
        ratio.max(Decimal::ZERO)
    } else {
        ratio.clamp(Decimal::ZERO, Decimal::ONE)
    };
    let below_floor = terms.floor_ratio.filter(|f| clamped < *f);
    let amount = if below_floor.is_some() {
        Decimal::ZERO
    } else {
        terms.max_amount * clamped
    };
    let worked = LinearWorked {
        metric: metric.to_owned(),
        max_amount: terms.max_amount,
        achievement,
        clamped,
        amount,
        below_floor,
        uncapped: terms.uncapped,
    };
    let mut e = Evaluation::new(amount, Worked::Linear(worked))
        .input(metric, fmt(value))
        .input("target", fmt(terms.target))
        .input("max_amount", fmt(terms.max_amount));
    if ratio < Decimal::ZERO {
        e.notes.push(Note::NegativeAchievement { ratio });
    }
    if ratio > Decimal::ONE && !terms.uncapped {
        e.notes.push(Note::AchievementAboveFull { ratio });
    }
    e
}

/// The achievement's terms: a share of the target, or for a metric that improves downwards the
/// reduction from its baseline (the target where it has none) towards the target.
fn achievement(contract: &Contract, metric: &str, value: Decimal, target: Decimal) -> Achievement {
    let m = contract.metric(metric);
    match m.map_or(Direction::HigherIsBetter, |m| m.direction) {
        Direction::HigherIsBetter => Achievement::Share { value, target },
        Direction::LowerIsBetter => Achievement::Reduction {
            baseline: m.and_then(|m| m.baseline).unwrap_or(target),
            value,
            target,
        },
    }
}
