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
    let (neg, body) = split_sign(s);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = body.parse().ok()?;
    Some(if neg { -v } else { v })
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
}
