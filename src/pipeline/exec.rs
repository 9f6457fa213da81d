//! Running one step: build its session (its declared inputs only), run the SQL or the
//! built-in, and write the result to its Delta table in one commit.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono_tz::Tz;
use datafusion::prelude::{col, lit, SessionContext};
use datafusion::scalar::ScalarValue;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;
use deltalake::DeltaTable;
use futures::TryStreamExt;

use super::asof::register_views;
use super::spec::{Body, Refresh, Step, Template};
use super::PipelineError;
use crate::features::week::{self, WeekParams};
use crate::schema::time::{days_to_date, Micros};
use crate::store::Store;

/// What a refresh hands each step.
pub struct Context<'a> {
    /// The store.
    pub store: &'a Store,
    /// Pinned record-kind tables.
    pub kinds: &'a BTreeMap<String, DeltaTable>,
    /// Outputs written so far in this refresh (or, for steps not rerun, published).
    pub outputs: BTreeMap<String, DeltaTable>,
    /// Previously published outputs.
    pub published: BTreeMap<String, DeltaTable>,
    /// As-of instant and date.
    pub as_of_ts: Micros,
    /// As-of date, days since epoch.
    pub as_of: i32,
    /// First recomputed week for weekly steps (`None` = all).
    pub since: Option<i32>,
    /// Campus zone.
    pub tz: Tz,
    /// The data set's span as of D, computed once per refresh.
    pub span: Option<(i32, i32)>,
}

/// Result of one step.
#[derive(Debug, Clone)]
pub struct StepRun {
    /// Rows written (for a weekly step in an incremental run, the recomputed weeks').
    pub rows: u64,
    /// Output table after the write.
    pub table: DeltaTable,
}

fn date_lit(days: i32) -> String {
    format!("DATE '{}'", days_to_date(days).format("%Y-%m-%d"))
}

/// The template values of a step.
pub fn template(c: &Context<'_>, step: &Step) -> Template {
    let lookback = match step.refresh {
        Refresh::Weekly { lookback_weeks } => lookback_weeks as i32 * 7,
        Refresh::Full => 0,
    };
    // A full run (or one with no week to redo) reads from the beginning: 0001-01-01.
    let since = c.since.filter(|s| *s != i32::MAX).unwrap_or(-719_162);
    Template {
        as_of: date_lit(c.as_of),
        as_of_ts: week::ts_lit(c.as_of_ts),
        since: date_lit(since),
        lookback_start: date_lit(since.saturating_sub(lookback).max(-719_162)),
        tz: format!("'{}'", c.tz.name()),
    }
}

/// A session holding what `step` may read.
pub async fn session(c: &Context<'_>, step: &Step) -> Result<SessionContext, PipelineError> {
    // delta-rs's planner executes the write nodes of a plan streamed into a table.
    let ctx = deltalake::delta_datafusion::DeltaSessionContext::new().into_inner();
    let d_date = days_to_date(c.as_of).format("%Y-%m-%d").to_string();
    register_views(&ctx, c.kinds, c.as_of_ts, &d_date).await?;
    for i in &step.inputs {
        if let Some(t) = c.outputs.get(i) {
            crate::store::register(&ctx, i, t).await?;
        }
    }
    if let Some(t) = c.published.get(&step.name) {
        crate::store::register(&ctx, &previous_name(&step.name), t).await?;
    }
    Ok(ctx)
}

/// Name under which a step sees its own previous published output.
pub fn previous_name(step: &str) -> String {
    format!("__previous_{step}")
}

/// Whether a step is skipped: a weekly step in an incremental run with nothing to redo.
pub fn skipped(c: &Context<'_>, step: &Step) -> bool {
    matches!(step.refresh, Refresh::Weekly { .. }) && c.since == Some(i32::MAX)
}

/// Runs one step and commits its output.
pub async fn run(c: &Context<'_>, step: &Step) -> Result<StepRun, PipelineError> {
    let fail = |reason: String| PipelineError::Failed { step: step.name.clone(), reason: short(&reason) };
    let t0 = std::time::Instant::now();
    let ctx = session(c, step).await?;
    let incremental = match step.refresh {
        Refresh::Weekly { .. } => c.since.filter(|_| c.published.contains_key(&step.name)),
        Refresh::Full => None,
    };
    let handle = c.store.handle(&step.name).await?;
    let mut builder = handle.write(Vec::new()).with_save_mode(SaveMode::Overwrite);
    if let Refresh::Weekly { .. } = step.refresh {
        // One partition per week: replacing the recomputed weeks is then a metadata
        // change, not a rewrite of every file that holds some of those weeks.
        builder = builder.with_partition_columns(["week_start"]);
    }
    builder = match incremental {
        Some(since) => builder.with_replace_where(col("week_start").gt_eq(lit(ScalarValue::Date32(Some(since))))),
        None => builder.with_schema_mode(SchemaMode::Overwrite),
    };
    let builder = match &step.body {
        Body::Sql(sql) => {
            let mut sql = template(c, step).apply(sql);
            if let Some(since) = incremental {
                sql = format!("SELECT * FROM ({sql}) AS recomputed WHERE week_start >= {}", date_lit(since));
            }
            let df = ctx.sql(&sql).await.map_err(|e| fail(e.to_string()))?;
            builder.with_input_plan(df.logical_plan().clone()).with_session_state(Arc::new(ctx.state()))
        }
        Body::Builtin(name) => {
            let batches = match name.as_str() {
                "student_week" => {
                    let params = WeekParams {
                        as_of: c.as_of,
                        since: incremental,
                        tz: c.tz,
                        previous: c.published.contains_key(&step.name).then(|| previous_name(&step.name)),
                        span: Some(c.span),
                    };
                    week::run(&ctx, &params).await.map_err(|e| fail(e.to_string()))?
                }
                "student_week_baseline" => {
                    let lookback = match step.refresh {
                        Refresh::Weekly { lookback_weeks } => lookback_weeks,
                        Refresh::Full => 0,
                    };
                    crate::features::baseline::run(&ctx, incremental, lookback)
                        .await
                        .map_err(|e| fail(e.to_string()))?
                }
                other => return Err(fail(format!("no built-in named `{other}`"))),
            };
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            tracing::info!(step = step.name.as_str(), rows, seconds = t0.elapsed().as_secs_f64(), "computed; writing");
            builder.with_input_batches(batches)
        }
    };
    let table = builder.await.map_err(|e| fail(e.to_string()))?;
    let rows = count_rows(&table, incremental).await.map_err(|e| fail(e.to_string()))?;
    Ok(StepRun { rows, table })
}

async fn count_rows(table: &DeltaTable, since: Option<i32>) -> Result<u64, PipelineError> {
    let ctx = SessionContext::new();
    crate::store::register(&ctx, "t", table).await?;
    let sql = match since {
        Some(s) => format!("SELECT count(*) FROM t WHERE week_start >= {}", date_lit(s)),
        None => "SELECT count(*) FROM t".to_string(),
    };
    let batches: Vec<arrow::array::RecordBatch> = ctx.sql(&sql).await?.execute_stream().await?.try_collect().await?;
    let n = batches
        .first()
        .and_then(|b| {
            arrow::array::AsArray::as_primitive_opt::<arrow::datatypes::Int64Type>(b.column(0)).map(|a| a.value(0))
        })
        .unwrap_or(0);
    Ok(n as u64)
}

/// Engine messages can embed whole query plans; keep the first lines of one.
fn short(reason: &str) -> String {
    const MAX: usize = 600;
    if reason.len() <= MAX {
        return reason.to_string();
    }
    let mut end = MAX;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} …", &reason[..end])
}
