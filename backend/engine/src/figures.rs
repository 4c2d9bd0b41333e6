//! Figures people decide with, computed here once so no client computes them: progress of each
//! metric toward its target, and what a statement makes due per tranche and per fiscal year,
//! cumulatively, against the contract's caps and budget. Pure: contract, outcomes, statement in.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::statement::{Distribution, PayerTotal, TrancheTotal};
use seika_core::contract::{Contract, Direction, Metric, Rule};
use seika_core::outcomes::Outcomes;
use seika_core::{Money, MoneyError};

/// An investor's return if every tranche still awaiting verified data paid nothing (`low`) or
/// the most it can (`high`: its maximum, within what the contract's maximum leaves), with
/// guarantees called as at the end: the range around the statement's projected return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct IrrRange {
    pub investor: String,
    pub low: Option<String>,
    /// None when a tranche awaiting data has no ceiling.
    pub high: Option<String>,
}

/// The IRR range of each investor (empty without investments or without a tranche awaiting
/// data); the waterfall is the engine's own, run on the hypothetical receipts.
pub fn irr_range(
    contract: &Contract,
    tranches: &[TrancheTotal],
    awaiting: &std::collections::BTreeSet<String>,
) -> Result<Vec<IrrRange>, MoneyError> {
    if contract.investments.is_empty() || !tranches.iter().any(|t| awaiting.contains(&t.tranche)) {
        return Ok(Vec::new());
    }
    let currency = contract.currency;
    let mut low = Vec::new();
    let mut high = Vec::new();
    let mut high_known = true;
    let mut cumulative = Money::zero(currency);
    for t in tranches {
        let computed = Money::parse(&t.total, currency)?;
        let (low_amount, high_amount) = if awaiting.contains(&t.tranche) {
            let most = match contract.tranche_maximum(&t.tranche) {
                Some(m) => Money::from_decimal(m, currency)?,
                None => {
                    high_known = false;
                    Money::zero(currency)
                }
            };
            let room = match contract.max_total_payment {
                Some(max) => Money::from_decimal(max, currency)?
                    .checked_sub(cumulative)?
                    .max(Money::zero(currency))?,
                None => most,
            };
            (Money::zero(currency), most.min(room)?)
        } else {
            (computed, computed)
        };
        cumulative = cumulative.checked_add(high_amount)?;
        low.push((t, low_amount));
        high.push((t, high_amount));
    }
    let run = |receipts: &[(&TrancheTotal, Money)]| {
        let receipts: Vec<crate::waterfall::Receipt<'_>> = receipts
            .iter()
            .map(|(t, amount)| crate::waterfall::Receipt {
                tranche: &t.tranche,
                date: t.due_on,
                amount: amount.minor(),
            })
            .collect();
        crate::waterfall::distribute(contract, &receipts, true)
    };
    let (low, high) = (run(&low), run(&high));
    Ok(low
        .investors
        .into_iter()
        .map(|i| IrrRange {
            high: high
                .investors
                .iter()
                .find(|h| h.investor == i.investor)
                .and_then(|h| h.irr.clone())
                .filter(|_| high_known),
            low: i.irr,
            investor: i.investor,
        })
        .collect())
}

/// The Japanese fiscal year (April to March) a day falls in: 2024-04-01 to 2025-03-31 is 2024.
pub fn fiscal_year(day: NaiveDate) -> i32 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// How far a metric's latest verified value has come toward its target.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MetricProgress {
    pub metric: String,
    /// The tranche of the value shown (the latest tranche with a verified value).
    pub tranche: Option<String>,
    /// The verified value (numerator ÷ denominator for rates entered that way), exact.
    pub value: Option<String>,
    /// Share of the way from the baseline (or zero) to the target, in the metric's direction:
    /// 1 is the target reached; may exceed 1 or be negative. Four decimals, half to even.
    pub achievement: Option<String>,
    /// The smallest achievement a linear payment on this metric pays for, if it has one.
    pub floor_ratio: Option<String>,
    /// True when a floor exists and the achievement is below it: that payment pays nothing.
    pub below_floor: bool,
    /// Every tranche with a verified value, in due-date order: the metric over time.
    pub history: Vec<MetricPoint>,
}

