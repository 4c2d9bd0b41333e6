//! A rate card: a price per outcome a participant achieves, each at most so many times per
//! participant (and no sooner than a spacing apart), claimable after a waiting period, under
//! caps per participant (over the contract and per fiscal year) and per outcome.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Evaluation, RuleState, Window};
use crate::explain::{CapCut, CapName, Note, PricedCount, RateCardWorked, Worked};
use seika_core::contract::{Component, RateCardOutcome, Rule};
use seika_core::outcomes::{Outcomes, ParticipantEvent};

/// A rate card's caps per participant: over the contract, and within a fiscal year.
#[derive(Debug, Clone, Copy)]
struct ParticipantCaps {
    total: Option<Decimal>,
    per_year: Option<Decimal>,
}

/// The fiscal year (April to March) a day falls in, by the year it starts.
fn fiscal_year(day: NaiveDate) -> i32 {
    use chrono::Datelike;
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// What one priced outcome paid in this tranche, and the records it did not pay.
#[derive(Debug, Clone, Default)]
struct Tally {
    paid: u64,
    amount: Decimal,
    repeats: u64,
    too_soon: u64,
    waiting: u64,
    capped: Decimal,
}

/// The memory of one rate card group, borrowed from the rule state for one tranche.
struct Ledger<'a> {
    outcome_count: usize,
    /// The priced outcome of each interned outcome id (the last entry of a name wins).
    priced_of: Vec<Option<usize>>,
    counts: &'a mut Vec<u32>,
    last_paid: &'a mut Vec<Option<NaiveDate>>,
    paid_by_participant: &'a mut Vec<Decimal>,
    year_paid: &'a mut BTreeMap<(u32, i32), Decimal>,
    /// Paid per priced outcome so far (this tranche included).
    outcome_paid: Vec<Decimal>,
    participant_capped: Decimal,
    year_capped: Decimal,
}

pub(super) fn evaluate(
    component: &Component,
    outcomes: &Outcomes,
    window: Window,
    state: &mut RuleState,
) -> Evaluation {
    let Rule::RateCard {
        outcomes: priced,
        cap_per_participant,
        cap_per_participant_per_year,
        ..
    } = &component.rule
    else {
        return Evaluation::new(Decimal::ZERO, Worked::AwaitingData);
    };
    let caps = ParticipantCaps {
        total: *cap_per_participant,
        per_year: *cap_per_participant_per_year,
    };
    let group = component.rule.metric().unwrap_or(&component.id).to_owned();
    let records = &outcomes.participant_outcomes;
    let mut ledger = Ledger::of(state, &group, priced, records);
    let mut tallies = vec![Tally::default(); priced.len()];
    for e in events(records, priced) {
        ledger.pay(e, priced, caps, window, &mut tallies);
    }
    let cut = [ledger.participant_capped, ledger.year_capped];
    for (p, paid) in priced.iter().zip(ledger.outcome_paid) {
        state
            .per_outcome_paid
            .insert((group.clone(), p.outcome.clone()), paid);
    }
    explained(priced, &tallies, caps, cut)
}

/// The records in the order they are paid: by date where an outcome repeats with a spacing.
fn events<'a>(
    records: &'a seika_core::outcomes::ParticipantOutcomes,
    priced: &[RateCardOutcome],
) -> Vec<&'a ParticipantEvent> {
    let mut events: Vec<&ParticipantEvent> = records.events().iter().collect();
    if priced.iter().any(|p| p.min_days_between.is_some()) {
        events.sort_by_key(|e| e.on);
    }
    events
}

impl<'a> Ledger<'a> {
    fn of(
        state: &'a mut RuleState,
        group: &str,
        priced: &[RateCardOutcome],
        records: &seika_core::outcomes::ParticipantOutcomes,
    ) -> Self {
        let (participants, outcome_count) = (records.participant_count(), records.outcome_count());
        let slots = participants * outcome_count;
        let mut priced_of = vec![None; outcome_count];
        for (i, p) in priced.iter().enumerate() {
            if let Some(id) = records.outcome_id(&p.outcome) {
                priced_of[id as usize] = Some(i);
            }
        }
        let outcome_paid = priced
            .iter()
            .map(|p| {
                let key = (group.to_owned(), p.outcome.clone());
                state
                    .per_outcome_paid
                    .get(&key)
                    .copied()
                    .unwrap_or_default()
            })
            .collect();
        let counts = state.rate_card_counts.entry(group.to_owned()).or_default();
        counts.resize(slots, 0);
        let last_paid = state
            .rate_card_last_paid
            .entry(group.to_owned())
            .or_default();
        last_paid.resize(slots, None);
        let paid_by_participant = state
            .per_participant_paid
            .entry(group.to_owned())
            .or_default();
        paid_by_participant.resize(participants, Decimal::ZERO);
        let year_paid = state
            .per_participant_year_paid
            .entry(group.to_owned())
            .or_default();
        Ledger {
            outcome_count,
            priced_of,
            counts,
            last_paid,
            paid_by_participant,
            year_paid,
            outcome_paid,
            participant_capped: Decimal::ZERO,
            year_capped: Decimal::ZERO,
        }
    }

