//! User rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::users;
use super::{DbConn, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct UserRow {
    pub id: i64,
    pub organization_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    pub token_generation: i32,
    pub lock_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub organization_id: i64,
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> QueryResult<UserRow> {
    let at = now();
    diesel::insert_into(users::table)
        .values((
            users::organization_id.eq(new.organization_id),
            users::email.eq(new.email),
            users::display_name.eq(new.display_name),
            users::role.eq(new.role),
            users::password_hash.eq(new.password_hash),
            users::created_at.eq(at),
            users::updated_at.eq(at),
        ))
        .returning(users::all_columns)
        .get_result(conn)
}
