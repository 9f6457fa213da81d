//! The activity schedule of the first generator (ten templates, a uniformly random
//! activity of the week per participation). It is no longer written: activities now come
//! from recurring series (`activities.rs`). It is kept because each participation's draws
//! on the student's life stream followed it; replaying exactly those draws keeps every
//! other record kind byte-identical to campuses generated before the change with the
//! same seed (see `Sim::participation`).

use rand::Rng;

use super::calendar::{Calendar, DayKind, Local, DAY, HOUR};
use super::{seeded, Stream};

/// Durations (tenths of an hour) of the ten old templates, in their order.
const HOURS: [i64; 10] = [30, 20, 20, 25, 30, 15, 20, 10, 15, 25];

/// The old schedule: (start, end) of every old activity in start order, and each week's
/// index range — drawn exactly as the first generator drew them.
pub fn schedule(cal: &Calendar, students: u32, seed: u64) -> (Vec<(Local, Local)>, Vec<std::ops::Range<usize>>) {
    let mut rng = seeded(seed, 2, Stream::Campus);
    let per_week = (students / 300).max(4) as usize;
    let mut all = Vec::new();
    let mut weeks = Vec::new();
    for w in 0..cal.weeks as i32 {
        let first = all.len();
        let monday = cal.start + 7 * w;
        let quiet = cal.kind(monday) == DayKind::Vacation;
        let n = if quiet { per_week / 4 + 1 } else { per_week };
        let mut week: Vec<(Local, Local)> = (0..n)
            .map(|_| {
                let hours = HOURS[rng.random_range(0..HOURS.len())];
                let d = rng.random_range(0..7);
                let hour =
                    if d >= 5 { [9, 14, 15][rng.random_range(0..3)] } else { [15, 16, 19, 19][rng.random_range(0..4)] };
                let start = i64::from(monday + d) * DAY + hour * HOUR + 30 * 60 * rng.random_range(0..2);
                // The old title's instance number: drawn, not used.
                let _: i32 = rng.random_range(1..40);
                (start, start + hours * 360)
            })
            .collect();
        week.sort_by_key(|a| a.0);
        all.extend(week);
        weeks.push(first..all.len());
    }
    (all, weeks)
}
