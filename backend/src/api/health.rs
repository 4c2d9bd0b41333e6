//! `GET /api/v1/health`: the process is up and the database answers.

use axum::Json;
use axum::extract::State;
use diesel::connection::SimpleConnection;
use serde::Serialize;

use super::AppState;
use super::error::{AppError, AppResult};

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
    pub version: &'static str,
}

pub async fn health(State(state): State<AppState>) -> AppResult<Json<Health>> {
    let backend = state.db.backend().name();
    state
        .db
        .run(|conn| {
            conn.batch_execute("SELECT 1")
                .map_err(|e| AppError::ServiceUnavailable(e.to_string()))
        })
        .await?;
    Ok(Json(Health {
        status: "ok",
        database: backend,
        version: env!("CARGO_PKG_VERSION"),
    }))
}
