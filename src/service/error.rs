//! One error body for the whole API: `{"error": {"code": "...", "message": "..."}}`.
//!
//! Messages never carry personal data; a 500 says only that something failed and logs the
//! cause (ids only: the library's errors name files, tables and ids, not people).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// For people.
    pub message: String,
}

impl ApiError {
    /// Any status.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }

    /// 401: no or bad credentials.
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in or send a valid bearer token")
    }

    /// 403: a route this role may never use.
    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "your role may not use this")
    }

    /// 404: not found, or outside the caller's scope (which one is not said).
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 409.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 429: too many failed logins.
    pub fn locked(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "locked", message)
    }

    /// 503: the store or the operational database cannot be opened, or the writer is busy.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// 500: logs `e`, answers a generic message.
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the request failed; see the server log")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

impl From<crate::warnings::WarningError> for ApiError {
    fn from(e: crate::warnings::WarningError) -> Self {
        if e.is_config() {
            ApiError::bad_request(e.to_string())
        } else {
            ApiError::internal(e)
        }
    }
}

impl From<crate::profile::ProfileError> for ApiError {
    fn from(e: crate::profile::ProfileError) -> Self {
        ApiError::internal(e)
    }
}

impl From<crate::accounts::AccountError> for ApiError {
    fn from(e: crate::accounts::AccountError) -> Self {
        use crate::accounts::AccountError as A;
        match e {
            A::BadLogin | A::Disabled => ApiError::unauthorized(),
            A::Locked { .. } => ApiError::locked(e.to_string()),
            A::Unknown(_) => ApiError::not_found(),
            A::Exists(_) => ApiError::conflict(e.to_string()),
            A::Invalid(_) => ApiError::bad_request(e.to_string()),
            other => ApiError::internal(other),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}
