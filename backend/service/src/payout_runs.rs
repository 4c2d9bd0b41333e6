//! Payout runs: compute a payout from the verified data as of a moment, store it with everything
//! needed to reproduce it, read it back (investors' positions only for those who may see them),
//! and re-run a stored run to report match or mismatch.

use chrono::NaiveDateTime;
use seika_core::msg;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::idempotency;
use super::outcomes::to_engine_outcomes;
use super::projects::{authorize, load_contract};
use crate::error::{AppError, AppResult, Thing};
use seika_core::access::{
    Actor, ProjectAction, ProjectStanding, sees_investor_positions, total_may_be_shown,
};
use seika_core::{Currency, Money};
use seika_db::payout_runs::{self, PayoutRunRow};
use seika_db::{self as db, DbConn, audit, batches, organizations, outcomes, projects};
use seika_engine as engine;
use seika_engine::statement::{Distribution, DistributionKind, Statement};
use seika_engine::words::LineWords;

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PayoutRunView {
    pub id: i64,
    pub project_id: i64,
    pub terms_version: i32,
    pub engine_version: String,
    pub as_of: NaiveDateTime,
    pub inputs_sha256: String,
    pub statement_sha256: String,
    pub currency: String,
    /// A computed amount: what the contract makes due, not a payment made.
    pub total: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<serde_json::Value>,
    /// The statement's explanations as people read them, in Japanese and English: one entry per
    /// statement line, in the same order (formula, rounding, one text per cap and per note).
    /// Given with the statement; absent only for a run the current engine cannot re-explain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<LineWords>>,
}

/// The words of a statement's lines as stored beside a run.
fn words_json(statement: &Statement) -> AppResult<String> {
    let words: Vec<&LineWords> = statement.lines.iter().map(|l| &l.words).collect();
    serde_json::to_string(&words).map_err(|e| AppError::Internal(e.into()))
}

/// A stored run's words: kept when the run was stored, or (for a run stored before words were
/// kept) re-computed from the run's terms and data and kept, when the re-computed statement is
/// the stored one byte for byte. None when it is not (a run of an older engine).
fn words_of(conn: &mut DbConn, run: &PayoutRunRow) -> AppResult<Option<Vec<LineWords>>> {
    let text = match payout_runs::words(conn, run.id)? {
        Some(text) => text,
        None => {
            let (statement, text, _) =
                compute_as_of(conn, run.project_id, run.terms_version, run.as_of)?;
            if text != run.statement {
                return Ok(None);
            }
            let words = words_json(&statement)?;
            payout_runs::keep_words(conn, run.id, &words)?;
            words
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| AppError::Internal(e.into()))
}

fn view(row: PayoutRunRow, with_statement: bool) -> AppResult<PayoutRunView> {
    let currency = Currency::from_code(&row.currency).map_err(|e| AppError::Internal(e.into()))?;
    Ok(PayoutRunView {
        words: None,
        statement: if with_statement {
            Some(serde_json::from_str(&row.statement).map_err(|e| AppError::Internal(e.into()))?)
        } else {
            None
        },
        id: row.id,
        project_id: row.project_id,
        terms_version: row.terms_version,
        engine_version: row.engine_version,
        as_of: row.as_of,
        inputs_sha256: row.inputs_sha256,
        statement_sha256: row.statement_sha256,
        currency: row.currency,
        total: Money::from_minor(row.total_minor, currency).amount_string(),
        created_by: row.created_by,
        created_at: row.created_at,
    })
}

/// The verified records a run used; they are locked once the run is stored.
pub struct Used {
    pub results: Vec<i64>,
    pub batches: Vec<i64>,
}

impl Used {
    pub fn lock(&self, conn: &mut DbConn) -> diesel::QueryResult<()> {
        db::review::results::lock(conn, &self.results)?;
        db::review::batches::lock(conn, &self.batches)
    }
}

/// Computes the statement for a project's terms version from verified data as of a moment.
/// Returns the statement, its canonical JSON and the records used.
pub fn compute_as_of(
    conn: &mut DbConn,
    project_id: i64,
    terms_version: i32,
    as_of: NaiveDateTime,
) -> AppResult<(Statement, String, Used)> {
    compute_with(conn, project_id, terms_version, as_of, &[], None)
}

/// What a batch changes in the payout, for its verifiers: the current terms' total from the
/// verified data as it stands, and with the batch counted (in place of the batch it corrects, if
/// any). Computed, not stored.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct BatchEffect {
    pub batch_id: i64,
    pub currency: String,
    pub without: String,
    pub with: String,
}

