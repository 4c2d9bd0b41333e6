//! `/projects`: outcome contracts, their parties and their versioned terms.
//!
//! Government staff register projects for their organization; published terms are read-only and
//! change by amendment (a new effective-dated version with a reason). Everyone else sees only
//! projects their organization is a party to; investors see other investors only in aggregate.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::{AppError, AppResult, FieldError};
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use super::pagination::{Page, PageParams};
use super::session::AuthUser;
use super::{AppState, etag, to_json};
use crate::db::{self, DbConn, audit, organizations, projects};
use crate::domain::access::{
    Actor, ListingScope, PartyRole, ProjectAction, ProjectStanding, listing_scope, party_fits,
    sees_investor_positions,
};
use crate::domain::organization::OrganizationKind;
use crate::domain::project::{PolicyArea, ProjectStatus};
use crate::domain::user::Role;
use crate::engine::contract::Contract;
pub use crate::service::projects::{authorize, load_contract};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PartyView {
    pub organization_id: i64,
    pub slug: String,
    pub kind: String,
    pub name_ja: String,
    pub name_en: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProjectView {
    pub id: i64,
    pub code: String,
    pub status: String,
    pub title_ja: String,
    pub title_en: String,
    pub policy_area: String,
    pub currency: String,
    pub owner_organization_id: i64,
    /// The record's version for `If-Match` (also sent as the ETag).
    pub version: i32,
    pub terms_version: i32,
    pub effective_from: NaiveDate,
    pub parties: Vec<PartyView>,
    /// The current terms (the payout engine's contract format). Investors see their own
    /// organization's investments and the others only in aggregate.
    pub terms: serde_json::Value,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProjectSummary {
    pub id: i64,
    pub code: String,
    pub status: String,
    pub title_ja: String,
    pub title_en: String,
    pub policy_area: String,
    pub currency: String,
    pub version: i32,
    pub terms_version: i32,
}

impl From<projects::ProjectRow> for ProjectSummary {
    fn from(p: projects::ProjectRow) -> Self {
        ProjectSummary {
            id: p.id,
            code: p.code,
            status: p.status,
            title_ja: p.title_ja,
            title_en: p.title_en,
            policy_area: p.policy_area,
            currency: p.currency,
            version: p.lock_version,
            terms_version: p.current_terms_version,
        }
    }
}

/// Readers who may not see investors' positions see their own organization's investments (if
/// any) and the rest only as a count and a committed total.
fn redact_for(
    full_view: bool,
    own_slug: &str,
    contract: &Contract,
) -> AppResult<serde_json::Value> {
    if full_view {
        return to_json(contract);
    }
    let (own, others): (Vec<_>, Vec<_>) = contract
        .investments
        .iter()
        .cloned()
        .partition(|i| i.investor == own_slug);
    let committed: Decimal = others.iter().map(|i| i.committed).sum();
    to_json(&RedactedTerms {
        contract: Contract {
            investments: own,
            ..contract.clone()
        },
        other_investors: OtherInvestments {
            investments: others.len(),
            committed_total: committed.normalize().to_string(),
        },
    })
}

/// Terms with other organizations' investments removed and only summed.
#[derive(Serialize)]
struct RedactedTerms {
    #[serde(flatten)]
    contract: Contract,
    other_investors: OtherInvestments,
}

#[derive(Serialize)]
struct OtherInvestments {
    investments: usize,
    committed_total: String,
}

/// True when the actor may see every investor's position in this project.
fn full_view(conn: &mut DbConn, actor: &Actor, project: &projects::ProjectRow) -> AppResult<bool> {
    let roles = projects::roles_of(conn, project.id, actor.organization_id)?;
    let standing = ProjectStanding {
        is_owner: project.owner_organization_id == actor.organization_id,
        roles: roles.iter().filter_map(|r| PartyRole::parse(r)).collect(),
    };
    Ok(sees_investor_positions(actor, &standing))
}

fn view(conn: &mut DbConn, actor: &Actor, project: projects::ProjectRow) -> AppResult<ProjectView> {
    let (contract, terms_row) = load_contract(conn, project.id, project.current_terms_version)?;
    let own_slug = organizations::find(conn, actor.organization_id)?
        .map(|o| o.slug)
        .unwrap_or_default();
    let parties = projects::parties(conn, project.id)?
        .into_iter()
        .map(|p| PartyView {
            organization_id: p.organization_id,
            slug: p.slug,
            kind: p.kind,
            name_ja: p.name_ja,
            name_en: p.name_en,
            role: p.role,
        })
        .collect();
    Ok(ProjectView {
        terms: redact_for(full_view(conn, actor, &project)?, &own_slug, &contract)?,
        id: project.id,
        code: project.code,
        status: project.status,
        title_ja: project.title_ja,
        title_en: project.title_en,
        policy_area: project.policy_area,
        currency: project.currency,
        owner_organization_id: project.owner_organization_id,
        version: project.lock_version,
        terms_version: project.current_terms_version,
        effective_from: terms_row.effective_from,
        parties,
        created_at: project.created_at,
        updated_at: project.updated_at,
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectFilterParams {
    pub status: Option<ProjectStatus>,
    pub policy_area: Option<PolicyArea>,
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
    let scope = match listing_scope(&auth.actor) {
        ListingScope::All => None,
        ListingScope::Parties {
            role,
            include_owned,
        } => Some((
            auth.actor.organization_id,
            role.as_str().to_owned(),
            include_owned,
        )),
    };
    let filter = projects::ProjectFilter {
        scope,
        status: params.status.map(|s| s.as_str().to_owned()),
        policy_area: params.policy_area.map(|a| a.as_str().to_owned()),
    };
    state
        .db
        .run(move |conn| {
            let (rows, total) = projects::list(conn, &filter, window.0, window.1)?;
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
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<(HeaderMap, Json<ProjectView>)> {
    state
        .db
        .run(move |conn| {
            let (project, _) = authorize(conn, &auth.actor, id, ProjectAction::Read)?;
            let view = view(conn, &auth.actor, project)?;
            Ok((etag(view.version), Json(view)))
        })
        .await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    pub organization_id: i64,
    pub role: PartyRole,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    pub title_ja: String,
    pub title_en: String,
    pub policy_area: PolicyArea,
    pub effective_from: NaiveDate,
    pub parties: Vec<PartyInput>,
    /// The contract terms; `terms.code` is the project's code.
    pub terms: Contract,
}

/// Checks titles, parties and terms; returns the parties to store (owner added as payer).
fn validate_project(
    conn: &mut DbConn,
    actor: &Actor,
    input: &ProjectInput,
) -> AppResult<Vec<(i64, PartyRole)>> {
    let mut errors = Vec::new();
    for (field, value) in [("title_ja", &input.title_ja), ("title_en", &input.title_en)] {
        if value.trim().is_empty() || value.chars().count() > 300 {
            errors.push(FieldError::new(field, "a title of 1 to 300 characters"));
        }
    }
    let code = &input.terms.code;
    let code_ok = (3..=64).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !code_ok {
        errors.push(FieldError::new(
            "terms.code",
            "3 to 64 lower-case letters, digits or hyphens, such as kobe-dialysis-2017",
        ));
    }
    for issue in input.terms.validate() {
        errors.push(FieldError::new(
            format!("terms.{}", issue.path),
            issue.message,
        ));
    }
    let mut parties = vec![(actor.organization_id, PartyRole::OutcomePayer)];
    for (i, p) in input.parties.iter().enumerate() {
        match organizations::find(conn, p.organization_id)? {
            None => errors.push(FieldError::new(
                format!("parties[{i}].organization_id"),
                "the id of an existing organization",
            )),
            Some(org) => {
                let fits =
                    OrganizationKind::parse(&org.kind).is_some_and(|k| party_fits(p.role, k));
                if !fits {
                    errors.push(FieldError::new(
                        format!("parties[{i}].role"),
                        format!("a role a {} organization can play", org.kind),
                    ));
                } else if !parties.contains(&(p.organization_id, p.role)) {
                    parties.push((p.organization_id, p.role));
                }
            }
        }
    }
    errors.extend(terms_match_parties(conn, &input.terms, &parties)?);
    if errors.is_empty() {
        Ok(parties)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The terms name payers and investors by organization slug: each must be a party in that role.
fn terms_match_parties(
    conn: &mut DbConn,
    terms: &Contract,
    parties: &[(i64, PartyRole)],
) -> AppResult<Vec<FieldError>> {
    let mut slugs: std::collections::HashMap<String, Vec<PartyRole>> =
        std::collections::HashMap::new();
    for (org, role) in parties {
        if let Some(o) = organizations::find(conn, *org)? {
            slugs.entry(o.slug).or_default().push(*role);
        }
    }
    let plays =
        |slug: &str, role: PartyRole| slugs.get(slug).is_some_and(|roles| roles.contains(&role));
    let mut errors = Vec::new();
    for (i, payer) in terms.payers.iter().enumerate() {
        if !plays(&payer.id, PartyRole::OutcomePayer) {
            errors.push(FieldError::new(
                format!("terms.payers[{i}].id"),
                "the slug of an organization that is an outcome payer of this project",
            ));
        }
    }
    for (i, investment) in terms.investments.iter().enumerate() {
        if !plays(&investment.investor, PartyRole::Investor) {
            errors.push(FieldError::new(
                format!("terms.investments[{i}].investor"),
                "the slug of an organization that is an investor in this project",
            ));
        }
    }
    Ok(errors)
}

fn terms_text(contract: &Contract) -> AppResult<String> {
    serde_json::to_string(contract).map_err(|e| AppError::Internal(e.into()))
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<ProjectInput>,
) -> AppResult<(StatusCode, HeaderMap, Json<ProjectView>)> {
    if auth.actor.role != Role::GovernmentStaff {
        return Err(AppError::Forbidden(
            "only government staff register projects".into(),
        ));
    }
    let actor = auth.actor;
    state
        .db
        .run(move |conn| {
            let parties = validate_project(conn, &actor, &input)?;
            let terms = terms_text(&input.terms)?;
            db::write_transaction(conn, |conn| {
                if projects::find_by_code(conn, &input.terms.code)?.is_some() {
                    return Err(AppError::validation(
                        "terms.code",
                        "a project code not used by another project",
                    ));
                }
                let party_refs: Vec<(i64, &str)> =
                    parties.iter().map(|(o, r)| (*o, r.as_str())).collect();
                let project = projects::insert(
                    conn,
                    &projects::NewProject {
                        code: &input.terms.code,
                        owner_organization_id: actor.organization_id,
                        status: ProjectStatus::Draft.as_str(),
                        title_ja: input.title_ja.trim(),
                        title_en: input.title_en.trim(),
                        policy_area: input.policy_area.as_str(),
                        currency: input.terms.currency.code(),
                        effective_from: input.effective_from,
                        terms: &terms,
                        created_by: Some(actor.user_id),
                        parties: &party_refs,
                    },
                )?;
                let view = view(conn, &actor, project)?;
                audit::append(
                    conn,
                    audit::AuditEntry {
                        actor_user_id: Some(actor.user_id),
                        action: "project.created",
                        entity: "project",
                        entity_id: view.id.to_string(),
                        before: None,
                        after: Some(to_json(&view)?),
                    },
                )?;
                Ok((StatusCode::CREATED, etag(view.version), Json(view)))
            })
        })
        .await
}

/// Replaces a draft's terms, titles and parties' terms; needs `If-Match`.
pub async fn update_draft(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<ProjectInput>,
) -> AppResult<(HeaderMap, Json<ProjectView>)> {
    let expected = if_match.required("project")?;
    let actor = auth.actor;
    state
        .db
        .run(move |conn| {
            let (project, _) = authorize(conn, &actor, id, ProjectAction::ManageTerms)?;
            if !ProjectStatus::parse(&project.status).is_some_and(ProjectStatus::terms_editable) {
                return Err(AppError::Conflict(
                    "published terms are read-only: propose an amendment instead".into(),
                ));
            }
            // Every field sent is applied (titles, policy area, parties, currency, terms) or
            // refused: a draft is replaced whole.
            let parties = validate_project(conn, &actor, &input)?;
            if input.terms.code != project.code {
                return Err(AppError::validation(
                    "terms.code",
                    format!("the project's code `{}`", project.code),
                ));
            }
            let terms = terms_text(&input.terms)?;
            db::write_transaction(conn, |conn| {
                let before = view(conn, &actor, project.clone())?;
                if !projects::bump_checked(
                    conn,
                    id,
                    expected,
                    &project.status,
                    1,
                    Some((input.title_ja.trim(), input.title_en.trim())),
                )? {
                    return Err(AppError::Conflict(format!(
                        "the project changed since version {expected}; reload and try again"
                    )));
                }
                projects::replace_terms(conn, id, 1, &terms, input.effective_from)?;
                let party_refs: Vec<(i64, &str)> =
                    parties.iter().map(|(o, r)| (*o, r.as_str())).collect();
                projects::replace_draft_details(
                    conn,
                    id,
                    input.policy_area.as_str(),
                    input.terms.currency.code(),
                    &party_refs,
                )?;
                let updated =
                    projects::find(conn, id)?.ok_or_else(|| AppError::not_found("project"))?;
                let after = view(conn, &actor, updated)?;
                audit::append(
                    conn,
                    audit::AuditEntry {
                        actor_user_id: Some(actor.user_id),
                        action: "project.draft_updated",
                        entity: "project",
                        entity_id: id.to_string(),
                        before: Some(to_json(&before)?),
                        after: Some(to_json(&after)?),
                    },
                )?;
                Ok((etag(after.version), Json(after)))
            })
        })
        .await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: ProjectStatus,
    pub reason: Option<String>,
}

/// Moves the project along its lifecycle (publish, start service, evaluate, close, terminate).
pub async fn change_status(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<StatusChange>,
) -> AppResult<(HeaderMap, Json<ProjectView>)> {
    let expected = if_match.required("project")?;
    if input.status == ProjectStatus::Terminated
        && input.reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        return Err(AppError::validation(
            "reason",
            "the reason for terminating the contract",
        ));
    }
    let actor = auth.actor;
    state
        .db
        .run(move |conn| {
            let (project, _) = authorize(conn, &actor, id, ProjectAction::ManageTerms)?;
            let current = ProjectStatus::parse(&project.status)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown status")))?;
            if !current.can_become(input.status) {
                return Err(AppError::Conflict(format!(
                    "a {} project cannot become {}",
                    current.as_str(),
                    input.status.as_str()
                )));
            }
            db::write_transaction(conn, |conn| {
                if !projects::bump_checked(conn, id, expected, input.status.as_str(), project.current_terms_version, None)? {
                    return Err(AppError::Conflict(format!("the project changed since version {expected}; reload and try again")));
                }
                let updated = projects::find(conn, id)?.ok_or_else(|| AppError::not_found("project"))?;
                let after = view(conn, &actor, updated)?;
                audit::append(conn, audit::AuditEntry {
                    actor_user_id: Some(actor.user_id),
                    action: "project.status_changed",
                    entity: "project",
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"status": current.as_str()})),
                    after: Some(serde_json::json!({"status": input.status.as_str(), "reason": input.reason})),
                })?;
                Ok((etag(after.version), Json(after)))
            })
        })
        .await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentInput {
    pub reason: String,
    pub effective_from: NaiveDate,
    pub terms: Contract,
}

/// Amends published terms: a new effective-dated version with a reason; older versions stay.
pub async fn amend(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<AmendmentInput>,
) -> AppResult<(StatusCode, HeaderMap, Json<ProjectView>)> {
    let expected = if_match.required("project")?;
    let actor = auth.actor;
    state
        .db
        .run(move |conn| {
            let (project, _) = authorize(conn, &actor, id, ProjectAction::ManageTerms)?;
            if !ProjectStatus::parse(&project.status).is_some_and(ProjectStatus::amendable) {
                return Err(AppError::Conflict(format!("a {} project cannot be amended", project.status)));
            }
            let mut errors = Vec::new();
            if input.reason.trim().is_empty() {
                errors.push(FieldError::new("reason", "the reason for the amendment"));
            }
            if input.terms.code != project.code {
                errors.push(FieldError::new("terms.code", format!("the project's code `{}`", project.code)));
            }
            if input.terms.currency.code() != project.currency {
                errors.push(FieldError::new("terms.currency", format!("the project's currency {}", project.currency)));
            }
            for issue in input.terms.validate() {
                errors.push(FieldError::new(format!("terms.{}", issue.path), issue.message));
            }
            let parties: Vec<(i64, PartyRole)> = projects::parties(conn, id)?
                .into_iter()
                .filter_map(|p| PartyRole::parse(&p.role).map(|r| (p.organization_id, r)))
                .collect();
            errors.extend(terms_match_parties(conn, &input.terms, &parties)?);
            let (_, previous) = load_contract(conn, id, project.current_terms_version)?;
            if input.effective_from < previous.effective_from {
                errors.push(FieldError::new("effective_from", format!("a date on or after {}", previous.effective_from)));
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let terms = terms_text(&input.terms)?;
            let next = project.current_terms_version + 1;
            db::write_transaction(conn, |conn| {
                if !projects::bump_checked(conn, id, expected, &project.status, next, None)? {
                    return Err(AppError::Conflict(format!("the project changed since version {expected}; reload and try again")));
                }
                projects::add_terms_version(conn, id, next, input.effective_from, input.reason.trim(), &terms, actor.user_id)?;
                let updated = projects::find(conn, id)?.ok_or_else(|| AppError::not_found("project"))?;
                let after = view(conn, &actor, updated)?;
                audit::append(conn, audit::AuditEntry {
                    actor_user_id: Some(actor.user_id),
                    action: "project.amended",
                    entity: "project",
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"terms_version": next - 1})),
                    after: Some(serde_json::json!({"terms_version": next, "reason": input.reason.trim(), "effective_from": input.effective_from})),
                })?;
                Ok((StatusCode::CREATED, etag(after.version), Json(after)))
            })
        })
        .await
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TermsVersionView {
    pub version: i32,
    pub effective_from: NaiveDate,
    pub reason: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub terms: serde_json::Value,
}

pub async fn versions(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<TermsVersionView>>> {
    state
        .db
        .run(move |conn| {
            let (project, _) = authorize(conn, &auth.actor, id, ProjectAction::Read)?;
            let full = full_view(conn, &auth.actor, &project)?;
            let own_slug = organizations::find(conn, auth.actor.organization_id)?
                .map(|o| o.slug)
                .unwrap_or_default();
            let rows = projects::terms_versions(conn, id)?;
            let views = rows
                .into_iter()
                .map(|row| {
                    let contract: Contract = serde_json::from_str(&row.terms)
                        .map_err(|e| AppError::Internal(e.into()))?;
                    Ok(TermsVersionView {
                        version: row.version,
                        effective_from: row.effective_from,
                        reason: row.reason,
                        created_by: row.created_by,
                        created_at: row.created_at,
                        terms: redact_for(full, &own_slug, &contract)?,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(Json(views))
        })
        .await
}
