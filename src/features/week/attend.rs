//! Attendance: the weekly rate and the streaks of consecutive absent or attended sessions.

use std::sync::Arc;

use datafusion::prelude::SessionContext;
use hashbrown::HashMap;

use super::{each_batch, key, since_filter, Key, Students, WeekParams};
use crate::features::clock::{monday_of, LocalClock};
use crate::features::cols::{micros, strs};
use crate::features::FeatureError;
use crate::schema::time::Micros;

/// One student-week of attendance.
#[derive(Debug, Clone, Copy, Default)]
pub struct AttendWeek {
    /// `present` + `late` sessions.
    pub attended: i64,
    /// `absent` sessions.
    pub absent: i64,
    /// `excused` sessions (they define the week but count in no rate).
    pub excused: i64,
}

/// What the attendance fold returns.
#[derive(Debug, Default)]
pub struct AttendPart {
    /// Per student-week.
    pub weeks: HashMap<Key, AttendWeek>,
    /// Non-excused sessions as (student, instant, absent), unsorted.
    pub sessions: Vec<(u32, Micros, bool)>,
}

/// Folds every attendance row from `since` on.
pub async fn fold(
    ctx: SessionContext,
    students: Arc<Students>,
    params: WeekParams,
    since: Option<Micros>,
) -> Result<AttendPart, FeatureError> {
    let mut clock = LocalClock::new(params.tz);
    let mut out = AttendPart::default();
    let sql =
        format!("SELECT student_id, session_ts, status FROM attendance WHERE {}", since_filter("session_ts", since));
    each_batch(&ctx, &sql, |b| {
        let (sid, ts, status) = (strs(b, "student_id")?, micros(b, "session_ts")?, strs(b, "status")?);
        for i in 0..b.num_rows() {
            let Some(s) = students.get(sid.get(i)) else { continue };
            let t = ts.value(i);
            let (day, _) = clock.local(t);
            let w = out.weeks.entry(key(s, monday_of(day))).or_default();
            match status.get(i) {
                "present" | "late" => {
                    w.attended += 1;
                    out.sessions.push((s, t, false));
                }
                "absent" => {
                    w.absent += 1;
                    out.sessions.push((s, t, true));
                }
                _ => w.excused += 1,
            }
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Streak state: consecutive absent and consecutive attended sessions so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Streak {
    /// Consecutive `absent` sessions ending at the latest session.
    pub absent: i64,
    /// Consecutive `present`/`late` sessions ending at the latest session.
    pub attended: i64,
}

/// Walks each student's sessions in time order (absences first among sessions at the
/// same instant, so the order is total) from the prior state; returns the state at the
/// end of every week that had a session.
pub fn streaks(
    mut sessions: Vec<(u32, Micros, bool)>,
    prior: &HashMap<u32, Streak>,
    clock: &mut LocalClock,
) -> HashMap<Key, Streak> {
    sessions.sort_unstable_by_key(|&(s, t, absent)| (s, t, !absent));
    let mut out = HashMap::new();
    let mut current: Option<(u32, Streak)> = None;
    for (s, t, absent) in sessions {
        let mut st = match current {
            Some((cs, st)) if cs == s => st,
            _ => prior.get(&s).copied().unwrap_or_default(),
        };
        if absent {
            st = Streak { absent: st.absent + 1, attended: 0 };
        } else {
            st = Streak { absent: 0, attended: st.attended + 1 };
        }
        current = Some((s, st));
        let (day, _) = clock.local(t);
        out.insert(key(s, monday_of(day)), st);
    }
    out
}
