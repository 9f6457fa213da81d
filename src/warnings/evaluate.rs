//! `radar evaluate warnings --truth DIR`: the warnings a store raised night by night,
//! scored against the planted truth of a generated campus (`DIR/truth/*.csv`, see
//! `radar generate`).
//!
//! Recall and lead times count alerts: a warning raised, escalated, or reactivated (an
//! open warning whose condition had cleared and came back). Precision counts warnings.
//!
//! Matching, per category:
//! - **wellbeing** — a distress episode is caught when a wellbeing warning for the student
//!   is created within `window_weeks` (3) of its onset; a wellbeing warning is a true
//!   positive when the student has an episode that began before it.
//! - **academic** — a term with ≥ 6 failed credits is caught early when an academic
//!   warning for the student was created at least 4 weeks before the term's last week;
//!   an academic warning is a true positive when the student fails ≥ 6 credits in a term
//!   ending on or after it (failing fewer credits is a real concern too, so this precision
//!   is a lower bound).
//! - **safety** — a lost-contact spell is caught when a safety warning is created within
//!   the yellow span + 24 h of its first day; a safety warning is a true positive when it
//!   is created during a spell or the day after.
//! - **economic** — a warning is a true positive when the student has planted hardship.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use super::db::OpsDb;
use super::WarningError;
use crate::features::clock::LocalClock;
use crate::generate::calendar::Term;
use crate::schema::time::{date_to_days, parse_date, Micros};

const DAY: Micros = 86_400_000_000;

/// One metric.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    /// Category or `all`.
    pub category: String,
    /// Metric name.
    pub metric: String,
    /// Value.
    pub value: Option<f64>,
    /// How many cases it was computed over.
    pub n: usize,
    /// The target, if any.
    pub target: String,
}

struct Truth {
    distress: HashMap<String, i32>,
    lost: HashMap<String, Vec<(i32, i32)>>,
    failure: HashMap<String, Vec<i32>>,
    hardship: HashMap<String, bool>,
}

fn read_csv(path: &Path) -> Result<Vec<HashMap<String, String>>, WarningError> {
    let err = |m: String| WarningError::Truth { file: path.display().to_string(), msg: m };
    let mut r = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
    let headers = r.headers().map_err(|e| err(e.to_string()))?.clone();
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        out.push(headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect());
    }
    Ok(out)
}

/// A column of a truth row; a missing column is an error naming the file, not a panic.
fn text<'a>(row: &'a HashMap<String, String>, col: &str, file: &Path) -> Result<&'a str, WarningError> {
    row.get(col)
        .map(String::as_str)
        .ok_or_else(|| WarningError::Truth { file: file.display().to_string(), msg: format!("no column {col}") })
}

fn date(row: &HashMap<String, String>, col: &str, file: &Path) -> Result<i32, WarningError> {
    row.get(col).and_then(|s| parse_date(s)).map(date_to_days).ok_or_else(|| WarningError::Truth {
        file: file.display().to_string(),
        msg: format!("column {col} is not a date"),
    })
}

fn term_last_week(term: &str) -> Option<i32> {
    let mut it = term.split('-');
    let year: i32 = it.next()?.parse().ok()?;
    let _ = it.next()?;
    let n: u8 = it.next()?.parse().ok()?;
    Some(Term { year, n }.end_day() - 7)
}

fn load_truth(dir: &Path) -> Result<Truth, WarningError> {
    let t = if dir.join("truth").is_dir() { dir.join("truth") } else { dir.to_path_buf() };
    let mut truth =
        Truth { distress: HashMap::new(), lost: HashMap::new(), failure: HashMap::new(), hardship: HashMap::new() };
    let p = t.join("distress.csv");
    for r in read_csv(&p)? {
        truth.distress.insert(text(&r, "student_id", &p)?.to_string(), date(&r, "onset_week", &p)?);
    }
    let p = t.join("lost_contact.csv");
    for r in read_csv(&p)? {
        truth
            .lost
            .entry(text(&r, "student_id", &p)?.to_string())
            .or_default()
            .push((date(&r, "first_day", &p)?, date(&r, "last_day", &p)?));
    }
    let p = t.join("academic_failure.csv");
    for r in read_csv(&p)? {
        let term = text(&r, "term", &p)?;
        let last = term_last_week(term)
            .ok_or_else(|| WarningError::Truth { file: p.display().to_string(), msg: format!("bad term {term}") })?;
        truth.failure.entry(text(&r, "student_id", &p)?.to_string()).or_default().push(last);
    }
    let p = t.join("students.csv");
    for r in read_csv(&p)? {
        truth.hardship.insert(text(&r, "student_id", &p)?.to_string(), text(&r, "hardship", &p)? == "true");
    }
    Ok(truth)
}

struct W {
    student: String,
    counsellor: String,
    category: String,
    rule: String,
    day: i32,
    status: String,
}

