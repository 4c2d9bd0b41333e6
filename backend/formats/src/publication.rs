//! What a project shows the public: the sections the government chose, payment rules in words
//! (INDIGO keeps rules as text), and counts under the privacy threshold suppressed.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use seika_core::contract::{
    ComparisonPay, Component, Condition, Contract, Localized, MetricUnit, Rule, Step,
};
use seika_core::money::Currency;
pub use seika_core::money::amount_words;

/// A part of a project the government may make public. The name, policy area, dates and status
/// of a published project are always public; nothing participant-level ever is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// The organizations and their roles.
    Parties,
    /// Outcome metrics with baseline, target, data source and method.
    Metrics,
    /// Payment rules, caps and the maximum outcome payment.
    PaymentRules,
    /// Verified results (counts under the privacy threshold suppressed).
    Results,
    /// Outcome payments made (recorded payments) against the maximum.
    Payments,
    /// Total investment; an investor's own position only when that investor made it public.
    Investments,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::Parties,
        Section::Metrics,
        Section::PaymentRules,
        Section::Results,
        Section::Payments,
        Section::Investments,
    ];

    /// What a first publication shows unless the government says otherwise.
    pub const DEFAULT_PUBLIC: [Section; 5] = [
        Section::Parties,
        Section::Metrics,
        Section::PaymentRules,
        Section::Results,
        Section::Payments,
    ];
}

/// Privacy threshold when none is set: counts of people below 10 are not shown.
pub const DEFAULT_PRIVACY_THRESHOLD: i32 = 10;

/// True when a count of people is small enough that publishing it could identify someone
/// (a count of zero reveals nobody and is shown).
pub fn suppress_count(count: Decimal, threshold: i32) -> bool {
    count > Decimal::ZERO && count < Decimal::from(threshold)
}

/// How a metric's values read: a rate as a percentage ("75%"), anything else as written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scale {
    percent: bool,
}

impl Scale {
    /// The scale of the metric a rule (or condition) reads, in this contract.
    pub fn of(contract: &Contract, metric: Option<&str>) -> Scale {
        let unit = metric.and_then(|m| contract.metrics.iter().find(|x| x.id == m).map(|x| x.unit));
        Scale {
            percent: unit == Some(MetricUnit::Rate),
        }
    }

    pub(crate) fn show(self, value: Decimal) -> String {
        if self.percent {
            format!("{}%", (value * Decimal::ONE_HUNDRED).normalize())
        } else {
            value.normalize().to_string()
        }
    }
}

fn steps_words(steps: &[Step], currency: Currency, scale: Scale) -> (String, String) {
    let ja: Vec<String> = steps
        .iter()
        .map(|s| {
            format!(
                "{}以上で{}",
                s.at.normalize(),
                amount_words(s.amount, currency)
            )
        })
        .collect();
    let en: Vec<String> = steps
        .iter()
        .map(|s| {
            format!(
                "{} at {} or better",
                amount_words(s.amount, currency),
                scale.show(s.at)
            )
        })
        .collect();
    (ja.join("、"), en.join("; "))
}

/// A payment rule in words, in Japanese and English, with its amounts (values as written).
pub fn describe_rule(rule: &Rule, currency: Currency) -> Localized {
    describe_rule_in(rule, currency, Scale::default())
}

/// A component as the contract says it: its rule in words, rates as percentages, and the outcome
/// conditions a payment (a fixed one too) depends on, named.
pub fn describe_component(component: &Component, contract: &Contract) -> Localized {
    let scale = Scale::of(contract, component.rule.metric());
    let rule = match &component.rule {
        Rule::Deduction { .. } => {
            let (ja, en) = deduction_words(&component.rule, contract.currency, Some(contract));
            Localized { ja, en }
        }
        other => describe_rule_in(other, contract.currency, scale),
    };
    if component.conditions.is_empty() {
        return rule;
    }
    let (ja, en): (Vec<String>, Vec<String>) = component
        .conditions
        .iter()
        .map(|c| condition_words(c, contract))
        .unzip();
    Localized {
        ja: format!("{}。条件: {}", rule.ja, ja.join("、")),
        en: format!("{}, provided that {}", rule.en, en.join(" and ")),
    }
}

