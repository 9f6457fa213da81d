//! Every record kind of the sample campus is stored whole, re-runs change nothing, and a
//! prefix of a file ingested before the whole file is stored once.

use crate::util::*;

/// The contract's kinds, spelled out here on purpose rather than taken from
/// `schema::ALL_KINDS`: a kind dropped from the schema must fail this test.
const KINDS: [&str; 18] = [
    "students",
    "staff",
    "courses",
    "activities",
    "calendar",
    "card_transactions",
    "access_events",
    "network_sessions",
    "library_loans",
    "attendance",
    "learning_events",
    "coursework",
    "grades",
    "participation",
    "process_records",
    "assessments",
    "awards",
    "leave_requests",
];

#[test]
fn every_kind_of_the_sample_campus_is_stored_whole() {
    let s = TestStore::new();
    let out = s.ingest(&[&sample("campus"), &"--format", &"json"]);
    ok(&out);
    let reports = reports(&out);
    assert_eq!(reports.len(), 18, "one report per kind");
    for kind in KINDS {
        let file = sample("campus").join(format!("{kind}.csv"));
        let expected = csv_rows(&file) as i64;
        assert!(expected > 0, "{kind} sample is empty");
        let r = reports.iter().find(|r| r["kind"] == kind).unwrap_or_else(|| panic!("no report for {kind}"));
        assert_eq!(field(r, "rows_read"), expected, "{kind}");
        assert_eq!(field(r, "quarantined"), 0, "{kind}: {r}");
        assert_eq!(field(r, "duplicates"), 0, "{kind}");
        let n = s.count(&format!("SELECT count(*) FROM {kind}"));
        assert_eq!(n, expected, "{kind} rows stored");
    }
    assert_eq!(s.count("SELECT count(*) FROM quarantine"), 0);
}

#[test]
fn dimensions_are_ingested_before_events_whatever_the_order() {
    let s = TestStore::new();
    let campus = sample("campus");
    let out = s.ingest(&[&campus.join("card_transactions.csv"), &campus.join("students.csv")]);
    ok(&out);
    let stored = s.count("SELECT count(*) FROM card_transactions");
    assert_eq!(stored as usize, csv_rows(&campus.join("card_transactions.csv")));
}

/// Ingests `input` twice at `now` and checks the second run committed nothing but the log.
fn assert_rerun_changes_nothing(input: &std::path::Path, now: &str) {
    let s = TestStore::new();
    let _ = s.ingest_at(now, &[&input]);
    let mut tables: Vec<String> = KINDS.iter().map(|k| k.to_string()).collect();
    tables.extend(["quarantine".to_string(), "quarantine_replay".to_string()]);
    let before: Vec<(usize, Vec<Vec<String>>)> = tables.iter().map(|t| (s.versions(t), s.table(t))).collect();
    let runs_before = s.count("SELECT count(*) FROM ingest_runs");
    let _ = s.ingest_at(now, &[&input]);
    for (t, b) in tables.iter().zip(&before) {
        assert_eq!(s.versions(t), b.0, "{t}: a re-run committed a new version");
        assert_eq!(&s.table(t), &b.1, "{t}: rows changed");
    }
    assert!(s.count("SELECT count(*) FROM ingest_runs") > runs_before, "the run log grows");
}

#[test]
fn a_rerun_of_the_sample_campus_changes_no_table() {
    assert_rerun_changes_nothing(&sample("campus"), NOW);
}

#[test]
fn a_rerun_of_the_bad_input_fixtures_adds_no_quarantine_entry() {
    assert_rerun_changes_nothing(&sample("fixtures/bad_input"), FIXTURE_NOW);
}

