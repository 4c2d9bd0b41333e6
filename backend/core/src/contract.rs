//! The contract terms the engine reads: payers, tranches, metrics, payment components with their
//! rules, caps, rounding, investments and the waterfall. The same JSON is stored as a project's
//! terms version and read by `seika payout`. Every amount and rate is a decimal string.

use crate::msg;
use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::message::Msg;
use crate::{Currency, Money, Rounding};

pub const CONTRACT_SCHEMA: &str = "seika.contract.v1";

/// A problem found in an input, with where it is (a JSON path) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub path: String,
    pub message: Msg,
}

impl Issue {
    pub fn new(path: impl Into<String>, message: impl Into<Msg>) -> Self {
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
    /// better, (baseline − actual) / (baseline − target)); nothing below `floor_ratio`.
    Linear {
        metric: String,
        target: Decimal,
        max_amount: Decimal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        floor_ratio: Option<Decimal>,
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
        }
    }

    /// The most the rule itself can pay, where the rule states one (before caps); none for rules
    /// paid per participant or per unit, which have no ceiling of their own.
    pub fn maximum(&self) -> Option<Decimal> {
        match self {
            Rule::Fixed { amount, .. } => Some(*amount),
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
            Rule::Fixed { .. } => None,
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

fn is_whole_minor(amount: Decimal, currency: Currency) -> bool {
    Money::from_decimal(amount, currency).is_ok()
}

struct Checker<'a> {
    currency: Currency,
    issues: &'a mut Vec<Issue>,
}

impl Checker<'_> {
    fn money(&mut self, path: String, amount: Decimal) {
        if amount.is_sign_negative() && !amount.is_zero() {
            self.issues.push(Issue::new(
                path,
                msg!(
                    "amount.non_negative",
                    "a non-negative amount",
                    "0 以上の金額"
                ),
            ));
        } else if !is_whole_minor(amount, self.currency) {
            self.issues.push(Issue::new(
                path,
                msg!(
                    "amount.minor_units",
                    "an amount in whole {} minor units (at most {} decimals)",
                    "{0} の最小単位の整数倍の金額（小数点以下 {1} 桁まで）",
                    self.currency,
                    self.currency.exponent()
                ),
            ));
        }
    }

    fn fraction(&mut self, path: String, value: Decimal, allow_zero: bool) {
        let low_ok = if allow_zero {
            value >= Decimal::ZERO
        } else {
            value > Decimal::ZERO
        };
        if !low_ok || value > Decimal::ONE {
            let message = if allow_zero {
                msg!(
                    "contract.fraction",
                    "a fraction from 0 to 1 (0.2 = 20 %)",
                    "0 から 1 の割合（0.2 は 20%）"
                )
            } else {
                msg!(
                    "contract.fraction_positive",
                    "a fraction above 0 and at most 1 (0.2 = 20 %)",
                    "0 より大きく 1 以下の割合（0.2 は 20%）"
                )
            };
            self.issues.push(Issue::new(path, message));
        }
    }
}

fn unique<'a>(
    issues: &mut Vec<Issue>,
    what: &str,
    ids: impl Iterator<Item = &'a str>,
) -> HashSet<&'a str> {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        if id.trim().is_empty() {
            issues.push(Issue::new(
                format!("{what}[{i}].id"),
                msg!("contract.id_empty", "a non-empty id", "空でない ID"),
            ));
        } else if !seen.insert(id) {
            issues.push(Issue::new(
                format!("{what}[{i}].id"),
                msg!(
                    "contract.id_repeats",
                    "an id not used by another entry (`{id}` repeats)",
                    "他と重複しない ID（`{id}` が重複）"
                ),
            ));
        }
    }
    seen
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

    /// Every problem with the terms; empty when the contract can be computed.
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

    pub fn validate(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        if self.schema != CONTRACT_SCHEMA {
            issues.push(Issue::new(
                "schema",
                msg!(
                    "contract.schema",
                    "\"{CONTRACT_SCHEMA}\"",
                    "スキーマ \"{CONTRACT_SCHEMA}\""
                ),
            ));
        }
        if let Some(checks) = &self.data_checks
            && !(Decimal::ZERO..=Decimal::ONE).contains(&checks.discrepancy_tolerance)
        {
            issues.push(Issue::new(
                "data_checks.discrepancy_tolerance",
                msg!(
                    "contract.share",
                    "a share from 0 to 1, such as \"0.05\"",
                    "\"0.05\" のような 0 から 1 の割合"
                ),
            ));
        }
        if let Some(invoicing) = &self.invoicing {
            for (field, expected) in invoicing.problems() {
                issues.push(Issue::new(format!("invoicing.{field}"), expected));
            }
        }
        if self.code.trim().is_empty() {
            issues.push(Issue::new(
                "code",
                msg!(
                    "contract.code_empty",
                    "a non-empty contract code",
                    "空でない契約コード"
                ),
            ));
        }
        if let Err(e) = self.rounding.validate(self.currency) {
            issues.push(Issue::new("rounding.unit", e));
        }
        let currency = self.currency;
        let mut check = Checker {
            currency,
            issues: &mut issues,
        };
        if let Some(max) = self.max_total_payment {
            check.money("max_total_payment".into(), max);
        }

        // Dates and budget.
        if let Some(d) = &self.dates {
            if let (Some(start), Some(end)) = (d.service_start, d.service_end)
                && end < start
            {
                check.issues.push(Issue::new(
                    "dates.service_end",
                    msg!(
                        "contract.after_service_start",
                        "a date on or after service_start",
                        "service_start（サービス開始日）以降の日付"
                    ),
                ));
            }
            if let (Some(signed), Some(start)) = (d.signed_on, d.service_start)
                && start < signed
            {
                check.issues.push(Issue::new(
                    "dates.service_start",
                    msg!(
                        "contract.after_signed_on",
                        "a date on or after signed_on",
                        "signed_on（契約締結日）以降の日付"
                    ),
                ));
            }
        }
        let mut years = HashSet::new();
        for (i, line) in self.budget.iter().enumerate() {
            check.money(format!("budget[{i}].amount"), line.amount);
            if !(1900..=2200).contains(&line.fiscal_year) || !years.insert(line.fiscal_year) {
                check.issues.push(Issue::new(
                    format!("budget[{i}].fiscal_year"),
                    msg!(
                        "contract.fiscal_year",
                        "a fiscal year (e.g. 2024 for April 2024 to March 2025), once each",
                        "年度（例: 2024 は2024年4月〜2025年3月）を一度ずつ"
                    ),
                ));
            }
        }

        // Payers.
        if self.payers.is_empty() {
            check.issues.push(Issue::new(
                "payers",
                msg!(
                    "contract.no_payer",
                    "at least one outcome payer",
                    "成果支払者が少なくとも一つ必要です"
                ),
            ));
        }
        let mut share_sum = Decimal::ZERO;
        for (i, p) in self.payers.iter().enumerate() {
            check.fraction(format!("payers[{i}].share"), p.share, true);
            share_sum += p.share;
            if let Some(max) = p.max_payment {
                check.money(format!("payers[{i}].max_payment"), max);
            }
            if let Some(rate) = p.top_up {
                check.fraction(format!("payers[{i}].top_up"), rate, true);
                if !p.share.is_zero() {
                    check.issues.push(Issue::new(
                        format!("payers[{i}].share"),
                        msg!(
                            "contract.top_up_share",
                            "0 for a payer that tops up (it pays on top of the shares)",
                            "上乗せして支払う支払者の負担割合は 0"
                        ),
                    ));
                }
            }
        }
        if !self.payers.is_empty() && share_sum != Decimal::ONE {
            check.issues.push(Issue::new(
                "payers",
                msg!(
                    "contract.shares_sum",
                    "shares that sum to exactly 1 (100 %), not {share_sum}",
                    "支払者の負担割合の合計はちょうど 1（100%）にしてください（現在 {share_sum}）"
                ),
            ));
        }
        let payers = unique(
            check.issues,
            "payers",
            self.payers.iter().map(|p| p.id.as_str()),
        );

        // Tranches.
        if self.tranches.is_empty() {
            check.issues.push(Issue::new(
                "tranches",
                msg!(
                    "contract.no_tranche",
                    "at least one tranche (payment date)",
                    "支払時期が少なくとも一つ必要です"
                ),
            ));
        }
        for (i, pair) in self.tranches.windows(2).enumerate() {
            if pair[1].due_on < pair[0].due_on {
                check.issues.push(Issue::new(
                    format!("tranches[{}].due_on", i + 1),
                    msg!(
                        "contract.tranche_order",
                        "tranches in date order: a due date on or after the previous one",
                        "支払時期は日付順に: 前の支払時期の支払日以降の日付"
                    ),
                ));
            }
        }
        for (i, t) in self.tranches.iter().enumerate() {
            if let Some(cap) = t.cap {
                check.money(format!("tranches[{i}].cap"), cap);
            }
            if let (Some(from), Some(until)) = (t.outcomes_from, t.outcomes_until)
                && until < from
            {
                check.issues.push(Issue::new(
                    format!("tranches[{i}].outcomes_until"),
                    msg!(
                        "contract.after_outcomes_from",
                        "a date on or after outcomes_from",
                        "outcomes_from（成果の対象期間の開始日）以降の日付"
                    ),
                ));
            }
        }
        let tranches = unique(
            check.issues,
            "tranches",
            self.tranches.iter().map(|t| t.id.as_str()),
        );

        // Metrics.
        let metric_ids = unique(
            check.issues,
            "metrics",
            self.metrics.iter().map(|m| m.id.as_str()),
        );
        for (i, m) in self.metrics.iter().enumerate() {
            if m.unit == MetricUnit::Rate {
                for (field, value) in [("baseline", m.baseline), ("target", m.target)] {
                    if let Some(v) = value
                        && !(Decimal::ZERO..=Decimal::ONE).contains(&v)
                    {
                        check.issues.push(Issue::new(
                            format!("metrics[{i}].{field}"),
                            msg!(
                                "contract.rate",
                                "a rate from 0 to 1 (0.8 = 80 %)",
                                "0 から 1 の率（0.8 は 80%）"
                            ),
                        ));
                    }
                }
            }
            if let Some(cap) = m.cap {
                check.money(format!("metrics[{i}].cap"), cap);
            }
        }

        // Components.
        let _ = unique(
            check.issues,
            "components",
            self.components.iter().map(|c| c.id.as_str()),
        );
        if self.components.is_empty() {
            check.issues.push(Issue::new(
                "components",
                msg!(
                    "contract.no_component",
                    "at least one payment component",
                    "支払項目が少なくとも一つ必要です"
                ),
            ));
        }
        let mut used_metrics: HashSet<&str> = HashSet::new();
        let mut fixed_by_tranche: BTreeMap<&str, Decimal> = BTreeMap::new();
        for (i, c) in self.components.iter().enumerate() {
            let at = format!("components[{i}]");
            let tranche_index = |id: &str| self.tranches.iter().position(|t| t.id == id);
            for (j, earlier) in c.net_of.iter().enumerate() {
                let ok = self.components.iter().any(|o| {
                    &o.id == earlier
                        && matches!(
                            (tranche_index(&o.tranche), tranche_index(&c.tranche)),
                            (Some(a), Some(b)) if a < b
                        )
                });
                if !ok {
                    check.issues.push(Issue::new(
                        format!("{at}.net_of[{j}]"),
                        msg!(
                            "contract.earlier_component",
                            "the id of a component in an earlier tranche",
                            "前の支払時期にある支払項目の ID"
                        ),
                    ));
                }
            }
            if !tranches.contains(c.tranche.as_str()) {
                check.issues.push(Issue::new(
                    format!("{at}.tranche"),
                    msg!(
                        "contract.tranche_id",
                        "the id of a tranche",
                        "契約にある支払時期の ID"
                    ),
                ));
            }
            if let Some(p) = &c.payer
                && !payers.contains(p.as_str())
            {
                check.issues.push(Issue::new(
                    format!("{at}.payer"),
                    msg!(
                        "contract.payer_id",
                        "the id of a payer",
                        "契約にある支払者の ID"
                    ),
                ));
            }
            if let Some(cap) = c.cap {
                check.money(format!("{at}.cap"), cap);
            }
            let unconditional_fixed = matches!(
                c.rule,
                Rule::Fixed {
                    milestone: None,
                    ..
                }
            ) && c.conditions.is_empty();
            if !c.outcome_contingent && !unconditional_fixed {
                check.issues.push(Issue::new(
                    format!("{at}.outcome_contingent"),
                    msg!("contract.at_risk", "true, unless the component is a fixed payment without conditions or milestone \
                     (only such money does not depend on outcomes)", "true（条件もマイルストーンもない固定支払のみが成果に左右されない支払です）"),
                ));
            }
            for (j, cond) in c.conditions.iter().enumerate() {
                used_metrics.insert(&cond.metric);
                if !metric_ids.contains(cond.metric.as_str()) {
                    check.issues.push(Issue::new(
                        format!("{at}.conditions[{j}].metric"),
                        msg!(
                            "contract.metric_id",
                            "the id of a metric",
                            "契約にある指標の ID"
                        ),
                    ));
                }
                if cond.at_least.is_none() && cond.at_most.is_none() {
                    check.issues.push(Issue::new(
                        format!("{at}.conditions[{j}]"),
                        msg!(
                            "contract.comparison",
                            "at_least or at_most",
                            "at_least（以上）または at_most（以下）"
                        ),
                    ));
                }
            }
            if let Some(metric) = c.rule.metric() {
                used_metrics.insert(metric);
                if !metric_ids.contains(metric) {
                    check.issues.push(Issue::new(
                        format!("{at}.rule.metric"),
                        msg!(
                            "contract.metric_id",
                            "the id of a metric",
                            "契約にある指標の ID"
                        ),
                    ));
                }
            }
            self.validate_rule(&mut check, &format!("{at}.rule"), &c.rule);
            if let Rule::Fixed { amount, .. } = c.rule {
                *fixed_by_tranche.entry(c.tranche.as_str()).or_default() += amount;
                if let Some(cap) = c.cap
                    && cap < amount
                {
                    check.issues.push(Issue::new(
                        format!("{at}.cap"),
                        msg!(
                            "contract.cap_below_fixed",
                            "a cap of at least the fixed amount {amount}",
                            "固定支払額 {amount} 以上の上限"
                        ),
                    ));
                }
            }
        }
        for (i, m) in self.metrics.iter().enumerate() {
            if !used_metrics.contains(m.id.as_str()) {
                check.issues.push(Issue::new(
                    format!("metrics[{i}]"),
                    msg!(
                        "contract.metric_unused",
                        "a payment rule or condition that uses metric `{}`",
                        "指標 `{}` を使う支払ルールまたは条件",
                        m.id
                    ),
                ));
            }
        }
        let fixed_total: Decimal = fixed_by_tranche.values().sum();
        if let Some(max) = self.max_total_payment
            && max < fixed_total
        {
            check.issues.push(Issue::new(
                "max_total_payment",
                msg!(
                    "contract.max_below_fixed",
                    "a maximum of at least the fixed fees ({fixed_total})",
                    "固定支払額の合計（{fixed_total}）以上の支払上限額"
                ),
            ));
        }
        for (i, t) in self.tranches.iter().enumerate() {
            if let (Some(cap), Some(fixed)) = (t.cap, fixed_by_tranche.get(t.id.as_str()))
                && cap < *fixed
            {
                check.issues.push(Issue::new(
                    format!("tranches[{i}].cap"),
                    msg!(
                        "contract.tranche_cap_below_fixed",
                        "a cap of at least the tranche's fixed fees ({fixed})",
                        "この支払時期の固定支払額（{fixed}）以上の上限"
                    ),
                ));
            }
        }

        // Investments and waterfall.
        let investment_ids = unique(
            check.issues,
            "investments",
            self.investments.iter().map(|v| v.id.as_str()),
        );
        for (i, inv) in self.investments.iter().enumerate() {
            let at = format!("investments[{i}]");
            check.money(format!("{at}.committed"), inv.committed);
            let mut drawn = Decimal::ZERO;
            for (j, d) in inv.drawdowns.iter().enumerate() {
                check.money(format!("{at}.drawdowns[{j}].amount"), d.amount);
                drawn += d.amount;
            }
            if drawn > inv.committed {
                check.issues.push(Issue::new(
                    format!("{at}.drawdowns"),
                    msg!(
                        "investment.drawdowns",
                        "drawdowns totalling at most the committed {}",
                        "合計が出資約束額 {} 以下の払込み",
                        inv.committed
                    ),
                ));
            }
            if let Some(rate) = inv.annual_rate {
                check.fraction(format!("{at}.annual_rate"), rate, true);
            }
            match (&inv.instrument, &inv.covers) {
                (Instrument::Guarantee, Some(cover)) => {
                    check.fraction(format!("{at}.covers.share"), cover.share, false);
                    for (j, id) in cover.investments.iter().enumerate() {
                        if !investment_ids.contains(id.as_str()) {
                            check.issues.push(Issue::new(
                                format!("{at}.covers.investments[{j}]"),
                                msg!(
                                    "contract.investment_id",
                                    "the id of an investment",
                                    "契約にある出資の ID"
                                ),
                            ));
                        }
                    }
                }
                (Instrument::Guarantee, None) => check.issues.push(Issue::new(
                    format!("{at}.covers"),
                    msg!(
                        "investment.covers",
                        "what the guarantee covers",
                        "保証の対象"
                    ),
                )),
                (_, Some(_)) => check.issues.push(Issue::new(
                    format!("{at}.covers"),
                    msg!(
                        "investment.covers_guarantee_only",
                        "covers only on a guarantee",
                        "保証の対象（covers）は保証にのみ指定します"
                    ),
                )),
                _ => {}
            }
            if let Some(units) = &inv.units {
                if inv.instrument == Instrument::Guarantee {
                    check.issues.push(Issue::new(
                        format!("{at}.units"),
                        msg!(
                            "investment.units_kind",
                            "units only on a loan, a bond or equity, not a guarantee",
                            "口数は貸付・債券・株式にのみ指定します（保証には不可）"
                        ),
                    ));
                }
                if units.count == 0 || i64::try_from(units.count).is_err() {
                    check.issues.push(Issue::new(
                        format!("{at}.units.count"),
                        msg!(
                            "investment.unit_count",
                            "a whole number of units from 1",
                            "1 以上の整数の口数"
                        ),
                    ));
                }
                check.money(format!("{at}.units.unit_price"), units.unit_price);
                if units.unit_price <= Decimal::ZERO {
                    check.issues.push(Issue::new(
                        format!("{at}.units.unit_price"),
                        msg!(
                            "investment.unit_price",
                            "a price above 0",
                            "0 より大きい価格"
                        ),
                    ));
                } else if Decimal::from(units.count).checked_mul(units.unit_price)
                    != Some(inv.committed)
                {
                    check.issues.push(Issue::new(
                        format!("{at}.units"),
                        msg!(
                            "investment.units_total",
                            "count × unit_price equal to the committed {}",
                            "口数 × 1口の価格が出資約束額 {} と等しいこと",
                            inv.committed
                        ),
                    ));
                }
                if let Some(rate) = units.max_redemption_rate
                    && (rate <= Decimal::ZERO || rate > Decimal::from(100))
                {
                    check.issues.push(Issue::new(
                        format!("{at}.units.max_redemption_rate"),
                        msg!(
                            "investment.max_redemption",
                            "a rate of the unit price above 0 (1.05 for 105 %), at most 100",
                            "1口の価格に対する 0 より大きく 100 以下の率（1.05 は 105%）"
                        ),
                    ));
                }
                if !units.redemption_steps.is_empty() {
                    let steps_at = format!("{at}.units.redemption_steps");
                    if units.max_redemption_rate.is_some() {
                        check.issues.push(Issue::new(
                            steps_at.clone(),
                            msg!(
                                "investment.redemption_both",
                                "either max_redemption_rate or redemption_steps, not both",
                                "max_redemption_rate と redemption_steps のどちらか一方"
                            ),
                        ));
                    }
                    if self.max_total_payment.is_none() {
                        check.issues.push(Issue::new(
                            steps_at.clone(),
                            msg!(
                                "investment.steps_need_maximum",
                                "a contract maximum (max_total_payment) the steps' shares refer to",
                                "段階の割合の基準となる契約の支払上限額（max_total_payment）"
                            ),
                        ));
                    }
                    if !units.redemption_steps[0].at_share.is_zero() {
                        check.issues.push(Issue::new(
                            format!("{steps_at}[0].at_share"),
                            msg!(
                                "investment.first_step",
                                "0: the first step applies from the start",
                                "0（最初の段階は初めから適用されます）"
                            ),
                        ));
                    }
                    for (j, step) in units.redemption_steps.iter().enumerate() {
                        check.fraction(format!("{steps_at}[{j}].at_share"), step.at_share, true);
                        if step.rate <= Decimal::ZERO || step.rate > Decimal::from(100) {
                            check.issues.push(Issue::new(
                                format!("{steps_at}[{j}].rate"),
                                msg!("investment.max_redemption", "a rate of the unit price above 0 (1.05 for 105 %), at most 100", "1口の価格に対する 0 より大きく 100 以下の率（1.05 は 105%）"),
                            ));
                        }
                        if let Some(prev) = j.checked_sub(1).map(|p| &units.redemption_steps[p])
                            && (step.at_share <= prev.at_share || step.rate < prev.rate)
                        {
                            check.issues.push(Issue::new(
                                format!("{steps_at}[{j}]"),
                                msg!(
                                    "investment.redemption_steps",
                                    "steps in ascending order of share, rates never falling",
                                    "割合の昇順で、率が下がらない段階"
                                ),
                            ));
                        }
                    }
                }
            }
        }
        for (i, inv) in self.investments.iter().enumerate() {
            if inv.coupon_steps.is_empty() {
                continue;
            }
            let at = format!("investments[{i}].coupon_steps");
            if inv.annual_rate.is_some() {
                check.issues.push(Issue::new(
                    at.clone(),
                    msg!(
                        "investment.coupon_both",
                        "either annual_rate or coupon_steps, not both",
                        "annual_rate と coupon_steps のどちらか一方"
                    ),
                ));
            }
            if self.max_total_payment.is_none() {
                check.issues.push(Issue::new(
                    at.clone(),
                    msg!(
                        "investment.steps_need_maximum",
                        "a contract maximum (max_total_payment) the steps' shares refer to",
                        "段階の割合の基準となる契約の支払上限額（max_total_payment）"
                    ),
                ));
            }
            if !inv.coupon_steps[0].at_share.is_zero() {
                check.issues.push(Issue::new(
                    format!("{at}[0].at_share"),
                    msg!(
                        "investment.first_step",
                        "0: the first step applies from the start",
                        "0（最初の段階は初めから適用されます）"
                    ),
                ));
            }
            for (j, step) in inv.coupon_steps.iter().enumerate() {
                check.fraction(format!("{at}[{j}].at_share"), step.at_share, true);
                check.fraction(format!("{at}[{j}].rate"), step.rate, true);
                if let Some(prev) = j.checked_sub(1).map(|p| &inv.coupon_steps[p])
                    && step.at_share <= prev.at_share
                {
                    check.issues.push(Issue::new(
                        format!("{at}[{j}]"),
                        msg!(
                            "investment.coupon_steps",
                            "steps in ascending order of share",
                            "割合の昇順の段階"
                        ),
                    ));
                }
            }
        }
        for (i, step) in self.waterfall.iter().enumerate() {
            match step {
                WaterfallStep::Fee { amount, .. } => {
                    check.money(format!("waterfall[{i}].amount"), *amount)
                }
                WaterfallStep::Residual {
                    share: Some(share), ..
                } => check.fraction(format!("waterfall[{i}].share"), *share, true),
                _ => {}
            }
        }
        if !self.investments.is_empty() && self.waterfall.is_empty() {
            check.issues.push(Issue::new(
                "waterfall",
                msg!(
                    "waterfall.order",
                    "the order in which investors are repaid",
                    "投資家に返済する順序"
                ),
            ));
        }
        issues
    }

    fn validate_rule(&self, check: &mut Checker<'_>, at: &str, rule: &Rule) {
        let direction = rule
            .metric()
            .and_then(|m| self.metric(m))
            .map(|m| m.direction);
        match rule {
            Rule::Fixed { amount, .. } => check.money(format!("{at}.amount"), *amount),
            Rule::RateCard {
                outcomes,
                cap_per_participant,
                cap_per_participant_per_year,
                ..
            } => {
                if outcomes.is_empty() {
                    check.issues.push(Issue::new(
                        format!("{at}.outcomes"),
                        msg!(
                            "rate_card.empty",
                            "at least one priced outcome",
                            "単価を定めた成果が少なくとも一つ必要です"
                        ),
                    ));
                }
                for (i, o) in outcomes.iter().enumerate() {
                    check.money(format!("{at}.outcomes[{i}].price"), o.price);
                    if let Some(cap) = o.cap {
                        check.money(format!("{at}.outcomes[{i}].cap"), cap);
                    }
                    if o.max_per_participant == Some(0) {
                        check.issues.push(Issue::new(
                            format!("{at}.outcomes[{i}].max_per_participant"),
                            msg!("contract.at_least_one", "1 or more", "1 以上"),
                        ));
                    }
                    if matches!(o.min_days_between, Some(d) if d == 0 || d > 3660) {
                        check.issues.push(Issue::new(
                            format!("{at}.outcomes[{i}].min_days_between"),
                            msg!("contract.days_from_1", "from 1 to 3660 days", "1〜3660 日"),
                        ));
                    }
                    if matches!(o.waiting_days, Some(d) if d > 3660) {
                        check.issues.push(Issue::new(
                            format!("{at}.outcomes[{i}].waiting_days"),
                            msg!("contract.days_from_0", "from 0 to 3660 days", "0〜3660 日"),
                        ));
                    }
                }
                if let Some(cap) = cap_per_participant {
                    check.money(format!("{at}.cap_per_participant"), *cap);
                }
                if let Some(cap) = cap_per_participant_per_year {
                    check.money(format!("{at}.cap_per_participant_per_year"), *cap);
                }
            }
            Rule::PersonPeriod {
                price_per_period,
                max_periods_per_participant,
                ..
            } => {
                check.money(format!("{at}.price_per_period"), *price_per_period);
                if *max_periods_per_participant == Some(0) {
                    check.issues.push(Issue::new(
                        format!("{at}.max_periods_per_participant"),
                        msg!("contract.at_least_one", "1 or more", "1 以上"),
                    ));
                }
            }
            Rule::Tiered { steps, .. } => {
                check_steps(check, &format!("{at}.steps"), steps, direction)
            }
            Rule::Linear {
                target,
                max_amount,
                floor_ratio,
                metric,
            } => {
                check.money(format!("{at}.max_amount"), *max_amount);
                if *target <= Decimal::ZERO {
                    check.issues.push(Issue::new(
                        format!("{at}.target"),
                        msg!("metric.target", "a target above 0", "0 より大きい目標値"),
                    ));
                }
                if let Some(f) = floor_ratio {
                    check.fraction(format!("{at}.floor_ratio"), *f, true);
                }
                if direction == Some(Direction::LowerIsBetter) {
                    match self.metric(metric).and_then(|m| m.baseline) {
                        Some(b) if b > *target => {}
                        _ => check.issues.push(Issue::new(
                            format!("{at}.target"),
                            msg!(
                                "metric.baseline",
                                "for a lower-is-better metric, a baseline above the target",
                                "低いほど良い指標では、目標値より大きいベースライン"
                            ),
                        )),
                    }
                }
            }
            Rule::Corridor {
                none_at,
                full_at,
                max_amount,
                steps,
                ..
            } => {
                check.money(format!("{at}.max_amount"), *max_amount);
                let expected = match direction {
                    Some(Direction::LowerIsBetter) => full_at < none_at,
                    _ => full_at > none_at,
                };
                if !expected {
                    check.issues.push(Issue::new(
                        format!("{at}.full_at"),
                        msg!("rule.full_at", "full_at better than none_at in the metric's direction", "満額の値（full_at）は支払なしの値（none_at）より指標の向きで良い値にしてください"),
                    ));
                }
                check_steps(check, &format!("{at}.steps"), steps, direction);
                for (i, s) in steps.iter().enumerate() {
                    if s.amount > *max_amount {
                        check.issues.push(Issue::new(
                            format!("{at}.steps[{i}].amount"),
                            msg!(
                                "rule.max_amount",
                                "at most max_amount",
                                "上限額（max_amount）以下"
                            ),
                        ));
                    }
                }
            }
            Rule::Comparison { blend, pay, .. } => {
                if !blend.is_empty() {
                    let total: Decimal = blend.iter().map(|b| b.weight).sum();
                    for (i, b) in blend.iter().enumerate() {
                        check.fraction(format!("{at}.blend[{i}].weight"), b.weight, false);
                    }
                    if total != Decimal::ONE {
                        check.issues.push(Issue::new(
                            format!("{at}.blend"),
                            msg!(
                                "rule.weights",
                                "weights that sum to exactly 1, not {total}",
                                "重みの合計はちょうど 1 にしてください（現在 {total}）"
                            ),
                        ));
                    }
                }
                match pay {
                    ComparisonPay::Threshold { amount, .. } => {
                        check.money(format!("{at}.pay.amount"), *amount)
                    }
                    ComparisonPay::Tiers { steps } => check_steps(
                        check,
                        &format!("{at}.pay.steps"),
                        steps,
                        Some(Direction::HigherIsBetter),
                    ),
                    ComparisonPay::PerUnit { price, .. } => {
                        check.money(format!("{at}.pay.price"), *price)
                    }
                }
            }
            Rule::SavingsShare {
                share_before,
                share_after,
                switch_after,
                switch_after_return,
                ..
            } => {
                check.fraction(format!("{at}.share_before"), *share_before, true);
                check.fraction(format!("{at}.share_after"), *share_after, true);
                match (switch_after, switch_after_return) {
                    (Some(amount), None) => check.money(format!("{at}.switch_after"), *amount),
                    (None, Some(hurdle)) => {
                        check.money(
                            format!("{at}.switch_after_return.principal"),
                            hurdle.principal,
                        );
                        check.fraction(
                            format!("{at}.switch_after_return.annual_return"),
                            hurdle.annual_return,
                            true,
                        );
                    }
                    _ => check.issues.push(Issue::new(
                        format!("{at}.switch_after"),
                        msg!("waterfall.switch_both", "either switch_after (an amount) or switch_after_return (principal, annual_return, from), not both", "switch_after（金額）と switch_after_return（元本・年利・起算日）のどちらか一方"),
                    )),
                }
            }
        }
    }
}