/// One outcome condition in words: the metric by its name, the bound as the metric reads.
fn condition_words(c: &Condition, contract: &Contract) -> Both {
    let scale = Scale::of(contract, Some(&c.metric));
    let (name_ja, name_en) = contract
        .metrics
        .iter()
        .find(|m| m.id == c.metric)
        .map_or((c.metric.clone(), c.metric.clone()), |m| {
            (m.name.ja.clone(), m.name.en.clone())
        });
    match (c.at_least, c.at_most) {
        (Some(low), Some(high)) => (
            format!(
                "「{name_ja}」が {}以上 {}以下",
                scale.show(low),
                scale.show(high)
            ),
            format!(
                "\"{name_en}\" is from {} to {}",
                scale.show(low),
                scale.show(high)
            ),
        ),
        (Some(low), None) => (
            format!("「{name_ja}」が {}以上", scale.show(low)),
            format!("\"{name_en}\" is at least {}", scale.show(low)),
        ),
        (None, Some(high)) => (
            format!("「{name_ja}」が {}以下", scale.show(high)),
            format!("\"{name_en}\" is at most {}", scale.show(high)),
        ),
        (None, None) => (format!("「{name_ja}」"), format!("\"{name_en}\"")),
    }
}

fn describe_rule_in(rule: &Rule, currency: Currency, scale: Scale) -> Localized {
    let m = |a: Decimal| amount_words(a, currency);
    let (ja, en) = match rule {
        Rule::Fixed {
            amount,
            milestone,
            milestone_name,
        } => fixed_words(
            *amount,
            milestone.as_deref(),
            milestone_name.as_ref(),
            currency,
        ),
        Rule::RateCard {
            outcomes,
            cap_per_participant,
            ..
        } => rate_card_words(outcomes, *cap_per_participant, currency),
        Rule::PersonPeriod {
            state,
            price_per_period,
            max_periods_per_participant,
            ..
        } => person_period_words(state, m(*price_per_period), *max_periods_per_participant),
        Rule::Tiered { steps, .. } => {
            let (ja, en) = steps_words(steps, currency, scale);
            (format!("段階払い: {ja}"), format!("Tiered: {en}"))
        }
        Rule::Linear { .. } => linear_words(rule, currency, scale),
        Rule::Corridor { .. } => corridor_words(rule, currency, scale),
        Rule::Comparison { pay, .. } => comparison_words(pay, currency),
        Rule::SavingsShare { .. } => savings_words(rule, currency),
        Rule::Deduction { .. } => deduction_words(rule, currency, None),
    };
    Localized { ja, en }
}

/// A deduction (指標連動方式): the base fee, each indicator with the points it adds when not met
/// (named and read as the metric reads where the contract is at hand), and the bands.
fn deduction_words(rule: &Rule, currency: Currency, contract: Option<&Contract>) -> Both {
    let Rule::Deduction {
        base,
        indicators,
        bands,
    } = rule
    else {
        return Both::default();
    };
    let (indicators_ja, indicators_en): (Vec<String>, Vec<String>) = indicators
        .iter()
        .map(|i| {
            let condition = Condition {
                metric: i.metric.clone(),
                at_least: i.at_least,
                at_most: i.at_most,
            };
            let (ja, en) = match contract {
                Some(contract) => condition_words(&condition, contract),
                None => (format!("「{}」", i.metric), format!("\"{}\"", i.metric)),
            };
            (
                format!("{ja}: {}ポイント", i.points),
                format!(
                    "{en}: {} point{}",
                    i.points,
                    if i.points == 1 { "" } else { "s" }
                ),
            )
        })
        .unzip();
    let percent = |d: Decimal| Scale { percent: true }.show(d);
    let bands_ja: Vec<String> = bands
        .iter()
        .map(|b| format!("{}ポイント以上で {}減額", b.points, percent(b.deduct)))
        .collect();
    let bands_en: Vec<String> = bands
        .iter()
        .map(|b| {
            let plural = if b.points == 1 { "" } else { "s" };
            format!("{} off from {} point{plural}", percent(b.deduct), b.points)
        })
        .collect();
    let base = amount_words(*base, currency);
    (
        format!(
            "基本額 {base} から業績に応じて減額（指標連動方式）: 基準を満たさない指標ごとにポイント（{}）、{}",
            indicators_ja.join("、"),
            bands_ja.join("、")
        ),
        format!(
            "A base fee of {base} less deductions for performance: points for each indicator not met ({}); {}",
            indicators_en.join("; "),
            bands_en.join(", ")
        ),
    )
}

