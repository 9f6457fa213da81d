//! `radar sql`: one read-only statement over every store table, audited.

use std::io::Write;

use anyhow::Context;

use super::args::SqlArgs;
use super::output::write_batches;
use super::{default_format, Failure, Settings};
use crate::store::{collect_stream, Store};

pub(super) async fn run(args: SqlArgs, s: &Settings) -> Result<(), Failure> {
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let ctx = store.session().await.map_err(crate::Error::from).context("query failed")?;
    // The operational tables (warnings and their lifecycle) live in SQLite; they join the
    // session as in-memory tables showing the current state.
    if crate::warnings::db::OpsDb::exists(&s.store) {
        let db = crate::warnings::db::OpsDb::open(&s.store).map_err(crate::Error::from)?;
        for (name, batch) in crate::warnings::db::sql_tables(&db).map_err(crate::Error::from)? {
            let t = datafusion::datasource::MemTable::try_new(batch.schema(), vec![vec![batch]])
                .map_err(|e| crate::Error::from(crate::warnings::WarningError::from(e)))?;
            ctx.register_table(name, std::sync::Arc::new(t))
                .map_err(|e| crate::Error::from(crate::warnings::WarningError::from(e)))?;
        }
    }
    let planned = crate::store::read_only(&ctx, &args.query).await;
    if let Err(e @ crate::store::StoreError::ReadOnly { .. }) = planned {
        audit(&store, s, args.actor.as_deref(), &args.query, None)?;
        return Err(crate::Error::from(e).into());
    }
    let df = planned.map_err(crate::Error::from).context("query failed")?;
    let stream = df
        .execute_stream()
        .await
        .map_err(|e| crate::Error::from(crate::store::StoreError::from(e)))
        .context("query failed")?;
    let schema = stream.schema();
    let mut batches = collect_stream(stream).await.map_err(crate::Error::from).context("query failed")?;
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    audit(&store, s, args.actor.as_deref(), &args.query, Some(rows))?;
    if batches.is_empty() {
        // No rows still has columns: CSV keeps its header row.
        batches.push(arrow::array::RecordBatch::new_empty(schema));
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_batches(&mut out, &batches, default_format(args.format), s.tz).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(())
}

/// One `audit_log` row per query: who (`--as`, else the OS user), when (the clock), the
/// query's xxh3 hash and the rows returned (none when refused) — never the query's values.
fn audit(store: &Store, s: &Settings, actor: Option<&str>, query: &str, rows: Option<usize>) -> Result<(), Failure> {
    use crate::warnings::audit;
    let hash = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(query.as_bytes()));
    let detail = serde_json::json!({ "query_hash": hash, "rows": rows, "refused": rows.is_none() });
    let db = crate::warnings::db::OpsDb::open(store.root()).map_err(crate::Error::from)?;
    // A query discloses no one student by id; `students` stays 0 (rows are in the detail).
    audit::record_with(&db, s.now, &audit::actor(actor), "sql", "", 0, &detail)
        .map_err(|e| Failure::Job(anyhow::Error::from(e).context("writing the audit log")))
}
