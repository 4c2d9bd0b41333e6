//! `/projects/{id}/outcome-batches`: participant-level records imported from CSV. Thin handlers
//! over [`seika_service::batches`].

use super::extract::NoBody;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};

use super::AppState;
use super::error::AppResult;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::idempotency::IdempotencyKey;
use super::session::AuthUser;
use seika_service::batches::{self, BatchView, ImportParams, OutcomeSummary, RecordView};
use seika_service::privacy::{self, ErasureInput, ErasureReport};
use seika_service::review::{Review, ReviewInput};
use seika_service::samples::{self, DrawInput, FindingInput, SampleView};

/// Imports a CSV or XLSX file of participant records as a draft batch, all or nothing.
pub async fn import(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ImportParams>,
    IdempotencyKey(key): IdempotencyKey,
    headers: HeaderMap,
    super::extract::ApiBytes(body): super::extract::ApiBytes,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    super::extract::expect_table(content_type, &body)?;
    if body.len() > state.config.import_job_bytes {
        // A large file is stored by a job worker, so that imports at once stay bounded.
        let limits = state.config.job_limits;
        let queued = auth
            .run(&state.db, move |conn, actor| {
                seika_service::jobs::submit_import(
                    conn,
                    actor,
                    project_id,
                    &params,
                    body,
                    limits,
                    key.as_deref(),
                )
            })
            .await?;
        return Ok(super::queued::accepted(&state, queued).into_response());
    }
    let limits = state.config.sheet_limits;
    let view = auth
        .run(&state.db, move |conn, actor| {
            batches::import(
                conn,
                actor,
                project_id,
                &params,
                &body,
                &limits,
                key.as_deref(),
            )
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
) -> AppResult<Json<Vec<BatchView>>> {
    auth.run(&state.db, move |conn, actor| {
        batches::list(conn, actor, project_id)
    })
    .await
    .map(Json)
}

/// Participant-level records of a batch: never for investors or the public.
pub async fn records(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
    ApiQuery(page): ApiQuery<super::pagination::PageParams>,
) -> AppResult<Json<super::pagination::Page<RecordView>>> {
    let window = page.limit_offset()?;
    let (items, total) = auth
        .run(&state.db, move |conn, actor| {
            batches::records(conn, actor, project_id, id, window)
        })
        .await?;
    Ok(Json(super::pagination::Page::new(items, window, total)))
}

/// Aggregate counts of verified participant outcomes; cells under the minimum are suppressed.
pub async fn summary(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
) -> AppResult<Json<OutcomeSummary>> {
    let minimum = state.config.min_aggregate_participants;
    auth.run(&state.db, move |conn, actor| {
        batches::summary(conn, actor, project_id, minimum)
    })
    .await
    .map(Json)
}

async fn review(
    state: AppState,
    auth: AuthUser,
    (project_id, id): (i64, i64),
    step: Review,
    reason: Option<String>,
) -> AppResult<Json<BatchView>> {
    auth.run(&state.db, move |conn, actor| {
        batches::review(conn, actor, project_id, id, step, reason.as_deref())
    })
    .await
    .map(Json)
}

pub async fn submit(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(ids): ApiPath<(i64, i64)>,
    _: NoBody,
) -> AppResult<Json<BatchView>> {
    review(state, auth, ids, Review::Submit, None).await
}

/// Verifies a batch; the body may give a reason, which a batch whose sample shows more
/// discrepancies than the contract tolerates needs. An empty body is no reason.
pub async fn verify(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(ids): ApiPath<(i64, i64)>,
    super::extract::ApiBytes(body): super::extract::ApiBytes,
) -> AppResult<Json<BatchView>> {
    let input: ReviewInput = if body.iter().all(u8::is_ascii_whitespace) {
        ReviewInput::default()
    } else {
        super::extract::parse_json(&body)?
    };
    review(state, auth, ids, Review::Verify, input.reason).await
}

pub async fn reject(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(ids): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> AppResult<Json<BatchView>> {
    review(state, auth, ids, Review::Reject, input.reason).await
}

/// The batch's sample and findings, or `null` before one is drawn.
pub async fn sample(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
) -> AppResult<Json<Option<SampleView>>> {
    auth.run(&state.db, move |conn, actor| {
        samples::get(conn, actor, project_id, id)
    })
    .await
    .map(Json)
}

/// Draws the batch's sample, once, reproducibly from its seed.
pub async fn draw_sample(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<DrawInput>,
) -> AppResult<(StatusCode, Json<SampleView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            samples::draw(conn, actor, project_id, id, &input)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Records the finding on one sampled record.
pub async fn check_sample(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id, check)): ApiPath<(i64, i64, i64)>,
    ApiJson(input): ApiJson<FindingInput>,
) -> AppResult<Json<SampleView>> {
    auth.run(&state.db, move |conn, actor| {
        samples::record(conn, actor, project_id, id, check, &input)
    })
    .await
    .map(Json)
}

/// Erases a participant's records on a lawful request (appointed evaluator).
pub async fn erase_participant(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<ErasureInput>,
) -> AppResult<Json<ErasureReport>> {
    auth.run(&state.db, move |conn, actor| {
        privacy::erase(conn, actor, project_id, &input)
    })
    .await
    .map(Json)
}
