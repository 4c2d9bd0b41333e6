//! `/projects/{id}/claims`: claims, their inspection and their payments. Thin handlers over
//! [`crate::service::claims`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;
use super::error::AppResult;
use super::extract::{ApiJson, ApiPath};
use super::session::AuthUser;
use crate::service::claims::{
    self, ClaimInput, ClaimView, InspectionInput, PaymentInput, ResubmitInput,
};

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
) -> AppResult<Json<Vec<ClaimView>>> {
    state
        .db
        .run(move |conn| claims::list(conn, &auth.actor, project_id))
        .await
        .map(Json)
}

pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
) -> AppResult<Json<ClaimView>> {
    state
        .db
        .run(move |conn| claims::get(conn, &auth.actor, project_id, id))
        .await
        .map(Json)
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<ClaimInput>,
) -> AppResult<(StatusCode, Json<ClaimView>)> {
    let view = state
        .db
        .run(move |conn| claims::create(conn, &auth.actor, project_id, input))
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn resubmit(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<ResubmitInput>,
) -> AppResult<Json<ClaimView>> {
    state
        .db
        .run(move |conn| claims::resubmit(conn, &auth.actor, project_id, id, input))
        .await
        .map(Json)
}

pub async fn inspect(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<InspectionInput>,
) -> AppResult<Json<ClaimView>> {
    state
        .db
        .run(move |conn| claims::inspect(conn, &auth.actor, project_id, id, input))
        .await
        .map(Json)
}

pub async fn record_payment(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<PaymentInput>,
) -> AppResult<(StatusCode, Json<ClaimView>)> {
    let view = state
        .db
        .run(move |conn| claims::record_payment(conn, &auth.actor, project_id, id, input))
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}
