//! The `/auth` handlers: log in (throttled), log out, who am I, change password. Tokens and the
//! `AuthUser` extractor are in [`super::session`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{AppError, AppResult};
use super::extract::{ApiJson, ClientAddr};
use super::session::{AuthUser, issue_token};
use crate::db::{self, audit, users};
use crate::domain::password;
use crate::domain::user::{Role, normalize_email};
use crate::service::users::{UserView, user_view};

/// Failed logins per account, and per client address, within [`THROTTLE_WINDOW_MINUTES`] before
/// further attempts are refused with 429.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_CLIENT: i64 = 20;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LoginResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub user: UserView,
}

/// A PHC hash of a random password: verified against when the account does not exist, so a
/// failed login takes as long whether or not the e-mail is known.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash(&uuid::Uuid::new_v4().to_string()).unwrap_or_default())
}

/// Runs Argon2 off the async workers and outside any database connection, at most one per core
/// at a time (each takes about 19 MiB): a burst of logins queues instead of exhausting memory.
async fn with_hashing_permit<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    let permit = state
        .password_hashing
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    let email =
        normalize_email(&body.email).map_err(|expected| AppError::validation("email", expected))?;
    let ttl = state.config.token_ttl;
    let keys = state.keys.clone();
    // 1. Count and reserve in one step per account: parallel guesses stop at the limit.
    let lookup_email = email.clone();
    let (attempt_id, user) = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                db::auth::lock_account(conn, &lookup_email)?;
                let since = db::now() - ChronoDuration::minutes(THROTTLE_WINDOW_MINUTES);
                let (by_email, by_client) =
                    db::auth::recent_failures(conn, &lookup_email, &client, since)?;
                if by_email >= MAX_FAILURES_PER_ACCOUNT || by_client >= MAX_FAILURES_PER_CLIENT {
                    return Err(AppError::TooManyRequests {
                        detail: format!(
                            "too many failed logins; try again in {THROTTLE_WINDOW_MINUTES} minutes"
                        ),
                        retry_after_secs: (THROTTLE_WINDOW_MINUTES * 60) as u64,
                    });
                }
                let attempt_id = db::auth::reserve_attempt(conn, &lookup_email, &client)?;
                Ok((attempt_id, users::find_by_email(conn, &lookup_email)?))
            })
        })
        .await?;
    // 2. The password check, holding no database connection.
    let hash = user
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let memory = state.password_memory.clone();
    let password_ok =
        with_hashing_permit(&state, move || memory.verify(&body.password, &hash)).await?;
    let user = match user {
        Some(user) if password_ok && !user.disabled => user,
        _ => {
            state
                .db
                .run(move |conn| -> AppResult<()> {
                    Ok(db::auth::settle(conn, attempt_id, false)?)
                })
                .await?;
            return Err(AppError::Unauthorized("wrong e-mail or password".into()));
        }
    };
    // 3. A right password: the attempt counts as a success and earlier failures are forgiven.
    state
        .db
        .run(move |conn| {
            db::auth::settle(conn, attempt_id, true)?;
            db::auth::clear_failures(conn, &email, attempt_id)?;
            let role = Role::parse(&user.role)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown role")))?;
            let (token, _) = issue_token(&keys, &user, role, ttl, Utc::now())?;
            Ok(Json(LoginResponse {
                access_token: token,
                token_type: "Bearer",
                expires_in: ttl.as_secs(),
                user: user_view(conn, user)?,
            }))
        })
        .await
}

pub async fn logout(State(state): State<AppState>, auth: AuthUser) -> AppResult<StatusCode> {
    let expires = DateTime::from_timestamp(auth.claims.exp, 0)
        .unwrap_or_else(Utc::now)
        .naive_utc();
    let jti = auth.claims.jti;
    state
        .db
        .run(move |conn| -> AppResult<_> { Ok(db::auth::revoke(conn, &jti, expires)?) })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<UserView>> {
    let id = auth.actor.user_id;
    state
        .db
        .run(move |conn| {
            let user = users::find(conn, id)?.ok_or_else(|| AppError::not_found("user"))?;
            user_view(conn, user).map(Json)
        })
        .await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password; every token issued before stops working.
pub async fn change_password(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> AppResult<StatusCode> {
    password::check_strength(&body.new_password)
        .map_err(|expected| AppError::validation("new_password", expected))?;
    let id = auth.actor.user_id;
    let user = state
        .db
        .run(move |conn| users::find(conn, id)?.ok_or_else(|| AppError::not_found("user")))
        .await?;
    let stored = user.password_hash.clone();
    let memory = state.password_memory.clone();
    let hash = with_hashing_permit(&state, move || {
        if !memory.verify(&body.current_password, &stored) {
            return Err(AppError::validation(
                "current_password",
                "your current password",
            ));
        }
        Ok(password::hash(&body.new_password)?)
    })
    .await??;
    state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                users::set_password(conn, id, &hash)?;
                audit::append(
                    conn,
                    audit::AuditEntry {
                        actor_user_id: Some(id),
                        action: "user.password_changed",
                        entity: "user",
                        entity_id: id.to_string(),
                        before: None,
                        after: None,
                    },
                )?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
