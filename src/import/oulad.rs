//! `radar import oulad DIR --out OUT`: the Open University Learning Analytics Dataset
//! (Kuzilek, Hlosta & Zdrahal 2017, *Scientific Data* 4:170171, CC BY 4.0) mapped onto the
//! contract kinds `students`, `staff`, `courses`, `learning_events`, `coursework`, `grades`.
//!
//! Each table is read as `NAME.csv` or `NAME.csv.gz` with OULAD's own column names:
//! `courses`, `assessments`, `vle`, `studentInfo`, `studentRegistration`,
//! `studentAssessment`, `studentVle` (streamed: it is the big one).
//!
//! ## Calendar
//! - Day 0 of presentation `YYYYB` is 1 February YYYY, of `YYYYJ` 1 October YYYY; a day
//!   offset `d` (negative = before the start) is day 0 + d. Timestamps are naive local
//!   `YYYY-MM-DD 00:00:00` (OULAD has days only; `learning_events` are daily totals).
//!   An offset beyond ±10,000 days is `out_of_range`.
//! - Term: `2013J` → `2013-2014-1` (autumn), `2013B` → `2012-2013-2` (spring).
//!
//! ## Kinds
//! - `students`: one row per `id_student` (a student in two presentations is one student).
//!   `student_id` = `id_student` as written; `name` = `OULAD student <id>` (placeholder);
//!   `gender` = OULAD's; `college` = `OU`; `major` = the module of the student's latest
//!   presentation (latest = latest day 0, then module code); `class_id` =
//!   `<module>-<presentation>` of the latest; `cohort` = year of the first presentation;
//!   `degree_level` = `undergraduate`; no dorm, no mentor; `counsellor_id` = `OU-<module>`
//!   of the latest; `political_status` = `masses`; `hometown_province` = `region`;
//!   `financial_aid_level` = `none`; `status` = `withdrawn` when the latest presentation's
//!   `final_result` is `Withdrawn`, else `active`. Gender and region come from the latest.
//! - `staff`: one counsellor per module of `courses`: `OU-<module>`, `OU tutor <module>`,
//!   college `OU`.
//! - `courses`: one per module: `course_id` = `code_module`, `OULAD module <code>`,
//!   credits 60 (placeholder: OULAD modules are 30 or 60 UK credits and the table does not
//!   say which), `compulsory`, college `OU`.
//! - `learning_events`: one row per `studentVle` row, repeats kept (OULAD has several rows
//!   for one student, site and day): `event_id` =
//!   `<module>-<presentation>-<id_student>-<id_site>-<date>-<n>`, `n` = 1 for the first row
//!   of that tuple in file order, 2 for the second, …; `ts` = day 0 + `date`;
//!   `activity_type` = `vle.activity_type` of the site (`unknown` for a site not in `vle`
//!   or with an empty type); `clicks` = `sum_click`.
//! - `coursework`: one row per `studentAssessment` row (`submitted`): `record_id` =
//!   `<id_assessment>-<id_student>`, `course_id` = module, `term`, `item` =
//!   `<assessment_type> <id_assessment>`, `weight` as in `assessments` (OULAD gives the exam
//!   weight 100 beside continuous assessment summing to 100), `due_at` = day 0 +
//!   `assessments.date` (empty, as for most exams: day 0 + `module_presentation_length`),
//!   `submitted_at` = day 0 + `date_submitted`, `score` as written (empty if missing).
//!   Plus synthesized missing work (`missing`): for each `studentRegistration` row and
//!   each assessment of that presentation with no `studentAssessment` row for the student,
//!   a row with empty `submitted_at` and `score`, only when the student was still
//!   registered on the due day (`date_unregistration` empty or after the due day).
//! - `grades`: one row per `studentInfo` row: `course_id` = module, `term`, `attempt` = 1
//!   (each presentation is its own first sitting; OULAD's `num_of_prev_attempts` counts
//!   attempts we do not have). `Pass` → `normal`, score = the weight-weighted mean of the
//!   student's scores in the presentation's assessments (the plain mean if their weights
//!   sum to 0) clamped to [60, 84.99]; `Distinction` → [85, 100]; `Fail` → [0, 59.99];
//!   no scored assessment → 70 / 90 / 40. `Withdrawn` → `absent`, empty score. Scores are
//!   rounded to 2 decimals. `recorded_at` = day 0 + `date_unregistration` for `Withdrawn`
//!   (when given), else day 0 + `module_presentation_length`.
//!
//! ## Rejections
//! A row is rejected (counted, listed with file, line and ids, never personal data) when
//! it cannot be read (`bad_row`), a number does not parse (`bad_number`), a value is not one
//! OULAD uses (`bad_value`: presentation code, gender, final result), a number is out of
//! range (`out_of_range`: score outside 0–100, clicks < 1, huge day offsets), its
//! presentation is not in `courses` (`unknown_presentation`), its assessment is not in
//! `assessments` (`unknown_assessment`), its student is not in `studentInfo`
//! (`unknown_student`), or it repeats a key (`duplicate`). `?` (OULAD's own missing
//! marker) reads as empty.

mod records;
mod source;
#[cfg(test)]
mod tests;

use std::path::Path;

use chrono::{Datelike, Days, NaiveDate};

