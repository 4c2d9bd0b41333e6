//! Scenarios and Monte Carlo simulation, run by the payout engine itself: every simulated outcome
//! set is priced by [`super::compute`], so a simulation can never disagree with a real payout run
//! on how the contract pays.
//!
//! Random draws are made in floating point, as any sampler's are, and rounded to a decimal (six
//! places for values, whole numbers for counts) before the engine sees them; every amount is then
//! computed exactly. Percentiles are amounts of individual runs (nearest rank), never
//! interpolated; probabilities are counts of runs divided by the number of runs, exact.
//!
//! A run's draws depend only on the seed and the run's number, so the same seed gives the same
//! result whatever the number of threads. Correlation between metrics is a Gaussian copula.

use seika_core::message::Msg;
use seika_core::msg;
use std::collections::BTreeMap;

use chrono::Datelike;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, ContinuousCDF, Normal};

use super::{EngineError, compute};
use seika_core::contract::{Contract, Issue, MetricUnit};
use seika_core::outcomes::{MetricResult, Outcomes};

/// The most runs one simulation may ask for (its memory is about 100 bytes per run).
pub const MAX_RUNS: u32 = 100_000;

/// How many runs a thread completes between two progress reports.
pub const PROGRESS_EVERY: u32 = 250;

/// How one metric's outcome is drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Always this value (for scenarios, or a metric known for certain).
    Fixed { value: Decimal },
    /// An estimate with its standard error (effect sizes, where sampling error makes contracts
    /// overpay).
    Normal {
        mean: Decimal,
        standard_error: Decimal,
    },
    /// A rate: mean and the number of people it is measured on (α = mean × n, β = (1 − mean) × n).
    Beta { mean: Decimal, sample_size: Decimal },
    /// A count.
    Poisson { mean: Decimal },
    /// An over-dispersed count: variance = mean + mean² / dispersion.
    NegativeBinomial { mean: Decimal, dispersion: Decimal },
}

/// What is assumed about one metric.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assumption {
    pub metric: String,
    /// Only this tranche's result (default: the metric in every tranche).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tranche: Option<String>,
    pub distribution: Distribution,
}

/// A correlation between two metrics' draws (a Gaussian copula).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    pub metrics: [String; 2],
    /// From −1 to 1.
    pub coefficient: Decimal,
}

/// A Monte Carlo simulation.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulationInput {
    /// 1 to 20,000.
    pub runs: u32,
    pub seed: u64,
    pub assumptions: Vec<Assumption>,
    #[serde(default)]
    pub correlations: Vec<Correlation>,
}

