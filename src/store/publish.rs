//! Multi-table snapshots. A Delta commit is atomic for one table; a refresh writes several
//! derived tables, so it publishes the set of versions it wrote as one small JSON file
//! replaced by an atomic rename. Readers of derived tables open them at the published
//! versions, so they see the previous refresh or the new one, never half of one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{delta, Result, Store, StoreError};

/// What the last successful refresh published.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Published {
    /// Run that published.
    pub run_id: String,
    /// As-of date of that run, `YYYY-MM-DD`.
    pub as_of: String,
    /// Derived table → Delta version.
    pub tables: BTreeMap<String, u64>,
    /// Record-kind table → the Delta version that run read (absent kinds missing).
    #[serde(default)]
    pub inputs: BTreeMap<String, u64>,
    /// The data set's span that run saw, as days since epoch.
    #[serde(default)]
    pub span: Option<(i32, i32)>,
    /// Digest of the pipeline definitions that run used.
    #[serde(default)]
    pub pipeline_digest: String,
}

const FILE: &str = "_published.json";

impl Store {
    fn published_path(&self) -> PathBuf {
        self.root.join(FILE)
    }

    /// The published derived-table versions (empty before the first refresh).
    pub fn published(&self) -> Result<Published> {
        let path = self.published_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| StoreError::Location { path, reason: format!("unreadable publish record: {e}") }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Published::default()),
            Err(e) => Err(StoreError::Location { path, reason: e.to_string() }),
        }
    }

    /// Replaces the published versions in one atomic rename.
    pub fn publish(&self, published: &Published) -> Result<()> {
        let path = self.published_path();
        let tmp = self.root.join(format!("{FILE}.tmp"));
        let loc = |e: std::io::Error| StoreError::Location { path: path.clone(), reason: e.to_string() };
        let body = serde_json::to_vec_pretty(published)
            .map_err(|e| StoreError::Location { path: path.clone(), reason: e.to_string() })?;
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(loc)?;
            f.write_all(&body).map_err(loc)?;
            f.sync_all().map_err(loc)?;
        }
        std::fs::rename(&tmp, &path).map_err(loc)?;
        Ok(())
    }

    /// Loads a table at a version.
    pub async fn load_version(&self, table: &str, version: u64) -> Result<deltalake::DeltaTable> {
        deltalake::open_table_with_version(self.url(table)?, version).await.map_err(delta(table))
    }

    /// Loads a table as readers should see it: at its published version when a refresh
    /// published it, else the latest.
    pub async fn load_published(&self, table: &str, published: &Published) -> Result<Option<deltalake::DeltaTable>> {
        match published.tables.get(table) {
            Some(&v) => Ok(Some(self.load_version(table, v).await?)),
            None => self.load(table).await,
        }
    }
}
