//! `radar generate`: a realistic fabricated campus with planted ground truth, in the exact
//! contract format (CSV, NDJSON or Parquet), for demos, tests and benchmarks.
//!
//! ```text
//!  options ─► people (students, staff, classes) + curriculum + activities   (campus stream)
//!                │
//!                ▼  blocks of 64 students, on N threads, each student from its own
//!                   ChaCha8 stream derived from (seed, student index)
//!  student ─► day (card, access, network, attendance, LMS) ─► coursework, grades, life
//!            ─► leave requests (own stream)
//!                │
//!                ▼  dirty (optional; its own stream) ─► ordered writer (student order)
//!  DIR/<kind>.<ext>   DIR/truth/*.csv + README.md   DIR/gb18030/ (with --dirty)
//! ```
//!
//! Same options → byte-identical files, whatever the number of threads: every random
//! draw comes from a stream keyed by the seed and the student (or block), and blocks are
//! written in student order. The truth files are described in [`truth::README`].
//! The ingest clock to use is the Monday after the last week, 00:00 local
//! ([`Summary::now`]): no event is later, so nothing is a `future_timestamp`.
//!
//! Benchmark (results in `benches/results-generate.md`):
//! `/usr/bin/time -v radar generate --students 30000 --weeks 20 --seed 1 --out /tmp/bench-gen`

mod academic;
mod activities;
pub mod calendar;
mod catalog;
mod courses;
mod day;
mod dims;
mod dirty;
mod encode;
mod evening;
mod leave;
mod legacy;
mod life;
mod people;
mod pipeline;
pub mod rows;
mod series;
mod sim;
mod student;
mod taste;
pub mod truth;
mod write;

use std::path::PathBuf;

use chrono::NaiveDate;
use chrono_tz::Tz;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use calendar::{Calendar, Local, Term, DAY};

/// Output format of the contract files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// Parquet, string columns holding the contract's text forms.
    Parquet,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Number of students.
    pub students: u32,
    /// Number of weeks.
    pub weeks: u32,
    /// First day (a Monday; another day is moved back to its Monday).
    pub start: NaiveDate,
    /// Seed.
    pub seed: u64,
    /// Output directory.
    pub out: PathBuf,
    /// Format.
    pub format: OutFormat,
    /// Share of extra bad rows per file (0 = clean).
    pub dirty: f64,
    /// Campus time zone.
    pub tz: Tz,
    /// Worker threads.
    pub threads: usize,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The ingest clock to use (`--now`), RFC 3339.
    pub now: String,
    /// Per file (relative path): rows and bytes.
    pub files: Vec<(String, u64, u64)>,
    /// Rows listed in truth/dirty.csv.
    pub dirty_rows: u64,
}

/// Generation failures.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// An option is not usable.
    #[error("{what}: {hint}")]
    Invalid {
        /// What is wrong.
        what: String,
        /// What to do.
        hint: String,
    },
    /// Writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Encoding Parquet failed.
    #[error("{}: parquet: {message}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The cause.
        message: String,
    },
    /// A worker thread died: a bug.
    #[error("internal error (a bug): {0}")]
    Bug(String),
}

/// Record kinds in `ALL_KINDS` order (checked by a test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum K {
    Students,
    Staff,
    Courses,
    Activities,
    Calendar,
    Card,
    Access,
    Network,
    Loans,
    Attendance,
    Learning,
    Coursework,
    Grades,
    Participation,
    Process,
    Assessments,
    Awards,
    Leave,
}

/// Independent random streams.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Campus = 1,
    Traits = 2,
    Life = 3,
    Timetable = 4,
    Dirty = 5,
    Taste = 6,
    Leave = 7,
}

/// A ChaCha8 stream keyed by (seed, index, stream): stable across rand versions.
pub(crate) fn seeded(seed: u64, index: u64, stream: Stream) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&index.to_le_bytes());
    key[16..24].copy_from_slice(&(stream as u64).to_le_bytes());
    ChaCha8Rng::from_seed(key)
}

/// Staff with campus-wide roles.
#[derive(Debug, Default)]
pub(crate) struct Roles {
    psychologist: String,
    career: String,
    leaders: Vec<String>,
    secretaries: Vec<String>,
}

