//! `/sql`: the analyst's read-only SQL page — a query box and the result as a table
//! (student ids as pseudonyms, names and free text withheld, at most 10,000 rows: the
//! same `api::admin::sql::run` as `POST /api/v1/sql`).

use axum::extract::State;
use axum::response::Html;
use axum::Form;
use serde::Deserialize;

use super::{OrPage, PageError};
use crate::service::api::admin::{allow, sql, SQL_USERS};
use crate::service::auth::PageCaller;
use crate::service::pages::{render, Lang};
use crate::service::AppState;

/// The form of `POST /sql`.
#[derive(Debug, Deserialize)]
pub struct SqlForm {
    /// The statement.
    pub query: String,
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// `GET /sql`: the empty form.
pub async fn form(State(state): State<AppState>, page: PageCaller, lang: Lang) -> Result<Html<String>, PageError> {
    allow(&page.0, &SQL_USERS).or_page(lang)?;
    let ctx = serde_json::json!({ "query": "SELECT category, level, count(*) AS n FROM warnings GROUP BY 1, 2 ORDER BY 1, 2" });
    render(&state, Some(&page), lang, include_str!("templates/sql.html"), "sql.html", ctx).or_page(lang)
}

/// `POST /sql`: runs the query and shows its result or why it did not run.
pub async fn submit(
    State(state): State<AppState>,
    page: PageCaller,
    lang: Lang,
    Form(f): Form<SqlForm>,
) -> Result<Html<String>, PageError> {
    allow(&page.0, &SQL_USERS).or_page(lang)?;
    page.0.check_csrf(&f.csrf).or_page(lang)?;
    let ctx = match sql::run(&state, &page.0, &f.query).await {
        Ok(result) => serde_json::json!({ "query": f.query, "result": result }),
        Err(e) => serde_json::json!({ "query": f.query, "error": super::error_text(&lang, &e) }),
    };
    render(&state, Some(&page), lang, include_str!("templates/sql.html"), "sql.html", ctx).or_page(lang)
}
