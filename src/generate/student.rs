//! One student over the window: which days they are on campus, today's timetable,
//! weekly records, then coursework and grades, all from the student's own random stream
//! so that students can be generated in parallel with byte-identical output.

use rand::Rng;

use super::calendar::{weekday, DayKind, Term, DAY};
use super::courses::Session;
use super::sim::{Out, Sim};
use super::truth::distress_line;
use super::{seeded, Campus, Stream};
use crate::generate::people::Student;

/// A coursework item: due time (`None` = not timed), course, name, weight, term.
pub type Item = (Option<i64>, usize, &'static str, i64, Term);

/// Generates every event row of one student into `out`.
pub fn simulate(c: &Campus, s: &Student, out: &mut Out) {
    let rng = seeded(c.seed, u64::from(s.idx), Stream::Life);
    let mut sim = Sim::new(c, s, rng, out);
    if s.status == "active" {
        let items = sim.items();
        for day in c.cal.start..c.cal.end() {
            if weekday(day) == 0 {
                sim.week(day);
            }
            sim.one_day(day, &items);
        }
        sim.coursework(&items);
        sim.assessments();
    }
    let failed = sim.grades();
    if s.status == "active" {
        super::leave::requests(c, s, &mut sim.out.rows[super::K::Leave as usize]);
    }
    if let Some(d) = &s.traits.distress {
        let term = Term::around(d.onset);
        let n = failed.iter().find(|f| f.0 == term).map(|f| f.1);
        sim.out.distress.push_str(&distress_line(&s.id, d, &term.name(), n));
    }
}

/// Whether the student is away from campus on a day of this kind: vacations unless they
/// stay, and most public holidays (leave requests follow the same days).
pub fn goes_home(s: &Student, kind: DayKind) -> bool {
    match kind {
        DayKind::Vacation => !s.traits.stays,
        // Most students travel on public holidays.
        DayKind::Holiday => !s.traits.stays && !s.idx.is_multiple_of(3),
        _ => false,
    }
}

impl Sim<'_> {
    fn one_day(&mut self, day: i32, items: &[Item]) {
        let kind = self.c.cal.kind(day);
        let s = self.s;
        if goes_home(s, kind) {
            return;
        }
        let term = Term::around(day);
        self.set_term(term);
        let sessions = if kind == DayKind::Teaching { self.sessions(term, weekday(day)) } else { Vec::new() };
        let now = i64::from(day) * DAY;
        let due_soon = items.iter().any(|i| i.0.is_some_and(|d| d >= now && d < now + 2 * DAY));
        self.day(day, kind, &sessions, due_soon);
    }

    /// Selects the term's courses (class curriculum plus an evening elective for some).
    fn set_term(&mut self, term: Term) {
        if self.term == Some(term) {
            return;
        }
        self.term = Some(term);
        self.courses = self.term_courses(term);
    }

    /// The class's courses in a term plus the student's elective, if any.
    pub fn term_courses(&self, term: Term) -> Vec<usize> {
        let class = &self.c.people.classes[self.s.class];
        let mut v = self.c.cur.courses_for(class, term);
        if let Some(e) = self.elective(term) {
            v.push(e);
        }
        v
    }

    /// The evening elective of a term: 40% of undergraduates take one.
    fn elective(&self, term: Term) -> Option<usize> {
        let class = &self.c.people.classes[self.s.class];
        let sem = term.semester_of(class.cohort);
        let h = (u64::from(self.s.idx) * 31 + sem as u64 * 7) % 100;
        let e = &self.c.cur.electives;
        (class.degree == super::people::Degree::Under && (1..=8).contains(&sem) && h < 40 && !e.is_empty())
            .then(|| e[(self.s.idx as usize + sem as usize) % e.len()])
    }

    fn sessions(&self, term: Term, wd: u32) -> Vec<Session> {
        let mut v: Vec<Session> =
            self.c.cur.timetable(self.s.class, term).iter().filter(|x| x.weekday == wd).copied().collect();
        if let Some(e) = self.elective(term) {
            let k = self.c.cur.electives.iter().position(|x| *x == e).unwrap_or(0) as u32;
            if k % 4 == wd {
                v.push(Session { weekday: wd, period: 5, course: e });
            }
        }
        v
    }

    /// Courses of the current term.
    pub fn current_courses(&self) -> Vec<usize> {
        self.courses.clone()
    }

    /// Coursework items due in the window or up to two weeks after it.
    fn items(&mut self) -> Vec<Item> {
        let (lo, hi) = (self.c.window.0, self.c.window.1 + 14 * DAY);
        let mut out = Vec::new();
        let mut term = Term::around(self.c.cal.start);
        while i64::from(term.first_day()) * DAY < hi {
            let first = i64::from(term.first_day()) * DAY;
            for ci in self.term_courses(term) {
                if self.c.cur.courses[ci].id.starts_with("PE") {
                    continue;
                }
                for k in 1..=7 {
                    let due = first + (14 * k - 1) * DAY + 23 * 3600 + 59 * 60;
                    out.push((Some(due), ci, ASSIGNMENTS[k as usize - 1], 5, term));
                }
                out.push((Some(first + 53 * DAY + 17 * 3600 + 40 * 60), ci, "期中测验", 10, term));
                if ci % 5 == 0 {
                    out.push((None, ci, "课堂表现", 10, term));
                }
            }
            term = term.next();
        }
        out.retain(|i| i.0.is_none_or(|d| d >= lo && d < hi));
        out
    }

    /// Weekly records: activities, staff process records.
    fn week(&mut self, monday: i32) {
        self.participation(monday);
        self.process_records(monday);
        if self.chance(0.002) {
            let day = monday + self.rng.random_range(0..5);
            self.award(day, "competition", "provincial", "大学生学科竞赛省级奖项");
        }
    }
}

const ASSIGNMENTS: [&str; 7] =
    ["第1次作业", "第2次作业", "第3次作业", "第4次作业", "第5次作业", "第6次作业", "第7次作业"];
