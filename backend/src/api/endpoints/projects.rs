//! The endpoints of projects, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::{delete, get, post, put};

use crate::api::{
    contracts,
    openapi::{Endpoint, schema as s},
    pagination, projects, work,
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(
            M::GET,
            "/projects",
            get(projects::list),
            "projects",
            "List the projects you may see",
        )
        .query(s::<projects::ProjectFilterParams>)
        .ok(200, s::<pagination::Page<seika_service::projects::ProjectSummary>>),
        Endpoint::new(
            M::POST,
            "/projects",
            post(projects::create),
            "projects",
            "Register a project as a draft (government staff)",
        )
        .json(s::<seika_service::projects::ProjectInput>)
        .ok(201, s::<seika_service::projects::ProjectView>)
        .errors(&[403]),
        Endpoint::new(
            M::GET,
            "/contract-templates",
            get(contracts::templates),
            "projects",
            "Contract templates to start a registration from (government staff)",
        )
        .ok(200, s::<Vec<seika_service::contracts::Template>>)
        .errors(&[403]),
        Endpoint::new(
            M::POST,
            "/contract-checks",
            post(contracts::check),
            "projects",
            "Check draft terms as registration would and, with hypothetical outcomes, preview the statement (nothing is stored)",
        )
        .json(s::<seika_service::contracts::DraftCheckInput>)
        .ok(200, s::<seika_service::contracts::DraftCheck>)
        .errors(&[403]),
        Endpoint::new(
            M::POST,
            "/figures",
            post(contracts::read_figure),
            "projects",
            "Read a figure typed into a form as the imports read it: amounts with separators, 円, 万円, full-width digits or ▲; percentages with or without %; fiscal years as 2024, 2024年度, 令和6年度 or R6 (nothing is stored)",
        )
        .json(s::<seika_service::contracts::FigureInput>)
        .ok(200, s::<seika_service::contracts::Figure>),
        Endpoint::new(
            M::POST,
            "/contract-comparisons",
            post(contracts::compare),
            "projects",
            "The 新旧対照表 of an amendment: each changed part by its name, in force and amended, in Japanese and English (government staff; nothing is stored)",
        )
        .json(s::<seika_service::contracts::ComparisonInput>)
        .ok(200, s::<seika_service::contracts::Comparison>)
        .errors(&[403]),
        Endpoint::new(
            M::POST,
            "/contract-workbooks",
            post(contracts::workbook),
            "projects",
            "The terms as an Excel workbook laid out as 成果水準書 and 支払条件表, to circulate and load back (government staff)",
        )
        .json(s::<seika_service::contracts::WorkbookInput>)
        .file_response(&[seika_formats::sheet::XLSX_MEDIA_TYPE])
        .errors(&[403, 422]),
        Endpoint::new(
            M::POST,
            "/contract-workbooks/import",
            post(contracts::import_workbook),
            "projects",
            "Terms read back from a workbook downloaded from Seika and edited; problems name sheet, row and column (government staff)",
        )
        .table("the workbook Seika wrote: 概要, 成果水準書, 支払条件表, 支払期, 支払者, 予算, 投資, 分配順位 with their id, key and value columns, and the structure sheet seika")
        .ok(200, s::<seika_service::contracts::ImportedTerms>)
        .errors(&[403]),
        Endpoint::new(
            M::GET,
            "/projects/{id}",
            get(projects::get),
            "projects",
            "A project with its parties and current terms",
        )
        .ok(200, s::<seika_service::projects::ProjectView>)
        .errors(&[404]),
        Endpoint::new(
            M::PUT,
            "/projects/{id}",
            put(projects::update_draft),
            "projects",
            "Replace a draft whole: titles, policy area, parties, currency and terms",
        )
        .json(s::<seika_service::projects::ProjectInput>)
        .if_match()
        .ok(200, s::<seika_service::projects::ProjectView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::DELETE,
            "/projects/{id}",
            delete(projects::delete_draft),
            "projects",
            "Delete a draft (with its terms, parties and invitations); its code is free again",
        )
        .if_match()
        .no_content()
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/status",
            post(projects::change_status),
            "projects",
            "Publish, start service, evaluate, close or terminate",
        )
        .json(s::<seika_service::projects::StatusChange>)
        .if_match()
        .ok(200, s::<seika_service::projects::ProjectView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/amendments",
            post(projects::amend),
            "projects",
            "Amend published terms: a new effective-dated version",
        )
        .json(s::<seika_service::projects::AmendmentInput>)
        .if_match()
        .ok(201, s::<seika_service::projects::ProjectView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/versions",
            get(projects::versions),
            "projects",
            "Every terms version",
        )
        .ok(200, s::<Vec<seika_service::projects::TermsVersionView>>)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/work",
            get(work::waiting),
            "projects",
            "What waits for you: data to verify (with what to check it against), your rejected data with the reasons, claims to inspect, pay or resubmit, invitations; for one project, or the projects whose code or title contains `q`",
        )
        .query(s::<seika_service::work::WorkFilter>)
        .ok(200, s::<seika_service::work::WorkView>),
        Endpoint::new(
            M::GET,
            "/invitations",
            get(projects::invitations),
            "projects",
            "Invitations to your organization to play a part in a project, open ones first",
        )
        .ok(200, s::<Vec<seika_service::projects::InvitationView>>),
        Endpoint::new(
            M::GET,
            "/invitations/{id}/terms",
            get(projects::invitation_terms),
            "projects",
            "The draft terms behind an invitation to your organization, to read before answering: the maximum, each payment in words with its date, and the terms as a party reads them (other investors' positions summed)",
        )
        .ok(200, s::<seika_service::projects::InvitationTerms>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/invitations/{id}/accept",
            post(projects::accept_invitation),
            "projects",
            "Accept your organization's part in a project (the user role that acts in it)",
        )
        .ok(200, s::<seika_service::projects::InvitationView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/invitations/{id}/decline",
            post(projects::decline_invitation),
            "projects",
            "Decline your organization's part in a project",
        )
        .ok(200, s::<seika_service::projects::InvitationView>)
        .errors(&[403, 404, 409]),
    ]
}
