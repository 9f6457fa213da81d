//! Second-classroom activities (第二课堂) of the window: every activity is one session of
//! a recurring series from [`super::series::SERIES`] (a club's weekly meeting, a league
//! round, a lecture of a series), on evenings and weekends, fewer in vacations.
//!
//! Titles are `<series name>（第N期）`, N counting the series' sessions (a club that started
//! before the window does not start at 1), so the series is recoverable from the title.

use rand::Rng;

use super::calendar::{Calendar, DayKind, Local, DAY, HOUR};
use super::rows::push_date;
use super::series::SERIES;
use super::{seeded, Stream};

/// An activity.
#[derive(Debug, Clone)]
pub struct Activity {
    /// `activity_id`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Index of its series in `SERIES`.
    pub series: usize,
    /// Category.
    pub category: &'static str,
    /// Dimension (德智体美劳).
    pub dimension: &'static str,
    /// Organiser.
    pub organiser: &'static str,
    /// Start, local.
    pub start: Local,
    /// End, local.
    pub end: Local,
    /// Location.
    pub location: &'static str,
    /// Duration in tenths of an hour.
    pub hours: i64,
}

/// The activities of the window, in start order, and the index range of each week.
///
/// A series meets in the weeks where `(week + its phase) % every == 0`; in vacation weeks
/// only every fourth series keeps meeting. Larger campuses run more sessions of a series
/// in its week (two league rounds, two club groups): one more per 10,000 students.
pub fn build(cal: &Calendar, students: u32, seed: u64) -> (Vec<Activity>, Vec<std::ops::Range<usize>>) {
    let mut rng = seeded(seed, 3, Stream::Campus);
    let copies = 1 + (students / 10_000) as usize;
    // Sessions held before the window: clubs are not new.
    let mut held: Vec<u32> = SERIES.iter().map(|_| rng.random_range(0..30)).collect();
    let mut all = Vec::new();
    let mut weeks = Vec::new();
    for w in 0..cal.weeks as i32 {
        let first = all.len();
        let monday = cal.start + 7 * w;
        let quiet = cal.kind(monday) == DayKind::Vacation;
        let mut week = Vec::new();
        for (k, sr) in SERIES.iter().enumerate() {
            let every = sr.every as usize;
            let meets = (w as usize + k).is_multiple_of(every) && (!quiet || k.is_multiple_of(4));
            for _ in 0..if meets { copies } else { 0 } {
                held[k] += 1;
                week.push(one(&mut rng, monday, k, held[k]));
            }
        }
        week.sort_by_key(|a| (a.start, a.series));
        for a in &mut week {
            let mut date = String::new();
            push_date(&mut date, monday);
            a.id = format!("ACT{}{:05}", date.replace('-', ""), all.len() + 1);
            all.push(a.clone());
        }
        weeks.push(first..all.len());
    }
    (all, weeks)
}

fn one(rng: &mut impl Rng, monday: i32, k: usize, n: u32) -> Activity {
    let t = &SERIES[k];
    let d = rng.random_range(0..7);
    let hour = if d >= 5 { [9, 14, 15][rng.random_range(0..3)] } else { [15, 16, 19, 19][rng.random_range(0..4)] };
    let start = i64::from(monday + d) * DAY + hour * HOUR + 30 * 60 * rng.random_range(0..2);
    Activity {
        id: String::new(),
        title: format!("{}（第{}期）", t.name, n),
        series: k,
        category: t.category,
        dimension: t.dimension,
        organiser: t.organiser,
        start,
        end: start + t.hours * 360,
        location: t.location,
        hours: t.hours,
    }
}
