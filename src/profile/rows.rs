//! Query results read by column name, whatever type DataFusion hands back: the profile
//! reads many small queries and wants values, not arrays.

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

use super::ProfileError;

/// The rows of one query, columns cast to text, float or integer on first use.
pub struct Rows {
    batches: Vec<RecordBatch>,
    cache: HashMap<(String, u8), Vec<ArrayRef>>,
    /// Number of rows.
    pub len: usize,
    offsets: Vec<usize>,
}

/// Runs `sql` and keeps its rows.
pub async fn query(ctx: &SessionContext, sql: &str) -> Result<Rows, ProfileError> {
    let batches: Vec<RecordBatch> = ctx.sql(sql).await?.execute_stream().await?.try_collect().await?;
    let mut offsets = Vec::with_capacity(batches.len());
    let mut len = 0;
    for b in &batches {
        offsets.push(len);
        len += b.num_rows();
    }
    Ok(Rows { batches, cache: HashMap::new(), len, offsets })
}

impl Rows {
    fn column(&mut self, name: &str, ty: u8) -> Result<&Vec<ArrayRef>, ProfileError> {
        let key = (name.to_string(), ty);
        if !self.cache.contains_key(&key) {
            let target = match ty {
                0 => DataType::Utf8,
                1 => DataType::Float64,
                _ => DataType::Int64,
            };
            let mut out = Vec::with_capacity(self.batches.len());
            for b in &self.batches {
                let a = b.column_by_name(name).ok_or_else(|| ProfileError::Shape(format!("no column `{name}`")))?;
                out.push(cast(a, &target)?);
            }
            self.cache.insert(key.clone(), out);
        }
        self.cache.get(&key).ok_or_else(|| ProfileError::Shape(format!("no column `{name}`")))
    }

    fn locate(&self, row: usize) -> (usize, usize) {
        let b = self.offsets.partition_point(|&o| o <= row).saturating_sub(1);
        (b, row - self.offsets.get(b).copied().unwrap_or(0))
    }

    /// Text value (`None` for null).
    pub fn s(&mut self, row: usize, name: &str) -> Result<Option<String>, ProfileError> {
        let (b, r) = self.locate(row);
        let a = &self.column(name, 0)?[b];
        Ok((!a.is_null(r)).then(|| a.as_string::<i32>().value(r).to_string()))
    }

    /// Text value, empty for null.
    pub fn text(&mut self, row: usize, name: &str) -> Result<String, ProfileError> {
        Ok(self.s(row, name)?.unwrap_or_default())
    }

    /// Float value.
    pub fn f(&mut self, row: usize, name: &str) -> Result<Option<f64>, ProfileError> {
        let (b, r) = self.locate(row);
        let a = &self.column(name, 1)?[b];
        Ok((!a.is_null(r)).then(|| a.as_primitive::<Float64Type>().value(r)))
    }

    /// Integer value.
    pub fn i(&mut self, row: usize, name: &str) -> Result<Option<i64>, ProfileError> {
        let (b, r) = self.locate(row);
        let a = &self.column(name, 2)?[b];
        Ok((!a.is_null(r)).then(|| a.as_primitive::<Int64Type>().value(r)))
    }
}

/// A SQL string literal.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
