//! Warning rules as configuration: a versioned TOML file an analyst edits
//! (`pipelines/warnings/rules.toml`; the copy built into the binary is the default).
//! See that file for the documented defaults and README "Warnings" for the format.
//!
//! Every rule has the common keys `id`, `category`, `type`, `sources`, `reason_zh`,
//! `reason_en` (and optionally `enabled`), plus the keys of its type. Unknown keys are
//! errors, so a misspelt threshold is caught by `radar warnings rules validate` instead
//! of silently falling back to a default.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::WarningError;

/// The rules built into the binary (the repository's defaults).
pub const BUILTIN: &str = include_str!("../../pipelines/warnings/rules.toml");

/// Warning categories, in interfaces.md spelling.
pub const CATEGORIES: [&str; 4] = ["academic", "wellbeing", "economic", "safety"];
/// Levels, most urgent first.
pub const LEVELS: [&str; 3] = ["red", "orange", "yellow"];
/// Record kinds a rule may name as its data sources.
pub const SOURCES: [&str; 13] = [
    "card_transactions",
    "access_events",
    "network_sessions",
    "attendance",
    "learning_events",
    "coursework",
    "grades",
    "participation",
    "library_loans",
    "assessments",
    "process_records",
    "leave_requests",
    "risk_scores",
];

/// Weekly features rules may use: the numeric columns of `student_week`, read from the
/// step's own schema so the two cannot drift apart.
pub fn weekly_features() -> Vec<String> {
    crate::features::week::schema()
        .fields()
        .iter()
        .filter(|f| f.data_type().is_numeric())
        .map(|f| f.name().clone())
        .collect()
}

/// Level thresholds of a rule's statistic; absent levels are not raised.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Levels {
    /// Threshold for red.
    pub red: Option<f64>,
    /// Threshold for orange.
    pub orange: Option<f64>,
    /// Threshold for yellow.
    pub yellow: Option<f64>,
}

impl Levels {
    /// The most urgent level whose threshold `stat` reaches (`>=` when `higher` is
    /// worse, `<=` otherwise).
    pub fn level(&self, stat: f64, higher: bool) -> Option<&'static str> {
        let hit = |t: Option<f64>| t.is_some_and(|t| if higher { stat >= t } else { stat <= t });
        if hit(self.red) {
            Some("red")
        } else if hit(self.orange) {
            Some("orange")
        } else if hit(self.yellow) {
            Some("yellow")
        } else {
            None
        }
    }

    fn check(&self, higher: bool) -> Result<(), String> {
        let v: Vec<f64> = [self.yellow, self.orange, self.red].into_iter().flatten().collect();
        if v.is_empty() {
            return Err("`levels` sets no level".into());
        }
        if v.iter().any(|x| !x.is_finite()) {
            return Err("`levels` has a value that is not a finite number".into());
        }
        let ordered = v.windows(2).all(|w| if higher { w[0] <= w[1] } else { w[0] >= w[1] });
        if !ordered {
            let how = if higher { "rise" } else { "fall" };
            return Err(format!("`levels` must {how} from yellow to orange to red"));
        }
        Ok(())
    }
}

/// Direction of change that is a concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Rising is a concern (later nights).
    Up,
    /// Falling is a concern (fewer meals).
    Down,
}

impl Direction {
    /// +1 for up, −1 for down.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Up => 1.0,
            Direction::Down => -1.0,
        }
    }
}

/// Aggregation of a weekly feature over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Agg {
    /// Mean of the non-null weeks.
    Mean,
    /// Sum of the weeks.
    Sum,
    /// Smallest week.
    Min,
    /// Largest week.
    Max,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Op {
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `<`
    #[serde(rename = "<")]
    Lt,
}

impl Op {
    /// Applies the comparison.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Ge => a >= b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Lt => a < b,
        }
    }
}

