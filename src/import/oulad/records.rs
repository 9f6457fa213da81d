//! The contract files of an OULAD import (see the parent module for the mapping).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;

use super::{day, done, timestamp, year, FinalResult, Info, Source, STUDENT_ASSESSMENT, STUDENT_VLE, TABLES};
use crate::import::table::{Input, Output, Step};
use crate::import::{ImportError, ImportReport, OutputCount};

/// Scores of one student in one presentation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Scores {
    weighted: f64,
    weights: f64,
    sum: f64,
    n: u32,
}

impl Scores {
    /// Adds a score with its assessment's weight.
    pub fn add(&mut self, weight: f64, score: f64) {
        self.weighted += weight * score;
        self.weights += weight;
        self.sum += score;
        self.n += 1;
    }

    /// The weight-weighted mean (the plain mean when the weights sum to 0); `None` without scores.
    pub fn mean(&self) -> Option<f64> {
        if self.n == 0 {
            None
        } else if self.weights > 0.0 {
            Some(self.weighted / self.weights)
        } else {
            Some(self.sum / f64::from(self.n))
        }
    }
}

/// Grade status and score of a final result, given the student's mean assessment score.
pub fn grade(result: FinalResult, mean: Option<f64>) -> (&'static str, Option<f64>) {
    let (lo, hi, default) = match result {
        FinalResult::Withdrawn => return ("absent", None),
        FinalResult::Fail => (0.0, 59.99, 40.0),
        FinalResult::Pass => (60.0, 84.99, 70.0),
        FinalResult::Distinction => (85.0, 100.0, 90.0),
    };
    let score = mean.map_or(default, |m| m.clamp(lo, hi));
    ("normal", Some((score * 100.0).round() / 100.0))
}

/// A score as contract text: at most 2 decimals, no trailing zeros.
pub fn score_text(v: f64) -> String {
    format!("{}", (v * 100.0).round() / 100.0)
}

/// Writes every kind and fills `report.outputs` in contract order.
pub(super) fn write_all(dir: &Path, out: &Path, src: &Source, report: &mut ImportReport) -> Result<(), ImportError> {
    let mut latest = None;
    let (coursework, scores) = coursework(dir, out, src, report, &mut latest)?;
    let grades = grades(out, src, &scores, &mut latest)?;
    let students = students(out, src)?;
    let (staff, courses) = staff_and_courses(out, src)?;
    let events = learning_events(dir, out, src, report, &mut latest)?;
    report.outputs = vec![students, staff, courses, events, coursework, grades];
    report.latest_event_date = latest.map(|d| d.to_string());
    Ok(())
}

/// Keeps the latest event date (`ts`, `submitted_at`, `recorded_at`) written.
fn later(latest: &mut Option<NaiveDate>, d: Option<NaiveDate>) {
    if d > *latest {
        *latest = d;
    }
}

fn count(kind: &str, (file, rows): (String, u64)) -> OutputCount {
    OutputCount { kind: kind.to_string(), file, rows_written: rows, parts: BTreeMap::new() }
}

type ScoreMap = HashMap<(usize, String), Scores>;

