//! Incremental planning: which weeks must be recomputed since the last published refresh.
//!
//! A weekly feature of week W depends on records of W (and, through chains, on state at
//! the end of W − 1), on the data set's span (for `no_trace_days`) and on whether the
//! student has rows around W (rows run from a student's first to last week). So the
//! first week to redo is the earliest of:
//! - the week of the day before the earliest newly visible record of a weekly kind (Delta
//!   files added or removed since the last run, so that a state kind's rewritten rows count
//!   in their old and new versions, plus records in [previous as-of, D)); the day before
//!   because a return at Monday 01:00 is a late night of the previous week;
//! - the week where the span changed;
//! - for every student with new records, the week after their last published week (the
//!   weeks in between become zero rows).
//!
//! Anything this reasoning does not cover forces a full run: no previous publish, another
//! pipeline, an earlier as-of date, a changed dimension table, removed data files that are
//! no longer on disk, or derived tables changed since the publish (a failed run).

use std::collections::{BTreeMap, BTreeSet};

use datafusion::prelude::{ParquetReadOptions, SessionContext};
use deltalake::DeltaTable;
use futures::TryStreamExt;
use hashbrown::HashMap;

use super::RefreshError;
use crate::features::clock::{monday_of, LocalClock};
use crate::features::cols::{micros, strs};
use crate::features::week::ts_lit;
use crate::pipeline::{Body, Pipeline, Refresh};
use crate::schema::time::{date_to_days, parse_date, Micros};
use crate::schema::KindSpec;
use crate::store::{Published, Store};

/// What the run will do.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Recompute everything, and why.
    Full(String),
    /// Recompute weekly steps from this Monday (`i32::MAX`: nothing weekly to redo).
    Incremental {
        /// First week to redo.
        since: i32,
    },
}

const DIMENSIONS: [&str; 4] = ["students", "staff", "courses", "activities"];

/// The time column that places a weekly kind's record in a week.
fn time_column(kind: &str) -> Option<&'static str> {
    match kind {
        "card_transactions" | "access_events" | "learning_events" => Some("ts"),
        "network_sessions" => Some("start_ts"),
        "attendance" => Some("session_ts"),
        _ => None,
    }
}

/// Record kinds the weekly steps read, directly or through other steps.
pub fn weekly_kinds(p: &Pipeline) -> BTreeSet<String> {
    let by_name: BTreeMap<&str, &crate::pipeline::Step> = p.steps.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut out = BTreeSet::new();
    let mut frontier: Vec<&str> =
        p.steps.iter().filter(|s| matches!(s.refresh, Refresh::Weekly { .. })).map(|s| s.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    while let Some(n) = frontier.pop() {
        if !seen.insert(n) {
            continue;
        }
        if let Some(s) = by_name.get(n) {
            for i in &s.inputs {
                if KindSpec::by_name(i).is_some() {
                    out.insert(i.clone());
                } else {
                    frontier.push(i);
                }
            }
        }
    }
    out
}

/// Inputs to planning.
pub struct PlanInput<'a> {
    /// Store.
    pub store: &'a Store,
    /// Pipeline.
    pub pipeline: &'a Pipeline,
    /// Last publish.
    pub published: &'a Published,
    /// Pinned kind tables.
    pub kinds: &'a BTreeMap<String, DeltaTable>,
    /// Session with the as-of views.
    pub ctx: &'a SessionContext,
    /// As-of date (days) and instant.
    pub as_of: i32,
    /// As-of instant.
    pub as_of_ts: Micros,
    /// Span this run sees.
    pub span: Option<(i32, i32)>,
    /// Campus zone.
    pub tz: chrono_tz::Tz,
}

