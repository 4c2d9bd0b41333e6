//! Public pages: the government's publication settings per project and investors' disclosures of
//! their own positions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{investor_disclosures, project_publications, projects};
use super::{Coded, DbConn, now};
use seika_core::project::ProjectStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_publications)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PublicationRow {
    pub project_id: i64,
    pub published: bool,
    /// A JSON array of section names.
    pub public_sections: String,
    pub privacy_threshold: i32,
    pub updated_by: i64,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, project_id: i64) -> QueryResult<Option<PublicationRow>> {
    project_publications::table
        .find(project_id)
        .select(PublicationRow::as_select())
        .first(conn)
        .optional()
}

/// Stores the settings: one row per project, by its primary key. Called inside a transaction; a
/// concurrent first insert (a unique violation inside the savepoint) falls back to the update.
pub fn upsert(
    conn: &mut DbConn,
    project_id: i64,
    published: bool,
    public_sections: &str,
    privacy_threshold: i32,
    updated_by: i64,
) -> QueryResult<PublicationRow> {
    let at = now();
    let update = |conn: &mut DbConn| {
        diesel::update(project_publications::table.find(project_id))
            .set((
                project_publications::published.eq(published),
                project_publications::public_sections.eq(public_sections),
                project_publications::privacy_threshold.eq(privacy_threshold),
                project_publications::updated_by.eq(updated_by),
                project_publications::updated_at.eq(at),
            ))
            .execute(conn)
    };
    if update(conn)? == 0 {
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(project_publications::table)
                .values((
                    project_publications::project_id.eq(project_id),
                    project_publications::published.eq(published),
                    project_publications::public_sections.eq(public_sections),
                    project_publications::privacy_threshold.eq(privacy_threshold),
                    project_publications::updated_by.eq(updated_by),
                    project_publications::updated_at.eq(at),
                ))
                .execute(conn)
        });
        match inserted {
            Ok(_) => {}
            Err(e) if super::is_unique_violation(&e) => {
                update(conn)?;
            }
            Err(e) => return Err(e),
        }
    }
    find(conn, project_id)?.ok_or(diesel::result::Error::NotFound)
}

/// The ids of projects whose public page is on (drafts never), by code.
pub fn published_project_ids(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    project_publications::table
        .inner_join(projects::table)
        .filter(project_publications::published.eq(true))
        .filter(projects::status.ne(Coded(ProjectStatus::Draft)))
        .order(projects::code.asc())
        .select(projects::id)
        .load(conn)
}

/// The organizations that made their own investment positions public on a project.
pub fn disclosed_investors(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<i64>> {
    investor_disclosures::table
        .filter(investor_disclosures::project_id.eq(project_id))
        .order(investor_disclosures::organization_id.asc())
        .select(investor_disclosures::organization_id)
        .load(conn)
}

/// Makes (or stops making) an organization's position public; true when anything changed.
pub fn set_disclosure(
    conn: &mut DbConn,
    project_id: i64,
    organization_id: i64,
    public: bool,
    by: i64,
) -> QueryResult<bool> {
    let changed = if public {
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(investor_disclosures::table)
                .values((
                    investor_disclosures::project_id.eq(project_id),
                    investor_disclosures::organization_id.eq(organization_id),
                    investor_disclosures::disclosed_by.eq(by),
                    investor_disclosures::disclosed_at.eq(now()),
                ))
                .execute(conn)
        });
        match inserted {
            Err(e) if super::is_unique_violation(&e) => 0,
            other => other?,
        }
    } else {
        diesel::delete(
            investor_disclosures::table
                .filter(investor_disclosures::project_id.eq(project_id))
                .filter(investor_disclosures::organization_id.eq(organization_id)),
        )
        .execute(conn)?
    };
    Ok(changed == 1)
}
