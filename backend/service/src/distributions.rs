//! Distributions to investors: once a tranche's outcome payment has been received in full (every
//! payer's claim for it paid), the waterfall's distributions become due, and the intermediary (or
//! the city) records each as paid. Investors see computed, due and paid separately, and only their
//! own investments in detail.

use seika_core::msg;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::claims::today;
use super::projects::{authorize, load_contract};
use super::to_json;
use crate::error::{AppError, AppResult, FieldError};
use seika_core::access::{Actor, ProjectAction, sees_investor_positions, total_may_be_shown};
use seika_core::claim::ClaimStatus;
use seika_core::{Currency, Money};
use seika_db::{self as db, DbConn, audit, claims, organizations, payout_runs};
use seika_engine::statement::Distribution;

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

/// Where a tranche's distributions stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistributionState {
    /// The waterfall computed them; the outcome payment has not been received in full.
    Computed,
    /// The outcome payment was received: the distributions are owed to investors.
    Due,
    /// Every distribution of the tranche is recorded as paid.
    Paid,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InvestmentDistribution {
    pub investment: String,
    /// The investor organization's slug.
    pub investor: String,
    /// What the waterfall computes for this investment in this tranche.
    pub computed: String,
    /// Recorded as paid: amount, date and reference.
    pub paid: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OtherInvestorsDistribution {
    pub investments: usize,
    /// How many other organizations hold them.
    pub investors: usize,
    /// Their total as computed; null where it would be one other investor's position (with the
    /// tranche's `retained`, from which it could be worked out).
    pub computed_total: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TrancheDistributionView {
    pub tranche: String,
    pub state: DistributionState,
    /// The payout run whose waterfall applies: the one the tranche's claims rest on, else the
    /// newest.
    pub payout_run_id: i64,
    /// The outcome payment the waterfall distributes, as computed.
    pub computed_received: String,
    /// Payments recorded on the tranche's claims (as invoiced).
    pub paid_in: String,
    pub investments: Vec<InvestmentDistribution>,
    /// For readers who may not see other investors' positions: the rest in aggregate.
    pub other_investors: Option<OtherInvestorsDistribution>,
    /// Left after every waterfall step (kept by the provider or intermediary), as computed; null
    /// for a reader who sees one other investor only in aggregate (it would reveal that
    /// investor's amount).
    pub retained: Option<String>,
    /// Distributed (as computed) plus retained equals what the waterfall received, to the unit.
    pub reconciles: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DistributionsView {
    pub currency: String,
    pub tranches: Vec<TrancheDistributionView>,
    /// The reader's organization's own investments over every tranche: computed by the
    /// waterfall, due (received by the project, not yet paid out) and paid.
    pub own: OwnDistributionTotals,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OwnDistributionTotals {
    pub computed: String,
    pub due: String,
    pub paid: String,
}

struct Tranche {
    run_id: i64,
    distribution: seika_engine::statement::TrancheDistribution,
    investors: BTreeMap<String, String>,
    paid_in: Money,
    received_in_full: bool,
}

#[derive(Deserialize)]
struct WithDistribution {
    #[serde(default)]
    distribution: Option<Distribution>,
}

/// Runs read so far: their distribution and the contract's investments (id → investor).
type Parsed = BTreeMap<i64, (Option<Distribution>, BTreeMap<String, String>)>;

fn load(conn: &mut DbConn, project_id: i64, run_id: i64, parsed: &mut Parsed) -> AppResult<()> {
    if parsed.contains_key(&run_id) {
        return Ok(());
    }
    let run = payout_runs::find(conn, project_id, run_id)?
        .ok_or_else(|| internal("claim without its payout run"))?;
    let statement: WithDistribution = serde_json::from_str(&run.statement).map_err(internal)?;
    let (contract, _) = load_contract(conn, project_id, run.terms_version)?;
    let investors = contract
        .investments
        .iter()
        .map(|i| (i.id.clone(), i.investor.clone()))
        .collect();
    parsed.insert(run_id, (statement.distribution, investors));
    Ok(())
}

/// The tranches that have a distribution, each from the run that applies to it.
fn tranches(conn: &mut DbConn, project_id: i64, currency: Currency) -> AppResult<Vec<Tranche>> {
    let runs = payout_runs::list(conn, project_id)?;
    let Some(newest) = runs.first() else {
        return Ok(Vec::new());
    };
    let live: Vec<claims::ClaimRow> = claims::list(conn, project_id)?
        .into_iter()
        .filter(|c| c.status != ClaimStatus::Returned)
        .collect();
    let mut parsed: Parsed = BTreeMap::new();
    load(conn, project_id, newest.id, &mut parsed)?;
    let newest_tranches: Vec<String> = parsed[&newest.id]
        .0
        .as_ref()
        .map(|d| d.tranches.iter().map(|t| t.tranche.clone()).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for name in newest_tranches {
        let of_tranche: Vec<&claims::ClaimRow> =
            live.iter().filter(|c| c.tranche == name).collect();
        // Claims list newest first: the newest claim's run applies.
        let run_id = of_tranche.first().map_or(newest.id, |c| c.payout_run_id);
        load(conn, project_id, run_id, &mut parsed)?;
        let (distribution, investors) = &parsed[&run_id];
        let Some(tranche) = distribution
            .as_ref()
            .and_then(|d| d.tranches.iter().find(|t| t.tranche == name))
        else {
            continue;
        };
        let mut paid_in = Money::zero(currency);
        let mut claimed = Money::zero(currency);
        for c in &of_tranche {
            paid_in = paid_in
                .checked_add(Money::from_minor(c.paid_minor, currency))
                .map_err(internal)?;
            let in_contract_terms = if c.amounts_include_tax {
                c.total_minor
            } else {
                c.net_minor
            };
            claimed = claimed
                .checked_add(Money::from_minor(in_contract_terms, currency))
                .map_err(internal)?;
        }
        let received = Money::parse(&tranche.received, currency).map_err(internal)?;
        let received_in_full = !of_tranche.is_empty()
            && of_tranche.iter().all(|c| c.status == ClaimStatus::Paid)
            && claimed == received;
        out.push(Tranche {
            run_id,
            distribution: tranche.clone(),
            investors: investors.clone(),
            paid_in,
            received_in_full,
        });
    }
    Ok(out)
}

/// Each investment's computed amount in a tranche (the sum of its waterfall payments).
fn computed_by_investment(
    tranche: &Tranche,
    currency: Currency,
) -> AppResult<BTreeMap<String, Money>> {
    let mut out: BTreeMap<String, Money> = BTreeMap::new();
    for p in &tranche.distribution.payments {
        if !tranche.investors.contains_key(&p.to) {
            continue;
        }
        let amount = Money::parse(&p.amount, currency).map_err(internal)?;
        let entry = out.entry(p.to.clone()).or_insert(Money::zero(currency));
        *entry = entry.checked_add(amount).map_err(internal)?;
    }
    Ok(out)
}

pub fn list(conn: &mut DbConn, actor: &Actor, project_id: i64) -> AppResult<DistributionsView> {
    let (project, standing) = authorize(conn, actor, project_id, ProjectAction::Read)?;
    let currency = Currency::from_code(&project.currency).map_err(internal)?;
    let full = sees_investor_positions(actor, &standing);
    let own_slug = organizations::find(conn, actor.organization_id)?
        .map(|o| o.slug)
        .unwrap_or_default();
    let recorded = claims::distributions(conn, project_id)?;
    let mut views = Vec::new();
    let (mut own_computed, mut own_due, mut own_paid) = (
        Money::zero(currency),
        Money::zero(currency),
        Money::zero(currency),
    );
    for tranche in tranches(conn, project_id, currency)? {
        let computed = computed_by_investment(&tranche, currency)?;
        let name = &tranche.distribution.tranche;
        let record_of = |investment: &str| {
            recorded
                .iter()
                .find(|r| &r.tranche == name && r.investment == investment)
        };
        let all_recorded = computed
            .iter()
            .filter(|(_, m)| !m.is_zero())
            .all(|(i, _)| record_of(i).is_some());
        let state = if all_recorded && !computed.is_empty() && tranche.received_in_full {
            DistributionState::Paid
        } else if tranche.received_in_full {
            DistributionState::Due
        } else {
            DistributionState::Computed
        };
        let mut investments = Vec::new();
        let mut others = (0usize, Money::zero(currency));
        let mut other_investors = std::collections::BTreeSet::new();
        let mut distributed = Money::zero(currency);
        for p in &tranche.distribution.payments {
            distributed = distributed
                .checked_add(Money::parse(&p.amount, currency).map_err(internal)?)
                .map_err(internal)?;
        }
        for (investment, amount) in &computed {
            let investor = tranche.investors[investment].clone();
            if investor == own_slug {
                own_computed = own_computed.checked_add(*amount).map_err(internal)?;
                match record_of(investment) {
                    Some(r) => {
                        own_paid = own_paid
                            .checked_add(Money::from_minor(r.amount_minor, currency))
                            .map_err(internal)?;
                    }
                    None if state == DistributionState::Due => {
                        own_due = own_due.checked_add(*amount).map_err(internal)?;
                    }
                    None => {}
                }
            }
            if full || investor == own_slug {
                let record = record_of(investment);
                investments.push(InvestmentDistribution {
                    investment: investment.clone(),
                    investor,
                    computed: amount.amount_string(),
                    paid: record
                        .map(|r| Money::from_minor(r.amount_minor, currency).amount_string()),
                    paid_on: record.map(|r| r.paid_on),
                    reference: record.map(|r| r.reference.clone()),
                });
            } else {
                others.0 += 1;
                others.1 = others.1.checked_add(*amount).map_err(internal)?;
                other_investors.insert(tranche.investors[investment].clone());
            }
        }
        let retained = Money::parse(&tranche.distribution.retained, currency).map_err(internal)?;
        let shown = full || total_may_be_shown(other_investors.len());
        let received = Money::parse(&tranche.distribution.received, currency).map_err(internal)?;
        views.push(TrancheDistributionView {
            tranche: name.clone(),
            state,
            payout_run_id: tranche.run_id,
            computed_received: received.amount_string(),
            paid_in: tranche.paid_in.amount_string(),
            investments,
            other_investors: (!full).then(|| OtherInvestorsDistribution {
                investments: others.0,
                investors: other_investors.len(),
                computed_total: shown.then(|| others.1.amount_string()),
            }),
            retained: shown.then(|| retained.amount_string()),
            reconciles: distributed.checked_add(retained).map_err(internal)? == received,
        });
    }
    Ok(DistributionsView {
        currency: currency.code().to_owned(),
        tranches: views,
        own: OwnDistributionTotals {
            computed: own_computed.amount_string(),
            due: own_due.amount_string(),
            paid: own_paid.amount_string(),
        },
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DistributionInput {
    pub tranche: String,
    /// The investment's id in the contract.
    pub investment: String,
    pub paid_on: NaiveDate,
    /// The transfer's reference.
    pub reference: String,
}

/// Records one investment's distribution of a tranche as paid, at the amount the waterfall
/// computed, once the tranche's outcome payment has been received in full.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    input: DistributionInput,
) -> AppResult<DistributionsView> {
    let (project, _) = authorize(conn, actor, project_id, ProjectAction::RecordDistributions)?;
    let currency = Currency::from_code(&project.currency).map_err(internal)?;
    let all = tranches(conn, project_id, currency)?;
    let Some(tranche) = all.iter().find(|t| t.distribution.tranche == input.tranche) else {
        return Err(AppError::validation(
            "tranche",
            msg!(
                "distribution.tranche",
                "a tranche with distributions to investors",
                "投資家への分配がある支払時期"
            ),
        ));
    };
    let computed = computed_by_investment(tranche, currency)?;
    let Some(amount) = computed.get(&input.investment).filter(|m| !m.is_zero()) else {
        return Err(AppError::validation(
            "investment",
            msg!(
                "distribution.investment",
                "an investment the waterfall pays in this tranche",
                "この支払時期にウォーターフォールで支払われる出資"
            ),
        ));
    };
    if !tranche.received_in_full {
        return Err(AppError::Conflict(msg!(
            "distribution.not_due",
            "the tranche's outcome payment has not been received in full: its distributions are not due yet",
            "この支払時期の成果支払が全額入金されていないため、分配の支払期日は到来していません"
        )));
    }
    let mut errors = Vec::new();
    if input.reference.trim().is_empty() || input.reference.chars().count() > 200 {
        errors.push(FieldError::new(
            "reference",
            msg!(
                "text.length_200",
                "a text of 1 to 200 characters",
                "1〜200文字"
            ),
        ));
    }
    if input.paid_on > today() {
        errors.push(FieldError::new(
            "paid_on",
            msg!(
                "date.not_future",
                "a day not in the future",
                "未来でない日付"
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    db::audited_write(conn, |conn, chain| {
        claims::insert_distribution(
            conn,
            &claims::NewDistribution {
                project_id,
                payout_run_id: tranche.run_id,
                tranche: &input.tranche,
                investment: &input.investment,
                amount_minor: amount.minor(),
                paid_on: input.paid_on,
                reference: input.reference.trim(),
                recorded_by: actor.user_id,
            },
        )
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                AppError::Conflict(msg!(
                    "distribution.recorded",
                    "this distribution has been recorded already",
                    "この分配は既に記録されています"
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
                action: "distribution.recorded",
                entity: "project",
                entity_id: project_id.to_string(),
                before: None,
                after: Some(to_json(&serde_json::json!({
                    "tranche": input.tranche,
                    "investment": input.investment,
                    "amount": amount.amount_string(),
                    "paid_on": input.paid_on,
                    "reference": input.reference.trim(),
                }))?),
            },
        )?;
        list(conn, actor, project_id)
    })
}
