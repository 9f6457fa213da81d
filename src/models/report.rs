//! The model card `radar models show` prints: what the model uses and how much, how it
//! did in the backtest, how well its scores are calibrated and how fair they are.

use std::fmt::Write;

use super::estimator::Estimator;
use super::features::Feature;
use super::registry::ModelFile;

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"))
}

/// Feature weights, largest first: the coefficient per standard deviation for logistic
/// regression; for a forest, each feature's share of the total change in node value its
/// splits make (summed over both children of every split, all trees).
pub fn weights(model: &ModelFile) -> Vec<(String, f64)> {
    let names: Vec<String> = model.prep.columns.iter().map(|c| c.feature.clone()).collect();
    let mut w: Vec<(String, f64)> = match &model.estimator {
        Estimator::Logistic { coefficients, .. } => names.into_iter().zip(coefficients.iter().copied()).collect(),
        Estimator::Forest { trees } => {
            let mut gain = vec![0.0; names.len()];
            for t in trees {
                for n in &t.nodes {
                    if let Some(super::estimator::Split { feature: f, left: l, right: r, .. }) = n.split {
                        let moved = (t.nodes[l].value - n.value).abs() + (t.nodes[r].value - n.value).abs();
                        if let Some(g) = gain.get_mut(f) {
                            *g += moved;
                        }
                    }
                }
            }
            let total: f64 = gain.iter().sum::<f64>().max(1e-12);
            names.into_iter().zip(gain.into_iter().map(|g| g / total)).collect()
        }
    };
    w.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    w
}

/// The card as text.
pub fn card(m: &ModelFile) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}@{}  target {}  trained {}", m.name, m.version, m.target.name(), m.created_at);
    let _ = writeln!(s, "model      {} + {} calibration", m.params.label(), m.calibrator.name());
    let _ = writeln!(s, "split      {}", m.split);
    for w in &m.train {
        let _ = writeln!(
            s,
            "  train    {} as of {} (teaching from {}): {} rows, {} positive",
            w.term, w.as_of, w.term_start, w.rows, w.positives
        );
    }
    for w in &m.test {
        let _ = writeln!(
            s,
            "  test     {} as of {} (teaching from {}): {} rows, {} positive",
            w.term, w.as_of, w.term_start, w.rows, w.positives
        );
    }
    let _ = writeln!(s, "\nbacktest (test rows)             AUC    PR-AUC  Brier");
    for c in &m.candidates {
        let mark = if c.chosen { "*" } else { " " };
        let _ = writeln!(
            s,
            "{mark} {:<32} {:<6} {:<7} {}",
            c.params.label(),
            opt(c.test.auc),
            opt(c.test.pr_auc),
            opt(c.test.brier)
        );
    }
    let _ = writeln!(
        s,
        "  {:<32} {:<6} {:<7} {}",
        "calibrated",
        opt(m.metrics.auc),
        opt(m.metrics.pr_auc),
        opt(m.metrics.brier)
    );
    if let Some(b) = &m.baseline {
        let _ = writeln!(
            s,
            "  {:<32} {:<6} {:<7} {}",
            b.feature,
            opt(b.metrics.auc),
            opt(b.metrics.pr_auc),
            opt(b.metrics.brier)
        );
    }
    let _ = writeln!(s, "  Brier before calibration {} → after {}", opt(m.raw_brier), opt(m.metrics.brier));
    let _ = writeln!(s, "\nreliability (test rows)   n      predicted  observed");
    for b in &m.reliability {
        let _ = writeln!(
            s,
            "  [{:.1}, {:.1})            {:<6} {:<10.3} {:.3}",
            b.lo, b.hi, b.n, b.mean_predicted, b.observed_rate
        );
    }
    let unit =
        if matches!(m.estimator, Estimator::Logistic { .. }) { "coefficient per SD" } else { "share of split credit" };
    let _ = writeln!(s, "\nfeatures ({unit})");
    for (f, w) in weights(m) {
        let desc = f.parse::<Feature>().map(|f| f.describe_en()).unwrap_or("");
        let _ = writeln!(s, "  {:<30} {:>+8.3}  {}", f, w, desc);
    }
    let _ = writeln!(
        s,
        "\nfairness at threshold {:.3} (ratios to the largest group; flagged outside [0.8, 1.25])",
        m.threshold
    );
    for r in &m.fairness {
        let _ = writeln!(s, "  {} (reference {})", r.attribute, r.reference);
        for g in &r.groups {
            let _ = writeln!(
                s,
                "    {:<12} n {:<6} TPR {:<6} FPR {:<6} TPR ratio {:<6} FPR ratio {:<6} ABROCA {}{}",
                g.group,
                g.n,
                opt(g.tpr),
                opt(g.fpr),
                opt(g.tpr_ratio),
                opt(g.fpr_ratio),
                opt(g.abroca),
                if g.below_min_group { "  (small group: not flagged)" } else { "" }
            );
        }
        for f in &r.flags {
            let _ = writeln!(s, "    FLAG {f}");
        }
    }
    s
}
