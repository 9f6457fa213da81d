//! `--dirty RATE`: after a share of the rows, an extra bad row derived from it with
//! exactly one defect, so the engine's reason and column are known in advance: checks in
//! contract order, the first failing column in contract order, no trimming, enums
//! case-sensitive, money ≤ 2 decimals, `future_timestamp` for event times (not `due_at`)
//! beyond the clock + 1 day. Bad rows get a fresh key so they never touch a good row;
//! duplicates are exact copies of the row before (event kinds only).

use chrono_tz::Tz;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::rows::{Broken, Rows};
use crate::schema::time::{format_timestamp, parse_date, parse_timestamp, Micros, DAY_MICROS};
use crate::schema::{Bound, ColType, KindSpec};

/// An injected row: 0-based index in the block's rows, column name, reason code.
pub type Entry = (usize, &'static str, &'static str);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Defect {
    Fields,
    Encoding,
    Missing,
    Enum,
    Number,
    Timestamp,
    EndBefore,
    Amount,
    Range,
    Future,
    Unknown,
    Duplicate,
}

/// Settings of an injection.
pub struct Dirt {
    /// Share of rows followed by a bad row.
    pub rate: f64,
    /// Whether every applicable defect is injected at least once (the first block).
    pub force: bool,
    /// Whether rows can be unreadable (not in Parquet).
    pub bad_rows: bool,
    /// The ingest clock.
    pub now: Micros,
    /// Campus zone.
    pub tz: Tz,
}

/// Returns `rows` with bad rows inserted, and the list of them.
pub fn inject(rows: &Rows, kind: &'static KindSpec, d: &Dirt, rng: &mut ChaCha8Rng) -> (Rows, Vec<Entry>) {
    let all = defects(kind, d.bad_rows);
    let mut forced: Vec<Defect> = if d.force { all.clone() } else { Vec::new() };
    let mut out = Rows::new(rows.width);
    let mut entries = Vec::new();
    for r in 0..rows.len() {
        let row = rows.row(r);
        out.push_row(&row);
        let mut todo = Vec::new();
        if let Some(pos) = forced.iter().position(|f| make(*f, &row, kind, d, r).is_some()) {
            todo.push(forced.remove(pos));
        }
        if !all.is_empty() && rng.random::<f64>() < d.rate {
            todo.push(all[rng.random_range(0..all.len())]);
        }
        for f in todo {
            if let Some((cells, broken, column, reason)) = make(f, &row, kind, d, r) {
                let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
                out.push_row(&refs);
                let at = out.len() - 1;
                if let Some(b) = broken {
                    out.broken.push((at, b));
                }
                entries.push((at, column, reason));
            }
        }
    }
    (out, entries)
}

fn defects(kind: &KindSpec, bad_rows: bool) -> Vec<Defect> {
    let has = |f: &dyn Fn(ColType) -> bool| kind.columns.iter().any(|c| f(c.ty));
    let mut v = vec![Defect::Missing];
    if bad_rows {
        v.extend([Defect::Fields, Defect::Encoding]);
    }
    if has(&|t| matches!(t, ColType::Enum(_))) {
        v.push(Defect::Enum);
    }
    if has(&|t| matches!(t, ColType::Int | ColType::Float | ColType::Money | ColType::Bool)) {
        v.push(Defect::Number);
    }
    if has(&|t| matches!(t, ColType::Timestamp | ColType::Date | ColType::Term)) {
        v.push(Defect::Timestamp);
    }
    if !kind.end_after.is_empty() {
        v.push(Defect::EndBefore);
    }
    if kind.columns.iter().any(|c| c.bound == Bound::PositiveAmount) {
        v.push(Defect::Amount);
    }
    if kind.columns.iter().any(|c| !matches!(c.bound, Bound::None | Bound::PositiveAmount))
        || kind.name == "assessments"
    {
        v.push(Defect::Range);
    }
    if kind.is_event() {
        v.extend([Defect::Future, Defect::Unknown]);
    }
    // An exact repeat of an event row is a duplicate, state kinds included: a row
    // identical to the stored state changes nothing (campus-records.md, "State kinds").
    if kind.is_event() {
        v.push(Defect::Duplicate);
    }
    v
}

type Made = (Vec<String>, Option<Broken>, &'static str, &'static str);

