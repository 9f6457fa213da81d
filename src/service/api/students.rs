//! `/api/v1/students/{student_id}/…`: the one-click profile, the process record and the
//! recommendations of one student the caller sees, masked through `profile::access` for
//! the caller and audited before anything is returned.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::{allow, grants_for, resolve_student, shown_id, PROFILE_READERS, TIMELINE_READERS};
use crate::profile::access::{self, Grants};
use crate::profile::doc::{Masked, Profile, Recommendation, TimelineEvent};
use crate::profile::{self, serving, ProfileError};
use crate::service::auth::Caller;
use crate::service::error::ApiError;
use crate::service::AppState;

/// `GET /students/{id}/timeline`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineOut {
    /// Student id (a pseudonym for an analyst).
    pub student_id: String,
    /// The process record, oldest first: `at, at_micros, source, kind, title_zh, title_en,
    /// by, ref_id, note {value, masked}, restricted`.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<TimelineEvent>,
}

/// `GET /students/{id}/recommendations`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecommendationsOut {
    /// Student id (a pseudonym for an analyst).
    pub student_id: String,
    /// Date of the profile build they come from.
    pub as_of: String,
    /// Ranked: `rank, kind, item_id, title, title_en, reason_zh, reason_en`.
    #[schema(value_type = Vec<Object>)]
    pub recommendations: Vec<Recommendation>,
}

/// The stored profile of `id` (the nightly serving copy), or one built now when the store
/// has no build yet.
async fn load(state: &AppState, id: &str) -> Result<Profile, ApiError> {
    // A point read of one SQLite row: cheap enough for the request's thread.
    let stored = serving::read(state.root(), id)?;
    if let Some(p) = stored {
        return Ok(p);
    }
    let store = state.store();
    let as_of = crate::refresh::published_as_of(store, state.now(), state.tz()).map_err(ProfileError::from)?;
    let mut one = profile::build(store, as_of, state.tz(), &profile::Scope::One(id.to_string())).await?;
    one.pop().ok_or_else(ApiError::not_found)
}

/// The profile of the student the caller names, masked for them, with the grants used;
/// 404 for a student outside the caller's scope.
pub async fn shown(state: &AppState, caller: &Caller, given: &str) -> Result<(String, Profile, Grants), ApiError> {
    let dir = state.directory().await?;
    let id = resolve_student(state, caller, &dir, given).ok_or_else(ApiError::not_found)?;
    let p = match load(state, &id).await {
        Err(_) if dir.student(&id).is_none() => return Err(ApiError::not_found()),
        other => other?,
    };
    let g = grants_for(caller, &dir, &id);
    let mut p = access::apply(&p, g);
    pseudonymise(state, caller, &mut p);
    Ok((id, p, g))
}

/// An analyst's copy: a pseudonym for the id, no name at all.
fn pseudonymise(state: &AppState, caller: &Caller, p: &mut Profile) {
    if caller.scope.pseudonymised() {
        p.student_id = shown_id(state, caller, &p.student_id);
        p.basic.name = Masked { value: None, masked: true };
    }
}

fn audit_detail(g: Grants) -> serde_json::Value {
    serde_json::json!({ "shown": g.fields() })
}

/// `GET /api/v1/students/{student_id}/profile`: the one-click profile, masked for the caller.
#[utoipa::path(
    get, path = "/api/v1/students/{student_id}/profile", tag = "students",
    params(("student_id" = String, Path, description = "Student id (an analyst: the pseudonym)")),
    responses(
        (status = 200, description = "The profile document, masked for the caller", body = serde_json::Value),
        (status = 401, description = "No or bad credentials", body = super::openapi::ErrorBody),
        (status = 404, description = "No such student in the caller's scope", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn profile(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Profile>, ApiError> {
    allow(&caller, &PROFILE_READERS)?;
    let (real, p, g) = shown(&state, &caller, &id).await?;
    caller.audit(&state, "profile.view", Some(&real), 1, audit_detail(g))?;
    Ok(Json(p))
}

/// The process record of a student the caller sees, until now, masked for them.
pub async fn events(state: &AppState, caller: &Caller, given: &str) -> Result<(String, TimelineOut, Grants), ApiError> {
    let dir = state.directory().await?;
    let id = resolve_student(state, caller, &dir, given).ok_or_else(ApiError::not_found)?;
    if dir.student(&id).is_none() {
        return Err(ApiError::not_found());
    }
    let store = state.store();
    let ctx = store.session().await.map_err(ProfileError::from)?;
    let tables = store.table_names().into_iter().collect();
    let now = state.now();
    let scope = profile::Scope::One(id.clone());
    let mut by = profile::timeline::collect(store, &ctx, &tables, &scope, now, now, state.tz()).await?;
    let mut events = by.remove(&id).unwrap_or_default();
    let g = grants_for(caller, &dir, &id);
    access::timeline(&mut events, g);
    let student_id = shown_id(state, caller, &id);
    Ok((id, TimelineOut { student_id, events }, g))
}

/// `GET /api/v1/students/{student_id}/timeline`: the process record, masked for the caller.
#[utoipa::path(
    get, path = "/api/v1/students/{student_id}/timeline", tag = "students",
    params(("student_id" = String, Path, description = "Student id (an analyst: the pseudonym)")),
    responses(
        (status = 200, description = "The process record, oldest first", body = TimelineOut),
        (status = 401, description = "No or bad credentials", body = super::openapi::ErrorBody),
        (status = 403, description = "A student (the process record is the staff's)", body = super::openapi::ErrorBody),
        (status = 404, description = "No such student in the caller's scope", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TimelineOut>, ApiError> {
    allow(&caller, &TIMELINE_READERS)?;
    let (real, t, g) = events(&state, &caller, &id).await?;
    let mut detail = audit_detail(g);
    detail["events"] = t.events.len().into();
    caller.audit(&state, "timeline.view", Some(&real), 1, detail)?;
    Ok(Json(t))
}

/// `GET /api/v1/students/{student_id}/recommendations`: recommendations with reasons.
#[utoipa::path(
    get, path = "/api/v1/students/{student_id}/recommendations", tag = "students",
    params(("student_id" = String, Path, description = "Student id (an analyst: the pseudonym)")),
    responses(
        (status = 200, description = "Ranked recommendations with their reasons", body = RecommendationsOut),
        (status = 401, description = "No or bad credentials", body = super::openapi::ErrorBody),
        (status = 404, description = "No such student in the caller's scope", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn recommendations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecommendationsOut>, ApiError> {
    allow(&caller, &PROFILE_READERS)?;
    let (real, p, g) = shown(&state, &caller, &id).await?;
    let mut detail = audit_detail(g);
    detail["recommendations"] = p.recommendations.len().into();
    caller.audit(&state, "recommendations.view", Some(&real), 1, detail)?;
    Ok(Json(RecommendationsOut { student_id: p.student_id, as_of: p.as_of, recommendations: p.recommendations }))
}
