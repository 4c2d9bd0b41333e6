//! The contract terms the engine reads: payers, tranches, metrics, payment components with their
//! rules, caps, rounding, investments and the waterfall. The same JSON is stored as a project's
//! terms version and read by `seika payout`. Every amount and rate is a decimal string.

use crate::msg;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::message::{Msg, Place};
use crate::{Currency, Money, Rounding};

mod validate;
mod warnings;

pub const CONTRACT_SCHEMA: &str = "seika.contract.v1";

/// A problem found in an input, with where it is (a JSON path) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub path: Place,
    pub message: Msg,
}

impl Issue {
    pub fn new(path: impl Into<Place>, message: impl Into<Msg>) -> Self {
        Issue {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Problems found in one input: the first [`Issues::REPORTED`] kept, the rest only counted. A file
/// of a million bad rows is answered with what to fix first and how many more there are, not with
/// a million messages held in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issues {
    kept: Vec<Issue>,
    total: usize,
}

impl Issues {
    /// Problems reported by one answer.
    pub const REPORTED: usize = 200;

    pub fn push(&mut self, issue: Issue) {
        self.total += 1;
        if self.kept.len() < Self::REPORTED {
            self.kept.push(issue);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Every problem found, reported or not.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Adds the problems of an earlier reading (of the file, before its rows), counted alike.
    pub fn merge(&mut self, earlier: &Issues) {
        for issue in &earlier.kept {
            self.push(issue.clone());
        }
        self.total += earlier.total - earlier.kept.len();
    }

    /// What is said of the problems found and not listed.
    pub fn more(count: usize) -> Msg {
        msg!(
            "input.more_problems",
            "{} more problems not listed; fix these first",
            "ほかに {} 件の問題があります。まず上記を修正してください",
            count
        )
    }

    /// The problems kept, then one saying how many more were found and not listed.
    pub fn into_vec(self) -> Vec<Issue> {
        let mut list = self.kept;
        let more = self.total - list.len();
        if more > 0 {
            list.push(Issue::new("file", Issues::more(more)));
        }
        list
    }
}

impl Extend<Issue> for Issues {
    fn extend<T: IntoIterator<Item = Issue>>(&mut self, iter: T) {
        for issue in iter {
            self.push(issue);
        }
    }
}

impl<'a> IntoIterator for &'a Issues {
    type Item = &'a Issue;
    type IntoIter = std::slice::Iter<'a, Issue>;
    fn into_iter(self) -> Self::IntoIter {
        self.kept.iter()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub ja: String,
    pub en: String,
}

/// A name as one text, or in Japanese and English (`{"ja": …, "en": …}`, as metrics are named).
/// A contract that names its parts in one text keeps doing so, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Name {
    Localized(Localized),
    Text(String),
}

impl Name {
    /// The Japanese name (the English one where the Japanese is empty).
    pub fn ja(&self) -> &str {
        match self {
            Name::Text(t) => t,
            Name::Localized(l) if l.ja.is_empty() => &l.en,
            Name::Localized(l) => &l.ja,
        }
    }

    /// The English name (the Japanese one where the English is empty).
    pub fn en(&self) -> &str {
        match self {
            Name::Text(t) => t,
            Name::Localized(l) if l.en.is_empty() => &l.ja,
            Name::Localized(l) => &l.en,
        }
    }

    /// One text where there is room for one: the Japanese and the English name together (once
    /// where they are the same).
    pub fn text(&self) -> String {
        match self {
            Name::Text(t) => t.clone(),
            Name::Localized(l) if l.ja == l.en || l.en.is_empty() => l.ja.clone(),
            Name::Localized(l) if l.ja.is_empty() => l.en.clone(),
            Name::Localized(l) => format!("{} {}", l.ja, l.en),
        }
    }

    /// Whether `written` names this: either language or the whole text.
    pub fn matches(&self, written: &str) -> bool {
        self.ja() == written || self.en() == written || self.text() == written
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub schema: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Localized>,
    /// Who the service is for (e.g. "105 high-risk diabetic patients not attending a clinic").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_population: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dates: Option<ContractDates>,
    /// Budget appropriated per fiscal year (April to March), e.g. 債務負担行為.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub budget: Vec<BudgetLine>,
    pub currency: Currency,
    pub rounding: Rounding,
    /// 支払上限額: the most the contract can ever pay, all payers together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_payment: Option<Decimal>,
    /// 成果連動部分の上限額: the most the outcome-contingent components can pay together, apart
    /// from the fees that do not depend on outcomes (which only the contract maximum bounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_contingent_payment: Option<Decimal>,
    pub payers: Vec<Payer>,
    pub tranches: Vec<Tranche>,
    pub metrics: Vec<Metric>,
    pub components: Vec<Component>,
    #[serde(default)]
    pub investments: Vec<Investment>,
    #[serde(default)]
    pub waterfall: Vec<WaterfallStep>,
    /// How claims under this contract are invoiced and paid: tax, deadlines, late interest. The
    /// engine does not use it; claims do. Absent: tax-inclusive amounts at 10 %, 10 days to
    /// inspect, 15 to pay, no late-interest rate stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoicing: Option<crate::claim::InvoiceTerms>,
    /// How participant data is checked before it is verified (sample checks). The engine does
    /// not use it; verification does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_checks: Option<crate::sample::DataChecks>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractDates {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_start: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_end: Option<NaiveDate>,
}

/// The amount appropriated for one fiscal year (April of `fiscal_year` to March of the next).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetLine {
    pub fiscal_year: i32,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Payer {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Share of every component without its own payer, as a fraction (0.8 = 80 %). Shares sum to 1.
    pub share: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_payment: Option<Decimal>,
    /// A payer that tops up: it adds this fraction of each payment shared by the payers (a
    /// central fund adding 25 %), on top of the shares, up to its own `max_payment` and the
    /// contract's maximum. Its `share` is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_up: Option<Decimal>,
}

/// A payment date: components of a tranche are evaluated and paid together.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tranche {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    pub due_on: NaiveDate,
    /// First day whose participant outcomes count for this tranche (default: the day after the
    /// previous tranche's due date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes_from: Option<NaiveDate>,
    /// Last day whose participant outcomes count (default: the due date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes_until: Option<NaiveDate>,
    /// Cap on the tranche's total (a per-period cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Decimal>,
    /// A cap on the tranche's total that follows a count in the period's verified data: at most
    /// `amount` per one counted (per enrolled child, place, household).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_per_count: Option<CountCap>,
}

/// "At most `amount` per enrolled participant in the period": the cap is `amount` times the
/// verified value of the count metric `metric` for the tranche, rounded down to the currency's
/// minor unit. Until that count is verified, the tranche's lines await it.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountCap {
    /// A metric of unit `count` whose value in each tranche is the number counted.
    pub metric: String,
    /// The most payable per one counted.
    pub amount: Decimal,
}

impl Tranche {
    /// The last day whose outcomes count for this tranche: its window closes at the end of it.
    pub fn outcomes_close(&self) -> NaiveDate {
        self.outcomes_until.unwrap_or(self.due_on)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetricUnit {
    /// A fraction from 0 to 1 (0.329 is 32.9 %).
    Rate,
    Count,
    PersonPeriods,
    Money,
    /// A number on the metric's own scale that may be negative: an effect size, an index.
    Score,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    pub id: String,
    pub name: Localized,
    pub unit: MetricUnit,
    pub direction: Direction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Decimal>,
    /// Cap on everything paid for this metric, across components and tranches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Decimal>,
}

/// One payable part of the contract: a rule, in a tranche, optionally behind conditions.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    pub tranche: String,
    /// All must hold, or the component pays nothing (all-or-nothing over several metrics).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// The one payer of this component; without it, the payers' shares apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Decimal>,
    pub rule: Rule,
    /// Components of earlier tranches whose payments this one is net of: a final payment
    /// computed over all cohorts, less what the cohort payments already paid (never below 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub net_of: Vec<String>,
    /// False for money that does not depend on outcomes (an evaluation fee, a guaranteed
    /// minimum): allowed only on a fixed payment without conditions or milestone. Statements and
    /// dashboards keep such money apart from outcome payments. Default true.
    #[serde(
        default = "outcome_contingent_default",
        skip_serializing_if = "is_outcome_contingent"
    )]
    pub outcome_contingent: bool,
}

fn outcome_contingent_default() -> bool {
    true
}

fn is_outcome_contingent(contingent: &bool) -> bool {
    *contingent
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Rule 1: A fixed or guaranteed fee, on delivery or when a milestone is reported achieved.
    Fixed {
        amount: Decimal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        milestone: Option<String>,
        /// The milestone's name as people read it (one text or `{ja, en}`); statements and
        /// screens show its id where it has none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        milestone_name: Option<Name>,
    },
    /// Rule 2: A price per outcome per participant.
    RateCard {
        /// The count metric this rate card pays for (for metric totals and caps).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metric: Option<String>,
        outcomes: Vec<RateCardOutcome>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap_per_participant: Option<Decimal>,
        /// The most paid for one participant within one fiscal year (April to March) of the
        /// outcomes' dates, across the rate cards of the same metric.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap_per_participant_per_year: Option<Decimal>,
    },
    /// Rule 3: A price for each period a participant spends in a good state.
    PersonPeriod {
        /// The person-period metric this rule pays for (for metric totals and caps).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metric: Option<String>,
        state: String,
        price_per_period: Decimal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_periods_per_participant: Option<u32>,
    },
    /// Rule 4: Threshold or tiered steps: the amount of the best step reached.
    Tiered { metric: String, steps: Vec<Step> },
    /// Rule 5: `max_amount × min(1, achievement)`, achievement = actual / target (or, lower is
    /// better, (baseline − actual) / (baseline − target)); nothing below `floor_ratio`. With
    /// `uncapped`, `max_amount × max(0, achievement)`: an achievement above the target pays more
    /// (effect-size payments of outcome funds), bounded by the caps around the rule.
    Linear {
        metric: String,
        target: Decimal,
        max_amount: Decimal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        floor_ratio: Option<Decimal>,
        /// An achievement above 100 % pays in proportion instead of being counted as 100 %.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        uncapped: bool,
    },
    /// Rule 6: nothing at `none_at` or worse, `max_amount` at `full_at` or better; in between
    /// linear, or by the step table when given.
    Corridor {
        metric: String,
        none_at: Decimal,
        full_at: Decimal,
        max_amount: Decimal,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        steps: Vec<Step>,
    },
    /// Rule 7: The effect against a comparison group, paid by threshold, tiers or per unit.
    Comparison {
        metric: String,
        effect: EffectKind,
        /// Weighted blend of estimates by source (e.g. 0.8 rct + 0.2 did); empty: one estimate.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        blend: Vec<BlendWeight>,
        pay: ComparisonPay,
    },
    /// Rule 8: a share of measured savings, `share_before` until the savings payments on the
    /// metric reach a hurdle, `share_after` beyond. The hurdle is a fixed amount
    /// (`switch_after`) or the investors' principal with a stated annual return up to each
    /// payment date (`switch_after_return`): exactly one of the two.
    SavingsShare {
        metric: String,
        share_before: Decimal,
        share_after: Decimal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        switch_after: Option<Decimal>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        switch_after_return: Option<ReturnHurdle>,
    },
    /// Rule 9: 指標連動方式 (a deduction from a base fee): the period's fixed service fee `base`,
    /// reduced by the share of the highest band that the period's performance points reach.
    /// Each indicator not met in the period (its metric's verified value against `at_least` /
    /// `at_most`) adds its points.
    Deduction {
        base: Decimal,
        indicators: Vec<PointIndicator>,
        bands: Vec<DeductionBand>,
    },
}

/// One performance indicator of a deduction: met when the metric's value in the period is at
/// least `at_least` and at most `at_most` (either or both); not met, it adds `points`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PointIndicator {
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<Decimal>,
    pub points: u32,
}

/// From `points` performance points on, the base fee is reduced by `deduct` (a fraction: 0.1 is
/// 10 %). Bands in ascending order of points.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeductionBand {
    pub points: u32,
    pub deduct: Decimal,
}

