//! Claims (請求), inspections (検査) and payments (支払): money as it really moves. A claim asks one
//! payer for one tranche's amount as a payout run's statement computed it; the payer's staff
//! inspect it (another person than who prepared it) and accept or return it; payments are
//! recorded against an accepted claim, in part or in full. Deadlines and late interest follow
//! the contract's invoicing terms (see `domain::claim`). Nothing computed is called paid: only a
//! recorded payment is.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use seika_core::duty::Duty;
use seika_core::msg;
use serde::{Deserialize, Serialize};

use super::projects::{authorize, load_contract};
use super::to_json;
use crate::error::{AppError, AppResult, FieldError, Thing};
use seika_core::access::{Actor, PartyRole, PartyStatus, ProjectAction};
use seika_core::claim::{ClaimStatus, InvoiceTerms, check_invoice_number, late_interest};
use seika_core::user::Role;
use seika_core::{Currency, Money, MoneyError};
use seika_db::{self as db, DbConn, audit, claims, organizations, payout_runs, projects, users};

/// Today in Japan (UTC+9, no daylight saving): the day deadlines are counted in.
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(9)).date_naive()
}

// ---- What a statement says (the part a claim needs) --------------------------------------------

#[derive(Debug, Deserialize)]
struct StatementLines {
    lines: Vec<StatementLine>,
    tranches: Vec<seika_engine::statement::TrancheTotal>,
}

#[derive(Debug, Deserialize)]
struct StatementLine {
    component: String,
    #[serde(default)]
    name: Option<seika_core::contract::Name>,
    tranche: String,
    status: String,
    payers: Vec<StatementPayer>,
}

#[derive(Debug, Deserialize)]
struct StatementPayer {
    payer: String,
    amount: String,
}

/// One line of a claim: a component of the tranche and the payer's part of it.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClaimLine {
    pub component: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The payer's part of the line, as the statement computed it.
    pub amount: String,
}

