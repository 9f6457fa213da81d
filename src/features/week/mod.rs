//! The built-in `student_week` step: features.md's weekly reference features and the
//! weekly extras documented in the README, one row per student and week.
//!
//! Each record kind is folded by its own task into a map keyed by (student, week), so the
//! kinds are read in parallel and no kind is ever held whole in memory: the maps hold one
//! small accumulator per student-week. Only library `in` events and attendance sessions
//! are kept as (student, time) pairs, because their features are chains over a student's
//! history that need the events in order.
//!
//! Incremental runs recompute the weeks from `since` on. The chain states that cross the
//! `since` boundary (last counted library visit, attendance streaks) are read from the
//! previous published row of the week before `since`.

mod access;
mod attend;
mod card;
mod emit;
mod network;
mod other;
mod prior;
pub mod span;

use std::sync::Arc;

use arrow::array::RecordBatch;
use chrono_tz::Tz;
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use hashbrown::HashMap;

use super::cols::strs;
use super::FeatureError;
use crate::schema::time::Micros;

pub use emit::schema;

/// What a run of the step computes.
#[derive(Debug, Clone)]
pub struct WeekParams {
    /// As-of date D (days since epoch): the views already hide records at or after D.
    pub as_of: i32,
    /// First week recomputed (a Monday, days since epoch); `None` for every week.
    pub since: Option<i32>,
    /// Campus time zone.
    pub tz: Tz,
    /// Table holding this step's previous published output (for chain states), if any.
    pub previous: Option<String>,
    /// The data set's span when the caller computed it already (same views, same D).
    pub span: Option<Option<(i32, i32)>>,
}

impl WeekParams {
    /// The instant `since` starts (local Monday 00:00); `None` on a full run, which reads
    /// every record.
    fn since_micros(&self, clock: &clock::LocalClock) -> Option<Micros> {
        self.since.map(|d| clock.midnight(d))
    }
}

use super::clock;

/// Students by dense index; indices follow `student_id` order so output comes sorted.
pub struct Students {
    ids: Vec<String>,
    index: HashMap<String, u32>,
}

impl Students {
    async fn load(ctx: &SessionContext) -> Result<Students, FeatureError> {
        let batches: Vec<RecordBatch> =
            ctx.sql("SELECT DISTINCT student_id FROM students").await?.execute_stream().await?.try_collect().await?;
        let mut ids = Vec::new();
        for b in &batches {
            let s = strs(b, "student_id")?;
            ids.extend((0..b.num_rows()).map(|i| s.get(i).to_string()));
        }
        ids.sort_unstable();
        let index = ids.iter().enumerate().map(|(i, s)| (s.clone(), i as u32)).collect();
        Ok(Students { ids, index })
    }

    /// Dense index of an id (`None` for a student not in `students`).
    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }
}

/// (student index, week Monday) packed for hashing.
pub type Key = u64;

/// Packs a key.
pub fn key(student: u32, week: i32) -> Key {
    (u64::from(student) << 32) | u64::from(week as u32)
}

/// Unpacks a key.
pub fn unkey(k: Key) -> (u32, i32) {
    ((k >> 32) as u32, k as u32 as i32)
}

/// Per student-week traces shared by several kinds: which days left a trace, and the
/// first activity of each day at or after 05:00 (the wake-up proxy).
#[derive(Debug, Clone, Copy)]
pub struct Trace {
    /// Bit `i` = day `i` of the week (Monday = 0) has a trace.
    pub days: u8,
    /// First activity time of day (µs since midnight) per day, `i64::MAX` for none.
    pub first: [i64; 7],
}

impl Default for Trace {
    fn default() -> Self {
        Trace { days: 0, first: [i64::MAX; 7] }
    }
}

/// Wake-up proxy: activity before 05:00 belongs to the previous night.
pub const WAKE_FROM: i64 = 5 * clock::HOUR;

