//! The use cases of Seika as plain functions over a database connection and an actor: no axum,
//! no HTTP. Handlers extract a request, call one service function and map its answer to a
//! response; the command line and the demo loader call the same functions.
//!
//! Services check authorization (through `domain::access`), validate, run their writes in one
//! transaction with an audit entry, and return typed views.

pub mod accounts;
pub mod audit;
pub mod batches;
pub mod budgets;
pub mod claims;
pub mod contracts;
pub mod dashboards;
pub mod distributions;
pub mod downloads;
pub mod error;
pub mod evidence;
pub mod fiscal_years;
pub mod idempotency;
pub mod jobs;
pub mod organizations;
pub mod outcomes;
pub mod payout_runs;
pub mod privacy;
pub mod projects;
pub mod publication;
pub mod review;
pub mod samples;
pub mod simulations;
pub mod users;
pub mod work;

/// An engine error as a validation problem naming each field: under `terms.` for the contract,
/// under `data_prefix` for the outcome data.
pub(crate) fn engine_problem(e: seika_engine::EngineError, data_prefix: &str) -> error::AppError {
    use crate::error::{AppError, FieldError};
    let prefix = match e {
        seika_engine::EngineError::Contract(_) => "terms",
        _ => data_prefix,
    };
    let mut errors: Vec<FieldError> = e
        .issues()
        .iter()
        .map(|i| FieldError::new(format!("{prefix}.{}", i.path), i.message.clone()))
        .collect();
    if errors.is_empty() {
        errors.push(FieldError::new(
            "",
            seika_core::msg!(
                "engine.invalid",
                "{e}",
                "契約条件または成果データが正しくありません"
            ),
        ));
    }
    AppError::Validation(errors)
}

/// A value as JSON, for audit entries and stored answers.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> error::AppResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| error::AppError::Internal(e.into()))
}

/// A file to download: its name, media type and bytes.
#[derive(Debug, Clone)]
pub struct Download {
    pub file_name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}
