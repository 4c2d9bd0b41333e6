//! Axum: the router, shared state, extractors, errors and the handlers of `/api/v1`.

pub mod audit;
pub mod auth;
pub mod batches;
pub mod budgets;
pub mod claims;
pub mod contracts;
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

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::response::IntoResponse;
use axum::routing::{get, patch, post, put};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use error::{ApiError, AppError};
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

/// Every endpoint of `/api/v1`, with its documentation. The router and the OpenAPI document are
/// both built from this one list.
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
const DOWNLOAD_TYPES: [&str; 3] = [
    "text/csv; charset=utf-8",
    "text/csv; charset=Shift_JIS",
    seika_formats::sheet::XLSX_MEDIA_TYPE,
];

pub fn endpoints(config: &HttpConfig) -> Vec<Endpoint> {
    use axum::http::Method as M;
    use openapi::schema as s;
    let max_import = config.max_import_bytes;
    let max_evidence = config.max_evidence_bytes;
    vec![
        Endpoint::new(
            M::GET,
            "/health",
            get(health::health),
            "operations",
            "Process and database health",
        )
        .public()
        .ok(200, s::<health::Health>)
        .errors(&[503]),
        Endpoint::new(
            M::GET,
            "/openapi.json",
            get(openapi_json),
            "operations",
            "This OpenAPI 3.1 document",
        )
        .public(),
        Endpoint::new(
            M::GET,
            "/schemas/{name}",
            get(schema),
            "operations",
            "JSON Schema of the contract, outcomes or statement file format",
        )
        .public()
        .ok(200, s::<serde_json::Value>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/auth/login",
            post(auth::login),
            "auth",
            "Log in with e-mail and password; returns a bearer token",
        )
        .public()
        .json(s::<auth::LoginRequest>)
        .ok(200, s::<auth::LoginResponse>)
        .errors(&[401, 429]),
        Endpoint::new(
            M::POST,
            "/auth/logout",
            post(auth::logout),
            "auth",
            "Revoke the token of this request",
        )
        .no_content(),
        Endpoint::new(
            M::GET,
            "/auth/me",
            get(auth::me),
            "auth",
            "The signed-in user",
        )
        .ok(200, s::<seika_service::users::UserView>),
        Endpoint::new(
            M::POST,
            "/auth/password",
            post(auth::change_password),
            "auth",
            "Change your password; older tokens stop working",
        )
        .json(s::<auth::PasswordChange>)
        .no_content(),
        Endpoint::new(
            M::GET,
            "/organizations",
            get(organizations::list),
            "organizations",
            "List organizations",
        )
        .query(s::<organizations::OrganizationFilter>)
        .ok(200, s::<pagination::Page<seika_service::users::OrganizationRef>>),
        Endpoint::new(
            M::POST,
            "/organizations",
            post(organizations::create),
            "organizations",
            "Create an organization (platform admin)",
        )
        .json(s::<seika_service::organizations::OrganizationInput>)
        .ok(201, s::<seika_service::users::OrganizationRef>)
        .errors(&[403, 409]),
        Endpoint::new(
            M::GET,
            "/organizations/{id}",
            get(organizations::get),
            "organizations",
            "One organization",
        )
        .ok(200, s::<seika_service::users::OrganizationRef>)
        .errors(&[404]),
        Endpoint::new(
            M::PATCH,
            "/organizations/{id}",
            patch(organizations::update),
            "organizations",
            "Rename an organization (platform admin)",
        )
        .json(s::<seika_service::organizations::OrganizationUpdate>)
        .if_match()
        .ok(200, s::<seika_service::users::OrganizationRef>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::GET,
            "/users",
            get(users::list),
            "users",
            "List users (platform admin)",
        )
        .query(s::<users::UserFilter>)
        .ok(200, s::<pagination::Page<seika_service::users::UserView>>)
        .errors(&[403]),
        Endpoint::new(
            M::POST,
            "/users",
            post(users::create),
            "users",
            "Create a user (platform admin)",
        )
        .json(s::<seika_service::users::NewUserInput>)
        .ok(201, s::<seika_service::users::UserView>)
        .errors(&[403]),
        Endpoint::new(
            M::GET,
            "/users/{id}",
            get(users::get),
            "users",
            "One user (platform admin)",
        )
        .ok(200, s::<seika_service::users::UserView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::PATCH,
            "/users/{id}",
            patch(users::update),
            "users",
            "Disable, rename or change the role of a user (platform admin)",
        )
        .json(s::<seika_service::users::UserUpdate>)
        .if_match()
        .ok(200, s::<seika_service::users::UserView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::GET,
            "/audit",
            get(audit::list),
            "audit",
            "The audit log, newest first, filtered by action, record, person and days (platform admin)",
        )
        .query(s::<audit::AuditQuery>)
        .ok(
            200,
            s::<pagination::Page<seika_service::audit::AuditEntryView>>,
        )
        .errors(&[403]),
        Endpoint::new(
            M::GET,
            "/audit/verify",
            get(audit::verify),
            "audit",
            "Re-check the audit hash chain (platform admin)",
        )
        .ok(200, s::<seika_service::audit::ChainReport>)
        .errors(&[403]),
        Endpoint::new(
            M::GET,
            "/projects",
            get(projects::list),
            "projects",
            "List the projects you may see",
        )
        .query(s::<projects::ProjectFilterParams>)
        .ok(200, s::<pagination::Page<seika_service::projects::ProjectSummary>>),
        Endpoint::new(
            M::POST,
            "/projects",
            post(projects::create),
            "projects",
            "Register a project as a draft (government staff)",
        )
        .json(s::<seika_service::projects::ProjectInput>)
        .ok(201, s::<seika_service::projects::ProjectView>)
        .errors(&[403]),
        Endpoint::new(
            M::GET,
            "/contract-templates",
            get(contracts::templates),
            "projects",
            "Contract templates to start a registration from (government staff)",
        )
        .ok(200, s::<Vec<seika_service::contracts::Template>>)
        .errors(&[403]),
        Endpoint::new(
            M::POST,
            "/contract-checks",
            post(contracts::check),
            "projects",
            "Check draft terms as registration would and, with hypothetical outcomes, preview the statement (nothing is stored)",
        )
        .json(s::<seika_service::contracts::DraftCheckInput>)
        .ok(200, s::<seika_service::contracts::DraftCheck>)
        .errors(&[403]),
        Endpoint::new(
            M::POST,
            "/contract-workbooks",
            post(contracts::workbook),
            "projects",
            "The terms as an Excel workbook laid out as 成果水準書 and 支払条件表, to circulate and load back (government staff)",
        )
        .json(s::<seika_service::contracts::WorkbookInput>)
        .file_response(&[seika_formats::sheet::XLSX_MEDIA_TYPE])
        .errors(&[403, 422]),
        Endpoint::new(
            M::POST,
            "/contract-workbooks/import",
            post(contracts::import_workbook),
            "projects",
            "Terms read back from a workbook downloaded from Seika and edited; problems name sheet, row and column (government staff)",
        )
        .table("the workbook Seika wrote: 概要, 成果水準書, 支払条件表, 支払期, 支払者, 予算, 投資, 分配順位 with their id, key and value columns, and the structure sheet seika")
        .ok(200, s::<seika_service::contracts::ImportedTerms>)
        .errors(&[403]),
        Endpoint::new(
            M::GET,
            "/projects/{id}",
            get(projects::get),
            "projects",
            "A project with its parties and current terms",
        )
        .ok(200, s::<seika_service::projects::ProjectView>)
        .errors(&[404]),
        Endpoint::new(
            M::PUT,
            "/projects/{id}",
            put(projects::update_draft),
            "projects",
            "Replace a draft whole: titles, policy area, parties, currency and terms",
        )
        .json(s::<seika_service::projects::ProjectInput>)
        .if_match()
        .ok(200, s::<seika_service::projects::ProjectView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/status",
            post(projects::change_status),
            "projects",
            "Publish, start service, evaluate, close or terminate",
        )
        .json(s::<seika_service::projects::StatusChange>)
        .if_match()
        .ok(200, s::<seika_service::projects::ProjectView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/amendments",
            post(projects::amend),
            "projects",
            "Amend published terms: a new effective-dated version",
        )
        .json(s::<seika_service::projects::AmendmentInput>)
        .if_match()
        .ok(201, s::<seika_service::projects::ProjectView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/versions",
            get(projects::versions),
            "projects",
            "Every terms version",
        )
        .ok(200, s::<Vec<seika_service::projects::TermsVersionView>>)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/dashboards/government",
            get(work::government_dashboard),
            "dashboards",
            "The organization's outcome contracts: caps, computed, claimed, accepted and paid, the share still at risk, fiscal years against appropriations, data awaiting verification and claims waiting with deadlines; totals per currency",
        )
        .ok(200, s::<seika_service::dashboards::GovernmentDashboard>),
        Endpoint::new(
            M::GET,
            "/dashboards/provider",
            get(work::provider_dashboard),
            "dashboards",
            "The projects the organization delivers: outcomes achieved against targets, data awaiting verification, payments computed, claimed, accepted and received (no investor positions)",
        )
        .ok(200, s::<seika_service::dashboards::ProviderDashboard>),
        Endpoint::new(
            M::GET,
            "/dashboards/investor/download",
            get(work::investor_dashboard_download),
            "downloads",
            "The investor dashboard as CSV (UTF-8 with BOM, or Shift_JIS with CRLF) or XLSX",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES),
        Endpoint::new(
            M::GET,
            "/dashboards/government/download",
            get(work::government_dashboard_download),
            "downloads",
            "The government dashboard as CSV (UTF-8 with BOM, or Shift_JIS with CRLF) or XLSX",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES),
        Endpoint::new(
            M::GET,
            "/dashboards/investor",
            get(work::investor_dashboard),
            "dashboards",
            "The organization's investments across projects: committed, drawn, undrawn, distributions computed, due and paid, outstanding principal, DPI, money multiple, IRR, next payment; totals per currency",
        )
        .ok(200, s::<seika_service::dashboards::InvestorDashboard>),
        Endpoint::new(
            M::GET,
            "/work",
            get(work::waiting),
            "projects",
            "What waits for you: data to verify (with what to check it against), your rejected data with the reasons, claims to inspect, pay or resubmit, invitations; for one project, or the projects whose code or title contains `q`",
        )
        .query(s::<seika_service::work::WorkFilter>)
        .ok(200, s::<seika_service::work::WorkView>),
        Endpoint::new(
            M::GET,
            "/invitations",
            get(projects::invitations),
            "projects",
            "Invitations to your organization to play a part in a project, open ones first",
        )
        .ok(200, s::<Vec<seika_service::projects::InvitationView>>),
        Endpoint::new(
            M::POST,
            "/invitations/{id}/accept",
            post(projects::accept_invitation),
            "projects",
            "Accept your organization's part in a project (the user role that acts in it)",
        )
        .ok(200, s::<seika_service::projects::InvitationView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/invitations/{id}/decline",
            post(projects::decline_invitation),
            "projects",
            "Decline your organization's part in a project",
        )
        .ok(200, s::<seika_service::projects::InvitationView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-results",
            get(outcomes::list),
            "outcome data",
            "Outcome results; with as_of, the verified data as it stood then",
        )
        .query(s::<outcomes::ListParams>)
        .ok(200, s::<Vec<seika_service::outcomes::OutcomeResultView>>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results",
            post(outcomes::create),
            "outcome data",
            "Enter a result, milestone or correction (appointed evaluator)",
        )
        .json(s::<seika_service::outcomes::OutcomeResultInput>)
        .idempotent()
        .ok(201, s::<seika_service::outcomes::OutcomeResultView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results/import",
            post(outcomes::import).layer(DefaultBodyLimit::max(max_import)),
            "outcome data",
            "Import results and milestones from CSV or XLSX, all or nothing (appointed evaluator)",
        )
        .query(s::<seika_service::outcomes::ResultsImportParams>)
        .table("one row per metric and tranche: metric, tranche, value, numerator, denominator, comparison, cohort_size, evidence, achieved_on (or 指標ID, 支払時期, 実績値, 分子, 分母, 比較値, 対象者数, 根拠, 達成日); the project's template has them; ▲ negatives, thousands separators, full-width digits and 和暦 dates are read")
        .idempotent()
        .ok(201, s::<seika_service::outcomes::ResultsImportReport>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-results/template",
            get(outcomes::template),
            "outcome data",
            "The project's results template (CSV or XLSX): its metrics and tranches filled in, units stated",
        )
        .query(s::<outcomes::TemplateParams>)
        .file_response(&[
            seika_service::outcomes::TEMPLATE_CSV_TYPE,
            seika_formats::sheet::XLSX_MEDIA_TYPE,
        ])
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results/{rid}/submit",
            post(outcomes::submit),
            "outcome data",
            "Submit a draft for verification",
        )
        .ok(200, s::<seika_service::outcomes::OutcomeResultView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results/{rid}/verify",
            post(outcomes::verify),
            "outcome data",
            "Verify (another person of the appointed evaluator)",
        )
        .ok(200, s::<seika_service::outcomes::OutcomeResultView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results/{rid}/reject",
            post(outcomes::reject),
            "outcome data",
            "Reject with a reason",
        )
        .json(s::<seika_service::review::ReviewInput>)
        .ok(200, s::<seika_service::outcomes::OutcomeResultView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-results/{rid}/history",
            get(outcomes::history),
            "outcome data",
            "Who did what to a record, when",
        )
        .ok(200, s::<Vec<seika_service::audit::AuditEntryView>>)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-batches",
            get(batches::list),
            "outcome data",
            "Imported batches of participant records",
        )
        .ok(200, s::<Vec<seika_service::batches::BatchView>>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches",
            post(batches::import).layer(DefaultBodyLimit::max(max_import)),
            "outcome data",
            "Import participant records from CSV or XLSX, all or nothing",
        )
        .query(s::<seika_service::batches::ImportParams>)
        .table("header participant,outcome,achieved_on[,cohort,enrolled_on] or 参加者ID,成果,達成日[,コホート,登録日]; dates also as 令和6年4月1日 or R6.4.1")
        .idempotent()
        .ok(201, s::<seika_service::batches::BatchView>)
        .or_queued(s::<seika_service::jobs::JobView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-batches/{rid}/records",
            get(batches::records),
            "outcome data",
            "Participant records (not for investors), a page at a time in the order imported",
        )
        .query(s::<pagination::PageParams>)
        .ok(200, s::<pagination::Page<seika_service::batches::RecordView>>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches/{rid}/submit",
            post(batches::submit),
            "outcome data",
            "Submit a batch for verification",
        )
        .ok(200, s::<seika_service::batches::BatchView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches/{rid}/verify",
            post(batches::verify),
            "outcome data",
            "Verify a batch (another person of the appointed evaluator)",
        )
        .json(s::<seika_service::review::ReviewInput>)
        .ok(200, s::<seika_service::batches::BatchView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/participant-erasures",
            post(batches::erase_participant),
            "outcome data",
            "Erase a participant's records on a lawful request: kept under a pseudonym where a stored payout run used them, deleted elsewhere (appointed evaluator)",
        )
        .json(s::<seika_service::privacy::ErasureInput>)
        .ok(200, s::<seika_service::privacy::ErasureReport>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-batches/{rid}/sample",
            get(batches::sample),
            "outcome data",
            "A batch's sample check: the records drawn, the findings, the discrepancy rate against the contract's tolerance (null before a draw)",
        )
        .ok(200, s::<Option<seika_service::samples::SampleView>>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches/{rid}/sample",
            post(batches::draw_sample),
            "outcome data",
            "Draw a submitted batch's sample, once, reproducibly from a seed (a verifier other than the importer)",
        )
        .json(s::<seika_service::samples::DrawInput>)
        .ok(201, s::<seika_service::samples::SampleView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::PUT,
            "/projects/{id}/outcome-batches/{rid}/sample/records/{cid}",
            put(batches::check_sample),
            "outcome data",
            "Record a sampled record as confirmed or discrepant (with a note)",
        )
        .json(s::<seika_service::samples::FindingInput>)
        .ok(200, s::<seika_service::samples::SampleView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches/{rid}/reject",
            post(batches::reject),
            "outcome data",
            "Reject a batch with a reason",
        )
        .json(s::<seika_service::review::ReviewInput>)
        .ok(200, s::<seika_service::batches::BatchView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-summary",
            get(batches::summary),
            "outcome data",
            "Verified participant outcomes in aggregate, small cells suppressed",
        )
        .ok(200, s::<seika_service::batches::OutcomeSummary>)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/figures",
            get(payout_runs::figures),
            "payouts",
            "Progress per metric; amounts due by tranche, fiscal year and payer against caps and budget",
        )
        .ok(200, s::<seika_service::payout_runs::ProjectFigures>)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/payout-runs",
            get(payout_runs::list),
            "payouts",
            "Stored payout runs, newest first",
        )
        .ok(200, s::<Vec<seika_service::payout_runs::PayoutRunView>>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/payout-runs",
            post(payout_runs::create),
            "payouts",
            "Compute and store a payout run from the verified data",
        )
        .idempotent()
        .ok(201, s::<seika_service::payout_runs::PayoutRunView>)
        .errors(&[403, 404, 422]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/payout-runs/{rid}",
            get(payout_runs::get),
            "payouts",
            "A payout run with its statement",
        )
        .ok(200, s::<seika_service::payout_runs::PayoutRunView>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/payout-runs/{rid}/reproduce",
            post(payout_runs::rerun),
            "payouts",
            "Re-compute a stored run and report match or mismatch",
        )
        .ok(200, s::<seika_service::payout_runs::Reproduction>)
        .errors(&[404, 422]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-results/{rid}/evidence",
            get(evidence::list_of_result),
            "outcome data",
            "Evidence files of a result (name, type, size, SHA-256; not the content)",
        )
        .ok(200, s::<Vec<seika_service::evidence::EvidenceView>>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results/{rid}/evidence",
            post(evidence::attach_to_result).layer(DefaultBodyLimit::max(max_evidence)),
            "outcome data",
            "Attach an evidence file to a result not yet verified (appointed evaluator)",
        )
        .query(s::<evidence::FileName>)
        .file_body()
        .ok(201, s::<seika_service::evidence::EvidenceView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-batches/{rid}/evidence",
            get(evidence::list_of_batch),
            "outcome data",
            "Evidence files of a batch (for those who may see its records)",
        )
        .ok(200, s::<Vec<seika_service::evidence::EvidenceView>>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches/{rid}/evidence",
            post(evidence::attach_to_batch).layer(DefaultBodyLimit::max(max_evidence)),
            "outcome data",
            "Attach an evidence file to a batch not yet verified (appointed evaluator)",
        )
        .query(s::<evidence::FileName>)
        .file_body()
        .ok(201, s::<seika_service::evidence::EvidenceView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/evidence/{rid}",
            get(evidence::download),
            "outcome data",
            "Download an evidence file, as the type read from its content",
        )
        .file_response(&seika_core::evidence::ACCEPTED)
        .errors(&[403, 404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-batches/{rid}/payout-effect",
            get(payout_runs::batch_effect),
            "outcome data",
            "The payout total without and with a batch, computed for its verifiers (nothing is stored)",
        )
        .ok(200, s::<seika_service::payout_runs::BatchEffect>)
        .errors(&[403, 404, 422]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/payout-runs/{rid}/statement",
            get(payout_runs::statement_download),
            "downloads",
            "A payout run's statement as a table: CSV (UTF-8 with BOM, or Shift_JIS with CRLF) or XLSX, one row per line with its explanation; an optional 和暦 column",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/claims-ledger",
            get(payout_runs::claims_download),
            "downloads",
            "The project's claims and payments ledger as CSV (UTF-8 with BOM, or Shift_JIS with CRLF) or XLSX; an optional 和暦 column",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/publication",
            get(publication::get),
            "open data",
            "Whether the project's public page is on, which sections are public, the privacy threshold and which investors disclosed their position",
        )
        .ok(200, s::<seika_service::publication::PublicationView>)
        .errors(&[404]),
        Endpoint::new(
            M::PUT,
            "/projects/{id}/publication",
            put(publication::update),
            "open data",
            "Switch the public page on or off and choose its sections and privacy threshold (the owner's government staff)",
        )
        .json(s::<seika_service::publication::PublicationInput>)
        .ok(200, s::<seika_service::publication::PublicationView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::PUT,
            "/projects/{id}/publication/disclosure",
            put(publication::disclose),
            "open data",
            "An investor makes its own position in the project public, or private again",
        )
        .json(s::<seika_service::publication::DisclosureInput>)
        .ok(200, s::<seika_service::publication::PublicationView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/indigo",
            get(publication::indigo_export),
            "open data",
            "The project in the INDIGO v4.1 project format, every field marked PUBLIC or PRIVATE as the government chose; no participant-level data, no undisclosed investor position",
        )
        .ok(200, s::<serde_json::Value>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/indigo-import",
            post(publication::indigo_import),
            "open data",
            "Register an INDIGO v4.1 project as a draft, with a report of every field cleaned, unreadable, assumed or without a place in Seika (government staff)",
        )
        .json(s::<seika_service::publication::IndigoImportInput>)
        .ok(201, s::<seika_service::publication::IndigoImportView>)
        .errors(&[403]),
        Endpoint::new(
            M::GET,
            "/public/projects",
            get(publication::public_list),
            "open data",
            "Projects whose public page is on (no login)",
        )
        .public()
        .ok(200, s::<Vec<seika_service::publication::PublicProjectSummary>>),
        Endpoint::new(
            M::GET,
            "/public/projects/{code}",
            get(publication::public_project),
            "open data",
            "A published project's public page: only the sections the government made public, small counts suppressed (no login)",
        )
        .public()
        .ok(200, s::<seika_service::publication::PublicProjectView>)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/public/projects/{code}/indigo",
            get(publication::public_indigo_project),
            "open data",
            "A published project and its organizations in INDIGO v4.1 form, PUBLIC fields only (no login)",
        )
        .public()
        .ok(200, s::<seika_service::publication::IndigoBundle>)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/public/indigo",
            get(publication::public_indigo_all),
            "open data",
            "Every published project and its organizations in INDIGO v4.1 form, PUBLIC fields only (no login)",
        )
        .public()
        .ok(200, s::<seika_service::publication::IndigoBundle>),
        Endpoint::new(
            M::GET,
            "/projects/{id}/investor-statement",
            get(payout_runs::investor_statement_download),
            "downloads",
            "The investor statement: each investment's distributions per tranche, computed, due or paid (an investor sees its own) as CSV or XLSX",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/budget-schedule",
            get(payout_runs::budget_download),
            "downloads",
            "The budget schedule by fiscal year (appropriation, 債務負担行為 limit, committed, paid, projected, needed, remaining) as CSV or XLSX",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-data",
            get(payout_runs::outcome_data_download),
            "downloads",
            "The project's outcome results and milestones with their review state as CSV or XLSX (no participant-level records)",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/simulations",
            post(payout_runs::simulate),
            "payouts",
            "Monte Carlo simulation of the payments by the payout engine: percentiles of the total, by fiscal year and payer, investors' IRR, probabilities of loss and of a binding cap (seeded, at most 20,000 runs within the request, more as a job; nothing is stored)",
        )
        .json(s::<seika_engine::simulate::SimulationInput>)
        .ok(200, s::<seika_engine::simulate::SimulationResult>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/simulation-jobs",
            post(jobs::submit_simulation),
            "jobs",
            "Queue a Monte Carlo simulation as a job (up to 100,000 runs): answers 202 at once with the job (its URL in Location); follow its progress and read its result at GET /jobs/{id}",
        )
        .idempotent()
        .json(s::<seika_engine::simulate::SimulationInput>)
        .ok(202, s::<seika_service::jobs::JobView>)
        .errors(&[404, 409, 422]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/payout-run-jobs",
            post(jobs::submit_payout_run),
            "jobs",
            "Queue a payout run as a job: answers 202 at once with the job; its result is the stored run. Asked again (without an Idempotency-Key) while the same person's run of the project still waits, it answers with that waiting job: the run reads the data when it starts",
        )
        .idempotent()
        .ok(202, s::<seika_service::jobs::JobView>)
        .errors(&[403, 404, 409, 422]),
        Endpoint::new(
            M::GET,
            "/jobs",
            get(jobs::unfinished),
            "jobs",
            "The caller's jobs still queued or running, newest first",
        )
        .ok(200, s::<Vec<seika_service::jobs::JobView>>),
        Endpoint::new(
            M::GET,
            "/jobs/{id}",
            get(jobs::get),
            "jobs",
            "A job the caller queued: status, progress, and its result (or why it failed) once done",
        )
        .ok(200, s::<seika_service::jobs::JobView>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/scenarios",
            post(payout_runs::scenarios),
            "payouts",
            "Price named scenarios of outcome values (low, base, high) by the payout engine (nothing is stored)",
        )
        .json(s::<seika_service::simulations::ScenariosInput>)
        .ok(200, s::<seika_service::simulations::ScenariosResult>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/payout-preview",
            post(payout_runs::preview),
            "payouts",
            "What the terms would make due with hypothetical outcome values (nothing is stored)",
        )
        .json(s::<seika_service::payout_runs::PreviewInput>)
        .ok(200, s::<seika_service::payout_runs::Preview>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/claims",
            get(claims::list),
            "claims and payments",
            "Claims with their deadlines, inspections, payments and late interest",
        )
        .ok(200, s::<Vec<seika_service::claims::ClaimView>>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/claims",
            post(claims::create),
            "claims and payments",
            "Submit a claim for one tranche and payer from a payout run (service provider, intermediary, or the owner's staff on its behalf)",
        )
        .json(s::<seika_service::claims::ClaimInput>)
        .ok(201, s::<seika_service::claims::ClaimView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/claims/{rid}",
            get(claims::get),
            "claims and payments",
            "One claim",
        )
        .ok(200, s::<seika_service::claims::ClaimView>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/claims/{rid}/resubmit",
            post(claims::resubmit),
            "claims and payments",
            "Correct and resubmit a returned claim",
        )
        .json(s::<seika_service::claims::ResubmitInput>)
        .ok(200, s::<seika_service::claims::ClaimView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/claims/{rid}/inspection",
            post(claims::inspect),
            "claims and payments",
            "Inspect a claim: accept it or return it with a reason (payer's staff, not who prepared it)",
        )
        .json(s::<seika_service::claims::InspectionInput>)
        .ok(200, s::<seika_service::claims::ClaimView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/claims/{rid}/payments",
            post(claims::record_payment),
            "claims and payments",
            "Record a payment of an accepted claim, in part or in full (payer's staff)",
        )
        .json(s::<seika_service::claims::PaymentInput>)
        .ok(201, s::<seika_service::claims::ClaimView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/budget",
            get(budgets::get),
            "claims and payments",
            "Appropriations, the 債務負担行為 and, per fiscal year, committed, paid and projected amounts with warnings",
        )
        .ok(200, s::<seika_service::budgets::BudgetView>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/budget-lines",
            post(budgets::add_line),
            "claims and payments",
            "Add an appropriation for a fiscal year and budget account (the owner's staff)",
        )
        .json(s::<seika_service::budgets::BudgetLineInput>)
        .ok(201, s::<seika_service::budgets::BudgetView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/debt-commitments",
            post(budgets::add_commitment),
            "claims and payments",
            "Record the 債務負担行為 the assembly approved (the owner's staff)",
        )
        .json(s::<seika_service::budgets::CommitmentInput>)
        .ok(201, s::<seika_service::budgets::BudgetView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/distributions",
            get(claims::distributions),
            "claims and payments",
            "Distributions to investors by tranche: computed, due once the outcome payment is received, paid",
        )
        .ok(200, s::<seika_service::distributions::DistributionsView>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/distributions",
            post(claims::record_distribution),
            "claims and payments",
            "Record an investment's distribution of a tranche as paid (intermediary or the owner's staff)",
        )
        .json(s::<seika_service::distributions::DistributionInput>)
        .ok(201, s::<seika_service::distributions::DistributionsView>)
        .errors(&[403, 404, 409]),
    ]
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
    AppError::NotFound("no such API endpoint; see /api/v1/openapi.json".into()).into()
}

async fn method_not_allowed() -> ApiError {
    AppError::MethodNotAllowed("this endpoint does not accept that HTTP method".into()).into()
}

/// `GET /api/v1/schemas/{name}.json`: the JSON Schema of the contract, outcomes or statement format.
async fn schema(
    extract::ApiPath(name): extract::ApiPath<String>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let base = name.strip_suffix(".json").unwrap_or(&name);
    seika_engine::json_schema(base)
        .map(axum::Json)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no schema `{base}`: try contract.json, outcomes.json or statement.json"
            ))
        })
        .map_err(ApiError)
}
