//! Risk models: academic risk (fail / ≥ 6 failed credits / withdraw) from what is known by
//! a week of the term, calibrated, explained per student and checked for fairness; plus a
//! lifestyle typology and a hidden-hardship score.
//!
//! ```text
//!  store tables ──► term (cut-off, teaching start) ──► dataset (Frame as of the cut-off,
//!     │                                                   term outcomes as labels)
//!     │                                                          │
//!     │             prep (transform, impute, standardise) ◄──────┘
//!     │                      │
//!     │             estimator (linfa logistic regression | forest of linfa trees)
//!     │                      │
//!     │             train: time-based backtest picks the candidate → calibrate (Platt |
//!     │                    isotonic, on out-of-fold scores) → metrics, reliability, fairness
//!     │                      │
//!     │             registry: models/<name>/<version>.json (+ active version)
//!     │                      │
//!     └──────────► score: as of a date → calibrated risk + top reasons → `risk_scores`
//! ```
//!
//! Protected and sensitive attributes never reach a model: see [`features`].

pub mod analysis;
pub mod calibrate;
pub mod dataset;
pub mod estimator;
pub mod exact;
pub mod explain;
pub mod fairness;
pub mod features;
pub mod hardship;
pub mod metrics;
pub mod prep;
pub mod registry;
pub mod report;
pub mod score;
pub mod term;
pub mod train;
pub mod typology;

use arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

/// Errors of training, scoring and the registry.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A feature name that is protected or unknown (exit code 2).
    #[error(transparent)]
    FeatureName(#[from] features::FeatureNameError),
    /// A setting that cannot work (exit code 2).
    #[error("{0}")]
    Invalid(String),
    /// Not enough data to do what was asked.
    #[error("not enough data: {0}")]
    NoData(String),
    /// No such model or version in the registry.
    #[error("no model `{name}` in {registry} (see `radar models list`)")]
    NotFound {
        /// Name (and version) asked for.
        name: String,
        /// Registry directory.
        registry: String,
    },
    /// A model file that cannot be read.
    #[error("model file {file}: {msg}")]
    File {
        /// File.
        file: String,
        /// What is wrong.
        msg: String,
    },
    /// Fitting failed.
    #[error("fitting: {0}")]
    Fit(String),
    /// A query over the store.
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// Arrow.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Reading a feature column.
    #[error(transparent)]
    Feature(#[from] crate::features::FeatureError),
    /// The store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A file-system operation.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}

impl ModelError {
    /// Usage or configuration error (exit code 2).
    pub fn is_config(&self) -> bool {
        matches!(self, ModelError::FeatureName(_) | ModelError::Invalid(_) | ModelError::NotFound { .. })
    }
}

pub(crate) async fn collect(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, ModelError> {
    Ok(ctx.sql(sql).await?.execute_stream().await?.try_collect().await?)
}