/// A metric's verified value for one tranche and how far it came toward the target.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MetricPoint {
    pub tranche: String,
    pub due_on: NaiveDate,
    pub value: String,
    pub achievement: Option<String>,
}

/// Progress toward the target: higher is better, (value − baseline) ÷ (target − baseline), or
/// value ÷ target without a baseline; lower is better, (baseline − value) ÷ (baseline − target),
/// unknown without a baseline. `None` where the division is undefined.
pub fn achievement(metric: &Metric, value: Decimal) -> Option<Decimal> {
    let target = metric.target?;
    let (gained, needed) = match (metric.direction, metric.baseline) {
        (Direction::HigherIsBetter, Some(b)) => (value.checked_sub(b)?, target.checked_sub(b)?),
        (Direction::HigherIsBetter, None) => (value, target),
        (Direction::LowerIsBetter, Some(b)) => (b.checked_sub(value)?, b.checked_sub(target)?),
        (Direction::LowerIsBetter, None) => return None,
    };
    if needed.is_zero() {
        return None;
    }
    gained
        .checked_div(needed)
        .map(|r| r.round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven))
}

/// The floor of the linear payment on `metric`, if one pays for it.
fn floor_of(contract: &Contract, metric: &str) -> Option<Decimal> {
    contract.components.iter().find_map(|c| match &c.rule {
        Rule::Linear {
            metric: m,
            floor_ratio,
            ..
        } if m == metric => *floor_ratio,
        _ => None,
    })
}

/// Each metric's progress from verified outcome data (its latest tranche with a value).
pub fn metric_progress(contract: &Contract, outcomes: &Outcomes) -> Vec<MetricProgress> {
    contract
        .metrics
        .iter()
        .map(|metric| {
            let latest = contract
                .tranches
                .iter()
                .rev()
                .find_map(|t| {
                    outcomes
                        .result(&metric.id, &t.id)
                        .and_then(|r| r.effective_value().map(|v| (Some(t.id.clone()), v)))
                })
                .or_else(|| {
                    outcomes
                        .results
                        .iter()
                        .rev()
                        .filter(|r| r.metric == metric.id)
                        .find_map(|r| r.effective_value().map(|v| (r.tranche.clone(), v)))
                });
            let floor = floor_of(contract, &metric.id);
            let (tranche, value) = match latest {
                Some((tranche, value)) => (tranche, Some(value)),
                None => (None, None),
            };
            let progress = value.and_then(|v| achievement(metric, v));
            let mut in_order: Vec<&seika_core::contract::Tranche> =
                contract.tranches.iter().collect();
            in_order.sort_by_key(|t| t.due_on);
            let history = in_order
                .into_iter()
                .filter_map(|t| {
                    let v = outcomes.result(&metric.id, &t.id)?.effective_value()?;
                    Some(MetricPoint {
                        tranche: t.id.clone(),
                        due_on: t.due_on,
                        value: v.normalize().to_string(),
                        achievement: achievement(metric, v).map(|a| a.normalize().to_string()),
                    })
                })
                .collect();
            MetricProgress {
                history,
                metric: metric.id.clone(),
                tranche,
                value: value.map(|v| v.normalize().to_string()),
                achievement: progress.map(|a| a.normalize().to_string()),
                floor_ratio: floor.map(|f| f.normalize().to_string()),
                below_floor: matches!((progress, floor), (Some(a), Some(f)) if a < f),
            }
        })
        .collect()
}

/// One tranche of a statement: what it makes due, the running total and the room left under the
/// contract's cap. Computed amounts, not payments made.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TrancheDue {
    pub tranche: String,
    pub due_on: NaiveDate,
    pub fiscal_year: i32,
    pub computed: String,
    pub cumulative: String,
    /// The contract's maximum less the cumulative amount; absent without a maximum.
    pub room_under_cap: Option<String>,
}

/// One fiscal year: the budget appropriated for it and what the statement makes due in it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FiscalYearDue {
    pub fiscal_year: i32,
    pub appropriated: Option<String>,
    pub computed: String,
    /// The most the contract can make due in this year: the maxima of its tranches due in it
    /// (each tranche's cap, or its components' caps and rules' maxima), never above the
    /// contract's maximum; absent when a tranche has no ceiling and the contract states none.
    pub maximum: Option<String>,
    /// Appropriated less computed; absent without an appropriation.
    pub remaining: Option<String>,
}

