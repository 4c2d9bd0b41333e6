//! Evidence files attached to outcome results and batches: the appointed evaluator attaches them
//! while the record is not yet verified; whoever may read the record may download them; a
//! verified record's evidence never changes (a correction brings its own).

use chrono::NaiveDateTime;
use seika_core::msg;
use seika_core::review::ReviewStatus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::projects::authorize;
use crate::error::{AppError, AppResult, Thing};
use seika_core::access::{Actor, ProjectAction};
use seika_core::evidence::{ACCEPTED, extensions_for, name_agrees, plain_name, sniff};
use seika_db::{self as db, DbConn, audit, batches, evidence, outcomes, users};

/// Which kind of record a file is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Collection {
    #[serde(rename = "outcome-results")]
    Results,
    #[serde(rename = "outcome-batches")]
    Batches,
}

impl Collection {
    pub fn as_str(self) -> &'static str {
        match self {
            Collection::Results => "outcome-results",
            Collection::Batches => "outcome-batches",
        }
    }

    /// Reading a batch's evidence needs what reading its participant records needs.
    fn read_action(self) -> ProjectAction {
        match self {
            Collection::Results => ProjectAction::Read,
            Collection::Batches => ProjectAction::ReadParticipants,
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub collection: Collection,
    pub record_id: i64,
    pub file_name: String,
    /// Read from the file's bytes.
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

fn view(conn: &mut DbConn, row: evidence::EvidenceRow) -> AppResult<EvidenceView> {
    let collection = match row.collection.as_str() {
        "outcome-batches" => Collection::Batches,
        _ => Collection::Results,
    };
    Ok(EvidenceView {
        uploaded_by: users::find(conn, row.uploaded_by)?
            .map(|u| u.display_name)
            .unwrap_or_default(),
        id: row.id,
        collection,
        record_id: row.record_id,
        file_name: row.file_name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        uploaded_at: row.uploaded_at,
    })
}

/// The record's status, or 404 when the project has no such record.
fn record_status(
    conn: &mut DbConn,
    project_id: i64,
    collection: Collection,
    record_id: i64,
) -> AppResult<ReviewStatus> {
    let status = match collection {
        Collection::Results => outcomes::find(conn, project_id, record_id)?.map(|r| r.status),
        Collection::Batches => batches::find(conn, project_id, record_id)?.map(|b| b.status),
    };
    status.ok_or_else(|| AppError::not_found(Thing::Record))
}

fn verified_refusal() -> AppError {
    AppError::Conflict(msg!(
        "evidence.verified_fixed",
        "a verified record's evidence cannot change: a correction brings its own",
        "検証済みの記録の根拠資料は変更できません。訂正の記録に添付してください"
    ))
}

/// The file's media type, read from its content, after checking that its name is a plain file
/// name (1 to 200 characters, no folder, `..` or control character) that agrees with it.
fn checked_type(name: &str, bytes: &[u8]) -> AppResult<&'static str> {
    if name.is_empty() || name.chars().count() > 200 || !plain_name(name) {
        return Err(AppError::validation(
            "name",
            msg!(
                "evidence.file_name",
                "the file's name: 1 to 200 characters, without a folder, `..` or line breaks",
                "ファイル名（1〜200文字。フォルダ、`..`、改行を含まない）"
            ),
        ));
    }
    let Some(content_type) = sniff(bytes) else {
        let accepted = ACCEPTED.join(", ");
        return Err(AppError::UnsupportedMediaType(msg!(
            "evidence.type",
            "evidence must be one of: PDF, XLSX, CSV, PNG or JPEG (read from the file's content: {accepted})",
            "根拠資料は PDF、XLSX、CSV、PNG、JPEG のいずれかです（ファイルの中身から判定: {accepted}）"
        )));
    };
    if !name_agrees(name, content_type) {
        let extensions = extensions_for(content_type).join(", .");
        return Err(AppError::validation(
            "name",
            msg!(
                "evidence.name_type",
                "a name ending .{} as its content is {}: the name and the content must agree",
                "末尾が .{} のファイル名（内容が {} のため。名前と内容が一致すること）",
                extensions,
                content_type
            ),
        ));
    }
    Ok(content_type)
}

/// Attaches a file to a record not yet verified.
pub fn attach(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    collection: Collection,
    record_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> AppResult<EvidenceView> {
    authorize(conn, actor, project_id, ProjectAction::EnterOutcomes)?;
    if record_status(conn, project_id, collection, record_id)? == ReviewStatus::Verified {
        return Err(verified_refusal());
    }
    let name = file_name.trim();
    let content_type = checked_type(name, bytes)?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    db::audited_write(conn, |conn, chain| {
        // Checked again under the record's row lock: a verification committed meanwhile wins.
        if !evidence::hold_unverified(conn, collection.as_str(), record_id)? {
            return Err(verified_refusal());
        }
        let id = evidence::insert(
            conn,
            &evidence::NewEvidence {
                project_id,
                collection: collection.as_str(),
                record_id,
                file_name: name,
                content_type,
                sha256: &sha256,
                content: bytes,
                uploaded_by: actor.user_id,
            },
        )?;
        let row = evidence::find(conn, project_id, id)?
            .ok_or_else(|| AppError::not_found(Thing::Evidence))?;
        let view = view(conn, row)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "evidence.attached",
                entity: if collection == Collection::Results {
                    "outcome_result"
                } else {
                    "outcome_batch"
                },
                entity_id: record_id.to_string(),
                before: None,
                after: Some(super::to_json(&view)?),
            },
        )?;
        Ok(view)
    })
}

/// A record's evidence files (without their content).
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    collection: Collection,
    record_id: i64,
) -> AppResult<Vec<EvidenceView>> {
    authorize(conn, actor, project_id, collection.read_action())?;
    record_status(conn, project_id, collection, record_id)?;
    evidence::of_record(conn, collection.as_str(), record_id)?
        .into_iter()
        .map(|row| view(conn, row))
        .collect()
}

/// One evidence file with its content, for those who may read its record.
pub fn download(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
) -> AppResult<(EvidenceView, Vec<u8>)> {
    authorize(conn, actor, project_id, ProjectAction::Read)?;
    let row = evidence::find(conn, project_id, id)?
        .ok_or_else(|| AppError::not_found(Thing::Evidence))?;
    let collection = if row.collection == "outcome-batches" {
        Collection::Batches
    } else {
        Collection::Results
    };
    authorize(conn, actor, project_id, collection.read_action())?;
    let content = evidence::content(conn, id)?;
    Ok((view(conn, row)?, content))
}
