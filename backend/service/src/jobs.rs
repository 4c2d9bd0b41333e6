//! Heavy work as jobs: simulations and payout runs are queued in the database and run by a
//! bounded pool of workers in every server instance, so a burst of them waits its turn instead
//! of starving reads or timing out. A job survives the instance that took it: its heartbeat stops,
//! and another instance takes it over (see [`seika_db::jobs::claim`]); the result is stored once.
//! A payout run job computes its run under an idempotency key of its own, so a job taken over
//! after its run was stored returns that run rather than storing a second.

use seika_core::message::Lang;
use seika_core::msg;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::payout_runs::{self, PayoutRunView};
use super::simulations::{self, Prepared};
use crate::error::{AppError, AppResult, Thing};
use seika_core::access::Actor;
pub use seika_db::jobs::QueueLimits;
use seika_db::jobs::{self as queue, JobRow, NewJob, Outcome};
use seika_db::{self as db, Db, DbConn, users};
use seika_engine::simulate::{SimulationInput, SimulationResult};
use seika_formats::sheet::SheetLimits;

pub use seika_core::job::{JobKind, JobStatus};

/// The kinds of problem a job ends with: the API's problem types a job can meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum JobProblemKind {
    ValidationFailed,
    Conflict,
    /// The project is gone, or no longer open to the person who queued the job.
    NotPermitted,
    ServiceUnavailable,
    InternalError,
}

/// Why a job failed, in the terms of a refused request.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JobProblem {
    /// The problem type, as the API's problem+json `type` without `/problems/`.
    pub kind: JobProblemKind,
    /// What went wrong, in the request's language.
    pub detail: String,
    /// Stored beside `detail` (English) for readers of Japanese; not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub detail_ja: Option<String>,
    #[serde(default)]
    pub errors: Vec<JobFieldError>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JobFieldError {
    /// Where: a JSON path or a place in a file (`row 3, column value`), in English, stable.
    pub field: String,
    /// The same place in the request's language (`3 行目、列 value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// A stable code for what was wrong (empty in jobs stored before codes existed).
    #[serde(default)]
    pub code: String,
    /// What was wrong and what was expected, in the request's language.
    pub message: String,
    /// Stored beside `message` (English) for readers of Japanese; not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub message_ja: Option<String>,
    /// `field` as a reader of Japanese finds it (a place in a file); not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub field_ja: Option<String>,
}

impl JobView {
    /// The job as a reader of `lang` sees it (its problem's texts in that language).
    pub fn in_language(mut self, lang: Lang) -> JobView {
        self.problem = self.problem.map(|p| p.in_language(lang));
        self
    }
}

