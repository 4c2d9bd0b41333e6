//! What each amount of a statement was worked out from, as data: the rules and the statement's
//! steps return these, with no text in them; [`crate::render`] turns them into the statement's
//! texts and the words people read, in Japanese and English.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use seika_core::contract::{Direction, EffectKind};

/// How a line's amount before rounding was worked out.
#[derive(Debug, Clone)]
pub enum Worked {
    /// No verified result yet: 0 (a [`Note`] says which).
    AwaitingData,
    /// An all-or-nothing condition failed, or still awaits verified results.
    ConditionNotMet {
        awaiting: bool,
    },
    FixedFee {
        amount: Decimal,
    },
    Milestone {
        id: String,
        achieved_on: NaiveDate,
        amount: Decimal,
    },
    Tiered(StepWorked),
    Linear(LinearWorked),
    Corridor(CorridorWorked),
    Comparison(ComparisonWorked),
    Savings(SavingsWorked),
    RateCard(RateCardWorked),
    PersonPeriods {
        periods: u64,
        price: Decimal,
        amount: Decimal,
    },
    /// A deduction from a base fee (指標連動方式).
    Deduction(DeductionWorked),
    /// A person-period rule whose good state has no records at all.
    NoStateRecords {
        state: String,
    },
}

/// A deduction: the indicators checked, the points, the band reached and what is left.
#[derive(Debug, Clone)]
pub struct DeductionWorked {
    pub base: Decimal,
    pub checks: Vec<IndicatorCheck>,
    pub points: u32,
    /// The band reached: from how many points, and the share deducted.
    pub band: Option<(u32, Decimal)>,
    pub amount: Decimal,
}

/// One indicator of a deduction in the period: its value against its bounds, and the points
/// it added (0 when met).
#[derive(Debug, Clone)]
pub struct IndicatorCheck {
    pub metric: String,
    pub value: Decimal,
    pub at_least: Option<Decimal>,
    pub at_most: Option<Decimal>,
    pub points: u32,
}

/// A tiered rule: the best step the value reached, or none.
#[derive(Debug, Clone)]
pub enum StepWorked {
    Reached {
        metric: String,
        value: Decimal,
        step: Decimal,
        amount: Decimal,
        direction: Direction,
    },
    NoneReached {
        metric: String,
        value: Decimal,
        first: Option<Decimal>,
    },
}

/// A linear rule: the maximum times the achievement (clamped to 0..1), or 0 below its floor.
#[derive(Debug, Clone)]
pub struct LinearWorked {
    pub metric: String,
    pub max_amount: Decimal,
    pub achievement: Achievement,
    pub clamped: Decimal,
    pub amount: Decimal,
    /// The floor the clamped achievement fell below (the amount is then 0).
    pub below_floor: Option<Decimal>,
    /// An achievement above 100 % paid in proportion.
    pub uncapped: bool,
}

/// How a linear rule's achievement is formed from the value.
#[derive(Debug, Clone, Copy)]
pub enum Achievement {
    /// value / target (higher is better).
    Share { value: Decimal, target: Decimal },
    /// (baseline − value) / (baseline − target) (lower is better).
    Reduction {
        baseline: Decimal,
        value: Decimal,
        target: Decimal,
    },
}

/// A corridor: full at one level, nothing at another, linear or a table between.
#[derive(Debug, Clone)]
pub enum CorridorWorked {
    Full {
        metric: String,
        value: Decimal,
        full_at: Decimal,
        amount: Decimal,
    },
    NotBeyond {
        metric: String,
        value: Decimal,
        none_at: Decimal,
    },
    Share {
        metric: String,
        value: Decimal,
        none_at: Decimal,
        full_at: Decimal,
        max_amount: Decimal,
        share: Decimal,
        amount: Decimal,
    },
    TableStep {
        metric: String,
        value: Decimal,
        at: Decimal,
        amount: Decimal,
    },
    NoTableStep {
        metric: String,
        value: Decimal,
    },
}

/// A comparison rule: the effect against the comparison, then how it pays.
#[derive(Debug, Clone)]
pub struct ComparisonWorked {
    pub metric: String,
    pub kind: EffectKind,
    /// Blended estimates: each weight with its effect (none where it could not be formed).
    pub parts: Vec<(Decimal, Option<Decimal>)>,
    pub effect: Decimal,
    pub pay: EffectPay,
}

