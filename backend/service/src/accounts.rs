//! Signing in and out and changing one's password, as steps around the password check: the
//! check itself (Argon2, slow and memory-hungry) runs between them, holding no database
//! connection, so the HTTP layer can queue it. Tokens are the HTTP layer's (`api::session`).

use chrono::{Duration as ChronoDuration, NaiveDateTime};
use seika_core::msg;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::users::{UserView, user_view};
use crate::error::{AppError, AppResult, Thing};
use seika_core::access::Actor;
use seika_core::password;
use seika_core::user::normalize_email;
use seika_db::{self as db, DbConn, audit, users};

/// Failed logins within [`THROTTLE_WINDOW_MINUTES`] before further attempts are refused with
/// 429: at one account from one client address (those being checked included); from one address
/// at any account (settled failures); at one account from anywhere (those being checked
/// included), which refuses only addresses the account has not signed in from within
/// [`KNOWN_CLIENT_DAYS`]. A guesser is slowed to a few tries per window per address; the owner
/// is not locked out of the places it signs in from.
pub const MAX_FAILURES_PER_ACCOUNT_AND_CLIENT: i64 = 5;
pub const MAX_FAILURES_PER_CLIENT: i64 = 20;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 20;
/// Logins from one address being checked at once: a burst of guesses from one address is
/// bounded (at most this many plus [`MAX_FAILURES_PER_CLIENT`] are ever checked in a window),
/// while the people behind one proxy signing in together are not refused.
pub const MAX_IN_FLIGHT_PER_CLIENT: i64 = 32;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
pub const KNOWN_CLIENT_DAYS: i64 = 90;

/// A login attempt counted and not yet settled.
#[derive(Debug)]
pub struct LoginAttempt {
    pub attempt_id: i64,
    pub email: String,
    /// The client address it came from.
    pub client: String,
    /// The account, if the e-mail names one.
    pub user: Option<users::UserRow>,
}

/// The e-mail as Seika stores it, or 422 naming the field.
pub fn login_email(raw: &str) -> AppResult<String> {
    normalize_email(raw).map_err(|expected| AppError::validation("email", expected))
}

/// Step 1: counts recent failures and reserves this attempt in one transaction per account and
/// client address, so parallel guesses stop at the limits (429 beyond them).
pub fn begin_login(conn: &mut DbConn, email: &str, client: &str) -> AppResult<LoginAttempt> {
    db::write_transaction(conn, |conn| {
        db::auth::lock_account(conn, email)?;
        db::auth::lock_client(conn, client)?;
        if is_throttled(conn, email, client)? {
            return Err(throttled());
        }
        let attempt_id = db::auth::reserve_attempt(conn, email, client)?;
        Ok(LoginAttempt {
            attempt_id,
            email: email.to_owned(),
            client: client.to_owned(),
            user: users::find_by_email(conn, email)?,
        })
    })
}

fn is_throttled(conn: &mut DbConn, email: &str, client: &str) -> AppResult<bool> {
    let now = db::now();
    let since = now - ChronoDuration::minutes(THROTTLE_WINDOW_MINUTES);
    let failures = db::auth::recent_failures(conn, email, client, since)?;
    if failures.account_from_client >= MAX_FAILURES_PER_ACCOUNT_AND_CLIENT
        || failures.client >= MAX_FAILURES_PER_CLIENT
        || failures.client_in_flight >= MAX_IN_FLIGHT_PER_CLIENT
    {
        return Ok(true);
    }
    if failures.account < MAX_FAILURES_PER_ACCOUNT {
        return Ok(false);
    }
    let known_since = now - ChronoDuration::days(KNOWN_CLIENT_DAYS);
    Ok(!db::auth::known_client(conn, email, client, known_since)?)
}

fn throttled() -> AppError {
    AppError::TooManyRequests {
        detail: msg!(
            "login.throttled",
            "too many failed logins; try again in {} minutes",
            "ログインの失敗が続いたため制限しています。{} 分後にお試しください",
            THROTTLE_WINDOW_MINUTES
        ),
        retry_after_secs: (THROTTLE_WINDOW_MINUTES * 60) as u64,
    }
}

/// Step 3: settles the attempt. A wrong password (or a disabled or unknown account) counts as a
/// failure and gets 401; a right one forgives earlier failures and returns the account.
pub fn finish_login(
    conn: &mut DbConn,
    attempt: LoginAttempt,
    password_ok: bool,
) -> AppResult<(users::UserRow, UserView)> {
    match attempt.user {
        Some(user) if password_ok && !user.disabled => {
            db::auth::settle(conn, attempt.attempt_id, true)?;
            db::auth::clear_failures(conn, &attempt.email, &attempt.client, attempt.attempt_id)?;
            let forget_before = db::now() - ChronoDuration::days(KNOWN_CLIENT_DAYS);
            db::auth::forget_sign_ins(conn, &attempt.email, forget_before)?;
            let view = user_view(conn, user.clone())?;
            Ok((user, view))
        }
        _ => {
            db::auth::settle(conn, attempt.attempt_id, false)?;
            Err(AppError::Unauthorized(msg!(
                "auth.wrong_password",
                "wrong e-mail or password",
                "メールアドレスかパスワードが違います"
            )))
        }
    }
}

/// Revokes a token until it would have expired anyway.
pub fn logout(conn: &mut DbConn, jti: &str, expires: NaiveDateTime) -> AppResult<()> {
    Ok(db::auth::revoke(conn, jti, expires)?)
}

