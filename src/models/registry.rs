//! The model registry: `models/<name>/<version>.json`, one self-contained file per trained
//! model (features, preprocessing, parameters, calibration, training window, metrics),
//! `models/<name>/ACTIVE` naming the version that scores, and `models/NIGHTLY` naming
//! the model the nightly refresh scores with.
//!
//! Plain JSON so a reviewer can read what a model does, and diffs show what changed.
//! The `oulad-bbb` model also ships inside the binary, so `radar score --model oulad-bbb`
//! works from any directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::calibrate::Calibrator;
use super::estimator::{Estimator, Params};
use super::fairness::FairnessReport;
use super::metrics::{BinaryMetrics, ReliabilityBin};
use super::prep::Prep;
use super::ModelError;

/// What a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// At least one failed course in the term (a withdrawal shows as `absent`, so counts).
    AnyFail,
    /// At least 6 failed credits in the term.
    Credits6,
}

impl Target {
    /// Name in files and output.
    pub fn name(self) -> &'static str {
        match self {
            Target::AnyFail => "any_fail",
            Target::Credits6 => "credits6",
        }
    }
}

/// One cut-off of the training or test data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// Term.
    pub term: String,
    /// As-of date (`YYYY-MM-DD`).
    pub as_of: String,
    /// Detected teaching start (`YYYY-MM-DD`).
    pub term_start: String,
    /// Cohorts used (empty = all).
    pub cohorts: Vec<i64>,
    /// Rows.
    pub rows: usize,
    /// Positive rows.
    pub positives: usize,
}

/// One candidate's backtest result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Hyper-parameters.
    pub params: Params,
    /// Test metrics of its raw scores.
    pub test: BinaryMetrics,
    /// Whether it was chosen.
    pub chosen: bool,
}

/// A trained model with everything needed to score and to judge it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Registry name.
    pub name: String,
    /// Version (`v1`, `v2`, ...).
    pub version: String,
    /// When it was trained (RFC 3339, by the command's clock).
    pub created_at: String,
    /// What it predicts.
    pub target: Target,
    /// Chosen hyper-parameters.
    pub params: Params,
    /// Preprocessing (its columns are the model's features).
    pub prep: Prep,
    /// The fitted estimator.
    pub estimator: Estimator,
    /// Calibration of the raw score.
    pub calibrator: Calibrator,
    /// Operating threshold on the calibrated score (alerts at or above it).
    #[serde(with = "super::exact::one")]
    pub threshold: f64,
    /// How the data was split.
    pub split: String,
    /// Training cut-offs.
    pub train: Vec<Window>,
    /// Test (backtest) cut-offs.
    pub test: Vec<Window>,
    /// Every candidate tried.
    pub candidates: Vec<Candidate>,
    /// Test metrics of the calibrated score.
    pub metrics: BinaryMetrics,
    /// Brier of the raw (uncalibrated) score on the test rows.
    pub raw_brier: Option<f64>,
    /// Reliability table of the calibrated score on the test rows.
    pub reliability: Vec<ReliabilityBin>,
    /// The simple baseline on the same rows.
    pub baseline: Option<Baseline>,
    /// Fairness on the test rows.
    pub fairness: Vec<FairnessReport>,
    /// The model for students without earlier grades (trained without grade-history
    /// features); the test metrics above already route those students to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_history: Option<Submodel>,
}

/// A second model of the same file, used for some students.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submodel {
    /// Chosen hyper-parameters.
    pub params: Params,
    /// Preprocessing (its columns are this model's features).
    pub prep: Prep,
    /// The fitted estimator.
    pub estimator: Estimator,
    /// Calibration.
    pub calibrator: Calibrator,
    /// Every candidate tried (test metrics on the students it is for).
    pub candidates: Vec<Candidate>,
    /// Test rows it scored.
    pub test_rows: usize,
}

/// A one-feature baseline's test metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// What it uses.
    pub feature: String,
    /// Its test metrics.
    pub metrics: BinaryMetrics,
}

/// The registry directory.
#[derive(Debug, Clone)]
pub struct Registry {
    root: PathBuf,
}

const BUILTIN: &[(&str, &str, &str)] = &[("oulad-bbb", "v1", include_str!("../../models/oulad-bbb/v1.json"))];

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io { path: path.display().to_string(), source }
}

fn check_name(name: &str) -> Result<(), ModelError> {
    let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ModelError::Invalid(format!("model name `{name}`: use letters, digits, `-` and `_`")))
    }
}

impl Registry {
    /// A registry at `root` (created on first save).
    pub fn new(root: &Path) -> Registry {
        Registry { root: root.to_path_buf() }
    }

