//! `/projects/{id}/outcome-results`: aggregate results and milestones. Thin handlers over
//! [`seika_service::outcomes`].

use super::extract::NoBody;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::AppState;
use super::error::AppResult;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::idempotency::IdempotencyKey;
use super::session::AuthUser;
use seika_service::audit::AuditEntryView;
use seika_service::outcomes::{
    self, OutcomeResultInput, OutcomeResultView, ResultsImportParams, ResultsImportReport,
};
use seika_service::review::{Review, ReviewInput};

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(input): ApiJson<OutcomeResultInput>,
) -> AppResult<(StatusCode, Json<OutcomeResultView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            outcomes::create(conn, actor, project_id, input, key.as_deref())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only the records in this review status.
    pub status: Option<seika_core::review::ReviewStatus>,
    /// Verified records as they stood at this moment (UTC, e.g. 2026-01-31T00:00:00).
    pub as_of: Option<NaiveDateTime>,
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> AppResult<Json<Vec<OutcomeResultView>>> {
    auth.run(&state.db, move |conn, actor| {
        outcomes::list(conn, actor, project_id, params.status, params.as_of)
    })
    .await
    .map(Json)
}

/// The record's history: every audit entry about it, oldest first.
pub async fn history(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
) -> AppResult<Json<Vec<AuditEntryView>>> {
    auth.run(&state.db, move |conn, actor| {
        outcomes::history(conn, actor, project_id, id)
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
) -> AppResult<Json<OutcomeResultView>> {
    auth.run(&state.db, move |conn, actor| {
        outcomes::review(conn, actor, project_id, id, step, reason.as_deref())
    })
    .await
    .map(Json)
}

/// `DELETE /projects/{id}/outcome-results/{rid}`: the enterer discards their own draft.
pub async fn discard(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project, id)): ApiPath<(i64, i64)>,
) -> AppResult<StatusCode> {
    auth.run(&state.db, move |conn, actor| {
        outcomes::discard(conn, actor, project, id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn submit(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(ids): ApiPath<(i64, i64)>,
    _: NoBody,
) -> AppResult<Json<OutcomeResultView>> {
    review(state, auth, ids, Review::Submit, None).await
}

pub async fn verify(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(ids): ApiPath<(i64, i64)>,
    _: NoBody,
) -> AppResult<Json<OutcomeResultView>> {
    review(state, auth, ids, Review::Verify, None).await
}

pub async fn reject(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(ids): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> AppResult<Json<OutcomeResultView>> {
    review(state, auth, ids, Review::Reject, input.reason).await
}

/// Imports results from a CSV or XLSX file, all or nothing.
pub async fn import(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ResultsImportParams>,
    IdempotencyKey(key): IdempotencyKey,
    headers: HeaderMap,
    super::extract::ApiBytes(body): super::extract::ApiBytes,
) -> AppResult<(StatusCode, Json<ResultsImportReport>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    super::extract::expect_table(content_type, &body)?;
    let limits = state.config.sheet_limits;
    let report = auth
        .run(&state.db, move |conn, actor| {
            outcomes::import(
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
    Ok((StatusCode::CREATED, Json(report)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateParams {
    /// `csv` (UTF-8 with BOM; the default) or `xlsx`.
    pub format: Option<TemplateFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TemplateFormat {
    Csv,
    Xlsx,
}

/// The project's results template as a download.
pub async fn template(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<TemplateParams>,
) -> AppResult<Response> {
    let xlsx = params.format == Some(TemplateFormat::Xlsx);
    let file = auth
        .run(&state.db, move |conn, actor| {
            outcomes::template(conn, actor, project_id, xlsx)
        })
        .await?;
    Ok(super::download(file))
}
