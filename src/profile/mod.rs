//! One-click profiles (一键画像) and the process record (过程记录), guideline item 1.6.
//!
//! The nightly refresh builds every student's [`doc::Profile`] as of its date from the
//! published features, the evaluation, the typology, the warnings (ops.sqlite) and the
//! recommendations, and stores it twice: in `profiles.sqlite` next to the store, keyed by
//! student, so a lookup is a point read; and, with personal fields masked, in the Delta
//! table `student_profiles` for SQL and other engines. [`access`] decides per viewer which
//! personal fields a rendering shows, and records each disclosure in the audit log.

pub mod access;
pub mod build;
pub mod doc;
pub mod render;
pub mod rows;
pub mod serving;
pub mod sources;
pub mod timeline;

pub use build::{build, Scope};
pub use doc::Profile;

/// Delta table of the masked profiles of the latest build.
pub const PROFILE_TABLE: &str = "student_profiles";

/// Errors of profiles and timelines.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A query.
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// Arrow.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// The operational database.
    #[error(transparent)]
    Ops(#[from] crate::warnings::WarningError),
    /// The serving database.
    #[error("profiles database {path}: {source}")]
    Serving {
        /// File.
        path: String,
        /// Cause.
        source: rusqlite::Error,
    },
    /// A stored document that does not parse.
    #[error("stored profile of {student}: {source}")]
    Doc {
        /// Student id.
        student: String,
        /// Cause.
        source: serde_json::Error,
    },
    /// An unexpected query result shape.
    #[error("unexpected query result: {0}")]
    Shape(String),
    /// Rendering.
    #[error("rendering: {0}")]
    Render(String),
    /// No such student.
    #[error("unknown student {0}")]
    UnknownStudent(String),
    /// No such staff member (the `--as` viewer).
    #[error("unknown staff id {0}")]
    UnknownStaff(String),
    /// Nothing to build from.
    #[error("{0}")]
    NoData(String),
}

impl ProfileError {
    /// Whether this is a usage error (exit 2).
    pub fn is_config(&self) -> bool {
        matches!(self, ProfileError::UnknownStaff(_))
    }
}
