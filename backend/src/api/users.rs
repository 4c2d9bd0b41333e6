//! `/users`: accounts, managed by platform admins.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::error::{AppError, AppResult};
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use super::pagination::{Page, PageParams};
use super::session::AuthUser;
use super::{AppState, etag};
use crate::db::{self, audit, organizations, users};
use crate::domain::access::can_administer_platform;
use crate::domain::organization::OrganizationKind;
use crate::domain::user::Role;
use crate::service::users::{NewUserInput, UserView, create_user, user_view, user_view_with};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserFilter {
    pub organization_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn require_admin(auth: &AuthUser) -> AppResult<()> {
    if can_administer_platform(&auth.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only platform admins manage users".into(),
        ))
    }
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<NewUserInput>,
) -> AppResult<(StatusCode, HeaderMap, Json<UserView>)> {
    require_admin(&auth)?;
    let actor = auth.actor.user_id;
    let view = state
        .db
        .run(move |conn| create_user(conn, Some(actor), &input))
        .await?;
    Ok((StatusCode::CREATED, etag(view.version), Json(view)))
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> AppResult<Json<Page<UserView>>> {
    require_admin(&auth)?;
    let window = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .limit_offset()?;
    state
        .db
        .run(move |conn| {
            let (rows, total) = users::list(conn, filter.organization_id, window.0, window.1)?;
            let ids: Vec<i64> = rows.iter().map(|u| u.organization_id).collect();
            let orgs: std::collections::HashMap<i64, _> = organizations::find_many(conn, &ids)?
                .into_iter()
                .map(|o| (o.id, o))
                .collect();
            let items = rows
                .into_iter()
                .map(|row| {
                    let org = orgs.get(&row.organization_id).cloned().ok_or_else(|| {
                        AppError::Internal(anyhow::anyhow!("user without organization"))
                    })?;
                    user_view_with(row, org)
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(Json(Page::new(items, window, total)))
        })
        .await
}

pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<(HeaderMap, Json<UserView>)> {
    require_admin(&auth)?;
    state
        .db
        .run(move |conn| {
            let row = users::find(conn, id)?.ok_or_else(|| AppError::not_found("user"))?;
            let view = user_view(conn, row)?;
            Ok((etag(view.version), Json(view)))
        })
        .await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Changes a user (disable, rename, change role); needs `If-Match`. Disabling ends the user's
/// sessions at once: tokens are checked against the account on every request.
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<UserUpdate>,
) -> AppResult<(HeaderMap, Json<UserView>)> {
    require_admin(&auth)?;
    let version = if_match.required("user")?;
    let actor = auth.actor.user_id;
    state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let before_row =
                    users::find(conn, id)?.ok_or_else(|| AppError::not_found("user"))?;
                let org = organizations::find(conn, before_row.organization_id)?
                    .ok_or_else(|| AppError::not_found("organization"))?;
                let role = match input.role {
                    Some(role) => {
                        if !OrganizationKind::parse(&org.kind).is_some_and(|k| role.fits(k)) {
                            return Err(AppError::validation(
                                "role",
                                format!("a role that fits a {} organization", org.kind),
                            ));
                        }
                        role.as_str().to_owned()
                    }
                    None => before_row.role.clone(),
                };
                let name = match &input.display_name {
                    Some(n) if n.trim().is_empty() || n.chars().count() > 200 => {
                        return Err(AppError::validation(
                            "display_name",
                            "a name of 1 to 200 characters",
                        ));
                    }
                    Some(n) => n.trim().to_owned(),
                    None => before_row.display_name.clone(),
                };
                let disabled = input.disabled.unwrap_or(before_row.disabled);
                let before = user_view(conn, before_row)?;
                let after_row = users::update_checked(conn, id, version, &name, &role, disabled)?
                    .ok_or_else(|| {
                    AppError::Conflict(format!(
                        "the user changed since version {version}; reload and try again"
                    ))
                })?;
                let after = user_view(conn, after_row)?;
                audit::append(
                    conn,
                    audit::AuditEntry {
                        actor_user_id: Some(actor),
                        action: "user.updated",
                        entity: "user",
                        entity_id: id.to_string(),
                        before: Some(serde_json::to_value(&before).map_err(anyhow::Error::from)?),
                        after: Some(serde_json::to_value(&after).map_err(anyhow::Error::from)?),
                    },
                )?;
                Ok((etag(after.version), Json(after)))
            })
        })
        .await
}