/// One payer: what the statement makes it owe, against its own maximum.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PayerDue {
    pub payer: String,
    pub computed: String,
    pub max_payment: Option<String>,
    pub room_under_cap: Option<String>,
}

/// What a statement makes due, laid out by tranche, fiscal year and payer.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DueSchedule {
    pub computed_total: String,
    pub max_total_payment: Option<String>,
    pub room_under_cap: Option<String>,
    pub tranches: Vec<TrancheDue>,
    pub fiscal_years: Vec<FiscalYearDue>,
    pub payers: Vec<PayerDue>,
    /// Of the computed total, what does not depend on outcomes (fees, guaranteed parts); absent
    /// when the contract has none.
    pub non_contingent_total: Option<String>,
}

/// The totals of a statement, as read back from a stored one (the rest of it is not needed).
#[derive(Debug, Clone, Deserialize)]
pub struct StatementTotals {
    pub total: String,
    #[serde(default)]
    pub non_contingent_total: Option<String>,
    pub tranches: Vec<TrancheTotal>,
    pub payers: Vec<PayerTotal>,
    #[serde(default)]
    pub distribution: Option<Distribution>,
}

/// What a cash flow of an investor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CashFlowKind {
    /// Money the investor put in (negative).
    Drawdown,
    /// What the waterfall distributes to the investor from a tranche's computed outcome payment:
    /// computed, not yet paid.
    ComputedDistribution,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CashFlow {
    pub date: NaiveDate,
    pub kind: CashFlowKind,
    /// Signed, exact to the currency's minor unit: drawdowns negative.
    pub amount: String,
    /// The net position after this flow: the sum of every flow up to and including it.
    pub cumulative: String,
}

/// One investor organization's cash flows in date order: each drawdown of its investments, and per
/// tranche the sum the statement's waterfall distributes to them (tranches giving it nothing are
/// left out).
pub fn investor_cash_flows(
    contract: &Contract,
    distribution: Option<&Distribution>,
    investor: &str,
) -> Result<Vec<CashFlow>, MoneyError> {
    let currency = contract.currency;
    let mine: Vec<_> = contract
        .investments
        .iter()
        .filter(|i| i.investor == investor)
        .collect();
    let mut flows = Vec::new();
    for investment in &mine {
        for drawdown in &investment.drawdowns {
            let amount = Money::from_decimal(drawdown.amount, currency)?;
            flows.push((
                drawdown.on,
                CashFlowKind::Drawdown,
                Money::zero(currency).checked_sub(amount)?,
            ));
        }
    }
    for tranche in distribution.map_or(&[][..], |d| &d.tranches) {
        let mut sum = Money::zero(currency);
        for payment in &tranche.payments {
            if mine.iter().any(|i| i.id == payment.to) {
                sum = sum.checked_add(Money::parse(&payment.amount, currency)?)?;
            }
        }
        if !sum.is_zero() {
            flows.push((tranche.date, CashFlowKind::ComputedDistribution, sum));
        }
    }
    flows.sort_by_key(|(date, _, _)| *date);
    let mut cumulative = Money::zero(currency);
    flows
        .into_iter()
        .map(|(date, kind, amount)| {
            cumulative = cumulative.checked_add(amount)?;
            Ok(CashFlow {
                date,
                kind,
                amount: amount.amount_string(),
                cumulative: cumulative.amount_string(),
            })
        })
        .collect()
}

/// Lays out a statement's amounts; every sum and difference in exact minor units.
/// The most the contract can make due in each fiscal year (April–March of its tranches' due
/// dates): the sum of the year's tranche maxima, at most the contract's maximum; `None` for a
/// year with a tranche that has no ceiling under a contract that states no maximum.
pub fn fiscal_year_maxima(contract: &Contract) -> BTreeMap<i32, Option<Decimal>> {
    let mut maximum: BTreeMap<i32, Option<Decimal>> = BTreeMap::new();
    for t in &contract.tranches {
        let entry = maximum
            .entry(fiscal_year(t.due_on))
            .or_insert(Some(Decimal::ZERO));
        *entry = match (*entry, contract.tranche_maximum(&t.id)) {
            (Some(sum), Some(m)) => sum.checked_add(m),
            _ => None,
        };
    }
    for m in maximum.values_mut() {
        if let (Some(v), Some(total)) = (*m, contract.max_total_payment) {
            *m = Some(v.min(total));
        }
    }
    maximum
}

