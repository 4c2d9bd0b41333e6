//! The job queue: heavy work (simulations, payout runs) waiting for, run by and finished by any
//! server instance's workers. Every state change is a conditional update that expects one row, so
//! two instances never run a job at once on purpose, and a result is stored once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::jobs;
use super::{DbConn, now, write_transaction};
use crate::Coded;
use seika_core::job::{JobKind, JobStatus};

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
    #[diesel(deserialize_as = Coded<JobKind>)]
    pub kind: JobKind,
    pub project_id: i64,
    pub requested_by: i64,
    pub idempotency_key: Option<String>,
    pub input: String,
    #[diesel(deserialize_as = Coded<JobStatus>)]
    pub status: JobStatus,
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
    pub kind: JobKind,
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
            jobs::kind.eq(Coded(new.kind)),
            jobs::project_id.eq(new.project_id),
            jobs::requested_by.eq(new.requested_by),
            jobs::idempotency_key.eq(new.idempotency_key),
            jobs::input.eq(new.input),
            jobs::status.eq(Coded(JobStatus::Queued)),
            jobs::progress_done.eq(0_i64),
            jobs::progress_total.eq(new.progress_total),
            jobs::attempts.eq(0),
            jobs::created_at.eq(now()),
        ))
        .returning(jobs::id)
        .get_result(conn)?;
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

/// How much unfinished work (queued or running jobs) one person and one organization may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    pub per_user: i64,
    pub per_organization: i64,
}

impl Default for QueueLimits {
    fn default() -> Self {
        QueueLimits {
            per_user: 5,
            per_organization: 20,
        }
    }
}

/// Whose limit a refused job reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueFull {
    User,
    Organization,
}

/// Queues a job unless its requester or the requester's organization already has `limits` of
/// unfinished work. On PostgreSQL the organization's row is locked first, so two instances
/// queueing for one organization at once count one after the other; on SQLite the write lock
/// does the same.
pub fn insert_within(
    conn: &mut DbConn,
    new: &NewJob<'_>,
    limits: QueueLimits,
) -> QueryResult<Result<JobRow, QueueFull>> {
    use super::schema::{organizations, users};
    write_transaction(conn, |conn| {
        let organization: i64 = users::table
            .find(new.requested_by)
            .select(users::organization_id)
            .first(conn)?;
        if let DbConn::Postgres(pg) = conn {
            organizations::table
                .find(organization)
                .select(organizations::id)
                .for_update()
                .first::<i64>(pg)?;
        }
        let unfinished = || jobs::status.eq_any(JobStatus::UNFINISHED.map(Coded));
        let mine: i64 = jobs::table
            .filter(unfinished())
            .filter(jobs::requested_by.eq(new.requested_by))
            .count()
            .get_result(conn)?;
        if mine >= limits.per_user {
            return Ok(Err(QueueFull::User));
        }
        let colleagues: Vec<i64> = users::table
            .filter(users::organization_id.eq(organization))
            .select(users::id)
            .load(conn)?;
        let ours: i64 = jobs::table
            .filter(unfinished())
            .filter(jobs::requested_by.eq_any(colleagues))
            .count()
            .get_result(conn)?;
        if ours >= limits.per_organization {
            return Ok(Err(QueueFull::Organization));
        }
        insert(conn, new).map(Ok)
    })
}

/// A job's columns with its input left empty: what views and lists need. An import's input
/// holds the whole file (tens of megabytes), read only by the worker that runs it.
macro_rules! without_input {
    () => {
        (
            jobs::id,
            jobs::kind,
            jobs::project_id,
            jobs::requested_by,
            jobs::idempotency_key,
            diesel::dsl::sql::<diesel::sql_types::Text>("''"),
            jobs::status,
            jobs::progress_done,
            jobs::progress_total,
            jobs::attempts,
            jobs::claimed_by,
            jobs::heartbeat_at,
            jobs::result,
            jobs::problem,
            jobs::created_at,
            jobs::started_at,
            jobs::finished_at,
        )
    };
}

/// A job without its input (see [`input`]).
pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<JobRow>> {
    jobs::table
        .find(id)
        .select(without_input!())
        .first(conn)
        .optional()
}

/// A job's stored input.
pub fn input(conn: &mut DbConn, id: i64) -> QueryResult<Option<String>> {
    jobs::table
        .find(id)
        .select(jobs::input)
        .first(conn)
        .optional()
}

