//! Indicators as configuration: `pipelines/evaluation/indicators.toml` (built into the
//! binary; `--indicators FILE` or `./pipelines/evaluation/indicators.toml` replaces it).
//!
//! ```toml
//! [dimensions]                 # optional: weights of the five dimensions in the total
//! moral = 1.0                  # (normalised; left out = the plain mean)
//!
//! [[indicator]]
//! name = "gym_days"            # lower-case letters, digits, `_`; unique
//! dimension = "physical"       # moral | intellectual | physical | aesthetic | labour
//! label_zh = "健身房锻炼天数"
//! label_en = "days with a gym visit"
//! direction = "positive"       # or "negative": less is better (discipline)
//! missing = "zero"             # a student without a row: 0 (counts, hours) or null (scores)
//! requires = ["access_events"] # record kinds it reads: one the campus does not send
//!                              # makes the indicator unavailable (never 0 for everyone)
//! sql = """SELECT student_id, COUNT(*) AS value FROM access_events
//!          WHERE ts >= {{term_start_ts}} AND ts < {{term_end_ts}} GROUP BY student_id"""
//! ```
//!
//! The SQL returns `(student_id, value)`, at most one row per student, over the record
//! kinds as they stood at the as-of date (the refresh's as-of views, see
//! `pipelines/README.md`). Placeholders: `{{term}}` (the term name as a string literal),
//! `{{term_start}}` / `{{term_end}}` (DATE literals; the end is exclusive and is D when
//! the term is still running), `{{term_start_ts}}` / `{{term_end_ts}}` (the same days'
//! local midnights as UTC timestamps), `{{as_of}}`, `{{as_of_ts}}`, `{{tz}}` (quoted) and
//! `{{tz_name}}`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::term::{date_lit, TermWindow};
use super::EvaluationError;
use crate::features::week::ts_lit;
use crate::pipeline::Template;

/// The built-in indicator file.
pub const BUILTIN: &str = include_str!("../../pipelines/evaluation/indicators.toml");

/// A dimension of 德智体美劳.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    /// 德.
    Moral,
    /// 智.
    Intellectual,
    /// 体.
    Physical,
    /// 美.
    Aesthetic,
    /// 劳.
    Labour,
}

/// The five dimensions in their customary order.
pub const DIMENSIONS: [Dimension; 5] =
    [Dimension::Moral, Dimension::Intellectual, Dimension::Physical, Dimension::Aesthetic, Dimension::Labour];

impl Dimension {
    /// Name as in the tables and the configuration.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Moral => "moral",
            Dimension::Intellectual => "intellectual",
            Dimension::Physical => "physical",
            Dimension::Aesthetic => "aesthetic",
            Dimension::Labour => "labour",
        }
    }

    /// Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Dimension::Moral => "德",
            Dimension::Intellectual => "智",
            Dimension::Physical => "体",
            Dimension::Aesthetic => "美",
            Dimension::Labour => "劳",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<Dimension> {
        DIMENSIONS.into_iter().find(|d| d.name() == s)
    }

    /// Position in [`DIMENSIONS`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Whether more is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// More is better: (x − min) / (max − min).
    Positive,
    /// Less is better: (max − x) / (max − min).
    Negative,
}

impl Direction {
    /// Name as in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Positive => "positive",
            Direction::Negative => "negative",
        }
    }
}

/// What a student without a value gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// 0: no activity (counts and hours).
    Zero,
    /// Null: the indicator is left out of that student's dimension score, whose other
    /// indicators' weights are renormalised (scores such as GPA or a fitness test).
    Null,
}

/// One indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Name.
    pub name: String,
    /// Dimension.
    pub dimension: Dimension,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// Direction.
    pub direction: Direction,
    /// Treatment of students without a value.
    pub missing: Missing,
    /// Record kinds it needs.
    pub requires: Vec<String>,
    /// What it measures.
    pub description: String,
    /// Its SQL, with placeholders.
    pub sql: String,
}

/// A loaded, checked indicator file.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorSet {
    /// Indicators in file order.
    pub indicators: Vec<Indicator>,
    /// Weights of the dimensions in the total (in [`DIMENSIONS`] order, summing to 1),
    /// `None` for the plain mean.
    pub dimension_weights: Option<[f64; 5]>,
    /// Where it came from.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<toml::Value>,
    #[serde(default)]
    dimensions: Option<BTreeMap<String, f64>>,
    #[serde(default)]
    indicator: Vec<IndicatorSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorSpec {
    name: String,
    dimension: String,
    label_zh: String,
    label_en: String,
    direction: String,
    #[serde(default)]
    missing: Option<String>,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    description: String,
    sql: String,
}

