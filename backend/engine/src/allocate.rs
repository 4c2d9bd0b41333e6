//! Exact pro-rata allocation: whole minor units, largest remainder, ties to the earlier entry.
//! The parts always sum to the amount: no unit lost or invented.

use rust_decimal::Decimal;

/// Splits `amount` by integer weights. All weights zero gives all zeros.
pub fn by_weights(amount: i64, weights: &[i64], ids: &[&str]) -> Vec<i64> {
    let total: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if total <= 0 || amount == 0 {
        return vec![0; weights.len()];
    }
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for w in weights {
        let exact = i128::from(amount) * i128::from(*w);
        parts.push((exact / total) as i64);
        remainders.push(exact % total);
    }
    distribute_leftover(amount, &mut parts, &remainders, ids);
    parts
}

/// Splits `amount` by decimal shares that sum to 1.
pub fn by_shares(amount: i64, shares: &[Decimal], ids: &[&str]) -> Vec<i64> {
    let mut parts = Vec::with_capacity(shares.len());
    let mut remainders = Vec::with_capacity(shares.len());
    for share in shares {
        let exact = Decimal::from(amount) * *share;
        let floor = exact.floor();
        parts.push(i64::try_from(floor).unwrap_or(0));
        // Scale remainders to integers for a stable comparison.
        remainders.push(
            ((exact - floor) * Decimal::from(1_000_000_000_000_i64))
                .floor()
                .try_into()
                .unwrap_or(0_i128),
        );
    }
    distribute_leftover(amount, &mut parts, &remainders, ids);
    parts
}

/// Hands out what flooring left, a unit each, largest remainder first; equal remainders go by
/// id, so the result does not depend on the order the parties are listed in.
fn distribute_leftover(amount: i64, parts: &mut [i64], remainders: &[i128], ids: &[&str]) {
    let assigned: i64 = parts.iter().sum();
    let mut leftover = amount - assigned;
    if leftover <= 0 {
        return;
    }
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| {
        remainders[*b]
            .cmp(&remainders[*a])
            .then_with(|| ids.get(*a).cmp(&ids.get(*b)))
            .then(a.cmp(b))
    });
    for i in order.into_iter().cycle() {
        if leftover == 0 {
            break;
        }
        parts[i] += 1;
        leftover -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_exactly() {
        assert_eq!(
            by_weights(100, &[1, 1, 1], &["a", "b", "c"]),
            vec![34, 33, 33]
        );
        // Equal remainders go by id, not by place in the list.
        assert_eq!(
            by_weights(100, &[1, 1, 1], &["c", "a", "b"]),
            vec![33, 34, 33]
        );
        assert_eq!(by_weights(10, &[0, 0], &["a", "b"]), vec![0, 0]);
        assert_eq!(
            by_shares(1001, &[Decimal::new(8, 1), Decimal::new(2, 1)], &["a", "b"]),
            vec![801, 200]
        );
    }

    proptest! {
        #[test]
        fn parts_sum_and_stay_proportional(amount in 0_i64..1_000_000_000_000, weights in proptest::collection::vec(0_i64..1_000_000_000, 1..12)) {
            let parts = by_weights(amount, &weights, &[]);
            let total: i64 = weights.iter().sum();
            if total > 0 {
                prop_assert_eq!(parts.iter().sum::<i64>(), amount);
                for (p, w) in parts.iter().zip(&weights) {
                    let exact = i128::from(amount) * i128::from(*w) / i128::from(total);
                    prop_assert!((i128::from(*p) - exact).abs() <= 1);
                    prop_assert!(*p <= amount.max(0));
                }
            }
        }
    }
}