/// Amounts (or rates) over the runs: nearest-rank percentiles, exact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Percentiles {
    pub min: Decimal,
    pub p5: Decimal,
    pub p25: Decimal,
    pub p50: Decimal,
    pub p75: Decimal,
    pub p95: Decimal,
    pub max: Decimal,
    /// Rounded to the currency's minor unit (money) or six places (rates).
    pub mean: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FiscalYearPercentiles {
    /// April of this year to March of the next.
    pub fiscal_year: i32,
    pub payment: Percentiles,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PayerPercentiles {
    pub payer: String,
    pub payment: Percentiles,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InvestorOutlook {
    pub investor: String,
    /// Over the runs in which the IRR is defined.
    pub irr: Option<Percentiles>,
    pub runs_without_irr: u32,
    /// Share of runs in which the investor loses principal.
    pub probability_of_loss: Decimal,
}

/// What a simulation found.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SimulationResult {
    pub engine_version: String,
    pub runs: u32,
    pub seed: u64,
    pub currency: String,
    pub max_total_payment: Option<Decimal>,
    pub total_payment: Percentiles,
    /// The payers' liability by fiscal year of the tranches' due dates.
    pub by_fiscal_year: Vec<FiscalYearPercentiles>,
    pub by_payer: Vec<PayerPercentiles>,
    pub investors: Vec<InvestorOutlook>,
    /// Share of runs in which any investor loses principal.
    pub probability_of_principal_loss: Decimal,
    /// Share of runs in which a cap reduces a payment.
    pub probability_cap_binds: Decimal,
}

/// What one run contributes.
struct RunOutcome {
    total: Decimal,
    by_fiscal_year: BTreeMap<i32, Decimal>,
    by_payer: Vec<(String, Decimal)>,
    investors: Vec<(String, Option<Decimal>, bool)>,
    cap_binds: bool,
}

/// A metric's result slots the draws fill: which results of the outcome data it sets.
struct Slot {
    metric: String,
    tranche: Option<String>,
    unit: MetricUnit,
    distribution: Distribution,
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn refuse(path: String, expected: Msg) -> EngineError {
    EngineError::Outcomes(vec![Issue::new(path, expected)])
}

fn validate(contract: &Contract, input: &SimulationInput) -> Result<Vec<Slot>, EngineError> {
    let mut issues = Vec::new();
    if input.runs == 0 || input.runs > MAX_RUNS {
        issues.push(Issue::new(
            "runs",
            msg!(
                "simulation.runs",
                "from 1 to {MAX_RUNS}",
                "1 から {MAX_RUNS} まで"
            ),
        ));
    }
    let mut slots = Vec::new();
    for (i, a) in input.assumptions.iter().enumerate() {
        let at = |field: &str| format!("assumptions[{i}].{field}");
        let Some(metric) = contract.metric(&a.metric) else {
            issues.push(Issue::new(
                at("metric"),
                msg!(
                    "simulation.metric",
                    "one of the contract's metrics",
                    "契約の指標のいずれか"
                ),
            ));
            continue;
        };
        if let Some(t) = &a.tranche
            && !contract.tranches.iter().any(|x| &x.id == t)
        {
            issues.push(Issue::new(
                at("tranche"),
                msg!(
                    "simulation.tranche",
                    "one of the contract's tranches",
                    "契約の支払時期のいずれか"
                ),
            ));
        }
        let bad = distribution_problem(&a.distribution);
        if let Some(expected) = bad {
            issues.push(Issue::new(at("distribution"), expected));
        }
        if input.assumptions[..i]
            .iter()
            .any(|b| b.metric == a.metric && b.tranche == a.tranche)
        {
            issues.push(Issue::new(
                at("metric"),
                msg!(
                    "simulation.duplicate",
                    "one assumption per metric and tranche",
                    "指標と支払時期ごとに一つの想定"
                ),
            ));
        }
        slots.push(Slot {
            metric: a.metric.clone(),
            tranche: a.tranche.clone(),
            unit: metric.unit,
            distribution: a.distribution.clone(),
        });
    }
    check_correlations(input, &mut issues);
    if issues.is_empty() {
        Ok(slots)
    } else {
        Err(EngineError::Outcomes(issues))
    }
}

/// What is wrong with a distribution's parameters, if anything.
fn distribution_problem(distribution: &Distribution) -> Option<Msg> {
    match distribution {
        Distribution::Fixed { .. } => None,
        Distribution::Normal { standard_error, .. } => {
            (*standard_error < Decimal::ZERO).then(|| {
                msg!(
                    "simulation.normal",
                    "a standard error of 0 or more",
                    "0 以上の標準誤差"
                )
            })
        }
        Distribution::Beta { mean, sample_size } => (*mean <= Decimal::ZERO
            || *mean >= Decimal::ONE
            || *sample_size <= Decimal::ZERO)
            .then(|| {
                msg!(
                    "simulation.beta",
                    "a mean strictly between 0 and 1 and a sample size above 0",
                    "0 より大きく 1 より小さい平均と、0 より大きい人数"
                )
            }),
        Distribution::Poisson { mean } => (*mean < Decimal::ZERO)
            .then(|| msg!("simulation.poisson", "a mean of 0 or more", "0 以上の平均")),
        Distribution::NegativeBinomial { mean, dispersion } => {
            (*mean <= Decimal::ZERO || *dispersion <= Decimal::ZERO).then(|| {
                msg!(
                    "simulation.negative_binomial",
                    "a mean and a dispersion above 0",
                    "0 より大きい平均と分散パラメータ"
                )
            })
        }
    }
}

/// Correlations between two different metrics that have assumptions, with a coefficient in
/// -1..1.
fn check_correlations(input: &SimulationInput, issues: &mut Vec<Issue>) {
    for (i, c) in input.correlations.iter().enumerate() {
        for m in &c.metrics {
            if !input.assumptions.iter().any(|a| &a.metric == m) {
                issues.push(Issue::new(
                    format!("correlations[{i}].metrics"),
                    msg!(
                        "simulation.correlated_metric",
                        "metrics that have an assumption",
                        "想定のある指標"
                    ),
                ));
            }
        }
        if c.metrics[0] == c.metrics[1] || c.coefficient.abs() > Decimal::ONE {
            issues.push(Issue::new(
                format!("correlations[{i}]"),
                msg!(
                    "simulation.correlation",
                    "two different metrics and a coefficient from -1 to 1",
                    "異なる二つの指標と -1 から 1 の係数"
                ),
            ));
        }
    }
}

#[expect(
    clippy::float_arithmetic,
    reason = "random draws of outcome values, rounded to decimals before the engine prices them; never money"
)]
/// The lower-triangular Cholesky factor of the slots' correlation matrix.
fn cholesky(slots: &[Slot], correlations: &[Correlation]) -> Result<Vec<Vec<f64>>, EngineError> {
    let n = slots.len();
    let mut m = vec![vec![0.0; n]; n];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for c in correlations {
        for i in 0..n {
            for j in 0..n {
                if i != j && slots[i].metric == c.metrics[0] && slots[j].metric == c.metrics[1] {
                    m[i][j] = f(c.coefficient);
                    m[j][i] = f(c.coefficient);
                }
            }
        }
    }
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - sum;
                if d <= 1e-12 {
                    return Err(refuse(
                        "correlations".into(),
                        msg!(
                            "simulation.correlation_matrix",
                            "coefficients that can hold together (a positive-definite matrix)",
                            "同時に成り立つ係数（正定値行列）"
                        ),
                    ));
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - sum) / l[j][j];
            }
        }
    }
    Ok(l)
}

