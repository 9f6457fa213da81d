//! Crash safety: named fail-points and SIGKILLs at random moments of a real ingest. After
//! each crash the store opens, and a re-run ends with exactly the expected rows.

use std::collections::BTreeSet;
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
    for point in [
        "after_batch_write",
        "between_commits",
        "sync_after_quarantine_delete",
        "sync_after_replay_append",
        "sync_after_replay_delete",
        "during_run_log",
    ] {
        let s = fresh_from(&base);
        let out = ingest_cmd(&s, &input).env("RADAR_FAILPOINT", point).output().expect("run");
        assert!(!out.status.success(), "{point} did not fire");
        assert!(stderr(&out).contains(point), "{point}: {}", stderr(&out));
        check_recovers(&s, &input);
    }
}

/// A campus history in steps: events with unknown students and bad rows, a state kind and
/// its update, the missing students arriving, a replay. Adding a state kind's update (e.g.
/// library loans) is one more pair of files in [`Campus::write`] and one more check.
struct Campus {
    dir: PathBuf,
    steps: Vec<Step>,
    /// (query, exact value) after every step has run.
    expect: Vec<(String, i64)>,
}

#[derive(Clone)]
enum Step {
    Ingest(PathBuf),
    Replay,
}

impl Step {
    fn cmd(&self, s: &TestStore) -> Command {
        let mut c = s.cmd(NOW);
        match self {
            Step::Ingest(p) => c.arg("ingest").arg(p),
            Step::Replay => c.args(["ingest", "--replay-quarantine"]),
        };
        c.arg("-q");
        c
    }
}

const STUDENT_HEADER: &str = "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,dorm_room,counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status";

fn sample_students() -> Vec<String> {
    let mut r = csv::Reader::from_path(sample("campus/students.csv")).expect("students");
    r.records().map(|x| x.expect("row")[0].to_string()).collect()
}

