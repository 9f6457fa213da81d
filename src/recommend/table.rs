//! The `recommendations` store table: one row per suggestion, ranked per student and
//! as-of date. A run for date D replaces D's rows in one Delta commit, so re-running a
//! night changes nothing and readers never see half a night.

use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use futures::TryStreamExt;

use super::{Kind, RecommendError, Recommendation};
use crate::features::cols::{floats, ints, strs};
use crate::schema::time::days_to_date;
use crate::store::Store;

/// The table's name.
pub const TABLE: &str = "recommendations";

/// Rows per written batch.
const BATCH_ROWS: usize = 65_536;

/// The table's schema.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("student_id", DataType::Utf8, false),
        Field::new("as_of", DataType::Date32, false),
        Field::new("rank", DataType::Int64, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("item_id", DataType::Utf8, false),
        Field::new("title", DataType::Utf8, false),
        Field::new("title_en", DataType::Utf8, false),
        Field::new("detail", DataType::Utf8, true),
        Field::new("score", DataType::Float64, false),
        Field::new("reason_zh", DataType::Utf8, false),
        Field::new("reason_en", DataType::Utf8, false),
    ]))
}

/// Recommendations as a batch of [`schema`].
pub fn batch(rows: &[Recommendation]) -> Result<RecordBatch, RecommendError> {
    let text = |f: &dyn Fn(&Recommendation) -> &str| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let cols: Vec<ArrayRef> = vec![
        text(&|r| r.student_id.as_str()),
        Arc::new(Date32Array::from(rows.iter().map(|r| r.as_of).collect::<Vec<_>>())),
        Arc::new(Int64Array::from(rows.iter().map(|r| r.rank).collect::<Vec<_>>())),
        text(&|r| r.kind.name()),
        text(&|r| r.item_id.as_str()),
        text(&|r| r.title.as_str()),
        text(&|r| r.title_en.as_str()),
        Arc::new(StringArray::from(rows.iter().map(|r| r.detail.as_deref()).collect::<Vec<_>>())),
        Arc::new(Float64Array::from(rows.iter().map(|r| r.score).collect::<Vec<_>>())),
        text(&|r| r.reason_zh.as_str()),
        text(&|r| r.reason_en.as_str()),
    ];
    Ok(RecordBatch::try_new(schema(), cols)?)
}

/// Replaces the rows of `as_of` with `rows` in one commit.
pub async fn write(store: &Store, as_of: i32, rows: &[Recommendation]) -> Result<(), RecommendError> {
    let mut batches = Vec::new();
    for chunk in rows.chunks(BATCH_ROWS) {
        batches.push(batch(chunk)?);
    }
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema()));
    }
    let t = store.ensure(TABLE, &schema()).await?;
    let pred = format!("as_of = '{}'", days_to_date(as_of));
    store.replace_where(t, TABLE, batches, &pred).await?;
    Ok(())
}

/// The stored rows of one student for `as_of`, by rank; `None` when the table holds no
/// row of that date at all (never computed for D).
pub async fn read(store: &Store, as_of: i32, student: &str) -> Result<Option<Vec<Recommendation>>, RecommendError> {
    let date = days_to_date(as_of);
    let on = format!("as_of = CAST('{date}' AS DATE)");
    let sql = format!(
        "SELECT student_id, rank, kind, item_id, title, title_en, detail, score, reason_zh, reason_en \
         FROM t WHERE {on} AND student_id = '{}' ORDER BY rank",
        student.replace('\'', "''")
    );
    let Some(mut stream) = store.stream_table(TABLE, &sql).await? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    while let Some(b) = stream.try_next().await? {
        let (sid, rank, kind, item) =
            (strs(&b, "student_id")?, ints(&b, "rank")?, strs(&b, "kind")?, strs(&b, "item_id")?);
        let (title, title_en, detail) = (strs(&b, "title")?, strs(&b, "title_en")?, strs(&b, "detail")?);
        let (score, zh, en) = (floats(&b, "score")?, strs(&b, "reason_zh")?, strs(&b, "reason_en")?);
        for i in 0..b.num_rows() {
            out.push(Recommendation {
                student_id: sid.get(i).to_string(),
                as_of,
                rank: rank.value(i),
                kind: Kind::parse(kind.get(i)).unwrap_or(Kind::Activity),
                item_id: item.get(i).to_string(),
                title: title.get(i).to_string(),
                title_en: title_en.get(i).to_string(),
                detail: (!detail.is_null(i)).then(|| detail.get(i).to_string()),
                score: score.value(i),
                reason_zh: zh.get(i).to_string(),
                reason_en: en.get(i).to_string(),
            });
        }
    }
    if out.is_empty() {
        // No row for this student: was date D computed at all?
        let any = store.query_table(TABLE, &format!("SELECT 1 AS x FROM t WHERE {on} LIMIT 1")).await?;
        if any.iter().all(|b| b.num_rows() == 0) {
            return Ok(None);
        }
    }
    Ok(Some(out))
}
