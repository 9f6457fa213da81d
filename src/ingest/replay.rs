//! `radar ingest --replay-quarantine`: rows set aside for an unknown student are checked
//! again from their stored cells, without the original files.

use std::collections::HashMap;

use super::quarantine::{self, Waiting};
use super::rows::ReplayRows;
use super::run::RunCtx;
use super::runs::FileReport;
use super::{append, upsert, IngestError, Progress};
use crate::schema::{Mode, ALL_KINDS};
use crate::store::StoreError;

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
        let mut rows = ReplayRows::new(kind, items);
        let result = match kind.mode {
            Mode::Event => append::store_events(ctx, kind, &mut rows, &mut report, progress).await,
            Mode::Dimension | Mode::UpsertEvent => {
                upsert::store_upserts(ctx, kind, &mut rows, &mut report, progress).await
            }
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

/// The stored state of the waiting rows: their replay rows and their quarantine entries.
async fn in_scope(ctx: &RunCtx<'_>, kind: &str, items: &[Waiting]) -> Result<quarantine::Existing, StoreError> {
    let ids: std::collections::HashSet<&str> = items.iter().map(|w| w.entry_id.as_str()).collect();
    // Kind names are fixed identifiers: no quote can occur in them.
    let mut all = quarantine::existing(ctx.store, &format!("kind = '{kind}'")).await?;
    all.quarantine.retain(|id, _| ids.contains(id.as_str()));
    all.replay.retain(|id| ids.contains(id.as_str()));
    Ok(all)
}
