//! Rows → bytes (CSV, NDJSON) or an Arrow batch (Parquet), including the rows that are
//! unreadable on purpose (`--dirty` `bad_row`).

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::rows::{Broken, Rows};
use super::OutFormat;
use crate::schema::{ColType, KindSpec};

/// Bytes that are not UTF-8 ("测试" in GBK): the cell of an `Encoding` defect.
const NOT_UTF8: &[u8] = b"\xB2\xE2\xCA\xD4";

/// One block of one kind, ready to write.
pub enum Chunk {
    /// CSV or NDJSON text.
    Bytes(Vec<u8>),
    /// A Parquet row group's worth of rows.
    Batch(RecordBatch),
    /// Arrow refused the batch (a bug: the schema is built from the same columns).
    Failed(String),
}

/// Encodes rows in a format.
pub fn encode(rows: &Rows, kind: &KindSpec, format: OutFormat) -> Chunk {
    match format {
        OutFormat::Csv => Chunk::Bytes(csv(rows)),
        OutFormat::Ndjson => Chunk::Bytes(ndjson(rows, kind)),
        OutFormat::Parquet => batch(rows, kind).map_or_else(|e| Chunk::Failed(e.to_string()), Chunk::Batch),
    }
}

/// The CSV header line of a kind.
pub fn csv_header(kind: &KindSpec) -> Vec<u8> {
    let names: Vec<&str> = kind.columns.iter().map(|c| c.name).collect();
    format!("{}\n", names.join(",")).into_bytes()
}

fn broken_of(rows: &Rows) -> Vec<Option<Broken>> {
    let mut v = vec![None; rows.len()];
    for (r, b) in &rows.broken {
        if let Some(x) = v.get_mut(*r) {
            *x = Some(*b);
        }
    }
    v
}

/// CSV rows; a cell with `,`, `"` or a line break is quoted (RFC 4180).
pub fn csv(rows: &Rows) -> Vec<u8> {
    let broken = broken_of(rows);
    let mut out = Vec::with_capacity(rows.len() * 96);
    for (r, b) in broken.iter().enumerate() {
        let width = if *b == Some(Broken::Fields) { rows.width - 1 } else { rows.width };
        for c in 0..width {
            if c > 0 {
                out.push(b',');
            }
            let v = rows.cell(r, c);
            if v.bytes().any(|x| matches!(x, b',' | b'"' | b'\n' | b'\r')) {
                out.push(b'"');
                out.extend_from_slice(v.replace('"', "\"\"").as_bytes());
                out.push(b'"');
            } else {
                out.extend_from_slice(v.as_bytes());
            }
            if *b == Some(Broken::Encoding(c)) {
                out.extend_from_slice(NOT_UTF8);
            }
        }
        out.push(b'\n');
    }
    out
}

/// NDJSON rows: numbers and booleans as JSON values when they are valid ones, everything
/// else as strings, empty cells as `null`.
pub fn ndjson(rows: &Rows, kind: &KindSpec) -> Vec<u8> {
    let broken = broken_of(rows);
    let mut out = Vec::with_capacity(rows.len() * 160);
    for (r, b) in broken.iter().enumerate() {
        out.push(b'{');
        for (c, col) in kind.columns.iter().enumerate() {
            if c > 0 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(col.name.as_bytes());
            out.extend_from_slice(b"\":");
            let v = rows.cell(r, c);
            if *b == Some(Broken::Encoding(c)) {
                out.push(b'"');
                json_escape(&mut out, v);
                out.extend_from_slice(NOT_UTF8);
                out.push(b'"');
            } else if v.is_empty() {
                out.extend_from_slice(b"null");
            } else if bare(col.ty, v) {
                out.extend_from_slice(v.as_bytes());
            } else {
                out.push(b'"');
                json_escape(&mut out, v);
                out.push(b'"');
            }
        }
        if *b != Some(Broken::Fields) {
            out.push(b'}');
        }
        out.push(b'\n');
    }
    out
}

/// Whether a cell can be written as a bare JSON number or boolean.
fn bare(ty: ColType, v: &str) -> bool {
    match ty {
        ColType::Int | ColType::Float | ColType::Money => {
            let body = v.strip_prefix('-').unwrap_or(v);
            let (int, frac) = body.split_once('.').unwrap_or((body, "1"));
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            digits(int) && digits(frac) && (int == "0" || !int.starts_with('0'))
        }
        ColType::Bool => v == "true" || v == "false",
        _ => false,
    }
}

fn json_escape(out: &mut Vec<u8>, v: &str) {
    for ch in v.chars() {
        match ch {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// The Parquet schema: every contract column as a nullable string.
pub fn parquet_schema(kind: &KindSpec) -> SchemaRef {
    let fields: Vec<Field> = kind.columns.iter().map(|c| Field::new(c.name, DataType::Utf8, true)).collect();
    Arc::new(Schema::new(fields))
}

fn batch(rows: &Rows, kind: &KindSpec) -> Result<RecordBatch, arrow::error::ArrowError> {
    let cols: Vec<ArrayRef> = (0..rows.width)
        .map(|c| {
            let mut b = StringBuilder::with_capacity(rows.len(), rows.len() * 12);
            for r in 0..rows.len() {
                match rows.cell(r, c) {
                    "" => b.append_null(),
                    v => b.append_value(v),
                }
            }
            Arc::new(b.finish()) as ArrayRef
        })
        .collect();
    RecordBatch::try_new(parquet_schema(kind), cols)
}
