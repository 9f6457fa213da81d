//! The run log: one `ingest_runs` row per file per ingest.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::Serialize;

use crate::schema::time::Micros;
use crate::store::{Store, StoreError};

/// Table name.
pub const INGEST_RUNS: &str = "ingest_runs";

/// What one ingest saw of one file (`rows_read = stored + duplicates + quarantined`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileReport {
    /// Run id, shared by the files of one call.
    pub run_id: String,
    /// Clock time the run started.
    #[serde(skip)]
    pub started_at: Micros,
    /// File as given.
    pub file: String,
    /// Record kind (empty when the file matched none).
    pub kind: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows stored (upserts included).
    pub stored: u64,
    /// Rows whose key was already stored.
    pub duplicates: u64,
    /// Rows set aside.
    pub quarantined: u64,
    /// `ok` or `failed`.
    pub status: String,
    /// Why the file failed.
    pub error: Option<String>,
    /// Quarantined rows by reason code.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Columns not in the contract, ignored.
    pub ignored_columns: Vec<String>,
    /// xxh3-128 of the file's bytes.
    pub source_hash: String,
}

impl FileReport {
    /// A report with zero counts.
    pub fn new(run_id: &str, started_at: Micros, file: &str, kind: &str) -> Self {
        FileReport {
            run_id: run_id.to_string(),
            started_at,
            file: file.to_string(),
            kind: kind.to_string(),
            rows_read: 0,
            stored: 0,
            duplicates: 0,
            quarantined: 0,
            status: "ok".into(),
            error: None,
            quarantined_by_reason: BTreeMap::new(),
            ignored_columns: Vec::new(),
            source_hash: String::new(),
        }
    }

    /// Marks the file failed.
    pub fn fail(&mut self, error: String) {
        self.status = "failed".into();
        self.error = Some(error);
    }
}

pub(crate) fn schema() -> SchemaRef {
    let s = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let i = |n: &str| Field::new(n, DataType::Int64, false);
    Arc::new(Schema::new(vec![
        s("run_id", false),
        Field::new("started_at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
        s("file", false),
        s("kind", false),
        i("rows_read"),
        i("stored"),
        i("duplicates"),
        i("quarantined"),
        s("status", false),
        s("error", true),
        s("quarantined_by_reason", false),
        s("source_hash", false),
    ]))
}

/// Appends the reports to `ingest_runs` in one commit.
pub async fn record(store: &Store, reports: &[FileReport]) -> Result<(), StoreError> {
    if reports.is_empty() {
        return Ok(());
    }
    let batch = to_batch(reports)?;
    let table = store.ensure(INGEST_RUNS, &schema()).await?;
    crate::failpoint::hit("during_run_log");
    store.append(table, INGEST_RUNS, vec![batch]).await?;
    Ok(())
}

/// Reports as an `ingest_runs` batch (also what `radar ingest --format` prints).
pub fn to_batch(reports: &[FileReport]) -> Result<RecordBatch, arrow::error::ArrowError> {
    let text = |f: fn(&FileReport) -> String| Arc::new(StringArray::from_iter_values(reports.iter().map(f)));
    let int = |f: fn(&FileReport) -> u64| Arc::new(Int64Array::from_iter_values(reports.iter().map(|r| f(r) as i64)));
    RecordBatch::try_new(
        schema(),
        vec![
            text(|r| r.run_id.clone()),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(reports.iter().map(|r| r.started_at)).with_timezone("UTC"),
            ),
            text(|r| r.file.clone()),
            text(|r| r.kind.clone()),
            int(|r| r.rows_read),
            int(|r| r.stored),
            int(|r| r.duplicates),
            int(|r| r.quarantined),
            text(|r| r.status.clone()),
            Arc::new(StringArray::from_iter(reports.iter().map(|r| r.error.clone()))),
            text(|r| serde_json::to_string(&r.quarantined_by_reason).unwrap_or_default()),
            text(|r| r.source_hash.clone()),
        ],
    )
}
