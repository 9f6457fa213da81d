//! The calendar (校历) and leave requests (请销假) of a generated campus.
//!
//! The calendar is the one the simulation follows ([`Calendar::kind`]): per term a `term`,
//! `teaching` and `exam` row, the public holidays inside it and the vacation after it.
//!
//! Leave requests follow the days a student is away ([`super::student::goes_home`]): a
//! resident who goes home over a holiday or vacation files an approved `home` leave for
//! it, planned from the morning of the first day away to the day of return, and reports
//! back (`returned_at`) on the return day when that is inside the window; one in ten never
//! reports back although their traces resume. A few short sick and personal leaves are
//! filed in term time (some personal ones refused). A lost-contact student files none:
//! that silence is unannounced. Everything here draws from the student's own
//! [`Stream::Leave`], so every other kind is byte-identical to campuses generated before
//! leave requests existed.

use chrono::Datelike;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{is_holiday, Calendar, DayKind, Local, Term, DAY, EXAM_WEEKS, HOUR, TEACHING_WEEKS};
use super::people::Student;
use super::rows::{Form, Rows};
use super::student::goes_home;
use super::{seeded, Campus, Stream};
use crate::schema::time::days_to_date;

/// Calendar rows of every term the window touches (and a vacation it starts in).
pub fn calendar(cal: &Calendar, r: &mut Rows) {
    let mut rows: Vec<(i32, i32, &str, Option<Term>, String)> = Vec::new();
    let mut t = Term::around(cal.start);
    if cal.start < t.first_day() {
        rows.push((t.prev().end_day(), t.first_day() - 1, "vacation", None, vacation_name(t.prev())));
    }
    while t.first_day() < cal.end() {
        let (first, end) = (t.first_day(), t.end_day());
        let exams = first + (TEACHING_WEEKS * 7) as i32;
        rows.push((first, end - 1, "term", Some(t), String::new()));
        rows.push((first, exams - 1, "teaching", Some(t), String::new()));
        rows.push((exams, exams + (EXAM_WEEKS * 7) as i32 - 1, "exam", Some(t), String::new()));
        let mut d = first;
        while d < end {
            if !is_holiday(days_to_date(d)) {
                d += 1;
                continue;
            }
            let a = d;
            while d < end && is_holiday(days_to_date(d)) {
                d += 1;
            }
            rows.push((a, d - 1, "holiday", Some(t), holiday_name(a).to_string()));
        }
        rows.push((end, t.next().first_day() - 1, "vacation", None, vacation_name(t)));
        t = t.next();
    }
    rows.sort_by_key(|x| x.0);
    for (a, b, kind, term, name) in rows {
        r.date(a).date(b).s(kind);
        match term {
            Some(t) => r.s(&t.name()),
            None => r.null(),
        };
        if name.is_empty() {
            r.null();
        } else {
            r.s(&name);
        }
    }
}

fn holiday_name(day: i32) -> &'static str {
    let d = days_to_date(day);
    match (d.month(), d.day()) {
        (1, _) => "元旦",
        (4, _) => "清明节",
        (5, 1..=5) => "劳动节",
        (5, _) | (6, _) => "端午节",
        (9, _) => "中秋节",
        _ => "国庆节",
    }
}

fn vacation_name(t: Term) -> String {
    if t.n == 1 { "寒假" } else { "暑假" }.to_string()
}

/// Leave requests of one active student.
pub fn requests(c: &Campus, s: &Student, r: &mut Rows) {
    if s.dorm.is_none() || s.traits.lost.is_some() {
        return;
    }
    let mut rng = seeded(c.seed, u64::from(s.idx), Stream::Leave);
    let mut w = LeaveWriter { c, s, r, n: 0 };
    let (start, end) = (c.cal.start, c.cal.end());
    // Spans away from campus, followed past the window to their real end.
    let mut d = start;
    while d < end {
        if !goes_home(s, c.cal.kind(d)) {
            d += 1;
            continue;
        }
        let a = d;
        while d < end + 120 && goes_home(s, c.cal.kind(d)) {
            d += 1;
        }
        // A span the window opens in began before it: its request is not in the export.
        if a > start && rng.random::<f64>() < 0.9 {
            w.home(&mut rng, a, d);
        }
    }
    for monday in (start..end).step_by(7) {
        if c.cal.kind(monday) != DayKind::Teaching {
            continue;
        }
        if rng.random::<f64>() < 0.006 {
            let day = monday + rng.random_range(0..5);
            let days: i64 = rng.random_range(1..=2);
            w.short(&mut rng, "sick", day, days * DAY, true);
        }
        if rng.random::<f64>() < 0.004 {
            let day = monday + rng.random_range(0..5);
            let approved = rng.random::<f64>() < 0.8;
            w.short(&mut rng, "personal", day, 4 * HOUR, approved);
        }
    }
}

struct LeaveWriter<'a> {
    c: &'a Campus,
    s: &'a Student,
    r: &'a mut Rows,
    n: u64,
}

impl LeaveWriter<'_> {
    /// Home leave for the days `[a, back)` away; the student is back on day `back`.
    fn home(&mut self, rng: &mut ChaCha8Rng, a: i32, back: i32) {
        let leave = at(a, rng, 7, 9);
        let planned = at(back, rng, 12, 20);
        let reported = (rng.random::<f64>() < 0.9).then(|| at(back, rng, 8, 11));
        let reported = reported.filter(|t| *t < self.c.window.1);
        self.row(rng, "home", leave, planned, true, reported);
    }

    /// A leave of `len` from 08:00–10:00 of `day` in term time, reported back at its end.
    fn short(&mut self, rng: &mut ChaCha8Rng, kind: &str, day: i32, len: i64, approved: bool) {
        let from = at(day, rng, 8, 10);
        let to = from + len;
        let back = (approved && to < self.c.window.1).then(|| to - rng.random_range(0..3_600));
        self.row(rng, kind, from, to, approved, back);
    }

    fn row(&mut self, rng: &mut ChaCha8Rng, kind: &str, from: Local, to: Local, approved: bool, back: Option<Local>) {
        self.n += 1;
        let form = Form::pick(rng.random(), 60, 10);
        let cal = &self.c.cal;
        let r = &mut *self.r;
        r.id("LV", u64::from(self.s.idx), self.n);
        r.s(&self.s.id).s(kind).ts(cal, from, form).ts(cal, to, form).s(if approved { "true" } else { "false" });
        match back {
            Some(t) => r.ts(cal, t, form),
            None => r.null(),
        };
    }
}

/// A random local time between two hours of a day.
fn at(day: i32, rng: &mut ChaCha8Rng, lo_h: i64, hi_h: i64) -> Local {
    i64::from(day) * DAY + rng.random_range(lo_h * HOUR..hi_h * HOUR)
}
