//! What the rules read, loaded once per run from the published store as of D:
//! the students, a window of complete weeks of `student_week`, term results, screenings,
//! hourly traces of every record kind a student leaves, dorm gate events, leave requests
//! and the calendar's holidays.
//!
//! Only the window the rules need is read (at most a few months), so a run's memory
//! does not grow with the store's history.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use arrow::array::{Array, RecordBatch};
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

use super::rules::{Check, RuleSet};
use super::WarningError;
use crate::features::clock::{monday_of, LocalClock};
use crate::features::cols::{floats, ints, strs};
use crate::features::week::ts_lit;
use crate::schema::time::{days_to_date, Micros};

const HOUR: i64 = 3_600_000_000;

/// D's own week joins the change rules once this many of its days are over, so a decline
/// is seen mid-week rather than only on Mondays.
pub const MIN_PARTIAL_DAYS: i32 = 4;

/// Weekly features that add up over days: a part week is scaled to 7 days. The others
/// (rates, entropies) are too noisy over a few days and use complete weeks only.
pub const ADDITIVE: [&str; 17] = [
    "meals",
    "breakfast_days",
    "canteen_spend",
    "total_spend",
    "late_returns",
    "library_visits",
    "online_hours",
    "night_online_hours",
    "activity_hours",
    "no_trace_days",
    "canteen_purchases",
    "shower_count",
    "wake_up_days",
    "lms_clicks",
    "lms_active_days",
    "attendance_sessions",
    "attendance_absences",
];

/// A student the rules look at (active students only).
#[derive(Debug, Clone)]
pub struct Student {
    /// Id.
    pub id: String,
    /// Counsellor (staff id).
    pub counsellor: String,
    /// College.
    pub college: String,
    /// Index of (major, cohort) group.
    pub group: usize,
    /// Lives in a dorm.
    pub resident: bool,
}

/// Traces of one student: distinct UTC hours (since epoch) with a record of a kind left
/// on campus, and per source the days (bit i = D − 1 − i) with a record.
#[derive(Debug, Clone, Default)]
pub struct Traces {
    /// Sorted distinct hours.
    pub hours: Vec<i64>,
    /// Per source (index into [`TRACE_SOURCES`]): days with a record, newest = bit 0.
    pub days: [u64; TRACE_SOURCES.len()],
}

/// Record kinds that leave a trace of the student, with the timestamp columns that do.
pub const TRACE_SOURCES: [(&str, &[&str], &str); 9] = [
    ("card_transactions", &["ts"], ""),
    ("access_events", &["ts"], ""),
    ("network_sessions", &["start_ts", "end_ts"], ""),
    ("learning_events", &["ts"], ""),
    ("attendance", &["session_ts"], "status IN ('present', 'late')"),
    ("library_loans", &["borrowed_at", "returned_at"], ""),
    ("coursework", &["submitted_at"], ""),
    ("process_records", &["ts"], ""),
    ("assessments", &["ts"], ""),
];

/// Whether a trace kind places the student on campus. LMS clicks and coursework uploads
/// happen from anywhere (a student at home over a holiday still clicks), so they show the
/// source is in use but do not end a silence on campus.
pub fn on_campus(kind: &str) -> bool {
    !matches!(kind, "learning_events" | "coursework")
}

/// Days of traces kept (bit masks hold 64).
pub const TRACE_DAYS: i64 = 63;

