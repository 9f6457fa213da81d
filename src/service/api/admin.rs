//! The leaders', analysts' and admins' JSON API (service.md): the dashboard, the
//! community indicators, refresh and ingest runs, read-only SQL, the audit log and event
//! ingest over HTTP. Merged by `service::api::routes` under `/api/v1`.
//!
//! Each handler checks the role first (403 for a role that may never use the route),
//! counts only what the caller's scope sees (through `Directory::sees`, the one scope
//! check) and writes its audit row before answering.

#[path = "audit.rs"]
pub mod audit;
#[path = "cells.rs"]
pub mod cells;
#[path = "community.rs"]
pub mod community;
#[path = "dashboard.rs"]
pub mod dashboard;
#[path = "events.rs"]
pub mod events;
#[path = "runs.rs"]
pub mod runs;
#[path = "sql.rs"]
pub mod sql;
#[path = "sql_session.rs"]
pub mod sql_session;

use axum::routing::{get, post};
use axum::Router;

use crate::accounts::Role;
use crate::service::auth::Caller;
use crate::service::error::ApiError;
use crate::service::AppState;

/// The routes of this module, merged under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard::get_dashboard))
        .route("/community", get(community::get_community))
        .route("/runs", get(runs::get_runs))
        .route("/sql", post(sql::post_sql))
        .route("/audit", get(audit::get_audit))
        .route("/events/{kind}", post(events::post_events))
}

/// Who reads the dashboard.
pub const DASHBOARD_READERS: [Role; 3] = [Role::Leader, Role::Analyst, Role::Admin];
/// Who reads the community indicators.
pub const COMMUNITY_READERS: [Role; 2] = [Role::Leader, Role::Analyst];
/// Who reads refresh and ingest runs.
pub const RUN_READERS: [Role; 2] = [Role::Admin, Role::Analyst];
/// Who runs read-only SQL.
pub const SQL_USERS: [Role; 1] = [Role::Analyst];
/// Who reads the audit log and manages accounts.
pub const ADMINS: [Role; 1] = [Role::Admin];

/// The role check of a route (`Caller::require`: a token made only for event ingest
/// reads nothing).
pub fn allow(caller: &Caller, roles: &[Role]) -> Result<(), ApiError> {
    caller.require(roles)
}
