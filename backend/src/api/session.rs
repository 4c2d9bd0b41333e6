//! Sessions: token signing keys (configured or a key file, never the database), issuing and
//! checking access tokens, and the `AuthUser` extractor every authenticated handler takes.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use seika_core::msg;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, AppError, AppResult};
use seika_core::access::Actor;
use seika_core::user::Role;
use seika_db::{self as db, users};
use seika_service::accounts;
use seika_service::error::AppResult as ServiceResult;

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
    if let Some(why) = guessable(secret) {
        anyhow::bail!(
            "{name} is guessable ({why}): use 32 or more random characters, e.g. the output of \
             `head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'`"
        );
    }
    Ok(secret.as_bytes().to_vec())
}

/// Why a signing secret of sufficient length is still guessable, if it is: a placeholder left
/// in, a short piece repeated, or too few different characters for its length to count.
pub fn guessable(secret: &str) -> Option<&'static str> {
    let lower = secret.to_lowercase();
    const PLACEHOLDERS: [&str; 5] = [
        "changeme",
        "change-me",
        "change_me",
        "your-secret",
        "xxxxxxxx",
    ];
    if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return Some("a placeholder");
    }
    let chars: Vec<char> = secret.chars().collect();
    let repeats = (1..=chars.len() / 2).any(|period| {
        chars
            .iter()
            .enumerate()
            .skip(period)
            .all(|(i, c)| *c == chars[i - period])
    });
    if repeats {
        return Some("a shorter piece repeated");
    }
    let distinct: std::collections::BTreeSet<char> = chars.iter().copied().collect();
    (distinct.len() < 10).then_some("fewer than 10 different characters")
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
pub fn decode_token(keys: &AuthKeys, token: &str) -> Result<Claims, ApiError> {
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
    Err(AppError::Unauthorized(msg!(
        "auth.token_invalid",
        "the access token is invalid or expired; log in again",
        "ログイン情報が無効か期限切れです。もう一度ログインしてください"
    ))
    .into())
}

/// The caller of a request, by a token whose signature and expiry were checked. Whether the user
/// still exists, is enabled, has not changed password since and did not log this token out is
/// checked by [`AuthUser::run`], on the same pooled connection as the request's own work: one
/// hand-off to the blocking pool and one checkout per request. The actor exists only there.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub claims: Claims,
    user_id: i64,
}

impl AuthUser {
    /// Runs `f` on a pooled connection as the caller, after checking the session on that same
    /// connection (401 when it is no longer valid).
    pub async fn run<T, F>(self, pool: &db::Db, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut db::DbConn, &Actor) -> ServiceResult<T> + Send + 'static,
    {
        let AuthUser { claims, user_id } = self;
        pool.run(move |conn| {
            let actor = accounts::session_actor(conn, user_id, &claims.jti, claims.tgen)?;
            f(conn, &actor)
        })
        .await
        .map_err(ApiError)
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                AppError::Unauthorized(msg!(
                    "auth.missing",
                    "log in first: send `Authorization: Bearer <token>`",
                    "先にログインしてください（`Authorization: Bearer <token>` を送ってください）"
                ))
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| {
                AppError::Unauthorized(msg!(
                    "auth.not_bearer",
                    "expected a Bearer token",
                    "Bearer トークンを送ってください"
                ))
            })?;
        let claims = decode_token(&state.keys, token.trim())?;
        let user_id: i64 = claims.sub.parse().map_err(|_| {
            AppError::Unauthorized(msg!(
                "auth.token_unreadable",
                "the access token is invalid",
                "ログイン情報が無効です。もう一度ログインしてください"
            ))
        })?;
        Ok(AuthUser { claims, user_id })
    }
}
