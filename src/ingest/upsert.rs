//! Dimensions and state kinds (`coursework`, `library_loans`, `grades`, `participation`):
//! a row replaces the stored row with the same key; keys not in the file are kept. Within
//! a file the last row of a key wins; a row identical to the key's state before it (the
//! previous row of the key in the file, else the stored row) changes nothing and counts as
//! a duplicate, and so does every row of a key whose last row equals the stored one.
//! Re-running the same file therefore stores nothing and commits nothing.
//!
//! Only the Delta data files that hold a changed key are rewritten (their other rows are
//! copied to a new file); changed and new keys go to new files; all of it is one commit
//! of `remove` + `add` actions. Files are found by their key column statistics (min/max
//! from the Delta log) and then a read of their key columns only; the table is never held
//! in memory, one file at most. A hand-built commit rather than deltalake's MERGE
//! because MERGE joins the whole table against the file in DataFusion, cannot tell
//! "identical, a duplicate" from "updated" per row without a second pass, commits even
//! when no row changes (so a re-run would change the table version), and cannot carry
//! each file's store time (below).
//!
//! **When a row was stored.** Every file this module writes has its add action's
//! `modificationTime` set to the store time of its rows: the run's clock (`--now`) for
//! new and changed rows, and the removed file's own time for the rows copied out of it.
//! By induction all rows of a file share one store time, the file's. A replay uses it:
//! a replayed row replaces a stored row only if the file holding it is older (by the
//! millisecond) than the row's quarantine entry; a tie keeps the stored row. Files written
//! before this rule (plain appends) carry their real write time, which is never earlier
//! than their rows' store time, so they are at worst kept when a replay could have won.

use std::collections::HashMap;

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch, UInt32Array};
use arrow::compute::{concat_batches, filter_record_batch, lexsort_to_indices, take_record_batch, SortColumn};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::row::{OwnedRow, RowConverter, SortField};

use super::builder::BatchBuilder;
use super::quarantine::Entry;
use super::rows::Rows;
use super::run::{check_all, RunCtx, Sink};
use super::runs::FileReport;
use super::validate::Validator;
use super::{IngestError, Progress};
use crate::schema::time::Micros;
use crate::schema::value::Value;
use crate::schema::KindSpec;
use crate::store::{batch_key_hashes, DataFile, KeyHash, NewFiles, Rewritten, Store};

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
    store_upserts_replayed(ctx, kind, rows, report, progress, &HashMap::new()).await
}

/// [`store_upserts`] for replayed rows: `quarantined_at` says, by key, when the row was
/// set aside; a stored row of that key stored since then is newer and stays.
pub(super) async fn store_upserts_replayed(
    ctx: &mut RunCtx<'_>,
    kind: &'static KindSpec,
    rows: &mut dyn Rows,
    report: &mut FileReport,
    progress: &dyn Progress,
    quarantined_at: &HashMap<KeyHash, Micros>,
) -> Result<Vec<Entry>, IngestError> {
    let students = ctx.students().await?;
    let validator = Validator::new(kind, ctx.opts.tz, ctx.opts.now, &students);
    let mut sink = UpsertSink { keys: Vec::new(), builder: BatchBuilder::new(kind) };
    let entries = check_all(ctx, kind, rows, &validator, &mut sink, None, report, progress).await?;
    let incoming = sink.builder.finish()?;
    let merged = merge(ctx, kind, &incoming, &sink.keys, quarantined_at).await?;
    let r = merged.rewritten;
    tracing::debug!(kind = kind.name, r.removed_files, r.removed_bytes, r.added_files, "upsert rewrite");
    // check_all counted every accepted row as stored.
    report.stored -= merged.duplicates;
    report.duplicates += merged.duplicates;
    if kind.name == crate::schema::students().name {
        ctx.students_changed();
    }
    Ok(entries)
}

/// What a merge did.
#[derive(Debug, Default)]
pub(super) struct Merged {
    /// Rows that changed nothing.
    pub duplicates: u64,
    /// Files removed and added.
    pub rewritten: Rewritten,
}

/// A stored row of an incoming key.
struct Stored {
    row: OwnedRow,
    /// Stored at or after the replayed row was set aside: it stays.
    newer: bool,
}

