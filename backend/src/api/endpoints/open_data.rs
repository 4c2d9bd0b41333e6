//! The endpoints of open data, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::{get, post, put};

use crate::api::{
    openapi::{Endpoint, schema as s},
    publication,
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
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
    ]
}
