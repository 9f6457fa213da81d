//! Parquet input: columns may hold the contract's text forms or typed values; typed
//! values are turned into the canonical text so that one validator serves every format.

use std::fs::File;
use std::io::Read;
use std::sync::atomic::Ordering;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, RecordBatchReader};
use arrow::datatypes::{DataType, TimeUnit};
use chrono_tz::Tz;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::files::InputFile;
use super::record::Record;
use super::source::{map_header, ByteCounter};
use super::IngestError;
use crate::schema::time::{format_timestamp, local_to_utc};
use crate::schema::KindSpec;

/// A Parquet file being read.
pub struct ParquetSource {
    pub(super) kind: &'static KindSpec,
    path: std::path::PathBuf,
    reader: ParquetRecordBatchReader,
    map: Vec<Option<usize>>,
    extra: Vec<String>,
    tz: Tz,
    /// Current batch as text, per contract column.
    cols: Vec<Option<Vec<Option<String>>>>,
    pos: usize,
    len: usize,
    rows: u64,
}

impl ParquetSource {
    /// Opens the file (a `.parquet.gz` is inflated into memory first) and checks its schema.
    pub fn open(f: &InputFile, tz: Tz, counter: &ByteCounter) -> Result<ParquetSource, IngestError> {
        let pq =
            |e: parquet::errors::ParquetError| IngestError::Parquet { path: f.path.clone(), message: e.to_string() };
        let builder = if f.gzip {
            let mut bytes = Vec::new();
            super::source::open_bytes(&f.path, true, counter)?
                .read_to_end(&mut bytes)
                .map_err(|e| IngestError::read(&f.path, e))?;
            guarded(&f.path, || {
                ParquetRecordBatchReaderBuilder::try_new_with_options(bytes::Bytes::from(bytes), options())
                    .map_err(pq)?
                    .build()
                    .map_err(pq)
            })?
        } else {
            let file = File::open(&f.path).map_err(|e| IngestError::open(&f.path, e))?;
            counter.fetch_add(file.metadata().map(|m| m.len()).unwrap_or(0), Ordering::Relaxed);
            guarded(&f.path, || {
                ParquetRecordBatchReaderBuilder::try_new_with_options(file, options())
                    .map_err(pq)?
                    .with_batch_size(8192)
                    .build()
                    .map_err(pq)
            })?
        };
        let reader = builder;
        let header: Vec<String> = reader.schema().fields().iter().map(|f| f.name().clone()).collect();
        let (map, extra) = map_header(f.kind, &header, &f.path)?;
        Ok(ParquetSource {
            kind: f.kind,
            path: f.path.clone(),
            reader,
            map,
            extra,
            tz,
            cols: Vec::new(),
            pos: 0,
            len: 0,
            rows: 0,
        })
    }

    /// Columns not in the contract.
    pub fn extra_columns(&self) -> Vec<String> {
        self.extra.clone()
    }

    /// Reads the next row.
    pub fn next(&mut self, rec: &mut Record) -> Result<bool, IngestError> {
        while self.pos >= self.len {
            let reader = &mut self.reader;
            match guarded(&self.path, || Ok(reader.next()))? {
                None => return Ok(false),
                Some(Err(e)) => return Err(IngestError::Parquet { path: self.path.clone(), message: e.to_string() }),
                Some(Ok(batch)) => self.load(&batch)?,
            }
        }
        self.rows += 1;
        rec.clear(self.kind.columns.len());
        rec.row = self.rows;
        rec.line = None;
        for ci in 0..self.cols.len() {
            if let Some(Some(text)) = self.cols[ci].as_ref().map(|c| c[self.pos].as_deref()) {
                let text = text.to_string();
                rec.push_cell(ci, &text);
            }
        }
        self.pos += 1;
        Ok(true)
    }

    fn load(&mut self, batch: &RecordBatch) -> Result<(), IngestError> {
        self.cols = self
            .map
            .iter()
            .map(|pos| pos.map(|p| column_texts(batch.column(p), self.tz)).transpose())
            .collect::<Result<_, _>>()
            .map_err(|message| IngestError::Parquet { path: self.path.clone(), message })?;
        self.pos = 0;
        self.len = batch.num_rows();
        Ok(())
    }
}

