//! Who is calling: a bearer token (API) or a session cookie (pages), resolved to an
//! account and its scope. Handlers never look at credentials themselves.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};

use super::error::ApiError;
use super::AppState;
use crate::accounts::scope::{Directory, Scope};
use crate::accounts::{Account, Role, Session};
use crate::profile::access::Viewer;
use crate::warnings::audit::{self, Entry};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "radar_session";
/// The header the request-id middleware sets.
pub const REQUEST_ID: &str = "x-request-id";

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account.
    pub account: Account,
    /// The students it may see.
    pub scope: Scope,
    /// Client address (`-` when unknown).
    pub remote: String,
    /// This request's id.
    pub request_id: String,
    /// The session, when authenticated by a session (cookie, or its id as bearer token).
    pub session: Option<Session>,
    /// Authenticated by the session cookie (forms must then carry the CSRF token).
    pub cookie: bool,
    /// A token made for `POST /api/v1/events/{kind}` only.
    pub ingest_only: bool,
}

/// The value of a cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The client's address.
pub fn remote(parts: &Parts) -> String {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or_else(|| "-".into(), |c| c.0.ip().to_string())
}

fn request_id(parts: &Parts) -> String {
    parts.headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-").to_string()
}

impl Caller {
    /// Resolves the caller of a request; `None` when there are no valid credentials.
    pub async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<Caller>, ApiError> {
        let now = state.now();
        let accounts = state.accounts()?;
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").map(str::trim));
        let found = match bearer {
            Some(token) if token.starts_with("rdr_") => {
                accounts.by_token(token, now)?.map(|(a, t)| (a, None, t.ingest_only, false))
            }
            // The token `POST /api/v1/session` returned.
            Some(token) => accounts.by_session(token, now)?.map(|(a, s)| (a, Some(s), false, false)),
            None => match cookie(&parts.headers, SESSION_COOKIE) {
                Some(id) => accounts.by_session(&id, now)?.map(|(a, s)| (a, Some(s), false, true)),
                None => None,
            },
        };
        let Some((account, session, ingest_only, cookie)) = found else { return Ok(None) };
        let dir = state.directory().await?;
        let scope = dir.scope_of(&account);
        Ok(Some(Caller {
            account,
            scope,
            remote: remote(parts),
            request_id: request_id(parts),
            session,
            cookie,
            ingest_only,
        }))
    }

    /// 403 unless the caller's role is one of `roles`. An ingest-only token may do
    /// nothing but ingest.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.account.role) && !self.ingest_only {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.account.role
    }

    /// Whether the caller may see `student_id`.
    pub fn sees(&self, dir: &Directory, student_id: &str) -> bool {
        dir.sees(&self.scope, student_id)
    }

    /// For form posts of cookie sessions: the form's token must be the session's (403).
    /// Token-authenticated calls carry no cookie, so a forged cross-site form cannot use
    /// them.
    pub fn check_csrf(&self, token: &str) -> Result<(), ApiError> {
        match &self.session {
            _ if !self.cookie => Ok(()),
            Some(s) if crate::accounts::same_secret(&s.csrf, token) => Ok(()),
            _ => Err(ApiError::new(axum::http::StatusCode::FORBIDDEN, "csrf", "the form has expired: reload the page")),
        }
    }

    /// The staff record as a profile viewer.
    pub fn viewer(&self, dir: &Directory) -> Option<Viewer> {
        dir.viewer(&self.account)
    }

    /// Writes one audit row (ids only in `detail`).
    pub fn audit(
        &self,
        state: &AppState,
        action: &str,
        student_id: Option<&str>,
        students: u64,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        let entry = Entry {
            at: state.now(),
            actor: self.account.username.clone(),
            role: Some(self.account.role.as_str().into()),
            action: action.into(),
            student_id: student_id.map(Into::into),
            subject: student_id.unwrap_or("").into(),
            students,
            detail,
            remote_addr: Some(self.remote.clone()),
        };
        audit::write(&state.ops()?, &entry).map_err(ApiError::internal)
    }

    /// Like [`Caller::audit`] with an explicit subject (a warning id, a username, a filter).
    pub fn audit_subject(
        &self,
        state: &AppState,
        action: &str,
        subject: &str,
        student_id: Option<&str>,
        students: u64,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        let entry = Entry {
            at: state.now(),
            actor: self.account.username.clone(),
            role: Some(self.account.role.as_str().into()),
            action: action.into(),
            student_id: student_id.map(Into::into),
            subject: subject.into(),
            students,
            detail,
            remote_addr: Some(self.remote.clone()),
        };
        audit::write(&state.ops()?, &entry).map_err(ApiError::internal)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Caller::resolve(parts, state).await?.ok_or_else(ApiError::unauthorized)
    }
}

/// A caller of a page: without a live session the browser is sent to `/login`.
#[derive(Debug, Clone)]
pub struct PageCaller(pub Caller);

impl std::ops::Deref for PageCaller {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

/// What a page answers instead of running: a redirect to the login, or an error.
pub enum PageRejection {
    /// To `/login?next=…`.
    Login(String),
    /// Any other error.
    Error(ApiError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::Login(next) => {
                let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
            PageRejection::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = PageRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match Caller::resolve(parts, state).await {
            Ok(Some(c)) => Ok(PageCaller(c)),
            Ok(None) => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
                Err(PageRejection::Login(next))
            }
            Err(e) => Err(PageRejection::Error(e)),
        }
    }
}