pub fn batch_effect(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    batch_id: i64,
) -> AppResult<BatchEffect> {
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::VerifyOutcomes)?;
    let batch = batches::find(conn, project_id, batch_id)?
        .ok_or_else(|| AppError::not_found(Thing::Batch))?;
    let now = db::now();
    let version = project.current_terms_version;
    let (without, _, _) = compute_with(conn, project_id, version, now, &[], None)?;
    let (with, _, _) = compute_with(
        conn,
        project_id,
        version,
        now,
        &[],
        Some((batch.id, batch.supersedes_id)),
    )?;
    Ok(BatchEffect {
        batch_id: batch.id,
        currency: project.currency,
        without: without.total,
        with: with.total,
    })
}

/// As [`compute_as_of`], with `hypothetical` results standing in for the verified ones of the
/// same metric and tranche (a preview).
/// What a run computes from: the contract (each tranche under the terms version in force on its
/// due date), the verified outcome data as of `as_of` with `hypothetical` results standing in for
/// verified ones, which version priced each tranche, and what data was used.
struct Inputs {
    contract: seika_core::contract::Contract,
    data: seika_core::outcomes::Outcomes,
    priced_by: std::collections::BTreeMap<String, i32>,
    rows: Vec<outcomes::OutcomeResultRow>,
    used_batches: Vec<i64>,
}

/// The day the data covers (the run's moment, as a day in Japan) where some tranche's outcome
/// window is still open then, so its lines await their data instead of failing; none where every
/// window had closed, so such a run's inputs (and their hash) are as they always were.
fn data_until(
    contract: &seika_core::contract::Contract,
    as_of: NaiveDateTime,
) -> Option<chrono::NaiveDate> {
    let day = (as_of + chrono::Duration::hours(9)).date();
    contract
        .tranches
        .iter()
        .any(|t| t.outcomes_close() >= day)
        .then_some(day)
}

fn inputs(
    conn: &mut DbConn,
    project_id: i64,
    terms_version: i32,
    as_of: NaiveDateTime,
    hypothetical: &[seika_core::outcomes::MetricResult],
    extra_batch: Option<(i64, Option<i64>)>,
) -> AppResult<Inputs> {
    // Each tranche is priced under the version in force on its due date.
    let mut parsed = Vec::new();
    for row in projects::terms_versions(conn, project_id)?
        .into_iter()
        .filter(|v| v.version <= terms_version)
    {
        let contract: seika_core::contract::Contract = serde_json::from_str(&row.terms)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored terms do not parse: {e}")))?;
        parsed.push((row.version, row.effective_from, contract));
    }
    if parsed.is_empty() {
        return Err(AppError::not_found(Thing::TermsVersion));
    }
    let versions: Vec<engine::versions::Version<'_>> = parsed
        .iter()
        .map(
            |(number, effective_from, contract)| engine::versions::Version {
                number: *number,
                effective_from: *effective_from,
                contract,
            },
        )
        .collect();
    let (contract, priced_by) = engine::versions::priced_by_due_date(&versions);
    let rows = outcomes::verified_as_of(conn, project_id, as_of)?;
    let mut data = to_engine_outcomes(&contract.code, &rows);
    data.data_until = data_until(&contract, as_of);
    data.results.retain(|r| {
        !hypothetical
            .iter()
            .any(|h| h.metric == r.metric && h.tranche == r.tranche)
    });
    data.results.extend(hypothetical.iter().cloned());
    let mut batch_ids = batches::verified_as_of(conn, project_id, as_of)?;
    let used_batches = batch_ids.clone();
    if let Some((extra, replaces)) = extra_batch {
        batch_ids.retain(|b| Some(*b) != replaces);
        batch_ids.push(extra);
    }
    batches::load_records(conn, &batch_ids, &mut data.participant_outcomes)?;
    Ok(Inputs {
        contract,
        data,
        priced_by,
        rows,
        used_batches,
    })
}

