//! `/users`: accounts, managed by platform admins. Thin handlers over [`seika_service::users`].

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::error::{AppResult, Thing};
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use super::pagination::{Page, PageParams};
use super::session::AuthUser;
use super::{AppState, etag};
use seika_service::users::{self, NewUserInput, UserUpdate, UserView, require_admin};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserFilter {
    pub organization_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn with_etag(view: UserView) -> (HeaderMap, Json<UserView>) {
    (etag(view.version), Json(view))
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<NewUserInput>,
) -> AppResult<(StatusCode, HeaderMap, Json<UserView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            require_admin(actor)?;
            users::create_user(conn, Some(actor.user_id), &input)
        })
        .await?;
    let (headers, body) = with_etag(view);
    Ok((StatusCode::CREATED, headers, body))
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> AppResult<Json<Page<UserView>>> {
    let window = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .limit_offset();
    let ((items, total), window) = auth
        .run(&state.db, move |conn, actor| {
            require_admin(actor)?;
            let window = window?;
            users::list(conn, actor, filter.organization_id, window).map(|page| (page, window))
        })
        .await?;
    Ok(Json(Page::new(items, window, total)))
}

pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<(HeaderMap, Json<UserView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| users::get(conn, actor, id))
        .await?;
    Ok(with_etag(view))
}

/// Changes a user (disable, rename, change role); needs `If-Match`.
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<UserUpdate>,
) -> AppResult<(HeaderMap, Json<UserView>)> {
    let expected = if_match.required(Thing::User);
    let view = auth
        .run(&state.db, move |conn, actor| {
            require_admin(actor)?;
            users::update(conn, actor, id, expected?, &input)
        })
        .await?;
    Ok(with_etag(view))
}

/// `POST /users/{id}/password-reset`: a one-time code (valid 24 hours) with which the person sets
/// a new password; shown once, kept only as its hash, audited.
pub async fn issue_reset(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    _: super::extract::NoBody,
) -> AppResult<(StatusCode, Json<seika_service::accounts::ResetCode>)> {
    let code = auth
        .run(&state.db, move |conn, actor| {
            seika_service::accounts::issue_reset(conn, actor, id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(code)))
}
