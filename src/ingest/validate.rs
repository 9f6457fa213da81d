//! The contract's row checks, in its order: parse (missing, enum, number, timestamp),
//! `end_before_start`, amount, range, future, unknown student.

use chrono_tz::Tz;

use super::record::Record;
use crate::schema::time::{Micros, DAY_MICROS};
use crate::schema::value::{check_bound, parse_cell, Value};
use crate::schema::{Bound, KindSpec, Reason};
use crate::store::{hash_key, KeyHash, KeySet};

/// Why a row is set aside: the reason and the contract column index (none for `bad_row`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reject {
    /// Reason code.
    pub reason: Reason,
    /// Contract column index.
    pub column: Option<usize>,
}

/// Checks rows of one kind against the contract.
pub struct Validator<'a> {
    kind: &'static KindSpec,
    tz: Tz,
    /// Latest allowed event time: the clock plus one day.
    future_limit: Micros,
    /// Known student ids (hashed); consulted for event kinds.
    students: &'a KeySet,
    end_after: Vec<(usize, usize)>,
    student_col: Option<usize>,
    fitness_score: Option<(usize, usize)>,
}

impl<'a> Validator<'a> {
    /// A validator for `kind` with the ingest clock `now`.
    pub fn new(kind: &'static KindSpec, tz: Tz, now: Micros, students: &'a KeySet) -> Self {
        let idx = |n: &str| kind.index_of(n);
        let end_after = kind.end_after.iter().filter_map(|(s, e)| Some((idx(s)?, idx(e)?))).collect();
        let fitness_score = (kind.name == "assessments").then(|| Some((idx("kind")?, idx("score")?))).flatten();
        Validator {
            kind,
            tz,
            future_limit: now.saturating_add(DAY_MICROS),
            students,
            end_after,
            student_col: if kind.is_event() { idx("student_id") } else { None },
            fitness_score,
        }
    }

    /// Checks a record; on success `out` holds one value per contract column.
    pub fn check<'r>(&self, rec: &'r Record, out: &mut Vec<Value<'r>>) -> Result<(), Reject> {
        out.clear();
        if rec.bad.is_some() {
            return Err(Reject { reason: Reason::BadRow, column: None });
        }
        let mut worst: Option<Reject> = None;
        for (i, col) in self.kind.columns.iter().enumerate() {
            match parse_cell(rec.cell(i), col, self.tz) {
                Ok(v) => out.push(v),
                Err(reason) => {
                    out.push(Value::Null);
                    // Columns are visited in contract order, so `<` keeps the first column.
                    if worst.is_none_or(|w| reason < w.reason) {
                        worst = Some(Reject { reason, column: Some(i) });
                    }
                }
            }
        }
        if let Some(w) = worst {
            return Err(w);
        }
        self.check_parsed(out)
    }

    fn check_parsed(&self, vals: &[Value<'_>]) -> Result<(), Reject> {
        let reject = |reason, i| Err(Reject { reason, column: Some(i) });
        for &(s, e) in &self.end_after {
            if let (Some(start), Some(end)) = (vals[s].as_instant(self.tz), vals[e].as_instant(self.tz)) {
                if end < start {
                    return reject(Reason::EndBeforeStart, e);
                }
            }
        }
        for reason in [Reason::NonPositiveAmount, Reason::OutOfRange] {
            for (i, col) in self.kind.columns.iter().enumerate() {
                if check_bound(&vals[i], col.bound) == Some(reason) || self.fitness_out_of_range(vals, i, reason) {
                    return reject(reason, i);
                }
            }
        }
        if self.kind.is_event() {
            for (i, col) in self.kind.columns.iter().enumerate() {
                if col.event_time && vals[i].as_instant(self.tz).is_some_and(|t| t > self.future_limit) {
                    return reject(Reason::FutureTimestamp, i);
                }
            }
        }
        if let Some(i) = self.student_col {
            if let Value::Text(id) = vals[i] {
                if !self.students.contains(&hash_key([id.as_bytes()])) {
                    return reject(Reason::UnknownStudent, i);
                }
            }
        }
        Ok(())
    }

    /// physical_fitness scores are 0–100; psych_screening scores are unbounded.
    fn fitness_out_of_range(&self, vals: &[Value<'_>], i: usize, reason: Reason) -> bool {
        match self.fitness_score {
            Some((k, s)) if s == i && reason == Reason::OutOfRange => {
                vals[k] == Value::Text("physical_fitness") && check_bound(&vals[s], Bound::Range(0.0, 100.0)).is_some()
            }
            _ => false,
        }
    }
}

/// The idempotency key of a checked row: the hash of the key's canonical texts.
pub fn key_of(key_idx: &[usize], vals: &[Value<'_>]) -> KeyHash {
    if key_idx.iter().all(|&i| matches!(vals[i], Value::Text(_))) {
        return hash_key(key_idx.iter().map(|&i| match vals[i] {
            Value::Text(s) => s.as_bytes(),
            _ => b"",
        }));
    }
    let texts = key_texts(key_idx, vals);
    hash_key(texts.iter().map(|s| s.as_bytes()))
}

/// The key's values as text, in contract order.
pub fn key_texts(key_idx: &[usize], vals: &[Value<'_>]) -> Vec<String> {
    key_idx
        .iter()
        .map(|&i| match vals[i] {
            Value::Text(s) => s.to_string(),
            Value::Int(v) => v.to_string(),
            // As the store's Date32 → Utf8 cast spells it, so both sides hash alike (calendar).
            Value::Date(d) => crate::schema::time::days_to_date(d).format("%Y-%m-%d").to_string(),
            _ => String::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_key_hashes_as_the_stored_date_text() {
        // calendar: (start_date, kind); the store hashes its Date32 column cast to text.
        let day = crate::schema::time::parse_date("2025-10-01").map(crate::schema::time::date_to_days).unwrap_or(0);
        let vals = [Value::Date(day), Value::Date(day + 6), Value::Text("holiday"), Value::Null, Value::Null];
        assert_eq!(key_of(&[0, 2], &vals), hash_key([b"2025-10-01" as &[u8], b"holiday"]));
    }
}
