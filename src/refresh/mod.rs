//! `radar refresh`: runs the pipeline DAG over the records before the as-of date,
//! incrementally by default, and publishes every output at once.
//!
//! Order of a run: take the store's refresh lock → load and validate the pipeline → pin
//! the record tables (one snapshot for the whole run) → plan (full or incremental) →
//! record `running` in `refresh_runs` → run the steps in DAG order, each one Delta
//! commit → publish all output versions in one atomic rename → record `ok`. A failing
//! step records `failed` with the step's name; the previous publish stays in place.

pub mod plan;
pub mod runs;
pub mod testing;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use chrono_tz::Tz;
use datafusion::prelude::SessionContext;
use deltalake::DeltaTable;

use crate::features::clock::LocalClock;
use crate::pipeline::exec::{self, Context};
use crate::pipeline::{self, PipelineError};
use crate::schema::time::{date_to_days, days_to_date, Micros};
use crate::schema::ALL_KINDS;
use crate::store::{Published, Store, StoreError};
pub use plan::Plan;

/// Errors of a refresh.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The pipeline definition or a step.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file-system operation.
    #[error("{}: {source}", path.display())]
    Io {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A query during planning.
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// A feature computation outside a step.
    #[error(transparent)]
    Feature(#[from] crate::features::FeatureError),
}

impl RefreshError {
    /// Whether this is a definition (configuration) error: exit code 2.
    pub fn is_config(&self) -> bool {
        matches!(self, RefreshError::Pipeline(p) if p.is_definition())
    }
}

/// What to refresh.
#[derive(Debug, Clone)]
pub struct RefreshOptions {
    /// As-of date D; `None` = today by `now` in `tz`.
    pub as_of: Option<NaiveDate>,
    /// Recompute everything.
    pub full: bool,
    /// Wait for another writer of the store instead of failing.
    pub wait: bool,
    /// Campus zone.
    pub tz: Tz,
    /// The clock.
    pub now: Micros,
    /// Pipeline directory (`None` = built-in).
    pub pipelines: Option<PathBuf>,
}

/// Progress callbacks.
pub trait RefreshProgress {
    /// A step starts (`index` of `total`).
    fn step_started(&self, _step: &str, _index: usize, _total: usize) {}
    /// A step ended.
    fn step_done(&self, _step: &str, _rows: u64, _skipped: bool) {}
}

/// No progress display.
pub struct Quiet;
impl RefreshProgress for Quiet {}

/// One step's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepReport {
    /// Step.
    pub step: String,
    /// Rows written.
    pub rows: u64,
    /// Not rerun (nothing to recompute).
    pub skipped: bool,
    /// Wall seconds.
    pub seconds: f64,
}

/// What a refresh did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RefreshReport {
    /// Run id.
    pub run_id: String,
    /// As-of date.
    pub as_of: String,
    /// `full` or `incremental`.
    pub mode: String,
    /// Why a full run, or the first recomputed week.
    pub detail: String,
    /// Steps in run order.
    pub steps: Vec<StepReport>,
}

/// The as-of date a refresh uses: `given`, else the local date of `now`.
pub fn as_of_date(given: Option<NaiveDate>, now: Micros, tz: Tz) -> i32 {
    match given {
        Some(d) => date_to_days(d),
        None => LocalClock::new(tz).local(now).0,
    }
}

/// The as-of date a reader of the derived tables uses by default: the latest published
/// refresh's, else the local date of `now`.
pub fn published_as_of(store: &Store, now: Micros, tz: Tz) -> Result<i32, StoreError> {
    match crate::schema::time::parse_date(&store.published()?.as_of) {
        Some(d) => Ok(date_to_days(d)),
        None => Ok(as_of_date(None, now, tz)),
    }
}

