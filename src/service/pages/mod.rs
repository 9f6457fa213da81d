//! Server-rendered pages (minijinja): Chinese by default, English with `?lang=en` or the
//! switch on every page (a cookie remembers it); phone-first; no CDN, no external font,
//! no script required: charts are inline SVG drawn on the server.

pub mod admin;
pub mod inbox;
mod login;
pub mod student;

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use minijinja::{context, Environment};
use serde_json::Value;

use super::auth::{cookie, PageCaller};
use super::error::ApiError;
use super::AppState;
use crate::accounts::Role;

/// The layout every page extends.
pub const BASE: &str = include_str!("templates/base.html");
const CSS: &str = include_str!("static/app.css");
const JS: &str = include_str!("static/app.js");
/// The language cookie.
pub const LANG_COOKIE: &str = "radar_lang";

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 中文 (default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Whether English.
    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// The text in this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        if self.is_en() {
            en
        } else {
            zh
        }
    }

    /// `zh` or `en`.
    pub fn code(self) -> &'static str {
        self.pick("zh", "en")
    }

    fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let q: Option<Query<HashMap<String, String>>> = Query::from_request_parts(parts, s).await.ok();
        let from_query = q.and_then(|q| q.get("lang").and_then(|l| Lang::parse(l)));
        Ok(from_query.or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(|l| Lang::parse(&l))).unwrap_or_default())
    }
}

/// A navigation link.
fn nav(role: Role, lang: Lang) -> Vec<Value> {
    let l = |href: &str, zh: &str, en: &str| serde_json::json!({ "href": href, "label": lang.pick(zh, en) });
    let mut v = Vec::new();
    match role {
        Role::Counsellor | Role::Mentor | Role::Psychologist | Role::Leader => v.push(l("/", "预警", "Inbox")),
        Role::Student => v.push(l("/me", "我的画像", "My profile")),
        Role::Analyst => v.push(l("/", "预警", "Warnings")),
        Role::Admin => {}
    }
    if matches!(role, Role::Leader | Role::Analyst | Role::Admin) {
        v.push(l("/dashboard", "看板", "Dashboard"));
    }
    if matches!(role, Role::Leader | Role::Analyst) {
        v.push(l("/community", "社区指标", "Community"));
    }
    if matches!(role, Role::Analyst) {
        v.push(l("/sql", "SQL 查询", "SQL"));
    }
    if matches!(role, Role::Admin | Role::Analyst) {
        v.push(l("/runs", "运行记录", "Runs"));
    }
    if role == Role::Admin {
        v.push(l("/admin/users", "账号", "Users"));
        v.push(l("/admin/audit", "审计", "Audit"));
    }
    v
}

/// The template environment of a page in `lang`: html autoescape, the layout, `t(zh, en)`.
pub fn environment(lang: Lang) -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("base.html", BASE)?;
    let en = lang.is_en();
    env.add_function("t", move |zh: String, en_text: String| if en { en_text } else { zh });
    Ok(env)
}

/// Renders `template` (source; it extends `base.html`) as page `name` with `ctx`.
pub fn render(
    _state: &AppState,
    caller: Option<&PageCaller>,
    lang: Lang,
    template: &'static str,
    name: &'static str,
    ctx: Value,
) -> Result<Html<String>, ApiError> {
    let mut env = environment(lang).map_err(ApiError::internal)?;
    env.add_template(name, template).map_err(ApiError::internal)?;
    let (user, csrf, links) = match caller {
        Some(c) => (
            serde_json::json!({ "username": c.account.username, "role": c.account.role.as_str() }),
            c.session.as_ref().map(|s| s.csrf.clone()).unwrap_or_default(),
            nav(c.account.role, lang),
        ),
        None => (Value::Null, String::new(), Vec::new()),
    };
    let tmpl = env.get_template(name).map_err(ApiError::internal)?;
    let html = tmpl
        .render(context! { lang => lang.code(), user => user, csrf => csrf, nav => links, page => name, ..minijinja::Value::from_serialize(&ctx) })
        .map_err(ApiError::internal)?;
    Ok(Html(html))
}

/// Renders an error as a page in the layout.
pub fn error_page(lang: Lang, e: &ApiError) -> Response {
    const T: &str = include_str!("templates/error.html");
    let body = environment(lang)
        .and_then(|mut env| env.add_template("error.html", T).map(|_| env))
        .and_then(|env| {
            env.get_template("error.html").and_then(|t| {
                t.render(context! { lang => lang.code(), status => e.status.as_u16(), message => e.message.clone(), nav => Vec::<Value>::new() })
            })
        })

        .unwrap_or_else(|_| e.message.clone());
    (e.status, Html(body)).into_response()
}

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], CSS)
}

async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], JS)
}

async fn favicon() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// The foundation's pages: login, logout, static assets.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", axum::routing::post(login::logout))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/favicon.ico", get(favicon))
        .merge(admin::routes())
        .merge(inbox::routes())
        .merge(student::routes())
}
