//! The one place a statement's explanations become text: each [`Worked`], [`Note`] and
//! [`CapName`] gives the statement's own text (kept byte for byte as the engine has always
//! written it, so stored statements and their hashes do not change) and the words people read,
//! in Japanese and English.

use rust_decimal::Decimal;

use crate::explain::{
    Achievement, CapCut, CapName, ComparisonWorked, CorridorWorked, DeductionWorked, EffectPay,
    Hurdle, IndicatorCheck, LinearWorked, Note, RateCardWorked, SavingsWorked, StepWorked, Worked,
};
use crate::statement::CapApplied;
use crate::words::{Say, Words, grouped, percent, words};
use seika_core::contract::{Direction, EffectKind};

/// The statement's text of an explanation and the words people read.
#[derive(Debug, Clone)]
pub struct Said {
    pub text: String,
    pub words: Words,
}

fn said(text: String, ja: impl Into<String>, en: impl Into<String>) -> Said {
    Said {
        text,
        words: words(ja, en),
    }
}

/// A decimal as the statement writes it: normalised, no separators.
pub fn fmt(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A name quoted in English prose.
fn quoted(name: &str) -> String {
    format!("\u{201c}{name}\u{201d}")
}

impl Worked {
    pub fn said(&self, say: Say<'_>) -> Said {
        match self {
            Worked::AwaitingData => said(
                "no verified result yet: 0".into(),
                "検証済みの結果がまだありません → 0",
                "No verified result yet → 0",
            ),
            Worked::ConditionNotMet { awaiting } => condition_not_met(*awaiting),
            Worked::FixedFee { amount } => said(
                format!("fixed fee = {}", fmt(*amount)),
                format!("固定額 {}", say.money(*amount)),
                format!("Fixed fee {}", say.money(*amount)),
            ),
            Worked::Milestone {
                id,
                achieved_on,
                amount,
            } => {
                let named = say.milestone(id);
                said(
                    format!(
                        "milestone `{id}` achieved on {achieved_on} → fixed fee {}",
                        fmt(*amount)
                    ),
                    format!(
                        "マイルストーン「{}」を{}に達成 → 固定額 {}",
                        named.ja,
                        achieved_on.format("%Y年%-m月%-d日"),
                        say.money(*amount)
                    ),
                    format!(
                        "Milestone {} achieved on {achieved_on} → fixed fee {}",
                        quoted(&named.en),
                        say.money(*amount)
                    ),
                )
            }
            Worked::Tiered(w) => w.said(say),
            Worked::Linear(w) => w.said(say),
            Worked::Corridor(w) => w.said(say),
            Worked::Comparison(w) => w.said(say),
            Worked::Savings(w) => w.said(say),
            Worked::RateCard(w) => w.said(say),
            Worked::Deduction(w) => w.said(say),
            Worked::PersonPeriods {
                periods,
                price,
                amount,
            } => {
                let n = grouped(Decimal::from(*periods));
                let (price_shown, amount_shown) = (say.money(*price), say.money(*amount));
                said(
                    format!(
                        "{periods} person-periods × {} = {}",
                        fmt(*price),
                        fmt(*amount)
                    ),
                    format!("{n}人期間 × {price_shown} = {amount_shown}"),
                    format!("{n} person-periods × {price_shown} = {amount_shown}"),
                )
            }
            Worked::NoStateRecords { state } => said(
                format!("no records of state `{state}` → 0"),
                format!("状態「{state}」の記録がありません → 0"),
                format!("No records of the state {} → 0", quoted(state)),
            ),
        }
    }
}

impl IndicatorCheck {
    /// The bounds as written: "≥ 0.8", "≤ 8", "≥ 0.8 and ≤ 0.95".
    fn bounds(&self, shown: impl Fn(Decimal) -> String) -> String {
        let mut parts = Vec::new();
        if let Some(min) = self.at_least {
            parts.push(format!("≥ {}", shown(min)));
        }
        if let Some(max) = self.at_most {
            parts.push(format!("≤ {}", shown(max)));
        }
        parts.join(" and ")
    }

    /// The bounds in Japanese: "80%以上", "3以下", "80%以上かつ95%以下".
    fn bounds_ja(&self, shown: impl Fn(Decimal) -> String) -> String {
        let mut parts = Vec::new();
        if let Some(min) = self.at_least {
            parts.push(format!("{}以上", shown(min)));
        }
        if let Some(max) = self.at_most {
            parts.push(format!("{}以下", shown(max)));
        }
        parts.join("かつ")
    }

    fn said(&self, say: Say<'_>) -> Said {
        let named = say.metric(&self.metric);
        let value = say.value(&self.metric, self.value);
        let bounds = self.bounds(|d| say.value(&self.metric, d));
        let bounds_ja = self.bounds_ja(|d| say.value(&self.metric, d));
        let text_bounds = self.bounds(fmt);
        if self.points == 0 {
            return said(
                format!("`{}` {} {text_bounds}: met", self.metric, fmt(self.value)),
                format!("「{}」{value}（基準 {bounds_ja}）を満たす", named.ja),
                format!("{} {value} meets {bounds}", quoted(&named.en)),
            );
        }
        let points = self.points;
        said(
            format!(
                "`{}` {} not {text_bounds}: +{points}",
                self.metric,
                fmt(self.value)
            ),
            format!(
                "「{}」{value}（基準 {bounds_ja}）を満たさず +{points}",
                named.ja
            ),
            format!(
                "{} {value} does not meet {bounds}: +{points}",
                quoted(&named.en)
            ),
        )
    }
}

impl DeductionWorked {
    fn said(&self, say: Say<'_>) -> Said {
        let checks: Vec<Said> = self.checks.iter().map(|c| c.said(say)).collect();
        let join = |part: fn(&Said) -> &str, sep: &str| {
            checks.iter().map(part).collect::<Vec<_>>().join(sep)
        };
        let (base, amount, points) = (say.money(self.base), say.money(self.amount), self.points);
        let (text_band, ja_band, en_band) = match self.band {
            Some((from, share)) => (
                format!(
                    "band from {from} points: − {} → {} − {} × {} = {}",
                    percent(share),
                    fmt(self.base),
                    fmt(self.base),
                    fmt(share),
                    fmt(self.amount)
                ),
                format!(
                    "{from}ポイント以上の区分で {} 減額 → {amount}",
                    percent(share)
                ),
                format!(
                    "the band from {from} points deducts {} → {amount}",
                    percent(share)
                ),
            ),
            None => (
                format!("no band reached → {}", fmt(self.amount)),
                format!("減額の区分に達せず → {amount}"),
                format!("no deduction band reached → {amount}"),
            ),
        };
        said(
            format!(
                "base {}; points {points} ({}); {text_band}",
                fmt(self.base),
                join(|s| s.text.as_str(), "; ")
            ),
            format!(
                "基本額 {base}、減額ポイント {points}（{}）→ {ja_band}",
                join(|s| s.words.ja.as_str(), "、")
            ),
            format!(
                "Base fee {base}; {points} performance point{} ({}) → {en_band}",
                if points == 1 { "" } else { "s" },
                join(|s| s.words.en.as_str(), "; ")
            ),
        )
    }
}

fn condition_not_met(awaiting: bool) -> Said {
    let text = "a condition is not met: all-or-nothing → 0".to_owned();
    if awaiting {
        said(
            text,
            "条件の判定に必要な検証済みの結果がまだありません（全部か無しか） → 0",
            "A condition still awaits verified results (all-or-nothing) → 0",
        )
    } else {
        said(
            text,
            "条件を満たしていません（全部か無しか） → 0",
            "A condition is not met (all-or-nothing) → 0",
        )
    }
}

impl StepWorked {
    fn said(&self, say: Say<'_>) -> Said {
        match self {
            StepWorked::Reached {
                metric,
                value,
                step,
                amount,
                direction,
            } => {
                let sign = if *direction == Direction::HigherIsBetter {
                    "≥"
                } else {
                    "≤"
                };
                let (name, v) = (say.metric(metric), |d| say.value(metric, d));
                said(
                    format!(
                        "{} {sign} step {} → {}",
                        fmt(*value),
                        fmt(*step),
                        fmt(*amount)
                    ),
                    format!(
                        "{} {} {sign} 段階 {} → {}",
                        name.ja,
                        v(*value),
                        v(*step),
                        say.money(*amount)
                    ),
                    format!(
                        "{} {} {sign} step {} → {}",
                        name.en,
                        v(*value),
                        v(*step),
                        say.money(*amount)
                    ),
                )
            }
            StepWorked::NoneReached {
                metric,
                value,
                first,
            } => {
                let (name, v) = (say.metric(metric), |d| say.value(metric, d));
                let shown_first = first.map_or("-".into(), v);
                said(
                    format!(
                        "{} reaches no step (first step at {}) → 0",
                        fmt(*value),
                        first.map_or("-".into(), fmt)
                    ),
                    format!(
                        "{} {} はどの段階にも達していません（最初の段階は {shown_first}） → 0",
                        name.ja,
                        v(*value)
                    ),
                    format!(
                        "{} {} reaches no step (the first is {shown_first}) → 0",
                        name.en,
                        v(*value)
                    ),
                )
            }
        }
    }
}

impl LinearWorked {
    fn said(&self, say: Say<'_>) -> Said {
        let v = |d| say.value(&self.metric, d);
        if let Some(floor) = self.below_floor {
            let (achieved, floor_shown) = (percent(self.clamped), percent(floor));
            return said(
                format!(
                    "achievement {} below floor {} → 0",
                    fmt(self.clamped),
                    fmt(floor)
                ),
                format!("達成率 {achieved} が下限 {floor_shown} 未満 → 0"),
                format!("Achievement {achieved} is below the floor {floor_shown} → 0"),
            );
        }
        let (ratio_text, ratio_words) = match self.achievement {
            Achievement::Share { value, target } => (
                format!("{} / {}", fmt(value), fmt(target)),
                format!("{} / {}", v(value), v(target)),
            ),
            Achievement::Reduction {
                baseline,
                value,
                target,
            } => (
                format!(
                    "({} − {}) / ({} − {})",
                    fmt(baseline),
                    fmt(value),
                    fmt(baseline),
                    fmt(target)
                ),
                format!(
                    "({} − {}) / ({} − {})",
                    v(baseline),
                    v(value),
                    v(baseline),
                    v(target)
                ),
            ),
        };
        let max = self.max_amount;
        if self.uncapped {
            return self.uncapped_said(say, &ratio_text, &ratio_words);
        }
        let shown = format!(
            "{} × min(1, {ratio_words}) = {} × {} = {}",
            say.money(max),
            say.money(max),
            percent(self.clamped),
            say.money(self.amount)
        );
        said(
            format!(
                "{} × min(1, {ratio_text}) = {} × {} = {}",
                fmt(max),
                fmt(max),
                fmt(self.clamped),
                fmt(self.amount)
            ),
            format!("上限額 {shown}"),
            format!("Maximum {shown}"),
        )
    }

    /// An uncapped linear rule: the amount at the target times the achievement, floored at 0.
    fn uncapped_said(&self, say: Say<'_>, ratio_text: &str, ratio_words: &str) -> Said {
        let at_target = self.max_amount;
        let shown = format!(
            "{} × max(0, {ratio_words}) = {} × {} = {}",
            say.money(at_target),
            say.money(at_target),
            percent(self.clamped),
            say.money(self.amount)
        );
        said(
            format!(
                "{} × max(0, {ratio_text}) = {} × {} = {}",
                fmt(at_target),
                fmt(at_target),
                fmt(self.clamped),
                fmt(self.amount)
            ),
            format!("目標達成時の額 {shown}"),
            format!("Amount at target {shown}"),
        )
    }
}

impl CorridorWorked {
    fn said(&self, say: Say<'_>) -> Said {
        match self {
            CorridorWorked::Full {
                metric,
                value,
                full_at,
                amount,
            } => {
                let (name, v) = (say.metric(metric), |d| say.value(metric, d));
                said(
                    format!(
                        "{} reaches full_at {} → {}",
                        fmt(*value),
                        fmt(*full_at),
                        fmt(*amount)
                    ),
                    format!(
                        "{} {} が満額の水準 {} に到達 → {}",
                        name.ja,
                        v(*value),
                        v(*full_at),
                        say.money(*amount)
                    ),
                    format!(
                        "{} {} reaches the full-payment level {} → {}",
                        name.en,
                        v(*value),
                        v(*full_at),
                        say.money(*amount)
                    ),
                )
            }
            CorridorWorked::NotBeyond {
                metric,
                value,
                none_at,
            } => {
                let (name, v) = (say.metric(metric), |d| say.value(metric, d));
                said(
                    format!("{} not beyond none_at {} → 0", fmt(*value), fmt(*none_at)),
                    format!(
                        "{} {} は支払が始まる水準 {} を超えていません → 0",
                        name.ja,
                        v(*value),
                        v(*none_at)
                    ),
                    format!(
                        "{} {} is not beyond the level where payment starts, {} → 0",
                        name.en,
                        v(*value),
                        v(*none_at)
                    ),
                )
            }
            CorridorWorked::Share { .. } => self.share_said(say),
            CorridorWorked::TableStep {
                metric,
                value,
                at,
                amount,
            } => {
                let (name, v) = (say.metric(metric), |d| say.value(metric, d));
                said(
                    format!(
                        "{} reaches step {} of the table → {}",
                        fmt(*value),
                        fmt(*at),
                        fmt(*amount)
                    ),
                    format!(
                        "{} {} は表の段階 {} に到達 → {}",
                        name.ja,
                        v(*value),
                        v(*at),
                        say.money(*amount)
                    ),
                    format!(
                        "{} {} reaches the table's step {} → {}",
                        name.en,
                        v(*value),
                        v(*at),
                        say.money(*amount)
                    ),
                )
            }
            CorridorWorked::NoTableStep { metric, value } => {
                let (name, v) = (say.metric(metric), say.value(metric, *value));
                said(
                    format!("{} reaches no step of the table → 0", fmt(*value)),
                    format!("{} {v} は表のどの段階にも達していません → 0", name.ja),
                    format!("{} {v} reaches no step of the table → 0", name.en),
                )
            }
        }
    }

    fn share_said(&self, say: Say<'_>) -> Said {
        let CorridorWorked::Share {
            metric,
            value,
            none_at,
            full_at,
            max_amount,
            share,
            amount,
        } = self
        else {
            return self.said(say);
        };
        let v = |d| say.value(metric, d);
        let shown = format!(
            "{} × ({} − {}) / ({} − {}) = {} × {} = {}",
            say.money(*max_amount),
            v(*value),
            v(*none_at),
            v(*full_at),
            v(*none_at),
            say.money(*max_amount),
            percent(*share),
            say.money(*amount)
        );
        said(
            format!(
                "{} × ({} − {}) / ({} − {}) = {} × {} = {}",
                fmt(*max_amount),
                fmt(*value),
                fmt(*none_at),
                fmt(*full_at),
                fmt(*none_at),
                fmt(*max_amount),
                fmt(*share),
                fmt(*amount)
            ),
            format!("上限額 {shown}"),
            format!("Maximum {shown}"),
        )
    }
}

impl ComparisonWorked {
    /// An effect in the metric's unit, or relative (a percentage of the comparison).
    fn shown(&self, say: Say<'_>, d: Decimal) -> String {
        match self.kind {
            EffectKind::Absolute => say.value(&self.metric, d),
            EffectKind::Relative => percent(d),
        }
    }

    fn said(&self, say: Say<'_>) -> Said {
        let effect = self.effect_said(say);
        let pay = self.pay_said(say);
        said(
            format!("{}; {}", effect.text, pay.text),
            format!("{}、{}", effect.words.ja, pay.words.ja),
            format!("{}; {}", effect.words.en, pay.words.en),
        )
    }

    fn effect_said(&self, say: Say<'_>) -> Said {
        let name = say.metric(&self.metric);
        let effect = self.effect;
        let (text, shown) = if self.parts.is_empty() {
            (format!("effect = {}", fmt(effect)), self.shown(say, effect))
        } else {
            let part = |w: Decimal, e: Option<Decimal>| {
                format!("{} × {}", fmt(w), e.map_or("?".into(), fmt))
            };
            let part_shown = |w: Decimal, e: Option<Decimal>| {
                format!(
                    "{} × {}",
                    percent(w),
                    e.map_or("?".into(), |e| self.shown(say, e))
                )
            };
            let parts: Vec<String> = self.parts.iter().map(|&(w, e)| part(w, e)).collect();
            let shown: Vec<String> = self.parts.iter().map(|&(w, e)| part_shown(w, e)).collect();
            (
                format!("effect = {} = {}", parts.join(" + "), fmt(effect)),
                format!("{} = {}", shown.join(" + "), self.shown(say, effect)),
            )
        };
        said(
            text,
            format!("{}の効果 = {shown}", name.ja),
            format!("Effect on {} = {shown}", name.en),
        )
    }

    fn pay_said(&self, say: Say<'_>) -> Said {
        let shown = |d| self.shown(say, d);
        let effect = self.effect;
        let same = |text: String, both: String| said(text, both.clone(), both);
        match &self.pay {
            EffectPay::ThresholdMet { at_least, amount } => same(
                format!("{} ≥ {} → {}", fmt(effect), fmt(*at_least), fmt(*amount)),
                format!(
                    "{} ≥ {} → {}",
                    shown(effect),
                    shown(*at_least),
                    say.money(*amount)
                ),
            ),
            EffectPay::ThresholdMissed { at_least } => same(
                format!("{} < {} → 0", fmt(effect), fmt(*at_least)),
                format!("{} < {} → 0", shown(effect), shown(*at_least)),
            ),
            EffectPay::Step { at, amount } => said(
                format!("{} ≥ step {} → {}", fmt(effect), fmt(*at), fmt(*amount)),
                format!(
                    "{} ≥ 段階 {} → {}",
                    shown(effect),
                    shown(*at),
                    say.money(*amount)
                ),
                format!(
                    "{} ≥ step {} → {}",
                    shown(effect),
                    shown(*at),
                    say.money(*amount)
                ),
            ),
            EffectPay::NoStep => said(
                format!("{} reaches no step → 0", fmt(effect)),
                format!("{} はどの段階にも達していません → 0", shown(effect)),
                format!("{} reaches no step → 0", shown(effect)),
            ),
            EffectPay::BelowGate { gate } => said(
                format!(
                    "effect {} below the threshold {} → 0",
                    fmt(effect),
                    fmt(*gate)
                ),
                format!("効果 {} が基準 {} 未満 → 0", shown(effect), shown(*gate)),
                format!(
                    "Effect {} is below the threshold {} → 0",
                    shown(effect),
                    shown(*gate)
                ),
            ),
            EffectPay::PerParticipant { .. } => self.per_participant_said(say),
            EffectPay::PerUnit {
                positive,
                price,
                amount,
            } => same(
                format!("{} × {} = {}", fmt(*positive), fmt(*price), fmt(*amount)),
                format!(
                    "{} × {} = {}",
                    shown(*positive),
                    say.money(*price),
                    say.money(*amount)
                ),
            ),
        }
    }

    fn per_participant_said(&self, say: Say<'_>) -> Said {
        let EffectPay::PerParticipant {
            positive,
            cohort,
            price,
            units,
            amount,
        } = &self.pay
        else {
            return self.pay_said(say);
        };
        let (effect, people, units_shown) = (
            self.shown(say, *positive),
            grouped(*cohort),
            grouped(*units),
        );
        let (price_shown, amount_shown) = (say.money(*price), say.money(*amount));
        said(
            format!(
                "{} × {} × {} = {} units × {} = {}",
                fmt(*positive),
                fmt(*cohort),
                fmt(*price),
                fmt(*units),
                fmt(*price),
                fmt(*amount)
            ),
            format!(
                "{effect} × {people}人 × {price_shown} = {units_shown}単位 × {price_shown} = {amount_shown}"
            ),
            format!(
                "{effect} × {people} people × {price_shown} = {units_shown} units × {price_shown} = {amount_shown}"
            ),
        )
    }
}

impl Hurdle {
    fn said(&self, say: Say<'_>) -> Said {
        match *self {
            Hurdle::Amount(amount) => said(fmt(amount), say.money(amount), say.money(amount)),
            Hurdle::Return {
                hurdle,
                principal,
                annual_return,
                days,
            } => said(
                format!(
                    "{} = {} × (1 + {} × {days} days / 365)",
                    fmt(hurdle),
                    fmt(principal),
                    fmt(annual_return),
                ),
                format!(
                    "{} = 元本 {} × (1 + 年率 {} × {days}日 / 365)",
                    say.money(hurdle),
                    say.money(principal),
                    percent(annual_return)
                ),
                format!(
                    "{} = principal {} × (1 + {} a year × {days} days / 365)",
                    say.money(hurdle),
                    say.money(principal),
                    percent(annual_return)
                ),
            ),
            Hurdle::None => said("0".to_owned(), "0", "0"),
        }
    }
}

impl SavingsWorked {
    fn said(&self, say: Say<'_>) -> Said {
        match self {
            SavingsWorked::FirstShare {
                metric,
                savings,
                share,
                amount,
            } => {
                let shown = format!(
                    "{} × {} = {}",
                    say.value(metric, *savings),
                    percent(*share),
                    say.money(*amount)
                );
                said(
                    format!("{} × {} = {}", fmt(*savings), fmt(*share), fmt(*amount)),
                    format!("節減額 {shown}"),
                    format!("Savings {shown}"),
                )
            }
            SavingsWorked::Switched { .. } => self.switched_said(say),
        }
    }

    fn switched_said(&self, say: Say<'_>) -> Said {
        let SavingsWorked::Switched {
            metric,
            remaining_before,
            share_before,
            hurdle,
            savings,
            savings_used,
            share_after,
            amount,
        } = self
        else {
            return self.said(say);
        };
        let v = |d| say.value(metric, d);
        let hurdle = hurdle.said(say);
        let (remaining, before, after) = (
            say.money(*remaining_before),
            percent(*share_before),
            percent(*share_after),
        );
        let (savings_shown, used, amount_shown) =
            (v(*savings), v(*savings_used), say.money(*amount));
        said(
            format!(
                "{} (at {} until {} is reached) + ({} − {}) × {} = {}",
                fmt(*remaining_before),
                fmt(*share_before),
                hurdle.text,
                fmt(*savings),
                fmt(*savings_used),
                fmt(*share_after),
                fmt(*amount)
            ),
            format!(
                "{remaining}（{} に達するまで {before}） + (節減額 {savings_shown} − {used}) × {after} = {amount_shown}",
                hurdle.words.ja
            ),
            format!(
                "{remaining} (at {before} until {} is reached) + (savings {savings_shown} − {used}) × {after} = {amount_shown}",
                hurdle.words.en
            ),
        )
    }
}

impl RateCardWorked {
    fn said(&self, say: Say<'_>) -> Said {
        let terms: Vec<String> = self
            .terms
            .iter()
            .map(|t| format!("{} × {} ({})", t.count, fmt(t.price), t.outcome))
            .collect();
        let shown = |ja: bool| {
            let terms: Vec<String> = self
                .terms
                .iter()
                .map(|t| {
                    let (n, price) = (grouped(Decimal::from(t.count)), say.money(t.price));
                    let named = say.outcome(&t.outcome);
                    if ja {
                        format!("{n}件 × {price}（{}）", named.ja)
                    } else {
                        format!("{n} × {price} ({})", named.en)
                    }
                })
                .collect();
            format!("{} = {}", terms.join(" + "), say.money(self.gross))
        };
        let text = format!("{} = {}", terms.join(" + "), fmt(self.gross));
        if self.gross == self.total {
            return said(text, shown(true), shown(false));
        }
        said(
            format!(
                "{text}; after per-participant and per-outcome caps {}",
                fmt(self.total)
            ),
            format!(
                "{}、参加者ごと・成果ごとの上限を適用して {}",
                shown(true),
                say.money(self.total)
            ),
            format!(
                "{}; after per-participant and per-outcome caps {}",
                shown(false),
                say.money(self.total)
            ),
        )
    }
}

impl Note {
    pub fn said(&self, say: Say<'_>) -> Said {
        match self {
            Note::PeriodOpen { until, data_until } => said(
                format!(
                    "the outcome period runs until {until}; data as of {data_until}: awaited, not failed"
                ),
                format!(
                    "成果の対象期間は {} まで、データは {} 時点のものです。未達ではなく、データを待っています",
                    until.format("%Y年%-m月%-d日"),
                    data_until.format("%Y年%-m月%-d日")
                ),
                format!(
                    "The outcome period runs until {}; the data covers {} so far. Awaited, not failed",
                    until.format("%-d %B %Y"),
                    data_until.format("%-d %B %Y")
                ),
            ),
            Note::NoResult { metric, tranche } => Said {
                text: format!("no verified result for `{metric}` in `{tranche}`"),
                words: say.no_result(metric, tranche),
            },
            Note::CountAwaited { metric, tranche } => {
                let (m, t) = (say.metric(metric), say.tranche(tranche));
                said(
                    format!(
                        "the cap of `{tranche}` follows `{metric}`, not verified for it yet: nothing payable until it is"
                    ),
                    format!(
                        "支払期「{}」の上限は「{}」の数に応じて決まりますが、その数がまだ検証されていないため、検証されるまで支払えません",
                        t.ja, m.ja
                    ),
                    format!(
                        "The cap of the payment date {} follows the number of {}, which is not verified yet: nothing is payable until it is",
                        quoted(&t.en),
                        quoted(&m.en)
                    ),
                )
            }
            Note::MilestoneNotReported { id } => {
                let named = say.milestone(id);
                said(
                    format!("milestone `{id}` not reported achieved"),
                    format!(
                        "マイルストーン「{}」の達成はまだ報告されていません",
                        named.ja
                    ),
                    format!(
                        "Milestone {} has not been reported achieved",
                        quoted(&named.en)
                    ),
                )
            }
            Note::HurdleOverflows => said(
                "the savings hurdle overflows: check the principal and return".into(),
                "節減額の切替基準額が計算できる範囲を超えます。元本と利回りを確認してください",
                "The savings hurdle overflows: check the principal and the return",
            ),
            Note::NeedsTreatedAndComparison { .. }
            | Note::NoEstimate { .. }
            | Note::RelativeNeedsComparison { .. }
            | Note::NeedsCohortSize { .. } => self.comparison_said(say),
            Note::NegativeAchievement { .. } | Note::AchievementAboveFull { .. } => {
                self.achievement_said()
            }
            Note::DuplicateRecords { .. }
            | Note::BeyondMaxPeriods { .. }
            | Note::RepeatOutcomes { .. }
            | Note::TooSoon { .. }
            | Note::InWaitingPeriod { .. } => self.records_said(say),
            Note::NetOf { .. } => self.net_of_said(say),
            Note::KeptForFees { amount } => said(
                format!(
                    "{} of the maximum is kept for the fees not contingent on outcomes",
                    say.minor(*amount)
                ),
                format!(
                    "上限のうち {} は成果に連動しない固定費用のために確保",
                    say.minor_money(*amount)
                ),
                format!(
                    "{} of the maximum is kept for the fees that do not depend on outcomes",
                    say.minor_money(*amount)
                ),
            ),
            Note::TopUp { .. } => self.top_up_said(say),
        }
    }

    /// What a comparison rule still needs.
    fn comparison_said(&self, say: Say<'_>) -> Said {
        match self {
            Note::NeedsTreatedAndComparison { metric } => {
                let name = say.metric(metric);
                said(
                    format!("`{metric}` needs a treated value and a comparison value"),
                    format!("「{}」には介入群と比較群の値が必要です", name.ja),
                    format!(
                        "{} needs a treated value and a comparison value",
                        quoted(&name.en)
                    ),
                )
            }
            Note::NoEstimate { source, metric } => {
                let name = say.metric(metric);
                said(
                    format!("no `{source}` estimate for `{metric}`"),
                    format!("「{}」の推定「{source}」がありません", name.ja),
                    format!("No {} estimate for {}", quoted(source), quoted(&name.en)),
                )
            }
            Note::RelativeNeedsComparison { metric } => {
                let name = say.metric(metric);
                said(
                    format!("the relative effect of `{metric}` needs a non-zero comparison value"),
                    format!("「{}」の相対効果には0でない比較群の値が必要です", name.ja),
                    format!(
                        "The relative effect of {} needs a comparison value other than 0",
                        quoted(&name.en)
                    ),
                )
            }
            Note::NeedsCohortSize { metric } => {
                let name = say.metric(metric);
                said(
                    format!("`{metric}` needs cohort_size for a per-participant payment"),
                    format!(
                        "「{}」の参加者あたりの支払にはコホートの人数が必要です",
                        name.ja
                    ),
                    format!(
                        "{} needs the cohort's size for a per-participant payment",
                        quoted(&name.en)
                    ),
                )
            }
            _ => self.said(say),
        }
    }

    /// An achievement outside 0..100 %.
    fn achievement_said(&self) -> Said {
        match *self {
            Note::NegativeAchievement { ratio } => said(
                format!(
                    "achievement {} is below 0 (a negative effect); floored at 0",
                    fmt(ratio)
                ),
                format!(
                    "達成率 {} は0未満（負の効果）のため0として計算",
                    percent(ratio)
                ),
                format!(
                    "Achievement {} is below 0 (a negative effect); counted as 0",
                    percent(ratio)
                ),
            ),
            Note::AchievementAboveFull { ratio } => said(
                format!("achievement {} exceeds 100 %; capped at 1", fmt(ratio)),
                format!("達成率 {} は100%を超えるため100%として計算", percent(ratio)),
                format!(
                    "Achievement {} exceeds 100%; counted as 100%",
                    percent(ratio)
                ),
            ),
            _ => said(String::new(), "", ""),
        }
    }

    /// Participant records a rule did not pay.
    fn records_said(&self, say: Say<'_>) -> Said {
        match self {
            Note::DuplicateRecords { count: n } => said(
                format!("{n} duplicate records (same participant and day) counted once"),
                format!("同じ参加者・同じ日の重複記録 {n}件は1回と数えました"),
                format!("{n} duplicate records (same participant and day) counted once"),
            ),
            Note::BeyondMaxPeriods { count: n } => said(
                format!("{n} periods beyond the per-participant maximum not paid"),
                format!("参加者あたりの上限を超える {n}期間は支払対象外"),
                format!("{n} periods beyond the per-participant maximum not paid"),
            ),
            Note::RepeatOutcomes {
                outcome: o,
                count: n,
                limit,
            } => {
                let named = say.outcome(o);
                said(
                    format!(
                        "{n} repeat `{o}` outcomes not paid again (limit {limit} per participant)"
                    ),
                    format!(
                        "繰り返しの「{}」{n}件は再度支払いません（参加者あたり{limit}回まで）",
                        named.ja
                    ),
                    format!(
                        "{n} repeat {} outcomes not paid again (at most {limit} per participant)",
                        quoted(&named.en)
                    ),
                )
            }
            Note::TooSoon { .. } | Note::InWaitingPeriod { .. } => self.timing_said(say),
            _ => self.said(say),
        }
    }

    /// Records paid later, or not at all, because of their dates.
    fn timing_said(&self, say: Say<'_>) -> Said {
        match self {
            Note::TooSoon {
                outcome: o,
                count: n,
                days,
            } => {
                let named = say.outcome(o);
                said(
                    format!(
                        "{n} `{o}` records not paid: less than {days} days after the participant's previous paid one"
                    ),
                    format!(
                        "「{}」の記録{n}件は、同じ参加者の前回の支払から{days}日未満のため支払対象外",
                        named.ja
                    ),
                    format!(
                        "{n} {} records not paid: less than {days} days after the participant's previous paid one",
                        quoted(&named.en)
                    ),
                )
            }
            Note::InWaitingPeriod {
                outcome: o,
                count: n,
                days,
            } => {
                let named = say.outcome(o);
                said(
                    format!(
                        "{n} `{o}` records still in their {days}-day waiting period: claimable in a later tranche"
                    ),
                    format!(
                        "「{}」の記録{n}件は{days}日の待機期間中: 後の支払期に請求できます",
                        named.ja
                    ),
                    format!(
                        "{n} {} records still in their {days}-day waiting period: claimable in a later tranche",
                        quoted(&named.en)
                    ),
                )
            }
            _ => self.said(say),
        }
    }

    fn net_of_said(&self, say: Say<'_>) -> Said {
        let Note::NetOf {
            amount,
            earlier,
            components,
            net,
        } = self
        else {
            return self.said(say);
        };
        let ids: Vec<String> = components.iter().map(|id| format!("`{id}`")).collect();
        let names: Vec<Words> = components.iter().map(|id| say.component(id)).collect();
        let ja: Vec<String> = names.iter().map(|n| format!("「{}」", n.ja)).collect();
        let en: Vec<String> = names.iter().map(|n| quoted(&n.en)).collect();
        let (amount_shown, earlier_shown, net_shown) = (
            say.minor_money(*amount),
            say.minor_money(*earlier),
            say.minor_money(*net),
        );
        said(
            format!(
                "{} less {} already paid by {} = {}",
                say.minor(*amount),
                say.minor(*earlier),
                ids.join(", "),
                say.minor(*net)
            ),
            format!(
                "{amount_shown} − {}で支払済みの {earlier_shown} = {net_shown}",
                ja.join("、")
            ),
            format!(
                "{amount_shown} less {earlier_shown} already paid by {} = {net_shown}",
                en.join(", ")
            ),
        )
    }

    fn top_up_said(&self, say: Say<'_>) -> Said {
        let Note::TopUp {
            payer,
            base,
            rate,
            before,
            extra,
        } = self
        else {
            return self.said(say);
        };
        let who = say.payer(payer);
        let shown_rate = percent(*rate);
        let capped = extra < before;
        let within = |text: &str| {
            if capped {
                format!("{text}{}", say.minor_money(*extra))
            } else {
                String::new()
            }
        };
        let (base_shown, before_shown) = (say.minor_money(*base), say.minor_money(*before));
        said(
            format!(
                "top-up by `{payer}`: {} × {} = {}{}",
                say.minor(*base),
                rate.normalize(),
                say.minor(*before),
                if capped {
                    format!(", {} within its caps", say.minor(*extra))
                } else {
                    String::new()
                }
            ),
            format!(
                "「{who}」の上乗せ: {base_shown} × {shown_rate} = {before_shown}{}",
                within("、上限内で ")
            ),
            format!(
                "Top-up by {}: {base_shown} × {shown_rate} = {before_shown}{}",
                quoted(&who),
                if capped {
                    format!(", {} within its caps", say.minor_money(*extra))
                } else {
                    String::new()
                }
            ),
        )
    }
}

impl CapName {
    pub fn said(&self, say: Say<'_>) -> Said {
        match self {
            CapName::Outcome(o) => {
                let named = say.outcome(o);
                said(
                    format!("cap on outcome `{o}`"),
                    format!("成果「{}」の上限", named.ja),
                    format!("Cap on the outcome {}", quoted(&named.en)),
                )
            }
            CapName::PerParticipant => said(
                "cap per participant".into(),
                "参加者あたりの上限",
                "Cap per participant",
            ),
            CapName::PerParticipantPerYear => said(
                "cap per participant per fiscal year".into(),
                "参加者あたり年度ごとの上限",
                "Cap per participant per fiscal year",
            ),
            CapName::Component(id) => {
                let n = say.component(id);
                said(
                    format!("component cap `{id}`"),
                    format!("構成要素「{}」の上限", n.ja),
                    format!("Cap of the component {}", quoted(&n.en)),
                )
            }
            CapName::Metric(id) => {
                let n = say.metric(id);
                said(
                    format!("metric cap `{id}`"),
                    format!("指標「{}」の上限", n.ja),
                    format!("Cap of the metric {}", quoted(&n.en)),
                )
            }
            CapName::Tranche(id) => {
                let n = say.tranche(id);
                said(
                    format!("tranche cap `{id}`"),
                    format!("支払期「{}」の上限", n.ja),
                    format!("Cap of the payment date {}", quoted(&n.en)),
                )
            }
            CapName::PerCount {
                tranche,
                metric,
                per,
                count,
            } => {
                let (t, m) = (say.tranche(tranche), say.metric(metric));
                let (per_shown, count_shown) = (say.money(*per), say.value(metric, *count));
                said(
                    format!(
                        "cap per `{metric}` counted in tranche `{tranche}` ({} × {})",
                        per.normalize(),
                        count.normalize()
                    ),
                    format!(
                        "支払期「{}」の上限: {per_shown} ×「{}」{count_shown}",
                        t.ja, m.ja
                    ),
                    format!(
                        "Cap of the payment date {}: {per_shown} × {count_shown} ({})",
                        quoted(&t.en),
                        quoted(&m.en)
                    ),
                )
            }
            CapName::ContractMaximum => said(
                "contract maximum (支払上限額)".into(),
                "支払上限額",
                "Contract maximum",
            ),
            CapName::ContingentMaximum => said(
                "maximum of the outcome-contingent part (成果連動部分の上限額)".into(),
                "成果連動部分の上限額",
                "Maximum of the outcome-linked part",
            ),
            CapName::Payer(id) => {
                let who = say.payer(id);
                said(
                    format!("payer cap `{id}`"),
                    format!("支払者「{who}」の上限"),
                    format!("Cap of the payer {}", quoted(&who)),
                )
            }
        }
    }
}

impl CapCut {
    /// The cap as the statement records it, with its words beside it.
    pub fn applied(&self, say: Say<'_>) -> CapApplied {
        let Said { text, words } = self.name.said(say);
        CapApplied::new(text, words, self.limit, self.reduced_by)
    }
}

impl Say<'_> {
    /// The contract's rounding of a line: "floor to a multiple of 1: 7860000.5 → 7860000", and
    /// in words "切り捨て（¥1単位）: ¥7,860,000.5 → ¥7,860,000".
    pub fn rounded(&self, raw: Decimal, amount: i64) -> Said {
        let rounding = self.rounding_terms();
        let mode = serde_json::to_value(rounding.mode)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let how = self.rounding();
        let (raw_shown, amount_shown) = (self.money(raw), self.minor_money(amount));
        said(
            format!(
                "{mode} to a multiple of {}: {} → {}",
                rounding.unit.normalize(),
                raw.normalize(),
                self.minor(amount)
            ),
            format!("{}: {raw_shown} → {amount_shown}", how.ja),
            format!("{}: {raw_shown} → {amount_shown}", capitalised(&how.en)),
        )
    }
}

/// The text with its first letter in upper case.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
