//! Coursework submissions and grades: punctual, late and missing work; exam scores that
//! follow ability, diligence and wellbeing; make-up exams and retakes; absent, deferred
//! and cheating statuses; and the academic-failure truth computed from what is written.

use rand::Rng;

use super::calendar::{Term, DAY, HOUR};
use super::sim::Sim;
use super::student::Item;
use super::truth::credits_text;
use super::K;

/// One written grade: course, attempt, score in tenths (`None` = empty), status.
type Grade = (usize, i64, Option<i64>, &'static str);

impl Sim<'_> {
    /// Writes the coursework rows of the items.
    pub fn coursework(&mut self, items: &[Item]) {
        let (lo, end) = self.c.window;
        for &(due, ci, item, weight, term) in items {
            let t = &self.s.traits;
            let (dil, ability) = (f64::from(t.diligence), f64::from(t.ability));
            let f = due.map_or(1.0, |d| f64::from(t.wellbeing((d / DAY) as i32)));
            let p = (0.55 + 0.45 * dil) * (0.3 + 0.7 * f);
            let sub = match due {
                None => None,
                Some(d) if d >= end => self.chance(0.25 * dil).then(|| d - self.rng.random_range(3 * DAY..10 * DAY)),
                Some(d) if self.chance(p * 0.93) => Some(d - self.rng.random_range(360..72 * HOUR)),
                Some(d) if self.chance(p) => Some(d + self.rng.random_range(HOUR / 5..48 * HOUR)),
                Some(_) => None,
            };
            let sub = sub.map(|s| s.max(lo + 12 * HOUR)).filter(|s| self.ok(*s));
            let marked = due.map_or(i64::from(term.end_day()) * DAY < end, |d| d + 3 * DAY < end);
            let score = match (sub, due) {
                (_, None) if marked => Some(self.score(ability + 8.0, 6.0)),
                (Some(_), Some(_)) if marked => Some(self.score(ability + 4.0, 8.0)),
                (None, Some(_)) if marked && self.chance(0.35) => Some(0),
                _ => None,
            };
            let form = self.pick_form(60, 10);
            let (cal, sid, course) = (self.cal(), &self.s.id, &self.c.cur.courses[ci].id);
            let r = self.start(K::Coursework, "CW");
            r.s(sid).s(course).s(&term.name()).s(item).int(weight);
            match due {
                Some(d) => r.ts(cal, d, form),
                None => r.null(),
            };
            match sub {
                Some(s) => r.ts(cal, s, form),
                None => r.null(),
            };
            match score {
                Some(x) => r.dec1(x),
                None => r.null(),
            };
        }
    }

    /// A score in tenths, rounded to halves, within 0–100.
    fn score(&mut self, mean: f64, sd: f64) -> i64 {
        let z: f64 = (0..4).map(|_| self.rng.random::<f64>()).sum::<f64>() - 2.0;
        let x = (mean + z * 1.7 * sd).clamp(0.0, 100.0);
        ((x * 2.0).round() * 5.0) as i64
    }

    /// Writes every grade from enrolment to the window's end and the truth about them;
    /// returns per term the number of failed first attempts.
    pub fn grades(&mut self) -> Vec<(Term, usize)> {
        let class = &self.c.people.classes[self.s.class];
        let end_day = self.c.cal.end();
        let mut term = Term { year: class.cohort, n: 1 };
        let mut pending: Vec<(usize, Term)> = Vec::new();
        let mut failed_terms = Vec::new();
        while term.first_day() < end_day {
            let mut rows: Vec<Grade> = Vec::new();
            for ci in self.term_courses(term) {
                if self.c.cur.recorded_day(ci, term) >= end_day {
                    continue;
                }
                let g = self.first_attempt(ci, term);
                if fails(&g) && g.3 != "cheating" || g.3 == "deferred" {
                    pending.push((ci, term));
                }
                if g.3 == "cheating" {
                    let day = self.c.cur.recorded_day(ci, term) + 7;
                    self.award(day, "disciplinary", "serious_warning", "考试作弊");
                }
                rows.push(g);
            }
            self.write_grades(term, &rows);
            if !rows.is_empty() {
                failed_terms.push((term, rows.iter().filter(|g| fails(g)).count()));
                self.failure_truth(term, &rows);
            }
            self.makeups(&mut pending, term.next(), end_day);
            term = term.next();
        }
        failed_terms
    }

    fn first_attempt(&mut self, ci: usize, term: Term) -> Grade {
        let t = &self.s.traits;
        let exam_day = (self.c.cur.exam_time(ci, term) / DAY) as i32;
        let f = f64::from(t.wellbeing(exam_day));
        let distressed = f < 0.95;
        let r: f64 = self.rng.random();
        let absent = if distressed { 0.06 } else { 0.004 };
        if r < absent {
            return (ci, 1, None, "absent");
        }
        if r < absent + 0.003 {
            return (ci, 1, None, "deferred");
        }
        if r < absent + 0.004 {
            return (ci, 1, None, "cheating");
        }
        let pe = self.c.cur.courses[ci].id.starts_with("PE");
        let mean = if pe { 84.0 } else { f64::from(t.ability) - 30.0 * (1.0 - f) };
        (ci, 1, Some(self.score(mean, 8.0)), "normal")
    }

    /// Make-up exams at the start of the next term (attempt 2); a failed make-up is
    /// retaken a year later (attempt 3).
    fn makeups(&mut self, pending: &mut Vec<(usize, Term)>, next: Term, end_day: i32) {
        let due: Vec<(usize, Term)> =
            pending.iter().copied().filter(|p| p.1.next() == next || p.1.next().next().next() == next).collect();
        pending.retain(|p| !due.contains(p));
        for (ci, term) in due {
            let retake = term.next() != next;
            let day = next.first_day() + if retake { 30 } else { 7 + (ci % 7) as i32 };
            if day >= end_day || !self.chance(0.85) {
                continue;
            }
            let score = if self.chance(0.78) { self.score(68.0, 5.0).max(600) } else { self.score(48.0, 6.0).min(595) };
            let attempt = if retake { 3 } else { 2 };
            self.grade_row(term, (ci, attempt, Some(score), "normal"), day);
            if score < 600 && !retake {
                pending.push((ci, term));
            }
        }
    }

    fn write_grades(&mut self, term: Term, rows: &[Grade]) {
        for g in rows {
            let day = self.c.cur.recorded_day(g.0, term);
            self.grade_row(term, *g, day);
        }
    }

    fn grade_row(&mut self, term: Term, (ci, attempt, score, status): Grade, day: i32) {
        if !self.ok_any(i64::from(day) * DAY) {
            return;
        }
        let sid = self.s;
        let course = &self.c.cur.courses[ci].id;
        let r = &mut self.out.rows[K::Grades as usize];
        r.s(&sid.id).s(course).s(&term.name()).int(attempt);
        match score {
            Some(x) => r.dec1(x),
            None => r.null(),
        };
        r.s(status).date(day);
    }

    /// academic_failure.csv: ≥ 6 failed credits among the term's first attempts.
    fn failure_truth(&mut self, term: Term, rows: &[Grade]) {
        let credits = |g: &Grade| self.c.cur.courses[g.0].credits;
        let written: Vec<&Grade> =
            rows.iter().filter(|g| self.ok_any(i64::from(self.c.cur.recorded_day(g.0, term)) * DAY)).collect();
        let attempted: i64 = written.iter().map(|g| credits(g)).sum();
        let failed: i64 = written.iter().filter(|g| fails(g)).map(|g| credits(g)).sum();
        if failed >= 60 {
            let line = format!("{},{},{},{}\n", self.s.id, term.name(), credits_text(attempted), credits_text(failed));
            self.out.failure.push_str(&line);
        }
    }
}

/// A failed first attempt: score below 60, absent or cheating.
fn fails(g: &Grade) -> bool {
    match g.3 {
        "absent" | "cheating" => true,
        "normal" => g.2.is_some_and(|x| x < 600),
        _ => false,
    }
}