/// A precondition on a weekly feature aggregated over the last complete weeks.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Require {
    /// `student_week` column.
    pub feature: String,
    /// Aggregation.
    pub agg: Agg,
    /// Weeks.
    pub weeks: usize,
    /// Comparison.
    pub op: Op,
    /// Right-hand side.
    pub value: f64,
}

/// A change against the student's own history (cohort-adjusted), scored by CUSUM.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// `student_week` column.
    pub feature: String,
    /// Which way is a concern.
    pub direction: Direction,
    /// Recent weeks the CUSUM runs over.
    #[serde(default = "d_recent")]
    pub recent_weeks: usize,
    /// Weeks before those that form the student's baseline.
    #[serde(default = "d_baseline")]
    pub baseline_weeks: usize,
    /// Fewest non-null baseline weeks.
    #[serde(default = "d_min_baseline")]
    pub min_baseline_weeks: usize,
    /// CUSUM allowance k, in robust standard deviations.
    #[serde(default = "d_k")]
    pub allowance: f64,
    /// Smallest scale (feature units) the standardisation uses, so a student whose
    /// value never moved is not flagged for a tiny change.
    #[serde(default)]
    pub min_scale: f64,
    /// Smallest absolute change of the recent mean against the baseline (feature units).
    #[serde(default)]
    pub min_change: f64,
    /// Smallest relative change of the recent mean against the baseline (0–1).
    #[serde(default)]
    pub min_relative: f64,
    /// Cohort percentile guard on the latest week: for `down` the student must be at or
    /// below it, for `up` at or above it.
    pub cohort_pct: Option<f64>,
    /// Require a Mann-Kendall trend in the concerning direction over baseline + recent
    /// weeks with this one-sided p-value or smaller.
    pub trend_p: Option<f64>,
    /// CUSUM thresholds.
    pub levels: Levels,
}

/// A weekly feature aggregated over recent weeks against fixed levels or cohort position.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// `student_week` column.
    pub feature: String,
    /// Aggregation.
    pub agg: Agg,
    /// Complete weeks.
    pub weeks: usize,
    /// `value`: levels on the aggregate; `cohort_pct`: on its percentile in the cohort.
    #[serde(default = "d_on")]
    pub on: String,
    /// Whether higher is worse.
    pub higher_is_worse: bool,
    /// Fewest non-null weeks in the window.
    #[serde(default = "d_one")]
    pub min_weeks: usize,
    /// Preconditions.
    #[serde(default)]
    pub require: Vec<Require>,
    /// With `on = "cohort_pct"` and lower worse: the aggregate must also be at most this
    /// share of the cohort's median, so a cohort where everyone is alike flags nobody.
    pub max_share_of_median: Option<f64>,
    /// Thresholds.
    pub levels: Levels,
}

/// A term-level result (`student_term`, `student_term_coursework`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// `student_term` or `student_term_coursework`.
    pub table: String,
    /// Column.
    pub feature: String,
    /// `latest`: the student's latest term in the table; `total`: summed over terms.
    #[serde(default = "d_latest")]
    pub scope: String,
    /// Whether higher is worse.
    pub higher_is_worse: bool,
    /// Preconditions on other columns of the same row (`items_due >= 3`).
    #[serde(default)]
    pub require: Vec<TermRequire>,
    /// Thresholds.
    pub levels: Levels,
}

/// A precondition on a term row.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TermRequire {
    /// Column.
    pub feature: String,
    /// Comparison.
    pub op: Op,
    /// Right-hand side.
    pub value: f64,
}

/// A screening result (`assessments`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Screening {
    /// Assessment kind, e.g. `psych_screening`.
    pub kind: String,
    /// Only results from the last this many days.
    #[serde(default = "d_within")]
    pub within_days: i64,
    /// The screening's own band → warning level.
    #[serde(default)]
    pub level_map: BTreeMap<String, String>,
    /// Score thresholds (higher = more distress), used when the band maps to nothing.
    #[serde(default)]
    pub levels: Levels,
}

/// A model's predicted risk (`risk_scores` of the same as-of date).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    /// Only this model's scores (default: any model that scored as of the date).
    #[serde(default)]
    pub model: Option<String>,
    /// Calibrated probability per level.
    pub levels: Levels,
}

