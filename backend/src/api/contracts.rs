//! `/contract-templates`, `/contract-checks`, `/contract-comparisons` and `/contract-workbooks`:
//! thin handlers over [`seika_service::contracts`]. The work (the engine, a workbook) needs no
//! database but is CPU-bound: it runs on the blocking pool with the session check, never on an
//! async worker.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;

use super::AppState;
use super::error::AppResult;
use super::extract::ApiJson;
use super::session::AuthUser;
use seika_service::contracts::{
    self, Comparison, ComparisonInput, DraftCheck, DraftCheckInput, ImportedTerms, Template,
    WorkbookInput,
};

pub async fn templates(
    State(state): State<AppState>,
    auth: AuthUser,
) -> AppResult<Json<Vec<Template>>> {
    auth.run(&state.db, |_, actor| contracts::templates(actor))
        .await
        .map(Json)
}

pub async fn check(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<DraftCheckInput>,
) -> AppResult<Json<DraftCheck>> {
    auth.run(&state.db, move |_, actor| {
        contracts::check_draft(actor, input)
    })
    .await
    .map(Json)
}

pub async fn read_figure(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<contracts::FigureInput>,
) -> AppResult<Json<contracts::Figure>> {
    auth.run(&state.db, move |_, _| contracts::read_figure(input))
        .await
        .map(Json)
}

pub async fn compare(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<ComparisonInput>,
) -> AppResult<Json<Comparison>> {
    auth.run(&state.db, move |_, actor| contracts::compare(actor, input))
        .await
        .map(Json)
}

pub async fn workbook(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<WorkbookInput>,
) -> AppResult<Response> {
    auth.run(&state.db, move |_, actor| contracts::workbook(actor, input))
        .await
        .map(super::download)
}

pub async fn import_workbook(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    super::extract::ApiBytes(body): super::extract::ApiBytes,
) -> AppResult<Json<ImportedTerms>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    super::extract::expect_table(content_type, &body)?;
    let limits = state.config.sheet_limits;
    auth.run(&state.db, move |_, actor| {
        contracts::import_workbook(actor, &body, &limits)
    })
    .await
    .map(Json)
}
