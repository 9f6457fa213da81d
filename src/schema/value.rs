//! Reading one cell's text as the contract's typed value.

use chrono_tz::Tz;

use super::time::{self, Micros};
use super::{Bound, ColType, Column, Reason};

/// A parsed cell; text borrows from the input record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Missing (empty cell, JSON null) in an optional column.
    Null,
    /// Text, enum or term.
    Text(&'a str),
    /// Integer.
    Int(i64),
    /// Non-integer number.
    Float(f64),
    /// Yuan in cents (decimal(18,2)).
    Money(i128),
    /// Boolean.
    Bool(bool),
    /// UTC microseconds.
    Timestamp(Micros),
    /// Days since 1970-01-01.
    Date(i32),
}

impl Value<'_> {
    /// The value as a number for range checks.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(v) => Some(v as f64),
            Value::Float(v) => Some(v),
            Value::Money(c) => Some(c as f64 / 100.0),
            _ => None,
        }
    }

    /// The value as an instant, dates at local midnight.
    pub fn as_instant(&self, tz: Tz) -> Option<Micros> {
        match *self {
            Value::Timestamp(t) => Some(t),
            Value::Date(d) => time::date_start(time::days_to_date(d), tz),
            _ => None,
        }
    }
}

/// Parses one cell; `None` and `""` are missing. The error is the parse-phase reason
/// (`missing_required`, `bad_enum`, `bad_number` or `bad_timestamp`).
pub fn parse_cell<'a>(text: Option<&'a str>, col: &Column, tz: Tz) -> Result<Value<'a>, Reason> {
    let s = match text {
        None | Some("") if col.required => return Err(Reason::MissingRequired),
        None | Some("") => return Ok(Value::Null),
        Some(s) => s,
    };
    match col.ty {
        ColType::Text => Ok(Value::Text(s)),
        ColType::Enum(values) if values.contains(&s) => Ok(Value::Text(s)),
        ColType::Enum(_) => Err(Reason::BadEnum),
        ColType::Term if time::is_valid_term(s) => Ok(Value::Text(s)),
        ColType::Term => Err(Reason::BadTimestamp),
        ColType::Int => parse_int(s).map(Value::Int).ok_or(Reason::BadNumber),
        ColType::Float => {
            parse_decimal(s, usize::MAX).and_then(|_| s.parse::<f64>().ok()).map(Value::Float).ok_or(Reason::BadNumber)
        }
        ColType::Money => parse_decimal(s, 2).map(Value::Money).ok_or(Reason::BadNumber),
        ColType::Bool => parse_bool(s).map(Value::Bool).ok_or(Reason::BadNumber),
        ColType::Timestamp => time::parse_timestamp(s, tz).map(Value::Timestamp).ok_or(Reason::BadTimestamp),
        ColType::Date => time::parse_date(s).map(|d| Value::Date(time::date_to_days(d))).ok_or(Reason::BadTimestamp),
    }
}

