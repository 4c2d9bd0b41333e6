//! Authentication: JWT issue and check, the `AuthUser` extractor, and the `/auth` handlers.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{AppError, AppResult};
use super::extract::{ApiJson, ClientAddr};
use crate::db::{self, DbConn, audit, organizations, users};
use crate::domain::access::Actor;
use crate::domain::password;
use crate::domain::user::{Role, normalize_email};

/// Failed logins per account, and per client address, within [`THROTTLE_WINDOW_MINUTES`] before
/// further attempts are refused with 429.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_CLIENT: i64 = 20;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

const ALGORITHM: Algorithm = Algorithm::HS256;
/// The key file kept beside an SQLite database when no secret is configured.
pub const KEY_FILE_NAME: &str = "jwt-signing.key";

/// The token signing keys; kept in application state (not a static) so tests can use their own.
/// The current key signs; it and the previous keys (during a rotation) verify.
pub struct AuthKeys {
    encoding: EncodingKey,
    decoding: Vec<DecodingKey>,
}

impl AuthKeys {
    pub fn from_secret(secret: &[u8]) -> Self {
        Self::rotating(secret, &[])
    }

    /// `current` signs new tokens; tokens signed with any of `previous` are still accepted until
    /// they expire, so a key can be replaced without logging everyone out.
    pub fn rotating(current: &[u8], previous: &[Vec<u8>]) -> Self {
        let mut decoding = vec![DecodingKey::from_secret(current)];
        decoding.extend(previous.iter().map(|p| DecodingKey::from_secret(p)));
        AuthKeys {
            encoding: EncodingKey::from_secret(current),
            decoding,
        }
    }
}

impl std::fmt::Debug for AuthKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthKeys(..)")
    }
}

fn checked_secret(name: &str, secret: &str) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(
        secret.len() >= 32,
        "{name} must be at least 32 characters long"
    );
    Ok(secret.as_bytes().to_vec())
}

