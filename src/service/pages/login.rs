//! `/login` and `/logout`.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::{error_page, render, Lang};
use crate::service::auth::{PageCaller, SESSION_COOKIE};
use crate::service::session::{login, Remote};
use crate::service::AppState;

const T: &str = include_str!("templates/login.html");

#[derive(Debug, Deserialize, Default)]
pub struct Next {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Only a path on this site may be a redirect target (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".into(),
    }
}

pub async fn form(State(state): State<AppState>, lang: Lang, Query(q): Query<Next>) -> Response {
    let ctx = serde_json::json!({ "next": safe_next(q.next.as_deref()), "failed": false });
    match render(&state, None, lang, T, "login.html", ctx) {
        Ok(h) => h.into_response(),
        Err(e) => error_page(lang, &e),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    Remote(remote): Remote,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    match login(&state, &f.username, &f.password, &remote).await {
        Ok((_, session)) => {
            let max_age = (session.expires_at - state.now()) / 1_000_000;
            let cookie =
                format!("{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}", session.id);
            ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
        }
        Err(e) if e.status.is_server_error() => error_page(lang, &e),
        Err(e) => {
            let locked = e.status == axum::http::StatusCode::TOO_MANY_REQUESTS;
            let ctx = serde_json::json!({ "next": next, "failed": true, "locked": locked });
            match render(&state, None, lang, T, "login.html", ctx) {
                Ok(h) => (e.status, h).into_response(),
                Err(e) => error_page(lang, &e),
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    lang: Lang,
    caller: PageCaller,
    Form(f): Form<LogoutForm>,
) -> Response {
    if let Err(e) = caller.check_csrf(&f.csrf) {
        return error_page(lang, &e);
    }
    if let Some(s) = &caller.session {
        if let Err(e) = state.accounts().and_then(|a| a.end_session(&s.id).map_err(Into::into)) {
            return error_page(lang, &e);
        }
    }
    let cookie = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}
