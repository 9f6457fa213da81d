//! Per-student explanations in words a counsellor understands.
//!
//! The numbers come from [`Estimator::explain`](super::estimator::Estimator::explain):
//! for logistic regression each feature's contribution is coefficient × standardised
//! deviation from the training mean (log-odds; the intercept plus all contributions is
//! the raw score's log-odds); for the forest it is the Saabas path attribution
//! (probability; the mean root value plus all contributions is the raw probability). The
//! reasons shown are the largest contributions that raise the risk.

use serde::{Deserialize, Serialize};

use super::features::Transform;
use super::prep::Prep;

/// One reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Feature name.
    pub feature: String,
    /// The student's value (`None` when unknown and imputed).
    pub value: Option<f64>,
    /// The typical (training median) value.
    pub typical: f64,
    /// Contribution (log-odds for logistic regression, probability for the forest).
    pub effect: f64,
    /// `raises` or `lowers`.
    pub direction: String,
    /// English.
    pub text_en: String,
    /// Chinese.
    pub text_zh: String,
}

fn untransform(t: Transform, v: f64) -> f64 {
    match t {
        Transform::Identity => v,
        Transform::Log1p => v.exp_m1(),
    }
}

fn show(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v.abs() < 1e9 {
        format!("{}", v.round() as i64)
    } else if v.abs() >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The top `k` reasons from contributions (model column order) and the raw values.
pub fn reasons(prep: &Prep, raw: &[f64], contrib: &[f64], k: usize) -> Vec<Reason> {
    let mut order: Vec<usize> = (0..contrib.len()).filter(|&c| contrib[c] > 1e-6).collect();
    order.sort_by(|a, b| contrib[*b].total_cmp(&contrib[*a]));
    order
        .into_iter()
        .take(k)
        .filter_map(|c| {
            let col = prep.columns.get(c)?;
            let f = col.feature.parse::<super::features::Feature>().ok()?;
            let typical = untransform(col.transform, col.median);
            let value = raw.get(c).copied().filter(|v| v.is_finite());
            let shown = value.map_or_else(|| "unknown".to_string(), show);
            let shown_zh = value.map_or_else(|| "未知".to_string(), show);
            Some(Reason {
                feature: col.feature.clone(),
                value,
                typical,
                effect: contrib[c],
                direction: "raises".into(),
                text_en: format!("{}: {} (typical {}) raises the risk", f.describe_en(), shown, show(typical)),
                text_zh: format!("{}：{}（一般为{}），风险上升", f.describe_zh(), shown_zh, show(typical)),
            })
        })
        .collect()
}
