//! `/projects/{id}/budget`: appropriations, the 債務負担行為 and the year-by-year figures with
//! their warnings. Thin handlers over [`seika_service::budgets`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;
use super::error::AppResult;
use super::extract::{ApiJson, ApiPath};
use super::session::AuthUser;
use seika_service::budgets::{self, BudgetLineInput, BudgetView, CommitmentInput};

pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
) -> AppResult<Json<BudgetView>> {
    auth.run(&state.db, move |conn, actor| {
        budgets::view(conn, actor, project_id)
    })
    .await
    .map(Json)
}

pub async fn add_line(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<BudgetLineInput>,
) -> AppResult<(StatusCode, Json<BudgetView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            budgets::add_line(conn, actor, project_id, input)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn add_commitment(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<CommitmentInput>,
) -> AppResult<(StatusCode, Json<BudgetView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            budgets::add_commitment(conn, actor, project_id, input)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}
