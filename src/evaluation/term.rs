//! The term an evaluation covers and its time window.
//!
//! The convention is the models' ([`crate::models::term::term_of`]): a date from August to
//! January belongs to the autumn term `Y-(Y+1)-1`, a date from February to July to the
//! spring term `Y-(Y+1)-2`. A term's window is therefore [1 August Y, 1 February Y+1) or
//! [1 February Y+1, 1 August Y+1) in local dates, its bounds local midnights in the campus
//! zone. Summer terms (`-3`) are folded into the spring period by that convention and are
//! refused. The evaluation sees the records as they stood at D 00:00 local (D = the
//! clock's date), so a term still running is evaluated up to D.
//!
//! The default term is the latest one with any record before D: starting from the term of
//! D − 1, terms are stepped back until one holds an event of any kind in its window.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use datafusion::prelude::SessionContext;

use super::{collect, EvaluationError};
use crate::features::clock::LocalClock;
use crate::features::week::ts_lit;
use crate::pipeline::asof::raw_name;
use crate::schema::time::{date_to_days, days_to_date, Micros};
use crate::schema::{ColType, ALL_KINDS};

/// A term and the window of time it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct TermWindow {
    /// Contract name, e.g. `2025-2026-1`.
    pub term: String,
    /// First day of the term's period (days since epoch): 1 August or 1 February.
    pub start: i32,
    /// First day after the period: 1 February or 1 August.
    pub end: i32,
    /// The as-of date D: records before D 00:00 local are seen.
    pub as_of: i32,
    /// Local midnight of `start`.
    pub start_ts: Micros,
    /// Local midnight of `end`, or of D when the term is still running.
    pub end_ts: Micros,
    /// Local midnight of D.
    pub as_of_ts: Micros,
}

fn date(y: i32, m: u32) -> i32 {
    NaiveDate::from_ymd_opt(y, m, 1).map(date_to_days).unwrap_or_default()
}

impl TermWindow {
    /// The window of `term` seen as of D (`as_of`, days since epoch).
    pub fn new(term: &str, as_of: i32, tz: Tz) -> Result<TermWindow, EvaluationError> {
        let bad = || {
            EvaluationError::config(
                format!("--term `{term}` is not a term"),
                "use the contract's form YYYY-YYYY-N, e.g. 2025-2026-1 (autumn) or 2025-2026-2 (spring)",
            )
        };
        if !crate::schema::time::is_valid_term(term) {
            return Err(bad());
        }
        let y: i32 = term[..4].parse().map_err(|_| bad())?;
        let (start, end) = match &term[10..] {
            "1" => (date(y, 8), date(y + 1, 2)),
            "2" => (date(y + 1, 2), date(y + 1, 8)),
            _ => {
                return Err(EvaluationError::config(
                    format!("--term `{term}` is a summer term"),
                    "terms follow the models' convention (August–January autumn, February–July spring), \
                     which folds the summer into the spring term: evaluate the `-2` term",
                ))
            }
        };
        if start >= as_of {
            return Err(EvaluationError::config(
                format!(
                    "--term `{term}` starts on {}, not before the clock's date {}",
                    days_to_date(start),
                    days_to_date(as_of)
                ),
                "evaluate a term that has begun, or set --now",
            ));
        }
        let clock = LocalClock::new(tz);
        Ok(TermWindow {
            term: term.to_string(),
            start,
            end,
            as_of,
            start_ts: clock.midnight(start),
            end_ts: clock.midnight(end.min(as_of)),
            as_of_ts: clock.midnight(as_of),
        })
    }

    /// The term holding `day`, seen as of D.
    pub fn of_day(day: i32, as_of: i32, tz: Tz) -> Result<TermWindow, EvaluationError> {
        TermWindow::new(&crate::models::term::term_of(day).0, as_of, tz)
    }

    /// The term before this one.
    pub fn previous(&self, tz: Tz) -> Result<TermWindow, EvaluationError> {
        TermWindow::of_day(self.start - 1, self.as_of, tz)
    }

