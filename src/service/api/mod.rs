//! The JSON API under `/api/v1` (service.md). This branch holds the leaders', analysts'
//! and admins' routes ([`admin`]); the counsellors' routes live beside them.

pub mod admin;

use axum::Router;

use crate::service::AppState;

/// The routes of this module, nested by the service at `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().merge(admin::routes())
}