/// The signing keys, never from the database (a database backup must not be able to mint
/// tokens): the configured secret; or, on SQLite only, a key file with 0600 permissions beside
/// the database, generated on first start. PostgreSQL deployments run several instances that
/// must share the key, so there it is required configuration.
pub fn load_signing_keys(
    url: &db::DatabaseUrl,
    configured: Option<&str>,
    previous: &[String],
) -> anyhow::Result<AuthKeys> {
    let previous = previous
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| checked_secret("each SEIKA_JWT_PREVIOUS_SECRETS entry", p.trim()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let current = match (configured, url) {
        (Some(secret), _) => checked_secret("SEIKA_JWT_SECRET", secret)?,
        (None, db::DatabaseUrl::Sqlite(path)) => {
            let folder = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            read_or_create_key_file(&folder.join(KEY_FILE_NAME))?
        }
        (None, db::DatabaseUrl::Postgres(_)) => anyhow::bail!(
            "on PostgreSQL, set SEIKA_JWT_SECRET (or --jwt-secret) to a secret of 32+ characters, \
             the same on every instance; it is never kept in the database (see docs/OPERATIONS.md)"
        ),
    };
    Ok(AuthKeys::rotating(&current, &previous))
}

/// Reads the key file, or creates it (0600, exclusive: of several instances starting at once,
/// one writes and the others read).
fn read_or_create_key_file(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if let Some(folder) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| anyhow::anyhow!("cannot create the folder {}: {e}", folder.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    match options.open(path) {
        Ok(mut file) => {
            let fresh: [u8; 32] = rand::random();
            file.write_all(hex::encode(fresh).as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "generated the token signing key file");
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => anyhow::bail!("cannot create the key file {}: {e}", path.display()),
    }
    #[cfg(unix)]
    {
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        anyhow::ensure!(
            mode & 0o077 == 0,
            "the key file {} can be read by others (mode {mode:o}): chmod 600 it",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)?;
    let key = hex::decode(text.trim())
        .map_err(|e| anyhow::anyhow!("the key file {} is not hex: {e}", path.display()))?;
    anyhow::ensure!(
        key.len() >= 32,
        "the key file {} holds fewer than 32 bytes",
        path.display()
    );
    Ok(key)
}

/// What a Seika access token carries.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's organization id.
    pub org: i64,
    pub role: Role,
    /// The user's token generation: a password change or "log out everywhere" bumps it.
    pub tgen: i32,
    /// Token id, for revocation at logout.
    pub jti: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

pub fn issue_token(
    keys: &AuthKeys,
    user: &users::UserRow,
    role: Role,
    ttl: std::time::Duration,
    now: DateTime<Utc>,
) -> anyhow::Result<(String, Claims)> {
    let ttl = ChronoDuration::from_std(ttl)?;
    let claims = Claims {
        sub: user.id.to_string(),
        org: user.organization_id,
        role,
        tgen: user.token_generation,
        jti: uuid::Uuid::new_v4().to_string(),
        iat: now.timestamp(),
        nbf: now.timestamp(),
        exp: (now + ttl).timestamp(),
    };
    let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &keys.encoding)?;
    Ok((token, claims))
}

/// Checks signature, algorithm, expiry and not-before. Anything else is the caller's (user state).
pub fn decode_token(keys: &AuthKeys, token: &str) -> Result<Claims, AppError> {
    let mut validation = Validation::new(ALGORITHM);
    validation.leeway = 0;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "nbf", "sub"]);
    let mut last = None;
    for key in &keys.decoding {
        match jsonwebtoken::decode::<Claims>(token, key, &validation) {
            Ok(data) => return Ok(data.claims),
            Err(e) => last = Some(e),
        }
    }
    if let Some(e) = last {
        tracing::debug!(error = %e, "token rejected");
    }
    Err(AppError::Unauthorized(
        "the access token is invalid or expired; log in again".into(),
    ))
}

/// The authenticated caller of a request. Extracting it checks the token and that the user still
/// exists, is enabled, has not changed password since, and did not log this token out.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub actor: Actor,
    pub claims: Claims,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                AppError::Unauthorized("log in first: send `Authorization: Bearer <token>`".into())
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| AppError::Unauthorized("expected a Bearer token".into()))?;
        let claims = decode_token(&state.keys, token.trim())?;
        let user_id: i64 = claims
            .sub
            .parse()
            .map_err(|_| AppError::Unauthorized("the access token is invalid".into()))?;
        let jti = claims.jti.clone();
        let (user, revoked) = state
            .db
            .run(move |conn| -> AppResult<_> {
                Ok((
                    users::find(conn, user_id)?,
                    db::auth::is_revoked(conn, &jti)?,
                ))
            })
            .await?;
        let rejected =
            || AppError::Unauthorized("the access token is no longer valid; log in again".into());
        let user = user.ok_or_else(rejected)?;
        if user.disabled || revoked || user.token_generation != claims.tgen {
            return Err(rejected());
        }
        let role = Role::parse(&user.role).ok_or_else(rejected)?;
        Ok(AuthUser {
            actor: Actor {
                user_id: user.id,
                organization_id: user.organization_id,
                role,
            },
            claims,
        })
    }
}

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

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub version: i32,
    pub organization: OrganizationRef,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OrganizationRef {
    pub id: i64,
    pub slug: String,
    pub kind: String,
    pub name_ja: String,
    pub name_en: String,
}

impl From<organizations::OrganizationRow> for OrganizationRef {
    fn from(o: organizations::OrganizationRow) -> Self {
        OrganizationRef {
            id: o.id,
            slug: o.slug,
            kind: o.kind,
            name_ja: o.name_ja,
            name_en: o.name_en,
        }
    }
}

/// Loads the user's view with its organization.
pub fn user_view(conn: &mut DbConn, user: users::UserRow) -> AppResult<UserView> {
    let organization = organizations::find(conn, user.organization_id)?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user without organization")))?;
    user_view_with(user, organization)
}

/// The user's view from rows already loaded.
pub fn user_view_with(
    user: users::UserRow,
    organization: organizations::OrganizationRow,
) -> AppResult<UserView> {
    Ok(UserView {
        id: user.id,
        role: Role::parse(&user.role)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown role {}", user.role)))?,
        email: user.email,
        display_name: user.display_name,
        disabled: user.disabled,
        version: user.lock_version,
        organization: organization.into(),
    })
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
