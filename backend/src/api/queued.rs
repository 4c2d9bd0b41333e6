//! The answer to work queued as a job: 202, the job in the reader's language, and where to follow
//! it. Shared by the handlers that queue work (jobs, large imports).

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

use super::AppState;
use seika_service::jobs::JobView;

/// 202 with the job and where to follow it.
pub fn accepted(
    state: &AppState,
    (job, new): (JobView, bool),
) -> (StatusCode, HeaderMap, Json<JobView>) {
    if new {
        state.job_wakeup.notify_one();
    }
    let mut headers = HeaderMap::new();
    if let Ok(url) = HeaderValue::from_str(&format!("/api/v1/jobs/{}", job.id)) {
        headers.insert(header::LOCATION, url);
    }
    (
        StatusCode::ACCEPTED,
        headers,
        Json(job.in_language(super::error::language())),
    )
}