/// The range reason a parsed value fails, if any.
pub fn check_bound(v: &Value<'_>, bound: Bound) -> Option<Reason> {
    let x = v.as_f64()?;
    let ok = match bound {
        Bound::None => true,
        Bound::PositiveAmount | Bound::Positive => x > 0.0,
        Bound::Range(lo, hi) => (lo..=hi).contains(&x),
        Bound::AtLeast(lo) => x >= lo,
    };
    match (ok, bound) {
        (true, _) => None,
        (false, Bound::PositiveAmount) => Some(Reason::NonPositiveAmount),
        (false, _) => Some(Reason::OutOfRange),
    }
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

fn parse_int(s: &str) -> Option<i64> {
    let (_, body) = split_sign(s);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Parsed with its sign: `i64::MIN` has no positive counterpart.
    s.parse().ok()
}

/// Checks `[+-]?digits[.digits]` with at most `max_frac` fraction digits and returns the
/// value scaled to two decimals (meaningful only when `max_frac <= 2`).
fn parse_decimal(s: &str, max_frac: usize) -> Option<i128> {
    let (neg, body) = split_sign(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f) || f.len() > max_frac) {
        return None;
    }
    if max_frac > 2 {
        return Some(0);
    }
    let whole: i128 = int.parse().ok()?;
    let cents = match frac.map(str::as_bytes) {
        Some([a, b]) => i128::from(a - b'0') * 10 + i128::from(b - b'0'),
        Some([a]) => i128::from(a - b'0') * 10,
        _ => 0,
    };
    let v = whole.checked_mul(100)?.checked_add(cents)?;
    // decimal(18,2) holds at most 18 digits.
    if v.abs() >= 10i128.pow(18) {
        return None;
    }
    Some(if neg { -v } else { v })
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") || s == "1" {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") || s == "0" {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Sensitivity;

    const SH: Tz = chrono_tz::Asia::Shanghai;

    fn c(ty: ColType, required: bool) -> Column {
        Column { name: "x", ty, required, sensitivity: Sensitivity::Normal, bound: Bound::None, event_time: false }
    }

    #[test]
    fn money_has_at_most_two_decimals() {
        let m = c(ColType::Money, true);
        assert_eq!(parse_cell(Some("12.5"), &m, SH), Ok(Value::Money(1250)));
        assert_eq!(parse_cell(Some("12.50"), &m, SH), Ok(Value::Money(1250)));
        assert_eq!(parse_cell(Some("-5"), &m, SH), Ok(Value::Money(-500)));
        assert_eq!(parse_cell(Some("12.345"), &m, SH), Err(Reason::BadNumber));
        assert_eq!(parse_cell(Some("1e3"), &m, SH), Err(Reason::BadNumber));
        assert_eq!(parse_cell(Some("12."), &m, SH), Err(Reason::BadNumber));
        assert_eq!(parse_cell(Some(""), &m, SH), Err(Reason::MissingRequired));
    }

    #[test]
    fn ints_bools_and_enums() {
        assert_eq!(parse_cell(Some("1.5"), &c(ColType::Int, true), SH), Err(Reason::BadNumber));
        assert_eq!(parse_cell(Some("0023"), &c(ColType::Int, true), SH), Ok(Value::Int(23)));
        assert_eq!(parse_cell(Some("TRUE"), &c(ColType::Bool, true), SH), Ok(Value::Bool(true)));
        assert_eq!(parse_cell(Some("yes"), &c(ColType::Bool, true), SH), Err(Reason::BadNumber));
        let e = c(ColType::Enum(&["M", "F"]), true);
        assert_eq!(parse_cell(Some("m"), &e, SH), Err(Reason::BadEnum));
        assert_eq!(parse_cell(None, &c(ColType::Int, false), SH), Ok(Value::Null));
    }

    #[test]
    fn bounds() {
        assert_eq!(check_bound(&Value::Money(0), Bound::PositiveAmount), Some(Reason::NonPositiveAmount));
        assert_eq!(check_bound(&Value::Float(100.0), Bound::Range(0.0, 100.0)), None);
        assert_eq!(check_bound(&Value::Float(100.5), Bound::Range(0.0, 100.0)), Some(Reason::OutOfRange));
        assert_eq!(check_bound(&Value::Int(0), Bound::AtLeast(1.0)), Some(Reason::OutOfRange));
        assert_eq!(check_bound(&Value::Null, Bound::AtLeast(1.0)), None);
    }

    mod props {
        use chrono::{NaiveDate, TimeZone};
        use proptest::prelude::*;

        use super::*;
        use crate::schema::time::format_timestamp;

        const ENUM: &[&str] = &["card", "cash", "招商银行"];

        fn every_type() -> Vec<ColType> {
            vec![
                ColType::Text,
                ColType::Enum(ENUM),
                ColType::Int,
                ColType::Float,
                ColType::Money,
                ColType::Bool,
                ColType::Timestamp,
                ColType::Date,
                ColType::Term,
            ]
        }

        /// A valid-looking cell of any type with one character replaced or inserted, so
        /// that multi-byte characters land on the positions the parsers look at.
        fn near_valid() -> impl Strategy<Value = String> {
            let base = prop::sample::select(vec![
                "2025-09-01 07:42:13",
                "2025-09-01T07:42:13.250+08:00",
                "2025-09-01T07:42:13Z",
                "2025-09-01",
                "2025-2026-1",
                "-1234567.89",
                "+42",
                "true",
            ]);
            (base, any::<prop::sample::Index>(), any::<char>(), any::<bool>()).prop_map(|(b, at, ch, insert)| {
                let mut chars: Vec<char> = b.chars().collect();
                let i = at.index(chars.len());
                if insert {
                    chars.insert(i, ch);
                } else {
                    chars[i] = ch;
                }
                chars.into_iter().collect()
            })
        }

        fn any_cell() -> impl Strategy<Value = String> {
            prop_oneof![any::<String>(), near_valid(), "[0-9０-９年月日:.+TZ -]{0,32}"]
        }

        proptest! {
            #[test]
            fn any_text_parses_or_is_refused_for_every_type(s in any_cell(), required in any::<bool>()) {
                for ty in every_type() {
                    let got = parse_cell(Some(&s), &c(ty, required), SH);
                    if let Err(reason) = got {
                        let allowed: &[Reason] = match ty {
                            ColType::Text => &[Reason::MissingRequired],
                            ColType::Enum(_) => &[Reason::MissingRequired, Reason::BadEnum],
                            ColType::Int | ColType::Float | ColType::Money | ColType::Bool => {
                                &[Reason::MissingRequired, Reason::BadNumber]
                            }
                            ColType::Timestamp | ColType::Date | ColType::Term => {
                                &[Reason::MissingRequired, Reason::BadTimestamp]
                            }
                        };
                        prop_assert!(allowed.contains(&reason), "{ty:?} {s:?} {reason:?}");
                    }
                }
            }

            #[test]
            fn ints_round_trip(v in any::<i64>()) {
                let text = v.to_string();
                prop_assert_eq!(parse_cell(Some(&text), &c(ColType::Int, true), SH), Ok(Value::Int(v)));
            }

            #[test]
            fn floats_round_trip(v in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
                // Display never uses an exponent, which the contract does not allow.
                let text = v.to_string();
                let got = parse_cell(Some(&text), &c(ColType::Float, true), SH);
                prop_assert_eq!(got, Ok(Value::Float(v)));
            }

            #[test]
            fn money_round_trips(cents in -(10i128.pow(18) - 1)..10i128.pow(18)) {
                let sign = if cents < 0 { "-" } else { "" };
                let text = format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100);
                prop_assert_eq!(parse_cell(Some(&text), &c(ColType::Money, true), SH), Ok(Value::Money(cents)));
            }

            #[test]
            fn bools_round_trip(v in any::<bool>(), upper in any::<u8>(), digit in any::<bool>()) {
                let text: String = if digit {
                    u8::from(v).to_string()
                } else {
                    v.to_string().chars().enumerate()
                        .map(|(i, ch)| if upper >> (i % 8) & 1 == 1 { ch.to_ascii_uppercase() } else { ch })
                        .collect()
                };
                prop_assert_eq!(parse_cell(Some(&text), &c(ColType::Bool, true), SH), Ok(Value::Bool(v)));
            }

            #[test]
            fn dates_round_trip(days in 0i32..3_652_059) {
                let d = NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Days::new(days as u64);
                let text = format!("{:04}-{}", chrono::Datelike::year(&d), d.format("%m-%d"));
                let want = time::date_to_days(d);
                prop_assert_eq!(parse_cell(Some(&text), &c(ColType::Date, true), SH), Ok(Value::Date(want)));
            }

            #[test]
            fn timestamps_round_trip(micros in 700_000_000_000_000i64..4_102_444_800_000_000, naive in any::<bool>()) {
                // From 1992 on Shanghai has one offset and no DST, so the naive form is unambiguous.
                let (text, want) = if naive {
                    let local = SH.timestamp_micros(micros).unwrap();
                    (local.format("%Y-%m-%d %H:%M:%S").to_string(), micros - micros.rem_euclid(1_000_000))
                } else {
                    (format_timestamp(micros, SH), micros)
                };
                prop_assert_eq!(parse_cell(Some(&text), &c(ColType::Timestamp, true), SH), Ok(Value::Timestamp(want)));
            }

            #[test]
            fn terms_and_enums_round_trip(y in 1000u32..9999, n in 1u32..=3, pick in any::<prop::sample::Index>()) {
                let term = format!("{y}-{}-{n}", y + 1);
                prop_assert_eq!(parse_cell(Some(&term), &c(ColType::Term, true), SH), Ok(Value::Text(&term)));
                let e = ENUM[pick.index(ENUM.len())];
                prop_assert_eq!(parse_cell(Some(e), &c(ColType::Enum(ENUM), true), SH), Ok(Value::Text(e)));
            }
        }
    }
}
