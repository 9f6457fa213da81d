//! Scoring every active student of a term on the five dimensions.
//!
//! 1. The record kinds are registered as they stood at D 00:00 local (D = the clock's
//!    date; the refresh's as-of views), and the term window is fixed ([`super::term`]).
//! 2. The population: active students whose cohort had enrolled by the term (cohort ≤ the
//!    academic year's first calendar year).
//! 3. Every indicator's SQL runs once. An indicator is *unavailable* when a record kind it
//!    requires is absent from the store (the campus does not send it): it is reported and
//!    left out of the weights, never 0 for everyone. A student without a row gets 0
//!    (`missing = "zero"`: counts and hours) or null (`missing = "null"`: scores such as GPA,
//!    which are then left out of that student's dimension, the other indicators' weights
//!    renormalised). An indicator no student has a value for in the term is `no_values`.
//! 4. Normalisation and weights per dimension ([`super::entropy`], or expert weights).
//! 5. Dimension score 0–100; the total is the (weighted) mean of the dimensions the student
//!    has a score in; percentiles within (major, cohort) ([`super::percentile`]).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use arrow::array::Array;
use chrono_tz::Tz;
use datafusion::prelude::{SessionConfig, SessionContext};

use super::entropy::{entropy, normalise, normalise_weights, score};
use super::indicators::{Dimension, Direction, IndicatorSet, Missing, DIMENSIONS};
use super::percentile::within_groups;
use super::term::{latest_with_data, TermWindow};
use super::weights::{ExpertWeights, Method};
use super::{collect, EvaluationError};
use crate::features::clock::LocalClock;
use crate::features::cols::{floats, ints, strs};
use crate::pipeline::asof::{raw_name, register_views};
use crate::schema::time::{days_to_date, Micros};
use crate::schema::ALL_KINDS;
use crate::store::Store;

/// What to evaluate and how.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Term (`YYYY-YYYY-N`); `None` = the latest term with any record before D.
    pub term: Option<String>,
    /// The clock: its local date is D, and records before D 00:00 are seen.
    pub now: Micros,
    /// Campus time zone.
    pub tz: Tz,
    /// The indicators.
    pub indicators: IndicatorSet,
    /// Expert weights; `None` = the entropy weight method.
    pub weights: Option<ExpertWeights>,
}

impl EvalOptions {
    /// The defaults the nightly refresh can use: built-in indicators, entropy weights,
    /// the latest term with data before the clock's date.
    pub fn new(now: Micros, tz: Tz) -> Result<EvalOptions, EvaluationError> {
        Ok(EvalOptions { term: None, now, tz, indicators: IndicatorSet::builtin()?, weights: None })
    }

    /// The weighting method these options use.
    pub fn method(&self) -> Method {
        if self.weights.is_some() {
            Method::Expert
        } else {
            Method::Entropy
        }
    }
}

/// What became of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightStatus {
    /// Weighted (weight > 0).
    Used,
    /// All values equal (or fewer than two known): d = 0, no weight.
    Constant,
    /// No student has a value in the term.
    NoValues,
    /// A record kind it needs is not in the store.
    Unavailable,
    /// Expert weights give it 0.
    ZeroWeight,
}

impl WeightStatus {
    /// Name as in the tables.
    pub fn name(self) -> &'static str {
        match self {
            WeightStatus::Used => "used",
            WeightStatus::Constant => "constant",
            WeightStatus::NoValues => "no_values",
            WeightStatus::Unavailable => "unavailable",
            WeightStatus::ZeroWeight => "zero_weight",
        }
    }
}

/// One indicator's weight and how it came about, for the committee to inspect.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorWeight {
    /// Indicator.
    pub indicator: String,
    /// Its dimension.
    pub dimension: Dimension,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// Direction.
    pub direction: Direction,
    /// What became of it.
    pub status: WeightStatus,
    /// Entropy e_j (null when unavailable or without values).
    pub entropy: Option<f64>,
    /// Divergence d_j = 1 − e_j.
    pub divergence: Option<f64>,
    /// Weight within the dimension (the dimension's weights sum to 1).
    pub weight: f64,
    /// Students of the population with a value from the records (before zero-filling).
    pub students_with_value: usize,
    /// Smallest value (after zero-filling).
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Why it is not used, when it is not.
    pub note: String,
}

