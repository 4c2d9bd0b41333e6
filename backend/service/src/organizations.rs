//! Organizations: the parties to projects. Any signed-in user may list them (to name parties);
//! only platform admins create or rename them.

use seika_core::msg;
use serde::{Deserialize, Serialize};

use super::to_json;
use crate::error::{AppError, AppResult, FieldError, Thing};
use seika_core::access::{Actor, can_administer_platform};
use seika_core::organization::OrganizationKind;
use seika_db::{self as db, DbConn, audit, organizations};

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OrganizationRef {
    pub id: i64,
    pub slug: String,
    pub kind: OrganizationKind,
    pub name_ja: String,
    pub name_en: String,
    /// The record's version for `If-Match` (also sent as the ETag).
    pub version: i32,
}

impl From<organizations::OrganizationRow> for OrganizationRef {
    fn from(o: organizations::OrganizationRow) -> Self {
        OrganizationRef {
            id: o.id,
            slug: o.slug,
            kind: o.kind,
            name_ja: o.name_ja,
            name_en: o.name_en,
            version: o.lock_version,
        }
    }
}

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
pub struct OrganizationUpdate {
    pub name_ja: String,
    pub name_en: String,
}

fn name_errors(name_ja: &str, name_en: &str) -> Vec<FieldError> {
    [("name_ja", name_ja), ("name_en", name_en)]
        .into_iter()
        .filter(|(_, value)| value.trim().is_empty() || value.chars().count() > 200)
        .map(|(field, _)| {
            FieldError::new(
                field,
                msg!(
                    "name.length",
                    "a name of 1 to 200 characters",
                    "1〜200文字の名前"
                ),
            )
        })
        .collect()
}

fn validate(input: &OrganizationInput) -> AppResult<()> {
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
            msg!(
                "organization.slug",
                "2 to 64 lower-case letters, digits or hyphens, such as kobe-city",
                "英小文字・数字・ハイフンで 2〜64 文字（例: kobe-city）"
            ),
        ));
    }
    errors.extend(name_errors(&input.name_ja, &input.name_en));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Refuses anyone but a platform admin.
pub fn require_admin(actor: &Actor) -> AppResult<()> {
    if can_administer_platform(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(msg!(
            "access.organizations_admin_only",
            "only platform admins manage organizations",
            "組織を管理できるのはプラットフォーム管理者だけです"
        )))
    }
}

/// One page of organizations, optionally of one kind.
pub fn list(
    conn: &mut DbConn,
    kind: Option<OrganizationKind>,
    (limit, offset): (i64, i64),
) -> AppResult<(Vec<OrganizationRef>, i64)> {
    let (rows, total) = organizations::list(conn, kind, limit, offset)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub fn get(conn: &mut DbConn, id: i64) -> AppResult<OrganizationRef> {
    organizations::find(conn, id)?
        .map(Into::into)
        .ok_or_else(|| AppError::not_found(Thing::Organization))
}

/// Creates an organization (platform admins); a slug in use gets 409.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: &OrganizationInput,
) -> AppResult<OrganizationRef> {
    require_admin(actor)?;
    validate(input)?;
    db::audited_write(conn, |conn, chain| {
        if organizations::find_by_slug(conn, &input.slug)?.is_some() {
            return Err(AppError::Conflict(msg!(
                "organization.slug_taken",
                "an organization with slug `{slug}` exists already",
                "スラッグ `{slug}` の組織は既にあります",
                slug = input.slug
            )));
        }
        let row = organizations::insert(
            conn,
            &organizations::NewOrganization {
                slug: &input.slug,
                kind: input.kind,
                name_ja: input.name_ja.trim(),
                name_en: input.name_en.trim(),
            },
        )?;
        let view = OrganizationRef::from(row);
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "organization.created",
                entity: "organization",
                entity_id: view.id.to_string(),
                before: None,
                after: Some(to_json(&view)?),
            },
        )?;
        Ok(view)
    })
}

/// Renames an organization (platform admins) if it is still at version `expected`.
pub fn rename(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected: i32,
    input: &OrganizationUpdate,
) -> AppResult<OrganizationRef> {
    require_admin(actor)?;
    let errors = name_errors(&input.name_ja, &input.name_en);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    db::audited_write(conn, |conn, chain| {
        let before = get(conn, id)?;
        let after = organizations::rename_checked(
            conn,
            id,
            expected,
            input.name_ja.trim(),
            input.name_en.trim(),
        )?
        .map(OrganizationRef::from)
        .ok_or_else(|| {
            AppError::Conflict(msg!(
                "organization.changed",
                "the organization changed since version {expected}; reload and try again",
                "組織の情報は版 {expected} から変更されています。再読み込みしてお試しください"
            ))
        })?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "organization.updated",
                entity: "organization",
                entity_id: id.to_string(),
                before: Some(to_json(&before)?),
                after: Some(to_json(&after)?),
            },
        )?;
        Ok(after)
    })
}
