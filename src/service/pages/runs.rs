//! `/runs`: refresh and ingest runs, failures first to the eye (the rows of
//! `GET /api/v1/runs`).

use axum::extract::{Query, State};
use axum::response::Html;

use super::{OrPage, PageError};
use crate::service::api::admin::runs::{runs, RunsQuery};
use crate::service::auth::PageCaller;
use crate::service::pages::{render, Lang};
use crate::service::AppState;

/// `GET /runs`.
pub async fn page(
    State(state): State<AppState>,
    page: PageCaller,
    lang: Lang,
    Query(q): Query<RunsQuery>,
) -> Result<Html<String>, PageError> {
    let r = runs(&state, &page.0, &q).await.or_page(lang)?;
    let ctx = serde_json::json!({ "r": r, "failed_only": q.failed.unwrap_or(false) });
    render(&state, Some(&page), lang, include_str!("templates/runs.html"), "runs.html", ctx).or_page(lang)
}
