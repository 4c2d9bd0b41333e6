//! `/work`: what waits for the signed-in person. A thin handler over [`crate::service::work`].

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::error::AppResult;
use super::session::AuthUser;
use crate::service::work::{self, WorkView};

pub async fn waiting(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<WorkView>> {
    state
        .db
        .run(move |conn| work::waiting(conn, &auth.actor))
        .await
        .map(Json)
}
