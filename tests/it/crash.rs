//! Crash safety: named fail-points and SIGKILLs at random moments of a real ingest. After
//! each crash the store opens, and a re-run ends with exactly the expected rows.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use crate::util::*;

/// Expected outcome of the generated file: distinct good ids and quarantined rows.
struct Input {
    path: PathBuf,
    distinct_good: i64,
    bad: i64,
}

/// A card file of `n` rows for the sample students: every 997th row has a bad amount,
/// every 501st repeats an earlier id.
fn make_input(dir: &Path, n: usize) -> Input {
    let students: Vec<String> = {
        let mut r = csv::Reader::from_path(sample("campus/students.csv")).expect("students");
        r.records().map(|x| x.expect("row")[0].to_string()).collect()
    };
    let path = dir.join("card_transactions-big.csv");
    let mut w = csv::Writer::from_path(&path).expect("create");
    w.write_record(["txn_id", "student_id", "ts", "amount", "kind", "merchant_category"]).expect("w");
    let (mut good, mut bad) = (0, 0);
    for i in 0..n {
        let sid = &students[i % students.len()];
        let ts = format!("2025-09-{:02} {:02}:{:02}:{:02}", 1 + i % 14, 6 + i % 14, i % 60, (i / 60) % 60);
        if i % 997 == 5 {
            w.write_record([format!("B{i}"), sid.clone(), ts, "abc".into(), "purchase".into(), "canteen".into()])
                .expect("w");
            bad += 1;
        } else if i % 501 == 7 {
            w.write_record([
                format!("T{}", i - 3),
                sid.clone(),
                ts,
                "1.00".into(),
                "purchase".into(),
                "canteen".into(),
            ])
            .expect("w");
        } else {
            w.write_record([
                format!("T{i}"),
                sid.clone(),
                ts,
                format!("{}.{:02}", 1 + i % 30, i % 100),
                "purchase".into(),
                "canteen".into(),
            ])
            .expect("w");
            good += 1;
        }
    }
    w.flush().expect("flush");
    Input { path, distinct_good: good, bad }
}

fn base_store(dir: &Path) -> TestStore {
    let s = TestStore { dir: tempfile::tempdir_in(dir).expect("tmp") };
    ok(&s.ingest(&[&sample("campus/students.csv")]));
    s
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// A fresh store holding only the students, copied from `base`.
fn fresh_from(base: &TestStore) -> TestStore {
    let s = TestStore::new();
    copy_dir(&base.path(), &s.path());
    s
}

fn ingest_cmd(s: &TestStore, input: &Input) -> Command {
    let mut c = s.cmd(NOW);
    c.arg("ingest").arg(&input.path).arg("-q");
    c
}

/// After a crash: the store opens, a re-run completes, the rows are exactly right.
fn check_recovers(s: &TestStore, input: &Input) {
    let probe = s.cmd(NOW).args(["sql", "SELECT count(*) FROM students"]).output().expect("run");
    assert!(probe.status.success(), "store does not open after crash: {}", stderr(&probe));
    ok(&ingest_cmd(s, input).output().expect("rerun"));
    assert_eq!(s.count("SELECT count(*) FROM card_transactions"), input.distinct_good);
    assert_eq!(s.count("SELECT count(DISTINCT txn_id) FROM card_transactions"), input.distinct_good);
    assert_eq!(s.count("SELECT count(*) FROM quarantine"), input.bad);
    assert_eq!(s.count("SELECT count(DISTINCT entry_id) FROM quarantine"), input.bad);
    let last = s.sql("SELECT stored, duplicates, quarantined, status FROM ingest_runs WHERE kind = 'card_transactions' ORDER BY started_at DESC, stored ASC LIMIT 1");
    assert_eq!(last[1][3], "ok");
}

#[test]
fn named_fail_points_leave_a_store_that_a_rerun_completes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = make_input(tmp.path(), 30_000);
    let base = base_store(tmp.path());
    for point in ["after_batch_write", "between_commits", "during_run_log"] {
        let s = fresh_from(&base);
        let out = ingest_cmd(&s, &input).env("RADAR_FAILPOINT", point).output().expect("run");
        assert!(!out.status.success(), "{point} did not fire");
        assert!(stderr(&out).contains(point), "{point}: {}", stderr(&out));
        check_recovers(&s, &input);
    }
}

#[test]
fn twenty_sigkills_at_random_moments() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = make_input(tmp.path(), 120_000);
    let base = base_store(tmp.path());
    let timing = fresh_from(&base);
    let start = Instant::now();
    ok(&ingest_cmd(&timing, &input).output().expect("timed run"));
    let full = start.elapsed().as_millis().max(20) as u64;
    let mut rng = rand::rngs::StdRng::seed_from_u64(20251129);
    for round in 0..20 {
        let s = fresh_from(&base);
        let mut child = ingest_cmd(&s, &input).spawn().expect("spawn");
        std::thread::sleep(Duration::from_millis(rng.random_range(0..full)));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        eprintln!("round {round}: killed");
        check_recovers(&s, &input);
    }
}
