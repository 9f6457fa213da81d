//! Pipeline files: `pipelines/*.toml`, each declaring one or more steps.
//!
//! ```toml
//! [[step]]
//! name = "student_term"              # also the output table
//! description = "term results of features.md"
//! inputs = ["grades", "courses", "students"]
//! sql_file = "student_term.sql"      # or `sql = """..."""`, or `builtin = "student_week"`
//! refresh = "full"                   # or "weekly": only weeks from `since` on are replaced
//! lookback_weeks = 8                 # weekly steps: weeks before `since` the SQL reads
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::PipelineError;

/// How a step's output is refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Recomputed whole on every run.
    Full,
    /// Keyed by `week_start`: an incremental run replaces the weeks from `since` on.
    Weekly {
        /// Weeks before `since` the step reads (for baselines).
        lookback_weeks: u32,
    },
}

/// What a step runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A SQL query (after template substitution).
    Sql(String),
    /// A built-in Rust step by name.
    Builtin(String),
}

/// One step of the DAG.
#[derive(Debug, Clone)]
pub struct Step {
    /// Step name = output table.
    pub name: String,
    /// File it was declared in.
    pub file: String,
    /// What it computes.
    pub description: String,
    /// Tables it reads: record kinds or other steps' outputs.
    pub inputs: Vec<String>,
    /// What it runs.
    pub body: Body,
    /// How it is refreshed.
    pub refresh: Refresh,
}

/// A loaded set of steps.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Steps in file-name order (use [`super::graph::order`] for run order).
    pub steps: Vec<Step>,
    /// Where they came from.
    pub source: String,
    /// Digest of every definition: a changed pipeline forces a full refresh.
    pub digest: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    step: Vec<StepSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    inputs: Vec<String>,
    sql: Option<String>,
    sql_file: Option<String>,
    builtin: Option<String>,
    #[serde(default = "full")]
    refresh: String,
    #[serde(default)]
    lookback_weeks: u32,
}

fn full() -> String {
    "full".into()
}

/// The pipelines shipped in the binary (the repository's `pipelines/`).
const EMBEDDED: &[(&str, &str)] = &[
    ("features.toml", include_str!("../../pipelines/features.toml")),
    ("student_term.sql", include_str!("../../pipelines/student_term.sql")),
    ("student_term_coursework.sql", include_str!("../../pipelines/student_term_coursework.sql")),
    ("student_week_coursework.sql", include_str!("../../pipelines/student_week_coursework.sql")),
];

/// Loads the pipelines of a directory, or the built-in ones when `dir` is `None`.
pub fn load(dir: Option<&Path>) -> Result<Pipeline, PipelineError> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let source = match dir {
        Some(d) => {
            let entries = std::fs::read_dir(d).map_err(|e| PipelineError::Io { path: d.to_path_buf(), source: e })?;
            for e in entries.flatten() {
                let p = e.path();
                let name = e.file_name().to_string_lossy().to_string();
                if p.is_file() && (name.ends_with(".toml") || name.ends_with(".sql")) {
                    let text =
                        std::fs::read_to_string(&p).map_err(|e| PipelineError::Io { path: p.clone(), source: e })?;
                    files.insert(name, text);
                }
            }
            d.display().to_string()
        }
        None => {
            files.extend(EMBEDDED.iter().map(|(n, t)| (n.to_string(), t.to_string())));
            "built-in".to_string()
        }
    };
    let mut digest = Sha256::new();
    let mut steps = Vec::new();
    for (name, text) in &files {
        digest.update(name.as_bytes());
        digest.update(text.as_bytes());
        if !name.ends_with(".toml") {
            continue;
        }
        let spec: FileSpec = toml::from_str(text)
            .map_err(|e| PipelineError::Parse { file: name.clone(), reason: e.to_string().trim().to_string() })?;
        for s in spec.step {
            steps.push(step(name, s, &files)?);
        }
    }
    if steps.is_empty() {
        return Err(PipelineError::Parse { file: source.clone(), reason: "no [[step]] declared in any *.toml".into() });
    }
    Ok(Pipeline { steps, source, digest: hex::encode(digest.finalize()) })
}

