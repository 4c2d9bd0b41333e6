//! Stored payout runs: terms version, engine version, the verified data's moment and hash, and the
//! statement, so any run can be re-computed and compared.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{payout_run_words, payout_runs};
use super::{DbConn, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payout_runs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PayoutRunRow {
    pub id: i64,
    pub project_id: i64,
    pub terms_version: i32,
    pub engine_version: String,
    pub as_of: NaiveDateTime,
    pub inputs_sha256: String,
    pub statement: String,
    pub statement_sha256: String,
    pub total_minor: i64,
    pub currency: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub struct NewPayoutRun<'a> {
    pub project_id: i64,
    pub terms_version: i32,
    pub engine_version: &'a str,
    pub as_of: NaiveDateTime,
    pub inputs_sha256: &'a str,
    pub statement: &'a str,
    pub statement_sha256: &'a str,
    pub total_minor: i64,
    pub currency: &'a str,
    pub created_by: i64,
}

pub fn insert(conn: &mut DbConn, new: &NewPayoutRun<'_>) -> QueryResult<PayoutRunRow> {
    diesel::insert_into(payout_runs::table)
        .values((
            payout_runs::project_id.eq(new.project_id),
            payout_runs::terms_version.eq(new.terms_version),
            payout_runs::engine_version.eq(new.engine_version),
            payout_runs::as_of.eq(new.as_of),
            payout_runs::inputs_sha256.eq(new.inputs_sha256),
            payout_runs::statement.eq(new.statement),
            payout_runs::statement_sha256.eq(new.statement_sha256),
            payout_runs::total_minor.eq(new.total_minor),
            payout_runs::currency.eq(new.currency),
            payout_runs::created_by.eq(new.created_by),
            payout_runs::created_at.eq(now()),
        ))
        .returning(payout_runs::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, project_id: i64, id: i64) -> QueryResult<Option<PayoutRunRow>> {
    payout_runs::table
        .find(id)
        .filter(payout_runs::project_id.eq(project_id))
        .select(PayoutRunRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_any(conn: &mut DbConn, id: i64) -> QueryResult<Option<PayoutRunRow>> {
    payout_runs::table
        .find(id)
        .select(PayoutRunRow::as_select())
        .first(conn)
        .optional()
}

/// The project's newest run, if any (one row: dashboards and figures need only the latest
/// statement, not every stored one).
pub fn latest(conn: &mut DbConn, project_id: i64) -> QueryResult<Option<PayoutRunRow>> {
    payout_runs::table
        .filter(payout_runs::project_id.eq(project_id))
        .order(payout_runs::id.desc())
        .select(PayoutRunRow::as_select())
        .first(conn)
        .optional()
}

/// The project's runs, newest first, with an empty statement: for listing, without reading every
/// stored statement's text.
pub fn list_without_statements(
    conn: &mut DbConn,
    project_id: i64,
) -> QueryResult<Vec<PayoutRunRow>> {
    payout_runs::table
        .filter(payout_runs::project_id.eq(project_id))
        .order(payout_runs::id.desc())
        .select((
            payout_runs::id,
            payout_runs::project_id,
            payout_runs::terms_version,
            payout_runs::engine_version,
            payout_runs::as_of,
            payout_runs::inputs_sha256,
            diesel::dsl::sql::<diesel::sql_types::Text>("''"),
            payout_runs::statement_sha256,
            payout_runs::total_minor,
            payout_runs::currency,
            payout_runs::created_by,
            payout_runs::created_at,
        ))
        .load(conn)
}

pub fn list(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<PayoutRunRow>> {
    payout_runs::table
        .filter(payout_runs::project_id.eq(project_id))
        .order(payout_runs::id.desc())
        .select(PayoutRunRow::as_select())
        .load(conn)
}

/// The words (explanations in Japanese and English, as JSON) of a stored run, if kept.
pub fn words(conn: &mut DbConn, run_id: i64) -> QueryResult<Option<String>> {
    payout_run_words::table
        .find(run_id)
        .select(payout_run_words::words)
        .first(conn)
        .optional()
}

/// Keeps a run's words. A run has one set of words: when another request kept them first (a
/// unique violation on the key), theirs stay, and they are the same.
pub fn keep_words(conn: &mut DbConn, run_id: i64, words: &str) -> QueryResult<()> {
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(payout_run_words::table)
            .values((
                payout_run_words::payout_run_id.eq(run_id),
                payout_run_words::words.eq(words),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        Err(e) => Err(e),
    }
}
