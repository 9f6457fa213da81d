//! Fairness report of risk scores per protected attribute (gender, college, origin, …).
//!
//! Computed for reporting only: the protected attributes are never model inputs. For each
//! group of one attribute the report gives the error rates at the operating threshold, the
//! ratio of the group's TPR and FPR to the reference group's (the largest group), flagged
//! outside `[0.8, 1.25]` (the "four-fifths" band and its inverse), and ABROCA — the absolute
//! area between the group's ROC curve and the reference group's (Gardner, Brooks & Baker,
//! "Evaluating the Fairness of Predictive Student Models Through Slicing Analysis",
//! LAK 2019).
//!
//! Hand-written: linfa has no group metrics or ABROCA; everything builds on
//! [`super::metrics`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::metrics::{confusion_at, roc_auc, roc_curve};

/// Groups with fewer students than this are reported but never flagged (the default of
/// `min_group`).
pub const DEFAULT_MIN_GROUP: usize = 30;

/// Lower edge of the acceptable TPR / FPR ratio.
pub const RATIO_LO: f64 = 0.8;

/// Upper edge of the acceptable TPR / FPR ratio.
pub const RATIO_HI: f64 = 1.25;

/// Slack on the ratio band so that a ratio of exactly 0.8 or 1.25 that came out of floating
/// point one ulp outside is not flagged.
const RATIO_SLACK: f64 = 1e-9;

/// One group of the attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    /// Group label.
    pub group: String,
    /// Students in the group.
    pub n: usize,
    /// Positive labels in the group.
    pub positives: usize,
    /// True positive rate at the threshold; `None` without positives.
    pub tpr: Option<f64>,
    /// False positive rate at the threshold; `None` without negatives.
    pub fpr: Option<f64>,
    /// Share of the group flagged at the threshold.
    pub selection_rate: Option<f64>,
    /// ROC AUC within the group; `None` unless both classes occur.
    pub auc: Option<f64>,
    /// `tpr / tpr(reference)`; `None` when either is undefined or the reference's is 0.
    pub tpr_ratio: Option<f64>,
    /// `fpr / fpr(reference)`; `None` when either is undefined or the reference's is 0.
    pub fpr_ratio: Option<f64>,
    /// ABROCA against the reference group (0 for the reference itself); `None` unless both
    /// groups have both classes.
    pub abroca: Option<f64>,
    /// Fewer than `min_group` students: reported, never flagged.
    pub below_min_group: bool,
}

/// Fairness report for one protected attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessReport {
    /// Attribute name, e.g. `college`.
    pub attribute: String,
    /// Operating threshold (score ≥ threshold is flagged).
    pub threshold: f64,
    /// The reference group: the largest (ties: the first by name).
    pub reference: String,
    /// Every group with a known label; the reference first, then by size (descending) and name.
    pub groups: Vec<GroupRow>,
    /// Human-readable disparity lines, e.g. `college=CS: TPR ratio 0.71 outside [0.8, 1.25]`.
    pub flags: Vec<String>,
}

/// Value at `f` of the piecewise-linear curve through `curve` (points with non-decreasing
/// x and y). At a vertical segment (several points with x = `f`) the right limit is the
/// highest point and the left limit the lowest.
fn curve_at(curve: &[(f64, f64)], f: f64, right_limit: bool) -> f64 {
    let (Some(first), Some(last)) = (curve.first(), curve.last()) else {
        return 0.0;
    };
    if f < first.0 {
        return first.1;
    }
    if f > last.0 {
        return last.1;
    }
    // Indexing is guarded with `get` so that a curve that is not monotone (only possible
    // through the public `area_between_roc_curves`) gives a wrong number, not a panic.
    let lerp = |(x0, y0): (f64, f64), (x1, y1): (f64, f64)| {
        if x1 > x0 {
            y0 + (f - x0) / (x1 - x0) * (y1 - y0)
        } else {
            y0
        }
    };
    if right_limit {
        // Last point with x <= f (exists: f >= first.0).
        let i = curve.partition_point(|p| p.0 <= f).saturating_sub(1);
        let Some(&p0) = curve.get(i) else { return last.1 };
        match curve.get(i + 1) {
            Some(&p1) if p0.0 != f => lerp(p0, p1),
            _ => p0.1,
        }
    } else {
        // First point with x >= f (exists: f <= last.0).
        let i = curve.partition_point(|p| p.0 < f);
        let Some(&p1) = curve.get(i) else { return last.1 };
        match i.checked_sub(1).and_then(|j| curve.get(j)) {
            Some(&p0) if p1.0 != f => lerp(p0, p1),
            _ => p1.1,
        }
    }
}

