//! `radar serve`: the pages, the JSON API (`/api/v1`, service.md) and the nightly
//! schedule in one tokio + axum process over the same store and ops database as the CLI.
//!
//! Requests pass, outermost first: request id → metrics and the request log (matched
//! route, status and time; ids only, never a query string or body) → 30 s timeout →
//! 16 MiB body limit → the route. Who may call a route is decided by
//! [`auth::Caller::require`]; which students it may see by [`crate::accounts::scope`].

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod metrics;
pub mod pages;
pub mod schedule;
pub mod session;
mod state;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;

pub use config::ServiceConfig;
pub use error::ApiError;
pub use state::AppState;

/// Largest request body.
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;
/// Longest a request may run.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What can stop the service.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A setting is not usable (exit 2).
    #[error("{0}")]
    Config(String),
    /// The store or the operational database cannot be opened.
    #[error("store: {0}")]
    Store(String),
    /// Binding or serving.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ServiceError {
    /// Whether the user gave something unusable (exit code 2).
    pub fn is_config(&self) -> bool {
        matches!(self, ServiceError::Config(_))
    }
}

/// `GET /healthz`: 200 when the store and the operational database open.
async fn healthz(State(state): State<AppState>) -> Response {
    let store_ok = crate::store::Store::open_existing(state.root()).is_ok();
    let ops_ok =
        state.ops().and_then(|db| db.conn.query_row("SELECT 1", [], |_| Ok(())).map_err(ApiError::from)).is_ok();
    let body = serde_json::json!({ "store": store_ok, "ops": ops_ok });
    let status = if store_ok && ops_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(body)).into_response()
}

/// `GET /metrics`: Prometheus text format.
async fn metrics(State(state): State<AppState>) -> Response {
    // Failed deliveries are counted in ops.sqlite by whoever sent them (this service's
    // schedule, or `radar notify`); the counter catches up to that count.
    if let Ok(n) = state.ops().map_err(|_| ()).and_then(|db| crate::notify::failure_count(&db).map_err(|_| ())) {
        let c = &state.metrics().notify_failures;
        if n > c.get() {
            c.inc_by(n - c.get());
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics().render()).into_response()
}

/// Counts and times each request by its matched route (never the raw path: it holds ids)
/// and logs one line per request with ids only.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route =
        req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = req.method().to_string();
    let id = req.headers().get(auth::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
    let m = state.metrics();
    m.in_flight.inc();
    let t = Instant::now();
    let res = next.run(req).await;
    let secs = t.elapsed().as_secs_f64();
    m.in_flight.dec();
    let status = res.status().as_u16().to_string();
    m.requests.with_label_values(&[route.as_str(), method.as_str(), status.as_str()]).inc();
    m.latency.with_label_values(&[route.as_str()]).observe(secs);
    tracing::info!(request_id = %id, %method, %route, %status, ms = (secs * 1000.0).round() as u64, "request");
    res
}

/// `?lang=` on any page is remembered in a cookie, so the switch sticks.
async fn remember_lang(req: Request, next: Next) -> Response {
    let lang = req.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang").map(|(_, v)| v.into_owned())
    });
    let mut res = next.run(req).await;
    if let Some(l) = lang.filter(|l| l == "en" || l == "zh") {
        let c = format!("{}={l}; SameSite=Strict; Path=/; Max-Age=31536000", pages::LANG_COOKIE);
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = Router::new().merge(session::routes()).merge(api::routes()).fallback(not_found);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .nest("/api/v1", api)
        .merge(pages::routes())
        .layer(middleware::from_fn(remember_lang))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .route_layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then drains the requests in flight.
pub async fn serve(
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    on_bound: impl FnOnce(SocketAddr),
) -> Result<(), ServiceError> {
    let listener = tokio::net::TcpListener::bind(&state.config().addr)
        .await
        .map_err(|e| ServiceError::Config(format!("cannot listen on {}: {e}", state.config().addr)))?;
    on_bound(listener.local_addr()?);
    // The nightly schedule stops with the service.
    let (stop, stopped) = tokio::sync::watch::channel(());
    if let Some(at) = state.config().schedule.clone() {
        let mut stopped = stopped;
        tokio::spawn(schedule::run(state.clone(), at, async move {
            let _ = stopped.changed().await;
        }));
    }
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let shutdown = async move {
        shutdown.await;
        let _ = stop.send(());
    };
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
