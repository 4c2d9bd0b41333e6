//! `/contract-templates` and `/contract-checks`: thin handlers over [`crate::service::contracts`].

use axum::Json;

use super::error::AppResult;
use super::extract::ApiJson;
use super::session::AuthUser;
use crate::service::contracts::{self, DraftCheck, DraftCheckInput, Template};

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
