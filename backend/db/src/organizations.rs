//! Organization rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::organizations;
use super::{Coded, DbConn, now};
use seika_core::organization::OrganizationKind;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct OrganizationRow {
    pub id: i64,
    pub slug: String,
    #[diesel(deserialize_as = Coded<OrganizationKind>)]
    pub kind: OrganizationKind,
    pub name_ja: String,
    pub name_en: String,
    pub lock_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewOrganization<'a> {
    pub slug: &'a str,
    pub kind: OrganizationKind,
    pub name_ja: &'a str,
    pub name_en: &'a str,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<OrganizationRow>> {
    organizations::table
        .find(id)
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<OrganizationRow>> {
    organizations::table
        .filter(organizations::slug.eq(slug))
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, new: &NewOrganization<'_>) -> QueryResult<OrganizationRow> {
    let at = now();
    diesel::insert_into(organizations::table)
        .values((
            organizations::slug.eq(new.slug),
            organizations::kind.eq(Coded(new.kind)),
            organizations::name_ja.eq(new.name_ja),
            organizations::name_en.eq(new.name_en),
            organizations::created_at.eq(at),
            organizations::updated_at.eq(at),
        ))
        .returning(organizations::all_columns)
        .get_result(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    organizations::table.count().get_result(conn)
}

pub fn list(
    conn: &mut DbConn,
    kind: Option<OrganizationKind>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<OrganizationRow>, i64)> {
    let mut query = organizations::table.into_boxed();
    let mut count = organizations::table.into_boxed();
    if let Some(kind) = kind {
        query = query.filter(organizations::kind.eq(Coded(kind)));
        count = count.filter(organizations::kind.eq(Coded(kind)));
    }
    let rows = query
        .order(organizations::id.asc())
        .limit(limit)
        .offset(offset)
        .select(OrganizationRow::as_select())
        .load(conn)?;
    Ok((rows, count.count().get_result(conn)?))
}

/// Renames if the row is still at `expected_version`; `None` when stale.
pub fn rename_checked(
    conn: &mut DbConn,
    id: i64,
    expected_version: i32,
    name_ja: &str,
    name_en: &str,
) -> QueryResult<Option<OrganizationRow>> {
    let changed = diesel::update(
        organizations::table
            .find(id)
            .filter(organizations::lock_version.eq(expected_version)),
    )
    .set((
        organizations::name_ja.eq(name_ja),
        organizations::name_en.eq(name_en),
        organizations::lock_version.eq(organizations::lock_version + 1),
        organizations::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find(conn, id)
}

/// The organizations with these ids, in one query.
pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<OrganizationRow>> {
    organizations::table
        .filter(organizations::id.eq_any(ids))
        .select(OrganizationRow::as_select())
        .load(conn)
}

/// How many rows have a slug outside `known` (real data, as opposed to the demo's).
pub fn count_other_than(conn: &mut DbConn, known: &[&str]) -> QueryResult<i64> {
    organizations::table
        .filter(organizations::slug.ne_all(known))
        .count()
        .get_result(conn)
}
