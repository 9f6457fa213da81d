//! Absence the campus announced: the calendar's holidays and vacations, and students'
//! leave requests (请销假).
//!
//! Without a calendar, holidays are inferred from campus-wide silence (`detect`); with one
//! that covers the days the rules look back over, its `holiday` and `vacation` spans are
//! used instead, and the evidence of the rules that rely on holidays says which
//! (`calendar: "sent" | "inferred"`). Approved leave takes its hours out of a silence, and
//! a student past a leave's planned return, not reported back and without a trace since,
//! is overdue (`safety.leave_overdue`).

use std::collections::{BTreeSet, HashMap};

use arrow::array::Array;
use datafusion::prelude::SessionContext;

use super::inputs::{collect, Inputs, TRACE_DAYS};
use super::WarningError;
use crate::features::clock::LocalClock;
use crate::features::cols::{bools, ints, strs};
use crate::features::week::ts_lit;
use crate::schema::time::{days_to_date, Micros};

const HOUR: i64 = 3_600_000_000;

/// One leave request as the rules see it at D (a report-back at or after D is not known yet).
#[derive(Debug, Clone, PartialEq)]
pub struct Leave {
    /// `leave_id`.
    pub id: String,
    /// `kind`.
    pub kind: String,
    /// Planned departure.
    pub start: Micros,
    /// Planned return.
    pub end: Micros,
    /// Approved.
    pub approved: bool,
    /// Reported back (before D).
    pub returned: Option<Micros>,
}

impl Leave {
    /// The span the student is excused from campus: from the planned departure to the
    /// report-back, or to the planned return when there is none yet.
    pub fn excused(&self) -> Option<(Micros, Micros)> {
        let until = self.returned.map_or(self.end, |r| r.min(self.end));
        (self.approved && until > self.start).then_some((self.start, until))
    }
}

/// Which holidays the rules used, as the evidence names it.
pub fn calendar_label(inp: &Inputs) -> &'static str {
    if inp.calendar.is_some() {
        "sent"
    } else {
        "inferred"
    }
}

/// Calendar days of the trace window as bit masks (bit i = D − 1 − i): (covered by any
/// row, inside a holiday or vacation).
pub async fn load_calendar(
    ctx: &SessionContext,
    tables: &BTreeSet<String>,
    as_of: i32,
) -> Result<Option<(u64, u64)>, WarningError> {
    if !tables.contains("calendar") {
        return Ok(None);
    }
    let lo = as_of - TRACE_DAYS as i32;
    let sql = format!(
        "SELECT CAST(start_date AS INT) AS a, CAST(end_date AS INT) AS b, kind FROM calendar \
         WHERE end_date >= CAST('{}' AS DATE) AND start_date < CAST('{}' AS DATE)",
        days_to_date(lo),
        days_to_date(as_of)
    );
    let (mut covered, mut off) = (0u64, 0u64);
    for b in collect(ctx, &sql).await? {
        let (a, z, kind) = (int32(&b, "a")?, int32(&b, "b")?, strs(&b, "kind")?);
        for r in 0..b.num_rows() {
            let span = day_mask(as_of, a.value(r), z.value(r));
            covered |= span;
            if matches!(kind.get(r), "holiday" | "vacation") {
                off |= span;
            }
        }
    }
    Ok(Some((covered, off)))
}

fn int32<'a>(b: &'a arrow::array::RecordBatch, name: &str) -> Result<&'a arrow::array::Int32Array, WarningError> {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<arrow::array::Int32Array>())
        .ok_or_else(|| WarningError::Shape(format!("{name} as int")))
}

/// Bits of the days `[a, z]` that fall in the 64 days before D.
fn day_mask(as_of: i32, a: i32, z: i32) -> u64 {
    let mut m = 0u64;
    for d in a.max(as_of - 64)..=z.min(as_of - 1) {
        m |= 1 << (as_of - 1 - d);
    }
    m
}

/// The calendar's off days when it covers every day from the first one anyone left a
/// trace on (within the window) to D − 1; `None` (infer from silence) otherwise.
pub fn sent_off_days(calendar: Option<(u64, u64)>, campus_days: u64) -> Option<u64> {
    let (covered, off) = calendar?;
    if campus_days == 0 {
        return None;
    }
    let top = 63 - campus_days.leading_zeros();
    let needed = if top >= 63 { u64::MAX } else { (1u64 << (top + 1)) - 1 };
    (covered & needed == needed).then_some(off)
}