/// SplitMix64: the run's own seed from the simulation's seed and the run's number.
fn run_seed(seed: u64, run: u32) -> u64 {
    let mut z = seed ^ (u64::from(run).wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[expect(
    clippy::float_arithmetic,
    reason = "random draws of outcome values, rounded to decimals before the engine prices them; never money"
)]
/// A standard normal draw (Box–Muller).
fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn decimal(x: f64, places: u32) -> Decimal {
    Decimal::from_f64(x)
        .unwrap_or(Decimal::ZERO)
        .round_dp(places)
        .normalize()
}

#[expect(
    clippy::float_arithmetic,
    reason = "random draws of outcome values, rounded to decimals before the engine prices them; never money"
)]
/// The `u`-quantile of a count distribution, summing its probabilities from 0 (`first` is
/// P(0), `next(k, P(k))` is P(k + 1)). Where P(0) underflows (very large means), the normal
/// approximation with the same mean and variance.
fn count_quantile(
    u: f64,
    mean: f64,
    variance: f64,
    next: impl Fn(f64, f64) -> f64,
    first: f64,
) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    let sd = variance.sqrt();
    if first < 1e-300 {
        let z = Normal::standard().inverse_cdf(u);
        return (mean + sd * z).round().max(0.0) as u64;
    }
    let limit = (mean + 60.0 * sd + 100.0) as u64;
    let (mut k, mut pk, mut cumulative) = (0_u64, first, first);
    while cumulative < u && k < limit {
        pk = next(k as f64, pk);
        k += 1;
        cumulative += pk;
    }
    k
}

