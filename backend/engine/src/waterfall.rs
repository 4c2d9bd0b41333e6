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
    AboveMaximum, Contract, Instrument, Investment, InvestorClass, RemainderPolicy, UnitTerms,
    WaterfallStep,
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

    /// An investment's position before any drawdown.
    fn of(inv: &Investment, currency: Currency) -> Self {
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
    let mut run = Waterfall::new(contract);
    for receipt in receipts {
        run.receive(receipt);
    }
    if let Some(last) = receipts.last().map(|r| r.date) {
        run.call_guarantees(last, final_);
    }
    run.finish(final_)
}

/// The waterfall as it runs: each investment's position and what has flowed so far.
struct Waterfall<'c> {
    contract: &'c Contract,
    currency: Currency,
    positions: Vec<Position>,
    /// The positions once guarantees are called, while a tranche is not final.
    projected: Vec<Position>,
    /// Investments held in units: the remainder carried to the next distribution, and totals.
    carried: Vec<i64>,
    unit_paid: Vec<i64>,
    unit_retained: Vec<i64>,
    fee_paid: Vec<i64>,
    fees_by_recipient: BTreeMap<&'c str, i64>,
    fee_flows: BTreeMap<&'c str, Vec<(NaiveDate, i64)>>,
    tranches: Vec<TrancheDistribution>,
    received_total: i64,
    distributed_total: i64,
    retained_total: i64,
    /// The contract's maximum in minor units (stepped unit redemptions refer to it).
    maximum: Option<i64>,
    received_so_far: i64,
}

/// One receipt on its way down the steps.
struct Flowing {
    date: NaiveDate,
    available: i64,
    /// Taken out of the flow above a maximum whose contract retains it.
    kept: i64,
    payments: Vec<WaterfallPayment>,
    /// Paid to each position from this receipt.
    this_tranche: Vec<i64>,
}

impl<'c> Waterfall<'c> {
    fn new(contract: &'c Contract) -> Self {
        let currency = contract.currency;
        let positions: Vec<Position> = contract
            .investments
            .iter()
            .map(|inv| Position::of(inv, currency))
            .collect();
        let n = positions.len();
        Waterfall {
            contract,
            currency,
            positions,
            projected: Vec::new(),
            carried: vec![0; n],
            unit_paid: vec![0; n],
            unit_retained: vec![0; n],
            fee_paid: vec![0; contract.waterfall.len()],
            fees_by_recipient: BTreeMap::new(),
            fee_flows: BTreeMap::new(),
            tranches: Vec::new(),
            received_total: 0,
            distributed_total: 0,
            retained_total: 0,
            maximum: contract
                .max_total_payment
                .and_then(|m| Money::from_decimal(m, currency).ok())
                .map(Money::minor),
            received_so_far: 0,
        }
    }

    fn text(&self, minor: i64) -> String {
        text(minor, self.currency)
    }

    /// One tranche's receipt down the waterfall's steps, then to unit holders.
    fn receive(&mut self, receipt: &Receipt<'_>) {
        self.set_coupon_rates(receipt.amount);
        for p in &mut self.positions {
            p.advance_to(receipt.date);
        }
        self.received_so_far = self.received_so_far.saturating_add(receipt.amount);
        self.set_unit_maxima();
        let mut flowing = Flowing {
            date: receipt.date,
            available: receipt.amount,
            kept: 0,
            payments: Vec::new(),
            this_tranche: vec![0; self.positions.len()],
        };
        let contract = self.contract;
        for (step_index, step) in contract.waterfall.iter().enumerate() {
            if flowing.available == 0 {
                break;
            }
            self.pay_step(step_index, step, &mut flowing);
        }
        let per_unit = self.pay_unit_holders(&flowing.this_tranche);
        let available = flowing.available + flowing.kept;
        self.received_total += receipt.amount;
        self.distributed_total += receipt.amount - available;
        self.retained_total += available;
        self.tranches.push(TrancheDistribution {
            tranche: receipt.tranche.to_owned(),
            date: receipt.date,
            received: self.text(receipt.amount),
            payments: flowing.payments,
            retained: self.text(available),
            per_unit,
        });
    }

    /// An outcome-linked coupon: the rate for the period ending now, by the share of the
    /// maximum received with this receipt.
    fn set_coupon_rates(&mut self, amount: i64) {
        let received_with_this = self.received_so_far.saturating_add(amount);
        let received = Money::from_minor(received_with_this, self.currency).to_decimal();
        for (p, inv) in self.positions.iter_mut().zip(&self.contract.investments) {
            if let (false, Some(max)) =
                (inv.coupon_steps.is_empty(), self.contract.max_total_payment)
            {
                p.rate = seika_core::contract::coupon_rate(&inv.coupon_steps, received, max)
                    .unwrap_or_default();
            }
        }
    }

