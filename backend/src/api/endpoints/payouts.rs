//! The endpoints of payouts, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::{get, post};

use crate::api::{
    openapi::{Endpoint, schema as s},
    payout_runs,
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
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
    ]
}
