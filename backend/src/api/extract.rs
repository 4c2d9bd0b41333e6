//! Extractors whose rejections use Seika's problem+json format.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::{AppError, FieldError};

/// A JSON body: requires a JSON content type, refuses unknown fields (where the type says so),
/// and reports wrong types or missing fields as 422 naming the field.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !is_json(content_type) {
            return Err(AppError::UnsupportedMediaType(format!(
                "expected a body with content type application/json, got `{}`",
                if content_type.is_empty() {
                    "none"
                } else {
                    content_type
                }
            )));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge(
                    "the request body is larger than this endpoint accepts".into(),
                )
            } else {
                AppError::BadRequest(rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses JSON with the failing field's path; syntax errors are 400, data errors 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                AppError::Validation(vec![field_error(&path, &inner)])
            }
            _ => AppError::BadRequest(format!("malformed JSON: {inner}")),
        }
    })?;
    de.end()
        .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// Turns serde's message into a field and an expectation, naming missing and unknown fields.
fn field_error(path: &str, error: &serde_json::Error) -> FieldError {
    let full = error.to_string();
    let message = match full.rfind(" at line ") {
        Some(at) => &full[..at],
        None => full.as_str(),
    };
    let base = if path == "." { "" } else { path };
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    let field = match named {
        Some(name) if base.is_empty() => name.to_owned(),
        Some(name) => format!("{base}.{name}"),
        None => base.to_owned(),
    };
    FieldError::new(field, message)
}

/// The `If-Match` header as a version number, if given (`"3"` or `W/"3"` or `3`).
pub struct IfMatch(pub Option<i32>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let Some(raw) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = raw.to_str().unwrap_or("");
        let trimmed = text.trim().trim_start_matches("W/").trim_matches('"');
        trimmed.parse().map(|v| IfMatch(Some(v))).map_err(|_| {
            AppError::validation(
                "If-Match",
                format!("expected the ETag from a previous response such as \"3\", got `{text}`"),
            )
        })
    }
}
