//! The endpoints of auth, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::{get, post};

use crate::api::{
    auth,
    openapi::{Endpoint, schema as s},
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
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
            M::POST,
            "/auth/password-reset",
            post(auth::reset_password),
            "auth",
            "Set a new password with the one-time code an administrator issued; older tokens stop working",
        )
        .public()
        .json(s::<seika_service::accounts::PasswordReset>)
        .no_content(),
    ]
}
