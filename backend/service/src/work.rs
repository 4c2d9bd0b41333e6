//! What waits for the signed-in person, across every project they may see: outcome data to verify
//! (with what a verifier needs to check it), their own data that was rejected (with the reason),
//! claims to inspect, pay or resubmit, distributions to record and invitations to answer. The home
//! page shows it; nothing here is computed in the browser.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use seika_core::review::ReviewStatus;
use serde::Serialize;

use super::claims::today;
use super::projects::{authorize, invitations, load_contract};
use crate::error::AppResult;
use seika_core::access::{Actor, Decision, ProjectAction, decide};
use seika_core::claim::ClaimStatus;
use seika_core::contract::Contract;
use seika_core::user::Role;
use seika_db::{DbConn, batches, claims, outcomes, projects, users};
use seika_engine::figures::achievement;

fn internal(e: impl std::fmt::Display) -> crate::error::AppError {
    crate::error::AppError::Internal(anyhow::anyhow!("{e}"))
}

/// The project a piece of work belongs to.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProjectRef {
    pub id: i64,
    pub code: String,
    pub title_ja: String,
    pub title_en: String,
}

/// A result or milestone waiting for verification, with what the verifier checks it against.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ResultToVerify {
    pub project: ProjectRef,
    pub id: i64,
    pub kind: seika_core::outcomes::OutcomeKind,
    pub metric: String,
    /// The metric's name (a milestone's, for a milestone).
    pub metric_name_ja: Option<String>,
    pub metric_name_en: Option<String>,
    /// The tranche's name (its id where it has none).
    pub tranche_name_ja: Option<String>,
    pub tranche_name_en: Option<String>,
    pub metric_definition: Option<String>,
    pub unit: Option<String>,
    pub target: Option<String>,
    pub baseline: Option<String>,
    pub tranche: Option<String>,
    pub value: Option<String>,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub achieved_on: Option<NaiveDate>,
    /// Progress toward the target this value would mean (1 = target met), as the project page
    /// computes it.
    pub achievement: Option<String>,
    /// The verified value it would replace, and the change.
    pub previous_value: Option<String>,
    pub change: Option<String>,
    pub evidence: Option<String>,
    pub correction_reason: Option<String>,
    pub entered_by: String,
    pub entered_at: NaiveDateTime,
    /// The files attached as evidence.
    pub evidence_files: Vec<super::evidence::EvidenceView>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BatchToVerify {
    pub project: ProjectRef,
    pub id: i64,
    pub source_name: String,
    pub source_sha256: String,
    pub row_count: i64,
    pub correction_reason: Option<String>,
    pub entered_by: String,
    pub entered_at: NaiveDateTime,
    /// Records per outcome and fiscal year.
    pub counts: Vec<OutcomeCount>,
    /// The first records, as imported.
    pub first_rows: Vec<RecordRow>,
    /// What the batch changes in the payout is computed on request
    /// (`GET /projects/{id}/outcome-batches/{rid}/payout-effect`): it runs the engine twice.
    pub currency: String,
    pub evidence_files: Vec<super::evidence::EvidenceView>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OutcomeCount {
    pub outcome: String,
    pub fiscal_year: i32,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RecordRow {
    pub participant: String,
    pub outcome: String,
    pub achieved_on: NaiveDate,
}

/// Which kind of outcome data a rejected record is (its collection's path in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RejectedCollection {
    OutcomeResults,
    OutcomeBatches,
}

/// The actor's own data sent back, with why.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Rejected {
    pub project: ProjectRef,
    pub collection: RejectedCollection,
    pub id: i64,
    /// The record by its names: the metric's (Japanese and English) and the tranche, or the
    /// batch's file name.
    pub label_ja: String,
    pub label_en: String,
    pub reason: Option<String>,
    pub rejected_by: String,
    pub rejected_at: Option<NaiveDateTime>,
}

/// A claim waiting for the actor: to inspect, to pay or to resubmit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ClaimWork {
    pub project: ProjectRef,
    pub id: i64,
    pub tranche: String,
    pub total: String,
    pub outstanding: String,
    pub currency: String,
    pub status: ClaimStatus,
    /// The deadline that applies to the next step, and whether it has passed.
    pub due_on: NaiveDate,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WorkView {
    pub to_verify: Vec<ResultToVerify>,
    pub batches_to_verify: Vec<BatchToVerify>,
    pub rejected: Vec<Rejected>,
    pub claims_to_inspect: Vec<ClaimWork>,
    pub claims_to_pay: Vec<ClaimWork>,
    pub claims_to_resubmit: Vec<ClaimWork>,
    pub invitations: usize,
    /// How many items wait in all.
    pub total: usize,
}