/// Everything shared by the student simulations (read-only).
pub(crate) struct Campus {
    seed: u64,
    cal: Calendar,
    /// Local [start, end) of the window.
    window: (Local, Local),
    people: people::People,
    cur: courses::Curriculum,
    activities: Vec<activities::Activity>,
    activity_weeks: Vec<std::ops::Range<usize>>,
    /// The first generator's activity slots, replayed for the life stream's draws.
    legacy: Vec<(Local, Local)>,
    legacy_weeks: Vec<std::ops::Range<usize>>,
    roles: Roles,
}

impl Campus {
    fn build(o: &GenerateOptions, start: NaiveDate) -> Campus {
        let cal = Calendar::new(start, o.weeks, o.tz);
        let first = Term::around(cal.start);
        let people = people::build(o.students, first.year, first, o.seed, cal.start, cal.days());
        let mut cur = courses::Curriculum::build(&people.classes, o.seed);
        let mut terms = vec![first];
        while terms[terms.len() - 1].next().first_day() < cal.end() {
            let t = terms[terms.len() - 1].next();
            terms.push(t);
        }
        cur.plan(&people.classes, &terms, o.seed);
        let (activities, activity_weeks) = activities::build(&cal, o.students, o.seed);
        let (legacy, legacy_weeks) = legacy::schedule(&cal, o.students, o.seed);
        let roles = roles(&people);
        Campus {
            seed: o.seed,
            window: (i64::from(cal.start) * DAY, i64::from(cal.end()) * DAY),
            cal,
            people,
            cur,
            activities,
            activity_weeks,
            legacy,
            legacy_weeks,
            roles,
        }
    }
}

fn roles(p: &people::People) -> Roles {
    let mut r = Roles::default();
    for s in &p.staff {
        match s.role {
            "psychologist" if r.psychologist.is_empty() => r.psychologist = s.id.clone(),
            "career_advisor" => r.career = s.id.clone(),
            "leader" => r.leaders.push(s.id.clone()),
            "party_secretary" => r.secretaries.push(s.id.clone()),
            _ => {}
        }
    }
    r
}

/// Generates the campus described by `o`.
pub fn generate(o: &GenerateOptions) -> Result<Summary, GenerateError> {
    check(o)?;
    let back = o.start.weekday_from_monday();
    let start = o.start - chrono::Days::new(u64::from(back));
    let campus = Campus::build(o, start);
    write::run(&campus, o)
}

fn check(o: &GenerateOptions) -> Result<(), GenerateError> {
    let bad = |what: String, hint: &str| Err(GenerateError::Invalid { what, hint: hint.to_string() });
    if o.students == 0 || o.students > 2_000_000 {
        return bad(format!("--students {} is out of range", o.students), "use 1 to 2,000,000");
    }
    if o.weeks == 0 || o.weeks > 104 {
        return bad(format!("--weeks {} is out of range", o.weeks), "use 1 to 104");
    }
    if !(0.0..=0.5).contains(&o.dirty) {
        return bad(format!("--dirty {} is out of range", o.dirty), "use a share from 0 to 0.5, e.g. 0.01");
    }
    if !(2000..=2100).contains(&chrono::Datelike::year(&o.start)) {
        return bad(format!("--start {} is out of range", o.start), "use a date between 2000 and 2100");
    }
    Ok(())
}

trait WeekdayExt {
    fn weekday_from_monday(&self) -> u32;
}

impl WeekdayExt for NaiveDate {
    fn weekday_from_monday(&self) -> u32 {
        chrono::Datelike::weekday(self).num_days_from_monday()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ALL_KINDS;

    #[test]
    fn kind_enum_matches_the_contract_order() {
        let names = [
            "students",
            "staff",
            "courses",
            "activities",
            "calendar",
            "card_transactions",
            "access_events",
            "network_sessions",
            "library_loans",
            "attendance",
            "learning_events",
            "coursework",
            "grades",
            "participation",
            "process_records",
            "assessments",
            "awards",
            "leave_requests",
        ];
        for (i, k) in ALL_KINDS.iter().enumerate() {
            assert_eq!(k.name, names[i]);
        }
        assert_eq!(K::Leave as usize, 17);
        assert_eq!(K::Calendar as usize, 4);
        assert_eq!(K::Card as usize, 5);
    }
}
