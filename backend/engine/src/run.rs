//! One statement's run through the contract: per tranche in date order and per component in
//! contract order, the rule's amount, rounded, net of earlier components, capped, split among the
//! payers with their top-ups; then the tranche totals through the waterfall.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::explain::{CapCut, CapName, Note, Worked};
use crate::render::Said;
use crate::rules::{self, Evaluation, RuleState, Window};
use crate::statement::{
    self, ConditionCheck, Explanation, Line, LineStatus, MetricTotal, PayerAmount, PayerTotal,
    Statement, TrancheTotal,
};
use crate::words::{LineWords, Say};
use crate::{ENGINE_VERSION, EngineError, allocate, sha256_json, waterfall};
use seika_core::contract::{Component, Contract, Issue, Rule, Tranche};
use seika_core::message::Msg;
use seika_core::outcomes::Outcomes;
use seika_core::{Currency, Money, msg};

/// The running totals the cumulative caps read, in minor units.
#[derive(Default)]
struct Totals<'c> {
    metric_paid: BTreeMap<&'c str, i64>,
    payer_paid: Vec<i64>,
    contract_paid: i64,
    /// Paid so far by the outcome-contingent components.
    contingent_paid: i64,
    component_paid: BTreeMap<&'c str, i64>,
}

/// The statement being worked out.
struct Run<'c> {
    contract: &'c Contract,
    outcomes: &'c Outcomes,
    say: Say<'c>,
    currency: Currency,
    state: RuleState,
    totals: Totals<'c>,
    reserved: Reserved<'c>,
    lines: Vec<Line>,
}

/// One line on its way: its amount in minor units and what reduced it.
struct Working<'c> {
    tranche: &'c Tranche,
    component: &'c Component,
    evaluation: Evaluation,
    amount: i64,
    caps: Vec<CapCut>,
    /// A cap inside the rule (per participant, per outcome) already reduced the amount.
    capped_in_rule: bool,
}

/// The statement of valid terms and outcomes, but for the input hash.
///
/// No amount depends on the order in which the contract lists its tranches, components, payers
/// or investors: tranches are worked in date order (ties by id), a tranche's components by id,
/// remainders of a split go by id; the statement then lists the lines and tranches in the
/// contract's order.
pub(crate) fn statement_of(
    contract: &Contract,
    outcomes: &Outcomes,
) -> Result<Statement, EngineError> {
    let mut run = Run {
        contract,
        outcomes,
        say: Say::new(contract),
        currency: contract.currency,
        state: RuleState::default(),
        totals: Totals {
            payer_paid: vec![0; contract.payers.len()],
            ..Totals::default()
        },
        reserved: Reserved::of(contract),
        lines: Vec::new(),
    };
    let mut tranches: Vec<&Tranche> = contract.tranches.iter().collect();
    tranches.sort_by(|a, b| a.due_on.cmp(&b.due_on).then_with(|| a.id.cmp(&b.id)));
    let mut tranche_totals = Vec::new();
    let mut previous_due = None;
    for tranche in tranches {
        let window = Window {
            from: tranche
                .outcomes_from
                .or_else(|| previous_due.and_then(|d: chrono::NaiveDate| d.succ_opt())),
            until: tranche.outcomes_close(),
        };
        previous_due = Some(tranche.due_on);
        let mut components: Vec<&Component> = contract
            .components
            .iter()
            .filter(|c| c.tranche == tranche.id)
            .collect();
        components.sort_by(|a, b| a.id.cmp(&b.id));
        let mut tranche_paid = 0_i64;
        for component in components {
            run.line(tranche, component, window, &mut tranche_paid)?;
        }
        tranche_totals.push((tranche, tranche_paid));
    }
    run.in_contract_order();
    Ok(run.statement(&tranche_totals))
}

/// A fee's amount and its parts by payer index.
type FeeSplit = (i64, Vec<(usize, i64)>);

