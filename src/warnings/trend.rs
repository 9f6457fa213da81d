//! Robust change and trend statistics over a student's weekly series: median/MAD
//! standardisation, one-sided CUSUM, the Mann-Kendall trend test and the Theil-Sen slope.
//!
//! Hand-written: each is a few lines over ≤ 20 points, and the statistics crates that
//! have them pull in linear-algebra stacks this step does not otherwise need.

/// Median of the values (`None` when empty). Sorts a copy.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// Mean (`None` when empty).
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().fold(0.0, |a, b| a + b) / values.len() as f64)
}

/// A robust scale: 1.4826 × the median absolute deviation, which estimates the standard
/// deviation for normal data and ignores one or two odd weeks; never below `floor`.
pub fn robust_scale(values: &[f64], floor: f64) -> f64 {
    let Some(m) = median(values) else { return floor.max(f64::MIN_POSITIVE) };
    let dev: Vec<f64> = values.iter().map(|x| (x - m).abs()).collect();
    let mad = median(&dev).unwrap_or(0.0) * 1.4826;
    // With few weeks the MAD can be 0 while the values do move; the sample sd backs it up.
    let sd = sample_sd(values).unwrap_or(0.0);
    mad.max(sd * 0.5).max(floor).max(1e-9)
}

/// Sample standard deviation (`None` below 2 values).
pub fn sample_sd(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let m = mean(values)?;
    Some((values.iter().map(|x| (x - m) * (x - m)).fold(0.0, |a, b| a + b) / (n - 1) as f64).sqrt())
}

/// One-sided CUSUM of standardised values `z` (concerning direction already positive):
/// `C_t = max(0, C_{t-1} + z_t - k)`; returns the final value.
pub fn cusum(z: &[f64], k: f64) -> f64 {
    z.iter().fold(0.0, |c, x| (c + x - k).max(0.0))
}

/// Mann-Kendall trend test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// S statistic: concordant minus discordant pairs.
    pub s: i64,
    /// Normal score with continuity correction (0 when S = 0).
    pub z: f64,
    /// One-sided p-value for a trend in the sign of S.
    pub p: f64,
}

/// Mann-Kendall over the series in time order, with the tie correction of the variance.
pub fn mann_kendall(x: &[f64]) -> MannKendall {
    let n = x.len();
    let mut s = 0i64;
    for i in 0..n {
        for j in i + 1..n {
            s += match x[j].total_cmp(&x[i]) {
                std::cmp::Ordering::Greater => 1,
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
            };
        }
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && sorted[j + 1] == sorted[i] {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        ties += t * (t - 1.0) * (2.0 * t + 5.0);
        i = j + 1;
    }
    let nf = n as f64;
    let var = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0;
    let z = if s == 0 || var <= 0.0 { 0.0 } else { (s as f64 - (s.signum() as f64)) / var.sqrt() };
    MannKendall { s, z, p: if z == 0.0 { 0.5 } else { 1.0 - normal_cdf(z.abs()) } }
}

/// Theil-Sen slope: the median of the pairwise slopes (per step). `None` below 2 points.
pub fn theil_sen(x: &[f64]) -> Option<f64> {
    let mut slopes = Vec::with_capacity(x.len() * x.len() / 2);
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            slopes.push((x[j] - x[i]) / (j - i) as f64);
        }
    }
    median(&slopes)
}

/// Standard normal CDF via the complementary error function (W. J. Cody's rational
/// approximation as in Numerical Recipes `erfcc`, relative error < 1.2e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = -z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
    0.5 * erfc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_scale() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        // One outlier barely moves the robust scale.
        let s = robust_scale(&[10.0, 11.0, 9.0, 10.0, 10.0, 11.0, 9.0, 40.0], 0.0);
        assert!(s < 8.0, "{s}");
    }

    #[test]
    fn cusum_accumulates_a_persistent_shift() {
        assert_eq!(cusum(&[0.2, 0.1, 0.3], 0.5), 0.0);
        assert!((cusum(&[2.0, 2.0, 2.0], 0.5) - 4.5).abs() < 1e-12);
        assert!((cusum(&[3.0, -5.0, 1.0], 0.5) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn mann_kendall_known_values() {
        // Strictly increasing n = 5: S = 10, var = 5*4*15/18 = 16.667, z = 9/4.082 = 2.205.
        let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(mk.s, 10);
        assert!((mk.z - 2.2045).abs() < 1e-3, "{mk:?}");
        assert!((mk.p - 0.01374).abs() < 1e-4, "{mk:?}");
        let flat = mann_kendall(&[2.0, 2.0, 2.0, 2.0]);
        assert_eq!((flat.s, flat.z, flat.p), (0, 0.0, 0.5));
        assert_eq!(mann_kendall(&[5.0, 4.0, 3.0]).s, -3);
    }

    #[test]
    fn theil_sen_ignores_an_outlier() {
        let s = theil_sen(&[1.0, 2.0, 3.0, 40.0, 5.0, 6.0]).unwrap();
        assert!((s - 1.0).abs() < 1e-9, "{s}");
    }

    #[test]
    fn normal_cdf_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_25).abs() < 1e-6);
    }
}
