//! `/organizations`: thin handlers over [`seika_service::organizations`].

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::error::{AppResult, Thing};
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use super::pagination::{Page, PageParams};
use super::session::AuthUser;
use super::{AppState, etag};
use seika_core::organization::OrganizationKind;
use seika_service::organizations::{self, OrganizationInput, OrganizationRef, OrganizationUpdate};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn with_etag(body: OrganizationRef) -> (HeaderMap, Json<OrganizationRef>) {
    (etag(body.version), Json(body))
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(filter): ApiQuery<OrganizationFilter>,
) -> AppResult<Json<Page<OrganizationRef>>> {
    let window = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .limit_offset()?;
    let (items, total) = auth
        .run(&state.db, move |conn, _| {
            organizations::list(conn, filter.kind, window)
        })
        .await?;
    Ok(Json(Page::new(items, window, total)))
}

pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<(HeaderMap, Json<OrganizationRef>)> {
    let view = auth
        .run(&state.db, move |conn, _| organizations::get(conn, id))
        .await?;
    Ok(with_etag(view))
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<OrganizationInput>,
) -> AppResult<(StatusCode, HeaderMap, Json<OrganizationRef>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            organizations::create(conn, actor, &input)
        })
        .await?;
    let (headers, body) = with_etag(view);
    Ok((StatusCode::CREATED, headers, body))
}

/// Renames an organization; needs `If-Match` with the current version.
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<OrganizationUpdate>,
) -> AppResult<(HeaderMap, Json<OrganizationRef>)> {
    let expected = if_match.required(Thing::Organization);
    let view = auth
        .run(&state.db, move |conn, actor| {
            organizations::require_admin(actor)?;
            organizations::rename(conn, actor, id, expected?, &input)
        })
        .await?;
    Ok(with_etag(view))
}