/// Non-contingent fees not yet worked out, in minor units: the outcome-linked lines are capped
/// at what the contract's maximum, each tranche's cap and each payer's maximum leave once these
/// are kept whole, whichever order the components come in.
#[derive(Default)]
struct Reserved<'c> {
    total: i64,
    by_tranche: BTreeMap<&'c str, i64>,
    by_payer: Vec<i64>,
    /// Each fee's amount, and its split among the payers.
    by_component: BTreeMap<&'c str, FeeSplit>,
}

impl<'c> Reserved<'c> {
    fn of(contract: &'c Contract) -> Self {
        let mut reserved = Reserved {
            by_payer: vec![0; contract.payers.len()],
            ..Reserved::default()
        };
        for c in contract.components.iter().filter(|c| !c.outcome_contingent) {
            let Rule::Fixed { amount, .. } = c.rule else {
                continue;
            };
            let minor = contract
                .rounding
                .apply(amount)
                .ok()
                .and_then(|d| Money::from_decimal(d, contract.currency).ok())
                .map_or(0, Money::minor);
            let (payers, parts) = payer_split(contract, c, minor);
            let split: Vec<(usize, i64)> = payers.into_iter().zip(parts).collect();
            reserved.total = reserved.total.saturating_add(minor);
            *reserved.by_tranche.entry(c.tranche.as_str()).or_default() += minor;
            for (i, part) in &split {
                reserved.by_payer[*i] = reserved.by_payer[*i].saturating_add(*part);
            }
            reserved.by_component.insert(c.id.as_str(), (minor, split));
        }
        reserved
    }

    /// A fee's own line is being worked out: it no longer holds room against itself.
    fn release(&mut self, component: &Component) {
        let Some((minor, split)) = self.by_component.remove(component.id.as_str()) else {
            return;
        };
        self.total -= minor;
        if let Some(t) = self.by_tranche.get_mut(component.tranche.as_str()) {
            *t -= minor;
        }
        for (i, part) in split {
            self.by_payer[i] -= part;
        }
    }

    fn in_tranche(&self, tranche: &str) -> i64 {
        self.by_tranche.get(tranche).copied().unwrap_or(0)
    }
}

/// The payers a component's amount is split among (its own payer, or all by their shares) and
/// their parts, remainders going by payer id.
fn payer_split(contract: &Contract, component: &Component, amount: i64) -> (Vec<usize>, Vec<i64>) {
    let (payers, shares): (Vec<usize>, Vec<Decimal>) = match &component.payer {
        Some(id) => {
            let i = contract.payers.iter().position(|p| &p.id == id);
            (vec![i.unwrap_or(0)], vec![Decimal::ONE])
        }
        None => contract
            .payers
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.share))
            .unzip(),
    };
    let ids: Vec<&str> = payers
        .iter()
        .map(|i| contract.payers[*i].id.as_str())
        .collect();
    let parts = allocate::by_shares(amount, &shares, &ids);
    (payers, parts)
}

impl<'c> Run<'c> {
    fn money(&self, minor: i64) -> String {
        Money::from_minor(minor, self.currency).amount_string()
    }

    /// Works out one component's line in one tranche and adds it to the totals.
    fn line(
        &mut self,
        tranche: &'c Tranche,
        component: &'c Component,
        window: Window,
        tranche_paid: &mut i64,
    ) -> Result<(), EngineError> {
        self.reserved.release(component);
        let conditions = rules::check_conditions(&component.conditions, self.outcomes, &tranche.id);
        let mut evaluation = self.evaluated(tranche, component, window, &conditions)?;
        self.awaiting_if_open(&mut evaluation, window);
        let (amount, rounding) = self.rounded(tranche, component, evaluation.raw)?;
        let capped_in_rule = !evaluation.caps.is_empty();
        let mut line = Working {
            tranche,
            component,
            caps: std::mem::take(&mut evaluation.caps),
            capped_in_rule,
            evaluation,
            amount,
        };
        self.net_of_earlier(&mut line)?;
        let before_caps = line.amount;
        self.capped(&mut line, *tranche_paid);
        let (payers, mut parts) = self.split(&mut line)?;
        let base = sum(&parts).ok_or_else(|| overflow(&line))?;
        let topped = self.top_ups(&mut line, &payers, &mut parts, base)?;
        line.amount = base.checked_add(topped).ok_or_else(|| overflow(&line))?;
        *tranche_paid = tranche_paid
            .checked_add(line.amount)
            .ok_or_else(|| overflow(&line))?;
        self.add_to_totals(&line)?;
        let capped = base < before_caps || line.capped_in_rule;
        let payer_amounts = payers
            .iter()
            .zip(&parts)
            .map(|(&i, part)| PayerAmount {
                payer: self.contract.payers[i].id.clone(),
                amount: self.money(*part),
            })
            .collect();
        let done = self.finished(line, conditions, rounding, capped, payer_amounts);
        self.lines.push(done);
        Ok(())
    }

