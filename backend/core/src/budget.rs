//! A project's money against what the assembly approved: per fiscal year the appropriation and the
//! multi-year commitment's limit (債務負担行為), against what claims commit, what was paid and what
//! is still projected, with a warning wherever a limit would be exceeded. Pure: money in, figures
//! and warnings out.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::money::{Currency, Money, MoneyError};

/// The amounts of one fiscal year, each attributed to the year its tranche falls due (payments
/// made in April and May for the year before belong to that year, as 出納整理期間 books them).
#[derive(Debug, Clone, Copy)]
pub struct YearAmounts {
    pub appropriated: Option<Money>,
    pub commitment_limit: Option<Money>,
    /// Claims accepted on inspection (paid or not).
    pub committed: Money,
    pub paid: Money,
    /// Computed for tranches not claimed yet.
    pub projected: Money,
    /// The most the contract can make due in the year, if it has a ceiling.
    pub maximum: Option<Money>,
}

impl YearAmounts {
    pub fn zero(currency: Currency) -> Self {
        YearAmounts {
            appropriated: None,
            commitment_limit: None,
            committed: Money::zero(currency),
            paid: Money::zero(currency),
            projected: Money::zero(currency),
            maximum: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct YearFigures {
    pub fiscal_year: i32,
    pub appropriated: Option<String>,
    /// The 債務負担行為's limit for the year, if it states one.
    pub commitment_limit: Option<String>,
    pub committed: String,
    pub paid: String,
    pub projected: String,
    /// The most the contract can make due in the year (its tranches' maxima, at most the
    /// contract's maximum): the worst case to budget for; absent when it has no ceiling.
    pub maximum: Option<String>,
    /// Committed plus projected: what the year must be able to pay.
    pub needed: String,
    /// Appropriated less needed; negative when the appropriation falls short.
    pub remaining: Option<String>,
}

/// Where a limit would be exceeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BudgetWarning {
    /// The year needs more than its appropriation.
    OverAppropriation {
        fiscal_year: i32,
        needed: String,
        appropriated: String,
    },
    /// The year needs money and has no appropriation at all.
    NoAppropriation { fiscal_year: i32, needed: String },
    /// The year needs more than the 債務負担行為 allows for it.
    OverYearlyCommitment {
        fiscal_year: i32,
        needed: String,
        limit: String,
    },
    /// The contract can pay more in all than the 債務負担行為 approved: an amendment raised the
    /// commitment, and a new resolution is needed.
    OverTotalCommitment { maximum: String, limit: String },
}

/// Lays out each year and the warnings, in year order.
pub fn assess(
    years: &BTreeMap<i32, YearAmounts>,
    contract_maximum: Option<Money>,
    commitment_total: Option<Money>,
) -> Result<(Vec<YearFigures>, Vec<BudgetWarning>), MoneyError> {
    let mut figures = Vec::new();
    let mut warnings = Vec::new();
    for (&fiscal_year, y) in years {
        let needed = y.committed.checked_add(y.projected)?;
        let remaining = y.appropriated.map(|a| a.checked_sub(needed)).transpose()?;
        match y.appropriated {
            Some(appropriated) if needed.minor() > appropriated.minor() => {
                warnings.push(BudgetWarning::OverAppropriation {
                    fiscal_year,
                    needed: needed.amount_string(),
                    appropriated: appropriated.amount_string(),
                });
            }
            None if !needed.is_zero() => warnings.push(BudgetWarning::NoAppropriation {
                fiscal_year,
                needed: needed.amount_string(),
            }),
            _ => {}
        }
        if let Some(limit) = y.commitment_limit
            && needed.minor() > limit.minor()
        {
            warnings.push(BudgetWarning::OverYearlyCommitment {
                fiscal_year,
                needed: needed.amount_string(),
                limit: limit.amount_string(),
            });
        }
        figures.push(YearFigures {
            fiscal_year,
            appropriated: y.appropriated.map(Money::amount_string),
            commitment_limit: y.commitment_limit.map(Money::amount_string),
            committed: y.committed.amount_string(),
            paid: y.paid.amount_string(),
            projected: y.projected.amount_string(),
            maximum: y.maximum.map(Money::amount_string),
            needed: needed.amount_string(),
            remaining: remaining.map(Money::amount_string),
        });
    }
    if let (Some(maximum), Some(limit)) = (contract_maximum, commitment_total)
        && maximum.minor() > limit.minor()
    {
        warnings.push(BudgetWarning::OverTotalCommitment {
            maximum: maximum.amount_string(),
            limit: limit.amount_string(),
        });
    }
    Ok((figures, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yen(minor: i64) -> Money {
        Money::from_minor(minor, Currency::JPY)
    }

    #[test]
    fn each_limit_is_checked_per_year_and_in_all() {
        let mut years = BTreeMap::new();
        // FY2018: 26,200,000 committed, 20,000,000 appropriated → short by 6,200,000.
        years.insert(
            2018,
            YearAmounts {
                appropriated: Some(yen(20_000_000)),
                commitment_limit: Some(yen(30_000_000)),
                committed: yen(26_200_000),
                paid: yen(26_200_000),
                projected: yen(0),
                maximum: None,
            },
        );
        // FY2020: 3,232,425 projected, no appropriation, over a yearly limit of 3,000,000.
        years.insert(
            2020,
            YearAmounts {
                projected: yen(3_232_425),
                commitment_limit: Some(yen(3_000_000)),
                ..YearAmounts::zero(Currency::JPY)
            },
        );
        let (figures, warnings) =
            assess(&years, Some(yen(34_060_000)), Some(yen(30_000_000))).unwrap();
        assert_eq!(figures[0].remaining.as_deref(), Some("-6200000"));
        assert_eq!(figures[1].needed, "3232425");
        assert_eq!(
            warnings,
            [
                BudgetWarning::OverAppropriation {
                    fiscal_year: 2018,
                    needed: "26200000".into(),
                    appropriated: "20000000".into()
                },
                BudgetWarning::NoAppropriation {
                    fiscal_year: 2020,
                    needed: "3232425".into()
                },
                BudgetWarning::OverYearlyCommitment {
                    fiscal_year: 2020,
                    needed: "3232425".into(),
                    limit: "3000000".into()
                },
                BudgetWarning::OverTotalCommitment {
                    maximum: "34060000".into(),
                    limit: "30000000".into()
                },
            ]
        );
        // Within every limit: no warning.
        let mut fine = BTreeMap::new();
        fine.insert(
            2018,
            YearAmounts {
                appropriated: Some(yen(26_200_000)),
                committed: yen(26_200_000),
                ..YearAmounts::zero(Currency::JPY)
            },
        );
        assert!(
            assess(&fine, Some(yen(1)), Some(yen(1)))
                .unwrap()
                .1
                .is_empty()
        );
    }
}
