//! The audit log as people read it: entries and the chain check.

use chrono::NaiveDateTime;
use seika_core::msg;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use seika_core::access::{Actor, can_administer_platform};
pub use seika_db::audit::{AuditFilter, ChainReport};
use seika_db::{DbConn, audit};

/// One audit entry as served: who did what to which record, with its state before and after.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    /// The person's name, as people know them (`null` for the system).
    #[serde(default)]
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The record's state before, as JSON text.
    pub before_state: Option<String>,
    /// The record's state after, as JSON text.
    pub after_state: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<audit::AuditRow> for AuditEntryView {
    fn from(r: audit::AuditRow) -> Self {
        AuditEntryView {
            id: r.id,
            seq: r.seq,
            at: r.at,
            actor_user_id: r.actor_user_id,
            actor_name: None,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before_state: r.before_state,
            after_state: r.after_state,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

fn require_admin(actor: &Actor) -> AppResult<()> {
    if can_administer_platform(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(msg!(
            "access.audit_admin_only",
            "only platform admins read the audit log",
            "監査ログを読めるのはプラットフォーム管理者だけです"
        )))
    }
}

/// A page of the log, newest first, and the number of entries.
pub fn page(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<AuditEntryView>, i64)> {
    require_admin(actor)?;
    let (rows, total) = audit::page(conn, filter, limit, offset)?;
    Ok((named(conn, rows)?, total))
}

/// Entries with their actors' names (each person looked up once).
fn named(conn: &mut DbConn, rows: Vec<audit::AuditRow>) -> AppResult<Vec<AuditEntryView>> {
    let mut names: std::collections::BTreeMap<i64, Option<String>> = Default::default();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut view = AuditEntryView::from(row);
        if let Some(id) = view.actor_user_id {
            let name = match names.entry(id) {
                std::collections::btree_map::Entry::Occupied(known) => known.get().clone(),
                std::collections::btree_map::Entry::Vacant(slot) => slot
                    .insert(seika_db::users::find(conn, id)?.map(|u| u.display_name))
                    .clone(),
            };
            view.actor_name = name;
        }
        out.push(view);
    }
    Ok(out)
}

/// Re-checks the whole chain.
pub fn verify(conn: &mut DbConn, actor: &Actor) -> AppResult<ChainReport> {
    require_admin(actor)?;
    Ok(audit::verify_chain(conn)?)
}

/// Every entry about one record, oldest first.
pub fn for_entity(
    conn: &mut DbConn,
    entity: &str,
    entity_id: i64,
) -> AppResult<Vec<AuditEntryView>> {
    let rows = audit::for_entity(conn, entity, &entity_id.to_string())?;
    named(conn, rows)
}
