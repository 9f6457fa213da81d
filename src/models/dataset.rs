//! The feature matrix as of a cut-off, and the term outcomes the models learn.
//!
//! Every query bounds its event time by the cut-off (`< as_of` 00:00 local), so nothing
//! that happened later can reach a feature; `tests/it/models.rs` proves it by building the
//! matrix from a store that holds only the records before the cut-off and from one that
//! holds everything, and comparing them value by value. Coursework marks are an
//! exception the contract forces: a row holds the item's current state, so the mark of an
//! item handed in before the cut-off is used even if it was marked later.

use std::collections::{BTreeSet, HashMap};

use arrow::array::Array;

use datafusion::prelude::SessionContext;

use super::features::{Feature, Source};
use super::term::Cutoff;
use super::{collect, ModelError};
use crate::features::cols::{floats, ints, strs};
use crate::features::week::ts_lit;

const DAY: i64 = 86_400_000_000;

/// Rows = students, columns = features; `NaN` = unknown (the source is absent or the
/// value undefined, e.g. a rate over zero sessions).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Student ids, sorted.
    pub ids: Vec<String>,
    /// Cohort (for cohort-based backtests); not a feature.
    pub cohort: Vec<Option<i64>>,
    /// Column order.
    pub features: Vec<Feature>,
    /// Row-major values.
    pub x: Vec<f64>,
}

impl Frame {
    /// Value of row `r`, column `c`.
    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.x[r * self.features.len() + c]
    }

    /// One row.
    pub fn row(&self, r: usize) -> &[f64] {
        let k = self.features.len();
        &self.x[r * k..(r + 1) * k]
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Keeps these columns (those the frame has), in this order.
    pub fn select(&self, features: &[Feature]) -> Frame {
        let cols: Vec<(Feature, usize)> =
            features.iter().filter_map(|f| self.features.iter().position(|g| g == f).map(|c| (*f, c))).collect();
        Frame {
            ids: self.ids.clone(),
            cohort: self.cohort.clone(),
            features: cols.iter().map(|(f, _)| *f).collect(),
            x: (0..self.len()).flat_map(|r| cols.iter().map(move |(_, c)| self.get(r, *c))).collect(),
        }
    }

    /// Keeps the rows whose index passes.
    pub fn filter(&self, keep: impl Fn(usize) -> bool) -> Frame {
        let rows: Vec<usize> = (0..self.len()).filter(|&r| keep(r)).collect();
        Frame {
            ids: rows.iter().map(|&r| self.ids[r].clone()).collect(),
            cohort: rows.iter().map(|&r| self.cohort[r]).collect(),
            features: self.features.clone(),
            x: rows.iter().flat_map(|&r| self.row(r).iter().copied()).collect(),
        }
    }
}

/// What a student's term came to, from first-attempt grades of the term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Courses failed (score < 60, `absent` — which is how a withdrawal shows — or `cheating`).
    pub failed_courses: u32,
    /// Their credits.
    pub failed_credits: f64,
    /// The first day (days since epoch) any of the term's grades was recorded.
    pub first_recorded: i32,
}

