//! Evaluation metrics for binary risk scores: ROC AUC, PR AUC (average precision), Brier
//! score, log loss, the ROC curve, reliability tables / expected calibration error and the
//! confusion matrix at an operating threshold.
//!
//! Scores are the predicted probability of the positive class, labels are `bool`
//! (`true` = positive). Everything is plain `f64` slices in, plain values out.
//!
//! Hand-written rather than taken from `linfa`: linfa's `ConfusionMatrix`/`ReceiverOperatingCharacteristic`
//! need its own `Array`/`Pr` types and label sets, and it has no average precision,
//! reliability table or tie-aware (average-rank) AUC. The functions are short and tested
//! against hand-computed and scikit-learn values.
//!
//! Degenerate input never panics. Length mismatches, empty inputs, non-finite scores
//! (NaN, ±∞) and, where a metric needs both classes, single-class labels give `None`
//! (or an empty `Vec` for the curve/table functions).

use serde::{Deserialize, Serialize};

/// Probabilities are clipped to `[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]` in [`log_loss`]
/// (scikit-learn's historical default).
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// True when the slices have equal length and every score is finite.
fn valid_scores(scores: &[f64], labels: &[bool]) -> bool {
    scores.len() == labels.len() && scores.iter().all(|s| s.is_finite())
}

/// True when the slices are non-empty, of equal length, and every probability is a finite
/// number in `[0, 1]`.
fn valid_probs(probs: &[f64], labels: &[bool]) -> bool {
    !probs.is_empty() && probs.len() == labels.len() && probs.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p))
}

fn count_positives(labels: &[bool]) -> usize {
    labels.iter().filter(|&&l| l).count()
}

/// Cumulative (true positives, false positives) after each distinct threshold, scores
/// visited from highest to lowest. One entry per distinct score. Scores must be finite.
fn cumulative_by_threshold(scores: &[f64], labels: &[bool]) -> Vec<(usize, usize)> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut out = Vec::new();
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < idx.len() {
        let s = scores[idx[i]];
        while i < idx.len() && scores[idx[i]] == s {
            if labels[idx[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        out.push((tp, fp));
    }
    out
}

/// Area under the ROC curve by the Mann–Whitney U statistic, ties given average ranks
/// (so a tie between a positive and a negative counts one half).
///
/// `None` when the lengths differ, a score is not finite, or either class is empty.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    if !valid_scores(scores, labels) {
        return None;
    }
    let n_pos = count_positives(labels);
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        // 1-based ranks i+1 ..= j+1 share their average.
        let avg_rank = (i + j + 2) as f64 / 2.0;
        let pos_in_tie = idx[i..=j].iter().filter(|&&k| labels[k]).count();
        rank_sum_pos += avg_rank * pos_in_tie as f64;
        i = j + 1;
    }
    let u = rank_sum_pos - (n_pos as f64) * (n_pos as f64 + 1.0) / 2.0;
    Some(u / (n_pos as f64 * n_neg as f64))
}

/// Area under the precision–recall curve as average precision (scikit-learn's
/// `average_precision_score`): `Σₙ (Rₙ − Rₙ₋₁) Pₙ` over the distinct thresholds from the
/// highest score down, with `R₀ = 0` (no interpolation).
///
/// `None` when the lengths differ, a score is not finite, or there is no positive. With no
/// negative it is 1.
pub fn pr_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    if !valid_scores(scores, labels) {
        return None;
    }
    let n_pos = count_positives(labels);
    if n_pos == 0 {
        return None;
    }
    let mut ap = 0.0;
    let mut prev_recall = 0.0;
    for (tp, fp) in cumulative_by_threshold(scores, labels) {
        let recall = tp as f64 / n_pos as f64;
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (recall - prev_recall) * precision;
        prev_recall = recall;
    }
    Some(ap)
}

/// Brier score: mean of `(p − y)²`.
///
/// `None` when empty, the lengths differ, or a probability is not a finite number in `[0, 1]`.
pub fn brier(probs: &[f64], labels: &[bool]) -> Option<f64> {
    if !valid_probs(probs, labels) {
        return None;
    }
    let sum: f64 = probs
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let d = p - if y { 1.0 } else { 0.0 };
            d * d
        })
        .sum();
    Some(sum / probs.len() as f64)
}