/// Leave requests that matter at D: started before D and planned to end within the
/// trace window or later.
pub async fn load_leaves(
    ctx: &SessionContext,
    tables: &BTreeSet<String>,
    idx: &HashMap<String, usize>,
    inp: &mut Inputs,
) -> Result<(), WarningError> {
    inp.leaves = vec![Vec::new(); inp.students.len()];
    if !tables.contains("leave_requests") {
        return Ok(());
    }
    let d = inp.as_of_ts;
    let sql = format!(
        "SELECT leave_id, student_id, kind, CAST(start_ts AS BIGINT) AS s, CAST(end_ts AS BIGINT) AS e, approved, \
         CAST(returned_at AS BIGINT) AS r FROM leave_requests WHERE start_ts < {} AND end_ts >= {} ORDER BY s",
        ts_lit(d),
        ts_lit(d - TRACE_DAYS * 24 * HOUR)
    );
    for b in collect(ctx, &sql).await? {
        let (id, sid, kind) = (strs(&b, "leave_id")?, strs(&b, "student_id")?, strs(&b, "kind")?);
        let (s, e, r, ok) = (ints(&b, "s")?, ints(&b, "e")?, ints(&b, "r")?, bools(&b, "approved")?);
        for i in 0..b.num_rows() {
            let Some(&st) = idx.get(sid.get(i)) else { continue };
            let returned = (!r.is_null(i) && r.value(i) < d).then(|| r.value(i));
            inp.leaves[st].push(Leave {
                id: id.get(i).to_string(),
                kind: kind.get(i).to_string(),
                start: s.value(i),
                end: e.value(i),
                approved: ok.value(i),
                returned,
            });
        }
    }
    Ok(())
}

/// Hours of `[from_h, to_h)` (UTC hours) the student was excused by approved leave.
pub fn excused_hours(leaves: &[Leave], from_h: i64, to_h: i64) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = leaves
        .iter()
        .filter_map(Leave::excused)
        .map(|(a, b)| ((a / HOUR).max(from_h), b.div_euclid(HOUR).min(to_h)))
        .filter(|(a, b)| b > a)
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// Days (bit i = D − 1 − i) that an approved leave touches.
pub fn leave_days(inp: &Inputs, s: usize, clock: &mut LocalClock) -> u64 {
    let mut m = 0u64;
    for (a, b) in inp.leaves_of(s).iter().filter_map(Leave::excused) {
        let (da, _) = clock.local(a);
        let (db, _) = clock.local(b - 1);
        m |= day_mask(inp.as_of, da, db);
    }
    m
}

/// The approved leave the student is most overdue from: past its planned return before
/// D, not reported back, and no trace on campus since the planned return.
pub fn overdue<'a>(inp: &'a Inputs, s: usize) -> Option<&'a Leave> {
    let last_trace = inp.traces[s].hours.last().copied();
    inp.leaves_of(s)
        .iter()
        .filter(|l| l.approved && l.returned.is_none() && l.end < inp.as_of_ts)
        .filter(|l| last_trace.is_none_or(|h| (h + 1) * HOUR <= l.end))
        .min_by_key(|l| l.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leave(start: i64, end: i64, approved: bool, returned: Option<i64>) -> Leave {
        let h = |x: i64| x * HOUR;
        Leave { id: "L".into(), kind: "home".into(), start: h(start), end: h(end), approved, returned: returned.map(h) }
    }

    #[test]
    fn excused_hours_merge_and_stop_at_the_report_back() {
        let l = [leave(10, 20, true, Some(15)), leave(14, 30, true, None), leave(40, 50, false, None)];
        assert_eq!(excused_hours(&l, 0, 100), vec![(10, 30)]);
        assert_eq!(excused_hours(&l, 12, 25), vec![(12, 25)]);
        assert!(excused_hours(&l[2..], 0, 100).is_empty(), "a refused leave excuses nothing");
    }

    #[test]
    fn a_calendar_counts_only_when_it_covers_the_days_with_data() {
        // Data on the last 10 days; the calendar covers the last 12, 3 of them a holiday.
        let campus = (1u64 << 10) - 1;
        assert_eq!(sent_off_days(Some(((1 << 12) - 1, 0b111)), campus), Some(0b111));
        assert_eq!(sent_off_days(Some(((1 << 8) - 1, 0b111)), campus), None, "two days uncovered");
        assert_eq!(sent_off_days(None, campus), None);
        assert_eq!(day_mask(100, 97, 120), 0b111);
    }
}
