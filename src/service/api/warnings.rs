//! `/api/v1/warnings…`: the caller's warnings (json, csv, xlsx), one warning with its
//! history, lifecycle changes and interventions.
//!
//! Every row passes through [`mask`]: a pseudonymised caller (analyst) sees pseudonyms for
//! student ids, and a warning drawn from a psychological screening shows its level, rule,
//! reasons and evidence only to callers with the psych grant (`profile::access`), as the
//! profile does. The `level` filter applies after masking, so it cannot be used to learn
//! a restricted warning's level.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{actor_id, allow, grants_for, resolve_student, shown_id, WARNING_READERS, WARNING_WRITERS};
use crate::accounts::scope::Directory;
use crate::profile::access::{self, RESTRICTED};
use crate::schema::time::format_timestamp;
use crate::service::auth::Caller;
use crate::service::error::ApiError;
use crate::service::AppState;
use crate::warnings::db::{Action, Filter, OpsDb, WarningRow, INTERVENTIONS, OPEN, STATUSES};
use crate::warnings::rules::{CATEGORIES, LEVELS};
use crate::warnings::{draws_on_screening, export, WarningError};

/// Query of `GET /warnings`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `open` (default: new, acknowledged, in_progress), `all`, or one status.
    pub status: Option<String>,
    /// `red`, `orange` or `yellow`.
    pub level: Option<String>,
    /// `academic`, `wellbeing`, `economic` or `safety`.
    pub category: Option<String>,
    /// A college (only narrows the caller's scope).
    pub college: Option<String>,
    /// A student (a pseudonym for an analyst; only narrows the caller's scope).
    pub student_id: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// One warning as listed: the columns of interfaces.md's warnings export, timestamps
/// RFC 3339 in the campus zone, `evidence` a JSON object as text.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WarningOut {
    /// `W` + 6 digits.
    pub warning_id: String,
    /// Student id (a pseudonym for an analyst).
    pub student_id: String,
    /// Counsellor's staff id.
    pub counsellor_id: String,
    /// `academic`, `wellbeing`, `economic`, `safety`.
    pub category: String,
    /// `red`, `orange`, `yellow`, or `restricted` (a screening-based warning without the psych grant).
    pub level: String,
    /// `new`, `acknowledged`, `in_progress`, `resolved`, `false_positive`.
    pub status: String,
    /// As-of instant of the refresh that first raised it.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Rule id (or `restricted`).
    pub rule: String,
    /// Reason, Chinese.
    pub reason_zh: String,
    /// Reason, English.
    pub reason_en: String,
    /// Evidence: a JSON object as text (`feature, value, baseline, cohort_pct, trend, sources_used, sources_missing`).
    pub evidence: String,
    /// College.
    pub college: String,
    /// Priority (higher first).
    pub priority: f64,
    /// Highest level reached.
    pub max_level: String,
    /// Whether the condition still held at the last raise.
    pub active: bool,
    /// When it was closed.
    pub closed_at: Option<String>,
    /// Rule file version.
    pub rules_version: String,
}

/// A status change in a warning's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventOut {
    /// When.
    pub at: String,
    /// Staff id (or `system`).
    pub by: String,
    /// `raised`, `ack`, `start`, `resolve`, `false-positive`, `log KIND`, ….
    pub action: String,
    /// Status before.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: String,
    /// Level at the time.
    pub level: String,
    /// The note, when the caller may read staff notes.
    pub note: Option<String>,
    /// Whether a note exists but is withheld from the caller.
    pub note_withheld: bool,
}

/// An intervention logged on a warning.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InterventionOut {
    /// `I` + 6 digits.
    pub intervention_id: String,
    /// `talk`, `referral`, `home_visit`, `aid`, `other`.
    pub kind: String,
    /// Staff id.
    pub by: String,
    /// When.
    pub at: String,
    /// The note, when the caller may read staff notes.
    pub note: Option<String>,
    /// Whether a note exists but is withheld from the caller.
    pub note_withheld: bool,
}

/// `GET /warnings/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WarningDetail {
    /// The warning.
    pub warning: WarningOut,
    /// Its status history, oldest first.
    pub events: Vec<EventOut>,
    /// Its interventions, oldest first.
    pub interventions: Vec<InterventionOut>,
}

