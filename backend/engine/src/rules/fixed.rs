//! A fixed or guaranteed fee: on delivery, or once a milestone is reported achieved.

use rust_decimal::Decimal;

use super::Evaluation;
use crate::explain::{Note, Worked};
use crate::render::fmt;
use seika_core::outcomes::Outcomes;

pub(super) fn evaluate(
    amount: Decimal,
    milestone: Option<&str>,
    outcomes: &Outcomes,
) -> Evaluation {
    let Some(id) = milestone else {
        return Evaluation::new(amount, Worked::FixedFee { amount }).input("amount", fmt(amount));
    };
    let Some(m) = outcomes.milestone(id) else {
        return Evaluation::awaiting(Note::MilestoneNotReported { id: id.to_owned() });
    };
    Evaluation::new(
        amount,
        Worked::Milestone {
            id: id.to_owned(),
            achieved_on: m.achieved_on,
            amount,
        },
    )
    .input("amount", fmt(amount))
    .input("milestone", id)
    .input("achieved_on", m.achieved_on)
}
