//! Batches of participant-level records imported from CSV, all or nothing, reviewed like results
//! (see [`super::review`]); participant records only for those allowed to see them, aggregates
//! with small cells suppressed for everyone else.

use chrono::{NaiveDate, NaiveDateTime};
use seika_core::msg;
use seika_core::review::ReviewStatus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::idempotency;
use super::projects::{authorize, load_contract};
use super::review::{self, Review, Target, ensure_accepts_outcome_data};
use crate::error::{AppError, AppResult, Thing};
use seika_core::access::{Actor, ProjectAction};
use seika_core::contract::{Contract, Rule};
use seika_db::{self as db, DbConn, audit, batches};
use seika_formats::participant_csv;
use seika_formats::sheet::SheetLimits;

/// Where an import came from and what it corrects.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// The file's name, for the record (default `upload.csv`).
    pub name: Option<String>,
    /// The verified batch this import corrects.
    pub supersedes: Option<i64>,
    pub correction_reason: Option<String>,
}

/// A batch as served.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BatchView {
    pub id: i64,
    pub project_id: i64,
    pub source_name: String,
    pub source_sha256: String,
    pub row_count: i64,
    /// `draft`, `submitted`, `verified` or `rejected`.
    pub status: ReviewStatus,
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

impl From<batches::BatchRow> for BatchView {
    fn from(b: batches::BatchRow) -> Self {
        BatchView {
            id: b.id,
            project_id: b.project_id,
            source_name: b.source_name,
            source_sha256: b.source_sha256,
            row_count: b.row_count,
            status: b.status,
            locked: b.locked,
            supersedes_id: b.supersedes_id,
            correction_reason: b.correction_reason,
            superseded_at: b.superseded_at,
            entered_by: b.entered_by,
            entered_at: b.entered_at,
            submitted_at: b.submitted_at,
            reviewed_by: b.reviewed_by,
            reviewed_at: b.reviewed_at,
            rejection_reason: b.rejection_reason,
            lock_version: b.lock_version,
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RecordView {
    pub participant: String,
    pub outcome: String,
    pub achieved_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OutcomeCount {
    pub outcome: String,
    /// `null` when fewer participants than the minimum: suppressed to protect them.
    pub records: Option<i64>,
    pub participants: Option<i64>,
    pub suppressed: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OutcomeSummary {
    pub minimum_cell_size: i64,
    pub outcomes: Vec<OutcomeCount>,
}

/// The outcome names the contract pays for (rate-card outcomes and person-period states).
pub fn contract_outcomes(contract: &Contract) -> Vec<String> {
    let mut names = Vec::new();
    for c in &contract.components {
        match &c.rule {
            Rule::RateCard { outcomes, .. } => {
                names.extend(outcomes.iter().map(|o| o.outcome.clone()))
            }
            Rule::PersonPeriod { state, .. } => names.push(state.clone()),
            _ => {}
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Imports a CSV of participant records as a draft batch. Any invalid row: nothing is stored and
/// the error lists every problem (row, column, value, what was expected).
/// Whether the actor may import participant records into this project now (checked before a
/// large import is queued as a job, so a refusal comes at once).
pub fn may_import(conn: &mut DbConn, actor: &Actor, project_id: i64) -> AppResult<()> {
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::EnterOutcomes)?;
    ensure_accepts_outcome_data(project.status)
}

/// Refuses a file already imported into the project (same SHA-256) as a batch that was not
/// rejected, naming that batch: correct it, or reject it, instead of importing the file again.
pub fn ensure_new_file(conn: &mut DbConn, project_id: i64, sha: &str) -> AppResult<()> {
    match batches::holding_file(conn, project_id, sha)? {
        None => Ok(()),
        Some(earlier) => Err(same_file(Some(&earlier))),
    }
}

/// The refusal of a file imported already (`earlier`: the batch holding it, where known).
fn same_file(earlier: Option<&batches::BatchRow>) -> AppError {
    match earlier {
        Some(b) => {
            let (id, name, day) = (b.id, &b.source_name, b.entered_at.date());
            AppError::Conflict(msg!(
                "batch.same_file",
                "this file was imported already, as batch {id} (`{name}`, {day}); correct or reject that batch instead of importing the same file again",
                "このファイルは取込済みです（取込 {id}、`{name}`、{day}）。同じファイルを再度取り込まず、その取込を訂正するか差し戻してください"
            ))
        }
        None => AppError::Conflict(msg!(
            "batch.same_file_now",
            "the same file is being imported into this project at this moment",
            "同じファイルがこの事業に同時に取り込まれています"
        )),
    }
}

pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    params: &ImportParams,
    csv: &[u8],
    limits: &SheetLimits,
    idempotency_key: Option<&str>,
) -> AppResult<BatchView> {
    let sha = hex::encode(Sha256::digest(csv));
    let request_hash = idempotency::request_hash(&(project_id, params, &sha));
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::EnterOutcomes)?;
    ensure_accepts_outcome_data(project.status)?;
    let (contract, _) = load_contract(conn, project_id, project.current_terms_version)?;
    let allowed = contract_outcomes(&contract);
    if allowed.is_empty() {
        return Err(AppError::Conflict(msg!(
            "batch.no_participant_outcomes",
            "this contract pays for no participant-level outcomes",
            "この契約には参加者ごとの成果に対する支払がありません"
        )));
    }
    let rows = participant_csv::parse(csv, &allowed, limits).map_err(AppError::issues)?;
    if let Some(old) = params.supersedes {
        if !Target::Batch.is_current_verified(conn, project_id, old)? {
            return Err(AppError::validation(
                "supersedes",
                msg!(
                    "batch.verified_id",
                    "the id of a current verified batch of this project",
                    "この事業の現在の検証済みデータの ID"
                ),
            ));
        }
        if params
            .correction_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
        {
            return Err(AppError::validation(
                "correction_reason",
                msg!(
                    "reason.correction",
                    "the reason for the correction",
                    "訂正の理由"
                ),
            ));
        }
    }
    let records: Vec<batches::NewRecord> = rows
        .into_iter()
        .map(|r| batches::NewRecord {
            participant: r.participant,
            cohort: r.cohort,
            enrolled_on: r.enrolled_on,
            outcome: r.outcome,
            achieved_on: r.achieved_on,
        })
        .collect();
    let name = params.name.clone().unwrap_or_else(|| "upload.csv".into());
    db::audited_write(conn, |conn, chain| {
        idempotency::once(
            conn,
            actor.user_id,
            idempotency_key,
            &request_hash,
            |conn| {
                ensure_new_file(conn, project_id, &sha)?;
                let batch = batches::insert(
                    conn,
                    &batches::NewBatch {
                        project_id,
                        source_name: &name,
                        source_sha256: &sha,
                        supersedes_id: params.supersedes,
                        correction_reason: params.correction_reason.as_deref(),
                        entered_by: actor.user_id,
                    },
                    &records,
                )
                .map_err(|e| {
                    // Two imports of one file at once: the unique index lets one in.
                    if seika_db::is_unique_violation(&e) {
                        same_file(None)
                    } else {
                        e.into()
                    }
                })?;
                let view = BatchView::from(batch);
                let body = serde_json::to_value(&view).map_err(|e| AppError::Internal(e.into()))?;
                audit::append(
                    conn,
                    chain,
                    audit::AuditEntry {
                        actor_user_id: Some(actor.user_id),
                        action: "outcome_batch.imported",
                        entity: "outcome_batch",
                        entity_id: view.id.to_string(),
                        before: None,
                        after: Some(body),
                    },
                )?;
                Ok(view)
            },
        )
    })
}

pub fn list(conn: &mut DbConn, actor: &Actor, project_id: i64) -> AppResult<Vec<BatchView>> {
    authorize(conn, actor, project_id, ProjectAction::Read)?;
    Ok(batches::list(conn, project_id)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Participant-level records of a batch: never for investors or the public.
/// One page of a batch's records, with the batch's row count (a batch may hold millions).
pub fn records(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
    window: (i64, i64),
) -> AppResult<(Vec<RecordView>, i64)> {
    authorize(conn, actor, project_id, ProjectAction::ReadParticipants)?;
    let batch =
        batches::find(conn, project_id, id)?.ok_or_else(|| AppError::not_found(Thing::Batch))?;
    let items = batches::records_page(conn, id, window)?
        .into_iter()
        .map(|(participant, outcome, achieved_on)| RecordView {
            participant,
            outcome,
            achieved_on,
        })
        .collect();
    Ok((items, batch.row_count))
}

/// Aggregate counts of verified participant outcomes; cells under `minimum` are suppressed.
pub fn summary(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    minimum: i64,
) -> AppResult<OutcomeSummary> {
    authorize(conn, actor, project_id, ProjectAction::Read)?;
    let ids = batches::verified_as_of(conn, project_id, db::now())?;
    let outcomes = batches::counts_by_outcome(conn, &ids)?
        .into_iter()
        .map(|(outcome, records, participants)| {
            let suppressed = participants < minimum;
            OutcomeCount {
                outcome,
                records: (!suppressed).then_some(records),
                participants: (!suppressed).then_some(participants),
                suppressed,
            }
        })
        .collect();
    Ok(OutcomeSummary {
        minimum_cell_size: minimum,
        outcomes,
    })
}

/// Submits, verifies or rejects a batch (the shared review workflow).
pub fn review(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
    step: Review,
    reason: Option<&str>,
) -> AppResult<BatchView> {
    review::review(conn, actor, project_id, id, Target::Batch, step, reason)?;
    batches::find(conn, project_id, id)?
        .map(Into::into)
        .ok_or_else(|| AppError::not_found(Thing::Batch))
}
