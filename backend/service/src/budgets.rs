//! A project's budget: the appropriations per fiscal year and account, the multi-year commitment
//! (債務負担行為) and, per year, what claims commit, what was paid and what is still projected,
//! with warnings where a limit would be exceeded (see `domain::budget`).

use seika_core::msg;
use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::projects::{authorize, load_contract};
use super::to_json;
use crate::error::{AppError, AppResult, FieldError};
use seika_core::access::{Actor, ProjectAction};
use seika_core::budget::{BudgetWarning, YearAmounts, YearFigures, assess};
use seika_core::claim::ClaimStatus;
use seika_core::{Currency, Money};
use seika_db::{self as db, DbConn, audit, budgets, claims, payout_runs};
use seika_engine::figures::fiscal_year;

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BudgetLineView {
    pub fiscal_year: i32,
    pub account: String,
    pub code: String,
    pub appropriation: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct YearLimit {
    pub fiscal_year: i32,
    pub limit: Decimal,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CommitmentView {
    pub item: String,
    pub from_fiscal_year: i32,
    pub to_fiscal_year: i32,
    pub total_limit: String,
    pub yearly_limits: Vec<YearLimit>,
}

/// One tranche in the payment schedule.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScheduledPayment {
    pub tranche: String,
    /// When the contract makes the tranche due (the evaluation's date).
    pub due_on: chrono::NaiveDate,
    /// The fiscal year it is charged to.
    pub fiscal_year: i32,
    /// When payment is expected at the latest: due date + days to inspect + days to pay, as the
    /// contract's invoicing terms state (10 + 15 when it states none).
    pub latest_payment_on: chrono::NaiveDate,
    /// What the newest run computes for it.
    pub expected: String,
    /// The most it can still be: the contract's maximum less what the earlier tranches are
    /// expected to take (none without a maximum).
    pub at_most: Option<String>,
    /// `projected`, or the stage its claim has reached: `submitted`, `accepted`, `paid`.
    pub stage: PaymentStage,
}

/// How far a scheduled payment has come: projected by the newest run, or the stage its claim
/// has reached (a returned claim does not count: its tranche is projected again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStage {
    Projected,
    Submitted,
    Accepted,
    Paid,
}

