//! Batches of participant-level records (CSV imports) and their verification workflow.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{outcome_batches, participant_records};
use super::{Coded, DbConn, now};
use seika_core::outcomes::ParticipantOutcomes;
use seika_core::review::ReviewStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outcome_batches)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct BatchRow {
    pub id: i64,
    pub project_id: i64,
    pub source_name: String,
    pub source_sha256: String,
    pub row_count: i64,
    #[diesel(deserialize_as = Coded<ReviewStatus>)]
    pub status: ReviewStatus,
    pub locked: bool,
    pub supersedes_id: Option<i64>,
    pub correction_reason: Option<String>,
    pub superseded_at: Option<NaiveDateTime>,
    pub entered_by: i64,
    pub entered_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub rejection_reason: Option<String>,
    pub lock_version: i32,
}

/// One participant record to store.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub participant: String,
    pub cohort: Option<String>,
    pub enrolled_on: Option<NaiveDate>,
    pub outcome: String,
    pub achieved_on: NaiveDate,
}

pub struct NewBatch<'a> {
    pub project_id: i64,
    pub source_name: &'a str,
    pub source_sha256: &'a str,
    pub supersedes_id: Option<i64>,
    pub correction_reason: Option<&'a str>,
    pub entered_by: i64,
}

/// Rows per multi-row INSERT: under SQLite's 32766 bound parameters (5 per row).
const CHUNK: usize = 5000;

/// Inserts a batch and its records. Call inside a write transaction (all or nothing).
pub fn insert(
    conn: &mut DbConn,
    new: &NewBatch<'_>,
    records: &[NewRecord],
) -> QueryResult<BatchRow> {
    let batch: BatchRow = diesel::insert_into(outcome_batches::table)
        .values((
            outcome_batches::project_id.eq(new.project_id),
            outcome_batches::source_name.eq(new.source_name),
            outcome_batches::source_sha256.eq(new.source_sha256),
            outcome_batches::row_count.eq(records.len() as i64),
            outcome_batches::status.eq(Coded(ReviewStatus::Draft)),
            outcome_batches::supersedes_id.eq(new.supersedes_id),
            outcome_batches::correction_reason.eq(new.correction_reason),
            outcome_batches::entered_by.eq(new.entered_by),
            outcome_batches::entered_at.eq(now()),
        ))
        .returning(outcome_batches::all_columns)
        .get_result(conn)?;
    for chunk in records.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|r| {
                (
                    participant_records::batch_id.eq(batch.id),
                    participant_records::participant.eq(&r.participant),
                    participant_records::cohort.eq(&r.cohort),
                    participant_records::enrolled_on.eq(r.enrolled_on),
                    participant_records::outcome.eq(&r.outcome),
                    participant_records::achieved_on.eq(r.achieved_on),
                )
            })
            .collect();
        // Multi-row INSERT has no MultiBackend form: run it on the concrete connection.
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(participant_records::table)
                .values(rows)
                .execute(c)?,
            DbConn::Postgres(c) => diesel::insert_into(participant_records::table)
                .values(rows)
                .execute(c)?,
        };
    }
    Ok(batch)
}