/// Body of `POST /warnings/{id}/transitions`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TransitionBody {
    /// `acknowledged`, `in_progress`, `resolved` or `false_positive`.
    pub to: String,
    /// Optional note (kept in the operational store; never logged or audited).
    pub note: Option<String>,
}

/// Body of `POST /warnings/{id}/interventions`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InterventionBody {
    /// `talk`, `referral`, `home_visit`, `aid` or `other`.
    pub kind: String,
    /// What was done (kept in the operational store; never logged or audited).
    pub note: Option<String>,
}

/// Answer of `POST /warnings/{id}/interventions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InterventionCreated {
    /// The new intervention's id.
    pub intervention_id: String,
    /// The warning after the intervention (a `new` or `acknowledged` one is now `in_progress`).
    pub warning: WarningOut,
}

/// Output formats of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON array.
    Json,
    /// CSV with a header.
    Csv,
    /// xlsx workbook.
    Xlsx,
}

impl ListQuery {
    /// The format asked for; 400 for an unknown one.
    pub fn format(&self) -> Result<Format, ApiError> {
        match self.format.as_deref().unwrap_or("json") {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(ApiError::bad_request(format!("format `{}` is not json, csv or xlsx", clip(other)))),
        }
    }

    fn statuses(&self) -> Result<Vec<String>, ApiError> {
        match self.status.as_deref().unwrap_or("open") {
            "open" => Ok(OPEN.iter().map(|s| s.to_string()).collect()),
            "all" => Ok(Vec::new()),
            s if STATUSES.contains(&s) => Ok(vec![s.to_string()]),
            other => Err(ApiError::bad_request(format!(
                "status `{}` is not open, all or one of {}",
                clip(other),
                STATUSES.join(", ")
            ))),
        }
    }

    fn check(&self) -> Result<(), ApiError> {
        if let Some(l) = self.level.as_deref().filter(|l| !LEVELS.contains(l)) {
            return Err(ApiError::bad_request(format!("level `{}` is not red, orange or yellow", clip(l))));
        }
        if let Some(c) = self.category.as_deref().filter(|c| !CATEGORIES.contains(c)) {
            return Err(ApiError::bad_request(format!(
                "category `{}` is not one of {}",
                clip(c),
                CATEGORIES.join(", ")
            )));
        }
        Ok(())
    }

    /// The filter as written to the audit log (ids and enums only).
    pub fn audit_filter(&self) -> serde_json::Value {
        serde_json::json!({
            "status": self.status, "level": self.level, "category": self.category,
            "college": self.college, "student_id": self.student_id,
        })
    }
}

/// At most 40 characters of a value echoed in an error message.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A copy of `row` as `caller` may see it.
pub fn mask(state: &AppState, caller: &Caller, dir: &Directory, mut row: WarningRow) -> WarningRow {
    let g = grants_for(caller, dir, &row.student_id);
    access::warning_row(&mut row, g);
    row.student_id = shown_id(state, caller, &row.student_id);
    row
}

/// The warnings `caller` may see that match `q`, masked, most urgent first per counsellor.
pub async fn visible(state: &AppState, caller: &Caller, q: &ListQuery) -> Result<Vec<WarningRow>, ApiError> {
    q.check()?;
    let dir = state.directory().await?;
    let mut f = Filter { category: q.category.clone(), college: q.college.clone(), ..Filter::default() };
    f.statuses = q.statuses()?;
    if let Some(given) = q.student_id.as_deref() {
        match resolve_student(state, caller, &dir, given) {
            Some(id) => f.student = Some(id),
            // A student outside the scope: the same empty list as a student with no warnings.
            None => return Ok(Vec::new()),
        }
    }
    let rows = state.ops()?.list(&f).map_err(ApiError::from)?;
    Ok(rows
        .into_iter()
        .filter(|r| caller.sees(&dir, &r.student_id))
        .map(|r| mask(state, caller, &dir, r))
        .filter(|r| q.level.as_deref().is_none_or(|l| r.level == l))
        .collect())
}

