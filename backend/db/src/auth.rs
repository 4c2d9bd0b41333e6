//! Token revocation and login attempts (for throttling), kept in the database so every server
//! instance sees them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{login_attempts, revoked_tokens};
use super::{DbConn, now};

pub fn revoke(conn: &mut DbConn, jti: &str, expires_at: NaiveDateTime) -> QueryResult<()> {
    let exists = is_revoked(conn, jti)?;
    if !exists {
        diesel::insert_into(revoked_tokens::table)
            .values((
                revoked_tokens::jti.eq(jti),
                revoked_tokens::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
    }
    // Expired tokens fail on their own; their revocations are no longer needed.
    diesel::delete(revoked_tokens::table.filter(revoked_tokens::expires_at.lt(now())))
        .execute(conn)?;
    Ok(())
}

/// The user a token names and whether the token was logged out, in one statement: what every
/// authenticated request checks.
pub fn session_user(
    conn: &mut DbConn,
    user_id: i64,
    jti: &str,
) -> QueryResult<Option<(super::users::UserRow, bool)>> {
    use super::schema::users;
    users::table
        .find(user_id)
        .select((
            super::users::UserRow::as_select(),
            diesel::dsl::exists(revoked_tokens::table.find(jti.to_owned())),
        ))
        .first(conn)
        .optional()
}

pub fn is_revoked(conn: &mut DbConn, jti: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(revoked_tokens::table.find(jti))).get_result(conn)
}

/// Serialises login attempts on one account until the transaction ends, on every instance
/// (PostgreSQL: a transaction advisory lock on the e-mail; SQLite's write transaction already
/// serialises), so counting an account's failures and reserving an attempt are one step.
pub fn lock_account(conn: &mut DbConn, email: &str) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('seika-login:' || $1))::text")
            .bind::<diesel::sql_types::Text, _>(email)
            .execute(pg)?;
    }
    Ok(())
}

/// Records a login attempt as an unsettled failure before the password is checked (call under
/// [`lock_account`], after counting): of many parallel guesses at one account, only those within
/// the limit go on to the password check. [`settle`] records the outcome.
pub fn reserve_attempt(conn: &mut DbConn, email: &str, client: &str) -> QueryResult<i64> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::client.eq(client),
            login_attempts::succeeded.eq(false),
            login_attempts::at.eq(now()),
            login_attempts::settled.eq(false),
        ))
        .returning(login_attempts::id)
        .get_result(conn)
}

/// Records how a reserved attempt ended.
pub fn settle(conn: &mut DbConn, attempt_id: i64, succeeded: bool) -> QueryResult<()> {
    diesel::update(login_attempts::table.find(attempt_id))
        .set((
            login_attempts::succeeded.eq(succeeded),
            login_attempts::settled.eq(true),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failed attempts since `since` for this e-mail (those still being checked included) and for
/// this client address (finished ones only: people logging in at once behind one proxy are not
/// each other's failures).
pub fn recent_failures(
    conn: &mut DbConn,
    email: &str,
    client: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, i64)> {
    let failed = login_attempts::table
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.ge(since));
    let by_email = failed
        .filter(login_attempts::email.eq(email))
        .count()
        .get_result(conn)?;
    let by_client = failed
        .filter(login_attempts::settled.eq(true))
        .filter(login_attempts::client.eq(client))
        .count()
        .get_result(conn)?;
    Ok((by_email, by_client))
}

/// After a successful login the account's earlier failures no longer count.
pub fn clear_failures(conn: &mut DbConn, email: &str, before_id: i64) -> QueryResult<()> {
    diesel::delete(
        login_attempts::table
            .filter(login_attempts::email.eq(email))
            .filter(login_attempts::succeeded.eq(false))
            .filter(login_attempts::id.lt(before_id)),
    )
    .execute(conn)?;
    Ok(())
}
