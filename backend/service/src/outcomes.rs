//! Aggregate outcome results and milestones: entered by the appointed evaluator, verified by a
//! different person of that evaluator (see [`super::review`]), corrected only by new versions.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use seika_core::msg;
use seika_core::review::ReviewStatus;
use serde::{Deserialize, Serialize};

use super::audit::{AuditEntryView, for_entity};
use super::idempotency;
use super::projects::{authorize, load_contract};
use super::review::{self, Review, Target, ensure_accepts_outcome_data};
use super::to_json;
use crate::error::{AppError, AppResult, FieldError, Thing};
use seika_core::access::{Actor, ProjectAction};
use seika_core::contract::Rule;
use seika_core::outcomes::{Estimate, MetricResult, Milestone, Outcomes};
use seika_db::outcomes::{self, OutcomeResultRow};
use seika_db::{self as db, DbConn, audit};
use seika_formats::sheet::SheetLimits;

pub use seika_core::outcomes::OutcomeKind;

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeResultInput {
    #[serde(default)]
    pub kind: OutcomeKind,
    /// The metric id, or for a milestone the milestone id.
    pub metric: String,
    pub tranche: Option<String>,
    /// For milestones: the day it was achieved.
    pub achieved_on: Option<NaiveDate>,
    pub value: Option<Decimal>,
    pub numerator: Option<Decimal>,
    pub denominator: Option<Decimal>,
    pub comparison: Option<Decimal>,
    pub cohort_size: Option<Decimal>,
    #[serde(default)]
    pub estimates: Vec<Estimate>,
    pub evidence: Option<String>,
    /// The verified record this one corrects.
    pub supersedes: Option<i64>,
    pub correction_reason: Option<String>,
}

/// An outcome result or milestone as served.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OutcomeResultView {
    pub id: i64,
    pub project_id: i64,
    pub kind: OutcomeKind,
    pub metric: String,
    pub tranche: Option<String>,
    pub achieved_on: Option<NaiveDate>,
    /// Exact decimal strings.
    pub value: Option<String>,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub comparison: Option<String>,
    pub cohort_size: Option<String>,
    /// Blended estimates (comparison-group rules), as JSON text.
    pub estimates: Option<String>,
    pub evidence: Option<String>,
    /// `draft`, `submitted`, `verified` or `rejected`.
    pub status: ReviewStatus,
    /// True once a payout run used the record.
    pub locked: bool,
    pub supersedes_id: Option<i64>,
    pub correction_reason: Option<String>,
    pub superseded_at: Option<NaiveDateTime>,
    pub entered_by: i64,
    pub entered_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub rejection_reason: Option<String>,
    pub lock_version: i32,
}

impl From<OutcomeResultRow> for OutcomeResultView {
    fn from(r: OutcomeResultRow) -> Self {
        OutcomeResultView {
            id: r.id,
            project_id: r.project_id,
            kind: r.kind,
            metric: r.metric,
            tranche: r.tranche,
            achieved_on: r.achieved_on,
            value: r.value,
            numerator: r.numerator,
            denominator: r.denominator,
            comparison: r.comparison,
            cohort_size: r.cohort_size,
            estimates: r.estimates,
            evidence: r.evidence,
            status: r.status,
            locked: r.locked,
            supersedes_id: r.supersedes_id,
            correction_reason: r.correction_reason,
            superseded_at: r.superseded_at,
            entered_by: r.entered_by,
            entered_at: r.entered_at,
            submitted_at: r.submitted_at,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            rejection_reason: r.rejection_reason,
            lock_version: r.lock_version,
        }
    }
}

fn dec(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.normalize().to_string())
}

fn parse_dec(s: &Option<String>) -> Option<Decimal> {
    s.as_deref().and_then(|s| s.parse().ok())
}

