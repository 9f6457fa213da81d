//! State kinds (`library_loans`, `grades`, `participation`, like `coursework`) are upserted:
//! a later row of a stored key replaces it, an identical row is a duplicate, only the data
//! files holding changed keys are rewritten, and a replayed quarantined row never replaces
//! a row stored after it was set aside.

use std::path::{Path, PathBuf};

use crate::util::*;

const STUDENTS: &str = "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,dorm_room,counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status";
const LOANS: &str = "loan_id,student_id,book_id,clc_class,borrowed_at,due_at,returned_at";

fn students(ids: &[&str]) -> String {
    let rows: Vec<String> =
        ids.iter().map(|id| format!("{id},某某,F,CS,SE,C1,2024,undergraduate,,,,T1,,masses,,none,active")).collect();
    format!("{STUDENTS}\n{}\n", rows.join("\n"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

/// (stored, duplicates, quarantined) of a one-file run.
fn counts(out: &std::process::Output) -> (i64, i64, i64) {
    ok(out);
    let r = &reports(out)[0];
    assert_eq!(field(r, "rows_read"), field(r, "stored") + field(r, "duplicates") + field(r, "quarantined"));
    (field(r, "stored"), field(r, "duplicates"), field(r, "quarantined"))
}

fn ingest_json(s: &TestStore, now: &str, file: &Path) -> std::process::Output {
    s.ingest_at(now, &[&file, &"--format", &"json"])
}

/// A store with students S1 and S2.
fn campus() -> (TestStore, PathBuf) {
    let s = TestStore::new();
    let dir = s.scratch("in");
    ok(&s.ingest(&[&write(&dir, "students.csv", &students(&["S1", "S2"]))]));
    (s, dir)
}

#[test]
fn a_returned_loan_replaces_the_borrowed_one_and_a_rerun_changes_nothing() {
    let (s, dir) = campus();
    let borrowed = write(
        &dir,
        "library_loans.csv",
        &format!(
            "{LOANS}\nL1,S1,B1,C,2025-09-08 10:00:00,2025-10-08 23:59:59,\nL2,S2,B2,H,2025-09-09 10:00:00,2025-10-09 23:59:59,\n"
        ),
    );
    assert_eq!(counts(&ingest_json(&s, NOW, &borrowed)), (2, 0, 0));
    let returns = write(
        &dir,
        "library_loans-returns.csv",
        &format!(
            "{LOANS}\nL1,S1,B1,C,2025-09-08 10:00:00,2025-10-08 23:59:59,2025-09-15 09:30:00\nL2,S2,B2,H,2025-09-09 10:00:00,2025-10-09 23:59:59,\n"
        ),
    );
    assert_eq!(
        counts(&ingest_json(&s, NOW, &returns)),
        (1, 1, 0),
        "the return is stored, the unchanged loan is a duplicate"
    );
    let rows = s.sql("SELECT loan_id, returned_at IS NOT NULL FROM library_loans ORDER BY loan_id");
    assert_eq!(rows[1..], [["L1", "true"], ["L2", "false"]], "one row per loan, the return filled in");

    let versions = s.versions("library_loans");
    assert_eq!(counts(&ingest_json(&s, NOW, &returns)), (0, 2, 0), "identical rows are duplicates on a second run");
    assert_eq!(counts(&ingest_json(&s, NOW, &borrowed)), (1, 1, 0), "the older export is a later run: it replaces");
    assert_eq!(s.count("SELECT count(*) FROM library_loans WHERE returned_at IS NULL"), 2);
    ok(&s.ingest(&[&borrowed]));
    assert_eq!(s.versions("library_loans"), versions + 1, "only the one run that changed a row committed");
}

#[test]
fn within_one_file_the_last_row_wins_and_repeats_of_the_current_state_are_duplicates() {
    let (s, dir) = campus();
    let f = write(
        &dir,
        "library_loans.csv",
        &format!(
            "{LOANS}\nL3,S1,B3,C,2025-09-08 10:00:00,,\nL3,S1,B3,C,2025-09-08 10:00:00,,\n\
             L3,S1,B3,C,2025-09-08 10:00:00,,2025-09-10 10:00:00\nL3,S1,B3,C,2025-09-08 10:00:00,,2025-09-10 10:00:00\n"
        ),
    );
    assert_eq!(counts(&ingest_json(&s, NOW, &f)), (2, 2, 0), "borrowed and returned are stored, each repeat is not");
    assert_eq!(s.count("SELECT count(*) FROM library_loans"), 1);
    assert_eq!(s.count("SELECT count(*) FROM library_loans WHERE returned_at IS NOT NULL"), 1);
    let versions = s.versions("library_loans");
    assert_eq!(counts(&ingest_json(&s, NOW, &f)), (0, 4, 0), "the file's final state is the stored one");
    assert_eq!(s.versions("library_loans"), versions, "no commit");
}

#[test]
fn a_participation_verified_later_and_a_corrected_grade_replace_their_rows() {
    let (s, dir) = campus();
    ok(&s.ingest(&[&write(
        &dir,
        "activities.csv",
        "activity_id,title,category,dimension,organiser,start_ts,end_ts,location\nA1,t,volunteer,moral,,2025-09-10 08:00:00,2025-09-10 12:00:00,\n",
    )]));
    let head = "participation_id,student_id,activity_id,role,hours,verified";
    let p1 = write(
        &dir,
        "participation.csv",
        &format!("{head}\nP1,S1,A1,volunteer,4,false\nP2,S2,A1,participant,2,false\n"),
    );
    assert_eq!(counts(&ingest_json(&s, NOW, &p1)), (2, 0, 0));
    let p2 = write(&dir, "participation-verified.csv", &format!("{head}\nP1,S1,A1,volunteer,4,true\n"));
    assert_eq!(counts(&ingest_json(&s, NOW, &p2)), (1, 0, 0));
    let rows = s.sql("SELECT participation_id, verified FROM participation ORDER BY participation_id");
    assert_eq!(rows[1..], [["P1", "true"], ["P2", "false"]]);

    let head = "student_id,course_id,term,attempt,score,status,recorded_at";
    let g1 = write(
        &dir,
        "grades.csv",
        &format!("{head}\nS1,CS1,2024-2025-2,1,58,normal,2025-07-01\nS1,CS2,2024-2025-2,1,90,normal,2025-07-01\n"),
    );
    assert_eq!(counts(&ingest_json(&s, NOW, &g1)), (2, 0, 0));
    let g2 = write(
        &dir,
        "grades-corrected.csv",
        &format!("{head}\nS1,CS1,2024-2025-2,1,61,normal,2025-07-08\nS1,CS2,2024-2025-2,1,90,normal,2025-07-01\n"),
    );
    assert_eq!(counts(&ingest_json(&s, NOW, &g2)), (1, 1, 0));
    assert_eq!(s.count("SELECT count(*) FROM grades"), 2);
    assert_eq!(s.count("SELECT count(*) FROM grades WHERE course_id = 'CS1' AND score = 61"), 1, "corrected");
}

#[test]
fn a_replayed_loan_never_replaces_a_newer_stored_one() {
    let s = TestStore::new();
    let dir = s.scratch("in");
    ok(&s.ingest_at("2025-09-20T08:00:00+08:00", &[&write(&dir, "students.csv", &students(&["S1"]))]));
    let old = write(&dir, "library_loans.csv", &format!("{LOANS}\nL9,S2,B9,C,2025-09-08 10:00:00,,\n"));
    assert_eq!(counts(&ingest_json(&s, "2025-09-20T09:00:00+08:00", &old)), (0, 0, 1), "S2 is not known yet");
    ok(&s.ingest_at("2025-09-20T10:00:00+08:00", &[&write(&dir, "students-new.csv", &students(&["S2"]))]));
    let newer = write(
        &dir,
        "library_loans-returns.csv",
        &format!("{LOANS}\nL9,S2,B9,C,2025-09-08 10:00:00,,2025-09-19 10:00:00\n"),
    );
    assert_eq!(counts(&ingest_json(&s, "2025-09-20T11:00:00+08:00", &newer)), (1, 0, 0));
    let versions = s.versions("library_loans");
    let out = s.ingest_at("2025-09-20T12:00:00+08:00", &[&"--replay-quarantine", &"--format", &"json"]);
    let r = reports(&out).into_iter().find(|r| r["kind"] == "library_loans").expect("a library_loans replay report");
    assert_eq!((field(&r, "stored"), field(&r, "duplicates")), (0, 1), "the stale replayed row is a duplicate");
    assert_eq!(s.versions("library_loans"), versions, "nothing committed");
    assert_eq!(s.count("SELECT count(*) FROM library_loans WHERE returned_at IS NOT NULL"), 1, "the return stays");
    assert_eq!(s.count("SELECT count(*) FROM library_loans"), 1);
    assert_eq!(s.count("SELECT count(*) FROM quarantine"), 0, "the entry is resolved");
}

#[test]
fn a_replayed_row_replaces_a_row_stored_before_it_was_set_aside() {
    let s = TestStore::new();
    let dir = s.scratch("in");
    ok(&s.ingest_at("2025-09-20T08:00:00+08:00", &[&write(&dir, "students.csv", &students(&["S1"]))]));
    let first = write(&dir, "library_loans.csv", &format!("{LOANS}\nL8,S1,B8,C,2025-09-08 10:00:00,,\n"));
    assert_eq!(counts(&ingest_json(&s, "2025-09-20T09:00:00+08:00", &first)), (1, 0, 0));
    let moved = write(&dir, "library_loans-fix.csv", &format!("{LOANS}\nL8,S2,B8,C,2025-09-08 10:00:00,,\n"));
    assert_eq!(counts(&ingest_json(&s, "2025-09-20T10:00:00+08:00", &moved)), (0, 0, 1));
    ok(&s.ingest_at("2025-09-20T11:00:00+08:00", &[&write(&dir, "students-new.csv", &students(&["S2"]))]));
    ok(&s.ingest_at("2025-09-20T12:00:00+08:00", &[&"--replay-quarantine"]));
    assert_eq!(s.sql("SELECT student_id FROM library_loans")[1..], [["S2"]], "the later correction won");
}

/// Actions of one kind in a table's last commit.
fn last_commit_actions(s: &TestStore, table: &str, action: &str) -> Vec<serde_json::Value> {
    let log = s.path().join(table).join("_delta_log");
    let last = std::fs::read_dir(&log)
        .expect("log")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .max()
        .expect("a commit");
    std::fs::read_to_string(last)
        .expect("read commit")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get(action).cloned())
        .collect()
}

fn data_files(s: &TestStore, table: &str) -> usize {
    std::fs::read_dir(s.path().join(table)).expect("table dir").filter_map(|e| e.ok()).count()
}

#[test]
fn an_update_rewrites_only_the_file_holding_its_key() {
    let (s, dir) = campus();
    for w in 1..=8 {
        let rows: Vec<String> =
            (0..50).map(|i| format!("L2025{w:02}{i:04},S1,B{i},C,2025-09-{:02} 10:00:00,,", w + 1)).collect();
        ok(&s.ingest(&[&write(&dir, &format!("library_loans-{w}.csv"), &format!("{LOANS}\n{}\n", rows.join("\n")))]));
    }
    let files_before = data_files(&s, "library_loans");
    let update = write(
        &dir,
        "library_loans-returns.csv",
        &format!("{LOANS}\nL2025030007,S1,B7,C,2025-09-04 10:00:00,,2025-09-20 10:00:00\nL2025990001,S2,B1,C,2025-09-19 10:00:00,,\n"),
    );
    assert_eq!(counts(&ingest_json(&s, NOW, &update)), (2, 0, 0));
    let removed = last_commit_actions(&s, "library_loans", "remove");
    let added = last_commit_actions(&s, "library_loans", "add");
    assert_eq!(removed.len(), 1, "only the file holding L2025030007 is rewritten: {removed:?}");
    assert_eq!(added.len(), 2, "its other 49 rows, and the changed and new rows");
    assert_eq!(data_files(&s, "library_loans"), files_before + 2);
    assert_eq!(s.count("SELECT count(*) FROM library_loans"), 401);
    assert_eq!(s.count("SELECT count(*) FROM library_loans WHERE returned_at IS NOT NULL"), 1);
}

fn refresh_mode(s: &TestStore, now: &str, extra: &[&str]) -> String {
    let out = s.cmd(now).args(["refresh", "--format", "json"]).args(extra).output().expect("run radar refresh");
    ok(&out);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    let week = rows.iter().find(|r| r["step"] == "student_week").expect("a student_week row");
    format!("{} {week}", week["mode"].as_str().unwrap_or_default())
}

#[test]
fn a_participation_update_refreshes_incrementally_and_equals_a_full_refresh() {
    let s = TestStore::new();
    let gen = s.scratch("gen");
    let now = generate_campus(&gen, "120", "3", "5");
    ok(&s.ingest_at(&now, &[&gen]));
    assert!(refresh_mode(&s, &now, &[]).starts_with("full "));
    // The first participation row, its hours changed.
    let text = std::fs::read_to_string(gen.join("participation.csv")).expect("participation.csv");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let first = lines.next().expect("a participation row");
    let hours = header.split(',').position(|c| c == "hours").expect("hours column");
    let mut cells: Vec<String> = first.split(',').map(String::from).collect();
    cells[hours] = "17.5".into();
    let update = write(&s.scratch("upd"), "participation-update.csv", &format!("{header}\n{}\n", cells.join(",")));
    assert_eq!(counts(&s.ingest_at(&now, &[&update, &"--format", &"json"])), (1, 0, 0));
    assert_eq!(last_commit_actions(&s, "participation", "remove").len(), 1, "one file rewritten");
    let mode = refresh_mode(&s, &now, &[]);
    assert!(mode.starts_with("incremental "), "{mode}");
    let incremental = s.table("student_week");
    assert!(refresh_mode(&s, &now, &["--full"]).starts_with("full "));
    assert_eq!(incremental, s.table("student_week"), "incremental after the rewrite equals full");
}
