//! `radar refresh`: incremental equals full over data ingested in slices (late arrivals
//! included), atomic publish when a step fails, the run log, the lock, the pipeline
//! checks and tests, and an independent re-computation of the reference features.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use campus_radar::schema::time::{format_timestamp, parse_date, parse_timestamp};
use campus_radar::schema::{ColType, KindSpec, ALL_KINDS};

use crate::util::*;

const SH: chrono_tz::Tz = chrono_tz::Asia::Shanghai;
const DERIVED: [&str; 5] =
    ["student_week", "student_week_baseline", "student_term", "student_term_coursework", "student_week_coursework"];

fn radar(s: &TestStore, now: &str, args: &[&str]) -> Output {
    s.cmd(now).args(args).output().expect("run radar")
}

fn generate(out: &Path, students: &str, weeks: &str) -> String {
    generate_campus(out, students, weeks, "3")
}

/// Local date (YYYY-MM-DD) of a row's event time, if it has one.
fn event_date(kind: &KindSpec, header: &csv::StringRecord, row: &csv::StringRecord) -> Option<String> {
    let col = kind.columns.iter().find(|c| c.event_time)?;
    let i = header.iter().position(|h| h == col.name)?;
    let v = row.get(i)?;
    match col.ty {
        ColType::Date => Some(v.to_string()),
        _ => parse_timestamp(v, SH).map(|t| format_timestamp(t, SH)[..10].to_string()),
    }
}

/// Splits every file of `src` into slices by event date: slice i holds the rows dated
/// before `cuts[i]` (and after the previous cut); every 40th event row is held back to
/// the last slice to play a late arrival. Dimension rows and undated rows go to slice 0.
fn slice(src: &Path, dst: &Path, cuts: &[&str]) -> Vec<std::path::PathBuf> {
    let dirs: Vec<_> = (0..=cuts.len()).map(|i| dst.join(format!("slice{i}"))).collect();
    for d in &dirs {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    for kind in ALL_KINDS.iter() {
        let path = src.join(format!("{}.csv", kind.name));
        let Ok(mut r) = csv::Reader::from_path(&path) else { continue };
        let header = r.headers().expect("header").clone();
        let mut writers: Vec<csv::Writer<std::fs::File>> = dirs
            .iter()
            .map(|d| {
                let mut w = csv::Writer::from_path(d.join(format!("{}.csv", kind.name))).expect("create");
                w.write_record(&header).expect("write");
                w
            })
            .collect();
        for (n, row) in r.records().enumerate() {
            let row = row.expect("row");
            let mut which = match event_date(kind, &header, &row) {
                Some(d) => cuts.iter().position(|c| d.as_str() < *c).unwrap_or(cuts.len()),
                None => 0,
            };
            if kind.is_event() && n % 40 == 7 {
                which = cuts.len();
            }
            writers[which].write_record(&row).expect("write");
        }
        for mut w in writers {
            w.flush().expect("flush");
        }
    }
    dirs
}

fn refresh_json(s: &TestStore, now: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["refresh", "--format", "json"];
    args.extend_from_slice(extra);
    let out = radar(s, now, &args);
    ok(&out);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    rows.into_iter().next().expect("a step row")
}

fn snapshot(s: &TestStore) -> BTreeMap<&'static str, Vec<Vec<String>>> {
    DERIVED.iter().map(|t| (*t, s.table(t))).collect()
}

#[test]
fn incremental_refreshes_over_slices_equal_a_full_refresh() {
    let s = TestStore::new();
    let gen = s.scratch("gen");
    let now = generate(&gen, "150", "4");
    let cuts = ["2025-09-12", "2025-09-17", "2025-09-24"];
    let slices = slice(&gen, &s.scratch("slices"), &cuts);
    ok(&s.ingest_at(&now, &[&slices[0]]));
    let first = refresh_json(&s, &now, &["--as-of", "2025-09-12"]);
    assert_eq!(first["mode"], "full", "{first}");
    // The as-of date moves on with no new data, then each slice arrives.
    let r = refresh_json(&s, &now, &["--as-of", "2025-09-14"]);
    assert_eq!(r["mode"], "incremental", "{r}");
    for (slice, as_of) in [(&slices[1], "2025-09-17"), (&slices[2], "2025-09-24"), (&slices[3], "2025-10-06")] {
        ok(&s.ingest_at(&now, &[slice]));
        let r = refresh_json(&s, &now, &["--as-of", as_of]);
        assert_eq!(r["mode"], "incremental", "{r}");
    }
    // Nothing new: a second refresh on the same date recomputes no week.
    let again = radar(&s, &now, &["refresh", "--as-of", "2025-10-06", "--format", "json"]);
    ok(&again);
    assert!(String::from_utf8_lossy(&again.stderr).contains("no weekly step needs recomputing"), "{}", stderr(&again));
    let incremental = snapshot(&s);
    assert!(incremental["student_week"].len() > 150 * 3, "{}", incremental["student_week"].len());
    let full = refresh_json(&s, &now, &["--as-of", "2025-10-06", "--full"]);
    assert_eq!(full["mode"], "full");
    let full_tables = snapshot(&s);
    for t in DERIVED {
        let (a, b) = (&incremental[t], &full_tables[t]);
        assert_eq!(a.len(), b.len(), "{t}: row counts differ");
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x, y, "{t}: incremental and full differ");
        }
    }
    // The run log has one finished row per refresh.
    let runs = s.sql("SELECT status, mode FROM refresh_runs ORDER BY started_at");
    assert_eq!(runs.len() - 1, 7, "{runs:?}");
    assert!(runs[1..].iter().all(|r| r[0] == "ok"), "{runs:?}");
    let listed = radar(&s, &now, &["runs", "--format", "csv"]);
    ok(&listed);
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 8);
}

