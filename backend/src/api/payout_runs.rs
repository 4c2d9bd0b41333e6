//! `/projects/{id}/payout-runs`: thin handlers over [`seika_service::payout_runs`].

use super::extract::NoBody;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;
use super::error::{ApiError, AppError, AppResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::idempotency::IdempotencyKey;
use super::session::AuthUser;
use seika_engine::simulate::{SimulationInput, SimulationResult};
use seika_service::downloads::{self, DownloadParams};
use seika_service::payout_runs::{
    self, BatchEffect, PayoutRunView, Preview, PreviewInput, ProjectFigures, Reproduction,
};
use seika_service::simulations::{self, ScenariosInput, ScenariosResult};

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    _: NoBody,
) -> AppResult<(StatusCode, Json<PayoutRunView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            payout_runs::create(conn, actor, project_id, key.as_deref())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
) -> AppResult<Json<Vec<PayoutRunView>>> {
    auth.run(&state.db, move |conn, actor| {
        payout_runs::list(conn, actor, project_id)
    })
    .await
    .map(Json)
}

pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
) -> AppResult<Json<PayoutRunView>> {
    auth.run(&state.db, move |conn, actor| {
        payout_runs::get(conn, actor, project_id, id)
    })
    .await
    .map(Json)
}

pub async fn rerun(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
    _: NoBody,
) -> AppResult<Json<Reproduction>> {
    auth.run(&state.db, move |conn, actor| {
        payout_runs::reproduce_for(conn, actor, project_id, id)
    })
    .await
    .map(Json)
}

/// Progress per metric and amounts due by tranche, fiscal year and payer, computed on the server.
pub async fn figures(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
) -> AppResult<Json<ProjectFigures>> {
    auth.run(&state.db, move |conn, actor| {
        payout_runs::figures(conn, actor, project_id)
    })
    .await
    .map(Json)
}

/// A statement for hypothetical outcome values; nothing is stored.
pub async fn preview(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<PreviewInput>,
) -> AppResult<Json<Preview>> {
    auth.run(&state.db, move |conn, actor| {
        payout_runs::preview(conn, actor, project_id, input)
    })
    .await
    .map(Json)
}

/// What a batch would change in the payout (for its verifiers); nothing is stored.
pub async fn batch_effect(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, batch_id)): ApiPath<(i64, i64)>,
) -> AppResult<Json<BatchEffect>> {
    auth.run(&state.db, move |conn, actor| {
        payout_runs::batch_effect(conn, actor, project_id, batch_id)
    })
    .await
    .map(Json)
}

/// Simulations are CPU-heavy and use every core: one at a time per server instance, so reads keep
/// their latency; others wait their turn.
static SIMULATIONS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Runs a Monte Carlo simulation of the project's payments (nothing is stored).
pub async fn simulate(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<SimulationInput>,
) -> AppResult<Json<SimulationResult>> {
    let prepared = auth
        .run(&state.db, move |conn, actor| {
            simulations::prepare(conn, actor, project_id)
        })
        .await?;
    let _turn = SIMULATIONS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || simulations::run(&prepared, &input))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map(Json)
        .map_err(ApiError)
}

/// Prices named scenarios (low, base, high…) of outcome values (nothing is stored).
pub async fn scenarios(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<ScenariosInput>,
) -> AppResult<Json<ScenariosResult>> {
    let prepared = auth
        .run(&state.db, move |conn, actor| {
            simulations::prepare(conn, actor, project_id)
        })
        .await?;
    tokio::task::spawn_blocking(move || simulations::scenarios(&prepared, &input))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map(Json)
        .map_err(ApiError)
}

/// A payout run's statement as CSV (UTF-8 or Shift_JIS) or XLSX.
pub async fn statement_download(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
    ApiQuery(params): ApiQuery<DownloadParams>,
) -> AppResult<axum::response::Response> {
    let file = auth
        .run(&state.db, move |conn, actor| {
            downloads::statement(conn, actor, project_id, id, &params)
        })
        .await?;
    Ok(super::download(file))
}

/// The project's claims and payments ledger as CSV (UTF-8 or Shift_JIS) or XLSX.
pub async fn claims_download(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<DownloadParams>,
) -> AppResult<axum::response::Response> {
    let file = auth
        .run(&state.db, move |conn, actor| {
            downloads::claims_ledger(conn, actor, project_id, &params)
        })
        .await?;
    Ok(super::download(file))
}

/// The project's budget schedule by fiscal year as CSV (UTF-8 or Shift_JIS) or XLSX.
pub async fn budget_download(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<DownloadParams>,
) -> AppResult<axum::response::Response> {
    let file = auth
        .run(&state.db, move |conn, actor| {
            downloads::budget_schedule(conn, actor, project_id, &params)
        })
        .await?;
    Ok(super::download(file))
}

/// The project's outcome results and milestones as CSV (UTF-8 or Shift_JIS) or XLSX.
pub async fn outcome_data_download(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<DownloadParams>,
) -> AppResult<axum::response::Response> {
    let file = auth
        .run(&state.db, move |conn, actor| {
            downloads::outcome_data(conn, actor, project_id, &params)
        })
        .await?;
    Ok(super::download(file))
}

/// The investor statement (distributions per investment and tranche) as CSV or XLSX.
pub async fn investor_statement_download(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<DownloadParams>,
) -> AppResult<axum::response::Response> {
    let file = auth
        .run(&state.db, move |conn, actor| {
            downloads::investor_statement(conn, actor, project_id, &params)
        })
        .await?;
    Ok(super::download(file))
}
