//! `/projects/{id}/claims` and `/projects/{id}/distributions`: claims, their inspection and
//! payments, and the distributions to investors they make due. Thin handlers over
//! [`seika_service::claims`] and [`seika_service::distributions`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;
use super::error::AppResult;
use super::extract::{ApiJson, ApiPath};
use super::session::AuthUser;
use seika_service::claims::{
    self, ClaimInput, ClaimView, InspectionInput, PaymentInput, ResubmitInput,
};
use seika_service::distributions::{self, DistributionInput, DistributionsView};

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
) -> AppResult<Json<Vec<ClaimView>>> {
    auth.run(&state.db, move |conn, actor| {
        claims::list(conn, actor, project_id)
    })
    .await
    .map(Json)
}

pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
) -> AppResult<Json<ClaimView>> {
    auth.run(&state.db, move |conn, actor| {
        claims::get(conn, actor, project_id, id)
    })
    .await
    .map(Json)
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<ClaimInput>,
) -> AppResult<(StatusCode, Json<ClaimView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            claims::create(conn, actor, project_id, input)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn resubmit(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<ResubmitInput>,
) -> AppResult<Json<ClaimView>> {
    auth.run(&state.db, move |conn, actor| {
        claims::resubmit(conn, actor, project_id, id, input)
    })
    .await
    .map(Json)
}

pub async fn inspect(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<InspectionInput>,
) -> AppResult<Json<ClaimView>> {
    auth.run(&state.db, move |conn, actor| {
        claims::inspect(conn, actor, project_id, id, input)
    })
    .await
    .map(Json)
}

pub async fn record_payment(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<PaymentInput>,
) -> AppResult<(StatusCode, Json<ClaimView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            claims::record_payment(conn, actor, project_id, id, input)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn distributions(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
) -> AppResult<Json<DistributionsView>> {
    auth.run(&state.db, move |conn, actor| {
        distributions::list(conn, actor, project_id)
    })
    .await
    .map(Json)
}

pub async fn record_distribution(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<DistributionInput>,
) -> AppResult<(StatusCode, Json<DistributionsView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            distributions::record(conn, actor, project_id, input)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}
