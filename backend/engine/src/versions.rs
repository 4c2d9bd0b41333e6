//! Amended contracts: each tranche is priced under the terms version in force on its due date.
//! Pure: the versions in, one contract to compute and the version behind each tranche out.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use seika_core::contract::Contract;

/// A terms version and the day it takes effect.
pub struct Version<'a> {
    pub number: i32,
    pub effective_from: NaiveDate,
    pub contract: &'a Contract,
}

/// The contract to compute: the newest version, with each tranche's definition and components
/// taken from the version in force on the tranche's due date (the newest whose `effective_from`
/// is on or before it; the first version when none is yet). Metrics, payers, caps above the
/// tranche, investments and the waterfall are the newest version's. Also returns the version
/// that priced each tranche.
pub fn priced_by_due_date(versions: &[Version<'_>]) -> (Contract, BTreeMap<String, i32>) {
    let newest = versions
        .iter()
        .max_by_key(|v| v.number)
        .expect("at least one terms version");
    let mut contract = newest.contract.clone();
    let mut priced_by = BTreeMap::new();
    let mut components = Vec::new();
    for tranche in &mut contract.tranches {
        let in_force = versions
            .iter()
            .filter(|v| v.effective_from <= tranche.due_on)
            .max_by_key(|v| v.number)
            .or_else(|| versions.iter().min_by_key(|v| v.number))
            .unwrap_or(newest);
        let source = match in_force
            .contract
            .tranches
            .iter()
            .find(|t| t.id == tranche.id)
        {
            Some(defined) => {
                *tranche = defined.clone();
                in_force
            }
            // A tranche the older version did not have is priced as the newest defines it.
            None => newest,
        };
        components.extend(
            source
                .contract
                .components
                .iter()
                .filter(|c| c.tranche == tranche.id)
                .cloned(),
        );
        priced_by.insert(tranche.id.clone(), source.number);
    }
    contract.components = components;
    (contract, priced_by)
}
