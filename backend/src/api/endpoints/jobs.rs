//! The endpoints of jobs, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::{get, post};

use crate::api::{
    jobs,
    openapi::{Endpoint, schema as s},
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
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
    ]
}