impl Campus {
    /// `n` card rows: every 997th has a bad amount, every 501st repeats an earlier id,
    /// every 250th belongs to a student not yet known (`arriving`, who come later, or
    /// `never`, who never do). Coursework: every 40th record an unknown student's, every
    /// 97th a bad score; the update file resubmits every 5th known record late with 99.
    fn write(dir: &Path, n: usize) -> Campus {
        let known = sample_students();
        let arriving: Vec<String> = (1..=4).map(|i| format!("2099{i:06}")).collect();
        let never: Vec<String> = (1..=2).map(|i| format!("2098{i:06}")).collect();
        let unknown = |i: usize| if i % 3 == 0 { &never[i % never.len()] } else { &arriving[i % arriving.len()] };
        let is_never = |sid: &str| never.iter().any(|x| x == sid);

        let card = dir.join("card_transactions-big.csv");
        let mut w = csv::Writer::from_path(&card).expect("create");
        w.write_record(["txn_id", "student_id", "ts", "amount", "kind", "merchant_category"]).expect("w");
        let (mut card_ids, mut card_bad, mut card_never) = (BTreeSet::new(), 0i64, 0i64);
        let mut last_t = None;
        for i in 0..n {
            let ts = format!("2025-09-{:02} {:02}:{:02}:{:02}", 1 + i % 14, 6 + i % 14, i % 60, (i / 60) % 60);
            let amount = format!("{}.{:02}", 1 + i % 30, i % 100);
            let repeat = if i % 501 == 0 { last_t.clone() } else { None };
            let (id, sid, amount) = if i % 997 == 5 {
                card_bad += 1;
                (format!("B{i}"), known[i % known.len()].clone(), "abc".to_string())
            } else if i % 250 == 3 {
                let sid = unknown(i / 250).clone();
                if is_never(&sid) {
                    card_never += 1;
                } else {
                    card_ids.insert(format!("U{i}"));
                }
                (format!("U{i}"), sid, amount)
            } else if let Some(t) = repeat {
                (t, known[i % known.len()].clone(), "1.00".to_string())
            } else {
                let id = format!("T{i}");
                card_ids.insert(id.clone());
                last_t = Some(id.clone());
                (id, known[i % known.len()].clone(), amount)
            };
            w.write_record([id, sid, ts, amount, "purchase".into(), "canteen".into()]).expect("w");
        }
        w.flush().expect("flush");

        let header =
            ["record_id", "student_id", "course_id", "term", "item", "weight", "due_at", "submitted_at", "score"];
        let due = |j: usize| format!("2025-09-{:02} 23:59:00", 1 + j % 14);
        let on_time = |j: usize| format!("2025-09-{:02} 10:00:00", 1 + j % 14);
        let late = |j: usize| format!("2025-09-{:02} 09:00:00", 2 + j % 14);
        let cw1 = dir.join("coursework-1.csv");
        let cw2 = dir.join("coursework-2.csv");
        let (mut w1, mut w2) = (csv::Writer::from_path(&cw1).expect("c"), csv::Writer::from_path(&cw2).expect("c"));
        w1.write_record(header).expect("w");
        w2.write_record(header).expect("w");
        let (mut cw_stored, mut cw_bad, mut cw_never, mut updated) = (0i64, 0i64, 0i64, 0i64);
        for j in 0..n / 10 {
            let id = format!("CW{j:07}");
            let (sid, score) = if j % 97 == 11 {
                cw_bad += 1;
                (known[j % known.len()].clone(), "150".to_string())
            } else if j % 40 == 7 {
                let sid = unknown(j / 40).clone();
                if is_never(&sid) {
                    cw_never += 1;
                } else {
                    cw_stored += 1;
                }
                (sid, format!("{}", 60 + j % 30))
            } else {
                cw_stored += 1;
                if j % 5 == 0 {
                    updated += 1;
                    let sid = known[j % known.len()].clone();
                    w2.write_record(cw_row(&id, &sid, &due(j), &late(j), "99")).expect("w");
                }
                (known[j % known.len()].clone(), format!("{}", 60 + j % 30))
            };
            w1.write_record(cw_row(&id, &sid, &due(j), &on_time(j), &score)).expect("w");
        }
        w1.flush().expect("flush");
        w2.flush().expect("flush");

        // Library loans, a second state kind: borrowed, then every 3rd known loan returned.
        let (ln1, ln2) = (dir.join("library_loans-1.csv"), dir.join("library_loans-2.csv"));
        let (mut l1, mut l2) = (csv::Writer::from_path(&ln1).expect("c"), csv::Writer::from_path(&ln2).expect("c"));
        let loan_header = ["loan_id", "student_id", "book_id", "borrowed_at", "returned_at"];
        l1.write_record(loan_header).expect("w");
        l2.write_record(loan_header).expect("w");
        let (mut loans, mut loans_never, mut returned) = (0i64, 0i64, 0i64);
        for j in 0..n / 20 {
            let id = format!("L{j:07}");
            let borrowed = format!("2025-09-{:02} 12:00:00", 1 + j % 10);
            let sid = if j % 60 == 13 { unknown(j / 60).clone() } else { known[j % known.len()].clone() };
            if is_never(&sid) {
                loans_never += 1;
            } else {
                loans += 1;
            }
            if j % 3 == 0 && known.contains(&sid) {
                returned += 1;
                let back = format!("2025-09-{:02} 16:00:00", 3 + j % 10);
                l2.write_record([id.as_str(), &sid, "B1", &borrowed, &back]).expect("w");
            }
            l1.write_record([id.as_str(), &sid, "B1", &borrowed, ""]).expect("w");
        }
        l1.flush().expect("flush");
        l2.flush().expect("flush");

        let students = dir.join("students-arriving.csv");
        let rows: Vec<String> = arriving
            .iter()
            .map(|id| format!("{id},某某,F,CS,SE,C1,2024,undergraduate,,,,T1,,masses,,none,active"))
            .collect();
        std::fs::write(&students, format!("{STUDENT_HEADER}\n{}\n", rows.join("\n"))).expect("w");

        let waiting = card_never + cw_never + loans_never;
        let expect = vec![
            ("SELECT count(*) FROM students".to_string(), (known.len() + arriving.len()) as i64),
            ("SELECT count(*) FROM card_transactions".into(), card_ids.len() as i64),
            ("SELECT count(DISTINCT txn_id) FROM card_transactions".into(), card_ids.len() as i64),
            ("SELECT count(*) FROM coursework".into(), cw_stored),
            ("SELECT count(*) FROM coursework WHERE score = 99 AND submitted_at > due_at".into(), updated),
            ("SELECT count(*) FROM coursework WHERE submitted_at > due_at".into(), updated),
            ("SELECT count(*) FROM library_loans".into(), loans),
            ("SELECT count(*) FROM library_loans WHERE returned_at IS NOT NULL".into(), returned),
            ("SELECT count(*) FROM quarantine".into(), card_bad + cw_bad + waiting),
            ("SELECT count(DISTINCT entry_id) FROM quarantine".into(), card_bad + cw_bad + waiting),
            ("SELECT count(*) FROM quarantine WHERE reason = 'unknown_student'".into(), waiting),
            ("SELECT count(*) FROM quarantine_replay".into(), waiting),
            ("SELECT count(DISTINCT entry_id) FROM quarantine_replay".into(), waiting),
        ];
        let steps = vec![
            Step::Ingest(card),
            Step::Ingest(cw1),
            Step::Ingest(cw2),
            Step::Ingest(ln1),
            Step::Ingest(ln2),
            Step::Ingest(students),
            Step::Replay,
        ];
        Campus { dir: dir.to_path_buf(), steps, expect }
    }
}

