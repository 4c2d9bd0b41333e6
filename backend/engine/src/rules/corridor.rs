//! A corridor: nothing up to one level, the maximum from another, linear (or a table of steps)
//! between them.

use rust_decimal::Decimal;

use super::{Evaluation, best_step, direction_of, metric_value};
use crate::explain::{CorridorWorked, Worked};
use crate::render::fmt;
use seika_core::contract::{Contract, Direction, Step};
use seika_core::outcomes::Outcomes;

pub(super) struct Terms<'a> {
    pub none_at: Decimal,
    pub full_at: Decimal,
    pub max_amount: Decimal,
    pub steps: &'a [Step],
}

pub(super) fn evaluate(
    contract: &Contract,
    outcomes: &Outcomes,
    tranche: &str,
    metric: &str,
    terms: &Terms<'_>,
) -> Evaluation {
    let Some(value) = metric_value(outcomes, metric, tranche) else {
        return Evaluation::no_result(metric, tranche);
    };
    let direction = direction_of(contract, metric);
    let (amount, worked) = worked(metric.to_owned(), value, direction, terms);
    Evaluation::new(amount, Worked::Corridor(worked))
        .input(metric, fmt(value))
        .input("none_at", fmt(terms.none_at))
        .input("full_at", fmt(terms.full_at))
}

fn worked(
    metric: String,
    value: Decimal,
    direction: Direction,
    terms: &Terms<'_>,
) -> (Decimal, CorridorWorked) {
    let better_or_equal = |a: Decimal, b: Decimal| match direction {
        Direction::HigherIsBetter => a >= b,
        Direction::LowerIsBetter => a <= b,
    };
    let Terms {
        none_at,
        full_at,
        max_amount,
        steps,
    } = *terms;
    if better_or_equal(value, full_at) {
        let worked = CorridorWorked::Full {
            metric,
            value,
            full_at,
            amount: max_amount,
        };
        return (max_amount, worked);
    }
    if !better_or_equal(value, none_at) || value == none_at {
        let worked = CorridorWorked::NotBeyond {
            metric,
            value,
            none_at,
        };
        return (Decimal::ZERO, worked);
    }
    if steps.is_empty() {
        let share = (value - none_at) / (full_at - none_at);
        let amount = max_amount * share;
        let worked = CorridorWorked::Share {
            metric,
            value,
            none_at,
            full_at,
            max_amount,
            share,
            amount,
        };
        return (amount, worked);
    }
    match best_step(steps, value, direction) {
        Some(s) => (
            s.amount,
            CorridorWorked::TableStep {
                metric,
                value,
                at: s.at,
                amount: s.amount,
            },
        ),
        None => (Decimal::ZERO, CorridorWorked::NoTableStep { metric, value }),
    }
}
