//! Evaluation of each payment rule to an unrounded amount with its explanation. Caps of the
//! rule's own (per participant, per outcome) apply here; the contract's caps and rounding apply
//! in `compute`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::statement::{CapApplied, ConditionCheck, LineStatus};
use crate::words::{Say, Words, grouped, percent, words};
use seika_core::contract::{
    ComparisonPay, Component, Condition, Contract, Direction, EffectKind, Rule, Step,
};
use seika_core::outcomes::Outcomes;

/// What a rule gives before rounding and the contract's caps.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub raw: Decimal,
    pub status: LineStatus,
    pub formula: String,
    /// The formula as people read it, in both languages.
    pub formula_words: Words,
    pub inputs: BTreeMap<String, String>,
    pub notes: Vec<String>,
    /// The notes as people read them (one per note).
    pub note_words: Vec<Words>,
    pub caps: Vec<CapApplied>,
}

impl Evaluation {
    pub fn new(raw: Decimal, formula: String, formula_words: Words) -> Self {
        Evaluation {
            raw,
            status: if raw.is_zero() {
                LineStatus::NotMet
            } else {
                LineStatus::Earned
            },
            formula,
            formula_words,
            inputs: BTreeMap::new(),
            notes: Vec::new(),
            note_words: Vec::new(),
            caps: Vec::new(),
        }
    }

    fn awaiting(what: String, said: Words) -> Self {
        let mut e = Evaluation::new(
            Decimal::ZERO,
            "no verified result yet: 0".into(),
            words(
                "検証済みの結果がまだありません → 0",
                "No verified result yet → 0",
            ),
        );
        e.status = LineStatus::AwaitingData;
        e.note(what, said);
        e
    }