/// The bad row for a defect, or `None` when the row cannot carry it.
fn make(f: Defect, row: &[&str], kind: &'static KindSpec, d: &Dirt, r: usize) -> Option<Made> {
    let mut cells: Vec<String> = row.iter().map(|s| s.to_string()).collect();
    if f == Defect::Duplicate {
        return Some((cells, None, "", "duplicate"));
    }
    if kind.key.len() == 1 {
        let k = kind.index_of(kind.key[0])?;
        cells[k] = format!("{}-x{r}", cells[k]);
    }
    let cols = kind.columns;
    let first = |p: &dyn Fn(usize) -> bool| (0..cols.len()).find(|i| p(*i));
    let (i, v, reason) = match f {
        Defect::Fields => return Some((cells, Some(Broken::Fields), "", "bad_row")),
        Defect::Encoding => {
            let i = first(&|i| cols[i].ty == ColType::Text)?;
            return Some((cells, Some(Broken::Encoding(i)), "", "bad_row"));
        }
        Defect::Missing => (cols.iter().rposition(|c| c.required)?, String::new(), "missing_required"),
        Defect::Enum => {
            let i = first(&|i| matches!(cols[i].ty, ColType::Enum(_)))?;
            (i, format!("{}X", row[i].to_uppercase()), "bad_enum")
        }
        Defect::Number => {
            let i = first(&|i| matches!(cols[i].ty, ColType::Int | ColType::Float | ColType::Money | ColType::Bool))?;
            let v = match cols[i].ty {
                ColType::Money => "12.345",
                ColType::Int => "1.5",
                ColType::Bool => "yes",
                _ => "n/a",
            };
            (i, v.to_string(), "bad_number")
        }
        Defect::Timestamp => {
            let i = first(&|i| matches!(cols[i].ty, ColType::Timestamp | ColType::Date | ColType::Term))?;
            let v = match cols[i].ty {
                ColType::Date => "2025-02-30",
                ColType::Term => "2025-2027-1",
                _ => "2025-09-31 10:00:00",
            };
            (i, v.to_string(), "bad_timestamp")
        }
        Defect::EndBefore => {
            let (s, e) = kind.end_after[0];
            let (s, e) = (kind.index_of(s)?, kind.index_of(e)?);
            if cols[s].ty == ColType::Date {
                let start = parse_date(row[s])?.pred_opt()?;
                (e, start.format("%Y-%m-%d").to_string(), "end_before_start")
            } else {
                let start = parse_timestamp(row[s], d.tz)?;
                (e, format_timestamp(start - 3_600_000_000, d.tz), "end_before_start")
            }
        }
        Defect::Amount => (first(&|i| cols[i].bound == Bound::PositiveAmount)?, "0.00".into(), "non_positive_amount"),
        Defect::Range => range(row, kind)?,
        Defect::Future => future(row, kind, d)?,
        Defect::Unknown => (kind.index_of("student_id")?, format!("V{:08}", 10_000_000 + r), "unknown_student"),
        Defect::Duplicate => return None,
    };
    cells[i] = v;
    Some((cells, None, cols[i].name, reason))
}

fn range(row: &[&str], kind: &KindSpec) -> Option<(usize, String, &'static str)> {
    if kind.name == "assessments" {
        let k = kind.index_of("kind")?;
        return (row[k] == "physical_fitness")
            .then(|| (kind.index_of("score").unwrap_or(0), "120".to_string(), "out_of_range"));
    }
    let i = kind.columns.iter().position(|c| !matches!(c.bound, Bound::None | Bound::PositiveAmount))?;
    let v = match kind.columns[i].bound {
        Bound::Range(_, hi) => format!("{}.5", hi as i64),
        Bound::AtLeast(lo) => format!("{}", lo as i64 - 1),
        _ => "0".to_string(),
    };
    Some((i, v, "out_of_range"))
}

/// The last event-time column that holds a value (or the last one) set past the clock.
fn future(row: &[&str], kind: &KindSpec, d: &Dirt) -> Option<(usize, String, &'static str)> {
    let times: Vec<usize> = (0..kind.columns.len()).filter(|i| kind.columns[*i].event_time).collect();
    let i = times.iter().rev().find(|i| !row[**i].is_empty()).or(times.last()).copied()?;
    let t = d.now + 5 * DAY_MICROS;
    let v = format_timestamp(t, d.tz);
    let v = if kind.columns[i].ty == ColType::Date { v[..10].to_string() } else { v };
    Some((i, v, "future_timestamp"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Mode, ALL_KINDS};

    fn reason(f: Defect) -> &'static str {
        match f {
            Defect::Fields | Defect::Encoding => "bad_row",
            Defect::Missing => "missing_required",
            Defect::Enum => "bad_enum",
            Defect::Number => "bad_number",
            Defect::Timestamp => "bad_timestamp",
            Defect::EndBefore => "end_before_start",
            Defect::Amount => "non_positive_amount",
            Defect::Range => "out_of_range",
            Defect::Future => "future_timestamp",
            Defect::Unknown => "unknown_student",
            Defect::Duplicate => "duplicate",
        }
    }

    #[test]
    fn every_reason_code_has_a_defect_and_duplicates_only_for_events() {
        let mut seen: Vec<&str> = ALL_KINDS.iter().flat_map(|k| defects(k, true)).map(reason).collect();
        seen.sort();
        seen.dedup();
        let mut want: Vec<&str> = crate::schema::Reason::ALL.iter().map(|r| r.code()).collect();
        want.push("duplicate");
        want.sort();
        assert_eq!(seen, want);
        for k in ALL_KINDS.iter() {
            assert_eq!(defects(k, true).contains(&Defect::Duplicate), k.mode != Mode::Dimension, "{}", k.name);
            assert!(!defects(k, false).contains(&Defect::Fields));
        }
    }

    #[test]
    fn a_defect_changes_one_cell_and_gives_the_key_a_fresh_value() {
        let Some(kind) = KindSpec::by_name("card_transactions") else { return };
        let row = ["T1", "S1", "2025-09-08 07:00:00", "5.00", "purchase", "canteen", "CT1-W01", "一食堂"];
        let d = Dirt { rate: 0.0, force: false, bad_rows: true, now: 0, tz: chrono_tz::Asia::Shanghai };
        let made = make(Defect::Amount, &row, kind, &d, 3);
        let Some((cells, broken, column, reason)) = made else { panic!("no row") };
        assert_eq!((column, reason, broken), ("amount", "non_positive_amount", None));
        assert_eq!(cells[0], "T1-x3");
        let changed = cells.iter().zip(row).skip(1).filter(|(a, b)| a.as_str() != *b).count();
        assert_eq!(changed, 1);
    }
}