// ---- Views -------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InspectionView {
    pub inspected_by: String,
    pub inspected_on: NaiveDate,
    /// `accepted` or `returned`.
    pub result: String,
    /// What the inspector checked.
    pub checks: Vec<String>,
    pub reason: Option<String>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PaymentView {
    pub paid_on: NaiveDate,
    pub amount: String,
    pub budget_account: String,
    pub reference: String,
    pub recorded_by: String,
    /// Days after the payment deadline (0 when on time).
    pub days_late: i64,
    /// Late-payment interest this payment owes (0 when on time or no rate is stated).
    pub late_interest: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ClaimView {
    pub id: i64,
    pub project_id: i64,
    /// The payout run and the hash of the statement the claim rests on.
    pub payout_run_id: i64,
    pub statement_sha256: String,
    pub tranche: String,
    /// The tranche's due date, and the fiscal year (April–March) the claim is charged to.
    pub tranche_due_on: NaiveDate,
    pub fiscal_year: i32,
    pub payer: String,
    pub payer_name_ja: String,
    pub payer_name_en: String,
    pub issuer_name_ja: String,
    pub issuer_name_en: String,
    pub invoice_number: String,
    pub issued_on: NaiveDate,
    pub received_on: NaiveDate,
    pub description: String,
    pub lines: Vec<ClaimLine>,
    pub currency: String,
    pub amounts_include_tax: bool,
    pub tax_rate: String,
    /// Amount excluding consumption tax, the tax (rounded once for the invoice), and the total.
    pub net: String,
    pub tax: String,
    pub total: String,
    /// Recorded payments so far, and what is still owed.
    pub paid: String,
    pub outstanding: String,
    pub status: ClaimStatus,
    pub inspection_due_on: NaiveDate,
    pub payment_due_on: NaiveDate,
    /// Submitted and not inspected after its inspection deadline.
    pub inspection_overdue: bool,
    /// Accepted, not paid in full, after its payment deadline.
    pub payment_overdue: bool,
    pub late_interest_annual_rate: Option<String>,
    /// Interest owed on payments made late, plus interest accruing to today on what is overdue.
    pub late_interest_on_payments: String,
    pub late_interest_accruing: String,
    pub prepared_by: String,
    pub inspections: Vec<InspectionView>,
    pub payments: Vec<PaymentView>,
    pub version: i32,
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

fn money_err(e: MoneyError) -> AppError {
    internal(e)
}

fn user_name(conn: &mut DbConn, id: i64) -> AppResult<String> {
    Ok(users::find(conn, id)?
        .map(|u| u.display_name)
        .unwrap_or_default())
}

fn org_names(conn: &mut DbConn, id: i64) -> AppResult<(String, String)> {
    let org = organizations::find(conn, id)?
        .ok_or_else(|| internal("claim names an organization that does not exist"))?;
    Ok((org.name_ja, org.name_en))
}

fn view(conn: &mut DbConn, row: claims::ClaimRow, today: NaiveDate) -> AppResult<ClaimView> {
    let currency = Currency::from_code(&row.currency).map_err(money_err)?;
    let yen = |minor: i64| Money::from_minor(minor, currency);
    let rate: Option<Decimal> = row
        .late_interest_rate
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(internal)?;
    let mut payments = Vec::new();
    let mut on_payments = Money::zero(currency);
    for p in claims::payments(conn, row.id)? {
        let days_late = (p.paid_on - row.payment_due_on).num_days().max(0);
        let interest = match rate {
            Some(rate) => late_interest(yen(p.amount_minor), row.payment_due_on, p.paid_on, rate)
                .map_err(money_err)?,
            None => Money::zero(currency),
        };
        on_payments = on_payments.checked_add(interest).map_err(money_err)?;
        payments.push(PaymentView {
            paid_on: p.paid_on,
            amount: yen(p.amount_minor).amount_string(),
            budget_account: p.budget_account,
            reference: p.reference,
            recorded_by: user_name(conn, p.recorded_by)?,
            days_late,
            late_interest: interest.amount_string(),
        });
    }
    let status = row.status;
    let outstanding = yen(row.total_minor - row.paid_minor);
    let payment_overdue =
        status == ClaimStatus::Accepted && !outstanding.is_zero() && today > row.payment_due_on;
    let accruing = match (rate, payment_overdue) {
        (Some(rate), true) => {
            late_interest(outstanding, row.payment_due_on, today, rate).map_err(money_err)?
        }
        _ => Money::zero(currency),
    };
    let mut inspections = Vec::new();
    for i in claims::inspections(conn, row.id)? {
        inspections.push(InspectionView {
            inspected_by: user_name(conn, i.inspected_by)?,
            inspected_on: i.inspected_on,
            result: i.result,
            checks: serde_json::from_str(&i.checks).map_err(internal)?,
            reason: i.reason,
            recorded_at: i.created_at,
        });
    }
    let (payer_name_ja, payer_name_en) = org_names(conn, row.payer_organization_id)?;
    let (issuer_name_ja, issuer_name_en) = org_names(conn, row.issuer_organization_id)?;
    Ok(ClaimView {
        id: row.id,
        project_id: row.project_id,
        payout_run_id: row.payout_run_id,
        statement_sha256: row.statement_sha256,
        tranche: row.tranche,
        tranche_due_on: row.tranche_due_on,
        fiscal_year: seika_engine::figures::fiscal_year(row.tranche_due_on),
        payer: row.payer,
        payer_name_ja,
        payer_name_en,
        issuer_name_ja,
        issuer_name_en,
        invoice_number: row.invoice_number,
        issued_on: row.issued_on,
        received_on: row.received_on,
        description: row.description,
        lines: serde_json::from_str(&row.lines).map_err(internal)?,
        currency: row.currency,
        amounts_include_tax: row.amounts_include_tax,
        tax_rate: row.tax_rate,
        net: yen(row.net_minor).amount_string(),
        tax: yen(row.tax_minor).amount_string(),
        total: yen(row.total_minor).amount_string(),
        paid: yen(row.paid_minor).amount_string(),
        outstanding: outstanding.amount_string(),
        status,
        inspection_due_on: row.inspection_due_on,
        payment_due_on: row.payment_due_on,
        inspection_overdue: status == ClaimStatus::Submitted && today > row.inspection_due_on,
        payment_overdue,
        late_interest_annual_rate: row.late_interest_rate,
        late_interest_on_payments: on_payments.amount_string(),
        late_interest_accruing: accruing.amount_string(),
        prepared_by: user_name(conn, row.prepared_by)?,
        inspections,
        payments,
        version: row.lock_version,
    })
}

fn load(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
    action: ProjectAction,
) -> AppResult<claims::ClaimRow> {
    authorize(conn, actor, project_id, action)?;
    claims::find(conn, project_id, id)?.ok_or_else(|| AppError::not_found(Thing::Claim))
}

// ---- Reading -----------------------------------------------------------------------------------

pub fn list(conn: &mut DbConn, actor: &Actor, project_id: i64) -> AppResult<Vec<ClaimView>> {
    authorize(conn, actor, project_id, ProjectAction::Read)?;
    let today = today();
    claims::list(conn, project_id)?
        .into_iter()
        .map(|row| view(conn, row, today))
        .collect()
}

pub fn get(conn: &mut DbConn, actor: &Actor, project_id: i64, id: i64) -> AppResult<ClaimView> {
    let row = load(conn, actor, project_id, id, ProjectAction::Read)?;
    view(conn, row, today())
}

// ---- Preparing a claim -------------------------------------------------------------------------

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// The payout run whose statement the claim rests on.
    pub payout_run_id: i64,
    pub tranche: String,
    /// The payer as the contract names it (its organization's slug).
    pub payer: String,
    /// The amount claimed in the contract's terms (tax included or not, as the contract says);
    /// the statement's amount for this tranche and payer when left out.
    pub amount: Option<Decimal>,
    /// 適格請求書発行事業者の登録番号: T and 13 digits.
    pub invoice_number: String,
    pub issued_on: NaiveDate,
    /// When government staff enter a paper claim: the day they received it. Others submit
    /// through Seika, and the claim is received today.
    pub received_on: Option<NaiveDate>,
    pub description: String,
    /// The contractor issuing the claim, when government staff enter it on its behalf.
    pub issuer_organization_id: Option<i64>,
}

/// The statement's lines of `tranche` for `payer`, refusing a tranche that is not final.
fn tranche_lines(
    statement: &str,
    tranche: &str,
    payer: &str,
    currency: Currency,
) -> AppResult<(Vec<ClaimLine>, Money, NaiveDate)> {
    let parsed: StatementLines = serde_json::from_str(statement).map_err(internal)?;
    let due_on = parsed
        .tranches
        .iter()
        .find(|t| t.tranche == tranche)
        .map(|t| t.due_on);
    let lines: Vec<&StatementLine> = parsed
        .lines
        .iter()
        .filter(|l| l.tranche == tranche)
        .collect();
    let (false, Some(due_on)) = (lines.is_empty(), due_on) else {
        return Err(AppError::validation(
            "tranche",
            msg!(
                "claim.tranche",
                "a tranche of the statement the claim rests on",
                "請求の基となる算定書の支払時期"
            ),
        ));
    };
    if lines.iter().any(|l| l.status == "awaiting_data") {
        return Err(AppError::validation(
            "tranche",
            msg!(
                "claim.tranche_not_final",
                "a final tranche: every line computed from verified data (none awaiting data)",
                "確定した支払時期（すべての項目が検証済みデータに基づき、データ待ちがないもの）"
            ),
        ));
    }
    let mut total = Money::zero(currency);
    let mut out = Vec::new();
    for line in lines {
        for part in line.payers.iter().filter(|p| p.payer == payer) {
            let amount = Money::parse(&part.amount, currency).map_err(money_err)?;
            total = total.checked_add(amount).map_err(money_err)?;
            out.push(ClaimLine {
                component: line.component.clone(),
                name: line.name.as_ref().map(|n| n.text()),
                amount: amount.amount_string(),
            });
        }
    }
    if out.is_empty() {
        return Err(AppError::validation(
            "payer",
            msg!(
                "claim.tranche_payer_statement",
                "a payer of this tranche in the statement",
                "算定書でこの支払時期を支払う支払者"
            ),
        ));
    }
    Ok((out, total, due_on))
}

/// The accepted party of the project playing one of `roles`, if `organization_id` is one.
fn is_party(
    conn: &mut DbConn,
    project_id: i64,
    organization_id: i64,
    roles: &[PartyRole],
) -> AppResult<bool> {
    Ok(projects::parties(conn, project_id)?.iter().any(|p| {
        p.organization_id == organization_id
            && p.status == PartyStatus::Accepted
            && roles.contains(&p.role)
    }))
}

/// Control characters and the like are refused for every JSON body where it is read
/// (`api::extract`); here only the length.
fn text_field(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() || value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            msg!(
                "text.length",
                "a text of 1 to {max} characters",
                "1〜{max}文字"
            ),
        ));
    }
}

