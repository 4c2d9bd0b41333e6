//! Accounts: creating a user (API and `seika user add`), and the views of a user and an
//! organization.

use serde::{Deserialize, Serialize};

use crate::db::{self, DbConn, audit, organizations, users};
use crate::domain::organization::OrganizationKind;
use crate::domain::password;
use crate::domain::user::{Role, normalize_email};
use crate::error::{AppError, AppResult, FieldError};

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

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OrganizationRef {
    pub id: i64,
    pub slug: String,
    pub kind: String,
    pub name_ja: String,
    pub name_en: String,
}

impl From<organizations::OrganizationRow> for OrganizationRef {
    fn from(o: organizations::OrganizationRow) -> Self {
        OrganizationRef {
            id: o.id,
            slug: o.slug,
            kind: o.kind,
            name_ja: o.name_ja,
            name_en: o.name_en,
        }
    }
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
        role: Role::parse(&user.role)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown role {}", user.role)))?,
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
            "a name of 1 to 200 characters",
        ));
    }
    if let Err(expected) = password::check_strength(&input.password) {
        errors.push(FieldError::new("password", expected));
    }
    let organization = organizations::find(conn, input.organization_id)?;
    match &organization {
        None => errors.push(FieldError::new(
            "organization_id",
            "the id of an existing organization",
        )),
        Some(org) => {
            let fits = OrganizationKind::parse(&org.kind).is_some_and(|kind| input.role.fits(kind));
            if !fits {
                errors.push(FieldError::new(
                    "role",
                    format!("a role that fits a {} organization", org.kind),
                ));
            }
        }
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let hash = password::hash(&input.password)?;
    db::write_transaction(conn, |conn| {
        if users::find_by_email(conn, &email)?.is_some() {
            return Err(AppError::Validation(vec![FieldError::new(
                "email",
                "an e-mail address not used by another account",
            )]));
        }
        let row = users::insert(
            conn,
            &users::NewUser {
                organization_id: input.organization_id,
                email: &email,
                display_name: input.display_name.trim(),
                role: input.role.as_str(),
                password_hash: &hash,
            },
        )?;
        let view = user_view(conn, row)?;
        audit::append(
            conn,
            audit::AuditEntry {
                actor_user_id: actor,
                action: "user.created",
                entity: "user",
                entity_id: view.id.to_string(),
                before: None,
                after: Some(serde_json::to_value(&view).map_err(anyhow::Error::from)?),
            },
        )?;
        Ok(view)
    })
}