    /// The rule's amount, or 0 when a condition fails or awaits data. Decimal arithmetic on
    /// verified values panics on overflow; the rule's result is then a refusal naming the
    /// component and its metric, never a crashed request.
    fn evaluated(
        &mut self,
        tranche: &Tranche,
        component: &Component,
        window: Window,
        conditions: &[ConditionCheck],
    ) -> Result<Evaluation, EngineError> {
        if !conditions.iter().all(|c| c.met) {
            let awaiting = conditions.iter().any(|c| c.actual.is_none());
            let mut e = Evaluation::new(Decimal::ZERO, Worked::ConditionNotMet { awaiting });
            e.status = if awaiting {
                LineStatus::AwaitingData
            } else {
                LineStatus::NotMet
            };
            return Ok(e);
        }
        let (contract, outcomes, state) = (self.contract, self.outcomes, &mut self.state);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rules::evaluate(contract, component, outcomes, window, state)
        }))
        .map_err(|_| {
            let (id, tranche, (metric, metric_ja)) =
                (&component.id, &tranche.id, of_metric(component));
            component_refusal(
                component,
                msg!(
                    "engine.overflow",
                    "values the payment rule can compute with: component `{id}` in tranche `{tranche}` overflowed with the verified data{metric}",
                    "支払ルールで計算できる値: 支払時期 `{tranche}` の支払項目 `{id}` の計算が検証済みデータ{metric_ja}で桁あふれしました"
                ),
            )
        })
    }

    /// A period whose outcome window has not closed by the day the data covers has not failed: a
    /// line that would be "not met" is awaiting its data, and says until when.
    fn awaiting_if_open(&self, evaluation: &mut Evaluation, window: Window) {
        let Some(data_until) = self.outcomes.data_until else {
            return;
        };
        if evaluation.status == LineStatus::NotMet && window.until >= data_until {
            evaluation.status = LineStatus::AwaitingData;
            evaluation.notes.push(Note::PeriodOpen {
                until: window.until,
                data_until,
            });
        }
    }

    /// The contract's rounding of the raw amount (the one rounding point of a line).
    fn rounded(
        &self,
        tranche: &Tranche,
        component: &Component,
        raw: Decimal,
    ) -> Result<(i64, Said), EngineError> {
        let out_of_range = |e: seika_core::MoneyError| {
            let (id, tranche, (metric, metric_ja)) =
                (&component.id, &tranche.id, of_metric(component));
            component_refusal(
                component,
                msg!(
                    "engine.out_of_range",
                    "an amount in range: component `{id}` in tranche `{tranche}` computed {raw} ({e}) with the verified data{metric}",
                    "範囲内の金額: 支払時期 `{tranche}` の支払項目 `{id}` が検証済みデータ{metric_ja}から {raw} を算出しました（{e}）"
                ),
            )
        };
        let rounded = self.contract.rounding.apply(raw).map_err(out_of_range)?;
        let amount = Money::from_decimal(rounded, self.currency)
            .map_err(out_of_range)?
            .minor();
        Ok((amount, self.say.rounded(raw, amount)))
    }

    /// A final payment less what the earlier components it names already paid.
    fn net_of_earlier(&self, line: &mut Working<'c>) -> Result<(), EngineError> {
        let component = line.component;
        if component.net_of.is_empty() {
            return Ok(());
        }
        let earlier = component
            .net_of
            .iter()
            .map(|id| {
                let paid = self.totals.component_paid.get(id.as_str());
                paid.copied().unwrap_or(0)
            })
            .try_fold(0_i64, i64::checked_add)
            .ok_or_else(|| overflow(line))?;
        let net = line.amount.saturating_sub(earlier).max(0);
        line.evaluation.notes.push(Note::NetOf {
            amount: line.amount,
            earlier,
            components: component.net_of.clone(),
            net,
        });
        line.evaluation
            .inputs
            .insert("paid_by_earlier_components".to_owned(), self.money(earlier));
        line.amount = net;
        Ok(())
    }

    /// The component's, metric's (cumulative), tranche's (cumulative) caps and the contract
    /// maximum (cumulative), in that order.
    fn capped(&self, line: &mut Working<'c>, tranche_paid: i64) {
        let (contract, component, tranche) = (self.contract, line.component, line.tranche);
        let currency = self.currency;
        let cap = |line: &mut Working<'c>, limit, used, name| {
            apply_cap(
                &mut line.amount,
                limit,
                used,
                name,
                currency,
                &mut line.caps,
            )
        };
        cap(
            line,
            component.cap,
            0,
            CapName::Component(component.id.clone()),
        );
        if let Some(m) = component.rule.metric().and_then(|m| contract.metric(m)) {
            let used = self.totals.metric_paid.get(m.id.as_str()).copied();
            cap(
                line,
                m.cap,
                used.unwrap_or(0),
                CapName::Metric(m.id.clone()),
            );
        }
        // Room kept for the fees not contingent on outcomes still to be worked out.
        let kept = self.reserved.in_tranche(&tranche.id);
        let used = tranche_paid.saturating_add(kept);
        let name = CapName::Tranche(tranche.id.clone());
        let tranche_bound = cap(line, tranche.cap, used, name) && kept > 0;
        let counted_bound = match self.count_cap(tranche) {
            Some(Ok((limit, name))) => cap(line, Some(limit), used, name) && kept > 0,
            Some(Err(note)) => {
                awaiting_count(line, note);
                false
            }
            None => false,
        };
        let tranche_bound = tranche_bound || counted_bound;
        let kept_in_all = self.reserved.total;
        let used = self.totals.contract_paid.saturating_add(kept_in_all);
        let name = CapName::ContractMaximum;
        let maximum_bound = cap(line, contract.max_total_payment, used, name) && kept_in_all > 0;
        if component.outcome_contingent {
            let (limit, used) = (contract.max_contingent_payment, self.totals.contingent_paid);
            cap(line, limit, used, CapName::ContingentMaximum);
        }
        if maximum_bound {
            let note = Note::KeptForFees {
                amount: kept_in_all,
            };
            line.evaluation.notes.push(note);
        } else if tranche_bound {
            line.evaluation
                .notes
                .push(Note::KeptForFees { amount: kept });
        }
    }

    /// The tranche's cap per one counted, from the count verified for it: the limit (rounded
    /// down to the minor unit) and its name; the note that says what is missing when the count
    /// is not verified yet; none where the tranche has no such cap.
    fn count_cap(&self, tranche: &Tranche) -> Option<Result<(Decimal, CapName), Note>> {
        let per = tranche.cap_per_count.as_ref()?;
        let count = self
            .outcomes
            .result(&per.metric, &tranche.id)
            .and_then(|r| r.effective_value());
        let Some(count) = count else {
            return Some(Err(Note::CountAwaited {
                metric: per.metric.clone(),
                tranche: tranche.id.clone(),
            }));
        };
        let scale = self.currency.exponent();
        let limit = per
            .amount
            .checked_mul(count.max(Decimal::ZERO))
            .unwrap_or(Decimal::MAX)
            .round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::ToZero);
        let name = CapName::PerCount {
            tranche: tranche.id.clone(),
            metric: per.metric.clone(),
            per: per.amount,
            count,
        };
        Some(Ok((limit, name)))
    }

    /// The amount split among the payers (the component's own, or the shares) by largest
    /// remainder, then each payer's cap (cumulative): the payers' indices and their parts.
    fn split(&mut self, line: &mut Working<'c>) -> Result<(Vec<usize>, Vec<i64>), EngineError> {
        let contract = self.contract;
        let (payers, mut parts) = payer_split(contract, line.component, line.amount);
        for (part, &i) in parts.iter_mut().zip(&payers) {
            let payer = &contract.payers[i];
            let used = self.totals.payer_paid[i].saturating_add(self.reserved.by_payer[i]);
            let name = CapName::Payer(payer.id.clone());
            apply_cap(
                part,
                payer.max_payment,
                used,
                name,
                self.currency,
                &mut line.caps,
            );
            let paid = &mut self.totals.payer_paid[i];
            *paid = paid.checked_add(*part).ok_or_else(|| overflow(line))?;
        }
        Ok((payers, parts))
    }

    /// Top-ups: payers adding a stated fraction of each shared payment, on top of it, up to
    /// their own cap and the contract's maximum. Returns the sum added.
    fn top_ups(
        &mut self,
        line: &mut Working<'c>,
        payers: &[usize],
        parts: &mut [i64],
        base: i64,
    ) -> Result<i64, EngineError> {
        let mut topped = 0_i64;
        if line.component.payer.is_some() {
            return Ok(topped);
        }
        for (k, &i) in payers.iter().enumerate() {
            let payer = &self.contract.payers[i];
            let Some(rate) = payer.top_up else {
                continue;
            };
            let before = self
                .rounded_top_up(base, rate)
                .ok_or_else(|| overflow(line))?;
            let mut extra = before;
            let name = CapName::Payer(payer.id.clone());
            let paid = self.totals.payer_paid[i].saturating_add(self.reserved.by_payer[i]);
            apply_cap(
                &mut extra,
                payer.max_payment,
                paid,
                name,
                self.currency,
                &mut line.caps,
            );
            let used = self
                .totals
                .contract_paid
                .saturating_add(base)
                .saturating_add(topped)
                .saturating_add(self.reserved.total);
            let (limit, name) = (self.contract.max_total_payment, CapName::ContractMaximum);
            apply_cap(&mut extra, limit, used, name, self.currency, &mut line.caps);
            if line.component.outcome_contingent {
                let used = self
                    .totals
                    .contingent_paid
                    .saturating_add(base)
                    .saturating_add(topped);
                let limit = self.contract.max_contingent_payment;
                let name = CapName::ContingentMaximum;
                apply_cap(&mut extra, limit, used, name, self.currency, &mut line.caps);
            }
            line.evaluation.notes.push(Note::TopUp {
                payer: payer.id.clone(),
                base,
                rate,
                before,
                extra,
            });
            let added = |a: i64| a.checked_add(extra).ok_or_else(|| overflow(line));
            parts[k] = added(parts[k])?;
            self.totals.payer_paid[i] = added(self.totals.payer_paid[i])?;
            topped = added(topped)?;
        }
        Ok(topped)
    }

    /// A top-up before its caps: the base times the rate, rounded as the contract rounds.
    fn rounded_top_up(&self, base: i64, rate: Decimal) -> Option<i64> {
        let raw = Money::from_minor(base, self.currency)
            .to_decimal()
            .checked_mul(rate)?;
        let rounded = self.contract.rounding.apply(raw).ok()?;
        Money::from_decimal(rounded, self.currency)
            .ok()
            .map(Money::minor)
    }

    /// Adds a finished line's amount to the metric's, the contract's and the component's
    /// totals, and a savings share's to what its metric has paid.
    fn add_to_totals(&mut self, line: &Working<'c>) -> Result<(), EngineError> {
        let (component, amount) = (line.component, line.amount);
        if let Some(m) = component.rule.metric() {
            let paid = self.totals.metric_paid.entry(m).or_default();
            *paid = paid.checked_add(amount).ok_or_else(|| overflow(line))?;
        }
        let contract_paid = &mut self.totals.contract_paid;
        *contract_paid = contract_paid
            .checked_add(amount)
            .ok_or_else(|| overflow(line))?;
        self.totals
            .component_paid
            .insert(component.id.as_str(), amount);
        if component.outcome_contingent {
            let paid = &mut self.totals.contingent_paid;
            *paid = paid.checked_add(amount).ok_or_else(|| overflow(line))?;
        }
        if let Rule::SavingsShare { metric, .. } = &component.rule {
            *self.state.savings_paid.entry(metric.clone()).or_default() +=
                Money::from_minor(amount, self.currency).to_decimal();
        }
        Ok(())
    }

    /// The statement's line, its texts written by the renderer.
    fn finished(
        &self,
        line: Working<'c>,
        conditions: Vec<ConditionCheck>,
        rounding: Said,
        capped: bool,
        payers: Vec<PayerAmount>,
    ) -> Line {
        let Working {
            tranche,
            component,
            evaluation,
            amount,
            caps,
            ..
        } = line;
        let say = self.say;
        let status = if capped && evaluation.status == LineStatus::Earned {
            LineStatus::Capped
        } else {
            evaluation.status
        };
        let formula = evaluation.worked.said(say);
        let (notes, note_words) = evaluation
            .notes
            .iter()
            .map(|n| {
                let Said { text, words } = n.said(say);
                (text, words)
            })
            .unzip();
        let caps: Vec<_> = caps.iter().map(|c| c.applied(say)).collect();
        Line {
            component: component.id.clone(),
            name: component.name.clone(),
            tranche: tranche.id.clone(),
            rule: component.rule.type_name(),
            metric: component.rule.metric().map(str::to_owned),
            status,
            amount: self.money(amount),
            terms_version: None,
            outcome_contingent: component.outcome_contingent,
            payers,
            words: LineWords {
                formula: formula.words,
                rounding: rounding.words,
                caps: caps.iter().map(|c| c.words.clone()).collect(),
                notes: note_words,
            },
            explanation: Explanation {
                inputs: evaluation.inputs,
                conditions,
                formula: formula.text,
                raw_amount: evaluation.raw.normalize().to_string(),
                rounding: rounding.text,
                caps,
                notes,
            },
        }
    }

    /// The lines as the contract lists them: by tranche, then component.
    fn in_contract_order(&mut self) {
        let contract = self.contract;
        let place = |line: &Line| {
            let tranche = contract.tranches.iter().position(|t| t.id == line.tranche);
            let component = contract
                .components
                .iter()
                .position(|c| c.id == line.component);
            (tranche, component)
        };
        self.lines.sort_by_key(place);
    }

    /// The statement: the lines, the totals and the distribution to investors.
    fn statement(self, tranche_totals: &[(&Tranche, i64)]) -> Statement {
        let (contract, currency) = (self.contract, self.currency);
        let money = |minor: i64| Money::from_minor(minor, currency).amount_string();
        let distribution = self.distribution(tranche_totals);
        let non_contingent_total = contract
            .components
            .iter()
            .any(|c| !c.outcome_contingent)
            .then(|| {
                let lines = self.lines.iter().filter(|l| !l.outcome_contingent);
                money(
                    lines
                        .map(|l| Money::parse(&l.amount, currency).map_or(0, Money::minor))
                        .sum(),
                )
            });
        Statement {
            schema: statement::STATEMENT_SCHEMA,
            engine_version: ENGINE_VERSION,
            contract: contract.code.clone(),
            contract_sha256: sha256_json(contract),
            outcomes_sha256: String::new(),
            currency,
            total: money(self.totals.contract_paid),
            max_total_payment: contract
                .max_total_payment
                .map(|m| m.normalize().to_string()),
            max_contingent_payment: contract
                .max_contingent_payment
                .map(|m| m.normalize().to_string()),
            rounding: contract.rounding,
            non_contingent_total,
            tranches: contract
                .tranches
                .iter()
                .filter_map(|t| tranche_totals.iter().find(|(x, _)| x.id == t.id))
                .map(|(t, amount)| TrancheTotal {
                    tranche: t.id.clone(),
                    due_on: t.due_on,
                    total: money(*amount),
                })
                .collect(),
            payers: contract
                .payers
                .iter()
                .zip(&self.totals.payer_paid)
                .map(|(p, paid)| PayerTotal {
                    payer: p.id.clone(),
                    total: money(*paid),
                    max_payment: p.max_payment.map(|m| m.normalize().to_string()),
                })
                .collect(),
            metrics: contract
                .metrics
                .iter()
                .map(|m| MetricTotal {
                    metric: m.id.clone(),
                    total: money(
                        self.totals
                            .metric_paid
                            .get(m.id.as_str())
                            .copied()
                            .unwrap_or(0),
                    ),
                })
                .collect(),
            lines: self.lines,
            distribution,
        }
    }

    /// The tranche totals through the waterfall, where the contract has investors.
    fn distribution(&self, tranche_totals: &[(&Tranche, i64)]) -> Option<statement::Distribution> {
        if self.contract.investments.is_empty() {
            return None;
        }
        let receipts: Vec<waterfall::Receipt<'_>> = tranche_totals
            .iter()
            .map(|(t, amount)| waterfall::Receipt {
                tranche: &t.id,
                date: t.due_on,
                amount: *amount,
            })
            .collect();
        // Guarantees are called, and losses realised, only once every tranche is final.
        let every_tranche_final = !self
            .lines
            .iter()
            .any(|l| l.status == LineStatus::AwaitingData);
        Some(waterfall::distribute(
            self.contract,
            &receipts,
            every_tranche_final,
        ))
    }
}