/// What a submission or resubmission states about itself.
struct Submission<'a> {
    invoice_number: &'a str,
    description: &'a str,
    issued_on: NaiveDate,
    received_on: Option<NaiveDate>,
}

/// Checks a (re)submission's registration number, description and dates, and decides the day it
/// is received: today, unless the payer's own staff enter a paper claim received earlier.
fn check_submission(
    actor: &Actor,
    s: Submission<'_>,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> (Option<String>, NaiveDate) {
    let invoice_number = check_invoice_number(s.invoice_number)
        .map_err(|expected| errors.push(FieldError::new("invoice_number", expected)))
        .ok();
    text_field(errors, "description", s.description, 500);
    let received_on = match (actor.role, s.received_on) {
        (Role::GovernmentStaff, Some(day)) => day,
        (_, Some(day)) if day != today => {
            errors.push(FieldError::new(
                "received_on",
                msg!("claim.received_on", "today's date, or none: a claim submitted through Seika is received when it is submitted", "本日の日付（または空欄）: Seika で提出した請求は提出日に受領されます"),
            ));
            today
        }
        _ => today,
    };
    if received_on > today || s.issued_on > received_on {
        errors.push(FieldError::new(
            "issued_on",
            msg!(
                "claim.issued_on",
                "an issue date on or before the day the claim is received, and not in the future",
                "受領日以前の発行日（未来の日付は不可）"
            ),
        ));
    }
    (invoice_number, received_on)
}

