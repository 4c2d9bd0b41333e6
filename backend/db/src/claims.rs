//! Claims, their inspections and their payments. Each step is a conditional update that expects
//! one row in the state it moves from, so two people acting at once (on any server instance)
//! cannot both succeed, and a payment can never take a claim beyond its total.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{claim_inspections, claim_payments, claims, distribution_payments};
use super::{Coded, DbConn, now};
use seika_core::claim::ClaimStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = claims)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ClaimRow {
    pub id: i64,
    pub project_id: i64,
    pub payout_run_id: i64,
    pub statement_sha256: String,
    pub tranche: String,
    pub tranche_due_on: NaiveDate,
    pub payer: String,
    pub payer_organization_id: i64,
    pub issuer_organization_id: i64,
    pub invoice_number: String,
    pub issued_on: NaiveDate,
    pub received_on: NaiveDate,
    pub description: String,
    pub lines: String,
    pub currency: String,
    pub amounts_include_tax: bool,
    pub tax_rate: String,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub paid_minor: i64,
    #[diesel(deserialize_as = Coded<ClaimStatus>)]
    pub status: ClaimStatus,
    pub inspection_due_on: NaiveDate,
    pub payment_due_on: NaiveDate,
    pub late_interest_rate: Option<String>,
    pub prepared_by: i64,
    pub lock_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = claims)]
pub struct NewClaim<'a> {
    pub project_id: i64,
    pub payout_run_id: i64,
    pub statement_sha256: &'a str,
    pub tranche: &'a str,
    pub tranche_due_on: NaiveDate,
    pub payer: &'a str,
    pub payer_organization_id: i64,
    pub issuer_organization_id: i64,
    pub invoice_number: &'a str,
    pub issued_on: NaiveDate,
    pub received_on: NaiveDate,
    pub description: &'a str,
    pub lines: &'a str,
    pub currency: &'a str,
    pub amounts_include_tax: bool,
    pub tax_rate: &'a str,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    #[diesel(serialize_as = Coded<ClaimStatus>)]
    pub status: ClaimStatus,
    pub inspection_due_on: NaiveDate,
    pub payment_due_on: NaiveDate,
    pub late_interest_rate: Option<&'a str>,
    pub prepared_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = claim_inspections)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct InspectionRow {
    pub id: i64,
    pub claim_id: i64,
    pub inspected_by: i64,
    pub inspected_on: NaiveDate,
    pub result: String,
    pub checks: String,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = claim_payments)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PaymentRow {
    pub id: i64,
    pub claim_id: i64,
    pub paid_on: NaiveDate,
    pub amount_minor: i64,
    pub budget_account: String,
    pub reference: String,
    pub recorded_by: i64,
    pub created_at: NaiveDateTime,
}

