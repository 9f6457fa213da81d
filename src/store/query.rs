//! DataFusion over the store: every table registered under its own name.

use arrow::array::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::TryStreamExt;

use super::{delta, Result, Store};

impl Store {
    /// A DataFusion session with every existing store table registered.
    /// Derived tables appear at their published versions (see [`Store::publish`]).
    pub async fn session(&self) -> Result<SessionContext> {
        let published = self.published()?;
        let config = SessionConfig::new().with_information_schema(true);
        let ctx = SessionContext::new_with_config(config);
        for name in self.table_names() {
            if let Some(table) = self.load_published(&name, &published).await? {
                register(&ctx, &name, &table).await?;
            }
        }
        Ok(ctx)
    }

    /// Runs one SQL statement, streaming the result.
    pub async fn query(&self, sql: &str) -> Result<SendableRecordBatchStream> {
        let ctx = self.session().await?;
        Ok(ctx.sql(sql).await?.execute_stream().await?)
    }

    /// Runs a query against one table (with `{t}` standing for it) when the table
    /// exists, else returns no batches.
    pub async fn query_table(&self, table: &str, sql: &str) -> Result<Vec<RecordBatch>> {
        match self.stream_table(table, sql).await? {
            Some(stream) => collect_stream(stream).await,
            None => Ok(Vec::new()),
        }
    }

    /// Like [`Store::query_table`], streaming; `None` when the table does not exist.
    pub async fn stream_table(&self, table: &str, sql: &str) -> Result<Option<SendableRecordBatchStream>> {
        let Some(t) = self.load(table).await? else {
            return Ok(None);
        };
        let ctx = SessionContext::new();
        t.update_datafusion_session(&ctx.state()).map_err(delta(table))?;
        ctx.register_table("t", t.table_provider().await?)?;
        Ok(Some(ctx.sql(sql).await?.execute_stream().await?))
    }
}

/// Collects a stream into batches.
pub async fn collect_stream(stream: SendableRecordBatchStream) -> Result<Vec<RecordBatch>> {
    Ok(stream.try_collect().await?)
}

/// Column `i` of a batch as plain UTF-8 strings (readers may hand back view types).
pub fn text_column(batch: &RecordBatch, i: usize) -> Result<arrow::array::StringArray> {
    use arrow::array::AsArray;
    let a = arrow::compute::cast(batch.column(i), &arrow::datatypes::DataType::Utf8)?;
    Ok(a.as_string::<i32>().clone())
}

/// Registers a loaded Delta table in a session under `name`.
pub async fn register(ctx: &SessionContext, name: &str, table: &deltalake::DeltaTable) -> Result<()> {
    table.update_datafusion_session(&ctx.state()).map_err(delta(name))?;
    let provider = table.table_provider().await?;
    ctx.register_table(name, provider)?;
    Ok(())
}

impl Store {
    /// Every row of a table as readers see it (derived tables at their published version).
    pub async fn query_published(&self, table: &str) -> Result<Vec<RecordBatch>> {
        let ctx = self.session().await?;
        collect_stream(ctx.sql(&format!("SELECT * FROM \"{table}\"")).await?.execute_stream().await?).await
    }
}