/// Prepares and submits a claim: the payer receives it now (or, entered by its own staff, on the
/// day given), and the inspection and payment clocks start.
/// The organization issuing a claim: the caller's, or for government staff entering a paper
/// claim the one named; it must be the project's service provider or intermediary.
fn claim_issuer(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    named: Option<i64>,
    errors: &mut Vec<FieldError>,
) -> AppResult<i64> {
    let issuer = match (actor.role, named) {
        (Role::GovernmentStaff, Some(org)) => org,
        (Role::GovernmentStaff, None) => {
            errors.push(FieldError::new(
                "issuer_organization_id",
                msg!(
                    "claim.issuer",
                    "the service provider or intermediary issuing the claim",
                    "請求を発行するこの事業の民間事業者または中間支援組織"
                ),
            ));
            actor.organization_id
        }
        _ => actor.organization_id,
    };
    if !is_party(
        conn,
        project_id,
        issuer,
        &[PartyRole::ServiceProvider, PartyRole::Intermediary],
    )? {
        errors.push(FieldError::new(
            "issuer_organization_id",
            msg!(
                "claim.issuer_project",
                "the service provider or intermediary of this project",
                "この事業の民間事業者または中間支援組織"
            ),
        ));
    }
    Ok(issuer)
}

/// The outcome payer a claim is addressed to, by its slug: an outcome payer of the project.
fn claim_payer(
    conn: &mut DbConn,
    project_id: i64,
    slug: &str,
    errors: &mut Vec<FieldError>,
) -> AppResult<Option<organizations::OrganizationRow>> {
    match organizations::find_by_slug(conn, slug)? {
        Some(org) if is_party(conn, project_id, org.id, &[PartyRole::OutcomePayer])? => {
            Ok(Some(org))
        }
        _ => {
            errors.push(FieldError::new(
                "payer",
                msg!(
                    "claim.payer",
                    "the slug of an outcome payer of this project",
                    "この事業の成果支払者のスラッグ"
                ),
            ));
            Ok(None)
        }
    }
}