fn sum(parts: &[i64]) -> Option<i64> {
    parts
        .iter()
        .try_fold(0_i64, |sum, part| sum.checked_add(*part))
}

/// A line of a tranche whose cap follows a count not verified yet: nothing can be paid until
/// the count is known, so the line awaits it (an amount of 0 is left as it is).
fn awaiting_count(line: &mut Working<'_>, note: Note) {
    if line.amount == 0 {
        return;
    }
    line.amount = 0;
    line.evaluation.status = LineStatus::AwaitingData;
    line.evaluation.notes.push(note);
}

/// A running total that a cap limits: cuts `amount` to the room left and records the cut.
/// Whether it bound.
fn apply_cap(
    amount: &mut i64,
    limit: Option<Decimal>,
    used: i64,
    name: CapName,
    currency: Currency,
    caps: &mut Vec<CapCut>,
) -> bool {
    let Some(limit) = limit else { return false };
    let limit_minor = Money::from_decimal(limit, currency).map_or(i64::MAX, Money::minor);
    let room = (limit_minor - used).max(0);
    if *amount > room {
        let cut = *amount - room;
        caps.push(CapCut {
            name,
            limit,
            reduced_by: Money::from_minor(cut, currency).to_decimal(),
        });
        *amount = room;
        return true;
    }
    false
}

