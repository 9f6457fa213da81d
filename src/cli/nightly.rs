//! The nightly steps for the command line: `crate::nightly` with its lines on stderr.

use super::{Failure, Settings};
use crate::nightly::{NightError, NightLog};
use crate::schema::time::{date_to_days, parse_date};
use crate::store::Store;

/// Progress lines on stderr (left out with `-q`); skipped products always.
pub(super) struct StderrLog {
    pub quiet: bool,
}

impl NightLog for StderrLog {
    fn info(&self, line: &str) {
        if !self.quiet {
            eprintln!("  {line}");
        }
    }
    fn warn(&self, line: &str) {
        eprintln!("radar: {line}");
    }
}

/// A failed nightly step with its exit code.
pub(super) fn failure(e: NightError) -> Failure {
    if e.is_config() {
        Failure::Usage(e.into())
    } else {
        Failure::Job(e.into())
    }
}

/// Runs the nightly products as of `as_of` (`YYYY-MM-DD`).
pub(super) async fn products(store: &Store, as_of: &str, s: &Settings) -> Result<(), Failure> {
    let Some(d) = parse_date(as_of).map(date_to_days) else {
        return Err(super::usage(format!("`{as_of}` is not a date"), "use YYYY-MM-DD"));
    };
    crate::nightly::products(store, d, s.tz, &StderrLog { quiet: s.quiet }).await.map_err(failure)?;
    Ok(())
}
