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

/// Rates from −99 % to 1000 % and their daily discount factors (1 + r)^(−1/365), ascending in
/// the rate (so descending in the factor), computed once per process.
fn ladder() -> &'static [(Decimal, Decimal)] {
    static LADDER: std::sync::OnceLock<Vec<(Decimal, Decimal)>> = std::sync::OnceLock::new();
    LADDER.get_or_init(|| {
        [
            "-0.99", "-0.75", "-0.5", "-0.25", "-0.1", "-0.05", "0", "0.02", "0.05", "0.1", "0.2",
            "0.5", "1", "10",
        ]
        .iter()
        .map(|r| {
            let r: Decimal = r.parse().expect("a rate");
            let b = if r.is_zero() {
                Decimal::ONE
            } else {
                (-(Decimal::ONE + r).ln() / Decimal::from(365)).exp()
            };
            (r, b)
        })
        .collect()
    })
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
    let npv = Npv::of(flows)?;
    let f_zero = npv.at(Decimal::ONE)?;
    if f_zero.is_zero() {
        return Some(Decimal::ZERO);
    }
    match bracket(&npv, f_zero)? {
        Found::Root(b) => rate(b),
        Found::Bracket(bracket) => match refine(&npv, bracket)? {
            Found::Root(b) => rate(b),
            Found::Bracket(Bracket { lo, hi, .. }) => {
                let (r_lo, r_hi) = (rate(lo)?, rate(hi)?);
                Some((r_lo + r_hi) / Decimal::TWO)
            }
        },
    }
}

/// The net present value as a function of the daily discount factor b = (1 + r)^(−1/365):
/// NPV(b) = Σ cf · b^days is a polynomial, so each step is a few exact multiplications and no
/// exp or ln. Over r in (−99 %, 1000 %], |dr/db| < 4,100, so a bracket in b of width
/// TOLERANCE / 4,100 brackets r within TOLERANCE.
struct Npv {
    /// Each flow's day from the first, with its amount.
    days: Vec<(i64, Decimal)>,
    /// How many squares of b the largest day needs.
    bits: usize,
}

impl Npv {
    fn of(flows: &[(NaiveDate, Decimal)]) -> Option<Self> {
        let start = flows.iter().map(|(d, _)| *d).min()?;
        let days: Vec<(i64, Decimal)> = flows
            .iter()
            .map(|(d, v)| ((*d - start).num_days(), *v))
            .collect();
        let largest = days.iter().map(|(n, _)| n.unsigned_abs()).max()?;
        let bits = 64 - largest.leading_zeros() as usize;
        Some(Npv { days, bits })
    }

    /// Powers by repeated squaring, the squares shared by every flow of one evaluation.
    fn at(&self, b: Decimal) -> Option<Decimal> {
        // At b = 1 (a rate of 0) every power is 1: the NPV is the plain sum, no multiplication.
        if b == Decimal::ONE {
            return self
                .days
                .iter()
                .try_fold(Decimal::ZERO, |acc, (_, v)| acc.checked_add(*v));
        }
        let mut squares = [Decimal::ZERO; 64];
        let mut p = b;
        for square in squares.iter_mut().take(self.bits) {
            *square = p;
            p = p.checked_mul(p)?;
        }
        self.days.iter().try_fold(Decimal::ZERO, |acc, (n, v)| {
            let mut power = Decimal::ONE;
            for (k, square) in squares.iter().take(self.bits).enumerate() {
                if (n >> k) & 1 == 1 {
                    power = power.checked_mul(*square)?;
                }
            }
            acc.checked_add(v.checked_mul(power)?)
        })
    }
}

/// The rate of a daily discount factor: b^(−365) − 1.
fn rate(b: Decimal) -> Option<Decimal> {
    Decimal::ONE
        .checked_div(b.checked_powi(365)?)
        .map(|x| x - Decimal::ONE)
}

/// Two factors whose NPVs differ in sign (`lo` < `hi` in b).
#[derive(Clone, Copy)]
struct Bracket {
    lo: Decimal,
    hi: Decimal,
    f_lo: Decimal,
    f_hi: Decimal,
}

/// A factor where the NPV is exactly 0, or a bracket around one.
enum Found {
    Root(Decimal),
    Bracket(Bracket),
}

