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
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => {
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

fn timestamp_text(array: &ArrayRef, row: usize, zoned: bool, tz: Tz) -> Option<String> {
    let zone = if zoned { Some("UTC".into()) } else { None };
    let a = arrow::compute::cast(array, &DataType::Timestamp(TimeUnit::Microsecond, zone)).ok()?;
    let micros = a.as_primitive::<TimestampMicrosecondType>().value(row);
    if zoned {
        return Some(format_timestamp(micros, tz));
    }
    // A naive result (computed, not stored): shown as wall-clock time without offset.
    let s = format_timestamp(micros, chrono_tz::UTC);
    Some(s.trim_end_matches("+00:00").to_string())
}

/// One cell as JSON: numbers (decimals too) as numbers, null as `null`.
pub fn cell_json(array: &ArrayRef, row: usize, tz: Tz) -> Json {
    if array.is_null(row) {
        return Json::Null;
    }
    match array.data_type() {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => cell_text(array, row, tz)
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
                for r in 0..b.num_rows() {
                    w.write_record(b.columns().iter().map(|c| cell_text(c, r, tz).unwrap_or_default()))?;
                }
            }
            w.flush()
        }
        OutputFormat::Json | OutputFormat::Ndjson => write_json(out, &names, batches, format, tz),
        OutputFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY).set_header(&names);
            for b in batches {
                for r in 0..b.num_rows() {
                    t.add_row(b.columns().iter().map(|c| cell_text(c, r, tz).unwrap_or_default()));
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
        for r in 0..b.num_rows() {
            if array && !first {
                write!(out, ",")?;
            }
            first = false;
            // Objects are written by hand to keep the columns' order.
            write!(out, "{{")?;
            for (i, c) in b.columns().iter().enumerate() {
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