#[expect(
    clippy::float_arithmetic,
    reason = "random draws of outcome values, rounded to decimals before the engine prices them; never money"
)]
/// One draw of every slot's value.
fn draw(slots: &[Slot], chol: &[Vec<f64>], seed: u64, run: u32) -> Vec<Decimal> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(run_seed(seed, run));
    let z: Vec<f64> = (0..slots.len())
        .map(|_| standard_normal(&mut rng))
        .collect();
    let unit_normal = Normal::standard();
    slots
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            let zi: f64 = (0..=i).map(|k| chol[i][k] * z[k]).sum();
            let u = unit_normal.cdf(zi).clamp(1e-12, 1.0 - 1e-12);
            let value = match &slot.distribution {
                Distribution::Fixed { value } => *value,
                Distribution::Normal {
                    mean,
                    standard_error,
                } => decimal(f(*mean) + f(*standard_error) * zi, 6),
                Distribution::Beta { mean, sample_size } => {
                    let (m, n) = (f(*mean), f(*sample_size));
                    Beta::new(m * n, (1.0 - m) * n).map_or(*mean, |b| decimal(b.inverse_cdf(u), 6))
                }
                Distribution::Poisson { mean } => {
                    let m = f(*mean);
                    Decimal::from(count_quantile(
                        u,
                        m,
                        m,
                        |k, p| p * m / (k + 1.0),
                        (-m).exp(),
                    ))
                }
                Distribution::NegativeBinomial { mean, dispersion } => {
                    let (m, r) = (f(*mean), f(*dispersion));
                    let p = r / (r + m);
                    Decimal::from(count_quantile(
                        u,
                        m,
                        m + m * m / r,
                        |k, pk| pk * (k + r) / (k + 1.0) * (1.0 - p),
                        p.powf(r),
                    ))
                }
            };
            // A rate outside 0..1 is no rate: a normal draw near the edge is held at it.
            if slot.unit == MetricUnit::Rate {
                value.clamp(Decimal::ZERO, Decimal::ONE)
            } else {
                value
            }
        })
        .collect()
}

/// The outcome data with the slots' results replaced by `values`.
fn apply(base: &mut Outcomes, template: &Outcomes, slots: &[Slot], values: &[Decimal]) {
    base.results.clone_from(&template.results);
    for (slot, value) in slots.iter().zip(values) {
        base.results.retain(|r| {
            !(r.metric == slot.metric && (slot.tranche.is_none() || r.tranche == slot.tranche))
        });
        base.results.push(MetricResult {
            metric: slot.metric.clone(),
            tranche: slot.tranche.clone(),
            value: Some(*value),
            ..MetricResult::default()
        });
    }
}

fn parse(s: &str) -> Decimal {
    s.parse().unwrap_or(Decimal::ZERO)
}