/// Everything a run reads.
#[derive(Debug, Default)]
pub struct Inputs {
    /// As-of date D (days since epoch).
    pub as_of: i32,
    /// D 00:00 local.
    pub as_of_ts: Micros,
    /// Students.
    pub students: Vec<Student>,
    /// Number of (major, cohort) groups.
    pub groups: usize,
    /// Weeks in the window, ascending Mondays: the complete weeks, then D's own week when
    /// at least [`MIN_PARTIAL_DAYS`] of it are over (its additive features scaled to 7 days).
    pub weeks: Vec<i32>,
    /// Number of complete weeks at the front of `weeks`.
    pub complete: usize,
    /// Days of D's week that are over when it is in `weeks` (else 0).
    pub partial_days: i32,
    /// Weekly features: feature → [student][week].
    pub weekly: HashMap<String, Vec<Vec<Option<f64>>>>,
    /// Term rows: (table, feature) → per student, (term, value) in term order.
    pub terms: HashMap<(String, String), Vec<Vec<(String, Option<f64>)>>>,
    /// Screenings per student: (time, kind, score, level).
    pub screenings: Vec<Vec<(Micros, String, f64, Option<String>)>>,
    /// Traces per student.
    pub traces: Vec<Traces>,
    /// Dorm gate events per student: (time, is `in`), ascending.
    pub dorm: Vec<Vec<(Micros, bool)>>,
    /// Record kinds the store holds at all.
    pub kinds_present: BTreeSet<String>,
    /// Students with participation rows.
    pub participation: Vec<bool>,
    /// The campus zone.
    pub tz: Option<chrono_tz::Tz>,
    /// Per student: `(model, score, reasons_en, reasons_zh, reasons JSON)` from
    /// `risk_scores` of the as-of date (outcomes already known left out).
    pub risk: Vec<Vec<RiskRow>>,
    /// Leave requests per student (see [`super::absence`]).
    pub leaves: Vec<Vec<super::absence::Leave>>,
    /// Holiday and vacation days (bit i = D − 1 − i) from the calendar, when one was sent
    /// that covers the days with data; `None`: holidays are inferred from silence.
    pub calendar: Option<u64>,
}

impl Inputs {
    /// Index of a student id.
    pub fn index(&self) -> HashMap<&str, usize> {
        self.students.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect()
    }

    /// The student's leave requests (none when leave was not loaded).
    pub fn leaves_of(&self, i: usize) -> &[super::absence::Leave] {
        self.leaves.get(i).map_or(&[], Vec::as_slice)
    }

    /// Whether the student has records of `source` (in the trace window for trace kinds).
    pub fn has_source(&self, i: usize, source: &str) -> bool {
        if !self.kinds_present.contains(source) {
            return false;
        }
        if let Some(k) = TRACE_SOURCES.iter().position(|(s, _, _)| *s == source) {
            return self.traces[i].days[k] != 0;
        }
        match source {
            "grades" => self.terms.iter().any(|((t, _), v)| t == "student_term" && !v[i].is_empty()),
            "participation" => self.participation[i],
            "risk_scores" => !self.risk[i].is_empty(),
            _ => true,
        }
    }
}

/// One model's score of a student.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskRow {
    /// `name@version`.
    pub model: String,
    /// Calibrated probability.
    pub score: f64,
    /// Reasons, English.
    pub reasons_en: String,
    /// Reasons, Chinese.
    pub reasons_zh: String,
}