impl PaymentStage {
    fn of(claim: Option<&claims::ClaimRow>) -> Self {
        match claim.map(|c| c.status) {
            None | Some(ClaimStatus::Returned) => PaymentStage::Projected,
            Some(ClaimStatus::Submitted) => PaymentStage::Submitted,
            Some(ClaimStatus::Accepted) => PaymentStage::Accepted,
            Some(ClaimStatus::Paid) => PaymentStage::Paid,
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BudgetView {
    pub currency: String,
    /// Appropriations as entered; when none is, the contract's budget lines stand in.
    pub lines: Vec<BudgetLineView>,
    pub appropriations_from_contract: bool,
    /// The 債務負担行為 in force (the newest).
    pub commitment: Option<CommitmentView>,
    pub years: Vec<YearFigures>,
    pub warnings: Vec<BudgetWarning>,
    /// Each tranche of the newest run in date order, with its expected payment.
    pub schedule: Vec<ScheduledPayment>,
}

pub fn view(conn: &mut DbConn, actor: &Actor, project_id: i64) -> AppResult<BudgetView> {
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::Read)?;
    let (contract, _) = load_contract(conn, project_id, project.current_terms_version)?;
    let currency = contract.currency;
    let mut years = Years::new(currency);
    let (lines, from_contract) = appropriation_lines(conn, project_id, &contract)?;
    for line in &lines {
        let amount = Money::parse(&line.appropriation, currency).map_err(internal)?;
        let y = years.of(line.fiscal_year);
        y.appropriated = Some(match y.appropriated {
            Some(a) => a.checked_add(amount).map_err(internal)?,
            None => amount,
        });
    }
    let commitment = commitment_in_force(conn, project_id, currency, &mut years)?;
    let live: Vec<claims::ClaimRow> = claims::list(conn, project_id)?
        .into_iter()
        .filter(|c| c.status != ClaimStatus::Returned)
        .collect();
    add_claims(&contract, &live, &mut years)?;
    let schedule = match payout_runs::latest(conn, project_id)? {
        Some(run) => schedule_and_projections(&run.statement, &contract, &live, &mut years)?,
        None => Vec::new(),
    };
    for (fy, most) in seika_engine::figures::fiscal_year_maxima(&contract) {
        years.of(fy).maximum = most.map(|d| money(d, currency)).transpose()?;
    }
    let maximum = contract
        .max_total_payment
        .map(|d| money(d, currency))
        .transpose()?;
    let total_limit = commitment
        .as_ref()
        .map(|c| Money::parse(&c.total_limit, currency).map_err(internal))
        .transpose()?;
    let (years, warnings) = assess(&years.map, maximum, total_limit).map_err(internal)?;
    Ok(BudgetView {
        currency: currency.code().to_owned(),
        lines,
        appropriations_from_contract: from_contract,
        commitment,
        years,
        warnings,
        schedule,
    })
}

fn money(amount: Decimal, currency: Currency) -> AppResult<Money> {
    Money::from_decimal(amount, currency).map_err(internal)
}

/// The amounts of each fiscal year, each starting at zero.
struct Years {
    currency: Currency,
    map: BTreeMap<i32, YearAmounts>,
}

impl Years {
    fn new(currency: Currency) -> Self {
        Years {
            currency,
            map: BTreeMap::new(),
        }
    }

    fn of(&mut self, fiscal_year: i32) -> &mut YearAmounts {
        let currency = self.currency;
        self.map
            .entry(fiscal_year)
            .or_insert_with(|| YearAmounts::zero(currency))
    }
}

/// The appropriations as entered, or, when none is, the contract's budget lines (true).
fn appropriation_lines(
    conn: &mut DbConn,
    project_id: i64,
    contract: &seika_core::contract::Contract,
) -> AppResult<(Vec<BudgetLineView>, bool)> {
    let currency = contract.currency;
    let rows = budgets::lines(conn, project_id)?;
    if rows.is_empty() {
        let lines = contract
            .budget
            .iter()
            .map(|line| {
                Ok(BudgetLineView {
                    fiscal_year: line.fiscal_year,
                    account: String::new(),
                    code: String::new(),
                    appropriation: money(line.amount, currency)?.amount_string(),
                })
            })
            .collect::<AppResult<_>>()?;
        return Ok((lines, true));
    }
    let lines = rows
        .iter()
        .map(|row| BudgetLineView {
            fiscal_year: row.fiscal_year,
            account: row.account.clone(),
            code: row.code.clone(),
            appropriation: Money::from_minor(row.appropriation_minor, currency).amount_string(),
        })
        .collect();
    Ok((lines, false))
}

/// The 債務負担行為 in force (the newest), its yearly limits entered into the years.
fn commitment_in_force(
    conn: &mut DbConn,
    project_id: i64,
    currency: Currency,
    years: &mut Years,
) -> AppResult<Option<CommitmentView>> {
    let Some(row) = budgets::commitments(conn, project_id)?.pop() else {
        return Ok(None);
    };
    let yearly: Vec<YearLimit> = serde_json::from_str(&row.yearly_limits).map_err(internal)?;
    for l in &yearly {
        years.of(l.fiscal_year).commitment_limit = Some(money(l.limit, currency)?);
    }
    Ok(Some(CommitmentView {
        item: row.item,
        from_fiscal_year: row.from_fiscal_year,
        to_fiscal_year: row.to_fiscal_year,
        total_limit: Money::from_minor(row.total_limit_minor, currency).amount_string(),
        yearly_limits: yearly,
    }))
}

fn accepted(c: &claims::ClaimRow) -> bool {
    matches!(c.status, ClaimStatus::Accepted | ClaimStatus::Paid)
}

/// What live claims commit (accepted or paid) and what was paid, each in the fiscal year its
/// tranche falls due.
fn add_claims(
    contract: &seika_core::contract::Contract,
    live: &[claims::ClaimRow],
    years: &mut Years,
) -> AppResult<()> {
    let currency = contract.currency;
    let due_year: BTreeMap<&str, i32> = contract
        .tranches
        .iter()
        .map(|t| (t.id.as_str(), fiscal_year(t.due_on)))
        .collect();
    for c in live {
        let Some(&fy) = due_year.get(c.tranche.as_str()) else {
            continue;
        };
        let y = years.of(fy);
        if accepted(c) {
            y.committed = y
                .committed
                .checked_add(Money::from_minor(c.total_minor, currency))
                .map_err(internal)?;
        }
        y.paid = y
            .paid
            .checked_add(Money::from_minor(c.paid_minor, currency))
            .map_err(internal)?;
    }
    Ok(())
}

/// Each tranche of the newest run with its expected payment; what it computes for tranches no
/// claim has committed yet is projected in their years (a claim submitted and not inspected
/// still counts as projected).
fn schedule_and_projections(
    statement: &str,
    contract: &seika_core::contract::Contract,
    live: &[claims::ClaimRow],
    years: &mut Years,
) -> AppResult<Vec<ScheduledPayment>> {
    let currency = contract.currency;
    let terms = contract.invoicing.unwrap_or_default();
    let lag = chrono::Duration::days(i64::from(terms.inspection_days + terms.payment_days()));
    let totals: seika_engine::figures::StatementTotals =
        serde_json::from_str(statement).map_err(internal)?;
    let mut schedule = Vec::new();
    let mut earlier = Money::zero(currency);
    for t in &totals.tranches {
        let expected = Money::parse(&t.total, currency).map_err(internal)?;
        let at_most = contract
            .max_total_payment
            .map(|max| -> AppResult<String> {
                Ok(money(max, currency)?
                    .checked_sub(earlier)
                    .map_err(internal)?
                    .amount_string())
            })
            .transpose()?;
        earlier = earlier.checked_add(expected).map_err(internal)?;
        let claim = live.iter().find(|c| c.tranche == t.tranche);
        schedule.push(ScheduledPayment {
            tranche: t.tranche.clone(),
            due_on: t.due_on,
            fiscal_year: fiscal_year(t.due_on),
            latest_payment_on: t.due_on + lag,
            expected: expected.amount_string(),
            at_most,
            stage: PaymentStage::of(claim),
        });
        if !live.iter().any(|c| c.tranche == t.tranche && accepted(c)) {
            let y = years.of(fiscal_year(t.due_on));
            y.projected = y.projected.checked_add(expected).map_err(internal)?;
        }
    }
    Ok(schedule)
}

fn fiscal_year_ok(fy: i32) -> bool {
    (1990..=2100).contains(&fy)
}

fn positive(amount: Decimal, currency: Currency, allow_zero: bool) -> Option<Money> {
    Money::from_decimal(amount, currency)
        .ok()
        .filter(|m| !m.is_negative() && (allow_zero || !m.is_zero()))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetLineInput {
    pub fiscal_year: i32,
    /// 一般会計, or the special account (e.g. 国民健康保険特別会計).
    pub account: String,
    /// 款・項・目・節, if wanted.
    #[serde(default)]
    pub code: String,
    pub appropriation: Decimal,
}

/// Adds an appropriation (the owner's government staff).
pub fn add_line(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    input: BudgetLineInput,
) -> AppResult<BudgetView> {
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::ManageTerms)?;
    let currency = Currency::from_code(&project.currency).map_err(internal)?;
    let mut errors = Vec::new();
    if !fiscal_year_ok(input.fiscal_year) {
        errors.push(FieldError::new(
            "fiscal_year",
            msg!(
                "budget.fiscal_year",
                "a fiscal year such as 2024 (April 2024 to March 2025)",
                "2024 のような年度（2024年4月〜2025年3月）"
            ),
        ));
    }
    if input.account.trim().is_empty() || input.account.chars().count() > 100 {
        errors.push(FieldError::new(
            "account",
            msg!(
                "text.length_100",
                "a text of 1 to 100 characters",
                "1〜100文字"
            ),
        ));
    }
    if input.code.chars().count() > 100 {
        errors.push(FieldError::new(
            "code",
            msg!(
                "text.length_100",
                "a text of 1 to 100 characters",
                "1〜100文字"
            ),
        ));
    }
    let amount = positive(input.appropriation, currency, true);
    if amount.is_none() {
        errors.push(FieldError::new(
            "appropriation",
            msg!(
                "amount.non_negative_minor",
                "a non-negative amount in whole {currency} minor units",
                "{currency} の最小単位の整数倍の 0 以上の金額"
            ),
        ));
    }
    let (Some(amount), true) = (amount, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    db::audited_write(conn, |conn, chain| {
        budgets::insert_line(
            conn,
            project_id,
            input.fiscal_year,
            input.account.trim(),
            input.code.trim(),
            amount.minor(),
            actor.user_id,
        )
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                AppError::Conflict(msg!(
                    "budget.appropriation_exists",
                    "this fiscal year already has an appropriation on that account and code",
                    "この年度・会計・科目の予算額は既に登録されています"
                ))
            } else {
                e.into()
            }
        })?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "budget.line_added",
                entity: "project",
                entity_id: project_id.to_string(),
                before: None,
                after: Some(to_json(&serde_json::json!({
                    "fiscal_year": input.fiscal_year,
                    "account": input.account.trim(),
                    "code": input.code.trim(),
                    "appropriation": amount.amount_string(),
                }))?),
            },
        )?;
        view(conn, actor, project_id)
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentInput {
    /// 事項, as the assembly's resolution names it.
    pub item: String,
    pub from_fiscal_year: i32,
    pub to_fiscal_year: i32,
    pub total_limit: Decimal,
    #[serde(default)]
    pub yearly_limits: Vec<YearLimit>,
}

/// Records the 債務負担行為 the assembly approved (the owner's government staff). A newer one
/// replaces the older as the one in force; both stay on record.
pub fn add_commitment(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    input: CommitmentInput,
) -> AppResult<BudgetView> {
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::ManageTerms)?;
    let currency = Currency::from_code(&project.currency).map_err(internal)?;
    let mut errors = Vec::new();
    if input.item.trim().is_empty() || input.item.chars().count() > 300 {
        errors.push(FieldError::new(
            "item",
            msg!(
                "text.length_300",
                "a text of 1 to 300 characters",
                "1〜300文字"
            ),
        ));
    }
    if !fiscal_year_ok(input.from_fiscal_year) {
        errors.push(FieldError::new(
            "from_fiscal_year",
            msg!(
                "budget.fiscal_year",
                "a fiscal year such as 2024 (April 2024 to March 2025)",
                "2024 のような年度（2024年4月〜2025年3月）"
            ),
        ));
    }
    if !fiscal_year_ok(input.to_fiscal_year) || input.to_fiscal_year < input.from_fiscal_year {
        errors.push(FieldError::new(
            "to_fiscal_year",
            msg!(
                "budget.fiscal_year_from",
                "a fiscal year from {}",
                "{} 以降の年度",
                input.from_fiscal_year
            ),
        ));
    }
    let total = positive(input.total_limit, currency, false);
    if total.is_none() {
        errors.push(FieldError::new(
            "total_limit",
            msg!(
                "amount.positive_minor",
                "a positive amount in whole {currency} minor units",
                "{currency} の最小単位の整数倍の正の金額"
            ),
        ));
    }
    for (i, l) in input.yearly_limits.iter().enumerate() {
        if !(input.from_fiscal_year..=input.to_fiscal_year).contains(&l.fiscal_year)
            || input.yearly_limits[..i]
                .iter()
                .any(|o| o.fiscal_year == l.fiscal_year)
        {
            errors.push(FieldError::new(
                format!("yearly_limits[{i}].fiscal_year"),
                msg!(
                    "budget.commitment_year",
                    "a fiscal year of the commitment's period, once",
                    "債務負担行為の期間内の年度（重複なし）"
                ),
            ));
        }
        if positive(l.limit, currency, true).is_none() {
            errors.push(FieldError::new(
                format!("yearly_limits[{i}].limit"),
                msg!(
                    "amount.non_negative_minor",
                    "a non-negative amount in whole {currency} minor units",
                    "{currency} の最小単位の整数倍の 0 以上の金額"
                ),
            ));
        }
    }
    let (Some(total), true) = (total, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let yearly = serde_json::to_string(&input.yearly_limits).map_err(internal)?;
    db::audited_write(conn, |conn, chain| {
        budgets::insert_commitment(
            conn,
            project_id,
            input.item.trim(),
            input.from_fiscal_year,
            input.to_fiscal_year,
            total.minor(),
            &yearly,
            actor.user_id,
        )?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "budget.commitment_added",
                entity: "project",
                entity_id: project_id.to_string(),
                before: None,
                after: Some(to_json(&serde_json::json!({
                    "item": input.item.trim(),
                    "from_fiscal_year": input.from_fiscal_year,
                    "to_fiscal_year": input.to_fiscal_year,
                    "total_limit": total.amount_string(),
                    "yearly_limits": input.yearly_limits,
                }))?),
            },
        )?;
        view(conn, actor, project_id)
    })
}