/// Steps must be strictly ordered in the metric's direction, with amounts that never fall.
fn check_steps(check: &mut Checker<'_>, at: &str, steps: &[Step], direction: Option<Direction>) {
    let lower_better = direction == Some(Direction::LowerIsBetter);
    for (i, s) in steps.iter().enumerate() {
        check.money(format!("{at}[{i}].amount"), s.amount);
    }
    for (i, pair) in steps.windows(2).enumerate() {
        let ordered = if lower_better {
            pair[1].at < pair[0].at
        } else {
            pair[1].at > pair[0].at
        };
        if !ordered {
            let message = if lower_better {
                msg!(
                    "rule.steps_decreasing",
                    "steps in strictly decreasing (lower is better) order",
                    "段階は値の降順に並べてください（低いほど良い指標）"
                )
            } else {
                msg!(
                    "rule.steps_increasing",
                    "steps in strictly increasing order",
                    "段階は値の昇順に並べてください"
                )
            };
            check
                .issues
                .push(Issue::new(format!("{at}[{}].at", i + 1), message));
        }
        if pair[1].amount < pair[0].amount {
            check.issues.push(Issue::new(
                format!("{at}[{}].amount", i + 1),
                msg!(
                    "rule.step_amounts",
                    "an amount at least that of the step before",
                    "前の段階以上の金額"
                ),
            ));
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
        assert_eq!(list[0].path, "row 0");
        assert_eq!(list[Issues::REPORTED - 1].path, "row 199");
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
