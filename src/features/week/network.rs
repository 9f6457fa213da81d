//! Network sessions: online hours and night-time online hours, split at local midnights
//! and week boundaries; session starts as traces.

use std::sync::Arc;

use datafusion::prelude::SessionContext;
use hashbrown::HashMap;

use super::{dow, each_batch, key, ts_lit, Key, Students, Trace, WeekParams};
use crate::features::clock::{monday_of, LocalClock, HOUR};
use crate::features::cols::{micros, strs};
use crate::features::FeatureError;
use crate::schema::time::Micros;

/// One student-week of network use.
#[derive(Debug, Clone, Default)]
pub struct NetWeek {
    /// Online µs inside the week.
    pub online: i64,
    /// Online µs inside [00:00, 06:00) of the week's days.
    pub night: i64,
    /// Traces (session starts) and first activities.
    pub trace: Trace,
}

/// Local day boundaries, cached: (midnight, 06:00, next midnight).
struct Days {
    clock: LocalClock,
    cache: HashMap<i32, (Micros, Micros, Micros)>,
}

impl Days {
    fn bounds(&mut self, day: i32) -> (Micros, Micros, Micros) {
        if let Some(b) = self.cache.get(&day) {
            return *b;
        }
        let b = (self.clock.midnight(day), self.clock.instant(day, 6 * HOUR), self.clock.midnight(day + 1));
        self.cache.insert(day, b);
        b
    }
}

/// Adds one session [start, end) to the weeks from `since_day` on.
fn add_session(out: &mut HashMap<Key, NetWeek>, days: &mut Days, s: u32, start: Micros, end: Micros, since: i32) {
    let (d0, tod0) = days.clock.local(start);
    if d0 >= since {
        out.entry(key(s, monday_of(d0))).or_default().trace.note(dow(d0), tod0, true);
    }
    if end <= start {
        return; // zero length: its start week exists (entry above), no hours
    }
    let (d1, _) = days.clock.local(end);
    for day in d0.max(since)..=d1 {
        let (midnight, six, next) = days.bounds(day);
        let overlap = end.min(next) - start.max(midnight);
        if overlap <= 0 {
            continue; // ends exactly at this midnight: does not touch the day
        }
        let night = (end.min(six) - start.max(midnight)).max(0);
        let w = out.entry(key(s, monday_of(day))).or_default();
        w.online += overlap;
        w.night += night;
    }
}

/// Folds every session that reaches into the weeks from `since` on.
pub async fn fold(
    ctx: SessionContext,
    students: Arc<Students>,
    params: WeekParams,
    since: Option<Micros>,
) -> Result<HashMap<Key, NetWeek>, FeatureError> {
    let clock = LocalClock::new(params.tz);
    let mut days = Days { clock, cache: HashMap::new() };
    let mut out: HashMap<Key, NetWeek> = HashMap::new();
    let filter = match since {
        Some(t) => format!("end_ts > {0} OR start_ts >= {0}", ts_lit(t)),
        None => "TRUE".into(),
    };
    let sql = format!("SELECT student_id, start_ts, end_ts FROM network_sessions WHERE {filter}");
    let since_day = params.since.unwrap_or(i32::MIN);
    each_batch(&ctx, &sql, |b| {
        let (sid, start, end) = (strs(b, "student_id")?, micros(b, "start_ts")?, micros(b, "end_ts")?);
        for i in 0..b.num_rows() {
            let Some(s) = students.get(sid.get(i)) else { continue };
            add_session(&mut out, &mut days, s, start.value(i), end.value(i), since_day);
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(start: Micros, end: Micros) -> HashMap<Key, NetWeek> {
        let mut days = Days { clock: LocalClock::new(chrono_tz::UTC), cache: HashMap::new() };
        let mut out = HashMap::new();
        add_session(&mut out, &mut days, 0, start, end, i32::MIN);
        out
    }

    #[test]
    fn session_across_a_week_boundary_and_the_night() {
        // 1970-01-04 is a Sunday; 22:00 Sunday to 02:00 Monday.
        let sun = 3 * 24 * HOUR;
        let out = run(sun + 22 * HOUR, sun + 26 * HOUR);
        let prev = &out[&key(0, monday_of(3))];
        let next = &out[&key(0, monday_of(4))];
        assert_eq!((prev.online, prev.night), (2 * HOUR, 0));
        assert_eq!((next.online, next.night), (2 * HOUR, 2 * HOUR));
    }

    #[test]
    fn ending_at_monday_midnight_does_not_touch_the_new_week() {
        let sun = 3 * 24 * HOUR;
        let out = run(sun + 23 * HOUR, sun + 24 * HOUR);
        assert!(!out.contains_key(&key(0, monday_of(4))));
        let zero = run(sun + 24 * HOUR, sun + 24 * HOUR);
        assert!(zero.contains_key(&key(0, monday_of(4))));
    }
}
