//! `/audit`: the audit log and its chain check, for platform admins. Thin handlers over
//! [`crate::service::audit`].

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::error::AppResult;
use super::extract::ApiQuery;
use super::pagination::{Page, PageParams};
use super::session::AuthUser;
use crate::service::audit::{self, AuditEntryView, ChainReport};

/// Newest entries first.
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<PageParams>,
) -> AppResult<Json<Page<AuditEntryView>>> {
    let window = params.limit_offset()?;
    let (items, total) = auth
        .run(&state.db, move |conn, actor| {
            audit::page(conn, actor, window.0, window.1)
        })
        .await?;
    Ok(Json(Page::new(items, window, total)))
}

/// Re-checks the whole chain and names the first broken link, if any.
pub async fn verify(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<ChainReport>> {
    auth.run(&state.db, audit::verify).await.map(Json)
}
