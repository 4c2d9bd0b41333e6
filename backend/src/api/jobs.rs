//! `/jobs` and the job-submitting endpoints: thin handlers over [`seika_service::jobs`].

use super::extract::NoBody;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use super::AppState;
use super::error::AppResult;
use super::extract::{ApiJson, ApiPath};
use super::idempotency::IdempotencyKey;
use super::session::AuthUser;
use seika_engine::simulate::SimulationInput;
use seika_service::jobs::{self, JobView};

/// Queues a Monte Carlo simulation (up to 100,000 runs) and answers at once with the job.
pub async fn submit_simulation(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(input): ApiJson<SimulationInput>,
) -> AppResult<(StatusCode, HeaderMap, Json<JobView>)> {
    let limits = state.config.job_limits;
    let queued = auth
        .run(&state.db, move |conn, actor| {
            jobs::submit_simulation(conn, actor, project_id, &input, limits, key.as_deref())
        })
        .await?;
    Ok(super::queued::accepted(&state, queued))
}

/// Queues a payout run and answers at once with the job.
pub async fn submit_payout_run(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    _: NoBody,
) -> AppResult<(StatusCode, HeaderMap, Json<JobView>)> {
    let limits = state.config.job_limits;
    let queued = auth
        .run(&state.db, move |conn, actor| {
            jobs::submit_payout_run(conn, actor, project_id, limits, key.as_deref())
        })
        .await?;
    Ok(super::queued::accepted(&state, queued))
}

/// A job with its progress, and its result once it is done.
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<JobView>> {
    let lang = super::error::language();
    auth.run(&state.db, move |conn, actor| jobs::get(conn, actor, id))
        .await
        .map(|job| Json(job.in_language(lang)))
}

/// The caller's jobs still queued or running.
pub async fn unfinished(
    State(state): State<AppState>,
    auth: AuthUser,
) -> AppResult<Json<Vec<JobView>>> {
    let lang = super::error::language();
    auth.run(&state.db, jobs::unfinished)
        .await
        .map(|jobs| Json(jobs.into_iter().map(|j| j.in_language(lang)).collect()))
}
