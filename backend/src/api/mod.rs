//! Axum: the router, shared state, extractors, errors and the handlers of `/api/v1`.

pub mod audit;
pub mod auth;
pub mod batches;
pub mod budgets;
pub mod claims;
pub mod contracts;
pub mod endpoints;
pub mod error;
pub mod evidence;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod jobs;
pub mod openapi;
pub mod organizations;
pub mod outcomes;
pub mod pagination;
pub mod payout_runs;
pub mod projects;
pub mod publication;
pub mod queued;
pub mod session;
pub mod users;
pub mod work;

use seika_core::msg;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::response::IntoResponse;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use error::{ApiError, AppError, Thing};
use openapi::Endpoint;
use seika_db::Db;

/// Settings the HTTP layer needs at run time.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Lifetime of issued access tokens.
    pub token_ttl: Duration,
    /// Largest accepted CSV import in bytes.
    pub max_import_bytes: usize,
    /// Imports of participant records larger than this run as jobs (202 with the job); smaller
    /// ones are stored before the answer (201).
    pub import_job_bytes: usize,
    /// Largest accepted evidence file in bytes.
    pub max_evidence_bytes: usize,
    /// Aggregates over fewer participants than this are suppressed for readers of aggregates.
    pub min_aggregate_participants: i64,
    /// Reverse proxies whose `X-Forwarded-For` names the client (login throttling per client).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Bounds on uploaded tables and workbooks (rows, columns, cells, unpacked size).
    pub sheet_limits: seika_formats::sheet::SheetLimits,
    /// Time a request body may go without sending anything before its request ends (400).
    pub body_read_timeout: Duration,
    /// Unfinished jobs one person and one organization may have (more: 429).
    pub job_limits: seika_service::jobs::QueueLimits,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 1024 * 1024,
            token_ttl: Duration::from_secs(3600),
            max_import_bytes: 64 * 1024 * 1024,
            import_job_bytes: 4 * 1024 * 1024,
            max_evidence_bytes: 16 * 1024 * 1024,
            min_aggregate_participants: 10,
            trusted_proxies: Vec::new(),
            sheet_limits: seika_formats::sheet::SheetLimits::default(),
            body_read_timeout: Duration::from_secs(30),
            job_limits: seika_service::jobs::QueueLimits::default(),
        }
    }
}

/// Shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<HttpConfig>,
    pub keys: Arc<session::AuthKeys>,
    /// Bounds concurrent Argon2 hashing (about 19 MiB each) to the number of cores.
    pub password_hashing: Arc<tokio::sync::Semaphore>,
    /// Argon2 working memory reused across logins (one buffer per permit above).
    pub password_memory: Arc<seika_core::password::VerifierMemory>,
    /// Dashboards as last computed, served again while nothing changed.
    pub dashboards: Arc<seika_service::dashboards::DashboardCache>,
    /// Wakes this instance's job workers when a job is queued here.
    pub job_wakeup: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn new(db: Db, config: HttpConfig, keys: session::AuthKeys) -> Self {
        AppState {
            db,
            config: Arc::new(config),
            keys: Arc::new(keys),
            password_hashing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            )),
            password_memory: Arc::default(),
            dashboards: Arc::default(),
            job_wakeup: Arc::default(),
        }
    }
}

/// The `ETag` header for a record's version, as `If-Match` expects it back.
pub fn etag(version: i32) -> axum::http::HeaderMap {
    let mut headers = axum::http::HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, value);
    }
    headers
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A file as an attachment: its media type and its name (RFC 5987, so Japanese names survive).
pub fn download(file: seika_service::Download) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&file.media_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let encoded: String = file
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// What a table download may be.
pub(crate) const DOWNLOAD_TYPES: [&str; 3] = [
    "text/csv; charset=utf-8",
    "text/csv; charset=Shift_JIS",
    seika_formats::sheet::XLSX_MEDIA_TYPE,
];

/// Every endpoint of `/api/v1`, with its documentation. The router and the OpenAPI document are
/// both built from this one table, kept by capability in `api/endpoints/`.
pub fn endpoints(config: &HttpConfig) -> Vec<Endpoint> {
    endpoints::all(config)
}

/// Every route of Seika: the JSON API under `/api/v1` and the web frontend at `/`.
pub fn router(state: AppState) -> Router {
    let mut api = Router::new();
    for endpoint in endpoints(&state.config) {
        api = api.route(endpoint.path, endpoint.handler);
    }
    let api = api
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // API answers are personal (tokens, projects, positions): never stored by a cache.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    with_layers(
        Router::new()
            .nest("/api/v1", api)
            .merge(crate::web::routes()),
        state,
    )
}

/// The layers every route runs under: body limit, panic catcher, request id, tracing and the
/// security headers. Public so tests can run extra routes under exactly these layers.
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    routes
        .layer(axum::middleware::from_fn(extract::refuse_nul))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            state.config.body_read_timeout,
        ))
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
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(axum::middleware::from_fn(error::scope_language)),
        )
        .with_state(state)
}

/// A handler that panicked: logged with the request's span, answered as a 500 problem. The
/// database connection it held is discarded by the pool (see `db::ConnectionManager`).
fn panic_response(cause: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    ApiError(AppError::Internal(anyhow::anyhow!(
        "handler panicked: {message}"
    )))
    .into_response()
}

async fn openapi_json(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::Json<serde_json::Value> {
    axum::Json(openapi::document(&endpoints(&state.config)))
}

async fn api_not_found() -> ApiError {
    AppError::not_found(Thing::Endpoint).into()
}

async fn method_not_allowed() -> ApiError {
    AppError::MethodNotAllowed(msg!(
        "request.method",
        "this endpoint does not accept that HTTP method",
        "この API はその HTTP メソッドを受け付けません"
    ))
    .into()
}

/// `GET /api/v1/schemas/{name}.json`: the JSON Schema of the contract, outcomes or statement format.
async fn schema(
    extract::ApiPath(name): extract::ApiPath<String>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let base = name.strip_suffix(".json").unwrap_or(&name);
    seika_engine::json_schema(base)
        .map(axum::Json)
        .ok_or_else(|| AppError::not_found(Thing::Schema))
        .map_err(ApiError)
}
