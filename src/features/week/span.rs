//! The data set's span: the first to the last local date over every timestamp and date
//! column of every stored event kind (`due_at` and `leave_requests` excluded), ending at D − 1 at the latest.

use chrono_tz::Tz;
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

use crate::features::clock::LocalClock;
use crate::features::FeatureError;
use crate::schema::{ColType, KindSpec, ALL_KINDS};

/// The timestamp and date columns that make up the span.
pub fn span_columns() -> Vec<(&'static KindSpec, &'static str, ColType)> {
    ALL_KINDS
        .iter()
        .filter(|k| k.in_span())
        .flat_map(|k| {
            k.columns
                .iter()
                .filter(|c| matches!(c.ty, ColType::Timestamp | ColType::Date) && c.name != "due_at")
                .map(move |c| (*k, c.name, c.ty))
        })
        .collect()
}

/// First and last local date (days since epoch) of the span, `None` when no event
/// record is visible.
pub async fn span(ctx: &SessionContext, as_of: i32, tz: Tz) -> Result<Option<(i32, i32)>, FeatureError> {
    let mut lo: Option<i32> = None;
    let mut hi: Option<i32> = None;
    let mut local = LocalClock::new(tz);
    for (kind, col, ty) in span_columns() {
        let sql = match ty {
            ColType::Date => {
                format!("SELECT CAST(min({col}) AS INT) AS lo, CAST(max({col}) AS INT) AS hi FROM {}", kind.name)
            }
            _ => {
                format!("SELECT CAST(min({col}) AS BIGINT) AS lo, CAST(max({col}) AS BIGINT) AS hi FROM {}", kind.name)
            }
        };
        let batches: Vec<arrow::array::RecordBatch> =
            ctx.sql(&sql).await?.execute_stream().await?.try_collect().await?;
        for b in &batches {
            let lo_a = arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Int64)?;
            let hi_a = arrow::compute::cast(b.column(1), &arrow::datatypes::DataType::Int64)?;
            let (lo_a, hi_a) = (
                arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(&lo_a),
                arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(&hi_a),
            );
            for i in 0..b.num_rows() {
                if arrow::array::Array::is_null(lo_a, i) {
                    continue;
                }
                let (a, z) = match ty {
                    ColType::Date => (lo_a.value(i) as i32, hi_a.value(i) as i32),
                    _ => (local.local(lo_a.value(i)).0, local.local(hi_a.value(i)).0),
                };
                lo = Some(lo.map_or(a, |l| l.min(a)));
                hi = Some(hi.map_or(z, |h| h.max(z)));
            }
        }
    }
    Ok(match (lo, hi) {
        (Some(l), Some(h)) => Some((l, h.min(as_of - 1))),
        _ => None,
    })
}
