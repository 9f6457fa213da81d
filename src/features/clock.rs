//! Local calendar arithmetic in the campus time zone, fast enough for every event row.
//!
//! chrono-tz resolves an offset by searching the zone's transition table; doing that for
//! 50M rows costs seconds. Offsets change on a handful of days a year, so the offset is
//! cached per UTC day and the exact lookup runs only on days with a transition.

use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use hashbrown::HashMap;

use crate::schema::time::{date_to_days, days_to_date, Micros, DAY_MICROS};

/// Microseconds in one minute.
pub const MINUTE: i64 = 60_000_000;
/// Microseconds in one hour.
pub const HOUR: i64 = 60 * MINUTE;

/// Days since 1970-01-01 of the Monday starting the week that holds `days`.
pub fn monday_of(days: i32) -> i32 {
    // 1970-01-01 was a Thursday: Monday-based weekday index is (days + 3) mod 7.
    days - (days + 3).rem_euclid(7)
}

/// Converts instants to local (date, time of day) and back.
pub struct LocalClock {
    tz: Tz,
    /// UTC day → offset in µs, or `None` when the offset changes during that day.
    cache: HashMap<i64, Option<i64>>,
    /// The same for a run of days as a plain array (`base` = first day): the hot path.
    base: i64,
    dense: Vec<Option<Option<i64>>>,
}

/// Days the dense offset cache covers (about 11 years).
const DENSE_DAYS: i64 = 4096;

impl LocalClock {
    /// A clock for `tz`.
    pub fn new(tz: Tz) -> LocalClock {
        LocalClock { tz, cache: HashMap::new(), base: i64::MIN, dense: Vec::new() }
    }

    fn offset_at(&self, t: Micros) -> i64 {
        let dt = chrono::DateTime::from_timestamp_micros(t).unwrap_or_default().naive_utc();
        i64::from(self.tz.offset_from_utc_datetime(&dt).fix().local_minus_utc()) * 1_000_000
    }

    /// Local date (days since epoch) and microseconds since local midnight of instant `t`.
    pub fn local(&mut self, t: Micros) -> (i32, i64) {
        let day = t.div_euclid(DAY_MICROS);
        if self.base == i64::MIN {
            self.base = day - DENSE_DAYS / 2;
            self.dense = vec![None; DENSE_DAYS as usize];
        }
        let slot = usize::try_from(day - self.base).ok().filter(|i| *i < self.dense.len());
        let known = slot.and_then(|i| self.dense[i]).or_else(|| self.cache.get(&day).copied());
        let cached = match known {
            Some(c) => c,
            None => {
                let a = self.offset_at(day * DAY_MICROS);
                let b = self.offset_at(day * DAY_MICROS + DAY_MICROS - 1);
                let c = (a == b).then_some(a);
                match slot {
                    Some(i) => self.dense[i] = Some(c),
                    None => {
                        self.cache.insert(day, c);
                    }
                }
                c
            }
        };
        let local = t + cached.unwrap_or_else(|| self.offset_at(t));
        (local.div_euclid(DAY_MICROS) as i32, local.rem_euclid(DAY_MICROS))
    }

    /// The instant of local `days` at `tod` µs after midnight; a time skipped by a
    /// daylight-saving jump maps to the first instant after the gap.
    pub fn instant(&self, days: i32, tod: i64) -> Micros {
        let naive = days_to_date(days).and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::microseconds(tod);
        match self.tz.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.timestamp_micros(),
            chrono::LocalResult::None => {
                // In a gap: step forward a minute at a time until the clock exists again.
                let mut n = naive;
                for _ in 0..240 {
                    n += chrono::Duration::minutes(1);
                    if let Some(t) = self.tz.from_local_datetime(&n).earliest() {
                        return t.timestamp_micros();
                    }
                }
                naive.and_utc().timestamp_micros()
            }
        }
    }

    /// Local midnight starting `days`.
    pub fn midnight(&self, days: i32) -> Micros {
        self.instant(days, 0)
    }
}

/// Days since epoch of a date.
pub fn days(d: NaiveDate) -> i32 {
    date_to_days(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monday_of_known_dates() {
        let d = |s: &str| days(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default());
        assert_eq!(monday_of(d("2025-09-08")), d("2025-09-08"));
        assert_eq!(monday_of(d("2025-09-14")), d("2025-09-08"));
        assert_eq!(monday_of(d("2025-09-15")), d("2025-09-15"));
        assert_eq!(monday_of(d("1969-12-31")), d("1969-12-29"));
    }

    #[test]
    fn local_and_back_across_a_dst_change() {
        let tz: Tz = chrono_tz::America::New_York;
        let mut c = LocalClock::new(tz);
        // 2025-03-09 02:00 local does not exist in New York.
        let day = days(NaiveDate::from_ymd_opt(2025, 3, 9).unwrap_or_default());
        let t = c.instant(day, 3 * HOUR);
        assert_eq!(c.local(t), (day, 3 * HOUR));
        assert_eq!(c.instant(day, 2 * HOUR + 30 * MINUTE), c.instant(day, 3 * HOUR));
        let sh = LocalClock::new(chrono_tz::Asia::Shanghai);
        assert_eq!(sh.midnight(day) % DAY_MICROS, DAY_MICROS - 8 * HOUR);
    }
}