/// How an effect paid.
#[derive(Debug, Clone)]
pub enum EffectPay {
    ThresholdMet {
        at_least: Decimal,
        amount: Decimal,
    },
    ThresholdMissed {
        at_least: Decimal,
    },
    Step {
        at: Decimal,
        amount: Decimal,
    },
    NoStep,
    BelowGate {
        gate: Decimal,
    },
    PerParticipant {
        positive: Decimal,
        cohort: Decimal,
        price: Decimal,
        units: Decimal,
        amount: Decimal,
    },
    PerUnit {
        positive: Decimal,
        price: Decimal,
        amount: Decimal,
    },
}

/// A savings share: at the first share until the hurdle, at the second beyond it.
#[derive(Debug, Clone)]
pub enum SavingsWorked {
    FirstShare {
        metric: String,
        savings: Decimal,
        share: Decimal,
        amount: Decimal,
    },
    Switched {
        metric: String,
        remaining_before: Decimal,
        share_before: Decimal,
        hurdle: Hurdle,
        savings: Decimal,
        savings_used: Decimal,
        share_after: Decimal,
        amount: Decimal,
    },
}

/// Where a savings share switches to its second share.
#[derive(Debug, Clone, Copy)]
pub enum Hurdle {
    /// A fixed amount.
    Amount(Decimal),
    /// The principal with a simple annual return up to the tranche's payment date.
    Return {
        hurdle: Decimal,
        principal: Decimal,
        annual_return: Decimal,
        days: i64,
    },
    /// No hurdle stated.
    None,
}

/// A rate card: each priced outcome's count paid times its price.
#[derive(Debug, Clone)]
pub struct RateCardWorked {
    pub terms: Vec<PricedCount>,
    /// The counts times the prices, before the rule's own caps.
    pub gross: Decimal,
    /// After the rule's own caps.
    pub total: Decimal,
}

#[derive(Debug, Clone)]
pub struct PricedCount {
    pub outcome: String,
    pub count: u64,
    pub price: Decimal,
}

/// Something a reader of a line should know beside its formula.
#[derive(Debug, Clone)]
pub enum Note {
    /// The tranche's outcome window runs until `until`, and the data covers only until
    /// `data_until`: awaited, not failed.
    PeriodOpen {
        until: NaiveDate,
        data_until: NaiveDate,
    },
    NoResult {
        metric: String,
        tranche: String,
    },
    /// The tranche's cap follows the count `metric`, not verified for it yet: nothing is
    /// payable until it is.
    CountAwaited {
        metric: String,
        tranche: String,
    },
    MilestoneNotReported {
        id: String,
    },
    HurdleOverflows,
    NeedsTreatedAndComparison {
        metric: String,
    },
    NoEstimate {
        source: String,
        metric: String,
    },
    RelativeNeedsComparison {
        metric: String,
    },
    NeedsCohortSize {
        metric: String,
    },
    NegativeAchievement {
        ratio: Decimal,
    },
    AchievementAboveFull {
        ratio: Decimal,
    },
    DuplicateRecords {
        count: u64,
    },
    BeyondMaxPeriods {
        count: u64,
    },
    RepeatOutcomes {
        outcome: String,
        count: u64,
        limit: u32,
    },
    TooSoon {
        outcome: String,
        count: u64,
        days: u32,
    },
    InWaitingPeriod {
        outcome: String,
        count: u64,
        days: u32,
    },
    /// A final payment less what earlier components already paid (minor units).
    NetOf {
        amount: i64,
        earlier: i64,
        components: Vec<String>,
        net: i64,
    },
    /// Room under a maximum kept for the fees not contingent on outcomes (minor units).
    KeptForFees {
        amount: i64,
    },
    /// A payer's top-up on a shared payment (minor units), and what its caps left of it.
    TopUp {
        payer: String,
        base: i64,
        rate: Decimal,
        before: i64,
        extra: i64,
    },
}

/// The cap that reduced an amount.
#[derive(Debug, Clone)]
pub enum CapName {
    Outcome(String),
    PerParticipant,
    PerParticipantPerYear,
    Component(String),
    Metric(String),
    Tranche(String),
    /// The tranche's cap per one counted: `per` times the verified `count` of `metric`.
    PerCount {
        tranche: String,
        metric: String,
        per: Decimal,
        count: Decimal,
    },
    ContractMaximum,
    /// The most the outcome-contingent components may pay together.
    ContingentMaximum,
    Payer(String),
}

/// A cap that bound: its limit and how much it took off.
#[derive(Debug, Clone)]
pub struct CapCut {
    pub name: CapName,
    pub limit: Decimal,
    pub reduced_by: Decimal,
}
