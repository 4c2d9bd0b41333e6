//! The one error type of Seika's use cases: what a request or command can fail with, in terms
//! a user can act on. It knows no HTTP; `api::error` renders it as problem+json.

pub use seika_core::message::{Msg, Place};
use seika_core::msg;
use seika_db::PoolError;

/// One offending field of a rejected request and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field, e.g. `metrics[0].target`, or a place in a file; empty for the
    /// whole body.
    pub field: Place,
    /// What was wrong and what was expected, with its code, in both languages.
    pub message: Msg,
}

impl FieldError {
    pub fn new(field: impl Into<Place>, message: impl Into<Msg>) -> Self {
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
    BadRequest(Msg),
    /// A path parameter that cannot be what the endpoint expects (400, naming it).
    #[error("invalid path parameter {field}: expected {message}")]
    BadRequestField { field: String, message: Msg },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(Msg),
    #[error("{0}")]
    Forbidden(Msg),
    #[error("{0}")]
    NotFound(Msg),
    #[error("{0}")]
    MethodNotAllowed(Msg),
    #[error("{0}")]
    Conflict(Msg),
    #[error("{0}")]
    PreconditionRequired(Msg),
    #[error("{0}")]
    UnsupportedMediaType(Msg),
    #[error("{0}")]
    PayloadTooLarge(Msg),
    #[error("{detail}")]
    TooManyRequests { detail: Msg, retry_after_secs: u64 },
    /// The database cannot be reached; the cause is logged, never shown.
    #[error("{0}")]
    ServiceUnavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn validation(field: impl Into<Place>, message: impl Into<Msg>) -> Self {
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

    pub fn not_found(what: Thing) -> Self {
        AppError::NotFound(what.not_found())
    }

    /// The message a person reads for this error, in both languages (the causes of internal
    /// and unavailable errors are logged, not shown).
    pub fn message(&self) -> Msg {
        match self {
            AppError::BadRequest(m)
            | AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::MethodNotAllowed(m)
            | AppError::Conflict(m)
            | AppError::PreconditionRequired(m)
            | AppError::UnsupportedMediaType(m)
            | AppError::PayloadTooLarge(m)
            | AppError::TooManyRequests { detail: m, .. } => m.clone(),
            AppError::BadRequestField { field, message } => Msg {
                code: "request.invalid_parameter",
                en: format!("invalid path parameter {field}: expected {}", message.en),
                ja: format!("パスの値 {field} が正しくありません: {}", message.ja),
            },
            AppError::Validation(_) => msg!(
                "request.invalid",
                "The request is invalid.",
                "入力に誤りがあります。"
            ),
            AppError::ServiceUnavailable(_) => msg!(
                "service.unavailable",
                "The database is unavailable; try again shortly.",
                "データベースに接続できません。しばらくしてからもう一度お試しください。"
            ),
            AppError::Internal(_) => msg!(
                "server.internal",
                "An internal error occurred. It has been logged; quote the x-request-id header \
                 when reporting it.",
                "内部エラーが発生しました。記録されています。問い合わせの際は x-request-id ヘッダーの値をお知らせください。"
            ),
        }
    }
}

/// Something a request named that is not there (or not open to the person asking), named in
/// both languages by what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    Project,
    PublicProject,
    Batch,
    Result,
    Claim,
    Evidence,
    Invitation,
    Job,
    Organization,
    PayoutRun,
    Record,
    Sample,
    SampledRecord,
    TermsVersion,
    User,
    Endpoint,
    Schema,
    /// A row the database did not find where the code expected one.
    Row,
}

impl Thing {
    /// What it is called, in English and Japanese.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Thing::Project | Thing::PublicProject => ("project", "事業"),
            Thing::Batch => ("outcome batch", "成果データの取込"),
            Thing::Result => ("outcome result", "成果の記録"),
            Thing::Claim => ("claim", "請求"),
            Thing::Evidence => ("evidence file", "根拠資料"),
            Thing::Invitation => ("invitation", "招待"),
            Thing::Job => ("job", "ジョブ"),
            Thing::Organization => ("organization", "組織"),
            Thing::PayoutRun => ("payout run", "支払額の算定"),
            Thing::Record | Thing::Row => ("record", "記録"),
            Thing::Sample | Thing::SampledRecord => ("sample", "抽出検査"),
            Thing::TermsVersion => ("terms version", "契約条件の版"),
            Thing::User => ("user", "利用者"),
            Thing::Endpoint => ("API endpoint", "API"),
            Thing::Schema => ("schema", "スキーマ"),
        }
    }

    /// "… not found", in both languages.
    pub fn not_found(self) -> Msg {
        match self {
            Thing::Project => msg!(
                "not_found.project",
                "project not found",
                "事業が見つかりません"
            ),
            Thing::PublicProject => msg!(
                "not_found.public_project",
                "no published project with this code",
                "このコードの公開された事業はありません"
            ),
            Thing::Batch => msg!(
                "not_found.batch",
                "outcome batch not found",
                "成果データの取込が見つかりません"
            ),
            Thing::Result => msg!(
                "not_found.result",
                "outcome result not found",
                "成果の記録が見つかりません"
            ),
            Thing::Claim => msg!("not_found.claim", "claim not found", "請求が見つかりません"),
            Thing::Evidence => msg!(
                "not_found.evidence",
                "evidence file not found",
                "根拠資料が見つかりません"
            ),
            Thing::Invitation => msg!(
                "not_found.invitation",
                "invitation not found",
                "招待が見つかりません"
            ),
            Thing::Job => msg!("not_found.job", "job not found", "ジョブが見つかりません"),
            Thing::Organization => msg!(
                "not_found.organization",
                "organization not found",
                "組織が見つかりません"
            ),
            Thing::PayoutRun => msg!(
                "not_found.payout_run",
                "payout run not found",
                "支払額の算定が見つかりません"
            ),
            Thing::Record => msg!(
                "not_found.record",
                "record not found",
                "記録が見つかりません"
            ),
            Thing::Sample => msg!(
                "not_found.sample",
                "sample not found",
                "抽出検査が見つかりません"
            ),
            Thing::SampledRecord => msg!(
                "not_found.sampled_record",
                "this record is not in the sample",
                "この記録は抽出検査の対象ではありません"
            ),
            Thing::TermsVersion => msg!(
                "not_found.terms_version",
                "terms version not found",
                "契約条件の版が見つかりません"
            ),
            Thing::User => msg!("not_found.user", "user not found", "利用者が見つかりません"),
            Thing::Endpoint => msg!(
                "not_found.endpoint",
                "no such API endpoint; see /api/v1/openapi.json",
                "この API はありません。/api/v1/openapi.json をご覧ください"
            ),
            Thing::Schema => msg!(
                "not_found.schema",
                "no such schema: try contract.json, outcomes.json or statement.json",
                "このスキーマはありません: contract.json、outcomes.json、statement.json のいずれかです"
            ),
            Thing::Row => msg!("not_found.row", "not found", "見つかりません"),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::not_found(Thing::Row),
            e if let Some(duty) = seika_db::refused_duty(&e) => AppError::Forbidden(duty.message()),
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
