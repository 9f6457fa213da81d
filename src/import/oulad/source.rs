//! Reading the OULAD tables that fit in memory: `courses`, `assessments`, `vle`,
//! `studentInfo`, `studentRegistration` (the big `studentAssessment` and `studentVle`
//! are streamed by `records`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::{calendar, done, float, int, Presentation, MAX_DAYS, TABLES};
use super::{ASSESSMENTS, COURSES, INFO, REGISTRATION, VLE};
use crate::import::table::{Input, Step};
use crate::import::{ImportError, ImportReport};

/// An assessment of `assessments`.
#[derive(Debug, Clone)]
pub(crate) struct Assessment {
    pub pres: usize,
    pub id: String,
    pub kind: String,
    pub weight: Option<f64>,
    pub weight_text: String,
    /// Due day offset (`date`, or the presentation length when empty).
    pub due_day: i64,
}

/// `final_result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalResult {
    /// Passed.
    Pass,
    /// Passed with distinction.
    Distinction,
    /// Failed.
    Fail,
    /// Withdrew.
    Withdrawn,
}

impl FinalResult {
    fn parse(s: &str) -> Option<FinalResult> {
        match s.trim() {
            "Pass" => Some(FinalResult::Pass),
            "Distinction" => Some(FinalResult::Distinction),
            "Fail" => Some(FinalResult::Fail),
            "Withdrawn" => Some(FinalResult::Withdrawn),
            _ => None,
        }
    }
}

/// A `studentInfo` row.
#[derive(Debug, Clone)]
pub(crate) struct Info {
    pub pres: usize,
    pub student: String,
    pub gender: String,
    pub region: String,
    pub result: FinalResult,
}

/// Everything read before the big tables are streamed.
#[derive(Debug, Default)]
pub(crate) struct Source {
    pub pres: Vec<Presentation>,
    pub pres_by_key: HashMap<(String, String), usize>,
    pub assessments: Vec<Assessment>,
    pub assessment_by_id: HashMap<String, usize>,
    pub sites: HashMap<String, String>,
    pub info: Vec<Info>,
    pub students: HashSet<String>,
    /// `studentRegistration` rows in file order: (presentation, student, date_unregistration).
    pub registrations: Vec<(usize, String, Option<i64>)>,
    pub unregistered: HashMap<(usize, String), Option<i64>>,
}

impl Source {
    pub(super) fn presentation(&self, module: &str, code: &str) -> Option<usize> {
        self.pres_by_key.get(&(module.to_string(), code.to_string())).copied()
    }
}

pub(super) fn read_courses(dir: &Path, src: &mut Source, report: &mut ImportReport) -> Result<(), ImportError> {
    const COLS: &[&str] = &["code_module", "code_presentation", "module_presentation_length"];
    let mut t = Input::open(dir, TABLES[COURSES], COLS)?;
    while let Some(step) = t.next()? {
        let ids = format!("code_module={} code_presentation={}", t.get(0), t.get(1));
        if let Step::Bad = step {
            report.reject(COURSES, t.reject("bad_row", None, ids));
            continue;
        }
        let (module, code) = (t.get(0).trim().to_string(), t.get(1).trim().to_string());
        let Some((day0, term)) = calendar(&code) else {
            report.reject(COURSES, t.reject("bad_value", Some(1), ids));
            continue;
        };
        let length = match int(t.get(2)) {
            Ok(Some(n)) if (1..=MAX_DAYS).contains(&n) => n,
            Ok(Some(_)) => {
                report.reject(COURSES, t.reject("out_of_range", Some(2), ids));
                continue;
            }
            _ => {
                report.reject(COURSES, t.reject("bad_number", Some(2), ids));
                continue;
            }
        };
        if module.is_empty() || src.pres_by_key.contains_key(&(module.clone(), code.clone())) {
            let reason = if module.is_empty() { "bad_value" } else { "duplicate" };
            report.reject(COURSES, t.reject(reason, Some(0), ids));
            continue;
        }
        src.pres_by_key.insert((module.clone(), code.clone()), src.pres.len());
        src.pres.push(Presentation { module, code, day0, term, length });
    }
    done(report, COURSES, &t);
    Ok(())
}

pub(super) fn read_assessments(dir: &Path, src: &mut Source, report: &mut ImportReport) -> Result<(), ImportError> {
    const COLS: &[&str] = &["code_module", "code_presentation", "id_assessment", "assessment_type", "date", "weight"];
    let mut t = Input::open(dir, TABLES[ASSESSMENTS], COLS)?;
    while let Some(step) = t.next()? {
        let ids = format!("id_assessment={}", t.get(2));
        if let Step::Bad = step {
            report.reject(ASSESSMENTS, t.reject("bad_row", None, ids));
            continue;
        }
        let Some(pres) = src.presentation(t.get(0).trim(), t.get(1).trim()) else {
            report.reject(ASSESSMENTS, t.reject("unknown_presentation", Some(1), ids));
            continue;
        };
        let id = t.get(2).trim().to_string();
        if id.is_empty() || src.assessment_by_id.contains_key(&id) {
            let reason = if id.is_empty() { "bad_value" } else { "duplicate" };
            report.reject(ASSESSMENTS, t.reject(reason, Some(2), ids));
            continue;
        }
        let due_day = match int(t.get(4)) {
            Ok(Some(d)) if d.abs() <= MAX_DAYS => d,
            Ok(Some(_)) => {
                report.reject(ASSESSMENTS, t.reject("out_of_range", Some(4), ids));
                continue;
            }
            Ok(None) => src.pres.get(pres).map_or(0, |p| p.length),
            Err(()) => {
                report.reject(ASSESSMENTS, t.reject("bad_number", Some(4), ids));
                continue;
            }
        };
        let weight = match float(t.get(5)) {
            Ok(w) if w.is_none_or(|w| (0.0..=100.0).contains(&w)) => w,
            Ok(_) => {
                report.reject(ASSESSMENTS, t.reject("out_of_range", Some(5), ids));
                continue;
            }
            Err(()) => {
                report.reject(ASSESSMENTS, t.reject("bad_number", Some(5), ids));
                continue;
            }
        };
        let weight_text = if weight.is_some() { t.get(5).trim().to_string() } else { String::new() };
        src.assessment_by_id.insert(id.clone(), src.assessments.len());
        src.assessments.push(Assessment { pres, id, kind: t.get(3).trim().to_string(), weight, weight_text, due_day });
    }
    done(report, ASSESSMENTS, &t);
    Ok(())
}

