//! File-level access to a table's current data files, for upserts that replace the rows
//! of a few keys: read only the files that may hold them, and commit `remove` + `add`
//! actions for just the files rewritten, instead of reading or rewriting the table.

use std::collections::HashMap;
use std::fs::File;

use arrow::array::RecordBatch;
use deltalake::kernel::transaction::CommitBuilder;
use deltalake::kernel::{Action, Add, Remove};
use deltalake::protocol::{DeltaOperation, MergePredicate};
use deltalake::writer::{DeltaWriter, RecordBatchWriter};
use deltalake::DeltaTable;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use super::{delta, Result, Store, StoreError};

/// One data file of a table's current version.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// Path relative to the table directory.
    pub path: String,
    /// Size in bytes.
    pub size: i64,
    /// The add action's `modificationTime` (ms since the epoch).
    pub modified_ms: i64,
    /// Lowest and highest value of each text column, from the file's statistics.
    pub text_bounds: HashMap<String, (String, String)>,
    remove: Remove,
}

/// Rows to write as new files, and the `modificationTime` (ms) their add actions carry.
pub struct NewFiles {
    /// Batches in the table's schema.
    pub batches: Vec<RecordBatch>,
    /// `modificationTime` of every file written from them.
    pub modified_ms: i64,
}

/// What a rewrite committed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rewritten {
    /// Files removed.
    pub removed_files: usize,
    /// Bytes of the files removed.
    pub removed_bytes: i64,
    /// Files added.
    pub added_files: usize,
}

/// Rows per written file at most: small enough that an update touches a small share of
/// a large table, large enough that a year stays a few dozen files.
pub const FILE_ROWS: usize = 131_072;

impl Store {
    /// The data files of a table's loaded version.
    pub fn data_files(&self, table: &DeltaTable, name: &str) -> Result<Vec<DataFile>> {
        let snapshot = table.snapshot().map_err(delta(name))?;
        Ok(snapshot
            .log_data()
            .iter()
            .map(|f| DataFile {
                path: f.path().to_string(),
                size: f.size(),
                modified_ms: f.modification_time(),
                text_bounds: f.stats().map(|s| text_bounds(&s)).unwrap_or_default(),
                remove: f.remove_action(true),
            })
            .collect())
    }

    /// Reads a data file, only `columns` when given (by name).
    pub fn read_file(&self, name: &str, file: &DataFile, columns: Option<&[&str]>) -> Result<ParquetRecordBatchReader> {
        let path = self.root().join(name).join(&file.path);
        let f = File::open(&path).map_err(|e| StoreError::Location { path: path.clone(), reason: e.to_string() })?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(f)?.with_batch_size(8192);
        let builder = match columns {
            Some(cols) => {
                let schema = builder.schema().clone();
                let roots = cols
                    .iter()
                    .map(|c| schema.index_of(c))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::Arrow)?;
                let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
                builder.with_projection(mask)
            }
            None => builder,
        };
        Ok(builder.build()?)
    }

    /// Writes `groups` as new files (at most [`FILE_ROWS`] rows each) and commits them
    /// together with the removal of `removed`, in one commit. Nothing is committed when
    /// there is nothing to remove or add.
    pub async fn rewrite(
        &self,
        table: &mut DeltaTable,
        name: &str,
        removed: &[&DataFile],
        groups: Vec<NewFiles>,
    ) -> Result<Rewritten> {
        let mut actions: Vec<Action> = removed.iter().map(|f| Action::Remove(f.remove.clone())).collect();
        let mut out = Rewritten {
            removed_files: removed.len(),
            removed_bytes: removed.iter().map(|f| f.size).sum(),
            added_files: 0,
        };
        for g in groups {
            for batch in g.batches {
                let mut at = 0;
                while at < batch.num_rows() {
                    let len = FILE_ROWS.min(batch.num_rows() - at);
                    for add in write_one(table, name, batch.slice(at, len)).await? {
                        actions.push(Action::Add(Add { modification_time: g.modified_ms, ..add }));
                        out.added_files += 1;
                    }
                    at += len;
                }
            }
        }
        if actions.is_empty() {
            return Ok(out);
        }
        crate::failpoint::hit("after_batch_write");
        let snapshot = table.snapshot().map_err(delta(name))?;
        let operation = DeltaOperation::Merge {
            predicate: None,
            merge_predicate: Some("key".into()),
            matched_predicates: vec![MergePredicate { action_type: "update".into(), predicate: None }],
            not_matched_predicates: vec![MergePredicate { action_type: "insert".into(), predicate: None }],
            not_matched_by_source_predicates: Vec::new(),
        };
        CommitBuilder::default()
            .with_actions(actions)
            .build(Some(snapshot), table.log_store(), operation)
            .await
            .map_err(delta(name))?;
        table.update_state().await.map_err(delta(name))?;
        Ok(out)
    }
}

async fn write_one(table: &DeltaTable, name: &str, batch: RecordBatch) -> Result<Vec<Add>> {
    let mut writer = RecordBatchWriter::for_table(table).map_err(delta(name))?;
    writer.write(batch).await.map_err(delta(name))?;
    writer.flush().await.map_err(delta(name))
}

/// `minValues`/`maxValues` of the text columns in a file's JSON statistics.
fn text_bounds(stats: &str) -> HashMap<String, (String, String)> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(stats) else {
        return HashMap::new();
    };
    let (Some(lo), Some(hi)) = (v["minValues"].as_object(), v["maxValues"].as_object()) else {
        return HashMap::new();
    };
    lo.iter()
        .filter_map(|(k, l)| Some((k.clone(), (l.as_str()?.to_string(), hi.get(k)?.as_str()?.to_string()))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_come_from_text_statistics_only() {
        let b = text_bounds(r#"{"numRecords":2,"minValues":{"id":"L1","n":3},"maxValues":{"id":"L9","n":5}}"#);
        assert_eq!(b.get("id"), Some(&("L1".to_string(), "L9".to_string())));
        assert!(!b.contains_key("n"), "numbers are not compared with key texts");
        assert!(text_bounds("not json").is_empty());
    }
}