/// No trace on campus for longer than usual.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Silence {
    /// Silence in hours per level.
    pub levels: Levels,
    /// Days of history that say what is usual.
    #[serde(default = "d_history")]
    pub history_days: i64,
    /// A student leaves traces "normally" when on at least this share of the history's
    /// days they left one.
    #[serde(default = "d_share")]
    pub min_active_share: f64,
    /// Only a silence longer than the student's own longest in the history counts.
    #[serde(default = "d_true")]
    pub beyond_own_longest: bool,
    /// When more than this share of normally active students is silent for the yellow
    /// span, the campus is on holiday: the rule holds back.
    #[serde(default = "d_campus")]
    pub campus_share_max: f64,
    /// Fewest ordinary (not quiet) days of history before the rule judges anyone: what is
    /// usual needs at least a week with its weekend.
    #[serde(default = "d_min_history")]
    pub min_history_days: u32,
}

/// A resident student not back in the dorm overnight.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DormNight {
    /// Consecutive nights away per level.
    pub levels: Levels,
    /// Days of history.
    #[serde(default = "d_history")]
    pub history_days: i64,
    /// The student normally sleeps in: back on at least this share of nights.
    #[serde(default = "d_return_share")]
    pub min_return_share: f64,
    /// Local hour of the night the dorm state is read at.
    #[serde(default = "d_check_hour")]
    pub check_hour: i64,
    /// Holiday guard, as for silence.
    #[serde(default = "d_campus")]
    pub campus_share_max: f64,
}

/// Overdue from leave: past an approved leave's planned return (`end_ts`), not reported
/// back (`returned_at` empty) and no trace on campus since.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LeaveOverdue {
    /// Hours past the planned return per level.
    pub levels: Levels,
}

/// Several rules of a category firing together.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Composite {
    /// Rule ids counted.
    pub rules: Vec<String>,
    /// Number of those rules firing per level.
    pub levels: Levels,
}

/// What a rule checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// Change against own baseline.
    Change(Change),
    /// Aggregate against levels or cohort.
    Threshold(Threshold),
    /// Term result.
    Term(Term),
    /// Screening band or score.
    Screening(Screening),
    /// No trace on campus.
    Silence(Silence),
    /// Not back in the dorm overnight.
    DormNight(DormNight),
    /// Overdue from leave.
    Leave(LeaveOverdue),
    /// Several rules together.
    Composite(Composite),
    /// A risk model's calibrated score (`risk_scores`, written by the nightly scoring).
    Risk(Risk),
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Stable id, e.g. `wellbeing.meals_down`; warnings are de-duplicated per student and id.
    pub id: String,
    /// Category.
    pub category: String,
    /// Record kinds the rule relies on.
    pub sources: Vec<String>,
    /// One-line reason, Chinese, with `{placeholders}`.
    pub reason_zh: String,
    /// One-line reason, English.
    pub reason_en: String,
    /// Raised on its own (`alone = true`, the default) or only counted by composites.
    pub alone: bool,
    /// What it checks.
    pub check: Check,
}

/// Alert volume settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// New warnings per counsellor per night (the morning list).
    #[serde(default = "d_capacity")]
    pub capacity: usize,
    /// Days after a warning is resolved (or marked false positive) during which the same
    /// rule does not raise a new one for that student.
    #[serde(default = "d_cooldown")]
    pub cooldown_days: i64,
    /// Priority weight per category (higher first, after the level).
    #[serde(default)]
    pub category_weight: BTreeMap<String, f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { capacity: d_capacity(), cooldown_days: d_cooldown(), category_weight: BTreeMap::new() }
    }
}

/// A loaded, checked rule set.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// `version` of the file.
    pub version: String,
    /// Where it came from (`built-in` or a path).
    pub source: String,
    /// Settings.
    pub settings: Settings,
    /// Enabled rules in file order.
    pub rules: Vec<Rule>,
}

