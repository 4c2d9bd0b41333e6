//! The endpoints of audit, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::get;

use crate::api::{
    audit,
    openapi::{Endpoint, schema as s},
    pagination,
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(
            M::GET,
            "/audit",
            get(audit::list),
            "audit",
            "The audit log, newest first, filtered by action, record, person and days (platform admin)",
        )
        .query(s::<audit::AuditQuery>)
        .ok(
            200,
            s::<pagination::Page<seika_service::audit::AuditEntryView>>,
        )
        .errors(&[403]),
        Endpoint::new(
            M::GET,
            "/audit/verify",
            get(audit::verify),
            "audit",
            "Re-check the audit hash chain (platform admin)",
        )
        .ok(200, s::<seika_service::audit::ChainReport>)
        .errors(&[403]),
    ]
}
