//! `/projects/{id}/outcome-results`: aggregate results and milestones, entered by the appointed
//! evaluator, verified by a different person of that evaluator, corrected only by new versions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::auth::AuthUser;
use super::error::{AppError, AppResult, FieldError};
use super::extract::{ApiJson, ApiQuery};
use super::idempotency::{self, IdempotencyKey};
use super::projects::{authorize, load_contract};
use super::{AppState, to_json};
use crate::db::outcomes::{self, OutcomeResultRow};
use crate::db::{self, DbConn, audit, batches};
use crate::domain::access::ProjectAction;
use crate::engine::contract::Rule;
use crate::engine::outcomes::{Estimate, MetricResult, Milestone, Outcomes};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    #[default]
    Result,
    Milestone,
}

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

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OutcomeResultView {
    #[serde(flatten)]
    pub row: OutcomeResultRow,
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
        if row.kind == "milestone" {
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

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(project_id): Path<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(input): ApiJson<OutcomeResultInput>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let actor = auth.actor;
    let hash = idempotency::request_hash(&(project_id, &input));
    state
        .db
        .run(move |conn| {
            let (project, _) = authorize(conn, &actor, project_id, ProjectAction::EnterOutcomes)?;
            let (contract, _) = load_contract(conn, project_id, project.current_terms_version)?;
            let mut errors = Vec::new();
            match input.kind {
                OutcomeKind::Milestone => {
                    let known = contract.components.iter().any(|c| matches!(&c.rule, Rule::Fixed { milestone: Some(m), .. } if *m == input.metric));
                    if !known {
                        errors.push(FieldError::new("metric", "the id of a milestone named by a fixed payment in the contract"));
                    }
                    if input.achieved_on.is_none() {
                        errors.push(FieldError::new("achieved_on", "the date the milestone was achieved"));
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
                    for issue in probe.validate(&contract) {
                        let field = issue.path.strip_prefix("results[0].").unwrap_or(&issue.path).to_owned();
                        errors.push(FieldError::new(field, issue.message));
                    }
                }
            }
            if let Some(old_id) = input.supersedes {
                match outcomes::find(conn, project_id, old_id)? {
                    Some(old) if old.status == "verified" && old.superseded_at.is_none() && old.metric == input.metric && old.tranche == input.tranche => {}
                    _ => errors.push(FieldError::new("supersedes", "the id of the current verified record for the same metric and tranche")),
                }
                if input.correction_reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    errors.push(FieldError::new("correction_reason", "the reason for the correction"));
                }
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            db::write_transaction(conn, |conn| {
                idempotency::once(conn, actor.user_id, key.as_deref(), &hash, |conn| {
                    let row = outcomes::insert(conn, &outcomes::NewOutcomeResult {
                        project_id,
                        kind: if input.kind == OutcomeKind::Milestone { "milestone" } else { "result" }.into(),
                        metric: input.metric.clone(),
                        tranche: input.tranche.clone(),
                        achieved_on: input.achieved_on,
                        value: dec(input.value),
                        numerator: dec(input.numerator),
                        denominator: dec(input.denominator),
                        comparison: dec(input.comparison),
                        cohort_size: dec(input.cohort_size),
                        estimates: (!input.estimates.is_empty()).then(|| serde_json::to_string(&input.estimates).unwrap_or_default()),
                        evidence: input.evidence.clone(),
                        supersedes_id: input.supersedes,
                        correction_reason: input.correction_reason.clone(),
                        entered_by: actor.user_id,
                    })?;
                    audit::append(conn, audit::AuditEntry {
                        actor_user_id: Some(actor.user_id),
                        action: "outcome_result.entered",
                        entity: "outcome_result",
                        entity_id: row.id.to_string(),
                        before: None,
                        after: Some(to_json(&row)?),
                    })?;
                    Ok((StatusCode::CREATED, to_json(&row)?))
                })
            })
            .map(|(status, body)| (status, Json(body)))
        })
        .await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub status: Option<String>,
    /// Verified records as they stood at this moment (UTC, e.g. 2026-01-31T00:00:00).
    pub as_of: Option<NaiveDateTime>,
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(project_id): Path<i64>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> AppResult<Json<Vec<OutcomeResultRow>>> {
    state
        .db
        .run(move |conn| {
            authorize(conn, &auth.actor, project_id, ProjectAction::Read)?;
            let rows = match params.as_of {
                Some(at) => outcomes::verified_as_of(conn, project_id, at)?,
                None => outcomes::list(conn, project_id, params.status.as_deref())?,
            };
            Ok(Json(rows))
        })
        .await
}

/// The record's history: every audit entry about it, oldest first.
pub async fn history(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((project_id, id)): Path<(i64, i64)>,
) -> AppResult<Json<Vec<audit::AuditRow>>> {
    state
        .db
        .run(move |conn| {
            authorize(conn, &auth.actor, project_id, ProjectAction::Read)?;
            outcomes::find(conn, project_id, id)?
                .ok_or_else(|| AppError::not_found("outcome result"))?;
            Ok(Json(audit::for_entity(
                conn,
                "outcome_result",
                &id.to_string(),
            )?))
        })
        .await
}

#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub reason: Option<String>,
}

#[derive(Clone, Copy)]
pub enum Review {
    Submit,
    Verify,
    Reject,
}

/// What is being reviewed: an aggregate result or a batch of participant records.
#[derive(Clone, Copy)]
pub enum Target {
    Result,
    Batch,
}

/// The workflow state of a reviewable record, whichever table it lives in.
struct Reviewable {
    status: String,
    entered_by: i64,
    lock_version: i32,
    supersedes_id: Option<i64>,
    /// (kind, metric, tranche) for results: at most one current verified record per key.
    key: Option<(String, String, Option<String>)>,
}

fn load_reviewable(
    conn: &mut DbConn,
    target: Target,
    project_id: i64,
    id: i64,
) -> AppResult<Reviewable> {
    match target {
        Target::Result => {
            let r = outcomes::find(conn, project_id, id)?
                .ok_or_else(|| AppError::not_found("outcome result"))?;
            Ok(Reviewable {
                status: r.status,
                entered_by: r.entered_by,
                lock_version: r.lock_version,
                supersedes_id: r.supersedes_id,
                key: Some((r.kind, r.metric, r.tranche)),
            })
        }
        Target::Batch => {
            let b = batches::find(conn, project_id, id)?
                .ok_or_else(|| AppError::not_found("outcome batch"))?;
            Ok(Reviewable {
                status: b.status,
                entered_by: b.entered_by,
                lock_version: b.lock_version,
                supersedes_id: b.supersedes_id,
                key: None,
            })
        }
    }
}

/// Submit, verify or reject a record. Verification is by someone other than the person who
/// entered it, from the project's appointed evaluator; one conditional UPDATE decides between
/// concurrent reviewers.
pub async fn review(
    state: AppState,
    auth: AuthUser,
    project_id: i64,
    id: i64,
    target: Target,
    review: Review,
    reason: Option<String>,
) -> AppResult<Json<serde_json::Value>> {
    if matches!(review, Review::Reject) && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(AppError::validation(
            "reason",
            "the reason for rejecting the record",
        ));
    }
    let actor = auth.actor;
    state
        .db
        .run(move |conn| {
            let action = match review {
                Review::Submit => ProjectAction::EnterOutcomes,
                Review::Verify | Review::Reject => ProjectAction::VerifyOutcomes,
            };
            authorize(conn, &actor, project_id, action)?;
            let row = load_reviewable(conn, target, project_id, id)?;
            let (from, to, verb) = match review {
                Review::Submit => ("draft", "submitted", "submitted"),
                Review::Verify => ("submitted", "verified", "verified"),
                Review::Reject => ("submitted", "rejected", "rejected"),
            };
            if !matches!(review, Review::Submit) && row.entered_by == actor.user_id {
                return Err(AppError::Forbidden("four-eyes rule: a record is verified by someone other than the person who entered it".into()));
            }
            if row.status != from {
                return Err(AppError::Conflict(format!("the record is {}, not {from}", row.status)));
            }
            let entity = match target {
                Target::Result => "outcome_result",
                Target::Batch => "outcome_batch",
            };
            db::write_transaction(conn, |conn| {
                if let (Review::Verify, None, Some((kind, metric, tranche))) = (review, row.supersedes_id, &row.key) {
                    let current = outcomes::verified_as_of(conn, project_id, db::now())?;
                    if current.iter().any(|r| &r.metric == metric && &r.tranche == tranche && &r.kind == kind) {
                        return Err(AppError::Conflict("a verified record for this metric and tranche exists: enter a correction that supersedes it".into()));
                    }
                }
                let reviewer = (!matches!(review, Review::Submit)).then_some(actor.user_id);
                let moved = match target {
                    Target::Result => outcomes::transition(conn, id, row.lock_version, from, to, reviewer, reason.as_deref())?,
                    Target::Batch => batches::transition(conn, id, row.lock_version, from, to, reviewer, reason.as_deref())?,
                };
                if !moved {
                    return Err(AppError::Conflict("someone else changed this record at the same time; reload it".into()));
                }
                let after = match target {
                    Target::Result => to_json(&outcomes::find(conn, project_id, id)?)?,
                    Target::Batch => to_json(&batches::find(conn, project_id, id)?)?,
                };
                if matches!(review, Review::Verify) && let Some(old) = row.supersedes_id {
                    let at = db::now();
                    match target {
                        Target::Result => outcomes::supersede(conn, old, at)?,
                        Target::Batch => batches::supersede(conn, old, at)?,
                    }
                }
                audit::append(conn, audit::AuditEntry {
                    actor_user_id: Some(actor.user_id),
                    action: &format!("{entity}.{verb}"),
                    entity,
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"status": from})),
                    after: Some(serde_json::json!({"status": to, "reason": reason})),
                })?;
                Ok(Json(after))
            })
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
        Target::Result,
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
        Target::Result,
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
        Target::Result,
        Review::Reject,
        input.reason,
    )
    .await
}