/// The embedded `ARROW:schema` is skipped: it is a flatbuffer the arrow-ipc decoder
/// panics on when it is corrupt (found by the typed-batch property test), and the
/// contract, not the writer's Arrow types, decides what a column means.
fn options() -> ArrowReaderOptions {
    ArrowReaderOptions::new().with_skip_arrow_metadata(true)
}

/// Runs a parquet-crate call so that a panic inside the decoder on a malformed file
/// becomes this file's error rather than the end of the job: the crate still has
/// `unimplemented!` and slice indexing on paths reachable from file bytes.
fn guarded<T>(path: &std::path::Path, f: impl FnOnce() -> Result<T, IngestError>) -> Result<T, IngestError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(IngestError::Parquet {
            path: path.to_path_buf(),
            message: "malformed Parquet file: the reader gave up".into(),
        })
    })
}

/// A column's values in the contract's text forms.
fn column_texts(array: &ArrayRef, tz: Tz) -> Result<Vec<Option<String>>, String> {
    let n = array.len();
    match array.data_type() {
        DataType::Timestamp(_, zone) => {
            let ts = arrow::compute::cast(array, &DataType::Timestamp(TimeUnit::Microsecond, zone.clone()))
                .map_err(|e| e.to_string())?;
            let ts = ts.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
            Ok((0..n)
                .map(|i| {
                    ts.is_valid(i).then(|| {
                        let v = ts.value(i);
                        let utc = if zone.is_some() {
                            Some(v)
                        } else {
                            chrono::DateTime::from_timestamp_micros(v).and_then(|d| local_to_utc(d.naive_utc(), tz))
                        };
                        // A naive time inside a DST gap does not exist: give the validator
                        // text that fails as `bad_timestamp`.
                        utc.map_or_else(
                            || "nonexistent local time".to_string(),
                            |u| format_timestamp(u, chrono_tz::UTC),
                        )
                    })
                })
                .collect())
        }
        // Dates by hand: arrow's cast to text fails the whole column on one day outside
        // chrono's range, where the contract wants that one row quarantined.
        DataType::Date32 => {
            let d = array.as_primitive::<arrow::datatypes::Date32Type>();
            Ok((0..n).map(|i| d.is_valid(i).then(|| date_text(i64::from(d.value(i)) * 86_400_000))).collect())
        }
        DataType::Date64 => {
            let d = array.as_primitive::<arrow::datatypes::Date64Type>();
            Ok((0..n).map(|i| d.is_valid(i).then(|| date_text(d.value(i)))).collect())
        }
        DataType::Decimal128(_, _) | DataType::Decimal256(_, _) => {
            Ok(strings(array)?.into_iter().map(|o| o.map(|s| trim_decimal(&s))).collect())
        }
        _ => strings(array),
    }
}

/// A date given as milliseconds since the epoch, as `YYYY-MM-DD`; a day outside chrono's
/// range becomes text that fails as `bad_timestamp`.
fn date_text(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map_or_else(|| "nonexistent date".to_string(), |d| d.date_naive().format("%Y-%m-%d").to_string())
}

fn strings(array: &ArrayRef) -> Result<Vec<Option<String>>, String> {
    let s = arrow::compute::cast(array, &DataType::Utf8).map_err(|e| e.to_string())?;
    let s = s.as_string::<i32>();
    Ok((0..s.len()).map(|i| s.is_valid(i).then(|| s.value(i).to_string())).collect())
}

/// `12.5000` → `12.5`, `3.000` → `3`: a typed decimal's scale is not the value's precision.
fn trim_decimal(s: &str) -> String {
    match s.split_once('.') {
        Some((i, f)) => {
            let f = f.trim_end_matches('0');
            if f.is_empty() {
                i.to_string()
            } else {
                format!("{i}.{f}")
            }
        }
        None => s.to_string(),
    }
}
