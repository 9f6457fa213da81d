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

/// Table functions that compute rows from their arguments alone and read nothing.
pub const HARMLESS_TABLE_FUNCTIONS: [&str; 2] = ["generate_series", "range"];

/// Plans one statement for `radar sql` if it only reads store tables: a query, `SHOW`,
/// `EXPLAIN` of such a query or `DESCRIBE`. Anything that writes (DDL, DML, `COPY`,
/// `CREATE [EXTERNAL] TABLE`), changes the session (`SET`, `RESET`) or reads outside the
/// store (file paths, URLs and table functions such as `read_parquet`, which are never
/// registered tables) is refused with [`StoreError::ReadOnly`]. The table functions of
/// [`HARMLESS_TABLE_FUNCTIONS`] are allowed wherever they stand (`FROM range(3)` as well
/// as `CROSS JOIN LATERAL range(3)`); any other is refused wherever it stands.
pub async fn read_only(ctx: &SessionContext, sql: &str) -> Result<datafusion::dataframe::DataFrame> {
    let state = ctx.state();
    let dialect = state.config().options().sql_parser.dialect;
    let statement = state.sql_to_statement(sql, &dialect)?;
    if let Some(what) = refused(&statement) {
        return Err(StoreError::ReadOnly { reason: format!("{what} is not a read-only query") });
    }
    let functions = table_functions(&statement)?;
    for table in state.resolve_table_references(&statement)? {
        // `FROM f(…)` is both a relation and a call; the call was checked above.
        if matches!(&table, datafusion::common::TableReference::Bare { table } if functions.contains(table.as_ref())) {
            continue;
        }
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

/// Every table function the statement calls, in `FROM f(…)` or `LATERAL f(…)` form (the
/// latter is no relation, so only this walk sees it); refused unless all are harmless.
fn table_functions(statement: &datafusion::sql::parser::Statement) -> Result<std::collections::HashSet<String>> {
    use datafusion::sql::parser::Statement as Df;
    use datafusion::sql::sqlparser::ast::{ObjectName, ObjectNamePart, TableFactor, Visit, Visitor};
    use std::ops::ControlFlow;

    #[derive(Default)]
    struct Calls(std::collections::HashSet<String>);
    impl Visitor for Calls {
        type Break = String;
        fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<String> {
            let name = match t {
                TableFactor::Table { name, args: Some(_), .. } | TableFactor::Function { name, .. } => name,
                TableFactor::TableFunction { expr, .. } => return ControlFlow::Break(format!("`TABLE({expr})`")),
                _ => return ControlFlow::Continue(()),
            };
            match plain(name) {
                Some(f) if HARMLESS_TABLE_FUNCTIONS.contains(&f.as_str()) => {
                    self.0.insert(f);
                    ControlFlow::Continue(())
                }
                _ => ControlFlow::Break(format!("the table function `{name}`")),
            }
        }
    }
    /// A one-part name, lower-cased as the planner looks table functions up.
    fn plain(name: &ObjectName) -> Option<String> {
        match name.0.as_slice() {
            [ObjectNamePart::Identifier(id)] => Some(id.value.to_ascii_lowercase()),
            _ => None,
        }
    }

    let mut calls = Calls::default();
    let flow = match statement {
        Df::Statement(s) => s.visit(&mut calls),
        Df::Explain(e) => return table_functions(&e.statement),
        _ => ControlFlow::Continue(()),
    };
    match flow {
        ControlFlow::Break(what) => Err(StoreError::ReadOnly { reason: format!("{what} is not a store table") }),
        ControlFlow::Continue(()) => Ok(calls.0),
    }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::datasource::MemTable;

    use super::*;

    /// A session with one store-like table and a table function that, unlike the
    /// harmless ones, stands for one reading outside the store (as `read_csv` would).
    fn ctx() -> SessionContext {
        let ctx = SessionContext::new();
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![1, 2]))]).expect("batch");
        let t = MemTable::try_new(schema, vec![vec![batch]]).expect("table");
        ctx.register_table("students", Arc::new(t)).expect("register");
        let series = datafusion::functions_table::generate_series();
        ctx.register_udtf("outside", series.function().clone());
        ctx
    }

    async fn rows(ctx: &SessionContext, sql: &str) -> usize {
        let df = read_only(ctx, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        df.collect().await.expect("run").iter().map(|b| b.num_rows()).sum()
    }

    #[tokio::test]
    async fn harmless_table_functions_run_in_every_position() {
        let ctx = ctx();
        assert_eq!(rows(&ctx, "SELECT * FROM generate_series(1, 3)").await, 3);
        assert_eq!(rows(&ctx, "SELECT * FROM range(4)").await, 4);
        assert_eq!(rows(&ctx, "SELECT n FROM students WHERE n IN (SELECT value FROM range(2))").await, 1);
        assert_eq!(rows(&ctx, "WITH c AS (SELECT * FROM generate_series(1, 2)) SELECT * FROM students, c").await, 4);
    }

    #[tokio::test]
    async fn other_table_functions_are_refused_in_every_position() {
        let ctx = ctx();
        for q in [
            "SELECT * FROM outside(1, 3)",
            "SELECT * FROM (SELECT * FROM outside(1, 3)) x",
            "WITH c AS (SELECT * FROM outside(1, 3)) SELECT * FROM c",
            "SELECT n FROM students WHERE n IN (SELECT value FROM outside(1, 2))",
            // Not a relation: only the walk over table factors sees it.
            "SELECT * FROM students CROSS JOIN LATERAL outside(1, 2)",
            "EXPLAIN SELECT * FROM students CROSS JOIN LATERAL outside(1, 2)",
        ] {
            let err = read_only(&ctx, q).await.err().unwrap_or_else(|| panic!("{q} ran"));
            assert!(matches!(err, StoreError::ReadOnly { .. }), "{q}: {err}");
        }
    }
}
