//! A tiered rule: the amount of the best step the metric reached.

use rust_decimal::Decimal;

use super::{Evaluation, best_step, direction_of, metric_value};
use crate::explain::{StepWorked, Worked};
use crate::render::fmt;
use seika_core::contract::{Contract, Step};
use seika_core::outcomes::Outcomes;

pub(super) fn evaluate(
    contract: &Contract,
    outcomes: &Outcomes,
    tranche: &str,
    metric: &str,
    steps: &[Step],
) -> Evaluation {
    let Some(value) = metric_value(outcomes, metric, tranche) else {
        return Evaluation::no_result(metric, tranche);
    };
    let direction = direction_of(contract, metric);
    let metric_id = metric.to_owned();
    let (amount, worked) = match best_step(steps, value, direction) {
        Some(s) => (
            s.amount,
            StepWorked::Reached {
                metric: metric_id,
                value,
                step: s.at,
                amount: s.amount,
                direction,
            },
        ),
        None => (
            Decimal::ZERO,
            StepWorked::NoneReached {
                metric: metric_id,
                value,
                first: steps.first().map(|s| s.at),
            },
        ),
    };
    Evaluation::new(amount, Worked::Tiered(worked)).input(metric, fmt(value))
}
