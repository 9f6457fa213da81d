//! The academic calendar of the generated window: terms, teaching and exam weeks, public
//! holidays, and fast local-time arithmetic.
//!
//! Times inside the generator are *local seconds*: seconds since 1970-01-01 00:00 of the
//! campus wall clock. They are turned into text (naive local, `+08:00` or `Z`) only when
//! a row is written, so the hot path never touches chrono.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use crate::schema::time::{date_to_days, days_to_date, local_to_utc};

/// Local wall-clock seconds since 1970-01-01 00:00 local.
pub type Local = i64;
/// One day in seconds.
pub const DAY: i64 = 86_400;
/// One hour in seconds.
pub const HOUR: i64 = 3_600;

/// What kind of day a date is for a student's timetable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A weekday of a teaching week: classes by the timetable.
    Teaching,
    /// A weekday of an exam week: no classes, exams and revision.
    Exam,
    /// Saturday or Sunday inside a term.
    Weekend,
    /// A public holiday (no classes; many students travel).
    Holiday,
    /// Between terms.
    Vacation,
}

/// A term: `YYYY-YYYY-N` with its first Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Term {
    /// First calendar year of the academic year.
    pub year: i32,
    /// 1 autumn, 2 spring.
    pub n: u8,
}

/// Teaching weeks per term; then [`EXAM_WEEKS`] exam weeks.
pub const TEACHING_WEEKS: i64 = 16;
/// Exam weeks at the end of each term.
pub const EXAM_WEEKS: i64 = 2;

impl Term {
    /// The contract name, e.g. `2025-2026-1`.
    pub fn name(self) -> String {
        format!("{}-{}-{}", self.year, self.year + 1, self.n)
    }

    /// Day number of the term's first Monday: autumn from 1 September, spring from
    /// 24 February (Chinese universities start close to these dates).
    pub fn first_day(self) -> i32 {
        let (y, m, d) = if self.n == 1 { (self.year, 9, 1) } else { (self.year + 1, 2, 24) };
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let back = (7 - date.weekday().num_days_from_monday()) % 7;
        date_to_days(date) + back as i32
    }

    /// First day after the exam weeks.
    pub fn end_day(self) -> i32 {
        self.first_day() + ((TEACHING_WEEKS + EXAM_WEEKS) * 7) as i32
    }

    /// The next term (autumn → spring → next autumn; the summer term is vacation here).
    pub fn next(self) -> Term {
        if self.n == 1 {
            Term { year: self.year, n: 2 }
        } else {
            Term { year: self.year + 1, n: 1 }
        }
    }

    /// The previous term.
    pub fn prev(self) -> Term {
        if self.n == 2 {
            Term { year: self.year, n: 1 }
        } else {
            Term { year: self.year - 1, n: 2 }
        }
    }

    /// The term a day belongs to, or the next one when the day is in a vacation.
    pub fn around(day: i32) -> Term {
        let d = days_to_date(day);
        let y = if d.month() >= 8 { d.year() } else { d.year() - 1 };
        let mut t = Term { year: y - 1, n: 2 };
        while t.end_day() <= day {
            t = t.next();
        }
        t
    }

    /// Semester index (1 = first autumn) of a cohort in this term.
    pub fn semester_of(self, cohort: i32) -> i32 {
        (self.year - cohort) * 2 + i32::from(self.n)
    }
}

/// The generated window and its calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// Day number of the first Monday.
    pub start: i32,
    /// Number of weeks.
    pub weeks: u32,
    /// Campus time zone.
    pub tz: Tz,
    /// UTC offset in seconds per day from `table_start`, `None` on a DST-change day.
    offsets: Vec<Option<i32>>,
    table_start: i32,
}

impl Calendar {
    /// A window of `weeks` weeks from the Monday `start`.
    pub fn new(start: NaiveDate, weeks: u32, tz: Tz) -> Calendar {
        let start = date_to_days(start);
        let table_start = start - 120;
        let n = weeks as i32 * 7 + 240;
        let offsets = (0..n).map(|i| day_offset(table_start + i, tz)).collect();
        Calendar { start, weeks, tz, offsets, table_start }
    }

