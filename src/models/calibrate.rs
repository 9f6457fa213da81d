//! Probability calibration of raw model scores: Platt scaling, isotonic regression
//! (pool-adjacent-violators) and a chooser that keeps whichever of identity / Platt /
//! isotonic has the lowest Brier score on validation data.
//!
//! Raw scores are the model's predicted probabilities of the positive class.
//!
//! Hand-written: linfa has no isotonic regression, and Platt scaling on one feature with
//! Platt's smoothed targets is not what `linfa-logistic` fits (it takes hard labels). The
//! Platt fit is the Newton method with backtracking line search from Lin, Lin & Weng,
//! "A note on Platt's probabilistic outputs for support vector machines" (2007), which is
//! bounded (at most [`PLATT_MAX_ITER`] iterations) and regularises the Hessian.

use serde::{Deserialize, Serialize};

use super::metrics::brier;

/// Calibrated probabilities (Platt and isotonic) are clamped to `[PROB_FLOOR, 1 − PROB_FLOOR]`.
pub const PROB_FLOOR: f64 = 1e-4;

/// Raw probabilities are clamped to `[RAW_EPS, 1 − RAW_EPS]` before Platt's logit.
pub const RAW_EPS: f64 = 1e-6;

/// Newton iterations of the Platt fit, at most.
pub const PLATT_MAX_ITER: usize = 100;

/// A fitted map from raw score to calibrated probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Calibrator {
    /// The raw score as is (clamped to `[0, 1]`).
    Identity,
    /// Platt scaling: `p = 1 / (1 + exp(a·s + b))` with `s = logit(raw)`.
    Platt {
        /// Slope (negative when higher raw scores mean more risk).
        #[serde(with = "super::exact::one")]
        a: f64,
        /// Intercept.
        #[serde(with = "super::exact::one")]
        b: f64,
    },
    /// Isotonic regression: step points `(x[i], y[i])`, `x` strictly increasing and `y`
    /// non-decreasing, linearly interpolated.
    Isotonic {
        /// Raw scores of the step points.
        #[serde(with = "super::exact::many")]
        x: Vec<f64>,
        /// Calibrated probabilities (block means) at `x`.
        #[serde(with = "super::exact::many")]
        y: Vec<f64>,
    },
}

/// Brier score of every candidate on the validation data, and the one chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// Name of the chosen calibrator (`identity`, `platt` or `isotonic`).
    pub chosen: String,
    /// Rows used for fitting.
    pub n_fit: usize,
    /// Rows used for validation.
    pub n_val: usize,
    /// Brier score of the raw scores on validation data.
    pub identity_brier: Option<f64>,
    /// Brier score after Platt scaling; `None` when it could not be fitted or evaluated.
    pub platt_brier: Option<f64>,
    /// Brier score after isotonic regression; `None` when it could not be fitted or evaluated.
    pub isotonic_brier: Option<f64>,
}

/// Platt's input feature: the logit of the raw probability, clamped to `[RAW_EPS, 1 − RAW_EPS]`.
fn platt_feature(raw: f64) -> f64 {
    let p = raw.clamp(RAW_EPS, 1.0 - RAW_EPS);
    (p / (1.0 - p)).ln()
}

fn clamp_prob(p: f64) -> f64 {
    p.clamp(PROB_FLOOR, 1.0 - PROB_FLOOR)
}

/// Equal lengths, finite raw scores, and both classes present.
fn fit_input_ok(raw: &[f64], labels: &[bool]) -> bool {
    raw.len() == labels.len() && raw.iter().all(|r| r.is_finite()) && labels.contains(&true) && labels.contains(&false)
}

