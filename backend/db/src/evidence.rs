//! Evidence files of outcome records: stored in the database, listed without their bytes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{evidence_files, outcome_batches, outcome_results};
use super::{Coded, DbConn, now};
use seika_core::review::ReviewStatus;

/// An evidence file without its content.
#[derive(Debug, Clone, Queryable)]
pub struct EvidenceRow {
    pub id: i64,
    pub project_id: i64,
    pub collection: String,
    pub record_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
}

#[diesel::dsl::auto_type]
fn described() -> _ {
    evidence_files::table.select((
        evidence_files::id,
        evidence_files::project_id,
        evidence_files::collection,
        evidence_files::record_id,
        evidence_files::file_name,
        evidence_files::content_type,
        evidence_files::size_bytes,
        evidence_files::sha256,
        evidence_files::uploaded_by,
        evidence_files::uploaded_at,
    ))
}

pub struct NewEvidence<'a> {
    pub project_id: i64,
    pub collection: &'a str,
    pub record_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: i64,
}

pub fn insert(conn: &mut DbConn, new: &NewEvidence<'_>) -> QueryResult<i64> {
    diesel::insert_into(evidence_files::table)
        .values((
            evidence_files::project_id.eq(new.project_id),
            evidence_files::collection.eq(new.collection),
            evidence_files::record_id.eq(new.record_id),
            evidence_files::file_name.eq(new.file_name),
            evidence_files::content_type.eq(new.content_type),
            evidence_files::size_bytes.eq(new.content.len() as i64),
            evidence_files::sha256.eq(new.sha256),
            evidence_files::content.eq(new.content),
            evidence_files::uploaded_by.eq(new.uploaded_by),
            evidence_files::uploaded_at.eq(now()),
        ))
        .returning(evidence_files::id)
        .get_result(conn)
}

pub fn of_record(
    conn: &mut DbConn,
    collection: &str,
    record_id: i64,
) -> QueryResult<Vec<EvidenceRow>> {
    described()
        .filter(evidence_files::collection.eq(collection))
        .filter(evidence_files::record_id.eq(record_id))
        .order(evidence_files::id.asc())
        .load(conn)
}

pub fn find(conn: &mut DbConn, project_id: i64, id: i64) -> QueryResult<Option<EvidenceRow>> {
    described()
        .filter(evidence_files::id.eq(id))
        .filter(evidence_files::project_id.eq(project_id))
        .first(conn)
        .optional()
}

pub fn content(conn: &mut DbConn, id: i64) -> QueryResult<Vec<u8>> {
    evidence_files::table
        .find(id)
        .select(evidence_files::content)
        .first(conn)
}

/// Holds a record that is not verified for the rest of the transaction (a no-op update that locks
/// its row on PostgreSQL): a verification racing with an attachment then either commits first,
/// and this finds the record verified (`false`), or waits until the attachment is in.
pub fn hold_unverified(conn: &mut DbConn, collection: &str, record_id: i64) -> QueryResult<bool> {
    let held = if collection == "outcome-batches" {
        diesel::update(
            outcome_batches::table
                .find(record_id)
                .filter(outcome_batches::status.ne(Coded(ReviewStatus::Verified))),
        )
        .set(outcome_batches::lock_version.eq(outcome_batches::lock_version))
        .execute(conn)?
    } else {
        diesel::update(
            outcome_results::table
                .find(record_id)
                .filter(outcome_results::status.ne(Coded(ReviewStatus::Verified))),
        )
        .set(outcome_results::lock_version.eq(outcome_results::lock_version))
        .execute(conn)?
    };
    Ok(held == 1)
}