    /// Its directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Versions of a model on disk, oldest first.
    pub fn versions(&self, name: &str) -> Result<Vec<String>, ModelError> {
        let dir = self.root.join(name);
        if !dir.is_dir() {
            return Ok(BUILTIN.iter().filter(|b| b.0 == name).map(|b| b.1.to_string()).collect());
        }
        let mut v: Vec<(u64, String)> = std::fs::read_dir(&dir)
            .map_err(io(&dir))?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|f| f.strip_suffix(".json")).map(str::to_string))
            .filter_map(|v| v.strip_prefix('v').and_then(|n| n.parse().ok()).map(|n| (n, v.clone())))
            .collect();
        v.sort();
        Ok(v.into_iter().map(|(_, s)| s).collect())
    }

    /// Model names (on disk and built in).
    pub fn names(&self) -> Result<Vec<String>, ModelError> {
        let mut names: Vec<String> = BUILTIN.iter().map(|b| b.0.to_string()).collect();
        if self.root.is_dir() {
            for e in std::fs::read_dir(&self.root).map_err(io(&self.root))?.filter_map(|e| e.ok()) {
                if e.path().is_dir() {
                    if let Some(n) = e.file_name().to_str() {
                        names.push(n.to_string());
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// The active version of a model (its `ACTIVE` file, else the newest).
    pub fn active_version(&self, name: &str) -> Result<String, ModelError> {
        let f = self.root.join(name).join("ACTIVE");
        if let Ok(v) = std::fs::read_to_string(&f) {
            return Ok(v.trim().to_string());
        }
        self.versions(name)?.pop().ok_or_else(|| self.not_found(name))
    }

    fn not_found(&self, name: &str) -> ModelError {
        ModelError::NotFound { name: name.to_string(), registry: self.root.display().to_string() }
    }

    /// Loads `name` (`name@v3` for a version; else the active one).
    pub fn load(&self, spec: &str) -> Result<ModelFile, ModelError> {
        let (name, version) = match spec.split_once('@') {
            Some((n, v)) => (n, v.to_string()),
            None => (spec, self.active_version(spec)?),
        };
        check_name(name)?;
        let path = self.root.join(name).join(format!("{version}.json"));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BUILTIN
                .iter()
                .find(|b| b.0 == name && b.1 == version)
                .map(|b| b.2.to_string())
                .ok_or_else(|| self.not_found(spec))?,
            Err(e) => return Err(io(&path)(e)),
        };
        let m: ModelFile = serde_json::from_str(&text)
            .map_err(|e| ModelError::File { file: path.display().to_string(), msg: e.to_string() })?;
        // Re-checks every feature name against the closed list.
        m.prep.features()?;
        if let Some(sub) = &m.no_history {
            sub.prep.features()?;
        }
        Ok(m)
    }

    /// Saves a new version and makes it active; returns the version.
    pub fn save(&self, model: &mut ModelFile) -> Result<PathBuf, ModelError> {
        check_name(&model.name)?;
        let dir = self.root.join(&model.name);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let next = self
            .versions(&model.name)?
            .iter()
            .filter_map(|v| v.strip_prefix('v').and_then(|n| n.parse::<u64>().ok()))
            .max()
            .unwrap_or(0)
            + 1;
        model.version = format!("v{next}");
        let path = dir.join(format!("{}.json", model.version));
        let text = serde_json::to_string_pretty(model)
            .map_err(|e| ModelError::File { file: path.display().to_string(), msg: e.to_string() })?;
        let tmp = dir.join(format!(".{}.json.tmp", model.version));
        std::fs::write(&tmp, text + "\n").map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        self.activate(&model.name, &model.version)?;
        Ok(path)
    }

    /// Makes a version the one that scores.
    pub fn activate(&self, name: &str, version: &str) -> Result<(), ModelError> {
        if !self.versions(name)?.iter().any(|v| v == version) {
            return Err(self.not_found(&format!("{name}@{version}")));
        }
        let f = self.root.join(name).join("ACTIVE");
        std::fs::write(&f, format!("{version}\n")).map_err(io(&f))
    }

    /// The model the nightly refresh scores with (`NIGHTLY`), if one is set.
    pub fn nightly(&self) -> Option<String> {
        std::fs::read_to_string(self.root.join("NIGHTLY")).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    }

    /// Sets the nightly model.
    pub fn set_nightly(&self, name: &str) -> Result<(), ModelError> {
        check_name(name)?;
        std::fs::create_dir_all(&self.root).map_err(io(&self.root))?;
        let f = self.root.join("NIGHTLY");
        std::fs::write(&f, format!("{name}\n")).map_err(io(&f))
    }
}