/// A pipeline directory: the built-in steps plus `extra` files.
fn pipelines_with(s: &TestStore, name: &str, extra: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = s.scratch(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for e in std::fs::read_dir(repo().join("pipelines")).expect("pipelines").flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
        }
    }
    for (f, text) in extra {
        std::fs::write(dir.join(f), text).expect("write");
    }
    dir
}

#[test]
fn a_failing_step_fails_the_run_and_leaves_the_published_results() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus")]));
    ok(&radar(&s, NOW, &["refresh", "--as-of", "2025-09-15"]));
    let before = s.table("student_week");
    let bad = pipelines_with(
        &s,
        "bad",
        &[("zz_fail.toml", "[[step]]\nname = \"zz_fail\"\ninputs = [\"student_week\"]\nsql = \"SELECT CAST(concat('x', student_id) AS INT) AS n FROM student_week\"\n")],
    );
    let later = "2025-09-22T09:00:00+08:00";
    let out = s.cmd(later).args(["refresh", "--as-of", "2025-09-22", "--pipelines"]).arg(&bad).output().expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("step `zz_fail` failed"), "{}", stderr(&out));
    assert_eq!(s.table("student_week"), before, "the failed run's student_week became visible");
    let runs = s.sql("SELECT status, error FROM refresh_runs ORDER BY started_at");
    assert_eq!(runs.last().map(|r| r[0].as_str()), Some("failed"), "{runs:?}");
    assert!(runs.last().is_some_and(|r| r[1].contains("zz_fail")), "{runs:?}");
    // The next good run recovers (a full run, since outputs changed after the publish).
    let out = radar(&s, "2025-09-22T10:00:00+08:00", &["refresh", "--as-of", "2025-09-22"]);
    ok(&out);
    assert!(stderr(&out).contains("full"), "{}", stderr(&out));
}

#[test]
fn validate_names_both_ends_of_a_bad_edge_and_a_step_that_does_not_plan() {
    let s = TestStore::new();
    let cases = [
        ("unknown", "[[step]]\nname = \"x\"\ninputs = [\"nowhere\"]\nsql = \"SELECT 1 AS a\"\n", vec!["nowhere", "`x`"]),
        (
            "cycle",
            "[[step]]\nname = \"a\"\ninputs = [\"b\"]\nsql = \"SELECT * FROM b\"\n[[step]]\nname = \"b\"\ninputs = [\"a\"]\nsql = \"SELECT * FROM a\"\n",
            vec!["cycle", "a → b → a"],
        ),
        ("noplan", "[[step]]\nname = \"y\"\ninputs = [\"grades\"]\nsql = \"SELECT no_such_column FROM grades\"\n", vec!["`y`", "does not plan"]),
        ("undeclared", "[[step]]\nname = \"z\"\ninputs = []\nsql = \"SELECT * FROM student_term\"\n", vec!["`z`", "student_term"]),
    ];
    for (name, text, wants) in cases {
        let dir = pipelines_with(&s, name, &[("zz.toml", text)]);
        let out = s.cmd(NOW).args(["pipelines", "validate", "--pipelines"]).arg(&dir).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        for w in wants {
            assert!(stderr(&out).contains(w), "{name}: `{w}` not in {}", stderr(&out));
        }
    }
    let out = s.cmd(NOW).args(["pipelines", "validate"]).current_dir(repo()).output().expect("run");
    ok(&out);
}