/// The amount claimed: what the statement allows, or a positive part of it; nothing to claim
/// (and no other problem) is a problem of the tranche.
fn claimed_amount(asked: Option<Decimal>, allowed: Money, errors: &mut Vec<FieldError>) -> Money {
    let claimed = asked_amount(asked, allowed, errors);
    if errors.is_empty() && claimed.is_zero() {
        errors.push(FieldError::new(
            "tranche",
            msg!(
                "claim.tranche_payer",
                "a tranche for which the statement computes an amount for this payer",
                "この支払者に算定額がある支払時期"
            ),
        ));
    }
    claimed
}

fn asked_amount(asked: Option<Decimal>, allowed: Money, errors: &mut Vec<FieldError>) -> Money {
    let currency = allowed.currency();
    match asked {
        None => allowed,
        Some(amount) => match Money::from_decimal(amount, currency) {
            Ok(m) if !m.is_negative() && !m.is_zero() && m.minor() <= allowed.minor() => m,
            _ => {
                errors.push(FieldError::new(
                    "amount",
                    msg!("claim.amount_above_statement", "a positive amount in whole {currency} minor units, at most the statement's {}", "{currency} の最小単位の整数倍で、算定額 {} 以下の正の金額", allowed.amount_string()),
                ));
                allowed
            }
        },
    }
}

pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    input: ClaimInput,
) -> AppResult<ClaimView> {
    authorize(conn, actor, project_id, ProjectAction::PrepareClaim)?;
    let run = payout_runs::find(conn, project_id, input.payout_run_id)?.ok_or_else(|| {
        AppError::validation(
            "payout_run_id",
            msg!(
                "claim.payout_run",
                "the id of a payout run of this project",
                "この事業の支払算定の ID"
            ),
        )
    })?;
    let (contract, _) = load_contract(conn, project_id, run.terms_version)?;
    let terms = contract.invoicing.unwrap_or_default();
    let currency = contract.currency;
    let mut errors = Vec::new();
    let today = today();
    let (invoice_number, received_on) = check_submission(
        actor,
        Submission {
            invoice_number: &input.invoice_number,
            description: &input.description,
            issued_on: input.issued_on,
            received_on: input.received_on,
        },
        today,
        &mut errors,
    );
    let issuer = claim_issuer(
        conn,
        actor,
        project_id,
        input.issuer_organization_id,
        &mut errors,
    )?;
    let payer_org = claim_payer(conn, project_id, &input.payer, &mut errors)?;
    let (lines, allowed, tranche_due_on) =
        match tranche_lines(&run.statement, &input.tranche, &input.payer, currency) {
            Ok(found) => found,
            Err(AppError::Validation(mut found)) => {
                errors.append(&mut found);
                (Vec::new(), Money::zero(currency), received_on)
            }
            Err(other) => return Err(other),
        };
    let claimed = claimed_amount(input.amount, allowed, &mut errors);
    let (Some(invoice_number), Some(payer_org), true) =
        (invoice_number, payer_org, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let split = terms.tax(claimed).map_err(money_err)?;
    let (inspection_due_on, payment_due_on) = terms.deadlines(received_on);
    let lines_json = serde_json::to_string(&lines).map_err(internal)?;
    let tax_rate = terms.tax_rate.normalize().to_string();
    let interest = terms
        .late_interest_annual_rate
        .map(|r| r.normalize().to_string());
    let at = db::now();
    db::audited_write(conn, |conn, chain| {
        let row = claims::insert(
            conn,
            &claims::NewClaim {
                project_id,
                payout_run_id: run.id,
                statement_sha256: &run.statement_sha256,
                tranche: &input.tranche,
                tranche_due_on,
                payer: &input.payer,
                payer_organization_id: payer_org.id,
                issuer_organization_id: issuer,
                invoice_number: &invoice_number,
                issued_on: input.issued_on,
                received_on,
                description: input.description.trim(),
                lines: &lines_json,
                currency: currency.code(),
                amounts_include_tax: terms.amounts_include_tax,
                tax_rate: &tax_rate,
                net_minor: split.net.minor(),
                tax_minor: split.tax.minor(),
                total_minor: split.total.minor(),
                status: ClaimStatus::Submitted,
                inspection_due_on,
                payment_due_on,
                late_interest_rate: interest.as_deref(),
                prepared_by: actor.user_id,
                created_at: at,
                updated_at: at,
            },
        )
        .map_err(|e| live_claim_conflict(e, &input.tranche, &input.payer))?;
        let view = view(conn, row, today)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "claim.submitted",
                entity: "claim",
                entity_id: view.id.to_string(),
                before: None,
                after: Some(to_json(&view)?),
            },
        )?;
        Ok(view)
    })
}

