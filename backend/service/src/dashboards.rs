//! Dashboards across projects, every figure computed here from the stored payout runs, the
//! contract terms and the recorded distributions; the frontend only formats them. Totals are per
//! currency, never summed across currencies.

use seika_core::access::PartyRole;
use seika_core::project::ProjectStatus;
use seika_core::review::ReviewStatus;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::distributions;
use super::projects::load_contract;
use crate::error::{AppError, AppResult};
use seika_core::access::Actor;
use seika_core::{Currency, Money};
use seika_db::{self as db, DbConn, organizations, payout_runs, projects};
use seika_engine::statement::InvestorSummary;

/// The most projects a dashboard covers (far above today's whole market per organization).
const MAX_PROJECTS: i64 = 5_000;

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

/// One project in an investor's dashboard: the organization's own position only.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InvestorProject {
    pub project_id: i64,
    pub code: String,
    pub title_ja: String,
    pub title_en: String,
    pub status: ProjectStatus,
    pub currency: String,
    pub committed: String,
    /// Drawn down so far (per the latest payout run, or the terms' drawdowns to date before one).
    pub drawn: String,
    pub undrawn: String,
    /// What the latest run's waterfall computes for the organization, by kind (principal,
    /// interest, success fee, fees).
    pub computed_by_kind: BTreeMap<String, String>,
    /// Computed by the waterfall, received by the project but not yet paid out, and paid.
    pub distributions_computed: String,
    pub distributions_due: String,
    pub distributions_paid: String,
    pub outstanding_principal: String,
    /// Distributions paid ÷ drawn (to 4 decimals).
    pub dpi: Option<String>,
    /// (Computed distributions + guarantee cover) ÷ drawn, from the latest run.
    pub money_multiple: Option<String>,
    /// Realised IRR: only once every tranche is final.
    pub irr: Option<String>,
    /// While tranches await data: the IRR if the statement were final with the data as it stands.
    pub projected_irr: Option<String>,
    /// While a tranche awaits data: the IRR if it paid nothing, and if it paid its maximum (none
    /// when it has no ceiling). The base case is `projected_irr`.
    pub projected_irr_low: Option<String>,
    pub projected_irr_high: Option<String>,
    pub guarantee_cover: String,
    /// The organization's investments held in units (retail): per-unit figures from the latest
    /// run (computed, not paid), or the units alone before a run.
    pub unit_holdings: Vec<seika_engine::statement::UnitHolding>,
    /// The next tranche due on or after today.
    pub next_payment_on: Option<NaiveDate>,
    pub latest_run_id: Option<i64>,
}

/// An investor's totals in one currency.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InvestorTotals {
    pub currency: String,
    pub projects: usize,
    pub committed: String,
    pub drawn: String,
    pub undrawn: String,
    pub distributions_computed: String,
    pub distributions_due: String,
    pub distributions_paid: String,
    pub outstanding_principal: String,
    pub dpi: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InvestorDashboard {
    pub projects: Vec<InvestorProject>,
    /// One line per currency.
    pub totals: Vec<InvestorTotals>,
}

fn ratio(numerator: Money, denominator: Money) -> Option<String> {
    (!denominator.to_decimal().is_zero()).then(|| {
        (numerator.to_decimal() / denominator.to_decimal())
            .round_dp(4)
            .normalize()
            .to_string()
    })
}

struct Sums {
    projects: usize,
    committed: Money,
    drawn: Money,
    computed: Money,
    due: Money,
    paid: Money,
    outstanding: Money,
}

impl Sums {
    fn zero(currency: Currency) -> Self {
        let zero = Money::zero(currency);
        Sums {
            projects: 0,
            committed: zero,
            drawn: zero,
            computed: zero,
            due: zero,
            paid: zero,
            outstanding: zero,
        }
    }

    /// Adds one project: committed, drawn, computed, due, paid, outstanding.
    fn add(&mut self, amounts: [Money; 6]) -> AppResult<()> {
        self.projects += 1;
        let sums = [
            &mut self.committed,
            &mut self.drawn,
            &mut self.computed,
            &mut self.due,
            &mut self.paid,
            &mut self.outstanding,
        ];
        for (sum, amount) in sums.into_iter().zip(amounts) {
            *sum = sum.checked_add(amount).map_err(internal)?;
        }
        Ok(())
    }
}

