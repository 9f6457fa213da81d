//! One ingest call: expand and order the files, then check and store each in turn.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow::array::AsArray;
use futures::TryStreamExt;

use super::files::{self, InputFile, Skip};
use super::quarantine::{self, Entry};
use super::record::Record;
use super::rows::{payload, FileRows, Rows};
use super::runs::{self, FileReport};
use super::source::{ByteCounter, Source};
use super::validate::{key_of, Reject, Validator};
use super::{append, replay, upsert, IngestError, IngestOptions, Progress};
use crate::schema::value::Value;
use crate::schema::{students, KindSpec, Mode, Reason};
use crate::store::{batch_key_hashes, KeyHash, KeySet, Store};

/// What an ingest call did.
#[derive(Debug, Default)]
pub struct IngestOutcome {
    /// One report per file (also appended to `ingest_runs`).
    pub reports: Vec<FileReport>,
    /// Files inside named directories that match no kind, listed and skipped.
    pub ignored: Vec<PathBuf>,
}

impl IngestOutcome {
    /// Whether any file failed (exit code 1).
    pub fn any_failed(&self) -> bool {
        self.reports.iter().any(|r| r.status != "ok")
    }
}

/// State shared by the files of one call.
pub(super) struct RunCtx<'a> {
    pub store: &'a Store,
    pub opts: &'a IngestOptions,
    pub run_id: String,
    keys: HashMap<&'static str, KeySet>,
    students: Option<KeySet>,
}

impl<'a> RunCtx<'a> {
    fn new(store: &'a Store, opts: &'a IngestOptions) -> Self {
        RunCtx { store, opts, run_id: uuid::Uuid::new_v4().to_string(), keys: HashMap::new(), students: None }
    }

    /// Takes the stored keys of an event kind (loaded once per call); give them back
    /// with [`RunCtx::put_keys`].
    pub async fn take_keys(&mut self, kind: &'static KindSpec) -> Result<KeySet, IngestError> {
        match self.keys.remove(kind.name) {
            Some(set) => Ok(set),
            None => load_keys(self.store, kind).await,
        }
    }

    /// Returns the keys taken with [`RunCtx::take_keys`].
    pub fn put_keys(&mut self, kind: &'static KindSpec, keys: KeySet) {
        self.keys.insert(kind.name, keys);
    }

    /// Known students (hashed ids), reloaded after students change.
    pub async fn students(&mut self) -> Result<KeySet, IngestError> {
        if self.students.is_none() {
            self.students = Some(load_keys(self.store, students()).await?);
        }
        Ok(self.students.clone().unwrap_or_default())
    }

    pub fn students_changed(&mut self) {
        self.students = None;
    }

    /// A quarantine entry for a rejected record.
    pub fn entry(&self, kind: &KindSpec, rows: &dyn Rows, rec: &mut Record, rej: Reject) -> Entry {
        rows.fill_raw(rec);
        let origin = rows.origin();
        let key = kind.key_indices().iter().map(|&i| rec.cell(i).unwrap_or("")).collect::<Vec<_>>().join("|");
        Entry {
            entry_id: quarantine::entry_id(kind.name, origin.source_hash, rec.row),
            run_id: self.run_id.clone(),
            file: origin.file.to_string(),
            line: rec.line,
            row: rec.row,
            kind: kind.name.to_string(),
            column: rej.column.and_then(|i| kind.columns.get(i)).map(|c| c.name.to_string()),
            reason: rej.reason,
            key,
            raw: std::mem::take(&mut rec.raw),
            source_hash: origin.source_hash.to_string(),
            quarantined_at: self.opts.now,
            payload: (rej.reason == Reason::UnknownStudent).then(|| payload(rec, kind)),
            byte: rec.byte,
        }
    }
}

