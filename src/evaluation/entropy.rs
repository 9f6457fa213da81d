//! The entropy weight method (熵权法) and weighted dimension scores.
//!
//! For the indicators j of one dimension and the n students i with a value:
//!
//! ```text
//! x'_ij = (x_ij − min_j) / (max_j − min_j)        positive indicators
//! x'_ij = (max_j − x_ij) / (max_j − min_j)        negative indicators
//! p_ij  = x'_ij / Σ_i x'_ij
//! e_j   = −(1 / ln n) · Σ_i p_ij · ln p_ij        (0 · ln 0 = 0)
//! d_j   = 1 − e_j
//! w_j   = d_j / Σ_j d_j
//! score_i = 100 · Σ_j w_j x'_ij / Σ_{j: x'_ij known} w_j
//! ```
//!
//! An indicator whose values are all equal (or known for fewer than two students) cannot
//! be normalised: it is reported as constant with e = 1, d = 0 and carries no weight.

use super::indicators::Direction;

/// Relative tolerance under which max − min counts as zero.
const FLAT: f64 = 1e-12;

/// Min–max normalised values, or `None` when the indicator is constant.
pub fn normalise(values: &[Option<f64>], direction: Direction) -> Option<Vec<Option<f64>>> {
    let known = values.iter().flatten();
    let (min, max) = known.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    let n = values.iter().flatten().count();
    if n < 2 || !(max - min > FLAT * max.abs().max(min.abs()).max(1.0)) {
        return None;
    }
    let span = max - min;
    Some(
        values
            .iter()
            .map(|v| {
                v.map(|x| match direction {
                    Direction::Positive => (x - min) / span,
                    Direction::Negative => (max - x) / span,
                })
            })
            .collect(),
    )
}

/// Entropy e_j and divergence d_j = 1 − e_j of a normalised indicator (over its known
/// values). Fewer than two values, or all zero, give (1, 0).
pub fn entropy(normalised: &[Option<f64>]) -> (f64, f64) {
    let known: Vec<f64> = normalised.iter().flatten().copied().collect();
    let n = known.len();
    let sum: f64 = known.iter().sum();
    if n < 2 || sum <= 0.0 {
        return (1.0, 0.0);
    }
    let h: f64 = known
        .iter()
        .map(|x| {
            let p = x / sum;
            if p > 0.0 {
                -p * p.ln()
            } else {
                0.0
            }
        })
        .sum();
    let e = (h / (n as f64).ln()).clamp(0.0, 1.0);
    (e, 1.0 - e)
}

/// Weights proportional to `raw` (divergences or expert weights), summing to 1; `None`
/// when they sum to 0 (no indicator can tell students apart).
pub fn normalise_weights(raw: &[f64]) -> Option<Vec<f64>> {
    let sum: f64 = raw.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
    (sum > 0.0).then(|| raw.iter().map(|w| if w.is_finite() && *w > 0.0 { w / sum } else { 0.0 }).collect())
}

/// A student's score 0–100 from normalised values and weights: the weighted mean of the
/// known values, weights renormalised over them; `None` when no weighted value is known.
pub fn score(values: &[Option<f64>], weights: &[f64]) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for (v, w) in values.iter().zip(weights) {
        if let Some(x) = v {
            if *w > 0.0 {
                num += w * x;
                den += w;
            }
        }
    }
    (den > 0.0).then(|| 100.0 * num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    /// 3 students × 2 positive indicators, by hand:
    ///
    /// ```text
    ///            A   B      x'_A  x'_B     p_A   p_B
    /// student 1  1   0      0     0        0     0
    /// student 2  2   0      0.5   0        1/3   0
    /// student 3  3   4      1     1        2/3   1
    ///
    /// e_A = −(1/ln 3)·(1/3·ln(1/3) + 2/3·ln(2/3))
    ///     = (0.366204096 + 0.270310072) / 1.098612289 = 0.579380164
    /// d_A = 0.420619836
    /// e_B = −(1/ln 3)·(1·ln 1) = 0,  d_B = 1
    /// w_A = 0.420619836 / 1.420619836 = 0.296081911
    /// w_B = 1 / 1.420619836           = 0.703918089
    /// scores: 0, 100·0.5·w_A = 14.80409555, 100
    /// ```
    #[test]
    fn entropy_weights_of_a_hand_worked_example() {
        let a = [Some(1.0), Some(2.0), Some(3.0)];
        let b = [Some(0.0), Some(0.0), Some(4.0)];
        let na = normalise(&a, Direction::Positive).unwrap();
        let nb = normalise(&b, Direction::Positive).unwrap();
        assert_eq!(na, vec![Some(0.0), Some(0.5), Some(1.0)]);
        let (ea, da) = entropy(&na);
        let (eb, db) = entropy(&nb);
        let ln3 = 3f64.ln();
        let expected_ea = ((1.0 / 3.0) * ln3 + (2.0 / 3.0) * (1.5f64).ln()) / ln3;
        close(ea, expected_ea);
        close(ea, 0.579_380_164_285);
        close(da, 1.0 - expected_ea);
        close(eb, 0.0);
        close(db, 1.0);
        let w = normalise_weights(&[da, db]).unwrap();
        close(w[0], 0.420_619_835_715 / 1.420_619_835_715);
        close(w[0] + w[1], 1.0);
        let scores: Vec<f64> = (0..3).map(|i| score(&[na[i], nb[i]], &w).unwrap()).collect();
        close(scores[0], 0.0);
        close(scores[1], 50.0 * w[0]);
        close(scores[1], 14.804_095_548_3);
        close(w[0], 0.296_081_910_966);
        close(scores[2], 100.0);
    }

    #[test]
    fn negative_indicators_reverse_the_scale_with_the_same_entropy() {
        let x = [Some(1.0), Some(2.0), Some(3.0)];
        let n = normalise(&x, Direction::Negative).unwrap();
        assert_eq!(n, vec![Some(1.0), Some(0.5), Some(0.0)]);
        // p = 2/3, 1/3, 0: the same distribution as the positive case, so the same entropy.
        close(entropy(&n).0, entropy(&normalise(&x, Direction::Positive).unwrap()).0);
    }

    #[test]
    fn constant_and_sparse_indicators_carry_no_weight() {
        assert_eq!(normalise(&[Some(2.0), Some(2.0), Some(2.0)], Direction::Positive), None);
        assert_eq!(normalise(&[Some(2.0), None, None], Direction::Positive), None);
        assert_eq!(entropy(&[Some(0.0), Some(0.0)]), (1.0, 0.0));
        assert_eq!(normalise_weights(&[0.0, 0.0]), None);
        // Missing values are skipped and the remaining weights renormalised.
        let w = [0.25, 0.75];
        close(score(&[None, Some(0.4)], &w).unwrap(), 40.0);
        assert_eq!(score(&[None, None], &w), None);
        // Uniform values: maximal entropy, no divergence.
        let (e, d) = entropy(&[Some(1.0), Some(1.0), Some(1.0), Some(0.0)]);
        assert!(e < 1.0 && d > 0.0);
        close(entropy(&[Some(1.0), Some(1.0), Some(1.0)]).0, 1.0);
    }

    #[test]
    fn expert_weights_are_normalised_within_a_dimension() {
        let w = normalise_weights(&[3.0, 1.0, 0.0]).unwrap();
        assert_eq!(w, vec![0.75, 0.25, 0.0]);
        close(score(&[Some(1.0), Some(0.0), Some(1.0)], &w).unwrap(), 75.0);
    }
}
