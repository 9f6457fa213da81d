//! What the typology and the hidden-hardship score share: the error type, the as-of date,
//! a window of complete weeks of `student_week` for the active students, a ROC AUC and
//! the Delta write of a result table.
//!
//! Only `student_id`, `major` and `cohort` are read from `students` (plus `status` to keep
//! the active ones). The protected and sensitive columns ([`PROTECTED`]) are never an
//! input; [`ensure_unprotected`] guards every query these models build.

use std::collections::{BTreeMap, HashMap};

use arrow::array::{Array, Int32Array, RecordBatch};
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

use crate::features::clock::monday_of;
use crate::features::cols::{floats, strs};
use crate::features::FeatureError;
use crate::schema::time::{date_to_days, days_to_date, parse_date, Micros};
use crate::store::{Store, StoreError};

/// Errors of the analysis models (typology, hidden hardship).
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A query failed.
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// A query result is not shaped as expected.
    #[error(transparent)]
    Shape(#[from] FeatureError),
    /// Building a result batch failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Nothing to work on (no refresh yet, no active student with data in the window).
    #[error("{0}")]
    NoData(String),
    /// A setting is not usable.
    #[error("{what}: {hint}")]
    Config {
        /// What is wrong.
        what: String,
        /// What to do about it.
        hint: String,
    },
    /// The planted truth cannot be read.
    #[error("truth {file}: {msg}")]
    Truth {
        /// File.
        file: String,
        /// Why.
        msg: String,
    },
    /// Clustering failed.
    #[error("clustering: {0}")]
    Cluster(String),
}

impl AnalysisError {
    /// Whether this is a usage or configuration error (exit code 2).
    pub fn is_config(&self) -> bool {
        matches!(self, AnalysisError::Config { .. })
    }
}

/// Columns of `students` that are protected or sensitive: never a model input.
/// (`financial_aid_level` is read only to report how many hardship candidates already
/// receive aid, after scoring, see [`crate::models::hardship::aid_report`].)
pub const PROTECTED: [&str; 4] = ["gender", "hometown_province", "political_status", "financial_aid_level"];

/// The columns of `students` the models read.
pub const STUDENT_COLUMNS: [&str; 3] = ["student_id", "major", "cohort"];

/// Fails when a model query names a protected column.
pub fn ensure_unprotected(sql: &str) -> Result<(), AnalysisError> {
    let lower = sql.to_lowercase();
    match PROTECTED.iter().find(|p| lower.contains(*p)) {
        Some(p) => Err(AnalysisError::Config {
            what: format!("a model query reads the protected column `{p}`"),
            hint: "protected and sensitive columns are never model inputs".into(),
        }),
        None => Ok(()),
    }
}

/// The SQL that lists the active students with their (major, cohort).
pub fn students_sql() -> String {
    format!("SELECT {} FROM students WHERE status = 'active' ORDER BY student_id", STUDENT_COLUMNS.join(", "))
}

/// The SQL that reads `features` of `student_week` for the weeks `first..=last` (Mondays).
pub fn weekly_sql(features: &[&str], first: i32, last: i32) -> String {
    let cols: Vec<String> = features.iter().map(|f| format!("CAST(\"{f}\" AS DOUBLE) AS \"{f}\"")).collect();
    format!(
        "SELECT student_id, CAST(week_start AS INT) AS w, {} FROM student_week \
         WHERE week_start >= CAST('{}' AS DATE) AND week_start <= CAST('{}' AS DATE)",
        cols.join(", "),
        days_to_date(first),
        days_to_date(last)
    )
}

/// The Mondays of the last `weeks` complete weeks before `as_of` (`week_start + 7 <= D`).
pub fn window_weeks(as_of: i32, weeks: usize) -> Vec<i32> {
    let last = monday_of(as_of) - 7;
    (0..weeks as i32).rev().map(|i| last - 7 * i).collect()
}

