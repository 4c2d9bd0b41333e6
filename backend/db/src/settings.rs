//! Server-wide settings kept in the database, such as the generated token-signing key.

use diesel::prelude::*;

use super::schema::server_settings;
use super::{DbConn, is_unique_violation, now};

pub fn get(conn: &mut DbConn, name: &str) -> QueryResult<Option<String>> {
    server_settings::table
        .find(name)
        .select(server_settings::value)
        .first(conn)
        .optional()
}

/// Stores `value` under `name` unless a value is there already; returns the stored value.
/// Several instances starting at once all end up with the first one's value.
pub fn get_or_insert(conn: &mut DbConn, name: &str, value: &str) -> QueryResult<String> {
    if let Some(existing) = get(conn, name)? {
        return Ok(existing);
    }
    let inserted = diesel::insert_into(server_settings::table)
        .values((
            server_settings::name.eq(name),
            server_settings::value.eq(value),
            server_settings::created_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(value.to_owned()),
        Err(e) if is_unique_violation(&e) => get(conn, name)?.ok_or(e),
        Err(e) => Err(e),
    }
}