type Both = (String, String);

fn fixed_words(
    amount: Decimal,
    milestone: Option<&str>,
    milestone_name: Option<&seika_core::contract::Name>,
    currency: Currency,
) -> Both {
    let m = |a: Decimal| amount_words(a, currency);
    let amount = &amount;
    match milestone {
        Some(ms) => {
            let (ms_ja, ms_en) = milestone_name
                .as_ref()
                .map_or((ms, ms), |n| (n.ja(), n.en()));
            (
                format!("固定額 {}（マイルストーン「{ms_ja}」の達成時）", m(*amount)),
                format!(
                    "Fixed payment of {} when milestone \"{ms_en}\" is achieved",
                    m(*amount)
                ),
            )
        }
        None => (
            format!("固定額 {}（業務の実施時）", m(*amount)),
            format!("Fixed payment of {} on delivery", m(*amount)),
        ),
    }
}

fn rate_card_words(
    outcomes: &[seika_core::contract::RateCardOutcome],
    cap_per_participant: Option<Decimal>,
    currency: Currency,
) -> Both {
    let m = |a: Decimal| amount_words(a, currency);
    let ja: Vec<String> = outcomes
        .iter()
        .map(|o| {
            let name = o.name.as_ref().map_or(o.outcome.as_str(), |n| n.ja());
            format!("「{name}」1件あたり {}", m(o.price))
        })
        .collect();
    let en: Vec<String> = outcomes
        .iter()
        .map(|o| {
            let name = o.name.as_ref().map_or(o.outcome.as_str(), |n| n.en());
            format!("{} per \"{name}\"", m(o.price))
        })
        .collect();
    let (cap_ja, cap_en) = cap_per_participant.map_or((String::new(), String::new()), |c| {
        (
            format!("（1人あたり上限 {}）", m(c)),
            format!(" (at most {} per participant)", m(c)),
        )
    });
    (
        format!("成果単価: {}{cap_ja}", ja.join("、")),
        format!("Rate card: {}{cap_en}", en.join(", ")),
    )
}

fn person_period_words(
    state: &str,
    price: String,
    max_periods_per_participant: Option<u32>,
) -> Both {
    let (cap_ja, cap_en) =
        max_periods_per_participant.map_or((String::new(), String::new()), |n| {
            (
                format!("（1人あたり{n}期間まで）"),
                format!(" (up to {n} periods per participant)"),
            )
        });
    (
        format!("「{state}」の状態にある1人・1期間あたり {}{cap_ja}", price),
        format!(
            "{} per participant per period in state \"{state}\"{cap_en}",
            price
        ),
    )
}

fn linear_words(rule: &Rule, currency: Currency, scale: Scale) -> Both {
    let m = |a: Decimal| amount_words(a, currency);
    let Rule::Linear {
        target,
        max_amount,
        floor_ratio,
        uncapped,
        ..
    } = rule
    else {
        return Both::default();
    };
    let (floor_ja, floor_en) = floor_ratio.map_or((String::new(), String::new()), |f| {
        let pct = (f * Decimal::ONE_HUNDRED).normalize();
        (
            format!("、達成度{pct}%未満は支払なし"),
            format!(", nothing below {pct} % achievement"),
        )
    });
    if *uncapped {
        return (
            format!(
                "達成度に比例（上限なし）: 目標値 {} の達成で {}、上回ればそれ以上{floor_ja}",
                scale.show(*target),
                m(*max_amount)
            ),
            format!(
                "In proportion to achievement, without a ceiling: {} at the target of {}, more above it{floor_en}",
                m(*max_amount),
                scale.show(*target)
            ),
        );
    }
    (
        format!(
            "達成度に比例: 目標値 {} の達成で最大 {}{floor_ja}",
            scale.show(*target),
            m(*max_amount)
        ),
        format!(
            "In proportion to achievement: up to {} at the target of {}{floor_en}",
            m(*max_amount),
            scale.show(*target)
        ),
    )
}

