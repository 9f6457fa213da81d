//! `radar sql`: one statement over every store table.

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
    let df = ctx
        .sql(&args.query)
        .await
        .map_err(|e| crate::Error::from(crate::store::StoreError::from(e)))
        .context("query failed")?;
    let stream = df
        .execute_stream()
        .await
        .map_err(|e| crate::Error::from(crate::store::StoreError::from(e)))
        .context("query failed")?;
    let schema = stream.schema();
    let mut batches = collect_stream(stream).await.map_err(crate::Error::from).context("query failed")?;
    if batches.is_empty() {
        // No rows still has columns: CSV keeps its header row.
        batches.push(arrow::array::RecordBatch::new_empty(schema));
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_batches(&mut out, &batches, default_format(args.format), s.tz).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(())
}
