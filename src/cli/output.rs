//! Rendering query results in the formats of interfaces.md: `table`, `csv`, `json`,
//! `ndjson`. Timestamps in the campus zone (RFC 3339, fraction only when not zero),
//! dates `YYYY-MM-DD`, decimals as stored, floats in shortest round-trip form, null as an
//! empty cell (csv, table) or `null` (json).

use std::io::Write;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampMicrosecondType};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono_tz::Tz;
use serde_json::Value as Json;

use super::args::OutputFormat;
use crate::schema::time::{days_to_date, format_timestamp};

/// One cell as text; `None` for null.
pub fn cell_text(array: &ArrayRef, row: usize, tz: Tz) -> Option<String> {
    if array.is_null(row) {
        return None;
    }
    Some(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(row).to_string(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).to_string(),
        DataType::Utf8View => array.as_string_view().value(row).to_string(),
        DataType::Float64 => float_text(array.as_primitive::<arrow::datatypes::Float64Type>().value(row)),
        DataType::Float32 => float_text(f64::from(array.as_primitive::<arrow::datatypes::Float32Type>().value(row))),
        DataType::Decimal128(_, _) => array.as_primitive::<arrow::datatypes::Decimal128Type>().value_as_string(row),
        DataType::Boolean => array.as_boolean().value(row).to_string(),
        DataType::Date32 => days_to_date(array.as_primitive::<arrow::datatypes::Date32Type>().value(row)).to_string(),
        DataType::Timestamp(_, zone) => timestamp_text(array, row, zone.is_some(), tz)?,
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::UInt64 => array.as_primitive::<arrow::datatypes::UInt64Type>().value(row).to_string(),
        t if is_integer(t) => {
            // Not reached through write_batches, which widens integers once per batch.
            let a = arrow::compute::cast(array, &DataType::Int64).ok()?;
            a.as_primitive::<Int64Type>().value(row).to_string()
        }
        _ => {
            let f = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default()).ok()?;
            f.value(row).to_string()
        }
    })
}

fn float_text(v: f64) -> String {
    // Rust's Display for f64 is the shortest text that reads back to the same value.
    if v.is_finite() {
        format!("{v}")
    } else if v.is_nan() {
        "NaN".into()
    } else if v > 0.0 {
        "inf".into()
    } else {
        "-inf".into()
    }
}

fn is_integer(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

/// The type a column is rendered from: integers widened to 64 bits, timestamps in
/// microseconds, so that each cell is read directly rather than cast per cell.
fn render_type(t: &DataType) -> Option<DataType> {
    match t {
        DataType::Timestamp(TimeUnit::Microsecond, _) | DataType::Int64 | DataType::UInt64 => None,
        DataType::Timestamp(_, zone) => Some(DataType::Timestamp(TimeUnit::Microsecond, zone.clone())),
        t if is_integer(t) => Some(DataType::Int64),
        _ => None,
    }
}

/// A batch's columns, cast once to their render types.
fn render_columns(batch: &RecordBatch) -> Vec<ArrayRef> {
    batch
        .columns()
        .iter()
        .map(|c| match render_type(c.data_type()) {
            Some(t) => arrow::compute::cast(c, &t).unwrap_or_else(|_| c.clone()),
            None => c.clone(),
        })
        .collect()
}

fn timestamp_text(array: &ArrayRef, row: usize, zoned: bool, tz: Tz) -> Option<String> {
    let micros = match array.as_primitive_opt::<TimestampMicrosecondType>() {
        Some(a) => a.value(row),
        None => {
            let zone = array_zone(array);
            let a = arrow::compute::cast(array, &DataType::Timestamp(TimeUnit::Microsecond, zone)).ok()?;
            a.as_primitive::<TimestampMicrosecondType>().value(row)
        }
    };
    if zoned {
        return Some(format_timestamp(micros, tz));
    }
    // A naive result (computed, not stored): shown as wall-clock time without offset.
    let s = format_timestamp(micros, chrono_tz::UTC);
    Some(s.trim_end_matches("+00:00").to_string())
}

fn array_zone(array: &ArrayRef) -> Option<std::sync::Arc<str>> {
    match array.data_type() {
        DataType::Timestamp(_, zone) => zone.clone(),
        _ => None,
    }
}

/// One cell as JSON: numbers (decimals too) as numbers, null as `null`.
pub fn cell_json(array: &ArrayRef, row: usize, tz: Tz) -> Json {
    if array.is_null(row) {
        return Json::Null;
    }
    match array.data_type() {
        t if is_integer(t) => cell_text(array, row, tz)
            .and_then(|s| s.parse::<i128>().ok())
            .and_then(|v| i64::try_from(v).ok().map(Json::from).or_else(|| u64::try_from(v).ok().map(Json::from)))
            .unwrap_or(Json::Null),
        DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(_, _)
        | DataType::Decimal256(_, _) => cell_text(array, row, tz)
            .and_then(|s| s.parse::<f64>().ok())
            .and_then(serde_json::Number::from_f64)
            .map_or(Json::Null, Json::Number),
        DataType::Boolean => Json::Bool(array.as_boolean().value(row)),
        _ => cell_text(array, row, tz).map_or(Json::Null, Json::String),
    }
}

/// Writes batches to `out` in `format`.
pub fn write_batches(
    out: &mut dyn Write,
    batches: &[RecordBatch],
    format: OutputFormat,
    tz: Tz,
) -> std::io::Result<()> {
    let Some(first) = batches.first() else {
        return write_empty(out, format);
    };
    let names: Vec<String> = first.schema().fields().iter().map(|f| f.name().clone()).collect();
    match format {
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(&names)?;
            for b in batches {
                let cols = render_columns(b);
                for r in 0..b.num_rows() {
                    w.write_record(cols.iter().map(|c| cell_text(c, r, tz).unwrap_or_default()))?;
                }
            }
            w.flush()
        }
        OutputFormat::Json | OutputFormat::Ndjson => write_json(out, &names, batches, format, tz),
        OutputFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY).set_header(&names);
            for b in batches {
                let cols = render_columns(b);
                for r in 0..b.num_rows() {
                    t.add_row(cols.iter().map(|c| cell_text(c, r, tz).unwrap_or_default()));
                }
            }
            writeln!(out, "{t}")
        }
    }
}

fn write_empty(out: &mut dyn Write, format: OutputFormat) -> std::io::Result<()> {
    match format {
        OutputFormat::Json => writeln!(out, "[]"),
        _ => Ok(()),
    }
}

fn write_json(
    out: &mut dyn Write,
    names: &[String],
    batches: &[RecordBatch],
    format: OutputFormat,
    tz: Tz,
) -> std::io::Result<()> {
    let keys: Vec<String> = names.iter().map(|n| Json::String(n.clone()).to_string()).collect();
    let array = format == OutputFormat::Json;
    if array {
        write!(out, "[")?;
    }
    let mut first = true;
    for b in batches {
        let cols = render_columns(b);
        for r in 0..b.num_rows() {
            if array && !first {
                write!(out, ",")?;
            }
            first = false;
            // Objects are written by hand to keep the columns' order.
            write!(out, "{{")?;
            for (i, c) in cols.iter().enumerate() {
                let sep = if i > 0 { "," } else { "" };
                write!(out, "{sep}{}:{}", keys[i], cell_json(c, r, tz))?;
            }
            write!(out, "}}")?;
            if !array {
                writeln!(out)?;
            }
        }
    }
    if array {
        writeln!(out, "]")?;
    }
    Ok(())
}