    /// The last day the window covers (exclusive): the period's end or D.
    pub fn window_end(&self) -> i32 {
        self.end.min(self.as_of)
    }

    /// The academic year's first calendar year (`2025` for `2025-2026-2`): students of a
    /// later cohort had not enrolled yet.
    pub fn first_year(&self) -> i64 {
        i64::from(days_to_date(self.start).year()) - i64::from(self.term.ends_with("-2"))
    }

    /// The window as text: `2025-08-01..2025-09-22` (end exclusive).
    pub fn describe(&self) -> String {
        format!("{}..{}", days_to_date(self.start), days_to_date(self.window_end()))
    }
}

/// `DATE 'YYYY-MM-DD'`.
pub fn date_lit(day: i32) -> String {
    format!("DATE '{}'", days_to_date(day).format("%Y-%m-%d"))
}

/// The latest term with any event record before D, looked up in the raw kind tables of
/// `ctx` (registered under [`raw_name`]); `tables` names the kinds the store holds.
pub async fn latest_with_data(
    ctx: &SessionContext,
    tables: &BTreeMap<String, deltalake::DeltaTable>,
    as_of: i32,
    tz: Tz,
) -> Result<TermWindow, EvaluationError> {
    // Each event kind's first event-time column.
    let probes: Vec<(&str, &str, bool)> = ALL_KINDS
        .iter()
        .filter(|k| k.in_span() && tables.contains_key(k.name))
        .filter_map(|k| {
            k.columns.iter().find(|c| c.event_time).map(|c| (k.name, c.name, matches!(c.ty, ColType::Date)))
        })
        .collect();
    if probes.is_empty() {
        return Err(EvaluationError::NoData("the store holds no event records: ingest some first".into()));
    }
    let mut w = TermWindow::of_day(as_of - 1, as_of, tz)?;
    for _ in 0..60 {
        for (kind, col, is_date) in &probes {
            let (lo, hi) = if *is_date {
                (date_lit(w.start), date_lit(w.window_end()))
            } else {
                (ts_lit(w.start_ts), ts_lit(w.end_ts))
            };
            let sql = format!(
                "SELECT 1 AS x FROM \"{}\" WHERE \"{col}\" >= {lo} AND \"{col}\" < {hi} LIMIT 1",
                raw_name(kind)
            );
            if collect(ctx, &sql).await?.iter().any(|b| b.num_rows() > 0) {
                return Ok(w);
            }
        }
        w = w.previous(tz)?;
    }
    Err(EvaluationError::NoData(format!(
        "no event record in the 30 years before {}: give --term or --now",
        days_to_date(as_of)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i32 {
        crate::schema::time::parse_date(s).map(date_to_days).unwrap_or_default()
    }

    #[test]
    fn windows_follow_the_models_convention() {
        let tz = chrono_tz::Asia::Shanghai;
        let w = TermWindow::new("2025-2026-1", day("2025-09-22"), tz).unwrap();
        assert_eq!((w.start, w.end, w.window_end()), (day("2025-08-01"), day("2026-02-01"), day("2025-09-22")));
        // Local midnight in Shanghai is 16:00 UTC the day before.
        assert_eq!(w.start_ts, i64::from(day("2025-08-01")) * 86_400_000_000 - 8 * 3_600_000_000);
        let s = TermWindow::new("2025-2026-2", day("2026-09-01"), tz).unwrap();
        assert_eq!((s.start, s.window_end()), (day("2026-02-01"), day("2026-08-01")));
        assert_eq!(s.previous(tz).unwrap().term, "2025-2026-1");
        assert_eq!(TermWindow::of_day(day("2026-01-31"), day("2026-03-01"), tz).unwrap().term, "2025-2026-1");
        assert!(TermWindow::new("2025-2026-3", day("2026-09-01"), tz).unwrap_err().is_config());
        assert!(TermWindow::new("2025-2027-1", day("2026-09-01"), tz).unwrap_err().is_config());
        assert!(TermWindow::new("2026-2027-1", day("2026-08-01"), tz).unwrap_err().is_config());
    }
}