fn coursework(
    dir: &Path,
    out: &Path,
    src: &Source,
    report: &mut ImportReport,
    latest: &mut Option<NaiveDate>,
) -> Result<(OutputCount, ScoreMap), ImportError> {
    const COLS: &[&str] = &["id_assessment", "id_student", "date_submitted", "score"];
    const IDX: usize = STUDENT_ASSESSMENT;
    let mut t = Input::open(dir, TABLES[IDX], COLS)?;
    let mut w = Output::create(out, "coursework")?;
    let mut submitted: HashSet<(usize, String)> = HashSet::new();
    let mut scores = ScoreMap::new();
    while let Some(step) = t.next()? {
        let ids = |t: &Input| format!("id_assessment={} id_student={}", t.get(0), t.get(1));
        if let Step::Bad = step {
            report.reject(IDX, t.reject("bad_row", None, ids(&t)));
            continue;
        }
        let Some((a, asmt)) =
            src.assessment_by_id.get(t.get(0).trim()).and_then(|&a| Some((a, src.assessments.get(a)?)))
        else {
            report.reject(IDX, t.reject("unknown_assessment", Some(0), ids(&t)));
            continue;
        };
        let Some(p) = src.pres.get(asmt.pres) else {
            return Err(ImportError::Bug(format!("assessment {} without presentation", asmt.id)));
        };
        let student = t.get(1).trim();
        if !src.students.contains(student) {
            report.reject(IDX, t.reject("unknown_student", Some(1), ids(&t)));
            continue;
        }
        let submitted_at = match super::int(t.get(2)) {
            Ok(None) => String::new(),
            Ok(Some(d)) => match timestamp(p.day0, d) {
                Some(ts) => {
                    later(latest, day(p.day0, d));
                    ts
                }
                None => {
                    report.reject(IDX, t.reject("out_of_range", Some(2), ids(&t)));
                    continue;
                }
            },
            Err(()) => {
                report.reject(IDX, t.reject("bad_number", Some(2), ids(&t)));
                continue;
            }
        };
        let score = match super::float(t.get(3)) {
            Ok(s) if s.is_none_or(|s| (0.0..=100.0).contains(&s)) => s,
            Ok(_) => {
                report.reject(IDX, t.reject("out_of_range", Some(3), ids(&t)));
                continue;
            }
            Err(()) => {
                report.reject(IDX, t.reject("bad_number", Some(3), ids(&t)));
                continue;
            }
        };
        if !submitted.insert((a, student.to_string())) {
            report.reject(IDX, t.reject("duplicate", Some(1), ids(&t)));
            continue;
        }
        let score_text = if score.is_some() { t.get(3).trim() } else { "" };
        let due_at = timestamp(p.day0, asmt.due_day).unwrap_or_default();
        let record_id = format!("{}-{student}", asmt.id);
        let item = format!("{} {}", asmt.kind, asmt.id);
        w.row(&[
            &record_id,
            student,
            &p.module,
            &p.term,
            &item,
            &asmt.weight_text,
            &due_at,
            &submitted_at,
            score_text,
        ])?;
        if let Some(s) = score {
            scores.entry((asmt.pres, student.to_string())).or_default().add(asmt.weight.unwrap_or(0.0), s);
        }
    }
    done(report, IDX, &t);
    let submitted_rows = w.rows;
    // Missing work: registered, no row, still registered on the due day.
    let mut by_pres: Vec<Vec<usize>> = vec![Vec::new(); src.pres.len()];
    for (i, a) in src.assessments.iter().enumerate() {
        if let Some(v) = by_pres.get_mut(a.pres) {
            v.push(i);
        }
    }
    for (pres, student, unreg) in &src.registrations {
        let Some(p) = src.pres.get(*pres) else { continue };
        for &a in by_pres.get(*pres).map_or(&[][..], Vec::as_slice) {
            let Some(asmt) = src.assessments.get(a) else { continue };
            if submitted.contains(&(a, student.clone())) || unreg.is_some_and(|u| u <= asmt.due_day) {
                continue;
            }
            let due_at = timestamp(p.day0, asmt.due_day).unwrap_or_default();
            let record_id = format!("{}-{student}", asmt.id);
            let item = format!("{} {}", asmt.kind, asmt.id);
            w.row(&[&record_id, student, &p.module, &p.term, &item, &asmt.weight_text, &due_at, "", ""])?;
        }
    }
    let missing_rows = w.rows - submitted_rows;
    let mut c = count("coursework", w.finish()?);
    c.parts.insert("submitted".into(), submitted_rows);
    c.parts.insert("missing".into(), missing_rows);
    Ok((c, scores))
}

fn grades(
    out: &Path,
    src: &Source,
    scores: &ScoreMap,
    latest: &mut Option<NaiveDate>,
) -> Result<OutputCount, ImportError> {
    let mut w = Output::create(out, "grades")?;
    for info in &src.info {
        let Some(p) = src.pres.get(info.pres) else { continue };
        let key = (info.pres, info.student.clone());
        let (status, score) = grade(info.result, scores.get(&key).and_then(Scores::mean));
        let end = match info.result {
            FinalResult::Withdrawn => src.unregistered.get(&key).copied().flatten().unwrap_or(p.length),
            _ => p.length,
        };
        later(latest, day(p.day0, end));
        let recorded_at = day(p.day0, end).map(|d| d.to_string()).unwrap_or_default();
        let score = score.map(score_text).unwrap_or_default();
        w.row(&[&info.student, &p.module, &p.term, "1", &score, status, &recorded_at])?;
    }
    Ok(count("grades", w.finish()?))
}

