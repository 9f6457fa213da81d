//! What the nightly refresh derives after features, risk scores and warnings, in data-flow
//! order: the lifestyle typology, then every student's profile (which reads them all).

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
    let n = super::profile_cmd::build_all(store, d, s).await?;
    if !s.quiet {
        eprintln!("  profiles: {n} built in {:.2} s", t.elapsed().as_secs_f64());
    }
    Ok(())
}