fn corridor_words(rule: &Rule, currency: Currency, scale: Scale) -> Both {
    let m = |a: Decimal| amount_words(a, currency);
    let Rule::Corridor {
        none_at,
        full_at,
        max_amount,
        steps,
        ..
    } = rule
    else {
        return Both::default();
    };
    let (between_ja, between_en) = if steps.is_empty() {
        ("その間は比例".to_owned(), "linear in between".to_owned())
    } else {
        let (ja, en) = steps_words(steps, currency, scale);
        (
            format!("その間は段階（{ja}）"),
            format!("in between by steps ({en})"),
        )
    };
    (
        format!(
            "{} で支払なし、{} で最大 {}、{between_ja}",
            scale.show(*none_at),
            scale.show(*full_at),
            m(*max_amount)
        ),
        format!(
            "Nothing at {}, {} at {}, {between_en}",
            scale.show(*none_at),
            m(*max_amount),
            scale.show(*full_at)
        ),
    )
}

fn comparison_words(pay: &ComparisonPay, currency: Currency) -> Both {
    let m = |a: Decimal| amount_words(a, currency);
    match pay {
        ComparisonPay::Threshold { at_least, amount } => (
            format!(
                "比較群との差が {} 以上で {}",
                at_least.normalize(),
                m(*amount)
            ),
            format!(
                "{} when the effect against the comparison group is at least {}",
                m(*amount),
                at_least.normalize()
            ),
        ),
        ComparisonPay::Tiers { steps } => {
            let (ja, en) = steps_words(steps, currency, Scale::default());
            (
                format!("比較群との差による段階払い: {ja}"),
                format!("By the effect against the comparison group: {en}"),
            )
        }
        ComparisonPay::PerUnit {
            price,
            per_participant,
            at_least,
        } => {
            let (ja, en) = if *per_participant {
                ("（対象者数を乗じる）", " times the treated cohort")
            } else {
                ("", "")
            };
            let (gate_ja, gate_en) = match at_least {
                Some(g) => (
                    format!("（差が {} 以上の場合のみ）", g.normalize()),
                    format!(", only when the effect is at least {}", g.normalize()),
                ),
                None => (String::new(), String::new()),
            };
            (
                format!("比較群との差1単位あたり {}{ja}{gate_ja}", m(*price)),
                format!(
                    "{} per unit of effect against the comparison group{en}{gate_en}",
                    m(*price)
                ),
            )
        }
    }
}

