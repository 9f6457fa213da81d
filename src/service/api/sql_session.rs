//! The analyst's SQL session: every store table and the operational tables, each seen
//! through a view that withholds names and free text and replaces student ids with the
//! store's stable pseudonyms. The views are planned over a private session the analyst's
//! query never names, so no alias, join or `SELECT *` reaches a withheld value, and the
//! pseudonym function lives only inside the views: an analyst cannot compute the
//! pseudonym of an id they guess.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{AsArray, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Column;
use datafusion::logical_expr::{create_udf, ColumnarValue, Expr, ScalarUDF, Volatility};
use datafusion::prelude::{cast, lit, when, SessionConfig, SessionContext};

use crate::schema::{KindSpec, Sensitivity};
use crate::service::error::ApiError;
use crate::service::AppState;

/// Tables an analyst never sees: `quarantine_replay` keeps every cell of a set-aside row,
/// personal data included, for the replay.
pub const HIDDEN_TABLES: [&str; 1] = [crate::ingest::quarantine::REPLAY];

/// Free-text and document columns withheld in every table: staff notes, warning and
/// recommendation reasons, quarantined raw text and keys (they carry raw student ids),
/// the profile document.
const FREE_TEXT: [&str; 7] = ["note", "summary", "reason_zh", "reason_en", "raw", "payload", "profile"];

/// Whether `table.column` is withheld from analysts.
pub fn withheld(table: &str, column: &str) -> bool {
    let personal = KindSpec::by_name(table)
        .is_some_and(|k| k.columns.iter().any(|c| c.name == column && c.sensitivity == Sensitivity::Personal));
    personal || FREE_TEXT.contains(&column) || (table == crate::ingest::quarantine::QUARANTINE && column == "key")
}

/// Whether `table.column` holds student ids (shown as pseudonyms).
pub fn student_column(column: &str) -> bool {
    column == "student_id"
}

/// The pseudonym function of the views (never registered in the analyst's session).
fn pseudonym_udf(state: AppState) -> ScalarUDF {
    let f = move |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let Some(ids) = arrays.first() else {
            return Err(datafusion::error::DataFusionError::Internal("pseudonym takes one argument".into()));
        };
        let ids = arrow::compute::cast(ids, &DataType::Utf8)?;
        let mut seen: HashMap<&str, String> = HashMap::new();
        let out: StringArray = ids
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(|id| seen.entry(id).or_insert_with(|| state.pseudonym(id)).clone()))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    };
    create_udf("radar_pseudonym", vec![DataType::Utf8], DataType::Utf8, Volatility::Immutable, Arc::new(f))
}

/// The analyst's session (see the module documentation).
pub async fn analyst_session(state: &AppState) -> Result<SessionContext, ApiError> {
    let raw = state.store().session().await.map_err(ApiError::internal)?;
    if crate::warnings::db::OpsDb::exists(state.root()) {
        let db = state.ops()?;
        for (name, batch) in crate::warnings::db::sql_tables(&db)? {
            let t = datafusion::datasource::MemTable::try_new(batch.schema(), vec![vec![batch]])
                .map_err(ApiError::internal)?;
            raw.register_table(name, Arc::new(t)).map_err(ApiError::internal)?;
        }
    }
    let out = SessionContext::new_with_config(SessionConfig::new().with_information_schema(true));
    let udf = pseudonym_udf(state.clone());
    let pseudonym = |c: Expr| udf.call(vec![cast(c, DataType::Utf8)]);
    let names = {
        let options = raw.state().config().options().clone();
        let schema = raw
            .catalog(&options.catalog.default_catalog)
            .and_then(|c| c.schema(&options.catalog.default_schema))
            .ok_or_else(|| ApiError::internal("the store session has no default schema"))?;
        let mut n = schema.table_names();
        n.sort();
        n
    };
    for name in names.iter().filter(|n| !HIDDEN_TABLES.contains(&n.as_str())) {
        let df = raw.table(name.as_str()).await.map_err(ApiError::internal)?;
        let mut exprs = Vec::new();
        for f in df.schema().fields() {
            let c = f.name().as_str();
            let column = Expr::Column(Column::new_unqualified(c));
            if withheld(name, c) {
                continue;
            }
            exprs.push(if student_column(c) {
                pseudonym(column).alias(c)
            } else if name == "recommendations" && c == "item_id" {
                // A peer-mentor suggestion's item is another student.
                let kind = Expr::Column(Column::new_unqualified("kind"));
                when(kind.eq(lit("mentor")), pseudonym(column.clone()))
                    .otherwise(column)
                    .map_err(ApiError::internal)?
                    .alias(c)
            } else {
                column
            });
        }
        let view = df.select(exprs).map_err(ApiError::internal)?.into_view();
        out.register_table(name.as_str(), view).map_err(ApiError::internal)?;
    }
    Ok(out)
}
