//! The crate error: one variant per module, each with structured fields.

use std::path::PathBuf;

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or checking input files.
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
    /// Generating a campus (`radar generate`).
    #[error(transparent)]
    Generate(#[from] crate::generate::GenerateError),
    /// Importing an outside data set (`radar import`).
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    /// The Delta Lake store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Pipeline definitions (`radar pipelines`).
    #[error(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),
    /// A refresh (`radar refresh`).
    #[error(transparent)]
    Refresh(#[from] crate::refresh::RefreshError),
    /// Warnings (`radar warnings`).
    #[error(transparent)]
    Warning(#[from] crate::warnings::WarningError),
    /// Risk models (`radar train`, `radar score`, `radar models`).
    #[error(transparent)]
    Model(#[from] crate::models::ModelError),
    /// Comprehensive evaluation and community indicators (`radar evaluate students|community`).
    #[error(transparent)]
    Evaluation(#[from] crate::evaluation::EvaluationError),
    /// Recommendations (`radar recommend`).
    #[error(transparent)]
    Recommend(#[from] crate::recommend::RecommendError),
    /// Notifications after a night (`radar notify`, `radar schedule --config`).
    #[error(transparent)]
    Notify(#[from] crate::notify::NotifyError),
    /// A setting the user gave is not usable (exit code 2).
    #[error("{what}: {hint}")]
    Config {
        /// What is wrong.
        what: String,
        /// What to do about it.
        hint: String,
    },
    /// A file-system operation on a path.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl Error {
    /// Whether this is a usage or configuration error (exit code 2) rather than a failed job.
    pub fn is_config(&self) -> bool {
        match self {
            Error::Config { .. }
            | Error::Generate(crate::generate::GenerateError::Invalid { .. })
            | Error::Store(crate::store::StoreError::ReadOnly { .. }) => true,
            Error::Pipeline(p) => p.is_definition(),
            Error::Refresh(r) => r.is_config(),
            Error::Warning(w) => w.is_config(),
            Error::Model(m) => m.is_config(),
            Error::Evaluation(e) => e.is_config(),
            Error::Recommend(r) => r.is_config(),
            Error::Notify(n) => n.is_config(),
            _ => false,
        }
    }
}