fn name(conn: &mut DbConn, user: i64) -> AppResult<String> {
    Ok(users::find(conn, user)?
        .map(|u| u.display_name)
        .unwrap_or_default())
}

fn number(s: &str) -> Option<Decimal> {
    s.parse().ok()
}

/// A result named as people know it: the metric's or milestone's name and the tranche's.
fn label(contract: &Contract, metric: &str, tranche: Option<&str>, japanese: bool) -> String {
    let say = seika_engine::words::Say::new(contract);
    let pick = |w: seika_engine::words::Words| if japanese { w.ja } else { w.en };
    let name = pick(if contract.metric(metric).is_some() {
        say.metric(metric)
    } else {
        say.milestone(metric)
    });
    match tranche {
        Some(t) => format!("{name} ({})", pick(say.tranche(t))),
        None => name,
    }
}

/// Which work to show: one project's, or the projects whose code or title contains some words.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkFilter {
    /// Only this project's work.
    pub project: Option<i64>,
    /// Only the work of projects whose code or either title contains these words (any case).
    pub q: Option<String>,
}

/// The work waiting for the actor.
pub fn waiting(conn: &mut DbConn, actor: &Actor, only: &WorkFilter) -> AppResult<WorkView> {
    let filter = projects::ProjectFilter {
        scope: match seika_core::access::listing_scope(actor) {
            seika_core::access::ListingScope::All => None,
            seika_core::access::ListingScope::Parties {
                role,
                include_owned,
            } => Some((actor.organization_id, role, include_owned)),
        },
        status: None,
        policy_area: None,
        search: only
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned),
    };
    let (rows, _) = projects::list(conn, &filter, 1000, 0)?;
    let mut view = WorkView {
        to_verify: Vec::new(),
        batches_to_verify: Vec::new(),
        rejected: Vec::new(),
        claims_to_inspect: Vec::new(),
        claims_to_pay: Vec::new(),
        claims_to_resubmit: Vec::new(),
        invitations: invitations(conn, actor)?
            .iter()
            .filter(|i| i.status == seika_core::access::PartyStatus::Invited)
            .count(),
        total: 0,
    };
    for row in rows
        .into_iter()
        .filter(|r| only.project.is_none_or(|p| p == r.id))
    {
        add_project_work(conn, actor, row.id, &mut view)?;
    }
    view.total = view.to_verify.len()
        + view.batches_to_verify.len()
        + view.rejected.len()
        + view.claims_to_inspect.len()
        + view.claims_to_pay.len()
        + view.claims_to_resubmit.len()
        + view.invitations;
    Ok(view)
}

/// One project's work for the actor, by what the actor may do on it.
fn add_project_work(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    view: &mut WorkView,
) -> AppResult<()> {
    let (project, standing) = authorize(conn, actor, project_id, ProjectAction::Read)?;
    let may = |action| decide(actor, &standing, action) == Decision::Allow;
    let here = ProjectRef {
        id: project.id,
        code: project.code.clone(),
        title_ja: project.title_ja.clone(),
        title_en: project.title_en.clone(),
    };
    if may(ProjectAction::VerifyOutcomes) {
        let (contract, _) = load_contract(conn, project.id, project.current_terms_version)?;
        view.to_verify
            .extend(results_to_verify(conn, actor, &contract, &here)?);
        view.batches_to_verify
            .extend(batches_to_verify(conn, actor, &project.currency, &here)?);
    }
    if may(ProjectAction::EnterOutcomes) {
        let (contract, _) = load_contract(conn, project.id, project.current_terms_version)?;
        view.rejected
            .extend(rejected_results(conn, actor, &contract, &here)?);
        view.rejected.extend(rejected_batches(conn, actor, &here)?);
    }
    let pays = may(ProjectAction::PayClaims);
    let prepares = may(ProjectAction::PrepareClaim);
    if pays || prepares {
        add_claim_work(conn, actor, &here, (pays, prepares), view)?;
    }
    Ok(())
}

/// Results and milestones others submitted, each with what a verifier checks it against.
fn results_to_verify(
    conn: &mut DbConn,
    actor: &Actor,
    contract: &Contract,
    here: &ProjectRef,
) -> AppResult<Vec<ResultToVerify>> {
    let all = outcomes::list(conn, here.id, None)?;
    let mut found = Vec::new();
    for r in all.iter().filter(|r| r.status == ReviewStatus::Submitted) {
        if r.entered_by != actor.user_id {
            found.push(result_to_verify(conn, actor, contract, &all, r, here)?);
        }
    }
    Ok(found)
}