/// Students in scope at a cut-off: active ones, and anyone with a record of the term
/// (activity since the period began, coursework or grades of the term).
pub async fn population(
    ctx: &SessionContext,
    tables: &BTreeSet<String>,
    cut: &Cutoff,
) -> Result<Vec<(String, Option<i64>)>, ModelError> {
    if !tables.contains("students") {
        return Err(ModelError::NoData("the store has no students table".into()));
    }
    let mut parts = vec!["SELECT student_id FROM students WHERE status = 'active'".to_string()];
    let lo = cut.day_lit(cut.period_start);
    let hi = ts_lit(cut.as_of_ts);
    if tables.contains("learning_events") {
        parts.push(format!("SELECT student_id FROM learning_events WHERE ts >= {lo} AND ts < {hi}"));
    }
    if tables.contains("attendance") {
        parts.push(format!("SELECT student_id FROM attendance WHERE session_ts >= {lo} AND session_ts < {hi}"));
    }
    if tables.contains("coursework") {
        parts.push(format!(
            "SELECT student_id FROM coursework WHERE term = '{}' AND (due_at < {hi} OR submitted_at < {hi})",
            cut.term
        ));
    }
    if tables.contains("grades") {
        parts.push(format!(
            "SELECT student_id FROM grades WHERE term = '{}' AND CAST(recorded_at AS INT) < {}",
            cut.term, cut.as_of
        ));
    }
    let sql = format!(
        "SELECT s.student_id, CAST(s.cohort AS BIGINT) AS cohort FROM students s \
         WHERE s.student_id IN (SELECT student_id FROM ({})) ORDER BY s.student_id",
        parts.join(" UNION ")
    );
    let mut out = Vec::new();
    for b in collect(ctx, &sql).await? {
        let (id, co) = (strs(&b, "student_id")?, ints(&b, "cohort")?);
        out.extend((0..b.num_rows()).map(|r| (id.get(r).to_string(), (!co.is_null(r)).then(|| co.value(r)))));
    }
    Ok(out)
}

/// First-attempt outcomes of a term, for every student with a grade in it (labels: read
/// without a cut-off, because they are what the model predicts).
pub async fn outcomes(
    ctx: &SessionContext,
    tables: &BTreeSet<String>,
    term: &str,
) -> Result<HashMap<String, Outcome>, ModelError> {
    let mut out = HashMap::new();
    if !tables.contains("grades") {
        return Ok(out);
    }
    let (credits, join) = credits_of(tables);
    let sql = format!(
        "SELECT g.student_id, CAST(g.score AS DOUBLE) AS score, g.status, {credits} AS credits, \
         CAST(g.recorded_at AS INT) AS rec FROM grades g{join} WHERE g.term = '{term}' AND g.attempt = 1"
    );
    for b in collect(ctx, &sql).await? {
        let (id, status) = (strs(&b, "student_id")?, strs(&b, "status")?);
        let (score, credits, rec) = (floats(&b, "score")?, floats(&b, "credits")?, ints32(&b, "rec")?);
        for r in 0..b.num_rows() {
            let failed = match status.get(r) {
                "absent" | "cheating" => true,
                "normal" => !score.is_null(r) && score.value(r) < 60.0,
                _ => false,
            };
            let o = out.entry(id.get(r).to_string()).or_insert(Outcome {
                failed_courses: 0,
                failed_credits: 0.0,
                first_recorded: i32::MAX,
            });
            if failed {
                o.failed_courses += 1;
                o.failed_credits += if credits.is_null(r) { 0.0 } else { credits.value(r) };
            }
            o.first_recorded = o.first_recorded.min(rec[r]);
        }
    }
    Ok(out)
}

/// The credits expression and join for grades `g` (courses not sent: no credits).
fn credits_of(tables: &BTreeSet<String>) -> (&'static str, &'static str) {
    if tables.contains("courses") {
        ("COALESCE(CAST(c.credits AS DOUBLE), 0.0)", " LEFT JOIN courses c ON c.course_id = g.course_id")
    } else {
        ("0.0", "")
    }
}

fn ints32(b: &arrow::array::RecordBatch, name: &str) -> Result<Vec<i32>, ModelError> {
    use arrow::array::{Array, AsArray};
    let col = b.column_by_name(name).ok_or_else(|| ModelError::NoData(format!("no column {name}")))?;
    let a = arrow::compute::cast(col, &arrow::datatypes::DataType::Int32)?;
    let a = a.as_primitive::<arrow::datatypes::Int32Type>();
    Ok((0..a.len()).map(|i| if a.is_null(i) { i32::MAX } else { a.value(i) }).collect())
}