/// Decides between a full and an incremental run.
pub async fn plan(i: &PlanInput<'_>) -> Result<Plan, RefreshError> {
    let prev = i.published;
    if prev.tables.is_empty() {
        return Ok(Plan::Full("no earlier refresh was published".into()));
    }
    if prev.pipeline_digest != i.pipeline.digest {
        return Ok(Plan::Full("the pipeline definitions changed".into()));
    }
    let Some(prev_as_of) = parse_date(&prev.as_of).map(date_to_days) else {
        return Ok(Plan::Full("the last publish has no readable as-of date".into()));
    };
    if i.as_of < prev_as_of {
        return Ok(Plan::Full("the as-of date is earlier than the last refresh's".into()));
    }
    for step in &i.pipeline.steps {
        let latest = i.store.load(&step.name).await?.and_then(|t| t.version());
        if latest != prev.tables.get(&step.name).copied() {
            return Ok(Plan::Full(format!("`{}` changed since the last publish (an unfinished run)", step.name)));
        }
    }
    let kinds = weekly_kinds(i.pipeline);
    let mut new_files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for kind in &kinds {
        let cur = i.kinds.get(kind);
        let (prev_v, cur_v) = (prev.inputs.get(kind).copied(), cur.and_then(|t| t.version()));
        if prev_v == cur_v {
            continue;
        }
        if DIMENSIONS.contains(&kind.as_str()) {
            return Ok(Plan::Full(format!("`{kind}` changed")));
        }
        let Some(cur) = cur else {
            return Ok(Plan::Full(format!("`{kind}` disappeared")));
        };
        let before: BTreeSet<String> = match prev_v {
            Some(v) => i.store.load_version(kind, v).await?.get_file_uris().map_err(store_err(kind))?.collect(),
            None => BTreeSet::new(),
        };
        let now: BTreeSet<String> = cur.get_file_uris().map_err(store_err(kind))?.collect();
        // Rows that appeared, vanished or changed since the publish all sit in the files
        // added or removed since (a state kind's upsert rewrites the files of the keys it
        // changes), so both sets bound the weeks to redo. Removed files stay on disk
        // (the store never vacuums); if one is gone all the same, recompute everything.
        let removed: Vec<String> = before.difference(&now).cloned().collect();
        if !removed.iter().all(|u| local_file_exists(u)) {
            return Ok(Plan::Full(format!("stored rows of `{kind}` were rewritten and an old file is gone")));
        }
        let mut touched: Vec<String> = now.difference(&before).cloned().collect();
        touched.extend(removed);
        new_files.insert(kind.clone(), touched);
    }

    let mut clock = LocalClock::new(i.tz);
    // Earliest newly visible record per student, as a local date.
    let mut first_new: HashMap<String, i32> = HashMap::new();
    for (kind, files) in &new_files {
        if files.is_empty() {
            continue;
        }
        let sql = new_rows_sql(kind, "__new", i.as_of_ts);
        let Some(sql) = sql else { continue };
        let ctx = i.ctx.clone();
        let df = ctx.read_parquet(files.clone(), ParquetReadOptions::default()).await?;
        ctx.register_table("__new", df.into_view())?;
        collect_first(&ctx, &sql, &mut clock, &mut first_new).await?;
        let _ = ctx.deregister_table("__new");
    }
    if i.as_of > prev_as_of {
        for kind in &kinds {
            if let Some(sql) = window_sql(kind, prev_as_of, &clock) {
                collect_first(i.ctx, &sql, &mut clock, &mut first_new).await?;
            }
        }
    }
    let mut since = i32::MAX;
    for d in first_new.values() {
        since = since.min(monday_of(d - 1));
    }
    if i.as_of > prev_as_of {
        // Sessions clipped at the previous as-of now run on.
        since = since.min(monday_of(prev_as_of - 1));
    }
    if i.span != prev.span {
        let changed = match (i.span, prev.span) {
            (Some((a, b)), Some((c, d))) => {
                let lo = if a != c { a.min(c) } else { i32::MAX };
                let hi = if b != d { b.min(d) } else { i32::MAX };
                lo.min(hi)
            }
            _ => i32::MIN,
        };
        if changed == i32::MIN {
            return Ok(Plan::Full("the data set's span appeared or vanished".into()));
        }
        since = since.min(monday_of(changed));
    }
    if since != i32::MAX && !first_new.is_empty() {
        since = since.min(gap_bound(i, &first_new, since).await?);
    }
    Ok(Plan::Incremental { since })
}

