//! The `refresh_runs` table: one row per refresh, `running` while it runs, then `ok` or
//! `failed` with the error; rows per step as a JSON object.

use std::sync::Arc;

use arrow::array::{Date32Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::prelude::{col, lit};
use datafusion::scalar::ScalarValue;

use crate::schema::time::Micros;
use crate::store::{Store, StoreError};

/// Table name.
pub const REFRESH_RUNS: &str = "refresh_runs";

/// Schema of `refresh_runs`.
pub fn schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("started_at", ts.clone(), false),
        Field::new("finished_at", ts, true),
        Field::new("as_of", DataType::Date32, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("error", DataType::Utf8, true),
        Field::new("mode", DataType::Utf8, false),
        Field::new("since", DataType::Date32, true),
        Field::new("steps", DataType::Utf8, true),
        Field::new("pipeline", DataType::Utf8, false),
    ]))
}

/// A run's row.
#[derive(Debug, Clone)]
pub struct RunRow {
    /// Run id.
    pub run_id: String,
    /// Clock time it started.
    pub started_at: Micros,
    /// As-of date (days).
    pub as_of: i32,
    /// `full` or `incremental`.
    pub mode: String,
    /// First recomputed week (days), incremental runs.
    pub since: Option<i32>,
    /// Where the pipeline came from.
    pub pipeline: String,
}

fn str_lit(s: &str) -> datafusion::prelude::Expr {
    lit(ScalarValue::Utf8(Some(s.to_string())))
}

/// Marks runs left `running` by a killed process as failed (the caller holds the lock,
/// so no other refresh is running).
pub async fn close_stale(store: &Store) -> Result<(), StoreError> {
    let Some(mut t) = store.load(REFRESH_RUNS).await? else { return Ok(()) };
    let delta = |e: deltalake::DeltaTableError| StoreError::Delta { table: REFRESH_RUNS.into(), source: Box::new(e) };
    // A run that ended after it published committed everything it made: it succeeded,
    // only its finish time and step list were not logged.
    let published = store.published()?.run_id;
    if !published.is_empty() {
        let running = col("status").eq(str_lit("running")).and(col("run_id").eq(str_lit(&published)));
        t = t.update().with_predicate(running).with_update("status", str_lit("ok")).await.map_err(delta)?.0;
    }
    let (_t, metrics) = t
        .update()
        .with_predicate(col("status").eq(str_lit("running")))
        .with_update("status", str_lit("failed"))
        .with_update("error", str_lit("interrupted: the process ended before the run finished"))
        .await
        .map_err(delta)?;
    if metrics.num_updated_rows > 0 {
        tracing::warn!(runs = metrics.num_updated_rows, "marked interrupted refresh runs as failed");
    }
    Ok(())
}

/// Records a run as `running`.
pub async fn start(store: &Store, r: &RunRow) -> Result<(), StoreError> {
    let t = store.ensure(REFRESH_RUNS, &schema()).await?;
    let batch = RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(StringArray::from(vec![r.run_id.clone()])),
            Arc::new(TimestampMicrosecondArray::from(vec![r.started_at]).with_timezone("UTC")),
            Arc::new(TimestampMicrosecondArray::from(vec![None::<i64>]).with_timezone("UTC")),
            Arc::new(Date32Array::from(vec![r.as_of])),
            Arc::new(StringArray::from(vec!["running"])),
            Arc::new(StringArray::from(vec![None::<String>])),
            Arc::new(StringArray::from(vec![r.mode.clone()])),
            Arc::new(Date32Array::from(vec![r.since])),
            Arc::new(StringArray::from(vec![None::<String>])),
            Arc::new(StringArray::from(vec![r.pipeline.clone()])),
        ],
    )?;
    store.append(t, REFRESH_RUNS, vec![batch]).await?;
    Ok(())
}

/// Records how a run ended.
pub async fn finish(
    store: &Store,
    run_id: &str,
    finished_at: Micros,
    error: Option<&str>,
    steps_json: &str,
) -> Result<(), StoreError> {
    let Some(t) = store.load(REFRESH_RUNS).await? else { return Ok(()) };
    let status = if error.is_some() { "failed" } else { "ok" };
    let err = match error {
        Some(e) => str_lit(e),
        None => lit(ScalarValue::Utf8(None)),
    };
    t.update()
        .with_predicate(col("run_id").eq(str_lit(run_id)))
        .with_update("status", str_lit(status))
        .with_update("error", err)
        .with_update("steps", str_lit(steps_json))
        .with_update("finished_at", lit(ScalarValue::TimestampMicrosecond(Some(finished_at), Some("UTC".into()))))
        .await
        .map_err(|e| StoreError::Delta { table: REFRESH_RUNS.into(), source: Box::new(e) })?;
    Ok(())
}

/// Records a run that failed before it could record itself (a pipeline that does not
/// load, a store that cannot be read): one `failed` row, so the failure is listed with
/// the other runs. The caller holds the writer lock.
pub async fn record_failed(store: &Store, r: &RunRow, finished_at: Micros, error: &str) -> Result<(), StoreError> {
    let t = store.ensure(REFRESH_RUNS, &schema()).await?;
    let batch = RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(StringArray::from(vec![r.run_id.clone()])),
            Arc::new(TimestampMicrosecondArray::from(vec![r.started_at]).with_timezone("UTC")),
            Arc::new(TimestampMicrosecondArray::from(vec![Some(finished_at)]).with_timezone("UTC")),
            Arc::new(Date32Array::from(vec![r.as_of])),
            Arc::new(StringArray::from(vec!["failed"])),
            Arc::new(StringArray::from(vec![Some(error.to_string())])),
            Arc::new(StringArray::from(vec![r.mode.clone()])),
            Arc::new(Date32Array::from(vec![r.since])),
            Arc::new(StringArray::from(vec![None::<String>])),
            Arc::new(StringArray::from(vec![r.pipeline.clone()])),
        ],
    )?;
    store.append(t, REFRESH_RUNS, vec![batch]).await?;
    Ok(())
}

/// Marks a finished run `failed` with `error`, keeping its steps: the night it belongs to
/// failed after it (scoring, warnings or the profiles), although its tables were published.
pub async fn mark_failed(store: &Store, run_id: &str, error: &str) -> Result<(), StoreError> {
    let Some(t) = store.load(REFRESH_RUNS).await? else { return Ok(()) };
    t.update()
        .with_predicate(col("run_id").eq(str_lit(run_id)))
        .with_update("status", str_lit("failed"))
        .with_update("error", str_lit(error))
        .await
        .map_err(|e| StoreError::Delta { table: REFRESH_RUNS.into(), source: Box::new(e) })?;
    Ok(())
}

/// Whether a run started at `started_at` (the refresh's clock) is recorded.
pub async fn started_at_exists(store: &Store, started_at: Micros) -> Result<bool, StoreError> {
    let Some(t) = store.load(REFRESH_RUNS).await? else { return Ok(false) };
    let ctx = datafusion::prelude::SessionContext::new();
    crate::store::register(&ctx, REFRESH_RUNS, &t).await?;
    let at = lit(ScalarValue::TimestampMicrosecond(Some(started_at), Some("UTC".into())));
    let n = ctx.table(REFRESH_RUNS).await?.filter(col("started_at").eq(at))?.count().await?;
    Ok(n > 0)
}
