//! Courses, each class's curriculum per semester, weekly timetables and exam dates.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::Rng;

use super::calendar::{Term, DAY, HOUR, TEACHING_WEEKS};
use super::catalog::{Field, COLLEGES, COURSE_STEMS, GENERAL};
use super::people::{Class, Degree};
use super::{seeded, Stream};

/// A course.
#[derive(Debug, Clone)]
pub struct Course {
    /// `course_id`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Credits in tenths.
    pub credits: i64,
    /// Category.
    pub category: &'static str,
    /// Owning college or "".
    pub college: &'static str,
    /// Where it is taught: place type and id.
    pub place: (&'static str, String),
}

/// One weekly class meeting.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    /// 0 = Monday.
    pub weekday: u32,
    /// Period 1–5.
    pub period: usize,
    /// Course index.
    pub course: usize,
}

/// Start and end of the periods, in seconds after midnight.
pub const PERIODS: [(i64, i64); 6] = [
    (0, 0),
    (8 * HOUR, 9 * HOUR + 40 * 60),
    (10 * HOUR, 11 * HOUR + 40 * 60),
    (14 * HOUR, 15 * HOUR + 40 * 60),
    (16 * HOUR, 17 * HOUR + 40 * 60),
    (19 * HOUR, 20 * HOUR + 40 * 60),
];

/// All courses and who takes what when.
#[derive(Debug, Default)]
pub struct Curriculum {
    /// Every course.
    pub courses: Vec<Course>,
    major: HashMap<(usize, usize, Degree, i32), Vec<usize>>,
    general: Vec<(usize, i32)>,
    /// Evening electives open to everyone.
    pub electives: Vec<usize>,
    timetables: HashMap<(usize, Term), Vec<Session>>,
}

const UNDER: [usize; 8] = [3, 3, 4, 4, 4, 3, 2, 1];
const MASTER: [usize; 3] = [3, 3, 1];
const DOCTOR: [usize; 2] = [2, 1];

impl Curriculum {
    /// Courses of the majors in use and the general ones.
    pub fn build(classes: &[Class], seed: u64) -> Curriculum {
        let mut rng = seeded(seed, 1, Stream::Campus);
        let mut c = Curriculum::default();
        for (id, name, credits, category, college, sem) in GENERAL {
            let place = if id.starts_with("PE") {
                ("gym", "GYM-1".to_string())
            } else {
                ("teaching_building", "TB-PUB".to_string())
            };
            let idx = c.push(id, name, *credits, category, college, place);
            if *sem == 0 {
                c.electives.push(idx);
            } else {
                c.general.push((idx, *sem));
            }
        }
        let mut groups: Vec<(usize, usize, Degree)> = classes.iter().map(|k| (k.college, k.major, k.degree)).collect();
        groups.sort_by_key(|g| (g.0, g.1, g.2 as u8));
        groups.dedup();
        for (college, major, degree) in groups {
            c.add_major(&mut rng, college, major, degree);
        }
        c
    }

    fn push(
        &mut self,
        id: &str,
        name: &str,
        credits: i64,
        category: &'static str,
        college: &'static str,
        place: (&'static str, String),
    ) -> usize {
        self.courses.push(Course { id: id.to_string(), name: name.to_string(), credits, category, college, place });
        self.courses.len() - 1
    }

    fn add_major(&mut self, rng: &mut impl Rng, college: usize, major: usize, degree: Degree) {
        let (cname, majors) = COLLEGES[college];
        let (mname, _, code, _) = majors[major];
        let (plan, tag, label): (&[usize], &str, &str) = match degree {
            Degree::Under => (&UNDER, "", ""),
            Degree::Master => (&MASTER, "M", "（硕）"),
            Degree::Doctor => (&DOCTOR, "D", "（博）"),
        };
        for (s, n) in plan.iter().enumerate() {
            let sem = s as i32 + 1;
            let mut list = Vec::new();
            for k in 0..*n {
                let stem = COURSE_STEMS[(s * 5 + k * 7 + major) % COURSE_STEMS.len()];
                let credits = [20, 25, 30, 30, 30, 35, 40, 40][rng.random_range(0..8)];
                let category = if sem >= 6 && k == n - 1 { "elective" } else { "compulsory" };
                let id = format!("{code}{tag}{sem}{:02}", k + 1);
                let name = format!("{mname}{stem}{label}（{sem}）");
                let place = ("teaching_building", format!("TB-{:02}", college + 1));
                list.push(self.push(&id, &name, credits, category, cname, place));
            }
            self.major.insert((college, major, degree, sem), list);
        }
    }

    /// Courses a class takes in a term (none before enrolment or after the plan ends).
    pub fn courses_for(&self, class: &Class, term: Term) -> Vec<usize> {
        let sem = term.semester_of(class.cohort);
        let mut out = self.major.get(&(class.college, class.major, class.degree, sem)).cloned().unwrap_or_default();
        if class.degree == Degree::Under {
            let field = COLLEGES[class.college].1[class.major].3;
            let english = COLLEGES[class.college].1[class.major].2 == "EN";
            for &(i, s) in &self.general {
                let id = self.courses[i].id.as_str();
                let takes = match &id[..2] {
                    "MA" => field == Field::Stem || (field == Field::Econ && id >= "MA1101"),
                    "EN" => !english,
                    _ => true,
                };
                if s == sem && takes {
                    out.push(i);
                }
            }
        }
        out
    }

    /// The weekly timetable of a class in a term (built on first use by [`Self::plan`]).
    pub fn timetable(&self, class: usize, term: Term) -> &[Session] {
        self.timetables.get(&(class, term)).map_or(&[], |v| v.as_slice())
    }

    /// Builds the timetables of every class for the given terms.
    pub fn plan(&mut self, classes: &[Class], terms: &[Term], seed: u64) {
        for (ci, class) in classes.iter().enumerate() {
            for &term in terms {
                let mut rng = seeded(seed, (ci as u64) << 8 | u64::from(term.n), Stream::Timetable);
                let mut slots: Vec<(u32, usize)> = (0..5).flat_map(|d| (1..=4).map(move |p| (d, p))).collect();
                slots.shuffle(&mut rng);
                let mut tt = Vec::new();
                for course in self.courses_for(class, term) {
                    let n = if self.courses[course].credits >= 30 { 2 } else { 1 };
                    let mut used = Vec::new();
                    for _ in 0..n {
                        let Some(pos) = slots.iter().position(|s| !used.contains(&s.0)) else { break };
                        let (weekday, period) = slots.remove(pos);
                        used.push(weekday);
                        tt.push(Session { weekday, period, course });
                    }
                }
                tt.sort_by_key(|s| (s.weekday, s.period));
                self.timetables.insert((ci, term), tt);
            }
        }
    }

    /// The exam of a course in a term: local start time (in the exam weeks).
    pub fn exam_time(&self, course: usize, term: Term) -> i64 {
        let h = (course as i64).wrapping_mul(2_654_435_761) >> 7;
        let day = term.first_day() as i64 + TEACHING_WEEKS * 7 + (h % 2) * 7 + (h >> 3) % 5;
        day * DAY + PERIODS[1 + ((h >> 5) % 4) as usize].0
    }

    /// The day a course's grades of a term are recorded.
    pub fn recorded_day(&self, course: usize, term: Term) -> i32 {
        (self.exam_time(course, term) / DAY) as i32 + 4 + (course % 4) as i32
    }
}