/// The current terms and the data verified now: what a simulation starts from.
pub fn simulation_inputs(
    conn: &mut DbConn,
    project_id: i64,
    terms_version: i32,
) -> AppResult<(
    seika_core::contract::Contract,
    seika_core::outcomes::Outcomes,
)> {
    let i = inputs(conn, project_id, terms_version, db::now(), &[], None)?;
    Ok((i.contract, i.data))
}

fn compute_with(
    conn: &mut DbConn,
    project_id: i64,
    terms_version: i32,
    as_of: NaiveDateTime,
    hypothetical: &[seika_core::outcomes::MetricResult],
    extra_batch: Option<(i64, Option<i64>)>,
) -> AppResult<(Statement, String, Used)> {
    let Inputs {
        contract,
        data,
        priced_by,
        rows,
        used_batches,
    } = inputs(
        conn,
        project_id,
        terms_version,
        as_of,
        hypothetical,
        extra_batch,
    )?;
    let mut statement =
        engine::compute(&contract, &data).map_err(|e| super::engine_problem(e, "outcome_data"))?;
    for line in &mut statement.lines {
        line.terms_version = priced_by.get(&line.tranche).copied();
    }
    let text = serde_json::to_string(&statement).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        statement,
        text,
        Used {
            results: rows.iter().map(|r| r.id).collect(),
            batches: used_batches,
        },
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    /// Hypothetical results, each standing in for the verified one of the same metric and tranche
    /// (or added where none is verified yet).
    #[serde(default)]
    pub results: Vec<seika_core::outcomes::MetricResult>,
}

/// A statement computed for hypothetical outcome values: what the contract would make due. Not
/// stored, not a payout run, not a payment.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Preview {
    pub hypothetical: bool,
    /// The metrics (and tranches) whose verified value the preview replaced or added.
    pub assumed: Vec<String>,
    pub statement: Statement,
    /// The statement's explanations in Japanese and English, one entry per line.
    pub words: Vec<LineWords>,
}

/// Computes what the current terms would make due with the verified data and the hypothetical
/// results given; stores nothing.
pub fn preview(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    input: PreviewInput,
) -> AppResult<Preview> {
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::RunPayout)?;
    let (statement, _, _) = compute_with(
        conn,
        project_id,
        project.current_terms_version,
        db::now(),
        &input.results,
        None,
    )?;
    Ok(Preview {
        hypothetical: !input.results.is_empty(),
        assumed: input
            .results
            .iter()
            .map(|r| match &r.tranche {
                Some(t) => format!("{} ({t})", r.metric),
                None => r.metric.clone(),
            })
            .collect(),
        words: statement.lines.iter().map(|l| l.words.clone()).collect(),
        statement,
    })
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Computes a run from the data verified now, stores it and locks the records it used. Call
/// inside a write transaction; [`create`] adds the audit entry (the demo loader stores its run
/// without one, as it audits none of its data).
pub fn record(
    conn: &mut DbConn,
    project_id: i64,
    terms_version: i32,
    created_by: i64,
) -> AppResult<(PayoutRunRow, Statement)> {
    let as_of = db::now();
    let computed = compute_as_of(conn, project_id, terms_version, as_of)?;
    store(conn, project_id, terms_version, created_by, as_of, computed)
}

/// Stores a computed run and locks the records it used.
fn store(
    conn: &mut DbConn,
    project_id: i64,
    terms_version: i32,
    created_by: i64,
    as_of: NaiveDateTime,
    (statement, text, used): (Statement, String, Used),
) -> AppResult<(PayoutRunRow, Statement)> {
    let total = Money::parse(&statement.total, statement.currency)
        .map_err(|e| AppError::Internal(e.into()))?;
    let row = payout_runs::insert(
        conn,
        &payout_runs::NewPayoutRun {
            project_id,
            terms_version,
            engine_version: engine::ENGINE_VERSION,
            as_of,
            inputs_sha256: &statement.outcomes_sha256,
            statement: &text,
            statement_sha256: &sha256(&text),
            total_minor: total.minor(),
            currency: statement.currency.code(),
            created_by,
        },
    )?;
    payout_runs::keep_words(conn, row.id, &words_json(&statement)?)?;
    used.lock(conn)?;
    Ok((row, statement))
}