async fn load_keys(store: &Store, kind: &KindSpec) -> Result<KeySet, IngestError> {
    let cols = kind.key.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
    let mut set = KeySet::default();
    // Sized once from the table's statistics: growing a 45M-key set step by step would
    // hold the old and the new table at once (1.7 GiB instead of 1.1 GiB).
    let counted = store.query_table(kind.name, "SELECT count(*) FROM t").await?;
    let stored = counted
        .first()
        .and_then(|b| b.column(0).as_primitive_opt::<arrow::datatypes::Int64Type>()?.values().first().copied());
    set.reserve(stored.unwrap_or(0).max(0) as usize);
    let Some(mut stream) = store.stream_table(kind.name, &format!("SELECT {cols} FROM t")).await? else {
        return Ok(set);
    };
    let idx: Vec<usize> = (0..kind.key.len()).collect();
    while let Some(batch) = stream.try_next().await.map_err(crate::store::StoreError::from)? {
        for k in batch_key_hashes(&batch, &idx)? {
            set.insert(k);
        }
    }
    Ok(set)
}

/// Where checked rows go.
pub(super) trait Sink {
    /// Takes a checked row; false when its key is already stored (a duplicate).
    fn accept(&mut self, vals: &[Value<'_>], key: KeyHash) -> bool;
    /// A full batch ready to be written, if any.
    fn take_full(&mut self) -> Result<Option<arrow::array::RecordBatch>, IngestError>;
}

/// Full batches on their way to the writer task.
pub(super) type BatchTx = tokio::sync::mpsc::Sender<arrow::array::RecordBatch>;

/// Checks every record, sending good rows to `sink` (full batches to `batches`) and
/// returning the quarantine entries. Counts go to `report`.
pub(super) async fn check_all(
    ctx: &RunCtx<'_>,
    kind: &'static KindSpec,
    rows: &mut dyn Rows,
    validator: &Validator<'_>,
    sink: &mut dyn Sink,
    batches: Option<&BatchTx>,
    report: &mut FileReport,
    progress: &dyn Progress,
) -> Result<Vec<Entry>, IngestError> {
    let key_idx = kind.key_indices();
    let mut rec = Record::default();
    let mut spare: Vec<Value<'static>> = Vec::new();
    let mut entries = Vec::new();
    while rows.next(&mut rec)? {
        report.rows_read += 1;
        let mut vals = recycle(std::mem::take(&mut spare));
        let outcome = validator.check(&rec, &mut vals);
        match outcome {
            Ok(()) => {
                if sink.accept(&vals, key_of(&key_idx, &vals)) {
                    report.stored += 1;
                } else {
                    report.duplicates += 1;
                }
            }
            Err(_) => {}
        }
        spare = recycle(vals);
        if let Err(rej) = outcome {
            report.quarantined += 1;
            *report.quarantined_by_reason.entry(rej.reason.code().to_string()).or_default() += 1;
            entries.push(ctx.entry(kind, rows, &mut rec, rej));
        }
        if let (Some(batch), Some(tx)) = (sink.take_full()?, batches) {
            // The writer task has gone only if it failed; its error is reported on join.
            if tx.send(batch).await.is_err() {
                break;
            }
        }
        if report.rows_read % 16_384 == 0 {
            progress.tick();
        }
    }
    rows.resolve_lines(&mut entries)?;
    Ok(entries)
}

/// Reuses a vector's allocation for values borrowing from the next record.
fn recycle<'b>(mut v: Vec<Value<'_>>) -> Vec<Value<'b>> {
    v.clear();
    v.into_iter().map(|_| Value::Null).collect()
}

