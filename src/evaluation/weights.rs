//! How indicators are weighted: the entropy weight method (default, see [`super::entropy`])
//! or expert weights from a file.
//!
//! ```toml
//! # weights.toml — expert weights; normalised within each dimension, so only the
//! # ratios inside a dimension matter. An indicator left out gets weight 0.
//! [weights]
//! gpa = 3
//! coursework_mean = 1
//! gym_days = 1
//!
//! [dimensions]          # optional: weights of the dimensions in the total
//! moral = 1
//! intellectual = 2
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::indicators::{dimension_weights, IndicatorSet};
use super::EvaluationError;

/// The weighting method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The entropy weight method (熵权法).
    Entropy,
    /// Expert weights from a file.
    Expert,
}

impl Method {
    /// Name as in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Method::Entropy => "entropy",
            Method::Expert => "expert",
        }
    }
}

/// Expert weights as read from a file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpertWeights {
    /// Indicator → raw weight (≥ 0).
    pub weights: BTreeMap<String, f64>,
    /// Weights of the dimensions in the total (normalised), when the file gives them.
    pub dimensions: Option<[f64; 5]>,
    /// Where they came from.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    weights: BTreeMap<String, f64>,
    #[serde(default)]
    dimensions: Option<BTreeMap<String, f64>>,
}

impl ExpertWeights {
    /// Reads a weights file.
    pub fn load(path: &Path) -> Result<ExpertWeights, EvaluationError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| EvaluationError::Io { path: path.to_path_buf(), source: e })?;
        ExpertWeights::parse(&text, &path.display().to_string())
    }

    /// Parses weights text.
    pub fn parse(text: &str, source: &str) -> Result<ExpertWeights, EvaluationError> {
        let spec: FileSpec = toml::from_str(text).map_err(|e| {
            EvaluationError::config(
                format!("weights file {source}"),
                format!("expected `[weights]` with `indicator = number` lines: {}", e.to_string().trim()),
            )
        })?;
        for (k, v) in &spec.weights {
            if !v.is_finite() || *v < 0.0 {
                return Err(EvaluationError::config(
                    format!("weights file {source}: {k} = {v}"),
                    "weights are numbers ≥ 0",
                ));
            }
        }
        let dimensions = match &spec.dimensions {
            Some(m) => Some(dimension_weights(m, &format!("weights file {source}"))?),
            None => None,
        };
        Ok(ExpertWeights { weights: spec.weights, dimensions, source: source.to_string() })
    }

    /// Fails (exit code 2) when the file names an indicator the indicator set lacks.
    pub fn check(&self, set: &IndicatorSet) -> Result<(), EvaluationError> {
        let unknown: Vec<&str> = self.weights.keys().filter(|k| set.get(k).is_none()).map(String::as_str).collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let known: Vec<&str> = set.indicators.iter().map(|i| i.name.as_str()).collect();
        Err(EvaluationError::config(
            format!("weights file {}: unknown indicator {}", self.source, unknown.join(", ")),
            format!("indicators of {}: {}", set.source, known.join(", ")),
        ))
    }

    /// The raw weight of an indicator (0 when left out).
    pub fn of(&self, name: &str) -> f64 {
        self.weights.get(name).copied().unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_files_are_checked() {
        let set = IndicatorSet::builtin().unwrap();
        let w = ExpertWeights::parse("[weights]\ngpa = 3\ngym_days = 1\n", "w").unwrap();
        assert!(w.check(&set).is_ok());
        assert_eq!((w.of("gpa"), w.of("labour_hours")), (3.0, 0.0));
        let e = ExpertWeights::parse("[weights]\ngpa = 3\nhappiness = 1\n", "w").unwrap().check(&set).unwrap_err();
        assert!(e.is_config() && e.to_string().contains("happiness"), "{e}");
        assert!(ExpertWeights::parse("[weights]\ngpa = -1\n", "w").unwrap_err().is_config());
        assert!(ExpertWeights::parse("gpa = 1\n", "w").unwrap_err().is_config());
        let d = ExpertWeights::parse("[weights]\ngpa = 1\n[dimensions]\nmoral = 3\nlabour = 1\n", "w").unwrap();
        assert_eq!(d.dimensions, Some([0.75, 0.0, 0.0, 0.0, 0.25]));
    }

    mod props {
        use proptest::prelude::*;

        use crate::evaluation::indicators::IndicatorSet;
        use crate::evaluation::weights::ExpertWeights;

        const VALID: &str = "[weights]\ngpa = 3\ngym_days = 1\n[dimensions]\nmoral = 3\nlabour = 1\n";

        proptest! {
            #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
            #[test]
            fn any_weights_text_parses_or_is_refused(text in crate::proptext::file_text(VALID)) {
                if let Ok(w) = ExpertWeights::parse(&text, "fuzz.toml") {
                    let _ = w.check(&IndicatorSet::builtin().unwrap());
                }
            }
        }
    }
}
