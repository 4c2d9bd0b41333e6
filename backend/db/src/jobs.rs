//! The job queue: heavy work (simulations, payout runs) waiting for, run by and finished by any
//! server instance's workers. Every state change is a conditional update that expects one row, so
//! two instances never run a job at once on purpose, and a result is stored once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::jobs;
use super::{DbConn, now, write_transaction};

/// After this long without a heartbeat a running job is taken to have lost its instance (the
/// default; `SEIKA_JOB_STALE_SECS`).
pub const STALE_AFTER_SECONDS: i64 = 30;

/// A job that stopped this many times is not started again: it fails.
pub const MAX_ATTEMPTS: i32 = 3;

/// The problem stored for a job whose instance stopped [`MAX_ATTEMPTS`] times (the shape of
/// `service::jobs::JobProblem`, in both languages).
const STOPPED_TOO_OFTEN: &str = r#"{"kind":"internal-error","detail":"the job stopped with its server instance three times; queue it again","detail_ja":"ジョブを実行中のサーバーが3回停止しました。もう一度登録してください","errors":[]}"#;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub project_id: i64,
    pub requested_by: i64,
    pub idempotency_key: Option<String>,
    pub input: String,
    pub status: String,
    pub progress_done: i64,
    pub progress_total: i64,
    pub attempts: i32,
    pub claimed_by: Option<String>,
    pub heartbeat_at: Option<NaiveDateTime>,
    pub result: Option<String>,
    pub problem: Option<String>,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub project_id: i64,
    pub requested_by: i64,
    pub idempotency_key: Option<&'a str>,
    pub input: &'a str,
    pub progress_total: i64,
}

/// Queues a job. A second job under the same requester, kind and idempotency key violates the
/// unique index (see [`super::is_unique_violation`]).
pub fn insert(conn: &mut DbConn, new: &NewJob<'_>) -> QueryResult<JobRow> {
    let id: i64 = diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(new.kind),
            jobs::project_id.eq(new.project_id),
            jobs::requested_by.eq(new.requested_by),
            jobs::idempotency_key.eq(new.idempotency_key),
            jobs::input.eq(new.input),
            jobs::status.eq("queued"),
            jobs::progress_done.eq(0_i64),
            jobs::progress_total.eq(new.progress_total),
            jobs::attempts.eq(0),
            jobs::created_at.eq(now()),
        ))
        .returning(jobs::id)
        .get_result(conn)?;
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<JobRow>> {
    jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_key(
    conn: &mut DbConn,
    requested_by: i64,
    kind: &str,
    key: &str,
) -> QueryResult<Option<JobRow>> {
    jobs::table
        .filter(jobs::requested_by.eq(requested_by))
        .filter(jobs::kind.eq(kind))
        .filter(jobs::idempotency_key.eq(key))
        .select(JobRow::as_select())
        .first(conn)
        .optional()
}

/// The payout run of `project_id` that `requested_by` asked for without an idempotency key and
/// that still waits to start (at most one: index `jobs_one_waiting_run`).
pub fn waiting_run(
    conn: &mut DbConn,
    requested_by: i64,
    project_id: i64,
) -> QueryResult<Option<JobRow>> {
    jobs::table
        .filter(jobs::requested_by.eq(requested_by))
        .filter(jobs::project_id.eq(project_id))
        .filter(jobs::kind.eq("payout_run"))
        .filter(jobs::status.eq("queued"))
        .filter(jobs::idempotency_key.is_null())
        .select(JobRow::as_select())
        .first(conn)
        .optional()
}

/// Jobs queued or running, for one requester (newest first, at most `limit`).
pub fn unfinished_of(conn: &mut DbConn, requested_by: i64, limit: i64) -> QueryResult<Vec<JobRow>> {
    jobs::table
        .filter(jobs::requested_by.eq(requested_by))
        .filter(jobs::status.eq_any(["queued", "running"]))
        .order(jobs::id.desc())
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)
}

