//! Event kinds: append-only, the key is the idempotency key.

use arrow::array::RecordBatch;

use super::builder::BatchBuilder;
use super::quarantine::Entry;
use super::rows::Rows;
use super::run::{check_all, RunCtx, Sink};
use super::runs::FileReport;
use super::validate::Validator;
use super::{IngestError, Progress};
use crate::schema::value::Value;
use crate::schema::KindSpec;
use crate::store::{Appender, KeyHash, KeySet};

struct EventSink {
    keys: KeySet,
    added: Vec<KeyHash>,
    builder: BatchBuilder,
    batch_rows: usize,
}

impl Sink for EventSink {
    fn accept(&mut self, vals: &[Value<'_>], key: KeyHash) -> bool {
        if !self.keys.insert(key) {
            return false;
        }
        self.added.push(key);
        self.builder.push(vals);
        true
    }

    fn take_full(&mut self) -> Result<Option<RecordBatch>, IngestError> {
        if self.builder.len() < self.batch_rows {
            return Ok(None);
        }
        Ok(Some(self.builder.finish()?))
    }
}

/// Checks a file of events and appends the new ones in one commit.
pub(super) async fn store_events(
    ctx: &mut RunCtx<'_>,
    kind: &'static KindSpec,
    rows: &mut dyn Rows,
    report: &mut FileReport,
    progress: &dyn Progress,
) -> Result<Vec<Entry>, IngestError> {
    let students = ctx.students().await?;
    let keys = ctx.take_keys(kind).await?;
    let mut sink =
        EventSink { keys, added: Vec::new(), builder: BatchBuilder::new(kind), batch_rows: ctx.opts.batch_rows };
    let result = append_checked(ctx, kind, rows, &students, &mut sink, report, progress).await;
    if result.is_err() {
        // Nothing was committed: the keys this file added are not stored.
        for k in &sink.added {
            sink.keys.remove(k);
        }
    }
    ctx.put_keys(kind, sink.keys);
    result
}

async fn append_checked(
    ctx: &RunCtx<'_>,
    kind: &'static KindSpec,
    rows: &mut dyn Rows,
    students: &KeySet,
    sink: &mut EventSink,
    report: &mut FileReport,
    progress: &dyn Progress,
) -> Result<Vec<Entry>, IngestError> {
    let validator = Validator::new(kind, ctx.opts.tz, ctx.opts.now, students);
    let mut table = ctx.store.ensure(kind.name, &kind.arrow_schema()).await?;
    let appender = ctx.store.appender(&table, kind.name)?;
    // Parquet encoding runs on another thread while this one reads and checks rows.
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let writer = tokio::spawn(write_batches(appender, rx));
    let checked = check_all(ctx, kind, rows, &validator, sink, Some(&tx), report, progress).await;
    if checked.is_ok() && !sink.builder.is_empty() {
        let _ = tx.send(sink.builder.finish()?).await;
    }
    drop(tx);
    let appender = writer.await.map_err(|e| IngestError::Internal(format!("writer task: {e}")))??;
    let entries = checked?;
    appender.commit(&mut table).await?;
    Ok(entries)
}

async fn write_batches(
    mut appender: Appender,
    mut rx: tokio::sync::mpsc::Receiver<RecordBatch>,
) -> Result<Appender, IngestError> {
    while let Some(batch) = rx.recv().await {
        appender.write(batch).await?;
    }
    Ok(appender)
}
