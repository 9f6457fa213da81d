//! The account tables in ops.sqlite.

use super::AccountError;
use crate::warnings::db::OpsDb;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    staff_id TEXT,
    student_id TEXT,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    ingest_only INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    id_digest TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(username);
CREATE TABLE IF NOT EXISTS login_failures (
    username TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_user ON login_failures(username, at);
CREATE TABLE IF NOT EXISTS service_keys (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
";

/// Creates the tables when missing.
pub fn ensure(db: &OpsDb) -> Result<(), AccountError> {
    db.conn.execute_batch(SCHEMA)?;
    Ok(())
}
