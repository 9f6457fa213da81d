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

/// A model name is one directory of the registry: letters, digits, `-` and `_`.
pub fn check_name(name: &str) -> Result<(), ModelError> {
    let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ModelError::Invalid(format!("model name `{name}`: use letters, digits, `-` and `_`")))
    }
}

/// A version is `v` and a number: it names a file, so nothing else may reach the path.
fn check_version(version: &str) -> Result<(), ModelError> {
    let ok = version.strip_prefix('v').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(ModelError::Invalid(format!("model version `{version}`: use v and a number, e.g. v2")))
    }
}

impl ModelFile {
    /// Checks a loaded model before anything scores with it: feature names on the closed
    /// list, parameters that fit the features (so scoring cannot index out of range or
    /// walk a tree forever), sane calibration and threshold.
    fn check(&self) -> Result<(), ModelError> {
        check_name(&self.name)?;
        check_version(&self.version)?;
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(ModelError::Invalid(format!("threshold {} is not a probability", self.threshold)));
        }
        let parts = std::iter::once(("", &self.prep, &self.estimator, &self.calibrator))
            .chain(self.no_history.iter().map(|s| ("no_history ", &s.prep, &s.estimator, &s.calibrator)));
        for (what, prep, estimator, calibrator) in parts {
            let features = prep.check()?.len();
            estimator.check(features).map_err(|e| ModelError::Invalid(format!("{what}estimator: {e}")))?;
            calibrator.check().map_err(|e| ModelError::Invalid(format!("{what}calibrator: {e}")))?;
        }
        Ok(())
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
        check_name(name)?;
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
                    // A directory no model could be saved under is not a model.
                    if let Some(n) = e.file_name().to_str().filter(|n| check_name(n).is_ok()) {
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
        check_name(name)?;
        let f = self.root.join(name).join("ACTIVE");
        if let Ok(v) = std::fs::read_to_string(&f) {
            let v = v.trim().to_string();
            check_version(&v).map_err(|e| ModelError::File { file: f.display().to_string(), msg: e.to_string() })?;
            return Ok(v);
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
        check_version(&version)?;
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
        let file = |msg: String| ModelError::File { file: path.display().to_string(), msg };
        let m: ModelFile = serde_json::from_str(&text).map_err(|e| file(e.to_string()))?;
        // A protected feature name keeps its own error; anything else names the file.
        m.check().map_err(|e| match e {
            ModelError::Invalid(msg) => file(msg),
            other => other,
        })?;
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
        check_name(name)?;
        check_version(version)?;
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::*;

    const GOOD: &str = BUILTIN[0].2;

    fn good() -> Value {
        serde_json::from_str(GOOD).unwrap()
    }

    /// Writes `text` as `m@v1` of a fresh registry and loads it.
    fn load_text(text: &str) -> Result<ModelFile, ModelError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("m")).unwrap();
        std::fs::write(dir.path().join("m").join("v1.json"), text).unwrap();
        Registry::new(dir.path()).load("m@v1")
    }

    fn load_value(v: &Value) -> Result<ModelFile, ModelError> {
        load_text(&v.to_string())
    }

    /// The error must name the file and say what is wrong.
    fn assert_file_error(r: Result<ModelFile, ModelError>, what: &str) {
        match r {
            Err(ModelError::File { file, msg }) => {
                assert!(file.ends_with("v1.json"), "{file}");
                assert!(msg.contains(what), "{msg} lacks {what}");
            }
            other => panic!("expected a file error about {what}, got {other:?}"),
        }
    }

    #[test]
    fn the_builtin_model_passes_its_checks() {
        assert!(load_value(&good()).is_ok());
    }

    #[test]
    fn truncated_json_is_a_file_error() {
        assert_file_error(load_text(&GOOD[..GOOD.len() / 2]), "EOF");
    }

    #[test]
    fn tree_corruptions_are_file_errors() {
        assert!(good()["estimator"]["trees"][0]["nodes"][0]["split"].is_object(), "the first tree's root splits");
        let cases: Vec<(&str, Value, &str)> = vec![
            ("left", json!(0), "child 0"),
            ("right", json!(0), "child 0"),
            ("left", json!(1_000_000), "child 1000000"),
            ("feature", json!(13), "feature 13 of 13"),
            ("threshold", json!("NaN"), "threshold"),
        ];
        for (field, value, what) in cases {
            let mut v = good();
            v["estimator"]["trees"][0]["nodes"][0]["split"][field] = value;
            assert_file_error(load_value(&v), what);
        }
        // A node pointing back to an earlier one would loop forever.
        let mut v = good();
        let left = v["estimator"]["trees"][0]["nodes"][0]["split"]["left"].as_u64().unwrap() as usize;
        v["estimator"]["trees"][0]["nodes"][left]["split"]["left"] = json!(0);
        assert_file_error(load_value(&v), "child 0");
        let mut v = good();
        v["estimator"]["trees"][0]["nodes"][0]["value"] = json!("inf");
        assert_file_error(load_value(&v), "not a probability");
        let mut v = good();
        v["estimator"]["trees"][0]["nodes"] = json!([]);
        assert_file_error(load_value(&v), "no nodes");
        let mut v = good();
        v["estimator"]["trees"] = json!([]);
        assert_file_error(load_value(&v), "without trees");
    }