/// Placeholders an indicator's SQL may use.
pub const PLACEHOLDERS: [&str; 10] = [
    "{{term}}",
    "{{term_start}}",
    "{{term_end}}",
    "{{term_start_ts}}",
    "{{term_end_ts}}",
    "{{as_of}}",
    "{{as_of_ts}}",
    "{{tz}}",
    "{{tz_name}}",
    "{{since}}",
];

/// Where the indicators come from: `--indicators`/`RADAR_INDICATORS`, else
/// `./pipelines/evaluation/indicators.toml` when present, else the built-in copy.
pub fn resolve(given: Option<PathBuf>) -> Option<PathBuf> {
    given.or_else(|| {
        let p = PathBuf::from("pipelines/evaluation/indicators.toml");
        p.is_file().then_some(p)
    })
}

impl IndicatorSet {
    /// The built-in indicators.
    pub fn builtin() -> Result<IndicatorSet, EvaluationError> {
        IndicatorSet::parse(BUILTIN, "built-in")
    }

    /// Loads a file (`None` = built-in).
    pub fn load(path: Option<&Path>) -> Result<IndicatorSet, EvaluationError> {
        match path {
            None => IndicatorSet::builtin(),
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| EvaluationError::Io { path: p.to_path_buf(), source: e })?;
                IndicatorSet::parse(&text, &p.display().to_string())
            }
        }
    }

    /// Parses and checks indicator text.
    pub fn parse(text: &str, source: &str) -> Result<IndicatorSet, EvaluationError> {
        let spec: FileSpec = toml::from_str(text).map_err(|e| {
            EvaluationError::config(
                format!("indicator file {source}"),
                format!("not a valid indicator file: {}", e.to_string().trim()),
            )
        })?;
        let mut seen = BTreeSet::new();
        let mut indicators = Vec::new();
        for s in spec.indicator {
            let i = indicator(s, source)?;
            if !seen.insert(i.name.clone()) {
                return Err(bad(&i.name, source, "declared twice".into()));
            }
            indicators.push(i);
        }
        if indicators.is_empty() {
            return Err(EvaluationError::config(format!("indicator file {source}"), "declares no [[indicator]]"));
        }
        let dimension_weights = match spec.dimensions {
            None => None,
            Some(map) => Some(dimension_weights(&map, &format!("indicator file {source}"))?),
        };
        Ok(IndicatorSet { indicators, dimension_weights, source: source.to_string() })
    }

    /// The indicator named `name`.
    pub fn get(&self, name: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.name == name)
    }
}

/// Checks a `[dimensions]` table and normalises it to sum 1.
pub fn dimension_weights(map: &BTreeMap<String, f64>, source: &str) -> Result<[f64; 5], EvaluationError> {
    let mut w = [0.0; 5];
    for (k, v) in map {
        let d = Dimension::parse(k).ok_or_else(|| {
            EvaluationError::config(
                format!("{source}: [dimensions] names `{k}`"),
                "use moral, intellectual, physical, aesthetic, labour",
            )
        })?;
        if !v.is_finite() || *v < 0.0 {
            return Err(EvaluationError::config(
                format!("{source}: dimension weight {k} = {v}"),
                "weights are numbers ≥ 0",
            ));
        }
        w[d.index()] = *v;
    }
    let sum: f64 = w.iter().sum();
    if sum <= 0.0 {
        return Err(EvaluationError::config(format!("{source}: [dimensions]"), "at least one weight must be > 0"));
    }
    Ok(w.map(|x| x / sum))
}

fn bad(name: &str, file: &str, reason: String) -> EvaluationError {
    EvaluationError::Indicator { indicator: name.to_string(), file: file.to_string(), reason }
}

