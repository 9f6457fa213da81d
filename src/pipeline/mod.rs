//! Pipelines as data: a DAG of steps declared in `pipelines/*.toml`, each SQL run by
//! DataFusion over the store or a named built-in Rust step, each writing a Delta table.
//!
//! Every step sees the record kinds through as-of views ([`asof`]): the data as it stood
//! at D 00:00 local, so analysts' SQL needs no time filter of its own.

pub mod asof;
pub mod check;
pub mod exec;
pub mod graph;
pub mod spec;

use std::path::PathBuf;

pub use spec::{load, resolve_dir, Body, Pipeline, Refresh, Step, Template};

/// Errors of pipeline definitions and runs.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A pipeline file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A pipeline file is not valid TOML or not a step list.
    #[error("pipeline file {file}: {reason}")]
    Parse {
        /// File.
        file: String,
        /// Why.
        reason: String,
    },
    /// A step declaration is wrong.
    #[error("step `{step}` ({file}): {reason}")]
    Step {
        /// Step.
        step: String,
        /// File.
        file: String,
        /// Why.
        reason: String,
    },
    /// An edge of the graph is wrong.
    #[error("edge `{from}` → step `{to}`: {reason}")]
    Edge {
        /// Table read.
        from: String,
        /// Step reading it.
        to: String,
        /// Why.
        reason: String,
    },
    /// A step's SQL does not plan.
    #[error("step `{step}` ({file}): SQL does not plan: {reason}")]
    Plan {
        /// Step.
        step: String,
        /// File.
        file: String,
        /// Planner message.
        reason: String,
    },
    /// A step failed while running.
    #[error("step `{step}` failed: {reason}")]
    Failed {
        /// Step.
        step: String,
        /// Why.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A query failed outside any step.
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
}

impl PipelineError {
    /// Whether the pipeline definition itself is at fault (exit code 2).
    pub fn is_definition(&self) -> bool {
        matches!(
            self,
            PipelineError::Io { .. }
                | PipelineError::Parse { .. }
                | PipelineError::Step { .. }
                | PipelineError::Edge { .. }
                | PipelineError::Plan { .. }
        )
    }
}
