//! Sample checks of participant batches (see [`seika_core::sample`]): a verifier of the
//! appointed evaluator, not the person who imported the batch, draws a reproducible sample of a
//! submitted batch, checks each sampled record against the source and records it as confirmed or
//! discrepant. The discrepancy rate is kept with the batch; verification refuses a batch whose
//! sample is unfinished, or whose rate exceeds the contract's tolerance without a stated reason.
//!
//! Findings and the verification decision serialise on the batch's row (a no-op update that locks
//! it on PostgreSQL; SQLite writes one at a time), so a finding recorded while another verifier
//! verifies either counts or is refused.

use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;
use rust_decimal::Decimal;
use seika_core::msg;
use seika_core::review::ReviewStatus;
use serde::{Deserialize, Serialize};

use super::projects::{authorize, load_contract};
use crate::error::{AppError, AppResult, Thing};
use seika_core::access::{Actor, ProjectAction};
use seika_core::sample::{self, Candidate, DataChecks, SampleSize};
use seika_db::{self as db, DbConn, audit, batches, samples, users};

/// How to draw: a seed (any text; one is made up when absent) and a size.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawInput {
    pub seed: Option<String>,
    pub size: SampleSize,
}

/// What the verifier found on one sampled record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    Confirmed,
    Discrepant,
}

impl Finding {
    fn as_str(self) -> &'static str {
        match self {
            Finding::Confirmed => "confirmed",
            Finding::Discrepant => "discrepant",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    pub finding: Finding,
    /// What differs from the source; required for a discrepancy.
    pub note: Option<String>,
}

/// One sampled record and its finding.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SampledRecord {
    pub id: i64,
    /// 1 for the first record drawn.
    pub position: i32,
    pub participant: String,
    pub outcome: String,
    pub achieved_on: NaiveDate,
    /// The cohort (risk class) it was drawn from.
    pub stratum: Option<String>,
    /// `confirmed`, `discrepant`, or `null` while unchecked.
    pub finding: Option<String>,
    pub note: Option<String>,
    pub checked_by: Option<String>,
    pub checked_at: Option<NaiveDateTime>,
}

/// A batch's sample with its findings and what they mean for verification.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SampleView {
    pub id: i64,
    pub batch_id: i64,
    pub seed: String,
    pub size: SampleSize,
    /// Records in the batch when drawn.
    pub population: i64,
    pub drawn_by: String,
    pub drawn_at: NaiveDateTime,
    pub sampled: usize,
    pub checked: usize,
    pub confirmed: usize,
    pub discrepant: usize,
    /// Discrepant ÷ checked, exact (decimal string); `null` before any check.
    pub discrepancy_rate: Option<Decimal>,
    /// The contract's tolerance; `null` when it states none (then any discrepancy counts).
    pub tolerance: Option<Decimal>,
    /// True when the rate exceeds the tolerance: verifying then needs a reason.
    pub exceeds_tolerance: bool,
    pub records: Vec<SampledRecord>,
}

fn tolerance(conn: &mut DbConn, project_id: i64) -> AppResult<Option<Decimal>> {
    Ok(data_checks(conn, project_id)?.map(|c| c.discrepancy_tolerance))
}

/// What the project's current terms say about checking participant data.
fn data_checks(conn: &mut DbConn, project_id: i64) -> AppResult<Option<DataChecks>> {
    let project =
        db::projects::find(conn, project_id)?.ok_or_else(|| AppError::not_found(Thing::Project))?;
    let (contract, _) = load_contract(conn, project_id, project.current_terms_version)?;
    Ok(contract.data_checks)
}

fn view(
    conn: &mut DbConn,
    row: samples::SampleRow,
    tolerance: Option<Decimal>,
) -> AppResult<SampleView> {
    let checks = samples::checks(conn, row.id)?;
    let mut names: Vec<(i64, String)> = Vec::new();
    let mut name = |conn: &mut DbConn, id: i64| -> AppResult<String> {
        if let Some((_, n)) = names.iter().find(|(u, _)| *u == id) {
            return Ok(n.clone());
        }
        let n = users::find(conn, id)?
            .map(|u| u.display_name)
            .unwrap_or_default();
        names.push((id, n.clone()));
        Ok(n)
    };
    let mut records = Vec::with_capacity(checks.len());
    for c in checks {
        records.push(SampledRecord {
            id: c.id,
            position: c.position,
            participant: c.participant,
            outcome: c.outcome,
            achieved_on: c.achieved_on,
            stratum: c.stratum,
            finding: c.finding,
            note: c.note,
            checked_by: match c.checked_by {
                Some(u) => Some(name(conn, u)?),
                None => None,
            },
            checked_at: c.checked_at,
        });
    }
    let count = |f: &str| {
        records
            .iter()
            .filter(|r| r.finding.as_deref() == Some(f))
            .count()
    };
    let (confirmed, discrepant) = (count("confirmed"), count("discrepant"));
    let checked = confirmed + discrepant;
    let rate = sample::discrepancy_rate(checked as u64, discrepant as u64);
    Ok(SampleView {
        id: row.id,
        batch_id: row.batch_id,
        seed: row.seed,
        size: serde_json::from_str(&row.size_rule).unwrap_or(SampleSize::Count { count: 0 }),
        population: row.population,
        drawn_by: name(conn, row.drawn_by)?,
        drawn_at: row.drawn_at,
        sampled: records.len(),
        checked,
        confirmed,
        discrepant,
        discrepancy_rate: rate.map(|r| r.round_dp(6).normalize()),
        tolerance,
        exceeds_tolerance: sample::exceeds(rate, tolerance),
        records,
    })
}

