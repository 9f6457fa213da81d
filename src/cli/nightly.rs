//! What the nightly refresh derives after features, risk scores and warnings, in data-flow
//! order: the lifestyle typology, the 德智体美劳 evaluation of the current term, the
//! recommendations (which read the open warnings), then every student's profile (which
//! reads them all).

use std::time::Instant;

use super::{Failure, Settings};
use crate::schema::time::{date_to_days, parse_date};
use crate::store::Store;

/// Runs the nightly products as of `as_of` (`YYYY-MM-DD`).
pub(super) async fn products(store: &Store, as_of: &str, s: &Settings) -> Result<(), Failure> {
    let Some(d) = parse_date(as_of).map(date_to_days) else {
        return Err(super::usage(format!("`{as_of}` is not a date"), "use YYYY-MM-DD"));
    };
    let t = Instant::now();
    let ctx = store.session().await.map_err(crate::Error::from)?;
    // Too few students or weeks to cluster is not a failed night: the profile then has
    // no lifestyle type, and says so.
    match super::analysis_cmd::typology_table(store, &ctx, d, 8, None).await {
        Ok((r, _)) if !s.quiet => {
            eprintln!(
                "  typology: {} students in {} types in {:.2} s",
                r.students.len(),
                r.k,
                t.elapsed().as_secs_f64()
            )
        }
        Ok(_) => {}
        Err(Failure::Job(e) | Failure::Usage(e)) => eprintln!("radar: typology skipped: {e:#}"),
        Err(Failure::Reported) => {}
    }
    let t = Instant::now();
    match evaluation(store, d, s).await {
        Ok(Some(r)) if !s.quiet => eprintln!(
            "  evaluation: {} students in term {} in {:.2} s",
            r.students.len(),
            r.term.term,
            t.elapsed().as_secs_f64()
        ),
        Ok(_) => {}
        // A campus with no record an indicator reads (yet) is not a failed night either.
        Err(e) if e.is_config() => return Err(Failure::Usage(e.into())),
        Err(e) => eprintln!("radar: evaluation skipped: {e}"),
    }
    let t = Instant::now();
    let resources = crate::recommend::Resources::resolve(None).map_err(crate::Error::from)?;
    let opts = crate::recommend::RecommendOptions::new(resources);
    match crate::recommend::refresh(store, d, s.tz, &opts).await {
        Ok(r) if !s.quiet => eprintln!(
            "  recommendations: {} rows for {} students in {:.2} s",
            r.rows,
            r.students,
            t.elapsed().as_secs_f64()
        ),
        Ok(_) => {}
        Err(e) if e.is_config() => return Err(Failure::Usage(e.into())),
        Err(e) => return Err(Failure::Job(e.into())),
    }
    let t = Instant::now();
    let n = super::profile_cmd::build_all(store, d, s).await?;
    if !s.quiet {
        eprintln!("  profiles: {n} built in {:.2} s", t.elapsed().as_secs_f64());
    }
    Ok(())
}

/// Evaluates the term of D with the indicators of ./pipelines/evaluation (or the built-in
/// ones) and entropy weights, and writes `student_evaluation` and `evaluation_weights`.
async fn evaluation(
    store: &Store,
    d: i32,
    s: &Settings,
) -> Result<Option<crate::evaluation::EvalReport>, crate::evaluation::EvaluationError> {
    use crate::evaluation::indicators::{resolve, IndicatorSet};
    let indicators = IndicatorSet::load(resolve(None).as_deref())?;
    let now = crate::features::clock::LocalClock::new(s.tz).midnight(d);
    let opts = crate::evaluation::EvalOptions { term: None, now, tz: s.tz, indicators, weights: None };
    let r = crate::evaluation::evaluate_students(store, &opts).await?;
    crate::evaluation::write_evaluation(store, &r).await?;
    Ok(Some(r))
}
