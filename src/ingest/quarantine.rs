//! The quarantine: rows set aside, identified by the file's content and the row, so that
//! re-running an ingest adds no entry and a row that later passes leaves it.
//!
//! Rows set aside only because their student is unknown also go to `quarantine_replay`
//! with every cell (personal data included, so that table is as restricted as the data
//! tables, but never a column the contract does not list) for `radar ingest
//! --replay-quarantine`; `quarantine.raw` keeps only the contract's columns, with personal,
//! protected and sensitive ones blanked (see `Sensitivity::blanked_in_raw`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{Array, AsArray, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::schema::time::Micros;
use crate::schema::Reason;
use crate::store::{text_column, Store, StoreError};

/// Table of set-aside rows.
pub const QUARANTINE: &str = "quarantine";
/// Table of rows waiting for their student.
pub const REPLAY: &str = "quarantine_replay";

/// One set-aside row.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `{kind}:{source hash}:{row}`.
    pub entry_id: String,
    /// Run that first set it aside.
    pub run_id: String,
    /// File as given on the command line.
    pub file: String,
    /// Physical line (none for Parquet).
    pub line: Option<u64>,
    /// 1-based data row.
    pub row: u64,
    /// Record kind.
    pub kind: String,
    /// Contract column (none for `bad_row`).
    pub column: Option<String>,
    /// Reason code.
    pub reason: Reason,
    /// Key values joined by `|`.
    pub key: String,
    /// Original text, personal data blanked.
    pub raw: String,
    /// xxh3-128 of the file's bytes.
    pub source_hash: String,
    /// Clock time it was set aside.
    pub quarantined_at: Micros,
    /// Every cell as JSON, kept for unknown-student rows only.
    pub payload: Option<String>,
    /// Where the reader found the row (CSV), until its line is worked out.
    pub byte: Option<u64>,
}

/// The entry id of a row of a file.
pub fn entry_id(kind: &str, source_hash: &str, row: u64) -> String {
    format!("{kind}:{source_hash}:{row}")
}

/// Schema of the `quarantine` table.
pub fn schema() -> SchemaRef {
    let s = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    Arc::new(Schema::new(vec![
        s("run_id", false),
        s("file", false),
        Field::new("line", DataType::Int64, true),
        Field::new("row", DataType::Int64, false),
        s("kind", false),
        s("column", true),
        s("reason", false),
        s("key", false),
        s("raw", false),
        s("source_hash", false),
        s("entry_id", false),
        Field::new("quarantined_at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
    ]))
}

pub(crate) fn replay_schema() -> SchemaRef {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        s("entry_id"),
        s("kind"),
        s("file"),
        Field::new("line", DataType::Int64, true),
        Field::new("row", DataType::Int64, false),
        s("source_hash"),
        s("run_id"),
        s("payload"),
    ]))
}

fn strings<'a>(it: impl Iterator<Item = &'a str>) -> Arc<StringArray> {
    Arc::new(StringArray::from_iter_values(it))
}

fn to_batch(entries: &[&Entry]) -> Result<RecordBatch, StoreError> {
    let col = |f: fn(&Entry) -> &str| strings(entries.iter().map(|e| f(e)));
    Ok(RecordBatch::try_new(
        schema(),
        vec![
            col(|e| &e.run_id),
            col(|e| &e.file),
            Arc::new(Int64Array::from_iter(entries.iter().map(|e| e.line.map(|l| l as i64)))),
            Arc::new(Int64Array::from_iter_values(entries.iter().map(|e| e.row as i64))),
            col(|e| &e.kind),
            Arc::new(StringArray::from_iter(entries.iter().map(|e| e.column.as_deref()))),
            col(|e| e.reason.code()),
            col(|e| &e.key),
            col(|e| &e.raw),
            col(|e| &e.source_hash),
            col(|e| &e.entry_id),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(entries.iter().map(|e| e.quarantined_at))
                    .with_timezone("UTC"),
            ),
        ],
    )?)
}

fn to_replay_batch(entries: &[&Entry]) -> Result<RecordBatch, StoreError> {
    let col = |f: fn(&Entry) -> &str| strings(entries.iter().map(|e| f(e)));
    Ok(RecordBatch::try_new(
        replay_schema(),
        vec![
            col(|e| &e.entry_id),
            col(|e| &e.kind),
            col(|e| &e.file),
            Arc::new(Int64Array::from_iter(entries.iter().map(|e| e.line.map(|l| l as i64)))),
            Arc::new(Int64Array::from_iter_values(entries.iter().map(|e| e.row as i64))),
            col(|e| &e.source_hash),
            col(|e| &e.run_id),
            col(|e| e.payload.as_deref().unwrap_or("{}")),
        ],
    )?)
}

/// What is stored of a set of entries: quarantine entries (id → reason) and the ids of
/// their `quarantine_replay` rows, each read from its own table.
#[derive(Debug, Default)]
pub struct Existing {
    /// Entries in `quarantine`.
    pub quarantine: HashMap<String, String>,
    /// Entry ids in `quarantine_replay`.
    pub replay: HashSet<String>,
}