    /// Number of days in the window.
    pub fn days(&self) -> i32 {
        self.weeks as i32 * 7
    }

    /// First day after the window: the ingest clock's date.
    pub fn end(&self) -> i32 {
        self.start + self.days()
    }

    /// The kind of a day.
    pub fn kind(&self, day: i32) -> DayKind {
        let t = Term::around(day);
        if day < t.first_day() {
            return DayKind::Vacation;
        }
        if is_holiday(days_to_date(day)) {
            return DayKind::Holiday;
        }
        if weekday(day) >= 5 {
            return DayKind::Weekend;
        }
        let week = i64::from(day - t.first_day()) / 7;
        if week < TEACHING_WEEKS {
            DayKind::Teaching
        } else {
            DayKind::Exam
        }
    }

    /// UTC offset (seconds east) at a local time; `None` when that local time does not
    /// exist (a DST gap).
    pub fn offset_at(&self, t: Local) -> Option<i32> {
        let day = t.div_euclid(DAY) as i32;
        match self.offsets.get((day - self.table_start) as usize) {
            Some(Some(off)) if day >= self.table_start => Some(*off),
            _ => {
                let naive = chrono::DateTime::from_timestamp(t, 0)?.naive_utc();
                let utc = local_to_utc(naive, self.tz)?;
                Some((t - utc.div_euclid(1_000_000)) as i32)
            }
        }
    }
}

/// Weekday of a day number, 0 = Monday.
pub fn weekday(day: i32) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// The offset of a whole day, or `None` when it changes within the day.
fn day_offset(day: i32, tz: Tz) -> Option<i32> {
    let at = |secs: i64| -> Option<i32> {
        let naive = chrono::DateTime::from_timestamp(secs, 0)?.naive_utc();
        let utc = local_to_utc(naive, tz)?;
        Some((secs - utc.div_euclid(1_000_000)) as i32)
    };
    let base = i64::from(day) * DAY;
    let a = at(base)?;
    (at(base + DAY - 1)? == a && at(base + 12 * HOUR)? == a).then_some(a)
}

/// Public holidays (fixed-date ones, plus the lunar ones for the years listed).
pub fn is_holiday(d: NaiveDate) -> bool {
    let (m, day) = (d.month(), d.day());
    let fixed = (m == 1 && day == 1) || (m == 5 && day <= 5) || (m == 10 && day <= 7);
    let lunar: &[(i32, u32, u32)] = &[
        (2024, 4, 4),
        (2024, 6, 10),
        (2024, 9, 17),
        (2025, 4, 4),
        (2025, 5, 31),
        (2026, 4, 5),
        (2026, 6, 19),
        (2026, 9, 25),
        (2027, 4, 5),
        (2027, 6, 9),
        (2027, 9, 15),
        (2028, 4, 4),
        (2028, 5, 28),
    ];
    fixed || lunar.contains(&(d.year(), m, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_and_weeks() {
        let t = Term { year: 2025, n: 1 };
        assert_eq!(t.name(), "2025-2026-1");
        assert_eq!(days_to_date(t.first_day()).to_string(), "2025-09-01");
        assert_eq!(days_to_date(t.next().first_day()).to_string(), "2026-03-02");
        let d = |s: &str| date_to_days(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
        assert_eq!(Term::around(d("2025-10-10")), t);
        assert_eq!(Term::around(d("2026-02-01")), t.next());
        assert_eq!(weekday(d("2025-09-08")), 0);
        let cal = Calendar::new(days_to_date(d("2025-09-08")), 20, chrono_tz::Asia::Shanghai);
        assert_eq!(cal.kind(d("2025-09-08")), DayKind::Teaching);
        assert_eq!(cal.kind(d("2025-09-13")), DayKind::Weekend);
        assert_eq!(cal.kind(d("2025-10-02")), DayKind::Holiday);
        assert_eq!(cal.kind(d("2025-12-19")), DayKind::Teaching);
        assert_eq!(cal.kind(d("2025-12-24")), DayKind::Exam);
        assert_eq!(cal.kind(d("2026-01-20")), DayKind::Vacation);
        assert_eq!(cal.offset_at(i64::from(d("2025-09-08")) * DAY), Some(8 * 3600));
    }
}
