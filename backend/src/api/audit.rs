//! `/audit`: the audit log and its chain check, for platform admins. Thin handlers over
//! [`seika_service::audit`].

use axum::Json;
use axum::extract::State;
use seika_core::msg;

use super::AppState;
use super::error::{AppError, AppResult};
use super::extract::ApiQuery;
use super::pagination::{Page, PageParams};
use super::session::AuthUser;
use seika_service::audit::{self, AuditEntryView, AuditFilter, ChainReport};

/// Which entries to list, and which page of them.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// An action, or the start of one (`claim.` lists every claim action).
    pub action: Option<String>,
    /// The kind of record (`project`, `claim`, `outcome_result`, …).
    pub entity: Option<String>,
    /// One record of that kind.
    pub entity_id: Option<String>,
    /// The person who acted (their user id).
    pub actor: Option<i64>,
    /// Entries on or after this day.
    pub from: Option<chrono::NaiveDate>,
    /// Entries on or before this day.
    pub to: Option<chrono::NaiveDate>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Newest entries first, filtered.
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<AuditQuery>,
) -> AppResult<Json<Page<AuditEntryView>>> {
    let window = PageParams {
        page: params.page,
        per_page: params.per_page,
    }
    .limit_offset()?;
    if let (Some(from), Some(to)) = (params.from, params.to)
        && from > to
    {
        return Err(AppError::validation(
            "to",
            msg!(
                "audit.to_before_from",
                "a day on or after `from`",
                "`from` 以降の日付"
            ),
        )
        .into());
    }
    let blank = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let filter = AuditFilter {
        action: blank(params.action),
        entity: blank(params.entity),
        entity_id: blank(params.entity_id),
        actor_user_id: params.actor,
        since: params.from.map(|d| d.and_time(chrono::NaiveTime::MIN)),
        until: params
            .to
            .and_then(|d| d.succ_opt())
            .map(|d| d.and_time(chrono::NaiveTime::MIN)),
    };
    let (items, total) = auth
        .run(&state.db, move |conn, actor| {
            audit::page(conn, actor, &filter, window.0, window.1)
        })
        .await?;
    Ok(Json(Page::new(items, window, total)))
}

/// Re-checks the whole chain and names the first broken link, if any.
pub async fn verify(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<ChainReport>> {
    auth.run(&state.db, audit::verify).await.map(Json)
}