/// One student's result.
#[derive(Debug, Clone, PartialEq)]
pub struct StudentScore {
    /// Student.
    pub student_id: String,
    /// College.
    pub college: String,
    /// Major.
    pub major: String,
    /// Cohort.
    pub cohort: i64,
    /// Scores 0–100 in [`DIMENSIONS`] order (null: no weighted indicator known).
    pub dimensions: [Option<f64>; 5],
    /// The total 0–100.
    pub total: Option<f64>,
    /// Percentiles 0–1 within (major, cohort), [`DIMENSIONS`] order.
    pub dimension_pct: [Option<f64>; 5],
    /// Percentile of the total.
    pub total_pct: Option<f64>,
}

/// The result of [`evaluate_students`].
#[derive(Debug, Clone)]
pub struct EvalReport {
    /// The term and its window.
    pub term: TermWindow,
    /// Weighting method.
    pub method: Method,
    /// Students, sorted by id.
    pub students: Vec<StudentScore>,
    /// Every indicator, in file order.
    pub weights: Vec<IndicatorWeight>,
    /// Weights of the dimensions in the total ([`DIMENSIONS`] order; 0 for a dimension
    /// without any usable indicator).
    pub dimension_weights: [f64; 5],
    /// Where the indicators came from.
    pub indicators_source: String,
    /// Seconds the evaluation took.
    pub seconds: f64,
}

impl EvalReport {
    /// Indicators with a status.
    pub fn with_status(&self, s: WeightStatus) -> Vec<&str> {
        self.weights.iter().filter(|w| w.status == s).map(|w| w.indicator.as_str()).collect()
    }
}

struct Population {
    ids: Vec<String>,
    college: Vec<String>,
    major: Vec<String>,
    cohort: Vec<i64>,
    index: HashMap<String, usize>,
}

