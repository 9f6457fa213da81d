//! `GET /api/v1/runs`: refresh runs (the nightly pipeline, from `refresh_runs`) and ingest
//! runs (from `ingest_runs`, one row per file, summed per run) with their failures, newest
//! first. A failed nightly run of the service's schedule shows here with its error.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::cells::objects_json;
use super::{allow, RUN_READERS};
use crate::service::auth::Caller;
use crate::service::error::ApiError;
use crate::service::AppState;

/// Query of `GET /runs`.
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
pub struct RunsQuery {
    /// Runs of each kind to list (1–500, default 50).
    pub limit: Option<u32>,
    /// Only failed runs (`true`) or all (default).
    pub failed: Option<bool>,
}

/// Refresh and ingest runs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Runs {
    /// `refresh_runs` rows: run_id, started_at, finished_at, as_of, status, error, mode, since, steps.
    #[schema(value_type = Vec<Object>)]
    pub refresh: Vec<Map<String, Value>>,
    /// Per ingest run: run_id, started_at, files, failed_files, rows_read, stored, duplicates, quarantined.
    #[schema(value_type = Vec<Object>)]
    pub ingest: Vec<Map<String, Value>>,
    /// Failed ingest files: run_id, started_at, file, kind, error.
    #[schema(value_type = Vec<Object>)]
    pub ingest_failures: Vec<Map<String, Value>>,
}

/// Refresh and ingest runs with their failures.
#[utoipa::path(get, path = "/api/v1/runs", tag = "operations",
    params(RunsQuery),
    responses((status = 200, body = Runs), (status = 401), (status = 403)))]
pub async fn get_runs(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<RunsQuery>,
) -> Result<Json<Runs>, ApiError> {
    Ok(Json(runs(&state, &caller, &q).await?))
}

/// Lists the runs for `caller` and writes the audit row (the page calls this too).
pub async fn runs(state: &AppState, caller: &Caller, q: &RunsQuery) -> Result<Runs, ApiError> {
    allow(caller, &RUN_READERS)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let only_failed = q.failed.unwrap_or(false);
    let refresh_where = if only_failed { "WHERE status = 'failed'" } else { "" };
    let ingest_having = if only_failed { "HAVING sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) > 0" } else { "" };
    let refresh = table(
        state,
        crate::refresh::runs::REFRESH_RUNS,
        &format!(
            "SELECT run_id, started_at, finished_at, as_of, status, error, mode, since, steps FROM t \
             {refresh_where} ORDER BY started_at DESC, run_id LIMIT {limit}"
        ),
    )
    .await?;
    let ingest = table(
        state,
        crate::ingest::runs::INGEST_RUNS,
        &format!(
            "SELECT run_id, min(started_at) AS started_at, count(*) AS files, \
             sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed_files, sum(rows_read) AS rows_read, \
             sum(stored) AS stored, sum(duplicates) AS duplicates, sum(quarantined) AS quarantined \
             FROM t GROUP BY run_id {ingest_having} ORDER BY started_at DESC, run_id LIMIT {limit}"
        ),
    )
    .await?;
    let ingest_failures = table(
        state,
        crate::ingest::runs::INGEST_RUNS,
        &format!(
            "SELECT run_id, started_at, file, kind, error FROM t WHERE status = 'failed' \
             ORDER BY started_at DESC, file LIMIT {limit}"
        ),
    )
    .await?;
    let detail = serde_json::json!({ "refresh": refresh.len(), "ingest": ingest.len(), "failed_only": only_failed });
    caller.audit(state, "runs.view", None, 0, detail)?;
    Ok(Runs { refresh, ingest, ingest_failures })
}

/// Rows of one store table (`t` in `sql`); none when the table does not exist yet.
async fn table(state: &AppState, name: &str, sql: &str) -> Result<Vec<Map<String, Value>>, ApiError> {
    let batches = state.store().query_table(name, sql).await.map_err(ApiError::internal)?;
    Ok(objects_json(&batches, state.tz()))
}
