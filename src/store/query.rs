//! DataFusion over the store: every table registered under its own name.

use arrow::array::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::TryStreamExt;

use super::{delta, Result, Store, StoreError};

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

/// Plans one statement for `radar sql` if it only reads store tables: a query, `SHOW`,
/// `EXPLAIN` of such a query or `DESCRIBE`. Anything that writes (DDL, DML, `COPY`,
/// `CREATE [EXTERNAL] TABLE`), changes the session (`SET`, `RESET`) or reads outside the
/// store (file paths, URLs and table functions such as `read_parquet`, which are never
/// registered tables) is refused with [`StoreError::ReadOnly`].
pub async fn read_only(ctx: &SessionContext, sql: &str) -> Result<datafusion::dataframe::DataFrame> {
    let state = ctx.state();
    let dialect = state.config().options().sql_parser.dialect;
    let statement = state.sql_to_statement(sql, &dialect)?;
    if let Some(what) = refused(&statement) {
        return Err(StoreError::ReadOnly { reason: format!("{what} is not a read-only query") });
    }
    for table in state.resolve_table_references(&statement)? {
        // An unknown catalog or schema is an error here: as refused as an unknown table.
        if !ctx.table_exist(table.clone()).unwrap_or(false) {
            return Err(StoreError::ReadOnly { reason: format!("`{table}` is not a store table") });
        }
    }
    let plan = state.statement_to_plan(statement).await?;
    let options = datafusion::execution::context::SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    options.verify_plan(&plan).map_err(|e| StoreError::ReadOnly { reason: e.strip_backtrace() })?;
    Ok(ctx.execute_logical_plan(plan).await?)
}

/// The kind of statement when it is not one `radar sql` runs.
fn refused(statement: &datafusion::sql::parser::Statement) -> Option<String> {
    use datafusion::sql::parser::Statement as Df;
    use datafusion::sql::sqlparser::ast::Statement as Sql;
    match statement {
        Df::Statement(s) => match s.as_ref() {
            Sql::Query(_) | Sql::ShowTables { .. } | Sql::ShowColumns { .. } | Sql::ExplainTable { .. } => None,
            Sql::Explain { statement, .. } => refused(&Df::Statement(statement.clone())),
            other => {
                let text = other.to_string();
                let words: Vec<&str> = text.split_whitespace().take(2).collect();
                Some(format!("`{}`", words.join(" ")))
            }
        },
        Df::Explain(e) => refused(&e.statement),
        Df::CreateExternalTable(_) => Some("`CREATE EXTERNAL TABLE`".into()),
        Df::CopyTo(_) => Some("`COPY`".into()),
        Df::Reset(_) => Some("`RESET`".into()),
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
