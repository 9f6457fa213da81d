//! `radar ingest --replay-quarantine`: rows set aside for an unknown student are checked
//! again from their stored cells, without the original files.

use std::collections::HashMap;

use arrow::array::{Array, AsArray};

use super::quarantine::{self, Waiting};
use super::record::Record;
use super::rows::{ReplayRows, Rows};
use super::run::RunCtx;
use super::runs::FileReport;
use super::validate::{key_of, Validator};
use super::{append, upsert, IngestError, Progress};
use crate::schema::time::Micros;
use crate::schema::{KindSpec, Mode, Reason, ALL_KINDS};
use crate::store::{text_column, KeyHash, StoreError};

/// The `file` of replay runs in `ingest_runs`.
pub const REPLAY_FILE: &str = "<replay-quarantine>";

pub(super) async fn replay(ctx: &mut RunCtx<'_>, progress: &dyn Progress) -> Result<Vec<FileReport>, IngestError> {
    let mut by_kind: HashMap<String, Vec<Waiting>> = HashMap::new();
    for w in quarantine::waiting(ctx.store).await? {
        by_kind.entry(w.kind.clone()).or_default().push(w);
    }
    let mut reports = Vec::new();
    for kind in ALL_KINDS {
        let Some(items) = by_kind.remove(kind.name) else {
            continue;
        };
        let mut report = FileReport::new(&ctx.run_id, ctx.opts.now, REPLAY_FILE, kind.name);
        let existing = in_scope(ctx, kind.name, &items).await?;
        let result = match kind.mode {
            Mode::Event => {
                let mut rows = ReplayRows::new(kind, items);
                append::store_events(ctx, kind, &mut rows, &mut report, progress).await
            }
            Mode::Dimension | Mode::UpsertEvent => match quarantined_at_by_key(ctx, kind, &items).await {
                Ok(since) => {
                    let mut rows = ReplayRows::new(kind, items);
                    upsert::store_upserts_replayed(ctx, kind, &mut rows, &mut report, progress, &since).await
                }
                Err(e) => Err(e),
            },
        };
        match result {
            Ok(entries) => {
                if let Err(e) = quarantine::sync(ctx.store, &existing, &entries).await {
                    super::run::committed_but(&mut report, &e.into());
                }
            }
            Err(e) => report.fail(e.to_string()),
        }
        progress.file_finished(&report);
        reports.push(report);
    }
    Ok(reports)
}

/// When each replayed row's key was set aside (the key's last waiting row, as the last
/// row of a key wins): a stored row of the key stored since then is newer than it. A
/// waiting row without its quarantine entry counts as set aside at the start of time, so
/// it never replaces a stored row.
async fn quarantined_at_by_key(
    ctx: &mut RunCtx<'_>,
    kind: &'static KindSpec,
    items: &[Waiting],
) -> Result<HashMap<KeyHash, Micros>, IngestError> {
    let sql = format!(
        "SELECT entry_id, CAST(quarantined_at AS BIGINT) FROM t WHERE kind = '{}' AND reason = '{}'",
        kind.name,
        Reason::UnknownStudent.code()
    );
    let mut at: HashMap<String, Micros> = HashMap::new();
    for b in ctx.store.query_table(quarantine::QUARANTINE, &sql).await? {
        let ids = text_column(&b, 0)?;
        let ts = arrow::compute::cast(b.column(1), &arrow::datatypes::DataType::Int64)?;
        let ts = ts.as_primitive::<arrow::datatypes::Int64Type>();
        for i in 0..b.num_rows() {
            if ids.is_valid(i) && ts.is_valid(i) {
                at.insert(ids.value(i).to_string(), ts.value(i));
            }
        }
    }
    let students = ctx.students().await?;
    let validator = Validator::new(kind, ctx.opts.tz, ctx.opts.now, &students);
    let key_idx = kind.key_indices();
    let mut out = HashMap::new();
    let mut rec = Record::default();
    for w in items {
        let mut one = ReplayRows::new(kind, vec![w.clone()]);
        if !one.next(&mut rec)? {
            continue;
        }
        let mut vals = Vec::new();
        if validator.check(&rec, &mut vals).is_ok() {
            out.insert(key_of(&key_idx, &vals), at.get(&w.entry_id).copied().unwrap_or(Micros::MIN));
        }
    }
    Ok(out)
}

/// The stored state of the waiting rows: their replay rows and their quarantine entries.
async fn in_scope(ctx: &RunCtx<'_>, kind: &str, items: &[Waiting]) -> Result<quarantine::Existing, StoreError> {
    let ids: std::collections::HashSet<&str> = items.iter().map(|w| w.entry_id.as_str()).collect();
    // Kind names are fixed identifiers: no quote can occur in them.
    let mut all = quarantine::existing(ctx.store, &format!("kind = '{kind}'")).await?;
    all.quarantine.retain(|id, _| ids.contains(id.as_str()));
    all.replay.retain(|id| ids.contains(id.as_str()));
    Ok(all)
}
