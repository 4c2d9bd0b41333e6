//! The endpoint table, by capability: each file lists its endpoints with their documentation.
//! The router and the OpenAPI document are both built from [`all`].

mod audit;
mod auth;
mod claims_and_payments;
mod dashboards;
mod downloads;
mod jobs;
mod open_data;
mod operations;
mod organizations;
mod outcome_data;
mod payouts;
mod projects;
mod users;

use super::HttpConfig;
use super::openapi::Endpoint;

/// Every endpoint of `/api/v1`, in the order of their capabilities.
pub fn all(config: &HttpConfig) -> Vec<Endpoint> {
    [
        operations::endpoints(),
        auth::endpoints(),
        organizations::endpoints(),
        users::endpoints(),
        audit::endpoints(),
        projects::endpoints(),
        dashboards::endpoints(),
        downloads::endpoints(),
        outcome_data::endpoints(config),
        payouts::endpoints(),
        open_data::endpoints(),
        jobs::endpoints(),
        claims_and_payments::endpoints(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
