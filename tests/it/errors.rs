//! Whole-file failures and exit codes (interfaces.md): 0 success even with quarantined
//! rows, 1 a file failed, 2 usage or configuration.

use crate::util::*;

fn campus_students(s: &TestStore) {
    ok(&s.ingest(&[&sample("campus/students.csv")]));
}

#[test]
fn a_missing_required_column_fails_the_file_and_stores_nothing() {
    let s = TestStore::new();
    campus_students(&s);
    let f = s.scratch("card_transactions.csv");
    std::fs::write(
        &f,
        "txn_id,student_id,ts,amont,kind,merchant_category\nT1,x,2025-09-01 08:00:00,5,purchase,canteen\n",
    )
    .expect("w");
    let out = s.ingest(&[&f, &"--format", &"json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("card_transactions.csv") && err.contains("`amount`"), "{err}");
    assert!(err.contains("did you mean"), "hint: {err}");
    assert_eq!(reports(&out)[0]["status"], "failed");
    assert_eq!(s.count("SELECT count(*) FROM card_transactions"), 0);
    assert_eq!(s.count("SELECT count(*) FROM quarantine"), 0, "no row of a failed file is quarantined");
    assert_eq!(s.count("SELECT count(*) FROM ingest_runs WHERE status = 'failed'"), 1);
}

#[test]
fn an_unopenable_file_fails_with_exit_1_and_the_others_still_load() {
    let s = TestStore::new();
    let missing = s.scratch("card_transactions-missing.csv");
    let out = s.ingest(&[&sample("campus/students.csv"), &missing]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("card_transactions-missing.csv"), "{}", stderr(&out));
    assert!(s.count("SELECT count(*) FROM students") > 0);
}

#[test]
fn a_file_without_header_fails() {
    let s = TestStore::new();
    let f = s.scratch("students.csv");
    std::fs::write(&f, "").expect("w");
    let out = s.ingest(&[&f]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no header"), "{}", stderr(&out));
}

#[test]
fn a_named_file_of_no_kind_fails_but_directories_skip_strangers() {
    let s = TestStore::new();
    let f = s.scratch("timetable.csv");
    std::fs::write(&f, "a,b\n1,2\n").expect("w");
    let out = s.ingest(&[&f]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("matches no record kind"));
    let dir = s.scratch("d");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(&f, dir.join("timetable.csv")).expect("cp");
    std::fs::copy(sample("campus/students.csv"), dir.join("students.csv")).expect("cp");
    let out = s.ingest(&[&dir]);
    ok(&out);
    assert!(stderr(&out).contains("skipped"), "{}", stderr(&out));
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let s = TestStore::new();
    let students = sample("campus/students.csv");
    let run = |args: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_radar"));
        c.arg("--store").arg(s.path()).args(args).arg(&students);
        c.output().expect("run")
    };
    assert_eq!(run(&["--tz", "Mars/Olympus", "ingest"]).status.code(), Some(2));
    assert_eq!(run(&["--now", "yesterday", "ingest"]).status.code(), Some(2));
    assert_eq!(run(&["ingest", "--kind", "grade"]).status.code(), Some(2));
    assert_eq!(run(&["ingest", "--encoding", "latin1"]).status.code(), Some(2));
    assert_eq!(run(&["ingest", "--no-such-flag"]).status.code(), Some(2));
    let out = run(&["--now", "2025-09-22", "ingest"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn quarantined_rows_are_still_success() {
    let s = TestStore::new();
    let out = s.ingest_at(FIXTURE_NOW, &[&sample("fixtures/bad_input")]);
    ok(&out);
    assert!(s.count("SELECT count(*) FROM quarantine") > 0);
}

#[test]
fn errors_name_the_program_and_the_cause() {
    let s = TestStore::new();
    let out = s.cmd(NOW).args(["sql", "SELECT 1"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1), "no store yet");
    assert!(stderr(&out).starts_with("radar: "), "{}", stderr(&out));
    campus_students(&s);
    let out = s.cmd(NOW).args(["sql", "SELECT nope FROM students"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("radar: query failed"), "{}", stderr(&out));
}