pub(super) fn read_vle(dir: &Path, src: &mut Source, report: &mut ImportReport) -> Result<(), ImportError> {
    const COLS: &[&str] = &["id_site", "code_module", "code_presentation", "activity_type"];
    let mut t = Input::open(dir, TABLES[VLE], COLS)?;
    while let Some(step) = t.next()? {
        let ids = format!("id_site={}", t.get(0));
        if let Step::Bad = step {
            report.reject(VLE, t.reject("bad_row", None, ids));
            continue;
        }
        if src.presentation(t.get(1).trim(), t.get(2).trim()).is_none() {
            report.reject(VLE, t.reject("unknown_presentation", Some(2), ids));
            continue;
        }
        let site = t.get(0).trim().to_string();
        if site.is_empty() || src.sites.contains_key(&site) {
            let reason = if site.is_empty() { "bad_value" } else { "duplicate" };
            report.reject(VLE, t.reject(reason, Some(0), ids));
            continue;
        }
        src.sites.insert(site, t.get(3).trim().to_string());
    }
    done(report, VLE, &t);
    Ok(())
}

pub(super) fn read_info(dir: &Path, src: &mut Source, report: &mut ImportReport) -> Result<(), ImportError> {
    const COLS: &[&str] = &["code_module", "code_presentation", "id_student", "gender", "region", "final_result"];
    let mut t = Input::open(dir, TABLES[INFO], COLS)?;
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    while let Some(step) = t.next()? {
        let ids = format!("code_module={} code_presentation={} id_student={}", t.get(0), t.get(1), t.get(2));
        if let Step::Bad = step {
            report.reject(INFO, t.reject("bad_row", None, ids));
            continue;
        }
        let Some(pres) = src.presentation(t.get(0).trim(), t.get(1).trim()) else {
            report.reject(INFO, t.reject("unknown_presentation", Some(1), ids));
            continue;
        };
        let student = t.get(2).trim().to_string();
        let gender = t.get(3).trim().to_string();
        let result = FinalResult::parse(t.get(5));
        let bad = if student.is_empty() {
            Some(2)
        } else if gender != "M" && gender != "F" {
            Some(3)
        } else if result.is_none() {
            Some(5)
        } else {
            None
        };
        let Some(result) = result.filter(|_| bad.is_none()) else {
            report.reject(INFO, t.reject("bad_value", bad, ids));
            continue;
        };
        if !seen.insert((pres, student.clone())) {
            report.reject(INFO, t.reject("duplicate", Some(2), ids));
            continue;
        }
        src.students.insert(student.clone());
        src.info.push(Info { pres, student, gender, region: t.get(4).trim().to_string(), result });
    }
    done(report, INFO, &t);
    Ok(())
}

pub(super) fn read_registration(dir: &Path, src: &mut Source, report: &mut ImportReport) -> Result<(), ImportError> {
    const COLS: &[&str] = &["code_module", "code_presentation", "id_student", "date_unregistration"];
    let mut t = Input::open(dir, TABLES[REGISTRATION], COLS)?;
    while let Some(step) = t.next()? {
        let ids = format!("code_module={} code_presentation={} id_student={}", t.get(0), t.get(1), t.get(2));
        if let Step::Bad = step {
            report.reject(REGISTRATION, t.reject("bad_row", None, ids));
            continue;
        }
        let Some(pres) = src.presentation(t.get(0).trim(), t.get(1).trim()) else {
            report.reject(REGISTRATION, t.reject("unknown_presentation", Some(1), ids));
            continue;
        };
        let student = t.get(2).trim().to_string();
        if !src.students.contains(&student) {
            report.reject(REGISTRATION, t.reject("unknown_student", Some(2), ids));
            continue;
        }
        let unreg = match int(t.get(3)) {
            Ok(d) if d.is_none_or(|d| d.abs() <= MAX_DAYS) => d,
            Ok(_) => {
                report.reject(REGISTRATION, t.reject("out_of_range", Some(3), ids));
                continue;
            }
            Err(()) => {
                report.reject(REGISTRATION, t.reject("bad_number", Some(3), ids));
                continue;
            }
        };
        let key = (pres, student);
        if src.unregistered.contains_key(&key) {
            report.reject(REGISTRATION, t.reject("duplicate", Some(2), ids));
            continue;
        }
        src.registrations.push((pres, key.1.clone(), unreg));
        src.unregistered.insert(key, unreg);
    }
    done(report, REGISTRATION, &t);
    Ok(())
}