    #[test]
    fn feature_count_and_calibration_corruptions_are_file_errors() {
        let mut v = good();
        v["prep"]["columns"].as_array_mut().unwrap().pop();
        assert_file_error(load_value(&v), "feature 12 of 12");
        let mut v = good();
        v["prep"]["columns"] = json!([]);
        assert_file_error(load_value(&v), "no feature columns");
        let mut v = good();
        v["prep"]["columns"][0]["sd"] = json!("0.0");
        assert_file_error(load_value(&v), "preprocessing");
        let mut v = good();
        v["estimator"] = json!({"family": "logistic", "intercept": "0.5", "coefficients": ["1.0", "2.0"]});
        assert_file_error(load_value(&v), "2 coefficients for 13 features");
        let mut v = good();
        v["calibrator"]["y"].as_array_mut().unwrap().pop();
        assert_file_error(load_value(&v), "isotonic");
        let mut v = good();
        v["calibrator"] = json!({"method": "platt", "a": "NaN", "b": "0"});
        assert_file_error(load_value(&v), "platt");
        let mut v = good();
        v["threshold"] = json!("1.5");
        assert_file_error(load_value(&v), "threshold");
    }

    #[test]
    fn a_protected_feature_keeps_its_own_error() {
        let mut v = good();
        v["prep"]["columns"][0]["feature"] = json!("gender");
        assert!(matches!(load_value(&v), Err(ModelError::FeatureName(_))));
    }

    #[test]
    fn names_and_versions_cannot_leave_the_registry() {
        let dir = tempfile::tempdir().unwrap();
        let reg = Registry::new(&dir.path().join("models"));
        // A model file outside the registry that a path could reach.
        std::fs::write(dir.path().join("v1.json"), GOOD).unwrap();
        std::fs::create_dir_all(dir.path().join("models").join("m")).unwrap();
        for spec in ["..@v1", "m@../../v1", "m@/tmp/v1", "m@v1/../../../v1", "m@", "@v1", "m@v1\0", "../m", ""] {
            assert!(matches!(reg.load(spec), Err(ModelError::Invalid(_))), "{spec}");
        }
        for (name, version) in [("..", "v1"), ("m", "../v1"), ("a/b", "v1"), ("m", ""), ("m", "v1\0")] {
            assert!(matches!(reg.activate(name, version), Err(ModelError::Invalid(_))), "{name}@{version}");
        }
        // A tampered ACTIVE file cannot point outside either.
        std::fs::write(dir.path().join("models").join("m").join("ACTIVE"), "../../v1\n").unwrap();
        assert!(matches!(reg.load("m"), Err(ModelError::File { .. })));
        let mut model: ModelFile = serde_json::from_str(GOOD).unwrap();
        model.name = "../escape".into();
        assert!(matches!(reg.save(&mut model), Err(ModelError::Invalid(_))));
        assert!(!dir.path().join("escape").exists());
    }

    /// A valid model file with one JSON value replaced somewhere in it.
    fn mutated() -> impl Strategy<Value = String> {
        let replacement = prop_oneof![
            Just(json!(null)),
            Just(json!("NaN")),
            Just(json!("-inf")),
            Just(json!(-1)),
            Just(json!([])),
            Just(json!({})),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u32>().prop_map(|n| json!(n.to_string())),
            ".{0,8}".prop_map(|s| json!(s)),
        ];
        (any::<prop::sample::Index>(), replacement).prop_map(|(at, with)| {
            let mut v = good();
            let mut slots = Vec::new();
            collect_paths(&v, &mut Vec::new(), &mut slots);
            let path = &slots[at.index(slots.len())];
            let mut target = &mut v;
            for key in path {
                target = match key {
                    Key::Field(f) => &mut target[f.as_str()],
                    Key::Item(i) => &mut target[*i],
                };
            }
            *target = with;
            v.to_string()
        })
    }

    enum Key {
        Field(String),
        Item(usize),
    }

    /// Every value's path, but only the first few items of long arrays (the trees are big).
    fn collect_paths(v: &Value, at: &mut Vec<Key>, out: &mut Vec<Vec<Key>>) {
        out.push(
            at.iter()
                .map(|k| match k {
                    Key::Field(f) => Key::Field(f.clone()),
                    Key::Item(i) => Key::Item(*i),
                })
                .collect(),
        );
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    at.push(Key::Field(k.clone()));
                    collect_paths(child, at, out);
                    at.pop();
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate().take(3) {
                    at.push(Key::Item(i));
                    collect_paths(child, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn any_text_loads_or_fails_cleanly(text in prop_oneof![any::<String>(), (0..GOOD.len()).prop_map(|n| GOOD[..GOOD.floor_char_boundary(n)].to_string())]) {
            let _ = load_text(&text);
        }

        #[test]
        fn a_loaded_mutated_model_scores_without_panicking(text in mutated()) {
            if let Ok(m) = load_text(&text) {
                let n = m.prep.columns.len();
                for fill in [f64::NAN, -1e300, 0.0, 1e300] {
                    let z = ndarray::Array1::from_elem(n, fill);
                    let p = m.calibrator.apply(m.estimator.predict(z.view()));
                    prop_assert!(p.is_nan() || (0.0..=1.0).contains(&p));
                    let _ = m.estimator.explain(z.view());
                }
            }
        }
    }
}
