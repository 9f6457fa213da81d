//! `/admin/users` (list, add, disable, enable, reset a password) and `/admin/audit`, for
//! admins. Account changes go through `accounts::Accounts`, as `radar users` does; each
//! is audited. A new or reset password is shown once, on the page that set it.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::Form;
use serde::Deserialize;

use super::{OrPage, PageError};
use crate::accounts::{generate_password, Role};
use crate::service::api::admin::audit::{list as audit_list, AuditQuery};
use crate::service::api::admin::{allow, ADMINS};
use crate::service::auth::PageCaller;
use crate::service::error::ApiError;
use crate::service::pages::{render, Lang};
use crate::service::AppState;

/// The add-a-user form.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    /// Login name.
    pub username: String,
    /// Role name.
    pub role: String,
    /// Linked staff record (staff roles).
    #[serde(default)]
    pub staff_id: String,
    /// Linked student (role `student`).
    #[serde(default)]
    pub student_id: String,
    /// Initial password; empty = generate one.
    #[serde(default)]
    pub password: String,
    /// CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// A form with only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// `GET /admin/users`.
pub async fn list(State(state): State<AppState>, page: PageCaller, lang: Lang) -> Result<Html<String>, PageError> {
    allow(&page.0, &ADMINS).or_page(lang)?;
    show(&state, &page, lang, serde_json::json!({})).await.or_page(lang)
}

async fn show(
    state: &AppState,
    page: &PageCaller,
    lang: Lang,
    extra: serde_json::Value,
) -> Result<Html<String>, ApiError> {
    let accounts = state.accounts()?.list()?;
    let roles: Vec<&str> = ROLES.iter().map(|r| r.as_str()).collect();
    let mut ctx = serde_json::json!({ "accounts": accounts, "roles": roles });
    if let (Some(c), serde_json::Value::Object(e)) = (ctx.as_object_mut(), extra) {
        c.extend(e);
    }
    render(state, Some(page), lang, include_str!("templates/users.html"), "users.html", ctx)
}

const ROLES: [Role; 7] =
    [Role::Admin, Role::Analyst, Role::Leader, Role::Counsellor, Role::Mentor, Role::Psychologist, Role::Student];

fn some(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// `POST /admin/users`: adds an account.
pub async fn add(
    State(state): State<AppState>,
    page: PageCaller,
    lang: Lang,
    Form(f): Form<AddForm>,
) -> Result<Html<String>, PageError> {
    add_account(&state, &page, lang, f).await.or_page(lang)
}

async fn add_account(state: &AppState, page: &PageCaller, lang: Lang, f: AddForm) -> Result<Html<String>, ApiError> {
    allow(&page.0, &ADMINS)?;
    page.0.check_csrf(&f.csrf)?;
    let Some(role) = Role::parse(&f.role) else {
        let msg = format!("{}: {}", lang.pick("未知角色", "unknown role"), f.role);
        return show(state, page, lang, serde_json::json!({ "error": msg })).await;
    };
    let password = some(&f.password).map_or_else(generate_password, String::from);
    let username = f.username.trim();
    match state.accounts()?.add(username, role, some(&f.staff_id), some(&f.student_id), &password, state.now()) {
        Ok(_) => {
            let detail = serde_json::json!({ "username": username, "role": role.as_str() });
            page.0.audit_subject(state, "users.add", username, None, 0, detail)?;
            let shown = some(&f.password).is_none().then_some(password);
            let extra = serde_json::json!({ "done": username, "password": shown });
            show(state, page, lang, extra).await
        }
        Err(e) => show(state, page, lang, serde_json::json!({ "error": e.to_string() })).await,
    }
}

async fn set_disabled(
    state: AppState,
    page: PageCaller,
    lang: Lang,
    username: String,
    csrf: &str,
    disabled: bool,
) -> Result<Html<String>, ApiError> {
    allow(&page.0, &ADMINS)?;
    page.0.check_csrf(csrf)?;
    if state.accounts()?.get(&username)?.is_none() {
        return Err(ApiError::not_found());
    }
    state.accounts()?.set_disabled(&username, disabled)?;
    let action = if disabled { "users.disable" } else { "users.enable" };
    page.0.audit_subject(&state, action, &username, None, 0, serde_json::json!({ "username": username }))?;
    show(&state, &page, lang, serde_json::json!({ "done": username })).await
}

/// `POST /admin/users/{username}/disable`.
pub async fn disable(
    State(state): State<AppState>,
    page: PageCaller,
    lang: Lang,
    Path(username): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Html<String>, PageError> {
    set_disabled(state, page, lang, username, &f.csrf, true).await.or_page(lang)
}

/// `POST /admin/users/{username}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    page: PageCaller,
    lang: Lang,
    Path(username): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Html<String>, PageError> {
    set_disabled(state, page, lang, username, &f.csrf, false).await.or_page(lang)
}

/// `POST /admin/users/{username}/reset-password`: sets a new random password, shown once.
pub async fn reset_password(
    State(state): State<AppState>,
    page: PageCaller,
    lang: Lang,
    Path(username): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Html<String>, PageError> {
    reset(&state, &page, lang, &username, &f.csrf).await.or_page(lang)
}

async fn reset(
    state: &AppState,
    page: &PageCaller,
    lang: Lang,
    username: &str,
    csrf: &str,
) -> Result<Html<String>, ApiError> {
    allow(&page.0, &ADMINS)?;
    page.0.check_csrf(csrf)?;
    if state.accounts()?.get(username)?.is_none() {
        return Err(ApiError::not_found());
    }
    let password = generate_password();
    state.accounts()?.set_password(username, &password)?;
    page.0.audit_subject(
        state,
        "users.reset_password",
        username,
        None,
        0,
        serde_json::json!({ "username": username }),
    )?;
    show(state, page, lang, serde_json::json!({ "done": username, "password": password })).await
}

/// `GET /admin/audit`.
pub async fn audit(
    State(state): State<AppState>,
    page: PageCaller,
    lang: Lang,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    let rows = audit_list(&state, &page.0, &q).await.or_page(lang)?;
    let ctx = serde_json::json!({ "rows": rows, "q": q });
    render(&state, Some(&page), lang, include_str!("templates/audit.html"), "audit.html", ctx).or_page(lang)
}