/// Running totals near the limit of the currency's minor units are refused, naming the
/// component, never a panic.
fn overflow(line: &Working<'_>) -> EngineError {
    let (component, tranche) = (line.component, &line.tranche.id);
    let (id, (metric, metric_ja)) = (&component.id, of_metric(component));
    component_refusal(
        component,
        msg!(
            "engine.total_overflow",
            "amounts whose totals the currency's minor units can hold: component `{id}` in tranche `{tranche}` made the running totals overflow with the verified data{metric}",
            "通貨の最小単位で合計を保持できる金額: 支払時期 `{tranche}` の支払項目 `{id}` で検証済みデータ{metric_ja}により累計が桁あふれしました"
        ),
    )
}

/// A refusal of the verified data naming the component, its tranche and its metric: what was
/// expected, and what happened instead.
fn component_refusal(component: &Component, message: Msg) -> EngineError {
    EngineError::Outcomes(vec![Issue::new(
        format!("components.{}", component.id),
        message,
    )])
}

/// " of metric `x`" in each language, for a refusal naming the component's metric.
fn of_metric(component: &Component) -> (String, String) {
    component
        .rule
        .metric()
        .map(|m| (format!(" of metric `{m}`"), format!("（指標 `{m}`）")))
        .unwrap_or_default()
}
