//! Stored answers to requests sent with an `Idempotency-Key`, per user.

use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{DbConn, now};

/// The stored request hash, status and response body for a user's key.
pub fn find(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
) -> QueryResult<Option<(String, i32, String)>> {
    idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(user_id))
        .filter(idempotency_keys::key.eq(key))
        .select((
            idempotency_keys::request_sha256,
            idempotency_keys::status,
            idempotency_keys::response,
        ))
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
    request_sha256: &str,
    status: i32,
    response: &str,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_sha256.eq(request_sha256),
            idempotency_keys::status.eq(status),
            idempotency_keys::response.eq(response),
            idempotency_keys::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
