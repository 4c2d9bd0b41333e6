//! The payout statement: every amount with its derivation, per payer, metric and tranche, and the
//! investor distribution. Serialised deterministically (fixed field order, ordered maps).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use seika_core::{Currency, Rounding};

pub const STATEMENT_SCHEMA: &str = "seika.statement.v1";

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Statement {
    pub schema: &'static str,
    pub engine_version: &'static str,
    pub contract: String,
    /// SHA-256 of the contract terms as the engine read them (canonical JSON).
    pub contract_sha256: String,
    /// SHA-256 of the outcome data as the engine read it (canonical JSON).
    pub outcomes_sha256: String,
    pub currency: Currency,
    pub total: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_payment: Option<String>,
    /// The most the outcome-contingent components may pay together, where the contract says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_contingent_payment: Option<String>,
    pub rounding: Rounding,
    pub tranches: Vec<TrancheTotal>,
    pub payers: Vec<PayerTotal>,
    pub metrics: Vec<MetricTotal>,
    pub lines: Vec<Line>,
    /// Of the total, what does not depend on outcomes (fees, guaranteed parts); present only
    /// when the contract has such components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_contingent_total: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct TrancheTotal {
    pub tranche: String,
    pub due_on: chrono::NaiveDate,
    pub total: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PayerTotal {
    pub payer: String,
    pub total: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_payment: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MetricTotal {
    pub metric: String,
    pub total: String,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Earned in full as the rule computed it: a computed amount, not a payment (payments are
    /// claims paid, recorded separately).
    Earned,
    /// Earned, but less than the rule computed because a cap bound.
    Capped,
    /// The rule or a condition gave nothing.
    NotMet,
    /// Data the rule needs has not been verified yet.
    AwaitingData,
}

/// One payment component's result.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Line {
    pub component: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<seika_core::contract::Name>,
    pub tranche: String,
    pub rule: &'static str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    pub status: LineStatus,
    pub amount: String,
    /// The terms version that priced the line (the one in force on its tranche's due date), when
    /// computed for a project with versioned terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_version: Option<i32>,
    pub payers: Vec<PayerAmount>,
    /// False for a component that does not depend on outcomes (shown only then; absent means
    /// true).
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub outcome_contingent: bool,
    pub explanation: Explanation,
    /// The explanation as people read it, in Japanese and English (beside the statement, never
    /// in it: stored statements stay byte-identical).
    #[serde(skip)]
    #[schemars(skip)]
    pub words: crate::words::LineWords,
}

fn is_true(value: &bool) -> bool {
    *value
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PayerAmount {
    pub payer: String,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Explanation {
    pub inputs: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<ConditionCheck>,
    pub formula: String,
    /// The rule's result before rounding, in major units.
    pub raw_amount: String,
    pub rounding: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caps: Vec<CapApplied>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ConditionCheck {
    pub metric: String,
    pub required: String,
    pub actual: Option<String>,
    pub met: bool,
}

/// A cap that bound, its limit and how much it took off.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CapApplied {
    pub cap: String,
    pub limit: String,
    pub reduced_by: String,
    /// The cap's name as people read it (beside the statement, never in it).
    #[serde(skip)]
    #[schemars(skip)]
    pub words: crate::words::Words,
}

impl CapApplied {
    pub fn new(
        cap: impl Into<String>,
        words: crate::words::Words,
        limit: Decimal,
        reduced_by: Decimal,
    ) -> Self {
        CapApplied {
            cap: cap.into(),
            words,
            limit: limit.normalize().to_string(),
            reduced_by: reduced_by.normalize().to_string(),
        }
    }
}

/// How the outcome payments reach investors.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Distribution {
    pub tranches: Vec<TrancheDistribution>,
    pub investors: Vec<InvestorSummary>,
    pub reconciliation: Reconciliation,
    /// Investments held in units (retail): what one unit was paid, and the 端数.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_holdings: Vec<UnitHolding>,
}

/// One tranche's distribution to an investment held in units, per unit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct UnitDistribution {
    pub investment: String,
    pub units: u64,
    /// Paid to the investment by the waterfall in this tranche.
    pub amount: String,
    /// Remainder carried from the previous distribution (policy `carried_forward`).
    pub carried_in: String,
    /// (amount + carried_in) ÷ units, rounded down to the minor unit.
    pub per_unit: String,
    /// per_unit × units: what the holders receive.
    pub to_holders: String,
    /// amount + carried_in − to_holders: retained or carried forward, as the policy says.
    pub remainder: String,
    pub remainder_policy: seika_core::contract::RemainderPolicy,
}

/// An investment held in units over the whole statement.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct UnitHolding {
    pub investment: String,
    pub investor: String,
    pub units: u64,
    pub unit_price: String,
    /// Distributed to one unit by this statement (principal, interest and returns): computed,
    /// not a record of payment.
    pub distributed_per_unit: String,
    /// distributed_per_unit ÷ unit_price, to 4 decimals.
    pub multiple_per_unit: String,
    /// Due to all holders: distributed_per_unit × units.
    pub to_holders: String,
    /// Remainders kept by the vehicle (policy `retained`).
    pub remainder_retained: String,
    /// Remainder waiting for the next distribution (policy `carried_forward`).
    pub remainder_carried: String,
    /// The most one unit may receive in all (unit_price × max_redemption_rate, rounded down).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_unit: Option<String>,
    /// True when the maximum held back money the waterfall would otherwise have paid.
    #[serde(default)]
    pub max_reached: bool,
    /// Where the contract sends money above the maximum, when it retains it (`retained`); absent
    /// for the default, on to the waterfall's next steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above_maximum: Option<seika_core::contract::AboveMaximum>,
    /// With `above_maximum`: what the maximum held back, retained by the vehicle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_back: Option<String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct TrancheDistribution {
    pub tranche: String,
    pub date: chrono::NaiveDate,
    pub received: String,
    pub payments: Vec<WaterfallPayment>,
    /// Left after every step: retained by the provider or intermediary.
    pub retained: String,
    /// Investments held in units: this tranche's distribution per unit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_unit: Vec<UnitDistribution>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct WaterfallPayment {
    /// Position of the step in the contract's waterfall (0-based).
    pub step: usize,
    pub kind: DistributionKind,
    /// The investment (or, for a fee, the recipient) paid.
    pub to: String,
    pub amount: String,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DistributionKind {
    Fee,
    Principal,
    Interest,
    SuccessFee,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct InvestorSummary {
    pub investor: String,
    pub committed: String,
    pub drawn: String,
    pub principal: String,
    pub interest: String,
    pub success_fee: String,
    pub fees: String,
    pub outstanding_principal: String,
    pub loss: String,
    /// What this investor committed as guarantor (the most its guarantees can ever pay).
    pub guarantee_committed: String,
    pub guarantee_cover: String,
    /// Paid out by this investor as guarantor.
    pub guarantee_paid: String,
    /// (distributions + guarantee cover) / drawn, to 4 decimals.
    pub money_multiple: Option<String>,
    /// XIRR on dated cash flows, to 6 decimals (0.012345 = 1.2345 % a year); only once every
    /// tranche is final.
    pub irr: Option<String>,
    /// While a tranche still awaits verified data: the guarantee cover, loss and return the
    /// position would have if the statement were final. Projected, not realised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projected: Option<Projection>,
}

/// An investor's position as it would be if the statement were final.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Projection {
    pub guarantee_cover: String,
    pub guarantee_paid: String,
    pub loss: String,
    pub irr: Option<String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Reconciliation {
    pub received: String,
    pub distributed: String,
    pub retained: String,
    /// received − distributed − retained; always "0".
    pub difference: String,
}