/// `∫₀¹ |TPR_a(f) − TPR_b(f)| df` for two ROC curves from [`roc_curve`], each linearly
/// interpolated between its points. Computed exactly: on each interval of the union of
/// both curves' FPR points the difference is linear, so its absolute integral is closed
/// form (including a sign change inside the interval).
pub fn area_between_roc_curves(a: &[(f64, f64)], b: &[(f64, f64)]) -> f64 {
    let mut grid: Vec<f64> = a.iter().chain(b).map(|p| p.0).collect();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    let mut area = 0.0;
    for w in grid.windows(2) {
        let (f0, f1) = (w[0], w[1]);
        let d0 = curve_at(a, f0, true) - curve_at(b, f0, true);
        let d1 = curve_at(a, f1, false) - curve_at(b, f1, false);
        let width = f1 - f0;
        area += if d0 * d1 >= 0.0 {
            width * (d0.abs() + d1.abs()) / 2.0
        } else {
            width * (d0 * d0 + d1 * d1) / (2.0 * (d0.abs() + d1.abs()))
        };
    }
    area
}

/// ABROCA of two groups: the area between their ROC curves, linearly interpolated (as in
/// the paper, which interpolates linearly on a fine grid; here the integral is exact).
/// `None` when either group lacks a class or has invalid input (see [`roc_curve`]).
pub fn abroca(scores_a: &[f64], labels_a: &[bool], scores_b: &[f64], labels_b: &[bool]) -> Option<f64> {
    let a = roc_curve(scores_a, labels_a);
    let b = roc_curve(scores_b, labels_b);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    Some(area_between_roc_curves(&a, &b))
}

fn ratio(num: Option<f64>, den: Option<f64>) -> Option<f64> {
    match (num, den) {
        (Some(n), Some(d)) if d > 0.0 => Some(n / d),
        _ => None,
    }
}

/// Fairness report of `scores` (flagged when `score >= threshold`) against `labels` over
/// the groups in `groups` (one label per student; `None` = unknown, left out).
///
/// The reference group is the largest. A TPR or FPR ratio outside `[0.8, 1.25]` is flagged
/// for groups with at least `min_group` students (and a reference group that has at least
/// `min_group` too); a group whose rate is positive while the reference's is 0 is flagged
/// as an infinite ratio.
///
/// `None` when the lengths differ, a score or the threshold is not finite, or no student
/// has a known group.
pub fn fairness_report(
    attribute: &str,
    scores: &[f64],
    labels: &[bool],
    groups: &[Option<String>],
    threshold: f64,
    min_group: usize,
) -> Option<FairnessReport> {
    if scores.len() != labels.len()
        || scores.len() != groups.len()
        || !threshold.is_finite()
        || !scores.iter().all(|s| s.is_finite())
    {
        return None;
    }
    let mut members: BTreeMap<&str, (Vec<f64>, Vec<bool>)> = BTreeMap::new();
    for ((&s, &y), g) in scores.iter().zip(labels).zip(groups) {
        if let Some(g) = g {
            let entry = members.entry(g.as_str()).or_default();
            entry.0.push(s);
            entry.1.push(y);
        }
    }
    // Largest first, then by name (BTreeMap order, kept by the stable sort).
    let mut ordered: Vec<(&str, (Vec<f64>, Vec<bool>))> = members.into_iter().collect();
    ordered.sort_by(|a, b| b.1 .1.len().cmp(&a.1 .1.len()));
    let (reference, (ref_scores, ref_labels)) = ordered.first()?;
    let reference = reference.to_string();
    let ref_conf = confusion_at(ref_scores, ref_labels, threshold);
    let ref_curve = roc_curve(ref_scores, ref_labels);
    let ref_small = ref_labels.len() < min_group;

    let mut rows = Vec::with_capacity(ordered.len());
    let mut flags = Vec::new();
    for (name, (s, y)) in &ordered {
        let conf = confusion_at(s, y, threshold);
        let curve = roc_curve(s, y);
        let abroca = (!curve.is_empty() && !ref_curve.is_empty()).then(|| area_between_roc_curves(&curve, &ref_curve));
        let row = GroupRow {
            group: name.to_string(),
            n: y.len(),
            positives: y.iter().filter(|&&l| l).count(),
            tpr: conf.tpr,
            fpr: conf.fpr,
            selection_rate: conf.selection_rate(),
            auc: roc_auc(s, y),
            tpr_ratio: ratio(conf.tpr, ref_conf.tpr),
            fpr_ratio: ratio(conf.fpr, ref_conf.fpr),
            abroca,
            below_min_group: y.len() < min_group,
        };
        if !row.below_min_group && !ref_small {
            for (rate_name, rate_ratio, rate, ref_rate) in
                [("TPR", row.tpr_ratio, row.tpr, ref_conf.tpr), ("FPR", row.fpr_ratio, row.fpr, ref_conf.fpr)]
            {
                match (rate_ratio, rate, ref_rate) {
                    (Some(r), _, _) if r < RATIO_LO - RATIO_SLACK || r > RATIO_HI + RATIO_SLACK => flags
                        .push(format!("{attribute}={name}: {rate_name} ratio {r:.2} outside [{RATIO_LO}, {RATIO_HI}]")),
                    (None, Some(g), Some(r)) if r == 0.0 && g > 0.0 => flags.push(format!(
                        "{attribute}={name}: {rate_name} ratio inf outside [{RATIO_LO}, {RATIO_HI}] \
                         ({rate_name} {g:.2}, reference {attribute}={reference} has 0)"
                    )),
                    _ => {}
                }
            }
        }
        rows.push(row);
    }
    Some(FairnessReport { attribute: attribute.to_string(), threshold, reference, groups: rows, flags })
}

