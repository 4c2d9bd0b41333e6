//! Projects: registering and editing drafts, the parties and their invitations, publication and
//! the lifecycle, amendments, and what each reader may see of the terms.
//!
//! Government staff register projects for their organization. Another organization named as a
//! party is invited: it sees only the invitation and the draft terms behind it (to read before it
//! answers) until an authorized user of it accepts, and the project cannot be published while any
//! party has not accepted. Published terms are read-only
//! and change by amendment (a new effective-dated version with a reason). Everyone else sees only
//! projects their organization has accepted a role in; investors see other investors only in
//! aggregate.

use seika_core::msg;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::to_json;
use crate::error::{AppError, AppResult, FieldError, Thing};
use seika_core::access::{
    Actor, Decision, ListingScope, PartyRole, PartyStatus, ProjectAction, ProjectStanding,
    answers_invitations_as, decide, listing_scope, party_fits, sees_investor_positions,
    total_may_be_shown,
};
use seika_core::contract::{Contract, Localized};
use seika_core::organization::OrganizationKind;
use seika_core::project::{PolicyArea, ProjectStatus};
use seika_core::user::Role;
use seika_db::{self as db, DbConn, audit, organizations, projects};

/// Loads a project the actor may act on: 404 when they may not know it exists, 403 when they may
/// see it but not do this.
pub fn authorize(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    action: ProjectAction,
) -> AppResult<(projects::ProjectRow, ProjectStanding)> {
    let project =
        projects::find(conn, project_id)?.ok_or_else(|| AppError::not_found(Thing::Project))?;
    let standing = standing(conn, actor, &project)?;
    match decide(actor, &standing, action) {
        Decision::Allow => Ok((project, standing)),
        Decision::Hide => Err(AppError::not_found(Thing::Project)),
        Decision::Forbid => Err(AppError::Forbidden(msg!(
            "access.project_role",
            "your role on this project does not allow this",
            "この事業でのあなたの役割では、この操作はできません"
        ))),
    }
}

/// What the actor's organization is on the project: owner, and the roles it has accepted.
fn standing(
    conn: &mut DbConn,
    actor: &Actor,
    project: &projects::ProjectRow,
) -> AppResult<ProjectStanding> {
    let roles = projects::roles_of(conn, project.id, actor.organization_id)?;
    Ok(ProjectStanding {
        is_owner: project.owner_organization_id == actor.organization_id,
        roles,
    })
}

/// The stored terms of a version, parsed.
pub fn load_contract(
    conn: &mut DbConn,
    project_id: i64,
    version: i32,
) -> AppResult<(Contract, projects::ProjectTermsRow)> {
    let row = projects::terms_version(conn, project_id, version)?
        .ok_or_else(|| AppError::not_found(Thing::TermsVersion))?;
    let contract: Contract = serde_json::from_str(&row.terms)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored terms do not parse: {e}")))?;
    Ok((contract, row))
}

// ---- Views -------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PartyView {
    /// The party's id; for a party from another organization, also its invitation's id.
    pub id: i64,
    pub organization_id: i64,
    pub slug: String,
    pub kind: OrganizationKind,
    pub name_ja: String,
    pub name_en: String,
    pub role: PartyRole,
    /// `invited` until the organization accepts (or declines) its role; the owner's are accepted.
    pub status: PartyStatus,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProjectView {
    pub id: i64,
    pub code: String,
    pub status: ProjectStatus,
    pub title_ja: String,
    pub title_en: String,
    pub policy_area: PolicyArea,
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
    pub status: ProjectStatus,
    pub title_ja: String,
    pub title_en: String,
    pub policy_area: PolicyArea,
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

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TermsVersionView {
    pub version: i32,
    pub effective_from: NaiveDate,
    pub reason: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub terms: serde_json::Value,
}

/// An invitation to the actor's organization: all its invitee sees of the project until it
/// accepts.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InvitationView {
    pub id: i64,
    pub project_id: i64,
    pub project_code: String,
    pub project_title_ja: String,
    pub project_title_en: String,
    /// The organization that registered the project and invites.
    pub invited_by_name_ja: String,
    pub invited_by_name_en: String,
    /// The role offered to the actor's organization.
    pub role: PartyRole,
    pub status: PartyStatus,
    pub invited_at: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
}

