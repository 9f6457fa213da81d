//! Named fail-points for crash-safety tests: `RADAR_FAILPOINT=<name>` makes the process
//! abort (as a crash would: no destructors, no flushing) when it reaches that point.
//!
//! Points: `after_batch_write` (data files written, not committed), `between_commits`
//! (data committed, quarantine not yet), `during_run_log` (before the run-log commit).

use std::sync::OnceLock;

/// Aborts the process if the fail-point `name` is armed.
pub fn hit(name: &str) {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    let armed = ARMED.get_or_init(|| std::env::var("RADAR_FAILPOINT").ok());
    if armed.as_deref() == Some(name) {
        eprintln!("radar: fail-point {name} reached, aborting");
        std::process::abort();
    }
}
