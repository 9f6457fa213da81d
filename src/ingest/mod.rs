//! Ingest: files (CSV, NDJSON, Parquet; optionally gzipped; UTF-8 or GB18030) → checked
//! rows → Delta tables, with every set-aside row in the quarantine and every file in the
//! run log. See `spec/campus-records.md`, "What bad input gets".
//!
//! Crash safety comes from the order of commits per file: data (one commit), then the
//! quarantine, then the run log. Each commit is atomic, and a re-run recomputes
//! everything from the files and the store, so a run killed anywhere is completed by
//! running it again: rows already committed are then duplicates, entries already
//! quarantined are found by their id.

mod append;
mod builder;
mod csv_source;
pub mod files;
mod ndjson_source;
mod parquet_source;
mod prefetch;
pub mod quarantine;
mod record;
mod replay;
mod rows;
mod run;
pub mod runs;
mod source;
mod upsert;
mod validate;

#[cfg(test)]
mod props;

use std::path::{Path, PathBuf};

use chrono_tz::Tz;

pub use files::{Encoding, Format, InputFile};
pub use run::{ingest, replay_quarantine, IngestOutcome};
pub use runs::FileReport;
pub use source::ByteCounter;

use crate::schema::time::Micros;
use crate::schema::KindSpec;

/// Errors that fail a whole file.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file cannot be opened.
    #[error("{}: cannot open: {source}", path.display())]
    Open {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Reading failed part-way (nothing of the file is stored).
    #[error("{}: read failed: {source}", path.display())]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// No header row.
    #[error("{}: no header row", path.display())]
    NoHeader {
        /// File.
        path: PathBuf,
    },
    /// A required column is missing from the header.
    #[error("{}: missing required column `{column}`{hint}", path.display())]
    MissingColumn {
        /// File.
        path: PathBuf,
        /// Column.
        column: String,
        /// "Did you mean" hint, possibly empty.
        hint: String,
    },
    /// CSV syntax the reader cannot recover from.
    #[error("{}:{line}: {message}", path.display())]
    Csv {
        /// File.
        path: PathBuf,
        /// Line.
        line: u64,
        /// Cause.
        message: String,
    },
    /// Parquet the reader cannot read.
    #[error("{}: parquet: {message}", path.display())]
    Parquet {
        /// File.
        path: PathBuf,
        /// Cause.
        message: String,
    },
    /// A named file matches no record kind.
    #[error("{}: matches no record kind (name it <kind>.csv, <kind>-*.ndjson, ... or pass --kind)", path.display())]
    UnknownKind {
        /// File.
        path: PathBuf,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A bug: an internal task failed (please report it).
    #[error("internal error (a bug): {0}")]
    Internal(String),
}

impl IngestError {
    pub(crate) fn open(path: &Path, source: std::io::Error) -> Self {
        IngestError::Open { path: path.to_path_buf(), source }
    }
    pub(crate) fn read(path: &Path, source: std::io::Error) -> Self {
        IngestError::Read { path: path.to_path_buf(), source }
    }
    pub(crate) fn csv(path: &Path, e: csv::Error) -> Self {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        match e.into_kind() {
            csv::ErrorKind::Io(source) => IngestError::Read { path: path.to_path_buf(), source },
            other => IngestError::Csv { path: path.to_path_buf(), line, message: format!("{other:?}") },
        }
    }
}

impl From<arrow::error::ArrowError> for IngestError {
    fn from(e: arrow::error::ArrowError) -> Self {
        IngestError::Store(e.into())
    }
}

/// Settings of one ingest call.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Overrides name-based kind detection.
    pub kind: Option<&'static KindSpec>,
    /// Text encoding of CSV and NDJSON.
    pub encoding: Encoding,
    /// Campus time zone.
    pub tz: Tz,
    /// The clock (`--now`).
    pub now: Micros,
    /// Rows per Arrow batch handed to the writer.
    pub batch_rows: usize,
}

/// Receives progress; the CLI draws bars with it, tests ignore it.
pub trait Progress: Sync {
    /// A file starts; `bytes` is its size on disk, `read` grows as it is read.
    fn file_started(&self, _file: &str, _bytes: u64, _read: &ByteCounter) {}
    /// Some more of the current file was read.
    fn tick(&self) {}
    /// A file is done.
    fn file_finished(&self, _report: &FileReport) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;
impl Progress for NoProgress {}
