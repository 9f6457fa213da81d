//! Checked rows → Arrow record batches in the stored schema.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::SchemaRef;

use crate::schema::value::Value;
use crate::schema::{ColType, KindSpec};

enum Col {
    Text(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Money(Decimal128Builder),
    Bool(BooleanBuilder),
    Ts(TimestampMicrosecondBuilder),
    Date(Date32Builder),
}

/// Accumulates rows of one kind.
pub struct BatchBuilder {
    schema: SchemaRef,
    cols: Vec<Col>,
    rows: usize,
}

impl BatchBuilder {
    /// An empty builder for `kind`.
    pub fn new(kind: &KindSpec) -> Self {
        let cols = kind
            .columns
            .iter()
            .map(|c| match c.ty {
                ColType::Text | ColType::Enum(_) | ColType::Term => Col::Text(StringBuilder::new()),
                ColType::Int => Col::Int(Int64Builder::new()),
                ColType::Float => Col::Float(Float64Builder::new()),
                ColType::Money => {
                    Col::Money(Decimal128Builder::new().with_data_type(arrow::datatypes::DataType::Decimal128(18, 2)))
                }
                ColType::Bool => Col::Bool(BooleanBuilder::new()),
                ColType::Timestamp => Col::Ts(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
                ColType::Date => Col::Date(Date32Builder::new()),
            })
            .collect();
        BatchBuilder { schema: kind.arrow_schema(), cols, rows: 0 }
    }

    /// Rows appended since the last [`BatchBuilder::finish`].
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row is pending.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one checked row (one value per contract column).
    pub fn push(&mut self, vals: &[Value<'_>]) {
        for (col, v) in self.cols.iter_mut().zip(vals) {
            match (col, *v) {
                (Col::Text(b), Value::Text(s)) => b.append_value(s),
                (Col::Int(b), Value::Int(x)) => b.append_value(x),
                (Col::Float(b), Value::Float(x)) => b.append_value(x),
                (Col::Money(b), Value::Money(x)) => b.append_value(x),
                (Col::Bool(b), Value::Bool(x)) => b.append_value(x),
                (Col::Ts(b), Value::Timestamp(x)) => b.append_value(x),
                (Col::Date(b), Value::Date(x)) => b.append_value(x),
                (c, _) => append_null(c),
            }
        }
        self.rows += 1;
    }

    /// Takes the pending rows as a batch.
    pub fn finish(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| match c {
                Col::Text(b) => Arc::new(b.finish()) as ArrayRef,
                Col::Int(b) => Arc::new(b.finish()),
                Col::Float(b) => Arc::new(b.finish()),
                Col::Money(b) => Arc::new(b.finish()),
                Col::Bool(b) => Arc::new(b.finish()),
                Col::Ts(b) => Arc::new(b.finish()),
                Col::Date(b) => Arc::new(b.finish()),
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays)
    }
}

fn append_null(c: &mut Col) {
    match c {
        Col::Text(b) => b.append_null(),
        Col::Int(b) => b.append_null(),
        Col::Float(b) => b.append_null(),
        Col::Money(b) => b.append_null(),
        Col::Bool(b) => b.append_null(),
        Col::Ts(b) => b.append_null(),
        Col::Date(b) => b.append_null(),
    }
}