#[test]
fn a_prefix_then_the_whole_file_stores_the_overlap_once() {
    let s = TestStore::new();
    let campus = sample("campus");
    ok(&s.ingest(&[&campus.join("students.csv")]));
    let whole = campus.join("card_transactions.csv");
    let text = std::fs::read_to_string(&whole).expect("read sample");
    let prefix: String = text.lines().take(1001).map(|l| format!("{l}\n")).collect();
    let prefix_path = s.scratch("card_transactions-prefix.csv");
    std::fs::write(&prefix_path, prefix).expect("write prefix");
    let first = s.ingest(&[&prefix_path, &"--format", &"json"]);
    ok(&first);
    assert_eq!(field(&reports(&first)[0], "stored"), 1000);
    let second = s.ingest(&[&whole, &"--format", &"json"]);
    ok(&second);
    let r = &reports(&second)[0];
    let total = csv_rows(&whole) as i64;
    assert_eq!(field(r, "duplicates"), 1000);
    assert_eq!(field(r, "stored"), total - 1000);
    assert_eq!(s.count("SELECT count(*) FROM card_transactions"), total);
    assert_eq!(s.count("SELECT count(DISTINCT txn_id) FROM card_transactions"), total);
}

#[test]
fn a_dimension_upsert_replaces_rows_and_keeps_missing_keys() {
    let s = TestStore::new();
    let dir = s.scratch("in");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let header = "staff_id,name,role,college,building";
    std::fs::write(dir.join("staff.csv"), format!("{header}\n0001,甲,counsellor,CS,B1\n0002,乙,mentor,CS,\n"))
        .expect("w");
    ok(&s.ingest(&[&dir.join("staff.csv")]));
    std::fs::write(
        dir.join("staff-update.csv"),
        format!("{header}\n0002,乙,leader,CS,B2\n0002,乙,psychologist,CS,B3\n"),
    )
    .expect("w");
    ok(&s.ingest(&[&dir.join("staff-update.csv")]));
    let rows = s.sql("SELECT staff_id, role, building FROM staff ORDER BY staff_id");
    assert_eq!(rows[1], ["0001", "counsellor", "B1"], "leading zeros kept, missing key kept");
    assert_eq!(rows[2], ["0002", "psychologist", "B3"], "last row of the file wins");
    assert_eq!(rows.len(), 3);
}

/// Writes `name` into a fresh input directory of the store and returns its path.
fn input(s: &TestStore, name: &str, text: &str) -> std::path::PathBuf {
    let dir = s.scratch("in");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

const STUDENTS: &str = "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,\
dorm_room,counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status
S1,甲,M,CS,CS,C1,2024,undergraduate,D1,1,101,0001,,masses,,none,active
";

#[test]
fn calendar_rows_are_checked_upserted_by_start_date_and_kind_and_queryable() {
    let s = TestStore::new();
    let cal = input(
        &s,
        "calendar.csv",
        "start_date,end_date,kind,term,name\n\
         2025-09-01,2026-01-18,term,2025-2026-1,\n\
         2025-10-01,2025-10-07,holiday,2025-2026-1,国庆节\n\
         2026-01-19,2026-02-28,vacation,,寒假\n\
         2025-12-22,2025-12-21,exam,2025-2026-1,\n\
         2025-11-01,2025-11-02,festival,2025-2026-1,\n\
         2025-11-03,2025-11-04,holiday,2025-2027-1,\n",
    );
    let out = s.ingest(&[&cal, &"--format", &"json"]);
    ok(&out);
    let r = &reports(&out)[0];
    assert_eq!((field(r, "stored"), field(r, "quarantined")), (3, 3), "{r}");
    let q = s.sql("SELECT \"row\", \"column\", reason FROM quarantine ORDER BY \"row\"");
    assert_eq!(q[1], ["4", "end_date", "end_before_start"]);
    assert_eq!(q[2], ["5", "kind", "bad_enum"]);
    assert_eq!(q[3], ["6", "term", "bad_timestamp"], "a term name that does not fit");
    // No student column: nothing is set aside as an unknown student, even with no students.
    assert_eq!(s.count("SELECT count(*) FROM quarantine WHERE reason = 'unknown_student'"), 0);
    // A newer file replaces the row of a (start_date, kind) key and keeps the others.
    let update = input(
        &s,
        "calendar-update.csv",
        "start_date,end_date,kind,term,name\n2025-10-01,2025-10-08,holiday,2025-2026-1,国庆节·中秋节\n",
    );
    ok(&s.ingest(&[&update]));
    let rows = s.sql("SELECT start_date, end_date, kind, term, name FROM calendar ORDER BY start_date");
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1], ["2025-09-01", "2026-01-18", "term", "2025-2026-1", ""]);
    assert_eq!(rows[2], ["2025-10-01", "2025-10-08", "holiday", "2025-2026-1", "国庆节·中秋节"]);
    assert_eq!(rows[3], ["2026-01-19", "2026-02-28", "vacation", "", "寒假"]);
}