/// What a run computed outside the write lock read: still what the data says, inside it? The
/// project's terms, the verified results and batches as of the run's moment, and the number of
/// records in those batches (an erasure deletes records) must all be unchanged.
fn still_current(
    conn: &mut DbConn,
    project_id: i64,
    terms_version: i32,
    as_of: NaiveDateTime,
    used: &Used,
    records: i64,
) -> AppResult<bool> {
    let terms = projects::find(conn, project_id)?.map(|p| p.current_terms_version);
    if terms != Some(terms_version) {
        return Ok(false);
    }
    let results: Vec<i64> = outcomes::verified_as_of(conn, project_id, as_of)?
        .iter()
        .map(|r| r.id)
        .collect();
    if results != used.results {
        return Ok(false);
    }
    if batches::verified_as_of(conn, project_id, as_of)? != used.batches {
        return Ok(false);
    }
    Ok(batches::record_count(conn, &used.batches)? == records)
}

/// Computes and stores a payout run from the currently verified data (government staff of the
/// owner or the appointed evaluator). With an idempotency key, a retry returns the first run.
///
/// The run is computed first, in a read transaction, without the write lock (on SQLite a run over
/// a million records would otherwise hold every other writer for seconds); the short write
/// transaction then checks that nothing it read has changed and stores it, or, if something
/// did, computes it again inside the lock.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    idempotency_key: Option<&str>,
) -> AppResult<PayoutRunView> {
    let hash = idempotency::request_hash(&("payout-run", project_id));
    let project = may_run(conn, actor, project_id)?;
    let terms_version = project.current_terms_version;
    let as_of = db::now();
    let (computed, records) = db::read_transaction(conn, |conn| {
        let computed = compute_as_of(conn, project_id, terms_version, as_of)?;
        let records = batches::record_count(conn, &computed.2.batches)?;
        Ok::<_, AppError>((computed, records))
    })?;
    db::audited_write(conn, |conn, chain| {
        idempotency::once(conn, actor.user_id, idempotency_key, &hash, |conn| {
            let (row, statement) =
                if still_current(conn, project_id, terms_version, as_of, &computed.2, records)? {
                    store(
                        conn,
                        project_id,
                        terms_version,
                        actor.user_id,
                        as_of,
                        computed,
                    )?
                } else {
                    let project = may_run(conn, actor, project_id)?;
                    record(
                        conn,
                        project_id,
                        project.current_terms_version,
                        actor.user_id,
                    )?
                };
            audit::append(
                conn,
                chain,
                audit::AuditEntry {
                    actor_user_id: Some(actor.user_id),
                    action: "payout_run.created",
                    entity: "payout_run",
                    entity_id: row.id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({
                        "project_id": project_id, "terms_version": row.terms_version,
                        "total": statement.total, "inputs_sha256": row.inputs_sha256,
                        "statement_sha256": row.statement_sha256,
                    })),
                },
            )?;
            let mut view = view(row, true)?;
            view.words = Some(statement.lines.into_iter().map(|l| l.words).collect());
            Ok(view)
        })
    })
}

/// The project, when `actor` may compute a payout run on it now.
pub fn may_run(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
) -> AppResult<projects::ProjectRow> {
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::RunPayout)?;
    let accepts = project.status.accepts_payout_runs();
    if !accepts {
        return Err(AppError::Conflict({
            let (en, ja) = project.status.words();
            msg!(
                "payout_run.project_status",
                "the project is {en}: payout runs are computed for published, in-service, evaluating \
                 and closed projects (publish a draft first)",
                "この事業は{ja}です。支払算定は公表済み・実施中・評価中・終了の事業について行います（下書きは先に公表してください）"
            )
        }));
    }
    Ok(project)
}

/// The project's stored runs, newest first, without their statements.
pub fn list(conn: &mut DbConn, actor: &Actor, project_id: i64) -> AppResult<Vec<PayoutRunView>> {
    authorize(conn, actor, project_id, ProjectAction::Read)?;
    payout_runs::list_without_statements(conn, project_id)?
        .into_iter()
        .map(|r| view(r, false))
        .collect()
}