/// Builds the matrix of `features` for `students` as of the cut-off.
pub async fn build(
    ctx: &SessionContext,
    tables: &BTreeSet<String>,
    cut: &Cutoff,
    students: &[(String, Option<i64>)],
    features: &[Feature],
) -> Result<Frame, ModelError> {
    let k = features.len();
    let idx: HashMap<&str, usize> = students.iter().enumerate().map(|(i, (s, _))| (s.as_str(), i)).collect();
    let mut frame = Frame {
        ids: students.iter().map(|(s, _)| s.clone()).collect(),
        cohort: students.iter().map(|(_, c)| *c).collect(),
        features: features.to_vec(),
        x: vec![f64::NAN; students.len() * k],
    };
    let wanted: BTreeSet<Source> = features.iter().map(|f| f.source()).collect();
    let mut values: HashMap<Feature, Vec<f64>> = HashMap::new();
    for src in wanted {
        if !tables.contains(src.table()) {
            continue;
        }
        let got = match src {
            Source::LearningEvents => lms(ctx, cut, &idx).await?,
            Source::Coursework => coursework(ctx, cut, &idx).await?,
            Source::Attendance => attendance(ctx, cut, &idx).await?,
            Source::Grades => prior_grades(ctx, tables, cut, &idx).await?,
            Source::StudentWeek => student_week(ctx, cut, &idx).await?,
        };
        values.extend(got);
    }
    for (c, f) in features.iter().enumerate() {
        if let Some(v) = values.get(f) {
            for (r, x) in v.iter().enumerate() {
                frame.x[r * k + c] = *x;
            }
        }
    }
    Ok(frame)
}

type Columns = Vec<(Feature, Vec<f64>)>;

