//! Every record kind of the sample campus is stored whole, re-runs change nothing, and a
//! prefix of a file ingested before the whole file is stored once.

use crate::util::*;

/// The contract's kinds, spelled out here on purpose rather than taken from
/// `schema::ALL_KINDS`: a kind dropped from the schema must fail this test.
const KINDS: [&str; 16] = [
    "students",
    "staff",
    "courses",
    "activities",
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
];

#[test]
fn every_kind_of_the_sample_campus_is_stored_whole() {
    let s = TestStore::new();
    let out = s.ingest(&[&sample("campus"), &"--format", &"json"]);
    ok(&out);
    let reports = reports(&out);
    assert_eq!(reports.len(), 16, "one report per kind");
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