/// Readers who may not see investors' positions (see `sees_investor_positions`) see their own
/// organization's distributions, if any, and the others' only in aggregate.
fn redact_positions(
    conn: &mut DbConn,
    actor: &Actor,
    standing: &ProjectStanding,
    view: &mut PayoutRunView,
) -> AppResult<()> {
    if sees_investor_positions(actor, standing) {
        return Ok(());
    }
    let own = organizations::find(conn, actor.organization_id)?
        .map(|o| o.slug)
        .unwrap_or_default();
    let (contract, _) = load_contract(conn, view.project_id, view.terms_version)?;
    let own_investments: Vec<&str> = contract
        .investments
        .iter()
        .filter(|i| i.investor == own)
        .map(|i| i.id.as_str())
        .collect();
    let Some(statement) = view.statement.as_mut() else {
        return Ok(());
    };
    let Some(stored) = statement.get("distribution").filter(|d| !d.is_null()) else {
        return Ok(());
    };
    let mut distribution: Distribution =
        serde_json::from_value(stored.clone()).map_err(|e| AppError::Internal(e.into()))?;
    let others = distribution
        .investors
        .iter()
        .filter(|i| i.investor != own)
        .count();
    let other_organizations: std::collections::BTreeSet<&str> = distribution
        .investors
        .iter()
        .filter(|i| i.investor != own)
        .map(|i| i.investor.as_str())
        .collect();
    let shown = total_may_be_shown(other_organizations.len());
    distribution.investors.retain(|i| i.investor == own);
    for tranche in &mut distribution.tranches {
        tranche.payments.retain(|p| {
            p.kind == DistributionKind::Fee || own_investments.contains(&p.to.as_str())
        });
    }
    let redacted = RedactedDistribution {
        distribution,
        other_investors: OtherInvestors { investors: others },
    };
    let mut redacted = serde_json::to_value(redacted).map_err(|e| AppError::Internal(e.into()))?;
    if !shown {
        withhold_derivable_totals(&mut redacted);
    }
    statement["distribution"] = redacted;
    Ok(())
}

/// With one other investor, what is left after the waterfall and the total distributed would
/// give that investor's amount by subtraction: both are withheld (null).
fn withhold_derivable_totals(distribution: &mut serde_json::Value) {
    if let Some(tranches) = distribution["tranches"].as_array_mut() {
        for tranche in tranches {
            tranche["retained"] = serde_json::Value::Null;
        }
    }
    for key in ["distributed", "retained", "difference"] {
        distribution["reconciliation"][key] = serde_json::Value::Null;
    }
}

/// A distribution with other investors' positions removed and only counted.
#[derive(Serialize)]
struct RedactedDistribution {
    #[serde(flatten)]
    distribution: Distribution,
    other_investors: OtherInvestors,
}

#[derive(Serialize)]
struct OtherInvestors {
    /// How many other investors the statement distributes to.
    investors: usize,
}

/// One run with its statement, as the actor may see it.
pub fn get(conn: &mut DbConn, actor: &Actor, project_id: i64, id: i64) -> AppResult<PayoutRunView> {
    let (_, standing) = authorize(conn, actor, project_id, ProjectAction::Read)?;
    let row = payout_runs::find(conn, project_id, id)?
        .ok_or_else(|| AppError::not_found(Thing::PayoutRun))?;
    let words = words_of(conn, &row)?;
    let mut view = view(row, true)?;
    view.words = words;
    redact_positions(conn, actor, &standing, &mut view)?;
    Ok(view)
}

/// The outcome of re-running a stored run.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Reproduction {
    pub run_id: i64,
    /// True when the re-computed statement is byte-identical to the stored one.
    pub matches: bool,
    pub engine_version_then: String,
    pub engine_version_now: &'static str,
    pub stored_inputs_sha256: String,
    pub recomputed_inputs_sha256: String,
    pub stored_statement_sha256: String,
    pub recomputed_statement_sha256: String,
}

/// Re-computes a stored run from its terms version and the verified data as of its moment.
pub fn reproduce(conn: &mut DbConn, run: &PayoutRunRow) -> AppResult<Reproduction> {
    let (statement, text, _) = compute_as_of(conn, run.project_id, run.terms_version, run.as_of)?;
    let recomputed = sha256(&text);
    Ok(Reproduction {
        run_id: run.id,
        matches: recomputed == run.statement_sha256 && text == run.statement,
        engine_version_then: run.engine_version.clone(),
        engine_version_now: engine::ENGINE_VERSION,
        stored_inputs_sha256: run.inputs_sha256.clone(),
        recomputed_inputs_sha256: statement.outcomes_sha256,
        stored_statement_sha256: run.statement_sha256.clone(),
        recomputed_statement_sha256: recomputed,
    })
}

