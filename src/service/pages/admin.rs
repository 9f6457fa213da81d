//! The leaders', analysts' and admins' pages, and the student's own page: `/dashboard`,
//! `/community`, `/runs`, `/sql`, `/admin/users`, `/admin/audit` and `/me`. Each page
//! calls the same function as its JSON route (`service::api::admin`), so a page cannot
//! show what the API would refuse. Account forms carry the session's CSRF token.

#[path = "charts.rs"]
pub mod charts;
#[path = "community.rs"]
pub mod community;
#[path = "dashboard.rs"]
pub mod dashboard;
#[path = "me.rs"]
pub mod me;
#[path = "runs.rs"]
pub mod runs;
#[path = "sql.rs"]
pub mod sql;
#[path = "users.rs"]
pub mod users;

use axum::routing::{get, post};
use axum::Router;

use axum::response::{IntoResponse, Response};

use super::{error_page, Lang};
use crate::service::error::ApiError;
use crate::service::AppState;

/// The routes of these pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard::page))
        .route("/community", get(community::page))
        .route("/runs", get(runs::page))
        .route("/sql", get(sql::form).post(sql::submit))
        .route("/admin/users", get(users::list).post(users::add))
        .route("/admin/users/{username}/disable", post(users::disable))
        .route("/admin/users/{username}/enable", post(users::enable))
        .route("/admin/users/{username}/reset-password", post(users::reset_password))
        .route("/admin/audit", get(users::audit))
        .route("/me", get(me::page))
}

/// Series colours, in order.
pub const PALETTE: [&str; 8] = ["#2563eb", "#16a34a", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#475569"];

/// A warning level in the page's language.
pub fn level_label(lang: &Lang, level: &str) -> String {
    let zh = match level {
        "red" => "红色",
        "orange" => "橙色",
        "yellow" => "黄色",
        other => other,
    };
    lang.pick(zh, level).to_string()
}

/// A warning level's colour.
pub fn level_colour(level: &str) -> &'static str {
    match level {
        "red" => "#dc2626",
        "orange" => "#f97316",
        "yellow" => "#eab308",
        _ => "#64748b",
    }
}

/// A warning status in the page's language.
pub fn status_label(lang: &Lang, status: &str) -> String {
    let zh = match status {
        "new" => "新预警",
        "acknowledged" => "已确认",
        "in_progress" => "处理中",
        "resolved" => "已解决",
        "false_positive" => "误报",
        other => other,
    };
    lang.pick(zh, status).to_string()
}

/// A warning status's colour.
pub fn status_colour(status: &str) -> &'static str {
    match status {
        "new" => "#dc2626",
        "acknowledged" => "#f59e0b",
        "in_progress" => "#2563eb",
        "resolved" => "#16a34a",
        "false_positive" => "#94a3b8",
        _ => "#64748b",
    }
}

/// A warning category in the page's language.
pub fn category_label(lang: &Lang, category: &str) -> String {
    let zh = match category {
        "academic" => "学业",
        "economic" => "经济",
        "wellbeing" => "身心健康",
        "life" => "生活",
        "safety" => "安全",
        other => other,
    };
    lang.pick(zh, category).to_string()
}

/// What a page shows when its action failed.
pub fn error_text(lang: &Lang, e: &ApiError) -> String {
    match e.status.as_u16() {
        403 => lang.pick("不允许：只能运行只读查询", "Refused: only read-only queries run here").to_string(),
        400 | 409 => e.message.clone(),
        _ => lang.pick("服务出错，请稍后再试", "The service failed; try again later").to_string(),
    }
}

/// An error of a page, answered as a page in the layout (not the API's JSON).
#[derive(Debug)]
pub struct PageError(pub Lang, pub ApiError);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0, &self.1)
    }
}

/// Turns an API error into a page error in the page's language.
pub trait OrPage<T> {
    /// The result, its error as a page.
    fn or_page(self, lang: Lang) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, ApiError> {
    fn or_page(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError(lang, e))
    }
}