/// Loads the inputs the rules need from a session over the published store.
pub async fn load(
    ctx: &SessionContext,
    rules: &RuleSet,
    tables: &BTreeSet<String>,
    as_of: i32,
    as_of_ts: Micros,
    tz: chrono_tz::Tz,
) -> Result<Inputs, WarningError> {
    let mut inp = Inputs { as_of, as_of_ts, tz: Some(tz), ..Inputs::default() };
    inp.kinds_present = tables.clone();
    load_students(ctx, &mut inp).await?;
    let n = inp.students.len();
    let idx: HashMap<String, usize> = inp.students.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();

    let (features, span) = weekly_needs(rules);
    let this_week = monday_of(as_of);
    let partial = as_of - this_week;
    let span = span.max(1);
    let first = this_week - 7 * span as i32;
    inp.complete = span;
    inp.weeks = (0..span as i32).map(|i| first + 7 * i).collect();
    if partial >= MIN_PARTIAL_DAYS {
        inp.weeks.push(this_week);
        inp.partial_days = partial;
    }
    let last = *inp.weeks.last().unwrap_or(&first);
    if tables.contains("student_week") && !features.is_empty() {
        let cols: Vec<String> = features.iter().map(|f| format!("CAST(\"{f}\" AS DOUBLE) AS \"{f}\"")).collect();
        let sql = format!(
            "SELECT student_id, CAST(week_start AS INT) AS w, {} FROM student_week \
             WHERE week_start >= CAST('{}' AS DATE) AND week_start <= CAST('{}' AS DATE)",
            cols.join(", "),
            days_to_date(first),
            days_to_date(last)
        );
        let mut m: HashMap<String, Vec<Vec<Option<f64>>>> =
            features.iter().map(|f| (f.clone(), vec![vec![None; inp.weeks.len()]; n])).collect();
        for b in collect(ctx, &sql).await? {
            let ids = strs(&b, "student_id")?;
            let w = b.column_by_name("w").and_then(|c| c.as_any().downcast_ref::<arrow::array::Int32Array>().cloned());
            let Some(w) = w else { return Err(WarningError::Shape("week_start as int".into())) };
            for f in &features {
                let v = floats(&b, f)?;
                let col = m.get_mut(f).ok_or_else(|| WarningError::Shape(f.clone()))?;
                for r in 0..b.num_rows() {
                    let (Some(&s), wi) = (idx.get(ids.get(r)), ((w.value(r) - first) / 7) as usize) else { continue };
                    if wi < inp.weeks.len() && !v.is_null(r) {
                        col[s][wi] = Some(v.value(r));
                    }
                }
            }
        }
        if inp.partial_days > 0 {
            let scale = 7.0 / f64::from(inp.partial_days);
            for (_, col) in m.iter_mut().filter(|(f, _)| ADDITIVE.contains(&f.as_str())) {
                for row in col.iter_mut() {
                    if let Some(Some(v)) = row.last_mut() {
                        *v *= scale;
                    }
                }
            }
        }
        inp.weekly = m;
    }
    load_terms(ctx, rules, tables, &idx, &mut inp).await?;
    load_screenings(ctx, rules, tables, &idx, &mut inp).await?;
    load_risk(ctx, rules, tables, &idx, &mut inp).await?;
    load_traces(ctx, tables, &idx, &mut inp).await?;
    load_dorm(ctx, rules, tables, &idx, &mut inp).await?;
    super::absence::load_leaves(ctx, tables, &idx, &mut inp).await?;
    let calendar = super::absence::load_calendar(ctx, tables, as_of).await?;
    let campus = inp.traces.iter().map(super::detect::on_campus_days).fold(0, |a, b| a | b);
    inp.calendar = super::absence::sent_off_days(calendar, campus);
    inp.participation = vec![false; n];
    if tables.contains("participation") {
        for b in collect(ctx, "SELECT DISTINCT student_id FROM participation").await? {
            let ids = strs(&b, "student_id")?;
            for r in 0..b.num_rows() {
                if let Some(&s) = idx.get(ids.get(r)) {
                    inp.participation[s] = true;
                }
            }
        }
    }
    Ok(inp)
}

