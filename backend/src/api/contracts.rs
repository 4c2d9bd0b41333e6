//! `/contract-templates`, `/contract-checks` and `/contract-workbooks`: thin handlers over
//! [`crate::service::contracts`].

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;

use super::AppState;

use super::error::AppResult;
use super::extract::ApiJson;
use super::session::AuthUser;
use crate::service::contracts::{
    self, DraftCheck, DraftCheckInput, ImportedTerms, Template, WorkbookInput,
};

pub async fn templates(
    State(state): State<AppState>,
    auth: AuthUser,
) -> AppResult<Json<Vec<Template>>> {
    contracts::templates(&auth.actor(&state.db).await?).map(Json)
}

pub async fn check(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<DraftCheckInput>,
) -> AppResult<Json<DraftCheck>> {
    contracts::check_draft(&auth.actor(&state.db).await?, input).map(Json)
}

pub async fn workbook(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<WorkbookInput>,
) -> AppResult<Response> {
    contracts::workbook(&auth.actor(&state.db).await?, input).map(super::download)
}

pub async fn import_workbook(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<ImportedTerms>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    super::extract::expect_table(content_type, &body)?;
    contracts::import_workbook(&auth.actor(&state.db).await?, &body).map(Json)
}