/// The number of distinct students among `rows`.
pub fn students(rows: &[WarningRow]) -> u64 {
    rows.iter().map(|r| r.student_id.as_str()).collect::<BTreeSet<_>>().len() as u64
}

/// A row for the JSON answer.
pub fn out(state: &AppState, r: &WarningRow) -> WarningOut {
    let tz = state.tz();
    WarningOut {
        warning_id: r.warning_id.clone(),
        student_id: r.student_id.clone(),
        counsellor_id: r.counsellor_id.clone(),
        category: r.category.clone(),
        level: r.level.clone(),
        status: r.status.clone(),
        created_at: format_timestamp(r.created_at, tz),
        updated_at: format_timestamp(r.updated_at, tz),
        rule: r.rule.clone(),
        reason_zh: r.reason_zh.clone(),
        reason_en: r.reason_en.clone(),
        evidence: r.evidence.clone(),
        college: r.college.clone(),
        priority: (r.priority * 1000.0).round() / 1000.0,
        max_level: r.max_level.clone(),
        active: r.active,
        closed_at: r.closed_at.map(|t| format_timestamp(t, tz)),
        rules_version: r.rules_version.clone(),
    }
}

/// The rows as CSV in the export's column order (interfaces.md value rules).
pub fn csv_bytes(state: &AppState, rows: &[WarningRow]) -> Result<Vec<u8>, ApiError> {
    let e = |x: csv::Error| ApiError::from(WarningError::Export(x.to_string()));
    let mut w = csv::Writer::from_writer(Vec::new());
    let schema = export::schema(false);
    w.write_record(schema.fields().iter().map(|f| f.name().as_str())).map_err(e)?;
    for r in rows {
        let o = out(state, r);
        w.write_record([
            o.warning_id,
            o.student_id,
            o.counsellor_id,
            o.category,
            o.level,
            o.status,
            o.created_at,
            o.updated_at,
            o.rule,
            o.reason_zh,
            o.reason_en,
            o.evidence,
            o.college,
            format!("{}", o.priority),
            o.max_level,
            o.active.to_string(),
            o.closed_at.unwrap_or_default(),
            o.rules_version,
        ])
        .map_err(e)?;
    }
    w.into_inner().map_err(|x| ApiError::from(WarningError::Export(x.to_string())))
}