impl JobProblem {
    /// The problem as a reader of `lang` sees it: texts in that language, one text each.
    pub fn in_language(mut self, lang: Lang) -> JobProblem {
        if let (Lang::Ja, Some(ja)) = (lang, self.detail_ja.take()) {
            self.detail = ja;
        }
        for e in &mut self.errors {
            if let (Lang::Ja, Some(ja)) = (lang, e.message_ja.take()) {
                e.message = ja;
            }
            e.place = Some(match (lang, e.field_ja.take()) {
                (Lang::Ja, Some(ja)) => ja,
                _ => e.field.clone(),
            });
            e.message_ja = None;
            e.field_ja = None;
        }
        self.detail_ja = None;
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JobView {
    pub id: i64,
    pub kind: JobKind,
    pub project_id: i64,
    pub status: JobStatus,
    /// Work done so far, out of `progress_total` (simulation runs; 1 for a payout run).
    pub progress_done: i64,
    pub progress_total: i64,
    /// How many times a worker started it (more than 1 when an instance stopped while running it).
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    #[serde(default)]
    pub started_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub finished_at: Option<NaiveDateTime>,
    /// When succeeded: the simulation's result or the payout run (as the synchronous endpoints
    /// answer them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// When failed: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<JobProblem>,
}

fn view(row: JobRow) -> AppResult<JobView> {
    let internal = |e: serde_json::Error| AppError::Internal(e.into());
    Ok(JobView {
        id: row.id,
        kind: row.kind,
        project_id: row.project_id,
        status: row.status,
        progress_done: row.progress_done,
        progress_total: row.progress_total,
        attempts: row.attempts,
        created_at: row.created_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
        result: row
            .result
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(internal)?,
        problem: row
            .problem
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(internal)?,
    })
}

fn problem_of(e: &AppError) -> JobProblem {
    let (kind, errors) = match e {
        AppError::Validation(errors) => (JobProblemKind::ValidationFailed, errors.clone()),
        AppError::Conflict(_) => (JobProblemKind::Conflict, Vec::new()),
        AppError::NotFound(_) | AppError::Forbidden(_) | AppError::Unauthorized(_) => {
            (JobProblemKind::NotPermitted, Vec::new())
        }
        AppError::ServiceUnavailable(_) => (JobProblemKind::ServiceUnavailable, Vec::new()),
        _ => (JobProblemKind::InternalError, Vec::new()),
    };
    let detail = match e {
        AppError::Internal(cause) => {
            tracing::error!(error = ?cause, "job failed");
            msg!(
                "job.internal",
                "An internal error occurred; it has been logged.",
                "内部エラーが発生しました。記録されています。"
            )
        }
        AppError::Conflict(reason) => reason.clone(),
        AppError::Validation(_) => msg!(
            "job.invalid",
            "the job's input is invalid",
            "ジョブの入力が正しくありません"
        ),
        AppError::NotFound(_) | AppError::Forbidden(_) | AppError::Unauthorized(_) => msg!(
            "job.not_permitted",
            "the project no longer exists or is no longer open to the person who queued the job",
            "事業がなくなったか、ジョブを登録した人が利用できなくなりました"
        ),
        AppError::ServiceUnavailable(_) => msg!(
            "job.unavailable",
            "the database was unavailable; queue the job again",
            "データベースに接続できませんでした。ジョブをもう一度登録してください"
        ),
        other => other
            .message()
            .prefixed("the job failed: ", "ジョブが失敗しました: "),
    };
    JobProblem {
        kind,
        detail: detail.en,
        detail_ja: Some(detail.ja),
        errors: errors
            .into_iter()
            .map(|f| JobFieldError {
                field: f.field.en,
                place: None,
                field_ja: Some(f.field.ja),
                code: f.message.code.to_owned(),
                message: f.message.en,
                message_ja: Some(f.message.ja),
            })
            .collect(),
    }
}

/// What a submission asks to queue.
struct Work<'a> {
    kind: JobKind,
    project_id: i64,
    input: &'a str,
    progress_total: i64,
}

/// How long a person whose work is refused is asked to wait before asking again.
const RETRY_AFTER_SECS: u64 = 30;

/// The refusal of work beyond a person's or an organization's share of the queue (429).
fn queue_full(full: queue::QueueFull, limits: QueueLimits) -> AppError {
    let detail = match full {
        queue::QueueFull::User => msg!(
            "job.user_queue_full",
            "you have {} jobs waiting or running; ask again when one has finished",
            "待機中・実行中のジョブが {} 件あります。一件終わってから依頼してください",
            limits.per_user
        ),
        queue::QueueFull::Organization => msg!(
            "job.organization_queue_full",
            "your organization has {} jobs waiting or running; ask again when one has finished",
            "所属組織の待機中・実行中のジョブが {} 件あります。一件終わってから依頼してください",
            limits.per_organization
        ),
    };
    AppError::TooManyRequests {
        detail,
        retry_after_secs: RETRY_AFTER_SECS,
    }
}

/// Queues a job within `limits`, or returns the one queued earlier under the same idempotency
/// key (409 when that one was for a different request). The boolean says whether it is new.
fn enqueue(
    conn: &mut DbConn,
    actor: &Actor,
    limits: QueueLimits,
    work: Work<'_>,
    key: Option<&str>,
) -> AppResult<(JobView, bool)> {
    let Work {
        kind,
        project_id,
        input,
        progress_total,
    } = work;
    let existing = |conn: &mut DbConn, key: &str| -> AppResult<Option<(JobView, bool)>> {
        match queue::find_by_key(conn, actor.user_id, kind, key)? {
            Some(row) if row.project_id == project_id && row.input == input => {
                Ok(Some((view(row)?, false)))
            }
            Some(_) => Err(AppError::Conflict(msg!(
                "idempotency.key_reused",
                "this Idempotency-Key was used for a different request",
                "この Idempotency-Key は別の要求に使われています"
            ))),
            None => Ok(None),
        }
    };
    if let Some(key) = key
        && let Some(found) = existing(conn, key)?
    {
        return Ok(found);
    }
    let new = NewJob {
        kind,
        project_id,
        requested_by: actor.user_id,
        idempotency_key: key,
        input,
        progress_total,
    };
    match queue::insert_within(conn, &new, limits) {
        Ok(Ok(row)) => Ok((view(row)?, true)),
        Ok(Err(full)) => Err(queue_full(full, limits)),
        // Two requests with one key at once: the other one queued it.
        Err(e) if db::is_unique_violation(&e) => match key {
            Some(key) => existing(conn, key)?.ok_or_else(|| AppError::Internal(e.into())),
            None => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// Queues a simulation (checked now, so it cannot fail on its input later).
pub fn submit_simulation(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    input: &SimulationInput,
    limits: QueueLimits,
    key: Option<&str>,
) -> AppResult<(JobView, bool)> {
    let prepared = simulations::prepare(conn, actor, project_id)?;
    simulations::check(&prepared, input)?;
    let text = serde_json::to_string(input).map_err(|e| AppError::Internal(e.into()))?;
    let work = Work {
        kind: JobKind::Simulation,
        project_id,
        input: &text,
        progress_total: i64::from(input.runs),
    };
    enqueue(conn, actor, limits, work, key)
}

/// Queues a payout run (checked now: the caller may run one on the project).
pub fn submit_payout_run(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    limits: QueueLimits,
    key: Option<&str>,
) -> AppResult<(JobView, bool)> {
    payout_runs::may_run(conn, actor, project_id)?;
    let work = Work {
        kind: JobKind::PayoutRun,
        project_id,
        input: "{}",
        progress_total: 1,
    };
    if key.is_some() {
        return enqueue(conn, actor, limits, work, key);
    }
    // Asked again while this person's run of the project still waits: the waiting run reads the
    // data when it starts, so it answers both. The database holds one waiting run per person and
    // project; a request that loses the race to queue it finds the winner's (or, if that one has
    // just started, queues the next).
    for _ in 0..3 {
        if let Some(row) = queue::waiting_run(conn, actor.user_id, project_id)? {
            return Ok((view(row)?, false));
        }
        let new = NewJob {
            kind: JobKind::PayoutRun,
            project_id,
            requested_by: actor.user_id,
            idempotency_key: None,
            input: "{}",
            progress_total: 1,
        };
        match queue::insert_within(conn, &new, limits) {
            Ok(Ok(row)) => return Ok((view(row)?, true)),
            Ok(Err(full)) => return Err(queue_full(full, limits)),
            Err(e) if db::is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict(msg!(
        "job.busy",
        "payout runs of this project are being queued and started very quickly; ask again",
        "この事業の支払計算の登録と開始が集中しています。もう一度依頼してください"
    )))
}

/// What a queued import keeps: where it came from and the file itself, as
/// `{"params": …, "file_base64": "…"}`, read without copying the file's text.
#[derive(Debug, Deserialize)]
struct ImportJobInput<'a> {
    params: crate::batches::ImportParams,
    #[serde(borrow)]
    file_base64: &'a str,
}

/// The stored input of an import job written in one allocation (a file near the upload limit
/// must not be held three times over: the body, its base64 and the JSON around it).
fn import_job_input(params: &crate::batches::ImportParams, file: &[u8]) -> AppResult<String> {
    use base64::Engine as _;
    let params = serde_json::to_string(params).map_err(|e| AppError::Internal(e.into()))?;
    let mut input = String::with_capacity(params.len() + file.len().div_ceil(3) * 4 + 32);
    input.push_str("{\"params\":");
    input.push_str(&params);
    input.push_str(",\"file_base64\":\"");
    base64::engine::general_purpose::STANDARD.encode_string(file, &mut input);
    input.push_str("\"}");
    Ok(input)
}

/// The import's parameters and file from its stored input, which is dropped before the file is
/// read (the worker holds the file once).
fn import_input(raw: String) -> AppResult<(crate::batches::ImportParams, Vec<u8>)> {
    use base64::Engine as _;
    let parsed: ImportJobInput<'_> =
        serde_json::from_str(&raw).map_err(|e| AppError::Internal(e.into()))?;
    let file = base64::engine::general_purpose::STANDARD
        .decode(parsed.file_base64)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((parsed.params, file))
}

/// Queues a large import of participant records (checked for the right to import first).
pub fn submit_import(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    params: &crate::batches::ImportParams,
    file: impl AsRef<[u8]>,
    limits: QueueLimits,
    key: Option<&str>,
) -> AppResult<(JobView, bool)> {
    crate::batches::may_import(conn, actor, project_id)?;
    // A file imported already is refused now, not after its turn in the queue (a retry of this
    // very request, under its key, is answered with its job instead).
    let replay = match key {
        Some(key) => {
            queue::find_by_key(conn, actor.user_id, JobKind::ParticipantImport, key)?.is_some()
        }
        None => false,
    };
    if !replay {
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(file.as_ref()));
        crate::batches::ensure_new_file(conn, project_id, &sha)?;
    }
    let input = import_job_input(params, file.as_ref())?;
    // The file lives on in the input only: not held twice while the database stores it.
    drop(file);
    let work = Work {
        kind: JobKind::ParticipantImport,
        project_id,
        input: &input,
        progress_total: 1,
    };
    enqueue(conn, actor, limits, work, key)
}

/// A job, for the person who asked for it (anyone else: 404).
pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<JobView> {
    match queue::find(conn, id)? {
        Some(row) if row.requested_by == actor.user_id => view(row),
        _ => Err(AppError::not_found(Thing::Job)),
    }
}

/// The caller's jobs still queued or running, newest first.
pub fn unfinished(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<JobView>> {
    queue::unfinished_of(conn, actor.user_id, 50)?
        .into_iter()
        .map(view)
        .collect()
}

/// The person a job acts for, as they are now (a disabled account's jobs fail).
fn actor_of(conn: &mut DbConn, user_id: i64) -> AppResult<Actor> {
    let gone = || {
        AppError::Forbidden(msg!(
            "access.job_owner_gone",
            "the person who asked for this job can no longer act",
            "このジョブを登録した人は、もう操作できません"
        ))
    };
    let user = users::find(conn, user_id)?.ok_or_else(gone)?;
    if user.disabled {
        return Err(gone());
    }
    Ok(Actor {
        user_id: user.id,
        organization_id: user.organization_id,
        role: user.role,
    })
}

/// How often a running job reports its progress and that its instance is alive: often enough for
/// a progress bar to move while a simulation of a few seconds runs (one small update per running
/// job, and an instance runs `workers` jobs at once).
const HEARTBEAT: Duration = Duration::from_millis(500);

/// How workers find work and how many jobs one instance runs at once.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// This instance's name in the queue (`claimed_by`).
    pub instance: String,
    /// Jobs run at once by this instance (each simulation uses every core); 0 runs none here.
    pub workers: usize,
    /// How often an idle worker looks for jobs queued by other instances or left by a stopped one.
    pub poll: Duration,
    /// How long a running job may go without a heartbeat before another instance takes it over.
    pub stale_after: Duration,
    /// How long a finished job (its result, its input, its idempotency key) is kept.
    pub retention: Duration,
    /// Bounds on the files an import job reads.
    pub sheet_limits: SheetLimits,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            instance: format!(
                "{}-{}-{:08x}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "seika".into()),
                std::process::id(),
                rand::random::<u32>()
            ),
            workers: 1,
            poll: Duration::from_millis(500),
            stale_after: Duration::from_secs(queue::STALE_AFTER_SECONDS.unsigned_abs()),
            retention: DEFAULT_RETENTION,
            sheet_limits: SheetLimits::default(),
        }
    }
}

/// Finished jobs are kept this long by default (30 days).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// How often an instance deletes the finished jobs past their retention.
const FORGET_EVERY: Duration = Duration::from_secs(3600);

/// Deletes the finished jobs that finished more than `retention` ago; how many.
pub async fn forget_finished(db: &Db, retention: Duration) -> AppResult<usize> {
    let age = chrono::Duration::from_std(retention).map_err(|e| AppError::Internal(e.into()))?;
    db.run(move |conn| Ok::<_, AppError>(queue::forget_finished(conn, db::now() - age)?))
        .await
}

/// Starts this instance's workers on the runtime; `wake` is notified when a job is queued here.
/// Every instance (with workers or not) also deletes finished jobs past their retention, hourly.
pub fn spawn_workers(db: Db, options: WorkerOptions, wake: Arc<tokio::sync::Notify>) {
    {
        let (db, retention) = (db.clone(), options.retention);
        tokio::spawn(async move {
            loop {
                match forget_finished(&db, retention).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(jobs = n, "finished jobs past their retention deleted"),
                    Err(e) => tracing::warn!(error = %e, "job queue unavailable"),
                }
                tokio::time::sleep(FORGET_EVERY).await;
            }
        });
    }
    for _ in 0..options.workers {
        let (db, options, wake) = (db.clone(), options.clone(), wake.clone());
        tokio::spawn(async move {
            loop {
                match work_once(&db, &options).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "job queue unavailable"),
                }
                tokio::select! {
                    () = wake.notified() => {},
                    () = tokio::time::sleep(options.poll) => {},
                }
            }
        });
    }
}

