//! The Delta Lake store: one table per record kind plus `quarantine` and `ingest_runs`,
//! each a directory `<store>/<table>/` with its `_delta_log`. Every write is one atomic
//! Delta commit, so readers (DataFusion here; Spark, DuckDB, Polars elsewhere) always see
//! a consistent snapshot.

mod files;
mod keys;
pub mod lock;
mod names;
mod publish;
mod query;

use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use deltalake::kernel::transaction::CommitBuilder;
use deltalake::kernel::Action;
use deltalake::protocol::{DeltaOperation, SaveMode};
use deltalake::writer::{DeltaWriter, RecordBatchWriter};
use deltalake::{DeltaTable, DeltaTableError};
use url::Url;

pub use files::{DataFile, NewFiles, Rewritten, FILE_ROWS};
pub use keys::{batch_key_hashes, hash_key, KeyHash, KeySet};
pub use lock::WriterLock;
pub use names::{is_engine_table, ENGINE_TABLES};
pub use publish::Published;
pub use query::{collect_stream, read_only, register, text_column};

/// Errors of the store layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A Delta Lake operation failed.
    #[error("store table {table}: {source}")]
    Delta {
        /// Table name.
        table: String,
        /// Cause.
        source: Box<DeltaTableError>,
    },
    /// A query failed.
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// Arrow compute failed (a bug when it happens on stored data).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A stored data file could not be read.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// `radar sql` was given a statement that writes or reads outside the store (exit 2).
    #[error("refused: {reason}; `radar sql` runs read-only queries of the store's tables")]
    ReadOnly {
        /// What was refused.
        reason: String,
    },
    /// Another process is writing to the store (see [`lock`]).
    #[error("another writer is using this store: {holder}; use --wait")]
    Busy {
        /// Who holds the writer lock: command, run and pid.
        holder: String,
    },
    /// The store directory is unusable.
    #[error("store {}: {reason}", path.display())]
    Location {
        /// Store path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

type Result<T> = std::result::Result<T, StoreError>;

fn delta(table: &str) -> impl FnOnce(DeltaTableError) -> StoreError + '_ {
    move |e| StoreError::Delta { table: table.to_string(), source: Box::new(e) }
}

/// Marker file that tells a radar store from any other directory.
pub const MARKER: &str = "RADAR_STORE";

