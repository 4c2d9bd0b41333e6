//! Open data: publication settings, investors' disclosures, INDIGO export and import, and the
//! public pages (no login). Thin handlers over [`seika_service::publication`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use super::AppState;
use super::error::{ApiError, AppResult};
use super::extract::{ApiJson, ApiPath};
use super::session::AuthUser;
use seika_service::publication::{
    self, DisclosureInput, IndigoBundle, IndigoImportInput, IndigoImportView, PublicProjectSummary,
    PublicProjectView, PublicationInput, PublicationView,
};

pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
) -> AppResult<Json<PublicationView>> {
    auth.run(&state.db, move |conn, actor| {
        publication::get(conn, actor, project_id)
    })
    .await
    .map(Json)
}

pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<PublicationInput>,
) -> AppResult<Json<PublicationView>> {
    auth.run(&state.db, move |conn, actor| {
        publication::update(conn, actor, project_id, input)
    })
    .await
    .map(Json)
}

pub async fn disclose(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
    ApiJson(input): ApiJson<DisclosureInput>,
) -> AppResult<Json<PublicationView>> {
    auth.run(&state.db, move |conn, actor| {
        publication::disclose(conn, actor, project_id, input)
    })
    .await
    .map(Json)
}

pub async fn indigo_export(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(project_id): ApiPath<i64>,
) -> AppResult<Json<Value>> {
    auth.run(&state.db, move |conn, actor| {
        publication::indigo_export(conn, actor, project_id)
    })
    .await
    .map(Json)
}

pub async fn indigo_import(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<IndigoImportInput>,
) -> AppResult<(StatusCode, Json<IndigoImportView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            publication::indigo_import(conn, actor, input)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn public_list(
    State(state): State<AppState>,
) -> AppResult<Json<Vec<PublicProjectSummary>>> {
    state
        .db
        .run(publication::public_list)
        .await
        .map(Json)
        .map_err(ApiError)
}

pub async fn public_project(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> AppResult<Json<PublicProjectView>> {
    state
        .db
        .run(move |conn| publication::public_project(conn, &code))
        .await
        .map(Json)
        .map_err(ApiError)
}

pub async fn public_indigo_project(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> AppResult<Json<IndigoBundle>> {
    state
        .db
        .run(move |conn| publication::public_indigo(conn, Some(&code)))
        .await
        .map(Json)
        .map_err(ApiError)
}

pub async fn public_indigo_all(State(state): State<AppState>) -> AppResult<Json<IndigoBundle>> {
    state
        .db
        .run(|conn| publication::public_indigo(conn, None))
        .await
        .map(Json)
        .map_err(ApiError)
}
