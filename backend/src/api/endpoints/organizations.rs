//! The endpoints of organizations, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::{get, patch, post};

use crate::api::{
    openapi::{Endpoint, schema as s},
    organizations, pagination,
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(
            M::GET,
            "/organizations",
            get(organizations::list),
            "organizations",
            "List organizations",
        )
        .query(s::<organizations::OrganizationFilter>)
        .ok(
            200,
            s::<pagination::Page<seika_service::users::OrganizationRef>>,
        ),
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
    ]
}
