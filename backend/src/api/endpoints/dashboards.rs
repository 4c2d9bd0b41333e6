//! The endpoints of dashboards, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::get;

use crate::api::{
    openapi::{Endpoint, schema as s},
    work,
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
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
            "/fiscal-years",
            get(work::fiscal_years),
            "dashboards",
            "Every contract the organization owns or pays outcomes on, by fiscal year (年度): appropriation, 債務負担行為 limit, committed on inspection, paid, projected, needed and remaining, with each year's totals per currency (government staff)",
        )
        .ok(200, s::<seika_service::fiscal_years::FiscalYearsView>)
        .errors(&[403]),
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
            "/dashboards/investor",
            get(work::investor_dashboard),
            "dashboards",
            "The organization's investments across projects: committed, drawn, undrawn, distributions computed, due and paid, outstanding principal, DPI, money multiple, IRR, next payment; totals per currency",
        )
        .ok(200, s::<seika_service::dashboards::InvestorDashboard>),
    ]
}