/// Takes one job, if any waits, and runs it to the end. True when a job was run.
pub async fn work_once(db: &Db, options: &WorkerOptions) -> AppResult<bool> {
    let instance = options.instance.as_str();
    let owner = instance.to_owned();
    let stale = i64::try_from(options.stale_after.as_secs()).unwrap_or(i64::MAX);
    let Some(job) = db
        .run(move |conn| Ok::<_, AppError>(queue::claim(conn, &owner, stale)?))
        .await?
    else {
        return Ok(false);
    };
    let id = job.id;
    let done = Arc::new(AtomicI64::new(0));
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = {
        let (db, owner, done, lost) = (db.clone(), instance.to_owned(), done.clone(), lost.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                let owner = owner.clone();
                let at = done.load(Ordering::Relaxed);
                let ours = db
                    .run(move |conn| Ok::<_, AppError>(queue::heartbeat(conn, id, &owner, at)?))
                    .await;
                if matches!(ours, Ok(false)) {
                    lost.store(true, Ordering::Relaxed);
                    return;
                }
            }
        })
    };
    let outcome = execute(db, job, options.sheet_limits, done, lost).await;
    heartbeat.abort();
    // The result's JSON, or the problem's.
    let ending: Result<String, String> = match &outcome {
        Ok(value) => Ok(value.to_string()),
        Err(e) => {
            Err(serde_json::to_string(&problem_of(e)).map_err(|e| AppError::Internal(e.into()))?)
        }
    };
    let owner = instance.to_owned();
    let stored = db
        .run(move |conn| {
            let outcome = match &ending {
                Ok(result) => Outcome::Succeeded(result),
                Err(problem) => Outcome::Failed(problem),
            };
            Ok::<_, AppError>(queue::finish(conn, id, &owner, outcome)?)
        })
        .await?;
    if !stored {
        tracing::warn!(
            job = id,
            "job taken over by another instance; this result is dropped"
        );
    }
    Ok(true)
}

