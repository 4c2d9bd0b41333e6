//! `/work`: what waits for the signed-in person. A thin handler over [`seika_service::work`].

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::error::AppResult;
use super::extract::ApiQuery;
use super::session::AuthUser;
use seika_service::downloads::{self, DownloadParams};
use seika_service::work::{self, WorkFilter, WorkView};

pub async fn waiting(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(only): ApiQuery<WorkFilter>,
) -> AppResult<Json<WorkView>> {
    auth.run(&state.db, move |conn, actor| {
        work::waiting(conn, actor, &only)
    })
    .await
    .map(Json)
}

/// A JSON answer already serialized.
fn json_bytes(bytes: &std::sync::Arc<Vec<u8>>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes.as_ref().clone(),
    )
        .into_response()
}

/// The reader's organization's investments across every project, with totals per currency.
pub async fn investor_dashboard(
    State(state): State<AppState>,
    auth: AuthUser,
) -> AppResult<axum::response::Response> {
    let cache = state.dashboards.clone();
    let bytes = auth
        .run(&state.db, move |conn, actor| {
            cache.json(conn, actor, "investor", seika_service::dashboards::investor)
        })
        .await?;
    Ok(json_bytes(&bytes))
}

/// The projects the reader's organization owns or pays outcomes on: what it may owe, when and
/// from which budget, and what waits; totals per currency.
pub async fn government_dashboard(
    State(state): State<AppState>,
    auth: AuthUser,
) -> AppResult<axum::response::Response> {
    let cache = state.dashboards.clone();
    let bytes = auth
        .run(&state.db, move |conn, actor| {
            cache.json(
                conn,
                actor,
                "government",
                seika_service::dashboards::government,
            )
        })
        .await?;
    Ok(json_bytes(&bytes))
}

/// The projects the reader's organization delivers: outcomes and payments, no investor positions.
pub async fn provider_dashboard(
    State(state): State<AppState>,
    auth: AuthUser,
) -> AppResult<axum::response::Response> {
    let cache = state.dashboards.clone();
    let bytes = auth
        .run(&state.db, move |conn, actor| {
            cache.json(conn, actor, "provider", seika_service::dashboards::provider)
        })
        .await?;
    Ok(json_bytes(&bytes))
}

/// The investor dashboard as CSV (UTF-8 or Shift_JIS) or XLSX.
pub async fn investor_dashboard_download(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<DownloadParams>,
) -> AppResult<axum::response::Response> {
    let file = auth
        .run(&state.db, move |conn, actor| {
            downloads::investor_dashboard(conn, actor, &params)
        })
        .await?;
    Ok(super::download(file))
}

/// The government dashboard as CSV (UTF-8 or Shift_JIS) or XLSX.
pub async fn government_dashboard_download(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<DownloadParams>,
) -> AppResult<axum::response::Response> {
    let file = auth
        .run(&state.db, move |conn, actor| {
            downloads::government_dashboard(conn, actor, &params)
        })
        .await?;
    Ok(super::download(file))
}

/// Every contract of the organization by fiscal year, with the years' totals (government staff).
pub async fn fiscal_years(
    State(state): State<AppState>,
    auth: AuthUser,
) -> AppResult<Json<seika_service::fiscal_years::FiscalYearsView>> {
    auth.run(&state.db, seika_service::fiscal_years::view)
        .await
        .map(Json)
}

/// The fiscal-year view as CSV (UTF-8 or Shift_JIS) or XLSX, a 令和○年度 column on request.
pub async fn fiscal_years_download(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<DownloadParams>,
) -> AppResult<axum::response::Response> {
    let file = auth
        .run(&state.db, move |conn, actor| {
            downloads::fiscal_years(conn, actor, &params)
        })
        .await?;
    Ok(super::download(file))
}
