//! Project rows, their terms versions and their parties.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{organizations, project_parties, project_terms, projects};
use super::{Coded, DbConn, now};
use seika_core::access::{PartyRole, PartyStatus};
use seika_core::organization::OrganizationKind;
use seika_core::project::{PolicyArea, ProjectStatus};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = projects)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ProjectRow {
    pub id: i64,
    pub code: String,
    pub owner_organization_id: i64,
    #[diesel(deserialize_as = Coded<ProjectStatus>)]
    pub status: ProjectStatus,
    pub title_ja: String,
    pub title_en: String,
    #[diesel(deserialize_as = Coded<PolicyArea>)]
    pub policy_area: PolicyArea,
    pub currency: String,
    pub current_terms_version: i32,
    pub lock_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_terms)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ProjectTermsRow {
    pub id: i64,
    pub project_id: i64,
    pub version: i32,
    pub effective_from: NaiveDate,
    pub reason: Option<String>,
    pub terms: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// A new project with its first terms version and its parties.
#[derive(Debug, Clone)]
pub struct NewProject<'a> {
    pub code: &'a str,
    pub owner_organization_id: i64,
    pub status: ProjectStatus,
    pub title_ja: &'a str,
    pub title_en: &'a str,
    pub policy_area: PolicyArea,
    pub currency: &'a str,
    pub effective_from: NaiveDate,
    pub terms: &'a str,
    pub created_by: Option<i64>,
    pub parties: &'a [NewParty],
}

/// A party to store: an organization, its role on the project and whether it has accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewParty {
    pub organization_id: i64,
    pub role: PartyRole,
    pub status: PartyStatus,
}

/// Inserts the project, terms version 1 and the parties. Call inside a transaction.
pub fn insert(conn: &mut DbConn, new: &NewProject<'_>) -> QueryResult<ProjectRow> {
    let at = now();
    let project: ProjectRow = diesel::insert_into(projects::table)
        .values((
            projects::code.eq(new.code),
            projects::owner_organization_id.eq(new.owner_organization_id),
            projects::status.eq(Coded(new.status)),
            projects::title_ja.eq(new.title_ja),
            projects::title_en.eq(new.title_en),
            projects::policy_area.eq(Coded(new.policy_area)),
            projects::currency.eq(new.currency),
            projects::current_terms_version.eq(1),
            projects::created_at.eq(at),
            projects::updated_at.eq(at),
        ))
        .returning(projects::all_columns)
        .get_result(conn)?;
    diesel::insert_into(project_terms::table)
        .values((
            project_terms::project_id.eq(project.id),
            project_terms::version.eq(1),
            project_terms::effective_from.eq(new.effective_from),
            project_terms::terms.eq(new.terms),
            project_terms::created_by.eq(new.created_by),
            project_terms::created_at.eq(at),
        ))
        .execute(conn)?;
    insert_parties(conn, project.id, new.parties)?;
    Ok(project)
}