/// Runs a claimed job and returns its result as JSON.
async fn execute(
    db: &Db,
    job: JobRow,
    sheet_limits: SheetLimits,
    done: Arc<AtomicI64>,
    lost: Arc<AtomicBool>,
) -> AppResult<serde_json::Value> {
    let kind = job.kind;
    let (user_id, project_id, job_id) = (job.requested_by, job.project_id, job.id);
    match kind {
        JobKind::Simulation => {
            let input: SimulationInput =
                serde_json::from_str(&job.input).map_err(|e| AppError::Internal(e.into()))?;
            let prepared: Prepared = db
                .run(move |conn| {
                    let actor = actor_of(conn, user_id)?;
                    simulations::prepare(conn, &actor, project_id)
                })
                .await?;
            let result: SimulationResult = tokio::task::spawn_blocking(move || {
                simulations::run_reporting(&prepared, &input, &|runs| {
                    done.store(i64::from(runs), Ordering::Relaxed);
                    !lost.load(Ordering::Relaxed)
                })
            })
            .await
            .map_err(|e| AppError::Internal(e.into()))??;
            serde_json::to_value(result).map_err(|e| AppError::Internal(e.into()))
        }
        JobKind::PayoutRun => {
            let run: PayoutRunView = db
                .run(move |conn| {
                    let actor = actor_of(conn, user_id)?;
                    payout_runs::create(
                        conn,
                        &actor,
                        project_id,
                        Some(&format!("seika-job-{job_id}")),
                    )
                })
                .await?;
            serde_json::to_value(run).map_err(|e| AppError::Internal(e.into()))
        }
        JobKind::ParticipantImport => {
            let (params, file) = import_input(job.input)?;
            let batch = db
                .run(move |conn| {
                    let actor = actor_of(conn, user_id)?;
                    // Its own idempotency key: a job taken over after the batch was stored
                    // ends with that batch, not a second.
                    crate::batches::import(
                        conn,
                        &actor,
                        project_id,
                        &params,
                        &file,
                        &sheet_limits,
                        Some(&format!("seika-job-{job_id}")),
                    )
                })
                .await?;
            serde_json::to_value(batch).map_err(|e| AppError::Internal(e.into()))
        }
    }
}