#[test]
fn leave_requests_are_checked_and_a_later_state_replaces_the_earlier() {
    let s = TestStore::new();
    ok(&s.ingest(&[&input(&s, "students.csv", STUDENTS)]));
    let head = "leave_id,student_id,kind,start_ts,end_ts,approved,returned_at\n";
    let first = input(
        &s,
        "leave_requests.csv",
        &format!(
            "{head}\
             LV1,S1,home,2025-09-19 17:00:00,2025-09-21 20:00:00,true,\n\
             LV2,S1,sick,2025-09-24T08:00:00+08:00,2025-10-30T18:00:00+08:00,true,\n\
             LV3,S1,holiday,2025-09-19 17:00:00,2025-09-21 20:00:00,true,\n\
             LV4,S1,home,2025-09-19 17:00:00,2025-09-19 16:00:00,false,\n\
             LV5,S9,home,2025-09-19 17:00:00,2025-09-21 20:00:00,true,\n\
             LV6,S1,personal,2025-09-19 08:00:00,2025-09-19 12:00:00,true,2025-09-25 12:00:00\n\
             LV7,S1,other,2025-09-19 08:00:00,2025-09-19 12:00:00,maybe,\n"
        ),
    );
    let out = s.ingest(&[&first, &"--format", &"json"]);
    ok(&out);
    let r = &reports(&out)[0];
    assert_eq!((field(r, "stored"), field(r, "quarantined")), (2, 5), "{r}");
    let q = s.sql("SELECT \"row\", \"column\", reason FROM quarantine ORDER BY \"row\"");
    let got: Vec<&[String]> = q[1..].iter().map(|r| &r[..]).collect();
    assert_eq!(
        got,
        [
            ["3", "kind", "bad_enum"],
            ["4", "end_ts", "end_before_start"],
            ["5", "student_id", "unknown_student"],
            ["6", "returned_at", "future_timestamp"],
            ["7", "approved", "bad_number"],
        ],
        "a planned end weeks after the clock is no future timestamp; a report-back is"
    );
    // The student reports back: the same leave_id with returned_at replaces the row.
    let later = input(
        &s,
        "leave_requests-2.csv",
        &format!("{head}LV1,S1,home,2025-09-19 17:00:00,2025-09-21 20:00:00,true,2025-09-21 19:10:00\n"),
    );
    let out = s.ingest(&[&later, &"--format", &"json"]);
    ok(&out);
    assert_eq!(field(&reports(&out)[0], "stored"), 1);
    let rows = s.sql("SELECT leave_id, kind, approved, returned_at FROM leave_requests ORDER BY leave_id");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1], ["LV1", "home", "true", "2025-09-21T19:10:00+08:00"]);
    assert_eq!(rows[2], ["LV2", "sick", "true", ""]);
    // The same state again changes nothing.
    let v = s.versions("leave_requests");
    ok(&s.ingest(&[&later]));
    assert_eq!(s.versions("leave_requests"), v);
    assert_eq!(s.sql("SELECT leave_id, kind, approved, returned_at FROM leave_requests ORDER BY leave_id"), rows);
}