use super::table::{write_atomic, Input};
use super::{ImportError, ImportReport, InputCount};
pub use source::FinalResult;
use source::{Info, Source};

/// Input tables in reading order.
pub const TABLES: [&str; 7] =
    ["courses", "assessments", "vle", "studentInfo", "studentRegistration", "studentAssessment", "studentVle"];
pub(super) const COURSES: usize = 0;
pub(super) const ASSESSMENTS: usize = 1;
pub(super) const VLE: usize = 2;
pub(super) const INFO: usize = 3;
pub(super) const REGISTRATION: usize = 4;
pub(super) const STUDENT_ASSESSMENT: usize = 5;
pub(super) const STUDENT_VLE: usize = 6;

/// Largest day offset accepted (about 27 years).
pub(super) const MAX_DAYS: i64 = 10_000;

/// A module presentation, e.g. `AAA` `2013J`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    /// `code_module`.
    pub module: String,
    /// `code_presentation`.
    pub code: String,
    /// Day 0.
    pub day0: NaiveDate,
    /// Contract term name.
    pub term: String,
    /// `module_presentation_length` in days.
    pub length: i64,
}

/// Day 0 and term of a presentation code (`2013J`, `2014B`); `None` if it is not one.
pub fn calendar(code: &str) -> Option<(NaiveDate, String)> {
    let b = code.as_bytes();
    if b.len() != 5 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year: i32 = code.get(..4)?.parse().ok()?;
    match b[4] {
        b'B' => Some((NaiveDate::from_ymd_opt(year, 2, 1)?, format!("{}-{}-2", year - 1, year))),
        b'J' => Some((NaiveDate::from_ymd_opt(year, 10, 1)?, format!("{}-{}-1", year, year + 1))),
        _ => None,
    }
}

/// Day 0 + `d` days.
pub fn day(day0: NaiveDate, d: i64) -> Option<NaiveDate> {
    if d.abs() > MAX_DAYS {
        return None;
    }
    if d >= 0 {
        day0.checked_add_days(Days::new(d.unsigned_abs()))
    } else {
        day0.checked_sub_days(Days::new(d.unsigned_abs()))
    }
}

/// Day 0 + `d` as a naive local timestamp at 00:00:00.
pub fn timestamp(day0: NaiveDate, d: i64) -> Option<String> {
    day(day0, d).map(|x| format!("{x} 00:00:00"))
}

/// A number cell: `Ok(None)` when empty (or OULAD's `?`), `Err` when it does not parse.
pub(super) fn int(s: &str) -> Result<Option<i64>, ()> {
    let s = s.trim();
    if s.is_empty() || s == "?" {
        return Ok(None);
    }
    s.parse::<i64>().map(Some).map_err(|_| ())
}

pub(super) fn float(s: &str) -> Result<Option<f64>, ()> {
    let s = s.trim();
    if s.is_empty() || s == "?" {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(()),
    }
}

/// Imports the OULAD tables in `dir` into contract files in `out` and writes
/// `out/import_report.json`. Rejected rows are in the report; the caller decides what a
/// rejection means for its exit code.
pub fn import(dir: &Path, out: &Path) -> Result<ImportReport, ImportError> {
    if !dir.is_dir() {
        return Err(ImportError::NoDir { dir: dir.to_path_buf() });
    }
    // Every table must be there before anything is written.
    for t in TABLES {
        super::table::locate(dir, t)?;
    }
    std::fs::create_dir_all(out).map_err(|source| ImportError::Write { path: out.to_path_buf(), source })?;
    let mut report = ImportReport {
        source: "oulad".into(),
        inputs: TABLES.iter().map(|t| InputCount { table: (*t).to_string(), ..InputCount::default() }).collect(),
        notes: vec![
            "Open University Learning Analytics Dataset: Kuzilek J., Hlosta M., Zdrahal Z. (2017), \
             Scientific Data 4:170171. Licence CC BY 4.0."
                .into(),
            "Placeholders: student names, college OU, degree_level, political_status, financial_aid_level, \
             course credits 60; grades attempt 1 per presentation."
                .into(),
        ],
        ..ImportReport::default()
    };
    let mut src = Source::default();
    source::read_courses(dir, &mut src, &mut report)?;
    source::read_assessments(dir, &mut src, &mut report)?;
    source::read_vle(dir, &mut src, &mut report)?;
    source::read_info(dir, &mut src, &mut report)?;
    source::read_registration(dir, &mut src, &mut report)?;
    records::write_all(dir, out, &src, &mut report)?;
    let json = serde_json::to_vec_pretty(&report).map_err(|e| ImportError::Bug(e.to_string()))?;
    write_atomic(&out.join("import_report.json"), &[json, b"\n".to_vec()].concat())?;
    Ok(report)
}

/// Finishes reading a table: its file name and row count go into the report.
pub(super) fn done(report: &mut ImportReport, idx: usize, input: &Input) {
    if let Some(i) = report.inputs.get_mut(idx) {
        i.file = input.file.clone();
        i.rows_read = input.rows;
    }
}

/// The year of a presentation's day 0 (the `cohort` of a student first seen in it).
pub(super) fn year(p: &Presentation) -> i32 {
    p.day0.year()
}
