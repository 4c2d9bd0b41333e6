//! Erasure of a participant's records on a lawful request (APPI 利用停止・消去, GDPR Art. 17), by
//! the appointed evaluator, with a reason, audited without the key itself.
//!
//! Records in a batch that a stored payout run used are kept, under the participant's pseudonym
//! only (see [`seika_core::outcomes::pseudonym`]): the run's input hash covers participants
//! by their pseudonyms, so it still reproduces byte for byte. Records no stored run used are
//! deleted, with their place in any sample; those batches' row counts follow.

use seika_core::msg;
use serde::{Deserialize, Serialize};

use super::projects::authorize;
use crate::error::{AppError, AppResult};
use seika_core::access::{Actor, ProjectAction};
use seika_core::job::JobKind;
use seika_core::outcomes::{ERASED_PREFIX, pseudonym};
use seika_db::{self as db, DbConn, audit, batches};

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureInput {
    /// The participant's key as imported.
    pub participant: String,
    /// The lawful request this answers (e.g. its reference and date).
    pub reason: String,
}

/// What an erasure did.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErasureReport {
    /// The pseudonym the kept records now carry.
    pub pseudonym: String,
    /// Records kept under the pseudonym (used by stored payout runs).
    pub records_pseudonymised: usize,
    /// Records deleted (no stored run used them).
    pub records_deleted: usize,
    /// The batches that held the participant's records.
    pub batch_ids: Vec<i64>,
    /// Finished import jobs whose stored file was dropped (their results and problems name the
    /// pseudonym instead of the key).
    pub jobs_scrubbed: usize,
}

/// An import still waiting or running could bring the key back after its erasure: 409 until it
/// has finished.
fn refuse_while_importing(conn: &mut DbConn, project_id: i64) -> AppResult<()> {
    let importing = db::jobs::unfinished_on_project(conn, project_id, JobKind::ParticipantImport)?;
    if importing > 0 {
        return Err(AppError::Conflict(msg!(
            "privacy.import_running",
            "an import of participant records is waiting or running for this project; erase once it has finished",
            "この事業で参加者記録の取り込みが待機中または実行中です。終わってから消去してください"
        )));
    }
    Ok(())
}

pub fn erase(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    input: &ErasureInput,
) -> AppResult<ErasureReport> {
    authorize(conn, actor, project_id, ProjectAction::EnterOutcomes)?;
    let key = input.participant.trim();
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::validation(
            "reason",
            msg!(
                "privacy.erasure_reason",
                "the lawful request this erasure answers (1 to 1000 characters)",
                "この消去が対応する法的な請求（1〜1000文字）"
            ),
        ));
    }
    if key.is_empty() || key.starts_with(ERASED_PREFIX) {
        return Err(AppError::validation(
            "participant",
            msg!(
                "privacy.participant",
                "the participant's key as imported (not one already erased)",
                "取り込んだときの参加者 ID（消去済みのものを除く）"
            ),
        ));
    }
    let alias = pseudonym(key).into_owned();
    db::audited_write(conn, |conn, chain| {
        refuse_while_importing(conn, project_id)?;
        let rows = batches::records_of_participant(conn, project_id, key)?;
        if rows.is_empty() {
            return Err(AppError::validation(
                "participant",
                msg!(
                    "privacy.participant_records",
                    "the key of a participant with records in this project",
                    "この事業に記録のある参加者 ID"
                ),
            ));
        }
        let kept: Vec<i64> = rows.iter().filter(|r| r.2).map(|r| r.0).collect();
        let pseudonymised = batches::pseudonymise(conn, &kept, &alias)?;
        let mut batch_ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
        batch_ids.sort_unstable();
        batch_ids.dedup();
        let mut deleted = 0;
        for batch in &batch_ids {
            let ids: Vec<i64> = rows
                .iter()
                .filter(|r| !r.2 && r.1 == *batch)
                .map(|r| r.0)
                .collect();
            if !ids.is_empty() {
                deleted += batches::delete_records(conn, *batch, &ids)?;
            }
        }
        let key_json = serde_json::to_string(key).map_err(|e| AppError::Internal(e.into()))?;
        let jobs_scrubbed = db::jobs::scrub_finished(
            conn,
            project_id,
            JobKind::ParticipantImport,
            key_json.trim_matches('"'),
            &alias,
        )?;
        let report = ErasureReport {
            pseudonym: alias.clone(),
            records_pseudonymised: pseudonymised,
            records_deleted: deleted,
            batch_ids,
            jobs_scrubbed,
        };
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "participant.erased",
                entity: "project",
                entity_id: project_id.to_string(),
                before: None,
                // Never the key itself: the audit log outlives the erasure.
                after: Some(serde_json::json!({
                    "pseudonym": report.pseudonym,
                    "reason": reason,
                    "records_pseudonymised": report.records_pseudonymised,
                    "records_deleted": report.records_deleted,
                    "batch_ids": report.batch_ids,
                    "jobs_scrubbed": report.jobs_scrubbed,
                })),
            },
        )?;
        Ok(report)
    })
}