impl Calibrator {
    /// Checks a loaded calibrator: finite Platt parameters; isotonic points of equal
    /// number, finite, ordered, with probabilities as values.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Calibrator::Identity => Ok(()),
            Calibrator::Platt { a, b } if a.is_finite() && b.is_finite() => Ok(()),
            Calibrator::Platt { .. } => Err("platt parameters are not finite numbers".into()),
            Calibrator::Isotonic { x, y } => {
                if x.is_empty() || x.len() != y.len() {
                    return Err(format!("isotonic calibration has {} raw scores for {} values", x.len(), y.len()));
                }
                let ordered = |v: &[f64]| v.iter().all(|a| a.is_finite()) && v.windows(2).all(|w| w[0] <= w[1]);
                if !ordered(x) || !ordered(y) || !y.iter().all(|p| (0.0..=1.0).contains(p)) {
                    return Err("isotonic calibration points are not ordered probabilities".into());
                }
                Ok(())
            }
        }
    }

    /// `identity`, `platt` or `isotonic`.
    pub fn name(&self) -> &'static str {
        match self {
            Calibrator::Identity => "identity",
            Calibrator::Platt { .. } => "platt",
            Calibrator::Isotonic { .. } => "isotonic",
        }
    }

    /// Calibrated probability of one raw score. NaN in gives NaN out. Platt and isotonic
    /// outputs lie in `[PROB_FLOOR, 1 − PROB_FLOOR]`; identity clamps to `[0, 1]`. An
    /// isotonic calibrator with no or inconsistent points (only possible by
    /// deserialisation) behaves as identity.
    pub fn apply(&self, raw: f64) -> f64 {
        if raw.is_nan() {
            return f64::NAN;
        }
        match self {
            Calibrator::Identity => raw.clamp(0.0, 1.0),
            Calibrator::Platt { a, b } => {
                let z = a * platt_feature(raw) + b;
                clamp_prob(1.0 / (1.0 + z.exp()))
            }
            Calibrator::Isotonic { x, y } => {
                let (Some(&x0), Some(&xn)) = (x.first(), x.last()) else {
                    return raw.clamp(0.0, 1.0);
                };
                if x.len() != y.len() {
                    return raw.clamp(0.0, 1.0);
                }
                let r = raw.clamp(x0, xn);
                // Number of points with x <= r; at least 1 after the clamp.
                let i = x.partition_point(|&v| v <= r);
                let p = if i == 0 {
                    y[0]
                } else if i >= x.len() {
                    y[x.len() - 1]
                } else {
                    // x[i-1] <= r < x[i], so the denominator is positive.
                    let t = (r - x[i - 1]) / (x[i] - x[i - 1]);
                    y[i - 1] + t * (y[i] - y[i - 1])
                };
                clamp_prob(p)
            }
        }
    }

    /// [`Calibrator::apply`] over a slice.
    pub fn apply_all(&self, raw: &[f64]) -> Vec<f64> {
        raw.iter().map(|&r| self.apply(r)).collect()
    }

    /// Platt scaling: fits `p = 1 / (1 + exp(a·s + b))` with `s = logit(raw)` (the raw
    /// scores are probabilities, so the logit puts them on the scale on which Platt's
    /// sigmoid is linear; identity is `a = −1, b = 0`). Targets are Platt's smoothed labels
    /// `y₊ = (N₊ + 1)/(N₊ + 2)`, `y₋ = 1/(N₋ + 2)`. Newton's method with a `1e-12` ridge
    /// on the Hessian and backtracking line search, at most [`PLATT_MAX_ITER`] iterations.
    ///
    /// `None` when the lengths differ, a raw score is not finite, either class is empty, or
    /// the fit produced non-finite parameters.
    pub fn fit_platt(raw: &[f64], labels: &[bool]) -> Option<Calibrator> {
        if !fit_input_ok(raw, labels) {
            return None;
        }
        let s: Vec<f64> = raw.iter().map(|&r| platt_feature(r)).collect();
        let n_pos = labels.iter().filter(|&&l| l).count() as f64;
        let n_neg = labels.len() as f64 - n_pos;
        let hi = (n_pos + 1.0) / (n_pos + 2.0);
        let lo = 1.0 / (n_neg + 2.0);
        let t: Vec<f64> = labels.iter().map(|&l| if l { hi } else { lo }).collect();

        // Negative log-likelihood, computed without overflow.
        let objective = |a: f64, b: f64| -> f64 {
            s.iter()
                .zip(&t)
                .map(|(&si, &ti)| {
                    let f = si * a + b;
                    if f >= 0.0 {
                        ti * f + (-f).exp().ln_1p()
                    } else {
                        (ti - 1.0) * f + f.exp().ln_1p()
                    }
                })
                .sum()
        };

        const MIN_STEP: f64 = 1e-10;
        const SIGMA: f64 = 1e-12;
        const EPS: f64 = 1e-5;
        let mut a = 0.0;
        let mut b = ((n_neg + 1.0) / (n_pos + 1.0)).ln();
        let mut fval = objective(a, b);
        for _ in 0..PLATT_MAX_ITER {
            let (mut h11, mut h22, mut h21, mut g1, mut g2) = (SIGMA, SIGMA, 0.0, 0.0, 0.0);
            for (&si, &ti) in s.iter().zip(&t) {
                let f = si * a + b;
                // p = P(positive) = 1 / (1 + e^f), q = 1 − p.
                let (p, q) = if f >= 0.0 {
                    let e = (-f).exp();
                    (e / (1.0 + e), 1.0 / (1.0 + e))
                } else {
                    let e = f.exp();
                    (1.0 / (1.0 + e), e / (1.0 + e))
                };
                let d2 = p * q;
                h11 += si * si * d2;
                h22 += d2;
                h21 += si * d2;
                let d1 = ti - p;
                g1 += si * d1;
                g2 += d1;
            }
            if g1.abs() < EPS && g2.abs() < EPS {
                break;
            }
            let det = h11 * h22 - h21 * h21;
            if !(det.is_finite() && det > 0.0) {
                break;
            }
            let da = -(h22 * g1 - h21 * g2) / det;
            let db = -(-h21 * g1 + h11 * g2) / det;
            let gd = g1 * da + g2 * db;
            let mut step = 1.0;
            let mut improved = false;
            while step >= MIN_STEP {
                let (na, nb) = (a + step * da, b + step * db);
                let nf = objective(na, nb);
                if nf < fval + 1e-4 * step * gd {
                    a = na;
                    b = nb;
                    fval = nf;
                    improved = true;
                    break;
                }
                step /= 2.0;
            }
            if !improved {
                break;
            }
        }
        (a.is_finite() && b.is_finite()).then_some(Calibrator::Platt { a, b })
    }

    /// Isotonic regression by pool-adjacent-violators on `(raw, label)` pairs (equal raw
    /// scores pooled first). Each final block of raw scores `[x_min, x_max]` with mean label
    /// `m` contributes the step points `(x_min, m)` and, if different, `(x_max, m)`; so the
    /// fit is exactly the PAV step function on the data, and between blocks [`Calibrator::apply`]
    /// interpolates linearly. Raw scores outside the data range are clamped to it.
    ///
    /// `None` when the lengths differ, a raw score is not finite, or either class is empty.
    pub fn fit_isotonic(raw: &[f64], labels: &[bool]) -> Option<Calibrator> {
        if !fit_input_ok(raw, labels) {
            return None;
        }
        struct Block {
            sum: f64,
            weight: f64,
            x_min: f64,
            x_max: f64,
        }
        let mut idx: Vec<usize> = (0..raw.len()).collect();
        idx.sort_by(|&i, &j| raw[i].total_cmp(&raw[j]));
        let mut blocks: Vec<Block> = Vec::new();
        for &i in &idx {
            let (x, yv) = (raw[i], if labels[i] { 1.0 } else { 0.0 });
            match blocks.last_mut() {
                Some(last) if last.x_max == x => {
                    last.sum += yv;
                    last.weight += 1.0;
                }
                _ => blocks.push(Block { sum: yv, weight: 1.0, x_min: x, x_max: x }),
            }
            // Pool while the last two blocks violate monotonicity.
            while blocks.len() >= 2 {
                let k = blocks.len();
                let (prev, last) = (&blocks[k - 2], &blocks[k - 1]);
                if prev.sum / prev.weight <= last.sum / last.weight {
                    break;
                }
                if let Some(last) = blocks.pop() {
                    if let Some(prev) = blocks.last_mut() {
                        prev.sum += last.sum;
                        prev.weight += last.weight;
                        prev.x_max = last.x_max;
                    }
                }
            }
        }
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for bl in &blocks {
            let m = bl.sum / bl.weight;
            x.push(bl.x_min);
            y.push(m);
            if bl.x_max > bl.x_min {
                x.push(bl.x_max);
                y.push(m);
            }
        }
        Some(Calibrator::Isotonic { x, y })
    }
}