fn cw_row<'a>(id: &'a str, sid: &'a str, due: &'a str, submitted: &'a str, score: &'a str) -> [&'a str; 9] {
    [id, sid, "CS414", "2025-2026-1", "hw", "5", due, submitted, score]
}

/// Entries `--replay-quarantine` could never store, or replay rows no entry stands for.
fn stranded(s: &TestStore) -> (i64, i64) {
    (
        s.count(
            "SELECT count(*) FROM quarantine WHERE reason = 'unknown_student' \
             AND entry_id NOT IN (SELECT entry_id FROM quarantine_replay)",
        ),
        s.count(
            "SELECT count(*) FROM quarantine_replay \
             WHERE entry_id NOT IN (SELECT entry_id FROM quarantine WHERE reason = 'unknown_student')",
        ),
    )
}

/// After a crash in step `from`: the store opens, re-running that step and the rest
/// completes, and every total is exact with nothing stranded.
fn check_campus_recovers(s: &TestStore, c: &Campus, from: usize) {
    let probe = s.cmd(NOW).args(["sql", "SELECT count(*) FROM students"]).output().expect("run");
    assert!(probe.status.success(), "store does not open after crash: {}", stderr(&probe));
    for step in &c.steps[from..] {
        ok(&step.cmd(s).output().expect("rerun"));
    }
    // One process for every total: each query a column of one row.
    let all = c.expect.iter().enumerate().map(|(i, (q, _))| format!("({q}) AS c{i}")).collect::<Vec<_>>().join(", ");
    let got = s.sql(&format!("SELECT {all}"));
    for (i, (q, want)) in c.expect.iter().enumerate() {
        assert_eq!(got[1][i], want.to_string(), "{q} (crash in step {from})");
    }
    assert_eq!(stranded(s), (0, 0), "stranded entries (crash in step {from})");
}

/// Stores after each completed prefix of the steps (0 = students only), and each step's time.
fn snapshots(tmp: &Path, c: &Campus) -> (Vec<TestStore>, Vec<u64>) {
    let base = base_store(tmp);
    let mut snaps = vec![fresh_from(&base)];
    let mut ms = Vec::new();
    for step in &c.steps {
        let s = fresh_from(snaps.last().expect("a snapshot"));
        let start = Instant::now();
        ok(&step.cmd(&s).output().expect("timed run"));
        ms.push(start.elapsed().as_millis().max(20) as u64);
        snaps.push(s);
    }
    (snaps, ms)
}

