//! When the next night starts: a local time of day (`HH:MM`) in the campus zone.

use crate::features::clock::{LocalClock, MINUTE};
use crate::schema::time::Micros;

/// Parses `HH:MM` into µs after local midnight.
pub fn parse_at(at: &str) -> Option<i64> {
    let (h, m) = at.split_once(':')?;
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !digits(h) || !digits(m) {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 * MINUTE + m * MINUTE)
}

/// The next instant strictly after `now` whose local time of day is `at` (µs after midnight).
pub fn next_run(now: Micros, at: i64, tz: chrono_tz::Tz) -> Micros {
    let mut clock = LocalClock::new(tz);
    let (today, _) = clock.local(now);
    let candidate = clock.instant(today, at);
    if candidate > now {
        candidate
    } else {
        clock.instant(today + 1, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::clock::HOUR;

    #[test]
    fn next_run_is_tonight_or_tomorrow() {
        let tz = chrono_tz::Asia::Shanghai;
        let now = crate::schema::time::parse_clock("2025-09-22T01:00:00+08:00", tz).unwrap_or_default();
        let at = 2 * HOUR + 30 * MINUTE;
        let next = next_run(now, at, tz);
        assert_eq!(crate::schema::time::format_timestamp(next, tz), "2025-09-22T02:30:00+08:00");
        let later = next_run(next, at, tz);
        assert_eq!(crate::schema::time::format_timestamp(later, tz), "2025-09-23T02:30:00+08:00");
        assert_eq!(parse_at("24:00"), None);
        assert_eq!(parse_at("02:30"), Some(at));
        assert_eq!(parse_at("2:30"), Some(at));
        for bad in ["", ":", "02:3", "02:300", "-1:30", "+2:30", "aa:bb", "02:30:00", "002:30"] {
            assert_eq!(parse_at(bad), None, "{bad:?}");
        }
    }
}