fn price(contract: &Contract, outcomes: &Outcomes) -> Result<RunOutcome, EngineError> {
    let statement = compute(contract, outcomes)?;
    let mut by_fiscal_year = BTreeMap::new();
    for t in &statement.tranches {
        let fy = if t.due_on.month() >= 4 {
            t.due_on.year()
        } else {
            t.due_on.year() - 1
        };
        *by_fiscal_year.entry(fy).or_insert(Decimal::ZERO) += parse(&t.total);
    }
    let investors = statement
        .distribution
        .as_ref()
        .map(|d| {
            d.investors
                .iter()
                .map(|i| {
                    let irr = i
                        .irr
                        .as_deref()
                        .or_else(|| i.projected.as_ref().and_then(|p| p.irr.as_deref()))
                        .map(parse);
                    let loss = i
                        .projected
                        .as_ref()
                        .map_or(parse(&i.loss), |p| parse(&p.loss));
                    (i.investor.clone(), irr, loss > Decimal::ZERO)
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(RunOutcome {
        total: parse(&statement.total),
        by_fiscal_year,
        by_payer: statement
            .payers
            .iter()
            .map(|p| (p.payer.clone(), parse(&p.total)))
            .collect(),
        investors,
        cap_binds: statement
            .lines
            .iter()
            .any(|l| !l.explanation.caps.is_empty()),
    })
}

fn percentiles(mut values: Vec<Decimal>, places: u32) -> Percentiles {
    values.sort_unstable();
    let n = values.len().max(1);
    let at = |p: usize| {
        values
            .get(((p * n).div_ceil(100)).max(1) - 1)
            .copied()
            .unwrap_or_default()
    };
    let sum: Decimal = values.iter().copied().sum();
    Percentiles {
        min: values.first().copied().unwrap_or_default(),
        p5: at(5),
        p25: at(25),
        p50: at(50),
        p75: at(75),
        p95: at(95),
        max: values.last().copied().unwrap_or_default(),
        mean: (sum / Decimal::from(n)).round_dp(places).normalize(),
    }
}

fn share(count: usize, runs: u32) -> Decimal {
    (Decimal::from(count) / Decimal::from(runs.max(1)))
        .round_dp(6)
        .normalize()
}

/// Runs the simulation over `base` (the verified data), on every core.
pub fn simulate(
    contract: &Contract,
    base: &Outcomes,
    input: &SimulationInput,
) -> Result<SimulationResult, EngineError> {
    simulate_reporting(contract, base, input, &|_| true)
}

/// Checks a simulation's input against the contract without running it.
pub fn check(contract: &Contract, input: &SimulationInput) -> Result<(), EngineError> {
    cholesky(&validate(contract, input)?, &input.correlations).map(|_| ())
}

/// [`simulate`], telling `progress` how many runs are done every [`PROGRESS_EVERY`] runs (from
/// any thread); when it answers false the simulation stops with an error on `runs`.
pub fn simulate_reporting(
    contract: &Contract,
    base: &Outcomes,
    input: &SimulationInput,
    progress: &(dyn Fn(u32) -> bool + Sync),
) -> Result<SimulationResult, EngineError> {
    let slots = validate(contract, input)?;
    let chol = cholesky(&slots, &input.correlations)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8);
    let runs = input.runs;
    let per_thread = runs.div_ceil(threads as u32);
    let done = std::sync::atomic::AtomicU32::new(0);
    let work = Work {
        contract,
        base,
        input,
        slots: &slots,
        chol: &chol,
        done: &done,
        progress,
    };
    let chunks: Vec<Result<Vec<RunOutcome>, EngineError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads as u32)
            .map(|t| {
                let work = &work;
                let from = t * per_thread;
                scope.spawn(move || work.runs(from, (from + per_thread).min(runs)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(refuse(
                        "runs".into(),
                        msg!(
                            "simulation.incomplete",
                            "a run that completes",
                            "最後まで完了する試行"
                        ),
                    ))
                })
            })
            .collect()
    });
    let mut outcomes = Vec::with_capacity(runs as usize);
    for chunk in chunks {
        outcomes.extend(chunk?);
    }
    Ok(summarise(contract, input, &outcomes))
}

/// What every simulation thread shares.
struct Work<'a> {
    contract: &'a Contract,
    base: &'a Outcomes,
    input: &'a SimulationInput,
    slots: &'a [Slot],
    chol: &'a [Vec<f64>],
    done: &'a std::sync::atomic::AtomicU32,
    progress: &'a (dyn Fn(u32) -> bool + Sync),
}

impl Work<'_> {
    /// Runs `from..to`: each draws its values, prices the contract and reports progress.
    fn runs(&self, from: u32, to: u32) -> Result<Vec<RunOutcome>, EngineError> {
        let (contract, base, input, slots, chol) =
            (self.contract, self.base, self.input, self.slots, self.chol);
        let (done, progress) = (self.done, self.progress);
        let mut data = base.clone();
        let mut out = Vec::with_capacity(to.saturating_sub(from) as usize);
        for run in from..to {
            if (run - from) % PROGRESS_EVERY == PROGRESS_EVERY - 1 {
                let now = done.fetch_add(PROGRESS_EVERY, std::sync::atomic::Ordering::Relaxed)
                    + PROGRESS_EVERY;
                if !progress(now) {
                    return Err(refuse(
                        "runs".into(),
                        msg!(
                            "simulation.stopped",
                            "a simulation not stopped",
                            "中断されていないシミュレーション"
                        ),
                    ));
                }
            }
            let values = draw(slots, chol, input.seed, run);
            apply(&mut data, base, slots, &values);
            out.push(price(contract, &data).map_err(|e| {
                match e {
                    EngineError::Outcomes(issues) => EngineError::Outcomes(
                        issues
                            .into_iter()
                            .map(|i| Issue::new(format!("run {run}: {}", i.path), i.message))
                            .collect(),
                    ),
                    other => other,
                }
            })?);
        }
        Ok(out)
    }
}