fn savings_words(rule: &Rule, currency: Currency) -> Both {
    let m = |a: Decimal| amount_words(a, currency);
    let Rule::SavingsShare {
        share_before,
        share_after,
        switch_after,
        switch_after_return,
        ..
    } = rule
    else {
        return Both::default();
    };
    let pct = |d: &Decimal| (*d * Decimal::ONE_HUNDRED).normalize();
    let (hurdle_ja, hurdle_en) = match (switch_after, switch_after_return) {
        (Some(amount), _) => (format!("累計 {} ", m(*amount)), m(*amount)),
        (None, Some(r)) => (
            format!(
                "投資元本 {} と年 {}% の利回り",
                m(r.principal),
                pct(&r.annual_return)
            ),
            format!(
                "the investors' {} with {} % a year",
                m(r.principal),
                pct(&r.annual_return)
            ),
        ),
        (None, None) => (String::new(), String::new()),
    };
    (
        format!(
            "削減額の{}%（{}の支払後は{}%）",
            pct(share_before),
            hurdle_ja,
            pct(share_after)
        ),
        format!(
            "{} % of measured savings ({} % once {} has been paid)",
            pct(share_before),
            pct(share_after),
            hurdle_en
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_with_thousands_and_currency() {
        let jpy = Currency::from_code("JPY").unwrap();
        let usd = Currency::from_code("USD").unwrap();
        assert_eq!(amount_words(Decimal::from(26_200_000), jpy), "¥26,200,000");
        assert_eq!(amount_words(Decimal::from(999), jpy), "¥999");
        assert_eq!(amount_words(Decimal::new(-125_050, 2), usd), "USD -1,250.5");
    }

    #[test]
    fn small_counts_are_suppressed_but_zero_is_not() {
        assert!(suppress_count(Decimal::from(9), 10));
        assert!(!suppress_count(Decimal::from(10), 10));
        assert!(!suppress_count(Decimal::ZERO, 10));
    }

    /// As the contract says it: a fixed amount behind outcome conditions names them, and a rate
    /// reads as a percentage (Kobe's interim payment: ¥26,200,000 if programme completion reaches
    /// 80 % and lifestyle improvement 75 %).
    #[test]
    fn a_component_names_its_conditions_and_reads_rates_as_percentages() {
        let contract: Contract = serde_json::from_str(include_str!(
            "../../../docs/examples/kobe-dialysis.contract.json"
        ))
        .unwrap();
        let interim = contract
            .components
            .iter()
            .find(|c| !c.conditions.is_empty() && matches!(c.rule, Rule::Fixed { .. }))
            .expect("a conditional fixed payment");
        let words = describe_component(interim, &contract);
        assert!(words.ja.contains("条件: 「"), "{}", words.ja);
        assert!(words.en.contains("provided that \""), "{}", words.en);
        assert!(
            words.ja.contains('%') && words.en.contains('%'),
            "{words:?}"
        );
        assert!(
            !words.en.contains("0.8") && !words.en.contains("0.75"),
            "{}",
            words.en
        );
        let linear = contract
            .components
            .iter()
            .find(|c| matches!(c.rule, Rule::Linear { .. }))
            .unwrap();
        let words = describe_component(linear, &contract);
        assert!(words.en.contains("at the target of "), "{}", words.en);
        assert!(words.en.contains('%'), "{}", words.en);
    }

    #[test]
    fn a_deduction_names_its_indicators_points_and_bands() {
        let contract: Contract = serde_json::from_str(include_str!(
            "../../../docs/examples/deduction-base-fee.contract.json"
        ))
        .unwrap();
        let words = describe_component(&contract.components[0], &contract);
        assert!(
            words
                .ja
                .starts_with("基本額 ¥12,000,000 から業績に応じて減額"),
            "{}",
            words.ja
        );
        assert!(
            words.ja.contains("「参加継続率」が 80%以上: 2ポイント"),
            "{}",
            words.ja
        );
        assert!(words.ja.contains("4ポイント以上で 10%減額"), "{}", words.ja);
        assert!(
            words
                .en
                .contains("\"Complaints received\" is at most 3: 1 point;"),
            "{}",
            words.en
        );
        assert!(
            words
                .en
                .ends_with("5% off from 2 points, 10% off from 4 points"),
            "{}",
            words.en
        );
    }

    #[test]
    fn a_linear_rule_reads_in_both_languages() {
        let jpy = Currency::from_code("JPY").unwrap();
        let rule = Rule::Linear {
            metric: "egfr".into(),
            target: Decimal::new(5, 1),
            max_amount: Decimal::from(7_860_000),
            floor_ratio: Some(Decimal::new(2, 1)),
            uncapped: false,
        };
        let words = describe_rule(&rule, jpy);
        assert_eq!(
            words.ja,
            "達成度に比例: 目標値 0.5 の達成で最大 ¥7,860,000、達成度20%未満は支払なし"
        );
        assert_eq!(
            words.en,
            "In proportion to achievement: up to ¥7,860,000 at the target of 0.5, nothing below 20 % achievement"
        );
        assert_eq!(rule.maximum(), Some(Decimal::from(7_860_000)));
        // Without a ceiling for the period: more above the target, and no maximum of its own.
        let uncapped = Rule::Linear {
            metric: "egfr".into(),
            target: Decimal::new(5, 1),
            max_amount: Decimal::from(7_860_000),
            floor_ratio: None,
            uncapped: true,
        };
        let words = describe_rule(&uncapped, jpy);
        assert_eq!(
            words.ja,
            "達成度に比例（上限なし）: 目標値 0.5 の達成で ¥7,860,000、上回ればそれ以上"
        );
        assert_eq!(
            words.en,
            "In proportion to achievement, without a ceiling: ¥7,860,000 at the target of 0.5, more above it"
        );
        assert_eq!(uncapped.maximum(), None);
    }
}
