//! Built-in feature steps written in Rust: the ones whose definitions are sequential
//! scans over a student's history (the 30-minute library chain, sessions split at
//! midnights and week boundaries, attendance streaks) and read poorly as SQL.
//! Everything else is SQL under `pipelines/`.

pub mod baseline;
pub mod clock;
pub mod cols;
pub mod week;

use datafusion::error::DataFusionError;

/// Errors of the feature steps.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// A query over the store failed.
    #[error("query: {0}")]
    Query(#[from] DataFusionError),
    /// Building an output batch failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A query result is not shaped as the step expects (a bug or an edited view).
    #[error("{0}")]
    Shape(String),
    /// A worker task ended abnormally.
    #[error("worker task: {0}")]
    Task(String),
}

/// Names of the built-in steps a pipeline may use as `builtin = "..."`.
pub const BUILTINS: &[(&str, &str)] = &[
    (
        "student_week",
        "weekly reference features of features.md plus lifestyle, LMS, attendance-streak and activity-dimension features",
    ),
    ("student_week_baseline", "own 8-week baseline and cohort percentile of every weekly feature, long form"),
];