/// Scores the store's warnings against the truth; `span_hours` is the silence rule's
/// yellow span.
pub fn evaluate(
    db: &OpsDb,
    truth_dir: &Path,
    tz: chrono_tz::Tz,
    capacity: usize,
    span_hours: i64,
) -> Result<(Vec<Metric>, Vec<BTreeMap<String, String>>), WarningError> {
    let truth = load_truth(truth_dir)?;
    let mut clock = LocalClock::new(tz);
    let mut ws: Vec<W> = Vec::new();
    {
        let mut st = db.conn.prepare(
            "SELECT student_id, counsellor_id, category, rule, created_at, status FROM warnings ORDER BY created_at",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        for r in rows {
            let (student, counsellor, category, rule, created, status) = r?;
            let day = clock.local(created).0;
            ws.push(W { student, counsellor, category, rule, day, status });
        }
    }
    // Alerts: a raise, an escalation, or an open warning whose condition came back.
    let mut alerts: Vec<(String, String, Micros)> = Vec::new();
    {
        let mut st = db.conn.prepare(
            "SELECT w.student_id, w.category, e.at FROM warning_events e JOIN warnings w ON w.warning_id = e.warning_id \
             WHERE e.action IN ('raise', 'escalate', 'reactivate') ORDER BY e.at",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?;
        for r in rows {
            alerts.push(r?);
        }
    }
    let (first, last): (Option<i64>, Option<i64>) =
        db.conn.query_row("SELECT MIN(as_of), MAX(as_of) FROM raise_runs", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let (Some(first), Some(last)) = (first, last) else {
        return Err(WarningError::Truth { file: "ops.sqlite".into(), msg: "no raise has run on this store".into() });
    };
    let (first_day, last_day) = (clock.local(first).0, clock.local(last).0);
    // The first night evaluated stands for the data's start (backfills start there).
    let data_start = first_day;

    let tp = |w: &W| -> bool {
        match w.category.as_str() {
            "wellbeing" => truth.distress.get(&w.student).is_some_and(|on| w.day >= *on),
            "academic" => truth.failure.get(&w.student).is_some_and(|ends| ends.iter().any(|e| *e + 7 >= w.day)),
            "safety" => {
                truth.lost.get(&w.student).is_some_and(|sp| sp.iter().any(|(a, b)| w.day >= *a && w.day <= b + 2))
            }
            _ => truth.hardship.get(&w.student).copied().unwrap_or(false),
        }
    };
    let mut m = Vec::new();
    let mut push = |category: &str, metric: &str, value: Option<f64>, n: usize, target: &str| {
        m.push(Metric { category: category.into(), metric: metric.into(), value, n, target: target.into() })
    };
    for cat in super::rules::CATEGORIES {
        let list: Vec<&W> = ws.iter().filter(|w| w.category == cat).collect();
        let hits = list.iter().filter(|w| tp(w)).count();
        let target = if cat == "wellbeing" { ">= 0.6" } else { "" };
        push(cat, "warnings", Some(list.len() as f64), list.len(), "");
        push(cat, "precision", ratio(hits, list.len()), list.len(), target);
    }

    // Wellbeing: distress episodes caught within 3 weeks of onset.
    let first_w = |student: &str, cat: &str, from: i32| -> Option<i32> {
        let from_ts = clock.midnight(from);
        alerts.iter().filter(|(s, c, t)| s == student && c == cat && *t >= from_ts).map(|(_, _, t)| *t).min().map(|t| {
            let days = (t - from_ts).div_euclid(DAY);
            from + days as i32
        })
    };
    let eligible: Vec<(&String, &i32)> =
        truth.distress.iter().filter(|(_, on)| **on + 21 <= last_day && **on >= first_day - 7 * 8).collect();
    let caught: Vec<i32> = eligible
        .iter()
        .filter_map(|(s, on)| first_w(s, "wellbeing", **on).filter(|d| *d <= **on + 21).map(|d| d - **on))
        .collect();
    push("wellbeing", "distress_recall_within_3_weeks", ratio(caught.len(), eligible.len()), eligible.len(), ">= 0.8");
    push("wellbeing", "median_weeks_onset_to_warning", median_weeks(&caught), caught.len(), "");
    // Episodes with four weeks of the student's own history before onset (a baseline needs
    // history: an episode in the data's first weeks can only be seen against the cohort).
    let seasoned: Vec<&(&String, &i32)> = eligible.iter().filter(|(_, on)| **on >= data_start + 28).collect();
    let hit = seasoned.iter().filter(|(s, on)| first_w(s, "wellbeing", **on).is_some_and(|d| d <= **on + 21)).count();
    push(
        "wellbeing",
        "distress_recall_within_3_weeks_onset_after_4_weeks_of_data",
        ratio(hit, seasoned.len()),
        seasoned.len(),
        ">= 0.8",
    );
    let any: usize = eligible.iter().filter(|(s, on)| first_w(s, "wellbeing", **on).is_some()).count();
    push("wellbeing", "distress_recall_any_time", ratio(any, eligible.len()), eligible.len(), "");

    // Academic: ≥ 6 failed credits warned ≥ 4 weeks before the term's last week.
    let terms: Vec<(&String, i32)> = truth
        .failure
        .iter()
        .flat_map(|(s, ends)| ends.iter().map(move |e| (s, *e)))
        .filter(|(_, e)| *e <= last_day && *e - 7 * 10 >= first_day)
        .collect();
    let mut leads = Vec::new();
    let mut early = 0;
    for (s, end) in &terms {
        let first =
            ws.iter().filter(|w| &w.student == *s && w.category == "academic" && w.day <= *end).map(|w| w.day).min();
        if let Some(d) = first {
            leads.push(end - d);
            if d <= end - 28 {
                early += 1;
            }
        }
    }
    push(
        "academic",
        "failing_6_credits_warned_4_weeks_before_last_week",
        ratio(early, terms.len()),
        terms.len(),
        ">= 0.6",
    );
    push("academic", "failing_6_credits_warned_before_last_week", ratio(leads.len(), terms.len()), terms.len(), "");
    push("academic", "median_lead_weeks", median_weeks(&leads), leads.len(), "");

    // Safety: spells warned within span + 24 h.
    let spells: Vec<(&String, i32)> = truth
        .lost
        .iter()
        .flat_map(|(s, v)| v.iter().map(move |(a, _)| (s, *a)))
        .filter(|(_, a)| *a >= first_day && *a + 2 <= last_day)
        .collect();
    let mut delays = Vec::new();
    for (s, a) in &spells {
        let start = clock.midnight(*a);
        let first =
            alerts.iter().filter(|(st, c, t)| st == *s && c == "safety" && *t >= start).map(|(_, _, t)| *t).min();
        if let Some(t) = first {
            delays.push((t - start) as f64 / 3.6e9);
        }
    }
    let in_time = delays.iter().filter(|h| **h <= (span_hours + 24) as f64).count();
    push("safety", "lost_contact_warned_within_span_plus_24h", ratio(in_time, spells.len()), spells.len(), "1.0");
    delays.sort_by(f64::total_cmp);
    push("safety", "median_hours_to_warning", delays.get(delays.len() / 2).copied(), delays.len(), "");

    // Economic.
    let hard: Vec<&String> = truth.hardship.iter().filter(|(_, h)| **h).map(|(s, _)| s).collect();
    let warned = hard.iter().filter(|s| ws.iter().any(|w| &w.student == **s && w.category == "economic")).count();
    push("economic", "hardship_recall", ratio(warned, hard.len()), hard.len(), "");

    // The morning lists: new warnings per counsellor per night, and their precision.
    let mut lists: HashMap<(i32, &str), usize> = HashMap::new();
    for w in &ws {
        *lists.entry((w.day, w.counsellor.as_str())).or_default() += 1;
    }
    let longest = lists.values().copied().max().unwrap_or(0);
    let hits = ws.iter().filter(|w| tp(w)).count();
    push("all", "precision_at_daily_capacity", ratio(hits, ws.len()), ws.len(), "");
    push("all", "longest_morning_list", Some(longest as f64), lists.len(), &format!("<= {capacity}"));
    let nights = ((last - first) / DAY + 1) as usize;
    push("all", "nights_evaluated", Some(nights as f64), nights, "");

    // Per rule: volume, truth precision, and counsellors' false-positive marks.
    let mut per: BTreeMap<String, (String, usize, usize, usize)> = BTreeMap::new();
    for w in &ws {
        let e = per.entry(w.rule.clone()).or_insert((w.category.clone(), 0, 0, 0));
        e.1 += 1;
        e.2 += usize::from(tp(w));
        e.3 += usize::from(w.status == "false_positive");
    }
    let rules = per
        .into_iter()
        .map(|(rule, (cat, n, hit, fp))| {
            BTreeMap::from([
                ("rule".to_string(), rule),
                ("category".to_string(), cat),
                ("warnings".to_string(), n.to_string()),
                ("truth_precision".to_string(), ratio(hit, n).map_or_else(String::new, |p| format!("{p:.3}"))),
                ("marked_false_positive".to_string(), fp.to_string()),
            ])
        })
        .collect();
    Ok((m, rules))
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| ((a as f64 / b as f64) * 1000.0).round() / 1000.0)
}

fn median_weeks(days: &[i32]) -> Option<f64> {
    let v: Vec<f64> = days.iter().map(|d| f64::from(*d) / 7.0).collect();
    super::trend::median(&v).map(|x| (x * 10.0).round() / 10.0)
}