/// Investors repaid with a return: `principal × (1 + annual_return × days / 365)`, the days counted
/// from `from` to the tranche's payment date (simple interest, actual/365), rounded down to the
/// currency's minor unit.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnHurdle {
    pub principal: Decimal,
    pub annual_return: Decimal,
    pub from: NaiveDate,
}

impl ReturnHurdle {
    /// The hurdle on `day`: the principal and the return accrued to it (none before `from`), or
    /// `None` where the arithmetic would overflow.
    pub fn on(&self, day: NaiveDate, currency: Currency) -> Option<Decimal> {
        let days = Decimal::from((day - self.from).num_days().max(0));
        let accrued = self
            .principal
            .checked_mul(self.annual_return)?
            .checked_mul(days)?
            .checked_div(Decimal::from(365))?;
        Some(
            self.principal.checked_add(accrued)?.round_dp_with_strategy(
                currency.exponent(),
                rust_decimal::RoundingStrategy::ToZero,
            ),
        )
    }
}

impl Rule {
    pub fn type_name(&self) -> &'static str {
        match self {
            Rule::Fixed { .. } => "fixed",
            Rule::RateCard { .. } => "rate_card",
            Rule::PersonPeriod { .. } => "person_period",
            Rule::Tiered { .. } => "tiered",
            Rule::Linear { .. } => "linear",
            Rule::Corridor { .. } => "corridor",
            Rule::Comparison { .. } => "comparison",
            Rule::SavingsShare { .. } => "savings_share",
            Rule::Deduction { .. } => "deduction",
        }
    }

    /// The most the rule itself can pay, where the rule states one (before caps); none for rules
    /// paid per participant or per unit, which have no ceiling of their own.
    pub fn maximum(&self) -> Option<Decimal> {
        match self {
            Rule::Fixed { amount, .. } => Some(*amount),
            Rule::Deduction { base, .. } => Some(*base),
            Rule::Linear { uncapped: true, .. } => None,
            Rule::Linear { max_amount, .. } | Rule::Corridor { max_amount, .. } => {
                Some(*max_amount)
            }
            Rule::Tiered { steps, .. }
            | Rule::Comparison {
                pay: ComparisonPay::Tiers { steps },
                ..
            } => steps.iter().map(|s| s.amount).max(),
            Rule::Comparison {
                pay: ComparisonPay::Threshold { amount, .. },
                ..
            } => Some(*amount),
            _ => None,
        }
    }

    /// The price of one unit where the rule has exactly one.
    pub fn unit_price(&self) -> Option<Decimal> {
        match self {
            Rule::RateCard { outcomes, .. } if outcomes.len() == 1 => Some(outcomes[0].price),
            Rule::PersonPeriod {
                price_per_period, ..
            } => Some(*price_per_period),
            Rule::Comparison {
                pay: ComparisonPay::PerUnit { price, .. },
                ..
            } => Some(*price),
            _ => None,
        }
    }

    /// The aggregate metric the rule reads, if any.
    pub fn metric(&self) -> Option<&str> {
        match self {
            Rule::Tiered { metric, .. }
            | Rule::Linear { metric, .. }
            | Rule::Corridor { metric, .. }
            | Rule::Comparison { metric, .. }
            | Rule::SavingsShare { metric, .. } => Some(metric),
            Rule::RateCard { metric, .. } | Rule::PersonPeriod { metric, .. } => metric.as_deref(),
            Rule::Fixed { .. } | Rule::Deduction { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateCardOutcome {
    /// The outcome as participant records name it (`job_start`).
    pub outcome: String,
    /// Its name as people read it (one text or `{ja, en}`); the record's name where absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    pub price: Decimal,
    /// How many times one participant can be paid for this outcome (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_participant: Option<u32>,
    /// Cap on everything paid for this outcome, across tranches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Decimal>,
    /// For a repeatable outcome (a sustainment payment each four-weekly period): the fewest days
    /// between two paid records of it for one participant; a record sooner after the previous
    /// paid one is not paid. Records are then taken in date order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_days_between: Option<u32>,
    /// Days that must pass after the outcome before it can be claimed: a record counts in the
    /// tranche whose window holds its date plus this many days (a job start paid once the
    /// probation period is over).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_days: Option<u32>,
}

/// A step: once the value reaches `at` (in the metric's direction), `amount` is paid.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub at: Decimal,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EffectKind {
    /// Treated minus comparison (comparison minus treated when lower is better).
    Absolute,
    /// The absolute effect divided by the comparison value.
    Relative,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlendWeight {
    pub source: String,
    pub weight: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ComparisonPay {
    Threshold {
        at_least: Decimal,
        amount: Decimal,
    },
    Tiers {
        steps: Vec<Step>,
    },
    /// `price × effect`, times the treated cohort size when `per_participant` (events avoided).
    PerUnit {
        price: Decimal,
        #[serde(default)]
        per_participant: bool,
        /// Paid only when the effect reaches this (a price per event avoided, gated by a
        /// minimum effect); below it, nothing.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least: Option<Decimal>,
    },
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    SeniorLoan,
    SubordinatedLoan,
    Equity,
    Grant,
    Guarantee,
}

/// Waterfall classes: which instruments a step pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvestorClass {
    Senior,
    Subordinated,
    Equity,
}

impl Instrument {
    pub fn class(self) -> Option<InvestorClass> {
        match self {
            Instrument::SeniorLoan => Some(InvestorClass::Senior),
            Instrument::SubordinatedLoan => Some(InvestorClass::Subordinated),
            Instrument::Equity => Some(InvestorClass::Equity),
            Instrument::Grant | Instrument::Guarantee => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Investment {
    pub id: String,
    pub investor: String,
    pub instrument: Instrument,
    pub committed: Decimal,
    #[serde(default)]
    pub drawdowns: Vec<Drawdown>,
    /// Simple annual interest (coupon) or target return on outstanding principal, actual/365.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_rate: Option<Decimal>,
    /// An outcome-linked coupon: the annual rate for the period ending at each payment steps with
    /// the share of the contract's maximum received by that payment (e.g. 0 below 50 %, 2 % from
    /// 50 %, 5 % from 90 %). Instead of `annual_rate`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coupon_steps: Vec<CouponStep>,
    /// For a guarantee: the share of principal loss it covers, and on which investments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<GuaranteeCover>,
    /// Sold to many holders in fixed units (retail investment): distributions are computed per
    /// unit, with the 端数 (what does not divide into whole minor units per unit) handled as stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<UnitTerms>,
}

/// An investment held in units: `count` units of `unit_price` each (their product is the
/// committed amount).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitTerms {
    pub count: u64,
    pub unit_price: Decimal,
    /// What happens to the remainder of a distribution that does not divide evenly per unit.
    pub remainder: RemainderPolicy,
    /// The most one unit is ever paid back in all (principal, interest and returns together), as
    /// a rate of its price, e.g. 1.05 for "up to 105 % of principal". Beyond it, money stays in the
    /// waterfall for later steps (or is retained).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_redemption_rate: Option<Decimal>,
    /// Outcome-linked redemption: the most one unit may receive, as a rate of its price, stepping
    /// with the share of the contract's maximum paid so far (e.g. 0.9 below 50 %, 1.0 from 50 %,
    /// 1.05 from 90 %). Instead of `max_redemption_rate`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redemption_steps: Vec<RedemptionStep>,
    /// Where money above the units' maximum goes: on to the waterfall's next steps (the
    /// default), or retained by the vehicle.
    #[serde(default, skip_serializing_if = "AboveMaximum::is_next_step")]
    pub above_maximum: AboveMaximum,
}

/// Where money above an investment's maximum (its units' maximum redemption) goes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AboveMaximum {
    /// On to the waterfall's next steps (other classes, residual shares); what no step takes is
    /// retained.
    #[default]
    NextStep,
    /// Retained by the vehicle at once: no later step receives it.
    Retained,
}

impl AboveMaximum {
    pub fn is_next_step(&self) -> bool {
        *self == AboveMaximum::NextStep
    }
}

/// From `at_share` of the contract's maximum received, one unit may receive up to `rate` × its
/// price.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedemptionStep {
    pub at_share: Decimal,
    pub rate: Decimal,
}

/// From `at_share` of the contract's maximum received, interest accrues at `rate` a year.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponStep {
    pub at_share: Decimal,
    pub rate: Decimal,
}

/// The coupon for a period ending when `received` of the contract's `maximum` has been received:
/// the last step reached (none before the first, which starts at 0).
pub fn coupon_rate(steps: &[CouponStep], received: Decimal, maximum: Decimal) -> Option<Decimal> {
    if maximum <= Decimal::ZERO {
        return None;
    }
    let share = received.checked_div(maximum)?;
    steps
        .iter()
        .take_while(|s| s.at_share <= share)
        .last()
        .map(|s| s.rate)
}

/// 端数処理 of per-unit distributions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemainderPolicy {
    /// Per unit rounded down to the minor unit; the remainder is kept by the vehicle (not paid to
    /// holders) and reported.
    Retained,
    /// Per unit rounded down; the remainder is added to the investment's next distribution, and
    /// what is left after the last one is reported.
    CarriedForward,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Drawdown {
    pub on: NaiveDate,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuaranteeCover {
    pub share: Decimal,
    pub investments: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum WaterfallStep {
    /// A configured cost or fee, up to `amount` in total over the contract's life.
    Fee {
        name: String,
        recipient: String,
        amount: Decimal,
    },
    /// Outstanding principal of the class, pro rata.
    Principal { class: InvestorClass },
    /// Accrued unpaid interest of the class, pro rata.
    Interest { class: InvestorClass },
    /// Everything left, as success fees or returns, pro rata to drawn capital; optionally only
    /// `share` of it (the rest is retained).
    Residual {
        class: InvestorClass,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        share: Option<Decimal>,
    },
}

impl Contract {
    pub fn metric(&self, id: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.id == id)
    }

    /// The name a fixed payment gives its milestone, if any.
    pub fn milestone_name(&self, id: &str) -> Option<&Name> {
        self.components.iter().find_map(|c| match &c.rule {
            Rule::Fixed {
                milestone: Some(m),
                milestone_name: Some(name),
                ..
            } if m == id => Some(name),
            _ => None,
        })
    }

    /// The name a rate card gives a priced outcome, if any.
    pub fn outcome_name(&self, outcome: &str) -> Option<&Name> {
        self.components.iter().find_map(|c| match &c.rule {
            Rule::RateCard { outcomes, .. } => outcomes
                .iter()
                .find(|o| o.outcome == outcome)
                .and_then(|o| o.name.as_ref()),
            _ => None,
        })
    }

    /// The most a tranche can pay: its own cap, else the sum of its components' caps or rules'
    /// maxima, never above the contract's maximum; none when a component has no ceiling and the
    /// contract states no maximum.
    pub fn tranche_maximum(&self, tranche: &str) -> Option<Decimal> {
        let t = self.tranches.iter().find(|t| t.id == tranche)?;
        let from_components: Option<Decimal> = self
            .components
            .iter()
            .filter(|c| c.tranche == tranche)
            .map(|c| match (c.cap, c.rule.maximum()) {
                (Some(cap), Some(max)) => Some(cap.min(max)),
                (cap, max) => cap.or(max),
            })
            .try_fold(Decimal::ZERO, |sum, m| m.and_then(|m| sum.checked_add(m)));
        let own = match (t.cap, from_components) {
            (Some(cap), Some(sum)) => Some(cap.min(sum)),
            (cap, sum) => cap.or(sum),
        };
        match (own, self.max_total_payment) {
            (Some(own), Some(total)) => Some(own.min(total)),
            (own, total) => own.or(total),
        }
    }
}

#[cfg(test)]
mod issues_tests {
    use super::{Issue, Issues};
    use crate::msg;

    #[test]
    fn a_long_list_keeps_the_first_and_counts_the_rest() {
        let mut issues = Issues::default();
        assert!(issues.is_empty());
        issues.extend(
            (0..1000).map(|i| Issue::new(format!("row {i}"), msg!("t.n", "a number", "数値"))),
        );
        let mut earlier = Issues::default();
        earlier.extend(
            (0..300).map(|i| Issue::new(format!("sheet row {i}"), msg!("t.r", "a row", "行"))),
        );
        issues.merge(&earlier);
        assert_eq!(issues.total(), 1300);
        let list = issues.into_vec();
        assert_eq!(list.len(), Issues::REPORTED + 1);
        assert_eq!(list[0].path.en, "row 0");
        assert_eq!(list[Issues::REPORTED - 1].path.en, "row 199");
        let last = &list[Issues::REPORTED];
        assert_eq!(last.message.code, "input.more_problems");
        assert_eq!(
            last.message.en,
            "1100 more problems not listed; fix these first"
        );
    }

    #[test]
    fn a_short_list_is_reported_whole() {
        let mut issues = Issues::default();
        let issue = Issue::new("row 2", msg!("t.d", "a date", "日付"));
        issues.push(issue.clone());
        assert_eq!(issues.into_vec(), vec![issue]);
    }
}