pub fn find_by_key(
    conn: &mut DbConn,
    requested_by: i64,
    kind: JobKind,
    key: &str,
) -> QueryResult<Option<JobRow>> {
    jobs::table
        .filter(jobs::requested_by.eq(requested_by))
        .filter(jobs::kind.eq(Coded(kind)))
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
        .filter(jobs::kind.eq(Coded(JobKind::PayoutRun)))
        .filter(jobs::status.eq(Coded(JobStatus::Queued)))
        .filter(jobs::idempotency_key.is_null())
        .select(without_input!())
        .first(conn)
        .optional()
}

/// Jobs queued or running, for one requester (newest first, at most `limit`).
pub fn unfinished_of(conn: &mut DbConn, requested_by: i64, limit: i64) -> QueryResult<Vec<JobRow>> {
    jobs::table
        .filter(jobs::requested_by.eq(requested_by))
        .filter(jobs::status.eq_any(JobStatus::UNFINISHED.map(Coded)))
        .order(jobs::id.desc())
        .limit(limit)
        .select(without_input!())
        .load(conn)
}

/// The order jobs are taken in, fair between organizations: payout runs and imports before any
/// simulation; then, within each of those two classes, each organization's first waiting job
/// (counting its running ones) before anyone's second, and so on; then the oldest. An investor's
/// sixty simulations therefore never hold up a city's payout run, nor another investor's first
/// simulation.
const FAIR_ORDER: &str = "SELECT j.id FROM jobs j JOIN users u ON u.id = j.requested_by \
     WHERE j.status = 'queued' OR (j.status = 'running' AND j.heartbeat_at < $1 AND j.attempts < $2) \
     ORDER BY CASE WHEN j.kind = 'simulation' THEN 1 ELSE 0 END, \
     (SELECT COUNT(*) FROM jobs k JOIN users v ON v.id = k.requested_by \
       WHERE v.organization_id = u.organization_id AND k.id < j.id \
       AND k.status IN ('queued', 'running') \
       AND (CASE WHEN k.kind = 'simulation' THEN 1 ELSE 0 END) = (CASE WHEN j.kind = 'simulation' THEN 1 ELSE 0 END)), \
     j.id LIMIT 1";

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// The next job to take, in [`FAIR_ORDER`]; on PostgreSQL locked `FOR UPDATE SKIP LOCKED`.
fn next_in_fair_order(conn: &mut DbConn, stale: NaiveDateTime) -> QueryResult<Option<i64>> {
    use diesel::sql_types::{Integer, Timestamp};
    let found = match conn {
        DbConn::Postgres(pg) => {
            diesel::sql_query(format!("{FAIR_ORDER} FOR UPDATE OF j SKIP LOCKED"))
                .bind::<Timestamp, _>(stale)
                .bind::<Integer, _>(MAX_ATTEMPTS)
                .get_result::<Candidate>(pg)
                .optional()?
        }
        DbConn::Sqlite(lite) => diesel::sql_query(FAIR_ORDER.replace("$1", "?").replace("$2", "?"))
            .bind::<Timestamp, _>(stale)
            .bind::<Integer, _>(MAX_ATTEMPTS)
            .get_result::<Candidate>(lite)
            .optional()?,
    };
    Ok(found.map(|c| c.id))
}

/// Takes the next job in [`FAIR_ORDER`] that is queued, or running without a heartbeat for
/// `stale_after` seconds (its instance is gone), for `instance`. On PostgreSQL the candidate is
/// locked `FOR UPDATE SKIP LOCKED`, so instances claiming at once take different jobs; on SQLite
/// the write lock serialises claims. Jobs that stopped [`MAX_ATTEMPTS`] times fail instead.
pub fn claim(conn: &mut DbConn, instance: &str, stale_after: i64) -> QueryResult<Option<JobRow>> {
    let at = now();
    let stale = at - chrono::Duration::seconds(stale_after);
    // An idle instance polls often: it reads first, and takes SQLite's write lock only when a
    // job waits or runs.
    let any_open: Option<i64> = jobs::table
        .filter(jobs::status.eq_any(JobStatus::UNFINISHED.map(Coded)))
        .select(jobs::id)
        .first(conn)
        .optional()?;
    if any_open.is_none() {
        return Ok(None);
    }
    write_transaction(conn, |conn| {
        diesel::update(
            jobs::table
                .filter(jobs::status.eq(Coded(JobStatus::Running)))
                .filter(jobs::heartbeat_at.lt(stale))
                .filter(jobs::attempts.ge(MAX_ATTEMPTS)),
        )
        .set((
            jobs::status.eq(Coded(JobStatus::Failed)),
            jobs::problem.eq(Some(STOPPED_TOO_OFTEN)),
            jobs::finished_at.eq(Some(at)),
        ))
        .execute(conn)?;
        let waiting = jobs::status.eq(Coded(JobStatus::Queued)).or(jobs::status
            .eq(Coded(JobStatus::Running))
            .and(jobs::heartbeat_at.lt(stale))
            .and(jobs::attempts.lt(MAX_ATTEMPTS)));
        let candidate = next_in_fair_order(conn, stale)?;
        let Some(id) = candidate else {
            return Ok(None);
        };
        let taken = diesel::update(jobs::table.find(id).filter(waiting))
            .set((
                jobs::status.eq(Coded(JobStatus::Running)),
                jobs::claimed_by.eq(Some(instance)),
                jobs::heartbeat_at.eq(Some(at)),
                jobs::attempts.eq(jobs::attempts + 1),
                jobs::started_at.eq(Some(at)),
            ))
            .execute(conn)?;
        if taken != 1 {
            return Ok(None);
        }
        // The worker runs it: with its input.
        jobs::table
            .find(id)
            .select(JobRow::as_select())
            .first(conn)
            .optional()
    })
}