    /// Each unit's maximum as it stands with this receipt (outcome-linked when stepped).
    fn set_unit_maxima(&mut self) {
        let (received, maximum, currency) = (self.received_so_far, self.maximum, self.currency);
        for (p, inv) in self.positions.iter_mut().zip(&self.contract.investments) {
            if let Some(units) = &inv.units
                && let Some(rate) = redemption_rate(units, received, maximum)
            {
                p.max_paid =
                    Some(max_per_unit(units, rate, currency).saturating_mul(count_of(units)));
            }
        }
    }

    /// One step: a fee to its recipient, or principal, interest or the residual to a class, pro
    /// rata.
    fn pay_step(&mut self, step_index: usize, step: &'c WaterfallStep, flowing: &mut Flowing) {
        let available = flowing.available;
        let (kind, members, parts) = match step {
            WaterfallStep::Fee {
                recipient, amount, ..
            } => {
                self.pay_fee(step_index, recipient, *amount, flowing);
                return;
            }
            WaterfallStep::Principal { class } => {
                let members = self.in_class(*class);
                let needs: Vec<i64> = members
                    .iter()
                    .map(|i| self.positions[*i].outstanding)
                    .collect();
                let pay = available.min(needs.iter().sum());
                let parts = allocate::by_weights(pay, &needs, &self.ids(&members));
                (DistributionKind::Principal, members, parts)
            }
            WaterfallStep::Interest { class } => {
                let members = self.in_class(*class);
                let due: Vec<i64> = members
                    .iter()
                    .map(|i| i64::try_from(self.positions[*i].accrued.floor()).unwrap_or(0))
                    .collect();
                let pay = available.min(due.iter().sum());
                let parts = allocate::by_weights(pay, &due, &self.ids(&members));
                (DistributionKind::Interest, members, parts)
            }
            WaterfallStep::Residual { class, share } => {
                let members = self.in_class(*class);
                let weights: Vec<i64> = members.iter().map(|i| self.positions[*i].drawn).collect();
                let pool = match share {
                    Some(s) => i64::try_from((Decimal::from(available) * *s).floor()).unwrap_or(0),
                    None => available,
                };
                let pool = if weights.iter().sum::<i64>() > 0 {
                    pool
                } else {
                    0
                };
                let parts = allocate::by_weights(pool, &weights, &self.ids(&members));
                (DistributionKind::SuccessFee, members, parts)
            }
        };
        for (i, amount) in members.into_iter().zip(parts) {
            self.credit(step_index, kind, i, amount, flowing);
        }
    }

