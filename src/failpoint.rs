//! Named fail-points for crash-safety tests: `RADAR_FAILPOINT=<name>` makes the process
//! abort (as a crash would: no destructors, no flushing) when it reaches that point, or,
//! for an error point, makes that operation fail as an I/O error would.
//!
//! Crash points: `after_batch_write` (data files written, not committed), `between_commits`
//! (data committed, quarantine not yet), `sync_after_quarantine_delete`,
//! `sync_after_replay_append`, `sync_after_replay_delete` (between the quarantine sync's
//! commits), `during_run_log` (before the run-log commit), `before_publish`, `after_publish` (refresh).
//! Error points: `quarantine_sync` (the quarantine sync fails after the data commit).

use std::sync::OnceLock;

fn armed() -> Option<&'static str> {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED.get_or_init(|| std::env::var("RADAR_FAILPOINT").ok()).as_deref()
}

/// Aborts the process if the fail-point `name` is armed.
pub fn hit(name: &str) {
    if armed() == Some(name) {
        eprintln!("radar: fail-point {name} reached, aborting");
        std::process::abort();
    }
}

/// Whether the error fail-point `name` is armed: the caller then fails as its operation could.
pub fn fails(name: &str) -> bool {
    armed() == Some(name)
}
