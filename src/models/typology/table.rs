//! The `student_typology` store table: the latest typology run, one row per student.

use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Int32Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};
use datafusion::prelude::SessionContext;

use super::{run, Typology, TypologyOptions, FEATURE_SOURCES};
use crate::models::analysis::{load_window, write_table, AnalysisError};
use crate::store::Store;

/// Store table of the latest typology run.
pub const TYPOLOGY_TABLE: &str = "student_typology";

fn strings<'a>(v: impl IntoIterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from(v.into_iter().collect::<Vec<_>>()))
}

/// Clusters the students as of `as_of` over `weeks` weeks and replaces `student_typology`
/// (by `radar typology` and every night); returns the typology and the stored rows.
pub async fn write_typology(
    store: &Store,
    ctx: &SessionContext,
    as_of: i32,
    weeks: usize,
    k: Option<usize>,
) -> Result<(Typology, RecordBatch), AnalysisError> {
    let w = load_window(ctx, as_of, weeks, &FEATURE_SOURCES).await?;
    let opts = TypologyOptions { weeks, k, ..TypologyOptions::default() };
    let r = run(&w, &opts)?;
    let label = |c: usize| &r.clusters[c];
    let n = r.students.len();
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("student_id", strings(r.students.iter().map(|x| x.student_id.as_str()))),
        ("as_of", Arc::new(Date32Array::from(vec![as_of; n]))),
        ("cluster", Arc::new(Int32Array::from(r.students.iter().map(|x| x.cluster as i32).collect::<Vec<_>>()))),
        ("label_en", strings(r.students.iter().map(|x| label(x.cluster).label_en.as_str()))),
        ("label_zh", strings(r.students.iter().map(|x| label(x.cluster).label_zh.as_str()))),
    ];
    let fields: Vec<Field> = cols.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    let stored = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols.into_iter().map(|(_, a)| a).collect())?;
    write_table(store, TYPOLOGY_TABLE, stored.clone()).await?;
    Ok((r, stored))
}