    /// The investments' ids, for splits that do not depend on the order they are listed in.
    fn ids(&self, members: &[usize]) -> Vec<&'c str> {
        members
            .iter()
            .map(|i| self.contract.investments[*i].id.as_str())
            .collect()
    }

    fn in_class(&self, class: InvestorClass) -> Vec<usize> {
        (0..self.positions.len())
            .filter(|i| self.positions[*i].class == Some(class))
            .collect()
    }

    /// A fee, up to what is left of its amount over the contract's life.
    fn pay_fee(
        &mut self,
        step_index: usize,
        recipient: &'c str,
        amount: Decimal,
        flowing: &mut Flowing,
    ) {
        let pay = flowing
            .available
            .min(minor(amount, self.currency) - self.fee_paid[step_index])
            .max(0);
        self.fee_paid[step_index] += pay;
        if pay > 0 {
            *self.fees_by_recipient.entry(recipient).or_default() += pay;
            let flows = self.fee_flows.entry(recipient).or_default();
            flows.push((flowing.date, pay));
            flowing.payments.push(WaterfallPayment {
                step: step_index,
                kind: DistributionKind::Fee,
                to: recipient.to_owned(),
                amount: self.text(pay),
            });
        }
        flowing.available -= pay;
    }

    /// Pays one position its part of a step, within its unit maximum: what would pay a unit
    /// beyond it stays in the waterfall.
    fn credit(
        &mut self,
        step_index: usize,
        kind: DistributionKind,
        i: usize,
        amount: i64,
        flowing: &mut Flowing,
    ) {
        let retains = self.contract.investments[i]
            .units
            .as_ref()
            .is_some_and(|u| u.above_maximum == AboveMaximum::Retained);
        let p = &mut self.positions[i];
        let amount = match p.max_paid {
            Some(max) => {
                let room = (max - p.principal - p.interest - p.success_fee).max(0);
                let above = (amount - room).max(0);
                p.held_back += above;
                if retains {
                    flowing.available -= above;
                    flowing.kept += above;
                }
                amount.min(room)
            }
            None => amount,
        };
        if amount == 0 {
            return;
        }
        flowing.this_tranche[i] += amount;
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
        p.flows.push((flowing.date, amount));
        flowing.available -= amount;
        flowing.payments.push(WaterfallPayment {
            step: step_index,
            kind,
            to: self.contract.investments[i].id.clone(),
            amount: text(amount, self.currency),
        });
    }

    /// What each unit of an investment held in units receives from this receipt, with the
    /// remainder retained or carried forward.
    fn pay_unit_holders(&mut self, this_tranche: &[i64]) -> Vec<UnitDistribution> {
        let mut per_unit = Vec::new();
        for (i, inv) in self.contract.investments.iter().enumerate() {
            let Some(units) = &inv.units else { continue };
            let carried_in = self.carried[i];
            if this_tranche[i] == 0 && carried_in == 0 {
                continue;
            }
            let count = count_of(units);
            let pool = this_tranche[i] + carried_in;
            let each = pool / count;
            let to_holders = each * count;
            let remainder = pool - to_holders;
            self.unit_paid[i] += each;
            match units.remainder {
                RemainderPolicy::Retained => {
                    self.unit_retained[i] += remainder;
                    self.carried[i] = 0;
                }
                RemainderPolicy::CarriedForward => self.carried[i] = remainder,
            }
            per_unit.push(UnitDistribution {
                investment: inv.id.clone(),
                units: units.count,
                amount: self.text(this_tranche[i]),
                carried_in: self.text(carried_in),
                per_unit: self.text(each),
                to_holders: self.text(to_holders),
                remainder: self.text(remainder),
                remainder_policy: units.remainder,
            });
        }
        per_unit
    }

    /// Guarantees cover their share of principal still outstanding after the last tranche, up
    /// to what the guarantor committed less what it has paid already. Before every tranche is
    /// final the same cover is computed on a copy, as the projected position.
    fn call_guarantees(&mut self, last: NaiveDate, final_: bool) {
        let contract = self.contract;
        let mut covered: Vec<Position> = self.positions.iter().map(Position::snapshot).collect();
        for (g, inv) in contract.investments.iter().enumerate() {
            let (Instrument::Guarantee, Some(cover)) = (inv.instrument, &inv.covers) else {
                continue;
            };
            for id in &cover.investments {
                let Some(i) = contract.investments.iter().position(|x| &x.id == id) else {
                    continue;
                };
                let loss = covered[i].outstanding;
                let share = i64::try_from((Decimal::from(loss) * cover.share).floor()).unwrap_or(0);
                let room = (covered[g].guarantee_committed - covered[g].guarantee_paid).max(0);
                let pays = share.min(room);
                if pays > 0 {
                    covered[i].guarantee_cover += pays;
                    covered[i].flows.push((last, pays));
                    covered[g].guarantee_paid += pays;
                    covered[g].flows.push((last, -pays));
                }
            }
        }
        if final_ {
            self.positions = covered;
        } else {
            self.projected = covered;
        }
    }

    fn finish(self, final_: bool) -> Distribution {
        let mut investors: Vec<&str> = Vec::new();
        for inv in &self.contract.investments {
            if !investors.contains(&inv.investor.as_str()) {
                investors.push(&inv.investor);
            }
        }
        let summaries = investors
            .into_iter()
            .map(|investor| self.summary(investor, final_))
            .collect();
        Distribution {
            unit_holdings: self.unit_holdings(),
            tranches: self.tranches,
            investors: summaries,
            reconciliation: Reconciliation {
                received: text(self.received_total, self.currency),
                distributed: text(self.distributed_total, self.currency),
                retained: text(self.retained_total, self.currency),
                difference: text(
                    self.received_total - self.distributed_total - self.retained_total,
                    self.currency,
                ),
            },
        }
    }

    /// One investor's summary over all its investments: paid, outstanding, covered, lost, and
    /// its returns (realised once every tranche is final, else projected).
    fn summary(&self, investor: &str, final_: bool) -> InvestorSummary {
        let contract = self.contract;
        let idx: Vec<usize> = (0..self.positions.len())
            .filter(|i| contract.investments[*i].investor == investor)
            .collect();
        let sum =
            |f: &dyn Fn(&Position) -> i64| idx.iter().map(|i| f(&self.positions[*i])).sum::<i64>();
        let committed: Decimal = idx
            .iter()
            .filter(|i| contract.investments[**i].instrument != Instrument::Guarantee)
            .map(|i| contract.investments[*i].committed)
            .sum();
        let drawn = sum(&|p| p.drawn);
        let fees = self.fees_by_recipient.get(investor).copied().unwrap_or(0);
        let received =
            sum(&|p| p.principal + p.interest + p.success_fee + p.guarantee_cover) + fees;
        let outstanding = sum(&|p| if p.class.is_some() { p.outstanding } else { 0 });
        let cover = sum(&|p| p.guarantee_cover);
        let flows = self.flows_of(&self.positions, &idx, investor);
        InvestorSummary {
            investor: investor.to_owned(),
            committed: committed.normalize().to_string(),
            drawn: self.text(drawn),
            principal: self.text(sum(&|p| p.principal)),
            interest: self.text(sum(&|p| p.interest)),
            success_fee: self.text(sum(&|p| p.success_fee)),
            fees: self.text(fees),
            outstanding_principal: self.text(outstanding),
            // A loss is realised only once every tranche is final.
            loss: self.text(if final_ { outstanding - cover } else { 0 }),
            guarantee_committed: self.text(sum(&|p| p.guarantee_committed)),
            guarantee_cover: self.text(cover),
            guarantee_paid: self.text(sum(&|p| p.guarantee_paid)),
            money_multiple: (drawn > 0)
                .then(|| rounded_ratio(Decimal::from(received) / Decimal::from(drawn))),
            // Before the contract is over, principal still outstanding is not a loss: the
            // realised return waits, and the projection says what it would be.
            irr: if final_ { irr_of(&flows) } else { None },
            projected: self.projection(&idx, investor, outstanding),
        }
    }

    /// The investor's cash flows, in date order: drawdowns out, payments and fees in.
    fn flows_of(
        &self,
        positions: &[Position],
        idx: &[usize],
        investor: &str,
    ) -> Vec<(NaiveDate, Decimal)> {
        let mut flows: Vec<(NaiveDate, Decimal)> = idx
            .iter()
            .flat_map(|i| positions[*i].flows.iter())
            .chain(self.fee_flows.get(investor).into_iter().flatten())
            .map(|(d, m)| (*d, Money::from_minor(*m, self.currency).to_decimal()))
            .collect();
        flows.sort_by_key(|(d, _)| *d);
        flows
    }

    /// Where guarantees would leave the investor, while a tranche is not final.
    fn projection(&self, idx: &[usize], investor: &str, outstanding: i64) -> Option<Projection> {
        if self.projected.is_empty() {
            return None;
        }
        let psum =
            |f: &dyn Fn(&Position) -> i64| idx.iter().map(|i| f(&self.projected[*i])).sum::<i64>();
        let pcover = psum(&|p| p.guarantee_cover);
        Some(Projection {
            guarantee_cover: self.text(pcover),
            guarantee_paid: self.text(psum(&|p| p.guarantee_paid)),
            loss: self.text(outstanding - pcover),
            irr: irr_of(&self.flows_of(&self.projected, idx, investor)),
        })
    }

    /// Each investment held in units: what a unit received, its multiple, remainders, maximum.
    fn unit_holdings(&self) -> Vec<UnitHolding> {
        let currency = self.currency;
        let contract = self.contract;
        contract
            .investments
            .iter()
            .enumerate()
            .filter_map(|(i, inv)| {
                let units = inv.units.as_ref()?;
                let price = Money::from_decimal(units.unit_price, currency).map_or(0, Money::minor);
                let paid = self.unit_paid[i];
                Some(UnitHolding {
                    investment: inv.id.clone(),
                    investor: inv.investor.clone(),
                    units: units.count,
                    unit_price: self.text(price),
                    distributed_per_unit: self.text(paid),
                    multiple_per_unit: if price > 0 {
                        rounded_ratio(Decimal::from(paid) / Decimal::from(price))
                    } else {
                        "0".to_owned()
                    },
                    to_holders: self.text(paid.saturating_mul(count_of(units))),
                    remainder_retained: self.text(self.unit_retained[i]),
                    remainder_carried: self.text(self.carried[i]),
                    max_per_unit: redemption_rate(units, self.received_so_far, self.maximum)
                        .map(|rate| self.text(max_per_unit(units, rate, currency))),
                    max_reached: self.positions[i].held_back > 0,
                    above_maximum: (units.above_maximum == AboveMaximum::Retained)
                        .then_some(AboveMaximum::Retained),
                    held_back: (units.above_maximum == AboveMaximum::Retained)
                        .then(|| self.text(self.positions[i].held_back)),
                })
            })
            .collect()
    }
}

/// A multiple to 4 decimals, half to even.
fn rounded_ratio(ratio: Decimal) -> String {
    ratio
        .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointNearestEven)
        .to_string()
}

/// An internal rate of return to 6 decimals, half to even; none where it cannot be found.
fn irr_of(flows: &[(NaiveDate, Decimal)]) -> Option<String> {
    xirr::xirr(flows).map(|r| {
        r.round_dp_with_strategy(6, rust_decimal::RoundingStrategy::MidpointNearestEven)
            .to_string()
    })
}
