//! A person-period rule: a price for each period a participant is recorded in the good state,
//! each (participant, day) counted once, up to a maximum of periods per participant.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::{Evaluation, RuleState, Window};
use crate::explain::{Note, Worked};
use crate::render::fmt;
use seika_core::contract::{Component, Rule};
use seika_core::outcomes::{Outcomes, ParticipantOutcomes};

/// The periods a tranche pays, and the records it did not.
#[derive(Default)]
struct Counted {
    periods: u64,
    repeats: u64,
    over_max: u64,
}

pub(super) fn evaluate(
    component: &Component,
    outcomes: &Outcomes,
    window: Window,
    state: &mut RuleState,
) -> Evaluation {
    let Rule::PersonPeriod {
        state: good_state,
        price_per_period,
        max_periods_per_participant,
        ..
    } = &component.rule
    else {
        return Evaluation::new(Decimal::ZERO, Worked::AwaitingData);
    };
    let records = &outcomes.participant_outcomes;
    let Some(state_id) = records.outcome_id(good_state) else {
        let worked = Worked::NoStateRecords {
            state: good_state.clone(),
        };
        return Evaluation::new(Decimal::ZERO, worked);
    };
    let group = component.rule.metric().unwrap_or(&component.id).to_owned();
    let counts = state
        .periods_paid
        .entry(group)
        .or_insert_with(|| vec![0; records.participant_count()]);
    counts.resize(records.participant_count(), 0);
    let counted = count(
        records,
        state_id,
        window,
        counts,
        *max_periods_per_participant,
    );
    let (periods, price) = (counted.periods, *price_per_period);
    let amount = price * Decimal::from(periods);
    let worked = Worked::PersonPeriods {
        periods,
        price,
        amount,
    };
    let mut e = Evaluation::new(amount, worked)
        .input("person_periods", periods)
        .input("price_per_period", fmt(price));
    if counted.repeats > 0 {
        e.notes.push(Note::DuplicateRecords {
            count: counted.repeats,
        });
    }
    if counted.over_max > 0 {
        e.notes.push(Note::BeyondMaxPeriods {
            count: counted.over_max,
        });
    }
    e
}

/// Counts the window's periods in the good state, once per participant and day, up to the
/// maximum per participant (`counts` remembers earlier tranches).
fn count(
    records: &ParticipantOutcomes,
    state_id: u16,
    window: Window,
    counts: &mut [u32],
    max: Option<u32>,
) -> Counted {
    let mut seen = HashSet::new();
    let mut counted = Counted::default();
    for e in records.events() {
        if e.outcome != state_id || !window.contains(e.on) {
            continue;
        }
        if !seen.insert((e.participant, e.on)) {
            counted.repeats += 1;
            continue;
        }
        let count = &mut counts[e.participant as usize];
        if max.is_some_and(|max| *count >= max) {
            counted.over_max += 1;
            continue;
        }
        *count += 1;
        counted.periods += 1;
    }
    counted
}
