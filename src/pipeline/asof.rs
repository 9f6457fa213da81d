//! As-of views: every record kind as it stood at D 00:00 local (features.md): records
//! whose event time is before D; a network session that started before D is clipped at D;
//! a loan returned (or coursework submitted, a leave reported back) at or after D is not yet
//! returned (submitted, reported back).
//! A kind the store lacks is an empty view with the contract's columns, so SQL written
//! for a full campus still plans on a campus that sends less.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::catalog::MemTable;
use datafusion::prelude::SessionContext;
use deltalake::DeltaTable;

use super::PipelineError;
use crate::features::week::ts_lit;
use crate::schema::time::Micros;
use crate::schema::{KindSpec, ALL_KINDS};

/// The raw (unfiltered) table of a kind inside a refresh session.
pub fn raw_name(kind: &str) -> String {
    format!("__raw_{kind}")
}

/// The SELECT that defines a kind's view.
pub fn view_sql(kind: &KindSpec, d_ts: Micros, d_date: &str) -> String {
    let d = ts_lit(d_ts);
    let col = |c: &str| -> String {
        match (kind.name, c) {
            ("network_sessions", "end_ts") => format!("CASE WHEN end_ts > {d} THEN {d} ELSE end_ts END AS end_ts"),
            ("library_loans", "returned_at") => {
                format!("CASE WHEN returned_at >= {d} THEN NULL ELSE returned_at END AS returned_at")
            }
            ("leave_requests", "returned_at") => {
                format!("CASE WHEN returned_at >= {d} THEN NULL ELSE returned_at END AS returned_at")
            }
            ("coursework", "submitted_at") => {
                format!("CASE WHEN submitted_at >= {d} THEN NULL ELSE submitted_at END AS submitted_at")
            }
            ("coursework", "score") => format!("CASE WHEN submitted_at >= {d} THEN NULL ELSE score END AS score"),
            _ => format!("\"{c}\""),
        }
    };
    let select: Vec<String> = kind.columns.iter().map(|c| col(c.name)).collect();
    let filter = match kind.name {
        "card_transactions" | "access_events" | "learning_events" | "process_records" | "assessments" => {
            format!("ts < {d}")
        }
        "network_sessions" => format!("start_ts < {d}"),
        "library_loans" => format!("borrowed_at < {d}"),
        "attendance" => format!("session_ts < {d}"),
        "grades" => format!("recorded_at < DATE '{d_date}'"),
        "awards" => format!("ts < DATE '{d_date}'"),
        _ => "TRUE".to_string(),
    };
    format!("SELECT {} FROM {} WHERE {filter}", select.join(", "), raw_name(kind.name))
}

/// Registers every kind as an as-of view; `tables` holds the pinned Delta tables.
pub async fn register_views(
    ctx: &SessionContext,
    tables: &BTreeMap<String, DeltaTable>,
    d_ts: Micros,
    d_date: &str,
) -> Result<(), PipelineError> {
    for kind in ALL_KINDS.iter() {
        let raw = raw_name(kind.name);
        match tables.get(kind.name) {
            Some(t) => crate::store::register(ctx, &raw, t).await?,
            None => {
                let empty = MemTable::try_new(kind.arrow_schema(), vec![vec![]])?;
                ctx.register_table(raw.as_str(), Arc::new(empty))?;
            }
        }
        let view = ctx.sql(&view_sql(kind, d_ts, d_date)).await?.into_view();
        ctx.register_table(kind.name, view)?;
    }
    Ok(())
}
