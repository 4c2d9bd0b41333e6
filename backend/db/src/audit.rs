//! The append-only, hash-chained audit log. Each entry carries the hash of the previous one; the
//! chain is ordered by the database (a sequence number taken under a lock), never by process memory,
//! so several server instances can write to one PostgreSQL at once.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::schema::audit_log;
use super::{DbConn, now};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An arbitrary constant: the PostgreSQL transaction lock that orders audit appends.
const AUDIT_LOCK: i64 = 0x0005_E1CA_0002;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditRow {
    pub id: i64,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// What to record: who did what to which record, with its state before and after.
pub struct AuditEntry<'a> {
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// The fields an entry's hash covers, in order.
pub struct ChainFields<'a> {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub prev_hash: &'a str,
}

impl ChainFields<'_> {
    /// SHA-256 over the fields and the previous hash, each framed by its length.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        let seq = self.seq.to_string();
        let at = self.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
        let actor = self
            .actor_user_id
            .map(|id| id.to_string())
            .unwrap_or_default();
        let fields: [&str; 9] = [
            &seq,
            &at,
            &actor,
            self.action,
            self.entity,
            self.entity_id,
            self.before.unwrap_or("\u{0}"),
            self.after.unwrap_or("\u{0}"),
            self.prev_hash,
        ];
        for field in fields {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

impl AuditRow {
    fn chain_fields(&self) -> ChainFields<'_> {
        ChainFields {
            seq: self.seq,
            at: self.at,
            actor_user_id: self.actor_user_id,
            action: &self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
            before: self.before_state.as_deref(),
            after: self.after_state.as_deref(),
            prev_hash: &self.prev_hash,
        }
    }
}

/// Proof that the running transaction holds the audit chain's lock: only
/// [`audited_write`](crate::audited_write) makes one, and [`append`] asks for it, so a write that
/// extends the chain is visibly (and, to the compiler, necessarily) a different call from one
/// that does not.
pub struct ChainLock {
    _held: (),
}

/// On PostgreSQL, takes the audit chain's lock until the transaction ends (re-entrant; nothing on
/// SQLite, whose write transactions hold the database's one write lock).
pub(crate) fn lock_chain(conn: &mut DbConn) -> QueryResult<ChainLock> {
    if let DbConn::Postgres(pg) = conn {
        pg.batch_execute(&format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK})"))?;
    }
    Ok(ChainLock { _held: () })
}

/// Appends an entry, inside the audited write of the change it records (`chain`), so the change
/// and its audit entry commit or roll back together.
pub fn append(
    conn: &mut DbConn,
    _chain: &ChainLock,
    entry: AuditEntry<'_>,
) -> QueryResult<AuditRow> {
    let last: Option<(i64, String)> = audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first(conn)
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_owned()),
    };
    let at = now();
    let before = entry.before.map(|v| v.to_string());
    let after = entry.after.map(|v| v.to_string());
    let hash = ChainFields {
        seq,
        at,
        actor_user_id: entry.actor_user_id,
        action: entry.action,
        entity: entry.entity,
        entity_id: &entry.entity_id,
        before: before.as_deref(),
        after: after.as_deref(),
        prev_hash: &prev_hash,
    }
    .hash();
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(seq),
            audit_log::at.eq(at),
            audit_log::actor_user_id.eq(entry.actor_user_id),
            audit_log::action.eq(entry.action),
            audit_log::entity.eq(entry.entity),
            audit_log::entity_id.eq(&entry.entity_id),
            audit_log::before_state.eq(&before),
            audit_log::after_state.eq(&after),
            audit_log::prev_hash.eq(&prev_hash),
            audit_log::hash.eq(&hash),
        ))
        .returning(audit_log::all_columns)
        .get_result(conn)
}

/// The result of re-checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ChainReport {
    pub entries: i64,
    /// The first entry whose hash or link does not match, with why.
    pub first_broken: Option<BrokenLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct BrokenLink {
    pub seq: i64,
    pub id: i64,
    pub reason: String,
}

/// Re-computes every hash in order, in pages, and reports the first broken link.
pub fn verify_chain(conn: &mut DbConn) -> QueryResult<ChainReport> {
    const PAGE: i64 = 1000;
    let mut expected_prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut entries = 0;
    loop {
        let page: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.ge(expected_seq))
            .order(audit_log::seq.asc())
            .limit(PAGE)
            .select(AuditRow::as_select())
            .load(conn)?;
        let done = (page.len() as i64) < PAGE;
        for row in page {
            entries += 1;
            let broken = |reason: String| BrokenLink {
                seq: row.seq,
                id: row.id,
                reason,
            };
            if row.seq != expected_seq {
                return Ok(ChainReport {
                    entries,
                    first_broken: Some(broken(format!(
                        "sequence gap: expected {expected_seq}, found {}",
                        row.seq
                    ))),
                });
            }
            if row.prev_hash != expected_prev {
                return Ok(ChainReport {
                    entries,
                    first_broken: Some(broken(
                        "prev_hash does not match the previous entry".into(),
                    )),
                });
            }
            if row.chain_fields().hash() != row.hash {
                return Ok(ChainReport {
                    entries,
                    first_broken: Some(broken("contents do not match the entry's hash".into())),
                });
            }
            expected_prev = row.hash;
            expected_seq += 1;
        }
        if done {
            return Ok(ChainReport {
                entries,
                first_broken: None,
            });
        }
    }
}

/// Entries for one record, oldest first.
pub fn for_entity(conn: &mut DbConn, entity: &str, entity_id: &str) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
}

/// Which entries to list: each given part must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The action, or the actions beginning with it (`claim.` for every claim action).
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor_user_id: Option<i64>,
    /// From this moment (inclusive).
    pub since: Option<NaiveDateTime>,
    /// Before this moment (exclusive).
    pub until: Option<NaiveDateTime>,
}

/// `LIKE` pattern matching text that begins with `prefix` (its own `%`, `_` and `\` escaped).
pub fn prefix_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn filtered(
    filter: &AuditFilter,
) -> audit_log::BoxedQuery<'static, <DbConn as Connection>::Backend> {
    let mut q = audit_log::table.into_boxed();
    if let Some(action) = &filter.action {
        q = q.filter(audit_log::action.like(prefix_pattern(action)).escape('\\'));
    }
    if let Some(entity) = &filter.entity {
        q = q.filter(audit_log::entity.eq(entity.clone()));
    }
    if let Some(id) = &filter.entity_id {
        q = q.filter(audit_log::entity_id.eq(id.clone()));
    }
    if let Some(actor) = filter.actor_user_id {
        q = q.filter(audit_log::actor_user_id.eq(actor));
    }
    if let Some(since) = filter.since {
        q = q.filter(audit_log::at.ge(since));
    }
    if let Some(until) = filter.until {
        q = q.filter(audit_log::at.lt(until));
    }
    q
}

/// A page of the entries the filter matches, newest first, and how many it matches in all.
pub fn page(
    conn: &mut DbConn,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<AuditRow>, i64)> {
    let rows = filtered(filter)
        .order(audit_log::seq.desc())
        .limit(limit)
        .offset(offset)
        .select(AuditRow::as_select())
        .load(conn)?;
    let total = filtered(filter).count().get_result(conn)?;
    Ok((rows, total))
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    audit_log::table.count().get_result(conn)
}

/// The newest entry's sequence number (0 before any): every write appends an entry in its own
/// transaction, under a lock held to commit, so this changes whenever committed data does.
pub fn last_seq(conn: &mut DbConn) -> QueryResult<i64> {
    audit_log::table
        .select(diesel::dsl::max(audit_log::seq))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}
