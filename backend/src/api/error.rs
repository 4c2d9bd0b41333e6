//! The one error type of the HTTP API, rendered as RFC 9457 `application/problem+json`.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use seika_core::contract::Issues;
use seika_core::message::Lang;
pub use seika_service::error::{AppError, FieldError, Thing};

/// A use case's error as the HTTP API answers it. `AppError` belongs to `seika-service`, which
/// knows nothing of HTTP; this wrapper is where it meets axum (`IntoResponse`), and `?` turns any
/// `AppError` (or what converts into one) into it.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// What a handler or an extractor returns.
pub type AppResult<T> = Result<T, ApiError>;

tokio::task_local! {
    /// The language the request being answered asked for.
    static LANG: Lang;
}

/// Middleware: answers the request in the language its `Accept-Language` prefers (English or
/// Japanese; English by default), so that problems are rendered in it.
pub async fn scope_language(request: Request, next: Next) -> Response {
    let lang = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::En, Lang::from_accept_language);
    LANG.scope(lang, next.run(request)).await
}

/// The language of the request being answered (English outside a request).
pub fn language() -> Lang {
    LANG.try_with(|lang| *lang).unwrap_or_default()
}

/// The HTTP status and problem type of each kind of use-case error.
trait Http {
    fn status(&self) -> StatusCode;
    fn slug(&self) -> &'static str;
}

impl Http for AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) | AppError::BadRequestField { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem type: a stable slug clients can switch on, documented in docs/API.md.
    fn slug(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad-request",
            AppError::BadRequestField { .. } => "invalid-parameter",
            AppError::Validation(_) => "validation-failed",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not-found",
            AppError::MethodNotAllowed(_) => "method-not-allowed",
            AppError::Conflict(_) => "conflict",
            AppError::PreconditionRequired(_) => "precondition-required",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::PayloadTooLarge(_) => "payload-too-large",
            AppError::TooManyRequests { .. } => "too-many-requests",
            AppError::ServiceUnavailable(_) => "service-unavailable",
            AppError::Internal(_) => "internal-error",
        }
    }
}

/// One offending field of a rejected request, as the client reads it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ProblemField {
    /// JSON path of the field, e.g. `metrics[0].target`, or a place in a file (`row 3, column
    /// value`), in English and stable; `""` for the whole body.
    pub field: String,
    /// The same place as a reader of the request's language finds it (`3 行目、列 value`); a
    /// JSON path reads the same in both languages.
    pub place: String,
    /// A stable code for what was wrong (`text.length`), for clients to switch on.
    pub code: String,
    /// What was wrong and what was expected, in the request's language (`Accept-Language`:
    /// Japanese or English).
    pub message: String,
}

impl ProblemField {
    fn of(e: &FieldError, lang: Lang) -> Self {
        ProblemField {
            field: e.field.en.clone(),
            place: e.field.text(lang).to_owned(),
            code: e.message.code.to_owned(),
            message: e.message.text(lang).to_owned(),
        }
    }
}

/// The RFC 9457 body.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in the request's language (`Accept-Language`: Japanese or English).
    pub detail: String,
    /// A stable code for `detail` (`access.project_role`, `not_found.project`), the same in
    /// both languages, for clients to switch on.
    pub code: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// A problem lists at most [`Issues::REPORTED`] fields, then how many more were found (a list
/// bounded where it was found already ends so, one longer).
fn bound(errors: &mut Vec<FieldError>) {
    if errors.len() > Issues::REPORTED + 1 {
        let more = errors.len() - Issues::REPORTED;
        errors.truncate(Issues::REPORTED);
        errors.push(FieldError::new("", Issues::more(more)));
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError(mut error) = self;
        if let AppError::Validation(errors) = &mut error {
            bound(errors);
        }
        let status = error.status();
        let lang = language();
        match &error {
            AppError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            AppError::ServiceUnavailable(cause) => tracing::warn!(%cause, "service unavailable"),
            _ => {}
        }
        let message = error.message();
        let detail = match &error {
            AppError::Validation(errors) => {
                let fields: Vec<_> = errors
                    .iter()
                    .map(|e| {
                        let text = e.message.text(lang);
                        if e.field.is_empty() {
                            text.to_owned()
                        } else {
                            format!("{}: {text}", e.field.text(lang))
                        }
                    })
                    .collect();
                format!("{} {}", message.text(lang), fields.join("; "))
            }
            _ => message.text(lang).to_owned(),
        };
        let errors = match error {
            AppError::Validation(ref errors) => {
                errors.iter().map(|e| ProblemField::of(e, lang)).collect()
            }
            AppError::BadRequestField {
                ref field,
                ref message,
            } => vec![ProblemField::of(
                &FieldError::new(field.clone(), message.clone()),
                lang,
            )],
            _ => Vec::new(),
        };
        let body = Problem {
            problem_type: format!("/problems/{}", error.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: message.code.to_owned(),
            errors,
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let AppError::TooManyRequests {
            retry_after_secs, ..
        } = error
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