/// The runs' percentiles: totals, by fiscal year, by payer, each investor's returns; how often
/// principal is lost and the cap binds.
fn summarise(
    contract: &Contract,
    input: &SimulationInput,
    outcomes: &[RunOutcome],
) -> SimulationResult {
    let runs = input.runs;
    let money_places = contract.currency.exponent();
    let total = percentiles(outcomes.iter().map(|o| o.total).collect(), money_places);
    let mut years: BTreeMap<i32, Vec<Decimal>> = BTreeMap::new();
    let mut payers: Vec<(String, Vec<Decimal>)> = Vec::new();
    let mut investors: Vec<(String, Vec<Decimal>, u32, usize)> = Vec::new();
    let (mut any_loss, mut capped) = (0, 0);
    for o in outcomes {
        for (fy, amount) in &o.by_fiscal_year {
            years.entry(*fy).or_default().push(*amount);
        }
        for (payer, amount) in &o.by_payer {
            match payers.iter_mut().find(|(p, _)| p == payer) {
                Some((_, v)) => v.push(*amount),
                None => payers.push((payer.clone(), vec![*amount])),
            }
        }
        for (investor, irr, loss) in &o.investors {
            let entry = match investors.iter().position(|(i, ..)| i == investor) {
                Some(k) => &mut investors[k],
                None => {
                    investors.push((investor.clone(), Vec::new(), 0, 0));
                    investors.last_mut().expect("just pushed")
                }
            };
            match irr {
                Some(r) => entry.1.push(*r),
                None => entry.2 += 1,
            }
            if *loss {
                entry.3 += 1;
            }
        }
        any_loss += usize::from(o.investors.iter().any(|i| i.2));
        capped += usize::from(o.cap_binds);
    }
    SimulationResult {
        engine_version: super::ENGINE_VERSION.to_owned(),
        runs,
        seed: input.seed,
        currency: contract.currency.code().to_owned(),
        max_total_payment: contract.max_total_payment,
        total_payment: total,
        by_fiscal_year: years
            .into_iter()
            .map(|(fiscal_year, v)| FiscalYearPercentiles {
                fiscal_year,
                payment: percentiles(v, money_places),
            })
            .collect(),
        by_payer: payers
            .into_iter()
            .map(|(payer, v)| PayerPercentiles {
                payer,
                payment: percentiles(v, money_places),
            })
            .collect(),
        investors: investors
            .into_iter()
            .map(|(investor, irrs, without, losses)| InvestorOutlook {
                investor,
                irr: (!irrs.is_empty()).then(|| percentiles(irrs, 6)),
                runs_without_irr: without,
                probability_of_loss: share(losses, runs),
            })
            .collect(),
        probability_of_principal_loss: share(any_loss, runs),
        probability_cap_binds: share(capped, runs),
    }
}

/// A named set of outcome values (low, base, high…).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub values: Vec<ScenarioValue>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioValue {
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tranche: Option<String>,
    pub value: Decimal,
}

/// A scenario priced: the total, by fiscal year and by payer, and each investor's IRR.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScenarioResult {
    pub name: String,
    pub total_payment: Decimal,
    pub by_fiscal_year: BTreeMap<i32, Decimal>,
    pub by_payer: BTreeMap<String, Decimal>,
    pub investor_irr: BTreeMap<String, Option<Decimal>>,
    pub cap_binds: bool,
}

