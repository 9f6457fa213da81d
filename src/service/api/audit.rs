//! `GET /api/v1/audit`: the audit log for admins, newest first, filtered by actor,
//! student and time. Rows hold ids only (see `warnings::audit`), so listing them
//! discloses no personal data; the listing itself is audited.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{allow, ADMINS};
use crate::schema::time::{format_timestamp, parse_clock, Micros};
use crate::service::auth::Caller;
use crate::service::error::ApiError;
use crate::service::AppState;
use crate::warnings::audit::AuditFilter;

/// Query of `GET /audit`.
#[derive(Debug, Default, Clone, Deserialize, Serialize, IntoParams, ToSchema)]
pub struct AuditQuery {
    /// Only rows of this actor (username, or staff id for rows the CLI wrote).
    pub actor: Option<String>,
    /// Only rows about this student (or with it as their subject).
    pub student_id: Option<String>,
    /// Only rows at or after this instant (RFC 3339, naive local time or a date).
    pub since: Option<String>,
    /// Rows at most (1–10,000, default 1,000).
    pub limit: Option<u32>,
}

/// One audit row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    /// When, RFC 3339 in the campus zone.
    pub at: String,
    /// Who.
    pub actor: String,
    /// Their role (empty for rows the CLI wrote).
    pub role: Option<String>,
    /// What (`profile.view`, `sql.query`, …).
    pub action: String,
    /// The student concerned, if one.
    pub student_id: Option<String>,
    /// The subject (a warning id, a filter), if any.
    pub subject: Option<String>,
    /// Students disclosed.
    pub students: u64,
    /// Ids, counts and flags.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The caller's address.
    pub remote_addr: Option<String>,
}

/// The audit log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditLog {
    /// Rows, newest first.
    pub entries: Vec<AuditEntry>,
}

/// The audit log, filtered.
#[utoipa::path(get, path = "/api/v1/audit", tag = "admins",
    params(AuditQuery),
    responses((status = 200, body = AuditLog), (status = 400, description = "`since` is not a time"), (status = 401), (status = 403)))]
pub async fn get_audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditLog>, ApiError> {
    Ok(Json(AuditLog { entries: list(&state, &caller, &q).await? }))
}

/// Lists the audit log for `caller` (the page calls this too) and audits the listing.
pub async fn list(state: &AppState, caller: &Caller, q: &AuditQuery) -> Result<Vec<AuditEntry>, ApiError> {
    allow(caller, &ADMINS)?;
    let some = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let since: Option<Micros> = match some(&q.since) {
        Some(s) => Some(
            parse_clock(&s, state.tz()).ok_or_else(|| ApiError::bad_request(format!("since `{s}` is not a time")))?,
        ),
        None => None,
    };
    let (actor, student) = (some(&q.actor), some(&q.student_id));
    let filter = AuditFilter {
        actor: actor.clone(),
        student_id: student.clone(),
        since,
        limit: Some(u64::from(q.limit.unwrap_or(1_000).clamp(1, 10_000))),
    };
    let db = state.ops()?;
    let tz = state.tz();
    let rows = tokio::task::spawn_blocking(move || crate::warnings::audit::list(&db, &filter))
        .await
        .map_err(ApiError::internal)??;
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .map(|e| AuditEntry {
            at: format_timestamp(e.at, tz),
            actor: e.actor,
            role: e.role,
            action: e.action,
            student_id: e.student_id,
            subject: Some(e.subject).filter(|s| !s.is_empty()),
            students: e.students,
            detail: e.detail,
            remote_addr: e.remote_addr,
        })
        .collect();
    let detail = serde_json::json!({ "actor": actor, "since": since, "rows": entries.len() });
    // The student filter names a student: the listing is about them.
    caller.audit(state, "audit.view", student.as_deref(), u64::from(student.is_some()), detail)?;
    Ok(entries)
}
