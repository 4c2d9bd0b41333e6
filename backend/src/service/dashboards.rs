//! Dashboards across projects, every figure computed here from the stored payout runs, the
//! contract terms and the recorded distributions; the frontend only formats them. Totals are per
//! currency, never summed across currencies.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::distributions;
use super::projects::load_contract;
use crate::db::{self, DbConn, organizations, payout_runs, projects};
use crate::domain::access::Actor;
use crate::domain::{Currency, Money};
use crate::engine::statement::InvestorSummary;
use crate::error::{AppError, AppResult};

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
    pub status: String,
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
    pub guarantee_cover: String,
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

/// Every project the reader's organization invested in (accepted as an investor party), with
/// its own position in each and totals per currency.
pub fn investor(conn: &mut DbConn, actor: &Actor) -> AppResult<InvestorDashboard> {
    let own = organizations::find(conn, actor.organization_id)?
        .map(|o| o.slug)
        .unwrap_or_default();
    let filter = projects::ProjectFilter {
        scope: Some((actor.organization_id, "investor".into(), false)),
        ..projects::ProjectFilter::default()
    };
    let (rows, _) = projects::list(conn, &filter, MAX_PROJECTS, 0)?;
    let today = db::now().date();
    let mut out = Vec::new();
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    for project in rows {
        let currency = Currency::from_code(&project.currency).map_err(internal)?;
        let money = |s: &str| Money::parse(s, currency).map_err(internal);
        let (contract, _) = load_contract(conn, project.id, project.current_terms_version)?;
        let latest = payout_runs::list(conn, project.id)?.into_iter().next();
        let summary: Option<InvestorSummary> = match &latest {
            Some(run) => {
                #[derive(serde::Deserialize)]
                struct Stored {
                    #[serde(default)]
                    distribution: Option<crate::engine::statement::Distribution>,
                }
                let stored: Stored = serde_json::from_str(&run.statement).map_err(internal)?;
                stored
                    .distribution
                    .and_then(|d| d.investors.into_iter().find(|i| i.investor == own))
            }
            None => None,
        };
        let own_investments: Vec<_> = contract
            .investments
            .iter()
            .filter(|i| i.investor == own)
            .collect();
        let committed = match &summary {
            Some(s) => money(&s.committed)?,
            None => Money::from_decimal(
                own_investments.iter().map(|i| i.committed).sum::<Decimal>(),
                currency,
            )
            .map_err(internal)?,
        };
        let drawn = match &summary {
            Some(s) => money(&s.drawn)?,
            None => Money::from_decimal(
                own_investments
                    .iter()
                    .flat_map(|i| i.drawdowns.iter())
                    .filter(|d| d.on <= today)
                    .map(|d| d.amount)
                    .sum::<Decimal>(),
                currency,
            )
            .map_err(internal)?,
        };
        let undrawn = committed.checked_sub(drawn).map_err(internal)?;
        let recorded = distributions::list(conn, actor, project.id)?;
        let (computed, due, paid) = (
            money(&recorded.own.computed)?,
            money(&recorded.own.due)?,
            money(&recorded.own.paid)?,
        );
        let outstanding = match &summary {
            Some(s) => money(&s.outstanding_principal)?,
            None => drawn,
        };
        let mut computed_by_kind = BTreeMap::new();
        if let Some(s) = &summary {
            for (kind, amount) in [
                ("principal", &s.principal),
                ("interest", &s.interest),
                ("success_fee", &s.success_fee),
                ("fees", &s.fees),
            ] {
                computed_by_kind.insert(kind.to_owned(), amount.clone());
            }
        }
        let entry = sums.entry(project.currency.clone()).or_insert(Sums {
            projects: 0,
            committed: Money::zero(currency),
            drawn: Money::zero(currency),
            computed: Money::zero(currency),
            due: Money::zero(currency),
            paid: Money::zero(currency),
            outstanding: Money::zero(currency),
        });
        entry.projects += 1;
        entry.committed = entry.committed.checked_add(committed).map_err(internal)?;
        entry.drawn = entry.drawn.checked_add(drawn).map_err(internal)?;
        entry.computed = entry.computed.checked_add(computed).map_err(internal)?;
        entry.due = entry.due.checked_add(due).map_err(internal)?;
        entry.paid = entry.paid.checked_add(paid).map_err(internal)?;
        entry.outstanding = entry
            .outstanding
            .checked_add(outstanding)
            .map_err(internal)?;
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
            computed_by_kind,
            distributions_computed: computed.amount_string(),
            distributions_due: due.amount_string(),
            distributions_paid: paid.amount_string(),
            outstanding_principal: outstanding.amount_string(),
            dpi: ratio(paid, drawn),
            money_multiple: summary.as_ref().and_then(|s| s.money_multiple.clone()),
            irr: summary.as_ref().and_then(|s| s.irr.clone()),
            projected_irr: summary
                .as_ref()
                .and_then(|s| s.projected.as_ref().and_then(|p| p.irr.clone())),
            guarantee_cover: summary
                .as_ref()
                .map_or_else(|| "0".to_owned(), |s| s.guarantee_cover.clone()),
            next_payment_on: contract
                .tranches
                .iter()
                .map(|t| t.due_on)
                .filter(|d| *d >= today)
                .min(),
            latest_run_id: latest.map(|r| r.id),
        });
    }
    let totals = sums
        .into_iter()
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
        .collect::<AppResult<Vec<_>>>()?;
    Ok(InvestorDashboard {
        projects: out,
        totals,
    })
}