/// The value a record states: its value, or its numerator over its denominator.
fn stated_value(r: &outcomes::OutcomeResultRow) -> Option<String> {
    r.value.clone().or_else(
        || match (r.numerator.as_deref(), r.denominator.as_deref()) {
            (Some(n), Some(d)) => {
                let (n, d) = (number(n)?, number(d)?);
                n.checked_div(d)
                    .map(|v| v.round_dp(4).normalize().to_string())
            }
            _ => None,
        },
    )
}

/// The record a submitted one would replace: the one it corrects, or the current verified one
/// of the same metric and tranche.
fn replaced<'a>(
    all: &'a [outcomes::OutcomeResultRow],
    r: &outcomes::OutcomeResultRow,
) -> Option<&'a outcomes::OutcomeResultRow> {
    r.supersedes_id
        .and_then(|id| all.iter().find(|p| p.id == id))
        .or_else(|| {
            all.iter().find(|p| {
                p.status == ReviewStatus::Verified
                    && p.superseded_at.is_none()
                    && p.kind == r.kind
                    && p.metric == r.metric
                    && p.tranche == r.tranche
            })
        })
}

fn result_to_verify(
    conn: &mut DbConn,
    actor: &Actor,
    contract: &Contract,
    all: &[outcomes::OutcomeResultRow],
    r: &outcomes::OutcomeResultRow,
    here: &ProjectRef,
) -> AppResult<ResultToVerify> {
    let metric = contract.metrics.iter().find(|m| m.id == r.metric);
    let say = seika_engine::words::Say::new(contract);
    let value = stated_value(r);
    let previous_value = replaced(all, r).and_then(|p| p.value.clone());
    let change = match (
        value.as_deref().and_then(number),
        previous_value.as_deref().and_then(number),
    ) {
        (Some(v), Some(p)) => Some((v - p).normalize().to_string()),
        _ => None,
    };
    let achievement = match (metric, value.as_deref().and_then(number)) {
        (Some(m), Some(v)) => achievement(m, v).map(|a| a.normalize().to_string()),
        _ => None,
    };
    let milestone = |ja: bool| {
        contract
            .milestone_name(&r.metric)
            .map(|n| if ja { n.ja() } else { n.en() }.to_owned())
    };
    Ok(ResultToVerify {
        project: here.clone(),
        id: r.id,
        kind: r.kind,
        metric: r.metric.clone(),
        metric_name_ja: metric
            .map(|m| m.name.ja.clone())
            .or_else(|| milestone(true)),
        metric_name_en: metric
            .map(|m| m.name.en.clone())
            .or_else(|| milestone(false)),
        tranche_name_ja: r.tranche.as_deref().map(|t| say.tranche(t).ja),
        tranche_name_en: r.tranche.as_deref().map(|t| say.tranche(t).en),
        metric_definition: metric.and_then(|m| m.definition.clone()),
        unit: metric.map(|m| {
            serde_json::to_value(m.unit)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }),
        target: metric
            .and_then(|m| m.target)
            .map(|t| t.normalize().to_string()),
        baseline: metric
            .and_then(|m| m.baseline)
            .map(|b| b.normalize().to_string()),
        tranche: r.tranche.clone(),
        value,
        numerator: r.numerator.clone(),
        denominator: r.denominator.clone(),
        achieved_on: r.achieved_on,
        achievement,
        previous_value,
        change,
        evidence: r.evidence.clone(),
        correction_reason: r.correction_reason.clone(),
        entered_by: name(conn, r.entered_by)?,
        entered_at: r.entered_at,
        evidence_files: super::evidence::list(
            conn,
            actor,
            here.id,
            super::evidence::Collection::Results,
            r.id,
        )?,
    })
}

/// Batches of participant records others submitted, with their counts and first rows.
fn batches_to_verify(
    conn: &mut DbConn,
    actor: &Actor,
    currency: &str,
    here: &ProjectRef,
) -> AppResult<Vec<BatchToVerify>> {
    let mut found = Vec::new();
    for b in batches::list(conn, here.id)? {
        if b.status != ReviewStatus::Submitted || b.entered_by == actor.user_id {
            continue;
        }
        let mut counts: std::collections::BTreeMap<(String, i32), i64> =
            std::collections::BTreeMap::new();
        for (outcome, on, n) in batches::counts_by_outcome_and_day(conn, b.id)? {
            *counts
                .entry((outcome, seika_engine::figures::fiscal_year(on)))
                .or_default() += n;
        }
        found.push(BatchToVerify {
            counts: counts
                .into_iter()
                .map(|((outcome, fiscal_year), count)| OutcomeCount {
                    outcome,
                    fiscal_year,
                    count,
                })
                .collect(),
            first_rows: batches::records_page(conn, b.id, (5, 0))?
                .into_iter()
                .map(|(participant, outcome, achieved_on)| RecordRow {
                    participant,
                    outcome,
                    achieved_on,
                })
                .collect(),
            currency: currency.to_owned(),
            evidence_files: super::evidence::list(
                conn,
                actor,
                here.id,
                super::evidence::Collection::Batches,
                b.id,
            )?,
            project: here.clone(),
            id: b.id,
            source_name: b.source_name.clone(),
            source_sha256: b.source_sha256.clone(),
            row_count: b.row_count,
            correction_reason: b.correction_reason.clone(),
            entered_by: name(conn, b.entered_by)?,
            entered_at: b.entered_at,
        });
    }
    Ok(found)
}

