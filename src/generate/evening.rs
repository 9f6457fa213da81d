//! The afternoon and evening of a student's day: dinner, shops and utilities, the
//! evening return to the dorm, Wi-Fi into the night, LMS clicks.

use rand::Rng;

use super::calendar::{DAY, HOUR};
use super::catalog::{GATES, LMS_TYPES};
use super::sim::Sim;

impl Sim<'_> {
    pub(super) fn dinner(&mut self, day: i32, f: f64) {
        if self.chance(0.86 * (0.45 + 0.55 * f)) {
            let t = self.around(day, 17.75, 25.0, 16.6, 19.9);
            self.canteen(t, &[8, 9, 10, 11, 12, 13, 14, 15, 16]);
        }
    }

    pub(super) fn shops(&mut self, day: i32, weekend: bool) {
        let t = &self.s.traits;
        let shop = if t.hardship { 0.14 } else { 0.38 };
        let spend = t.spend;
        if self.chance(shop) {
            let at = self.between(day, 9.0, 22.5);
            let cents = (self.rng.random_range(250.0..4_500.0) * spend) as i64;
            let (m, l) = if self.chance(0.5) { ("SM-01", "教育超市") } else { ("SM-02", "D区便利店") };
            self.buy(at, cents.max(50), "supermarket", m, l);
        }
        if self.chance(0.05) {
            // a late snack at the night window, outside the meal slots
            let at = self.between(day, 21.0, 22.4);
            let r0 = self.rng.random_range(0..4);
            self.buy(at, 600 + 200 * r0, "canteen", "CT2-W15", "二食堂");
        }
        if let Some(d) = self.s.dorm.clone() {
            let b = d.building;
            if self.chance(0.6) {
                let at = self.between(day, 19.5, 23.0);
                let cents = self.rng.random_range(120..500);
                self.buy(at, cents, "shower", &format!("SH-{b}"), &format!("{b}浴室"));
            }
            if self.chance(0.4) {
                let at = self.between(day, 7.0, 22.5);
                let r0 = self.rng.random_range(2..11);
                self.buy(at, 10 * r0, "water", &format!("WT-{b}"), &format!("{b}开水房"));
            }
            if self.chance(0.1) {
                let at = self.between(day, 10.0, 22.0);
                let r0 = self.rng.random_range(0..3);
                self.buy(at, [300, 400, 600][r0], "laundry", &format!("LD-{b}"), &format!("{b}洗衣房"));
            }
        } else if self.chance(0.5) {
            let at = self.between(day, 7.0, 9.0);
            self.buy(at, 200, "bus", "BUS-01", "校车");
        }
        if !weekend && self.chance(0.08) {
            let at = self.between(day, 8.5, 21.0);
            let r0 = self.rng.random_range(0..5);
            self.buy(at, [20, 50, 100, 240, 600][r0], "print", "PR-LIB", "图书馆文印室");
        }
        if self.chance(0.02) {
            let at = self.between(day, 9.0, 21.0);
            let cents = self.rng.random_range(500..6_000);
            self.buy(at, cents, "other", "OT-01", "快递驿站");
        }
    }

    /// Evening return and the night online: late returns and sessions after midnight for
    /// night owls and students in distress; a session may run across midnight and across
    /// the Sunday-to-Monday week boundary.
    pub(super) fn night(&mut self, day: i32, f: f64) {
        let t = &self.s.traits;
        let owl = t.night_owl;
        let Some(d) = self.s.dorm.clone() else {
            let at = self.between(day, 17.0, 21.5);
            let g = GATES[self.rng.random_range(0..GATES.len())];
            self.access(at, "campus_gate", g, "out");
            return;
        };
        let late_p = if owl { 0.25 } else { 0.03 } + 0.7 * (1.0 - f);
        let ret =
            if self.chance(late_p) { self.between(day, 23.55, 25.6) } else { self.around(day, 21.6, 40.0, 19.0, 23.4) };
        self.access(ret, "dorm", &d.building, "in");
        let extra = if owl { 1.8 } else { 0.0 } + 3.5 * (1.0 - f);
        let sleep_h = 23.4 + extra + (self.rng.random::<f64>() - 0.5);
        let start = ret + self.rng.random_range(30..400);
        let sleep = (i64::from(day) * DAY + (sleep_h * 3600.0) as i64).max(start + 1_200);
        if sleep - start > 2 * HOUR && self.chance(0.4) {
            let mid = start + (sleep - start) / 2;
            self.net(start, mid);
            let r0 = self.rng.random_range(20..400);
            self.net(mid + r0, sleep);
        } else {
            self.net(start, sleep);
        }
    }

    pub(super) fn learning(&mut self, day: i32, weekend: bool, f: f64, due_soon: bool) {
        let courses = self.current_courses();
        if courses.is_empty() {
            return;
        }
        let t = &self.s.traits;
        let rate = (0.6 + 2.6 * f64::from(t.diligence))
            * f
            * if weekend { 0.6 } else { 1.0 }
            * if due_soon { 2.2 } else { 1.0 };
        let owl = t.night_owl;
        let n = (rate + self.rng.random::<f64>() * 1.5 - 0.5).max(0.0) as usize;
        for _ in 0..n {
            let ci = courses[self.rng.random_range(0..courses.len())];
            let id = self.c.cur.courses[ci].id.clone();
            if id.starts_with("PE") {
                continue;
            }
            let kind = lms_type(self.rng.random_range(0..100));
            let clicks = 1 + (-(1.0 - self.rng.random::<f64>()).ln() * 6.0) as i64;
            // The English platform exports daily totals at 00:00 of the day.
            let t = if id.starts_with("EN1") {
                i64::from(day) * DAY
            } else {
                self.between(day, 8.0, if owl { 25.5 } else { 23.9 })
            };
            self.lms(t, &id, kind, clicks);
        }
    }
}

/// An LMS activity type from a number in 0..100, by the catalogue's weights.
fn lms_type(mut x: u32) -> &'static str {
    for (name, w) in LMS_TYPES {
        if x < *w {
            return name;
        }
        x -= w;
    }
    LMS_TYPES[0].0
}