/// Mean negative log-likelihood `−(y ln p + (1 − y) ln(1 − p))`, natural log, with `p`
/// clipped to `[LOG_LOSS_EPS, 1 − LOG_LOSS_EPS]` so a confident mistake costs ≈ 34.5
/// rather than infinity.
///
/// `None` when empty, the lengths differ, or a probability is not a finite number in `[0, 1]`.
pub fn log_loss(probs: &[f64], labels: &[bool]) -> Option<f64> {
    if !valid_probs(probs, labels) {
        return None;
    }
    let sum: f64 = probs
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
            if y {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    Some(sum / probs.len() as f64)
}

/// ROC curve as `(fpr, tpr)` points: `(0, 0)`, then one point per distinct score from the
/// highest down (everything with score ≥ that score flagged), ending at `(1, 1)`. Both
/// coordinates are non-decreasing; a tie between positives and negatives gives a diagonal
/// segment. Intermediate collinear points are kept.
///
/// Empty when the lengths differ, a score is not finite, or either class is empty.
pub fn roc_curve(scores: &[f64], labels: &[bool]) -> Vec<(f64, f64)> {
    if !valid_scores(scores, labels) {
        return Vec::new();
    }
    let n_pos = count_positives(labels);
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Vec::new();
    }
    let mut curve = vec![(0.0, 0.0)];
    for (tp, fp) in cumulative_by_threshold(scores, labels) {
        curve.push((fp as f64 / n_neg as f64, tp as f64 / n_pos as f64));
    }
    curve
}

/// One bin of a reliability (calibration) table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge of the bin (inclusive).
    pub lo: f64,
    /// Upper edge (exclusive, except the last bin, which includes 1).
    pub hi: f64,
    /// Number of predictions in the bin (always > 0: empty bins are omitted).
    pub n: usize,
    /// Mean predicted probability in the bin.
    pub mean_predicted: f64,
    /// Share of positives in the bin.
    pub observed_rate: f64,
}

/// Reliability table over `bins` equal-width bins on `[0, 1]`; bin `k` holds
/// `k/bins ≤ p < (k+1)/bins`, the last bin also `p = 1`. Empty bins are omitted.
///
/// Empty when `bins == 0`, the input is empty, the lengths differ, or a probability is not a
/// finite number in `[0, 1]`.
pub fn reliability_table(probs: &[f64], labels: &[bool], bins: usize) -> Vec<ReliabilityBin> {
    if bins == 0 || !valid_probs(probs, labels) {
        return Vec::new();
    }
    // (n, sum of p, positives) per bin.
    let mut acc = vec![(0usize, 0.0f64, 0usize); bins];
    for (&p, &y) in probs.iter().zip(labels) {
        let k = ((p * bins as f64).floor() as usize).min(bins - 1);
        acc[k].0 += 1;
        acc[k].1 += p;
        acc[k].2 += usize::from(y);
    }
    acc.iter()
        .enumerate()
        .filter(|(_, a)| a.0 > 0)
        .map(|(k, &(n, sum_p, pos))| ReliabilityBin {
            lo: k as f64 / bins as f64,
            hi: (k + 1) as f64 / bins as f64,
            n,
            mean_predicted: sum_p / n as f64,
            observed_rate: pos as f64 / n as f64,
        })
        .collect()
}

/// Expected calibration error over [`reliability_table`]'s bins:
/// `Σ_b (n_b / N) · |mean_predicted_b − observed_rate_b|`.
///
/// `None` when the table is empty (see [`reliability_table`]).
pub fn expected_calibration_error(probs: &[f64], labels: &[bool], bins: usize) -> Option<f64> {
    let table = reliability_table(probs, labels, bins);
    let total: usize = table.iter().map(|b| b.n).sum();
    if total == 0 {
        return None;
    }
    Some(table.iter().map(|b| b.n as f64 / total as f64 * (b.mean_predicted - b.observed_rate).abs()).sum())
}

/// Confusion matrix at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// Flagged positives.
    pub tp: usize,
    /// Flagged negatives.
    pub fp: usize,
    /// Unflagged negatives.
    pub tn: usize,
    /// Unflagged positives.
    pub fn_: usize,
    /// `tp / (tp + fn)`; `None` without positives.
    pub tpr: Option<f64>,
    /// `fp / (fp + tn)`; `None` without negatives.
    pub fpr: Option<f64>,
    /// `tp / (tp + fp)`; `None` when nothing is flagged.
    pub precision: Option<f64>,
}

impl Confusion {
    /// Builds the matrix and its rates from the four counts.
    pub fn from_counts(tp: usize, fp: usize, tn: usize, fn_: usize) -> Confusion {
        let ratio = |num: usize, den: usize| (den > 0).then(|| num as f64 / den as f64);
        Confusion { tp, fp, tn, fn_, tpr: ratio(tp, tp + fn_), fpr: ratio(fp, fp + tn), precision: ratio(tp, tp + fp) }
    }

    /// Share flagged, `(tp + fp) / n`; `None` when empty.
    pub fn selection_rate(&self) -> Option<f64> {
        let n = self.tp + self.fp + self.tn + self.fn_;
        (n > 0).then(|| (self.tp + self.fp) as f64 / n as f64)
    }
}