pub fn find(conn: &mut DbConn, project_id: i64, id: i64) -> QueryResult<Option<BatchRow>> {
    outcome_batches::table
        .find(id)
        .filter(outcome_batches::project_id.eq(project_id))
        .select(BatchRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<BatchRow>> {
    outcome_batches::table
        .filter(outcome_batches::project_id.eq(project_id))
        .order(outcome_batches::id.asc())
        .select(BatchRow::as_select())
        .load(conn)
}

/// Batches verified by `as_of` and not superseded then.
pub fn verified_as_of(
    conn: &mut DbConn,
    project_id: i64,
    as_of: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    outcome_batches::table
        .filter(outcome_batches::project_id.eq(project_id))
        .filter(outcome_batches::status.eq(Coded(ReviewStatus::Verified)))
        .filter(outcome_batches::reviewed_at.le(as_of))
        .filter(
            outcome_batches::superseded_at
                .is_null()
                .or(outcome_batches::superseded_at.gt(as_of)),
        )
        .order(outcome_batches::id.asc())
        .select(outcome_batches::id)
        .load(conn)
}

/// Streams the records of these batches, in id order, into the engine's interned form.
pub fn load_records(
    conn: &mut DbConn,
    batch_ids: &[i64],
    into: &mut ParticipantOutcomes,
) -> QueryResult<()> {
    const PAGE: i64 = 50_000;
    for &batch in batch_ids {
        let mut after = 0_i64;
        loop {
            // Row by row from the page's result: no vector of the page's rows in between.
            let rows = participant_records::table
                .filter(participant_records::batch_id.eq(batch))
                .filter(participant_records::id.gt(after))
                .order(participant_records::id.asc())
                .limit(PAGE)
                .select((
                    participant_records::id,
                    participant_records::participant,
                    participant_records::outcome,
                    participant_records::achieved_on,
                ))
                .load_iter::<(i64, String, String, NaiveDate), diesel::connection::DefaultLoadingMode>(conn)?;
            let mut read = 0;
            for row in rows {
                let (id, participant, outcome, on) = row?;
                into.push(&participant, &outcome, on);
                after = id;
                read += 1;
            }
            if read < PAGE {
                break;
            }
        }
    }
    Ok(())
}

/// The number of participant records in these batches.
pub fn record_count(conn: &mut DbConn, batch_ids: &[i64]) -> QueryResult<i64> {
    let mut total = 0;
    // In slices: a project may hold tens of thousands of batches, more than one statement's
    // parameters allow.
    for ids in batch_ids.chunks(10_000) {
        total += participant_records::table
            .filter(participant_records::batch_id.eq_any(ids))
            .count()
            .get_result::<i64>(conn)?;
    }
    Ok(total)
}

/// Record counts per outcome in these batches (aggregates for readers who may not see records).
pub fn counts_by_outcome(
    conn: &mut DbConn,
    batch_ids: &[i64],
) -> QueryResult<Vec<(String, i64, i64)>> {
    use diesel::dsl::count_star;
    participant_records::table
        .filter(participant_records::batch_id.eq_any(batch_ids))
        .group_by(participant_records::outcome)
        .order(participant_records::outcome.asc())
        .select((
            participant_records::outcome,
            count_star(),
            diesel::dsl::count(participant_records::participant).aggregate_distinct(),
        ))
        .load(conn)
}

/// One page of a batch's records as stored (participant, outcome, day achieved), in id order.
pub fn records_page(
    conn: &mut DbConn,
    batch_id: i64,
    (limit, offset): (i64, i64),
) -> QueryResult<Vec<(String, String, NaiveDate)>> {
    participant_records::table
        .filter(participant_records::batch_id.eq(batch_id))
        .order(participant_records::id.asc())
        .limit(limit)
        .offset(offset)
        .select((
            participant_records::participant,
            participant_records::outcome,
            participant_records::achieved_on,
        ))
        .load(conn)
}

/// A batch's records counted per outcome and day (a few thousand rows for any batch size).
pub fn counts_by_outcome_and_day(
    conn: &mut DbConn,
    batch_id: i64,
) -> QueryResult<Vec<(String, NaiveDate, i64)>> {
    use diesel::dsl::count_star;
    participant_records::table
        .filter(participant_records::batch_id.eq(batch_id))
        .group_by((
            participant_records::outcome,
            participant_records::achieved_on,
        ))
        .select((
            participant_records::outcome,
            participant_records::achieved_on,
            count_star(),
        ))
        .load(conn)
}

/// The records of one participant in a project: record id, batch id, and whether a stored payout
/// run used the batch.
pub fn records_of_participant(
    conn: &mut DbConn,
    project_id: i64,
    participant: &str,
) -> QueryResult<Vec<(i64, i64, bool)>> {
    participant_records::table
        .inner_join(outcome_batches::table)
        .filter(outcome_batches::project_id.eq(project_id))
        .filter(participant_records::participant.eq(participant))
        .order(participant_records::id.asc())
        .select((
            participant_records::id,
            participant_records::batch_id,
            outcome_batches::locked,
        ))
        .load(conn)
}

/// Replaces the participant key of these records by its pseudonym.
pub fn pseudonymise(conn: &mut DbConn, ids: &[i64], pseudonym: &str) -> QueryResult<usize> {
    diesel::update(participant_records::table.filter(participant_records::id.eq_any(ids)))
        .set(participant_records::participant.eq(pseudonym))
        .execute(conn)
}

/// Deletes these records of one batch (and their places in a sample), keeping the batch's row
/// count true.
pub fn delete_records(conn: &mut DbConn, batch_id: i64, ids: &[i64]) -> QueryResult<usize> {
    use super::schema::sample_checks;
    diesel::delete(sample_checks::table.filter(sample_checks::record_id.eq_any(ids)))
        .execute(conn)?;
    let n = diesel::delete(
        participant_records::table
            .filter(participant_records::batch_id.eq(batch_id))
            .filter(participant_records::id.eq_any(ids)),
    )
    .execute(conn)?;
    diesel::update(outcome_batches::table.find(batch_id))
        .set(outcome_batches::row_count.eq(outcome_batches::row_count - n as i64))
        .execute(conn)?;
    Ok(n)
}

/// One generated participant record: participant key, outcome, day.
pub type GeneratedRecord<'a> = (&'a str, &'a str, NaiveDate);

/// Makes records: calls its argument once per record, the same records on every call.
pub type RecordGenerator<'g> = dyn Fn(&mut dyn FnMut(GeneratedRecord<'_>)) + 'g;

