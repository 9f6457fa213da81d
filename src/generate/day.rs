//! The morning and afternoon of a student's day (the evening is in `evening.rs`): classes
//! and attendance, exams, canteen meals in their peaks, dorm and gate traffic, library and
//! gym. Distress (wellbeing < 1) thins meals, breakfasts, library and attendance and pushes
//! nights later; hardship lowers spend per meal and shop purchases, not meals.

use rand::Rng;

use super::calendar::{DayKind, Local, DAY, HOUR};
use super::catalog::{CANTEENS, GATES};
use super::courses::{Session, PERIODS};
use super::sim::Sim;

/// A class the student sat in: period, start, end, place, late.
type Sat = (usize, Local, Local, usize, bool);

impl Sim<'_> {
    /// Simulates one day; `sessions` are today's timetabled classes; `due_soon` whether
    /// coursework is due within two days (LMS activity rises before deadlines).
    pub fn day(&mut self, day: i32, kind: DayKind, sessions: &[Session], due_soon: bool) {
        let t = &self.s.traits;
        let f = f64::from(t.wellbeing(day));
        let weekend = !matches!(kind, DayKind::Teaching | DayKind::Exam);
        let off = self.s.dorm.is_none();
        if off && sessions.is_empty() && kind != DayKind::Exam && !self.chance(0.12) {
            return; // off-campus students come in for classes, and rarely otherwise
        }
        let sat = self.classes(day, sessions, f);
        let first = sat.iter().filter(|c| c.0 <= 2).map(|c| c.1).min();
        let b = self.breakfast(day, weekend, f, first);
        let leave = match (b, first) {
            (Some(b), _) => b - self.rng.random_range(240..900),
            (None, Some(c)) => c - self.rng.random_range(300..1_500),
            (None, None) => self.between(day, 8.5, 11.5),
        };
        self.arrive(leave);
        self.teaching_blocks(&sat);
        if kind == DayKind::Exam {
            self.exams(day);
        }
        self.lunch(day, weekend, f, &sat);
        self.library(day, kind, f, &sat);
        self.gym(day, weekend);
        self.dinner(day, f);
        self.shops(day, weekend);
        self.night(day, f);
        self.learning(day, weekend, f, due_soon);
    }

    fn classes(&mut self, day: i32, sessions: &[Session], f: f64) -> Vec<Sat> {
        let d = &self.s.traits;
        let absent = 0.02 + 0.08 * f64::from(1.0 - d.diligence) + 0.45 * (1.0 - f);
        let late = 0.02 + 0.06 * f64::from(1.0 - d.diligence) + if d.night_owl { 0.05 } else { 0.0 };
        let mut sat = Vec::new();
        for s in sessions {
            let (a, e) = PERIODS[s.period];
            let start = i64::from(day) * DAY + a;
            let status = if self.chance(absent) {
                "absent"
            } else if self.chance(0.01) {
                "excused"
            } else if self.chance(late + if s.period == 1 { 0.1 * (1.0 - f) } else { 0.0 }) {
                "late"
            } else {
                "present"
            };
            let course = self.c.cur.courses[s.course].id.as_str();
            self.attendance(start, course, status);
            if matches!(status, "present" | "late") {
                sat.push((s.period, start, i64::from(day) * DAY + e, s.course, status == "late"));
            }
        }
        sat
    }

    pub(super) fn canteen(&mut self, t: Local, yuan: &[i64]) {
        let t0 = &self.s.traits;
        let c = if self.chance(0.75) { t0.canteen } else { self.rng.random_range(0..CANTEENS.len()) };
        let (mid, name) = CANTEENS[c];
        let base = yuan[self.rng.random_range(0..yuan.len())];
        // Windows price in half yuan.
        let cents = ((base as f32 * t0.spend * 2.0).round() as i64).max(2) * 50;
        let merchant = format!("{mid}-W{:02}", self.rng.random_range(1..13));
        self.buy(t, cents, "canteen", &merchant, name);
    }

    fn breakfast(&mut self, day: i32, weekend: bool, f: f64, first: Option<Local>) -> Option<Local> {
        let p = f64::from(self.s.traits.breakfast) * f * f * if weekend { 0.5 } else { 1.0 };
        if !self.chance(p) {
            return None;
        }
        let hi = match first {
            Some(c) if (c - i64::from(day) * DAY) < 9 * HOUR => 7.8,
            _ => 9.6,
        };
        let t = self.around(day, if weekend { 8.8 } else { 7.3 }, 20.0, 6.4, hi);
        self.canteen(t, &[3, 4, 4, 5, 6, 7]);
        if self.chance(0.25) {
            let r0 = self.rng.random_range(30..240);
            self.canteen(t + r0, &[1, 2, 2]);
        }
        Some(t)
    }

    fn arrive(&mut self, t: Local) {
        match &self.s.dorm {
            Some(d) => {
                let b = d.building.clone();
                self.access(t, "dorm", &b, "out");
            }
            None => {
                let g = GATES[self.rng.random_range(0..GATES.len())];
                self.access(t - 600, "campus_gate", g, "in");
            }
        }
    }

    fn teaching_blocks(&mut self, sat: &[Sat]) {
        for (lo, hi) in [(1, 2), (3, 4), (5, 5)] {
            let block: Vec<&Sat> = sat.iter().filter(|c| c.0 >= lo && c.0 <= hi).collect();
            let (Some(first), Some(last)) = (block.first(), block.last()) else { continue };
            let place = self.c.cur.courses[first.3].place.clone();
            let tin = if first.4 {
                first.1 + self.rng.random_range(120..900)
            } else {
                first.1 - self.rng.random_range(60..840)
            };
            self.access(tin, place.0, &place.1, "in");
            let tout = last.2 + self.rng.random_range(0..600);
            if self.chance(0.85) {
                self.access(tout, place.0, &place.1, "out");
            }
            if self.chance(0.6) {
                let r0 = self.rng.random_range(60..1_200);
                let r1 = self.rng.random_range(0..1_800);
                self.net(tin + r0, tout - r1);
            }
        }
    }

    /// Exam days: the student walks into the exam hall of each exam of the day.
    fn exams(&mut self, day: i32) {
        let term = match self.term {
            Some(t) => t,
            None => return,
        };
        for ci in self.current_courses() {
            let t = self.c.cur.exam_time(ci, term);
            if t.div_euclid(DAY) == i64::from(day) {
                let place = self.c.cur.courses[ci].place.clone();
                let before = self.rng.random_range(300..1_500);
                self.access(t - before, place.0, &place.1, "in");
                let after = self.rng.random_range(5_400..7_200);
                self.access(t + after, place.0, &place.1, "out");
            }
        }
    }

    fn lunch(&mut self, day: i32, weekend: bool, f: f64, sat: &[Sat]) {
        if !self.chance(0.92 * (0.5 + 0.5 * f)) {
            return;
        }
        let morning_end = sat.iter().filter(|c| c.0 == 2).map(|c| c.2).max();
        let t = match morning_end {
            Some(e) => e + self.rng.random_range(240..2_400),
            None => self.around(day, if weekend { 12.2 } else { 11.9 }, 25.0, 10.6, 13.8),
        };
        self.canteen(t, &[9, 10, 11, 12, 13, 14, 15, 16, 18, 20]);
        let afternoon = sat.iter().filter(|c| c.0 >= 3).map(|c| c.1).min();
        if let (Some(d), true) = (self.s.dorm.clone(), self.chance(0.45)) {
            let tin = t + self.rng.random_range(600..2_100);
            let tout =
                afternoon.map_or(tin + self.rng.random_range(2_400..12_000), |a| a - self.rng.random_range(480..1_500));
            if tout > tin {
                self.access(tin, "dorm", &d.building, "in");
                self.access(tout, "dorm", &d.building, "out");
                self.net(tin + 60, tout - 60);
            }
        }
    }

    fn library(&mut self, day: i32, kind: DayKind, f: f64, sat: &[Sat]) {
        let t = &self.s.traits;
        let base = if t.library_regular { 0.6 } else { 0.07 };
        let k = match kind {
            DayKind::Exam => 1.6,
            DayKind::Teaching => 1.0,
            _ => 0.6,
        };
        if !self.chance(base * k * f) {
            return;
        }
        let busy_pm = sat.iter().any(|c| c.0 == 3 || c.0 == 4);
        let tin =
            if busy_pm || self.chance(0.5) { self.between(day, 18.6, 19.4) } else { self.between(day, 14.0, 16.5) };
        let lib = if self.chance(0.8) { "LIB-MAIN" } else { "LIB-EAST" };
        let mut tout = tin + self.rng.random_range(4_200..10_200);
        self.access(tin, "library", lib, "in");
        if self.chance(0.2) {
            // steps out for a few minutes and comes back (re-entry within 30 minutes)
            let o = tin + self.rng.random_range(1_200..3_600);
            self.access(o, "library", lib, "out");
            let r0 = self.rng.random_range(240..900);
            self.access(o + r0, "library", lib, "in");
            tout = tout.max(o + 1_800);
        }
        self.access(tout, "library", lib, "out");
        let r0 = self.rng.random_range(60..360);
        let r1 = self.rng.random_range(60..540);
        self.net(tin + r0, tout - r1);
        if self.chance(0.12) {
            let r0 = self.rng.random_range(300..3_000);
            self.loan(tin + r0);
        }
    }

    fn gym(&mut self, day: i32, weekend: bool) {
        if !self.s.traits.gym_regular || !self.chance(0.3) {
            return;
        }
        let t = if weekend { self.between(day, 9.5, 16.5) } else { self.between(day, 16.3, 17.5) };
        self.access(t, "gym", "GYM-1", "in");
        let r0 = self.rng.random_range(2_700..6_000);
        self.access(t + r0, "gym", "GYM-1", "out");
    }
}