/// Outcome records and participant batches of a project submitted and waiting for verification.
fn awaiting_verification(conn: &mut DbConn, project_id: i64) -> AppResult<usize> {
    let results = db::outcomes::list(conn, project_id, Some(ReviewStatus::Submitted))?.len();
    let batches = db::batches::list(conn, project_id)?
        .iter()
        .filter(|b| b.status == ReviewStatus::Submitted)
        .count();
    Ok(results + batches)
}

/// Every project the reader's organization invested in (accepted as an investor party), with
/// its own position in each and totals per currency.
pub fn investor(conn: &mut DbConn, actor: &Actor) -> AppResult<InvestorDashboard> {
    let own = organizations::find(conn, actor.organization_id)?
        .map(|o| o.slug)
        .unwrap_or_default();
    let filter = projects::ProjectFilter {
        scope: Some((actor.organization_id, PartyRole::Investor, false)),
        ..projects::ProjectFilter::default()
    };
    let (rows, _) = projects::list(conn, &filter, MAX_PROJECTS, 0)?;
    // The day as the contracts count it (Japan), the same day claims' deadlines use.
    let today = super::claims::today();
    let mut out = Vec::new();
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    for project in rows {
        let currency = Currency::from_code(&project.currency).map_err(internal)?;
        let money = |s: &str| Money::parse(s, currency).map_err(internal);
        let (contract, _) = load_contract(conn, project.id, project.current_terms_version)?;
        let latest = payout_runs::latest(conn, project.id)?;
        let position = match &latest {
            Some(run) => position_in_run(conn, project.id, run, &own)?,
            None => Position {
                unit_holdings: seika_engine::figures::unit_holdings_before_any_run(&contract, &own),
                ..Position::default()
            },
        };
        let summary = position.summary.as_ref();
        let (committed, mut drawn) = committed_and_drawn(&contract, summary, &own, today)?;
        // A draft's drawdowns are plans: no capital has been drawn into an unsigned contract.
        let draft = project.status == ProjectStatus::Draft;
        if draft {
            drawn = Money::zero(currency);
        }
        let undrawn = committed.checked_sub(drawn).map_err(internal)?;
        let recorded = distributions::list(conn, actor, project.id)?;
        let (computed, due, paid) = (
            money(&recorded.own.computed)?,
            money(&recorded.own.due)?,
            money(&recorded.own.paid)?,
        );
        let outstanding = match summary {
            Some(_) if draft => drawn,
            Some(s) => money(&s.outstanding_principal)?,
            None => drawn,
        };
        sums.entry(project.currency.clone())
            .or_insert_with(|| Sums::zero(currency))
            .add([committed, drawn, computed, due, paid, outstanding])?;
        out.push(InvestorProject {
            project_id: project.id,
            code: project.code,
            title_ja: project.title_ja,
            title_en: project.title_en,
            status: project.status,
            currency: project.currency,
            committed: committed.amount_string(),
            drawn: drawn.amount_string(),
            undrawn: undrawn.amount_string(),
            computed_by_kind: computed_by_kind(summary),
            distributions_computed: computed.amount_string(),
            distributions_due: due.amount_string(),
            distributions_paid: paid.amount_string(),
            outstanding_principal: outstanding.amount_string(),
            dpi: ratio(paid, drawn),
            money_multiple: summary.and_then(|s| s.money_multiple.clone()),
            irr: summary.and_then(|s| s.irr.clone()),
            projected_irr: summary.and_then(|s| s.projected.as_ref().and_then(|p| p.irr.clone())),
            projected_irr_low: position.range.as_ref().and_then(|r| r.low.clone()),
            projected_irr_high: position.range.as_ref().and_then(|r| r.high.clone()),
            guarantee_cover: summary.map_or_else(|| "0".to_owned(), |s| s.guarantee_cover.clone()),
            unit_holdings: position.unit_holdings,
            next_payment_on: contract
                .tranches
                .iter()
                .map(|t| t.due_on)
                .filter(|d| *d >= today)
                .min(),
            latest_run_id: latest.map(|r| r.id),
        });
    }
    Ok(InvestorDashboard {
        projects: out,
        totals: investor_totals(sums)?,
    })
}

/// The investor's place in a stored run: its summary, the range its projected IRR may take while
/// tranches await data, and its unit holdings.
#[derive(Default)]
struct Position {
    summary: Option<InvestorSummary>,
    range: Option<seika_engine::figures::IrrRange>,
    unit_holdings: Vec<seika_engine::statement::UnitHolding>,
}