/// Scores every active student of the term (see the module documentation).
pub async fn evaluate_students(store: &Store, opts: &EvalOptions) -> Result<EvalReport, EvaluationError> {
    let t0 = Instant::now();
    if let Some(w) = &opts.weights {
        w.check(&opts.indicators)?;
    }
    let as_of = crate::refresh::as_of_date(None, opts.now, opts.tz);
    let (ctx, kinds) = session(store, as_of, opts.tz).await?;
    if !kinds.contains_key("students") {
        return Err(EvaluationError::NoData("the store has no students: ingest students first".into()));
    }
    let term = match &opts.term {
        Some(t) => TermWindow::new(t, as_of, opts.tz)?,
        None => latest_with_data(&ctx, &kinds, as_of, opts.tz).await?,
    };
    let pop = population(&ctx, &term).await?;
    let mut present: BTreeMap<String, bool> = BTreeMap::new();
    let mut weights = Vec::new();
    let mut columns: Vec<Option<Vec<Option<f64>>>> = Vec::new();
    for ind in &opts.indicators.indicators {
        let mut missing_kinds = Vec::new();
        for k in &ind.requires {
            if !has_rows(&ctx, &kinds, &mut present, k).await? {
                missing_kinds.push(k.as_str());
            }
        }
        let mut w = IndicatorWeight {
            indicator: ind.name.clone(),
            dimension: ind.dimension,
            label_zh: ind.label_zh.clone(),
            label_en: ind.label_en.clone(),
            direction: ind.direction,
            status: WeightStatus::Unavailable,
            entropy: None,
            divergence: None,
            weight: 0.0,
            students_with_value: 0,
            min: None,
            max: None,
            note: String::new(),
        };
        if !missing_kinds.is_empty() {
            w.note = format!("not sent by the campus: {}", missing_kinds.join(", "));
            weights.push(w);
            columns.push(None);
            continue;
        }
        let found = run_indicator(&ctx, &ind.name, &opts.indicators.source, &ind.sql_for(&term, opts.tz), &pop).await?;
        w.students_with_value = found.iter().filter(|v| v.is_some()).count();
        let values: Vec<Option<f64>> = match ind.missing {
            Missing::Zero => found.iter().map(|v| Some(v.unwrap_or(0.0))).collect(),
            Missing::Null => found,
        };
        let known = values.iter().flatten();
        w.min = known.clone().copied().reduce(f64::min);
        w.max = known.copied().reduce(f64::max);
        if w.students_with_value == 0 {
            w.status = WeightStatus::NoValues;
            w.note = format!("no student has a value in {}", term.term);
            weights.push(w);
            columns.push(None);
            continue;
        }
        match normalise(&values, ind.direction) {
            None => {
                w.status = WeightStatus::Constant;
                (w.entropy, w.divergence) = (Some(1.0), Some(0.0));
                w.note = "fewer than two distinct values: d = 0".into();
                columns.push(None);
            }
            Some(norm) => {
                let (e, d) = entropy(&norm);
                (w.entropy, w.divergence) = (Some(e), Some(d));
                columns.push(Some(norm));
            }
        }
        weights.push(w);
    }
    let method = opts.method();
    let mut dim_scores: Vec<[Option<f64>; 5]> = vec![[None; 5]; pop.ids.len()];
    let mut dim_usable = [false; 5];
    for d in DIMENSIONS {
        let members: Vec<usize> =
            (0..weights.len()).filter(|&j| weights[j].dimension == d && columns[j].is_some()).collect();
        let raw: Vec<f64> = members
            .iter()
            .map(|&j| match &opts.weights {
                Some(x) => x.of(&weights[j].indicator),
                None => weights[j].divergence.unwrap_or(0.0),
            })
            .collect();
        let Some(w) = normalise_weights(&raw) else {
            for &j in &members {
                weights[j].status = WeightStatus::ZeroWeight;
                weights[j].note = format!("the {} dimension has no weight left", d.name());
            }
            continue;
        };
        dim_usable[d.index()] = true;
        for (k, &j) in members.iter().enumerate() {
            weights[j].weight = w[k];
            if w[k] > 0.0 {
                weights[j].status = WeightStatus::Used;
            } else {
                weights[j].status = WeightStatus::ZeroWeight;
                weights[j].note = "weight 0 in the expert weights".into();
            }
        }
        for (i, row) in dim_scores.iter_mut().enumerate() {
            let x: Vec<Option<f64>> = members.iter().map(|&j| columns[j].as_ref().and_then(|c| c[i])).collect();
            row[d.index()] = score(&x, &w).map(tidy);
        }
    }
    if !dim_usable.iter().any(|u| *u) {
        let why: Vec<String> = weights.iter().map(|w| format!("{} {}", w.indicator, w.status.name())).collect();
        return Err(EvaluationError::NoData(format!("no indicator can be used in {}: {}", term.term, why.join(", "))));
    }
    let given = opts.weights.as_ref().and_then(|w| w.dimensions).or(opts.indicators.dimension_weights);
    let mut dimension_weights = given.unwrap_or([0.2; 5]);
    for d in DIMENSIONS {
        if !dim_usable[d.index()] {
            dimension_weights[d.index()] = 0.0;
        }
    }
    let dimension_weights = normalise_weights(&dimension_weights).map_or([0.0; 5], |v| {
        let mut a = [0.0; 5];
        a.copy_from_slice(&v);
        a
    });
    let totals: Vec<Option<f64>> = dim_scores
        .iter()
        .map(|s| {
            let x: Vec<Option<f64>> = s.iter().map(|v| v.map(|y| y / 100.0)).collect();
            score(&x, &dimension_weights).map(tidy)
        })
        .collect();
    let groups = group_index(&pop);
    let mut pct: Vec<Vec<Option<f64>>> = DIMENSIONS
        .iter()
        .map(|d| within_groups(&dim_scores.iter().map(|s| s[d.index()]).collect::<Vec<_>>(), &groups))
        .collect();
    pct.push(within_groups(&totals, &groups));
    let students = (0..pop.ids.len())
        .map(|i| StudentScore {
            student_id: pop.ids[i].clone(),
            college: pop.college[i].clone(),
            major: pop.major[i].clone(),
            cohort: pop.cohort[i],
            dimensions: dim_scores[i],
            total: totals[i],
            dimension_pct: [pct[0][i], pct[1][i], pct[2][i], pct[3][i], pct[4][i]],
            total_pct: pct[5][i],
        })
        .collect();
    Ok(EvalReport {
        term,
        method,
        students,
        weights,
        dimension_weights,
        indicators_source: opts.indicators.source.clone(),
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// A session with every record kind as it stood at D 00:00 local, and the pinned kinds.
pub(crate) async fn session(
    store: &Store,
    as_of: i32,
    tz: Tz,
) -> Result<(SessionContext, BTreeMap<String, deltalake::DeltaTable>), EvaluationError> {
    let mut kinds = BTreeMap::new();
    for k in ALL_KINDS.iter() {
        if let Some(t) = store.load(k.name).await? {
            kinds.insert(k.name.to_string(), t);
        }
    }
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_information_schema(true));
    let d_ts = LocalClock::new(tz).midnight(as_of);
    let d_date = days_to_date(as_of).format("%Y-%m-%d").to_string();
    register_views(&ctx, &kinds, d_ts, &d_date).await?;
    Ok((ctx, kinds))
}

/// Whether the store holds any row of a kind (cached in `present`).
pub(crate) async fn has_rows(
    ctx: &SessionContext,
    kinds: &BTreeMap<String, deltalake::DeltaTable>,
    present: &mut BTreeMap<String, bool>,
    kind: &str,
) -> Result<bool, EvaluationError> {
    if let Some(p) = present.get(kind) {
        return Ok(*p);
    }
    let p = kinds.contains_key(kind)
        && collect(ctx, &format!("SELECT 1 AS x FROM \"{}\" LIMIT 1", raw_name(kind)))
            .await?
            .iter()
            .any(|b| b.num_rows() > 0);
    present.insert(kind.to_string(), p);
    Ok(p)
}

async fn population(ctx: &SessionContext, term: &TermWindow) -> Result<Population, EvaluationError> {
    let sql = format!(
        "SELECT student_id, college, major, cohort FROM students \
         WHERE status = 'active' AND cohort <= {} ORDER BY student_id",
        term.first_year()
    );
    let mut p = Population { ids: vec![], college: vec![], major: vec![], cohort: vec![], index: HashMap::new() };
    for b in collect(ctx, &sql).await? {
        let (id, college, major, cohort) =
            (strs(&b, "student_id")?, strs(&b, "college")?, strs(&b, "major")?, ints(&b, "cohort")?);
        for r in 0..b.num_rows() {
            p.index.insert(id.get(r).to_string(), p.ids.len());
            p.ids.push(id.get(r).to_string());
            p.college.push(college.get(r).to_string());
            p.major.push(major.get(r).to_string());
            p.cohort.push(cohort.value(r));
        }
    }
    if p.ids.is_empty() {
        return Err(EvaluationError::NoData(format!("no active student had enrolled by {}", term.term)));
    }
    Ok(p)
}

/// Runs one indicator: the value of every student of the population (`None` = no row).
async fn run_indicator(
    ctx: &SessionContext,
    name: &str,
    file: &str,
    sql: &str,
    pop: &Population,
) -> Result<Vec<Option<f64>>, EvaluationError> {
    let wrapped = format!(
        "SELECT CAST(student_id AS VARCHAR) AS student_id, CAST(value AS DOUBLE) AS value FROM ({sql}) AS indicator_rows"
    );
    let df = ctx.sql(&wrapped).await.map_err(|e| EvaluationError::Indicator {
        indicator: name.to_string(),
        file: file.to_string(),
        reason: format!("SQL does not plan (it must return `student_id` and `value`): {}", first_line(&e.to_string())),
    })?;
    let batches = df
        .collect()
        .await
        .map_err(|e| EvaluationError::Result { indicator: name.to_string(), reason: first_line(&e.to_string()) })?;
    let mut out = vec![None; pop.ids.len()];
    let mut seen = vec![false; pop.ids.len()];
    for b in batches {
        let (id, value) = (strs(&b, "student_id")?, floats(&b, "value")?);
        for r in 0..b.num_rows() {
            let Some(&i) = pop.index.get(id.get(r)) else { continue };
            if seen[i] {
                return Err(EvaluationError::Result {
                    indicator: name.to_string(),
                    reason: format!("more than one row for student {}: return one row per student", id.get(r)),
                });
            }
            seen[i] = true;
            if value.is_null(r) || !value.value(r).is_finite() {
                continue;
            }
            // Rounded so that summation order cannot change a re-run's result.
            out[i] = Some((value.value(r) * 1e9).round() / 1e9);
        }
    }
    Ok(out)
}

/// A score clamped to 0–100 and rounded to 9 decimals (100.00000000000001 is 100).
fn tidy(x: f64) -> f64 {
    (x.clamp(0.0, 100.0) * 1e9).round() / 1e9
}

fn group_index(p: &Population) -> Vec<usize> {
    let mut ids: HashMap<(&str, i64), usize> = HashMap::new();
    (0..p.ids.len())
        .map(|i| {
            let n = ids.len();
            *ids.entry((p.major[i].as_str(), p.cohort[i])).or_insert(n)
        })
        .collect()
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    line.chars().take(400).collect()
}
