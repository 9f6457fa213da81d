//! `radar pipelines validate`: the graph, then every SQL step planned against empty
//! tables of the right schemas, each step seeing only its declared inputs.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::MemTable;
use datafusion::prelude::SessionContext;

use super::asof::register_views;
use super::graph::order;
use super::spec::{Body, Pipeline, Refresh, Template};
use super::PipelineError;

/// One checked step.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Step name.
    pub name: String,
    /// `sql` or `builtin:<name>`.
    pub kind: String,
    /// `full` or `weekly`.
    pub refresh: String,
    /// Declared inputs.
    pub inputs: Vec<String>,
    /// Output columns.
    pub columns: usize,
    /// File.
    pub file: String,
}

fn template() -> Template {
    Template {
        as_of: "DATE '2000-01-10'".into(),
        as_of_ts: crate::features::week::ts_lit(947_462_400_000_000),
        since: "DATE '2000-01-03'".into(),
        lookback_start: "DATE '1999-11-08'".into(),
        tz: "'UTC'".into(),
    }
}

/// Output schema of a built-in step.
pub fn builtin_schema(name: &str) -> Option<SchemaRef> {
    match name {
        "student_week" => Some(crate::features::week::schema()),
        "student_week_baseline" => Some(crate::features::baseline::schema()),
        _ => None,
    }
}

/// Validates the pipeline; returns the steps in run order with their output widths.
pub async fn validate(p: &Pipeline) -> Result<Vec<Checked>, PipelineError> {
    let steps = order(p)?;
    let mut outputs: BTreeMap<String, SchemaRef> = BTreeMap::new();
    let mut out = Vec::new();
    for step in steps {
        let ctx = SessionContext::new();
        register_views(&ctx, &BTreeMap::new(), 947_462_400_000_000, "2000-01-10").await?;
        for i in &step.inputs {
            if let Some(schema) = outputs.get(i) {
                ctx.register_table(i.as_str(), Arc::new(MemTable::try_new(schema.clone(), vec![vec![]])?))?;
            }
        }
        let plan_err =
            |reason: String| PipelineError::Plan { step: step.name.clone(), file: step.file.clone(), reason };
        let (schema, kind) = match &step.body {
            Body::Sql(sql) => {
                let df = ctx.sql(&template().apply(sql)).await.map_err(|e| plan_err(e.to_string()))?;
                let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
                (schema, "sql".to_string())
            }
            Body::Builtin(b) => {
                let schema = builtin_schema(b).ok_or_else(|| plan_err(format!("no built-in `{b}`")))?;
                (schema, format!("builtin:{b}"))
            }
        };
        if let Refresh::Weekly { .. } = step.refresh {
            let ok = schema.field_with_name("week_start").map(|f| f.data_type() == &DataType::Date32).unwrap_or(false);
            if !ok {
                return Err(PipelineError::Step {
                    step: step.name.clone(),
                    file: step.file.clone(),
                    reason: "a weekly step must output a `week_start` DATE column".into(),
                });
            }
        }
        out.push(Checked {
            name: step.name.clone(),
            kind,
            refresh: match step.refresh {
                Refresh::Full => "full".into(),
                Refresh::Weekly { .. } => "weekly".into(),
            },
            inputs: step.inputs.clone(),
            columns: schema.fields().len(),
            file: step.file.clone(),
        });
        outputs.insert(step.name.clone(), schema);
    }
    Ok(out)
}