/// Stored entries matching a SQL condition on columns both tables have (`kind`,
/// `source_hash`, `entry_id`).
pub async fn existing(store: &Store, condition: &str) -> Result<Existing, StoreError> {
    let mut out = Existing::default();
    let sql = format!("SELECT entry_id, reason FROM t WHERE {condition}");
    for b in store.query_table(QUARANTINE, &sql).await? {
        let (ids, reasons) = (text_column(&b, 0)?, text_column(&b, 1)?);
        for i in 0..b.num_rows() {
            if ids.is_valid(i) {
                out.quarantine.insert(ids.value(i).to_string(), reasons.value(i).to_string());
            }
        }
    }
    let sql = format!("SELECT entry_id FROM t WHERE {condition}");
    for b in store.query_table(REPLAY, &sql).await? {
        let ids = text_column(&b, 0)?;
        out.replay.extend((0..b.num_rows()).filter(|&i| ids.is_valid(i)).map(|i| ids.value(i).to_string()));
    }
    Ok(out)
}

/// Makes the stored entries among `existing` equal to `current` in both tables: entries no
/// longer quarantined (or now for another reason) are deleted, new ones inserted; unchanged
/// entries keep their original run. Returns (inserted, deleted) quarantine entries.
///
/// Each table is reconciled against what it holds itself, so running the same sync again
/// after a crash at any point between its commits repairs what the crash left. The commits
/// are ordered so that no crash point leaves an `unknown_student` entry without its replay
/// row (which `--replay-quarantine` could never store): quarantine entries are deleted
/// before their replay rows and replay rows written before their entries. A replay row
/// without its entry is harmless: the next run of that file or replay repairs it.
pub async fn sync(store: &Store, existing: &Existing, current: &[Entry]) -> Result<(usize, usize), StoreError> {
    if crate::failpoint::fails("quarantine_sync") {
        let reason = "fail-point quarantine_sync: the quarantine could not be written".to_string();
        return Err(StoreError::Location { path: store.root().to_path_buf(), reason });
    }
    let now: HashMap<&str, &Entry> = current.iter().map(|e| (e.entry_id.as_str(), e)).collect();
    let stale: Vec<&str> = existing
        .quarantine
        .iter()
        .filter(|(id, reason)| now.get(id.as_str()).is_none_or(|e| e.reason.code() != reason.as_str()))
        .map(|(id, _)| id.as_str())
        .collect();
    let fresh: Vec<&Entry> =
        current.iter().filter(|e| existing.quarantine.get(&e.entry_id).is_none_or(|r| r != e.reason.code())).collect();
    let stale_replay: Vec<&str> = existing
        .replay
        .iter()
        .filter(|id| now.get(id.as_str()).is_none_or(|e| e.payload.is_none()))
        .map(|id| id.as_str())
        .collect();
    let fresh_replay: Vec<&Entry> =
        current.iter().filter(|e| e.payload.is_some() && !existing.replay.contains(&e.entry_id)).collect();
    delete_ids(store, QUARANTINE, &stale).await?;
    crate::failpoint::hit("sync_after_quarantine_delete");
    if !fresh_replay.is_empty() {
        let t = store.ensure(REPLAY, &replay_schema()).await?;
        store.append(t, REPLAY, vec![to_replay_batch(&fresh_replay)?]).await?;
    }
    crate::failpoint::hit("sync_after_replay_append");
    delete_ids(store, REPLAY, &stale_replay).await?;
    crate::failpoint::hit("sync_after_replay_delete");
    if !fresh.is_empty() {
        let t = store.ensure(QUARANTINE, &schema()).await?;
        store.append(t, QUARANTINE, vec![to_batch(&fresh)?]).await?;
    }
    Ok((fresh.len(), stale.len()))
}

async fn delete_ids(store: &Store, table: &str, ids: &[&str]) -> Result<(), StoreError> {
    for chunk in ids.chunks(1000) {
        let Some(t) = store.load(table).await? else {
            return Ok(());
        };
        // Entry ids are `kind:hex:row`: no quote can occur in them.
        let list = chunk.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
        store.delete(t, table, &format!("entry_id IN ({list})")).await?;
    }
    Ok(())
}

/// A row waiting in `quarantine_replay`.
#[derive(Debug, Clone)]
pub struct Waiting {
    /// Entry id.
    pub entry_id: String,
    /// Kind name.
    pub kind: String,
    /// Original file.
    pub file: String,
    /// Original line.
    pub line: Option<u64>,
    /// Original row.
    pub row: u64,
    /// Original source hash.
    pub source_hash: String,
    /// Cells as a JSON object.
    pub payload: String,
}

/// Every row waiting for its student, in file and row order.
pub async fn waiting(store: &Store) -> Result<Vec<Waiting>, StoreError> {
    let sql = "SELECT entry_id, kind, file, line, row, source_hash, payload FROM t ORDER BY file, source_hash, row";
    let mut out = Vec::new();
    for b in store.query_table(REPLAY, sql).await? {
        let s = |i: usize| text_column(&b, i);
        let (ids, kinds, files, hashes, payloads) = (s(0)?, s(1)?, s(2)?, s(5)?, s(6)?);
        let lines = arrow::compute::cast(b.column(3), &DataType::Int64)?;
        let rows = arrow::compute::cast(b.column(4), &DataType::Int64)?;
        let (lines, rows) =
            (lines.as_primitive::<arrow::datatypes::Int64Type>(), rows.as_primitive::<arrow::datatypes::Int64Type>());
        for i in 0..b.num_rows() {
            out.push(Waiting {
                entry_id: ids.value(i).to_string(),
                kind: kinds.value(i).to_string(),
                file: files.value(i).to_string(),
                line: lines.is_valid(i).then(|| lines.value(i) as u64),
                row: rows.value(i) as u64,
                source_hash: hashes.value(i).to_string(),
                payload: payloads.value(i).to_string(),
            });
        }
    }
    Ok(out)
}
