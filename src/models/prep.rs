//! From a [`Frame`] to the numbers a model sees: transform (log for click counts), impute
//! unknowns with the training median, standardise with the training mean and spread.
//! The fitted parameters are saved with the model so scoring repeats them exactly.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::dataset::Frame;
use super::features::{Feature, Transform};
use super::ModelError;

/// One column's fitted preprocessing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Feature name (parsed back through [`Feature`]'s checks on load).
    pub feature: String,
    /// Transform.
    pub transform: Transform,
    /// Training median of the transformed value, used for unknowns.
    #[serde(with = "super::exact::one")]
    pub median: f64,
    /// Training mean of the transformed, imputed value.
    #[serde(with = "super::exact::one")]
    pub mean: f64,
    /// Training standard deviation (1 when constant).
    #[serde(with = "super::exact::one")]
    pub sd: f64,
    /// Share of training rows that were unknown.
    #[serde(with = "super::exact::one")]
    pub missing_share: f64,
}

/// The fitted preprocessing of every column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prep {
    /// Columns in model order.
    pub columns: Vec<Column>,
}

fn apply_transform(t: Transform, v: f64) -> f64 {
    match t {
        Transform::Identity => v,
        Transform::Log1p => v.max(0.0).ln_1p(),
    }
}

impl Prep {
    /// Fits on training rows; features unknown for every row are dropped (the campus does
    /// not send their source), and so are constant ones.
    pub fn fit(frame: &Frame) -> Result<Prep, ModelError> {
        let mut columns = Vec::new();
        for (c, f) in frame.features.iter().enumerate() {
            let t = f.transform();
            let mut known: Vec<f64> = (0..frame.len())
                .map(|r| frame.get(r, c))
                .filter(|v| v.is_finite())
                .map(|v| apply_transform(t, v))
                .collect();
            if known.is_empty() {
                continue;
            }
            known.sort_by(f64::total_cmp);
            let median = known[known.len() / 2];
            let n = frame.len() as f64;
            let vals = (0..frame.len()).map(|r| {
                let v = frame.get(r, c);
                if v.is_finite() {
                    apply_transform(t, v)
                } else {
                    median
                }
            });
            let mean = vals.clone().sum::<f64>() / n;
            let var = vals.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            if var <= 1e-12 {
                continue;
            }
            columns.push(Column {
                feature: f.name().to_string(),
                transform: t,
                median,
                mean,
                sd: var.sqrt(),
                missing_share: 1.0 - known.len() as f64 / n,
            });
        }
        if columns.is_empty() {
            return Err(ModelError::NoData("no feature has any value in the training data".into()));
        }
        Ok(Prep { columns })
    }

    /// The model's features, checked against the closed list (a protected name in a
    /// tampered model file fails here).
    pub fn features(&self) -> Result<Vec<Feature>, ModelError> {
        self.columns.iter().map(|c| c.feature.parse::<Feature>().map_err(ModelError::from)).collect()
    }

    /// Checks loaded preprocessing: at least one column, each with a known feature name
    /// and finite parameters (a zero spread would divide by zero).
    pub fn check(&self) -> Result<Vec<Feature>, ModelError> {
        if self.columns.is_empty() {
            return Err(ModelError::Invalid("no feature columns".into()));
        }
        let features = self.features()?;
        for c in &self.columns {
            let finite = [c.median, c.mean, c.sd, c.missing_share].iter().all(|v| v.is_finite());
            if !finite || c.sd <= 0.0 || !(0.0..=1.0).contains(&c.missing_share) {
                return Err(ModelError::Invalid(format!(
                    "feature `{}`: preprocessing parameters out of range",
                    c.feature
                )));
            }
        }
        Ok(features)
    }

    /// Standardised values of one raw value of column `c`.
    pub fn z(&self, c: usize, raw: f64) -> f64 {
        let col = &self.columns[c];
        let v = if raw.is_finite() { apply_transform(col.transform, raw) } else { col.median };
        (v - col.mean) / col.sd
    }

    /// The standardised matrix of a frame (its columns looked up by name).
    pub fn matrix(&self, frame: &Frame) -> Result<Array2<f64>, ModelError> {
        let pos: Vec<Option<usize>> =
            self.columns.iter().map(|col| frame.features.iter().position(|f| f.name() == col.feature)).collect();
        let mut x = Array2::zeros((frame.len(), self.columns.len()));
        for r in 0..frame.len() {
            for (c, p) in pos.iter().enumerate() {
                let raw = p.map_or(f64::NAN, |p| frame.get(r, p));
                x[[r, c]] = self.z(c, raw);
            }
        }
        Ok(x)
    }
}
