//! Evaluation of each payment rule to an unrounded amount with its explanation. Caps of the
//! rule's own (per participant, per outcome) apply here; the contract's caps and rounding apply
//! in `compute`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::contract::{
    ComparisonPay, Component, Condition, Contract, Direction, EffectKind, Rule, Step,
};
use super::outcomes::Outcomes;
use super::statement::{CapApplied, ConditionCheck, LineStatus};

/// What a rule gives before rounding and the contract's caps.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub raw: Decimal,
    pub status: LineStatus,
    pub formula: String,
    pub inputs: BTreeMap<String, String>,
    pub notes: Vec<String>,
    pub caps: Vec<CapApplied>,
}

impl Evaluation {
    fn new(raw: Decimal, formula: String) -> Self {
        Evaluation {
            raw,
            status: if raw.is_zero() {
                LineStatus::NotMet
            } else {
                LineStatus::Earned
            },
            formula,
            inputs: BTreeMap::new(),
            notes: Vec::new(),
            caps: Vec::new(),
        }
    }

    fn awaiting(what: String) -> Self {
        let mut e = Evaluation::new(Decimal::ZERO, "no verified result yet: 0".into());
        e.status = LineStatus::AwaitingData;
        e.notes.push(what);
        e
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

fn fmt(d: Decimal) -> String {
    d.normalize().to_string()
}

fn metric_value(outcomes: &Outcomes, metric: &str, tranche: &str) -> Option<Decimal> {
    outcomes
        .result(metric, tranche)
        .and_then(|r| r.effective_value())
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

pub fn evaluate(
    contract: &Contract,
    component: &Component,
    outcomes: &Outcomes,
    window: Window,
    state: &mut RuleState,
) -> Evaluation {
    let tranche = component.tranche.as_str();
    let direction_of = |metric: &str| {
        contract
            .metric(metric)
            .map_or(Direction::HigherIsBetter, |m| m.direction)
    };
    match &component.rule {
        Rule::Fixed { amount, milestone } => match milestone {
            None => Evaluation::new(*amount, format!("fixed fee = {}", fmt(*amount)))
                .input("amount", fmt(*amount)),
            Some(id) => match outcomes.milestone(id) {
                Some(m) => Evaluation::new(
                    *amount,
                    format!(
                        "milestone `{id}` achieved on {} → fixed fee {}",
                        m.achieved_on,
                        fmt(*amount)
                    ),
                )
                .input("amount", fmt(*amount))
                .input("milestone", id)
                .input("achieved_on", m.achieved_on),
                None => Evaluation::awaiting(format!("milestone `{id}` not reported achieved")),
            },
        },
        Rule::Tiered { metric, steps } => {
            let Some(value) = metric_value(outcomes, metric, tranche) else {
                return Evaluation::awaiting(format!(
                    "no verified result for `{metric}` in `{tranche}`"
                ));
            };
            let direction = direction_of(metric);
            let (amount, formula) = match best_step(steps, value, direction) {
                Some(s) => (
                    s.amount,
                    format!(
                        "{} {} step {} → {}",
                        fmt(value),
                        if direction == Direction::HigherIsBetter {
                            "≥"
                        } else {
                            "≤"
                        },
                        fmt(s.at),
                        fmt(s.amount)
                    ),
                ),
                None => (
                    Decimal::ZERO,
                    format!(
                        "{} reaches no step (first step at {}) → 0",
                        fmt(value),
                        steps.first().map_or("-".into(), |s| fmt(s.at))
                    ),
                ),
            };
            Evaluation::new(amount, formula).input(metric, fmt(value))
        }
        Rule::Linear {
            metric,
            target,
            max_amount,
            floor_ratio,
        } => {
            let Some(value) = metric_value(outcomes, metric, tranche) else {
                return Evaluation::awaiting(format!(
                    "no verified result for `{metric}` in `{tranche}`"
                ));
            };
            let (ratio, ratio_formula) = match direction_of(metric) {
                Direction::HigherIsBetter => (
                    value / *target,
                    format!("{} / {}", fmt(value), fmt(*target)),
                ),
                Direction::LowerIsBetter => {
                    let baseline = contract
                        .metric(metric)
                        .and_then(|m| m.baseline)
                        .unwrap_or(*target);
                    (
                        (baseline - value) / (baseline - *target),
                        format!(
                            "({} − {}) / ({} − {})",
                            fmt(baseline),
                            fmt(value),
                            fmt(baseline),
                            fmt(*target)
                        ),
                    )
                }
            };
            let clamped = ratio.clamp(Decimal::ZERO, Decimal::ONE);
            let below_floor = floor_ratio.is_some_and(|f| clamped < f);
            let amount = if below_floor {
                Decimal::ZERO
            } else {
                *max_amount * clamped
            };
            let mut formula = format!(
                "{} × min(1, {}) = {} × {} = {}",
                fmt(*max_amount),
                ratio_formula,
                fmt(*max_amount),
                fmt(clamped),
                fmt(amount)
            );
            if below_floor {
                formula = format!(
                    "achievement {} below floor {} → 0",
                    fmt(clamped),
                    fmt(floor_ratio.unwrap_or_default())
                );
            }
            let mut e = Evaluation::new(amount, formula)
                .input(metric, fmt(value))
                .input("target", fmt(*target))
                .input("max_amount", fmt(*max_amount));
            if ratio < Decimal::ZERO {
                e.notes.push(format!(
                    "achievement {} is below 0 (a negative effect); floored at 0",
                    fmt(ratio)
                ));
            }
            if ratio > Decimal::ONE {
                e.notes.push(format!(
                    "achievement {} exceeds 100 %; capped at 1",
                    fmt(ratio)
                ));
            }
            e
        }
        Rule::Corridor {
            metric,
            none_at,
            full_at,
            max_amount,
            steps,
        } => {
            let Some(value) = metric_value(outcomes, metric, tranche) else {
                return Evaluation::awaiting(format!(
                    "no verified result for `{metric}` in `{tranche}`"
                ));
            };
            let direction = direction_of(metric);
            let better_or_equal = |a: Decimal, b: Decimal| match direction {
                Direction::HigherIsBetter => a >= b,
                Direction::LowerIsBetter => a <= b,
            };
            let (amount, formula) = if better_or_equal(value, *full_at) {
                (
                    *max_amount,
                    format!(
                        "{} reaches full_at {} → {}",
                        fmt(value),
                        fmt(*full_at),
                        fmt(*max_amount)
                    ),
                )
            } else if !better_or_equal(value, *none_at) || value == *none_at {
                (
                    Decimal::ZERO,
                    format!("{} not beyond none_at {} → 0", fmt(value), fmt(*none_at)),
                )
            } else if steps.is_empty() {
                let share = (value - *none_at) / (*full_at - *none_at);
                let amount = *max_amount * share;
                (
                    amount,
                    format!(
                        "{} × ({} − {}) / ({} − {}) = {} × {} = {}",
                        fmt(*max_amount),
                        fmt(value),
                        fmt(*none_at),
                        fmt(*full_at),
                        fmt(*none_at),
                        fmt(*max_amount),
                        fmt(share),
                        fmt(amount)
                    ),
                )
            } else {
                match best_step(steps, value, direction) {
                    Some(s) => (
                        s.amount,
                        format!(
                            "{} reaches step {} of the table → {}",
                            fmt(value),
                            fmt(s.at),
                            fmt(s.amount)
                        ),
                    ),
                    None => (
                        Decimal::ZERO,
                        format!("{} reaches no step of the table → 0", fmt(value)),
                    ),
                }
            };
            Evaluation::new(amount, formula)
                .input(metric, fmt(value))
                .input("none_at", fmt(*none_at))
                .input("full_at", fmt(*full_at))
        }
        Rule::Comparison {
            metric,
            effect,
            blend,
            pay,
        } => evaluate_comparison(
            outcomes,
            tranche,
            metric,
            direction_of(metric),
            *effect,
            blend,
            pay,
        ),
        Rule::SavingsShare {
            metric,
            share_before,
            share_after,
            switch_after,
            switch_after_return,
        } => {
            // The hurdle on this tranche's payment date.
            let due_on = contract
                .tranches
                .iter()
                .find(|t| t.id == tranche)
                .map(|t| t.due_on);
            let (hurdle, hurdle_text) = match (switch_after, switch_after_return, due_on) {
                (Some(amount), _, _) => (*amount, fmt(*amount)),
                (None, Some(r), Some(day)) => match r.on(day, contract.currency) {
                    Some(h) => (
                        h,
                        format!(
                            "{} = {} × (1 + {} × {} days / 365)",
                            fmt(h),
                            fmt(r.principal),
                            fmt(r.annual_return),
                            (day - r.from).num_days().max(0)
                        ),
                    ),
                    None => {
                        return Evaluation::awaiting(
                            "the savings hurdle overflows: check the principal and return".into(),
                        );
                    }
                },
                _ => (Decimal::ZERO, "0".to_owned()),
            };
            let switch_after = &hurdle;
            let Some(savings) = metric_value(outcomes, metric, tranche) else {
                return Evaluation::awaiting(format!(
                    "no verified result for `{metric}` in `{tranche}`"
                ));
            };
            let savings = savings.max(Decimal::ZERO);
            let paid = state
                .savings_paid
                .get(metric.as_str())
                .copied()
                .unwrap_or_default();
            let remaining_before = (*switch_after - paid).max(Decimal::ZERO);
            let at_first_share = savings * *share_before;
            let (amount, formula) = if at_first_share <= remaining_before || share_before.is_zero()
            {
                (
                    at_first_share,
                    format!(
                        "{} × {} = {}",
                        fmt(savings),
                        fmt(*share_before),
                        fmt(at_first_share)
                    ),
                )
            } else {
                let savings_used = remaining_before / *share_before;
                let after = (savings - savings_used) * *share_after;
                let amount = remaining_before + after;
                (
                    amount,
                    format!(
                        "{} (at {} until {} is reached) + ({} − {}) × {} = {}",
                        fmt(remaining_before),
                        fmt(*share_before),
                        hurdle_text,
                        fmt(savings),
                        fmt(savings_used),
                        fmt(*share_after),
                        fmt(amount)
                    ),
                )
            };
            Evaluation::new(amount, formula)
                .input(metric, fmt(savings))
                .input("paid_before_this_tranche", fmt(paid))
        }
        Rule::RateCard {
            outcomes: priced,
            cap_per_participant,
            cap_per_participant_per_year,
            ..
        } => evaluate_rate_card(
            component,
            outcomes,
            window,
            state,
            priced,
            ParticipantCaps {
                total: *cap_per_participant,
                per_year: *cap_per_participant_per_year,
            },
        ),
        Rule::PersonPeriod {
            state: good_state,
            price_per_period,
            max_periods_per_participant,
            ..
        } => {
            let records = &outcomes.participant_outcomes;
            let Some(state_id) = records.outcome_id(good_state) else {
                return Evaluation::new(
                    Decimal::ZERO,
                    format!("no records of state `{good_state}` → 0"),
                );
            };
            let group = component.rule.metric().unwrap_or(&component.id).to_owned();
            let counts = state
                .periods_paid
                .entry(group)
                .or_insert_with(|| vec![0; records.participant_count()]);
            counts.resize(records.participant_count(), 0);
            let mut seen = std::collections::HashSet::new();
            let (mut periods, mut repeats, mut over_max) = (0_u64, 0_u64, 0_u64);
            for e in records.events() {
                if e.outcome != state_id || !window.contains(e.on) {
                    continue;
                }
                if !seen.insert((e.participant, e.on)) {
                    repeats += 1;
                    continue;
                }
                let count = &mut counts[e.participant as usize];
                if max_periods_per_participant.is_some_and(|max| *count >= max) {
                    over_max += 1;
                    continue;
                }
                *count += 1;
                periods += 1;
            }
            let amount = *price_per_period * Decimal::from(periods);
            let mut e = Evaluation::new(
                amount,
                format!(
                    "{periods} person-periods × {} = {}",
                    fmt(*price_per_period),
                    fmt(amount)
                ),
            )
            .input("person_periods", periods)
            .input("price_per_period", fmt(*price_per_period));
            if repeats > 0 {
                e.notes.push(format!(
                    "{repeats} duplicate records (same participant and day) counted once"
                ));
            }
            if over_max > 0 {
                e.notes.push(format!(
                    "{over_max} periods beyond the per-participant maximum not paid"
                ));
            }
            e
        }
    }
}

fn evaluate_comparison(
    outcomes: &Outcomes,
    tranche: &str,
    metric: &str,
    direction: Direction,
    kind: EffectKind,
    blend: &[super::contract::BlendWeight],
    pay: &ComparisonPay,
) -> Evaluation {
    let Some(result) = outcomes.result(metric, tranche) else {
        return Evaluation::awaiting(format!("no verified result for `{metric}` in `{tranche}`"));
    };
    let effect_of = |treated: Decimal, comparison: Decimal| -> Option<Decimal> {
        let absolute = match direction {
            Direction::HigherIsBetter => treated - comparison,
            Direction::LowerIsBetter => comparison - treated,
        };
        match kind {
            EffectKind::Absolute => Some(absolute),
            EffectKind::Relative => absolute.checked_div(comparison),
        }
    };
    let mut inputs = BTreeMap::new();
    let mut parts = Vec::new();
    let effect = if blend.is_empty() {
        let (Some(treated), Some(comparison)) = (result.effective_value(), result.comparison)
        else {
            return Evaluation::awaiting(format!(
                "`{metric}` needs a treated value and a comparison value"
            ));
        };
        inputs.insert("treated".to_owned(), fmt(treated));
        inputs.insert("comparison".to_owned(), fmt(comparison));
        effect_of(treated, comparison)
    } else {
        let mut total = Some(Decimal::ZERO);
        for w in blend {
            let Some(est) = result.estimates.iter().find(|e| e.source == w.source) else {
                return Evaluation::awaiting(format!("no `{}` estimate for `{metric}`", w.source));
            };
            let e = effect_of(est.treated, est.comparison);
            inputs.insert(format!("{}.treated", w.source), fmt(est.treated));
            inputs.insert(format!("{}.comparison", w.source), fmt(est.comparison));
            parts.push(format!("{} × {}", fmt(w.weight), e.map_or("?".into(), fmt)));
            total = total.zip(e).map(|(t, e)| t + w.weight * e);
        }
        total
    };
    let Some(effect) = effect else {
        return Evaluation::awaiting(format!(
            "the relative effect of `{metric}` needs a non-zero comparison value"
        ));
    };
    let effect_text = if parts.is_empty() {
        format!("effect = {}", fmt(effect))
    } else {
        format!("effect = {} = {}", parts.join(" + "), fmt(effect))
    };
    let (amount, pay_text) = match pay {
        ComparisonPay::Threshold { at_least, amount } => {
            if effect >= *at_least {
                (
                    *amount,
                    format!("{} ≥ {} → {}", fmt(effect), fmt(*at_least), fmt(*amount)),
                )
            } else {
                (
                    Decimal::ZERO,
                    format!("{} < {} → 0", fmt(effect), fmt(*at_least)),
                )
            }
        }
        ComparisonPay::Tiers { steps } => match best_step(steps, effect, Direction::HigherIsBetter)
        {
            Some(s) => (
                s.amount,
                format!("{} ≥ step {} → {}", fmt(effect), fmt(s.at), fmt(s.amount)),
            ),
            None => (
                Decimal::ZERO,
                format!("{} reaches no step → 0", fmt(effect)),
            ),
        },
        ComparisonPay::PerUnit {
            price,
            per_participant,
            at_least,
        } => {
            let positive = effect.max(Decimal::ZERO);
            if let Some(gate) = at_least
                && effect < *gate
            {
                (
                    Decimal::ZERO,
                    format!(
                        "effect {} below the threshold {} → 0",
                        fmt(effect),
                        fmt(*gate)
                    ),
                )
            } else if *per_participant {
                let Some(cohort) = result.cohort_size else {
                    return Evaluation::awaiting(format!(
                        "`{metric}` needs cohort_size for a per-participant payment"
                    ));
                };
                inputs.insert("cohort_size".to_owned(), fmt(cohort));
                let units = positive * cohort;
                let amount = *price * units;
                (
                    amount,
                    format!(
                        "{} × {} × {} = {} units × {} = {}",
                        fmt(positive),
                        fmt(cohort),
                        fmt(*price),
                        fmt(units),
                        fmt(*price),
                        fmt(amount)
                    ),
                )
            } else {
                let amount = *price * positive;
                (
                    amount,
                    format!("{} × {} = {}", fmt(positive), fmt(*price), fmt(amount)),
                )
            }
        }
    };
    let mut e = Evaluation::new(amount, format!("{effect_text}; {pay_text}"));
    e.inputs = inputs;
    e.inputs.insert("effect".to_owned(), fmt(effect));
    e
}

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

fn evaluate_rate_card(
    component: &Component,
    outcomes: &Outcomes,
    window: Window,
    state: &mut RuleState,
    priced: &[super::contract::RateCardOutcome],
    caps: ParticipantCaps,
) -> Evaluation {
    let cap_per_participant = caps.total;
    let records = &outcomes.participant_outcomes;
    let outcome_count = records.outcome_count();
    let participants = records.participant_count();
    // Price, max per participant and cap, by interned outcome id.
    let mut price_of: Vec<Option<(usize, Decimal, u32)>> = vec![None; outcome_count];
    for (i, p) in priced.iter().enumerate() {
        if let Some(id) = records.outcome_id(&p.outcome) {
            price_of[id as usize] = Some((i, p.price, p.max_per_participant.unwrap_or(1)));
        }
    }
    // Repeatable outcomes are paid at most once per period: their records in date order.
    let spaced = priced.iter().any(|p| p.min_days_between.is_some());
    let mut events: Vec<&super::outcomes::ParticipantEvent> = records.events().iter().collect();
    if spaced {
        events.sort_by_key(|e| e.on);
    }
    let group = component.rule.metric().unwrap_or(&component.id).to_owned();
    let counts = state
        .rate_card_counts
        .entry(group.clone())
        .or_insert_with(|| vec![0; participants * outcome_count]);
    counts.resize(participants * outcome_count, 0);
    let paid_by_participant = state
        .per_participant_paid
        .entry(group.clone())
        .or_insert_with(|| vec![Decimal::ZERO; participants]);
    paid_by_participant.resize(participants, Decimal::ZERO);
    let mut outcome_paid: Vec<Decimal> = priced
        .iter()
        .map(|p| {
            state
                .per_outcome_paid
                .get(&(group.clone(), p.outcome.clone()))
                .copied()
                .unwrap_or_default()
        })
        .collect();

    let last_paid = state
        .rate_card_last_paid
        .entry(group.clone())
        .or_insert_with(|| vec![None; participants * outcome_count]);
    last_paid.resize(participants * outcome_count, None);

    let mut paid_count = vec![0_u64; priced.len()];
    let mut amount_by_outcome = vec![Decimal::ZERO; priced.len()];
    let mut repeats = vec![0_u64; priced.len()];
    let mut too_soon = vec![0_u64; priced.len()];
    let mut waiting = vec![0_u64; priced.len()];
    let mut participant_capped = Decimal::ZERO;
    let mut year_capped = Decimal::ZERO;
    let year_paid = state
        .per_participant_year_paid
        .entry(group.clone())
        .or_default();
    let mut outcome_capped = vec![Decimal::ZERO; priced.len()];
    for e in events {
        let Some((i, price, max)) = price_of[e.outcome as usize] else {
            continue;
        };
        // Claimable once the waiting period is over: in the window holding that day.
        let claimable = match priced[i].waiting_days {
            Some(days) => e.on.checked_add_days(chrono::Days::new(u64::from(days))),
            None => Some(e.on),
        };
        if !claimable.is_some_and(|day| window.contains(day)) {
            if window.contains(e.on) {
                waiting[i] += 1;
            }
            continue;
        }
        let slot = e.participant as usize * outcome_count + e.outcome as usize;
        if counts[slot] >= max {
            repeats[i] += 1;
            continue;
        }
        if let (Some(gap), Some(previous)) = (priced[i].min_days_between, last_paid[slot])
            && (e.on - previous).num_days() < i64::from(gap)
        {
            too_soon[i] += 1;
            continue;
        }
        counts[slot] += 1;
        last_paid[slot] = Some(e.on);
        let mut pay = price;
        if let Some(cap) = cap_per_participant {
            let room = (cap - paid_by_participant[e.participant as usize]).max(Decimal::ZERO);
            if pay > room {
                participant_capped += pay - room;
                pay = room;
            }
        }
        if let Some(cap) = caps.per_year {
            let paid = year_paid
                .get(&(e.participant, fiscal_year(e.on)))
                .copied()
                .unwrap_or_default();
            let room = (cap - paid).max(Decimal::ZERO);
            if pay > room {
                year_capped += pay - room;
                pay = room;
            }
        }
        if let Some(cap) = priced[i].cap {
            let room = (cap - outcome_paid[i]).max(Decimal::ZERO);
            if pay > room {
                outcome_capped[i] += pay - room;
                pay = room;
            }
        }
        if caps.per_year.is_some() {
            *year_paid
                .entry((e.participant, fiscal_year(e.on)))
                .or_default() += pay;
        }
        paid_by_participant[e.participant as usize] += pay;
        outcome_paid[i] += pay;
        paid_count[i] += 1;
        amount_by_outcome[i] += pay;
    }
    for (i, p) in priced.iter().enumerate() {
        state
            .per_outcome_paid
            .insert((group.clone(), p.outcome.clone()), outcome_paid[i]);
    }

    let total: Decimal = amount_by_outcome.iter().sum();
    let gross: Decimal = priced
        .iter()
        .zip(&paid_count)
        .map(|(p, n)| p.price * Decimal::from(*n))
        .sum();
    let terms: Vec<String> = priced
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{} × {} ({})", paid_count[i], fmt(p.price), p.outcome))
        .collect();
    let mut formula = format!("{} = {}", terms.join(" + "), fmt(gross));
    if gross != total {
        formula = format!(
            "{formula}; after per-participant and per-outcome caps {}",
            fmt(total)
        );
    }
    let mut e = Evaluation::new(total, formula);
    for (i, p) in priced.iter().enumerate() {
        e.inputs.insert(
            format!("{}.outcomes_paid", p.outcome),
            paid_count[i].to_string(),
        );
        if repeats[i] > 0 {
            e.notes.push(format!(
                "{} repeat `{}` outcomes not paid again (limit {} per participant)",
                repeats[i],
                p.outcome,
                p.max_per_participant.unwrap_or(1)
            ));
        }
        if too_soon[i] > 0 {
            e.notes.push(format!(
                "{} `{}` records not paid: less than {} days after the participant's previous paid one",
                too_soon[i],
                p.outcome,
                p.min_days_between.unwrap_or_default()
            ));
        }
        if waiting[i] > 0 {
            e.notes.push(format!(
                "{} `{}` records still in their {}-day waiting period: claimable in a later tranche",
                waiting[i],
                p.outcome,
                p.waiting_days.unwrap_or_default()
            ));
        }
        if !outcome_capped[i].is_zero() {
            e.caps.push(CapApplied::new(
                format!("cap on outcome `{}`", p.outcome),
                p.cap.unwrap_or_default(),
                outcome_capped[i],
            ));
        }
    }
    if !participant_capped.is_zero() {
        e.caps.push(CapApplied::new(
            "cap per participant",
            cap_per_participant.unwrap_or_default(),
            participant_capped,
        ));
    }
    if !year_capped.is_zero() {
        e.caps.push(CapApplied::new(
            "cap per participant per fiscal year",
            caps.per_year.unwrap_or_default(),
            year_capped,
        ));
    }
    e
}
