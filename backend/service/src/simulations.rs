//! Scenarios and Monte Carlo simulations of a project's payments, by the payout engine itself
//! (see [`seika_engine::simulate`]) over the current terms and the data verified now. Nothing is
//! stored. Investors see only their own outlook unless they may see every position.

use seika_core::msg;
use serde::{Deserialize, Serialize};

use super::payout_runs::simulation_inputs;
use super::projects::authorize;
use crate::error::{AppError, AppResult, FieldError};
use seika_core::access::{Actor, ProjectAction, sees_investor_positions};
use seika_core::contract::Contract;
use seika_core::outcomes::Outcomes;
use seika_db::{DbConn, organizations};
use seika_engine::simulate::{self, Scenario, ScenarioResult, SimulationInput, SimulationResult};
use seika_engine::{ENGINE_VERSION, EngineError};

/// What a simulation starts from, loaded with a connection and priced without one.
pub struct Prepared {
    contract: Contract,
    data: Outcomes,
    /// The reader's own investor slug when it may see only its own position.
    only_investor: Option<String>,
}

pub fn prepare(conn: &mut DbConn, actor: &Actor, project_id: i64) -> AppResult<Prepared> {
    let (project, standing) = authorize(conn, actor, project_id, ProjectAction::Read)?;
    let (contract, data) = simulation_inputs(conn, project_id, project.current_terms_version)?;
    let only_investor = if sees_investor_positions(actor, &standing) {
        None
    } else {
        Some(
            organizations::find(conn, actor.organization_id)?
                .map(|o| o.slug)
                .unwrap_or_default(),
        )
    };
    Ok(Prepared {
        contract,
        data,
        only_investor,
    })
}

fn refusal(e: EngineError, prefix: &str) -> AppError {
    AppError::Validation(
        e.issues()
            .iter()
            .map(|i| FieldError::new(format!("{prefix}{}", i.path), i.message.clone()))
            .collect(),
    )
}

/// The most runs answered within the request; larger simulations run as jobs (up to
/// [`simulate::MAX_RUNS`]).
pub const MAX_RUNS_AT_ONCE: u32 = 20_000;

/// Runs a Monte Carlo simulation within the request (CPU-heavy: call off the async runtime).
pub fn run(prepared: &Prepared, input: &SimulationInput) -> AppResult<SimulationResult> {
    if input.runs > MAX_RUNS_AT_ONCE {
        let mut errors = vec![FieldError::new(
            "runs",
            msg!(
                "simulation.runs_at_once",
                "from 1 to {MAX_RUNS_AT_ONCE} here; up to {} as a job (POST …/simulation-jobs)",
                "ここでは 1 から {MAX_RUNS_AT_ONCE} まで。ジョブ（POST …/simulation-jobs）では {} まで",
                simulate::MAX_RUNS
            ),
        )];
        if let Err(AppError::Validation(more)) = check(prepared, input) {
            errors.extend(more.into_iter().filter(|e| e.field.en != "runs"));
        }
        return Err(AppError::Validation(errors));
    }
    run_reporting(prepared, input, &|_| true)
}

/// Checks a simulation's input before it is queued, so a job never fails on its input.
pub fn check(prepared: &Prepared, input: &SimulationInput) -> AppResult<()> {
    simulate::check(&prepared.contract, input).map_err(|e| refusal(e, ""))
}

/// Runs a simulation, reporting the runs done (see [`simulate::simulate_reporting`]).
pub fn run_reporting(
    prepared: &Prepared,
    input: &SimulationInput,
    progress: &(dyn Fn(u32) -> bool + Sync),
) -> AppResult<SimulationResult> {
    let mut result =
        simulate::simulate_reporting(&prepared.contract, &prepared.data, input, progress)
            .map_err(|e| refusal(e, ""))?;
    if let Some(own) = &prepared.only_investor {
        result.investors.retain(|i| &i.investor == own);
    }
    Ok(result)
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenariosInput {
    /// E.g. low, base and high outcome values per metric (at most 20 scenarios).
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScenariosResult {
    pub engine_version: String,
    pub scenarios: Vec<ScenarioResult>,
}

pub fn scenarios(prepared: &Prepared, input: &ScenariosInput) -> AppResult<ScenariosResult> {
    if input.scenarios.is_empty() || input.scenarios.len() > 20 {
        return Err(AppError::validation(
            "scenarios",
            msg!(
                "simulation.scenarios",
                "1 to 20 scenarios",
                "1〜20 のシナリオ"
            ),
        ));
    }
    let mut results = simulate::scenarios(&prepared.contract, &prepared.data, &input.scenarios)
        .map_err(|e| refusal(e, "scenarios."))?;
    if let Some(own) = &prepared.only_investor {
        for r in &mut results {
            r.investor_irr.retain(|i, _| i == own);
        }
    }
    Ok(ScenariosResult {
        engine_version: ENGINE_VERSION.to_owned(),
        scenarios: results,
    })
}
