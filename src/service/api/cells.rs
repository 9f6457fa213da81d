//! Query results as JSON for the API and the pages: timestamps in the campus zone
//! (RFC 3339, as interfaces.md prints them), dates `YYYY-MM-DD`, numbers as numbers,
//! null as `null`.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, TimeUnit};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono_tz::Tz;
use serde_json::Value as Json;

use crate::schema::time::{days_to_date, format_timestamp};

/// One column of a batch as JSON values.
pub fn column_json(array: &ArrayRef, tz: Tz) -> Vec<Json> {
    let n = array.len();
    let cast = |t: DataType| arrow::compute::cast(array, &t).ok();
    match array.data_type() {
        DataType::Boolean => {
            let a = array.as_boolean();
            (0..n).map(|i| if a.is_null(i) { Json::Null } else { Json::Bool(a.value(i)) }).collect()
        }
        t if t.is_integer() => match cast(DataType::Int64) {
            Some(a) => {
                let a = a.as_primitive::<arrow::datatypes::Int64Type>();
                (0..n).map(|i| if a.is_null(i) { Json::Null } else { Json::from(a.value(i)) }).collect()
            }
            None => text(array),
        },
        t if t.is_floating() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) => {
            match cast(DataType::Float64) {
                Some(a) => {
                    let a = a.as_primitive::<arrow::datatypes::Float64Type>();
                    (0..n)
                        .map(|i| {
                            let v = (!a.is_null(i)).then(|| a.value(i));
                            v.and_then(serde_json::Number::from_f64).map_or(Json::Null, Json::Number)
                        })
                        .collect()
                }
                None => text(array),
            }
        }
        DataType::Date32 => {
            let a = array.as_primitive::<arrow::datatypes::Date32Type>();
            (0..n)
                .map(|i| if a.is_null(i) { Json::Null } else { Json::from(days_to_date(a.value(i)).to_string()) })
                .collect()
        }
        DataType::Timestamp(_, zone) => {
            let zoned = zone.is_some();
            match cast(DataType::Timestamp(TimeUnit::Microsecond, zone.clone())) {
                Some(a) => {
                    let a = a.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
                    (0..n)
                        .map(|i| {
                            if a.is_null(i) {
                                return Json::Null;
                            }
                            let t = a.value(i);
                            // A naive (computed) timestamp is wall-clock time without an offset.
                            let s = if zoned {
                                format_timestamp(t, tz)
                            } else {
                                format_timestamp(t, chrono_tz::UTC).trim_end_matches("+00:00").to_string()
                            };
                            Json::from(s)
                        })
                        .collect()
                }
                None => text(array),
            }
        }
        _ => text(array),
    }
}

/// Any column as display text.
fn text(array: &ArrayRef) -> Vec<Json> {
    let n = array.len();
    if let Some(a) = arrow::compute::cast(array, &DataType::Utf8).ok() {
        let a = a.as_string::<i32>();
        return (0..n).map(|i| if a.is_null(i) { Json::Null } else { Json::from(a.value(i)) }).collect();
    }
    match ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default()) {
        Ok(f) => {
            (0..n).map(|i| if array.is_null(i) { Json::Null } else { Json::from(f.value(i).to_string()) }).collect()
        }
        Err(_) => vec![Json::Null; n],
    }
}

/// Batches as column names and rows of JSON values.
pub fn rows_json(schema: &arrow::datatypes::Schema, batches: &[RecordBatch], tz: Tz) -> (Vec<String>, Vec<Vec<Json>>) {
    let columns = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut rows = Vec::new();
    for b in batches {
        let cols: Vec<Vec<Json>> = b.columns().iter().map(|c| column_json(c, tz)).collect();
        for i in 0..b.num_rows() {
            rows.push(cols.iter().map(|c| c.get(i).cloned().unwrap_or(Json::Null)).collect());
        }
    }
    (columns, rows)
}

/// Batches as JSON objects keyed by column name.
pub fn objects_json(batches: &[RecordBatch], tz: Tz) -> Vec<serde_json::Map<String, Json>> {
    let Some(first) = batches.first() else { return Vec::new() };
    let (columns, rows) = rows_json(first.schema().as_ref(), batches, tz);
    rows.into_iter().map(|r| columns.iter().cloned().zip(r).collect()).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Date32Array, Float64Array, Int32Array, StringArray, TimestampMicrosecondArray};
    use arrow::datatypes::{Field, Schema};

    use super::*;

    #[test]
    fn values_keep_their_json_types_and_timestamps_their_zone() {
        let tz: Tz = "Asia/Shanghai".parse().expect("tz");
        let schema = Arc::new(Schema::new(vec![
            Field::new("i", DataType::Int32, true),
            Field::new("f", DataType::Float64, true),
            Field::new("s", DataType::Utf8, true),
            Field::new("d", DataType::Date32, true),
            Field::new("t", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
        ]));
        let b = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int32Array::from(vec![Some(7), None])),
                Arc::new(Float64Array::from(vec![Some(0.5), Some(f64::NAN)])),
                Arc::new(StringArray::from(vec![Some("x"), None])),
                Arc::new(Date32Array::from(vec![Some(0), None])),
                Arc::new(TimestampMicrosecondArray::from(vec![Some(0), None]).with_timezone("UTC")),
            ],
        )
        .expect("batch");
        let (cols, rows) = rows_json(&schema, &[b], tz);
        assert_eq!(cols, ["i", "f", "s", "d", "t"]);
        assert_eq!(
            rows[0],
            vec![
                Json::from(7),
                Json::from(0.5),
                Json::from("x"),
                Json::from("1970-01-01"),
                Json::from("1970-01-01T08:00:00+08:00")
            ]
        );
        assert_eq!(rows[1], vec![Json::Null; 5]);
    }
}
