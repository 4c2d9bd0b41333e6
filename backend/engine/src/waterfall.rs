//! Investor distribution: each tranche's outcome payments flow through the waterfall's ordered
//! steps, pro rata within a step; interest accrues simply (actual/365) on outstanding principal; a
//! guarantee covers its share of principal still lost after the last tranche, never more than
//! its guarantor committed, and only once every tranche is final (before that, the statement
//! shows the cover, the loss and the return only as projected).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::allocate;
use crate::statement::{
    Distribution, DistributionKind, InvestorSummary, Projection, Reconciliation,
    TrancheDistribution, UnitDistribution, UnitHolding, WaterfallPayment,
};
use crate::xirr;
use seika_core::contract::{
    Contract, Instrument, InvestorClass, RemainderPolicy, UnitTerms, WaterfallStep,
};
use seika_core::{Currency, Money};

/// One tranche's receipt: what the payers pay on the due date.
pub struct Receipt<'a> {
    pub tranche: &'a str,
    pub date: NaiveDate,
    pub amount: i64,
}

struct Position {
    class: Option<InvestorClass>,
    rate: Decimal,
    drawdowns: Vec<(NaiveDate, i64)>,
    next_drawdown: usize,
    outstanding: i64,
    /// Accrued unpaid interest in minor units (fractional until paid).
    accrued: Decimal,
    last_accrual: Option<NaiveDate>,
    drawn: i64,
    principal: i64,
    interest: i64,
    success_fee: i64,
    guarantee_cover: i64,
    guarantee_paid: i64,
    /// What this position committed, as a guarantor (0 for other instruments).
    guarantee_committed: i64,
    flows: Vec<(NaiveDate, i64)>,
    /// The most this position may be paid in all (units with a maximum redemption rate).
    max_paid: Option<i64>,
    /// Held back by that maximum.
    held_back: i64,
}

impl Position {
    fn snapshot(&self) -> Position {
        Position {
            class: self.class,
            rate: self.rate,
            drawdowns: self.drawdowns.clone(),
            next_drawdown: self.next_drawdown,
            outstanding: self.outstanding,
            accrued: self.accrued,
            last_accrual: self.last_accrual,
            drawn: self.drawn,
            principal: self.principal,
            interest: self.interest,
            success_fee: self.success_fee,
            guarantee_cover: self.guarantee_cover,
            guarantee_paid: self.guarantee_paid,
            guarantee_committed: self.guarantee_committed,
            flows: self.flows.clone(),
            max_paid: self.max_paid,
            held_back: self.held_back,
        }
    }

    fn accrue(&mut self, to: NaiveDate) {
        if let Some(last) = self.last_accrual
            && to > last
            && self.outstanding > 0
        {
            let days = Decimal::from((to - last).num_days());
            self.accrued += Decimal::from(self.outstanding) * self.rate * days / Decimal::from(365);
        }
        if self.last_accrual.is_none_or(|last| to > last) {
            self.last_accrual = Some(to);
        }
    }

    /// Applies drawdowns up to `date` (accruing between them), then accrues to `date`.
    fn advance_to(&mut self, date: NaiveDate) {
        while let Some(&(on, amount)) = self.drawdowns.get(self.next_drawdown) {
            if on > date {
                break;
            }
            self.accrue(on);
            self.outstanding += amount;
            self.drawn += amount;
            self.flows.push((on, -amount));
            self.next_drawdown += 1;
        }
        self.accrue(date);
    }
}

/// The most one unit may receive, as a rate of its price, once `received` of the contract's
/// `maximum` has been received: the fixed rate, or the last step reached.
pub(super) fn redemption_rate(
    units: &UnitTerms,
    received: i64,
    maximum: Option<i64>,
) -> Option<Decimal> {
    if units.redemption_steps.is_empty() {
        return units.max_redemption_rate;
    }
    let maximum = maximum.filter(|m| *m > 0)?;
    let share = Decimal::from(received) / Decimal::from(maximum);
    units
        .redemption_steps
        .iter()
        .take_while(|s| s.at_share <= share)
        .last()
        .map(|s| s.rate)
}