fn live_claim_conflict(e: diesel::result::Error, tranche: &str, payer: &str) -> AppError {
    if db::is_unique_violation(&e) {
        AppError::Conflict(msg!(
            "claim.open_already",
            "a claim for tranche {tranche} and payer {payer} is already open or paid; a new one can replace it only once it is returned",
            "支払時期 {tranche}・支払者 {payer} の請求は既に提出済みか支払済みです（差し戻された場合のみ新しい請求で置き換えられます）"
        ))
    } else {
        e.into()
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResubmitInput {
    pub invoice_number: String,
    pub issued_on: NaiveDate,
    pub description: String,
    /// As for a new claim: only the payer's own staff may give a past day.
    pub received_on: Option<NaiveDate>,
}

/// Corrects and resubmits a returned claim; the clocks restart from the day it is received again.
pub fn resubmit(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
    input: ResubmitInput,
) -> AppResult<ClaimView> {
    let row = load(conn, actor, project_id, id, ProjectAction::PrepareClaim)?;
    let (contract, _) = {
        let run = payout_runs::find(conn, project_id, row.payout_run_id)?
            .ok_or_else(|| internal("claim without its payout run"))?;
        load_contract(conn, project_id, run.terms_version)?
    };
    let terms: InvoiceTerms = contract.invoicing.unwrap_or_default();
    let mut errors = Vec::new();
    let today = today();
    let (invoice_number, received_on) = check_submission(
        actor,
        Submission {
            invoice_number: &input.invoice_number,
            description: &input.description,
            issued_on: input.issued_on,
            received_on: input.received_on,
        },
        today,
        &mut errors,
    );
    let (Some(invoice_number), true) = (invoice_number, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let (inspection_due_on, payment_due_on) = terms.deadlines(received_on);
    db::audited_write(conn, |conn, chain| {
        let moved = claims::resubmit(
            conn,
            id,
            &claims::Resubmission {
                invoice_number: &invoice_number,
                issued_on: input.issued_on,
                received_on,
                description: input.description.trim(),
                inspection_due_on,
                payment_due_on,
            },
        )
        .map_err(|e| live_claim_conflict(e, &row.tranche, &row.payer))?;
        if !moved {
            return Err(AppError::Conflict(msg!(
                "claim.not_returned",
                "only a returned claim can be resubmitted",
                "差し戻された請求のみ再提出できます"
            )));
        }
        let after =
            claims::find(conn, project_id, id)?.ok_or_else(|| AppError::not_found(Thing::Claim))?;
        let view = view(conn, after, today)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "claim.resubmitted",
                entity: "claim",
                entity_id: id.to_string(),
                before: Some(serde_json::json!({"status": "returned"})),
                after: Some(to_json(&view)?),
            },
        )?;
        Ok(view)
    })
}

// ---- Inspection and payment --------------------------------------------------------------------

/// Refuses anyone but government staff of the claim's payer.
fn ensure_payer_staff(actor: &Actor, row: &claims::ClaimRow) -> AppResult<()> {
    if actor.organization_id == row.payer_organization_id {
        Ok(())
    } else {
        Err(AppError::Forbidden(msg!(
            "access.claim_payer_only",
            "only staff of the organization the claim is addressed to inspect and pay it",
            "請求の検査と支払は、請求先の組織の職員だけが行えます"
        )))
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionInput {
    pub accept: bool,
    /// What was checked (e.g. "amount matches the statement", "registration number").
    #[serde(default)]
    pub checks: Vec<String>,
    /// Why the claim is returned (required to return it).
    pub reason: Option<String>,
    /// The day of the inspection; today when left out.
    pub inspected_on: Option<NaiveDate>,
}

/// Inspects a submitted claim: accepts it or returns it with a reason. The inspector is not the
/// person who prepared it.
pub fn inspect(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
    input: InspectionInput,
) -> AppResult<ClaimView> {
    let row = load(conn, actor, project_id, id, ProjectAction::PayClaims)?;
    ensure_payer_staff(actor, &row)?;
    if row.prepared_by == actor.user_id {
        return Err(AppError::Forbidden(Duty::ClaimPreparerInspects.message()));
    }
    let today = today();
    let mut errors = Vec::new();
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if !input.accept && reason.is_none() {
        errors.push(FieldError::new(
            "reason",
            msg!(
                "reason.return_claim",
                "the reason for returning the claim",
                "差し戻す理由"
            ),
        ));
    }
    if let Some(r) = reason {
        text_field(&mut errors, "reason", r, 1000);
    }
    for (i, check) in input.checks.iter().enumerate() {
        text_field(&mut errors, &format!("checks[{i}]"), check, 200);
    }
    let inspected_on = input.inspected_on.unwrap_or(today);
    if inspected_on > today || inspected_on < row.received_on {
        errors.push(FieldError::new(
            "inspected_on",
            msg!(
                "claim.day_range",
                "a day from {} to today",
                "{} から本日までの日付",
                row.received_on
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let result = if input.accept {
        ClaimStatus::Accepted
    } else {
        ClaimStatus::Returned
    };
    let checks = serde_json::to_string(&input.checks).map_err(internal)?;
    db::audited_write(conn, |conn, chain| {
        if !claims::inspect(
            conn,
            id,
            result,
            actor.user_id,
            inspected_on,
            &checks,
            reason,
        )? {
            return Err(AppError::Conflict(msg!(
                "claim.inspected_already",
                "only a submitted claim can be inspected; it has been inspected already",
                "提出済みの請求のみ検査できます（既に検査済みです）"
            )));
        }
        let after =
            claims::find(conn, project_id, id)?.ok_or_else(|| AppError::not_found(Thing::Claim))?;
        let view = view(conn, after, today)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: if input.accept {
                    "claim.accepted"
                } else {
                    "claim.returned"
                },
                entity: "claim",
                entity_id: id.to_string(),
                before: Some(serde_json::json!({"status": "submitted"})),
                after: Some(serde_json::json!({
                    "status": result.as_str(),
                    "inspected_on": inspected_on,
                    "checks": input.checks,
                    "reason": reason,
                })),
            },
        )?;
        Ok(view)
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub paid_on: NaiveDate,
    /// Part or all of what is outstanding; never more.
    pub amount: Decimal,
    /// The budget it is paid from: account (一般会計, 国民健康保険特別会計…) and 款・項・目・節.
    pub budget_account: String,
    /// The payment's reference (支出命令番号, bank transfer reference…).
    pub reference: String,
}

/// Records a payment of an accepted claim (part or all of what is outstanding).
pub fn record_payment(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
    input: PaymentInput,
) -> AppResult<ClaimView> {
    let row = load(conn, actor, project_id, id, ProjectAction::PayClaims)?;
    ensure_payer_staff(actor, &row)?;
    let currency = Currency::from_code(&row.currency).map_err(money_err)?;
    let today = today();
    let mut errors = Vec::new();
    let outstanding = Money::from_minor(row.total_minor - row.paid_minor, currency);
    let amount = match Money::from_decimal(input.amount, currency) {
        Ok(m) if !m.is_negative() && !m.is_zero() => Some(m),
        _ => {
            errors.push(FieldError::new(
                "amount",
                msg!(
                    "claim.amount",
                    "a positive amount in whole {currency} minor units, at most the {} outstanding",
                    "{currency} の最小単位の整数倍で、未払額 {} 以下の正の金額",
                    outstanding.amount_string()
                ),
            ));
            None
        }
    };
    text_field(&mut errors, "budget_account", &input.budget_account, 200);
    text_field(&mut errors, "reference", &input.reference, 200);
    if input.paid_on > today || input.paid_on < row.received_on {
        errors.push(FieldError::new(
            "paid_on",
            msg!(
                "claim.day_range",
                "a day from {} to today",
                "{} から本日までの日付",
                row.received_on
            ),
        ));
    }
    let (Some(amount), true) = (amount, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    // Over what is outstanding: the same 409 whether seen here or, with a payment recorded
    // meanwhile, by the conditional update below.
    if amount.minor() > outstanding.minor() {
        return Err(overpayment(&outstanding));
    }
    db::audited_write(conn, |conn, chain| {
        let recorded = claims::record_payment(
            conn,
            id,
            &claims::NewPayment {
                paid_on: input.paid_on,
                amount_minor: amount.minor(),
                budget_account: input.budget_account.trim(),
                reference: input.reference.trim(),
                recorded_by: actor.user_id,
            },
        )?;
        if !recorded {
            return Err(payment_refused(conn, project_id, id, amount)?);
        }
        let after =
            claims::find(conn, project_id, id)?.ok_or_else(|| AppError::not_found(Thing::Claim))?;
        let view = view(conn, after, today)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "claim.payment_recorded",
                entity: "claim",
                entity_id: id.to_string(),
                before: Some(
                    serde_json::json!({"paid": Money::from_minor(row.paid_minor, currency).amount_string()}),
                ),
                after: Some(serde_json::json!({
                    "paid_on": input.paid_on,
                    "amount": amount.amount_string(),
                    "budget_account": input.budget_account.trim(),
                    "reference": input.reference.trim(),
                    "paid": view.paid,
                    "status": view.status,
                })),
            },
        )?;
        Ok(view)
    })
}

/// Why the conditional update recorded nothing, read again under the lock: the payment is over
/// what is outstanding now (paid in full meanwhile included), or the claim is not accepted.
fn payment_refused(
    conn: &mut DbConn,
    project_id: i64,
    id: i64,
    amount: Money,
) -> AppResult<AppError> {
    let now =
        claims::find(conn, project_id, id)?.ok_or_else(|| AppError::not_found(Thing::Claim))?;
    let outstanding = Money::from_minor(now.total_minor - now.paid_minor, amount.currency());
    if amount.minor() > outstanding.minor() {
        return Ok(overpayment(&outstanding));
    }
    Ok(AppError::Conflict(msg!(
        "claim.payment_not_accepted",
        "payments are recorded on an accepted claim only",
        "支払は検査合格した請求にのみ記録できます"
    )))
}

fn overpayment(outstanding: &Money) -> AppError {
    AppError::Conflict(msg!(
        "claim.amount_above_outstanding",
        "a payment of at most the {} outstanding (payments recorded so far included)",
        "未払額 {} 以下の支払（これまでに記録された支払を含めて）",
        outstanding.amount_string()
    ))
}

// ---- Totals for the project page ---------------------------------------------------------------

/// What the project's live claims add up to, each stage under its own name (amounts as invoiced,
/// tax included).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ClaimTotals {
    /// Claims submitted, accepted or paid (not returned ones).
    pub claimed: String,
    /// Claims the payer accepted on inspection (including those paid since).
    pub accepted: String,
    /// Payments recorded.
    pub paid: String,
    /// Accepted and not yet paid.
    pub outstanding: String,
}

pub fn totals(conn: &mut DbConn, project_id: i64, currency: Currency) -> AppResult<ClaimTotals> {
    let mut claimed = 0i64;
    let mut accepted = 0i64;
    let mut paid = 0i64;
    for row in claims::list(conn, project_id)? {
        let status = row.status;
        if status == ClaimStatus::Returned {
            continue;
        }
        claimed = claimed
            .checked_add(row.total_minor)
            .ok_or_else(|| internal("claim totals overflow"))?;
        if matches!(status, ClaimStatus::Accepted | ClaimStatus::Paid) {
            accepted = accepted
                .checked_add(row.total_minor)
                .ok_or_else(|| internal("claim totals overflow"))?;
        }
        paid = paid
            .checked_add(row.paid_minor)
            .ok_or_else(|| internal("claim totals overflow"))?;
    }
    let yen = |minor: i64| Money::from_minor(minor, currency).amount_string();
    Ok(ClaimTotals {
        claimed: yen(claimed),
        accepted: yen(accepted),
        paid: yen(paid),
        outstanding: yen(accepted - paid),
    })
}