fn students(out: &Path, src: &Source) -> Result<OutputCount, ImportError> {
    let order = |i: &Info| src.pres.get(i.pres).map(|p| (p.day0, p.module.clone(), p.code.clone()));
    // student → (first presentation's row, latest presentation's row)
    let mut by: BTreeMap<&str, (&Info, &Info)> = BTreeMap::new();
    for info in &src.info {
        let e = by.entry(info.student.as_str()).or_insert((info, info));
        if order(info) < order(e.0) {
            e.0 = info;
        }
        if order(info) > order(e.1) {
            e.1 = info;
        }
    }
    let mut w = Output::create(out, "students")?;
    for (id, (first, latest)) in by {
        let (Some(fp), Some(lp)) = (src.pres.get(first.pres), src.pres.get(latest.pres)) else { continue };
        let name = format!("OULAD student {id}");
        let class_id = format!("{}-{}", lp.module, lp.code);
        let cohort = year(fp).to_string();
        let counsellor = format!("OU-{}", lp.module);
        let status = if latest.result == FinalResult::Withdrawn { "withdrawn" } else { "active" };
        w.row(&[
            id,
            &name,
            &latest.gender,
            "OU",
            &lp.module,
            &class_id,
            &cohort,
            "undergraduate",
            "",
            "",
            "",
            &counsellor,
            "",
            "masses",
            &latest.region,
            "none",
            status,
        ])?;
    }
    Ok(count("students", w.finish()?))
}

fn staff_and_courses(out: &Path, src: &Source) -> Result<(OutputCount, OutputCount), ImportError> {
    let modules: BTreeSet<&str> = src.pres.iter().map(|p| p.module.as_str()).collect();
    let mut staff = Output::create(out, "staff")?;
    let mut courses = Output::create(out, "courses")?;
    for m in modules {
        staff.row(&[&format!("OU-{m}"), &format!("OU tutor {m}"), "counsellor", "OU", ""])?;
        courses.row(&[m, &format!("OULAD module {m}"), "60", "compulsory", "OU"])?;
    }
    Ok((count("staff", staff.finish()?), count("courses", courses.finish()?)))
}

fn learning_events(
    dir: &Path,
    out: &Path,
    src: &Source,
    report: &mut ImportReport,
    latest: &mut Option<NaiveDate>,
) -> Result<OutputCount, ImportError> {
    const COLS: &[&str] = &["code_module", "code_presentation", "id_student", "id_site", "date", "sum_click"];
    const IDX: usize = STUDENT_VLE;
    let mut t = Input::open(dir, TABLES[IDX], COLS)?;
    let mut w = Output::create(out, "learning_events")?;
    // Occurrences of (presentation, student, site, day), keyed by a 128-bit hash of the id's stem.
    let mut seen: HashMap<u128, u32> = HashMap::new();
    let mut stamps: HashMap<(usize, i64), String> = HashMap::new();
    let mut id = String::with_capacity(64);
    let ids = |t: &Input| {
        format!(
            "code_module={} code_presentation={} id_student={} id_site={} date={}",
            t.get(0),
            t.get(1),
            t.get(2),
            t.get(3),
            t.get(4)
        )
    };
    while let Some(step) = t.next()? {
        if let Step::Bad = step {
            report.reject(IDX, t.reject("bad_row", None, ids(&t)));
            continue;
        }
        let Some(pi) = src.presentation(t.get(0).trim(), t.get(1).trim()) else {
            report.reject(IDX, t.reject("unknown_presentation", Some(1), ids(&t)));
            continue;
        };
        let Some(p) = src.pres.get(pi) else { continue };
        let student = t.get(2).trim();
        if !src.students.contains(student) {
            report.reject(IDX, t.reject("unknown_student", Some(2), ids(&t)));
            continue;
        }
        let Ok(Some(d)) = super::int(t.get(4)) else {
            report.reject(IDX, t.reject("bad_number", Some(4), ids(&t)));
            continue;
        };
        let clicks = match super::int(t.get(5)) {
            Ok(Some(c)) if c >= 1 => c,
            Ok(Some(_)) => {
                report.reject(IDX, t.reject("out_of_range", Some(5), ids(&t)));
                continue;
            }
            _ => {
                report.reject(IDX, t.reject("bad_number", Some(5), ids(&t)));
                continue;
            }
        };
        let ts = match stamps.entry((pi, d)) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => match timestamp(p.day0, d) {
                Some(ts) => v.insert(ts),
                None => {
                    report.reject(IDX, t.reject("out_of_range", Some(4), ids(&t)));
                    continue;
                }
            },
        };
        let site = t.get(3).trim();
        id.clear();
        let _ = write!(id, "{}-{}-{student}-{site}-{d}", p.module, p.code);
        let n = seen.entry(xxhash_rust::xxh3::xxh3_128(id.as_bytes())).or_insert(0);
        *n += 1;
        let _ = write!(id, "-{n}");
        let activity = src.sites.get(site).map(String::as_str).filter(|a| !a.is_empty()).unwrap_or("unknown");
        let clicks = clicks.to_string();
        w.row(&[&id, student, &p.module, ts, activity, &clicks])?;
    }
    done(report, IDX, &t);
    for &(pi, d) in stamps.keys() {
        later(latest, src.pres.get(pi).and_then(|p| day(p.day0, d)));
    }
    Ok(count("learning_events", w.finish()?))
}