fn download(bytes: Vec<u8>, content_type: &'static str, name: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, name),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /api/v1/warnings`: the caller's warnings.
#[utoipa::path(
    get, path = "/api/v1/warnings", tag = "warnings", params(ListQuery),
    responses(
        (status = 200, description = "The caller's warnings (json; or a csv / xlsx download)", body = [WarningOut]),
        (status = 400, description = "A bad filter", body = super::openapi::ErrorBody),
        (status = 401, description = "No or bad credentials", body = super::openapi::ErrorBody),
        (status = 403, description = "A role that reads no warnings", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    allow(&caller, &WARNING_READERS)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let format = q.format()?;
    let rows = visible(&state, &caller, &q).await?;
    let action = if format == Format::Json { "warnings.list" } else { "warnings.export" };
    let detail = serde_json::json!({
        "format": q.format.as_deref().unwrap_or("json"), "warnings": rows.len(), "filter": q.audit_filter(),
    });
    // The audit names the real student, never a pseudonym.
    let dir = state.directory().await?;
    let subject = q.student_id.as_deref().and_then(|given| resolve_student(&state, &caller, &dir, given));
    caller.audit(&state, action, subject.as_deref(), students(&rows), detail)?;
    Ok(match format {
        Format::Json => Json(rows.iter().map(|r| out(&state, r)).collect::<Vec<_>>()).into_response(),
        Format::Csv => {
            download(csv_bytes(&state, &rows)?, "text/csv; charset=utf-8", "attachment; filename=\"warnings.csv\"")
        }
        Format::Xlsx => download(
            export::xlsx(&rows, None, state.tz())?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "attachment; filename=\"warnings.xlsx\"",
        ),
    })
}

/// The warning `id` if the caller sees its student; 404 otherwise (whether or not it exists).
pub async fn in_scope(state: &AppState, caller: &Caller, id: &str) -> Result<(WarningRow, OpsDb), ApiError> {
    let db = state.ops()?;
    let row = db.get(id).map_err(ApiError::from)?.ok_or_else(ApiError::not_found)?;
    let dir = state.directory().await?;
    if !caller.sees(&dir, &row.student_id) {
        return Err(ApiError::not_found());
    }
    Ok((row, db))
}

/// One warning with its history, masked for the caller (audited as `warnings.show`).
pub async fn detail(state: &AppState, caller: &Caller, id: &str) -> Result<(WarningRow, WarningDetail), ApiError> {
    let (row, db) = in_scope(state, caller, id).await?;
    let dir = state.directory().await?;
    let g = grants_for(caller, &dir, &row.student_id);
    let restricted = draws_on_screening(&row.evidence) && !g.psych;
    // Notes are staff free text; on a screening-based warning they are health data too.
    let notes = g.notes && !restricted;
    let tz = state.tz();
    let mut st = db
        .conn
        .prepare("SELECT at, by, action, from_status, to_status, level, note FROM warning_events WHERE warning_id = ?1 ORDER BY at, event_id")?;
    let events = st
        .query_map(params![id], |r| {
            let note: Option<String> = r.get(6)?;
            let level: String = r.get(5)?;
            Ok(EventOut {
                at: format_timestamp(r.get(0)?, tz),
                by: r.get(1)?,
                action: r.get(2)?,
                from_status: r.get(3)?,
                to_status: r.get(4)?,
                level: if restricted { RESTRICTED.into() } else { level },
                note_withheld: note.is_some() && !notes,
                note: note.filter(|_| notes),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut st = db
        .conn
        .prepare("SELECT intervention_id, kind, by, at, note FROM interventions WHERE warning_id = ?1 ORDER BY seq")?;
    let interventions = st
        .query_map(params![id], |r| {
            let note: Option<String> = r.get(4)?;
            Ok(InterventionOut {
                intervention_id: r.get(0)?,
                kind: r.get(1)?,
                by: r.get(2)?,
                at: format_timestamp(r.get(3)?, tz),
                note_withheld: note.as_deref().is_some_and(|n| !n.is_empty()) && !notes,
                note: note.filter(|_| notes),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let student = row.student_id.clone();
    caller.audit_subject(
        state,
        "warnings.show",
        id,
        Some(&student),
        1,
        serde_json::json!({ "warning_id": id, "shown": g.fields(), "restricted": restricted }),
    )?;
    let shown = mask(state, caller, &dir, row);
    let warning = out(state, &shown);
    Ok((shown, WarningDetail { warning, events, interventions }))
}

/// `GET /api/v1/warnings/{warning_id}`: one warning with its events and interventions.
#[utoipa::path(
    get, path = "/api/v1/warnings/{warning_id}", tag = "warnings",
    params(("warning_id" = String, Path, description = "Warning id")),
    responses(
        (status = 200, description = "The warning, its events and interventions", body = WarningDetail),
        (status = 401, description = "No or bad credentials", body = super::openapi::ErrorBody),
        (status = 403, description = "A role that reads no warnings", body = super::openapi::ErrorBody),
        (status = 404, description = "No such warning in the caller's scope", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WarningDetail>, ApiError> {
    allow(&caller, &WARNING_READERS)?;
    Ok(Json(detail(&state, &caller, &id).await?.1))
}

/// The lifecycle action that leads to status `to`.
pub fn action_to(to: &str) -> Result<Action, ApiError> {
    match to {
        "acknowledged" => Ok(Action::Ack),
        "in_progress" => Ok(Action::Start),
        "resolved" => Ok(Action::Resolve),
        "false_positive" => Ok(Action::FalsePositive),
        other => Err(ApiError::bad_request(format!(
            "`to` is `{}`: use acknowledged, in_progress, resolved or false_positive",
            clip(other)
        ))),
    }
}

fn lifecycle_error(e: WarningError) -> ApiError {
    match e {
        // The message names statuses and the warning id only.
        WarningError::Transition { .. } => ApiError::conflict(e.to_string()),
        WarningError::NotFound(_) => ApiError::not_found(),
        other => other.into(),
    }
}

/// Moves a warning the caller may change to status `to` (audited as `warnings.transition`).
pub async fn change(
    state: &AppState,
    caller: &Caller,
    id: &str,
    to: &str,
    note: Option<&str>,
) -> Result<WarningRow, ApiError> {
    allow(caller, &WARNING_WRITERS)?;
    let action = action_to(to)?;
    let (before, mut db) = in_scope(state, caller, id).await?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let row = db.transition(id, action, &actor_id(caller), note, state.now()).map_err(lifecycle_error)?;
    caller.audit_subject(
        state,
        "warnings.transition",
        id,
        Some(&row.student_id),
        1,
        serde_json::json!({ "warning_id": id, "from": before.status, "to": row.status, "with_note": note.is_some() }),
    )?;
    let dir = state.directory().await?;
    Ok(mask(state, caller, &dir, row))
}

/// Logs an intervention on a warning the caller may change (audited as `warnings.intervention`).
pub async fn log(
    state: &AppState,
    caller: &Caller,
    id: &str,
    kind: &str,
    note: &str,
) -> Result<(String, WarningRow), ApiError> {
    allow(caller, &WARNING_WRITERS)?;
    if !INTERVENTIONS.contains(&kind) {
        return Err(ApiError::bad_request(format!("kind `{}` is not one of {}", clip(kind), INTERVENTIONS.join(", "))));
    }
    let (before, mut db) = in_scope(state, caller, id).await?;
    let iid = db.log_intervention(id, kind, &actor_id(caller), note.trim(), state.now()).map_err(lifecycle_error)?;
    caller.audit_subject(
        state,
        "warnings.intervention",
        id,
        Some(&before.student_id),
        1,
        serde_json::json!({ "warning_id": id, "intervention_id": iid, "kind": kind }),
    )?;
    let row = db.get(id).map_err(ApiError::from)?.ok_or_else(ApiError::not_found)?;
    let dir = state.directory().await?;
    Ok((iid, mask(state, caller, &dir, row)))
}

fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("body: {e}")))
}

/// `POST /api/v1/warnings/{warning_id}/transitions`: a lifecycle change.
#[utoipa::path(
    post, path = "/api/v1/warnings/{warning_id}/transitions", tag = "warnings",
    params(("warning_id" = String, Path, description = "Warning id")),
    request_body = TransitionBody,
    responses(
        (status = 200, description = "The warning after the change", body = WarningOut),
        (status = 400, description = "A bad body or target status", body = super::openapi::ErrorBody),
        (status = 401, description = "No or bad credentials", body = super::openapi::ErrorBody),
        (status = 403, description = "A role that changes no warnings", body = super::openapi::ErrorBody),
        (status = 404, description = "No such warning in the caller's scope", body = super::openapi::ErrorBody),
        (status = 409, description = "The lifecycle does not allow this change from the current status", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<WarningOut>, ApiError> {
    allow(&caller, &WARNING_WRITERS)?;
    let b: TransitionBody = json_body(&body)?;
    let row = change(&state, &caller, &id, &b.to, b.note.as_deref()).await?;
    Ok(Json(out(&state, &row)))
}

/// `POST /api/v1/warnings/{warning_id}/interventions`: logs an intervention.
#[utoipa::path(
    post, path = "/api/v1/warnings/{warning_id}/interventions", tag = "warnings",
    params(("warning_id" = String, Path, description = "Warning id")),
    request_body = InterventionBody,
    responses(
        (status = 201, description = "The intervention is logged", body = InterventionCreated),
        (status = 400, description = "A bad body or kind", body = super::openapi::ErrorBody),
        (status = 401, description = "No or bad credentials", body = super::openapi::ErrorBody),
        (status = 403, description = "A role that changes no warnings", body = super::openapi::ErrorBody),
        (status = 404, description = "No such warning in the caller's scope", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn intervene(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<InterventionCreated>), ApiError> {
    allow(&caller, &WARNING_WRITERS)?;
    let b: InterventionBody = json_body(&body)?;
    let (iid, row) = log(&state, &caller, &id, &b.kind, b.note.as_deref().unwrap_or_default()).await?;
    Ok((StatusCode::CREATED, Json(InterventionCreated { intervention_id: iid, warning: out(&state, &row) })))
}
