//! `/audit`: the audit log and its chain check, for platform admins.

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::error::{AppError, AppResult};
use super::extract::ApiQuery;
use super::pagination::{Page, PageParams};
use super::session::AuthUser;
use crate::db::audit::{self, AuditRow, ChainReport};
use crate::domain::access::can_administer_platform;

fn require_admin(auth: &AuthUser) -> AppResult<()> {
    if can_administer_platform(&auth.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only platform admins read the audit log".into(),
        ))
    }
}

/// Newest entries first.
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<PageParams>,
) -> AppResult<Json<Page<AuditRow>>> {
    require_admin(&auth)?;
    let window = params.limit_offset()?;
    state
        .db
        .run(move |conn| {
            let rows = audit::page(conn, window.0, window.1)?;
            let total = audit::count(conn)?;
            Ok(Json(Page::new(rows, window, total)))
        })
        .await
}

/// Re-checks the whole chain and names the first broken link, if any.
pub async fn verify(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<ChainReport>> {
    require_admin(&auth)?;
    state
        .db
        .run(|conn| Ok(Json(audit::verify_chain(conn)?)))
        .await
}
