//! The campus-records contract (`spec/campus-records.md`) as data: the only place in the
//! code where a record kind, a column name, a type, an enum's values, a key or a
//! sensitivity is spelled.

mod kinds;
pub mod time;
pub mod value;

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

pub use kinds::ALL_KINDS;

/// How a column's text is read and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// Free text or an identifier (leading zeros kept).
    Text,
    /// One of a fixed list of values, case-sensitive.
    Enum(&'static [&'static str]),
    /// 64-bit integer.
    Int,
    /// Non-integer number stored as a 64-bit float.
    Float,
    /// Yuan with at most two decimals, stored as decimal(18,2).
    Money,
    /// `true`/`false`/`1`/`0`, any case.
    Bool,
    /// An instant; stored as UTC microseconds.
    Timestamp,
    /// A calendar date.
    Date,
    /// A term name `YYYY-YYYY-N`, stored as text.
    Term,
}

/// Who may see a column and what it may be used for. Every class but `Normal` is blanked
/// in quarantine `raw`: a set-aside row is fixed from its ids and its ordinary cells, and
/// the people who read the quarantine are not the people cleared to read these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    /// Ordinary data.
    Normal,
    /// Personal data (names, free text): blanked in quarantine `raw`, never in logs.
    Personal,
    /// Protected attribute: never a model input; fairness reports only. Blanked in `raw`
    /// too: gender is not needed to fix a row.
    Protected,
    /// Sensitive attribute (political status, aid, home province, screening results):
    /// never a model input, blanked in `raw`.
    Sensitive,
}

impl Sensitivity {
    /// Whether quarantine `raw` blanks a column of this class.
    pub fn blanked_in_raw(self) -> bool {
        self != Sensitivity::Normal
    }
}

/// A range rule checked after a value parses (the contract's `out_of_range` and
/// `non_positive_amount`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// No range rule.
    None,
    /// `value > 0`, reported as `non_positive_amount`.
    PositiveAmount,
    /// `value > 0`, reported as `out_of_range`.
    Positive,
    /// `lo <= value <= hi`, reported as `out_of_range`.
    Range(f64, f64),
    /// `value >= lo`, reported as `out_of_range`.
    AtLeast(f64),
}

/// One column of a record kind.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Contract column name.
    pub name: &'static str,
    /// Parse and storage type.
    pub ty: ColType,
    /// Required: empty is `missing_required`.
    pub required: bool,
    /// Access class.
    pub sensitivity: Sensitivity,
    /// Range rule.
    pub bound: Bound,
    /// Whether the future-timestamp check applies (event timestamps except `due_at`).
    pub event_time: bool,
}

/// How rows of a kind are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Upserted by key; a key missing from a newer file is kept.
    Dimension,
    /// Append-only; the key is the idempotency key and a repeat is a duplicate.
    Event,
    /// A state kind: an event kind whose rows replace the stored row with the same key
    /// (coursework, library loans, grades, participation).
    UpsertEvent,
}

/// A record kind of the contract.
#[derive(Debug)]
pub struct KindSpec {
    /// Kind name = store table name = file stem prefix.
    pub name: &'static str,
    /// Storage mode.
    pub mode: Mode,
    /// Columns in contract order.
    pub columns: &'static [Column],
    /// Key column names in contract order.
    pub key: &'static [&'static str],
    /// `(start, end)` column pairs for `end_before_start`.
    pub end_after: &'static [(&'static str, &'static str)],
}