/// Stores a verified batch of generated records in bulk (the data generator, `seika seed`):
/// `generate` calls its argument once per record, the same records on every call. PostgreSQL
/// takes them through `COPY … FROM STDIN` (CSV), SQLite in multi-row inserts. Call inside a
/// transaction.
pub fn insert_generated(
    conn: &mut DbConn,
    project_id: i64,
    source_name: &str,
    row_count: i64,
    (entered_by, reviewed_by): (i64, i64),
    generate: &RecordGenerator<'_>,
) -> QueryResult<i64> {
    let at = now();
    let batch: i64 = diesel::insert_into(outcome_batches::table)
        .values((
            outcome_batches::project_id.eq(project_id),
            outcome_batches::source_name.eq(source_name),
            outcome_batches::source_sha256.eq(format!("generated:{source_name}")),
            outcome_batches::row_count.eq(row_count),
            outcome_batches::status.eq(Coded(ReviewStatus::Verified)),
            outcome_batches::locked.eq(false),
            outcome_batches::entered_by.eq(entered_by),
            outcome_batches::entered_at.eq(at),
            outcome_batches::submitted_at.eq(at),
            outcome_batches::reviewed_by.eq(reviewed_by),
            outcome_batches::reviewed_at.eq(at),
        ))
        .returning(outcome_batches::id)
        .get_result(conn)?;
    match conn {
        DbConn::Postgres(pg) => {
            use diesel::ExecuteCopyFromDsl;
            use std::io::Write;
            diesel::copy_from(participant_records::table)
                .from_raw_data(
                    (
                        participant_records::batch_id,
                        participant_records::participant,
                        participant_records::outcome,
                        participant_records::achieved_on,
                    ),
                    |out: &mut dyn Write| -> QueryResult<()> {
                        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
                        let mut failed = Ok(());
                        generate(&mut |(participant, outcome, day)| {
                            if failed.is_ok() {
                                failed = writeln!(
                                    buffered,
                                    "{batch},{participant},{outcome},{}",
                                    day.format("%Y-%m-%d")
                                );
                            }
                        });
                        failed
                            .and_then(|()| buffered.flush())
                            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
                    },
                )
                .with_format(diesel::pg::CopyFormat::Csv)
                .execute(pg)?;
        }
        DbConn::Sqlite(sqlite) => {
            let mut rows: Vec<(String, String, NaiveDate)> = Vec::with_capacity(CHUNK);
            let mut failed = Ok(());
            let mut flush = |rows: &mut Vec<(String, String, NaiveDate)>| -> QueryResult<()> {
                let values: Vec<_> = rows
                    .iter()
                    .map(|(p, o, d)| {
                        (
                            participant_records::batch_id.eq(batch),
                            participant_records::participant.eq(p),
                            participant_records::outcome.eq(o),
                            participant_records::achieved_on.eq(d),
                        )
                    })
                    .collect();
                diesel::insert_into(participant_records::table)
                    .values(values)
                    .execute(sqlite)?;
                rows.clear();
                Ok(())
            };
            generate(&mut |(participant, outcome, day)| {
                rows.push((participant.to_owned(), outcome.to_owned(), day));
                if rows.len() == CHUNK && failed.is_ok() {
                    failed = flush(&mut rows);
                }
            });
            failed?;
            if !rows.is_empty() {
                flush(&mut rows)?;
            }
        }
    }
    Ok(batch)
}

/// The project's batch imported from the file with this SHA-256, unless it was rejected.
pub fn holding_file(
    conn: &mut DbConn,
    project_id: i64,
    source_sha256: &str,
) -> QueryResult<Option<BatchRow>> {
    outcome_batches::table
        .filter(outcome_batches::project_id.eq(project_id))
        .filter(outcome_batches::source_sha256.eq(source_sha256))
        .filter(outcome_batches::status.ne(Coded(ReviewStatus::Rejected)))
        .select(BatchRow::as_select())
        .first(conn)
        .optional()
}
