//! `POST /api/v1/events/{kind}`: a batch of one event kind as NDJSON, through the same
//! path as `radar ingest` (the contract's checks, the quarantine, key de-duplication, the
//! run log) into the same tables, under the store's writer lock. The answer comes once
//! the batch is committed: rows stored, duplicates (a batch posted again stores nothing
//! twice), and rows quarantined with their reasons, lines and columns. A bad line is
//! quarantined like a bad line of a file, never an error of the request.
//!
//! The body is written to a private temporary file named for its kind, so the file
//! ingest reads it exactly as it reads a file from the command line; the quarantine
//! identifies its rows by the body's content, which is what makes a repeat idempotent.

use std::collections::BTreeMap;
use std::path::PathBuf;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::Role;
use crate::ingest::{Encoding, IngestOptions, NoProgress};
use crate::schema::KindSpec;
use crate::service::auth::Caller;
use crate::service::error::ApiError;
use crate::service::AppState;

/// Quarantined rows listed in an answer at most (all are counted and stored).
pub const MAX_LISTED: usize = 1_000;

/// One quarantined row of the batch.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Reject {
    /// Line of the body (1-based).
    pub line: Option<i64>,
    /// Contract column at fault (none for a line that is not a JSON object).
    pub column: Option<String>,
    /// Reason code (campus-records.md).
    pub reason: String,
}

/// What became of a batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventsOutcome {
    /// Record kind.
    pub kind: String,
    /// The ingest run (`ingest_runs.run_id`).
    pub batch_id: String,
    /// Non-blank lines read.
    pub rows_read: u64,
    /// Rows stored.
    pub stored: u64,
    /// Rows whose key was already stored.
    pub duplicates: u64,
    /// Rows set aside.
    pub quarantined: u64,
    /// Quarantined rows by reason code.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// The quarantined rows (at most [`MAX_LISTED`]), by line.
    pub rejects: Vec<Reject>,
    /// Keys not in the contract, ignored.
    pub ignored_columns: Vec<String>,
}

/// Ingests a batch of events.
#[utoipa::path(post, path = "/api/v1/events/{kind}", tag = "operations",
    params(("kind" = String, Path, description = "an event kind of campus-records.md, e.g. card_transactions")),
    request_body(content = String, content_type = "application/x-ndjson", description = "one JSON object per line"),
    responses((status = 200, body = EventsOutcome), (status = 400, description = "not an event kind"),
        (status = 401), (status = 403, description = "neither an admin nor an ingest token")))]
pub async fn post_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    body: Bytes,
) -> Result<Json<EventsOutcome>, ApiError> {
    if !(caller.ingest_only || caller.account.role == Role::Admin) {
        return Err(ApiError::forbidden());
    }
    let spec = KindSpec::by_name(&kind)
        .filter(|k| k.is_event())
        .ok_or_else(|| ApiError::bad_request(format!("`{kind}` is not an event kind")))?;
    // The ingest future holds values that are not `Send` across awaits; it runs on a
    // blocking thread of its own, driven by this runtime.
    let (st, bytes, handle) = (state.clone(), body.to_vec(), tokio::runtime::Handle::current());
    let out = tokio::task::spawn_blocking(move || handle.block_on(ingest(&st, spec, &bytes)))
        .await
        .map_err(ApiError::internal)??;
    let detail = serde_json::json!({
        "kind": out.kind, "batch_id": out.batch_id, "rows_read": out.rows_read, "stored": out.stored,
        "duplicates": out.duplicates, "quarantined": out.quarantined,
    });
    caller.audit(&state, "events.ingest", None, 0, detail)?;
    Ok(Json(out))
}

/// Batches of this process one at a time: the store's writer lock counts holders inside
/// one process rather than excluding them.
static WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Ingests `body` as NDJSON of `kind` and reports the outcome.
pub async fn ingest(state: &AppState, kind: &'static KindSpec, body: &[u8]) -> Result<EventsOutcome, ApiError> {
    let _one = WRITER.lock().await;
    let holder = format!("radar serve events (pid {})", std::process::id());
    let _lock = crate::store::lock::acquire(state.root(), true, &holder).await.map_err(ApiError::internal)?;
    let file = Spool::write(kind.name, body)?;
    let opts = IngestOptions {
        kind: Some(kind),
        encoding: Encoding::Utf8,
        tz: state.tz(),
        now: state.now(),
        batch_rows: 65_536,
    };
    let outcome = crate::ingest::ingest(state.store(), std::slice::from_ref(&file.path), &opts, &NoProgress)
        .await
        .map_err(ApiError::internal)?;
    let report = outcome.reports.into_iter().next().ok_or_else(|| ApiError::internal("ingest read no file"))?;
    if report.status != "ok" {
        return Err(ApiError::internal(report.error.unwrap_or_default()));
    }
    let rejects = rejects(state, kind.name, &report.source_hash).await?;
    Ok(EventsOutcome {
        kind: kind.name.into(),
        batch_id: report.run_id,
        rows_read: report.rows_read,
        stored: report.stored,
        duplicates: report.duplicates,
        quarantined: report.quarantined,
        quarantined_by_reason: report.quarantined_by_reason,
        rejects,
        ignored_columns: report.ignored_columns,
    })
}

/// The quarantine entries of a body, by line.
async fn rejects(state: &AppState, kind: &str, source_hash: &str) -> Result<Vec<Reject>, ApiError> {
    // Both values are ours: a kind name of the contract and a hex hash.
    let sql = format!(
        "SELECT line, \"column\", reason FROM t WHERE source_hash = '{source_hash}' AND kind = '{kind}' \
         ORDER BY \"row\" LIMIT {MAX_LISTED}"
    );
    let batches =
        state.store().query_table(crate::ingest::quarantine::QUARANTINE, &sql).await.map_err(ApiError::internal)?;
    let rows = super::cells::objects_json(&batches, state.tz());
    Ok(rows
        .into_iter()
        .map(|r| Reject {
            line: r.get("line").and_then(|v| v.as_i64()),
            column: r.get("column").and_then(|v| v.as_str()).map(String::from),
            reason: r.get("reason").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
        })
        .collect())
}

/// A body on disk for the length of one ingest.
struct Spool {
    dir: PathBuf,
    path: PathBuf,
}

impl Spool {
    fn write(kind: &str, body: &[u8]) -> Result<Spool, ApiError> {
        let dir = std::env::temp_dir().join(format!("radar-events-{}", uuid::Uuid::new_v4()));
        let mut builder = std::fs::DirBuilder::new();
        // Only this user reads it: a body may hold personal data (a process record's summary).
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(ApiError::internal)?;
        let spool = Spool { path: dir.join(format!("{kind}.ndjson")), dir };
        std::fs::write(&spool.path, body).map_err(ApiError::internal)?;
        Ok(spool)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
