//! Trend warnings (guideline item 1.6, 趋势预警): rules from configuration evaluated over
//! the published features as of the refresh's date, explained, de-duplicated, rate
//! limited per counsellor, and kept with their lifecycle in the operational store.
//!
//! ```text
//!  rules.toml ─► rules ─┐
//!  store (published) ─► inputs ─► detect ─► candidates ─► raise ─► ops.sqlite
//!                                                          (dedup, cooldown, capacity)
//!  ops.sqlite ─► list / export (csv, json, ndjson, xlsx) / lifecycle / interventions
//!  ops.sqlite + truth ─► evaluate
//! ```

pub mod absence;
pub mod audit;
pub mod db;
pub mod detect;
pub mod evaluate;
pub mod export;
pub mod inputs;
pub mod raise;
pub mod rules;
pub mod trend;

use std::collections::BTreeSet;
use std::time::Instant;

use crate::features::clock::LocalClock;
use crate::schema::time::{parse_date, Micros};
use crate::store::Store;

/// Errors of the warnings stage.
#[derive(Debug, thiserror::Error)]
pub enum WarningError {
    /// The rule file has problems (exit code 2).
    #[error("warning rules {file}: {}", problems.join("; "))]
    Rules {
        /// The file.
        file: String,
        /// Every problem found.
        problems: Vec<String>,
    },
    /// The operational database.
    #[error("operational store: {0}")]
    Db(String),
    /// No such warning.
    #[error("no warning `{0}`")]
    NotFound(String),
    /// A lifecycle change the lifecycle does not allow.
    #[error("cannot {action} warning {id}: it is {status} (allowed from: {allowed})")]
    Transition {
        /// Warning.
        id: String,
        /// Action.
        action: String,
        /// Current status.
        status: String,
        /// Statuses the action is allowed from.
        allowed: String,
    },
    /// Nothing published yet.
    #[error("no refresh has been published yet: run `radar refresh` first")]
    NotRefreshed,
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
    /// A query result not shaped as expected.
    #[error("unexpected shape: {0}")]
    Shape(String),
    /// Writing an export.
    #[error("export: {0}")]
    Export(String),
    /// Reading truth files.
    #[error("truth {file}: {msg}")]
    Truth {
        /// File.
        file: String,
        /// Problem.
        msg: String,
    },
}

/// Whether a warning's evidence (JSON) draws on a psychological screening, directly or
/// through a composite: health data, whose level, rule and reasons only viewers with the
/// psych grant see (`profile::access`).
pub fn draws_on_screening(evidence: &str) -> bool {
    evidence.contains("\"psych_screening\"")
}

impl From<rusqlite::Error> for WarningError {
    fn from(e: rusqlite::Error) -> Self {
        WarningError::Db(e.to_string())
    }
}

impl WarningError {
    /// Whether this is a configuration error (exit code 2).
    pub fn is_config(&self) -> bool {
        matches!(self, WarningError::Rules { .. })
    }
}

/// Evaluates the rules as of the last published refresh and updates the warnings.
pub async fn raise(
    store: &Store,
    rules: &rules::RuleSet,
    tz: chrono_tz::Tz,
    now: Micros,
) -> Result<raise::RaiseReport, WarningError> {
    let started = Instant::now();
    let published = store.published()?;
    let as_of = parse_date(&published.as_of).ok_or(WarningError::NotRefreshed)?;
    let as_of = crate::schema::time::date_to_days(as_of);
    let as_of_ts = LocalClock::new(tz).midnight(as_of);
    let ctx = store.session().await?;
    let tables: BTreeSet<String> = store.table_names().into_iter().collect();
    let inp = inputs::load(&ctx, rules, &tables, as_of, as_of_ts, tz).await?;
    let loaded = started.elapsed().as_secs_f64();
    let cands = detect::detect(rules, &inp);
    let detected = started.elapsed().as_secs_f64();
    let mut db = db::OpsDb::open(store.root())?;
    let mut rep = raise::reconcile(&mut db, rules, &inp, cands, as_of_ts, now)?;
    tracing::debug!(
        load_s = loaded,
        detect_s = detected - loaded,
        reconcile_s = started.elapsed().as_secs_f64() - detected,
        "warnings timing"
    );
    rep.as_of = published.as_of.clone();
    rep.seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        as_of = %rep.as_of,
        candidates = rep.candidates,
        raised = rep.raised,
        updated = rep.updated,
        deferred = rep.deferred,
        suppressed = rep.suppressed,
        "warnings raised"
    );
    Ok(rep)
}

#[cfg(test)]
mod absence_tests;
#[cfg(test)]
mod tests;