/// The as-of date (days since epoch): the given `YYYY-MM-DD`, else the latest successful
/// refresh's, else the local date of `now`.
pub fn resolve_as_of(store: &Store, given: Option<&str>, now: Micros, tz: chrono_tz::Tz) -> Result<i32, AnalysisError> {
    if let Some(s) = given {
        return parse_date(s).map(date_to_days).ok_or_else(|| AnalysisError::Config {
            what: format!("--as-of `{s}` is not a date"),
            hint: "use YYYY-MM-DD".into(),
        });
    }
    Ok(crate::refresh::published_as_of(store, now, tz)?)
}

/// The active students and a window of their weekly features.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// As-of date D (days since epoch).
    pub as_of: i32,
    /// Mondays of the complete weeks, ascending.
    pub weeks: Vec<i32>,
    /// Active students' ids, sorted.
    pub ids: Vec<String>,
    /// Index of each student's (major, cohort) group.
    pub group: Vec<usize>,
    /// Number of groups.
    pub groups: usize,
    /// Feature → [student][week] (`None`: no row that week, or a null value).
    pub values: HashMap<String, Vec<Vec<Option<f64>>>>,
    /// Whether the student has any `student_week` row in the window.
    pub has_rows: Vec<bool>,
}

impl Window {
    /// The non-null values of a feature for one student.
    pub fn present(&self, feature: &str, s: usize) -> Vec<f64> {
        self.values.get(feature).map(|m| m[s].iter().flatten().copied().collect()).unwrap_or_default()
    }