/// The engine's outcome data from stored verified records (in id order: deterministic).
pub fn to_engine_outcomes(contract_code: &str, rows: &[OutcomeResultRow]) -> Outcomes {
    let mut out = Outcomes::new(contract_code);
    for row in rows {
        if row.kind == OutcomeKind::Milestone {
            if let Some(achieved_on) = row.achieved_on {
                out.milestones.push(Milestone {
                    id: row.metric.clone(),
                    achieved_on,
                });
            }
            continue;
        }
        out.results.push(MetricResult {
            metric: row.metric.clone(),
            tranche: row.tranche.clone(),
            value: parse_dec(&row.value),
            numerator: parse_dec(&row.numerator),
            denominator: parse_dec(&row.denominator),
            comparison: parse_dec(&row.comparison),
            cohort_size: parse_dec(&row.cohort_size),
            estimates: row
                .estimates
                .as_deref()
                .and_then(|e| serde_json::from_str(e).ok())
                .unwrap_or_default(),
            evidence: row.evidence.clone(),
        });
    }
    out
}

/// Every problem with a result or milestone for this contract, by field.
fn check_input(
    conn: &mut DbConn,
    contract: &seika_core::contract::Contract,
    project_id: i64,
    input: &OutcomeResultInput,
) -> AppResult<Vec<FieldError>> {
    let mut errors = Vec::new();
    match input.kind {
        OutcomeKind::Milestone => {
            let known = contract.components.iter().any(
                |c| matches!(&c.rule, Rule::Fixed { milestone: Some(m), .. } if *m == input.metric),
            );
            if !known {
                errors.push(FieldError::new(
                    "metric",
                    msg!(
                        "outcomes.milestone",
                        "the id of a milestone named by a fixed payment in the contract",
                        "契約の固定支払に定めたマイルストーンの ID"
                    ),
                ));
            }
            if input.achieved_on.is_none() {
                errors.push(FieldError::new(
                    "achieved_on",
                    msg!(
                        "milestone.achieved_on",
                        "the date the milestone was achieved",
                        "マイルストーンの達成日"
                    ),
                ));
            }
        }
        OutcomeKind::Result => {
            let mut probe = Outcomes::new(&contract.code);
            probe.results.push(MetricResult {
                metric: input.metric.clone(),
                tranche: input.tranche.clone(),
                value: input.value,
                numerator: input.numerator,
                denominator: input.denominator,
                comparison: input.comparison,
                cohort_size: input.cohort_size,
                estimates: input.estimates.clone(),
                evidence: input.evidence.clone(),
            });
            for issue in probe.validate(contract) {
                let field = issue
                    .path
                    .en
                    .strip_prefix("results[0].")
                    .unwrap_or(&issue.path.en)
                    .to_owned();
                errors.push(FieldError::new(field, issue.message));
            }
            if let Some(expected) = seika_core::outcomes::value_contradicts_fraction(
                input.value,
                input.numerator,
                input.denominator,
            ) {
                errors.push(FieldError::new("value", expected));
            }
        }
    }
    if let Some(old_id) = input.supersedes {
        match outcomes::find(conn, project_id, old_id)? {
            Some(old)
                if old.status == ReviewStatus::Verified
                    && old.superseded_at.is_none()
                    && old.metric == input.metric
                    && old.tranche == input.tranche => {}
            _ => errors.push(FieldError::new(
                "supersedes",
                msg!(
                    "outcomes.corrects",
                    "the id of the current verified record for the same metric and tranche",
                    "同じ指標・支払時期の現在の検証済み記録の ID"
                ),
            )),
        }
        if input
            .correction_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
        {
            errors.push(FieldError::new(
                "correction_reason",
                msg!(
                    "reason.correction",
                    "the reason for the correction",
                    "訂正の理由"
                ),
            ));
        }
    }
    Ok(errors)
}

