//! Import: outside data sets mapped onto the campus-records contract, as contract files
//! (one CSV per record kind) ready for `radar ingest`. It sits beside [`crate::generate`]:
//! both produce contract files, neither touches the store.
//!
//! ```text
//!  DIR/<table>.csv[.gz]  (the source's own tables and column names)
//!    │  read: streamed, row by row, physical line numbers kept
//!    ▼
//!  map  ── rows that cannot be mapped ──► rejections (file, line, reason, ids only)
//!    │
//!    ▼
//!  OUT/<kind>.csv  (contract columns in contract order)   OUT/import_report.json
//! ```
//!
//! Nothing is dropped silently: every input row is either mapped or rejected, and a run
//! with a rejection still writes its files and report but fails (exit code 1). Files are
//! written to `<name>.tmp` and renamed, so a killed run never leaves a half file that an
//! ingest would pick up; re-running into the same directory overwrites with identical bytes.
//!
//! Sources: [`oulad`] (the Open University Learning Analytics Dataset).

pub mod oulad;
mod table;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// Import failures that stop the whole run (a row that cannot be mapped is a
/// [`Rejection`] instead).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input directory does not exist or is not a directory.
    #[error("{}: not a directory", dir.display())]
    NoDir {
        /// The directory given.
        dir: PathBuf,
    },
    /// A table the source needs is absent.
    #[error("{}: no `{table}.csv` or `{table}.csv.gz`", dir.display())]
    MissingTable {
        /// The input directory.
        dir: PathBuf,
        /// The table's name.
        table: String,
    },
    /// Both the plain and the gzipped file of a table are present.
    #[error("{}: both `{table}.csv` and `{table}.csv.gz`; keep one", dir.display())]
    AmbiguousTable {
        /// The input directory.
        dir: PathBuf,
        /// The table's name.
        table: String,
    },
    /// A file cannot be opened.
    #[error("{}: cannot open: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Reading failed part-way (I/O, gzip or CSV syntax that cannot be recovered from).
    #[error("{}:{line}: read failed: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Physical line reached (0 when unknown).
        line: u64,
        /// The cause.
        message: String,
    },
    /// A file has no header row.
    #[error("{}: no header row", path.display())]
    NoHeader {
        /// The file.
        path: PathBuf,
    },
    /// A column the mapping needs is missing from the header.
    #[error("{}: missing column `{column}`", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
    },
    /// Writing an output file failed.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An internal inconsistency: a bug.
    #[error("internal error (a bug): {0}")]
    Bug(String),
}

/// One input row that could not be mapped. Holds identifiers only, never personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Input file name (without directory).
    pub file: String,
    /// Physical line (header = line 1).
    pub line: u64,
    /// Reason code: `bad_row`, `bad_number`, `bad_value`, `out_of_range`,
    /// `unknown_presentation`, `unknown_assessment`, `unknown_student`, `duplicate`.
    pub reason: &'static str,
    /// The column at fault, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<&'static str>,
    /// The row's identifiers, e.g. `id_assessment=1752 id_student=11391`.
    pub ids: String,
}

/// Rows read from one input table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InputCount {
    /// Table name (the source's own).
    pub table: String,
    /// File read (name only).
    pub file: String,
    /// Data rows read (header excluded; rejected rows included).
    pub rows_read: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
}

/// Rows written to one output file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutputCount {
    /// Record kind.
    pub kind: String,
    /// File written (name only).
    pub file: String,
    /// Data rows written.
    pub rows_written: u64,
    /// Parts of `rows_written` by origin (coursework: `submitted`, `missing`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub parts: BTreeMap<String, u64>,
}

/// Most rejections listed in the report (all are counted).
pub const MAX_LISTED_REJECTIONS: usize = 10_000;

/// What an import did: the content of `import_report.json`. Deterministic (no clock, no
/// absolute paths), so that a re-run writes the same bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// Source name, e.g. `oulad`.
    pub source: String,
    /// Per input table, in reading order.
    pub inputs: Vec<InputCount>,
    /// Per output kind, in contract order.
    pub outputs: Vec<OutputCount>,
    /// The latest event date written (`ts`, `submitted_at`, `recorded_at`), `YYYY-MM-DD`:
    /// an ingest clock (`--now`) after it sees no `future_timestamp`.
    pub latest_event_date: Option<String>,
    /// Rows rejected in all.
    pub rows_rejected: u64,
    /// Rejected rows by reason.
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// The first [`MAX_LISTED_REJECTIONS`] rejections, in reading order.
    pub rejections: Vec<Rejection>,
    /// Notes on the mapping that a reader of the output should know.
    pub notes: Vec<String>,
}

impl ImportReport {
    /// Records a rejection against the input table at `input` (an index into `inputs`).
    pub(crate) fn reject(&mut self, input: usize, r: Rejection) {
        if let Some(i) = self.inputs.get_mut(input) {
            i.rows_rejected += 1;
        }
        self.rows_rejected += 1;
        *self.rejected_by_reason.entry(r.reason.to_string()).or_default() += 1;
        if self.rejections.len() < MAX_LISTED_REJECTIONS {
            self.rejections.push(r);
        }
    }

    /// Rows written for `kind` (0 if none).
    pub fn written(&self, kind: &str) -> u64 {
        self.outputs.iter().find(|o| o.kind == kind).map_or(0, |o| o.rows_written)
    }

    /// Rows read from `table` (0 if none).
    pub fn read(&self, table: &str) -> u64 {
        self.inputs.iter().find(|i| i.table == table).map_or(0, |i| i.rows_read)
    }
}
