//! The JSON API of the counsellor's workflow under `/api/v1` (service.md): warning lists
//! and exports, one warning with its history, lifecycle changes and interventions, and
//! the student's profile, process record and recommendations — each masked for the
//! caller and audited. Who may call what is the table of service.md: a role that may
//! never use a route gets 403, a student or warning outside the caller's scope 404.
//!
//! The pages (`service::pages::inbox`, `service::pages::student`) call the same functions
//! as these handlers, so a form post and an API call cannot disagree on scope or masking.

pub mod admin;
pub mod openapi;
pub mod students;
pub mod warnings;

use axum::routing::{get, post};
use axum::Router;

use crate::accounts::scope::{Directory, Scope};
use crate::accounts::Role;
use crate::profile::access::{self, Grants};
use crate::profile::doc::{Basic, Profile};
use crate::service::auth::Caller;
use crate::service::error::ApiError;
use crate::service::AppState;

/// The routes of this module, nested by the service at `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(admin::routes())
        .route("/warnings", get(warnings::list))
        .route("/warnings/{warning_id}", get(warnings::show))
        .route("/warnings/{warning_id}/transitions", post(warnings::transition))
        .route("/warnings/{warning_id}/interventions", post(warnings::intervene))
        .route("/students/{student_id}/profile", get(students::profile))
        .route("/students/{student_id}/timeline", get(students::timeline))
        .route("/students/{student_id}/recommendations", get(students::recommendations))
        .route("/openapi.json", get(openapi::document))
}

/// Roles that read warning lists and single warnings.
pub const WARNING_READERS: [Role; 5] =
    [Role::Counsellor, Role::Mentor, Role::Psychologist, Role::Leader, Role::Analyst];
/// Roles that change a warning (the counsellor only for their own students: scope).
pub const WARNING_WRITERS: [Role; 3] = [Role::Counsellor, Role::Psychologist, Role::Leader];
/// Roles that read a student's profile and recommendations (a student: their own, by scope;
/// an admin only with a staff link, by scope).
pub const PROFILE_READERS: [Role; 7] =
    [Role::Admin, Role::Analyst, Role::Leader, Role::Counsellor, Role::Mentor, Role::Psychologist, Role::Student];
/// Roles that read a student's process record: staff only.
pub const TIMELINE_READERS: [Role; 6] =
    [Role::Admin, Role::Analyst, Role::Leader, Role::Counsellor, Role::Mentor, Role::Psychologist];

/// The role check of a route; a token made only for event ingest reads nothing.
pub fn allow(caller: &Caller, roles: &[Role]) -> Result<(), ApiError> {
    if caller.ingest_only {
        return Err(ApiError::forbidden());
    }
    caller.require(roles)
}

/// What `caller` may see of `student_id`, through `profile::access::grants` (the one
/// place that decides it). Only call it for a student the caller sees.
pub fn grants_for(caller: &Caller, dir: &Directory, student_id: &str) -> Grants {
    match &caller.scope {
        Scope::Student(own) if own == student_id => access::OWN,
        Scope::All => Grants::default(),
        _ => {
            let Some(s) = dir.student(student_id) else { return Grants::default() };
            let stub = Profile {
                student_id: student_id.to_string(),
                basic: Basic {
                    college: s.college.clone(),
                    counsellor_id: s.counsellor_id.clone(),
                    mentor_id: s.mentor_id.clone(),
                    ..Basic::default()
                },
                ..Profile::default()
            };
            access::grants(caller.viewer(dir).as_ref(), &stub)
        }
    }
}

/// The id the caller names a student by: a stable pseudonym for a pseudonymised scope.
pub fn shown_id(state: &AppState, caller: &Caller, student_id: &str) -> String {
    if caller.scope.pseudonymised() {
        state.pseudonym(student_id)
    } else {
        student_id.to_string()
    }
}

/// The student a path or filter names, if the caller sees them: a pseudonymised caller
/// names students by pseudonym. `None` is answered as 404 (existence is not revealed).
pub fn resolve_student(state: &AppState, caller: &Caller, dir: &Directory, given: &str) -> Option<String> {
    if caller.scope.pseudonymised() {
        return dir.students_in(&caller.scope).into_iter().find(|id| state.pseudonym(id) == given).map(String::from);
    }
    caller.sees(dir, given).then(|| given.to_string())
}

/// The staff id (or, without one, the username) written as `by` on lifecycle rows.
pub fn actor_id(caller: &Caller) -> String {
    caller.account.staff_id.clone().unwrap_or_else(|| caller.account.username.clone())
}