/// Stores one entered draft and its audit entry.
fn insert_entered(
    conn: &mut DbConn,
    chain: &audit::ChainLock,
    actor: &Actor,
    project_id: i64,
    input: &OutcomeResultInput,
) -> AppResult<OutcomeResultView> {
    let row = outcomes::insert(
        conn,
        &outcomes::NewOutcomeResult {
            project_id,
            kind: input.kind,
            metric: input.metric.clone(),
            tranche: input.tranche.clone(),
            achieved_on: input.achieved_on,
            value: dec(input.value),
            numerator: dec(input.numerator),
            denominator: dec(input.denominator),
            comparison: dec(input.comparison),
            cohort_size: dec(input.cohort_size),
            estimates: (!input.estimates.is_empty())
                .then(|| serde_json::to_string(&input.estimates).unwrap_or_default()),
            evidence: input.evidence.clone(),
            supersedes_id: input.supersedes,
            correction_reason: input.correction_reason.clone(),
            entered_by: actor.user_id,
        },
    )?;
    let view = OutcomeResultView::from(row);
    audit::append(
        conn,
        chain,
        audit::AuditEntry {
            actor_user_id: Some(actor.user_id),
            action: "outcome_result.entered",
            entity: "outcome_result",
            entity_id: view.id.to_string(),
            before: None,
            after: Some(to_json(&view)?),
        },
    )?;
    Ok(view)
}

/// Enters a result, milestone or correction as a draft. With an idempotency key, a retry of the
/// same request returns the first answer.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    input: OutcomeResultInput,
    idempotency_key: Option<&str>,
) -> AppResult<OutcomeResultView> {
    let hash = idempotency::request_hash(&(project_id, &input));
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::EnterOutcomes)?;
    ensure_accepts_outcome_data(project.status)?;
    let (contract, _) = load_contract(conn, project_id, project.current_terms_version)?;
    let errors = check_input(conn, &contract, project_id, &input)?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    db::audited_write(conn, |conn, chain| {
        idempotency::once(conn, actor.user_id, idempotency_key, &hash, |conn| {
            insert_entered(conn, chain, actor, project_id, &input)
        })
    })
}

/// Discards a draft its enterer no longer wants (for example after its evidence file was
/// refused), with any evidence attached to it; audited. Only the person who entered it, only
/// while it is a draft: a record submitted meanwhile is not deleted (409).
pub fn discard(conn: &mut DbConn, actor: &Actor, project_id: i64, id: i64) -> AppResult<()> {
    authorize(conn, actor, project_id, ProjectAction::EnterOutcomes)?;
    let row =
        outcomes::find(conn, project_id, id)?.ok_or_else(|| AppError::not_found(Thing::Result))?;
    db::audited_write(conn, |conn, chain| {
        if !outcomes::discard_draft(conn, project_id, id, actor.user_id)? {
            return Err(AppError::Conflict(msg!(
                "outcome.discard",
                "only a draft you entered yourself can be discarded; this record was submitted, or entered by someone else",
                "破棄できるのは自分が入力した下書きだけです。この記録は提出済みか、別の人が入力したものです"
            )));
        }
        let before = serde_json::to_value(OutcomeResultView::from(row.clone()))
            .map_err(|e| AppError::Internal(e.into()))?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "outcome_result.discarded",
                entity: "outcome_result",
                entity_id: id.to_string(),
                before: Some(before),
                after: None,
            },
        )?;
        Ok(())
    })
}

/// The project's results (optionally of one status), or with `as_of` the verified data as it
/// stood then.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    status: Option<ReviewStatus>,
    as_of: Option<NaiveDateTime>,
) -> AppResult<Vec<OutcomeResultView>> {
    authorize(conn, actor, project_id, ProjectAction::Read)?;
    let rows = match as_of {
        Some(at) => outcomes::verified_as_of(conn, project_id, at)?,
        None => outcomes::list(conn, project_id, status)?,
    };
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Who did what to a record, when: every audit entry about it, oldest first.
pub fn history(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
) -> AppResult<Vec<AuditEntryView>> {
    authorize(conn, actor, project_id, ProjectAction::Read)?;
    outcomes::find(conn, project_id, id)?.ok_or_else(|| AppError::not_found(Thing::Result))?;
    for_entity(conn, "outcome_result", id)
}

/// Submits, verifies or rejects a result (the shared review workflow).
pub fn review(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
    step: Review,
    reason: Option<&str>,
) -> AppResult<OutcomeResultView> {
    review::review(conn, actor, project_id, id, Target::Result, step, reason)?;
    outcomes::find(conn, project_id, id)?
        .map(Into::into)
        .ok_or_else(|| AppError::not_found(Thing::Result))
}

/// Where an import of results came from, and how to treat it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultsImportParams {
    /// The file's name, for the record (default `results.csv` or `results.xlsx`).
    pub name: Option<String>,
    /// Submit every imported record for verification at once (default: keep them as drafts).
    #[serde(default)]
    pub submit: bool,
    /// Required when a row gives a metric and tranche that already has a verified result: the
    /// row then corrects it, for this reason.
    pub correction_reason: Option<String>,
}