impl Trace {
    /// Records activity on weekday `dow` at `tod`; `trace` says whether it counts for
    /// `no_trace_days` too.
    pub fn note(&mut self, dow: usize, tod: i64, trace: bool) {
        if trace {
            self.days |= 1 << dow;
        }
        if tod >= WAKE_FROM && tod < self.first[dow] {
            self.first[dow] = tod;
        }
    }

    fn merge(&mut self, o: &Trace) {
        self.days |= o.days;
        for i in 0..7 {
            self.first[i] = self.first[i].min(o.first[i]);
        }
    }
}

/// Weekday index (Monday = 0) of a local date.
pub fn dow(days: i32) -> usize {
    (days + 3).rem_euclid(7) as usize
}

/// Rows in one output batch.
const BATCH_ROWS: usize = 65_536;

/// Runs the step, returning the rows of the weeks it recomputed.
pub async fn run(ctx: &SessionContext, params: &WeekParams) -> Result<Vec<RecordBatch>, FeatureError> {
    let t0 = std::time::Instant::now();
    let students = Arc::new(Students::load(ctx).await?);
    let clock = clock::LocalClock::new(params.tz);
    let since = params.since_micros(&clock);
    let span = match params.span {
        Some(known) => known,
        None => span::span(ctx, params.as_of, params.tz).await?,
    };
    let prior = prior::Prior::load(ctx, params, &students).await?;
    let present = other::present_kinds(ctx).await?;
    tracing::debug!(seconds = t0.elapsed().as_secs_f64(), "student_week: span, prior state, kinds present");

    let card = spawn(card::fold(ctx.clone(), students.clone(), params.clone(), since));
    let access = spawn(access::fold(ctx.clone(), students.clone(), params.clone(), since));
    let network = spawn(network::fold(ctx.clone(), students.clone(), params.clone(), since));
    let attend = spawn(attend::fold(ctx.clone(), students.clone(), params.clone(), since));
    let other = spawn(other::fold(ctx.clone(), students.clone(), params.clone(), since));
    let t0 = std::time::Instant::now();
    let parts = emit::Parts {
        card: join(card).await?,
        access: join(access).await?,
        network: join(network).await?,
        attend: join(attend).await?,
        other: join(other).await?,
    };
    tracing::debug!(seconds = t0.elapsed().as_secs_f64(), "student_week: record kinds folded");
    let rows = emit::emit(&students, params, span, &prior, &present, parts);
    tracing::debug!(seconds = t0.elapsed().as_secs_f64(), "student_week: rows built");
    rows
}

fn spawn<T: Send + 'static>(
    f: impl std::future::Future<Output = Result<T, FeatureError>> + Send + 'static,
) -> tokio::task::JoinHandle<Result<T, FeatureError>> {
    tokio::spawn(f)
}

async fn join<T>(h: tokio::task::JoinHandle<Result<T, FeatureError>>) -> Result<T, FeatureError> {
    h.await.map_err(|e| FeatureError::Task(e.to_string()))?
}

/// Streams a query's batches into `f`.
pub async fn each_batch(
    ctx: &SessionContext,
    sql: &str,
    mut f: impl FnMut(&RecordBatch) -> Result<(), FeatureError>,
) -> Result<(), FeatureError> {
    let mut stream = ctx.sql(sql).await?.execute_stream().await?;
    while let Some(b) = stream.try_next().await? {
        f(&b)?;
    }
    Ok(())
}

/// SQL condition `col >= since` (always true for a full run).
pub fn since_filter(col: &str, since: Option<Micros>) -> String {
    match since {
        Some(t) => format!("{col} >= {}", ts_lit(t)),
        None => "TRUE".to_string(),
    }
}

/// A SQL literal for the UTC instant `t`, typed like the store's timestamp columns.
pub fn ts_lit(t: Micros) -> String {
    format!("arrow_cast({t}, 'Timestamp(Microsecond, Some(\"UTC\"))')")
}