/// Merges `incoming` (with its rows' key hashes, in file order) into the stored table.
pub(super) async fn merge(
    ctx: &RunCtx<'_>,
    kind: &'static KindSpec,
    incoming: &RecordBatch,
    keys: &[KeyHash],
    quarantined_at: &HashMap<KeyHash, Micros>,
) -> Result<Merged, IngestError> {
    if incoming.num_rows() == 0 {
        return Ok(Merged::default());
    }
    let schema = kind.arrow_schema();
    let incoming = conform(incoming, &schema)?;
    let conv = RowConverter::new(schema.fields().iter().map(|f| SortField::new(f.data_type().clone())).collect())?;
    let new_rows = conv.convert_columns(incoming.columns())?;
    let mut last: HashMap<KeyHash, usize> = HashMap::with_capacity(keys.len());
    let prev: Vec<Option<usize>> = keys.iter().enumerate().map(|(i, k)| last.insert(*k, i)).collect();

    let mut table = ctx.store.ensure(kind.name, &schema).await?;
    let files = ctx.store.data_files(&table, kind.name)?;
    let mut stored: HashMap<KeyHash, Stored> = HashMap::new();
    let mut removed: Vec<&DataFile> = Vec::new();
    let mut groups: Vec<NewFiles> = Vec::new();
    for f in candidates(kind, &incoming, &files)? {
        if !holds_any(ctx.store, kind, f, &last)? {
            continue;
        }
        let batch = read_all(ctx.store, kind, f, &schema)?;
        let file_keys = batch_key_hashes(&batch, &kind.key_indices())?;
        let rows = conv.convert_columns(batch.columns())?;
        let mut keep = vec![true; batch.num_rows()];
        for (j, k) in file_keys.iter().enumerate() {
            let Some(&i) = last.get(k) else { continue };
            let newer = quarantined_at.get(k).is_some_and(|&q| f.modified_ms >= q.div_euclid(1000));
            if !newer && rows.row(j) != new_rows.row(i) {
                keep[j] = false;
            }
            stored.insert(*k, Stored { row: rows.row(j).owned(), newer });
        }
        if keep.iter().all(|&k| k) {
            continue;
        }
        removed.push(f);
        let kept = filter_record_batch(&batch, &BooleanArray::from(keep))?;
        if kept.num_rows() > 0 {
            groups.push(NewFiles { batches: vec![kept], modified_ms: f.modified_ms });
        }
    }

    // A key whose last row equals its stored row (or whose stored row is newer) keeps its
    // state: all its rows are duplicates, so a re-run of a file counts none as stored.
    let unchanged = |k: &KeyHash| {
        stored.get(k).is_some_and(|s| s.newer || last.get(k).is_some_and(|&i| s.row.row() == new_rows.row(i)))
    };
    let mut duplicates = 0u64;
    let mut fresh: Vec<u32> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        if unchanged(k) {
            duplicates += 1;
            continue;
        }
        let same = match (prev[i], stored.get(k)) {
            (Some(p), _) => new_rows.row(p) == new_rows.row(i),
            (None, Some(s)) => s.row.row() == new_rows.row(i),
            (None, None) => false,
        };
        duplicates += u64::from(same);
        if last.get(k) == Some(&i) {
            fresh.push(i as u32);
        }
    }
    if !fresh.is_empty() {
        let batch = sorted_by_key(kind, &take_record_batch(&incoming, &UInt32Array::from(fresh))?)?;
        groups.push(NewFiles { batches: vec![batch], modified_ms: ctx.opts.now.div_euclid(1000) });
    }
    let rewritten = ctx.store.rewrite(&mut table, kind.name, &removed, groups).await?;
    Ok(Merged { duplicates, rewritten })
}

/// Files whose key statistics admit some incoming key (all files when they have none).
fn candidates<'f>(
    kind: &KindSpec,
    incoming: &RecordBatch,
    files: &'f [DataFile],
) -> Result<Vec<&'f DataFile>, IngestError> {
    let first = kind.key[0];
    let col = incoming.column_by_name(first).filter(|c| c.data_type() == &DataType::Utf8);
    let Some(col) = col else {
        return Ok(files.iter().collect());
    };
    let col = col.as_string::<i32>();
    let mut vals: Vec<&str> = (0..col.len()).filter(|&i| col.is_valid(i)).map(|i| col.value(i)).collect();
    vals.sort_unstable();
    Ok(files
        .iter()
        .filter(|f| match f.text_bounds.get(first) {
            None => true,
            Some((lo, hi)) => {
                let p = vals.partition_point(|v| *v < lo.as_str());
                p < vals.len() && vals[p] <= hi.as_str()
            }
        })
        .collect())
}

/// Whether a file holds any of `keys`, from a read of its key columns only.
fn holds_any(
    store: &Store,
    kind: &KindSpec,
    f: &DataFile,
    keys: &HashMap<KeyHash, usize>,
) -> Result<bool, IngestError> {
    for batch in store.read_file(kind.name, f, Some(kind.key))? {
        let batch = batch.map_err(crate::store::StoreError::from)?;
        let idx = kind
            .key
            .iter()
            .map(|k| batch.schema().index_of(k))
            .collect::<Result<Vec<_>, _>>()
            .map_err(crate::store::StoreError::from)?;
        if batch_key_hashes(&batch, &idx)?.iter().any(|k| keys.contains_key(k)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A whole data file in the contract schema.
fn read_all(store: &Store, kind: &KindSpec, f: &DataFile, schema: &SchemaRef) -> Result<RecordBatch, IngestError> {
    let batches = store
        .read_file(kind.name, f, None)?
        .map(|b| b.map_err(crate::store::StoreError::from).and_then(|b| Ok(conform(&b, schema)?)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(concat_batches(schema, &batches)?)
}

/// Rows ordered by key, so that each written file covers a narrow key range and the key
/// statistics keep later updates to few files.
fn sorted_by_key(kind: &KindSpec, batch: &RecordBatch) -> Result<RecordBatch, IngestError> {
    let cols = kind
        .key_indices()
        .into_iter()
        .map(|i| SortColumn { values: batch.column(i).clone(), options: None })
        .collect::<Vec<_>>();
    let order = lexsort_to_indices(&cols, None)?;
    Ok(take_record_batch(batch, &order)?)
}

/// Casts a batch to the contract schema (readers may hand back other physical types).
fn conform(b: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, arrow::error::ArrowError> {
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
}
