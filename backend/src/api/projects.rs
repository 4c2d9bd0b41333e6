//! `/projects` and `/invitations`: outcome contracts, their parties and their versioned terms.
//! Thin handlers over [`seika_service::projects`].

use super::extract::NoBody;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::error::{AppResult, Thing};
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use super::pagination::{Page, PageParams};
use super::session::AuthUser;
use super::{AppState, etag};
use seika_core::project::{PolicyArea, ProjectStatus};
use seika_service::projects::{
    self, AmendmentInput, InvitationView, ProjectInput, ProjectSummary, ProjectView, StatusChange,
    TermsVersionView,
};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectFilterParams {
    pub status: Option<ProjectStatus>,
    pub policy_area: Option<PolicyArea>,
    /// Words the project's code or either title contains (any case).
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<ProjectFilterParams>,
) -> AppResult<Json<Page<ProjectSummary>>> {
    let window = PageParams {
        page: params.page,
        per_page: params.per_page,
    }
    .limit_offset()?;
    let (items, total) = auth
        .run(&state.db, move |conn, actor| {
            projects::list(
                conn,
                actor,
                params.status,
                params.policy_area,
                params.q,
                window,
            )
        })
        .await?;
    Ok(Json(Page::new(items, window, total)))
}

fn with_etag(view: ProjectView) -> (HeaderMap, Json<ProjectView>) {
    (etag(view.version), Json(view))
}

/// The project page: answered again from the cache while nothing has been committed since (see
/// `service::dashboards::DashboardCache`).
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let cache = state.dashboards.clone();
    let (bytes, version) = auth
        .run(&state.db, move |conn, actor| {
            cache.project(conn, actor, id, projects::get)
        })
        .await?;
    Ok((
        etag(version),
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes.as_ref().clone(),
    )
        .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<ProjectInput>,
) -> AppResult<(StatusCode, HeaderMap, Json<ProjectView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            projects::create(conn, actor, input)
        })
        .await?;
    let (headers, body) = with_etag(view);
    Ok((StatusCode::CREATED, headers, body))
}

/// Replaces a draft whole; needs `If-Match`.
pub async fn update_draft(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<ProjectInput>,
) -> AppResult<(HeaderMap, Json<ProjectView>)> {
    let expected = if_match.required(Thing::Project)?;
    let view = auth
        .run(&state.db, move |conn, actor| {
            projects::update_draft(conn, actor, id, expected, input)
        })
        .await?;
    Ok(with_etag(view))
}

/// `DELETE /projects/{id}`: deletes a draft (needs `If-Match`); its code is free again.
pub async fn delete_draft(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
) -> AppResult<StatusCode> {
    let expected = if_match.required(Thing::Project)?;
    auth.run(&state.db, move |conn, actor| {
        projects::delete_draft(conn, actor, id, expected)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves the project along its lifecycle; needs `If-Match`.
pub async fn change_status(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<StatusChange>,
) -> AppResult<(HeaderMap, Json<ProjectView>)> {
    let expected = if_match.required(Thing::Project)?;
    let view = auth
        .run(&state.db, move |conn, actor| {
            projects::change_status(conn, actor, id, expected, input)
        })
        .await?;
    Ok(with_etag(view))
}

/// Amends published terms; needs `If-Match`.
pub async fn amend(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<AmendmentInput>,
) -> AppResult<(StatusCode, HeaderMap, Json<ProjectView>)> {
    let expected = if_match.required(Thing::Project)?;
    let view = auth
        .run(&state.db, move |conn, actor| {
            projects::amend(conn, actor, id, expected, input)
        })
        .await?;
    let (headers, body) = with_etag(view);
    Ok((StatusCode::CREATED, headers, body))
}

pub async fn versions(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<TermsVersionView>>> {
    auth.run(&state.db, move |conn, actor| {
        projects::versions(conn, actor, id)
    })
    .await
    .map(Json)
}

pub async fn invitations(
    State(state): State<AppState>,
    auth: AuthUser,
) -> AppResult<Json<Vec<InvitationView>>> {
    auth.run(&state.db, move |conn, actor| {
        projects::invitations(conn, actor)
    })
    .await
    .map(Json)
}

pub async fn invitation_terms(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<projects::InvitationTerms>> {
    auth.run(&state.db, move |conn, actor| {
        projects::invitation_terms(conn, actor, id)
    })
    .await
    .map(Json)
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    _: NoBody,
) -> AppResult<Json<InvitationView>> {
    auth.run(&state.db, move |conn, actor| {
        projects::answer_invitation(conn, actor, id, true)
    })
    .await
    .map(Json)
}

pub async fn decline_invitation(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    _: NoBody,
) -> AppResult<Json<InvitationView>> {
    auth.run(&state.db, move |conn, actor| {
        projects::answer_invitation(conn, actor, id, false)
    })
    .await
    .map(Json)
}
