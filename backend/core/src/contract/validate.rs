//! Validation of contract terms: every problem at once, each naming its field (a JSON path) and
//! what was expected, in the order a reader meets the fields.

use std::collections::{BTreeMap, HashSet};

use rust_decimal::Decimal;

use super::*;
use crate::msg;

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

/// The ids the components may refer to.
struct Known<'a> {
    payers: HashSet<&'a str>,
    tranches: HashSet<&'a str>,
    metrics: HashSet<&'a str>,
}

/// What the components use, for the checks across them.
#[derive(Default)]
struct Used<'a> {
    metrics: HashSet<&'a str>,
    fixed_by_tranche: BTreeMap<&'a str, Decimal>,
}

impl Contract {
    /// Every problem with the terms; empty when the contract can be computed.
    pub fn validate(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let mut check = Checker {
            currency: self.currency,
            issues: &mut issues,
        };
        self.check_header(&mut check);
        self.check_dates_and_budget(&mut check);
        let known = Known {
            payers: self.check_payers(&mut check),
            tranches: self.check_tranches(&mut check),
            metrics: self.check_metrics(&mut check),
        };
        self.check_components(&mut check, &known);
        self.check_investments(&mut check);
        self.check_coupon_steps(&mut check);
        self.check_waterfall(&mut check);
        issues
    }

    /// The schema, data checks, invoicing, code, rounding and maximum.
    fn check_header(&self, check: &mut Checker<'_>) {
        let issues = &mut *check.issues;
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
        if let Some(max) = self.max_total_payment {
            check.money("max_total_payment".into(), max);
        }
        if let Some(max) = self.max_contingent_payment {
            check.money("max_contingent_payment".into(), max);
        }
    }

    fn check_dates_and_budget(&self, check: &mut Checker<'_>) {
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
    }

    /// The payers and their shares; returns their ids.
    fn check_payers(&self, check: &mut Checker<'_>) -> HashSet<&str> {
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
        unique(
            check.issues,
            "payers",
            self.payers.iter().map(|p| p.id.as_str()),
        )
    }

