//! Accounts: creating (API and `seika user add`), listing and changing users, and the view of a
//! user. Managing accounts is for platform admins.

use seika_core::msg;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use super::organizations::OrganizationRef;
use super::to_json;
use crate::error::{AppError, AppResult, FieldError, Thing};
use seika_core::access::{Actor, can_administer_platform};
use seika_core::password;
use seika_core::user::{Role, normalize_email};
use seika_db::{self as db, DbConn, audit, organizations, users};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organization_id: i64,
    pub password: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub version: i32,
    pub organization: OrganizationRef,
}

/// Loads the user's view with its organization.
pub fn user_view(conn: &mut DbConn, user: users::UserRow) -> AppResult<UserView> {
    let organization = organizations::find(conn, user.organization_id)?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user without organization")))?;
    user_view_with(user, organization)
}

/// The user's view from rows already loaded.
pub fn user_view_with(
    user: users::UserRow,
    organization: organizations::OrganizationRow,
) -> AppResult<UserView> {
    Ok(UserView {
        id: user.id,
        role: user.role,
        email: user.email,
        display_name: user.display_name,
        disabled: user.disabled,
        version: user.lock_version,
        organization: organization.into(),
    })
}

/// Creates a user after checking every field; used by the API and by `seika user add`.
pub fn create_user(
    conn: &mut DbConn,
    actor: Option<i64>,
    input: &NewUserInput,
) -> AppResult<UserView> {
    let mut errors = Vec::new();
    let email = normalize_email(&input.email)
        .map_err(|expected| errors.push(FieldError::new("email", expected)))
        .ok();
    if input.display_name.trim().is_empty() || input.display_name.chars().count() > 200 {
        errors.push(FieldError::new(
            "display_name",
            msg!(
                "name.length",
                "a name of 1 to 200 characters",
                "1〜200文字の名前"
            ),
        ));
    }
    if let Err(expected) = password::check_strength(&input.password, &input.email) {
        errors.push(FieldError::new("password", expected));
    }
    let organization = organizations::find(conn, input.organization_id)?;
    match &organization {
        None => errors.push(FieldError::new(
            "organization_id",
            msg!(
                "project.organization",
                "the id of an existing organization",
                "登録済みの組織の ID"
            ),
        )),
        Some(org) => {
            if !input.role.fits(org.kind) {
                let (kind, kind_ja) = org.kind.words();
                errors.push(FieldError::new(
                    "role",
                    msg!(
                        "user.role",
                        "a role that fits a {kind} organization",
                        "{kind_ja}の組織に合う役割"
                    ),
                ));
            }
        }
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let hash = password::hash(&input.password)?;
    db::audited_write(conn, |conn, chain| {
        if users::find_by_email(conn, &email)?.is_some() {
            return Err(AppError::Validation(vec![FieldError::new(
                "email",
                msg!(
                    "user.email_taken",
                    "an e-mail address not used by another account",
                    "他のアカウントで使われていないメールアドレス"
                ),
            )]));
        }
        let row = users::insert(
            conn,
            &users::NewUser {
                organization_id: input.organization_id,
                email: &email,
                display_name: input.display_name.trim(),
                role: input.role,
                password_hash: &hash,
            },
        )?;
        let view = user_view(conn, row)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: actor,
                action: "user.created",
                entity: "user",
                entity_id: view.id.to_string(),
                before: None,
                after: Some(to_json(&view)?),
            },
        )?;
        Ok(view)
    })
}

/// Refuses anyone but a platform admin.
pub fn require_admin(actor: &Actor) -> AppResult<()> {
    if can_administer_platform(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(msg!(
            "access.users_admin_only",
            "only platform admins manage users",
            "利用者を管理できるのはプラットフォーム管理者だけです"
        )))
    }
}

/// One page of users (platform admins), optionally of one organization.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    organization_id: Option<i64>,
    (limit, offset): (i64, i64),
) -> AppResult<(Vec<UserView>, i64)> {
    require_admin(actor)?;
    let (rows, total) = users::list(conn, organization_id, limit, offset)?;
    let ids: Vec<i64> = rows.iter().map(|u| u.organization_id).collect();
    let orgs: HashMap<i64, _> = organizations::find_many(conn, &ids)?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let items =
        rows.into_iter()
            .map(|row| {
                let org = orgs.get(&row.organization_id).cloned().ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("user without organization"))
                })?;
                user_view_with(row, org)
            })
            .collect::<AppResult<Vec<_>>>()?;
    Ok((items, total))
}

/// One user (platform admins).
pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<UserView> {
    require_admin(actor)?;
    let row = users::find(conn, id)?.ok_or_else(|| AppError::not_found(Thing::User))?;
    user_view(conn, row)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Changes a user (disable, rename, change role) if it is still at version `expected`.
/// Disabling ends the user's sessions at once: tokens are checked against the account on every
/// request.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected: i32,
    input: &UserUpdate,
) -> AppResult<UserView> {
    require_admin(actor)?;
    db::audited_write(conn, |conn, chain| {
        let before_row = users::find(conn, id)?.ok_or_else(|| AppError::not_found(Thing::User))?;
        let org = organizations::find(conn, before_row.organization_id)?
            .ok_or_else(|| AppError::not_found(Thing::Organization))?;
        let role = match input.role {
            Some(role) => {
                if !role.fits(org.kind) {
                    let (kind, kind_ja) = org.kind.words();
                    return Err(AppError::validation(
                        "role",
                        msg!(
                            "user.role",
                            "a role that fits a {kind} organization",
                            "{kind_ja}の組織に合う役割"
                        ),
                    ));
                }
                role
            }
            None => before_row.role,
        };
        let name = match &input.display_name {
            Some(n) if n.trim().is_empty() || n.chars().count() > 200 => {
                return Err(AppError::validation(
                    "display_name",
                    msg!(
                        "name.length",
                        "a name of 1 to 200 characters",
                        "1〜200文字の名前"
                    ),
                ));
            }
            Some(n) => n.trim().to_owned(),
            None => before_row.display_name.clone(),
        };
        let disabled = input.disabled.unwrap_or(before_row.disabled);
        // The platform keeps an administrator. Audited writes follow each other (the chain's
        // lock), so two administrators disabling each other at once cannot both pass this.
        let was_admin = before_row.role == Role::PlatformAdmin && !before_row.disabled;
        let stays_admin = role == Role::PlatformAdmin && !disabled;
        if was_admin && !stays_admin && users::other_active_admins(conn, id)? == 0 {
            return Err(AppError::Conflict(msg!(
                "user.last_admin",
                "the platform's last administrator stays one: make another user an administrator first",
                "最後のプラットフォーム管理者はそのままです。先に別の利用者を管理者にしてください"
            )));
        }
        let before = user_view(conn, before_row)?;
        let after_row = users::update_checked(conn, id, expected, &name, role, disabled)?
            .ok_or_else(|| {
                AppError::Conflict(msg!(
                    "user.changed",
                    "the user changed since version {expected}; reload and try again",
                    "利用者の情報は版 {expected} から変更されています。再読み込みしてお試しください"
                ))
            })?;
        let after = user_view(conn, after_row)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "user.updated",
                entity: "user",
                entity_id: id.to_string(),
                before: Some(to_json(&before)?),
                after: Some(to_json(&after)?),
            },
        )?;
        Ok(after)
    })
}
