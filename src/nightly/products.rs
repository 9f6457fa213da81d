//! What the nightly refresh derives after features, risk scores and warnings, in data-flow
//! order: the lifestyle typology, the 德智体美劳 evaluation of the current term, the
//! recommendations (which read the open warnings), then every student's profile (which
//! reads them all).

use std::time::Instant;

use chrono_tz::Tz;

use super::{NightError, NightLog};
use crate::store::Store;

/// Students per chunk of the profile build.
const PROFILE_CHUNK: usize = 5_000;

/// What the products step made.
#[derive(Debug, Clone, Default)]
pub struct ProductsReport {
    /// Students in the typology (none when it was skipped).
    pub typology: Option<usize>,
    /// Students evaluated (none when it was skipped).
    pub evaluated: Option<usize>,
    /// Recommendation rows.
    pub recommendations: u64,
    /// Profiles built.
    pub profiles: usize,
}

/// Builds the nightly products as of `as_of` (days). A typology with too few students or
/// weeks, or an evaluation missing a record kind, is skipped (logged), not a failure.
pub async fn products(store: &Store, as_of: i32, tz: Tz, log: &dyn NightLog) -> Result<ProductsReport, NightError> {
    let mut out = ProductsReport::default();
    let t = Instant::now();
    let ctx = store.session().await?;
    match crate::models::typology::table::write_typology(store, &ctx, as_of, 8, None).await {
        Ok((r, _)) => {
            log.info(&format!(
                "typology: {} students in {} types in {:.2} s",
                r.students.len(),
                r.k,
                t.elapsed().as_secs_f64()
            ));
            out.typology = Some(r.students.len());
        }
        Err(e) => log.warn(&format!("typology skipped: {e}")),
    }
    let t = Instant::now();
    match evaluation(store, as_of, tz).await {
        Ok(r) => {
            log.info(&format!(
                "evaluation: {} students in term {} in {:.2} s",
                r.students.len(),
                r.term.term,
                t.elapsed().as_secs_f64()
            ));
            out.evaluated = Some(r.students.len());
        }
        Err(e) if e.is_config() => return Err(NightError::Evaluation(e)),
        Err(e) => log.warn(&format!("evaluation skipped: {e}")),
    }
    let t = Instant::now();
    let resources = crate::recommend::Resources::resolve(None).map_err(NightError::Recommend)?;
    let opts = crate::recommend::RecommendOptions::new(resources);
    let r = crate::recommend::refresh(store, as_of, tz, &opts).await.map_err(NightError::Recommend)?;
    log.info(&format!(
        "recommendations: {} rows for {} students in {:.2} s",
        r.rows,
        r.students,
        t.elapsed().as_secs_f64()
    ));
    out.recommendations = r.rows as u64;
    let t = Instant::now();
    out.profiles = crate::profile::build::build_and_publish(store, as_of, tz, PROFILE_CHUNK)
        .await
        .map_err(NightError::Profiles)?;
    log.info(&format!("profiles: {} built in {:.2} s", out.profiles, t.elapsed().as_secs_f64()));
    Ok(out)
}

/// Evaluates the term of D with the indicators of ./pipelines/evaluation (or the built-in
/// ones) and entropy weights, and writes `student_evaluation` and `evaluation_weights`.
async fn evaluation(
    store: &Store,
    d: i32,
    tz: Tz,
) -> Result<crate::evaluation::EvalReport, crate::evaluation::EvaluationError> {
    use crate::evaluation::indicators::{resolve, IndicatorSet};
    let indicators = IndicatorSet::load(resolve(None).as_deref())?;
    let now = crate::features::clock::LocalClock::new(tz).midnight(d);
    let opts = crate::evaluation::EvalOptions { term: None, now, tz, indicators, weights: None };
    let r = crate::evaluation::evaluate_students(store, &opts).await?;
    crate::evaluation::write_evaluation(store, &r).await?;
    Ok(r)
}