/// The signed-in user.
pub fn me(conn: &mut DbConn, user_id: i64) -> AppResult<UserView> {
    let user = users::find(conn, user_id)?.ok_or_else(|| AppError::not_found(Thing::User))?;
    user_view(conn, user)
}

/// The stored hash to check a password change against, after checking the new password's
/// strength (422 naming `new_password`).
pub fn password_change_target(
    conn: &mut DbConn,
    user_id: i64,
    new_password: &str,
) -> AppResult<String> {
    let user = users::find(conn, user_id)?.ok_or_else(|| AppError::not_found(Thing::User))?;
    password::check_strength(new_password, &user.email)
        .map_err(|expected| AppError::validation("new_password", expected))?;
    Ok(user.password_hash)
}

/// Stores a new password hash; every token issued before stops working.
pub fn store_password(conn: &mut DbConn, user_id: i64, hash: &str) -> AppResult<()> {
    db::audited_write(conn, |conn, chain| {
        users::set_password(conn, user_id, hash)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(user_id),
                action: "user.password_changed",
                entity: "user",
                entity_id: user_id.to_string(),
                before: None,
                after: None,
            },
        )?;
        Ok(())
    })
}

/// The actor behind a token whose signature and lifetime were checked: the account must still
/// exist and be enabled, must not have changed password since (`token_generation`), and the token
/// must not have been logged out. Any of those gets 401.
pub fn session_actor(
    conn: &mut DbConn,
    user_id: i64,
    jti: &str,
    token_generation: i32,
) -> AppResult<Actor> {
    let rejected = || {
        AppError::Unauthorized(msg!(
            "auth.token_revoked",
            "the access token is no longer valid; log in again",
            "ログインの有効期限が切れました。もう一度ログインしてください"
        ))
    };
    let (user, revoked) = db::auth::session_user(conn, user_id, jti)?.ok_or_else(rejected)?;
    if user.disabled || user.token_generation != token_generation || revoked {
        return Err(rejected());
    }
    Ok(Actor {
        user_id: user.id,
        organization_id: user.organization_id,
        role: user.role,
    })
}

/// How long a reset code an administrator issues stays valid.
pub const RESET_CODE_HOURS: i64 = 24;

/// A one-time code to set a new password, shown once to the administrator who issued it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ResetCode {
    /// 32 hexadecimal digits in groups of four; give it to the person by a channel you trust.
    pub code: String,
    pub expires_at: NaiveDateTime,
}

/// The SHA-256 a code is kept as; a code is read without its group dashes, spaces or case.
fn code_digest(code: &str) -> String {
    let plain: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(plain.as_bytes()))
}

/// A platform admin issues a reset code for an account (closing any earlier one), audited.
pub fn issue_reset(conn: &mut DbConn, actor: &Actor, user_id: i64) -> AppResult<ResetCode> {
    super::users::require_admin(actor)?;
    users::find(conn, user_id)?.ok_or_else(|| AppError::not_found(Thing::User))?;
    let digits = hex::encode(rand::random::<[u8; 16]>());
    let code = digits
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join("-");
    let expires_at = db::now() + ChronoDuration::hours(RESET_CODE_HOURS);
    db::audited_write(conn, |conn, chain| {
        users::resets::open(
            conn,
            user_id,
            &code_digest(&code),
            actor.user_id,
            expires_at,
        )?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "user.password_reset_issued",
                entity: "user",
                entity_id: user_id.to_string(),
                before: None,
                after: Some(serde_json::json!({ "expires_at": expires_at })),
            },
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(ResetCode { code, expires_at })
}

/// A new password set with a reset code.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub email: String,
    /// The code the administrator gave you (dashes and case do not matter).
    pub code: String,
    pub new_password: String,
}

fn code_refused() -> AppError {
    AppError::validation(
        "code",
        msg!(
            "auth.reset_code",
            "the reset code your administrator gave you for this e-mail, before it expires (a code works once)",
            "管理者から受け取った、このメールアドレスのリセットコード（有効期限内、1回限り）"
        ),
    )
}

/// The account a reset is for: the code must be open and belong to the e-mail's account, which
/// must be enabled; the new password must be strong enough. Checked before any password is
/// hashed, so a wrong code costs the server a lookup, not an Argon2 hash.
pub fn reset_target(conn: &mut DbConn, input: &PasswordReset) -> AppResult<i64> {
    let email = normalize_email(&input.email)
        .map_err(|expected| AppError::validation("email", expected))?;
    let holder = users::resets::holder(conn, &code_digest(&input.code))?;
    let user = users::find_by_email(conn, &email)?;
    let user = match (holder, user) {
        (Some(holder), Some(user)) if holder == user.id && !user.disabled => user,
        _ => return Err(code_refused()),
    };
    password::check_strength(&input.new_password, &user.email)
        .map_err(|expected| AppError::validation("new_password", expected))?;
    Ok(user.id)
}

/// Uses the code and stores the new password (every earlier token stops working), audited. Of
/// two uses of one code at once, only one sets a password.
pub fn complete_reset(conn: &mut DbConn, user_id: i64, code: &str, hash: &str) -> AppResult<()> {
    db::audited_write(conn, |conn, chain| {
        if !users::resets::close(conn, user_id, &code_digest(code))? {
            return Err(code_refused());
        }
        users::set_password(conn, user_id, hash)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(user_id),
                action: "user.password_reset",
                entity: "user",
                entity_id: user_id.to_string(),
                before: None,
                after: None,
            },
        )?;
        Ok(())
    })
}
