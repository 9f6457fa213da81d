//! What was sent, kept in ops.sqlite:
//! - `notification_deliveries`: one row per attempt (`id, message_id, kind, channel,
//!   staff_id, warning_ids, attempt, status, error, at`); the error is a short class such
//!   as `http 500` or `smtp permanent 550`, never a server's text (it may quote an address);
//! - `notification_items`: the unique key `(channel, staff_id, warning_id, level)` that
//!   keeps a warning from reaching the same person twice on one channel, across restarts,
//!   re-runs and two processes at once. A run *claims* its keys before sending (the
//!   insert fails for a key already sent or claimed), marks them `sent` on success and
//!   gives them back on failure, so the next run tries again. A claim left by a process
//!   that died mid-send is taken over after [`STALE_CLAIM`].

use rusqlite::{params, OptionalExtension};

use crate::schema::time::Micros;
use crate::warnings::db::OpsDb;

use super::NotifyError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS notification_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    warning_ids TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notification_deliveries_status ON notification_deliveries(status);
CREATE TABLE IF NOT EXISTS notification_items (
    channel TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    warning_id TEXT NOT NULL,
    level TEXT NOT NULL,
    state TEXT NOT NULL,
    message_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (channel, staff_id, warning_id, level)
);
";

/// A claim older than this (µs, by the run's clock) belongs to a run that died mid-send.
pub const STALE_CLAIM: Micros = 15 * 60 * 1_000_000;

/// Creates the tables when missing.
pub fn ensure(db: &OpsDb) -> Result<(), NotifyError> {
    db.conn.execute_batch(SCHEMA)?;
    Ok(())
}

/// One delivery key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key<'a> {
    /// `email`, `wecom` or `dingtalk`.
    pub channel: &'a str,
    /// The counsellor.
    pub staff_id: &'a str,
    /// The warning.
    pub warning_id: &'a str,
    /// Its highest level: an escalation is news again, once.
    pub level: &'a str,
}

/// Whether the key was sent or is claimed by a live run.
pub fn taken(db: &OpsDb, k: &Key<'_>, now: Micros) -> Result<bool, NotifyError> {
    let state: Option<(String, i64)> = db
        .conn
        .query_row(
            "SELECT state, at FROM notification_items WHERE channel = ?1 AND staff_id = ?2 AND warning_id = ?3 \
             AND level = ?4",
            params![k.channel, k.staff_id, k.warning_id, k.level],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match state {
        None => false,
        Some((s, at)) => s == "sent" || at + STALE_CLAIM > now,
    })
}

/// Claims the keys for `message_id`; returns those this run got (one transaction).
pub fn claim<'a>(db: &mut OpsDb, keys: &[Key<'a>], message_id: &str, now: Micros) -> Result<Vec<Key<'a>>, NotifyError> {
    let tx = db.conn.transaction()?;
    let mut got = Vec::new();
    {
        let mut st = tx.prepare(
            "INSERT INTO notification_items (channel, staff_id, warning_id, level, state, message_id, at) \
             VALUES (?1, ?2, ?3, ?4, 'claimed', ?5, ?6) \
             ON CONFLICT (channel, staff_id, warning_id, level) DO UPDATE SET message_id = ?5, at = ?6 \
             WHERE state = 'claimed' AND at + ?7 <= ?6",
        )?;
        for k in keys {
            if st.execute(params![k.channel, k.staff_id, k.warning_id, k.level, message_id, now, STALE_CLAIM])? == 1 {
                got.push(k.clone());
            }
        }
    }
    tx.commit()?;
    Ok(got)
}

/// Marks the message's claimed keys sent (`true`) or gives them back (`false`).
pub fn settle(db: &OpsDb, message_id: &str, sent: bool, now: Micros) -> Result<(), NotifyError> {
    if sent {
        db.conn.execute(
            "UPDATE notification_items SET state = 'sent', at = ?2 WHERE message_id = ?1 AND state = 'claimed'",
            params![message_id, now],
        )?;
    } else {
        db.conn.execute("DELETE FROM notification_items WHERE message_id = ?1 AND state = 'claimed'", [message_id])?;
    }
    Ok(())
}