impl KindSpec {
    /// Looks a kind up by name.
    pub fn by_name(name: &str) -> Option<&'static KindSpec> {
        ALL_KINDS.iter().copied().find(|k| k.name == name)
    }

    /// Whether this kind is an event kind (student-bound, future-checked).
    pub fn is_event(&self) -> bool {
        self.mode != Mode::Dimension
    }

    /// Whether the kind's times make up the data set's span and say which term has data
    /// (features.md: every event kind but `leave_requests`, whose times are plans).
    pub fn in_span(&self) -> bool {
        self.is_event() && self.name != "leave_requests"
    }

    /// Whether a repeated key replaces the stored row.
    pub fn upserts(&self) -> bool {
        self.mode != Mode::Event
    }

    /// Index of a column by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Indices of the key columns, in contract order.
    pub fn key_indices(&self) -> Vec<usize> {
        self.key.iter().filter_map(|k| self.index_of(k)).collect()
    }

    /// The Arrow schema of the stored table.
    pub fn arrow_schema(&self) -> SchemaRef {
        let fields: Vec<Field> =
            self.columns.iter().map(|c| Field::new(c.name, arrow_type(c.ty), !c.required)).collect();
        Arc::new(Schema::new(fields))
    }
}

/// The stored Arrow type of a column type (interfaces.md, "Stored types").
pub fn arrow_type(ty: ColType) -> DataType {
    match ty {
        ColType::Text | ColType::Enum(_) | ColType::Term => DataType::Utf8,
        ColType::Int => DataType::Int64,
        ColType::Float => DataType::Float64,
        ColType::Money => DataType::Decimal128(18, 2),
        ColType::Bool => DataType::Boolean,
        ColType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        ColType::Date => DataType::Date32,
    }
}

/// The reason codes of the contract, in the order rows are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// Unreadable row.
    BadRow,
    /// Required value empty.
    MissingRequired,
    /// Value outside the listed values.
    BadEnum,
    /// Number, integer or boolean that does not parse.
    BadNumber,
    /// Timestamp, date or term that does not parse or exist.
    BadTimestamp,
    /// End before start.
    EndBeforeStart,
    /// Card amount ≤ 0.
    NonPositiveAmount,
    /// Value outside its range.
    OutOfRange,
    /// Event time more than a day after the clock.
    FutureTimestamp,
    /// Event of a student not in `students`.
    UnknownStudent,
}

impl Reason {
    /// Every reason, in check order.
    pub const ALL: [Reason; 10] = [
        Reason::BadRow,
        Reason::MissingRequired,
        Reason::BadEnum,
        Reason::BadNumber,
        Reason::BadTimestamp,
        Reason::EndBeforeStart,
        Reason::NonPositiveAmount,
        Reason::OutOfRange,
        Reason::FutureTimestamp,
        Reason::UnknownStudent,
    ];

    /// The contract's reason code.
    pub fn code(self) -> &'static str {
        match self {
            Reason::BadRow => "bad_row",
            Reason::MissingRequired => "missing_required",
            Reason::BadEnum => "bad_enum",
            Reason::BadNumber => "bad_number",
            Reason::BadTimestamp => "bad_timestamp",
            Reason::EndBeforeStart => "end_before_start",
            Reason::NonPositiveAmount => "non_positive_amount",
            Reason::OutOfRange => "out_of_range",
            Reason::FutureTimestamp => "future_timestamp",
            Reason::UnknownStudent => "unknown_student",
        }
    }

    /// Parses a reason code.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// The `students` kind (the only required source).
pub fn students() -> &'static KindSpec {
    &kinds::STUDENTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_column_exists_and_is_required() {
        for kind in ALL_KINDS {
            assert_eq!(kind.key_indices().len(), kind.key.len(), "{}", kind.name);
            for k in kind.key {
                let c = &kind.columns[kind.index_of(k).unwrap()];
                assert!(c.required, "{}.{}", kind.name, k);
            }
            for (s, e) in kind.end_after {
                assert!(kind.index_of(s).is_some() && kind.index_of(e).is_some());
            }
        }
    }

    #[test]
    fn eighteen_kinds_with_unique_names() {
        let mut names: Vec<_> = ALL_KINDS.iter().map(|k| k.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 18);
    }

    #[test]
    fn reason_codes_round_trip() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r.code()), Some(r));
        }
    }
}
