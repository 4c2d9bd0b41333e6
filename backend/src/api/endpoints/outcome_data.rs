//! The endpoints of outcome data, with their documentation: part of the one table the router and the
//! OpenAPI document are built from ([`super::all`]).

use axum::extract::DefaultBodyLimit;
use axum::http::Method as M;
use axum::routing::{delete, get, post, put};

use crate::api::{
    HttpConfig, batches, evidence,
    openapi::{Endpoint, schema as s},
    outcomes, pagination, payout_runs,
};

pub fn endpoints(config: &HttpConfig) -> Vec<Endpoint> {
    let max_import = config.max_import_bytes;
    let max_evidence = config.max_evidence_bytes;
    vec![
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-results",
            get(outcomes::list),
            "outcome data",
            "Outcome results; with as_of, the verified data as it stood then",
        )
        .query(s::<outcomes::ListParams>)
        .ok(200, s::<Vec<seika_service::outcomes::OutcomeResultView>>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results",
            post(outcomes::create),
            "outcome data",
            "Enter a result, milestone or correction (appointed evaluator)",
        )
        .json(s::<seika_service::outcomes::OutcomeResultInput>)
        .idempotent()
        .ok(201, s::<seika_service::outcomes::OutcomeResultView>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results/import",
            post(outcomes::import).layer(DefaultBodyLimit::max(max_import)),
            "outcome data",
            "Import results and milestones from CSV or XLSX, all or nothing (appointed evaluator)",
        )
        .query(s::<seika_service::outcomes::ResultsImportParams>)
        .table("one row per metric and tranche: metric, tranche, value, numerator, denominator, comparison, cohort_size, evidence, achieved_on (or 指標ID, 支払時期, 実績値, 分子, 分母, 比較値, 対象者数, 根拠, 達成日); the project's template has them; ▲ negatives, thousands separators, full-width digits and 和暦 dates are read")
        .idempotent()
        .ok(201, s::<seika_service::outcomes::ResultsImportReport>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-results/template",
            get(outcomes::template),
            "outcome data",
            "The project's results template (CSV or XLSX): its metrics and tranches filled in, units stated",
        )
        .query(s::<outcomes::TemplateParams>)
        .file_response(&[
            seika_service::outcomes::TEMPLATE_CSV_TYPE,
            seika_formats::sheet::XLSX_MEDIA_TYPE,
        ])
        .errors(&[404]),
        Endpoint::new(
            M::DELETE,
            "/projects/{id}/outcome-results/{rid}",
            delete(outcomes::discard),
            "outcome data",
            "Discard a draft you entered (with any evidence attached to it)",
        )
        .no_content()
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results/{rid}/submit",
            post(outcomes::submit),
            "outcome data",
            "Submit a draft for verification",
        )
        .ok(200, s::<seika_service::outcomes::OutcomeResultView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results/{rid}/verify",
            post(outcomes::verify),
            "outcome data",
            "Verify (another person of the appointed evaluator)",
        )
        .ok(200, s::<seika_service::outcomes::OutcomeResultView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results/{rid}/reject",
            post(outcomes::reject),
            "outcome data",
            "Reject with a reason",
        )
        .json(s::<seika_service::review::ReviewInput>)
        .ok(200, s::<seika_service::outcomes::OutcomeResultView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-results/{rid}/history",
            get(outcomes::history),
            "outcome data",
            "Who did what to a record, when",
        )
        .ok(200, s::<Vec<seika_service::audit::AuditEntryView>>)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-batches",
            get(batches::list),
            "outcome data",
            "Imported batches of participant records",
        )
        .ok(200, s::<Vec<seika_service::batches::BatchView>>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches",
            post(batches::import).layer(DefaultBodyLimit::max(max_import)),
            "outcome data",
            "Import participant records from CSV or XLSX, all or nothing",
        )
        .query(s::<seika_service::batches::ImportParams>)
        .table("header participant,outcome,achieved_on[,cohort,enrolled_on] or 参加者ID,成果,達成日[,コホート,登録日]; dates also as 令和6年4月1日 or R6.4.1")
        .idempotent()
        .ok(201, s::<seika_service::batches::BatchView>)
        .or_queued(s::<seika_service::jobs::JobView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-batches/{rid}/records",
            get(batches::records),
            "outcome data",
            "Participant records (not for investors), a page at a time in the order imported",
        )
        .query(s::<pagination::PageParams>)
        .ok(200, s::<pagination::Page<seika_service::batches::RecordView>>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches/{rid}/submit",
            post(batches::submit),
            "outcome data",
            "Submit a batch for verification",
        )
        .ok(200, s::<seika_service::batches::BatchView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches/{rid}/verify",
            post(batches::verify),
            "outcome data",
            "Verify a batch (another person of the appointed evaluator)",
        )
        .json(s::<seika_service::review::ReviewInput>)
        .ok(200, s::<seika_service::batches::BatchView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/participant-erasures",
            post(batches::erase_participant),
            "outcome data",
            "Erase a participant's records on a lawful request: kept under a pseudonym where a stored payout run used them, deleted elsewhere; finished imports' stored files are dropped and their results name the pseudonym (appointed evaluator). 409 while an import is waiting or running on the project",
        )
        .json(s::<seika_service::privacy::ErasureInput>)
        .ok(200, s::<seika_service::privacy::ErasureReport>)
        .errors(&[403, 404, 409, 422]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-batches/{rid}/sample",
            get(batches::sample),
            "outcome data",
            "A batch's sample check: the records drawn, the findings, the discrepancy rate against the contract's tolerance (null before a draw)",
        )
        .ok(200, s::<Option<seika_service::samples::SampleView>>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches/{rid}/sample",
            post(batches::draw_sample),
            "outcome data",
            "Draw a submitted batch's sample, once, reproducibly from a seed (a verifier other than the importer)",
        )
        .json(s::<seika_service::samples::DrawInput>)
        .ok(201, s::<seika_service::samples::SampleView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::PUT,
            "/projects/{id}/outcome-batches/{rid}/sample/records/{cid}",
            put(batches::check_sample),
            "outcome data",
            "Record a sampled record as confirmed or discrepant (with a note)",
        )
        .json(s::<seika_service::samples::FindingInput>)
        .ok(200, s::<seika_service::samples::SampleView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches/{rid}/reject",
            post(batches::reject),
            "outcome data",
            "Reject a batch with a reason",
        )
        .json(s::<seika_service::review::ReviewInput>)
        .ok(200, s::<seika_service::batches::BatchView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-summary",
            get(batches::summary),
            "outcome data",
            "Verified participant outcomes in aggregate, small cells suppressed",
        )
        .ok(200, s::<seika_service::batches::OutcomeSummary>)
        .errors(&[404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-results/{rid}/evidence",
            get(evidence::list_of_result),
            "outcome data",
            "Evidence files of a result (name, type, size, SHA-256; not the content)",
        )
        .ok(200, s::<Vec<seika_service::evidence::EvidenceView>>)
        .errors(&[404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-results/{rid}/evidence",
            post(evidence::attach_to_result).layer(DefaultBodyLimit::max(max_evidence)),
            "outcome data",
            "Attach an evidence file to a result not yet verified (appointed evaluator)",
        )
        .query(s::<evidence::FileName>)
        .file_body()
        .ok(201, s::<seika_service::evidence::EvidenceView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-batches/{rid}/evidence",
            get(evidence::list_of_batch),
            "outcome data",
            "Evidence files of a batch (for those who may see its records)",
        )
        .ok(200, s::<Vec<seika_service::evidence::EvidenceView>>)
        .errors(&[403, 404]),
        Endpoint::new(
            M::POST,
            "/projects/{id}/outcome-batches/{rid}/evidence",
            post(evidence::attach_to_batch).layer(DefaultBodyLimit::max(max_evidence)),
            "outcome data",
            "Attach an evidence file to a batch not yet verified (appointed evaluator)",
        )
        .query(s::<evidence::FileName>)
        .file_body()
        .ok(201, s::<seika_service::evidence::EvidenceView>)
        .errors(&[403, 404, 409]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/evidence/{rid}",
            get(evidence::download),
            "outcome data",
            "Download an evidence file, as the type read from its content",
        )
        .file_response(&seika_core::evidence::ACCEPTED)
        .errors(&[403, 404]),
        Endpoint::new(
            M::GET,
            "/projects/{id}/outcome-batches/{rid}/payout-effect",
            get(payout_runs::batch_effect),
            "outcome data",
            "The payout total without and with a batch, computed for its verifiers (nothing is stored)",
        )
        .ok(200, s::<seika_service::payout_runs::BatchEffect>)
        .errors(&[403, 404, 422]),
    ]
}