fn position_in_run(
    conn: &mut DbConn,
    project_id: i64,
    run: &payout_runs::PayoutRunRow,
    own: &str,
) -> AppResult<Position> {
    #[derive(serde::Deserialize)]
    struct Line {
        tranche: String,
        status: seika_engine::statement::LineStatus,
    }
    #[derive(serde::Deserialize)]
    struct Stored {
        #[serde(default)]
        distribution: Option<seika_engine::statement::Distribution>,
        tranches: Vec<seika_engine::statement::TrancheTotal>,
        lines: Vec<Line>,
    }
    let stored: Stored = serde_json::from_str(&run.statement).map_err(internal)?;
    let awaiting: std::collections::BTreeSet<String> = stored
        .lines
        .iter()
        .filter(|l| l.status == seika_engine::statement::LineStatus::AwaitingData)
        .map(|l| l.tranche.clone())
        .collect();
    let (run_contract, _) = load_contract(conn, project_id, run.terms_version)?;
    let range = seika_engine::figures::irr_range(&run_contract, &stored.tranches, &awaiting)
        .map_err(internal)?
        .into_iter()
        .find(|r| r.investor == own);
    let Some(distribution) = stored.distribution else {
        return Ok(Position {
            range,
            ..Position::default()
        });
    };
    Ok(Position {
        range,
        unit_holdings: distribution
            .unit_holdings
            .into_iter()
            .filter(|h| h.investor == own)
            .collect(),
        summary: distribution
            .investors
            .into_iter()
            .find(|i| i.investor == own),
    })
}

/// What the investor committed and has drawn: as the newest run states it, or before any run
/// from the contract (drawdowns up to today).
fn committed_and_drawn(
    contract: &seika_core::contract::Contract,
    summary: Option<&InvestorSummary>,
    own: &str,
    today: NaiveDate,
) -> AppResult<(Money, Money)> {
    let currency = contract.currency;
    if let Some(s) = summary {
        let money = |t: &str| Money::parse(t, currency).map_err(internal);
        return Ok((money(&s.committed)?, money(&s.drawn)?));
    }
    let own_investments = contract.investments.iter().filter(|i| i.investor == own);
    let committed: Decimal = own_investments.clone().map(|i| i.committed).sum();
    let drawn: Decimal = own_investments
        .flat_map(|i| i.drawdowns.iter())
        .filter(|d| d.on <= today)
        .map(|d| d.amount)
        .sum();
    Ok((
        Money::from_decimal(committed, currency).map_err(internal)?,
        Money::from_decimal(drawn, currency).map_err(internal)?,
    ))
}

/// The newest run's distribution to the investor by kind.
fn computed_by_kind(summary: Option<&InvestorSummary>) -> BTreeMap<String, String> {
    summary
        .map(|s| {
            [
                ("principal", &s.principal),
                ("interest", &s.interest),
                ("success_fee", &s.success_fee),
                ("fees", &s.fees),
            ]
            .into_iter()
            .map(|(kind, amount)| (kind.to_owned(), amount.clone()))
            .collect()
        })
        .unwrap_or_default()
}

fn investor_totals(sums: BTreeMap<String, Sums>) -> AppResult<Vec<InvestorTotals>> {
    sums.into_iter()
        .map(|(currency, s)| {
            Ok(InvestorTotals {
                currency,
                projects: s.projects,
                committed: s.committed.amount_string(),
                drawn: s.drawn.amount_string(),
                undrawn: s
                    .committed
                    .checked_sub(s.drawn)
                    .map_err(internal)?
                    .amount_string(),
                distributions_computed: s.computed.amount_string(),
                distributions_due: s.due.amount_string(),
                distributions_paid: s.paid.amount_string(),
                outstanding_principal: s.outstanding.amount_string(),
                dpi: ratio(s.paid, s.drawn),
            })
        })
        .collect()
}

/// A claim that waits for the government, with its deadline.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WaitingClaim {
    pub claim_id: i64,
    pub tranche: String,
    pub total: String,
    pub outstanding: String,
    pub waits_for: ClaimWaitsFor,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

/// What an outcome payer's claim waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimWaitsFor {
    Inspection,
    Payment,
}