/// Runs a refresh.
pub async fn refresh(
    store: &Store,
    opts: &RefreshOptions,
    progress: &dyn RefreshProgress,
) -> Result<RefreshReport, RefreshError> {
    let started = Instant::now();
    let run_id = uuid::Uuid::new_v4().to_string();
    let holder = format!("radar refresh (run {run_id}, pid {})", std::process::id());
    let _lock = crate::store::lock::acquire(store.root(), opts.wait, &holder).await?;
    let pipeline = pipeline::load(opts.pipelines.as_deref())?;
    pipeline::check::validate(&pipeline).await?;
    let order: Vec<pipeline::Step> = pipeline::graph::order(&pipeline)?.into_iter().cloned().collect();
    runs::close_stale(store).await?;

    let as_of = as_of_date(opts.as_of, opts.now, opts.tz);
    let as_of_ts = LocalClock::new(opts.tz).midnight(as_of);
    let as_of_text = days_to_date(as_of).format("%Y-%m-%d").to_string();
    let mut kinds: BTreeMap<String, DeltaTable> = BTreeMap::new();
    for k in ALL_KINDS.iter() {
        if let Some(t) = store.load(k.name).await? {
            kinds.insert(k.name.to_string(), t);
        }
    }
    let ctx = SessionContext::new();
    pipeline::asof::register_views(&ctx, &kinds, as_of_ts, &as_of_text).await?;
    let span = crate::features::week::span::span(&ctx, as_of, opts.tz).await?;
    let published = store.published()?;
    let plan = if opts.full {
        Plan::Full("--full".into())
    } else {
        plan::plan(&plan::PlanInput {
            store,
            pipeline: &pipeline,
            published: &published,
            kinds: &kinds,
            ctx: &ctx,
            as_of,
            as_of_ts,
            span,
            tz: opts.tz,
        })
        .await?
    };
    let (mode, since, detail) = match &plan {
        Plan::Full(why) => ("full", None, why.clone()),
        Plan::Incremental { since: i32::MAX } => {
            ("incremental", Some(i32::MAX), "no weekly step needs recomputing".into())
        }
        Plan::Incremental { since } => {
            ("incremental", Some(*since), format!("weeks from {} recomputed", days_to_date(*since).format("%Y-%m-%d")))
        }
    };
    tracing::info!(mode, detail = detail.as_str(), "refresh plan");
    let row = runs::RunRow {
        run_id: run_id.clone(),
        started_at: opts.now,
        as_of,
        mode: mode.to_string(),
        since: since.filter(|s| *s != i32::MAX),
        pipeline: pipeline.source.clone(),
    };
    runs::start(store, &row).await?;

    let mut published_tables = BTreeMap::new();
    if since.is_some() {
        for (name, v) in &published.tables {
            published_tables.insert(name.clone(), store.load_version(name, *v).await?);
        }
    }
    let mut c = Context {
        store,
        kinds: &kinds,
        outputs: BTreeMap::new(),
        published: published_tables,
        as_of_ts,
        as_of,
        since,
        tz: opts.tz,
        span,
    };
    let mut steps = Vec::new();
    let total = order.len();
    let mut failure = None;
    for (i, step) in order.iter().enumerate() {
        progress.step_started(&step.name, i, total);
        let t0 = Instant::now();
        if exec::skipped(&c, step) {
            if let Some(t) = c.published.get(&step.name).cloned() {
                c.outputs.insert(step.name.clone(), t);
            }
            progress.step_done(&step.name, 0, true);
            steps.push(StepReport { step: step.name.clone(), rows: 0, skipped: true, seconds: 0.0 });
            continue;
        }
        match exec::run(&c, step).await {
            Ok(r) => {
                progress.step_done(&step.name, r.rows, false);
                steps.push(StepReport {
                    step: step.name.clone(),
                    rows: r.rows,
                    skipped: false,
                    seconds: t0.elapsed().as_secs_f64(),
                });
                c.outputs.insert(step.name.clone(), r.table);
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let finished_at = opts.now + started.elapsed().as_micros() as i64;
    let steps_json =
        serde_json::to_string(&steps.iter().map(|s| (s.step.clone(), s.rows)).collect::<BTreeMap<String, u64>>())
            .unwrap_or_default();
    if let Some(e) = failure {
        let msg = e.to_string();
        runs::finish(store, &run_id, finished_at, Some(&msg), &steps_json).await?;
        return Err(e.into());
    }
    let mut tables = BTreeMap::new();
    for (name, t) in &c.outputs {
        if let Some(v) = t.version() {
            tables.insert(name.clone(), v);
        }
    }
    crate::failpoint::hit("before_publish");
    store.publish(&Published {
        run_id: run_id.clone(),
        as_of: as_of_text.clone(),
        tables,
        inputs: kinds.iter().filter_map(|(k, t)| t.version().map(|v| (k.clone(), v))).collect(),
        span,
        pipeline_digest: pipeline.digest.clone(),
    })?;
    crate::failpoint::hit("after_publish");
    runs::finish(store, &run_id, finished_at, None, &steps_json).await?;
    Ok(RefreshReport { run_id, as_of: as_of_text, mode: mode.to_string(), detail, steps })
}
