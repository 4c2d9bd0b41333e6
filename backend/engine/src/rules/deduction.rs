//! A deduction from a base fee (指標連動方式): each indicator not met in the period adds its
//! points; the highest band the points reach deducts its share of the base.

use rust_decimal::Decimal;

use super::{Evaluation, metric_value};
use crate::explain::{DeductionWorked, IndicatorCheck, Worked};
use crate::render::fmt;
use seika_core::contract::{DeductionBand, PointIndicator};
use seika_core::outcomes::Outcomes;

pub(super) fn evaluate(
    outcomes: &Outcomes,
    tranche: &str,
    base: Decimal,
    indicators: &[PointIndicator],
    bands: &[DeductionBand],
) -> Evaluation {
    let mut checks = Vec::with_capacity(indicators.len());
    for indicator in indicators {
        let Some(value) = metric_value(outcomes, &indicator.metric, tranche) else {
            return Evaluation::no_result(&indicator.metric, tranche);
        };
        let met = indicator.at_least.is_none_or(|min| value >= min)
            && indicator.at_most.is_none_or(|max| value <= max);
        checks.push(IndicatorCheck {
            metric: indicator.metric.clone(),
            value,
            at_least: indicator.at_least,
            at_most: indicator.at_most,
            points: if met { 0 } else { indicator.points },
        });
    }
    let points: u32 = checks.iter().map(|c| c.points).fold(0, u32::saturating_add);
    let band = bands.iter().rev().find(|b| points >= b.points);
    let deduct = band.map_or(Decimal::ZERO, |b| b.deduct);
    // The deduction is a share of the base: base − base × share, exact in decimals (the
    // contract's rounding applies to the line afterwards).
    let amount = base - base * deduct;
    let inputs: Vec<(String, String)> = checks
        .iter()
        .map(|c| (c.metric.clone(), fmt(c.value)))
        .collect();
    let worked = DeductionWorked {
        base,
        checks,
        points,
        band: band.map(|b| (b.points, b.deduct)),
        amount,
    };
    let mut evaluation = Evaluation::new(amount, Worked::Deduction(worked));
    for (metric, value) in inputs {
        evaluation = evaluation.input(&metric, value);
    }
    evaluation.input("base", fmt(base))
}