fn d_recent() -> usize {
    3
}
fn d_baseline() -> usize {
    8
}
fn d_min_baseline() -> usize {
    4
}
fn d_k() -> f64 {
    0.5
}
fn d_on() -> String {
    "value".into()
}
fn d_one() -> usize {
    1
}
fn d_latest() -> String {
    "latest".into()
}
fn d_within() -> i64 {
    60
}
fn d_history() -> i64 {
    28
}
fn d_share() -> f64 {
    0.6
}
fn d_true() -> bool {
    true
}
fn d_campus() -> f64 {
    0.25
}
fn d_min_history() -> u32 {
    7
}
fn d_return_share() -> f64 {
    0.85
}
fn d_check_hour() -> i64 {
    3
}
fn d_capacity() -> usize {
    10
}
fn d_cooldown() -> i64 {
    14
}

const COMMON: [&str; 8] = ["id", "category", "type", "sources", "reason_zh", "reason_en", "enabled", "alone"];

fn type_keys(ty: &str) -> Option<&'static [&'static str]> {
    Some(match ty {
        "change" => &[
            "feature",
            "direction",
            "recent_weeks",
            "baseline_weeks",
            "min_baseline_weeks",
            "allowance",
            "min_scale",
            "min_change",
            "min_relative",
            "cohort_pct",
            "trend_p",
            "levels",
        ],
        "threshold" => &[
            "feature",
            "agg",
            "weeks",
            "on",
            "higher_is_worse",
            "min_weeks",
            "require",
            "max_share_of_median",
            "levels",
        ],
        "term" => &["table", "feature", "scope", "higher_is_worse", "require", "levels"],
        "screening" => &["kind", "within_days", "level_map", "levels"],
        "silence" => &[
            "levels",
            "history_days",
            "min_active_share",
            "beyond_own_longest",
            "campus_share_max",
            "min_history_days",
        ],
        "dorm_night" => &["levels", "history_days", "min_return_share", "check_hour", "campus_share_max"],
        "leave" => &["levels"],
        "composite" => &["rules", "levels"],
        "risk" => &["model", "levels"],
        _ => return None,
    })
}

const TYPES: [&str; 9] =
    ["change", "threshold", "term", "screening", "silence", "dorm_night", "leave", "composite", "risk"];

/// Term tables and the columns rules may use.
const TERM_COLUMNS: [(&str, &[&str]); 2] = [
    ("student_term", &["attempted_credits", "failed_credits", "gpa", "gpa_rank_pct"]),
    (
        "student_term_coursework",
        &["items", "items_due", "submitted", "missing", "late", "missing_rate", "mean_score", "weighted_score"],
    ),
];

/// Where the rules come from: `--rules`/`RADAR_RULES`, else
/// `./pipelines/warnings/rules.toml` when present, else the built-in copy.
pub fn resolve(given: Option<PathBuf>) -> Option<PathBuf> {
    given.or_else(|| {
        let p = PathBuf::from("pipelines/warnings/rules.toml");
        p.is_file().then_some(p)
    })
}

/// Loads and checks a rule file (`None` = built-in).
pub fn load(path: Option<&Path>) -> Result<RuleSet, WarningError> {
    match path {
        None => parse(BUILTIN, "built-in"),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| WarningError::Rules { file: p.display().to_string(), problems: vec![e.to_string()] })?;
            parse(&text, &p.display().to_string())
        }
    }
}

