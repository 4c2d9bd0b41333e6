//! One fiscal-year view across every contract a government organization owns or pays outcomes
//! on, for 予算要求 and 決算: by 年度, each contract's appropriation, 債務負担行為 limit, what
//! inspection committed, what was paid, what the newest runs project, what the year needs and
//! what remains, with the year's totals per currency. The figures are each project's budget view
//! ([`super::budgets::view`]); the totals are added here, exactly, in minor units.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{AppError, AppResult};
use seika_core::access::{Actor, PartyRole};
use seika_core::budget::YearFigures;
use seika_core::msg;
use seika_core::user::Role;
use seika_core::{Currency, Money};
use seika_db::{DbConn, projects};

/// More projects than any one organization holds; the view stays bounded.
const MAX_PROJECTS: i64 = 5_000;

/// One contract's figures in one fiscal year.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ContractYear {
    pub project_id: i64,
    pub code: String,
    pub title_ja: String,
    pub title_en: String,
    #[serde(flatten)]
    pub figures: YearFigures,
}

/// A fiscal year in one currency: its contracts and their totals (a total of figures some
/// contracts lack, such as appropriations, adds those that have them; absent when none has).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FiscalYear {
    pub fiscal_year: i32,
    pub currency: String,
    pub contracts: Vec<ContractYear>,
    pub total: YearFigures,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FiscalYearsView {
    pub years: Vec<FiscalYear>,
}

/// The fiscal-year view of the reader's organization (government staff).
pub fn view(conn: &mut DbConn, actor: &Actor) -> AppResult<FiscalYearsView> {
    if actor.role != Role::GovernmentStaff {
        return Err(AppError::Forbidden(msg!(
            "access.fiscal_years",
            "only government staff read their organization's fiscal years",
            "年度別の一覧を見られるのは行政の職員だけです"
        )));
    }
    let filter = projects::ProjectFilter {
        scope: Some((actor.organization_id, PartyRole::OutcomePayer, true)),
        ..projects::ProjectFilter::default()
    };
    let (rows, _) = projects::list(conn, &filter, MAX_PROJECTS, 0)?;
    let mut years: BTreeMap<(i32, String), Vec<ContractYear>> = BTreeMap::new();
    for project in rows {
        let budget = super::budgets::view(conn, actor, project.id)?;
        for figures in budget.years {
            years
                .entry((figures.fiscal_year, budget.currency.clone()))
                .or_default()
                .push(ContractYear {
                    project_id: project.id,
                    code: project.code.clone(),
                    title_ja: project.title_ja.clone(),
                    title_en: project.title_en.clone(),
                    figures,
                });
        }
    }
    let years = years
        .into_iter()
        .map(|((fiscal_year, currency), contracts)| {
            let total = total(fiscal_year, &currency, &contracts)?;
            Ok(FiscalYear {
                fiscal_year,
                currency,
                contracts,
                total,
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(FiscalYearsView { years })
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

/// The year's figures added over its contracts, exactly.
fn total(fiscal_year: i32, currency: &str, contracts: &[ContractYear]) -> AppResult<YearFigures> {
    let currency = Currency::from_code(currency).map_err(internal)?;
    let sum = |get: fn(&YearFigures) -> Option<&String>| -> AppResult<Option<String>> {
        let mut total: Option<Money> = None;
        for c in contracts {
            let Some(text) = get(&c.figures) else {
                continue;
            };
            let amount = Money::parse(text, currency).map_err(internal)?;
            total = Some(match total {
                Some(t) => t.checked_add(amount).map_err(internal)?,
                None => amount,
            });
        }
        Ok(total.map(Money::amount_string))
    };
    let zero = || Money::zero(currency).amount_string();
    Ok(YearFigures {
        fiscal_year,
        appropriated: sum(|f| f.appropriated.as_ref())?,
        commitment_limit: sum(|f| f.commitment_limit.as_ref())?,
        committed: sum(|f| Some(&f.committed))?.unwrap_or_else(zero),
        paid: sum(|f| Some(&f.paid))?.unwrap_or_else(zero),
        projected: sum(|f| Some(&f.projected))?.unwrap_or_else(zero),
        maximum: sum(|f| f.maximum.as_ref())?,
        needed: sum(|f| Some(&f.needed))?.unwrap_or_else(zero),
        remaining: sum(|f| f.remaining.as_ref())?,
    })
}
