//! The endpoints of claims and payments, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::{get, post};

use crate::api::{
    budgets, claims,
    openapi::{Endpoint, schema as s},
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
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