impl TryFrom<projects::InvitationRow> for InvitationView {
    type Error = AppError;

    fn try_from(row: projects::InvitationRow) -> AppResult<Self> {
        Ok(InvitationView {
            id: row.id,
            project_id: row.project_id,
            project_code: row.project_code,
            project_title_ja: row.project_title_ja,
            project_title_en: row.project_title_en,
            invited_by_name_ja: row.owner_name_ja,
            invited_by_name_en: row.owner_name_en,
            role: row.role,
            status: row.status,
            invited_at: row.invited_at,
            answered_at: row.answered_at,
        })
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
    let investors: std::collections::BTreeSet<&str> =
        others.iter().map(|i| i.investor.as_str()).collect();
    to_json(&RedactedTerms {
        contract: Contract {
            investments: own,
            ..contract.clone()
        },
        other_investors: OtherInvestments {
            investments: others.len(),
            investors: investors.len(),
            committed_total: total_may_be_shown(investors.len())
                .then(|| committed.normalize().to_string()),
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
    /// How many other organizations hold them.
    investors: usize,
    /// Withheld (null) where it would be one other investor's position.
    committed_total: Option<String>,
}

/// True when the actor may see every investor's position in this project.
fn full_view(conn: &mut DbConn, actor: &Actor, project: &projects::ProjectRow) -> AppResult<bool> {
    Ok(sees_investor_positions(
        actor,
        &standing(conn, actor, project)?,
    ))
}

fn own_slug(conn: &mut DbConn, actor: &Actor) -> AppResult<String> {
    Ok(organizations::find(conn, actor.organization_id)?
        .map(|o| o.slug)
        .unwrap_or_default())
}

fn view(conn: &mut DbConn, actor: &Actor, project: projects::ProjectRow) -> AppResult<ProjectView> {
    let (contract, terms_row) = load_contract(conn, project.id, project.current_terms_version)?;
    let own_slug = own_slug(conn, actor)?;
    let parties = projects::parties(conn, project.id)?
        .into_iter()
        .map(|p| {
            Ok(PartyView {
                id: p.id,
                organization_id: p.organization_id,
                slug: p.slug,
                kind: p.kind,
                name_ja: p.name_ja,
                name_en: p.name_en,
                role: p.role,
                status: p.status,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
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

fn reload(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<ProjectView> {
    let project = projects::find(conn, id)?.ok_or_else(|| AppError::not_found(Thing::Project))?;
    view(conn, actor, project)
}

fn stale(expected: i32) -> AppError {
    AppError::Conflict(msg!(
        "project.changed",
        "the project changed since version {expected}; reload and try again",
        "事業の情報は版 {expected} から変更されています。再読み込みしてお試しください"
    ))
}

// ---- Reading -----------------------------------------------------------------------------------

/// The projects the actor's organization owns or has accepted a role in (admins: all), one page.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    status: Option<ProjectStatus>,
    policy_area: Option<PolicyArea>,
    search: Option<String>,
    (limit, offset): (i64, i64),
) -> AppResult<(Vec<ProjectSummary>, i64)> {
    let scope = match listing_scope(actor) {
        ListingScope::All => None,
        ListingScope::Parties {
            role,
            include_owned,
        } => Some((actor.organization_id, role, include_owned)),
    };
    let filter = projects::ProjectFilter {
        scope,
        status,
        policy_area,
        search: search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
    };
    let (rows, total) = projects::list(conn, &filter, limit, offset)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<ProjectView> {
    let (project, _) = authorize(conn, actor, id, ProjectAction::Read)?;
    view(conn, actor, project)
}

/// Every terms version, oldest first, redacted for the reader.
pub fn versions(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Vec<TermsVersionView>> {
    let (project, _) = authorize(conn, actor, id, ProjectAction::Read)?;
    let full = full_view(conn, actor, &project)?;
    let own_slug = own_slug(conn, actor)?;
    projects::terms_versions(conn, id)?
        .into_iter()
        .map(|row| {
            let contract: Contract =
                serde_json::from_str(&row.terms).map_err(|e| AppError::Internal(e.into()))?;
            Ok(TermsVersionView {
                version: row.version,
                effective_from: row.effective_from,
                reason: row.reason,
                created_by: row.created_by,
                created_at: row.created_at,
                terms: redact_for(full, &own_slug, &contract)?,
            })
        })
        .collect()
}

// ---- Registering and editing drafts ------------------------------------------------------------

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
    /// The other parties; the registering organization is added as outcome payer. Another
    /// organization is invited and must accept before the project can be published.
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
            errors.push(FieldError::new(
                field,
                msg!(
                    "project.title",
                    "a title of 1 to 300 characters",
                    "1〜300文字の名称"
                ),
            ));
        }
    }
    errors.extend(terms_errors(&input.terms));
    let mut parties = vec![(actor.organization_id, PartyRole::OutcomePayer)];
    for (i, p) in input.parties.iter().enumerate() {
        match organizations::find(conn, p.organization_id)? {
            None => errors.push(FieldError::new(
                format!("parties[{i}].organization_id"),
                msg!(
                    "project.organization",
                    "the id of an existing organization",
                    "登録済みの組織の ID"
                ),
            )),
            Some(org) => {
                if !party_fits(p.role, org.kind) {
                    let (kind, kind_ja) = org.kind.words();
                    errors.push(FieldError::new(
                        format!("parties[{i}].role"),
                        msg!(
                            "project.party_role",
                            "a role a {kind} organization can play",
                            "{kind_ja}の組織が担える役割"
                        ),
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

/// What is wrong with terms on their own (the project code's form, then the engine's checks),
/// each under `terms.`: the same checks for a registration, an amendment and a draft.
pub fn terms_errors(terms: &Contract) -> Vec<FieldError> {
    let code = &terms.code;
    let code_ok = (3..=64).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let mut errors = Vec::new();
    if !code_ok {
        errors.push(FieldError::new(
            "terms.code",
            msg!(
                "project.code",
                "3 to 64 lower-case letters, digits or hyphens, such as kobe-dialysis-2017",
                "英小文字・数字・ハイフンで 3〜64 文字（例: kobe-dialysis-2017）"
            ),
        ));
    }
    errors.extend(
        terms
            .validate()
            .into_iter()
            .map(|issue| FieldError::new(format!("terms.{}", issue.path), issue.message)),
    );
    errors
}

/// The terms name payers and investors by organization slug: each must be a party in that role.
fn terms_match_parties(
    conn: &mut DbConn,
    terms: &Contract,
    parties: &[(i64, PartyRole)],
) -> AppResult<Vec<FieldError>> {
    let mut slugs: HashMap<String, Vec<PartyRole>> = HashMap::new();
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
                msg!(
                    "project.payer_slug",
                    "the slug of an organization that is an outcome payer of this project",
                    "この事業の成果支払者である組織のスラッグ"
                ),
            ));
        }
    }
    for (i, investment) in terms.investments.iter().enumerate() {
        if !plays(&investment.investor, PartyRole::Investor) {
            errors.push(FieldError::new(
                format!("terms.investments[{i}].investor"),
                msg!(
                    "project.investor_slug",
                    "the slug of an organization that is an investor in this project",
                    "この事業の資金提供者である組織のスラッグ"
                ),
            ));
        }
    }
    Ok(errors)
}

/// The parties with the status each takes (see [`PartyStatus::when_named`]).
fn named_parties(
    owner: i64,
    parties: &[(i64, PartyRole)],
    previous: &[projects::PartyRow],
) -> Vec<(i64, PartyRole, PartyStatus)> {
    parties
        .iter()
        .map(|&(org, role)| {
            let before = previous
                .iter()
                .find(|p| p.organization_id == org && p.role == role)
                .map(|p| p.status);
            (org, role, PartyStatus::when_named(org == owner, before))
        })
        .collect()
}

/// The draft's parties as stored, with every accepted party whose own figures the edit changes
/// (its commitment, its payer share: [`seika_core::party_figures`]) taken back to invited: an
/// acceptance covers the figures the party saw, and it is asked again about new ones.
fn asked_again_on_changed_figures(
    conn: &mut DbConn,
    id: i64,
    edited: &Contract,
) -> AppResult<Vec<projects::PartyRow>> {
    let stored = projects::terms_version(conn, id, 1)?
        .ok_or_else(|| AppError::not_found(Thing::TermsVersion))?;
    let before: serde_json::Value =
        serde_json::from_str(&stored.terms).map_err(|e| AppError::Internal(e.into()))?;
    let after = serde_json::to_value(edited).map_err(|e| AppError::Internal(e.into()))?;
    let mut parties = projects::parties(conn, id)?;
    for party in &mut parties {
        if party.status == PartyStatus::Accepted
            && seika_core::party_figures::changed(&before, &after, &party.slug)
        {
            party.status = PartyStatus::Invited;
        }
    }
    Ok(parties)
}

fn party_rows(parties: &[(i64, PartyRole, PartyStatus)]) -> Vec<projects::NewParty> {
    parties
        .iter()
        .map(|&(organization_id, role, status)| projects::NewParty {
            organization_id,
            role,
            status,
        })
        .collect()
}

fn terms_text(contract: &Contract) -> AppResult<String> {
    serde_json::to_string(contract).map_err(|e| AppError::Internal(e.into()))
}

/// Registers a draft project for the actor's organization, inviting the other parties.
pub fn create(conn: &mut DbConn, actor: &Actor, input: ProjectInput) -> AppResult<ProjectView> {
    if actor.role != Role::GovernmentStaff {
        return Err(AppError::Forbidden(msg!(
            "access.government_registers",
            "only government staff register projects",
            "事業を登録できるのは行政の職員だけです"
        )));
    }
    let parties = validate_project(conn, actor, &input)?;
    let parties = party_rows(&named_parties(actor.organization_id, &parties, &[]));
    let terms = terms_text(&input.terms)?;
    db::audited_write(conn, |conn, chain| {
        if projects::find_by_code(conn, &input.terms.code)?.is_some() {
            return Err(AppError::validation(
                "terms.code",
                msg!(
                    "project.code_taken",
                    "a project code not used by another project",
                    "他の事業で使われていない事業コード"
                ),
            ));
        }
        let project = projects::insert(
            conn,
            &projects::NewProject {
                code: &input.terms.code,
                owner_organization_id: actor.organization_id,
                status: ProjectStatus::Draft,
                title_ja: input.title_ja.trim(),
                title_en: input.title_en.trim(),
                policy_area: input.policy_area,
                currency: input.terms.currency.code(),
                effective_from: input.effective_from,
                terms: &terms,
                created_by: Some(actor.user_id),
                parties: &parties,
            },
        )?;
        let view = view(conn, actor, project)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "project.created",
                entity: "project",
                entity_id: view.id.to_string(),
                before: None,
                after: Some(to_json(&view)?),
            },
        )?;
        Ok(view)
    })
}

/// Deletes a draft the government no longer wants, with its terms, parties and invitations; its
/// code is free again. Only a draft, only at the version the person saw (If-Match), audited.
pub fn delete_draft(conn: &mut DbConn, actor: &Actor, id: i64, expected: i32) -> AppResult<()> {
    let (project, _) = authorize(conn, actor, id, ProjectAction::ManageTerms)?;
    let not_a_draft = || {
        AppError::Conflict(msg!(
            "project.delete_published",
            "only a draft can be deleted: a published contract is amended or terminated",
            "削除できるのは下書きだけです。公表した契約は変更契約または終了の手続によります"
        ))
    };
    if !project.status.terms_editable() {
        return Err(not_a_draft());
    }
    db::audited_write(conn, |conn, chain| {
        let before = view(conn, actor, project.clone())?;
        if !projects::bump_checked(
            conn,
            id,
            expected,
            project.status,
            project.current_terms_version,
            None,
        )? {
            return Err(stale(expected));
        }
        if !projects::delete_draft(conn, id)? {
            return Err(not_a_draft());
        }
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "project.deleted",
                entity: "project",
                entity_id: id.to_string(),
                before: Some(to_json(&before)?),
                after: None,
            },
        )?;
        Ok(())
    })
}

/// Replaces a draft whole (titles, policy area, parties, currency, terms) if it is still at
/// version `expected`. Parties that stay keep their answer; new ones are invited.
pub fn update_draft(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected: i32,
    input: ProjectInput,
) -> AppResult<ProjectView> {
    let (project, _) = authorize(conn, actor, id, ProjectAction::ManageTerms)?;
    if !project.status.terms_editable() {
        return Err(AppError::Conflict(msg!(
            "project.terms_read_only",
            "published terms are read-only: propose an amendment instead",
            "公表済みの契約条件は変更できません。変更契約として提案してください"
        )));
    }
    let parties = validate_project(conn, actor, &input)?;
    if input.terms.code != project.code {
        return Err(AppError::validation(
            "terms.code",
            msg!(
                "project.code_fixed",
                "the project's code `{}`",
                "この事業のコード `{}`",
                project.code
            ),
        ));
    }
    let terms = terms_text(&input.terms)?;
    db::audited_write(conn, |conn, chain| {
        let before = view(conn, actor, project.clone())?;
        if !projects::bump_checked(
            conn,
            id,
            expected,
            project.status,
            1,
            Some((input.title_ja.trim(), input.title_en.trim())),
        )? {
            return Err(stale(expected));
        }
        // Read under the project's row lock: no answer to an invitation is lost in between.
        let previous = asked_again_on_changed_figures(conn, id, &input.terms)?;
        let parties = party_rows(&named_parties(
            project.owner_organization_id,
            &parties,
            &previous,
        ));
        projects::replace_terms(conn, id, 1, &terms, input.effective_from)?;
        projects::replace_draft_details(
            conn,
            id,
            input.policy_area,
            input.terms.currency.code(),
            &parties,
        )?;
        let after = reload(conn, actor, id)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "project.draft_updated",
                entity: "project",
                entity_id: id.to_string(),
                before: Some(to_json(&before)?),
                after: Some(to_json(&after)?),
            },
        )?;
        Ok(after)
    })
}

// ---- Lifecycle and amendments ------------------------------------------------------------------

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: ProjectStatus,
    pub reason: Option<String>,
}

/// Moves the project along its lifecycle (publish, start service, evaluate, close, terminate).
/// Publication waits until every party has accepted its role.
pub fn change_status(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected: i32,
    input: StatusChange,
) -> AppResult<ProjectView> {
    if input.status == ProjectStatus::Terminated
        && input.reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        return Err(AppError::validation(
            "reason",
            msg!(
                "reason.termination",
                "the reason for terminating the contract",
                "契約解除の理由"
            ),
        ));
    }
    let (project, _) = authorize(conn, actor, id, ProjectAction::ManageTerms)?;
    let current = project.status;
    if !current.can_become(input.status) {
        return Err(AppError::Conflict({
            let ((from, from_ja), (to, to_ja)) = (current.words(), input.status.words());
            msg!(
                "project.transition",
                "a {from} project cannot become {to}",
                "{from_ja}の事業を{to_ja}にはできません"
            )
        }));
    }
    db::audited_write(conn, |conn, chain| {
        if !projects::bump_checked(
            conn,
            id,
            expected,
            input.status,
            project.current_terms_version,
            None,
        )? {
            return Err(stale(expected));
        }
        if input.status == ProjectStatus::Published {
            // The project's row is locked by the bump above: no party is added meanwhile, and an
            // accepted role cannot be withdrawn.
            let waiting: Vec<String> = projects::parties(conn, id)?
                .into_iter()
                .filter(|p| p.status != PartyStatus::Accepted)
                .map(|p| format!("{} ({}, {})", p.name_en, p.role.as_str(), p.status.as_str()))
                .collect();
            if !waiting.is_empty() {
                return Err(AppError::Conflict(msg!(
                    "project.parties_pending",
                    "every party must accept its role before the project is published; waiting for: {waiting}",
                    "すべての関係者が役割を承諾するまで公開できません。回答待ち: {waiting}",
                    waiting = waiting.join("; ")
                )));
            }
        }
        let after = reload(conn, actor, id)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "project.status_changed",
                entity: "project",
                entity_id: id.to_string(),
                before: Some(serde_json::json!({"status": current.as_str()})),
                after: Some(
                    serde_json::json!({"status": input.status.as_str(), "reason": input.reason}),
                ),
            },
        )?;
        Ok(after)
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentInput {
    pub reason: String,
    pub effective_from: NaiveDate,
    pub terms: Contract,
}

/// Amends published terms: a new effective-dated version with a reason; older versions stay.
pub fn amend(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected: i32,
    input: AmendmentInput,
) -> AppResult<ProjectView> {
    let (project, _) = authorize(conn, actor, id, ProjectAction::ManageTerms)?;
    if !project.status.amendable() {
        return Err(AppError::Conflict({
            let (en, ja) = project.status.words();
            msg!(
                "project.not_amendable",
                "a {en} project cannot be amended",
                "{ja}の事業は変更できません"
            )
        }));
    }
    let mut errors = Vec::new();
    if input.reason.trim().is_empty() {
        errors.push(FieldError::new(
            "reason",
            msg!(
                "reason.amendment",
                "the reason for the amendment",
                "変更の理由"
            ),
        ));
    }
    if input.terms.code != project.code {
        errors.push(FieldError::new(
            "terms.code",
            msg!(
                "project.code_fixed",
                "the project's code `{}`",
                "この事業のコード `{}`",
                project.code
            ),
        ));
    }
    if input.terms.currency.code() != project.currency {
        errors.push(FieldError::new(
            "terms.currency",
            msg!(
                "project.currency_fixed",
                "the project's currency {}",
                "この事業の通貨 {}",
                project.currency
            ),
        ));
    }
    errors.extend(
        terms_errors(&input.terms)
            .into_iter()
            .filter(|e| e.field.en != "terms.code"),
    );
    let parties: Vec<(i64, PartyRole)> = projects::parties(conn, id)?
        .into_iter()
        .map(|p| (p.organization_id, p.role))
        .collect();
    errors.extend(terms_match_parties(conn, &input.terms, &parties)?);
    let (_, previous) = load_contract(conn, id, project.current_terms_version)?;
    if input.effective_from < previous.effective_from {
        errors.push(FieldError::new(
            "effective_from",
            msg!(
                "amendment.effective_from",
                "a date on or after {}",
                "{} 以降の日付",
                previous.effective_from
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let terms = terms_text(&input.terms)?;
    let next = project.current_terms_version + 1;
    db::audited_write(conn, |conn, chain| {
        if !projects::bump_checked(conn, id, expected, project.status, next, None)? {
            return Err(stale(expected));
        }
        projects::add_terms_version(
            conn,
            id,
            next,
            input.effective_from,
            input.reason.trim(),
            &terms,
            actor.user_id,
        )?;
        let after = reload(conn, actor, id)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "project.amended",
                entity: "project",
                entity_id: id.to_string(),
                before: Some(serde_json::json!({"terms_version": next - 1})),
                after: Some(serde_json::json!({
                    "terms_version": next,
                    "reason": input.reason.trim(),
                    "effective_from": input.effective_from,
                })),
            },
        )?;
        Ok(after)
    })
}

// ---- Invitations -------------------------------------------------------------------------------

/// The invitations to the actor's organization in the roles the actor answers for: open ones
/// first, then the answered ones, newest first.
pub fn invitations(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<InvitationView>> {
    let roles = answers_invitations_as(actor.role);
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    projects::invitations(conn, actor.organization_id, roles)?
        .into_iter()
        .map(InvitationView::try_from)
        .collect()
}

/// An invitation to the actor's organization in a role the actor answers for: 404 for another
/// organization's (not revealed), 403 for their own organization's in another role.
fn own_invitation(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<projects::InvitationRow> {
    let invitation = projects::invitation(conn, id)?
        .filter(|i| i.organization_id == actor.organization_id)
        .ok_or_else(|| AppError::not_found(Thing::Invitation))?;
    if !answers_invitations_as(actor.role).contains(&invitation.role) {
        return Err(AppError::Forbidden(msg!(
            "access.invitation_role",
            "your role does not answer invitations for this part",
            "あなたの役割では、この参加の招待に回答できません"
        )));
    }
    Ok(invitation)
}

/// One payment of the terms an invitee reads: its name, its payment date and what it pays, as
/// the contract says it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PaymentWords {
    pub name: Localized,
    pub tranche: Localized,
    pub due_on: NaiveDate,
    pub description: Localized,
}

/// The draft terms an invited organization is asked to join, to read before it answers: the terms
/// as it will read them once a party (other investors' positions summed), and each payment in
/// words.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InvitationTerms {
    pub invitation: InvitationView,
    pub max_total_payment: Option<String>,
    pub currency: String,
    pub payments: Vec<PaymentWords>,
    pub terms: serde_json::Value,
}

/// The terms behind an invitation to the actor's organization (open or answered).
pub fn invitation_terms(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<InvitationTerms> {
    let invitation = own_invitation(conn, actor, id)?;
    let project = projects::find(conn, invitation.project_id)?
        .ok_or_else(|| AppError::not_found(Thing::Project))?;
    let (contract, _) = load_contract(conn, project.id, project.current_terms_version)?;
    let name = |n: Option<&seika_core::contract::Name>, id: &str| {
        n.map_or_else(
            || Localized {
                ja: id.to_owned(),
                en: id.to_owned(),
            },
            |n| Localized {
                ja: n.ja().to_owned(),
                en: n.en().to_owned(),
            },
        )
    };
    let payments = contract
        .components
        .iter()
        .filter_map(|c| {
            let tranche = contract.tranches.iter().find(|t| t.id == c.tranche)?;
            Some(PaymentWords {
                name: name(c.name.as_ref(), &c.id),
                tranche: name(tranche.name.as_ref(), &tranche.id),
                due_on: tranche.due_on,
                description: seika_formats::publication::describe_component(c, &contract),
            })
        })
        .collect();
    let own_slug = own_slug(conn, actor)?;
    Ok(InvitationTerms {
        invitation: InvitationView::try_from(invitation)?,
        max_total_payment: contract
            .max_total_payment
            .map(|d| d.normalize().to_string()),
        currency: contract.currency.code().to_owned(),
        payments,
        terms: redact_for(false, &own_slug, &contract)?,
    })
}

/// Accepts or declines an open invitation to the actor's organization. Someone who may not answer
/// it gets 404 (another organization's invitations are not revealed) or 403 (their own
/// organization's, for a role they do not act in); an invitation answered already gets 409.
pub fn answer_invitation(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    accept: bool,
) -> AppResult<InvitationView> {
    own_invitation(conn, actor, id)?;
    let answer = if accept {
        PartyStatus::Accepted
    } else {
        PartyStatus::Declined
    };
    db::audited_write(conn, |conn, chain| {
        if !projects::answer_invitation(conn, id, answer, actor.user_id)? {
            return Err(AppError::Conflict(msg!(
                "invitation.answered",
                "this invitation has been answered already or withdrawn",
                "この参加依頼は回答済みか、取り下げられています"
            )));
        }
        let after = projects::invitation(conn, id)?
            .ok_or_else(|| AppError::not_found(Thing::Invitation))?;
        let view = InvitationView::try_from(after)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: if accept {
                    "project.invitation_accepted"
                } else {
                    "project.invitation_declined"
                },
                entity: "project",
                entity_id: view.project_id.to_string(),
                before: Some(serde_json::json!({"party": id, "status": "invited"})),
                after: Some(to_json(&view)?),
            },
        )?;
        Ok(view)
    })
}
