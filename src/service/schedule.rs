//! The nightly schedule inside `radar serve`: at `schedule` (`HH:MM`, campus zone) every
//! night, the same night as `radar schedule` ([`crate::nightly`]). Its duration and outcome
//! go to `/metrics`; a failed night is in `refresh_runs` (so on `/runs`).

use std::future::Future;

use super::AppState;
use crate::nightly::{self, NightError, NightOptions, NightReport};
use crate::refresh::Quiet;
use crate::store::Store;

/// Runs a night at `at` every day until `shutdown` completes. A night under way when
/// the service stops is abandoned: its refresh is marked failed (`interrupted`) by the
/// next one, and the previous publish stays in place.
pub async fn run(state: AppState, at: String, shutdown: impl Future<Output = ()>) {
    let Some(at) = nightly::at::parse_at(&at) else {
        tracing::error!(schedule = at.as_str(), "schedule is not HH:MM: no nightly refresh");
        return;
    };
    tokio::pin!(shutdown);
    loop {
        // The schedule follows the wall clock even when the service runs on a fixed clock.
        let now = chrono::Utc::now().timestamp_micros();
        let next = nightly::at::next_run(now, at, state.tz());
        tracing::info!(next = crate::schema::time::format_timestamp(next, state.tz()).as_str(), "next night");
        let wait = std::time::Duration::from_micros((next - now).max(0) as u64);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = &mut shutdown => return,
        }
        tokio::select! {
            _ = run_night_now(&state) => {}
            _ = &mut shutdown => {
                tracing::warn!("shutting down during the night: it is abandoned");
                return;
            }
        }
    }
}

/// Runs one night now, on the service's clock, and records its duration and outcome in
/// the metrics. The schedule calls it at `schedule`; tests call it directly.
pub async fn run_night_now(state: &AppState) -> NightReport {
    let cfg = state.config();
    let opts = NightOptions {
        tz: state.tz(),
        now: state.now(),
        models: cfg.models.clone(),
        rules: cfg.rules.clone(),
        pipelines: cfg.pipelines.clone(),
        capacity: cfg.capacity.map(|c| c as usize),
        holder: format!("radar serve (pid {})", std::process::id()),
    };
    let now = opts.now;
    let report = on_own_runtime(state.root().to_path_buf(), opts).await;
    let m = state.metrics();
    m.night_seconds.set(report.seconds);
    if report.ok() {
        m.nights.with_label_values(&["ok"]).inc();
        tracing::info!(seconds = report.seconds, "night ok");
    } else {
        m.nights.with_label_values(&["failed"]).inc();
        for e in &report.failures {
            tracing::error!(step = e.step(), error = %e, "night failed");
        }
    }
    // The digests follow the night's warnings; a failure is logged and counted, and the
    // undelivered warnings are tried again after the next night.
    if cfg.notify.is_some() {
        match crate::notify::NotifyConfig::from_table(cfg.notify.as_ref()) {
            Ok(ncfg) => match crate::notify::after_night(state.root(), &ncfg, now).await {
                Ok(r) => tracing::info!(sent = r.sent, failed = r.failed, skipped = r.skipped, "notifications"),
                Err(e) => tracing::error!(error = %e, "notifications failed"),
            },
            Err(e) => tracing::error!(error = %e, "notification settings"),
        }
    }
    report
}

/// Runs the night on a runtime of its own, in its own thread: the refresh, the models and
/// the profile build compute for minutes in places, and must not hold the workers that
/// answer requests.
async fn on_own_runtime(root: std::path::PathBuf, opts: NightOptions) -> NightReport {
    let failed = |e: std::io::Error| NightReport {
        started_at: opts.now,
        failures: vec![NightError::Runtime(e)],
        ..NightReport::default()
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job = opts.clone();
    let spawned = std::thread::Builder::new().name("radar-night".into()).spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().thread_name("radar-night").enable_all().build();
        let report = match rt {
            Ok(rt) => rt.block_on(async {
                match Store::open_existing(&root) {
                    Ok(store) => nightly::run(&store, &job, &Quiet, &nightly::TracingLog).await,
                    Err(e) => NightReport {
                        started_at: job.now,
                        failures: vec![NightError::Store(e)],
                        ..NightReport::default()
                    },
                }
            }),
            Err(e) => {
                NightReport { started_at: job.now, failures: vec![NightError::Runtime(e)], ..NightReport::default() }
            }
        };
        let _ = tx.send(report);
    });
    if let Err(e) = spawned {
        return failed(e);
    }
    match rx.await {
        Ok(r) => r,
        // The thread ended without a report: it panicked.
        Err(_) => failed(std::io::Error::other("the night's thread ended without a report")),
    }
}
