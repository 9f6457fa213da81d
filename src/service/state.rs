//! What every request shares: the store, the settings, the directory of who is who
//! (cached, reloaded when `students` or `staff` change) and the metrics.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono_tz::Tz;

use super::config::ServiceConfig;
use super::error::ApiError;
use super::metrics::Metrics;
use super::ServiceError;
use crate::accounts::scope::Directory;
use crate::accounts::Accounts;
use crate::schema::time::Micros;
use crate::store::Store;
use crate::warnings::db::OpsDb;

/// How long a loaded directory is trusted before the tables' versions are checked again.
const DIRECTORY_CHECK: Duration = Duration::from_secs(5);

struct Cached {
    checked: Instant,
    versions: (Option<u64>, Option<u64>),
    dir: Arc<Directory>,
}

struct Inner {
    config: ServiceConfig,
    store: Store,
    fixed_now: Option<Micros>,
    metrics: Metrics,
    pseudonym_key: Vec<u8>,
    directory: tokio::sync::Mutex<Option<Cached>>,
}

/// Shared state of the service (cheap to clone).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// Opens the store of `config`. `fixed_now` pins the clock (tests, `--now`).
    pub fn new(config: ServiceConfig, fixed_now: Option<Micros>) -> Result<AppState, ServiceError> {
        let store = Store::open_existing(&config.store).map_err(|e| ServiceError::Store(e.to_string()))?;
        let accounts = Accounts::open(&config.store).map_err(|e| ServiceError::Store(e.to_string()))?;
        let pseudonym_key = accounts.pseudonym_key().map_err(|e| ServiceError::Store(e.to_string()))?;
        let metrics = Metrics::new().map_err(|e| ServiceError::Config(format!("metrics: {e}")))?;
        Ok(AppState(Arc::new(Inner {
            config,
            store,
            fixed_now,
            metrics,
            pseudonym_key,
            directory: tokio::sync::Mutex::new(None),
        })))
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The store directory.
    pub fn root(&self) -> &Path {
        self.0.store.root()
    }

    /// The campus zone.
    pub fn tz(&self) -> Tz {
        self.0.config.tz
    }

    /// The clock: fixed when the service was started with one, else the wall clock.
    pub fn now(&self) -> Micros {
        self.0.fixed_now.unwrap_or_else(|| chrono::Utc::now().timestamp_micros())
    }

    /// The settings.
    pub fn config(&self) -> &ServiceConfig {
        &self.0.config
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// A connection to the operational database.
    pub fn ops(&self) -> Result<OpsDb, ApiError> {
        OpsDb::open(self.root()).map_err(|e| ApiError::unavailable(format!("operational database: {e}")))
    }

    /// The account tables.
    pub fn accounts(&self) -> Result<Accounts, ApiError> {
        Accounts::open(self.root()).map_err(|e| ApiError::unavailable(format!("operational database: {e}")))
    }

    /// The stable pseudonym of a student for analysts.
    pub fn pseudonym(&self, student_id: &str) -> String {
        crate::accounts::pseudonym(&self.0.pseudonym_key, student_id)
    }

    /// Who is who, as of the latest `students` and `staff` commits.
    pub async fn directory(&self) -> Result<Arc<Directory>, ApiError> {
        let mut cached = self.0.directory.lock().await;
        if let Some(c) = cached.as_mut() {
            if c.checked.elapsed() < DIRECTORY_CHECK {
                return Ok(c.dir.clone());
            }
            let versions = self.versions();
            if versions == c.versions {
                c.checked = Instant::now();
                return Ok(c.dir.clone());
            }
        }
        let versions = self.versions();
        let dir = Arc::new(Directory::load(self.store()).await.map_err(ApiError::internal)?);
        *cached = Some(Cached { checked: Instant::now(), versions, dir: dir.clone() });
        Ok(dir)
    }

    /// The newest commit number of `students` and `staff`, read from their logs' file
    /// names (no table is opened).
    fn versions(&self) -> (Option<u64>, Option<u64>) {
        let v = |t: &str| -> Option<u64> {
            std::fs::read_dir(self.root().join(t).join("_delta_log"))
                .ok()?
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json")?.parse::<u64>().ok())
                .max()
        };
        (v("students"), v("staff"))
    }
}