fn step(file: &str, s: StepSpec, files: &BTreeMap<String, String>) -> Result<Step, PipelineError> {
    let bad = |reason: String| PipelineError::Step { step: s.name.clone(), file: file.to_string(), reason };
    if s.name.is_empty() || !s.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(bad("a step name must be lower-case letters, digits and `_` (it names a table)".into()));
    }
    let body = match (&s.sql, &s.sql_file, &s.builtin) {
        (Some(q), None, None) => Body::Sql(q.clone()),
        (None, Some(f), None) => match files.get(f) {
            Some(q) => Body::Sql(q.clone()),
            None => return Err(bad(format!("sql_file `{f}` is not beside it"))),
        },
        (None, None, Some(b)) => {
            if !crate::features::BUILTINS.iter().any(|(n, _)| n == b) {
                let known: Vec<&str> = crate::features::BUILTINS.iter().map(|(n, _)| *n).collect();
                return Err(bad(format!("unknown builtin `{b}` (known: {})", known.join(", "))));
            }
            Body::Builtin(b.clone())
        }
        _ => return Err(bad("give exactly one of `sql`, `sql_file` or `builtin`".into())),
    };
    let refresh = match s.refresh.as_str() {
        "full" => Refresh::Full,
        "weekly" => Refresh::Weekly { lookback_weeks: s.lookback_weeks },
        other => return Err(bad(format!("refresh `{other}` is neither `full` nor `weekly`"))),
    };
    Ok(Step { name: s.name, file: file.to_string(), description: s.description, inputs: s.inputs, body, refresh })
}

/// Values substituted into SQL templates.
#[derive(Debug, Clone)]
pub struct Template {
    /// `{{as_of}}`: DATE literal of D.
    pub as_of: String,
    /// `{{as_of_ts}}`: the instant D 00:00 local.
    pub as_of_ts: String,
    /// `{{since}}`: DATE literal of the first recomputed week.
    pub since: String,
    /// `{{lookback_start}}`: `since` minus the step's lookback.
    pub lookback_start: String,
    /// `{{tz}}`: campus zone as a string literal.
    pub tz: String,
}

impl Template {
    /// Substitutes the placeholders.
    pub fn apply(&self, sql: &str) -> String {
        sql.replace("{{as_of}}", &self.as_of)
            .replace("{{as_of_ts}}", &self.as_of_ts)
            .replace("{{since}}", &self.since)
            .replace("{{lookback_start}}", &self.lookback_start)
            .replace("{{tz_name}}", self.tz.trim_matches('\''))
            .replace("{{tz}}", &self.tz)
    }
}

/// The directory pipelines load from: `--pipelines`/`RADAR_PIPELINES`, else `./pipelines`
/// when it holds step files, else the built-in set (`None`).
pub fn resolve_dir(given: Option<PathBuf>) -> Option<PathBuf> {
    if given.is_some() {
        return given;
    }
    let local = PathBuf::from("pipelines");
    let has_steps = std::fs::read_dir(&local)
        .map(|rd| rd.flatten().any(|e| e.file_name().to_string_lossy().ends_with(".toml")))
        .unwrap_or(false);
    has_steps.then_some(local)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Loads the shipped SQL files beside `toml` from a fresh directory, then orders the steps.
    fn load_with(toml: &str) -> Result<usize, PipelineError> {
        let dir = tempfile::tempdir().map_err(|e| PipelineError::Io { path: PathBuf::new(), source: e })?;
        for (name, text) in EMBEDDED {
            let text = if *name == "features.toml" { toml } else { text };
            std::fs::write(dir.path().join(name), text)
                .map_err(|e| PipelineError::Io { path: PathBuf::new(), source: e })?;
        }
        let p = load(Some(dir.path()))?;
        Ok(super::super::graph::order(&p)?.len())
    }

    #[test]
    fn the_shipped_pipeline_loads_from_a_directory() {
        assert!(load_with(EMBEDDED[0].1).is_ok_and(|n| n > 0));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
        #[test]
        fn any_pipeline_text_loads_or_is_refused(text in crate::proptext::file_text(EMBEDDED[0].1)) {
            let _ = load_with(&text);
        }
    }
}