/// The batch as a verifier of it sees it: submitted, imported by someone else.
fn verifiable_batch(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    batch_id: i64,
) -> AppResult<batches::BatchRow> {
    authorize(conn, actor, project_id, ProjectAction::VerifyOutcomes)?;
    let batch = batches::find(conn, project_id, batch_id)?
        .ok_or_else(|| AppError::not_found(Thing::Batch))?;
    if batch.entered_by == actor.user_id {
        return Err(AppError::Forbidden(msg!(
            "duty.importer_samples",
            "four-eyes rule: a batch is sampled and checked by someone other than the person who imported it",
            "職務の分離: 取込を行った人以外が抽出検査を行います"
        )));
    }
    if batch.status != ReviewStatus::Submitted {
        return Err(AppError::Conflict(msg!(
            "sample.batch_not_submitted",
            "the batch is {status}: only a submitted batch is sampled and checked",
            "このデータは{status}です。抽出検査は提出済みのデータにのみ行います",
            status = batch.status.as_str()
        )));
    }
    Ok(batch)
}

/// Draws the batch's sample (once per batch).
pub fn draw(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    batch_id: i64,
    input: &DrawInput,
) -> AppResult<SampleView> {
    verifiable_batch(conn, actor, project_id, batch_id)?;
    match &input.size {
        SampleSize::Count { count } if *count == 0 || *count > 100_000 => {
            return Err(AppError::validation(
                "size.count",
                msg!(
                    "sample.size",
                    "a number of records from 1 to 100000",
                    "1 から 100000 の件数"
                ),
            ));
        }
        SampleSize::SharePerCohort { share }
            if *share <= Decimal::ZERO || *share > Decimal::ONE =>
        {
            return Err(AppError::validation(
                "size.share",
                msg!(
                    "sample.share",
                    "a share above 0 and at most 1, such as \"0.05\"",
                    "\"0.05\" のような 0 より大きく 1 以下の割合"
                ),
            ));
        }
        _ => {}
    }
    let seed = match input.seed.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() && s.chars().count() <= 100 => s.to_owned(),
        Some(s) if !s.is_empty() => {
            return Err(AppError::validation(
                "seed",
                msg!(
                    "sample.seed",
                    "a seed of at most 100 characters",
                    "100 文字以下のシード"
                ),
            ));
        }
        _ => format!("{:016x}", rand::rng().random::<u64>()),
    };
    let rows = samples::candidates(conn, batch_id)?;
    let candidates: Vec<Candidate<'_>> = rows
        .iter()
        .map(
            |(id, participant, outcome, achieved_on, cohort)| Candidate {
                record_id: *id,
                participant,
                outcome,
                achieved_on: *achieved_on,
                cohort: cohort.as_deref(),
            },
        )
        .collect();
    let drawn: Vec<(i64, Option<String>)> = sample::draw(&seed, &candidates, &input.size)
        .into_iter()
        .map(|d| (d.record_id, d.stratum))
        .collect();
    let size_rule = serde_json::to_string(&input.size).map_err(|e| AppError::Internal(e.into()))?;
    let tolerance = tolerance(conn, project_id)?;
    db::audited_write(conn, |conn, chain| {
        if !samples::hold_submitted(conn, batch_id)? {
            return Err(AppError::Conflict(msg!(
                "sample.batch_decided",
                "the batch was decided meanwhile; it can no longer be sampled",
                "このデータはその間に判定されたため、抽出できません"
            )));
        }
        let row = samples::insert(
            conn,
            &samples::NewSample {
                project_id,
                batch_id,
                seed: &seed,
                size_rule: &size_rule,
                population: rows.len() as i64,
                drawn_by: actor.user_id,
            },
            &drawn,
        )
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                AppError::Conflict(msg!(
                    "sample.drawn_already",
                    "this batch already has its sample: a sample is drawn once, not again until it \
                     looks better",
                    "このバッチの標本は抽出済みです。標本は一度だけ抽出します"
                ))
            } else {
                e.into()
            }
        })?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "outcome_batch.sampled",
                entity: "outcome_batch",
                entity_id: batch_id.to_string(),
                before: None,
                after: Some(serde_json::json!({
                    "seed": seed, "size": input.size, "population": rows.len(),
                    "sampled_record_ids": drawn.iter().map(|d| d.0).collect::<Vec<_>>(),
                })),
            },
        )?;
        view(conn, row, tolerance)
    })
}