/// The score at which the top `alert_share` of students is flagged: the `k`-th highest
/// finite score with `k = ⌈alert_share · n⌉`, so `score >= threshold` flags at least `k`
/// students (more when scores tie at the threshold).
///
/// `labels` is only checked to have the same length as `scores` (so the evaluation set can
/// be passed unchanged). Returns `f64::INFINITY` (nobody flagged) when the lengths differ,
/// there is no finite score, or `alert_share` is not positive or NaN; `alert_share ≥ 1`
/// gives the lowest score (everybody flagged). Non-finite scores are ignored.
pub fn operating_threshold(scores: &[f64], labels: &[bool], alert_share: f64) -> f64 {
    if scores.len() != labels.len() || alert_share.is_nan() || alert_share <= 0.0 {
        return f64::INFINITY;
    }
    let mut finite: Vec<f64> = scores.iter().copied().filter(|s| s.is_finite()).collect();
    if finite.is_empty() {
        return f64::INFINITY;
    }
    finite.sort_by(|a, b| b.total_cmp(a));
    let n = finite.len();
    // Subtract a little so 0.1 · 30 = 3.0000000000000004 rounds up to 3, not 4.
    let k = ((alert_share.min(1.0) * n as f64 - 1e-9).ceil() as usize).clamp(1, n);
    finite[k - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn groups_of(names: &[&str]) -> Vec<Option<String>> {
        names.iter().map(|n| Some(n.to_string())).collect()
    }

    #[test]
    fn abroca_zero_for_identical_groups() {
        let s = [0.9, 0.3, 0.6, 0.2, 0.7, 0.4];
        let y = [true, false, true, false, false, true];
        assert_eq!(abroca(&s, &y, &s, &y), Some(0.0));
        // Identical ROC curves from different scores (same ranking) are also 0.
        let s2: Vec<f64> = s.iter().map(|v| v / 2.0).collect();
        assert_eq!(abroca(&s, &y, &s2, &y), Some(0.0));
    }

    #[test]
    fn abroca_hand_computed() {
        // A: all tied → ROC is the diagonal (0,0)–(1,1).
        let sa = [0.5; 6];
        let ya = [true, true, true, false, false, false];
        // B: neg 0.9, pos 0.8, pos 0.7, neg 0.3 → (0,0) (.5,0) (.5,.5) (.5,1) (1,1).
        // |f − 0| over [0, .5] is 0.125, |f − 1| over [.5, 1] is 0.125 → 0.25, while both
        // AUCs are 0.5.
        let sb = [0.9, 0.8, 0.7, 0.3];
        let yb = [false, true, true, false];
        let v = abroca(&sa, &ya, &sb, &yb).unwrap_or(f64::NAN);
        assert!(close(v, 0.25), "{v}");
        assert_eq!(roc_auc(&sb, &yb), Some(0.5));
        // C: pos 0.9, neg 0.5, pos 0.1 → (0,0) (0,.5) (1,.5) (1,1); the difference to the
        // diagonal, 0.5 − f, changes sign at f = 0.5: 0.125 + 0.125.
        let v = abroca(&sa, &ya, &[0.9, 0.5, 0.1], &[true, false, true]).unwrap_or(f64::NAN);
        assert!(close(v, 0.25), "{v}");
        // Perfect against inverted: the whole unit square.
        let v = abroca(&[0.1, 0.9], &[false, true], &[0.9, 0.1], &[false, true]).unwrap_or(f64::NAN);
        assert!(close(v, 1.0), "{v}");
        // Symmetric.
        assert_eq!(abroca(&sb, &yb, &sa, &ya), abroca(&sa, &ya, &sb, &yb));
    }

    #[test]
    fn report_reference_rates_and_abroca() {
        // Group A (largest, 6): the diagonal case above; B (4).
        let mut scores = vec![0.5; 6];
        let mut labels = vec![true, true, true, false, false, false];
        let mut names = vec!["A"; 6];
        scores.extend([0.9, 0.8, 0.7, 0.3]);
        labels.extend([false, true, true, false]);
        names.extend(["B"; 4]);
        let mut groups = groups_of(&names);
        groups.push(None);
        scores.push(0.99);
        labels.push(true);
        let Some(r) = fairness_report("gender", &scores, &labels, &groups, 0.75, 1) else { panic!("no report") };
        assert_eq!(r.reference, "A");
        assert_eq!(r.groups.len(), 2);
        let (a, b) = (&r.groups[0], &r.groups[1]);
        assert_eq!((a.group.as_str(), a.n, a.positives), ("A", 6, 3));
        assert_eq!((a.tpr, a.fpr, a.selection_rate, a.auc), (Some(0.0), Some(0.0), Some(0.0), Some(0.5)));
        assert_eq!((a.tpr_ratio, a.abroca), (None, Some(0.0)));
        // B at 0.75: flags 0.9 (neg) and 0.8 (pos).
        assert_eq!((b.n, b.tpr, b.fpr, b.selection_rate), (4, Some(0.5), Some(0.5), Some(0.5)));
        assert!(close(b.abroca.unwrap_or(f64::NAN), 0.25));
        // Reference rates are 0, B's are positive: infinite ratios are flagged.
        assert_eq!(r.flags.len(), 2, "{:?}", r.flags);
        assert!(r.flags[0].starts_with("gender=B: TPR ratio inf outside [0.8, 1.25]"), "{:?}", r.flags);
        let json = serde_json::to_string(&r).unwrap_or_default();
        assert_eq!(serde_json::from_str::<FairnessReport>(&json).ok(), Some(r));
    }

    /// A group of `n_pos` positives of which `tp` are flagged and `n_neg` negatives of which
    /// `fp` are flagged at threshold 0.5.
    fn group(
        name: &str,
        n_pos: usize,
        tp: usize,
        n_neg: usize,
        fp: usize,
    ) -> (Vec<f64>, Vec<bool>, Vec<Option<String>>) {
        let mut s = Vec::new();
        let mut y = Vec::new();
        for i in 0..n_pos {
            s.push(if i < tp { 0.9 } else { 0.1 });
            y.push(true);
        }
        for i in 0..n_neg {
            s.push(if i < fp { 0.8 } else { 0.2 });
            y.push(false);
        }
        let g = vec![Some(name.to_string()); n_pos + n_neg];
        (s, y, g)
    }

    fn report_of(parts: &[(&str, usize, usize, usize, usize)], min_group: usize) -> FairnessReport {
        let (mut s, mut y, mut g) = (Vec::new(), Vec::new(), Vec::new());
        for &(name, n_pos, tp, n_neg, fp) in parts {
            let (a, b, c) = group(name, n_pos, tp, n_neg, fp);
            s.extend(a);
            y.extend(b);
            g.extend(c);
        }
        fairness_report("college", &s, &y, &g, 0.5, min_group).unwrap_or_else(|| panic!("no report"))
    }

    #[test]
    fn ratio_flags_exactly_outside_band() {
        // Reference REF: TPR 20/40 = 0.5, FPR 20/100 = 0.2 (140 students).
        let r = report_of(
            &[
                ("REF", 40, 20, 100, 20),
                ("LOW", 10, 4, 40, 8),     // TPR 0.4 → 0.80 (edge, not flagged); FPR 0.2 → 1.0
                ("LOWER", 20, 7, 20, 4),   // TPR 0.35 → 0.70 flagged; FPR 0.2 → 1.0
                ("HIGH", 20, 12, 40, 10),  // TPR 0.6 → 1.20; FPR 0.25 → 1.25 (edge, not flagged)
                ("HIGHER", 20, 10, 20, 6), // TPR 0.5 → 1.0; FPR 0.3 → 1.50 flagged
                ("SMALL", 5, 0, 5, 5),     // 10 students: ratios 0 and 5, never flagged
            ],
            30,
        );
        assert_eq!(r.reference, "REF");
        let names: Vec<&str> = r.groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["REF", "HIGH", "LOW", "HIGHER", "LOWER", "SMALL"]);
        assert_eq!(
            r.flags,
            ["college=HIGHER: FPR ratio 1.50 outside [0.8, 1.25]", "college=LOWER: TPR ratio 0.70 outside [0.8, 1.25]"]
        );
        let small = &r.groups[5];
        assert!(small.below_min_group);
        assert_eq!(small.tpr_ratio, Some(0.0));
        assert!(close(small.fpr_ratio.unwrap_or(f64::NAN), 5.0));
        let low = &r.groups[2];
        assert!(close(low.tpr_ratio.unwrap_or(f64::NAN), 0.8));
        // With min_group 0 the small group is flagged too.
        let r = report_of(&[("REF", 40, 20, 100, 20), ("SMALL", 5, 0, 5, 5)], 0);
        assert_eq!(
            r.flags,
            ["college=SMALL: TPR ratio 0.00 outside [0.8, 1.25]", "college=SMALL: FPR ratio 5.00 outside [0.8, 1.25]"]
        );
    }

    #[test]
    fn operating_threshold_top_share() {
        let s: Vec<f64> = (1..=30).map(|i| i as f64 / 100.0).collect();
        let y = vec![false; 30];
        // Top 10 % of 30 = 3 students: 0.30, 0.29, 0.28.
        let t = operating_threshold(&s, &y, 0.1);
        assert_eq!(t, 0.28);
        assert_eq!(confusion_at(&s, &y, t).selection_rate(), Some(0.1));
        assert_eq!(operating_threshold(&s, &y, 1.0), 0.01);
        assert_eq!(operating_threshold(&s, &y, 2.0), 0.01);
        // A tiny share still flags one student.
        assert_eq!(operating_threshold(&s, &y, 1e-6), 0.30);
        assert_eq!(operating_threshold(&s, &y, 0.0), f64::INFINITY);
        assert_eq!(operating_threshold(&s, &y, f64::NAN), f64::INFINITY);
        assert_eq!(operating_threshold(&[], &[], 0.1), f64::INFINITY);
        assert_eq!(operating_threshold(&[0.5], &[], 0.1), f64::INFINITY);
        assert_eq!(operating_threshold(&[f64::NAN, 0.4, 0.6], &[true, false, true], 0.75), 0.4);
    }

    #[test]
    fn degenerate_inputs_return_none() {
        let g = groups_of(&["A", "B"]);
        assert_eq!(fairness_report("x", &[], &[], &[], 0.5, 30), None);
        assert_eq!(fairness_report("x", &[0.1, 0.2], &[true], &g, 0.5, 30), None);
        assert_eq!(fairness_report("x", &[f64::NAN, 0.2], &[true, false], &g, 0.5, 30), None);
        assert_eq!(fairness_report("x", &[0.1, 0.2], &[true, false], &g, f64::NAN, 30), None);
        assert_eq!(fairness_report("x", &[0.1, 0.2], &[true, false], &[None, None], 0.5, 30), None);
        // Single-class groups: rates/AUC/ABROCA are None, nothing panics or is flagged.
        let Some(r) =
            fairness_report("x", &[0.1, 0.2, 0.3], &[true, true, false], &groups_of(&["A", "A", "B"]), 0.5, 0)
        else {
            panic!("no report")
        };
        assert_eq!(r.reference, "A");
        assert_eq!((r.groups[0].fpr, r.groups[0].auc, r.groups[0].abroca), (None, None, None));
        assert_eq!((r.groups[1].tpr, r.groups[1].tpr_ratio, r.groups[1].abroca), (None, None, None));
        assert!(r.flags.is_empty(), "{:?}", r.flags);
        assert_eq!(abroca(&[0.1], &[true], &[0.1, 0.2], &[true, false]), None);
        assert_eq!(area_between_roc_curves(&[], &[]), 0.0);
    }
}