pub(super) async fn collect(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, WarningError> {
    Ok(ctx.sql(sql).await?.execute_stream().await?.try_collect().await?)
}

async fn load_students(ctx: &SessionContext, inp: &mut Inputs) -> Result<(), WarningError> {
    if !inp.kinds_present.contains("students") {
        return Ok(());
    }
    let sql = "SELECT student_id, counsellor_id, college, major, CAST(cohort AS BIGINT) AS cohort, \
               dorm_building FROM students WHERE status = 'active' ORDER BY student_id";
    let mut groups: BTreeMap<(String, i64), usize> = BTreeMap::new();
    for b in collect(ctx, sql).await? {
        let (id, co, col, major, dorm) = (
            strs(&b, "student_id")?,
            strs(&b, "counsellor_id")?,
            strs(&b, "college")?,
            strs(&b, "major")?,
            strs(&b, "dorm_building")?,
        );
        let cohort = ints(&b, "cohort")?;
        for r in 0..b.num_rows() {
            let key = (major.get(r).to_string(), cohort.value(r));
            let next = groups.len();
            let group = *groups.entry(key).or_insert(next);
            inp.students.push(Student {
                id: id.get(r).to_string(),
                counsellor: co.get(r).to_string(),
                college: col.get(r).to_string(),
                group,
                resident: !dorm.is_null(r) && !dorm.get(r).is_empty(),
            });
        }
    }
    inp.groups = groups.len();
    Ok(())
}

/// Weekly features the rules read and the number of complete weeks they span.
fn weekly_needs(rules: &RuleSet) -> (Vec<String>, usize) {
    let mut f = BTreeSet::new();
    let mut span = 1;
    for r in &rules.rules {
        match &r.check {
            Check::Change(c) => {
                f.insert(c.feature.clone());
                span = span.max(c.recent_weeks + c.baseline_weeks);
            }
            Check::Threshold(t) => {
                f.insert(t.feature.clone());
                span = span.max(t.weeks);
                for q in &t.require {
                    f.insert(q.feature.clone());
                    span = span.max(q.weeks);
                }
            }
            _ => {}
        }
    }
    (f.into_iter().collect(), span)
}

async fn load_terms(
    ctx: &SessionContext,
    rules: &RuleSet,
    tables: &BTreeSet<String>,
    idx: &HashMap<String, usize>,
    inp: &mut Inputs,
) -> Result<(), WarningError> {
    let mut want: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &rules.rules {
        if let Check::Term(t) = &r.check {
            let e = want.entry(t.table.clone()).or_default();
            e.insert(t.feature.clone());
            e.extend(t.require.iter().map(|q| q.feature.clone()));
        }
    }
    // The "grades" source presence reads student_term.
    want.entry("student_term".into()).or_default().insert("attempted_credits".into());
    let n = inp.students.len();
    for (table, feats) in want {
        for f in &feats {
            inp.terms.insert((table.clone(), f.clone()), vec![Vec::new(); n]);
        }
        if !tables.contains(&table) {
            continue;
        }
        let cols: Vec<String> = feats.iter().map(|f| format!("CAST(\"{f}\" AS DOUBLE) AS \"{f}\"")).collect();
        let sql = format!("SELECT student_id, term, {} FROM \"{table}\" ORDER BY student_id, term", cols.join(", "));
        for b in collect(ctx, &sql).await? {
            let (ids, terms) = (strs(&b, "student_id")?, strs(&b, "term")?);
            for f in &feats {
                let v = floats(&b, f)?;
                let Some(col) = inp.terms.get_mut(&(table.clone(), f.clone())) else { continue };
                for r in 0..b.num_rows() {
                    if let Some(&s) = idx.get(ids.get(r)) {
                        col[s].push((terms.get(r).to_string(), (!v.is_null(r)).then(|| v.value(r))));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The longest look-back (days) the rules of one type ask for; `None` when none does.
fn longest(rules: &RuleSet, days: impl Fn(&Check) -> Option<i64>) -> Option<i64> {
    rules.rules.iter().filter_map(|r| days(&r.check)).max()
}

async fn load_risk(
    ctx: &SessionContext,
    rules: &RuleSet,
    tables: &BTreeSet<String>,
    idx: &HashMap<String, usize>,
    inp: &mut Inputs,
) -> Result<(), WarningError> {
    inp.risk = vec![Vec::new(); inp.students.len()];
    let wanted = rules.rules.iter().any(|r| matches!(r.check, Check::Risk(_)));
    if !wanted || !tables.contains("risk_scores") {
        return Ok(());
    }
    // risk_scores is written by the scoring step, not published by the refresh: read the
    // table as committed.
    let sql = format!(
        "SELECT student_id, model, version, score, reasons_en, reasons_zh FROM risk_scores \
         WHERE as_of = CAST('{}' AS DATE) AND NOT known_outcome",
        days_to_date(inp.as_of)
    );
    for b in collect(ctx, &sql).await? {
        let (ids, model, version) = (strs(&b, "student_id")?, strs(&b, "model")?, strs(&b, "version")?);
        let (en, zh, score) = (strs(&b, "reasons_en")?, strs(&b, "reasons_zh")?, floats(&b, "score")?);
        for r in 0..b.num_rows() {
            if let Some(&s) = idx.get(ids.get(r)) {
                inp.risk[s].push(RiskRow {
                    model: format!("{}@{}", model.get(r), version.get(r)),
                    score: score.value(r),
                    reasons_en: en.get(r).to_string(),
                    reasons_zh: zh.get(r).to_string(),
                });
            }
        }
    }
    Ok(())
}

async fn load_screenings(
    ctx: &SessionContext,
    rules: &RuleSet,
    tables: &BTreeSet<String>,
    idx: &HashMap<String, usize>,
    inp: &mut Inputs,
) -> Result<(), WarningError> {
    inp.screenings = vec![Vec::new(); inp.students.len()];
    let within = longest(rules, |c| match c {
        Check::Screening(s) => Some(s.within_days),
        _ => None,
    });
    let (Some(within), true) = (within, tables.contains("assessments")) else { return Ok(()) };
    let sql = format!(
        "SELECT student_id, CAST(ts AS BIGINT) AS t, kind, CAST(score AS DOUBLE) AS score, level FROM assessments \
         WHERE ts >= {} AND ts < {} ORDER BY t",
        ts_lit(inp.as_of_ts - within * 24 * HOUR),
        ts_lit(inp.as_of_ts)
    );
    for b in collect(ctx, &sql).await? {
        let (ids, kind, level) = (strs(&b, "student_id")?, strs(&b, "kind")?, strs(&b, "level")?);
        let (t, score) = (ints(&b, "t")?, floats(&b, "score")?);
        for r in 0..b.num_rows() {
            if let Some(&s) = idx.get(ids.get(r)) {
                let lv = (!level.is_null(r)).then(|| level.get(r).to_string());
                inp.screenings[s].push((t.value(r), kind.get(r).to_string(), score.value(r), lv));
            }
        }
    }
    Ok(())
}

async fn load_traces(
    ctx: &SessionContext,
    tables: &BTreeSet<String>,
    idx: &HashMap<String, usize>,
    inp: &mut Inputs,
) -> Result<(), WarningError> {
    let n = inp.students.len();
    let mut hours: Vec<Vec<i64>> = vec![Vec::new(); n];
    let mut days = vec![[0u64; TRACE_SOURCES.len()]; n];
    let lo = inp.as_of_ts - TRACE_DAYS * 24 * HOUR;
    let mut clock = LocalClock::new(inp.tz.unwrap_or(chrono_tz::Asia::Shanghai));
    for (k, (kind, cols, filter)) in TRACE_SOURCES.iter().enumerate() {
        if !tables.contains(*kind) {
            continue;
        }
        for col in *cols {
            let extra = if filter.is_empty() { String::new() } else { format!(" AND {filter}") };
            // Hour buckets: enough resolution for silences counted in hours, and a tenth
            // of the rows of the raw events.
            let sql = format!(
                "SELECT student_id, CAST(\"{col}\" AS BIGINT) / {HOUR} AS h FROM \"{kind}\" \
                 WHERE \"{col}\" >= {} AND \"{col}\" < {}{extra} GROUP BY 1, 2",
                ts_lit(lo),
                ts_lit(inp.as_of_ts)
            );
            for b in collect(ctx, &sql).await? {
                let ids = strs(&b, "student_id")?;
                let h = ints(&b, "h")?;
                for r in 0..b.num_rows() {
                    let Some(&s) = idx.get(ids.get(r)) else { continue };
                    let hr = h.value(r);
                    if on_campus(kind) {
                        hours[s].push(hr);
                    }
                    let (day, _) = clock.local(hr * HOUR);
                    let back = i64::from(inp.as_of) - 1 - i64::from(day);
                    if (0..64).contains(&back) {
                        days[s][k] |= 1 << back;
                    }
                }
            }
        }
    }
    inp.traces = hours
        .into_iter()
        .zip(days)
        .map(|(mut h, d)| {
            h.sort_unstable();
            h.dedup();
            Traces { hours: h, days: d }
        })
        .collect();
    Ok(())
}

async fn load_dorm(
    ctx: &SessionContext,
    rules: &RuleSet,
    tables: &BTreeSet<String>,
    idx: &HashMap<String, usize>,
    inp: &mut Inputs,
) -> Result<(), WarningError> {
    inp.dorm = vec![Vec::new(); inp.students.len()];
    let history = longest(rules, |c| match c {
        Check::DormNight(d) => Some(d.history_days),
        _ => None,
    });
    let (Some(history), true) = (history, tables.contains("access_events")) else { return Ok(()) };
    let sql = format!(
        "SELECT student_id, CAST(ts AS BIGINT) AS t, direction FROM access_events \
         WHERE place_type = 'dorm' AND ts >= {} AND ts < {} ORDER BY t",
        ts_lit(inp.as_of_ts - (history + 2) * 24 * HOUR),
        ts_lit(inp.as_of_ts)
    );
    for b in collect(ctx, &sql).await? {
        let (ids, dir) = (strs(&b, "student_id")?, strs(&b, "direction")?);
        let t = ints(&b, "t")?;
        for r in 0..b.num_rows() {
            if let Some(&s) = idx.get(ids.get(r)) {
                inp.dorm[s].push((t.value(r), dir.get(r) == "in"));
            }
        }
    }
    Ok(())
}