/// The claims waiting for the payer: submitted ones for inspection, accepted ones for payment.
fn waiting_claims(claims: &[super::claims::ClaimView]) -> Vec<WaitingClaim> {
    use seika_core::claim::ClaimStatus;
    claims
        .iter()
        .filter_map(|c| {
            let (waits_for, due_on, overdue) = match c.status {
                ClaimStatus::Submitted => (
                    ClaimWaitsFor::Inspection,
                    c.inspection_due_on,
                    c.inspection_overdue,
                ),
                ClaimStatus::Accepted => {
                    (ClaimWaitsFor::Payment, c.payment_due_on, c.payment_overdue)
                }
                _ => return None,
            };
            Some(WaitingClaim {
                claim_id: c.id,
                tranche: c.tranche.clone(),
                total: c.total.clone(),
                outstanding: c.outstanding.clone(),
                waits_for,
                due_on,
                overdue,
            })
        })
        .collect()
}

/// The share of the maximum the outcomes computed so far leave unpaid (none without a maximum).
fn share_at_risk(cap: Option<Money>, computed: Money) -> Option<String> {
    cap.and_then(|c| {
        (!c.to_decimal().is_zero()).then(|| {
            ((c.to_decimal() - computed.to_decimal()) / c.to_decimal())
                .max(Decimal::ZERO)
                .round_dp(4)
                .normalize()
                .to_string()
        })
    })
}

