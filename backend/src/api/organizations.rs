//! `/organizations`: parties to projects. Any signed-in user may list them (to name parties);
//! only platform admins create or change them.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::AppState;
use super::error::{AppError, AppResult, FieldError};
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use super::pagination::{Page, PageParams};
use super::session::AuthUser;
use crate::db::{self, audit, organizations};
use crate::domain::access::can_administer_platform;
use crate::domain::organization::OrganizationKind;
use crate::service::users::OrganizationRef;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    pub slug: String,
    pub kind: OrganizationKind,
    pub name_ja: String,
    pub name_en: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn validate(input: &OrganizationInput) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let slug_ok = (2..=64).contains(&input.slug.len())
        && input
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !input.slug.starts_with('-');
    if !slug_ok {
        errors.push(FieldError::new(
            "slug",
            "2 to 64 lower-case letters, digits or hyphens, such as kobe-city",
        ));
    }
    for (field, value) in [("name_ja", &input.name_ja), ("name_en", &input.name_en)] {
        if value.trim().is_empty() || value.chars().count() > 200 {
            errors.push(FieldError::new(field, "a name of 1 to 200 characters"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

fn require_admin(auth: &AuthUser) -> AppResult<()> {
    if can_administer_platform(&auth.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only platform admins manage organizations".into(),
        ))
    }
}

fn with_etag(version: i32, body: OrganizationRef) -> (HeaderMap, Json<OrganizationRef>) {
    (super::etag(version), Json(body))
}

pub async fn list(
    State(state): State<AppState>,
    _auth: AuthUser,
    ApiQuery(filter): ApiQuery<OrganizationFilter>,
) -> AppResult<Json<Page<OrganizationRef>>> {
    let window = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .limit_offset()?;
    let kind = filter.kind.map(OrganizationKind::as_str);
    state
        .db
        .run(move |conn| {
            let (rows, total) = organizations::list(conn, kind, window.0, window.1)?;
            Ok(Json(Page::new(
                rows.into_iter().map(Into::into).collect(),
                window,
                total,
            )))
        })
        .await
}

pub async fn get(
    State(state): State<AppState>,
    _auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<(HeaderMap, Json<OrganizationRef>)> {
    state
        .db
        .run(move |conn| {
            let row = organizations::find(conn, id)?
                .ok_or_else(|| AppError::not_found("organization"))?;
            Ok(with_etag(row.lock_version, row.into()))
        })
        .await
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<OrganizationInput>,
) -> AppResult<(StatusCode, HeaderMap, Json<OrganizationRef>)> {
    require_admin(&auth)?;
    validate(&input)?;
    let actor = auth.actor.user_id;
    state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                if organizations::find_by_slug(conn, &input.slug)?.is_some() {
                    return Err(AppError::Conflict(format!(
                        "an organization with slug `{}` exists already",
                        input.slug
                    )));
                }
                let row = organizations::insert(
                    conn,
                    &organizations::NewOrganization {
                        slug: &input.slug,
                        kind: input.kind.as_str(),
                        name_ja: input.name_ja.trim(),
                        name_en: input.name_en.trim(),
                    },
                )?;
                audit::append(
                    conn,
                    audit::AuditEntry {
                        actor_user_id: Some(actor),
                        action: "organization.created",
                        entity: "organization",
                        entity_id: row.id.to_string(),
                        before: None,
                        after: Some(
                            serde_json::to_value(OrganizationRef::from(row.clone()))
                                .map_err(anyhow::Error::from)?,
                        ),
                    },
                )?;
                let (headers, body) = with_etag(row.lock_version, row.into());
                Ok((StatusCode::CREATED, headers, body))
            })
        })
        .await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationUpdate {
    pub name_ja: String,
    pub name_en: String,
}

/// Renames an organization; needs `If-Match` with the current version.
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<OrganizationUpdate>,
) -> AppResult<(HeaderMap, Json<OrganizationRef>)> {
    require_admin(&auth)?;
    let version = if_match.required("organization")?;
    validate(&OrganizationInput {
        slug: "placeholder".into(),
        kind: OrganizationKind::Investor,
        name_ja: input.name_ja.clone(),
        name_en: input.name_en.clone(),
    })?;
    let actor = auth.actor.user_id;
    state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let before = organizations::find(conn, id)?
                    .ok_or_else(|| AppError::not_found("organization"))?;
                let after = organizations::rename_checked(
                    conn,
                    id,
                    version,
                    input.name_ja.trim(),
                    input.name_en.trim(),
                )?
                .ok_or_else(|| {
                    AppError::Conflict(format!(
                        "the organization changed since version {version}; reload and try again"
                    ))
                })?;
                audit::append(
                    conn,
                    audit::AuditEntry {
                        actor_user_id: Some(actor),
                        action: "organization.updated",
                        entity: "organization",
                        entity_id: id.to_string(),
                        before: Some(
                            serde_json::to_value(OrganizationRef::from(before))
                                .map_err(anyhow::Error::from)?,
                        ),
                        after: Some(
                            serde_json::to_value(OrganizationRef::from(after.clone()))
                                .map_err(anyhow::Error::from)?,
                        ),
                    },
                )?;
                Ok(with_etag(after.lock_version, after.into()))
            })
        })
        .await
}