/// The number of units as an amount multiplier (validated to fit).
fn count_of(units: &UnitTerms) -> i64 {
    i64::try_from(units.count).unwrap_or(i64::MAX).max(1)
}

/// The most one unit may be paid: its price × the maximum redemption rate, rounded down to the
/// minor unit.
pub(super) fn max_per_unit(units: &UnitTerms, rate: Decimal, currency: Currency) -> i64 {
    let scale = Decimal::from(10_i64.pow(currency.exponent()));
    units
        .unit_price
        .checked_mul(rate)
        .and_then(|v| v.checked_mul(scale))
        .and_then(|v| i64::try_from(v.floor()).ok())
        .unwrap_or(i64::MAX)
}

fn minor(amount: Decimal, currency: Currency) -> i64 {
    Money::from_decimal(amount, currency).map_or(0, Money::minor)
}

fn text(minor: i64, currency: Currency) -> String {
    Money::from_minor(minor, currency).amount_string()
}

/// Distributes the receipts. With `final_` false (a tranche still awaits verified data), no
/// guarantee is called and no loss is realised: cover, loss and IRR are reported as projected.
pub fn distribute(contract: &Contract, receipts: &[Receipt<'_>], final_: bool) -> Distribution {
    let currency = contract.currency;
    let mut positions: Vec<Position> = contract
        .investments
        .iter()
        .map(|inv| {
            let mut drawdowns: Vec<(NaiveDate, i64)> = inv
                .drawdowns
                .iter()
                .map(|d| (d.on, minor(d.amount, currency)))
                .collect();
            drawdowns.sort_by_key(|(on, _)| *on);
            Position {
                class: inv.instrument.class(),
                rate: inv.annual_rate.unwrap_or_default(),
                drawdowns,
                next_drawdown: 0,
                outstanding: 0,
                accrued: Decimal::ZERO,
                last_accrual: None,
                drawn: 0,
                principal: 0,
                interest: 0,
                success_fee: 0,
                guarantee_cover: 0,
                guarantee_paid: 0,
                guarantee_committed: if inv.instrument == Instrument::Guarantee {
                    minor(inv.committed, currency)
                } else {
                    0
                },
                flows: Vec::new(),
                max_paid: None,
                held_back: 0,
            }
        })
        .collect();
    // Investments held in units: the remainder carried to the next distribution, and totals.
    let mut carried = vec![0_i64; positions.len()];
    let mut unit_paid = vec![0_i64; positions.len()];
    let mut unit_retained = vec![0_i64; positions.len()];
    let mut fee_paid = vec![0_i64; contract.waterfall.len()];
    let mut fees_by_recipient: BTreeMap<&str, i64> = BTreeMap::new();
    let mut fee_flows: BTreeMap<&str, Vec<(NaiveDate, i64)>> = BTreeMap::new();
    let mut tranches = Vec::new();
    let (mut received_total, mut distributed_total, mut retained_total) = (0_i64, 0_i64, 0_i64);

    let maximum = contract
        .max_total_payment
        .and_then(|m| Money::from_decimal(m, currency).ok())
        .map(Money::minor);
    let mut received_so_far = 0_i64;
    for receipt in receipts {
        // An outcome-linked coupon: the rate for the period ending now, by the share of the
        // maximum received with this receipt.
        let received_with_this = received_so_far.saturating_add(receipt.amount);
        for (p, inv) in positions.iter_mut().zip(&contract.investments) {
            if let (false, Some(max)) = (inv.coupon_steps.is_empty(), contract.max_total_payment) {
                let received = Money::from_minor(received_with_this, currency).to_decimal();
                p.rate = seika_core::contract::coupon_rate(&inv.coupon_steps, received, max)
                    .unwrap_or_default();
            }
        }
        for p in &mut positions {
            p.advance_to(receipt.date);
        }
        // Each unit's maximum as it stands with this receipt (outcome-linked when stepped).
        received_so_far = received_with_this;
        for (p, inv) in positions.iter_mut().zip(&contract.investments) {
            if let Some(units) = &inv.units
                && let Some(rate) = redemption_rate(units, received_so_far, maximum)
            {
                p.max_paid =
                    Some(max_per_unit(units, rate, currency).saturating_mul(count_of(units)));
            }
        }
        let mut available = receipt.amount;
        let mut payments = Vec::new();
        let mut this_tranche = vec![0_i64; positions.len()];
        for (step_index, step) in contract.waterfall.iter().enumerate() {
            if available == 0 {
                break;
            }
            let in_class = |class: InvestorClass| -> Vec<usize> {
                (0..positions.len())
                    .filter(|i| positions[*i].class == Some(class))
                    .collect()
            };
            let (kind, members, parts): (DistributionKind, Vec<usize>, Vec<i64>) = match step {
                WaterfallStep::Fee {
                    recipient, amount, ..
                } => {
                    let pay = available
                        .min(minor(*amount, currency) - fee_paid[step_index])
                        .max(0);
                    fee_paid[step_index] += pay;
                    if pay > 0 {
                        *fees_by_recipient.entry(recipient).or_default() += pay;
                        fee_flows
                            .entry(recipient)
                            .or_default()
                            .push((receipt.date, pay));
                        payments.push(WaterfallPayment {
                            step: step_index,
                            kind: DistributionKind::Fee,
                            to: recipient.clone(),
                            amount: text(pay, currency),
                        });
                    }
                    available -= pay;
                    continue;
                }
                WaterfallStep::Principal { class } => {
                    let members = in_class(*class);
                    let needs: Vec<i64> =
                        members.iter().map(|i| positions[*i].outstanding).collect();
                    let pay = available.min(needs.iter().sum());
                    (
                        DistributionKind::Principal,
                        members,
                        allocate::by_weights(pay, &needs),
                    )
                }
                WaterfallStep::Interest { class } => {
                    let members = in_class(*class);
                    let due: Vec<i64> = members
                        .iter()
                        .map(|i| i64::try_from(positions[*i].accrued.floor()).unwrap_or(0))
                        .collect();
                    let pay = available.min(due.iter().sum());
                    (
                        DistributionKind::Interest,
                        members,
                        allocate::by_weights(pay, &due),
                    )
                }
                WaterfallStep::Residual { class, share } => {
                    let members = in_class(*class);
                    let weights: Vec<i64> = members.iter().map(|i| positions[*i].drawn).collect();
                    let pool = match share {
                        Some(s) => {
                            i64::try_from((Decimal::from(available) * *s).floor()).unwrap_or(0)
                        }
                        None => available,
                    };
                    let pool = if weights.iter().sum::<i64>() > 0 {
                        pool
                    } else {
                        0
                    };
                    (
                        DistributionKind::SuccessFee,
                        members,
                        allocate::by_weights(pool, &weights),
                    )
                }
            };
            for (i, amount) in members.into_iter().zip(parts) {
                let p = &mut positions[i];
                // A unit maximum: what would pay a unit beyond it stays in the waterfall.
                let amount = match p.max_paid {
                    Some(max) => {
                        let room = (max - p.principal - p.interest - p.success_fee).max(0);
                        p.held_back += (amount - room).max(0);
                        amount.min(room)
                    }
                    None => amount,
                };
                if amount == 0 {
                    continue;
                }
                this_tranche[i] += amount;
                match kind {
                    DistributionKind::Principal => {
                        p.outstanding -= amount;
                        p.principal += amount;
                    }
                    DistributionKind::Interest => {
                        p.accrued -= Decimal::from(amount);
                        p.interest += amount;
                    }
                    DistributionKind::SuccessFee => p.success_fee += amount,
                    DistributionKind::Fee => {}
                }
                p.flows.push((receipt.date, amount));
                available -= amount;
                payments.push(WaterfallPayment {
                    step: step_index,
                    kind,
                    to: contract.investments[i].id.clone(),
                    amount: text(amount, currency),
                });
            }
        }
        let mut per_unit = Vec::new();
        for (i, inv) in contract.investments.iter().enumerate() {
            let Some(units) = &inv.units else { continue };
            let carried_in = carried[i];
            if this_tranche[i] == 0 && carried_in == 0 {
                continue;
            }
            let count = count_of(units);
            let pool = this_tranche[i] + carried_in;
            let each = pool / count;
            let to_holders = each * count;
            let remainder = pool - to_holders;
            unit_paid[i] += each;
            match units.remainder {
                RemainderPolicy::Retained => {
                    unit_retained[i] += remainder;
                    carried[i] = 0;
                }
                RemainderPolicy::CarriedForward => carried[i] = remainder,
            }
            per_unit.push(UnitDistribution {
                investment: inv.id.clone(),
                units: units.count,
                amount: text(this_tranche[i], currency),
                carried_in: text(carried_in, currency),
                per_unit: text(each, currency),
                to_holders: text(to_holders, currency),
                remainder: text(remainder, currency),
                remainder_policy: units.remainder,
            });
        }
        let distributed: i64 = receipt.amount - available;
        received_total += receipt.amount;
        distributed_total += distributed;
        retained_total += available;
        tranches.push(TrancheDistribution {
            tranche: receipt.tranche.to_owned(),
            date: receipt.date,
            received: text(receipt.amount, currency),
            payments,
            retained: text(available, currency),
            per_unit,
        });
    }

    // Guarantees cover their share of principal still outstanding after the last tranche, up to
    // what the guarantor committed less what it has paid already. Before every tranche is final
    // the same cover is computed on a copy, as the projected position.
    let mut projected: Vec<Position> = Vec::new();
    if let Some(last) = receipts.last().map(|r| r.date) {
        let mut covered_positions: Vec<Position> =
            positions.iter().map(Position::snapshot).collect();
        for (g, inv) in contract.investments.iter().enumerate() {
            let (Instrument::Guarantee, Some(cover)) = (inv.instrument, &inv.covers) else {
                continue;
            };
            for covered in &cover.investments {
                let Some(i) = contract.investments.iter().position(|x| &x.id == covered) else {
                    continue;
                };
                let loss = covered_positions[i].outstanding;
                let share = i64::try_from((Decimal::from(loss) * cover.share).floor()).unwrap_or(0);
                let room = (covered_positions[g].guarantee_committed
                    - covered_positions[g].guarantee_paid)
                    .max(0);
                let pays = share.min(room);
                if pays > 0 {
                    covered_positions[i].guarantee_cover += pays;
                    covered_positions[i].flows.push((last, pays));
                    covered_positions[g].guarantee_paid += pays;
                    covered_positions[g].flows.push((last, -pays));
                }
            }
        }
        if final_ {
            positions = covered_positions;
        } else {
            projected = covered_positions;
        }
    }

    let mut investors: Vec<&str> = Vec::new();
    for inv in &contract.investments {
        if !investors.contains(&inv.investor.as_str()) {
            investors.push(&inv.investor);
        }
    }
    let summaries = investors
        .into_iter()
        .map(|investor| {
            let idx: Vec<usize> = (0..positions.len())
                .filter(|i| contract.investments[*i].investor == investor)
                .collect();
            let sum =
                |f: &dyn Fn(&Position) -> i64| idx.iter().map(|i| f(&positions[*i])).sum::<i64>();
            let committed: Decimal = idx
                .iter()
                .filter(|i| contract.investments[**i].instrument != Instrument::Guarantee)
                .map(|i| contract.investments[*i].committed)
                .sum();
            let drawn = sum(&|p| p.drawn);
            let fees = fees_by_recipient.get(investor).copied().unwrap_or(0);
            let received =
                sum(&|p| p.principal + p.interest + p.success_fee + p.guarantee_cover) + fees;
            let outstanding = sum(&|p| if p.class.is_some() { p.outstanding } else { 0 });
            let cover = sum(&|p| p.guarantee_cover);
            let flows_of = |positions: &[Position]| {
                let mut flows: Vec<(NaiveDate, Decimal)> = idx
                    .iter()
                    .flat_map(|i| positions[*i].flows.iter())
                    .chain(fee_flows.get(investor).into_iter().flatten())
                    .map(|(d, m)| (*d, Money::from_minor(*m, currency).to_decimal()))
                    .collect();
                flows.sort_by_key(|(d, _)| *d);
                flows
            };
            let irr_of = |flows: &[(NaiveDate, Decimal)]| {
                xirr::xirr(flows).map(|r| {
                    r.round_dp_with_strategy(6, rust_decimal::RoundingStrategy::MidpointNearestEven)
                        .to_string()
                })
            };
            let flows = flows_of(&positions);
            let projection = (!projected.is_empty()).then(|| {
                let psum = |f: &dyn Fn(&Position) -> i64| {
                    idx.iter().map(|i| f(&projected[*i])).sum::<i64>()
                };
                let pcover = psum(&|p| p.guarantee_cover);
                Projection {
                    guarantee_cover: text(pcover, currency),
                    guarantee_paid: text(psum(&|p| p.guarantee_paid), currency),
                    loss: text(outstanding - pcover, currency),
                    irr: irr_of(&flows_of(&projected)),
                }
            });
            InvestorSummary {
                investor: investor.to_owned(),
                committed: committed.normalize().to_string(),
                drawn: text(drawn, currency),
                principal: text(sum(&|p| p.principal), currency),
                interest: text(sum(&|p| p.interest), currency),
                success_fee: text(sum(&|p| p.success_fee), currency),
                fees: text(fees, currency),
                outstanding_principal: text(outstanding, currency),
                // A loss is realised only once every tranche is final.
                loss: text(if final_ { outstanding - cover } else { 0 }, currency),
                guarantee_committed: text(sum(&|p| p.guarantee_committed), currency),
                guarantee_cover: text(cover, currency),
                guarantee_paid: text(sum(&|p| p.guarantee_paid), currency),
                money_multiple: (drawn > 0).then(|| {
                    (Decimal::from(received) / Decimal::from(drawn))
                        .round_dp_with_strategy(
                            4,
                            rust_decimal::RoundingStrategy::MidpointNearestEven,
                        )
                        .to_string()
                }),
                // Before the contract is over, principal still outstanding is not a loss: the
                // realised return waits, and the projection says what it would be.
                irr: if final_ { irr_of(&flows) } else { None },
                projected: projection,
            }
        })
        .collect();
    let unit_holdings = contract
        .investments
        .iter()
        .enumerate()
        .filter_map(|(i, inv)| {
            let units = inv.units.as_ref()?;
            let price = Money::from_decimal(units.unit_price, currency).map_or(0, Money::minor);
            Some(UnitHolding {
                investment: inv.id.clone(),
                investor: inv.investor.clone(),
                units: units.count,
                unit_price: text(price, currency),
                distributed_per_unit: text(unit_paid[i], currency),
                multiple_per_unit: if price > 0 {
                    (Decimal::from(unit_paid[i]) / Decimal::from(price))
                        .round_dp_with_strategy(
                            4,
                            rust_decimal::RoundingStrategy::MidpointNearestEven,
                        )
                        .to_string()
                } else {
                    "0".to_owned()
                },
                to_holders: text(unit_paid[i].saturating_mul(count_of(units)), currency),
                remainder_retained: text(unit_retained[i], currency),
                remainder_carried: text(carried[i], currency),
                max_per_unit: redemption_rate(units, received_so_far, maximum)
                    .map(|rate| text(max_per_unit(units, rate, currency), currency)),
                max_reached: positions[i].held_back > 0,
            })
        })
        .collect();
    Distribution {
        unit_holdings,
        tranches,
        investors: summaries,
        reconciliation: Reconciliation {
            received: text(received_total, currency),
            distributed: text(distributed_total, currency),
            retained: text(retained_total, currency),
            difference: text(
                received_total - distributed_total - retained_total,
                currency,
            ),
        },
    }
}
