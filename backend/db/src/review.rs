//! The review workflow's queries (draft → submitted → verified/rejected, corrections), written
//! once and instantiated for each reviewable table: aggregate results and participant batches.
//!
//! Every state change is one conditional UPDATE that expects exactly one row, so of two
//! concurrent reviewers (on any number of server instances) exactly one wins; the partial unique
//! indexes of migration `000005_integrity` back the "one current verified record" invariants.

/// The workflow columns of a reviewable record, whichever table it lives in.
#[derive(Debug, Clone)]
pub struct ReviewState {
    pub id: i64,
    pub status: seika_core::review::ReviewStatus,
    pub entered_by: i64,
    pub lock_version: i32,
    pub supersedes_id: Option<i64>,
}

macro_rules! review_queries {
    ($module:ident, $table:ident) => {
        pub mod $module {
            use chrono::NaiveDateTime;
            use diesel::prelude::*;

            use crate::schema::$table;
            use crate::{Coded, DbConn, now};
            use seika_core::review::ReviewStatus;

            /// Moves a record from `from` to `to` if it is still at `expected_version`.
            /// Returns false when another request changed it first.
            pub fn transition(
                conn: &mut DbConn,
                id: i64,
                expected_version: i32,
                from: ReviewStatus,
                to: ReviewStatus,
                reviewer: Option<i64>,
                rejection_reason: Option<&str>,
            ) -> QueryResult<bool> {
                let target = $table::table
                    .find(id)
                    .filter($table::status.eq(Coded(from)))
                    .filter($table::lock_version.eq(expected_version));
                let at = now();
                let changed = if to == ReviewStatus::Submitted {
                    diesel::update(target)
                        .set((
                            $table::status.eq(Coded(to)),
                            $table::submitted_at.eq(at),
                            $table::lock_version.eq($table::lock_version + 1),
                        ))
                        .execute(conn)?
                } else {
                    diesel::update(target)
                        .set((
                            $table::status.eq(Coded(to)),
                            $table::reviewed_by.eq(reviewer),
                            $table::reviewed_at.eq(at),
                            $table::rejection_reason.eq(rejection_reason),
                            $table::lock_version.eq($table::lock_version + 1),
                        ))
                        .execute(conn)?
                };
                Ok(changed == 1)
            }

            /// Marks the current verified record `id` as superseded at `at`. Returns false when
            /// it is not (or no longer) the current verified record: another correction won.
            pub fn supersede(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
                let changed = diesel::update(
                    $table::table
                        .find(id)
                        .filter($table::status.eq(Coded(ReviewStatus::Verified)))
                        .filter($table::superseded_at.is_null()),
                )
                .set((
                    $table::superseded_at.eq(at),
                    $table::lock_version.eq($table::lock_version + 1),
                ))
                .execute(conn)?;
                Ok(changed == 1)
            }

            /// Locks records a payout run used: they can no longer change.
            pub fn lock(conn: &mut DbConn, ids: &[i64]) -> QueryResult<()> {
                diesel::update($table::table.filter($table::id.eq_any(ids)))
                    .set($table::locked.eq(true))
                    .execute(conn)?;
                Ok(())
            }

            /// The workflow state of one record of the project.
            pub fn state(
                conn: &mut DbConn,
                project_id: i64,
                id: i64,
            ) -> QueryResult<Option<super::ReviewState>> {
                $table::table
                    .find(id)
                    .filter($table::project_id.eq(project_id))
                    .select((
                        $table::id,
                        $table::status,
                        $table::entered_by,
                        $table::lock_version,
                        $table::supersedes_id,
                    ))
                    .first::<(i64, Coded<ReviewStatus>, i64, i32, Option<i64>)>(conn)
                    .optional()
                    .map(|row| {
                        row.map(|(id, status, entered_by, lock_version, supersedes_id)| {
                            super::ReviewState {
                                id,
                                status: status.0,
                                entered_by,
                                lock_version,
                                supersedes_id,
                            }
                        })
                    })
            }

            /// True when `id` is the current verified record of the project.
            pub fn is_current_verified(
                conn: &mut DbConn,
                project_id: i64,
                id: i64,
            ) -> QueryResult<bool> {
                diesel::select(diesel::dsl::exists(
                    $table::table
                        .find(id)
                        .filter($table::project_id.eq(project_id))
                        .filter($table::status.eq(Coded(ReviewStatus::Verified)))
                        .filter($table::superseded_at.is_null()),
                ))
                .get_result(conn)
            }
        }
    };
}

review_queries!(results, outcome_results);
review_queries!(batches, outcome_batches);
