//! Access events: late returns to the dorm, library visits (the 30-minute chain), traces.

use std::sync::Arc;

use datafusion::prelude::SessionContext;
use hashbrown::HashMap;

use super::{dow, each_batch, key, since_filter, Key, Students, Trace, WeekParams};
use crate::features::clock::{monday_of, LocalClock, HOUR, MINUTE};
use crate::features::cols::{micros, strs};
use crate::features::FeatureError;
use crate::schema::time::Micros;

/// One student-week of gate activity.
#[derive(Debug, Clone, Default)]
pub struct AccessWeek {
    /// Bit `dow` = a late return on the night of that date.
    pub late_nights: u8,
    /// Traces and first activities.
    pub trace: Trace,
}

/// What the access fold returns.
#[derive(Debug, Default)]
pub struct AccessPart {
    /// Per student-week.
    pub weeks: HashMap<Key, AccessWeek>,
    /// Library `in` events as (student, instant), unsorted.
    pub library_ins: Vec<(u32, Micros)>,
}

/// Late returns: an `in` at [23:30, 24:00) is that date's night; [00:00, 05:00) the
/// previous date's night.
pub fn night_of(day: i32, tod: i64) -> Option<i32> {
    if tod >= 23 * HOUR + 30 * MINUTE {
        Some(day)
    } else if tod < 5 * HOUR {
        Some(day - 1)
    } else {
        None
    }
}

/// Folds every access event from `since` on.
pub async fn fold(
    ctx: SessionContext,
    students: Arc<Students>,
    params: WeekParams,
    since: Option<Micros>,
) -> Result<AccessPart, FeatureError> {
    let mut clock = LocalClock::new(params.tz);
    let mut out = AccessPart::default();
    let sql = format!(
        "SELECT student_id, ts, direction = 'in' AND place_type = 'dorm' AS dorm_in, \
         direction = 'in' AND place_type = 'library' AS library_in FROM access_events WHERE {}",
        since_filter("ts", since)
    );
    let since_day = params.since;
    each_batch(&ctx, &sql, |b| {
        let (sid, ts) = (strs(b, "student_id")?, micros(b, "ts")?);
        let dorm_in = crate::features::cols::bools(b, "dorm_in")?;
        let library_in = crate::features::cols::bools(b, "library_in")?;
        for i in 0..b.num_rows() {
            let Some(s) = students.get(sid.get(i)) else { continue };
            let t = ts.value(i);
            let (day, tod) = clock.local(t);
            out.weeks.entry(key(s, monday_of(day))).or_default().trace.note(dow(day), tod, true);
            if dorm_in.value(i) {
                // A night before `since` belongs to a week this run does not recompute.
                if let Some(night) = night_of(day, tod).filter(|n| since_day.is_none_or(|sd| *n >= sd)) {
                    out.weeks.entry(key(s, monday_of(night))).or_default().late_nights |= 1 << dow(night);
                }
            }
            if library_in.value(i) {
                out.library_ins.push((s, t));
            }
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Library visits: an `in` at most 30 minutes (inclusive) after the previous *counted*
/// `in` is not counted again. Returns, per student-week, the visits counted and the last
/// counted visit; `last` holds each student's last counted visit before the events.
pub fn library_chain(
    mut ins: Vec<(u32, Micros)>,
    last: &HashMap<u32, Micros>,
    clock: &mut LocalClock,
) -> HashMap<Key, (i64, Micros)> {
    ins.sort_unstable();
    let mut out: HashMap<Key, (i64, Micros)> = HashMap::new();
    let mut current: Option<(u32, Option<Micros>)> = None;
    for (s, t) in ins {
        let prev = match current {
            Some((cs, p)) if cs == s => p,
            _ => last.get(&s).copied(),
        };
        let counted = prev.is_none_or(|p| t - p > 30 * MINUTE);
        if counted {
            let (day, _) = clock.local(t);
            let e = out.entry(key(s, monday_of(day))).or_insert((0, t));
            e.0 += 1;
            e.1 = t;
            current = Some((s, Some(t)));
        } else {
            current = Some((s, prev));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_counts_from_the_last_counted_visit() {
        let mut clock = LocalClock::new(chrono_tz::UTC);
        let m = MINUTE;
        // 0, +20 (not), +30 from 0 (not, inclusive), +31 (counted), +50 (not: 19 after 31)
        let ins = vec![(1, 0), (1, 20 * m), (1, 30 * m), (1, 31 * m), (1, 50 * m)];
        let out = library_chain(ins, &HashMap::new(), &mut clock);
        let total: i64 = out.values().map(|v| v.0).sum();
        assert_eq!(total, 2);
        let mut last = HashMap::new();
        last.insert(1u32, -10 * m);
        let out = library_chain(vec![(1, 0), (1, 25 * m)], &last, &mut clock);
        assert_eq!(out.values().map(|v| v.0).sum::<i64>(), 1);
    }

    #[test]
    fn nights() {
        assert_eq!(night_of(10, 23 * HOUR + 30 * MINUTE), Some(10));
        assert_eq!(night_of(10, 23 * HOUR + 29 * MINUTE), None);
        assert_eq!(night_of(10, 4 * HOUR + 59 * MINUTE), Some(9));
        assert_eq!(night_of(10, 5 * HOUR), None);
    }
}