/// The bracket: the fixed ladder of rates (their factors computed once per process), walked
/// from the rate of 0, whose NPV is free, to the first step where the NPV changes sign. The
/// ladder is the same for every call, so the answer depends on the flows alone. Upwards in the
/// rate first, then downwards: the first step whose NPV differs in sign from its neighbour's
/// brackets the root nearest to 0 %.
fn bracket(npv: &Npv, f_zero: Decimal) -> Option<Found> {
    let ladder = ladder();
    let zero = ladder.iter().position(|(r, _)| r.is_zero())?;
    // Rates above 0: b below 1, ladder indices after `zero`.
    let mut prev = (Decimal::ONE, f_zero);
    for (_, b) in &ladder[zero + 1..] {
        let f = npv.at(*b)?;
        if f.is_zero() {
            return Some(Found::Root(*b));
        }
        if (f > Decimal::ZERO) != (prev.1 > Decimal::ZERO) {
            let (lo, hi, f_lo, f_hi) = (*b, prev.0, f, prev.1);
            return Some(Found::Bracket(Bracket { lo, hi, f_lo, f_hi }));
        }
        prev = (*b, f);
    }
    // Rates below 0: b above 1, ladder indices before `zero`, nearest first.
    let mut prev = (Decimal::ONE, f_zero);
    for (_, b) in ladder[..zero].iter().rev() {
        let f = npv.at(*b)?;
        if f.is_zero() {
            return Some(Found::Root(*b));
        }
        if (f > Decimal::ZERO) != (prev.1 > Decimal::ZERO) {
            let (lo, hi, f_lo, f_hi) = (prev.0, *b, prev.1, f);
            return Some(Found::Bracket(Bracket { lo, hi, f_lo, f_hi }));
        }
        prev = (*b, f);
    }
    None
}

/// Illinois (regula falsi that halves the value kept at a repeated end): the bracket always
/// holds the root and shrinks superlinearly; once the estimate settles, probing half a width
/// either side of it closes the bracket.
fn refine(npv: &Npv, mut x: Bracket) -> Option<Found> {
    let width = TOLERANCE / Decimal::from(4100);
    let half = width / Decimal::TWO;
    let mut kept: i8 = 0;
    let mut last: Option<Decimal> = None;
    for _ in 0..200 {
        if x.hi - x.lo <= width {
            break;
        }
        let secant = x
            .f_hi
            .checked_sub(x.f_lo)
            .filter(|d| !d.is_zero())
            .and_then(|d| x.f_hi.checked_mul(x.hi - x.lo)?.checked_div(d))
            .map(|step| x.hi - step);
        let mid = match secant {
            Some(m) if m > x.lo && m < x.hi => m,
            _ => (x.lo + x.hi) / Decimal::TWO,
        };
        let f_mid = npv.at(mid)?;
        if f_mid.is_zero() {
            return Some(Found::Root(mid));
        }
        if (f_mid > Decimal::ZERO) == (x.f_lo > Decimal::ZERO) {
            x.lo = mid;
            x.f_lo = f_mid;
            if kept == 1 {
                x.f_hi /= Decimal::TWO;
            }
            kept = 1;
        } else {
            x.hi = mid;
            x.f_hi = f_mid;
            if kept == -1 {
                x.f_lo /= Decimal::TWO;
            }
            kept = -1;
        }
        let settled = last.is_some_and(|l| (mid - l).abs() < width);
        last = Some(mid);
        let (a, b) = (mid - half, mid + half);
        if settled && a > x.lo && b < x.hi {
            let (f_a, f_b) = (npv.at(a)?, npv.at(b)?);
            if (f_a > Decimal::ZERO) != (f_b > Decimal::ZERO) {
                x.lo = a;
                x.hi = b;
            }
        }
    }
    Some(Found::Bracket(x))
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

    #[test]
    fn roots_anywhere_on_the_ladder_within_tolerance() {
        // One year of 365 days: the IRR is exactly the growth, wherever it lies on the ladder
        // (below −50 %, between steps, at 0, above 100 %).
        for (paid, expected) in [
            ("150", "-0.85"),
            ("870", "-0.13"),
            ("1000", "0"),
            ("1037.5", "0.0375"),
            ("1333", "0.333"),
            ("4200", "3.2"),
        ] {
            let r = xirr(&[(day(2021, 1, 1), d("-1000")), (day(2022, 1, 1), d(paid))]).unwrap();
            assert!((r - d(expected)).abs() <= TOLERANCE, "{paid}: {r}");
        }
    }

    #[test]
    fn several_flows_match_the_npv_root() {
        // Drawn in two parts, repaid in three: the found rate discounts the flows to (almost) 0.
        let flows = [
            (day(2019, 7, 1), d("-6000000")),
            (day(2020, 4, 1), d("-4000000")),
            (day(2021, 3, 31), d("2500000")),
            (day(2022, 3, 31), d("3000000")),
            (day(2023, 6, 30), d("5400000")),
        ];
        let r = xirr(&flows).unwrap();
        let npv = |r: Decimal| -> Decimal {
            flows
                .iter()
                .map(|(dt, v)| {
                    let years = Decimal::from((*dt - flows[0].0).num_days()) / Decimal::from(365);
                    v / (Decimal::ONE + r).powd(years)
                })
                .sum()
        };
        let eps = d("0.000001");
        assert!(
            npv(r - eps) > Decimal::ZERO && npv(r + eps) < Decimal::ZERO,
            "{r}"
        );
    }
}
