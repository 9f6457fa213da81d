//! The result tables: `student_evaluation` (one row per student and term) and
//! `evaluation_weights` (one row per indicator and term). A run replaces its term's rows
//! of each table in one Delta commit, so re-running a term changes nothing.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::indicators::DIMENSIONS;
use super::students::EvalReport;
use super::EvaluationError;
use crate::store::Store;

/// Store table of the students' results.
pub const STUDENT_EVALUATION: &str = "student_evaluation";
/// Store table of the weights behind them.
pub const EVALUATION_WEIGHTS: &str = "evaluation_weights";

fn f(name: &str, t: DataType, nullable: bool) -> Field {
    Field::new(name, t, nullable)
}

/// Schema of `student_evaluation`.
pub fn students_schema() -> SchemaRef {
    let mut fields = vec![
        f("student_id", DataType::Utf8, false),
        f("term", DataType::Utf8, false),
        f("college", DataType::Utf8, false),
        f("major", DataType::Utf8, false),
        f("cohort", DataType::Int64, false),
    ];
    for d in DIMENSIONS {
        fields.push(f(d.name(), DataType::Float64, true));
    }
    fields.push(f("total", DataType::Float64, true));
    for d in DIMENSIONS {
        fields.push(f(&format!("{}_pct", d.name()), DataType::Float64, true));
    }
    fields.push(f("total_pct", DataType::Float64, true));
    fields.push(f("method", DataType::Utf8, false));
    Arc::new(Schema::new(fields))
}

/// Schema of `evaluation_weights`.
pub fn weights_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        f("term", DataType::Utf8, false),
        f("dimension", DataType::Utf8, false),
        f("indicator", DataType::Utf8, false),
        f("label_zh", DataType::Utf8, false),
        f("label_en", DataType::Utf8, false),
        f("method", DataType::Utf8, false),
        f("entropy", DataType::Float64, true),
        f("divergence", DataType::Float64, true),
        f("weight", DataType::Float64, false),
        f("students_with_value", DataType::Int64, false),
        f("direction", DataType::Utf8, false),
        f("status", DataType::Utf8, false),
        f("students", DataType::Int64, false),
        f("min", DataType::Float64, true),
        f("max", DataType::Float64, true),
        f("dimension_weight", DataType::Float64, false),
        f("note", DataType::Utf8, false),
    ]))
}

fn text<'a>(v: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(v))
}

fn nums(v: impl Iterator<Item = Option<f64>>) -> ArrayRef {
    Arc::new(Float64Array::from_iter(v))
}

/// The students' results as a batch of [`students_schema`].
pub fn students_batch(r: &EvalReport) -> Result<RecordBatch, EvaluationError> {
    let s = &r.students;
    let n = s.len();
    let mut cols: Vec<ArrayRef> = vec![
        text(s.iter().map(|x| x.student_id.as_str())),
        text(std::iter::repeat_n(r.term.term.as_str(), n)),
        text(s.iter().map(|x| x.college.as_str())),
        text(s.iter().map(|x| x.major.as_str())),
        Arc::new(Int64Array::from_iter_values(s.iter().map(|x| x.cohort))),
    ];
    for d in DIMENSIONS {
        cols.push(nums(s.iter().map(|x| x.dimensions[d.index()])));
    }
    cols.push(nums(s.iter().map(|x| x.total)));
    for d in DIMENSIONS {
        cols.push(nums(s.iter().map(|x| x.dimension_pct[d.index()])));
    }
    cols.push(nums(s.iter().map(|x| x.total_pct)));
    cols.push(text(std::iter::repeat_n(r.method.name(), n)));
    Ok(RecordBatch::try_new(students_schema(), cols)?)
}

/// The weights as a batch of [`weights_schema`].
pub fn weights_batch(r: &EvalReport) -> Result<RecordBatch, EvaluationError> {
    let w = &r.weights;
    let n = w.len();
    let students = r.students.len() as i64;
    let cols: Vec<ArrayRef> = vec![
        text(std::iter::repeat_n(r.term.term.as_str(), n)),
        text(w.iter().map(|x| x.dimension.name())),
        text(w.iter().map(|x| x.indicator.as_str())),
        text(w.iter().map(|x| x.label_zh.as_str())),
        text(w.iter().map(|x| x.label_en.as_str())),
        text(std::iter::repeat_n(r.method.name(), n)),
        nums(w.iter().map(|x| x.entropy)),
        nums(w.iter().map(|x| x.divergence)),
        Arc::new(Float64Array::from_iter_values(w.iter().map(|x| x.weight))),
        Arc::new(Int64Array::from_iter_values(w.iter().map(|x| x.students_with_value as i64))),
        text(w.iter().map(|x| x.direction.name())),
        text(w.iter().map(|x| x.status.name())),
        Arc::new(Int64Array::from_iter_values(std::iter::repeat_n(students, n))),
        nums(w.iter().map(|x| x.min)),
        nums(w.iter().map(|x| x.max)),
        Arc::new(Float64Array::from_iter_values(w.iter().map(|x| r.dimension_weights[x.dimension.index()]))),
        text(w.iter().map(|x| x.note.as_str())),
    ];
    Ok(RecordBatch::try_new(weights_schema(), cols)?)
}

/// Writes a report: the term's rows of `student_evaluation` and of `evaluation_weights`
/// are replaced, each table in one commit.
pub async fn write_evaluation(store: &Store, r: &EvalReport) -> Result<(), EvaluationError> {
    let pred = format!("term = {}", super::quote(&r.term.term));
    let t = store.ensure(STUDENT_EVALUATION, &students_schema()).await?;
    store.replace_where(t, STUDENT_EVALUATION, vec![students_batch(r)?], &pred).await?;
    let t = store.ensure(EVALUATION_WEIGHTS, &weights_schema()).await?;
    store.replace_where(t, EVALUATION_WEIGHTS, vec![weights_batch(r)?], &pred).await?;
    Ok(())
}