async fn lms(ctx: &SessionContext, cut: &Cutoff, idx: &HashMap<&str, usize>) -> Result<Columns, ModelError> {
    let n = idx.len();
    let d = cut.as_of;
    let s = cut.term_start.min(d);
    let lo = (s - 28).min(d - 28);
    let sql = format!(
        "SELECT student_id, CAST((CAST(ts AS BIGINT) + {}) / {DAY} AS BIGINT) AS d, CAST(SUM(clicks) AS DOUBLE) AS c \
         FROM learning_events WHERE ts >= {} AND ts < {} GROUP BY 1, 2",
        cut.offset,
        cut.day_lit(lo),
        ts_lit(cut.as_of_ts)
    );
    let (mut term, mut w7, mut w28, mut pre, mut a14, mut b14) =
        (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let (mut days_term, mut days28) = (vec![0.0; n], vec![0.0; n]);
    let mut last = vec![lo - 1; n];
    for b in collect(ctx, &sql).await? {
        let (id, day, c) = (strs(&b, "student_id")?, ints(&b, "d")?, floats(&b, "c")?);
        for r in 0..b.num_rows() {
            let Some(&i) = idx.get(id.get(r)) else { continue };
            let (day, c) = (i32::try_from(day.value(r)).unwrap_or(lo), c.value(r));
            if day >= s {
                term[i] += c;
                days_term[i] += 1.0;
            } else if day >= s - 28 {
                pre[i] += c;
            }
            if day >= d - 7 {
                w7[i] += c;
            }
            if day >= d - 28 {
                w28[i] += c;
                days28[i] += 1.0;
                if day >= d - 14 {
                    a14[i] += c;
                } else {
                    b14[i] += c;
                }
            }
            last[i] = last[i].max(day);
        }
    }
    let (weeks, days) = (cut.weeks_elapsed(), cut.days_elapsed());
    Ok(vec![
        (Feature::LmsClicksTerm, term.iter().map(|c| c / weeks).collect()),
        (Feature::LmsClicks7d, w7),
        (Feature::LmsClicks28d, w28),
        (Feature::LmsActiveShare, days_term.iter().map(|x| (x / days).min(1.0)).collect()),
        (Feature::LmsActiveDays28d, days28),
        (Feature::LmsDaysSinceLast, last.iter().map(|l| f64::from(d - l)).collect()),
        (Feature::LmsTrend, a14.iter().zip(&b14).map(|(a, b)| a.ln_1p() - b.ln_1p()).collect()),
        (Feature::LmsPreTermClicks, pre),
    ])
}

async fn coursework(ctx: &SessionContext, cut: &Cutoff, idx: &HashMap<&str, usize>) -> Result<Columns, ModelError> {
    let n = idx.len();
    let sql = format!(
        "SELECT student_id, CAST(due_at AS BIGINT) AS due, CAST(submitted_at AS BIGINT) AS sub, \
         CAST(score AS DOUBLE) AS score, CAST(weight AS DOUBLE) AS w FROM coursework \
         WHERE term = '{}' AND due_at < {}",
        cut.term,
        ts_lit(cut.as_of_ts)
    );
    let (mut due, mut missing, mut handed, mut late) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let (mut wsum, mut wscore, mut min) = (vec![0.0; n], vec![0.0; n], vec![f64::NAN; n]);
    let (mut todate_w, mut todate) = (vec![0.0; n], vec![0.0; n]);
    for b in collect(ctx, &sql).await? {
        let (id, due_at, sub) = (strs(&b, "student_id")?, ints(&b, "due")?, ints(&b, "sub")?);
        let (score, w) = (floats(&b, "score")?, floats(&b, "w")?);
        for r in 0..b.num_rows() {
            let Some(&i) = idx.get(id.get(r)) else { continue };
            let weight = if w.is_null(r) || w.value(r) <= 0.0 { 1.0 } else { w.value(r) };
            due[i] += 1.0;
            let submitted = !sub.is_null(r) && sub.value(r) < cut.as_of_ts;
            if !submitted {
                missing[i] += 1.0;
                todate_w[i] += weight;
                continue;
            }
            handed[i] += 1.0;
            if sub.value(r) > due_at.value(r) {
                late[i] += 1.0;
            }
            if !score.is_null(r) {
                let sc = score.value(r);
                wsum[i] += weight;
                wscore[i] += weight * sc;
                min[i] = if min[i].is_nan() { sc } else { min[i].min(sc) };
                todate_w[i] += weight;
                todate[i] += weight * sc;
            }
        }
    }
    let ratio = |a: &[f64], b: &[f64]| -> Vec<f64> {
        a.iter().zip(b).map(|(a, b)| if *b > 0.0 { a / b } else { f64::NAN }).collect()
    };
    Ok(vec![
        (Feature::CwMissingShare, ratio(&missing, &due)),
        (Feature::CwLateShare, ratio(&late, &handed)),
        (Feature::CwMeanScore, ratio(&wscore, &wsum)),
        (Feature::CwMinScore, min),
        (Feature::CwWeightedToDate, ratio(&todate, &todate_w)),
        (Feature::CwDue, due),
    ])
}

async fn attendance(ctx: &SessionContext, cut: &Cutoff, idx: &HashMap<&str, usize>) -> Result<Columns, ModelError> {
    let n = idx.len();
    let recent = cut.day_lit(cut.as_of - 28);
    let sql = format!(
        "SELECT student_id, \
         CAST(SUM(CASE WHEN status IN ('present', 'late') THEN 1 ELSE 0 END) AS DOUBLE) AS ok, \
         CAST(SUM(CASE WHEN status = 'absent' THEN 1 ELSE 0 END) AS DOUBLE) AS ab, \
         CAST(SUM(CASE WHEN status IN ('present', 'late') AND session_ts >= {recent} THEN 1 ELSE 0 END) AS DOUBLE) AS ok28, \
         CAST(SUM(CASE WHEN status = 'absent' AND session_ts >= {recent} THEN 1 ELSE 0 END) AS DOUBLE) AS ab28 \
         FROM attendance WHERE session_ts >= {} AND session_ts < {} GROUP BY student_id",
        cut.day_lit(cut.term_start.min(cut.as_of)),
        ts_lit(cut.as_of_ts)
    );
    let (mut rate, mut rate28, mut absences) = (vec![f64::NAN; n], vec![f64::NAN; n], vec![0.0; n]);
    for b in collect(ctx, &sql).await? {
        let id = strs(&b, "student_id")?;
        let (ok, ab, ok28, ab28) = (floats(&b, "ok")?, floats(&b, "ab")?, floats(&b, "ok28")?, floats(&b, "ab28")?);
        for r in 0..b.num_rows() {
            let Some(&i) = idx.get(id.get(r)) else { continue };
            let (o, a, o28, a28) = (ok.value(r), ab.value(r), ok28.value(r), ab28.value(r));
            if o + a > 0.0 {
                rate[i] = o / (o + a);
            }
            if o28 + a28 > 0.0 {
                rate28[i] = o28 / (o28 + a28);
            }
            absences[i] = a / cut.weeks_elapsed();
        }
    }
    Ok(vec![(Feature::AttRateTerm, rate), (Feature::AttRate28d, rate28), (Feature::AttAbsencesTerm, absences)])
}

async fn prior_grades(
    ctx: &SessionContext,
    tables: &BTreeSet<String>,
    cut: &Cutoff,
    idx: &HashMap<&str, usize>,
) -> Result<Columns, ModelError> {
    let n = idx.len();
    let (credits, join) = credits_of(tables);
    let sql = format!(
        "SELECT g.student_id, g.term, CAST(g.score AS DOUBLE) AS score, g.status, {credits} AS credits \
         FROM grades g{join} WHERE g.attempt = 1 AND g.term < '{}' AND CAST(g.recorded_at AS INT) < {}",
        cut.term, cut.as_of
    );
    let (mut failed_cr, mut failed, mut courses) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let (mut gp_w, mut gp) = (vec![0.0; n], vec![0.0; n]);
    let mut terms: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    for b in collect(ctx, &sql).await? {
        let (id, term, status) = (strs(&b, "student_id")?, strs(&b, "term")?, strs(&b, "status")?);
        let (score, credits) = (floats(&b, "score")?, floats(&b, "credits")?);
        for r in 0..b.num_rows() {
            let Some(&i) = idx.get(id.get(r)) else { continue };
            let cr = if credits.is_null(r) { 0.0 } else { credits.value(r) };
            let point = match status.get(r) {
                "absent" | "cheating" => Some(0.0),
                "normal" if !score.is_null(r) => {
                    let s = score.value(r);
                    Some(if s < 60.0 { 0.0 } else { 4.0 - 3.0 * (100.0 - s).powi(2) / 1600.0 })
                }
                _ => None,
            };
            let Some(point) = point else { continue };
            terms[i].insert(term.get(r).to_string());
            courses[i] += 1.0;
            if point == 0.0 {
                failed[i] += 1.0;
                failed_cr[i] += cr;
            }
            gp_w[i] += cr;
            gp[i] += cr * point;
        }
    }
    Ok(vec![
        (Feature::PriorFailedCredits, failed_cr),
        (Feature::PriorGpa, gp.iter().zip(&gp_w).map(|(g, w)| if *w > 0.0 { g / w } else { f64::NAN }).collect()),
        (
            Feature::PriorFailShare,
            failed.iter().zip(&courses).map(|(f, c)| if *c > 0.0 { f / c } else { f64::NAN }).collect(),
        ),
        (Feature::PriorTerms, terms.iter().map(|t| t.len() as f64).collect()),
    ])
}

async fn student_week(ctx: &SessionContext, cut: &Cutoff, idx: &HashMap<&str, usize>) -> Result<Columns, ModelError> {
    let n = idx.len();
    let cols = [
        (Feature::Meals4w, "meals"),
        (Feature::Breakfast4w, "breakfast_days"),
        (Feature::NoTrace4w, "no_trace_days"),
        (Feature::NightOnline4w, "night_online_hours"),
        (Feature::LateReturns4w, "late_returns"),
        (Feature::Library4w, "library_visits"),
        (Feature::Online4w, "online_hours"),
        (Feature::WakeUp4w, "wake_up_minutes"),
        (Feature::Orderliness4w, "orderliness"),
    ];
    // Counts and sums are averaged over the four weeks, a week without a row counting 0
    // (and 7 days without trace): whether a row exists depends on the student's later
    // records, so it must not change the value. Rates and times are means of the weeks
    // that have them.
    let traced = collect(ctx, "SELECT CAST(COUNT(no_trace_days) AS BIGINT) AS n FROM student_week")
        .await?
        .first()
        .and_then(|b| ints(b, "n").ok().map(|a| a.value(0)))
        .unwrap_or(0)
        > 0;
    let exprs: Vec<String> = cols
        .iter()
        .map(|(_, c)| match *c {
            "wake_up_minutes" | "orderliness" => format!("AVG(CAST(\"{c}\" AS DOUBLE)) AS \"{c}\""),
            "no_trace_days" if traced => {
                format!("(SUM(CAST(\"{c}\" AS DOUBLE)) + 7.0 * (4 - COUNT(\"{c}\"))) / 4.0 AS \"{c}\"")
            }
            _ => format!("SUM(CAST(\"{c}\" AS DOUBLE)) / 4.0 AS \"{c}\""),
        })
        .collect();
    // Four weeks whose every night is over before the cut-off: a week's last night runs
    // to Monday 05:00 (late returns), so a week ending on the cut-off day is not complete.
    let last = cut.as_of - 8;
    let (from, to) = (days_lit(last - 27), days_lit(last));
    let sql = format!(
        "SELECT student_id, {} FROM student_week WHERE week_start >= CAST('{from}' AS DATE) \
         AND week_start <= CAST('{to}' AS DATE) GROUP BY student_id",
        exprs.join(", ")
    );
    let mut out: Columns = cols.iter().map(|(f, _)| (*f, vec![f64::NAN; n])).collect();
    for b in collect(ctx, &sql).await? {
        let id = strs(&b, "student_id")?;
        for (k, (_, c)) in cols.iter().enumerate() {
            let v = floats(&b, c)?;
            for r in 0..b.num_rows() {
                if let (Some(&i), false) = (idx.get(id.get(r)), v.is_null(r)) {
                    out[k].1[i] = v.value(r);
                }
            }
        }
    }
    Ok(out)
}

fn days_lit(day: i32) -> String {
    crate::schema::time::days_to_date(day).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_filter_keeps_rows_in_order() {
        let f = Frame {
            ids: vec!["a".into(), "b".into(), "c".into()],
            cohort: vec![Some(1), None, Some(3)],
            features: vec![Feature::CwDue, Feature::PriorGpa],
            x: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        };
        let g = f.filter(|r| r != 1);
        assert_eq!(g.ids, vec!["a", "c"]);
        assert_eq!(g.x, vec![1.0, 2.0, 5.0, 6.0]);
        assert_eq!(g.get(1, 1), 6.0);
        let h = f.select(&[Feature::PriorGpa, Feature::LmsTrend, Feature::CwDue]);
        assert_eq!(h.features, vec![Feature::PriorGpa, Feature::CwDue]);
        assert_eq!(h.x, vec![2.0, 1.0, 4.0, 3.0, 6.0, 5.0]);
        let terms = Frame { features: vec![Feature::PriorTerms, Feature::CwDue], ..f.clone() };
        let mut t = terms;
        t.x = vec![0.0, 1.0, f64::NAN, 1.0, 2.0, 1.0];
        assert_eq!(super::super::train::no_history(&t), vec![true, true, false]);
    }
}