    /// Adds a note: the statement's text and the words people read.
    pub fn note(&mut self, text: String, said: Words) {
        self.notes.push(text);
        self.note_words.push(said);
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
    let say = Say::new(contract);
    let no_result = |metric: &str| {
        Evaluation::awaiting(
            format!("no verified result for `{metric}` in `{tranche}`"),
            say.no_result(metric, tranche),
        )
    };
    let direction_of = |metric: &str| {
        contract
            .metric(metric)
            .map_or(Direction::HigherIsBetter, |m| m.direction)
    };
    match &component.rule {
        Rule::Fixed {
            amount, milestone, ..
        } => match milestone {
            None => Evaluation::new(
                *amount,
                format!("fixed fee = {}", fmt(*amount)),
                words(
                    format!("固定額 {}", say.money(*amount)),
                    format!("Fixed fee {}", say.money(*amount)),
                ),
            )
            .input("amount", fmt(*amount)),
            Some(id) => match outcomes.milestone(id) {
                Some(m) => {
                    let named = say.milestone(id);
                    Evaluation::new(
                        *amount,
                        format!(
                            "milestone `{id}` achieved on {} → fixed fee {}",
                            m.achieved_on,
                            fmt(*amount)
                        ),
                        words(
                            format!(
                                "マイルストーン「{}」を{}に達成 → 固定額 {}",
                                named.ja,
                                m.achieved_on.format("%Y年%-m月%-d日"),
                                say.money(*amount)
                            ),
                            format!(
                                "Milestone \u{201c}{}\u{201d} achieved on {} → fixed fee {}",
                                named.en,
                                m.achieved_on,
                                say.money(*amount)
                            ),
                        ),
                    )
                    .input("amount", fmt(*amount))
                    .input("milestone", id)
                    .input("achieved_on", m.achieved_on)
                }
                None => {
                    let named = say.milestone(id);
                    Evaluation::awaiting(
                        format!("milestone `{id}` not reported achieved"),
                        words(
                            format!(
                                "マイルストーン「{}」の達成はまだ報告されていません",
                                named.ja
                            ),
                            format!(
                                "Milestone \u{201c}{}\u{201d} has not been reported achieved",
                                named.en
                            ),
                        ),
                    )
                }
            },
        },
        Rule::Tiered { metric, steps } => {
            let Some(value) = metric_value(outcomes, metric, tranche) else {
                return no_result(metric);
            };
            let direction = direction_of(metric);
            let v = |d: Decimal| say.value(metric, d);
            let name = say.metric(metric);
            let (amount, formula, said) = match best_step(steps, value, direction) {
                Some(s) => {
                    let sign = if direction == Direction::HigherIsBetter {
                        "≥"
                    } else {
                        "≤"
                    };
                    (
                        s.amount,
                        format!(
                            "{} {sign} step {} → {}",
                            fmt(value),
                            fmt(s.at),
                            fmt(s.amount)
                        ),
                        words(
                            format!(
                                "{} {} {sign} 段階 {} → {}",
                                name.ja,
                                v(value),
                                v(s.at),
                                say.money(s.amount)
                            ),
                            format!(
                                "{} {} {sign} step {} → {}",
                                name.en,
                                v(value),
                                v(s.at),
                                say.money(s.amount)
                            ),
                        ),
                    )
                }
                None => {
                    let first = steps.first().map_or("-".into(), |s| v(s.at));
                    (
                        Decimal::ZERO,
                        format!(
                            "{} reaches no step (first step at {}) → 0",
                            fmt(value),
                            steps.first().map_or("-".into(), |s| fmt(s.at))
                        ),
                        words(
                            format!(
                                "{} {} はどの段階にも達していません（最初の段階は {first}） → 0",
                                name.ja,
                                v(value)
                            ),
                            format!(
                                "{} {} reaches no step (the first is {first}) → 0",
                                name.en,
                                v(value)
                            ),
                        ),
                    )
                }
            };
            Evaluation::new(amount, formula, said).input(metric, fmt(value))
        }
        Rule::Linear {
            metric,
            target,
            max_amount,
            floor_ratio,
        } => {
            let Some(value) = metric_value(outcomes, metric, tranche) else {
                return no_result(metric);
            };
            let v = |d: Decimal| say.value(metric, d);
            let (ratio, ratio_formula, ratio_words) = match direction_of(metric) {
                Direction::HigherIsBetter => (
                    value / *target,
                    format!("{} / {}", fmt(value), fmt(*target)),
                    format!("{} / {}", v(value), v(*target)),
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
                        format!(
                            "({} − {}) / ({} − {})",
                            v(baseline),
                            v(value),
                            v(baseline),
                            v(*target)
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
            let shown = format!(
                "{} × min(1, {ratio_words}) = {} × {} = {}",
                say.money(*max_amount),
                say.money(*max_amount),
                percent(clamped),
                say.money(amount)
            );
            let mut said = words(format!("上限額 {shown}"), format!("Maximum {shown}"));
            if below_floor {
                formula = format!(
                    "achievement {} below floor {} → 0",
                    fmt(clamped),
                    fmt(floor_ratio.unwrap_or_default())
                );
                let floor = percent(floor_ratio.unwrap_or_default());
                said = words(
                    format!("達成率 {} が下限 {floor} 未満 → 0", percent(clamped)),
                    format!(
                        "Achievement {} is below the floor {floor} → 0",
                        percent(clamped)
                    ),
                );
            }
            let mut e = Evaluation::new(amount, formula, said)
                .input(metric, fmt(value))
                .input("target", fmt(*target))
                .input("max_amount", fmt(*max_amount));
            if ratio < Decimal::ZERO {
                e.note(
                    format!(
                        "achievement {} is below 0 (a negative effect); floored at 0",
                        fmt(ratio)
                    ),
                    words(
                        format!(
                            "達成率 {} は0未満（負の効果）のため0として計算",
                            percent(ratio)
                        ),
                        format!(
                            "Achievement {} is below 0 (a negative effect); counted as 0",
                            percent(ratio)
                        ),
                    ),
                );
            }
            if ratio > Decimal::ONE {
                e.note(
                    format!("achievement {} exceeds 100 %; capped at 1", fmt(ratio)),
                    words(
                        format!("達成率 {} は100%を超えるため100%として計算", percent(ratio)),
                        format!(
                            "Achievement {} exceeds 100%; counted as 100%",
                            percent(ratio)
                        ),
                    ),
                );
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
                return no_result(metric);
            };
            let direction = direction_of(metric);
            let better_or_equal = |a: Decimal, b: Decimal| match direction {
                Direction::HigherIsBetter => a >= b,
                Direction::LowerIsBetter => a <= b,
            };
            let v = |d: Decimal| say.value(metric, d);
            let name = say.metric(metric);
            let (amount, formula, said) = if better_or_equal(value, *full_at) {
                (
                    *max_amount,
                    format!(
                        "{} reaches full_at {} → {}",
                        fmt(value),
                        fmt(*full_at),
                        fmt(*max_amount)
                    ),
                    words(
                        format!(
                            "{} {} が満額の水準 {} に到達 → {}",
                            name.ja,
                            v(value),
                            v(*full_at),
                            say.money(*max_amount)
                        ),
                        format!(
                            "{} {} reaches the full-payment level {} → {}",
                            name.en,
                            v(value),
                            v(*full_at),
                            say.money(*max_amount)
                        ),
                    ),
                )
            } else if !better_or_equal(value, *none_at) || value == *none_at {
                (
                    Decimal::ZERO,
                    format!("{} not beyond none_at {} → 0", fmt(value), fmt(*none_at)),
                    words(
                        format!(
                            "{} {} は支払が始まる水準 {} を超えていません → 0",
                            name.ja,
                            v(value),
                            v(*none_at)
                        ),
                        format!(
                            "{} {} is not beyond the level where payment starts, {} → 0",
                            name.en,
                            v(value),
                            v(*none_at)
                        ),
                    ),
                )
            } else if steps.is_empty() {
                let share = (value - *none_at) / (*full_at - *none_at);
                let amount = *max_amount * share;
                let shown = format!(
                    "{} × ({} − {}) / ({} − {}) = {} × {} = {}",
                    say.money(*max_amount),
                    v(value),
                    v(*none_at),
                    v(*full_at),
                    v(*none_at),
                    say.money(*max_amount),
                    percent(share),
                    say.money(amount)
                );
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
                    words(format!("上限額 {shown}"), format!("Maximum {shown}")),
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
                        words(
                            format!(
                                "{} {} は表の段階 {} に到達 → {}",
                                name.ja,
                                v(value),
                                v(s.at),
                                say.money(s.amount)
                            ),
                            format!(
                                "{} {} reaches the table's step {} → {}",
                                name.en,
                                v(value),
                                v(s.at),
                                say.money(s.amount)
                            ),
                        ),
                    ),
                    None => (
                        Decimal::ZERO,
                        format!("{} reaches no step of the table → 0", fmt(value)),
                        words(
                            format!(
                                "{} {} は表のどの段階にも達していません → 0",
                                name.ja,
                                v(value)
                            ),
                            format!("{} {} reaches no step of the table → 0", name.en, v(value)),
                        ),
                    ),
                }
            };
            Evaluation::new(amount, formula, said)
                .input(metric, fmt(value))
                .input("none_at", fmt(*none_at))
                .input("full_at", fmt(*full_at))
        }
        Rule::Comparison {
            metric,
            effect,
            blend,
            pay,
        } => evaluate_comparison(say, outcomes, tranche, metric, *effect, blend, pay),
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
            let (hurdle, hurdle_text, hurdle_words) = match (
                switch_after,
                switch_after_return,
                due_on,
            ) {
                (Some(amount), _, _) => (
                    *amount,
                    fmt(*amount),
                    words(say.money(*amount), say.money(*amount)),
                ),
                (None, Some(r), Some(day)) => match r.on(day, contract.currency) {
                    Some(h) => {
                        let days = (day - r.from).num_days().max(0);
                        (
                            h,
                            format!(
                                "{} = {} × (1 + {} × {days} days / 365)",
                                fmt(h),
                                fmt(r.principal),
                                fmt(r.annual_return),
                            ),
                            words(
                                format!(
                                    "{} = 元本 {} × (1 + 年率 {} × {days}日 / 365)",
                                    say.money(h),
                                    say.money(r.principal),
                                    percent(r.annual_return)
                                ),
                                format!(
                                    "{} = principal {} × (1 + {} a year × {days} days / 365)",
                                    say.money(h),
                                    say.money(r.principal),
                                    percent(r.annual_return)
                                ),
                            ),
                        )
                    }
                    None => {
                        return Evaluation::awaiting(
                            "the savings hurdle overflows: check the principal and return".into(),
                            words(
                                "節減額の切替基準額が計算できる範囲を超えます。元本と利回りを確認してください",
                                "The savings hurdle overflows: check the principal and the return",
                            ),
                        );
                    }
                },
                _ => (Decimal::ZERO, "0".to_owned(), words("0", "0")),
            };
            let switch_after = &hurdle;
            let Some(savings) = metric_value(outcomes, metric, tranche) else {
                return no_result(metric);
            };
            let v = |d: Decimal| say.value(metric, d);
            let savings = savings.max(Decimal::ZERO);
            let paid = state
                .savings_paid
                .get(metric.as_str())
                .copied()
                .unwrap_or_default();
            let remaining_before = (*switch_after - paid).max(Decimal::ZERO);
            let at_first_share = savings * *share_before;
            let (amount, formula, said) =
                if at_first_share <= remaining_before || share_before.is_zero() {
                    let shown = format!(
                        "{} × {} = {}",
                        v(savings),
                        percent(*share_before),
                        say.money(at_first_share)
                    );
                    (
                        at_first_share,
                        format!(
                            "{} × {} = {}",
                            fmt(savings),
                            fmt(*share_before),
                            fmt(at_first_share)
                        ),
                        words(format!("節減額 {shown}"), format!("Savings {shown}")),
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
                        words(
                            format!(
                                "{}（{} に達するまで {}） + (節減額 {} − {}) × {} = {}",
                                say.money(remaining_before),
                                hurdle_words.ja,
                                percent(*share_before),
                                v(savings),
                                v(savings_used),
                                percent(*share_after),
                                say.money(amount)
                            ),
                            format!(
                                "{} (at {} until {} is reached) + (savings {} − {}) × {} = {}",
                                say.money(remaining_before),
                                percent(*share_before),
                                hurdle_words.en,
                                v(savings),
                                v(savings_used),
                                percent(*share_after),
                                say.money(amount)
                            ),
                        ),
                    )
                };
            Evaluation::new(amount, formula, said)
                .input(metric, fmt(savings))
                .input("paid_before_this_tranche", fmt(paid))
        }
        Rule::RateCard {
            outcomes: priced,
            cap_per_participant,
            cap_per_participant_per_year,
            ..
        } => evaluate_rate_card(
            say,
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
                    words(
                        format!("状態「{good_state}」の記録がありません → 0"),
                        format!("No records of the state \u{201c}{good_state}\u{201d} → 0"),
                    ),
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
                words(
                    format!(
                        "{}人期間 × {} = {}",
                        grouped(Decimal::from(periods)),
                        say.money(*price_per_period),
                        say.money(amount)
                    ),
                    format!(
                        "{} person-periods × {} = {}",
                        grouped(Decimal::from(periods)),
                        say.money(*price_per_period),
                        say.money(amount)
                    ),
                ),
            )
            .input("person_periods", periods)
            .input("price_per_period", fmt(*price_per_period));
            if repeats > 0 {
                e.note(
                    format!("{repeats} duplicate records (same participant and day) counted once"),
                    words(
                        format!("同じ参加者・同じ日の重複記録 {repeats}件は1回と数えました"),
                        format!(
                            "{repeats} duplicate records (same participant and day) counted once"
                        ),
                    ),
                );
            }
            if over_max > 0 {
                e.note(
                    format!("{over_max} periods beyond the per-participant maximum not paid"),
                    words(
                        format!("参加者あたりの上限を超える {over_max}期間は支払対象外"),
                        format!("{over_max} periods beyond the per-participant maximum not paid"),
                    ),
                );
            }
            e
        }
    }
}

