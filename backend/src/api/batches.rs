//! `/projects/{id}/outcome-batches`: participant-level records imported from CSV, all or nothing,
//! reviewed like results; participant records only for those allowed to see them, aggregates with
//! small cells suppressed for everyone else.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AppState;
use super::auth::AuthUser;
use super::error::{AppError, AppResult, FieldError};
use super::extract::{ApiJson, ApiQuery};
use super::idempotency::{self, IdempotencyKey};
use super::outcomes::{Review, ReviewInput, Target, review};
use super::projects::{authorize, load_contract};
use crate::db::{self, audit, batches};
use crate::domain::access::ProjectAction;
use crate::engine::contract::{Contract, Rule};
use crate::engine::participant_csv;

#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// The file's name, for the record (default `upload.csv`).
    pub name: Option<String>,
    /// The verified batch this import corrects.
    pub supersedes: Option<i64>,
    pub correction_reason: Option<String>,
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
/// the answer lists every problem (row, column, value, what was expected).
pub async fn import(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(project_id): Path<i64>,
    ApiQuery(params): ApiQuery<ImportParams>,
    IdempotencyKey(key): IdempotencyKey,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/csv") {
        return Err(AppError::UnsupportedMediaType(format!(
            "expected text/csv, got `{content_type}`"
        )));
    }
    let actor = auth.actor;
    let sha = hex::encode(Sha256::digest(&body));
    let request_hash = idempotency::request_hash(&(project_id, &params, &sha));
    state
        .db
        .run(move |conn| {
            let (project, _) = authorize(conn, &actor, project_id, ProjectAction::EnterOutcomes)?;
            let (contract, _) = load_contract(conn, project_id, project.current_terms_version)?;
            let allowed = contract_outcomes(&contract);
            if allowed.is_empty() {
                return Err(AppError::Conflict(
                    "this contract pays for no participant-level outcomes".into(),
                ));
            }
            let rows = participant_csv::parse(&body, &allowed).map_err(|issues| {
                AppError::Validation(
                    issues
                        .into_iter()
                        .map(|i| FieldError::new(i.path, i.message))
                        .collect(),
                )
            })?;
            if let Some(old) = params.supersedes {
                let ok = batches::find(conn, project_id, old)?
                    .is_some_and(|b| b.status == "verified" && b.superseded_at.is_none());
                if !ok {
                    return Err(AppError::validation(
                        "supersedes",
                        "the id of a current verified batch of this project",
                    ));
                }
                if params
                    .correction_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
                {
                    return Err(AppError::validation(
                        "correction_reason",
                        "the reason for the correction",
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
            db::write_transaction(conn, |conn| {
                idempotency::once(conn, actor.user_id, key.as_deref(), &request_hash, |conn| {
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
                    )?;
                    let body =
                        serde_json::to_value(&batch).map_err(|e| AppError::Internal(e.into()))?;
                    audit::append(
                        conn,
                        audit::AuditEntry {
                            actor_user_id: Some(actor.user_id),
                            action: "outcome_batch.imported",
                            entity: "outcome_batch",
                            entity_id: batch.id.to_string(),
                            before: None,
                            after: Some(body.clone()),
                        },
                    )?;
                    Ok((StatusCode::CREATED, body))
                })
            })
            .map(|(status, body)| (status, Json(body)))
        })
        .await
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(project_id): Path<i64>,
) -> AppResult<Json<Vec<batches::BatchRow>>> {
    state
        .db
        .run(move |conn| {
            authorize(conn, &auth.actor, project_id, ProjectAction::Read)?;
            Ok(Json(batches::list(conn, project_id)?))
        })
        .await
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RecordView {
    pub participant: String,
    pub outcome: String,
    pub achieved_on: chrono::NaiveDate,
}

/// Participant-level records of a batch: never for investors or the public.
pub async fn records(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((project_id, id)): Path<(i64, i64)>,
) -> AppResult<Json<Vec<RecordView>>> {
    state
        .db
        .run(move |conn| {
            authorize(
                conn,
                &auth.actor,
                project_id,
                ProjectAction::ReadParticipants,
            )?;
            batches::find(conn, project_id, id)?
                .ok_or_else(|| AppError::not_found("outcome batch"))?;
            let mut out = crate::engine::outcomes::ParticipantOutcomes::default();
            batches::load_records(conn, &[id], &mut out)?;
            let serialized =
                serde_json::to_value(&out).map_err(|e| AppError::Internal(e.into()))?;
            let records: Vec<RecordView> =
                serde_json::from_value::<Vec<serde_json::Value>>(serialized)
                    .map_err(|e| AppError::Internal(e.into()))?
                    .into_iter()
                    .filter_map(|v| {
                        Some(RecordView {
                            participant: v["participant"].as_str()?.to_owned(),
                            outcome: v["outcome"].as_str()?.to_owned(),
                            achieved_on: v["achieved_on"].as_str()?.parse().ok()?,
                        })
                    })
                    .collect();
            Ok(Json(records))
        })
        .await
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OutcomeCount {
    pub outcome: String,
    /// `null` when fewer participants than the minimum: suppressed to protect them.
    pub records: Option<i64>,
    pub participants: Option<i64>,
    pub suppressed: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OutcomeSummary {
    pub minimum_cell_size: i64,
    pub outcomes: Vec<OutcomeCount>,
}

/// Aggregate counts of verified participant outcomes; cells under the minimum are suppressed.
pub async fn summary(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(project_id): Path<i64>,
) -> AppResult<Json<OutcomeSummary>> {
    let minimum = state.config.min_aggregate_participants;
    state
        .db
        .run(move |conn| {
            authorize(conn, &auth.actor, project_id, ProjectAction::Read)?;
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
            Ok(Json(OutcomeSummary {
                minimum_cell_size: minimum,
                outcomes,
            }))
        })
        .await
}

pub async fn submit(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((project_id, id)): Path<(i64, i64)>,
) -> AppResult<Json<serde_json::Value>> {
    review(
        state,
        auth,
        project_id,
        id,
        Target::Batch,
        Review::Submit,
        None,
    )
    .await
}

pub async fn verify(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((project_id, id)): Path<(i64, i64)>,
) -> AppResult<Json<serde_json::Value>> {
    review(
        state,
        auth,
        project_id,
        id,
        Target::Batch,
        Review::Verify,
        None,
    )
    .await
}

pub async fn reject(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((project_id, id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> AppResult<Json<serde_json::Value>> {
    review(
        state,
        auth,
        project_id,
        id,
        Target::Batch,
        Review::Reject,
        input.reason,
    )
    .await
}
