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
    advisory_lock(conn, "seika-login:", email)
}

/// Serialises login attempts from one client address the same way (taken after
/// [`lock_account`], always in that order): a burst from one address is counted one by one.
pub fn lock_client(conn: &mut DbConn, client: &str) -> QueryResult<()> {
    advisory_lock(conn, "seika-login-client:", client)
}

fn advisory_lock(conn: &mut DbConn, namespace: &str, key: &str) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1 || $2))::text")
            .bind::<diesel::sql_types::Text, _>(namespace)
            .bind::<diesel::sql_types::Text, _>(key)
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

/// Attempts since a moment that count against a login: failures, and attempts still being
/// checked (an attempt counts as a failure from its reservation until it is settled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentFailures {
    /// At this account from this client address, those being checked included.
    pub account_from_client: i64,
    /// From this client address at any account, settled as failures.
    pub client: i64,
    /// From this client address at any account, still being checked.
    pub client_in_flight: i64,
    /// At this account from anywhere, those being checked included.
    pub account: i64,
}

/// Counts [`RecentFailures`]; call under [`lock_account`] and [`lock_client`] so the counts and
/// the reservation that follows are one step.
pub fn recent_failures(
    conn: &mut DbConn,
    email: &str,
    client: &str,
    since: NaiveDateTime,
) -> QueryResult<RecentFailures> {
    let failed = login_attempts::table
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.ge(since));
    let account_from_client = failed
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::client.eq(client))
        .count()
        .get_result(conn)?;
    let from_client = failed.filter(login_attempts::client.eq(client));
    let client_settled = from_client
        .filter(login_attempts::settled.eq(true))
        .count()
        .get_result(conn)?;
    let client_in_flight = from_client
        .filter(login_attempts::settled.eq(false))
        .count()
        .get_result(conn)?;
    let account = failed
        .filter(login_attempts::email.eq(email))
        .count()
        .get_result(conn)?;
    Ok(RecentFailures {
        account_from_client,
        client: client_settled,
        client_in_flight,
        account,
    })
}

/// Whether the account signed in successfully from this client address since a moment.
pub fn known_client(
    conn: &mut DbConn,
    email: &str,
    client: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        login_attempts::table
            .filter(login_attempts::email.eq(email))
            .filter(login_attempts::client.eq(client))
            .filter(login_attempts::succeeded.eq(true))
            .filter(login_attempts::at.ge(since)),
    ))
    .get_result(conn)
}

/// Successful sign-ins older than a moment no longer make a client known: they are deleted.
pub fn forget_sign_ins(conn: &mut DbConn, email: &str, before: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(
        login_attempts::table
            .filter(login_attempts::email.eq(email))
            .filter(login_attempts::succeeded.eq(true))
            .filter(login_attempts::at.lt(before)),
    )
    .execute(conn)?;
    Ok(())
}

/// After a successful login the account's earlier failures from that client address no longer
/// count (a guesser's elsewhere still do).
pub fn clear_failures(
    conn: &mut DbConn,
    email: &str,
    client: &str,
    before_id: i64,
) -> QueryResult<()> {
    diesel::delete(
        login_attempts::table
            .filter(login_attempts::email.eq(email))
            .filter(login_attempts::client.eq(client))
            .filter(login_attempts::succeeded.eq(false))
            .filter(login_attempts::id.lt(before_id)),
    )
    .execute(conn)?;
    Ok(())
}