#[test]
fn a_crash_inside_the_quarantine_sync_strands_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let c = Campus::write(tmp.path(), 6_000);
    let (snaps, _) = snapshots(tmp.path(), &c);
    check_campus_recovers(&fresh_from(snaps.last().expect("done")), &c, c.steps.len());
    let replay = c.steps.len() - 1;
    for point in ["sync_after_quarantine_delete", "sync_after_replay_append", "sync_after_replay_delete"] {
        for step in [0, 1, replay] {
            let s = fresh_from(&snaps[step]);
            let out = c.steps[step].cmd(&s).env("RADAR_FAILPOINT", point).output().expect("run");
            assert!(stderr(&out).contains(point), "{point} in step {step}: {}", stderr(&out));
            // Without re-running the crashed file, a replay still finds every waiting row.
            for later in &c.steps[step + 1..] {
                ok(&later.cmd(&s).output().expect("run"));
            }
            ok(&Step::Replay.cmd(&s).output().expect("replay"));
            assert_eq!(stranded(&s).0, 0, "{point} in step {step}: an entry no replay can store");
            check_campus_recovers(&s, &c, step);
        }
    }
}

#[test]
fn twenty_sigkills_at_random_moments() {
    let tmp = tempfile::tempdir().expect("tmp");
    let c = Campus::write(tmp.path(), 60_000);
    let (snaps, ms) = snapshots(tmp.path(), &c);
    let total: u64 = ms.iter().sum();
    let mut rng = rand::rngs::StdRng::seed_from_u64(20251129);
    let mut killed_in = vec![0; c.steps.len()];
    for round in 0..24 {
        // A moment of the whole history: steps are hit in proportion to their length.
        let mut at = rng.random_range(0..total);
        let step = ms
            .iter()
            .position(|&m| {
                if at < m {
                    true
                } else {
                    at -= m;
                    false
                }
            })
            .unwrap_or(0);
        let s = fresh_from(&snaps[step]);
        let mut child = c.steps[step].cmd(&s).spawn().expect("spawn");
        std::thread::sleep(Duration::from_millis(at));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        killed_in[step] += 1;
        eprintln!("round {round}: killed step {step} at {at} ms of {}", ms[step]);
        check_campus_recovers(&s, &c, step);
    }
    eprintln!("kills per step {killed_in:?}; data in {}", c.dir.display());
    for (q, want) in &c.expect {
        eprintln!("  {q} = {want}");
    }
}

#[test]
fn a_failed_quarantine_sync_is_logged_with_what_was_committed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = make_input(tmp.path(), 3_000);
    let s = fresh_from(&base_store(tmp.path()));
    let out = ingest_cmd(&s, &input)
        .args(["--format", "json"])
        .env("RADAR_FAILPOINT", "quarantine_sync")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r = &reports(&out)[0];
    assert_eq!(r["status"], "failed");
    assert_eq!(field(r, "stored"), input.distinct_good, "the committed rows are counted");
    assert_eq!(field(r, "rows_read"), field(r, "stored") + field(r, "duplicates") + field(r, "quarantined"));
    let error = r["error"].as_str().expect("error");
    assert!(error.contains(&format!("{} rows stored", input.distinct_good)), "{error}");
    assert!(error.contains("quarantine"), "{error}");
    let logged = s.sql(
        "SELECT stored, status FROM ingest_runs WHERE kind = 'card_transactions' ORDER BY started_at DESC LIMIT 1",
    );
    assert_eq!(logged[1], [input.distinct_good.to_string(), "failed".to_string()], "the run log says the same");
    assert_eq!(s.count("SELECT count(*) FROM card_transactions"), input.distinct_good);
    check_recovers(&s, &input);
}
