//! The endpoints of users, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::{get, patch, post};

use crate::api::{
    openapi::{Endpoint, schema as s},
    pagination, users,
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
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
            M::POST,
            "/users/{id}/password-reset",
            post(users::issue_reset),
            "users",
            "Issue a one-time password reset code for a user, valid 24 hours (platform admin)",
        )
        .ok(201, s::<seika_service::accounts::ResetCode>)
        .errors(&[403, 404]),
    ]
}