fn insert_parties(conn: &mut DbConn, project_id: i64, parties: &[NewParty]) -> QueryResult<()> {
    let at = now();
    for party in parties {
        let invited_at = (party.status == PartyStatus::Invited).then_some(at);
        diesel::insert_into(project_parties::table)
            .values((
                project_parties::project_id.eq(project_id),
                project_parties::organization_id.eq(party.organization_id),
                project_parties::role.eq(Coded(party.role)),
                project_parties::status.eq(Coded(party.status)),
                project_parties::invited_at.eq(invited_at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces a draft's policy area, currency and parties. Parties that stay keep their row (an
/// invitation keeps its id) and take the status given; parties no longer named are removed; new
/// ones are added. Call inside the transaction that checked the draft's version.
pub fn replace_draft_details(
    conn: &mut DbConn,
    project_id: i64,
    policy_area: PolicyArea,
    currency: &str,
    parties: &[NewParty],
) -> QueryResult<()> {
    diesel::update(projects::table.find(project_id))
        .set((
            projects::policy_area.eq(Coded(policy_area)),
            projects::currency.eq(currency),
        ))
        .execute(conn)?;
    let existing = self::parties(conn, project_id)?;
    for old in &existing {
        if !parties
            .iter()
            .any(|p| p.organization_id == old.organization_id && p.role == old.role)
        {
            diesel::delete(project_parties::table.find(old.id)).execute(conn)?;
        }
    }
    let mut added = Vec::new();
    for party in parties {
        match existing
            .iter()
            .find(|old| old.organization_id == party.organization_id && old.role == party.role)
        {
            None => added.push(*party),
            Some(old) if old.status != party.status => {
                let asked_again = party.status == PartyStatus::Invited;
                diesel::update(project_parties::table.find(old.id))
                    .set((
                        project_parties::status.eq(Coded(party.status)),
                        project_parties::invited_at.eq(asked_again.then(now)),
                        project_parties::answered_by.eq(None::<i64>),
                        project_parties::answered_at.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
            }
            Some(_) => {}
        }
    }
    insert_parties(conn, project_id, &added)
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<ProjectRow>> {
    projects::table
        .filter(projects::code.eq(code))
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    projects::table.count().get_result(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct PartyRow {
    pub id: i64,
    pub organization_id: i64,
    #[diesel(deserialize_as = Coded<PartyRole>)]
    pub role: PartyRole,
    #[diesel(deserialize_as = Coded<PartyStatus>)]
    pub status: PartyStatus,
    pub slug: String,
    #[diesel(deserialize_as = Coded<OrganizationKind>)]
    pub kind: OrganizationKind,
    pub name_ja: String,
    pub name_en: String,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<ProjectRow>> {
    projects::table
        .find(id)
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()
}

pub fn parties(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<PartyRow>> {
    project_parties::table
        .inner_join(organizations::table)
        .filter(project_parties::project_id.eq(project_id))
        .order((project_parties::role.asc(), organizations::id.asc()))
        .select((
            project_parties::id,
            project_parties::organization_id,
            project_parties::role,
            project_parties::status,
            organizations::slug,
            organizations::kind,
            organizations::name_ja,
            organizations::name_en,
        ))
        .load(conn)
}

/// The roles an organization plays on a project: those it has accepted.
pub fn roles_of(
    conn: &mut DbConn,
    project_id: i64,
    organization_id: i64,
) -> QueryResult<Vec<PartyRole>> {
    let roles: Vec<Coded<PartyRole>> = project_parties::table
        .filter(project_parties::project_id.eq(project_id))
        .filter(project_parties::organization_id.eq(organization_id))
        .filter(project_parties::status.eq(Coded(PartyStatus::Accepted)))
        .select(project_parties::role)
        .load(conn)?;
    Ok(roles.into_iter().map(|role| role.0).collect())
}

/// Filters for project lists.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    /// `None`: every project; `Some((org, role, include_owned))`: the projects where the
    /// organization is an accepted party in that role (and, with `include_owned`, its own).
    pub scope: Option<(i64, PartyRole, bool)>,
    pub status: Option<ProjectStatus>,
    pub policy_area: Option<PolicyArea>,
    /// Words the code or either title contains (any case).
    pub search: Option<String>,
}

diesel::define_sql_function! {
    /// SQL `lower`, on both databases.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// `LIKE` pattern matching text that contains `words` (their `%`, `_` and `\` escaped), lower
/// case.
fn containing(words: &str) -> String {
    let mut pattern = String::from("%");
    for c in words.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub fn list(
    conn: &mut DbConn,
    filter: &ProjectFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<ProjectRow>, i64)> {
    let build = || {
        let mut q = projects::table.into_boxed();
        if let Some((org, role, include_owned)) = &filter.scope {
            let as_party = project_parties::table
                .filter(project_parties::organization_id.eq(*org))
                .filter(project_parties::role.eq(Coded(*role)))
                .filter(project_parties::status.eq(Coded(PartyStatus::Accepted)))
                .select(project_parties::project_id);
            q = if *include_owned {
                q.filter(
                    projects::id
                        .eq_any(as_party)
                        .or(projects::owner_organization_id.eq(*org)),
                )
            } else {
                q.filter(projects::id.eq_any(as_party))
            };
        }
        if let Some(status) = &filter.status {
            q = q.filter(projects::status.eq(Coded(*status)));
        }
        if let Some(area) = &filter.policy_area {
            q = q.filter(projects::policy_area.eq(Coded(*area)));
        }
        if let Some(words) = &filter.search {
            let pattern = containing(words);
            q = q.filter(
                lower(projects::code)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(projects::title_ja).like(pattern.clone()).escape('\\'))
                    .or(lower(projects::title_en).like(pattern).escape('\\')),
            );
        }
        q
    };
    let rows = build()
        .order(projects::id.asc())
        .limit(limit)
        .offset(offset)
        .select(ProjectRow::as_select())
        .load(conn)?;
    let total = build().count().get_result(conn)?;
    Ok((rows, total))
}

pub fn terms_version(
    conn: &mut DbConn,
    project_id: i64,
    version: i32,
) -> QueryResult<Option<ProjectTermsRow>> {
    project_terms::table
        .filter(project_terms::project_id.eq(project_id))
        .filter(project_terms::version.eq(version))
        .select(ProjectTermsRow::as_select())
        .first(conn)
        .optional()
}

pub fn terms_versions(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<ProjectTermsRow>> {
    project_terms::table
        .filter(project_terms::project_id.eq(project_id))
        .order(project_terms::version.asc())
        .select(ProjectTermsRow::as_select())
        .load(conn)
}

/// Bumps the project's lock version if it is still `expected`, setting status and the current
/// terms version. `false` when stale.
pub fn bump_checked(
    conn: &mut DbConn,
    id: i64,
    expected: i32,
    status: ProjectStatus,
    current_terms_version: i32,
    titles: Option<(&str, &str)>,
) -> QueryResult<bool> {
    let target = projects::table
        .find(id)
        .filter(projects::lock_version.eq(expected));
    let changed = match titles {
        Some((ja, en)) => diesel::update(target)
            .set((
                projects::status.eq(Coded(status)),
                projects::current_terms_version.eq(current_terms_version),
                projects::title_ja.eq(ja),
                projects::title_en.eq(en),
                projects::lock_version.eq(projects::lock_version + 1),
                projects::updated_at.eq(now()),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                projects::status.eq(Coded(status)),
                projects::current_terms_version.eq(current_terms_version),
                projects::lock_version.eq(projects::lock_version + 1),
                projects::updated_at.eq(now()),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Replaces a draft's terms (version 1 stays version 1 while the project is a draft).
pub fn replace_terms(
    conn: &mut DbConn,
    project_id: i64,
    version: i32,
    terms: &str,
    effective_from: NaiveDate,
) -> QueryResult<()> {
    diesel::update(
        project_terms::table
            .filter(project_terms::project_id.eq(project_id))
            .filter(project_terms::version.eq(version)),
    )
    .set((
        project_terms::terms.eq(terms),
        project_terms::effective_from.eq(effective_from),
    ))
    .execute(conn)?;
    Ok(())
}

/// Adds an amendment: a new, effective-dated terms version with its reason.
pub fn add_terms_version(
    conn: &mut DbConn,
    project_id: i64,
    version: i32,
    effective_from: NaiveDate,
    reason: &str,
    terms: &str,
    created_by: i64,
) -> QueryResult<()> {
    diesel::insert_into(project_terms::table)
        .values((
            project_terms::project_id.eq(project_id),
            project_terms::version.eq(version),
            project_terms::effective_from.eq(effective_from),
            project_terms::reason.eq(reason),
            project_terms::terms.eq(terms),
            project_terms::created_by.eq(created_by),
            project_terms::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// One invitation (a party row) with what its invitee may see: the project's code and titles and
/// who invites.
#[derive(Debug, Clone, Queryable)]
pub struct InvitationRow {
    pub id: i64,
    pub project_id: i64,
    pub organization_id: i64,
    #[diesel(deserialize_as = Coded<PartyRole>)]
    pub role: PartyRole,
    #[diesel(deserialize_as = Coded<PartyStatus>)]
    pub status: PartyStatus,
    pub invited_at: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
    pub project_code: String,
    pub project_title_ja: String,
    pub project_title_en: String,
    pub owner_name_ja: String,
    pub owner_name_en: String,
}

#[diesel::dsl::auto_type]
fn invitation_query() -> _ {
    project_parties::table
        .inner_join(projects::table.inner_join(organizations::table))
        .filter(project_parties::organization_id.ne(projects::owner_organization_id))
        .select((
            project_parties::id,
            project_parties::project_id,
            project_parties::organization_id,
            project_parties::role,
            project_parties::status,
            project_parties::invited_at,
            project_parties::answered_at,
            projects::code,
            projects::title_ja,
            projects::title_en,
            organizations::name_ja,
            organizations::name_en,
        ))
}

pub fn invitation(conn: &mut DbConn, id: i64) -> QueryResult<Option<InvitationRow>> {
    invitation_query()
        .filter(project_parties::id.eq(id))
        .first(conn)
        .optional()
}

/// Invitations to an organization in the given roles: open ones first, then the newest.
pub fn invitations(
    conn: &mut DbConn,
    organization_id: i64,
    roles: &[PartyRole],
) -> QueryResult<Vec<InvitationRow>> {
    let mut rows: Vec<InvitationRow> = invitation_query()
        .filter(project_parties::organization_id.eq(organization_id))
        .filter(project_parties::role.eq_any(roles.iter().copied().map(Coded)))
        .filter(project_parties::invited_at.is_not_null())
        .order(project_parties::id.desc())
        .load(conn)?;
    rows.sort_by_key(|r| r.status != PartyStatus::Invited);
    Ok(rows)
}

/// Answers an open invitation: `true` when this call moved it from `invited` to `status`.
pub fn answer_invitation(
    conn: &mut DbConn,
    id: i64,
    status: PartyStatus,
    answered_by: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        project_parties::table
            .find(id)
            .filter(project_parties::status.eq(Coded(PartyStatus::Invited))),
    )
    .set((
        project_parties::status.eq(Coded(status)),
        project_parties::answered_by.eq(answered_by),
        project_parties::answered_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Deletes a draft project with what a draft can have (its terms, parties, publication settings,
/// budget lines and jobs), freeing its code; `false`, and nothing deleted, when it is no longer a
/// draft. Call inside a transaction, after a checked bump has taken the project's row. Anything
/// else pointing at it (data a draft cannot hold) makes the database refuse the whole delete.
pub fn delete_draft(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    use super::schema::{
        budget_lines, debt_commitments, investor_disclosures, jobs, project_publications,
    };
    let draft = projects::table
        .find(id)
        .filter(projects::status.eq(Coded(ProjectStatus::Draft)));
    let still_draft: i64 = draft.count().get_result(conn)?;
    if still_draft != 1 {
        return Ok(false);
    }
    diesel::delete(jobs::table.filter(jobs::project_id.eq(id))).execute(conn)?;
    diesel::delete(budget_lines::table.filter(budget_lines::project_id.eq(id))).execute(conn)?;
    diesel::delete(debt_commitments::table.filter(debt_commitments::project_id.eq(id)))
        .execute(conn)?;
    diesel::delete(investor_disclosures::table.filter(investor_disclosures::project_id.eq(id)))
        .execute(conn)?;
    diesel::delete(project_publications::table.filter(project_publications::project_id.eq(id)))
        .execute(conn)?;
    diesel::delete(project_parties::table.filter(project_parties::project_id.eq(id)))
        .execute(conn)?;
    diesel::delete(project_terms::table.filter(project_terms::project_id.eq(id))).execute(conn)?;
    Ok(diesel::delete(draft).execute(conn)? == 1)
}
