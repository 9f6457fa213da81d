//! Which record kinds hold data for a student: recent ones for the daily streams (28 days
//! before the as-of date), any before it for the rest. A kind the campus does not send is
//! "not sent", never "missing": absent data is not absent activity.

use std::collections::{HashMap, HashSet};

use chrono_tz::Tz;
use datafusion::prelude::SessionContext;

use super::build::{ts, Scope};
use super::doc::Profile;
use super::rows::query;
use super::ProfileError;
use crate::features::clock::LocalClock;

/// Event kinds, their time column, and whether only the last 28 days count.
pub const EVENT_KINDS: [(&str, &str, bool); 12] = [
    ("card_transactions", "ts", true),
    ("access_events", "ts", true),
    ("network_sessions", "start_ts", true),
    ("attendance", "session_ts", true),
    ("learning_events", "ts", true),
    ("library_loans", "borrowed_at", false),
    ("coursework", "", false),
    ("grades", "", false),
    ("participation", "", false),
    ("process_records", "ts", false),
    ("assessments", "ts", false),
    ("awards", "", false),
];

/// The event kinds the campus sends: a table with at least one row.
pub async fn sent(ctx: &SessionContext, tables: &HashSet<String>) -> Result<HashSet<&'static str>, ProfileError> {
    let mut out = HashSet::new();
    for (kind, _, _) in EVENT_KINDS {
        if tables.contains(kind) && query(ctx, &format!("SELECT 1 AS x FROM {kind} LIMIT 1")).await?.len > 0 {
            out.insert(kind);
        }
    }
    Ok(out)
}

/// Fills [`Profile::sources`]; `sent` from [`sent`].
pub async fn fill(
    ctx: &SessionContext,
    sent: &HashSet<&'static str>,
    as_of: i32,
    tz: Tz,
    scope: &Scope,
    index: &HashMap<String, usize>,
    p: &mut [Profile],
) -> Result<(), ProfileError> {
    let clock = LocalClock::new(tz);
    let (hi, lo) = (clock.midnight(as_of), clock.midnight(as_of - 28));
    let who = scope.sql("student_id");
    for (kind, col, recent) in EVENT_KINDS {
        if !sent.contains(kind) {
            for prof in p.iter_mut() {
                prof.sources.not_sent.push(kind.into());
            }
            continue;
        }
        let when = match (col, recent) {
            ("", _) => String::new(),
            (c, true) => format!(" AND {c} >= {} AND {c} < {}", ts(lo), ts(hi)),
            (c, false) => format!(" AND {c} < {}", ts(hi)),
        };
        let sql = format!("SELECT DISTINCT student_id FROM {kind} WHERE {who}{when}");
        let mut r = query(ctx, &sql).await?;
        let mut has = vec![false; p.len()];
        for i in 0..r.len {
            if let Some(&s) = index.get(&r.text(i, "student_id")?) {
                has[s] = true;
            }
        }
        for (prof, h) in p.iter_mut().zip(has) {
            if h {
                prof.sources.present.push(kind.into());
            } else {
                prof.sources.missing.push(kind.into());
            }
        }
    }
    Ok(())
}