#[test]
fn pipeline_tests_beside_the_pipelines_pass() {
    let s = TestStore::new();
    let out = s.cmd(NOW).args(["pipelines", "test"]).current_dir(repo()).output().expect("run");
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(" 0 failed") && !text.contains("FAIL"), "{text}");
    // A wrong expectation fails, naming the row and column.
    let dir = s.scratch("wrong");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let orig = std::fs::read_to_string(repo().join("pipelines/tests/15_term_credits_gpa.toml")).expect("read test");
    let altered = orig.replacen("S1,2024-2025-2,15.0,", "S1,2024-2025-2,99.0,", 1);
    assert_ne!(orig, altered);
    std::fs::write(dir.join("t.toml"), altered).expect("write");
    let out = s.cmd(NOW).args(["pipelines", "test"]).arg(&dir).current_dir(repo()).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("attempted_credits: expected `99.0`"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Takes the store's writer lock as a running writer would; dropping it releases it.
fn hold_refresh_lock(s: &TestStore) -> std::fs::File {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(s.path().join("_writer.lock"))
        .expect("open lock");
    lock.try_lock().expect("take the lock");
    lock
}

#[test]
fn a_second_refresh_while_one_runs_exits_with_a_clear_message() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus")]));
    let lock = hold_refresh_lock(&s);
    let out = radar(&s, NOW, &["refresh"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("another writer is using this store"), "{}", stderr(&out));
    drop(lock);
    ok(&radar(&s, NOW, &["refresh"]));
}

#[test]
fn an_independent_implementation_agrees_on_a_generated_campus() {
    let s = TestStore::new();
    let gen = s.scratch("gen");
    let now = generate(&gen, "200", "3");
    ok(&s.ingest_at(&now, &[&gen]));
    let as_of = "2025-09-26"; // mid-week: clipping, a short span end
    assert!(parse_date(as_of).is_some());
    ok(&radar(&s, &now, &["refresh", "--as-of", as_of]));
    let ours = s.scratch("ours");
    std::fs::create_dir_all(&ours).expect("mkdir");
    for t in ["student_week", "student_term"] {
        let out = radar(&s, &now, &["sql", &format!("SELECT * FROM {t}"), "--format", "csv"]);
        ok(&out);
        std::fs::write(ours.join(format!("{t}.csv")), &out.stdout).expect("write");
    }
    let refdir = s.scratch("reference");
    let out = Command::new("python3")
        .arg(repo().join("scripts/reference_features.py"))
        .arg("--store")
        .arg(s.path())
        .args(["--as-of", as_of, "--tz", "Asia/Shanghai", "--out"])
        .arg(&refdir)
        .arg("--compare-dir")
        .arg(&ours)
        .output()
        .expect("run python3 (scripts/test.sh installs its packages)");
    assert!(
        out.status.success(),
        "reference features disagree:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

#[test]
fn a_run_killed_before_publishing_leaves_the_last_publish_and_is_marked_failed() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus")]));
    ok(&radar(&s, NOW, &["refresh", "--as-of", "2025-09-15"]));
    let before = s.table("student_week");
    let out = s
        .cmd("2025-09-22T09:00:00+08:00")
        .env("RADAR_FAILPOINT", "before_publish")
        .args(["refresh", "--as-of", "2025-09-22"])
        .output()
        .expect("run");
    assert!(!out.status.success(), "the fail-point did not fire");
    // Every step committed its table, but readers still see the last publish.
    assert_eq!(s.table("student_week"), before);
    let out = radar(&s, "2025-09-22T10:00:00+08:00", &["refresh", "--as-of", "2025-09-22"]);
    ok(&out);
    assert!(stderr(&out).contains("full"), "{}", stderr(&out));
    assert_ne!(s.table("student_week"), before);
    let runs = s.sql("SELECT status, error FROM refresh_runs ORDER BY started_at");
    let statuses: Vec<&str> = runs[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(statuses, ["ok", "failed", "ok"], "{runs:?}");
    assert!(runs[2][1].contains("interrupted"), "{runs:?}");
}

#[test]
fn a_run_killed_after_publishing_is_logged_ok_not_failed() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus")]));
    let out = s
        .cmd(NOW)
        .env("RADAR_FAILPOINT", "after_publish")
        .args(["refresh", "--as-of", "2025-09-15"])
        .output()
        .expect("run");
    assert!(stderr(&out).contains("after_publish"), "the fail-point did not fire: {}", stderr(&out));
    let published = s.table("student_week");
    assert!(!published.is_empty(), "the run published");
    ok(&radar(&s, "2025-09-22T10:00:00+08:00", &["refresh", "--as-of", "2025-09-22"]));
    let runs = s.sql("SELECT as_of, status FROM refresh_runs ORDER BY started_at");
    let statuses: Vec<(&str, &str)> = runs[1..].iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(statuses, [("2025-09-15", "ok"), ("2025-09-22", "ok")], "{runs:?}");
}

#[test]
fn refresh_wait_waits_for_the_running_one_and_schedule_runs_now_too() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus")]));
    let lock = hold_refresh_lock(&s);
    let child = s
        .cmd(NOW)
        .args(["refresh", "--wait"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(800));
    assert!(s.sql("SELECT count(*) FROM ingest_runs").len() == 2);
    assert!(!s.path().join("_published.json").exists(), "refreshed while the lock was held");
    drop(lock);
    let out = child.wait_with_output().expect("wait");
    ok(&out);
    assert!(s.path().join("_published.json").exists());
    // The scheduler's first run, right away, then it stops (--max-runs 1).
    let out = radar(&s, NOW, &["schedule", "--at", "02:30", "--now-too", "--max-runs", "1"]);
    ok(&out);
    assert!(stderr(&out).contains("ok ("), "{}", stderr(&out));
    assert_eq!(s.count("SELECT count(*) FROM refresh_runs WHERE status = 'ok'"), 2);
}
