//! XIRR on dated cash flows in decimal arithmetic (no floats): a bracketing search (Illinois) on
//! the daily discount factor until the rate's bracket is narrower than [`TOLERANCE`].

use chrono::NaiveDate;
use rust_decimal::{Decimal, MathematicalOps};

/// The bracket width at which the search stops: the IRR is exact to within this.
pub const TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 9);

/// The annual rate r with Σ cf / (1 + r)^(days / 365) = 0, searched in (−99 %, 1000 %].
/// `None` when flows do not change sign or no root lies in the range.
pub fn xirr(flows: &[(NaiveDate, Decimal)]) -> Option<Decimal> {
    // A pure function of its flows, remembered per thread: a simulation's runs often leave an
    // investor's flows unchanged (a loan repaid from an all-or-nothing payment), and the search is
    // the engine's most expensive step. Bounded: forgotten past 4,096 entries.
    thread_local! {
        static KNOWN: std::cell::RefCell<Known> = std::cell::RefCell::new(Known::new());
    }
    if let Some(known) = KNOWN.with(|k| k.borrow().get(flows).copied()) {
        return known;
    }
    let found = search(flows);
    KNOWN.with(|k| {
        let mut k = k.borrow_mut();
        if k.len() >= 4096 {
            k.clear();
        }
        k.insert(flows.to_vec(), found);
    });
    found
}

/// IRRs already found, by their cash flows.
type Known = std::collections::HashMap<Vec<(NaiveDate, Decimal)>, Option<Decimal>>;

fn search(flows: &[(NaiveDate, Decimal)]) -> Option<Decimal> {
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
    let days: Vec<(i64, Decimal)> = flows
        .iter()
        .map(|(d, v)| ((*d - start).num_days(), *v))
        .collect();
    // Searched in the daily discount factor b = (1 + r)^(−1/365): NPV(b) = Σ cf · b^days is a
    // polynomial, so each step is a few exact multiplications and no exp or ln; the rate is
    // b^(−365) − 1. Over r in (−99 %, 1000 %], |dr/db| < 4,100, so a bracket in b of width
    // TOLERANCE / 4,100 brackets r within TOLERANCE.
    // Powers by repeated squaring, the squares shared by every flow of one evaluation.
    let bits = 64
        - days
            .iter()
            .map(|(n, _)| n.unsigned_abs())
            .max()?
            .leading_zeros() as usize;
    let npv = |b: Decimal| -> Option<Decimal> {
        let mut squares = Vec::with_capacity(bits);
        let mut p = b;
        for _ in 0..bits {
            squares.push(p);
            p = p.checked_mul(p)?;
        }
        days.iter().try_fold(Decimal::ZERO, |acc, (n, v)| {
            let mut power = Decimal::ONE;
            for (k, square) in squares.iter().enumerate() {
                if (n >> k) & 1 == 1 {
                    power = power.checked_mul(*square)?;
                }
            }
            acc.checked_add(v.checked_mul(power)?)
        })
    };
    let factor = |r: Decimal| -> Option<Decimal> {
        (-(Decimal::ONE + r).checked_ln()? / Decimal::from(365)).checked_exp()
    };
    let rate = |b: Decimal| -> Option<Decimal> {
        Decimal::ONE
            .checked_div(b.checked_powi(365)?)
            .map(|x| x - Decimal::ONE)
    };
    let width = TOLERANCE / Decimal::from(4100);
    // b falls as r rises: the low end of b is r = 1000 %, the high end r = −99 %.
    let mut lo = factor(Decimal::from(10))?;
    let mut hi = factor(Decimal::new(-99, 2))?;
    let mut f_lo = npv(lo)?;
    let mut f_hi = npv(hi)?;
    if f_hi.is_zero() {
        return Some(Decimal::new(-99, 2));
    }
    if (f_lo > Decimal::ZERO) == (f_hi > Decimal::ZERO) {
        return None;
    }
    // Illinois (regula falsi that halves the value kept at a repeated end): the bracket always
    // holds the root and shrinks superlinearly; once the estimate settles, probing half a width
    // either side of it closes the bracket.
    let mut kept: i8 = 0;
    let half = width / Decimal::TWO;
    let mut last: Option<Decimal> = None;
    for _ in 0..200 {
        if hi - lo <= width {
            break;
        }
        let secant = f_hi
            .checked_sub(f_lo)
            .filter(|d| !d.is_zero())
            .and_then(|d| f_hi.checked_mul(hi - lo)?.checked_div(d))
            .map(|step| hi - step);
        let mid = match secant {
            Some(x) if x > lo && x < hi => x,
            _ => (lo + hi) / Decimal::TWO,
        };
        let f_mid = npv(mid)?;
        if f_mid.is_zero() {
            return rate(mid);
        }
        if (f_mid > Decimal::ZERO) == (f_lo > Decimal::ZERO) {
            lo = mid;
            f_lo = f_mid;
            if kept == 1 {
                f_hi /= Decimal::TWO;
            }
            kept = 1;
        } else {
            hi = mid;
            f_hi = f_mid;
            if kept == -1 {
                f_lo /= Decimal::TWO;
            }
            kept = -1;
        }
        let settled = last.is_some_and(|l| (mid - l).abs() < width);
        last = Some(mid);
        let (a, b) = (mid - half, mid + half);
        if settled && a > lo && b < hi {
            let (f_a, f_b) = (npv(a)?, npv(b)?);
            if (f_a > Decimal::ZERO) != (f_b > Decimal::ZERO) {
                lo = a;
                hi = b;
            }
        }
    }
    let (r_lo, r_hi) = (rate(lo)?, rate(hi)?);
    Some((r_lo + r_hi) / Decimal::TWO)
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
