//! Warnings as an Arrow batch (for `--format table|csv|json|ndjson` and the `warnings`
//! table of `radar sql`) and as an xlsx workbook, because counsellors live in spreadsheets.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use rust_xlsxwriter::{Color, Format, Workbook};

use super::db::WarningRow;
use super::WarningError;
use crate::schema::time::format_timestamp;

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The export schema: interfaces.md columns first, then extras; `name` after
/// `student_id` only when asked for.
pub fn schema(with_names: bool) -> SchemaRef {
    let mut f = vec![Field::new("warning_id", DataType::Utf8, false), Field::new("student_id", DataType::Utf8, false)];
    if with_names {
        f.push(Field::new("name", DataType::Utf8, true));
    }
    f.extend([
        Field::new("counsellor_id", DataType::Utf8, false),
        Field::new("category", DataType::Utf8, false),
        Field::new("level", DataType::Utf8, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("created_at", ts_type(), false),
        Field::new("updated_at", ts_type(), false),
        Field::new("rule", DataType::Utf8, false),
        Field::new("reason_zh", DataType::Utf8, false),
        Field::new("reason_en", DataType::Utf8, false),
        Field::new("evidence", DataType::Utf8, false),
        Field::new("college", DataType::Utf8, false),
        Field::new("priority", DataType::Float64, false),
        Field::new("max_level", DataType::Utf8, false),
        Field::new("active", DataType::Boolean, false),
        Field::new("closed_at", ts_type(), true),
        Field::new("rules_version", DataType::Utf8, false),
    ]);
    Arc::new(Schema::new(f))
}

/// Rows as one batch; `names` maps student ids to names when `--with-names`.
pub fn batch(rows: &[WarningRow], names: Option<&HashMap<String, String>>) -> Result<RecordBatch, WarningError> {
    let s = |f: fn(&WarningRow) -> &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(rows.iter().map(f))) };
    let t = |f: fn(&WarningRow) -> i64| -> ArrayRef {
        Arc::new(TimestampMicrosecondArray::from_iter_values(rows.iter().map(f)).with_timezone("UTC"))
    };
    let mut cols: Vec<ArrayRef> = vec![s(|r| &r.warning_id), s(|r| &r.student_id)];
    if let Some(n) = names {
        cols.push(Arc::new(StringArray::from(
            rows.iter().map(|r| n.get(&r.student_id).map(String::as_str)).collect::<Vec<_>>(),
        )));
    }
    cols.extend([
        s(|r| &r.counsellor_id),
        s(|r| &r.category),
        s(|r| &r.level),
        s(|r| &r.status),
        t(|r| r.created_at),
        t(|r| r.updated_at),
        s(|r| &r.rule),
        s(|r| &r.reason_zh),
        s(|r| &r.reason_en),
        s(|r| &r.evidence),
        s(|r| &r.college),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| (r.priority * 1000.0).round() / 1000.0))),
        s(|r| &r.max_level),
        Arc::new(BooleanArray::from(rows.iter().map(|r| r.active).collect::<Vec<_>>())),
        Arc::new(
            TimestampMicrosecondArray::from(rows.iter().map(|r| r.closed_at).collect::<Vec<_>>()).with_timezone("UTC"),
        ),
        s(|r| &r.rules_version),
    ]);
    Ok(RecordBatch::try_new(schema(names.is_some()), cols)?)
}

fn level_fill(level: &str) -> Option<Color> {
    match level {
        "red" => Some(Color::RGB(0xF4_B0_B0)),
        "orange" => Some(Color::RGB(0xF8_D0_A0)),
        "yellow" => Some(Color::RGB(0xFF_F2_A8)),
        _ => None,
    }
}

/// An xlsx workbook of the rows (one sheet `warnings`, header row frozen, filters on,
/// level cells coloured); timestamps as RFC 3339 text in the campus zone, like the CSV.
pub fn xlsx(
    rows: &[WarningRow],
    names: Option<&HashMap<String, String>>,
    tz: chrono_tz::Tz,
) -> Result<Vec<u8>, WarningError> {
    let e = |x: rust_xlsxwriter::XlsxError| WarningError::Export(x.to_string());
    let schema = schema(names.is_some());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("warnings").map_err(e)?;
    let bold = Format::new().set_bold();
    for (c, f) in schema.fields().iter().enumerate() {
        ws.write_string_with_format(0, c as u16, f.name(), &bold).map_err(e)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let mut cells: Vec<String> = vec![r.warning_id.clone(), r.student_id.clone()];
        if let Some(n) = names {
            cells.push(n.get(&r.student_id).cloned().unwrap_or_default());
        }
        cells.extend([
            r.counsellor_id.clone(),
            r.category.clone(),
            r.level.clone(),
            r.status.clone(),
            format_timestamp(r.created_at, tz),
            format_timestamp(r.updated_at, tz),
            r.rule.clone(),
            r.reason_zh.clone(),
            r.reason_en.clone(),
            r.evidence.clone(),
            r.college.clone(),
        ]);
        for (c, v) in cells.iter().enumerate() {
            let name = schema.field(c).name();
            match level_fill(v).filter(|_| name == "level") {
                Some(color) => {
                    ws.write_string_with_format(row, c as u16, v, &Format::new().set_background_color(color))
                }
                None => ws.write_string(row, c as u16, v),
            }
            .map_err(e)?;
        }
        let mut c = cells.len() as u16;
        ws.write_number(row, c, (r.priority * 1000.0).round() / 1000.0).map_err(e)?;
        c += 1;
        ws.write_string(row, c, &r.max_level).map_err(e)?;
        ws.write_boolean(row, c + 1, r.active).map_err(e)?;
        if let Some(t) = r.closed_at {
            ws.write_string(row, c + 2, format_timestamp(t, tz)).map_err(e)?;
        }
        ws.write_string(row, c + 3, &r.rules_version).map_err(e)?;
    }
    let last_col = schema.fields().len() as u16 - 1;
    ws.set_freeze_panes(1, 0).map_err(e)?;
    ws.autofilter(0, 0, rows.len() as u32, last_col).map_err(e)?;
    for (c, f) in schema.fields().iter().enumerate() {
        let w = match f.name().as_str() {
            "reason_zh" | "reason_en" => 48.0,
            "evidence" => 60.0,
            "created_at" | "updated_at" | "closed_at" => 26.0,
            "rule" => 30.0,
            _ => 14.0,
        };
        ws.set_column_width(c as u16, w).map_err(e)?;
    }
    wb.save_to_buffer().map_err(e)
}