/// Parses and checks rule text; every problem is reported at once.
pub fn parse(text: &str, source: &str) -> Result<RuleSet, WarningError> {
    let fail = |problems: Vec<String>| WarningError::Rules { file: source.to_string(), problems };
    let doc: toml::Table = toml::from_str(text).map_err(|e| fail(vec![e.to_string()]))?;
    let mut problems = Vec::new();
    for k in doc.keys() {
        if !["version", "settings", "rule"].contains(&k.as_str()) {
            problems.push(format!("unknown top-level key `{k}`{}", hint(k, &["version", "settings", "rule"])));
        }
    }
    let version = match doc.get("version") {
        Some(toml::Value::String(s)) if !s.is_empty() => s.clone(),
        Some(toml::Value::Integer(i)) => i.to_string(),
        _ => {
            problems.push("`version` is missing: every rule file carries a version, recorded on its warnings".into());
            String::new()
        }
    };
    let settings: Settings = match doc.get("settings").cloned() {
        Some(v) => v.try_into().unwrap_or_else(|e: toml::de::Error| {
            problems.push(format!("[settings]: {}", e.message()));
            Settings::default()
        }),
        None => Settings::default(),
    };
    if settings.capacity == 0 {
        problems.push("[settings] capacity must be at least 1".into());
    }
    if settings.cooldown_days < 0 {
        problems.push("[settings] cooldown_days must not be negative".into());
    }
    for c in settings.category_weight.keys() {
        if !CATEGORIES.contains(&c.as_str()) {
            problems.push(format!("[settings.category_weight]: unknown category `{c}`"));
        }
    }
    let tables = match doc.get("rule") {
        Some(toml::Value::Array(a)) => a.clone(),
        Some(_) => {
            problems.push("`rule` must be an array of tables ([[rule]])".into());
            Vec::new()
        }
        None => Vec::new(),
    };
    let mut rules = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, t) in tables.iter().enumerate() {
        let Some(t) = t.as_table() else {
            problems.push(format!("rule {}: not a table", i + 1));
            continue;
        };
        let label =
            t.get("id").and_then(|v| v.as_str()).map_or_else(|| format!("rule {}", i + 1), |s| format!("rule `{s}`"));
        match rule(t) {
            Ok(Some(r)) => {
                if !ids.insert(r.id.clone()) {
                    problems.push(format!("{label}: the id is used twice"));
                }
                rules.push(r);
            }
            Ok(None) => {}
            Err(ps) => problems.extend(ps.into_iter().map(|p| format!("{label}: {p}"))),
        }
    }
    for r in &rules {
        if let Check::Composite(c) = &r.check {
            for id in &c.rules {
                match rules.iter().find(|o| &o.id == id) {
                    None => problems.push(format!("rule `{}`: counts unknown rule `{id}`", r.id)),
                    Some(o) if matches!(o.check, Check::Composite(_)) => {
                        problems.push(format!("rule `{}`: counts another composite rule `{id}`", r.id))
                    }
                    Some(_) => {}
                }
            }
        }
    }
    if rules.is_empty() && problems.is_empty() {
        problems.push("no enabled rule".into());
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    Ok(RuleSet { version, source: source.to_string(), settings, rules })
}

fn hint(got: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (strsim::levenshtein(got, k), *k))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map_or_else(String::new, |(_, k)| format!(" (did you mean `{k}`?)"))
}

