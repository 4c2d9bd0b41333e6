//! XIRR on dated cash flows in decimal arithmetic (no floats): bisection on the rate until the
//! bracket is narrower than [`TOLERANCE`].

use chrono::NaiveDate;
use rust_decimal::{Decimal, MathematicalOps};

/// The bracket width at which the search stops: the IRR is exact to within this.
pub const TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 9);

/// The annual rate r with Σ cf / (1 + r)^(days / 365) = 0, searched in (−99 %, 1000 %].
/// `None` when flows do not change sign or no root lies in the range.
pub fn xirr(flows: &[(NaiveDate, Decimal)]) -> Option<Decimal> {
    let has_negative = flows
        .iter()
        .any(|(_, v)| v.is_sign_negative() && !v.is_zero());
    let has_positive = flows
        .iter()
        .any(|(_, v)| v.is_sign_positive() && !v.is_zero());
    if !has_negative || !has_positive {
        return None;
    }
    let start = flows.iter().map(|(d, _)| *d).min()?;
    let years: Vec<(Decimal, Decimal)> = flows
        .iter()
        .map(|(d, v)| {
            (
                Decimal::from((*d - start).num_days()) / Decimal::from(365),
                *v,
            )
        })
        .collect();
    let npv = |rate: Decimal| -> Option<Decimal> {
        let ln = (Decimal::ONE + rate).checked_ln()?;
        years.iter().try_fold(Decimal::ZERO, |acc, (t, v)| {
            let discount = (-(*t) * ln).checked_exp()?;
            acc.checked_add(v.checked_mul(discount)?)
        })
    };
    let mut lo = Decimal::new(-99, 2);
    let mut hi = Decimal::from(10);
    let mut f_lo = npv(lo)?;
    let f_hi = npv(hi)?;
    if f_lo.is_zero() {
        return Some(lo);
    }
    if (f_lo > Decimal::ZERO) == (f_hi > Decimal::ZERO) {
        return None;
    }
    for _ in 0..200 {
        if hi - lo <= TOLERANCE {
            break;
        }
        let mid = (lo + hi) / Decimal::TWO;
        let f_mid = npv(mid)?;
        if f_mid.is_zero() {
            return Some(mid);
        }
        if (f_mid > Decimal::ZERO) == (f_lo > Decimal::ZERO) {
            lo = mid;
            f_lo = f_mid;
        } else {
            hi = mid;
        }
    }
    Some((lo + hi) / Decimal::TWO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn one_year_ten_percent() {
        let r = xirr(&[
            (day(2020, 1, 1), d("-1000")),
            (day(2020, 12, 31), d("1100")),
        ])
        .unwrap();
        // 365 days after 2020-01-01 is 2020-12-31.
        assert!((r - d("0.1")).abs() < d("0.000001"), "{r}");
    }

    #[test]
    fn two_years_compounding() {
        let r = xirr(&[(day(2019, 1, 1), d("-100")), (day(2021, 1, 1), d("121"))]).unwrap();
        // 731 days: (1.21)^(365/731) - 1
        assert!((r - d("0.0999")).abs() < d("0.001"), "{r}");
    }

    #[test]
    fn total_loss_and_no_sign_change() {
        assert_eq!(xirr(&[(day(2020, 1, 1), d("-1000"))]), None);
        assert_eq!(
            xirr(&[(day(2020, 1, 1), d("1000")), (day(2021, 1, 1), d("5"))]),
            None
        );
        let r = xirr(&[(day(2020, 1, 1), d("-1000")), (day(2021, 1, 1), d("500"))]).unwrap();
        assert!(r < d("-0.49") && r > d("-0.51"), "{r}");
    }
}