/// What an import stored and how it read the file.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResultsImportReport {
    pub file_name: String,
    pub file_sha256: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// The records stored, in row order.
    pub results: Vec<OutcomeResultView>,
    /// Cells written in a Japanese spreadsheet habit, and how each was read.
    pub readings: Vec<seika_formats::results_sheet::CellReading>,
    /// Template rows left without any figure.
    pub skipped_rows: Vec<usize>,
}

/// Imports aggregate results (and milestones) from a CSV or XLSX file, all or nothing: any bad
/// cell and nothing is stored, every problem named by row and column. The records then follow the
/// same review workflow as those entered one by one.
/// The rows of a results file as inputs, each checked as if entered by hand; a row that would
/// correct a verified result needs the import's correction reason. All problems at once.
fn import_inputs(
    conn: &mut DbConn,
    contract: &seika_core::contract::Contract,
    project_id: i64,
    table: &seika_formats::sheet::Table,
    rows: &[seika_formats::results_sheet::ResultRow],
    params: &ResultsImportParams,
) -> AppResult<Vec<OutcomeResultInput>> {
    let current: Vec<OutcomeResultRow> =
        outcomes::list(conn, project_id, Some(ReviewStatus::Verified))?
            .into_iter()
            .filter(|r| r.superseded_at.is_none())
            .collect();
    let reason = params
        .correction_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for row in rows {
        let kind = if row.milestone {
            OutcomeKind::Milestone
        } else {
            OutcomeKind::Result
        };
        let corrects = current
            .iter()
            .find(|r| r.kind == kind && r.metric == row.metric && r.tranche == row.tranche);
        if corrects.is_some() && reason.is_none() {
            errors.push(FieldError::new(
                table.place_row(row.row),
                msg!("outcomes.correction_reason", "a correction reason (correction_reason): this metric and tranche already has a \
                 verified result, which this row would correct", "訂正理由（correction_reason）: この指標と支払時期には検証済みの成果があり、この行はそれを訂正します"),
            ));
        }
        let input = OutcomeResultInput {
            kind,
            metric: row.metric.clone(),
            tranche: row.tranche.clone(),
            achieved_on: row.achieved_on,
            value: row.value,
            numerator: row.numerator,
            denominator: row.denominator,
            comparison: row.comparison,
            cohort_size: row.cohort_size,
            estimates: Vec::new(),
            evidence: row.evidence.clone(),
            supersedes: corrects.filter(|_| reason.is_some()).map(|r| r.id),
            correction_reason: corrects.and(reason.map(str::to_owned)),
        };
        for e in check_input(conn, contract, project_id, &input)? {
            errors.push(FieldError::new(
                table.place(row.row, &e.field.en),
                e.message,
            ));
        }
        inputs.push(input);
    }
    if errors.is_empty() {
        Ok(inputs)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Stores one imported record as a draft, submitted at once when the import asks for it.
fn store_imported(
    conn: &mut DbConn,
    chain: &audit::ChainLock,
    actor: &Actor,
    project_id: i64,
    input: &OutcomeResultInput,
    submit: bool,
) -> AppResult<OutcomeResultView> {
    let view = insert_entered(conn, chain, actor, project_id, input)?;
    if !submit {
        return Ok(view);
    }
    let moved = db::review::results::transition(
        conn,
        view.id,
        view.lock_version,
        ReviewStatus::Draft,
        ReviewStatus::Submitted,
        None,
        None,
    )?;
    if !moved {
        return Err(AppError::Conflict(msg!(
            "outcome.changed_during_import",
            "an imported record changed while it was being stored",
            "取り込み中に記録が変更されました"
        )));
    }
    outcomes::find(conn, project_id, view.id)?
        .map(Into::into)
        .ok_or_else(|| AppError::not_found(Thing::Result))
}

pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    params: &ResultsImportParams,
    bytes: &[u8],
    limits: &SheetLimits,
    idempotency_key: Option<&str>,
) -> AppResult<ResultsImportReport> {
    use seika_formats::results_sheet;
    use seika_formats::sheet::{Format, Table};
    use sha2::{Digest, Sha256};

    let sha = hex::encode(Sha256::digest(bytes));
    let hash = idempotency::request_hash(&(project_id, params, &sha));
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::EnterOutcomes)?;
    ensure_accepts_outcome_data(project.status)?;
    let (contract, _) = load_contract(conn, project_id, project.current_terms_version)?;
    let table = Table::read(bytes, limits).map_err(|i| AppError::issues(vec![i]))?;
    let parsed = results_sheet::parse(&table, &contract).map_err(AppError::issues)?;
    let inputs = import_inputs(conn, &contract, project_id, &table, &parsed.rows, params)?;
    let format = match table.format {
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
    };
    let file_name = params
        .name
        .clone()
        .unwrap_or_else(|| format!("results.{format}"));
    db::audited_write(conn, |conn, chain| {
        idempotency::once(conn, actor.user_id, idempotency_key, &hash, |conn| {
            let mut results = Vec::new();
            for input in &inputs {
                results.push(store_imported(
                    conn,
                    chain,
                    actor,
                    project_id,
                    input,
                    params.submit,
                )?);
            }
            let report = ResultsImportReport {
                file_name: file_name.clone(),
                file_sha256: sha.clone(),
                format: format.into(),
                results,
                readings: parsed.readings.clone(),
                skipped_rows: parsed.skipped.clone(),
            };
            audit::append(
                conn,
                chain,
                audit::AuditEntry {
                    actor_user_id: Some(actor.user_id),
                    action: "outcome_results.imported",
                    entity: "project",
                    entity_id: project_id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({
                        "file_name": report.file_name,
                        "file_sha256": report.file_sha256,
                        "format": report.format,
                        "result_ids": report.results.iter().map(|r| r.id).collect::<Vec<_>>(),
                        "submitted": params.submit,
                    })),
                },
            )?;
            Ok(report)
        })
    })
}

/// The media type of the CSV template (UTF-8, with a BOM for Excel).
pub const TEMPLATE_CSV_TYPE: &str = "text/csv; charset=utf-8";

/// The project's results template: its metrics and tranches filled in, units stated, as CSV
/// (UTF-8 with BOM) or XLSX.
pub fn template(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    xlsx: bool,
) -> AppResult<super::Download> {
    use seika_formats::{results_sheet, sheet};
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::Read)?;
    let (contract, _) = load_contract(conn, project_id, project.current_terms_version)?;
    let (headers, rows) = results_sheet::template(&contract);
    let stem = format!("{}-results-template", contract.code);
    Ok(if xlsx {
        super::Download {
            file_name: format!("{stem}.xlsx"),
            media_type: sheet::XLSX_MEDIA_TYPE.into(),
            bytes: sheet::write_xlsx("成果 results", &headers, &rows)
                .map_err(|e| AppError::Internal(e.into()))?,
        }
    } else {
        super::Download {
            file_name: format!("{stem}.csv"),
            media_type: TEMPLATE_CSV_TYPE.into(),
            bytes: sheet::write_csv(&headers, &rows),
        }
    })
}