/// Prices each scenario (a simulation of one run with fixed values).
pub fn scenarios(
    contract: &Contract,
    base: &Outcomes,
    scenarios: &[Scenario],
) -> Result<Vec<ScenarioResult>, EngineError> {
    scenarios
        .iter()
        .map(|s| {
            let input = SimulationInput {
                runs: 1,
                seed: 0,
                assumptions: s
                    .values
                    .iter()
                    .map(|v| Assumption {
                        metric: v.metric.clone(),
                        tranche: v.tranche.clone(),
                        distribution: Distribution::Fixed { value: v.value },
                    })
                    .collect(),
                correlations: Vec::new(),
            };
            let slots = validate(contract, &input)?;
            let values: Vec<Decimal> = s.values.iter().map(|v| v.value).collect();
            let mut data = base.clone();
            apply(&mut data, base, &slots, &values);
            let o = price(contract, &data)?;
            Ok(ScenarioResult {
                name: s.name.clone(),
                total_payment: o.total,
                by_fiscal_year: o.by_fiscal_year,
                by_payer: o.by_payer.into_iter().collect(),
                investor_irr: o
                    .investors
                    .into_iter()
                    .map(|(i, irr, _)| (i, irr))
                    .collect(),
                cap_binds: o.cap_binds,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use seika_formats::input::{contract_from_json, from_json};

    fn kobe() -> (Contract, Outcomes) {
        (
            contract_from_json(include_bytes!(
                "../../../docs/examples/kobe-dialysis.contract.json"
            ))
            .unwrap(),
            from_json(include_bytes!(
                "../../../docs/examples/kobe-dialysis.outcomes.json"
            ))
            .unwrap(),
        )
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn uncertain(runs: u32, seed: u64) -> SimulationInput {
        SimulationInput {
            runs,
            seed,
            assumptions: vec![
                Assumption {
                    metric: "egfr_decline_suppression".into(),
                    tranche: Some("final".into()),
                    distribution: Distribution::Normal {
                        mean: d("0.329"),
                        standard_error: d("0.12"),
                    },
                },
                Assumption {
                    metric: "programme_completion".into(),
                    tranche: Some("interim".into()),
                    distribution: Distribution::Beta {
                        mean: d("0.9"),
                        sample_size: d("105"),
                    },
                },
            ],
            correlations: vec![Correlation {
                metrics: [
                    "egfr_decline_suppression".into(),
                    "programme_completion".into(),
                ],
                coefficient: d("0.5"),
            }],
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_result() {
        let (contract, outcomes) = kobe();
        let a = simulate(&contract, &outcomes, &uncertain(200, 7)).unwrap();
        let b = simulate(&contract, &outcomes, &uncertain(200, 7)).unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        let c = simulate(&contract, &outcomes, &uncertain(200, 8)).unwrap();
        assert_ne!(a.total_payment, c.total_payment);
        // Uncertainty spreads the payment; the cap of the contract is never passed.
        assert!(a.total_payment.p5 < a.total_payment.p95);
        let cap = contract.max_total_payment.unwrap();
        assert!(a.total_payment.max <= cap);
        // A run's draws depend on its number only: the first 100 runs of a longer simulation are
        // the 100 runs of a shorter one.
        let short = simulate(&contract, &outcomes, &uncertain(100, 7)).unwrap();
        let again = simulate(&contract, &outcomes, &uncertain(100, 7)).unwrap();
        assert_eq!(short.total_payment, again.total_payment);
    }

    #[test]
    fn fixed_at_the_actual_values_it_is_the_real_payout() {
        let (contract, outcomes) = kobe();
        let real = compute(&contract, &outcomes).unwrap();
        let input = SimulationInput {
            runs: 50,
            seed: 1,
            assumptions: vec![Assumption {
                metric: "egfr_decline_suppression".into(),
                tranche: Some("final".into()),
                distribution: Distribution::Fixed { value: d("0.329") },
            }],
            correlations: Vec::new(),
        };
        let sim = simulate(&contract, &outcomes, &input).unwrap();
        let total: Decimal = real.total.parse().unwrap();
        assert_eq!(sim.total_payment.min, total);
        assert_eq!(sim.total_payment.max, total);
        assert_eq!(sim.total_payment.mean, total);
        // A normal estimate without sampling error is the same.
        let exact = SimulationInput {
            assumptions: vec![Assumption {
                metric: "egfr_decline_suppression".into(),
                tranche: Some("final".into()),
                distribution: Distribution::Normal {
                    mean: d("0.329"),
                    standard_error: Decimal::ZERO,
                },
            }],
            ..input
        };
        assert_eq!(
            simulate(&contract, &outcomes, &exact)
                .unwrap()
                .total_payment
                .p50,
            total
        );
        let by_year: Decimal = sim.by_fiscal_year.iter().map(|y| y.payment.p50).sum();
        assert_eq!(
            by_year, total,
            "every run's fiscal years add up to its total"
        );
    }

    #[test]
    fn counts_and_scenarios() {
        let contract = contract_from_json(include_bytes!(
            "../../../docs/examples/hachioji-screening.contract.json"
        ))
        .unwrap();
        let outcomes: Outcomes = from_json(include_bytes!(
            "../../../docs/examples/hachioji-screening.outcomes.json"
        ))
        .unwrap();
        let input = SimulationInput {
            runs: 200,
            seed: 3,
            assumptions: vec![
                Assumption {
                    metric: "early_cancers_detected".into(),
                    tranche: None,
                    distribution: Distribution::Poisson { mean: d("3") },
                },
                Assumption {
                    metric: "screening_uptake".into(),
                    tranche: None,
                    distribution: Distribution::NegativeBinomial {
                        mean: d("0.2"),
                        dispersion: d("2"),
                    },
                },
            ],
            correlations: Vec::new(),
        };
        let sim = simulate(&contract, &outcomes, &input).unwrap();
        assert_eq!(sim.runs, 200);
        assert!(sim.total_payment.min <= sim.total_payment.p50);
        let scenarios = scenarios(
            &contract,
            &outcomes,
            &[
                Scenario {
                    name: "low".into(),
                    values: vec![ScenarioValue {
                        metric: "screening_uptake".into(),
                        tranche: None,
                        value: d("0.1"),
                    }],
                },
                Scenario {
                    name: "actual".into(),
                    values: vec![ScenarioValue {
                        metric: "screening_uptake".into(),
                        tranche: None,
                        value: d("0.268"),
                    }],
                },
            ],
        )
        .unwrap();
        let real: Decimal = compute(&contract, &outcomes)
            .unwrap()
            .total
            .parse()
            .unwrap();
        assert_eq!(scenarios[1].total_payment, real);
        assert!(scenarios[0].total_payment <= real);
    }

    #[test]
    fn bad_assumptions_are_named() {
        let (contract, outcomes) = kobe();
        let input = SimulationInput {
            runs: 0,
            seed: 1,
            assumptions: vec![
                Assumption {
                    metric: "nope".into(),
                    tranche: None,
                    distribution: Distribution::Poisson { mean: d("1") },
                },
                Assumption {
                    metric: "egfr_decline_suppression".into(),
                    tranche: Some("later".into()),
                    distribution: Distribution::Beta {
                        mean: d("1.5"),
                        sample_size: d("10"),
                    },
                },
            ],
            correlations: vec![Correlation {
                metrics: [
                    "egfr_decline_suppression".into(),
                    "egfr_decline_suppression".into(),
                ],
                coefficient: d("2"),
            }],
        };
        let EngineError::Outcomes(issues) = simulate(&contract, &outcomes, &input).unwrap_err()
        else {
            panic!("an outcomes error")
        };
        let paths: Vec<&str> = issues.iter().map(|i| i.path.en.as_str()).collect();
        assert_eq!(
            paths,
            [
                "runs",
                "assumptions[0].metric",
                "assumptions[1].tranche",
                "assumptions[1].distribution",
                "correlations[0]"
            ]
        );
    }
}
