//! The one error type of Seika's use cases: what a request or command can fail with, in terms
//! a user can act on. It knows no HTTP; `api::error` renders it as problem+json.

pub use seika_core::message::Msg;
use seika_core::msg;
use seika_db::PoolError;

/// One offending field of a rejected request and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field, e.g. `metrics[0].target`; `""` for the whole body.
    pub field: String,
    /// What was wrong and what was expected, with its code, in both languages.
    pub message: Msg,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<Msg>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything a request can fail with. Handlers return `Result<_, AppError>`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    /// A path parameter that cannot be what the endpoint expects (400, naming it).
    #[error("invalid path parameter {field}: expected {message}")]
    BadRequestField { field: String, message: Msg },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(Msg),
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{detail}")]
    TooManyRequests { detail: Msg, retry_after_secs: u64 },
    #[error("{0}")]
    ServiceUnavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<Msg>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    /// Problems found in an input (a file, the terms), each named where it is.
    pub fn issues(issues: Vec<seika_core::contract::Issue>) -> Self {
        AppError::Validation(
            issues
                .into_iter()
                .map(|i| FieldError::new(i.path, i.message))
                .collect(),
        )
    }

    pub fn not_found(what: &str) -> Self {
        AppError::NotFound(format!("{what} not found"))
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound("not found".into()),
            e if seika_db::is_unique_violation(&e) => AppError::Conflict(msg!(
                "conflict.unique",
                "a record with the same unique key exists already",
                "同じ内容の記録が既にあります"
            )),
            e => AppError::Internal(e.into()),
        }
    }
}

impl From<PoolError> for AppError {
    fn from(e: PoolError) -> Self {
        AppError::ServiceUnavailable(e.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;