/// One project in a government's dashboard.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct GovernmentProject {
    pub project_id: i64,
    pub code: String,
    pub title_ja: String,
    pub title_en: String,
    pub status: ProjectStatus,
    pub currency: String,
    /// 支払上限額, all payers together; and each payer's own maximum.
    pub cap: Option<String>,
    pub payers: Vec<seika_engine::figures::PayerDue>,
    /// Computed by the latest payout run (not paid), then claimed, accepted on inspection, paid.
    pub computed: String,
    /// Of `computed`, what does not depend on outcomes (fees, guaranteed parts); absent when the
    /// contract has none.
    pub non_contingent: Option<String>,
    pub claimed: String,
    pub accepted: String,
    pub paid: String,
    /// The share of the cap not yet earned by verified outcomes: (cap − computed) ÷ cap.
    pub share_at_risk: Option<String>,
    /// By fiscal year: the appropriation and what the latest run computes due in it, and what
    /// remains of the appropriation.
    pub fiscal_years: Vec<seika_engine::figures::FiscalYearDue>,
    /// Outcome records and batches submitted and waiting for verification.
    pub awaiting_verification: usize,
    pub claims_waiting: Vec<WaitingClaim>,
    pub latest_run_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct GovernmentTotals {
    pub currency: String,
    pub projects: usize,
    /// The sum of the projects' caps (projects without a cap are not in it).
    pub cap: String,
    pub computed: String,
    pub claimed: String,
    pub accepted: String,
    pub paid: String,
    pub awaiting_verification: usize,
    pub claims_waiting: usize,
    pub claims_overdue: usize,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct GovernmentDashboard {
    pub projects: Vec<GovernmentProject>,
    pub totals: Vec<GovernmentTotals>,
}

/// The projects the reader's organization owns or pays outcomes on, with what each may owe,
/// when, against which budget, and what waits; totals per currency.
pub fn government(conn: &mut DbConn, actor: &Actor) -> AppResult<GovernmentDashboard> {
    let filter = projects::ProjectFilter {
        scope: Some((actor.organization_id, PartyRole::OutcomePayer, true)),
        ..projects::ProjectFilter::default()
    };
    let (rows, _) = projects::list(conn, &filter, MAX_PROJECTS, 0)?;
    let mut out = Vec::new();
    let mut totals: BTreeMap<String, (usize, [Money; 5], usize, usize, usize)> = BTreeMap::new();
    for project in rows {
        let currency = Currency::from_code(&project.currency).map_err(internal)?;
        let money = |s: &str| Money::parse(s, currency).map_err(internal);
        let figures = super::payout_runs::figures(conn, actor, project.id)?;
        let claims = super::claims::list(conn, actor, project.id)?;
        let waiting = waiting_claims(&claims);
        let awaiting = awaiting_verification(conn, project.id)?;
        let computed = money(&figures.due.computed_total)?;
        let cap = figures
            .due
            .max_total_payment
            .as_deref()
            .map(money)
            .transpose()?;
        let share_at_risk = share_at_risk(cap, computed);
        let entry = totals.entry(project.currency.clone()).or_insert((
            0,
            [Money::zero(currency); 5],
            0,
            0,
            0,
        ));
        entry.0 += 1;
        let amounts = [
            cap.unwrap_or(Money::zero(currency)),
            computed,
            money(&figures.claims.claimed)?,
            money(&figures.claims.accepted)?,
            money(&figures.claims.paid)?,
        ];
        for (sum, amount) in entry.1.iter_mut().zip(amounts) {
            *sum = sum.checked_add(amount).map_err(internal)?;
        }
        entry.2 += awaiting;
        entry.3 += waiting.len();
        entry.4 += waiting.iter().filter(|w| w.overdue).count();
        out.push(GovernmentProject {
            project_id: project.id,
            code: project.code,
            title_ja: project.title_ja,
            title_en: project.title_en,
            status: project.status,
            currency: project.currency,
            cap: figures.due.max_total_payment.clone(),
            payers: figures.due.payers.clone(),
            computed: figures.due.computed_total.clone(),
            non_contingent: figures.due.non_contingent_total.clone(),
            claimed: figures.claims.claimed.clone(),
            accepted: figures.claims.accepted.clone(),
            paid: figures.claims.paid.clone(),
            share_at_risk,
            fiscal_years: figures.due.fiscal_years.clone(),
            awaiting_verification: awaiting,
            claims_waiting: waiting,
            latest_run_id: figures.latest_run.as_ref().map(|r| r.id),
        });
    }
    Ok(GovernmentDashboard {
        projects: out,
        totals: totals
            .into_iter()
            .map(
                |(
                    currency,
                    (
                        projects,
                        [cap, computed, claimed, accepted, paid],
                        awaiting,
                        waiting,
                        overdue,
                    ),
                )| {
                    GovernmentTotals {
                        currency,
                        projects,
                        cap: cap.amount_string(),
                        computed: computed.amount_string(),
                        claimed: claimed.amount_string(),
                        accepted: accepted.amount_string(),
                        paid: paid.amount_string(),
                        awaiting_verification: awaiting,
                        claims_waiting: waiting,
                        claims_overdue: overdue,
                    }
                },
            )
            .collect(),
    })
}

/// One project in a service provider's view: its outcomes and its money, no investor positions.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProviderProject {
    pub project_id: i64,
    pub code: String,
    pub title_ja: String,
    pub title_en: String,
    pub status: ProjectStatus,
    pub currency: String,
    /// Each metric's verified value and achievement toward its target.
    pub metrics: Vec<seika_engine::figures::MetricProgress>,
    /// The metrics' names, by id.
    pub metric_names: BTreeMap<String, seika_core::contract::Localized>,
    /// Outcome records and batches submitted and waiting for verification.
    pub awaiting_verification: usize,
    /// Computed by the latest payout run, claimed, accepted on inspection, and received.
    pub computed: String,
    pub claimed: String,
    pub accepted: String,
    pub received: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProviderDashboard {
    pub projects: Vec<ProviderProject>,
}

/// The projects the reader's organization delivers: outcomes achieved, what waits for
/// verification, and payments claimed and received.
pub fn provider(conn: &mut DbConn, actor: &Actor) -> AppResult<ProviderDashboard> {
    let filter = projects::ProjectFilter {
        scope: Some((actor.organization_id, PartyRole::ServiceProvider, false)),
        ..projects::ProjectFilter::default()
    };
    let (rows, _) = projects::list(conn, &filter, MAX_PROJECTS, 0)?;
    let mut out = Vec::new();
    for project in rows {
        let figures = super::payout_runs::figures(conn, actor, project.id)?;
        let (contract, _) = load_contract(conn, project.id, project.current_terms_version)?;
        let awaiting = awaiting_verification(conn, project.id)?;
        out.push(ProviderProject {
            metric_names: contract
                .metrics
                .iter()
                .map(|m| (m.id.clone(), m.name.clone()))
                .collect(),
            project_id: project.id,
            code: project.code,
            title_ja: project.title_ja,
            title_en: project.title_en,
            status: project.status,
            currency: project.currency,
            metrics: figures.metrics,
            awaiting_verification: awaiting,
            computed: figures.due.computed_total,
            claimed: figures.claims.claimed,
            accepted: figures.claims.accepted,
            received: figures.claims.paid,
        });
    }
    Ok(ProviderDashboard { projects: out })
}

// ---- Computed once per organization and change ---------------------------------------------

/// Dashboards as last computed, per organization, role and day (and project pages, per person
/// and project), with the audit log's sequence number they were computed at. Every write appends to the audit log in its own transaction, so
/// an answer is served again only while nothing has been committed since; with several server
/// instances each keeps its own and all check the shared log. Bounded: emptied when it holds
/// more than [`DashboardCache::MAX_ENTRIES`] answers or [`DashboardCache::MAX_BYTES`] of them.
#[derive(Debug, Default)]
pub struct DashboardCache {
    entries: std::sync::Mutex<CacheEntries>,
}

/// Each answer with the audit sequence number it was computed at and its version (the ETag of
/// a project page; 0 for dashboards), and the bytes all answers hold.
#[derive(Debug, Default)]
struct CacheEntries {
    answers: std::collections::HashMap<CacheKey, (i64, std::sync::Arc<Vec<u8>>, i32)>,
    bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    kind: &'static str,
    organization: i64,
    role: seika_core::user::Role,
    day: NaiveDate,
    /// The person, for answers that are one person's (a project page); 0 for an organization's.
    user: i64,
    /// The project, for a project page; 0 otherwise.
    project: i64,
}

impl DashboardCache {
    pub const MAX_ENTRIES: usize = 4096;
    /// At most this much kept (a project page with large terms is tens of kilobytes).
    pub const MAX_BYTES: usize = 32 * 1024 * 1024;

    /// The dashboard `kind` for the actor as JSON: the cached answer when nothing changed since it
    /// was computed, else `compute`'s, kept for the next reader of the same organization.
    pub fn json<T: Serialize>(
        &self,
        conn: &mut DbConn,
        actor: &Actor,
        kind: &'static str,
        compute: impl FnOnce(&mut DbConn, &Actor) -> AppResult<T>,
    ) -> AppResult<std::sync::Arc<Vec<u8>>> {
        let key = self.key(kind, actor, 0, 0);
        self.cached(conn, key, |conn| {
            let answer = compute(conn, actor)?;
            Ok((serde_json::to_vec(&answer).map_err(internal)?, 0))
        })
        .map(|(bytes, _)| bytes)
    }

    /// A project's page for the actor as JSON, with its version for the ETag: cached per person
    /// and project, under the same rule as the dashboards (served again only while the audit log
    /// has not moved, so any committed change, including to the person's access, recomputes it).
    pub fn project(
        &self,
        conn: &mut DbConn,
        actor: &Actor,
        id: i64,
        compute: impl FnOnce(&mut DbConn, &Actor, i64) -> AppResult<super::projects::ProjectView>,
    ) -> AppResult<(std::sync::Arc<Vec<u8>>, i32)> {
        let key = self.key("project", actor, actor.user_id, id);
        self.cached(conn, key, |conn| {
            let view = compute(conn, actor, id)?;
            Ok((serde_json::to_vec(&view).map_err(internal)?, view.version))
        })
    }

    fn key(&self, kind: &'static str, actor: &Actor, user: i64, project: i64) -> CacheKey {
        CacheKey {
            kind,
            organization: actor.organization_id,
            role: actor.role,
            // Overdue flags and the next payment date change with the day claims count in.
            day: super::claims::today(),
            user,
            project,
        }
    }

    fn cached(
        &self,
        conn: &mut DbConn,
        key: CacheKey,
        compute: impl FnOnce(&mut DbConn) -> AppResult<(Vec<u8>, i32)>,
    ) -> AppResult<(std::sync::Arc<Vec<u8>>, i32)> {
        // The sequence number is read before the data, so an answer is never older than its tag.
        let seq = db::audit::last_seq(conn)?;
        if let Some((at, bytes, version)) = self.lock().answers.get(&key)
            && *at == seq
        {
            return Ok((bytes.clone(), *version));
        }
        let (bytes, version) = compute(conn)?;
        let bytes = std::sync::Arc::new(bytes);
        let mut entries = self.lock();
        if entries.answers.len() >= Self::MAX_ENTRIES
            || entries.bytes + bytes.len() > Self::MAX_BYTES
        {
            entries.answers.clear();
            entries.bytes = 0;
        }
        entries.bytes += bytes.len();
        if let Some((_, old, _)) = entries.answers.insert(key, (seq, bytes.clone(), version)) {
            entries.bytes -= old.len();
        }
        Ok((bytes, version))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheEntries> {
        // A panic while holding the lock leaves only a map of finished answers: still usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