/// Reports progress and that `instance` still runs the job. False when the job is no longer
/// this instance's (taken over after a lost heartbeat): the work should stop.
pub fn heartbeat(conn: &mut DbConn, id: i64, instance: &str, done: i64) -> QueryResult<bool> {
    let rows = diesel::update(
        jobs::table
            .find(id)
            .filter(jobs::status.eq(Coded(JobStatus::Running)))
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
        .filter(jobs::status.eq(Coded(JobStatus::Running)))
        .filter(jobs::claimed_by.eq(instance));
    let at = Some(now());
    let rows = match outcome {
        Outcome::Succeeded(result) => diesel::update(target)
            .set((
                jobs::status.eq(Coded(JobStatus::Succeeded)),
                jobs::result.eq(Some(result)),
                jobs::progress_done.eq(jobs::progress_total),
                jobs::finished_at.eq(at),
            ))
            .execute(conn)?,
        Outcome::Failed(problem) => diesel::update(target)
            .set((
                jobs::status.eq(Coded(JobStatus::Failed)),
                jobs::problem.eq(Some(problem)),
                jobs::finished_at.eq(at),
            ))
            .execute(conn)?,
    };
    Ok(rows == 1)
}

/// Jobs of a kind on a project that are queued or running.
pub fn unfinished_on_project(
    conn: &mut DbConn,
    project_id: i64,
    kind: JobKind,
) -> QueryResult<i64> {
    jobs::table
        .filter(jobs::project_id.eq(project_id))
        .filter(jobs::kind.eq(Coded(kind)))
        .filter(jobs::status.eq_any(JobStatus::UNFINISHED.map(Coded)))
        .count()
        .get_result(conn)
}

/// Takes a participant's key out of a project's finished jobs of a kind: their inputs (a file
/// that may hold it) are dropped, and the key in their results and problems (as JSON text,
/// `key_json` being its JSON-escaped form) becomes `alias`. Returns how many stored inputs
/// were dropped.
pub fn scrub_finished(
    conn: &mut DbConn,
    project_id: i64,
    kind: JobKind,
    key_json: &str,
    alias: &str,
) -> QueryResult<usize> {
    // Inputs are never read here (each may hold a whole file): dropped where not dropped yet.
    let finished = || {
        jobs::table
            .filter(jobs::project_id.eq(project_id))
            .filter(jobs::kind.eq(Coded(kind)))
            .filter(jobs::status.eq_any(JobStatus::FINISHED.map(Coded)))
    };
    let dropped = diesel::update(finished().filter(jobs::input.ne(SCRUBBED_INPUT)))
        .set(jobs::input.eq(SCRUBBED_INPUT))
        .execute(conn)?;
    let outcomes: Vec<(i64, Option<String>, Option<String>)> = finished()
        .select((jobs::id, jobs::result, jobs::problem))
        .load(conn)?;
    let scrub = |text: &Option<String>| text.as_ref().map(|t| t.replace(key_json, alias));
    for (id, result, problem) in &outcomes {
        let (result_now, problem_now) = (scrub(result), scrub(problem));
        if result_now != *result || problem_now != *problem {
            diesel::update(jobs::table.find(id))
                .set((jobs::result.eq(result_now), jobs::problem.eq(problem_now)))
                .execute(conn)?;
        }
    }
    Ok(dropped)
}

/// The input a finished job keeps once a participant's erasure dropped it.
pub const SCRUBBED_INPUT: &str = r#"{"scrubbed":true}"#;

/// Deletes finished jobs (succeeded or failed) that finished before `before`: their results,
/// problems and inputs (an imported file among them) and their idempotency keys. Queued and
/// running jobs are never deleted.
pub fn forget_finished(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        jobs::table
            .filter(jobs::status.eq_any(JobStatus::FINISHED.map(Coded)))
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
