//! The `/auth` handlers: log in (throttled), log out, who am I, change password. Tokens and the
//! `AuthUser` extractor are in [`super::session`].

use super::extract::NoBody;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use seika_core::msg;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{AppError, AppResult};
use super::extract::{ApiJson, ClientAddr};
use super::session::{AuthUser, issue_token};
use seika_core::password;
use seika_service::accounts;
use seika_service::users::UserView;

pub use seika_service::accounts::{
    KNOWN_CLIENT_DAYS, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ACCOUNT_AND_CLIENT,
    MAX_FAILURES_PER_CLIENT, MAX_IN_FLIGHT_PER_CLIENT, THROTTLE_WINDOW_MINUTES,
};

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
    .map_err(|e| AppError::Internal(e.into()).into())
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    let email = accounts::login_email(&body.email)?;
    let ttl = state.config.token_ttl;
    let keys = state.keys.clone();
    let attempt = state
        .db
        .run(move |conn| accounts::begin_login(conn, &email, &client))
        .await?;
    // The password check holds no database connection.
    let hash = attempt
        .user
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let memory = state.password_memory.clone();
    let password_ok =
        with_hashing_permit(&state, move || memory.verify(&body.password, &hash)).await?;
    let (user, view) = state
        .db
        .run(move |conn| accounts::finish_login(conn, attempt, password_ok))
        .await?;
    let (token, _) = issue_token(&keys, &user, view.role, ttl, Utc::now())?;
    Ok(Json(LoginResponse {
        access_token: token,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
        user: view,
    }))
}

pub async fn logout(
    State(state): State<AppState>,
    auth: AuthUser,
    _: NoBody,
) -> AppResult<StatusCode> {
    let expires = DateTime::from_timestamp(auth.claims.exp, 0)
        .unwrap_or_else(Utc::now)
        .naive_utc();
    let jti = auth.claims.jti.clone();
    auth.run(&state.db, move |conn, _| {
        accounts::logout(conn, &jti, expires)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<UserView>> {
    auth.run(&state.db, move |conn, actor| {
        accounts::me(conn, actor.user_id)
    })
    .await
    .map(Json)
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
    let new_password = body.new_password.clone();
    let stored = auth
        .clone()
        .run(&state.db, move |conn, actor| {
            accounts::password_change_target(conn, actor.user_id, &new_password)
        })
        .await?;
    let memory = state.password_memory.clone();
    let hash = with_hashing_permit(&state, move || {
        if !memory.verify(&body.current_password, &stored) {
            return Err(AppError::validation(
                "current_password",
                msg!(
                    "auth.current_password",
                    "your current password",
                    "現在のパスワード"
                ),
            ));
        }
        Ok(password::hash(&body.new_password)?)
    })
    .await??;
    auth.run(&state.db, move |conn, actor| {
        accounts::store_password(conn, actor.user_id, &hash)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/password-reset`: sets a new password with the one-time code an administrator
/// issued. No login; a wrong or used code costs a lookup, never a password hash.
pub async fn reset_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<accounts::PasswordReset>,
) -> AppResult<StatusCode> {
    let body = std::sync::Arc::new(body);
    let input = body.clone();
    let user_id = state
        .db
        .run(move |conn| accounts::reset_target(conn, &input))
        .await?;
    let input = body.clone();
    let hash = with_hashing_permit(&state, move || password::hash(&input.new_password)).await??;
    state
        .db
        .run(move |conn| accounts::complete_reset(conn, user_id, &body.code, &hash))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
