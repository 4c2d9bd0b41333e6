//! Sample checks of participant batches: the sample drawn (one per batch, by a unique index) and a
//! finding per sampled record.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{batch_samples, outcome_batches, participant_records, sample_checks};
use super::{Coded, DbConn, now};
use seika_core::review::ReviewStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = batch_samples)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SampleRow {
    pub id: i64,
    pub project_id: i64,
    pub batch_id: i64,
    pub seed: String,
    pub size_rule: String,
    pub population: i64,
    pub drawn_by: i64,
    pub drawn_at: NaiveDateTime,
}

/// A sampled record with the record itself and its finding.
#[derive(Debug, Clone, Queryable)]
pub struct CheckRow {
    pub id: i64,
    pub position: i32,
    pub record_id: i64,
    pub stratum: Option<String>,
    pub finding: Option<String>,
    pub note: Option<String>,
    pub checked_by: Option<i64>,
    pub checked_at: Option<NaiveDateTime>,
    pub participant: String,
    pub outcome: String,
    pub achieved_on: NaiveDate,
}

/// A record of a batch as the draw sees it: id, participant, outcome, day, cohort (id order).
pub type CandidateRow = (i64, String, String, NaiveDate, Option<String>);

pub fn candidates(conn: &mut DbConn, batch_id: i64) -> QueryResult<Vec<CandidateRow>> {
    participant_records::table
        .filter(participant_records::batch_id.eq(batch_id))
        .order(participant_records::id.asc())
        .select((
            participant_records::id,
            participant_records::participant,
            participant_records::outcome,
            participant_records::achieved_on,
            participant_records::cohort,
        ))
        .load(conn)
}

/// A sample to store.
pub struct NewSample<'a> {
    pub project_id: i64,
    pub batch_id: i64,
    pub seed: &'a str,
    /// The size as the verifier set it (JSON).
    pub size_rule: &'a str,
    pub population: i64,
    pub drawn_by: i64,
}

/// Stores a sample and its (unchecked) records, in the order drawn. A second sample of one batch
/// violates the unique index: the caller maps that to 409.
pub fn insert(
    conn: &mut DbConn,
    new: &NewSample<'_>,
    drawn: &[(i64, Option<String>)],
) -> QueryResult<SampleRow> {
    let NewSample {
        project_id,
        batch_id,
        seed,
        size_rule,
        population,
        drawn_by,
    } = *new;
    let sample: SampleRow = diesel::insert_into(batch_samples::table)
        .values((
            batch_samples::project_id.eq(project_id),
            batch_samples::batch_id.eq(batch_id),
            batch_samples::seed.eq(seed),
            batch_samples::size_rule.eq(size_rule),
            batch_samples::population.eq(population),
            batch_samples::drawn_by.eq(drawn_by),
            batch_samples::drawn_at.eq(now()),
        ))
        .returning(batch_samples::all_columns)
        .get_result(conn)?;
    for (chunk_start, chunk) in drawn.chunks(2000).enumerate() {
        let rows: Vec<_> = chunk
            .iter()
            .enumerate()
            .map(|(i, (record, stratum))| {
                (
                    sample_checks::sample_id.eq(sample.id),
                    sample_checks::position
                        .eq(i32::try_from(chunk_start * 2000 + i + 1).unwrap_or(i32::MAX)),
                    sample_checks::record_id.eq(*record),
                    sample_checks::stratum.eq(stratum.clone()),
                )
            })
            .collect();
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(sample_checks::table)
                .values(rows)
                .execute(c)?,
            DbConn::Postgres(c) => diesel::insert_into(sample_checks::table)
                .values(rows)
                .execute(c)?,
        };
    }
    Ok(sample)
}

pub fn of_batch(conn: &mut DbConn, batch_id: i64) -> QueryResult<Option<SampleRow>> {
    batch_samples::table
        .filter(batch_samples::batch_id.eq(batch_id))
        .select(SampleRow::as_select())
        .first(conn)
        .optional()
}

/// The sampled records in the order drawn, with their findings.
pub fn checks(conn: &mut DbConn, sample_id: i64) -> QueryResult<Vec<CheckRow>> {
    sample_checks::table
        .inner_join(participant_records::table)
        .filter(sample_checks::sample_id.eq(sample_id))
        .order(sample_checks::position.asc())
        .select((
            sample_checks::id,
            sample_checks::position,
            sample_checks::record_id,
            sample_checks::stratum,
            sample_checks::finding,
            sample_checks::note,
            sample_checks::checked_by,
            sample_checks::checked_at,
            participant_records::participant,
            participant_records::outcome,
            participant_records::achieved_on,
        ))
        .load(conn)
}

/// Records a finding on one sampled record (a finding may be revised until the batch is decided).
/// Returns false when the check is not part of this sample.
pub fn record_finding(
    conn: &mut DbConn,
    sample_id: i64,
    check_id: i64,
    finding: &str,
    note: Option<&str>,
    checked_by: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        sample_checks::table
            .find(check_id)
            .filter(sample_checks::sample_id.eq(sample_id)),
    )
    .set((
        sample_checks::finding.eq(finding),
        sample_checks::note.eq(note),
        sample_checks::checked_by.eq(checked_by),
        sample_checks::checked_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Holds a submitted batch for the rest of the transaction (a no-op update that locks its row on
/// PostgreSQL), so that findings and the verification decision are serialised per batch.
/// False when the batch is no longer submitted.
pub fn hold_submitted(conn: &mut DbConn, batch_id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        outcome_batches::table
            .find(batch_id)
            .filter(outcome_batches::status.eq(Coded(ReviewStatus::Submitted))),
    )
    .set(outcome_batches::lock_version.eq(outcome_batches::lock_version))
    .execute(conn)?;
    Ok(n == 1)
}