pub fn due_schedule(
    contract: &Contract,
    statement: &StatementTotals,
) -> Result<DueSchedule, MoneyError> {
    let currency = contract.currency;
    let money = |d: Decimal| Money::from_decimal(d, currency);
    let parse = |s: &str| Money::parse(s, currency);
    let cap = contract.max_total_payment.map(money).transpose()?;
    let room = |amount: Money, cap: Option<Money>| -> Result<Option<String>, MoneyError> {
        cap.map(|c| c.checked_sub(amount).map(Money::amount_string))
            .transpose()
    };

    let mut cumulative = Money::zero(currency);
    let mut by_year: BTreeMap<i32, Money> = BTreeMap::new();
    let mut tranches = Vec::new();
    for t in &statement.tranches {
        let computed = parse(&t.total)?;
        cumulative = cumulative.checked_add(computed)?;
        let year = fiscal_year(t.due_on);
        let entry = by_year.entry(year).or_insert(Money::zero(currency));
        *entry = entry.checked_add(computed)?;
        tranches.push(TrancheDue {
            tranche: t.tranche.clone(),
            due_on: t.due_on,
            fiscal_year: year,
            computed: computed.amount_string(),
            cumulative: cumulative.amount_string(),
            room_under_cap: room(cumulative, cap)?,
        });
    }
    let mut appropriated: BTreeMap<i32, Money> = BTreeMap::new();
    for line in &contract.budget {
        appropriated.insert(line.fiscal_year, money(line.amount)?);
    }
    let maximum = fiscal_year_maxima(contract);
    let years: std::collections::BTreeSet<i32> =
        by_year.keys().chain(appropriated.keys()).copied().collect();
    let fiscal_years = years
        .into_iter()
        .map(|year| {
            let computed = by_year.get(&year).copied().unwrap_or(Money::zero(currency));
            let budget = appropriated.get(&year).copied();
            let most = maximum
                .get(&year)
                .copied()
                .flatten()
                .map(money)
                .transpose()?;
            Ok(FiscalYearDue {
                fiscal_year: year,
                appropriated: budget.map(Money::amount_string),
                computed: computed.amount_string(),
                maximum: most.map(Money::amount_string),
                remaining: room(computed, budget)?,
            })
        })
        .collect::<Result<_, MoneyError>>()?;
    let payers = contract
        .payers
        .iter()
        .map(|p| {
            let computed = statement
                .payers
                .iter()
                .find(|t| t.payer == p.id)
                .map_or(Ok(Money::zero(currency)), |t| parse(&t.total))?;
            let max = p.max_payment.map(money).transpose()?;
            Ok(PayerDue {
                payer: p.id.clone(),
                computed: computed.amount_string(),
                max_payment: max.map(Money::amount_string),
                room_under_cap: room(computed, max)?,
            })
        })
        .collect::<Result<_, MoneyError>>()?;
    let total = parse(&statement.total)?;
    Ok(DueSchedule {
        computed_total: total.amount_string(),
        max_total_payment: cap.map(Money::amount_string),
        room_under_cap: room(total, cap)?,
        tranches,
        fiscal_years,
        payers,
        non_contingent_total: statement.non_contingent_total.clone(),
    })
}

