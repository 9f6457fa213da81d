//! Typed access to the columns of query results, whichever string or integer encoding
//! DataFusion hands back (`Utf8` or `Utf8View`, dictionary-free).

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Date32Type, Decimal128Type, Float64Type, Int64Type, TimestampMicrosecondType};

use super::FeatureError;

/// A string column.
pub enum Strs<'a> {
    /// `Utf8`.
    Plain(&'a arrow::array::StringArray),
    /// `Utf8View`.
    View(&'a arrow::array::StringViewArray),
    /// `LargeUtf8`.
    Large(&'a arrow::array::LargeStringArray),
}

impl Strs<'_> {
    /// Value at `i` (empty for null).
    pub fn get(&self, i: usize) -> &str {
        match self {
            Strs::Plain(a) => a.value(i),
            Strs::View(a) => a.value(i),
            Strs::Large(a) => a.value(i),
        }
    }

    /// Whether `i` is null.
    pub fn is_null(&self, i: usize) -> bool {
        match self {
            Strs::Plain(a) => a.is_null(i),
            Strs::View(a) => a.is_null(i),
            Strs::Large(a) => a.is_null(i),
        }
    }
}

fn col<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, FeatureError> {
    b.column_by_name(name).ok_or_else(|| FeatureError::Shape(format!("query result lacks column `{name}`")))
}

fn wrong(name: &str, a: &ArrayRef) -> FeatureError {
    FeatureError::Shape(format!("column `{name}` has unexpected type {}", a.data_type()))
}

/// A string column by name.
pub fn strs<'a>(b: &'a RecordBatch, name: &str) -> Result<Strs<'a>, FeatureError> {
    let a = col(b, name)?;
    match a.data_type() {
        DataType::Utf8 => Ok(Strs::Plain(a.as_string::<i32>())),
        DataType::Utf8View => Ok(Strs::View(a.as_string_view())),
        DataType::LargeUtf8 => Ok(Strs::Large(a.as_string::<i64>())),
        _ => Err(wrong(name, a)),
    }
}

/// A timestamp (µs) column by name.
pub fn micros<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a arrow::array::TimestampMicrosecondArray, FeatureError> {
    let a = col(b, name)?;
    a.as_primitive_opt::<TimestampMicrosecondType>().ok_or_else(|| wrong(name, a))
}

/// A decimal column by name.
pub fn decimals<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a arrow::array::Decimal128Array, FeatureError> {
    let a = col(b, name)?;
    a.as_primitive_opt::<Decimal128Type>().ok_or_else(|| wrong(name, a))
}

/// A float column by name.
pub fn floats<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a arrow::array::Float64Array, FeatureError> {
    let a = col(b, name)?;
    a.as_primitive_opt::<Float64Type>().ok_or_else(|| wrong(name, a))
}

/// An integer column by name.
pub fn ints<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a arrow::array::Int64Array, FeatureError> {
    let a = col(b, name)?;
    a.as_primitive_opt::<Int64Type>().ok_or_else(|| wrong(name, a))
}

/// A date column by name.
pub fn dates<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a arrow::array::Date32Array, FeatureError> {
    let a = col(b, name)?;
    a.as_primitive_opt::<Date32Type>().ok_or_else(|| wrong(name, a))
}

/// A boolean column by name.
pub fn bools<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a arrow::array::BooleanArray, FeatureError> {
    let a = col(b, name)?;
    a.as_boolean_opt().ok_or_else(|| wrong(name, a))
}
