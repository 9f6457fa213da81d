//! Comprehensive evaluation (科学评价, guideline item 1.6) and the community indicators of
//! the guideline (items 1.3, 1.5, 2.2, 2.6, 2.8).
//!
//! ```text
//!  indicators.toml ─► indicators (name, dimension, direction, SQL with {{term}} placeholders)
//!  store (record kinds as of D) ─► students: one value per active student and indicator
//!        │                           (absent kind → indicator unavailable, never 0)
//!        ▼
//!  entropy: min–max normalise, entropy weights per dimension (or expert weights)
//!        ▼
//!  dimension scores 0–100 (德 智 体 美 劳), total, percentiles within (major, cohort)
//!        ▼
//!  student_evaluation, evaluation_weights (Delta; a term's rows replaced in one commit)
//!
//!  students + staff + process_records ─► community: mentor load and meetings, leader
//!        contacts, counsellors stationed, party-member coverage of buildings and floors
//! ```
//!
//! The module reads store tables only. Political status is read for the party-member
//! coverage alone and only ever leaves [`community`] as counts per building or floor.

pub mod community;
pub mod entropy;
pub mod indicators;
pub mod percentile;
pub mod students;
pub mod tables;
pub mod term;
pub mod weights;

pub use community::{community_indicators, CommunityOptions, CommunityReport, CommunityRow, GroupBy};
pub use indicators::{Dimension, Direction, Indicator, IndicatorSet, Missing, DIMENSIONS};
pub use students::{evaluate_students, EvalOptions, EvalReport, IndicatorWeight, StudentScore, WeightStatus};
pub use tables::{write_evaluation, EVALUATION_WEIGHTS, STUDENT_EVALUATION};
pub use term::TermWindow;
pub use weights::{ExpertWeights, Method};

use std::path::PathBuf;

/// Errors of the evaluation module.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    /// A setting or a configuration file is not usable (exit code 2).
    #[error("{what}: {hint}")]
    Config {
        /// What is wrong.
        what: String,
        /// What to do about it.
        hint: String,
    },
    /// An indicator definition is wrong (exit code 2).
    #[error("indicator `{indicator}` ({file}): {reason}")]
    Indicator {
        /// Indicator name.
        indicator: String,
        /// File it was declared in.
        file: String,
        /// Why.
        reason: String,
    },
    /// An indicator's query returned something it should not (a job failure).
    #[error("indicator `{indicator}`: {reason}")]
    Result {
        /// Indicator name.
        indicator: String,
        /// Why.
        reason: String,
    },
    /// Nothing to evaluate.
    #[error("not enough data: {0}")]
    NoData(String),
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Registering the as-of views.
    #[error(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),
    /// A query failed.
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// A query result is not shaped as expected.
    #[error(transparent)]
    Shape(#[from] crate::features::FeatureError),
    /// Building a batch failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

impl EvaluationError {
    /// Whether this is a usage or configuration error (exit code 2).
    pub fn is_config(&self) -> bool {
        matches!(self, EvaluationError::Config { .. } | EvaluationError::Indicator { .. })
    }

    pub(crate) fn config(what: impl Into<String>, hint: impl Into<String>) -> EvaluationError {
        EvaluationError::Config { what: what.into(), hint: hint.into() }
    }
}

/// Collects a query's batches.
pub(crate) async fn collect(
    ctx: &datafusion::prelude::SessionContext,
    sql: &str,
) -> Result<Vec<arrow::array::RecordBatch>, EvaluationError> {
    use futures::TryStreamExt;
    Ok(ctx.sql(sql).await?.execute_stream().await?.try_collect().await?)
}

/// A SQL string literal.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
