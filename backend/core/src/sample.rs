//! Sample checks of a participant batch: which records a verifier checks against the source, drawn
//! reproducibly from a seed, and what the findings say.
//!
//! The draw needs no random-number generator, so anyone can repeat it outside Seika: each record
//! gets the key SHA-256(`seed` "\n" `position` "\t" `participant` "\t" `outcome` "\t"
//! `achieved_on`), with `position` its 0-based place in the batch; records are taken in key order.
//! A fixed size takes the first n overall; a share takes ⌈share × count⌉ (at least 1) of each
//! stratum (the record's cohort, as risk class), so every class is checked.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a contract says about checking participant data (in its terms, beside the payment rules).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataChecks {
    /// The highest share of sampled records found discrepant (0 to 1) at which a batch may still
    /// be verified without a stated reason. Absent: any discrepancy needs a reason.
    pub discrepancy_tolerance: Decimal,
    /// Every batch of participant records is sample-checked before it can be verified.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sample_required: bool,
}

/// How many records to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SampleSize {
    /// A fixed number of records (all of them if the batch is smaller).
    Count { count: u32 },
    /// A share (0 to 1) of each cohort, rounded up, at least one per cohort.
    SharePerCohort { share: Decimal },
}

/// A record that may be drawn.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub record_id: i64,
    pub participant: &'a str,
    pub outcome: &'a str,
    pub achieved_on: NaiveDate,
    pub cohort: Option<&'a str>,
}

/// A drawn record: its id and its stratum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    pub record_id: i64,
    pub stratum: Option<String>,
}

fn key(seed: &str, position: usize, c: &Candidate<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update(
        format!(
            "\n{position}\t{}\t{}\t{}",
            c.participant, c.outcome, c.achieved_on
        )
        .as_bytes(),
    );
    h.finalize().into()
}

/// Draws the sample: the same seed and batch always give the same records, in the same order.
pub fn draw(seed: &str, candidates: &[Candidate<'_>], size: &SampleSize) -> Vec<Drawn> {
    let mut keyed: Vec<([u8; 32], &Candidate<'_>)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (key(seed, i, c), c))
        .collect();
    keyed.sort_by_key(|a| a.0);
    let take: Vec<&Candidate<'_>> = match size {
        SampleSize::Count { count } => keyed
            .iter()
            .take(*count as usize)
            .map(|(_, c)| *c)
            .collect(),
        SampleSize::SharePerCohort { share } => {
            let mut strata: Vec<(Option<&str>, usize)> = Vec::new();
            for c in candidates {
                match strata.iter_mut().find(|(s, _)| *s == c.cohort) {
                    Some((_, n)) => *n += 1,
                    None => strata.push((c.cohort, 1)),
                }
            }
            let quota = |n: usize| -> usize {
                use rust_decimal::prelude::ToPrimitive;
                let wanted = (Decimal::from(n) * *share).ceil();
                wanted.to_usize().unwrap_or(n).clamp(1, n)
            };
            let mut left: Vec<(Option<&str>, usize)> =
                strata.iter().map(|(s, n)| (*s, quota(*n))).collect();
            keyed
                .iter()
                .filter(|(_, c)| {
                    let slot = left.iter_mut().find(|(s, _)| *s == c.cohort);
                    match slot {
                        Some((_, n)) if *n > 0 => {
                            *n -= 1;
                            true
                        }
                        _ => false,
                    }
                })
                .map(|(_, c)| *c)
                .collect()
        }
    };
    take.into_iter()
        .map(|c| Drawn {
            record_id: c.record_id,
            stratum: c.cohort.map(str::to_owned),
        })
        .collect()
}

/// The share of checked records found discrepant, exact; `None` before any check.
pub fn discrepancy_rate(checked: u64, discrepant: u64) -> Option<Decimal> {
    (checked > 0).then(|| Decimal::from(discrepant) / Decimal::from(checked))
}

/// True when the findings exceed what the contract tolerates (no tolerance stated: zero).
pub fn exceeds(rate: Option<Decimal>, tolerance: Option<Decimal>) -> bool {
    rate.is_some_and(|r| r > tolerance.unwrap_or(Decimal::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> Vec<(String, Option<&'static str>)> {
        (0..200)
            .map(|i| {
                (
                    format!("P{i:03}"),
                    Some(if i % 10 == 0 { "high" } else { "low" }),
                )
            })
            .collect()
    }

    fn candidates<'a>(rows: &'a [(String, Option<&'static str>)]) -> Vec<Candidate<'a>> {
        rows.iter()
            .enumerate()
            .map(|(i, (p, cohort))| Candidate {
                record_id: i as i64 + 1000,
                participant: p,
                outcome: "job_start",
                achieved_on: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
                cohort: *cohort,
            })
            .collect()
    }

    #[test]
    fn the_same_seed_draws_the_same_sample() {
        let rows = batch();
        let c = candidates(&rows);
        let size = SampleSize::Count { count: 12 };
        let a = draw("2026-audit", &c, &size);
        assert_eq!(a, draw("2026-audit", &c, &size));
        assert_eq!(a.len(), 12);
        let b = draw("another seed", &c, &size);
        assert_ne!(a, b, "a different seed draws differently");
        let mut ids: Vec<i64> = a.iter().map(|d| d.record_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 12, "no record twice");
        // The documented key, recomputed by hand for the first record drawn.
        let first = c
            .iter()
            .position(|x| x.record_id == a[0].record_id)
            .unwrap();
        let smallest = (0..c.len())
            .map(|i| key("2026-audit", i, &c[i]))
            .min()
            .unwrap();
        assert_eq!(key("2026-audit", first, &c[first]), smallest);
        assert_eq!(
            draw("s", &c, &SampleSize::Count { count: 500 }).len(),
            200,
            "never more than the batch"
        );
    }

    #[test]
    fn a_share_per_cohort_checks_every_class() {
        let rows = batch();
        let c = candidates(&rows);
        let drawn = draw(
            "seed",
            &c,
            &SampleSize::SharePerCohort {
                share: Decimal::new(5, 2),
            },
        );
        let high = drawn
            .iter()
            .filter(|d| d.stratum.as_deref() == Some("high"))
            .count();
        let low = drawn.len() - high;
        // 20 high-risk records × 5 % = 1; 180 others × 5 % = 9.
        assert_eq!((high, low), (1, 9));
        let tiny = draw(
            "seed",
            &c,
            &SampleSize::SharePerCohort {
                share: Decimal::new(1, 3),
            },
        );
        assert_eq!(tiny.len(), 2, "at least one per class");
    }

    #[test]
    fn discrepancies_against_the_tolerance() {
        assert_eq!(discrepancy_rate(0, 0), None);
        assert_eq!(discrepancy_rate(20, 1), Some(Decimal::new(5, 2)));
        let tol = Some(Decimal::new(5, 2));
        assert!(!exceeds(discrepancy_rate(20, 1), tol));
        assert!(exceeds(discrepancy_rate(20, 2), tol));
        assert!(
            exceeds(discrepancy_rate(20, 1), None),
            "no tolerance: none allowed"
        );
        assert!(!exceeds(discrepancy_rate(20, 0), None));
    }
}
