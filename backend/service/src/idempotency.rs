//! `Idempotency-Key` on creating use cases: the same key with the same request returns the first
//! answer; with a different request, 409. Stored in the database inside the creating transaction,
//! so retries across server instances are safe too.

use seika_core::msg;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use seika_db::{DbConn, idempotency};

/// The fingerprint of a request, to tell a retry from a different request under the same key.
pub fn request_hash(body: &impl Serialize) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(body).unwrap_or_default()))
}

/// Runs `create` once per (user, key): a replay with the same request returns the stored answer.
/// Call inside the write transaction of the creation, so the answer and the record commit together.
pub fn once<T: Serialize + DeserializeOwned>(
    conn: &mut DbConn,
    user_id: i64,
    key: Option<&str>,
    request_sha256: &str,
    create: impl FnOnce(&mut DbConn) -> AppResult<T>,
) -> AppResult<T> {
    let Some(key) = key else {
        return create(conn);
    };
    if let Some((hash, _status, body)) = idempotency::find(conn, user_id, key)? {
        if hash != request_sha256 {
            return Err(AppError::Conflict(msg!(
                "idempotency.key_reused",
                "this Idempotency-Key was used for a different request",
                "この Idempotency-Key は別の要求に使われています"
            )));
        }
        return serde_json::from_str(&body).map_err(|e| AppError::Internal(e.into()));
    }
    let answer = create(conn)?;
    let body = serde_json::to_string(&answer).map_err(|e| AppError::Internal(e.into()))?;
    idempotency::insert(conn, user_id, key, request_sha256, 201, &body)?;
    Ok(answer)
}