    /// Mean over the weeks with a value; `None` when there is none.
    pub fn mean(&self, feature: &str, s: usize) -> Option<f64> {
        let v = self.present(feature, s);
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// Sum over the weeks with a value; `None` when there is none.
    pub fn sum(&self, feature: &str, s: usize) -> Option<f64> {
        let v = self.present(feature, s);
        (!v.is_empty()).then(|| v.iter().sum())
    }

    /// Number of weeks with a value.
    pub fn count(&self, feature: &str, s: usize) -> usize {
        self.values.get(feature).map_or(0, |m| m[s].iter().flatten().count())
    }
}

async fn collect(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, AnalysisError> {
    ensure_unprotected(sql)?;
    Ok(ctx.sql(sql).await?.execute_stream().await?.try_collect().await?)
}

/// Loads the active students and `features` of `student_week` over the last `weeks`
/// complete weeks before `as_of`. Features the table lacks are left out of `values`.
pub async fn load_window(
    ctx: &SessionContext,
    as_of: i32,
    weeks: usize,
    features: &[&str],
) -> Result<Window, AnalysisError> {
    let tables = ctx_tables(ctx);
    if !tables.iter().any(|t| t == "students") || !tables.iter().any(|t| t == "student_week") {
        return Err(AnalysisError::NoData(
            "the store has no students or no student_week table: ingest and run `radar refresh` first".into(),
        ));
    }
    let mut w = Window { as_of, weeks: window_weeks(as_of, weeks.max(1)), ..Window::default() };
    let mut groups: BTreeMap<(String, String), usize> = BTreeMap::new();
    for b in collect(ctx, &students_sql()).await? {
        let (id, major) = (strs(&b, "student_id")?, strs(&b, "major")?);
        let cohort = arrow::compute::cast(
            b.column_by_name("cohort").ok_or_else(|| FeatureError::Shape("students lacks cohort".into()))?,
            &arrow::datatypes::DataType::Utf8,
        )?;
        let cohort = cohort.as_any().downcast_ref::<arrow::array::StringArray>().cloned();
        let cohort = cohort.ok_or_else(|| FeatureError::Shape("cohort as text".into()))?;
        for r in 0..b.num_rows() {
            let c = if cohort.is_null(r) { String::new() } else { cohort.value(r).to_string() };
            let next = groups.len();
            let g = *groups.entry((major.get(r).to_string(), c)).or_insert(next);
            w.ids.push(id.get(r).to_string());
            w.group.push(g);
        }
    }
    w.groups = groups.len();
    let n = w.ids.len();
    let idx: HashMap<&str, usize> = w.ids.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let schema = ctx.table("student_week").await?.schema().clone();
    let have: Vec<&str> = features.iter().copied().filter(|f| schema.field_with_unqualified_name(f).is_ok()).collect();
    if have.is_empty() {
        return Err(AnalysisError::NoData("student_week has none of the features this model reads".into()));
    }
    let (first, nw) = (w.weeks[0], w.weeks.len());
    let mut values: HashMap<String, Vec<Vec<Option<f64>>>> =
        have.iter().map(|f| (f.to_string(), vec![vec![None; nw]; n])).collect();
    let mut has_rows = vec![false; n];
    for b in collect(ctx, &weekly_sql(&have, first, w.weeks[nw - 1])).await? {
        let ids = strs(&b, "student_id")?;
        let wk = b.column_by_name("w").and_then(|c| c.as_any().downcast_ref::<Int32Array>().cloned());
        let wk = wk.ok_or_else(|| FeatureError::Shape("week_start as int".into()))?;
        let cols: Vec<_> = have.iter().map(|f| floats(&b, f)).collect::<Result<_, _>>()?;
        for r in 0..b.num_rows() {
            let Some(&s) = idx.get(ids.get(r)) else { continue };
            let wi = ((wk.value(r) - first) / 7) as usize;
            if wi >= nw {
                continue;
            }
            has_rows[s] = true;
            for (f, v) in have.iter().zip(&cols) {
                if !v.is_null(r) {
                    if let Some(m) = values.get_mut(*f) {
                        m[s][wi] = Some(v.value(r));
                    }
                }
            }
        }
    }
    w.values = values;
    w.has_rows = has_rows;
    Ok(w)
}

fn ctx_tables(ctx: &SessionContext) -> Vec<String> {
    let Some(cat) = ctx.catalog("datafusion") else { return Vec::new() };
    let Some(schema) = cat.schema("public") else { return Vec::new() };
    schema.table_names()
}

pub use super::metrics::roc_auc;

/// Replaces a result table's contents with `batch` (one Delta commit).
pub async fn write_table(store: &Store, name: &str, batch: RecordBatch) -> Result<(), AnalysisError> {
    let t = store.handle(name).await?;
    store.overwrite(t, name, vec![batch]).await?;
    Ok(())
}

/// Median of values (sorted copy); `None` when empty.
pub fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    Some(if s.len() % 2 == 1 { s[m] } else { (s[m - 1] + s[m]) / 2.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_queries_read_no_protected_column() {
        let sql = [students_sql(), weekly_sql(&crate::models::typology::FEATURE_SOURCES, 0, 7)];
        let sql2 = weekly_sql(&crate::models::hardship::SOURCES, 0, 7);
        for q in sql.iter().chain(std::iter::once(&sql2)) {
            for p in PROTECTED {
                assert!(!q.contains(p), "{p} in {q}");
            }
            assert!(ensure_unprotected(q).is_ok());
        }
        for p in STUDENT_COLUMNS.iter().chain(&crate::models::typology::FEATURE_SOURCES) {
            assert!(!PROTECTED.contains(p));
        }
        assert!(ensure_unprotected("SELECT gender FROM students").is_err());
    }

    #[test]
    fn auc_counts_ties_half() {
        assert_eq!(roc_auc(&[0.1, 0.2, 0.3, 0.4], &[false, false, true, true]), Some(1.0));
        assert_eq!(roc_auc(&[0.4, 0.3, 0.2, 0.1], &[false, false, true, true]), Some(0.0));
        assert_eq!(roc_auc(&[1.0, 1.0], &[false, true]), Some(0.5));
        assert_eq!(roc_auc(&[1.0], &[true]), None);
    }

    #[test]
    fn window_is_complete_weeks_before_as_of() {
        // 2025-09-22 is a Monday: the last complete week starts 2025-09-15.
        let d = date_to_days(parse_date("2025-09-22").unwrap());
        let w = window_weeks(d, 2);
        assert_eq!(w.iter().map(|x| days_to_date(*x).to_string()).collect::<Vec<_>>(), ["2025-09-08", "2025-09-15"]);
        // A Wednesday: its own week is not complete.
        assert_eq!(window_weeks(d + 2, 1), vec![d - 7]);
    }
}
