//! The nightly schedule inside the service: a night's outcome and duration reach
//! `/metrics`, and a failed night is a `failed` row of `refresh_runs` (what `/runs` lists).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use campus_radar::service::schedule::run_night_now;
use campus_radar::service::{router, AppState, ServiceConfig};
use tower::ServiceExt;

use crate::util::{ok, sample, TestStore, NOW};

fn state(s: &TestStore, tweak: impl FnOnce(&mut ServiceConfig)) -> AppState {
    let now = campus_radar::schema::time::parse_clock(NOW, chrono_tz::Asia::Shanghai);
    let mut cfg = ServiceConfig { store: s.path(), models: s.scratch("no-models"), ..ServiceConfig::default() };
    tweak(&mut cfg);
    AppState::new(cfg, now).expect("state")
}

async fn metrics(state: &AppState) -> String {
    let res =
        router(state.clone()).oneshot(Request::get("/metrics").body(Body::empty()).expect("req")).await.expect("res");
    assert_eq!(res.status(), StatusCode::OK);
    let body = axum::body::to_bytes(res.into_body(), 1 << 24).await.expect("body");
    String::from_utf8_lossy(&body).into_owned()
}

/// The value of the metric line that starts with `name` (labels included).
fn value(text: &str, name: &str) -> Option<f64> {
    text.lines().find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))?.rsplit(' ').next()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_night_that_cannot_load_its_pipeline_fails_visibly() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus")]));
    let broken = s.scratch("pipelines");
    std::fs::create_dir_all(&broken).expect("mkdir");
    std::fs::write(broken.join("student_week.toml"), "name = \"student_week\"\ntype = [unclosed\n").expect("write");
    let st = state(&s, |c| c.pipelines = Some(broken.clone()));

    let report = run_night_now(&st).await;
    assert!(!report.ok());
    assert_eq!(report.failures.iter().map(|e| e.step()).collect::<Vec<_>>(), ["refresh"]);
    assert!(report.refresh.is_none() && report.warnings.is_none());

    let m = metrics(&st).await;
    assert_eq!(value(&m, "radar_nightly_runs_total{outcome=\"failed\"}"), Some(1.0), "{m}");
    assert_eq!(value(&m, "radar_nightly_runs_total{outcome=\"ok\"}"), None, "{m}");
    let secs = value(&m, "radar_nightly_last_duration_seconds").expect("duration");
    assert!(secs > 0.0 && (secs - report.seconds).abs() < 1e-9, "{secs} vs {}", report.seconds);
    // The refresh failed before it could record itself: the night recorded it.
    let rows = s.sql("SELECT status, error, as_of FROM refresh_runs");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], "failed");
    assert!(rows[1][1].contains("student_week.toml"), "{rows:?}");
    assert_eq!(rows[1][2], "2025-09-22");
    assert!(!s.path().join("_published.json").exists(), "nothing was published");

    // The next night with the pipeline fixed succeeds, and both outcomes are counted.
    std::fs::remove_file(broken.join("student_week.toml")).expect("rm");
    let fixed = state(&s, |c| c.pipelines = None);
    let report = run_night_now(&fixed).await;
    assert!(report.ok(), "{:?}", report.failures);
    assert!(report.refresh.is_some() && report.warnings.is_some() && report.products.is_some());
    let m = metrics(&fixed).await;
    assert_eq!(value(&m, "radar_nightly_runs_total{outcome=\"ok\"}"), Some(1.0), "{m}");
    assert_eq!(s.count("SELECT count(*) FROM refresh_runs WHERE status = 'ok'"), 1);
    assert_eq!(s.count("SELECT count(*) FROM refresh_runs WHERE status = 'failed'"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_night_whose_scoring_fails_after_the_refresh_marks_its_run_failed() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus")]));
    // The registry names a nightly model that is not there: the refresh publishes, then
    // the scoring fails; the warnings and the products still run.
    let models = s.scratch("models");
    std::fs::create_dir_all(&models).expect("mkdir");
    std::fs::write(models.join("NIGHTLY"), "gone\n").expect("write");
    let st = state(&s, |c| c.models = models.clone());

    let report = run_night_now(&st).await;
    assert_eq!(report.failures.iter().map(|e| e.step()).collect::<Vec<_>>(), ["score"]);
    let run_id = report.refresh.as_ref().map(|r| r.run_id.clone()).expect("the refresh ran");
    assert!(report.warnings.is_some() && report.products.is_some());
    assert!(s.path().join("_published.json").exists());

    let m = metrics(&st).await;
    assert_eq!(value(&m, "radar_nightly_runs_total{outcome=\"failed\"}"), Some(1.0), "{m}");
    let rows = s.sql(&format!("SELECT status, error, steps FROM refresh_runs WHERE run_id = '{run_id}'"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], "failed");
    assert!(rows[1][1].starts_with("after the refresh: risk scores:"), "{rows:?}");
    assert!(rows[1][2].contains("student_week"), "the steps are kept: {rows:?}");
}

#[tokio::test]
async fn the_schedule_stops_when_the_service_does() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv")]));
    let st = state(&s, |_| {});
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(campus_radar::service::schedule::run(st.clone(), "02:30".into(), async move {
        let _ = rx.await;
    }));
    tx.send(()).expect("send");
    tokio::time::timeout(std::time::Duration::from_secs(10), task).await.expect("stopped").expect("joined");
    // It waited for 02:30 and never ran a night.
    assert!(!s.path().join("refresh_runs").exists());
    assert_eq!(value(&metrics(&st).await, "radar_nightly_runs_total{outcome=\"failed\"}"), None);
}
