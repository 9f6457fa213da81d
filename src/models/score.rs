//! Scoring as of a date with a saved model, and the `risk_scores` table.
//!
//! Students whose term outcome is already recorded at the cut-off (a withdrawal, an early
//! grade) get that outcome as their score (1 or 0) with `known_outcome = true`, so a list
//! sorted by score still puts them first and nobody silently disappears.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::{BooleanArray, Date32Array, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::SessionContext;
use serde::Serialize;

use super::dataset;
use super::explain::{reasons, Reason};
use super::features::Feature;
use super::registry::{ModelFile, Target};
use super::term::{self, Cutoff};
use super::ModelError;
use crate::store::Store;

/// The store table scores are written to.
pub const RISK_SCORES: &str = "risk_scores";

/// One student's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// Student.
    pub student_id: String,
    /// Calibrated probability of the target outcome (higher = more at risk).
    pub score: f64,
    /// The estimator's score before calibration.
    pub raw_score: f64,
    /// The outcome was already recorded at the cut-off.
    pub known_outcome: bool,
    /// At or above the model's operating threshold.
    pub alert: bool,
    /// Top reasons raising the risk.
    pub reasons: Vec<Reason>,
}

/// Scores every student in scope at `as_of` (days since epoch).
pub async fn score(
    store: &Store,
    model: &ModelFile,
    as_of: i32,
    tz: chrono_tz::Tz,
) -> Result<(Cutoff, Vec<Scored>), ModelError> {
    let mut features = model.prep.features()?;
    if let Some(sub) = &model.no_history {
        // The no-history model's columns, and `prior_terms`, which says who it is for.
        for f in sub.prep.features()?.into_iter().chain([Feature::PriorTerms]) {
            if !features.contains(&f) {
                features.push(f);
            }
        }
    }
    let ctx = store.session().await?;
    let tables: BTreeSet<String> = store.table_names().into_iter().collect();
    let (cut, frame) = frame_at(&ctx, &tables, as_of, tz, &features).await?;
    let outcomes = dataset::outcomes(&ctx, &tables, &cut.term).await?;
    let x = model.prep.matrix(&frame)?;
    let no_hist = super::train::no_history(&frame);
    let sub = match &model.no_history {
        Some(s) => Some((s, s.prep.matrix(&frame)?)),
        None => None,
    };
    let mut out = Vec::with_capacity(frame.len());
    for (r, id) in frame.ids.iter().enumerate() {
        if let Some(o) = outcomes.get(id).filter(|o| o.first_recorded < cut.as_of) {
            let failed = match model.target {
                Target::AnyFail => o.failed_courses > 0,
                Target::Credits6 => o.failed_credits >= 6.0 - 1e-9,
            };
            let s = if failed { 1.0 } else { 0.0 };
            out.push(Scored {
                student_id: id.clone(),
                score: s,
                raw_score: s,
                known_outcome: true,
                alert: failed,
                reasons: Vec::new(),
            });
            continue;
        }
        let (prep, estimator, calibrator, z) = match &sub {
            Some((s, xs)) if no_hist[r] => (&s.prep, &s.estimator, &s.calibrator, xs.row(r)),
            _ => (&model.prep, &model.estimator, &model.calibrator, x.row(r)),
        };
        let raw = estimator.predict(z);
        let score = calibrator.apply(raw);
        let (_, contrib) = estimator.explain(z);
        let values: Vec<f64> = prep
            .columns
            .iter()
            .map(|c| frame.features.iter().position(|f| f.name() == c.feature).map_or(f64::NAN, |i| frame.get(r, i)))
            .collect();
        out.push(Scored {
            student_id: id.clone(),
            score,
            raw_score: raw,
            known_outcome: false,
            alert: score >= model.threshold,
            reasons: reasons(prep, &values, &contrib, 3),
        });
    }
    Ok((cut, out))
}

/// The matrix of `features` for every student in scope as of a date.
pub async fn features_at(
    store: &Store,
    as_of: i32,
    tz: chrono_tz::Tz,
    features: &[Feature],
) -> Result<(Cutoff, dataset::Frame), ModelError> {
    let ctx = store.session().await?;
    let tables: BTreeSet<String> = store.table_names().into_iter().collect();
    frame_at(&ctx, &tables, as_of, tz, features).await
}

async fn frame_at(
    ctx: &SessionContext,
    tables: &BTreeSet<String>,
    as_of: i32,
    tz: chrono_tz::Tz,
    features: &[Feature],
) -> Result<(Cutoff, dataset::Frame), ModelError> {
    let cut = term::cutoff(ctx, tables, as_of, tz).await?;
    let students = dataset::population(ctx, tables, &cut).await?;
    let frame = dataset::build(ctx, tables, &cut, &students, features).await?;
    Ok((cut, frame))
}

/// Schema of `risk_scores`.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("student_id", DataType::Utf8, false),
        Field::new("as_of", DataType::Date32, false),
        Field::new("model", DataType::Utf8, false),
        Field::new("version", DataType::Utf8, false),
        Field::new("target", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("raw_score", DataType::Float64, false),
        Field::new("known_outcome", DataType::Boolean, false),
        Field::new("alert", DataType::Boolean, false),
        Field::new("reasons_en", DataType::Utf8, false),
        Field::new("reasons_zh", DataType::Utf8, false),
        Field::new("reasons", DataType::Utf8, false),
    ]))
}

/// The scores as a batch of [`schema`].
pub fn batch(model: &ModelFile, as_of: i32, rows: &[Scored]) -> Result<RecordBatch, ModelError> {
    let text = |f: &dyn Fn(&Reason) -> String| -> Vec<String> {
        rows.iter().map(|s| s.reasons.iter().map(f).collect::<Vec<_>>().join("; ")).collect()
    };
    let n = rows.len();
    Ok(RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|s| s.student_id.as_str()))),
            Arc::new(Date32Array::from(vec![as_of; n])),
            Arc::new(StringArray::from(vec![model.name.as_str(); n])),
            Arc::new(StringArray::from(vec![model.version.as_str(); n])),
            Arc::new(StringArray::from(vec![model.target.name(); n])),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|s| s.score))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|s| s.raw_score))),
            Arc::new(BooleanArray::from(rows.iter().map(|s| s.known_outcome).collect::<Vec<_>>())),
            Arc::new(BooleanArray::from(rows.iter().map(|s| s.alert).collect::<Vec<_>>())),
            Arc::new(StringArray::from(text(&|r| r.text_en.clone()))),
            Arc::new(StringArray::from(text(&|r| r.text_zh.clone()))),
            Arc::new(StringArray::from(
                rows.iter().map(|s| serde_json::to_string(&s.reasons).unwrap_or_default()).collect::<Vec<_>>(),
            )),
        ],
    )?)
}

/// Writes the scores of one (model, as-of) to `risk_scores`, replacing earlier ones of
/// the same pair in one commit.
pub async fn write(store: &Store, model: &ModelFile, as_of: i32, rows: &[Scored]) -> Result<(), ModelError> {
    let b = batch(model, as_of, rows)?;
    let t = store.ensure(RISK_SCORES, &schema()).await?;
    let date = crate::schema::time::days_to_date(as_of);
    let pred = format!("model = '{}' AND as_of = '{date}'", model.name.replace('\'', "''"));
    store.replace_where(t, RISK_SCORES, vec![b], &pred).await?;
    Ok(())
}
