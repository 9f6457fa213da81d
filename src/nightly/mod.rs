//! One night of the schedule, as `radar schedule` and the service's schedule both run it:
//! take the store's writer lock → refresh the features → score with the nightly model →
//! raise the warnings → build the nightly products (typology, evaluation,
//! recommendations, profiles). A step that fails does not stop the later ones that do
//! not need it (as before: a failed scoring still lets the warnings run); every failure
//! is in the report, and a failed night is always in `refresh_runs`.

pub mod at;
mod products;

use std::path::PathBuf;
use std::time::Instant;

use chrono_tz::Tz;

pub use products::{products, ProductsReport};

use crate::models::registry::Registry;
use crate::models::{score, ModelError};
use crate::refresh::{self, runs, RefreshError, RefreshOptions, RefreshProgress, RefreshReport};
use crate::schema::time::{date_to_days, parse_date, Micros};
use crate::store::{Store, StoreError};
use crate::warnings::raise::RaiseReport;
use crate::warnings::WarningError;

/// What failed in a night, by step.
#[derive(Debug, thiserror::Error)]
pub enum NightError {
    /// The writer lock, or recording the night in `refresh_runs`.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The night's own thread or runtime could not start.
    #[error("cannot start the night: {0}")]
    Runtime(#[source] std::io::Error),
    /// The warning rules file.
    #[error("warning rules: {0}")]
    Rules(#[source] WarningError),
    /// The refresh (recorded in `refresh_runs`).
    #[error("refresh: {0}")]
    Refresh(#[source] RefreshError),
    /// Scoring with the nightly model.
    #[error("risk scores: {0}")]
    Score(#[source] ModelError),
    /// Raising the warnings.
    #[error("warnings: {0}")]
    Warnings(#[source] WarningError),
    /// The 德智体美劳 evaluation (a configuration error only: a missing record kind skips it).
    #[error("evaluation: {0}")]
    Evaluation(#[source] crate::evaluation::EvaluationError),
    /// The recommendations.
    #[error("recommendations: {0}")]
    Recommend(#[source] crate::recommend::RecommendError),
    /// The profiles.
    #[error("profiles: {0}")]
    Profiles(#[source] crate::profile::ProfileError),
}

impl NightError {
    /// Whether this is a configuration error (a definition or settings file to fix).
    pub fn is_config(&self) -> bool {
        match self {
            NightError::Store(_) | NightError::Runtime(_) => false,
            NightError::Rules(e) | NightError::Warnings(e) => e.is_config(),
            NightError::Refresh(e) => e.is_config(),
            NightError::Score(e) => e.is_config(),
            NightError::Evaluation(e) => e.is_config(),
            NightError::Recommend(e) => e.is_config(),
            NightError::Profiles(e) => e.is_config(),
        }
    }

    /// The step's name, for logs and metrics.
    pub fn step(&self) -> &'static str {
        match self {
            NightError::Store(_) => "store",
            NightError::Runtime(_) => "runtime",
            NightError::Rules(_) => "rules",
            NightError::Refresh(_) => "refresh",
            NightError::Score(_) => "score",
            NightError::Warnings(_) => "warnings",
            NightError::Evaluation(_) => "evaluation",
            NightError::Recommend(_) => "recommendations",
            NightError::Profiles(_) => "profiles",
        }
    }
}

/// Where a night says what it did: progress lines (left out when quiet) and failures of
/// optional products (always shown).
pub trait NightLog: Sync {
    /// A progress line.
    fn info(&self, line: &str);
    /// A product that was skipped, with why.
    fn warn(&self, line: &str);
}

/// Logs through `tracing` (the service).
pub struct TracingLog;

impl NightLog for TracingLog {
    fn info(&self, line: &str) {
        tracing::info!(target: "campus_radar::nightly", "{line}");
    }
    fn warn(&self, line: &str) {
        tracing::warn!(target: "campus_radar::nightly", "{line}");
    }
}

/// How to run a night.
#[derive(Debug, Clone)]
pub struct NightOptions {
    /// Campus zone.
    pub tz: Tz,
    /// The clock of the night (its refresh's `started_at`; the as-of date is its local date).
    pub now: Micros,
    /// Model registry; the model named in its NIGHTLY file scores.
    pub models: PathBuf,
    /// Warning rules file (`None`: ./pipelines/warnings/rules.toml, else built-in).
    pub rules: Option<PathBuf>,
    /// Pipeline directory (`None`: ./pipelines when it holds steps, else built-in).
    pub pipelines: Option<PathBuf>,
    /// New warnings per counsellor per night, instead of the rules file's.
    pub capacity: Option<usize>,
    /// Who holds the writer lock, for another writer's message (e.g. `radar serve (pid 7)`).
    pub holder: String,
}

/// What a night did.
#[derive(Debug, Default)]
pub struct NightReport {
    /// The night's clock.
    pub started_at: Micros,
    /// Wall seconds, lock wait included.
    pub seconds: f64,
    /// The refresh, when it succeeded.
    pub refresh: Option<RefreshReport>,
    /// Students scored with the nightly model (none when no model is nightly).
    pub scored: Option<usize>,
    /// The warnings raised.
    pub warnings: Option<RaiseReport>,
    /// The nightly products.
    pub products: Option<ProductsReport>,
    /// Every failure, in step order.
    pub failures: Vec<NightError>,
}

impl NightReport {
    /// Whether every step succeeded.
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs one night on `store`. Never returns early with an error: what failed is in the
/// report, and recorded in `refresh_runs`.
pub async fn run(
    store: &Store,
    opts: &NightOptions,
    progress: &dyn RefreshProgress,
    log: &dyn NightLog,
) -> NightReport {
    let t0 = Instant::now();
    let mut report = NightReport { started_at: opts.now, ..NightReport::default() };
    // A night waits for another writer (a manual ingest) rather than skip; it holds the
    // lock through its scoring, warnings and profiles.
    let _lock = match crate::store::lock::acquire(store.root(), true, &opts.holder).await {
        Ok(l) => l,
        Err(e) => {
            report.failures.push(e.into());
            report.seconds = t0.elapsed().as_secs_f64();
            return report;
        }
    };
    steps(store, opts, progress, log, &mut report).await;
    if !report.ok() {
        if let Err(e) = record_failure(store, opts, &report, t0).await {
            report.failures.push(e);
        }
    }
    report.seconds = t0.elapsed().as_secs_f64();
    report
}

async fn steps(
    store: &Store,
    opts: &NightOptions,
    progress: &dyn RefreshProgress,
    log: &dyn NightLog,
    report: &mut NightReport,
) {
    let mut rules = match crate::warnings::rules::load(crate::warnings::rules::resolve(opts.rules.clone()).as_deref()) {
        Ok(r) => r,
        Err(e) => return report.failures.push(NightError::Rules(e)),
    };
    if let Some(c) = opts.capacity {
        rules.settings.capacity = c;
    }
    let ropts = RefreshOptions {
        as_of: None,
        full: false,
        wait: true,
        tz: opts.tz,
        now: opts.now,
        pipelines: crate::pipeline::resolve_dir(opts.pipelines.clone()),
    };
    let r = match refresh::refresh(store, &ropts, progress).await {
        Ok(r) => r,
        Err(e) => return report.failures.push(NightError::Refresh(e)),
    };
    log.info(&format!("refresh {} as of {} ok ({}: {})", r.run_id, r.as_of, r.mode, r.detail));
    let as_of = parse_date(&r.as_of).map(date_to_days).unwrap_or_default();
    match score_nightly(store, &opts.models, as_of, opts.tz, log).await {
        Ok(n) => report.scored = n,
        Err(e) => report.failures.push(NightError::Score(e)),
    }
    match crate::warnings::raise(store, &rules, opts.tz, opts.now).await {
        Ok(w) => {
            log.info(&format!(
                "warnings: {} new, {} updated ({} escalated), {} deferred by capacity, {} in cooldown; {} open in \
                 {:.2} s",
                w.raised, w.updated, w.escalated, w.deferred, w.suppressed, w.open, w.seconds
            ));
            report.warnings = Some(w);
        }
        Err(e) => report.failures.push(NightError::Warnings(e)),
    }
    match products(store, as_of, opts.tz, log).await {
        Ok(p) => report.products = Some(p),
        Err(e) => report.failures.push(e),
    }
    report.refresh = Some(r);
}

/// Scores everyone as of `as_of` with the registry's nightly model, if one is named.
pub async fn score_nightly(
    store: &Store,
    models: &std::path::Path,
    as_of: i32,
    tz: Tz,
    log: &dyn NightLog,
) -> Result<Option<usize>, ModelError> {
    let reg = Registry::new(models);
    let Some(name) = reg.nightly() else { return Ok(None) };
    let model = reg.load(&name)?;
    let (_, rows) = score::score(store, &model, as_of, tz).await?;
    score::write(store, &model, as_of, &rows).await?;
    let alerts = rows.iter().filter(|r| r.alert && !r.known_outcome).count();
    log.info(&format!(
        "risk: {} students scored with {}@{}, {} at or above the threshold",
        rows.len(),
        model.name,
        model.version,
        alerts
    ));
    Ok(Some(rows.len()))
}

/// Puts the night's failure in `refresh_runs`: a refresh that failed before it recorded
/// itself gets a `failed` row; a refresh that succeeded while a later step failed is
/// marked `failed` with that step's error (its tables stay published).
async fn record_failure(
    store: &Store,
    opts: &NightOptions,
    report: &NightReport,
    t0: Instant,
) -> Result<(), NightError> {
    let error = report.failures.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ");
    if let Some(r) = &report.refresh {
        runs::mark_failed(store, &r.run_id, &format!("after the refresh: {error}")).await?;
        return Ok(());
    }
    if runs::started_at_exists(store, opts.now).await? {
        return Ok(());
    }
    let row = runs::RunRow {
        run_id: uuid::Uuid::new_v4().to_string(),
        started_at: opts.now,
        as_of: refresh::as_of_date(None, opts.now, opts.tz),
        mode: "incremental".into(),
        since: None,
        pipeline: match crate::pipeline::resolve_dir(opts.pipelines.clone()) {
            Some(p) => p.display().to_string(),
            None => "built-in".into(),
        },
    };
    let finished = opts.now + t0.elapsed().as_micros() as i64;
    runs::record_failed(store, &row, finished, &error).await?;
    Ok(())
}