    /// The tranches in date order; returns their ids.
    fn check_tranches(&self, check: &mut Checker<'_>) -> HashSet<&str> {
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
            if let Some(per) = &t.cap_per_count {
                check.money(format!("tranches[{i}].cap_per_count.amount"), per.amount);
                self.check_count_metric(
                    check,
                    format!("tranches[{i}].cap_per_count.metric"),
                    &per.metric,
                );
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
        unique(
            check.issues,
            "tranches",
            self.tranches.iter().map(|t| t.id.as_str()),
        )
    }

    /// A metric that counts (unit `count`): what a cap per one counted multiplies by.
    fn check_count_metric(&self, check: &mut Checker<'_>, field: String, id: &str) {
        match self.metric(id) {
            Some(m) if m.unit == MetricUnit::Count => {}
            Some(m) => {
                let unit = serde_json::to_value(m.unit).unwrap_or_default();
                let unit = unit.as_str().unwrap_or_default();
                check.issues.push(Issue::new(
                    field,
                    msg!(
                        "contract.count_metric",
                        "a metric of unit `count` (the number counted in each period); `{id}` is of unit `{unit}`",
                        "単位が `count`（期間ごとに数えた人数など）の指標。`{id}` の単位は `{unit}` です"
                    ),
                ));
            }
            None => check.issues.push(Issue::new(
                field,
                msg!(
                    "contract.metric_id",
                    "the id of a metric",
                    "契約にある指標の ID"
                ),
            )),
        }
    }

    /// The metrics' rates and caps; returns their ids.
    fn check_metrics(&self, check: &mut Checker<'_>) -> HashSet<&str> {
        let ids = unique(
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

        ids
    }

    /// Each component, then what holds across them: every metric used, fixed fees within the
    /// maxima.
    fn check_components(&self, check: &mut Checker<'_>, known: &Known<'_>) {
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
        let mut used = Used::default();
        for (i, c) in self.components.iter().enumerate() {
            let at = format!("components[{i}]");
            self.check_component_refs(check, &at, c, known);
            check_conditions(check, &at, c, known, &mut used);
            self.validate_rule(check, &format!("{at}.rule"), &c.rule);
            check_fixed(check, &at, c, &mut used);
        }
        self.check_metrics_used(check, &used);
        self.check_fixed_fees(check, &used);
    }

    /// What a component refers to: earlier components, its tranche and payer; its cap; whether
    /// it may be outside the outcome-contingent part.
    fn check_component_refs(
        &self,
        check: &mut Checker<'_>,
        at: &str,
        c: &Component,
        known: &Known<'_>,
    ) {
        let (tranches, payers) = (&known.tranches, &known.payers);
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
                msg!(
                    "contract.at_risk",
                    "true, unless the component is a fixed payment without conditions or milestone \
                     (only such money does not depend on outcomes)",
                    "true（条件もマイルストーンもない固定支払のみが成果に左右されない支払です）"
                ),
            ));
        }
    }

    fn check_metrics_used(&self, check: &mut Checker<'_>, used: &Used<'_>) {
        let used_metrics = &used.metrics;
        let counted = |id: &str| {
            self.tranches
                .iter()
                .filter_map(|t| t.cap_per_count.as_ref())
                .any(|per| per.metric == id)
        };
        for (i, m) in self.metrics.iter().enumerate() {
            if !used_metrics.contains(m.id.as_str()) && !counted(&m.id) {
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
    }

    /// The fixed fees fit under the contract's maximum and each tranche's cap.
    fn check_fixed_fees(&self, check: &mut Checker<'_>, used: &Used<'_>) {
        let fixed_by_tranche = &used.fixed_by_tranche;
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
    }

    /// Each investment: commitment, drawdowns, rate, what a guarantee covers, units.
    fn check_investments(&self, check: &mut Checker<'_>) {
        let investment_ids = unique(
            check.issues,
            "investments",
            self.investments.iter().map(|v| v.id.as_str()),
        );
        for (i, inv) in self.investments.iter().enumerate() {
            let at = format!("investments[{i}]");
            check_investment(check, &at, inv, &investment_ids);
            if let Some(units) = &inv.units {
                self.check_units(check, &at, inv, units);
            }
        }
    }

    /// An investment's units: only on a loan, bond or equity; a whole count; a price that
    /// multiplies to the commitment; the redemption's maximum or steps.
    fn check_units(&self, check: &mut Checker<'_>, at: &str, inv: &Investment, units: &UnitTerms) {
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
        } else if Decimal::from(units.count).checked_mul(units.unit_price) != Some(inv.committed) {
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
            self.check_redemption_steps(check, at, units);
        }
    }

    fn check_redemption_steps(&self, check: &mut Checker<'_>, at: &str, units: &UnitTerms) {
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
                    msg!(
                        "investment.max_redemption",
                        "a rate of the unit price above 0 (1.05 for 105 %), at most 100",
                        "1口の価格に対する 0 より大きく 100 以下の率（1.05 は 105%）"
                    ),
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

    /// Coupons stepped by the share of the maximum received.
    fn check_coupon_steps(&self, check: &mut Checker<'_>) {
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
    }

    /// The waterfall's fees and residual shares, and a waterfall wherever there are investors.
    fn check_waterfall(&self, check: &mut Checker<'_>) {
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
    }
}

/// A component's conditions, and the metric its rule reads: metrics of the contract.
fn check_conditions<'a>(
    check: &mut Checker<'_>,
    at: &str,
    c: &'a Component,
    known: &Known<'_>,
    used: &mut Used<'a>,
) {
    let (metric_ids, used_metrics) = (&known.metrics, &mut used.metrics);
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
    if let Rule::Deduction { indicators, .. } = &c.rule {
        for (j, indicator) in indicators.iter().enumerate() {
            used_metrics.insert(&indicator.metric);
            if !metric_ids.contains(indicator.metric.as_str()) {
                check.issues.push(Issue::new(
                    format!("{at}.rule.indicators[{j}].metric"),
                    msg!(
                        "contract.metric_id",
                        "the id of a metric",
                        "契約にある指標の ID"
                    ),
                ));
            }
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
}

/// A fixed fee within the component's cap; counted towards its tranche's fixed fees.
fn check_fixed<'a>(check: &mut Checker<'_>, at: &str, c: &'a Component, used: &mut Used<'a>) {
    let fixed_by_tranche = &mut used.fixed_by_tranche;
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

/// An investment's commitment, drawdowns, rate and what a guarantee covers.
fn check_investment(
    check: &mut Checker<'_>,
    at: &str,
    inv: &Investment,
    investment_ids: &HashSet<&str>,
) {
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
}

impl Contract {
    fn validate_rule(&self, check: &mut Checker<'_>, at: &str, rule: &Rule) {
        let direction = rule
            .metric()
            .and_then(|m| self.metric(m))
            .map(|m| m.direction);
        match rule {
            Rule::Fixed { amount, .. } => check.money(format!("{at}.amount"), *amount),
            Rule::RateCard { .. } => check_rate_card(check, at, rule),
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
            Rule::Linear { .. } => self.check_linear(check, at, rule, direction),
            Rule::Corridor { .. } => check_corridor(check, at, rule, direction),
            Rule::Comparison { blend, pay, .. } => check_comparison(check, at, blend, pay),
            Rule::SavingsShare { .. } => check_savings_share(check, at, rule),
            Rule::Deduction { .. } => check_deduction(check, at, rule),
        }
    }

    /// A linear rule: a target above 0; below a lower-is-better metric's baseline.
    fn check_linear(
        &self,
        check: &mut Checker<'_>,
        at: &str,
        rule: &Rule,
        direction: Option<Direction>,
    ) {
        let Rule::Linear {
            target,
            max_amount,
            floor_ratio,
            metric,
            ..
        } = rule
        else {
            return;
        };
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
}

/// A deduction (指標連動方式): a base fee; indicators, each with a bound and points above 0;
/// bands in ascending order of points, each deducting a larger share (above 0, at most 1).
fn check_deduction(check: &mut Checker<'_>, at: &str, rule: &Rule) {
    let Rule::Deduction {
        base,
        indicators,
        bands,
    } = rule
    else {
        return;
    };
    check.money(format!("{at}.base"), *base);
    if indicators.is_empty() {
        check.issues.push(Issue::new(
            format!("{at}.indicators"),
            msg!(
                "deduction.no_indicator",
                "at least one performance indicator",
                "業績指標が少なくとも一つ必要です"
            ),
        ));
    }
    for (i, indicator) in indicators.iter().enumerate() {
        if indicator.at_least.is_none() && indicator.at_most.is_none() {
            check.issues.push(Issue::new(
                format!("{at}.indicators[{i}]"),
                msg!(
                    "contract.comparison",
                    "at_least or at_most",
                    "at_least（以上）または at_most（以下）"
                ),
            ));
        }
        if indicator.points == 0 {
            check.issues.push(Issue::new(
                format!("{at}.indicators[{i}].points"),
                msg!("contract.at_least_one", "1 or more", "1 以上"),
            ));
        }
    }
    check_bands(check, at, bands);
}

/// The bands of a deduction: at least one, points rising, deductions rising.
fn check_bands(check: &mut Checker<'_>, at: &str, bands: &[DeductionBand]) {
    if bands.is_empty() {
        check.issues.push(Issue::new(
            format!("{at}.bands"),
            msg!(
                "deduction.no_band",
                "at least one band (from how many points, how much is deducted)",
                "減額の区分（何ポイントから何割減額するか）が少なくとも一つ必要です"
            ),
        ));
    }
    for (i, band) in bands.iter().enumerate() {
        check.fraction(format!("{at}.bands[{i}].deduct"), band.deduct, false);
        let Some(previous) = i.checked_sub(1).map(|p| &bands[p]) else {
            continue;
        };
        if band.points <= previous.points || band.deduct < previous.deduct {
            check.issues.push(Issue::new(
                format!("{at}.bands[{i}]"),
                msg!(
                    "deduction.band_order",
                    "bands in ascending order: more points than the band before, and a deduction at least as large",
                    "区分は昇順に: 前の区分より多いポイントで、減額割合は前の区分以上"
                ),
            ));
        }
    }
}

/// A rate card: priced outcomes with their caps, times and spacing; caps per participant.
fn check_rate_card(check: &mut Checker<'_>, at: &str, rule: &Rule) {
    let Rule::RateCard {
        outcomes,
        cap_per_participant,
        cap_per_participant_per_year,
        ..
    } = rule
    else {
        return;
    };
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

/// A corridor: full_at beyond none_at in the metric's direction; steps within the maximum.
fn check_corridor(check: &mut Checker<'_>, at: &str, rule: &Rule, direction: Option<Direction>) {
    let Rule::Corridor {
        none_at,
        full_at,
        max_amount,
        steps,
        ..
    } = rule
    else {
        return;
    };
    check.money(format!("{at}.max_amount"), *max_amount);
    let expected = match direction {
        Some(Direction::LowerIsBetter) => full_at < none_at,
        _ => full_at > none_at,
    };
    if !expected {
        check.issues.push(Issue::new(
            format!("{at}.full_at"),
            msg!(
                "rule.full_at",
                "full_at better than none_at in the metric's direction",
                "満額の値（full_at）は支払なしの値（none_at）より指標の向きで良い値にしてください"
            ),
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

/// A comparison: blend weights that sum to 1; how the effect pays.
fn check_comparison(check: &mut Checker<'_>, at: &str, blend: &[BlendWeight], pay: &ComparisonPay) {
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
        ComparisonPay::Threshold { amount, .. } => check.money(format!("{at}.pay.amount"), *amount),
        ComparisonPay::Tiers { steps } => check_steps(
            check,
            &format!("{at}.pay.steps"),
            steps,
            Some(Direction::HigherIsBetter),
        ),
        ComparisonPay::PerUnit { price, .. } => check.money(format!("{at}.pay.price"), *price),
    }
}

/// A savings share: both shares, and one hurdle, an amount or a return.
fn check_savings_share(check: &mut Checker<'_>, at: &str, rule: &Rule) {
    let Rule::SavingsShare {
        share_before,
        share_after,
        switch_after,
        switch_after_return,
        ..
    } = rule
    else {
        return;
    };
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