fn evaluate_comparison(
    say: Say<'_>,
    outcomes: &Outcomes,
    tranche: &str,
    metric: &str,
    kind: EffectKind,
    blend: &[seika_core::contract::BlendWeight],
    pay: &ComparisonPay,
) -> Evaluation {
    let Some(result) = outcomes.result(metric, tranche) else {
        return Evaluation::awaiting(
            format!("no verified result for `{metric}` in `{tranche}`"),
            say.no_result(metric, tranche),
        );
    };
    let name = say.metric(metric);
    let direction = say.direction(metric);
    // An effect in the metric's unit, or relative (a percentage of the comparison).
    let shown = |d: Decimal| match kind {
        EffectKind::Absolute => say.value(metric, d),
        EffectKind::Relative => percent(d),
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
    let mut shown_parts = Vec::new();
    let effect = if blend.is_empty() {
        let (Some(treated), Some(comparison)) = (result.effective_value(), result.comparison)
        else {
            return Evaluation::awaiting(
                format!("`{metric}` needs a treated value and a comparison value"),
                words(
                    format!("「{}」には介入群と比較群の値が必要です", name.ja),
                    format!(
                        "\u{201c}{}\u{201d} needs a treated value and a comparison value",
                        name.en
                    ),
                ),
            );
        };
        inputs.insert("treated".to_owned(), fmt(treated));
        inputs.insert("comparison".to_owned(), fmt(comparison));
        effect_of(treated, comparison)
    } else {
        let mut total = Some(Decimal::ZERO);
        for w in blend {
            let Some(est) = result.estimates.iter().find(|e| e.source == w.source) else {
                return Evaluation::awaiting(
                    format!("no `{}` estimate for `{metric}`", w.source),
                    words(
                        format!("「{}」の推定「{}」がありません", name.ja, w.source),
                        format!(
                            "No \u{201c}{}\u{201d} estimate for \u{201c}{}\u{201d}",
                            w.source, name.en
                        ),
                    ),
                );
            };
            let e = effect_of(est.treated, est.comparison);
            inputs.insert(format!("{}.treated", w.source), fmt(est.treated));
            inputs.insert(format!("{}.comparison", w.source), fmt(est.comparison));
            parts.push(format!("{} × {}", fmt(w.weight), e.map_or("?".into(), fmt)));
            shown_parts.push(format!(
                "{} × {}",
                percent(w.weight),
                e.map_or("?".into(), shown)
            ));
            total = total.zip(e).map(|(t, e)| t + w.weight * e);
        }
        total
    };
    let Some(effect) = effect else {
        return Evaluation::awaiting(
            format!("the relative effect of `{metric}` needs a non-zero comparison value"),
            words(
                format!("「{}」の相対効果には0でない比較群の値が必要です", name.ja),
                format!(
                    "The relative effect of \u{201c}{}\u{201d} needs a comparison value other than 0",
                    name.en
                ),
            ),
        );
    };
    let effect_text = if parts.is_empty() {
        format!("effect = {}", fmt(effect))
    } else {
        format!("effect = {} = {}", parts.join(" + "), fmt(effect))
    };
    let effect_shown = if shown_parts.is_empty() {
        shown(effect)
    } else {
        format!("{} = {}", shown_parts.join(" + "), shown(effect))
    };
    let effect_words = words(
        format!("{}の効果 = {effect_shown}", name.ja),
        format!("Effect on {} = {effect_shown}", name.en),
    );
    let (amount, pay_text, pay_words) = match pay {
        ComparisonPay::Threshold { at_least, amount } => {
            if effect >= *at_least {
                let said = format!(
                    "{} ≥ {} → {}",
                    shown(effect),
                    shown(*at_least),
                    say.money(*amount)
                );
                (
                    *amount,
                    format!("{} ≥ {} → {}", fmt(effect), fmt(*at_least), fmt(*amount)),
                    words(said.clone(), said),
                )
            } else {
                let said = format!("{} < {} → 0", shown(effect), shown(*at_least));
                (
                    Decimal::ZERO,
                    format!("{} < {} → 0", fmt(effect), fmt(*at_least)),
                    words(said.clone(), said),
                )
            }
        }
        ComparisonPay::Tiers { steps } => match best_step(steps, effect, Direction::HigherIsBetter)
        {
            Some(s) => (
                s.amount,
                format!("{} ≥ step {} → {}", fmt(effect), fmt(s.at), fmt(s.amount)),
                words(
                    format!(
                        "{} ≥ 段階 {} → {}",
                        shown(effect),
                        shown(s.at),
                        say.money(s.amount)
                    ),
                    format!(
                        "{} ≥ step {} → {}",
                        shown(effect),
                        shown(s.at),
                        say.money(s.amount)
                    ),
                ),
            ),
            None => (
                Decimal::ZERO,
                format!("{} reaches no step → 0", fmt(effect)),
                words(
                    format!("{} はどの段階にも達していません → 0", shown(effect)),
                    format!("{} reaches no step → 0", shown(effect)),
                ),
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
                    words(
                        format!("効果 {} が基準 {} 未満 → 0", shown(effect), shown(*gate)),
                        format!(
                            "Effect {} is below the threshold {} → 0",
                            shown(effect),
                            shown(*gate)
                        ),
                    ),
                )
            } else if *per_participant {
                let Some(cohort) = result.cohort_size else {
                    return Evaluation::awaiting(
                        format!("`{metric}` needs cohort_size for a per-participant payment"),
                        words(
                            format!(
                                "「{}」の参加者あたりの支払にはコホートの人数が必要です",
                                name.ja
                            ),
                            format!(
                                "\u{201c}{}\u{201d} needs the cohort's size for a per-participant payment",
                                name.en
                            ),
                        ),
                    );
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
                    words(
                        format!(
                            "{} × {}人 × {} = {}単位 × {} = {}",
                            shown(positive),
                            grouped(cohort),
                            say.money(*price),
                            grouped(units),
                            say.money(*price),
                            say.money(amount)
                        ),
                        format!(
                            "{} × {} people × {} = {} units × {} = {}",
                            shown(positive),
                            grouped(cohort),
                            say.money(*price),
                            grouped(units),
                            say.money(*price),
                            say.money(amount)
                        ),
                    ),
                )
            } else {
                let amount = *price * positive;
                let said = format!(
                    "{} × {} = {}",
                    shown(positive),
                    say.money(*price),
                    say.money(amount)
                );
                (
                    amount,
                    format!("{} × {} = {}", fmt(positive), fmt(*price), fmt(amount)),
                    words(said.clone(), said),
                )
            }
        }
    };
    let mut e = Evaluation::new(
        amount,
        format!("{effect_text}; {pay_text}"),
        words(
            format!("{}、{}", effect_words.ja, pay_words.ja),
            format!("{}; {}", effect_words.en, pay_words.en),
        ),
    );
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
    say: Say<'_>,
    component: &Component,
    outcomes: &Outcomes,
    window: Window,
    state: &mut RuleState,
    priced: &[seika_core::contract::RateCardOutcome],
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
    let mut events: Vec<&seika_core::outcomes::ParticipantEvent> =
        records.events().iter().collect();
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
    let shown = |ja: bool| {
        let terms: Vec<String> = priced
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let n = grouped(Decimal::from(paid_count[i]));
                let price = say.money(p.price);
                let named = say.outcome(&p.outcome);
                if ja {
                    format!("{n}件 × {price}（{}）", named.ja)
                } else {
                    format!("{n} × {price} ({})", named.en)
                }
            })
            .collect();
        format!("{} = {}", terms.join(" + "), say.money(gross))
    };
    let mut formula = format!("{} = {}", terms.join(" + "), fmt(gross));
    let mut said = words(shown(true), shown(false));
    if gross != total {
        formula = format!(
            "{formula}; after per-participant and per-outcome caps {}",
            fmt(total)
        );
        said = words(
            format!(
                "{}、参加者ごと・成果ごとの上限を適用して {}",
                shown(true),
                say.money(total)
            ),
            format!(
                "{}; after per-participant and per-outcome caps {}",
                shown(false),
                say.money(total)
            ),
        );
    }
    let mut e = Evaluation::new(total, formula, said);
    for (i, p) in priced.iter().enumerate() {
        e.inputs.insert(
            format!("{}.outcomes_paid", p.outcome),
            paid_count[i].to_string(),
        );
        let o = &p.outcome;
        let named = say.outcome(o);
        let (o_ja, o_en) = (&named.ja, &named.en);
        if repeats[i] > 0 {
            let (n, limit) = (repeats[i], p.max_per_participant.unwrap_or(1));
            e.note(
                format!("{n} repeat `{o}` outcomes not paid again (limit {limit} per participant)"),
                words(
                    format!("繰り返しの「{o_ja}」{n}件は再度支払いません（参加者あたり{limit}回まで）"),
                    format!(
                        "{n} repeat \u{201c}{o_en}\u{201d} outcomes not paid again (at most {limit} per participant)"
                    ),
                ),
            );
        }
        if too_soon[i] > 0 {
            let (n, days) = (too_soon[i], p.min_days_between.unwrap_or_default());
            e.note(
                format!(
                    "{n} `{o}` records not paid: less than {days} days after the participant's previous paid one"
                ),
                words(
                    format!(
                        "「{o_ja}」の記録{n}件は、同じ参加者の前回の支払から{days}日未満のため支払対象外"
                    ),
                    format!(
                        "{n} \u{201c}{o_en}\u{201d} records not paid: less than {days} days after the participant's previous paid one"
                    ),
                ),
            );
        }
        if waiting[i] > 0 {
            let (n, days) = (waiting[i], p.waiting_days.unwrap_or_default());
            e.note(
                format!(
                    "{n} `{o}` records still in their {days}-day waiting period: claimable in a later tranche"
                ),
                words(
                    format!("「{o_ja}」の記録{n}件は{days}日の待機期間中: 後の支払期に請求できます"),
                    format!(
                        "{n} \u{201c}{o_en}\u{201d} records still in their {days}-day waiting period: claimable in a later tranche"
                    ),
                ),
            );
        }
        if !outcome_capped[i].is_zero() {
            e.caps.push(CapApplied::new(
                format!("cap on outcome `{o}`"),
                words(
                    format!("成果「{o_ja}」の上限"),
                    format!("Cap on the outcome \u{201c}{o_en}\u{201d}"),
                ),
                p.cap.unwrap_or_default(),
                outcome_capped[i],
            ));
        }
    }
    if !participant_capped.is_zero() {
        e.caps.push(CapApplied::new(
            "cap per participant",
            words("参加者あたりの上限", "Cap per participant"),
            cap_per_participant.unwrap_or_default(),
            participant_capped,
        ));
    }
    if !year_capped.is_zero() {
        e.caps.push(CapApplied::new(
            "cap per participant per fiscal year",
            words(
                "参加者あたり年度ごとの上限",
                "Cap per participant per fiscal year",
            ),
            caps.per_year.unwrap_or_default(),
            year_capped,
        ));
    }
    e
}