/// Fits Platt and isotonic calibrators on the fit data and returns, of identity, Platt and
/// isotonic, the one with the lowest Brier score on the validation data (ties go to the
/// simpler: identity, then Platt, then isotonic), with every candidate's validation Brier.
/// Identity is returned when nothing could be evaluated (e.g. empty validation data).
pub fn choose(raw_fit: &[f64], y_fit: &[bool], raw_val: &[f64], y_val: &[bool]) -> (Calibrator, CalibrationReport) {
    let val_brier = |c: &Calibrator| brier(&c.apply_all(raw_val), y_val);
    let identity = Calibrator::Identity;
    let identity_brier = val_brier(&identity);
    let platt = Calibrator::fit_platt(raw_fit, y_fit);
    let platt_brier = platt.as_ref().and_then(val_brier);
    let isotonic = Calibrator::fit_isotonic(raw_fit, y_fit);
    let isotonic_brier = isotonic.as_ref().and_then(val_brier);

    let mut best: (Calibrator, Option<f64>) = (identity, identity_brier);
    for (cand, score) in [(platt, platt_brier), (isotonic, isotonic_brier)] {
        if let (Some(c), Some(s)) = (cand, score) {
            if best.1.is_none_or(|b| s < b) {
                best = (c, Some(s));
            }
        }
    }
    let report = CalibrationReport {
        chosen: best.0.name().to_string(),
        n_fit: y_fit.len(),
        n_val: y_val.len(),
        identity_brier,
        platt_brier,
        isotonic_brier,
    };
    (best.0, report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn sigmoid(z: f64) -> f64 {
        1.0 / (1.0 + (-z).exp())
    }

    /// `n` rows of a true probability `p ~ U(0.02, 0.98)`, its label, and the mis-calibrated
    /// score `p³`.
    fn cubed(seed: u64, n: usize) -> (Vec<f64>, Vec<bool>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut raw = Vec::with_capacity(n);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let p: f64 = rng.random_range(0.02..0.98);
            y.push(rng.random_bool(p));
            raw.push(p * p * p);
        }
        (raw, y)
    }

    #[test]
    fn platt_recovers_known_parameters() {
        let (a_true, b_true) = (-2.0, 0.5);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut raw = Vec::new();
        let mut y = Vec::new();
        for _ in 0..20_000 {
            let s: f64 = rng.random_range(-4.0..4.0);
            let p = 1.0 / (1.0 + (a_true * s + b_true).exp());
            y.push(rng.random_bool(p));
            raw.push(sigmoid(s));
        }
        let Some(Calibrator::Platt { a, b }) = Calibrator::fit_platt(&raw, &y) else {
            panic!("Platt fit failed");
        };
        assert!((a - a_true).abs() < 0.1, "a = {a}");
        assert!((b - b_true).abs() < 0.1, "b = {b}");
    }

    #[test]
    fn platt_on_calibrated_scores_is_near_identity() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let raw: Vec<f64> = (0..20_000).map(|_| rng.random_range(0.01..0.99)).collect();
        let y: Vec<bool> = raw.iter().map(|&p| rng.random_bool(p)).collect();
        let Some(Calibrator::Platt { a, b }) = Calibrator::fit_platt(&raw, &y) else {
            panic!("Platt fit failed");
        };
        assert!((a + 1.0).abs() < 0.1 && b.abs() < 0.1, "a = {a}, b = {b}");
    }

    #[test]
    fn calibration_lowers_brier_on_held_out_data() {
        let (raw_fit, y_fit) = cubed(1, 5_000);
        let (raw_val, y_val) = cubed(2, 5_000);
        let raw_brier = brier(&raw_val, &y_val).unwrap_or(f64::NAN);
        for cal in [Calibrator::fit_platt(&raw_fit, &y_fit), Calibrator::fit_isotonic(&raw_fit, &y_fit)] {
            let Some(cal) = cal else { panic!("fit failed") };
            let b = brier(&cal.apply_all(&raw_val), &y_val).unwrap_or(f64::NAN);
            assert!(b < raw_brier - 0.01, "{}: {b} vs raw {raw_brier}", cal.name());
        }
    }

    #[test]
    fn isotonic_is_monotone_and_reduces_brier() {
        let (raw, y) = cubed(3, 3_000);
        let Some(cal) = Calibrator::fit_isotonic(&raw, &y) else { panic!("fit failed") };
        let Calibrator::Isotonic { x, y: ys } = &cal else { panic!("not isotonic") };
        assert!(x.windows(2).all(|w| w[0] < w[1]));
        assert!(ys.windows(2).all(|w| w[0] <= w[1]));
        let grid: Vec<f64> = (0..=1000).map(|i| i as f64 / 1000.0).collect();
        let out = cal.apply_all(&grid);
        assert!(out.windows(2).all(|w| w[0] <= w[1]));
        assert!(out.iter().all(|&p| (PROB_FLOOR..=1.0 - PROB_FLOOR).contains(&p)));
        let (raw_val, y_val) = cubed(4, 3_000);
        let before = brier(&raw_val, &y_val).unwrap_or(f64::NAN);
        let after = brier(&cal.apply_all(&raw_val), &y_val).unwrap_or(f64::NAN);
        assert!(after < before, "{after} vs {before}");
    }

    #[test]
    fn isotonic_pools_violators_and_interpolates() {
        // Sorted: 0.1→0, 0.2→1, 0.3→0, 0.4→1, 0.4→1. PAV pools 0.2 and 0.3 into mean 0.5.
        let raw = [0.3, 0.1, 0.2, 0.4, 0.4];
        let y = [false, false, true, true, true];
        let cal = Calibrator::fit_isotonic(&raw, &y);
        assert_eq!(cal, Some(Calibrator::Isotonic { x: vec![0.1, 0.2, 0.3, 0.4], y: vec![0.0, 0.5, 0.5, 1.0] }));
        let Some(cal) = cal else { return };
        assert!((cal.apply(0.25) - 0.5).abs() < 1e-12);
        assert!((cal.apply(0.15) - 0.25).abs() < 1e-12);
        assert!((cal.apply(0.35) - 0.75).abs() < 1e-12);
        // Clamped to [x0, xn] and to [PROB_FLOOR, 1 − PROB_FLOOR].
        assert_eq!(cal.apply(0.0), PROB_FLOOR);
        assert_eq!(cal.apply(0.9), 1.0 - PROB_FLOOR);
        assert!(cal.apply(f64::NAN).is_nan());
    }

    #[test]
    fn choose_picks_lowest_validation_brier() {
        let (raw_fit, y_fit) = cubed(5, 4_000);
        let (raw_val, y_val) = cubed(6, 4_000);
        let (cal, report) = choose(&raw_fit, &y_fit, &raw_val, &y_val);
        let briers = [report.identity_brier, report.platt_brier, report.isotonic_brier];
        assert!(briers.iter().all(Option::is_some), "{report:?}");
        let best = briers.iter().flatten().fold(f64::INFINITY, |m, &b| m.min(b));
        assert_eq!(brier(&cal.apply_all(&raw_val), &y_val), Some(best));
        assert_ne!(report.chosen, "identity");
        assert_eq!(report.chosen, cal.name());
        assert_eq!((report.n_fit, report.n_val), (4_000, 4_000));

        // Already calibrated scores with few rows: nothing to gain is fine, but Identity
        // must be what comes back when fitting is impossible.
        let (cal, report) = choose(&[0.2, 0.3], &[true, true], &[0.2, 0.8], &[false, true]);
        assert_eq!(cal, Calibrator::Identity);
        assert_eq!((report.platt_brier, report.isotonic_brier), (None, None));
        assert!(report.identity_brier.is_some());
    }

    #[test]
    fn calibrator_serde_is_tagged() {
        let c = Calibrator::Platt { a: -1.5, b: 0.25 };
        let json = serde_json::to_string(&c).unwrap_or_default();
        assert_eq!(json, r#"{"method":"platt","a":"-1.5","b":"0.25"}"#);
        assert_eq!(serde_json::from_str::<Calibrator>(&json).ok(), Some(c));
        let json = serde_json::to_string(&Calibrator::Identity).unwrap_or_default();
        assert_eq!(json, r#"{"method":"identity"}"#);
        let iso = Calibrator::Isotonic { x: vec![0.1, 0.5], y: vec![0.2, 0.4] };
        let json = serde_json::to_string(&iso).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Calibrator>(&json).ok(), Some(iso));
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert_eq!(Calibrator::fit_platt(&[], &[]), None);
        assert_eq!(Calibrator::fit_isotonic(&[], &[]), None);
        assert_eq!(Calibrator::fit_platt(&[0.1, 0.2], &[true, true]), None);
        assert_eq!(Calibrator::fit_isotonic(&[0.1, 0.2], &[false, false]), None);
        assert_eq!(Calibrator::fit_platt(&[f64::NAN, 0.2], &[true, false]), None);
        assert_eq!(Calibrator::fit_isotonic(&[0.1], &[true, false]), None);
        // All raw scores equal: a flat but valid fit.
        let Some(platt) = Calibrator::fit_platt(&[0.3; 4], &[true, false, false, false]) else {
            panic!("flat Platt fit failed");
        };
        assert!(platt.apply(0.3).is_finite());
        // Perfectly separable data: bounded iterations, finite parameters.
        let Some(platt) = Calibrator::fit_platt(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]) else {
            panic!("separable Platt fit failed");
        };
        assert!(platt.apply(0.9) > 0.5 && platt.apply(0.1) < 0.5);
        // Empty or broken isotonic points behave as identity.
        assert_eq!(Calibrator::Isotonic { x: vec![], y: vec![] }.apply(0.3), 0.3);
        assert_eq!(Calibrator::Isotonic { x: vec![0.1], y: vec![] }.apply(0.3), 0.3);
        assert_eq!(Calibrator::Isotonic { x: vec![0.1], y: vec![0.7] }.apply(0.3), 0.7);
        let (cal, report) = choose(&[], &[], &[], &[]);
        assert_eq!((cal, report.identity_brier), (Calibrator::Identity, None));
    }
}
