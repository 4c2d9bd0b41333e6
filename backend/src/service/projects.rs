//! Projects: loading a project the actor may act on, and its terms.

use crate::db::{DbConn, projects};
use crate::domain::access::{Actor, Decision, PartyRole, ProjectAction, ProjectStanding, decide};
use crate::engine::contract::Contract;
use crate::error::{AppError, AppResult};

/// Loads a project the actor may act on: 404 when they may not know it exists, 403 when they may
/// see it but not do this.
pub fn authorize(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    action: ProjectAction,
) -> AppResult<(projects::ProjectRow, ProjectStanding)> {
    let project =
        projects::find(conn, project_id)?.ok_or_else(|| AppError::not_found("project"))?;
    let roles = projects::roles_of(conn, project_id, actor.organization_id)?;
    let standing = ProjectStanding {
        is_owner: project.owner_organization_id == actor.organization_id,
        roles: roles.iter().filter_map(|r| PartyRole::parse(r)).collect(),
    };
    match decide(actor, &standing, action) {
        Decision::Allow => Ok((project, standing)),
        Decision::Hide => Err(AppError::not_found("project")),
        Decision::Forbid => Err(AppError::Forbidden(
            "your role on this project does not allow this".into(),
        )),
    }
}

/// The stored terms of a version, parsed.
pub fn load_contract(
    conn: &mut DbConn,
    project_id: i64,
    version: i32,
) -> AppResult<(Contract, projects::ProjectTermsRow)> {
    let row = projects::terms_version(conn, project_id, version)?
        .ok_or_else(|| AppError::not_found("terms version"))?;
    let contract: Contract = serde_json::from_str(&row.terms)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored terms do not parse: {e}")))?;
    Ok((contract, row))
}