/// A store rooted at a directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Opens (creating when absent) the store at `root`.
    pub fn open(root: &Path) -> Result<Store> {
        let loc = |reason: String| StoreError::Location { path: root.to_path_buf(), reason };
        std::fs::create_dir_all(root).map_err(|e| loc(e.to_string()))?;
        let root = root.canonicalize().map_err(|e| loc(e.to_string()))?;
        let marker = root.join(MARKER);
        if !marker.exists() {
            std::fs::write(&marker, "campus-radar store, format 1\n").map_err(|e| loc(e.to_string()))?;
        }
        Ok(Store { root })
    }

    /// Opens an existing store without creating it.
    pub fn open_existing(root: &Path) -> Result<Store> {
        if !root.join(MARKER).exists() {
            return Err(StoreError::Location {
                path: root.to_path_buf(),
                reason: "not a radar store (run `radar ingest` or `radar demo` first, or pass --store)".into(),
            });
        }
        Store::open(root)
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn url(&self, table: &str) -> Result<Url> {
        let dir = self.root.join(table);
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::Location { path: dir.clone(), reason: e.to_string() })?;
        Url::from_directory_path(&dir)
            .map_err(|()| StoreError::Location { path: dir, reason: "not an absolute path".into() })
    }

    /// Names of the tables that exist, sorted.
    pub fn table_names(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("_delta_log").is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        names
    }

    /// Loads a table if it exists.
    pub async fn load(&self, table: &str) -> Result<Option<DeltaTable>> {
        if !self.root.join(table).join("_delta_log").is_dir() {
            return Ok(None);
        }
        let t = deltalake::open_table(self.url(table)?).await.map_err(delta(table))?;
        Ok(Some(t))
    }

    /// A table to write to: loaded when it exists, else a handle whose first write
    /// creates it.
    pub async fn handle(&self, table: &str) -> Result<DeltaTable> {
        if let Some(t) = self.load(table).await? {
            return Ok(t);
        }
        DeltaTable::try_from_url(self.url(table)?).await.map_err(delta(table))
    }

    /// Loads a table, creating it empty with `schema` when absent.
    pub async fn ensure(&self, table: &str, schema: &SchemaRef) -> Result<DeltaTable> {
        if let Some(t) = self.load(table).await? {
            return Ok(t);
        }
        let t = DeltaTable::try_from_url(self.url(table)?).await.map_err(delta(table))?;
        // Creating is one commit (version 0): a crash leaves either no table or an empty one.
        t.write(vec![RecordBatch::new_empty(schema.clone())])
            .with_save_mode(SaveMode::Ignore)
            .await
            .map_err(delta(table))
    }

    /// Starts a streaming append to `table`: batches go to data files as they come and
    /// become visible in one commit.
    pub fn appender(&self, table: &DeltaTable, name: &str) -> Result<Appender> {
        let writer = RecordBatchWriter::for_table(table).map_err(delta(name))?;
        Ok(Appender { writer, table: name.to_string(), rows: 0 })
    }

    /// Appends a few in-memory batches in one commit.
    pub async fn append(&self, table: DeltaTable, name: &str, batches: Vec<RecordBatch>) -> Result<DeltaTable> {
        if batches.iter().all(|b| b.num_rows() == 0) {
            return Ok(table);
        }
        table.write(batches).with_save_mode(SaveMode::Append).await.map_err(delta(name))
    }

    /// Replaces a table's contents in one commit.
    pub async fn overwrite(&self, table: DeltaTable, name: &str, batches: Vec<RecordBatch>) -> Result<DeltaTable> {
        table.write(batches).with_save_mode(SaveMode::Overwrite).await.map_err(delta(name))
    }

    /// Replaces the rows matching a SQL predicate with `batches` in one commit (every new
    /// row must match the predicate): re-running a step for the same key changes nothing.
    pub async fn replace_where(
        &self,
        table: DeltaTable,
        name: &str,
        batches: Vec<RecordBatch>,
        predicate: &str,
    ) -> Result<DeltaTable> {
        table
            .write(batches)
            .with_save_mode(SaveMode::Overwrite)
            .with_replace_where(predicate.to_string())
            .await
            .map_err(delta(name))
    }

    /// Deletes the rows matching a SQL predicate in one commit.
    pub async fn delete(&self, table: DeltaTable, name: &str, predicate: &str) -> Result<DeltaTable> {
        let (t, _metrics) = table.delete().with_predicate(predicate).await.map_err(delta(name))?;
        Ok(t)
    }
}

/// A streaming append in progress; see [`Store::appender`].
pub struct Appender {
    writer: RecordBatchWriter,
    table: String,
    rows: usize,
}

impl Appender {
    /// Writes a batch to data files (not yet visible).
    pub async fn write(&mut self, batch: RecordBatch) -> Result<()> {
        self.rows += batch.num_rows();
        self.writer.write(batch).await.map_err(delta(&self.table))
    }

    /// Makes everything written visible in one commit; nothing is committed when no row
    /// was written, so a re-run that stores nothing leaves the table's version unchanged.
    pub async fn commit(mut self, table: &mut DeltaTable) -> Result<usize> {
        if self.rows == 0 {
            return Ok(0);
        }
        let adds: Vec<Action> =
            self.writer.flush().await.map_err(delta(&self.table))?.into_iter().map(Action::Add).collect();
        crate::failpoint::hit("after_batch_write");
        let snapshot = table.snapshot().map_err(delta(&self.table))?;
        let operation = DeltaOperation::Write { mode: SaveMode::Append, partition_by: None, predicate: None };
        CommitBuilder::default()
            .with_actions(adds)
            .build(Some(snapshot), table.log_store(), operation)
            .await
            .map_err(delta(&self.table))?;
        table.update_state().await.map_err(delta(&self.table))?;
        Ok(self.rows)
    }
}
