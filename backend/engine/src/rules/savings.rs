//! A savings share: a share of the savings until a hurdle (a fixed amount, or the principal
//! with its return up to the payment date) is paid, a second share beyond it.

use rust_decimal::Decimal;

use super::{Evaluation, RuleState, metric_value};
use crate::explain::{Hurdle, Note, SavingsWorked, Worked};
use crate::render::fmt;
use seika_core::contract::{Component, Contract, Rule};
use seika_core::outcomes::Outcomes;

pub(super) fn evaluate(
    contract: &Contract,
    component: &Component,
    outcomes: &Outcomes,
    state: &RuleState,
) -> Evaluation {
    let Rule::SavingsShare {
        metric,
        share_before,
        share_after,
        ..
    } = &component.rule
    else {
        return Evaluation::new(Decimal::ZERO, Worked::AwaitingData);
    };
    let tranche = component.tranche.as_str();
    let Some(hurdle) = hurdle(contract, component) else {
        return Evaluation::awaiting(Note::HurdleOverflows);
    };
    let Some(savings) = metric_value(outcomes, metric, tranche) else {
        return Evaluation::no_result(metric, tranche);
    };
    let savings = savings.max(Decimal::ZERO);
    let paid = state
        .savings_paid
        .get(metric.as_str())
        .copied()
        .unwrap_or_default();
    let switch_after = match hurdle {
        Hurdle::Amount(h) | Hurdle::Return { hurdle: h, .. } => h,
        Hurdle::None => Decimal::ZERO,
    };
    let remaining_before = (switch_after - paid).max(Decimal::ZERO);
    let at_first_share = savings * *share_before;
    let metric_id = metric.clone();
    let (amount, worked) = if at_first_share <= remaining_before || share_before.is_zero() {
        let worked = SavingsWorked::FirstShare {
            metric: metric_id,
            savings,
            share: *share_before,
            amount: at_first_share,
        };
        (at_first_share, worked)
    } else {
        let savings_used = remaining_before / *share_before;
        let amount = remaining_before + (savings - savings_used) * *share_after;
        let worked = SavingsWorked::Switched {
            metric: metric_id,
            remaining_before,
            share_before: *share_before,
            hurdle,
            savings,
            savings_used,
            share_after: *share_after,
            amount,
        };
        (amount, worked)
    };
    Evaluation::new(amount, Worked::Savings(worked))
        .input(metric, fmt(savings))
        .input("paid_before_this_tranche", fmt(paid))
}

/// The hurdle on this tranche's payment date; none where the return overflows.
fn hurdle(contract: &Contract, component: &Component) -> Option<Hurdle> {
    let Rule::SavingsShare {
        switch_after,
        switch_after_return,
        ..
    } = &component.rule
    else {
        return Some(Hurdle::None);
    };
    let due_on = contract
        .tranches
        .iter()
        .find(|t| t.id == component.tranche)
        .map(|t| t.due_on);
    match (switch_after, switch_after_return, due_on) {
        (Some(amount), _, _) => Some(Hurdle::Amount(*amount)),
        (None, Some(r), Some(day)) => r.on(day, contract.currency).map(|h| Hurdle::Return {
            hurdle: h,
            principal: r.principal,
            annual_return: r.annual_return,
            days: (day - r.from).num_days().max(0),
        }),
        _ => Some(Hurdle::None),
    }
}