/// Ingests files and directories; per-file failures are in the reports, not errors.
pub async fn ingest(
    store: &Store,
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestOutcome, IngestError> {
    ensure_tables(store).await?;
    let (mut inputs, skipped) = files::expand(paths, opts.kind);
    files::order(&mut inputs);
    let mut ctx = RunCtx::new(store, opts);
    let mut outcome = IngestOutcome::default();
    for s in skipped {
        match s {
            Skip::Ignored(p) => outcome.ignored.push(p),
            Skip::Unmatched(p) => {
                let mut r = FileReport::new(&ctx.run_id, opts.now, &p.display().to_string(), "");
                r.fail(IngestError::UnknownKind { path: p }.to_string());
                outcome.reports.push(r);
            }
        }
    }
    for (i, f) in inputs.iter().enumerate() {
        let report = ingest_file(&mut ctx, f, progress).await;
        progress.file_finished(&report);
        runs::record(store, std::slice::from_ref(&report)).await?;
        outcome.reports.push(report);
        // Only one kind's key set is held at a time: memory stays that of the largest kind.
        if !inputs[i + 1..].iter().any(|g| g.kind.name == f.kind.name) {
            ctx.keys.remove(f.kind.name);
        }
    }
    let failed: Vec<FileReport> = outcome.reports.iter().filter(|r| r.kind.is_empty()).cloned().collect();
    runs::record(store, &failed).await?;
    Ok(outcome)
}

/// Creates every table that is not there yet, so that queries see empty tables rather
/// than missing ones for the kinds a campus does not send.
async fn ensure_tables(store: &Store) -> Result<(), IngestError> {
    for kind in crate::schema::ALL_KINDS {
        store.ensure(kind.name, &kind.arrow_schema()).await?;
    }
    store.ensure(quarantine::QUARANTINE, &quarantine::schema()).await?;
    store.ensure(quarantine::REPLAY, &quarantine::replay_schema()).await?;
    store.ensure(runs::INGEST_RUNS, &runs::schema()).await?;
    Ok(())
}

async fn ingest_file(ctx: &mut RunCtx<'_>, f: &InputFile, progress: &dyn Progress) -> FileReport {
    let name = f.path.display().to_string();
    let mut report = FileReport::new(&ctx.run_id, ctx.opts.now, &name, f.kind.name);
    let mut committed = false;
    if let Err(e) = try_ingest_file(ctx, f, &mut report, &mut committed, progress).await {
        if committed {
            committed_but(&mut report, &e);
        } else {
            // Nothing of the file was committed: the run saw nothing that counts.
            let saw_nothing = FileReport::new(&ctx.run_id, ctx.opts.now, &name, f.kind.name);
            report = FileReport { source_hash: report.source_hash, ..saw_nothing };
            report.fail(e.to_string());
        }
    }
    report
}

/// Marks a file whose rows were committed but whose quarantine was not brought up to date:
/// the counts stay (they say what is stored), the error says what is missing.
pub(super) fn committed_but(report: &mut FileReport, e: &IngestError) {
    report.fail(format!(
        "{} rows stored and {} duplicates skipped, but the quarantine of its {} rows was not updated \
         (run the same ingest again to finish it): {e}",
        report.stored, report.duplicates, report.quarantined
    ));
}

async fn try_ingest_file(
    ctx: &mut RunCtx<'_>,
    f: &InputFile,
    report: &mut FileReport,
    committed: &mut bool,
    progress: &dyn Progress,
) -> Result<(), IngestError> {
    report.source_hash = hash_file(&f.path)?;
    let counter = ByteCounter::default();
    let size = std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0);
    progress.file_started(&report.file, size, &counter);
    let source = Source::open(f, ctx.opts.encoding, ctx.opts.tz, &counter)?;
    let mut rows = FileRows::new(source, report.file.clone(), report.source_hash.clone());
    let entries = match f.kind.mode {
        Mode::Event => append::store_events(ctx, f.kind, &mut rows, report, progress).await?,
        Mode::Dimension | Mode::UpsertEvent => upsert::store_upserts(ctx, f.kind, &mut rows, report, progress).await?,
    };
    *committed = true;
    report.ignored_columns = rows.extra_columns()?;
    crate::failpoint::hit("between_commits");
    let condition = format!("source_hash = '{}' AND kind = '{}'", report.source_hash, f.kind.name);
    let existing = quarantine::existing(ctx.store, &condition).await?;
    quarantine::sync(ctx.store, &existing, &entries).await?;
    Ok(())
}

/// xxh3-128 of a file's bytes, hex: identifies quarantine entries by content.
fn hash_file(path: &Path) -> Result<String, IngestError> {
    let mut file = std::fs::File::open(path).map_err(|e| IngestError::open(path, e))?;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| IngestError::read(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:032x}", h.digest128()))
}

/// Re-checks every row waiting for its student and stores those whose student now exists.
pub async fn replay_quarantine(
    store: &Store,
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestOutcome, IngestError> {
    ensure_tables(store).await?;
    let mut ctx = RunCtx::new(store, opts);
    let reports = replay::replay(&mut ctx, progress).await?;
    runs::record(store, &reports).await?;
    Ok(IngestOutcome { reports, ignored: Vec::new() })
}