fn indicator(s: IndicatorSpec, file: &str) -> Result<Indicator, EvaluationError> {
    let name = s.name.clone();
    let err = |reason: String| bad(&name, file, reason);
    if s.name.is_empty() || !s.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(err("a name must be lower-case letters, digits and `_`".into()));
    }
    let dimension = Dimension::parse(&s.dimension).ok_or_else(|| {
        err(format!("dimension `{}` is not one of moral, intellectual, physical, aesthetic, labour", s.dimension))
    })?;
    let direction = match s.direction.as_str() {
        "positive" => Direction::Positive,
        "negative" => Direction::Negative,
        other => return Err(err(format!("direction `{other}` is neither `positive` nor `negative`"))),
    };
    let missing = match s.missing.as_deref() {
        None | Some("zero") => Missing::Zero,
        Some("null") => Missing::Null,
        Some(other) => return Err(err(format!("missing `{other}` is neither `zero` nor `null`"))),
    };
    for k in &s.requires {
        if crate::schema::KindSpec::by_name(k).is_none() {
            return Err(err(format!("requires `{k}`, which is not a record kind of the contract")));
        }
    }
    if s.label_zh.trim().is_empty() || s.label_en.trim().is_empty() {
        return Err(err("label_zh and label_en must not be empty".into()));
    }
    let mut rest = s.sql.clone();
    for p in PLACEHOLDERS {
        rest = rest.replace(p, "");
    }
    if let Some(at) = rest.find("{{") {
        let tail: String = rest[at..].chars().take(24).collect();
        return Err(err(format!("unknown placeholder `{tail}…` (known: {})", PLACEHOLDERS.join(", "))));
    }
    Ok(Indicator {
        name: s.name,
        dimension,
        label_zh: s.label_zh,
        label_en: s.label_en,
        direction,
        missing,
        requires: s.requires,
        description: s.description,
        sql: s.sql,
    })
}

impl Indicator {
    /// The SQL with the term's placeholders substituted.
    pub fn sql_for(&self, w: &TermWindow, tz: chrono_tz::Tz) -> String {
        let t = Template {
            as_of: date_lit(w.as_of),
            as_of_ts: ts_lit(w.as_of_ts),
            since: date_lit(w.start),
            lookback_start: date_lit(w.start),
            tz: format!("'{}'", tz.name()),
        };
        let sql = self
            .sql
            .replace("{{term}}", &super::quote(&w.term))
            .replace("{{term_start_ts}}", &ts_lit(w.start_ts))
            .replace("{{term_end_ts}}", &ts_lit(w.end_ts))
            .replace("{{term_start}}", &date_lit(w.start))
            .replace("{{term_end}}", &date_lit(w.window_end()));
        t.apply(&sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_file_parses_and_covers_every_dimension() {
        let set = IndicatorSet::builtin().unwrap();
        for d in DIMENSIONS {
            assert!(set.indicators.iter().any(|i| i.dimension == d), "{d:?}");
        }
        assert!(set.indicators.iter().any(|i| i.direction == Direction::Negative));
        assert!(set.indicators.iter().all(|i| !i.requires.is_empty()));
    }

    #[test]
    fn bad_definitions_are_configuration_errors() {
        let one = |extra: &str| {
            format!(
                "[[indicator]]\nname = \"x\"\ndimension = \"moral\"\nlabel_zh = \"甲\"\nlabel_en = \"x\"\n{extra}\n\
                 sql = \"SELECT student_id, 1 AS value FROM students {{{{term}}}}\"\n"
            )
        };
        assert!(IndicatorSet::parse(&one("direction = \"positive\""), "t").is_ok());
        for extra in [
            "direction = \"up\"",
            "direction = \"positive\"\nmissing = \"mean\"",
            "direction = \"positive\"\nrequires = [\"cards\"]",
        ] {
            let e = IndicatorSet::parse(&one(extra), "t").unwrap_err();
            assert!(e.is_config(), "{extra}: {e}");
        }
        let unknown = one("direction = \"positive\"").replace("{{term}}", "{{semester}}");
        assert!(IndicatorSet::parse(&unknown, "t").unwrap_err().to_string().contains("semester"));
        let twice = format!("{}{}", one("direction = \"positive\""), one("direction = \"positive\""));
        assert!(IndicatorSet::parse(&twice, "t").unwrap_err().to_string().contains("twice"));
        let dims = format!("[dimensions]\nmoral = 2\nintellectual = 2\n{}", one("direction = \"positive\""));
        let set = IndicatorSet::parse(&dims, "t").unwrap();
        assert_eq!(set.dimension_weights, Some([0.5, 0.5, 0.0, 0.0, 0.0]));
    }

    mod props {
        use proptest::prelude::*;

        use crate::evaluation::indicators::{IndicatorSet, BUILTIN};

        proptest! {
            #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
            #[test]
            fn any_indicators_text_parses_or_is_refused(text in crate::proptext::file_text(BUILTIN)) {
                let _ = IndicatorSet::parse(&text, "fuzz.toml");
            }
        }
    }
}
