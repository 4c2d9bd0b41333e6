//! Axum: the router, shared state, extractors, errors and the handlers of `/api/v1`.

pub mod audit;
pub mod auth;
pub mod batches;
pub mod error;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod organizations;
pub mod outcomes;
pub mod pagination;
pub mod payout_runs;
pub mod projects;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::db::Db;
use error::AppError;

/// Settings the HTTP layer needs at run time.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Lifetime of issued access tokens.
    pub token_ttl: Duration,
    /// Largest accepted CSV import in bytes.
    pub max_import_bytes: usize,
    /// Aggregates over fewer participants than this are suppressed for readers of aggregates.
    pub min_aggregate_participants: i64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 1024 * 1024,
            token_ttl: Duration::from_secs(3600),
            max_import_bytes: 64 * 1024 * 1024,
            min_aggregate_participants: 10,
        }
    }
}

/// Shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<HttpConfig>,
    pub keys: Arc<auth::AuthKeys>,
}

impl AppState {
    pub fn new(db: Db, config: HttpConfig, keys: auth::AuthKeys) -> Self {
        AppState {
            db,
            config: Arc::new(config),
            keys: Arc::new(keys),
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route of Seika: the JSON API under `/api/v1` and the web frontend at `/`.
pub fn router(state: AppState) -> Router {
    let max_import = state.config.max_import_bytes;
    let api = Router::new()
        .route("/health", get(health::health))
        .route("/schemas/{name}", get(schema))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/password", post(auth::change_password))
        .route(
            "/organizations",
            get(organizations::list).post(organizations::create),
        )
        .route(
            "/organizations/{id}",
            get(organizations::get).patch(organizations::update),
        )
        .route("/audit", get(audit::list))
        .route("/audit/verify", get(audit::verify))
        .route("/projects", get(projects::list).post(projects::create))
        .route(
            "/projects/{id}",
            get(projects::get).put(projects::update_draft),
        )
        .route("/projects/{id}/status", post(projects::change_status))
        .route("/projects/{id}/amendments", post(projects::amend))
        .route("/projects/{id}/versions", get(projects::versions))
        .route(
            "/projects/{id}/outcome-results",
            get(outcomes::list).post(outcomes::create),
        )
        .route(
            "/projects/{id}/outcome-results/{rid}/submit",
            post(outcomes::submit),
        )
        .route(
            "/projects/{id}/outcome-results/{rid}/verify",
            post(outcomes::verify),
        )
        .route(
            "/projects/{id}/outcome-results/{rid}/reject",
            post(outcomes::reject),
        )
        .route(
            "/projects/{id}/outcome-results/{rid}/history",
            get(outcomes::history),
        )
        .route(
            "/projects/{id}/payout-runs",
            get(payout_runs::list).post(payout_runs::create),
        )
        .route("/projects/{id}/payout-runs/{rid}", get(payout_runs::get))
        .route(
            "/projects/{id}/outcome-batches",
            get(batches::list)
                .post(batches::import)
                .layer(DefaultBodyLimit::max(max_import)),
        )
        .route(
            "/projects/{id}/outcome-batches/{rid}/records",
            get(batches::records),
        )
        .route(
            "/projects/{id}/outcome-batches/{rid}/submit",
            post(batches::submit),
        )
        .route(
            "/projects/{id}/outcome-batches/{rid}/verify",
            post(batches::verify),
        )
        .route(
            "/projects/{id}/outcome-batches/{rid}/reject",
            post(batches::reject),
        )
        .route("/projects/{id}/outcome-summary", get(batches::summary))
        .route(
            "/projects/{id}/payout-runs/{rid}/reproduce",
            post(payout_runs::rerun),
        )
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(users::get).patch(users::update))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed);

    let max_body = state.config.max_body_bytes;
    Router::new()
        .nest("/api/v1", api)
        .merge(crate::web::routes())
        .layer(DefaultBodyLimit::max(max_body))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request<_>| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                        tracing::info_span!("request", id, method = %req.method(), uri = %req.uri())
                    })
                    .on_response(DefaultOnResponse::new().level(Level::INFO)))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        )
        .with_state(state)
}

async fn api_not_found() -> AppError {
    AppError::NotFound("no such API endpoint; see /api/v1/openapi.json".into())
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed("this endpoint does not accept that HTTP method".into())
}

/// `GET /api/v1/schemas/{name}.json`: the JSON Schema of the contract, outcomes or statement format.
async fn schema(
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    let base = name.strip_suffix(".json").unwrap_or(&name);
    crate::engine::json_schema(base)
        .map(axum::Json)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no schema `{base}`: try contract.json, outcomes.json or statement.json"
            ))
        })
}