fn rule(t: &toml::Table) -> Result<Option<Rule>, Vec<String>> {
    let mut problems = Vec::new();
    let s = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
    if t.get("enabled").and_then(|v| v.as_bool()) == Some(false) {
        return Ok(None);
    }
    let id = s("id").unwrap_or_default();
    if id.is_empty() {
        problems.push("`id` is missing".into());
    }
    let category = s("category").unwrap_or_default();
    if !CATEGORIES.contains(&category.as_str()) {
        problems.push(format!("`category` must be one of {}", CATEGORIES.join(", ")));
    }
    let ty = s("type").unwrap_or_default();
    let Some(keys) = type_keys(&ty) else {
        problems.push(format!("`type` `{ty}` is not one of {}{}", TYPES.join(", "), hint(&ty, &TYPES)));
        return Err(problems);
    };
    for k in t.keys() {
        if !COMMON.contains(&k.as_str()) && !keys.contains(&k.as_str()) {
            let all: Vec<&str> = COMMON.iter().chain(keys.iter()).copied().collect();
            problems.push(format!("unknown key `{k}` for type `{ty}`{}", hint(k, &all)));
        }
    }
    let sources: Vec<String> = match t.get("sources") {
        Some(toml::Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    if sources.is_empty() && ty != "composite" {
        problems.push("`sources` must list the record kinds the rule relies on".into());
    }
    for src in &sources {
        if !SOURCES.contains(&src.as_str()) {
            problems.push(format!("unknown source `{src}`{}", hint(src, &SOURCES)));
        }
    }
    let (reason_zh, reason_en) = (s("reason_zh").unwrap_or_default(), s("reason_en").unwrap_or_default());
    if reason_zh.is_empty() || reason_en.is_empty() {
        problems.push("`reason_zh` and `reason_en` are both required".into());
    }
    let mut params = t.clone();
    // Unknown keys are reported above; dropping them here lets the rest still be checked.
    params.retain(|k, _| keys.iter().any(|x| *x == k));
    let value = toml::Value::Table(params);
    let de = |e: toml::de::Error| e.message().to_string();
    let check = match ty.as_str() {
        "change" => value.try_into().map(Check::Change).map_err(de),
        "threshold" => value.try_into().map(Check::Threshold).map_err(de),
        "term" => value.try_into().map(Check::Term).map_err(de),
        "screening" => value.try_into().map(Check::Screening).map_err(de),
        "silence" => value.try_into().map(Check::Silence).map_err(de),
        "dorm_night" => value.try_into().map(Check::DormNight).map_err(de),
        "risk" => value.try_into().map(Check::Risk).map_err(de),
        "leave" => value.try_into().map(Check::Leave).map_err(de),
        _ => value.try_into().map(Check::Composite).map_err(de),
    };
    let check = match check {
        Ok(c) => {
            problems.extend(check_params(&c));
            Some(c)
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    match check {
        Some(check) if problems.is_empty() => {
            let alone = t.get("alone").and_then(|v| v.as_bool()).unwrap_or(true);
            Ok(Some(Rule { id, category, sources, reason_zh, reason_en, alone, check }))
        }
        _ => Err(problems),
    }
}

fn weekly(feature: &str, what: &str, problems: &mut Vec<String>) {
    let known = weekly_features();
    if !known.iter().any(|k| k == feature) {
        let names: Vec<&str> = known.iter().map(String::as_str).collect();
        problems.push(format!("{what} `{feature}` is not a student_week feature{}", hint(feature, &names)));
    }
}

fn check_params(c: &Check) -> Vec<String> {
    let mut p = Vec::new();
    let mut lv = |l: &Levels, higher: bool| {
        if let Err(e) = l.check(higher) {
            p.push(e);
        }
    };
    match c {
        Check::Change(x) => {
            lv(&x.levels, true);
            weekly(&x.feature, "feature", &mut p);
            if x.recent_weeks == 0 || x.baseline_weeks == 0 {
                p.push("`recent_weeks` and `baseline_weeks` must be at least 1".into());
            }
            if x.min_baseline_weeks > x.baseline_weeks {
                p.push("`min_baseline_weeks` exceeds `baseline_weeks`".into());
            }
            if x.cohort_pct.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
                p.push("`cohort_pct` must lie in 0–1".into());
            }
        }
        Check::Threshold(x) => {
            lv(&x.levels, x.higher_is_worse);
            weekly(&x.feature, "feature", &mut p);
            if x.weeks == 0 || x.min_weeks > x.weeks {
                p.push("`weeks` must be at least 1 and at least `min_weeks`".into());
            }
            if x.on != "value" && x.on != "cohort_pct" {
                p.push("`on` must be `value` or `cohort_pct`".into());
            }
            for r in &x.require {
                weekly(&r.feature, "require.feature", &mut p);
            }
        }
        Check::Term(x) => {
            lv(&x.levels, x.higher_is_worse);
            match TERM_COLUMNS.iter().find(|(t, _)| *t == x.table) {
                None => p.push(format!("`table` must be student_term or student_term_coursework, not `{}`", x.table)),
                Some((_, cols)) => {
                    for f in std::iter::once(&x.feature).chain(x.require.iter().map(|r| &r.feature)) {
                        if !cols.contains(&f.as_str()) {
                            p.push(format!("`{f}` is not a column of {}{}", x.table, hint(f, cols)));
                        }
                    }
                }
            }
            if x.scope != "latest" && x.scope != "total" {
                p.push("`scope` must be `latest` or `total`".into());
            }
        }
        Check::Screening(x) => {
            if x.levels != Levels::default() {
                lv(&x.levels, true);
            }
            if x.level_map.is_empty() && x.levels == Levels::default() {
                p.push("set `level_map` or `levels`".into());
            }
            for l in x.level_map.values() {
                if !LEVELS.contains(&l.as_str()) {
                    p.push(format!("`level_map` value `{l}` is not red, orange or yellow"));
                }
            }
            if x.within_days <= 0 {
                p.push("`within_days` must be positive".into());
            }
        }
        Check::Risk(x) => {
            lv(&x.levels, true);
            for v in [x.levels.yellow, x.levels.orange, x.levels.red].into_iter().flatten() {
                if !(0.0..=1.0).contains(&v) {
                    p.push(format!("risk level {v} is not a probability in [0, 1]"));
                }
            }
        }
        Check::Silence(x) => {
            lv(&x.levels, true);
            if x.history_days < 7 {
                p.push("`history_days` must be at least 7".into());
            }
        }
        Check::DormNight(x) => {
            lv(&x.levels, true);
            if !(0..=8).contains(&x.check_hour) {
                p.push("`check_hour` must lie in 0–8 (a night hour)".into());
            }
        }
        Check::Leave(x) => lv(&x.levels, true),
        Check::Composite(x) => {
            lv(&x.levels, true);
            if x.rules.len() < 2 {
                p.push("`rules` must name at least two rules".into());
            }
        }
    }
    p
}

impl RuleSet {
    /// A category's priority weight (default: safety 4, wellbeing 3, academic 2, economic 1).
    pub fn category_weight(&self, category: &str) -> f64 {
        self.settings.category_weight.get(category).copied().unwrap_or(match category {
            "safety" => 4.0,
            "wellbeing" => 3.0,
            "academic" => 2.0,
            _ => 1.0,
        })
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Fills `{name}` placeholders; unknown names are left as written so a typo shows.
///
/// Hand-written rather than a template crate: reasons are one line with named values
/// and no logic.
pub fn render(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = template.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let r = parse(BUILTIN, "built-in").unwrap();
        for c in CATEGORIES {
            assert!(r.rules.iter().any(|x| x.category == c), "no {c} rule");
        }
    }

    #[test]
    fn typos_are_reported_with_hints() {
        let text = r#"
version = "t"
[[rule]]
id = "x"
category = "wellbeing"
type = "change"
feature = "meal"
direction = "down"
sources = ["card_transactions"]
reason_zh = "a"
reason_en = "b"
min_chnage = 3
levels = { yellow = 1 }
"#;
        let e = parse(text, "t.toml").unwrap_err().to_string();
        assert!(e.contains("did you mean `min_change`"), "{e}");
        assert!(e.contains("`meal` is not a student_week feature (did you mean `meals`?)"), "{e}");
    }

    #[test]
    fn levels_order() {
        let l = Levels { yellow: Some(1.0), orange: Some(2.0), red: Some(3.0) };
        assert_eq!(l.level(2.5, true), Some("orange"));
        assert_eq!(l.level(0.5, true), None);
        assert!(l.check(false).is_err());
        let d = Levels { yellow: Some(0.8), orange: Some(0.6), red: None };
        assert_eq!(d.level(0.7, false), Some("yellow"));
        assert_eq!(d.level(0.1, false), Some("orange"));
    }

    mod props {
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
            #[test]
            fn any_rules_text_parses_or_is_refused(text in crate::proptext::file_text(super::super::BUILTIN)) {
                let _ = super::super::parse(&text, "fuzz.toml");
            }
        }
    }
}
