//! Outcome results (aggregate values and milestones) and their verification workflow.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::outcome_results;
use super::{Coded, DbConn, now};
use seika_core::outcomes::OutcomeKind;
use seika_core::review::ReviewStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outcome_results)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct OutcomeResultRow {
    pub id: i64,
    pub project_id: i64,
    #[diesel(deserialize_as = Coded<OutcomeKind>)]
    pub kind: OutcomeKind,
    pub metric: String,
    pub tranche: Option<String>,
    pub achieved_on: Option<NaiveDate>,
    pub value: Option<String>,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub comparison: Option<String>,
    pub cohort_size: Option<String>,
    pub estimates: Option<String>,
    pub evidence: Option<String>,
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

/// A new result or milestone, entered as a draft.
#[derive(Debug, Clone, Default)]
pub struct NewOutcomeResult {
    pub project_id: i64,
    pub kind: OutcomeKind,
    pub metric: String,
    pub tranche: Option<String>,
    pub achieved_on: Option<NaiveDate>,
    pub value: Option<String>,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub comparison: Option<String>,
    pub cohort_size: Option<String>,
    pub estimates: Option<String>,
    pub evidence: Option<String>,
    pub supersedes_id: Option<i64>,
    pub correction_reason: Option<String>,
    pub entered_by: i64,
}

pub fn insert(conn: &mut DbConn, new: &NewOutcomeResult) -> QueryResult<OutcomeResultRow> {
    diesel::insert_into(outcome_results::table)
        .values((
            outcome_results::project_id.eq(new.project_id),
            outcome_results::kind.eq(Coded(new.kind)),
            outcome_results::metric.eq(&new.metric),
            outcome_results::tranche.eq(&new.tranche),
            outcome_results::achieved_on.eq(new.achieved_on),
            outcome_results::value.eq(&new.value),
            outcome_results::numerator.eq(&new.numerator),
            outcome_results::denominator.eq(&new.denominator),
            outcome_results::comparison.eq(&new.comparison),
            outcome_results::cohort_size.eq(&new.cohort_size),
            outcome_results::estimates.eq(&new.estimates),
            outcome_results::evidence.eq(&new.evidence),
            outcome_results::status.eq(Coded(ReviewStatus::Draft)),
            outcome_results::supersedes_id.eq(new.supersedes_id),
            outcome_results::correction_reason.eq(&new.correction_reason),
            outcome_results::entered_by.eq(new.entered_by),
            outcome_results::entered_at.eq(now()),
        ))
        .returning(outcome_results::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, project_id: i64, id: i64) -> QueryResult<Option<OutcomeResultRow>> {
    outcome_results::table
        .find(id)
        .filter(outcome_results::project_id.eq(project_id))
        .select(OutcomeResultRow::as_select())
        .first(conn)
        .optional()
}

/// Verified records as they stood at `as_of`: verified by then and not yet superseded then.
pub fn verified_as_of(
    conn: &mut DbConn,
    project_id: i64,
    as_of: NaiveDateTime,
) -> QueryResult<Vec<OutcomeResultRow>> {
    outcome_results::table
        .filter(outcome_results::project_id.eq(project_id))
        .filter(outcome_results::status.eq(Coded(ReviewStatus::Verified)))
        .filter(outcome_results::reviewed_at.le(as_of))
        .filter(
            outcome_results::superseded_at
                .is_null()
                .or(outcome_results::superseded_at.gt(as_of)),
        )
        .order(outcome_results::id.asc())
        .select(OutcomeResultRow::as_select())
        .load(conn)
}

pub fn list(
    conn: &mut DbConn,
    project_id: i64,
    status: Option<ReviewStatus>,
) -> QueryResult<Vec<OutcomeResultRow>> {
    let mut q = outcome_results::table
        .filter(outcome_results::project_id.eq(project_id))
        .into_boxed();
    if let Some(status) = status {
        q = q.filter(outcome_results::status.eq(Coded(status)));
    }
    q.order(outcome_results::id.asc())
        .select(OutcomeResultRow::as_select())
        .load(conn)
}

/// Deletes a draft result (and any evidence attached to it) that its enterer discards. `false`
/// when it is no longer a draft of theirs (submitted meanwhile, or someone else's): nothing is
/// deleted then.
pub fn discard_draft(
    conn: &mut DbConn,
    project_id: i64,
    id: i64,
    entered_by: i64,
) -> QueryResult<bool> {
    use super::schema::evidence_files;
    let draft = outcome_results::table
        .find(id)
        .filter(outcome_results::project_id.eq(project_id))
        .filter(outcome_results::entered_by.eq(entered_by))
        .filter(outcome_results::status.eq(Coded(ReviewStatus::Draft)));
    let deleted = diesel::delete(draft).execute(conn)?;
    if deleted == 1 {
        diesel::delete(
            evidence_files::table
                .filter(evidence_files::project_id.eq(project_id))
                .filter(evidence_files::collection.eq("outcome-results"))
                .filter(evidence_files::record_id.eq(id)),
        )
        .execute(conn)?;
    }
    Ok(deleted == 1)
}
