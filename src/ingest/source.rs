//! Opening an input file as a stream of [`Record`]s, whatever its format.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono_tz::Tz;

use super::csv_source::{CsvRaw, CsvSource};
use super::files::{Encoding, Format, InputFile};
use super::ndjson_source::NdjsonSource;
use super::parquet_source::ParquetSource;
use super::record::Record;
use super::IngestError;
use crate::schema::KindSpec;

/// Counts bytes read from the file on disk, for progress bars.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A reader of records of one file.
pub enum Source {
    /// CSV.
    Csv(CsvSource),
    /// NDJSON.
    Ndjson(NdjsonSource),
    /// Parquet.
    Parquet(ParquetSource),
}

/// Bytes read so far, shared with a progress reporter.
pub type ByteCounter = Arc<AtomicU64>;

/// Opens the file (decompressing `.gz`) as a byte stream with a byte counter.
pub fn open_bytes(path: &Path, gzip: bool, counter: &ByteCounter) -> Result<Box<dyn Read + Send>, IngestError> {
    let file = File::open(path).map_err(|e| IngestError::open(path, e))?;
    let counted = Counting { inner: file, count: counter.clone() };
    let reader = BufReader::with_capacity(1 << 20, counted);
    Ok(if gzip {
        Box::new(BufReader::with_capacity(1 << 20, flate2::read::MultiGzDecoder::new(reader)))
    } else {
        Box::new(reader)
    })
}

impl Source {
    /// Opens a file and checks its header (or schema) against the kind.
    pub fn open(f: &InputFile, encoding: Encoding, tz: Tz, counter: &ByteCounter) -> Result<Source, IngestError> {
        Ok(match f.format {
            Format::Csv => Source::Csv(CsvSource::open(f, encoding, counter)?),
            Format::Ndjson => Source::Ndjson(NdjsonSource::open(f, encoding, counter)?),
            Format::Parquet => Source::Parquet(ParquetSource::open(f, tz, counter)?),
        })
    }

    /// Reads the next record into `rec`; false at the end.
    pub fn next(&mut self, rec: &mut Record) -> Result<bool, IngestError> {
        match self {
            Source::Csv(s) => s.next(rec),
            Source::Ndjson(s) => s.next(rec),
            Source::Parquet(s) => s.next(rec),
        }
    }

    /// How to write `raw` for this file's records, detached from the reader.
    pub fn raw_format(&self) -> RawFormat {
        match self {
            Source::Csv(s) => RawFormat::Csv(s.raw_format()),
            Source::Ndjson(s) => RawFormat::Ndjson(s.kind),
            Source::Parquet(s) => RawFormat::Json(s.kind),
        }
    }

    /// Columns present in the input that the contract does not list.
    pub fn extra_columns(&self) -> Vec<String> {
        match self {
            Source::Csv(s) => s.extra_columns(),
            Source::Ndjson(s) => s.extra_columns(),
            Source::Parquet(s) => s.extra_columns(),
        }
    }
}

/// Writes a record's `raw`: the contract's columns of the original, in contract order,
/// with personal, protected and sensitive columns blanked and extra columns left out.
#[derive(Debug, Clone)]
pub enum RawFormat {
    /// CSV fields re-serialised.
    Csv(CsvRaw),
    /// The NDJSON line's contract keys, as a JSON object.
    Ndjson(&'static KindSpec),
    /// A JSON object of the cells (Parquet, replay).
    Json(&'static KindSpec),
}

impl RawFormat {
    /// Fills `rec.raw`.
    pub fn fill(&self, rec: &mut Record) {
        match self {
            RawFormat::Csv(c) => c.fill(rec),
            RawFormat::Ndjson(kind) => super::ndjson_source::fill_raw(kind, rec),
            RawFormat::Json(kind) => fill_raw_json(rec, kind),
        }
    }
}

/// Whether quarantine `raw` blanks contract column `i` of `kind` (personal, protected or
/// sensitive, see [`crate::schema::Sensitivity::blanked_in_raw`]).
pub fn is_blanked(kind: &KindSpec, i: usize) -> bool {
    kind.columns.get(i).is_some_and(|c| c.sensitivity.blanked_in_raw())
}

/// `raw` as a JSON object of the contract columns only, in contract order, with blanked
/// columns as `""` and absent ones as `null`: a column the contract does not list (a
/// phone number, an ID card number) is never copied.
pub fn fill_raw_json(rec: &mut Record, kind: &KindSpec) {
    let mut map = serde_json::Map::new();
    for (i, c) in kind.columns.iter().enumerate() {
        let v = match rec.cell(i) {
            _ if is_blanked(kind, i) => serde_json::Value::String(String::new()),
            Some(t) => serde_json::Value::String(t.to_string()),
            None => serde_json::Value::Null,
        };
        map.insert(c.name.to_string(), v);
    }
    rec.raw = serde_json::Value::Object(map).to_string();
}

/// Maps header names onto contract columns; fails on a missing required column.
pub fn map_header(
    kind: &KindSpec,
    header: &[String],
    path: &Path,
) -> Result<(Vec<Option<usize>>, Vec<String>), IngestError> {
    let mut map = Vec::with_capacity(kind.columns.len());
    for c in kind.columns {
        let pos = header.iter().position(|h| h == c.name);
        if pos.is_none() && c.required {
            return Err(IngestError::MissingColumn {
                path: path.to_path_buf(),
                column: c.name.to_string(),
                hint: did_you_mean(c.name, header),
            });
        }
        map.push(pos);
    }
    let extra = header.iter().filter(|h| kind.index_of(h).is_none()).cloned().collect();
    Ok((map, extra))
}

fn did_you_mean(want: &str, header: &[String]) -> String {
    header
        .iter()
        .map(|h| (strsim::levenshtein(want, h), h))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, h)| format!(" (did you mean to rename column `{h}`?)"))
        .unwrap_or_default()
}
