//! The payout engine (crate `seika-engine`): pure functions from contract terms and verified outcome data to a payout
//! statement. No IO, no HTTP, no SQL. The same inputs give a byte-identical statement; the server,
//! the command line and the tests all call [`compute`].
//!
//! Order of work, per tranche in date order (ties by id) and per component by id, so that no
//! amount depends on the order in which the contract lists its terms:
//! 1. conditions (all-or-nothing) are checked; if one fails the component pays 0;
//! 2. the rule gives an unrounded amount, after its own per-participant and per-outcome caps;
//! 3. the contract's rounding policy rounds that amount (the one rounding point of a line);
//! 4. caps apply in turn: component, metric (cumulative), tranche (cumulative), contract maximum
//!    (支払上限額, cumulative); each that binds is recorded with how much it took off. The fees
//!    not contingent on outcomes that are still to come keep their room under the tranche's cap,
//!    the contract maximum and their payers' maxima, so they are paid whole;
//! 5. the amount is split among payers (the component's own payer, or the shares) by largest
//!    remainder in minor units (equal remainders by payer id), then each payer's cap
//!    (cumulative) applies;
//! 6. the tranche totals are distributed to investors through the waterfall.

pub mod allocate;
pub mod explain;
pub mod figures;
pub mod render;
pub mod rules;
mod run;
pub mod simulate;
pub mod statement;
pub mod versions;
pub mod waterfall;
pub mod words;
pub mod xirr;

use sha2::{Digest, Sha256};

use seika_core::contract::{Contract, Issue};
use seika_core::outcomes::Outcomes;
use statement::Statement;

/// Changes whenever a change to the engine could change a statement.
pub const ENGINE_VERSION: &str = "seika-engine/1.5.0";

#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    #[error("the contract terms are invalid")]
    Contract(Vec<Issue>),
    #[error("the outcome data is invalid")]
    Outcomes(Vec<Issue>),
}

impl EngineError {
    pub fn issues(&self) -> &[Issue] {
        match self {
            EngineError::Contract(i) | EngineError::Outcomes(i) => i,
        }
    }
}

/// SHA-256 of what `write` writes, streamed into the hasher.
fn sha256_of(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    struct HashWriter(Sha256);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // Buffered: many small writes become few hasher updates.
    let mut writer = std::io::BufWriter::with_capacity(1 << 16, HashWriter(Sha256::new()));
    // Writing our own data into a writer that never fails cannot fail.
    let _infallible = write(&mut writer).and_then(|()| std::io::Write::flush(&mut writer));
    let (hasher, _flushed) = writer.into_parts();
    hex::encode(hasher.0.finalize())
}

/// SHA-256 of the value's canonical JSON, streamed into the hasher (no copy of large inputs).
pub(crate) fn sha256_json<T: serde::Serialize>(value: &T) -> String {
    sha256_of(|w| serde_json::to_writer(w, value).map_err(std::io::Error::from))
}

/// Computes the payout statement for verified outcome data under one contract terms version.
pub fn compute(contract: &Contract, outcomes: &Outcomes) -> Result<Statement, EngineError> {
    let issues = contract.validate();
    if !issues.is_empty() {
        return Err(EngineError::Contract(issues));
    }
    let issues = outcomes.validate(contract);
    if !issues.is_empty() {
        return Err(EngineError::Outcomes(issues));
    }
    let hash = || sha256_of(|w| outcomes.write_hashed(&mut { w }));
    if outcomes.participant_outcomes.len() < HASH_BESIDE_RULES_FROM {
        let mut statement = run::statement_of(contract, outcomes)?;
        statement.outcomes_sha256 = hash();
        return Ok(statement);
    }
    // Over many records the input hash (a tenth of a large run's time) is computed on a second
    // thread while the rules read the same records. The statement is the same either way.
    std::thread::scope(|scope| {
        let hashing = scope.spawn(hash);
        let mut statement = run::statement_of(contract, outcomes)?;
        statement.outcomes_sha256 = hashing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Ok(statement)
    })
}

/// Participant records from which the input hash is computed beside the rules: below it a
/// thread costs more than it saves (a simulation prices thousands of small runs).
const HASH_BESIDE_RULES_FROM: usize = 100_000;

#[cfg(test)]
mod tests;

/// JSON Schemas of the engine's file formats, generated from the types that read them.
/// Decimals are documented as strings (the wire rule), without exponents.
pub fn json_schema(name: &str) -> Option<serde_json::Value> {
    let schema = match name {
        "contract" => schemars::schema_for!(Contract),
        "outcomes" => schemars::schema_for!(Outcomes),
        "statement" => schemars::schema_for!(Statement),
        _ => return None,
    };
    let mut value = serde_json::to_value(schema).ok()?;
    decimals_as_strings(&mut value);
    Some(value)
}

/// Rewrites decimal schemas as plain decimal strings (the wire rule).
pub fn decimals_as_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let is_decimal = map
                .get("pattern")
                .and_then(|p| p.as_str())
                .is_some_and(|p| p.contains("[eE]"));
            if is_decimal {
                map.insert("type".into(), "string".into());
                map.insert("pattern".into(), r"^-?\d+(\.\d+)?$".into());
                map.entry("description").or_insert_with(|| {
                    "An exact decimal as a string, e.g. \"0.329\" or \"7860000\".".into()
                });
            }
            map.values_mut().for_each(decimals_as_strings);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(decimals_as_strings),
        _ => {}
    }
}

pub const SCHEMA_NAMES: [&str; 3] = ["contract", "outcomes", "statement"];
