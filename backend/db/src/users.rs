//! User rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::users;
use super::{Coded, DbConn, now};
use seika_core::user::Role;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct UserRow {
    pub id: i64,
    pub organization_id: i64,
    pub email: String,
    pub display_name: String,
    #[diesel(deserialize_as = Coded<Role>)]
    pub role: Role,
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
    pub role: Role,
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
            users::role.eq(Coded(new.role)),
            users::password_hash.eq(new.password_hash),
            users::created_at.eq(at),
            users::updated_at.eq(at),
        ))
        .returning(users::all_columns)
        .get_result(conn)
}

/// Sets a new password hash and bumps the token generation, so older tokens stop working.
pub fn set_password(conn: &mut DbConn, id: i64, password_hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::token_generation.eq(users::token_generation + 1),
            users::lock_version.eq(users::lock_version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Changes display name, role or disabled flag if the row is still at `expected_version`.
/// Returns `None` when the version is stale (or the user is gone).
pub fn update_checked(
    conn: &mut DbConn,
    id: i64,
    expected_version: i32,
    display_name: &str,
    role: Role,
    disabled: bool,
) -> QueryResult<Option<UserRow>> {
    let changed = diesel::update(
        users::table
            .find(id)
            .filter(users::lock_version.eq(expected_version)),
    )
    .set((
        users::display_name.eq(display_name),
        users::role.eq(Coded(role)),
        users::disabled.eq(disabled),
        // Disabling ends every token issued so far for good: enabled again, the user signs in
        // anew.
        users::token_generation.eq(users::token_generation + i32::from(disabled)),
        users::lock_version.eq(users::lock_version + 1),
        users::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find(conn, id)
}

/// Enabled platform administrators other than `except`.
pub fn other_active_admins(conn: &mut DbConn, except: i64) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Coded(Role::PlatformAdmin)))
        .filter(users::disabled.eq(false))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
}

pub fn list(
    conn: &mut DbConn,
    organization_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let mut query = users::table.into_boxed();
    let mut count = users::table.into_boxed();
    if let Some(org) = organization_id {
        query = query.filter(users::organization_id.eq(org));
        count = count.filter(users::organization_id.eq(org));
    }
    let rows = query
        .order(users::id.asc())
        .limit(limit)
        .offset(offset)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok((rows, count.count().get_result(conn)?))
}

/// How many rows have a email outside `known` (real data, as opposed to the demo's).
pub fn count_other_than(conn: &mut DbConn, known: &[&str]) -> QueryResult<i64> {
    users::table
        .filter(users::email.ne_all(known))
        .count()
        .get_result(conn)
}

/// Password resets: one-time codes an administrator issues, kept as their SHA-256.
pub mod resets {
    use chrono::NaiveDateTime;
    use diesel::prelude::*;

    use crate::schema::password_resets;
    use crate::{DbConn, now};

    /// Closes the account's open code, if any, and opens a new one valid until `expires_at`.
    /// Call inside a transaction: the unique index keeps one open code per account.
    pub fn open(
        conn: &mut DbConn,
        user_id: i64,
        code_sha256: &str,
        issued_by: i64,
        expires_at: NaiveDateTime,
    ) -> QueryResult<()> {
        let at = now();
        diesel::update(
            password_resets::table
                .filter(password_resets::user_id.eq(user_id))
                .filter(password_resets::closed_at.is_null()),
        )
        .set(password_resets::closed_at.eq(at))
        .execute(conn)?;
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::user_id.eq(user_id),
                password_resets::code_sha256.eq(code_sha256),
                password_resets::issued_by.eq(issued_by),
                password_resets::expires_at.eq(expires_at),
                password_resets::created_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// The account whose open, unexpired code this is.
    pub fn holder(conn: &mut DbConn, code_sha256: &str) -> QueryResult<Option<i64>> {
        password_resets::table
            .filter(password_resets::code_sha256.eq(code_sha256))
            .filter(password_resets::closed_at.is_null())
            .filter(password_resets::expires_at.gt(now()))
            .select(password_resets::user_id)
            .first(conn)
            .optional()
    }

    /// Uses the code: true when it was still open and unexpired and belonged to `user_id`; of two
    /// uses at once only one gets here (a conditional update expecting one row).
    pub fn close(conn: &mut DbConn, user_id: i64, code_sha256: &str) -> QueryResult<bool> {
        let at = now();
        let closed = diesel::update(
            password_resets::table
                .filter(password_resets::user_id.eq(user_id))
                .filter(password_resets::code_sha256.eq(code_sha256))
                .filter(password_resets::closed_at.is_null())
                .filter(password_resets::expires_at.gt(at)),
        )
        .set(password_resets::closed_at.eq(at))
        .execute(conn)?;
        Ok(closed == 1)
    }
}