/// Inserts a claim. A live claim for the same tranche and payer fails on the unique index.
pub fn insert(conn: &mut DbConn, new: &NewClaim<'_>) -> QueryResult<ClaimRow> {
    diesel::insert_into(claims::table)
        .values(new.clone())
        .returning(claims::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, project_id: i64, id: i64) -> QueryResult<Option<ClaimRow>> {
    claims::table
        .find(id)
        .filter(claims::project_id.eq(project_id))
        .select(ClaimRow::as_select())
        .first(conn)
        .optional()
}

/// A project's claims, newest first.
pub fn list(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<ClaimRow>> {
    claims::table
        .filter(claims::project_id.eq(project_id))
        .order(claims::id.desc())
        .select(ClaimRow::as_select())
        .load(conn)
}

pub fn inspections(conn: &mut DbConn, claim_id: i64) -> QueryResult<Vec<InspectionRow>> {
    claim_inspections::table
        .filter(claim_inspections::claim_id.eq(claim_id))
        .order(claim_inspections::id.asc())
        .select(InspectionRow::as_select())
        .load(conn)
}

pub fn payments(conn: &mut DbConn, claim_id: i64) -> QueryResult<Vec<PaymentRow>> {
    claim_payments::table
        .filter(claim_payments::claim_id.eq(claim_id))
        .order((claim_payments::paid_on.asc(), claim_payments::id.asc()))
        .select(PaymentRow::as_select())
        .load(conn)
}

/// Records an inspection and moves the claim from `submitted` to `result` (`accepted` or
/// `returned`). `false` when the claim was no longer submitted.
pub fn inspect(
    conn: &mut DbConn,
    claim_id: i64,
    result: ClaimStatus,
    inspected_by: i64,
    inspected_on: NaiveDate,
    checks: &str,
    reason: Option<&str>,
) -> QueryResult<bool> {
    let at = now();
    let moved = diesel::update(
        claims::table
            .find(claim_id)
            .filter(claims::status.eq(Coded(ClaimStatus::Submitted))),
    )
    .set((
        claims::status.eq(Coded(result)),
        claims::lock_version.eq(claims::lock_version + 1),
        claims::updated_at.eq(at),
    ))
    .execute(conn)?;
    if moved != 1 {
        return Ok(false);
    }
    diesel::insert_into(claim_inspections::table)
        .values((
            claim_inspections::claim_id.eq(claim_id),
            claim_inspections::inspected_by.eq(inspected_by),
            claim_inspections::inspected_on.eq(inspected_on),
            claim_inspections::result.eq(Coded(result)),
            claim_inspections::checks.eq(checks),
            claim_inspections::reason.eq(reason),
            claim_inspections::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// What a resubmission may correct.
#[derive(Debug, Clone)]
pub struct Resubmission<'a> {
    pub invoice_number: &'a str,
    pub issued_on: NaiveDate,
    pub received_on: NaiveDate,
    pub description: &'a str,
    pub inspection_due_on: NaiveDate,
    pub payment_due_on: NaiveDate,
}

/// Moves a returned claim back to `submitted`, corrected, with its clocks restarted. `false` when
/// it was no longer returned, or another live claim for its tranche and payer exists (the unique
/// index refuses it).
pub fn resubmit(conn: &mut DbConn, claim_id: i64, r: &Resubmission<'_>) -> QueryResult<bool> {
    let moved = diesel::update(
        claims::table
            .find(claim_id)
            .filter(claims::status.eq(Coded(ClaimStatus::Returned))),
    )
    .set((
        claims::status.eq(Coded(ClaimStatus::Submitted)),
        claims::invoice_number.eq(r.invoice_number),
        claims::issued_on.eq(r.issued_on),
        claims::received_on.eq(r.received_on),
        claims::description.eq(r.description),
        claims::inspection_due_on.eq(r.inspection_due_on),
        claims::payment_due_on.eq(r.payment_due_on),
        claims::lock_version.eq(claims::lock_version + 1),
        claims::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(moved == 1)
}

/// A payment to record.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    pub paid_on: NaiveDate,
    pub amount_minor: i64,
    pub budget_account: &'a str,
    pub reference: &'a str,
    pub recorded_by: i64,
}

/// Adds a payment to an accepted claim if it does not take the claim beyond its total; a claim
/// paid in full becomes `paid`. `false` (and nothing written) when the claim is not accepted or
/// the payment would overpay it.
pub fn record_payment(
    conn: &mut DbConn,
    claim_id: i64,
    payment: &NewPayment<'_>,
) -> QueryResult<bool> {
    let at = now();
    let moved = diesel::update(
        claims::table
            .find(claim_id)
            .filter(claims::status.eq(Coded(ClaimStatus::Accepted)))
            .filter((claims::paid_minor + payment.amount_minor).le(claims::total_minor)),
    )
    .set((
        claims::paid_minor.eq(claims::paid_minor + payment.amount_minor),
        claims::lock_version.eq(claims::lock_version + 1),
        claims::updated_at.eq(at),
    ))
    .execute(conn)?;
    if moved != 1 {
        return Ok(false);
    }
    diesel::update(
        claims::table
            .find(claim_id)
            .filter(claims::paid_minor.eq(claims::total_minor)),
    )
    .set(claims::status.eq(Coded(ClaimStatus::Paid)))
    .execute(conn)?;
    diesel::insert_into(claim_payments::table)
        .values((
            claim_payments::claim_id.eq(claim_id),
            claim_payments::paid_on.eq(payment.paid_on),
            claim_payments::amount_minor.eq(payment.amount_minor),
            claim_payments::budget_account.eq(payment.budget_account),
            claim_payments::reference.eq(payment.reference),
            claim_payments::recorded_by.eq(payment.recorded_by),
            claim_payments::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = distribution_payments)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct DistributionRow {
    pub id: i64,
    pub project_id: i64,
    pub payout_run_id: i64,
    pub tranche: String,
    pub investment: String,
    pub amount_minor: i64,
    pub paid_on: NaiveDate,
    pub reference: String,
    pub recorded_by: i64,
    pub created_at: NaiveDateTime,
}

/// A distribution to record.
#[derive(Debug, Clone)]
pub struct NewDistribution<'a> {
    pub project_id: i64,
    pub payout_run_id: i64,
    pub tranche: &'a str,
    pub investment: &'a str,
    pub amount_minor: i64,
    pub paid_on: NaiveDate,
    pub reference: &'a str,
    pub recorded_by: i64,
}

/// Records a distribution; a second one for the same tranche and investment fails on the unique
/// key.
pub fn insert_distribution(conn: &mut DbConn, new: &NewDistribution<'_>) -> QueryResult<()> {
    diesel::insert_into(distribution_payments::table)
        .values((
            distribution_payments::project_id.eq(new.project_id),
            distribution_payments::payout_run_id.eq(new.payout_run_id),
            distribution_payments::tranche.eq(new.tranche),
            distribution_payments::investment.eq(new.investment),
            distribution_payments::amount_minor.eq(new.amount_minor),
            distribution_payments::paid_on.eq(new.paid_on),
            distribution_payments::reference.eq(new.reference),
            distribution_payments::recorded_by.eq(new.recorded_by),
            distribution_payments::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn distributions(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<DistributionRow>> {
    distribution_payments::table
        .filter(distribution_payments::project_id.eq(project_id))
        .order(distribution_payments::id.asc())
        .select(DistributionRow::as_select())
        .load(conn)
}
