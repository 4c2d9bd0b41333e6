//! Project rows, their terms versions and their parties.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{project_parties, project_terms, projects};
use super::{DbConn, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = projects)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ProjectRow {
    pub id: i64,
    pub code: String,
    pub owner_organization_id: i64,
    pub status: String,
    pub title_ja: String,
    pub title_en: String,
    pub policy_area: String,
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
    pub status: &'a str,
    pub title_ja: &'a str,
    pub title_en: &'a str,
    pub policy_area: &'a str,
    pub currency: &'a str,
    pub effective_from: NaiveDate,
    pub terms: &'a str,
    pub created_by: Option<i64>,
    /// (organization id, role on the project)
    pub parties: &'a [(i64, &'a str)],
}

/// Inserts the project, terms version 1 and the parties. Call inside a transaction.
pub fn insert(conn: &mut DbConn, new: &NewProject<'_>) -> QueryResult<ProjectRow> {
    let at = now();
    let project: ProjectRow = diesel::insert_into(projects::table)
        .values((
            projects::code.eq(new.code),
            projects::owner_organization_id.eq(new.owner_organization_id),
            projects::status.eq(new.status),
            projects::title_ja.eq(new.title_ja),
            projects::title_en.eq(new.title_en),
            projects::policy_area.eq(new.policy_area),
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
    for (organization_id, role) in new.parties {
        diesel::insert_into(project_parties::table)
            .values((
                project_parties::project_id.eq(project.id),
                project_parties::organization_id.eq(organization_id),
                project_parties::role.eq(role),
            ))
            .execute(conn)?;
    }
    Ok(project)
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