/// Re-runs one of the project's stored runs for a reader of the project.
pub fn reproduce_for(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    id: i64,
) -> AppResult<Reproduction> {
    authorize(conn, actor, project_id, ProjectAction::Read)?;
    let row = payout_runs::find(conn, project_id, id)?
        .ok_or_else(|| AppError::not_found(Thing::PayoutRun))?;
    reproduce(conn, &row)
}

/// The figures a project's page shows, computed here: each metric's progress from the verified
/// data, and what the latest payout run makes due by tranche, fiscal year and payer, against the
/// caps and the budget. Computed amounts, never payments made.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProjectFigures {
    pub currency: String,
    pub metrics: Vec<engine::figures::MetricProgress>,
    /// The run the computed amounts come from (the newest); without one, nothing is computed yet
    /// and `due` lays out only the budget.
    pub latest_run: Option<RunRef>,
    pub due: engine::figures::DueSchedule,
    /// The reader's organization's cash flows as an investor in this project (empty for others):
    /// its drawdowns and what the latest run's waterfall computes for it, per tranche.
    pub own_cash_flows: Vec<engine::figures::CashFlow>,
    /// Money as it moved: claimed, accepted on inspection, paid, outstanding (as invoiced).
    pub claims: super::claims::ClaimTotals,
    /// The contract's maximum less what has been paid; none without a maximum.
    pub room_under_cap_after_payments: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RunRef {
    pub id: i64,
    pub as_of: NaiveDateTime,
    pub terms_version: i32,
}

pub fn figures(conn: &mut DbConn, actor: &Actor, project_id: i64) -> AppResult<ProjectFigures> {
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::Read)?;
    let own_slug = organizations::find(conn, actor.organization_id)?
        .map(|o| o.slug)
        .unwrap_or_default();
    figures_of(conn, &project, &own_slug)
}

/// The figures of a project the caller has already been allowed to read; `own_slug` is the
/// reader's organization, for its own cash flows as an investor (empty for none).
pub(crate) fn figures_of(
    conn: &mut DbConn,
    project: &projects::ProjectRow,
    own_slug: &str,
) -> AppResult<ProjectFigures> {
    let project_id = project.id;
    let (contract, _) = load_contract(conn, project_id, project.current_terms_version)?;
    let verified = outcomes::verified_as_of(conn, project_id, db::now())?;
    let data = to_engine_outcomes(&contract.code, &verified);
    let metrics = engine::figures::metric_progress(&contract, &data);
    // Without a run yet, the schedule still lays out the budget, with nothing computed.
    let latest = payout_runs::latest(conn, project_id)?;
    let (latest_run, schedule_contract, totals) = match latest {
        None => (
            None,
            contract.clone(),
            engine::figures::StatementTotals {
                total: "0".into(),
                non_contingent_total: None,
                tranches: Vec::new(),
                payers: Vec::new(),
                distribution: None,
            },
        ),
        Some(run) => {
            let (run_contract, _) = load_contract(conn, project_id, run.terms_version)?;
            let totals =
                serde_json::from_str(&run.statement).map_err(|e| AppError::Internal(e.into()))?;
            let reference = RunRef {
                id: run.id,
                as_of: run.as_of,
                terms_version: run.terms_version,
            };
            (Some(reference), run_contract, totals)
        }
    };
    let due = engine::figures::due_schedule(&schedule_contract, &totals)
        .map_err(|e| AppError::Internal(e.into()))?;
    let own_cash_flows = engine::figures::investor_cash_flows(
        &schedule_contract,
        totals.distribution.as_ref(),
        own_slug,
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    let claims = super::claims::totals(conn, project_id, contract.currency)?;
    let room_under_cap_after_payments = match &due.max_total_payment {
        Some(cap) => {
            let cap =
                Money::parse(cap, contract.currency).map_err(|e| AppError::Internal(e.into()))?;
            let paid = Money::parse(&claims.paid, contract.currency)
                .map_err(|e| AppError::Internal(e.into()))?;
            Some(
                cap.checked_sub(paid)
                    .map_err(|e| AppError::Internal(e.into()))?
                    .amount_string(),
            )
        }
        None => None,
    };
    Ok(ProjectFigures {
        currency: contract.currency.code().to_owned(),
        metrics,
        latest_run,
        due,
        own_cash_flows,
        claims,
        room_under_cap_after_payments,
    })
}