/// Whether a data file named as `get_file_uris` names them (a plain path for a local
/// table, else a URL) is still there.
fn local_file_exists(uri: &str) -> bool {
    match url::Url::parse(uri) {
        Ok(u) => u.to_file_path().is_ok_and(|p| p.exists()),
        Err(_) => std::path::Path::new(uri).exists(),
    }
}

fn store_err(kind: &str) -> impl Fn(deltalake::DeltaTableError) -> RefreshError + '_ {
    move |e| RefreshError::Store(crate::store::StoreError::Delta { table: kind.to_string(), source: Box::new(e) })
}

fn new_rows_sql(kind: &str, table: &str, as_of_ts: Micros) -> Option<String> {
    let d = ts_lit(as_of_ts);
    if kind == "participation" {
        return Some(format!(
            "SELECT n.student_id, min(a.start_ts) AS t FROM {table} n JOIN activities a \
             ON n.activity_id = a.activity_id WHERE a.start_ts < {d} GROUP BY n.student_id"
        ));
    }
    let c = time_column(kind)?;
    Some(format!("SELECT student_id, min({c}) AS t FROM {table} WHERE {c} < {d} GROUP BY student_id"))
}

fn window_sql(kind: &str, prev_as_of: i32, clock: &LocalClock) -> Option<String> {
    let from = ts_lit(clock.midnight(prev_as_of));
    if kind == "participation" {
        return Some(format!(
            "SELECT p.student_id, min(a.start_ts) AS t FROM participation p JOIN activities a \
             ON p.activity_id = a.activity_id WHERE a.start_ts >= {from} GROUP BY p.student_id"
        ));
    }
    let c = time_column(kind)?;
    Some(format!("SELECT student_id, min({c}) AS t FROM {kind} WHERE {c} >= {from} GROUP BY student_id"))
}

async fn collect_first(
    ctx: &SessionContext,
    sql: &str,
    clock: &mut LocalClock,
    out: &mut HashMap<String, i32>,
) -> Result<(), RefreshError> {
    let mut stream = ctx.sql(sql).await?.execute_stream().await?;
    while let Some(b) = stream.try_next().await? {
        let (sid, t) = (strs(&b, "student_id")?, micros(&b, "t")?);
        for r in 0..b.num_rows() {
            if arrow::array::Array::is_null(t, r) {
                continue;
            }
            let day = clock.local(t.value(r)).0;
            let e = out.entry(sid.get(r).to_string()).or_insert(day);
            *e = (*e).min(day);
        }
    }
    Ok(())
}

/// The week after the last published week of every student with new records, when that
/// is before `since` (their rows must be filled up to the new records).
async fn gap_bound(i: &PlanInput<'_>, first_new: &HashMap<String, i32>, since: i32) -> Result<i32, RefreshError> {
    let mut bound = since;
    for step in &i.pipeline.steps {
        if !matches!(&step.body, Body::Builtin(b) if b == "student_week") {
            continue;
        }
        let Some(&v) = i.published.tables.get(&step.name) else { continue };
        let t = i.store.load_version(&step.name, v).await?;
        let ctx = SessionContext::new();
        crate::store::register(&ctx, "w", &t).await?;
        let sql = format!(
            "SELECT student_id, CAST(max(week_start) AS INT) AS last FROM w WHERE week_start < DATE '{}' GROUP BY student_id",
            crate::schema::time::days_to_date(since).format("%Y-%m-%d")
        );
        let mut stream = ctx.sql(&sql).await?.execute_stream().await?;
        while let Some(b) = stream.try_next().await? {
            let sid = strs(&b, "student_id")?;
            let last = arrow::array::AsArray::as_primitive::<arrow::datatypes::Int32Type>(b.column(1));
            for r in 0..b.num_rows() {
                if first_new.contains_key(sid.get(r)) && last.value(r) + 7 < bound {
                    bound = last.value(r) + 7;
                }
            }
        }
    }
    Ok(bound)
}