/// One attempt.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// Groups the attempts of one message.
    pub message_id: &'a str,
    /// `digest` or `urgent`.
    pub kind: &'a str,
    /// Channel.
    pub channel: &'a str,
    /// Recipient staff id.
    pub staff_id: &'a str,
    /// Warning ids in the message.
    pub warning_ids: &'a [String],
    /// 1-based.
    pub attempt: u32,
    /// Error class when it failed.
    pub error: Option<&'a str>,
    /// When.
    pub at: Micros,
}

/// Records an attempt.
pub fn record(db: &OpsDb, a: &Attempt<'_>) -> Result<(), NotifyError> {
    db.conn.execute(
        "INSERT INTO notification_deliveries (message_id, kind, channel, staff_id, warning_ids, attempt, status, \
         error, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            a.message_id,
            a.kind,
            a.channel,
            a.staff_id,
            a.warning_ids.join(","),
            a.attempt,
            if a.error.is_some() { "failed" } else { "sent" },
            a.error,
            a.at
        ],
    )?;
    Ok(())
}

/// Failed attempts ever recorded (a counter for `/metrics`); 0 before the first run.
pub fn failure_count(db: &OpsDb) -> Result<u64, NotifyError> {
    let exists: bool = db.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notification_deliveries')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(0);
    }
    let n: i64 =
        db.conn.query_row("SELECT COUNT(*) FROM notification_deliveries WHERE status = 'failed'", [], |r| r.get(0))?;
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key<'a>(w: &'a str) -> Key<'a> {
        Key { channel: "email", staff_id: "T1", warning_id: w, level: "yellow" }
    }

    #[test]
    fn a_key_is_claimed_once_given_back_on_failure_and_never_again_once_sent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut db = OpsDb::open(dir.path()).expect("ops");
        ensure(&db).expect("tables");
        let got = claim(&mut db, &[key("W1"), key("W2")], "m1", 10).expect("claim");
        assert_eq!(got.len(), 2);
        // A second process at the same time gets nothing.
        assert!(claim(&mut db, &[key("W1")], "m2", 11).expect("claim").is_empty());
        assert!(taken(&db, &key("W1"), 11).expect("taken"));
        settle(&db, "m1", false, 12).expect("give back");
        assert!(!taken(&db, &key("W1"), 12).expect("taken"));
        assert_eq!(claim(&mut db, &[key("W1")], "m3", 13).expect("claim").len(), 1);
        settle(&db, "m3", true, 14).expect("sent");
        assert!(claim(&mut db, &[key("W1")], "m4", 14 + 2 * STALE_CLAIM).expect("claim").is_empty());
        // A claim abandoned by a dead run is taken over once stale.
        assert_eq!(claim(&mut db, &[key("W2")], "m5", 20).expect("claim").len(), 1);
        assert!(claim(&mut db, &[key("W2")], "m6", 20 + STALE_CLAIM - 1).expect("claim").is_empty());
        assert_eq!(claim(&mut db, &[key("W2")], "m7", 20 + STALE_CLAIM).expect("claim").len(), 1);
    }

    #[test]
    fn failures_are_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = OpsDb::open(dir.path()).expect("ops");
        assert_eq!(failure_count(&db).expect("count"), 0);
        ensure(&db).expect("tables");
        let ids = vec!["W1".to_string()];
        let a = Attempt {
            message_id: "m",
            kind: "digest",
            channel: "wecom",
            staff_id: "T1",
            warning_ids: &ids,
            attempt: 1,
            error: Some("http 500"),
            at: 1,
        };
        record(&db, &a).expect("record");
        record(&db, &Attempt { attempt: 2, error: None, ..a.clone() }).expect("record");
        assert_eq!(failure_count(&db).expect("count"), 1);
    }
}
