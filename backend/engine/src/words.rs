//! The statement's explanations as people read them, in Japanese and English: amounts with the
//! currency and thousands separators, rates as percentages, metrics, components, tranches and
//! payers by their names.
//!
//! The statement itself keeps the texts the engine has always written (`explanation.formula`,
//! `rounding`, `caps[].cap`, `notes`), so stored statements and their hashes stay byte-identical;
//! these words travel beside it ([`LineWords`], one per line, never serialised into the
//! statement).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use seika_core::RoundingMode;
use seika_core::contract::{Contract, Direction, Localized, MetricUnit};
use seika_core::money::amount_words;
pub use seika_core::money::grouped;

/// Japanese and English texts.
pub type Words = Localized;

/// Builds [`Words`] from a Japanese and an English text.
pub fn words(ja: impl Into<String>, en: impl Into<String>) -> Words {
    Localized {
        ja: ja.into(),
        en: en.into(),
    }
}

/// How one statement line's explanation reads, in both languages: the same parts as the line's
/// `explanation` (one text per cap and per note, in the same order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LineWords {
    pub formula: Words,
    pub rounding: Words,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caps: Vec<Words>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Words>,
}

/// Formats values and names for people, from the contract.
#[derive(Clone, Copy)]
pub struct Say<'a> {
    contract: &'a Contract,
}

/// A fraction as a percentage: 0.329 → "32.9%".
pub fn percent(d: Decimal) -> String {
    format!(
        "{}%",
        grouped((d * Decimal::ONE_HUNDRED).round_dp(6).normalize())
    )
}

impl<'a> Say<'a> {
    pub fn new(contract: &'a Contract) -> Self {
        Say { contract }
    }

    /// An amount of the contract's currency: "¥7,860,000".
    pub fn money(&self, d: Decimal) -> String {
        amount_words(d, self.contract.currency)
    }

    /// An amount in minor units as the statement writes it: "7860000".
    pub fn minor(&self, minor: i64) -> String {
        seika_core::Money::from_minor(minor, self.contract.currency).amount_string()
    }

    /// An amount in minor units as people read it: "¥7,860,000".
    pub fn minor_money(&self, minor: i64) -> String {
        self.money(seika_core::Money::from_minor(minor, self.contract.currency).to_decimal())
    }

    /// A metric's value in its unit: a rate as a percentage, money with the currency.
    pub fn value(&self, metric: &str, d: Decimal) -> String {
        match self.contract.metric(metric).map(|m| m.unit) {
            Some(MetricUnit::Rate) => percent(d),
            Some(MetricUnit::Money) => self.money(d),
            Some(MetricUnit::Score) => d.normalize().to_string(),
            Some(MetricUnit::Count | MetricUnit::PersonPeriods) | None => grouped(d),
        }
    }

    /// Which way a metric improves (up unless the contract says otherwise).
    pub fn direction(&self, metric: &str) -> Direction {
        self.contract
            .metric(metric)
            .map_or(Direction::HigherIsBetter, |m| m.direction)
    }

    /// A metric's name.
    pub fn metric(&self, id: &str) -> Words {
        self.contract
            .metric(id)
            .map_or_else(|| words(id, id), |m| m.name.clone())
    }

    /// A milestone's name (its id where the contract gives none).
    pub fn milestone(&self, id: &str) -> Words {
        self.contract
            .milestone_name(id)
            .map_or_else(|| words(id, id), |n| words(n.ja(), n.en()))
    }

    /// A priced outcome's name (the name the participant records use where it has none).
    pub fn outcome(&self, outcome: &str) -> Words {
        self.contract
            .outcome_name(outcome)
            .map_or_else(|| words(outcome, outcome), |n| words(n.ja(), n.en()))
    }

    /// A tranche's name (its id where it has none).
    pub fn tranche(&self, id: &str) -> Words {
        self.contract
            .tranches
            .iter()
            .find(|t| t.id == id)
            .and_then(|t| t.name.as_ref())
            .map_or_else(|| words(id, id), |n| words(n.ja(), n.en()))
    }

    /// A component's name (its id where it has none).
    pub fn component(&self, id: &str) -> Words {
        self.contract
            .components
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.name.as_ref())
            .map_or_else(|| words(id, id), |n| words(n.ja(), n.en()))
    }

    /// A payer's name (its id where the contract names none).
    pub fn payer(&self, id: &str) -> String {
        self.contract
            .payers
            .iter()
            .find(|p| p.id == id)
            .and_then(|p| p.name.clone())
            .unwrap_or_else(|| id.to_owned())
    }

    /// The contract's rounding policy.
    pub fn rounding_terms(&self) -> seika_core::Rounding {
        self.contract.rounding
    }

    /// How the contract rounds, in words: "切り捨て（¥1単位）" / "rounded down to a multiple of ¥1".
    pub fn rounding(&self) -> Words {
        let unit = self.money(self.contract.rounding.unit);
        let (ja, en) = match self.contract.rounding.mode {
            RoundingMode::Floor => ("切り捨て", "rounded down"),
            RoundingMode::Ceiling => ("切り上げ", "rounded up"),
            RoundingMode::HalfUp => ("四捨五入", "rounded half up"),
            RoundingMode::HalfEven => ("偶数丸め", "rounded half to even"),
            RoundingMode::HalfDown => ("五捨六入", "rounded half down"),
        };
        words(
            format!("{ja}（{unit}単位）"),
            format!("{en} to a multiple of {unit}"),
        )
    }

    /// "no verified result yet" for a metric in a tranche.
    pub fn no_result(&self, metric: &str, tranche: &str) -> Words {
        let (m, t) = (self.metric(metric), self.tranche(tranche));
        words(
            format!("{}の「{}」の検証済みの結果がまだありません", t.ja, m.ja),
            format!(
                "No verified result yet for \u{201c}{}\u{201d} in {}",
                m.en, t.en
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_with_separators_and_rates_as_percentages() {
        assert_eq!(grouped(Decimal::new(123_456_789, 1)), "12,345,678.9");
        assert_eq!(grouped(Decimal::from(-1_000)), "-1,000");
        assert_eq!(percent(Decimal::new(329, 3)), "32.9%");
        assert_eq!(percent(Decimal::new(41125, 5)), "41.125%");
        assert_eq!(percent(Decimal::ONE), "100%");
    }
}
