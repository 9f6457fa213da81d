//! Strict timestamp, date and term parsing in the campus time zone.
//!
//! Hand-written rather than chrono's `parse_from_rfc3339` because the contract is stricter
//! than chrono (which accepts a space for `T` and leap second `:60`), and because this is
//! the hottest path of ingest: it avoids allocation and format-string interpretation.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

const MICROS_PER_SEC: i64 = 1_000_000;
/// One day in microseconds.
pub const DAY_MICROS: i64 = 86_400 * MICROS_PER_SEC;

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// Parses `YYYY-MM-DD` exactly.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    parse_date_bytes(s.as_bytes())
}

// Every parser here works on bytes and checks each byte it reads is an ASCII digit or
// separator: slicing the `str` at a fixed offset would panic inside a multi-byte character.
fn parse_date_bytes(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    let m = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// Days since 1970-01-01 of a date.
pub fn date_to_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

/// The date of a days-since-epoch number.
pub fn days_to_date(days: i32) -> NaiveDate {
    // Out-of-range day numbers clamp to chrono's limits instead of panicking.
    let epoch = NaiveDate::default();
    if days >= 0 {
        epoch.checked_add_days(chrono::Days::new(days as u64)).unwrap_or(NaiveDate::MAX)
    } else {
        epoch.checked_sub_days(chrono::Days::new(days.unsigned_abs().into())).unwrap_or(NaiveDate::MIN)
    }
}

fn parse_hms(b: &[u8]) -> Option<(u32, u32, u32)> {
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    // 60 is a leap second: the contract calls it invalid.
    (h < 24 && m < 60 && s < 60).then_some((h, m, s))
}

/// Parses a contract timestamp to UTC microseconds; naive local forms are read in `tz`.
/// Returns `None` for anything that does not parse or does not exist.
pub fn parse_timestamp(s: &str, tz: Tz) -> Option<Micros> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let date = parse_date_bytes(&b[0..10])?;
    let (h, m, sec) = parse_hms(&b[11..19])?;
    let naive = date.and_hms_opt(h, m, sec)?;
    match b[10] {
        b' ' if b.len() == 19 => local_to_utc(naive, tz),
        b'T' | b't' => {
            let (frac, rest) = parse_fraction(&b[19..])?;
            let offset = parse_offset(rest)?;
            let utc = naive.and_utc().timestamp() - i64::from(offset);
            Some(utc * MICROS_PER_SEC + frac)
        }
        _ => None,
    }
}

fn parse_fraction(b: &[u8]) -> Option<(i64, &[u8])> {
    if b.first() != Some(&b'.') {
        return Some((0, b));
    }
    let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    // Stored at microsecond precision: digits past the sixth are dropped.
    let mut micros = 0i64;
    for i in 0..6 {
        let d = if i < n { i64::from(b[1 + i] - b'0') } else { 0 };
        micros = micros * 10 + d;
    }
    Some((micros, &b[1 + n..]))
}

/// Offset in seconds east of UTC.
fn parse_offset(b: &[u8]) -> Option<i32> {
    match b {
        [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2])? as i32;
            let m = digits(&[*m1, *m2])? as i32;
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => None,
    }
}

/// A local wall-clock time in `tz` as UTC micros; `None` inside a DST gap. In a DST fold
/// the earlier instant is taken, as most campus systems write the first occurrence.
pub fn local_to_utc(naive: NaiveDateTime, tz: Tz) -> Option<Micros> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.timestamp_micros()),
        LocalResult::None => None,
    }
}

/// The instant of a date's local midnight.
pub fn date_start(d: NaiveDate, tz: Tz) -> Option<Micros> {
    local_to_utc(d.and_hms_opt(0, 0, 0)?, tz)
}

/// Parses a term name `YYYY-YYYY-N` (second year = first + 1, N in 1–3).
pub fn is_valid_term(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 11 || b[4] != b'-' || b[9] != b'-' {
        return false;
    }
    match (digits(&b[0..4]), digits(&b[5..9]), digits(&b[10..11])) {
        (Some(y1), Some(y2), Some(n)) => y2 == y1 + 1 && (1..=3).contains(&n),
        _ => false,
    }
}

/// Parses a `--now` / `--as-of` clock value: a contract timestamp or a date (local midnight).
pub fn parse_clock(s: &str, tz: Tz) -> Option<Micros> {
    parse_timestamp(s, tz).or_else(|| date_start(parse_date(s)?, tz))
}