/// An investor's holdings in units before any payout run: the units and their price, nothing
/// distributed yet.
pub fn unit_holdings_before_any_run(
    contract: &Contract,
    investor: &str,
) -> Vec<crate::statement::UnitHolding> {
    let currency = contract.currency;
    let zero = Money::zero(currency).amount_string();
    contract
        .investments
        .iter()
        .filter(|i| i.investor == investor)
        .filter_map(|inv| {
            let units = inv.units.as_ref()?;
            let price = Money::from_decimal(units.unit_price, currency).ok()?;
            Some(crate::statement::UnitHolding {
                investment: inv.id.clone(),
                investor: inv.investor.clone(),
                units: units.count,
                unit_price: price.amount_string(),
                distributed_per_unit: zero.clone(),
                multiple_per_unit: "0".to_owned(),
                to_holders: zero.clone(),
                remainder_retained: zero.clone(),
                remainder_carried: zero.clone(),
                max_per_unit: crate::waterfall::redemption_rate(
                    units,
                    0,
                    contract
                        .max_total_payment
                        .and_then(|m| Money::from_decimal(m, currency).ok())
                        .map(Money::minor),
                )
                .map(|rate| {
                    Money::from_minor(
                        crate::waterfall::max_per_unit(units, rate, currency),
                        currency,
                    )
                    .amount_string()
                }),
                max_reached: false,
                above_maximum: None,
                held_back: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use seika_core::contract::{Localized, MetricUnit};

    fn metric(direction: Direction, baseline: Option<&str>, target: &str) -> Metric {
        Metric {
            id: "m".into(),
            name: Localized {
                ja: "指標".into(),
                en: "Metric".into(),
            },
            unit: MetricUnit::Rate,
            direction,
            definition: None,
            data_source: None,
            measurement_method: None,
            baseline: baseline.map(|b| b.parse().unwrap()),
            target: Some(target.parse().unwrap()),
            cap: None,
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn achievement_follows_direction_and_baseline() {
        let higher = metric(Direction::HigherIsBetter, None, "0.80");
        // 0.329 ÷ 0.80 = 0.41125: half to even at four decimals.
        assert_eq!(achievement(&higher, d("0.329")), Some(d("0.4112")));
        let from_baseline = metric(Direction::HigherIsBetter, Some("0.20"), "0.60");
        assert_eq!(achievement(&from_baseline, d("0.40")), Some(d("0.5")));
        let lower = metric(Direction::LowerIsBetter, Some("0.50"), "0.30");
        assert_eq!(achievement(&lower, d("0.35")), Some(d("0.75")));
        assert_eq!(
            achievement(&lower, d("0.60")),
            Some(d("-0.5")),
            "worse than baseline"
        );
        let lower_without_baseline = metric(Direction::LowerIsBetter, None, "0.30");
        assert_eq!(achievement(&lower_without_baseline, d("0.35")), None);
        let flat = metric(Direction::HigherIsBetter, Some("0.5"), "0.5");
        assert_eq!(achievement(&flat, d("0.7")), None);
    }

    #[test]
    fn an_investors_cash_flows_reconcile_with_its_statement_summary() {
        let contract: Contract = serde_json::from_str(include_str!(
            "../../../docs/examples/kobe-dialysis.contract.json"
        ))
        .unwrap();
        let outcomes: Outcomes = serde_json::from_str(include_str!(
            "../../../docs/examples/kobe-dialysis.outcomes.json"
        ))
        .unwrap();
        let statement = crate::compute(&contract, &outcomes).unwrap();
        let distribution = statement.distribution.as_ref().unwrap();
        let flows = investor_cash_flows(&contract, Some(distribution), "smbc").unwrap();
        let mine: Vec<_> = contract
            .investments
            .iter()
            .filter(|i| i.investor == "smbc")
            .collect();
        assert!(!mine.is_empty());
        let sum = |kind: CashFlowKind| -> Decimal {
            flows
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| d(&f.amount))
                .sum()
        };
        let drawn: Decimal = mine
            .iter()
            .flat_map(|i| &i.drawdowns)
            .map(|dd| dd.amount)
            .sum();
        assert_eq!(sum(CashFlowKind::Drawdown), -drawn);
        let received: Decimal = distribution
            .investors
            .iter()
            .filter(|s| s.investor == "smbc")
            .map(|s| d(&s.principal) + d(&s.interest) + d(&s.success_fee) + d(&s.fees))
            .sum();
        assert!(received > Decimal::ZERO);
        assert_eq!(sum(CashFlowKind::ComputedDistribution), received);
        assert!(flows.windows(2).all(|w| w[0].date <= w[1].date));
        let last = flows.last().unwrap();
        assert_eq!(d(&last.cumulative), received - drawn);
        // Another organization's flows are not among them.
        assert!(
            investor_cash_flows(&contract, Some(distribution), "nobody")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn fiscal_years_run_april_to_march() {
        let day = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(fiscal_year(day(2024, 4, 1)), 2024);
        assert_eq!(fiscal_year(day(2025, 3, 31)), 2024);
        assert_eq!(fiscal_year(day(2025, 1, 15)), 2024);
    }
}
