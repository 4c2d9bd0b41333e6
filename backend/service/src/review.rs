//! The one review workflow shared by aggregate results and participant batches:
//! draft → submitted → verified or rejected, with corrections that supersede a verified record.
//!
//! Four eyes: a record is verified or rejected by someone other than the person who entered it,
//! of the project's appointed evaluator. Every change is a conditional UPDATE expecting one row;
//! the database's partial unique indexes keep at most one current verified record per metric and
//! tranche and at most one verified correction per record, so the loser of any race gets 409 and
//! nothing changes.

use crate::error::{AppError, AppResult, Thing};
use crate::projects::authorize;
use seika_core::access::{Actor, ProjectAction};
use seika_core::duty::Duty;
use seika_core::msg;
use seika_core::project::ProjectStatus;
use seika_core::review::ReviewStatus;
use seika_db::review::{self, ReviewState};
use seika_db::{self as db, DbConn, audit};

/// What is reviewed: an aggregate result (or milestone) or a batch of participant records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Result,
    Batch,
}

impl Target {
    /// The audit log's entity name.
    pub fn entity(self) -> &'static str {
        match self {
            Target::Result => "outcome_result",
            Target::Batch => "outcome_batch",
        }
    }

    fn what(self) -> Thing {
        match self {
            Target::Result => Thing::Result,
            Target::Batch => Thing::Batch,
        }
    }

    fn state(self, conn: &mut DbConn, project_id: i64, id: i64) -> AppResult<ReviewState> {
        let found = match self {
            Target::Result => review::results::state(conn, project_id, id)?,
            Target::Batch => review::batches::state(conn, project_id, id)?,
        };
        found.ok_or_else(|| AppError::not_found(self.what()))
    }

    fn transition(
        self,
        conn: &mut DbConn,
        row: &ReviewState,
        from: ReviewStatus,
        to: ReviewStatus,
        reviewer: Option<i64>,
        reason: Option<&str>,
    ) -> AppResult<bool> {
        Ok(match self {
            Target::Result => review::results::transition(
                conn,
                row.id,
                row.lock_version,
                from,
                to,
                reviewer,
                reason,
            )?,
            Target::Batch => review::batches::transition(
                conn,
                row.id,
                row.lock_version,
                from,
                to,
                reviewer,
                reason,
            )?,
        })
    }

    fn supersede(self, conn: &mut DbConn, id: i64) -> AppResult<bool> {
        let at = db::now();
        Ok(match self {
            Target::Result => review::results::supersede(conn, id, at)?,
            Target::Batch => review::batches::supersede(conn, id, at)?,
        })
    }

    /// True when `id` is the project's current verified record of this kind.
    pub fn is_current_verified(
        self,
        conn: &mut DbConn,
        project_id: i64,
        id: i64,
    ) -> AppResult<bool> {
        Ok(match self {
            Target::Result => review::results::is_current_verified(conn, project_id, id)?,
            Target::Batch => review::batches::is_current_verified(conn, project_id, id)?,
        })
    }
}

/// The body of a rejection (and, empty, of the other steps).
#[derive(Debug, serde::Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// Why the record is rejected; required when rejecting.
    pub reason: Option<String>,
}

/// A step of the workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Review {
    Submit,
    Verify,
    Reject,
}

/// Refuses new outcome data on a project that is not live (draft, closed or terminated).
pub fn ensure_accepts_outcome_data(status: ProjectStatus) -> AppResult<()> {
    match status {
        s if s.accepts_outcome_data() => Ok(()),
        _ => Err(AppError::Conflict({
            let (en, ja) = status.words();
            msg!(
                "outcome.project_status",
                "the project is {en}: only published, in-service and evaluating projects take outcome data",
                "この事業は{ja}のため、成果データを受け付けません（公表済み・実施中・評価中の事業のみ）"
            )
        })),
    }
}

/// Submits, verifies or rejects a record; returns its id once the change is committed.
pub fn review(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
    target: Target,
    step: Review,
    reason: Option<&str>,
) -> AppResult<i64> {
    if step == Review::Reject && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(AppError::validation(
            "reason",
            msg!(
                "reason.rejection",
                "the reason for rejecting the record",
                "記録を差し戻す理由"
            ),
        ));
    }
    let action = match step {
        Review::Submit => ProjectAction::EnterOutcomes,
        Review::Verify | Review::Reject => ProjectAction::VerifyOutcomes,
    };
    let (project, _) = authorize(conn, actor, project_id, action)?;
    let row = target.state(conn, project_id, id)?;
    let (from, to) = match step {
        Review::Submit => (ReviewStatus::Draft, ReviewStatus::Submitted),
        Review::Verify => (ReviewStatus::Submitted, ReviewStatus::Verified),
        Review::Reject => (ReviewStatus::Submitted, ReviewStatus::Rejected),
    };
    if step != Review::Reject {
        ensure_accepts_outcome_data(project.status)?;
    }
    if step != Review::Submit && row.entered_by == actor.user_id {
        return Err(AppError::Forbidden(Duty::EntererVerifies.message()));
    }
    if row.status != from {
        return Err(AppError::Conflict(msg!(
            "outcome.status_changed",
            "the record is {status}, not {from}",
            "この記録の状態は {status} です（{from} ではありません）。再読み込みしてください",
            status = row.status.as_str(),
            from = from.as_str()
        )));
    }
    db::audited_write(conn, |conn, chain| {
        // A correction first retires the record it corrects, expecting it to be current: of two
        // corrections of one record only the first to get here succeeds.
        if step == Review::Verify
            && let Some(old) = row.supersedes_id
            && !target.supersede(conn, old)?
        {
            return Err(AppError::Conflict(msg!(
                "outcome.correction_stale",
                "the record this corrects is no longer the current verified one: another \
                 correction was verified first; reload and correct the current record",
                "訂正の対象がすでに現在の検証済み記録ではありません。別の訂正が先に検証されました。再読み込みして現在の記録を訂正してください"
            )));
        }
        // A batch's sample must be finished, and its discrepancies within the contract's
        // tolerance or explained, under the batch's row lock (findings wait for the decision).
        if target == Target::Batch && step == Review::Verify {
            db::samples::hold_submitted(conn, id)?;
            super::samples::ensure_verifiable(conn, project_id, id, reason)?;
        }
        let reviewer = (step != Review::Submit).then_some(actor.user_id);
        let rejection = if step == Review::Reject { reason } else { None };
        let moved = target
            .transition(conn, &row, from, to, reviewer, rejection)
            .map_err(|e| match e {
                AppError::Conflict(_) => AppError::Conflict(msg!(
                    "outcome.verified_exists",
                    "a verified record for this metric and tranche exists: enter a correction \
                     that supersedes it",
                    "この指標・支払時期には検証済みの記録があります。それを訂正する記録として入力してください"
                )),
                other => other,
            })?;
        if !moved {
            return Err(AppError::Conflict(msg!(
                "outcome.changed",
                "someone else changed this record at the same time; reload it",
                "同時に他の人がこの記録を変更しました。再読み込みしてください"
            )));
        }
        let entity = target.entity();
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: &format!("{entity}.{}", to.as_str()),
                entity,
                entity_id: id.to_string(),
                before: Some(serde_json::json!({"status": from})),
                after: Some(serde_json::json!({"status": to, "reason": reason})),
            },
        )?;
        Ok(id)
    })
}
