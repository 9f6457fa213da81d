//! Dimensions and coursework: a row replaces the stored row with the same key; keys not
//! in the file are kept. The table is rewritten in one commit, and only when some row
//! actually changes, so re-running the same file leaves the table's version alone.
//!
//! Whole-table rewrite is right for dimensions (tens of thousands of rows). Coursework
//! can reach millions of rows; rewriting only the terms a file touches would be the next
//! step if that shows in the benchmarks.

use std::collections::HashMap;

use arrow::array::{BooleanArray, RecordBatch, UInt32Array};
use arrow::compute::{concat_batches, filter_record_batch, take_record_batch};
use arrow::datatypes::SchemaRef;
use arrow::row::{RowConverter, SortField};

use super::builder::BatchBuilder;
use super::quarantine::Entry;
use super::rows::Rows;
use super::run::{check_all, RunCtx, Sink};
use super::runs::FileReport;
use super::validate::Validator;
use super::{IngestError, Progress};
use crate::schema::value::Value;
use crate::schema::KindSpec;
use crate::store::{batch_key_hashes, KeyHash};

struct UpsertSink {
    keys: Vec<KeyHash>,
    builder: BatchBuilder,
}

impl Sink for UpsertSink {
    fn accept(&mut self, vals: &[Value<'_>], key: KeyHash) -> bool {
        self.keys.push(key);
        self.builder.push(vals);
        true
    }
    fn take_full(&mut self) -> Result<Option<RecordBatch>, IngestError> {
        Ok(None)
    }
}

/// Checks a file of an upserted kind and merges its rows into the table.
pub(super) async fn store_upserts(
    ctx: &mut RunCtx<'_>,
    kind: &'static KindSpec,
    rows: &mut dyn Rows,
    report: &mut FileReport,
    progress: &dyn Progress,
) -> Result<Vec<Entry>, IngestError> {
    let students = ctx.students().await?;
    let validator = Validator::new(kind, ctx.opts.tz, ctx.opts.now, &students);
    let mut sink = UpsertSink { keys: Vec::new(), builder: BatchBuilder::new(kind) };
    let entries = check_all(ctx, kind, rows, &validator, &mut sink, None, report, progress).await?;
    let incoming = sink.builder.finish()?;
    merge(ctx, kind, incoming, &sink.keys).await?;
    if kind.name == crate::schema::students().name {
        ctx.students_changed();
    }
    Ok(entries)
}

/// Merges `incoming` (with its rows' key hashes) into the stored table.
pub(super) async fn merge(
    ctx: &RunCtx<'_>,
    kind: &'static KindSpec,
    incoming: RecordBatch,
    keys: &[KeyHash],
) -> Result<(), IngestError> {
    if incoming.num_rows() == 0 {
        return Ok(());
    }
    let schema = kind.arrow_schema();
    // Within one file the last row of a key wins.
    let mut last: HashMap<KeyHash, usize> = HashMap::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        last.insert(*k, i);
    }
    let mut order: Vec<u32> = last.values().map(|&i| i as u32).collect();
    order.sort_unstable();
    let stored = ctx.store.query_table(kind.name, "SELECT * FROM t").await?;
    let stored = conform_all(&stored, &schema)?;
    let stored_keys = batch_key_hashes(&stored, &kind.key_indices())?;
    if !changes_anything(&stored, &stored_keys, &incoming, keys, &order)? {
        return Ok(());
    }
    let keep = BooleanArray::from_iter(stored_keys.iter().map(|k| Some(!last.contains_key(k))));
    let kept = filter_record_batch(&stored, &keep)?;
    let fresh = take_record_batch(&incoming, &UInt32Array::from(order))?;
    let table = ctx.store.ensure(kind.name, &schema).await?;
    ctx.store.overwrite(table, kind.name, vec![kept, fresh]).await?;
    Ok(())
}

fn changes_anything(
    stored: &RecordBatch,
    stored_keys: &[KeyHash],
    incoming: &RecordBatch,
    keys: &[KeyHash],
    order: &[u32],
) -> Result<bool, IngestError> {
    let fields = stored.schema().fields().iter().map(|f| SortField::new(f.data_type().clone())).collect();
    let conv = RowConverter::new(fields)?;
    let old = conv.convert_columns(stored.columns())?;
    let new = conv.convert_columns(incoming.columns())?;
    let at: HashMap<KeyHash, usize> = stored_keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    Ok(order.iter().any(|&i| {
        let i = i as usize;
        at.get(&keys[i]).is_none_or(|&j| old.row(j) != new.row(i))
    }))
}

/// Casts stored batches to the contract schema (readers may hand back view types) and
/// concatenates them.
fn conform_all(batches: &[RecordBatch], schema: &SchemaRef) -> Result<RecordBatch, IngestError> {
    let cast = batches
        .iter()
        .map(|b| {
            let cols = schema
                .fields()
                .iter()
                .map(|f| {
                    let col = b.column_by_name(f.name()).ok_or_else(|| {
                        arrow::error::ArrowError::SchemaError(format!("stored table lacks column {}", f.name()))
                    })?;
                    arrow::compute::cast(col, f.data_type())
                })
                .collect::<Result<Vec<_>, _>>()?;
            RecordBatch::try_new(schema.clone(), cols)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(concat_batches(schema, &cast)?)
}
