//! Which term a date falls in and when that term's teaching started, from the data before
//! the date only.
//!
//! Term names follow the contract (`2025-2026-1` autumn, `-2` spring, `-3` summer). A
//! date belongs to autumn from August to January and to spring from February to July;
//! campuses (and OULAD's October and February starts) fit this. The teaching start is not
//! in the contract, so it is read off the data: the Monday of the first week of the term's
//! period in which the number of students with online-learning or attendance records
//! reaches half of the busiest week so far. A campus that sends neither gets the period's
//! first day.

use chrono::Datelike;
use datafusion::prelude::SessionContext;

use super::{collect, ModelError};
use crate::features::clock::{monday_of, LocalClock};
use crate::features::cols::ints;
use crate::features::week::ts_lit;
use crate::schema::time::{date_to_days, days_to_date};

/// A cut-off: the model sees records before `as_of` 00:00 local only.
#[derive(Debug, Clone, PartialEq)]
pub struct Cutoff {
    /// The as-of date (days since 1970-01-01).
    pub as_of: i32,
    /// Its local midnight as a UTC instant (µs).
    pub as_of_ts: i64,
    /// The term the date falls in.
    pub term: String,
    /// First day of the term's period (1 August / 1 February).
    pub period_start: i32,
    /// Monday of the term's first teaching week (read from the data before `as_of`).
    pub term_start: i32,
    /// Local-time offset (µs) at the cut-off, for bucketing instants into local days.
    pub offset: i64,
}

impl Cutoff {
    /// Weeks of teaching before the cut-off (at least 1, so rates stay finite).
    pub fn weeks_elapsed(&self) -> f64 {
        (f64::from(self.as_of - self.term_start) / 7.0).max(1.0)
    }

    /// Days of teaching before the cut-off (at least 1).
    pub fn days_elapsed(&self) -> f64 {
        f64::from(self.as_of - self.term_start).max(1.0)
    }

    /// Local midnight of a day, as a SQL timestamp literal.
    pub fn day_lit(&self, day: i32) -> String {
        ts_lit(self.as_of_ts - i64::from(self.as_of - day) * 86_400_000_000)
    }
}

/// The term (contract name) a date falls in, and its period's first day.
pub fn term_of(day: i32) -> (String, i32) {
    let d = days_to_date(day);
    let (y, n) = match d.month() {
        8..=12 => (d.year(), 1),
        1 => (d.year() - 1, 1),
        _ => (d.year() - 1, 2),
    };
    let start = if n == 1 { (y, 8) } else { (y + 1, 2) };
    let p0 = chrono::NaiveDate::from_ymd_opt(start.0, start.1, 1).map(date_to_days).unwrap_or(day);
    (format!("{}-{}-{}", y, y + 1, n), p0)
}

/// Builds the cut-off for `as_of`, detecting the teaching start from records before it.
pub async fn cutoff(
    ctx: &SessionContext,
    tables: &std::collections::BTreeSet<String>,
    as_of: i32,
    tz: chrono_tz::Tz,
) -> Result<Cutoff, ModelError> {
    let clock = LocalClock::new(tz);
    let as_of_ts = clock.midnight(as_of);
    // Added to a UTC instant, gives local time (for bucketing into local days).
    let offset = i64::from(as_of) * 86_400_000_000 - as_of_ts;
    let (term, period_start) = term_of(as_of);
    let mut c = Cutoff { as_of, as_of_ts, term, period_start, term_start: monday_of(period_start), offset };
    let mut parts = Vec::new();
    for (table, col) in [("learning_events", "ts"), ("attendance", "session_ts")] {
        if tables.contains(table) {
            parts.push(format!(
                "SELECT student_id, CAST((CAST(\"{col}\" AS BIGINT) + {offset}) / 86400000000 AS BIGINT) AS d \
                 FROM \"{table}\" WHERE \"{col}\" >= {} AND \"{col}\" < {}",
                c.day_lit(period_start),
                ts_lit(as_of_ts)
            ));
        }
    }
    if parts.is_empty() {
        return Ok(c);
    }
    // Only the term's own students (those with its coursework), where the campus sends
    // coursework: another programme's calendar (OULAD's February presentations run into
    // the autumn) must not move this term's start.
    let mut members = String::new();
    if tables.contains("coursework") {
        let n = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM coursework WHERE term = '{}'", c.term);
        let has = collect(ctx, &n).await?.first().and_then(|b| ints(b, "n").ok().map(|a| a.value(0))).unwrap_or(0);
        if has > 0 {
            members = format!(
                " JOIN (SELECT DISTINCT student_id AS member FROM coursework WHERE term = '{}') m \
                 ON a.student_id = m.member",
                c.term
            );
        }
    }
    let sql = format!(
        "SELECT w, CAST(COUNT(DISTINCT student_id) AS BIGINT) AS n FROM \
         (SELECT a.student_id, a.d - ((a.d + 3) % 7) AS w FROM ({}) a{members}) GROUP BY w ORDER BY w",
        parts.join(" UNION ALL ")
    );
    let mut weeks: Vec<(i64, i64)> = Vec::new();
    for b in collect(ctx, &sql).await? {
        let (w, n) = (ints(&b, "w")?, ints(&b, "n")?);
        weeks.extend((0..b.num_rows()).map(|r| (w.value(r), n.value(r))));
    }
    let peak = weeks.iter().map(|(_, n)| *n).max().unwrap_or(0);
    if let Some((w, _)) = weeks.iter().find(|(_, n)| 2 * n >= peak && peak > 0) {
        c.term_start = i32::try_from(*w).unwrap_or(c.term_start);
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i32 {
        crate::schema::time::parse_date(s).map(date_to_days).unwrap_or_default()
    }

    #[test]
    fn terms_follow_the_contract_names() {
        assert_eq!(term_of(day("2025-09-15")), ("2025-2026-1".into(), day("2025-08-01")));
        assert_eq!(term_of(day("2026-01-10")), ("2025-2026-1".into(), day("2025-08-01")));
        assert_eq!(term_of(day("2026-03-10")), ("2025-2026-2".into(), day("2026-02-01")));
        // OULAD: 2013J starts 1 October 2013, 2013B on 1 February 2013.
        assert_eq!(term_of(day("2013-11-26")).0, "2013-2014-1");
        assert_eq!(term_of(day("2013-03-29")).0, "2012-2013-2");
    }
}
