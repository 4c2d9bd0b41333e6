//! `/contract-templates`, `/contract-checks` and `/contract-workbooks`: thin handlers over
//! [`crate::service::contracts`].

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use axum::response::Response;

use super::error::AppResult;
use super::extract::ApiJson;
use super::session::AuthUser;
use crate::service::contracts::{
    self, DraftCheck, DraftCheckInput, ImportedTerms, Template, WorkbookInput,
};

pub async fn templates(auth: AuthUser) -> AppResult<Json<Vec<Template>>> {
    contracts::templates(&auth.actor).map(Json)
}

/// Pure computation over the request body: no database, so no blocking-pool hand-off.
pub async fn check(
    auth: AuthUser,
    ApiJson(input): ApiJson<DraftCheckInput>,
) -> AppResult<Json<DraftCheck>> {
    contracts::check_draft(&auth.actor, input).map(Json)
}

pub async fn workbook(
    auth: AuthUser,
    ApiJson(input): ApiJson<WorkbookInput>,
) -> AppResult<Response> {
    contracts::workbook(&auth.actor, input).map(super::download)
}

pub async fn import_workbook(
    auth: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<ImportedTerms>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    super::extract::expect_table(content_type, &body)?;
    contracts::import_workbook(&auth.actor, &body).map(Json)
}