/// The actor's own results and milestones that were rejected and not corrected since.
fn rejected_results(
    conn: &mut DbConn,
    actor: &Actor,
    contract: &Contract,
    here: &ProjectRef,
) -> AppResult<Vec<Rejected>> {
    let all = outcomes::list(conn, here.id, None)?;
    let mut found = Vec::new();
    for r in all
        .iter()
        .filter(|r| r.status == ReviewStatus::Rejected && r.entered_by == actor.user_id)
    {
        // Corrected since: a later record of the same metric and tranche.
        let followed = all.iter().any(|o| {
            o.id > r.id && o.metric == r.metric && o.tranche == r.tranche && o.kind == r.kind
        });
        if followed {
            continue;
        }
        found.push(Rejected {
            project: here.clone(),
            collection: RejectedCollection::OutcomeResults,
            id: r.id,
            label_ja: label(contract, &r.metric, r.tranche.as_deref(), true),
            label_en: label(contract, &r.metric, r.tranche.as_deref(), false),
            reason: r.rejection_reason.clone(),
            rejected_by: reviewer(conn, r.reviewed_by)?,
            rejected_at: r.reviewed_at,
        });
    }
    Ok(found)
}

/// The actor's own batches that were rejected, unless another batch came after.
fn rejected_batches(
    conn: &mut DbConn,
    actor: &Actor,
    here: &ProjectRef,
) -> AppResult<Vec<Rejected>> {
    let all = batches::list(conn, here.id)?;
    let mut found = Vec::new();
    for b in all
        .iter()
        .filter(|b| b.status == ReviewStatus::Rejected && b.entered_by == actor.user_id)
    {
        if all.iter().any(|o| o.id > b.id) {
            continue;
        }
        found.push(Rejected {
            project: here.clone(),
            collection: RejectedCollection::OutcomeBatches,
            id: b.id,
            label_ja: b.source_name.clone(),
            label_en: b.source_name.clone(),
            reason: b.rejection_reason.clone(),
            rejected_by: reviewer(conn, b.reviewed_by)?,
            rejected_at: b.reviewed_at,
        });
    }
    Ok(found)
}

fn reviewer(conn: &mut DbConn, user: Option<i64>) -> AppResult<String> {
    user.map_or_else(|| Ok(String::new()), |u| name(conn, u))
}

/// Claims for the actor to inspect or pay (payer staff) or to resubmit (their preparer).
fn add_claim_work(
    conn: &mut DbConn,
    actor: &Actor,
    here: &ProjectRef,
    (pays, prepares): (bool, bool),
    view: &mut WorkView,
) -> AppResult<()> {
    let today = today();
    for c in claims::list(conn, here.id)? {
        let status = c.status;
        let currency = seika_core::Currency::from_code(&c.currency).map_err(internal)?;
        let work = |due_on: NaiveDate| ClaimWork {
            project: here.clone(),
            id: c.id,
            tranche: c.tranche.clone(),
            total: seika_core::Money::from_minor(c.total_minor, currency).amount_string(),
            outstanding: seika_core::Money::from_minor(c.total_minor - c.paid_minor, currency)
                .amount_string(),
            currency: c.currency.clone(),
            status,
            due_on,
            overdue: today > due_on,
        };
        let payer_staff = pays && c.payer_organization_id == actor.organization_id;
        match status {
            ClaimStatus::Submitted if payer_staff && c.prepared_by != actor.user_id => {
                view.claims_to_inspect.push(work(c.inspection_due_on));
            }
            ClaimStatus::Accepted if payer_staff => {
                view.claims_to_pay.push(work(c.payment_due_on));
            }
            ClaimStatus::Returned
                if prepares
                    && (c.issuer_organization_id == actor.organization_id
                        || actor.role == Role::GovernmentStaff) =>
            {
                view.claims_to_resubmit.push(work(c.received_on));
            }
            _ => {}
        }
    }
    Ok(())
}