/// Takes the oldest job that is queued, or running without a heartbeat for `stale_after`
/// seconds (its instance is gone), for `instance`. On PostgreSQL the candidate is
/// locked `FOR UPDATE SKIP LOCKED`, so instances claiming at once take different jobs; on SQLite
/// the write lock serialises claims. Jobs that stopped [`MAX_ATTEMPTS`] times fail instead.
pub fn claim(conn: &mut DbConn, instance: &str, stale_after: i64) -> QueryResult<Option<JobRow>> {
    let at = now();
    let stale = at - chrono::Duration::seconds(stale_after);
    // An idle instance polls often: it reads first, and takes SQLite's write lock only when a
    // job waits or runs.
    let any_open: Option<i64> = jobs::table
        .filter(jobs::status.eq_any(["queued", "running"]))
        .select(jobs::id)
        .first(conn)
        .optional()?;
    if any_open.is_none() {
        return Ok(None);
    }
    write_transaction(conn, |conn| {
        diesel::update(
            jobs::table
                .filter(jobs::status.eq("running"))
                .filter(jobs::heartbeat_at.lt(stale))
                .filter(jobs::attempts.ge(MAX_ATTEMPTS)),
        )
        .set((
            jobs::status.eq("failed"),
            jobs::problem.eq(Some(STOPPED_TOO_OFTEN)),
            jobs::finished_at.eq(Some(at)),
        ))
        .execute(conn)?;
        let waiting = jobs::status.eq("queued").or(jobs::status
            .eq("running")
            .and(jobs::heartbeat_at.lt(stale))
            .and(jobs::attempts.lt(MAX_ATTEMPTS)));
        let candidate: Option<i64> = match conn {
            DbConn::Postgres(pg) => jobs::table
                .filter(waiting)
                .order(jobs::id)
                .select(jobs::id)
                .for_update()
                .skip_locked()
                .first(pg)
                .optional()?,
            DbConn::Sqlite(_) => jobs::table
                .filter(waiting)
                .order(jobs::id)
                .select(jobs::id)
                .first(conn)
                .optional()?,
        };
        let Some(id) = candidate else {
            return Ok(None);
        };
        let taken = diesel::update(jobs::table.find(id).filter(waiting))
            .set((
                jobs::status.eq("running"),
                jobs::claimed_by.eq(Some(instance)),
                jobs::heartbeat_at.eq(Some(at)),
                jobs::attempts.eq(jobs::attempts + 1),
                jobs::started_at.eq(Some(at)),
            ))
            .execute(conn)?;
        if taken != 1 {
            return Ok(None);
        }
        find(conn, id)
    })
}

/// Reports progress and that `instance` still runs the job. False when the job is no longer
/// this instance's (taken over after a lost heartbeat): the work should stop.
pub fn heartbeat(conn: &mut DbConn, id: i64, instance: &str, done: i64) -> QueryResult<bool> {
    let rows = diesel::update(
        jobs::table
            .find(id)
            .filter(jobs::status.eq("running"))
            .filter(jobs::claimed_by.eq(instance)),
    )
    .set((
        jobs::progress_done.eq(done),
        jobs::heartbeat_at.eq(Some(now())),
    ))
    .execute(conn)?;
    Ok(rows == 1)
}

/// How a job ended: its result or its problem, as JSON text.
pub enum Outcome<'a> {
    Succeeded(&'a str),
    Failed(&'a str),
}

/// Stores how the job ended, once: only the instance that holds the job may, and only while it
/// runs. False when another instance took it over (its result, not this one, will stand).
pub fn finish(
    conn: &mut DbConn,
    id: i64,
    instance: &str,
    outcome: Outcome<'_>,
) -> QueryResult<bool> {
    let target = jobs::table
        .find(id)
        .filter(jobs::status.eq("running"))
        .filter(jobs::claimed_by.eq(instance));
    let at = Some(now());
    let rows = match outcome {
        Outcome::Succeeded(result) => diesel::update(target)
            .set((
                jobs::status.eq("succeeded"),
                jobs::result.eq(Some(result)),
                jobs::progress_done.eq(jobs::progress_total),
                jobs::finished_at.eq(at),
            ))
            .execute(conn)?,
        Outcome::Failed(problem) => diesel::update(target)
            .set((
                jobs::status.eq("failed"),
                jobs::problem.eq(Some(problem)),
                jobs::finished_at.eq(at),
            ))
            .execute(conn)?,
    };
    Ok(rows == 1)
}

/// Deletes finished jobs (succeeded or failed) that finished before `before`: their results,
/// problems and inputs (an imported file among them) and their idempotency keys. Queued and
/// running jobs are never deleted.
pub fn forget_finished(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        jobs::table
            .filter(jobs::status.eq_any(["succeeded", "failed"]))
            .filter(jobs::finished_at.lt(before)),
    )
    .execute(conn)
}

/// Sets a finished job's end into the past (tests of the retention period).
pub fn backdate_finished(conn: &mut DbConn, id: i64, seconds: i64) -> QueryResult<usize> {
    diesel::update(jobs::table.find(id))
        .set(jobs::finished_at.eq(Some(now() - chrono::Duration::seconds(seconds))))
        .execute(conn)
}

/// Sets a job's heartbeat into the past, as if its instance had died (tests and fault checks).
pub fn backdate_heartbeat(conn: &mut DbConn, id: i64, seconds: i64) -> QueryResult<usize> {
    diesel::update(jobs::table.find(id))
        .set(jobs::heartbeat_at.eq(Some(now() - chrono::Duration::seconds(seconds))))
        .execute(conn)
}
