//! `POST /api/v1/sql`: one read-only statement of an analyst over the pseudonymised
//! session (`sql_session`), checked by `store::read_only` (a statement that is not a
//! query is 403), at most [`MAX_ROWS`] rows. Each query, refused or not, leaves an
//! audit row with its hash and row count, never its text or values.
//!
//! Queries run on a runtime of their own, so a heavy scan does not hold the threads that
//! answer the inbox; a request that times out stops its query.

use std::sync::OnceLock;

use axum::extract::State;
use axum::Json;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::cells::rows_json;
use super::{allow, SQL_USERS};
use crate::service::auth::Caller;
use crate::service::error::ApiError;
use crate::service::AppState;
use crate::store::StoreError;

/// Rows a query returns at most.
pub const MAX_ROWS: usize = 10_000;

/// The body of `POST /sql`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SqlRequest {
    /// One SQL statement.
    pub query: String,
}

/// A query's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SqlResult {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, values in column order (timestamps in the campus zone, RFC 3339).
    #[schema(value_type = Vec<Vec<Object>>)]
    pub rows: Vec<Vec<Value>>,
    /// Rows returned.
    pub row_count: usize,
    /// Whether the result was cut at the row cap.
    pub truncated: bool,
    /// The row cap.
    pub max_rows: usize,
}

/// Runs a read-only query as an analyst.
#[utoipa::path(post, path = "/api/v1/sql", tag = "analysts",
    request_body = SqlRequest,
    responses((status = 200, body = SqlResult), (status = 400, description = "the query does not plan or fails"),
        (status = 401), (status = 403, description = "not an analyst, or a statement that is not a read-only query")))]
pub async fn post_sql(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<SqlRequest>,
) -> Result<Json<SqlResult>, ApiError> {
    Ok(Json(run(&state, &caller, &req.query).await?))
}

/// Runs `query` for `caller` and audits it (the SQL page calls this too).
pub async fn run(state: &AppState, caller: &Caller, query: &str) -> Result<SqlResult, ApiError> {
    allow(caller, &SQL_USERS)?;
    let (s, q) = (state.clone(), query.to_string());
    let task = runtime()?.spawn(async move { execute(&s, &q).await });
    let outcome = AbortOnDrop(task).join().await?;
    let hash = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(query.as_bytes()));
    let (rows, refused) = match &outcome {
        Ok(r) => (Some(r.row_count), false),
        Err(Failure::Refused) => (None, true),
        Err(_) => (None, false),
    };
    let detail = serde_json::json!({ "query_hash": hash, "rows": rows, "refused": refused });
    caller.audit(state, "sql.query", None, 0, detail)?;
    outcome.map_err(|f| match f {
        Failure::Refused => ApiError::forbidden(),
        Failure::Query(msg) => ApiError::bad_request(msg),
        Failure::Api(e) => e,
    })
}

/// Why a query gave no result.
enum Failure {
    /// Not a read-only query of the store.
    Refused,
    /// It does not plan or failed while running (the analyst's to fix).
    Query(String),
    /// The service failed.
    Api(ApiError),
}

async fn execute(state: &AppState, query: &str) -> Result<SqlResult, Failure> {
    let ctx = super::sql_session::analyst_session(state).await.map_err(Failure::Api)?;
    let df = match crate::store::read_only(&ctx, query).await {
        Ok(df) => df,
        Err(StoreError::ReadOnly { .. }) => return Err(Failure::Refused),
        Err(e) => return Err(Failure::Query(e.to_string())),
    };
    let mut stream = df.execute_stream().await.map_err(|e| Failure::Query(e.strip_backtrace()))?;
    let schema = stream.schema();
    let (mut batches, mut n, mut truncated) = (Vec::new(), 0usize, false);
    while let Some(b) = stream.next().await {
        let b = b.map_err(|e| Failure::Query(e.strip_backtrace()))?;
        if n + b.num_rows() > MAX_ROWS {
            batches.push(b.slice(0, MAX_ROWS - n));
            truncated = true;
            break;
        }
        n += b.num_rows();
        batches.push(b);
    }
    let (columns, rows) = rows_json(&schema, &batches, state.tz());
    Ok(SqlResult { columns, row_count: rows.len(), rows, truncated, max_rows: MAX_ROWS })
}

/// The queries' runtime: two workers, apart from the one serving requests.
fn runtime() -> Result<&'static tokio::runtime::Runtime, ApiError> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("radar-sql")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| ApiError::internal(e.clone()))
}

/// A spawned query stopped when its request goes away (a timeout, a closed connection).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn join(mut self) -> Result<T, ApiError> {
        (&mut self.0).await.map_err(ApiError::internal)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
