//! The endpoints of downloads, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::http::Method as M;
use axum::routing::get;

use crate::api::{
    DOWNLOAD_TYPES,
    openapi::{Endpoint, schema as s},
    payout_runs, work,
};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(
            M::GET,
            "/dashboards/investor/download",
            get(work::investor_dashboard_download),
            "downloads",
            "The investor dashboard as CSV (UTF-8 with BOM, or Shift_JIS with CRLF) or XLSX",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES),
        Endpoint::new(
            M::GET,
            "/dashboards/government/download",
            get(work::government_dashboard_download),
            "downloads",
            "The government dashboard as CSV (UTF-8 with BOM, or Shift_JIS with CRLF) or XLSX",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES),
        Endpoint::new(
            M::GET,
            "/fiscal-years/download",
            get(work::fiscal_years_download),
            "downloads",
            "The fiscal-year view as CSV (UTF-8 with BOM, or Shift_JIS with CRLF) or XLSX: a row per contract and year and each year's total; with wareki, the year as 令和○年度 too",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[403]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/payout-runs/{rid}/statement",
            get(payout_runs::statement_download),
            "downloads",
            "A payout run's statement as a table: CSV (UTF-8 with BOM, or Shift_JIS with CRLF) or XLSX, one row per line with its explanation; an optional 和暦 column",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/claims-ledger",
            get(payout_runs::claims_download),
            "downloads",
            "The project's claims and payments ledger as CSV (UTF-8 with BOM, or Shift_JIS with CRLF) or XLSX; an optional 和暦 column",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/investor-statement",
            get(payout_runs::investor_statement_download),
            "downloads",
            "The investor statement: each investment's distributions per tranche, computed, due or paid (an investor sees its own) as CSV or XLSX",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/budget-schedule",
            get(payout_runs::budget_download),
            "downloads",
            "The budget schedule by fiscal year (appropriation, 債務負担行為 limit, committed, paid, projected, needed, remaining) as CSV or XLSX",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-data",
            get(payout_runs::outcome_data_download),
            "downloads",
            "The project's outcome results and milestones with their review state as CSV or XLSX (no participant-level records)",
        )
        .query(s::<seika_service::downloads::DownloadParams>)
        .file_response(&DOWNLOAD_TYPES)
        .errors(&[404]),
    ]
}
