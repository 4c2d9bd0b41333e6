//! The `Idempotency-Key` header. What a key does (the same request returns the first answer, a
//! different one 409) is `service::idempotency`, stored in the database with the creation.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use seika_core::msg;

use super::error::{ApiError, AppError};

pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(raw) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let key = raw.to_str().unwrap_or("").trim();
        if key.is_empty() || key.len() > 255 {
            return Err(AppError::validation(
                "Idempotency-Key",
                msg!(
                    "header.idempotency_key",
                    "a key of 1 to 255 visible characters",
                    "1〜255 文字の表示可能な文字によるキー"
                ),
            )
            .into());
        }
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}