/// The batch's sample, if drawn: for those who may read its participant records.
pub fn get(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    batch_id: i64,
) -> AppResult<Option<SampleView>> {
    authorize(conn, actor, project_id, ProjectAction::ReadParticipants)?;
    batches::find(conn, project_id, batch_id)?.ok_or_else(|| AppError::not_found(Thing::Batch))?;
    let tolerance = tolerance(conn, project_id)?;
    match samples::of_batch(conn, batch_id)? {
        Some(row) => view(conn, row, tolerance).map(Some),
        None => Ok(None),
    }
}

/// Records (or revises) the finding on one sampled record while the batch is submitted.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    batch_id: i64,
    check_id: i64,
    input: &FindingInput,
) -> AppResult<SampleView> {
    verifiable_batch(conn, actor, project_id, batch_id)?;
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if input.finding == Finding::Discrepant && note.is_none() {
        return Err(AppError::validation(
            "note",
            msg!(
                "sample.note",
                "what differs from the source: a discrepancy needs a note",
                "原資料との相違点: 不一致にはメモが必要です"
            ),
        ));
    }
    if note.is_some_and(|n| n.chars().count() > 1000) {
        return Err(AppError::validation(
            "note",
            msg!(
                "sample.note_length",
                "a note of at most 1000 characters",
                "1000 文字以下のメモ"
            ),
        ));
    }
    let row =
        samples::of_batch(conn, batch_id)?.ok_or_else(|| AppError::not_found(Thing::Sample))?;
    let tolerance = tolerance(conn, project_id)?;
    db::audited_write(conn, |conn, chain| {
        if !samples::hold_submitted(conn, batch_id)? {
            return Err(AppError::Conflict(msg!(
                "sample.closed",
                "the batch was decided meanwhile; its sample is closed",
                "このデータはその間に判定されたため、標本は締め切られました"
            )));
        }
        if !samples::record_finding(
            conn,
            row.id,
            check_id,
            input.finding.as_str(),
            note,
            actor.user_id,
        )? {
            return Err(AppError::not_found(Thing::SampledRecord));
        }
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "outcome_batch.sample_checked",
                entity: "outcome_batch",
                entity_id: batch_id.to_string(),
                before: None,
                after: Some(serde_json::json!({
                    "sampled_record": check_id, "finding": input.finding, "note": note,
                })),
            },
        )?;
        view(conn, row, tolerance)
    })
}

/// Called by verification inside its write transaction, after the batch row is held: refuses a
/// batch whose sample is unfinished, or whose discrepancies exceed the tolerance without a reason.
pub fn ensure_verifiable(
    conn: &mut DbConn,
    project_id: i64,
    batch_id: i64,
    reason: Option<&str>,
) -> AppResult<()> {
    let checks = data_checks(conn, project_id)?;
    let Some(row) = samples::of_batch(conn, batch_id)? else {
        if checks.as_ref().is_some_and(|c| c.sample_required) {
            return Err(AppError::Conflict(msg!(
                "sample.required",
                "the contract requires every batch to be sample-checked before it is verified: draw the sample and check it first",
                "契約により、取込はすべて抽出検査を終えてから検証します。先に標本を抽出して確認してください"
            )));
        }
        return Ok(());
    };
    let tolerance = checks.map(|c| c.discrepancy_tolerance);
    let sample = view(conn, row, tolerance)?;
    if sample.checked < sample.sampled {
        return Err(AppError::Conflict(msg!(
            "sample.unfinished",
            "the batch's sample is not finished: {checked} of {sampled} sampled records are checked",
            "抽出検査が終わっていません: 標本 {sampled} 件中 {checked} 件を確認済み",
            checked = sample.checked,
            sampled = sample.sampled
        )));
    }
    if sample.exceeds_tolerance && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(AppError::validation(
            "reason",
            msg!(
                "sample.verify_reason",
                "a reason for verifying although {} of {} sampled records are discrepant, more than \
                 the contract tolerates",
                "確認した標本 {1} 件中 {0} 件が不一致で契約の許容率を超えているため、検証の理由が必要です",
                sample.discrepant,
                sample.checked
            ),
        ));
    }
    Ok(())
}
