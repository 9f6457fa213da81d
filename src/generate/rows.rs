//! Generated rows as cell texts (contract order), before they are written in a format;
//! plus the fast text forms of timestamps, dates and numbers.

use std::fmt::Write as _;

use super::calendar::{Calendar, Local, DAY};

/// How a row cannot be read, for the `--dirty` `bad_row` defects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// CSV: one field short; NDJSON: a cut-off JSON object.
    Fields,
    /// Bytes that are not UTF-8 in the given column.
    Encoding(usize),
}

/// Rows of one kind: the cell texts back to back, with the end offset of every cell.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    /// Cells per row.
    pub width: usize,
    text: String,
    ends: Vec<u32>,
    /// Rows written unreadable on purpose (row index, how).
    pub broken: Vec<(usize, Broken)>,
}

impl Rows {
    /// Empty rows of `width` cells each.
    pub fn new(width: usize) -> Rows {
        Rows { width, ..Rows::default() }
    }

    /// Number of complete rows.
    pub fn len(&self) -> usize {
        self.ends.len() / self.width.max(1)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Cell `c` of row `r`.
    pub fn cell(&self, r: usize, c: usize) -> &str {
        let i = r * self.width + c;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }

    /// The cells of row `r`.
    pub fn row(&self, r: usize) -> Vec<&str> {
        (0..self.width).map(|c| self.cell(r, c)).collect()
    }

    /// Appends a cell.
    pub fn s(&mut self, v: &str) -> &mut Self {
        self.text.push_str(v);
        self.end()
    }

    /// Appends an empty cell.
    pub fn null(&mut self) -> &mut Self {
        self.end()
    }

    /// Appends a cell written by `f`.
    pub fn with(&mut self, f: impl FnOnce(&mut String)) -> &mut Self {
        f(&mut self.text);
        self.end()
    }

    /// An id: a prefix and two zero-padded numbers (unique per student and kind).
    pub fn id(&mut self, prefix: &str, a: u64, b: u64) -> &mut Self {
        self.text.push_str(prefix);
        push_padded(&mut self.text, a, 6);
        push_padded(&mut self.text, b, 6);
        self.end()
    }

    /// An unsigned integer.
    pub fn int(&mut self, v: i64) -> &mut Self {
        let _ = write!(self.text, "{v}");
        self.end()
    }

    /// Yuan from cents, two decimals.
    pub fn money(&mut self, cents: i64) -> &mut Self {
        let _ = write!(self.text, "{}.{:02}", cents / 100, cents % 100);
        self.end()
    }

    /// A number with one decimal, trailing `.0` dropped.
    pub fn dec1(&mut self, tenths: i64) -> &mut Self {
        if tenths % 10 == 0 {
            let _ = write!(self.text, "{}", tenths / 10);
        } else {
            let _ = write!(self.text, "{}.{}", tenths / 10, tenths % 10);
        }
        self.end()
    }

    /// A timestamp in one of the three contract forms.
    pub fn ts(&mut self, cal: &Calendar, t: Local, form: Form) -> &mut Self {
        push_ts(&mut self.text, cal, t, form);
        self.end()
    }

    /// A date `YYYY-MM-DD` of a day number.
    pub fn date(&mut self, day: i32) -> &mut Self {
        push_date(&mut self.text, day);
        self.end()
    }

    fn end(&mut self) -> &mut Self {
        self.ends.push(self.text.len() as u32);
        self
    }

    /// Appends a whole row from cell texts.
    pub fn push_row(&mut self, cells: &[&str]) {
        for c in cells {
            self.s(c);
        }
    }

    /// Appends the rows of `other` (same width).
    pub fn extend(&mut self, other: &Rows) {
        let base = self.text.len() as u32;
        let rows = self.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        self.broken.extend(other.broken.iter().map(|(r, b)| (r + rows, *b)));
    }
}

/// A timestamp's text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `2025-09-01T07:42:13+08:00`
    Offset,
    /// `2025-08-31T23:42:13Z`
    Zulu,
    /// `2025-09-01 07:42:13`, campus local time.
    Naive,
}

impl Form {
    /// Picks a form from a byte with weights in percent (offset, zulu; naive the rest).
    pub fn pick(x: u8, offset: u8, zulu: u8) -> Form {
        let x = u32::from(x) * 100 / 256;
        if x < u32::from(offset) {
            Form::Offset
        } else if x < u32::from(offset) + u32::from(zulu) {
            Form::Zulu
        } else {
            Form::Naive
        }
    }
}

fn push_padded(out: &mut String, v: u64, width: usize) {
    let _ = write!(out, "{v:0width$}");
}

/// Year, month, day of a day number (Howard Hinnant's civil-from-days).
pub fn civil(day: i32) -> (i32, u32, u32) {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

fn two(out: &mut String, v: u32) {
    out.push((b'0' + (v / 10) as u8) as char);
    out.push((b'0' + (v % 10) as u8) as char);
}

/// Writes `YYYY-MM-DD`.
pub fn push_date(out: &mut String, day: i32) {
    let (y, m, d) = civil(day);
    two(out, (y / 100) as u32);
    two(out, (y % 100) as u32);
    out.push('-');
    two(out, m);
    out.push('-');
    two(out, d);
}

fn push_datetime(out: &mut String, t: i64, sep: char) {
    push_date(out, t.div_euclid(DAY) as i32);
    let s = t.rem_euclid(DAY) as u32;
    out.push(sep);
    two(out, s / 3600);
    out.push(':');
    two(out, s / 60 % 60);
    out.push(':');
    two(out, s % 60);
}

/// Writes a local time in a contract form. A local time the zone skips (DST gap) is
/// written as the instant an hour later, which exists.
pub fn push_ts(out: &mut String, cal: &Calendar, t: Local, form: Form) {
    let (t, off) = match cal.offset_at(t) {
        Some(off) => (t, off),
        None => (t + 3600, cal.offset_at(t + 3600).unwrap_or(0)),
    };
    match form {
        Form::Naive if cal.offset_at(t).is_some() => push_datetime(out, t, ' '),
        Form::Zulu | Form::Naive => {
            push_datetime(out, t - i64::from(off), 'T');
            out.push('Z');
        }
        Form::Offset => {
            push_datetime(out, t, 'T');
            out.push(if off < 0 { '-' } else { '+' });
            let a = off.unsigned_abs();
            two(out, a / 3600);
            out.push(':');
            two(out, a / 60 % 60);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::time::{date_to_days, parse_timestamp};

    #[test]
    fn forms_parse_to_the_same_instant() {
        let tz = chrono_tz::Asia::Shanghai;
        let start = chrono::NaiveDate::from_ymd_opt(2025, 9, 8).unwrap_or_default();
        let cal = Calendar::new(start, 2, tz);
        let t = i64::from(date_to_days(start)) * DAY + 7 * 3600 + 42 * 60 + 13;
        let mut got = Vec::new();
        for f in [Form::Offset, Form::Zulu, Form::Naive] {
            let mut s = String::new();
            push_ts(&mut s, &cal, t, f);
            got.push(s);
        }
        assert_eq!(got, ["2025-09-08T07:42:13+08:00", "2025-09-07T23:42:13Z", "2025-09-08 07:42:13"]);
        let i: Vec<_> = got.iter().map(|s| parse_timestamp(s, tz)).collect();
        assert!(i[0].is_some() && i[0] == i[1] && i[1] == i[2]);
        assert_eq!(civil(date_to_days(start)), (2025, 9, 8));
    }
}