/// Formats UTC micros as RFC 3339 in `tz`, with fractional seconds only when not zero.
pub fn format_timestamp(micros: Micros, tz: Tz) -> String {
    let Some(utc) = DateTime::<Utc>::from_timestamp_micros(micros) else {
        return micros.to_string();
    };
    let local = utc.with_timezone(&tz);
    if micros.rem_euclid(MICROS_PER_SEC) == 0 {
        local.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    } else {
        let s = local.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string();
        trim_fraction_zeros(&s)
    }
}

fn trim_fraction_zeros(s: &str) -> String {
    // "…:13.250000+08:00" → "…:13.25+08:00"
    match (s.find('.'), s.rfind(['+', '-'])) {
        (Some(dot), Some(off)) if off > dot => {
            let frac = s[dot + 1..off].trim_end_matches('0');
            format!("{}.{}{}", &s[..dot], frac, &s[off..])
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SH: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn offset_zulu_and_naive_forms_agree() {
        let a = parse_timestamp("2025-09-01T07:42:13+08:00", SH).unwrap();
        let b = parse_timestamp("2025-08-31T23:42:13Z", SH).unwrap();
        let c = parse_timestamp("2025-09-01 07:42:13", SH).unwrap();
        let d = parse_timestamp("2025-08-31t23:42:13z", SH).unwrap();
        assert_eq!((a, a, a), (b, c, d));
    }

    #[test]
    fn fractions_kept_to_the_microsecond() {
        let a = parse_timestamp("2025-09-01T07:42:13.25+08:00", SH).unwrap();
        let b = parse_timestamp("2025-09-01T07:42:13+08:00", SH).unwrap();
        assert_eq!(a - b, 250_000);
        assert_eq!(format_timestamp(a, SH), "2025-09-01T07:42:13.25+08:00");
        assert_eq!(format_timestamp(b, SH), "2025-09-01T07:42:13+08:00");
    }

    #[test]
    fn rejects_what_the_contract_rejects() {
        for bad in [
            "2025-13-01T00:00:00Z",
            "2025-09-31T00:00:00Z",
            "2025-09-01T25:00:00Z",
            "2025-12-31T23:59:60Z",
            "2025-09-01 07:42:13.5",
            "2025-09-01 07:42",
            "2025-09-01T07:42:13",
            "2025-09-01T07:42:13+0800",
            "2025/09/01 07:42:13",
            " 2025-09-01 07:42:13",
            "2025-09-01T07:42:13.+08:00",
        ] {
            assert_eq!(parse_timestamp(bad, SH), None, "{bad}");
        }
    }

    #[test]
    fn non_ascii_text_is_rejected_not_sliced() {
        // Multi-byte characters straddling the byte positions the parser looks at.
        for bad in [
            "2025年9月1日 07:42:13",
            "２０２５-09-01 07:42:13",
            "2025-09-０1 07:42:13",
            "2025-09-0é07:42:13",
            "2025-09-01 07:42:1é",
            "2025-09-01T07:42:13é+08:00",
            "2025-09-01T07:42:13.２５+08:00",
            "2025-09-01T07:42:13+０8:00",
            "2025-2026-１",
            "2025-2026é",
            "ééééééééééé",
        ] {
            assert_eq!(parse_timestamp(bad, SH), None, "{bad}");
            assert_eq!(parse_clock(bad, SH), None, "{bad}");
            assert!(!is_valid_term(bad), "{bad}");
        }
        for bad in ["2025-09-0é", "２０２５-9-1", "2025年9月1日"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn dst_gap_does_not_exist() {
        let ny = chrono_tz::America::New_York;
        assert_eq!(parse_timestamp("2025-03-09 02:30:00", ny), None);
        assert!(parse_timestamp("2025-03-09 03:30:00", ny).is_some());
    }

    #[test]
    fn dates_and_terms() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2025-02-29").is_none());
        assert!(is_valid_term("2025-2026-1"));
        assert!(is_valid_term("2025-2026-3"));
        assert!(!is_valid_term("2025-2027-1"));
        assert!(!is_valid_term("2025-2026-4"));
        assert!(!is_valid_term("2025-2026-0"));
        let d = parse_date("1969-12-31").unwrap();
        assert_eq!(days_to_date(date_to_days(d)), d);
    }
}
