//! `POST /api/v1/session` (log in, get a token for this session), `DELETE` (log out) and
//! `GET /api/v1/me`. Every login, failed or not, is an audit row.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::{remote, Caller};
use super::error::ApiError;
use super::AppState;
use crate::accounts::{Account, AccountError, Session};
use crate::warnings::audit::{self, Entry};

/// Login body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A new session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionToken {
    /// Bearer token valid until `expires_at` (also the session cookie's value).
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
    /// Role.
    pub role: String,
}

/// `GET /me`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// Username.
    pub username: String,
    /// Role.
    pub role: String,
    /// Linked staff record.
    pub staff_id: Option<String>,
    /// Linked student record.
    pub student_id: Option<String>,
    /// What the account may see.
    #[schema(value_type = Object)]
    pub scope: serde_json::Value,
    /// Students in scope.
    pub students: usize,
}

/// The client address of a request, for login audit rows.
pub struct Remote(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Remote {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Remote(remote(parts)))
    }
}

/// Checks a login (argon2 off the async workers), writes its audit row, starts a session.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    remote: &str,
) -> Result<(Account, Session), ApiError> {
    let (st, u, p) = (state.clone(), username.to_string(), password.to_string());
    let now = state.now();
    let checked = tokio::task::spawn_blocking(move || -> Result<Result<Account, AccountError>, ApiError> {
        let accounts = st.accounts()?;
        Ok(accounts.login(&u, &p, now))
    })
    .await
    .map_err(ApiError::internal)??;
    let action = match &checked {
        Ok(_) => "login.ok",
        Err(AccountError::Locked { .. }) => "login.locked",
        Err(_) => "login.failed",
    };
    // The username is an id the campus chose; the password never reaches the log.
    let entry = Entry {
        at: now,
        actor: username.into(),
        role: checked.as_ref().ok().map(|a| a.role.as_str().to_string()),
        action: action.into(),
        subject: username.into(),
        students: 0,
        detail: serde_json::json!({}),
        remote_addr: Some(remote.into()),
        student_id: None,
    };
    audit::write(&state.ops()?, &entry).map_err(ApiError::internal)?;
    match checked {
        Ok(a) => {
            tracing::info!(user = %a.username, "login");
            let s = state.accounts()?.create_session(&a.username, now)?;
            Ok((a, s))
        }
        Err(e @ AccountError::Locked { .. }) => {
            tracing::warn!(user = %username, "login locked after repeated failures");
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Log in.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginBody,
    responses((status = 201, body = SessionToken), (status = 401), (status = 429)), tag = "session")]
pub async fn create(
    State(state): State<AppState>,
    Remote(remote): Remote,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<SessionToken>), ApiError> {
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (account, session) = login(&state, &body.username, &body.password, &remote).await?;
    let expires_at = crate::schema::time::format_timestamp(session.expires_at, state.tz());
    Ok((StatusCode::CREATED, Json(SessionToken { token: session.id, expires_at, role: account.role.as_str().into() })))
}

/// Log out (ends the session the cookie names).
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204), (status = 401)), tag = "session")]
pub async fn delete(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    if let Some(s) = &caller.session {
        state.accounts()?.end_session(&s.id)?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401)), tag = "session")]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let dir = state.directory().await?;
    let a = &caller.account;
    Ok(Json(Me {
        username: a.username.clone(),
        role: a.role.as_str().into(),
        staff_id: a.staff_id.clone(),
        student_id: a.student_id.clone(),
        scope: caller.scope.describe(),
        students: dir.students_in(&caller.scope).len(),
    }))
}

/// The routes (nested at `/api/v1`).
pub fn routes() -> Router<AppState> {
    Router::new().route("/session", post(create).delete(delete)).route("/me", get(me))
}