/// Confusion matrix with `score >= threshold` flagged as positive.
///
/// Only the first `min(scores.len(), labels.len())` pairs are used. A NaN score is never
/// flagged (the comparison is false); the rates are `None` when undefined.
pub fn confusion_at(scores: &[f64], labels: &[bool], threshold: f64) -> Confusion {
    let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
    for (&s, &y) in scores.iter().zip(labels) {
        match (s >= threshold, y) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    Confusion::from_counts(tp, fp, tn, fn_)
}

/// Threshold-free summary of predicted probabilities against labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinaryMetrics {
    /// Number of labels.
    pub n: usize,
    /// Number of positive labels.
    pub positives: usize,
    /// ROC AUC ([`roc_auc`]).
    pub auc: Option<f64>,
    /// Average precision ([`pr_auc`]).
    pub pr_auc: Option<f64>,
    /// Brier score ([`brier`]).
    pub brier: Option<f64>,
    /// Log loss ([`log_loss`]).
    pub log_loss: Option<f64>,
    /// `positives / n`; `None` when empty.
    pub base_rate: Option<f64>,
}

impl BinaryMetrics {
    /// Computes every metric; each is `None` when its function says so (for instance all
    /// of them when the lengths differ).
    pub fn compute(probs: &[f64], labels: &[bool]) -> BinaryMetrics {
        let n = labels.len();
        let positives = count_positives(labels);
        BinaryMetrics {
            n,
            positives,
            auc: roc_auc(probs, labels),
            pr_auc: pr_auc(probs, labels),
            brier: brier(probs, labels),
            log_loss: log_loss(probs, labels),
            base_rate: (n > 0).then(|| positives as f64 / n as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn auc_perfect_inverted_tied() {
        let y = [false, false, true, true];
        assert_eq!(roc_auc(&[0.1, 0.2, 0.8, 0.9], &y), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.8, 0.2, 0.1], &y), Some(0.0));
        assert_eq!(roc_auc(&[0.5; 4], &y), Some(0.5));
    }

    #[test]
    fn auc_hand_computed() {
        // Pairs (pos, neg): pos 0.35 beats neg 0.1, loses to 0.4; pos 0.8 beats both → 3/4.
        let y = [false, false, true, true];
        assert!(close(roc_auc(&[0.1, 0.4, 0.35, 0.8], &y).unwrap_or(f64::NAN), 0.75));
        // With a tie: pos 0.4 ties neg 0.4 (½), beats 0.1 (1); pos 0.8 beats both (2) → 3.5/4.
        assert!(close(roc_auc(&[0.1, 0.4, 0.4, 0.8], &y).unwrap_or(f64::NAN), 0.875));
        // 3 pos, 2 neg: pos {0.9, 0.3, 0.6}, neg {0.5, 0.7}: wins 2 + 0 + 1 = 3 of 6.
        let y = [true, false, true, true, false];
        assert!(close(roc_auc(&[0.9, 0.5, 0.3, 0.6, 0.7], &y).unwrap_or(f64::NAN), 0.5));
    }

    #[test]
    fn pr_auc_matches_sklearn() {
        // sklearn.metrics.average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333…
        let ap = pr_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]).unwrap_or(f64::NAN);
        assert!(close(ap, 5.0 / 6.0), "{ap}");
        // Tied scores form one threshold: all tied → AP = base rate.
        let ap = pr_auc(&[0.3; 4], &[true, false, false, false]).unwrap_or(f64::NAN);
        assert!(close(ap, 0.25));
        // average_precision_score([1,0,1,0,1], [0.9,0.8,0.7,0.6,0.6]) = (1 + 2/3 + 3/5)/3 = 0.7555…
        let ap = pr_auc(&[0.9, 0.8, 0.7, 0.6, 0.6], &[true, false, true, false, true]).unwrap_or(f64::NAN);
        assert!(close(ap, (1.0 + 2.0 / 3.0 + 0.6) / 3.0), "{ap}");
    }

    #[test]
    fn brier_and_log_loss() {
        let y = [true, false, true, false];
        let p = [0.9, 0.2, 0.6, 0.5];
        // (0.01 + 0.04 + 0.16 + 0.25) / 4
        assert!(close(brier(&p, &y).unwrap_or(f64::NAN), 0.115));
        let expected = -(0.9f64.ln() + 0.8f64.ln() + 0.6f64.ln() + 0.5f64.ln()) / 4.0;
        assert!(close(log_loss(&p, &y).unwrap_or(f64::NAN), expected));
        // Confident mistakes are clipped, not infinite.
        let ll = log_loss(&[0.0, 1.0], &[true, false]).unwrap_or(f64::NAN);
        assert!(ll.is_finite() && ll > 30.0);
    }

    #[test]
    fn roc_curve_points() {
        let curve = roc_curve(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]);
        assert_eq!(curve, vec![(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)]);
        // Ties collapse into one point.
        assert_eq!(roc_curve(&[0.5; 4], &[false, true, false, true]), vec![(0.0, 0.0), (1.0, 1.0)]);
    }

    #[test]
    fn reliability_bins_and_ece() {
        let p = [0.05, 0.15, 0.12, 0.95, 1.0, 0.5];
        let y = [false, false, true, true, true, false];
        let table = reliability_table(&p, &y, 10);
        assert_eq!(table.len(), 4, "{table:?}");
        assert_eq!(table[0], ReliabilityBin { lo: 0.0, hi: 0.1, n: 1, mean_predicted: 0.05, observed_rate: 0.0 });
        assert_eq!((table[1].lo, table[1].hi, table[1].n), (0.1, 0.2, 2));
        assert!(close(table[1].mean_predicted, 0.135) && close(table[1].observed_rate, 0.5));
        assert_eq!((table[2].lo, table[2].n), (0.5, 1));
        // 1.0 falls in the last bin.
        assert_eq!((table[3].lo, table[3].hi, table[3].n), (0.9, 1.0, 2));
        assert!(close(table[3].mean_predicted, 0.975) && close(table[3].observed_rate, 1.0));
        let ece = expected_calibration_error(&p, &y, 10).unwrap_or(f64::NAN);
        let expected = (0.05 + 2.0 * (0.5 - 0.135) + 0.5 + 2.0 * 0.025) / 6.0;
        assert!(close(ece, expected), "{ece} vs {expected}");
    }

    #[test]
    fn confusion_counts_and_rates() {
        let c = confusion_at(&[0.9, 0.5, 0.4, 0.1], &[true, false, true, false], 0.5);
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (1, 1, 1, 1));
        assert_eq!((c.tpr, c.fpr, c.precision), (Some(0.5), Some(0.5), Some(0.5)));
        assert_eq!(c.selection_rate(), Some(0.5));
        let c = confusion_at(&[0.1, 0.2], &[false, false], 0.5);
        assert_eq!((c.tpr, c.fpr, c.precision), (None, Some(0.0), None));
    }

    #[test]
    fn binary_metrics_compute() {
        let m = BinaryMetrics::compute(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]);
        assert_eq!((m.n, m.positives, m.base_rate), (4, 2, Some(0.5)));
        assert_eq!(m.auc, Some(0.75));
        assert!(m.pr_auc.is_some() && m.brier.is_some() && m.log_loss.is_some());
        let json = serde_json::to_string(&m).unwrap_or_default();
        let back: Option<BinaryMetrics> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(m));
    }

    #[test]
    fn degenerate_inputs_return_none() {
        let none: [f64; 0] = [];
        assert_eq!(roc_auc(&none, &[]), None);
        assert_eq!(pr_auc(&none, &[]), None);
        assert_eq!(brier(&none, &[]), None);
        assert_eq!(log_loss(&none, &[]), None);
        assert_eq!(expected_calibration_error(&none, &[], 10), None);
        assert!(roc_curve(&none, &[]).is_empty() && reliability_table(&none, &[], 10).is_empty());
        // Single class.
        assert_eq!(roc_auc(&[0.2, 0.3], &[true, true]), None);
        assert_eq!(roc_auc(&[0.2, 0.3], &[false, false]), None);
        assert_eq!(pr_auc(&[0.2, 0.3], &[false, false]), None);
        assert_eq!(pr_auc(&[0.2, 0.3], &[true, true]), Some(1.0));
        assert!(roc_curve(&[0.2, 0.3], &[true, true]).is_empty());
        // NaN / infinite / out-of-range.
        assert_eq!(roc_auc(&[f64::NAN, 0.3], &[true, false]), None);
        assert_eq!(pr_auc(&[f64::INFINITY, 0.3], &[true, false]), None);
        assert_eq!(brier(&[f64::NAN, 0.3], &[true, false]), None);
        assert_eq!(log_loss(&[1.5, 0.3], &[true, false]), None);
        assert!(reliability_table(&[f64::NAN], &[true], 10).is_empty());
        assert!(reliability_table(&[0.5], &[true], 0).is_empty());
        // Length mismatch.
        assert_eq!(roc_auc(&[0.2, 0.3, 0.4], &[true, false]), None);
        assert_eq!(brier(&[0.2], &[true, false]), None);
        let m = BinaryMetrics::compute(&[], &[]);
        assert_eq!((m.n, m.auc, m.base_rate), (0, None, None));
        let c = confusion_at(&[f64::NAN], &[true], 0.5);
        assert_eq!((c.fn_, c.tpr, c.precision), (1, Some(0.0), None));
    }
}
