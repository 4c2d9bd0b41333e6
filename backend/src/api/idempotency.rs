//! `Idempotency-Key` on creating requests: the same key with the same body returns the first
//! answer; with a different body, 409. Stored in the database, so retries across instances are
//! safe too.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use super::error::{AppError, AppResult};
use crate::db::{DbConn, idempotency};

pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let Some(raw) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let key = raw.to_str().unwrap_or("").trim();
        if key.is_empty() || key.len() > 255 {
            return Err(AppError::validation(
                "Idempotency-Key",
                "a key of 1 to 255 visible characters",
            ));
        }
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}

pub fn request_hash(body: &impl serde::Serialize) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(body).unwrap_or_default()))
}

/// Runs `create` once per (user, key): a replay with the same request returns the stored answer.
/// Call inside the write transaction of the creation, so the answer and the record commit together.
pub fn once(
    conn: &mut DbConn,
    user_id: i64,
    key: Option<&str>,
    request_sha256: &str,
    create: impl FnOnce(&mut DbConn) -> AppResult<(StatusCode, serde_json::Value)>,
) -> AppResult<(StatusCode, serde_json::Value)> {
    let Some(key) = key else {
        return create(conn);
    };
    if let Some((hash, status, body)) = idempotency::find(conn, user_id, key)? {
        if hash != request_sha256 {
            return Err(AppError::Conflict(
                "this Idempotency-Key was used for a different request".into(),
            ));
        }
        let status =
            StatusCode::from_u16(u16::try_from(status).unwrap_or(200)).unwrap_or(StatusCode::OK);
        let body = serde_json::from_str(&body).map_err(|e| AppError::Internal(e.into()))?;
        return Ok((status, body));
    }
    let (status, body) = create(conn)?;
    idempotency::insert(
        conn,
        user_id,
        key,
        request_sha256,
        i32::from(status.as_u16()),
        &body.to_string(),
    )?;
    Ok((status, body))
}