    /// Pays one record if the tranche may: in its window once any waiting period is over, within
    /// the times and spacing per participant, up to the caps.
    fn pay(
        &mut self,
        e: &ParticipantEvent,
        priced: &[RateCardOutcome],
        caps: ParticipantCaps,
        window: Window,
        tallies: &mut [Tally],
    ) {
        let Some(i) = self.priced_of[e.outcome as usize] else {
            return;
        };
        let (p, tally) = (&priced[i], &mut tallies[i]);
        let claimable = match p.waiting_days {
            Some(days) => e.on.checked_add_days(chrono::Days::new(u64::from(days))),
            None => Some(e.on),
        };
        if !claimable.is_some_and(|day| window.contains(day)) {
            if window.contains(e.on) {
                tally.waiting += 1;
            }
            return;
        }
        let slot = e.participant as usize * self.outcome_count + e.outcome as usize;
        if self.counts[slot] >= p.max_per_participant.unwrap_or(1) {
            tally.repeats += 1;
            return;
        }
        if let (Some(gap), Some(previous)) = (p.min_days_between, self.last_paid[slot])
            && (e.on - previous).num_days() < i64::from(gap)
        {
            tally.too_soon += 1;
            return;
        }
        self.counts[slot] += 1;
        self.last_paid[slot] = Some(e.on);
        let pay = self.within_caps(e, p, i, caps, tally);
        self.paid_by_participant[e.participant as usize] += pay;
        self.outcome_paid[i] += pay;
        tally.paid += 1;
        tally.amount += pay;
    }

    /// The price after the caps per participant, per participant and year, and per outcome.
    fn within_caps(
        &mut self,
        e: &ParticipantEvent,
        p: &RateCardOutcome,
        i: usize,
        caps: ParticipantCaps,
        tally: &mut Tally,
    ) -> Decimal {
        let limit = |pay: &mut Decimal, room: Decimal, cut: &mut Decimal| {
            let room = room.max(Decimal::ZERO);
            if *pay > room {
                *cut += *pay - room;
                *pay = room;
            }
        };
        let mut pay = p.price;
        if let Some(cap) = caps.total {
            let room = cap - self.paid_by_participant[e.participant as usize];
            limit(&mut pay, room, &mut self.participant_capped);
        }
        let year = (e.participant, fiscal_year(e.on));
        if let Some(cap) = caps.per_year {
            let room = cap - self.year_paid.get(&year).copied().unwrap_or_default();
            limit(&mut pay, room, &mut self.year_capped);
        }
        if let Some(cap) = p.cap {
            limit(&mut pay, cap - self.outcome_paid[i], &mut tally.capped);
        }
        if caps.per_year.is_some() {
            *self.year_paid.entry(year).or_default() += pay;
        }
        pay
    }
}

/// The evaluation: counts times prices, the rule's notes and the caps that bound.
fn explained(
    priced: &[RateCardOutcome],
    tallies: &[Tally],
    caps: ParticipantCaps,
    [participant_capped, year_capped]: [Decimal; 2],
) -> Evaluation {
    let total: Decimal = tallies.iter().map(|t| t.amount).sum();
    let gross: Decimal = priced
        .iter()
        .zip(tallies)
        .map(|(p, t)| p.price * Decimal::from(t.paid))
        .sum();
    let terms = priced
        .iter()
        .zip(tallies)
        .map(|(p, t)| PricedCount {
            outcome: p.outcome.clone(),
            count: t.paid,
            price: p.price,
        })
        .collect();
    let worked = RateCardWorked {
        terms,
        gross,
        total,
    };
    let mut e = Evaluation::new(total, Worked::RateCard(worked));
    for (p, t) in priced.iter().zip(tallies) {
        e.inputs
            .insert(format!("{}.outcomes_paid", p.outcome), t.paid.to_string());
        notes_of(&mut e, p, t);
    }
    let bound = [
        (CapName::PerParticipant, caps.total, participant_capped),
        (CapName::PerParticipantPerYear, caps.per_year, year_capped),
    ];
    for (name, limit, cut) in bound {
        if !cut.is_zero() {
            e.caps.push(CapCut {
                name,
                limit: limit.unwrap_or_default(),
                reduced_by: cut,
            });
        }
    }
    e
}

/// One priced outcome's notes (records not paid) and its cap, if it bound.
fn notes_of(e: &mut Evaluation, p: &RateCardOutcome, t: &Tally) {
    let outcome = || p.outcome.clone();
    if t.repeats > 0 {
        let limit = p.max_per_participant.unwrap_or(1);
        e.notes.push(Note::RepeatOutcomes {
            outcome: outcome(),
            count: t.repeats,
            limit,
        });
    }
    if t.too_soon > 0 {
        let days = p.min_days_between.unwrap_or_default();
        e.notes.push(Note::TooSoon {
            outcome: outcome(),
            count: t.too_soon,
            days,
        });
    }
    if t.waiting > 0 {
        let days = p.waiting_days.unwrap_or_default();
        e.notes.push(Note::InWaitingPeriod {
            outcome: outcome(),
            count: t.waiting,
            days,
        });
    }
    if !t.capped.is_zero() {
        e.caps.push(CapCut {
            name: CapName::Outcome(outcome()),
            limit: p.cap.unwrap_or_default(),
            reduced_by: t.capped,
        });
    }
}
