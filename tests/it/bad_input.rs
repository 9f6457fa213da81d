//! The hand-checked fixtures of sample_data/fixtures/bad_input: every reason code, the
//! reason order, duplicates within a file and across files.

use std::collections::BTreeMap;

use crate::util::*;

fn expected_csv(name: &str) -> Vec<Vec<String>> {
    let path = sample("fixtures/bad_input").join(name);
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rows: Vec<Vec<String>> = r.records().map(|x| x.expect("csv").iter().map(String::from).collect()).collect();
    rows.sort();
    rows
}

fn basename(p: &str) -> String {
    std::path::Path::new(p).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
}

#[test]
fn the_quarantine_holds_exactly_the_expected_rows_and_reasons() {
    let s = TestStore::new();
    let out = s.ingest_at(FIXTURE_NOW, &[&sample("fixtures/bad_input"), &"--format", &"json"]);
    ok(&out);
    let mut got: Vec<Vec<String>> = s
        .sql("SELECT file, line, \"row\", kind, \"column\", reason FROM quarantine")
        .into_iter()
        .skip(1)
        .map(|mut r| {
            r[0] = basename(&r[0]);
            r
        })
        .collect();
    got.sort();
    assert_eq!(got, expected_csv("expected_quarantine.csv"));
}

#[test]
fn per_file_counts_match_the_hand_checked_ones() {
    let s = TestStore::new();
    let out = s.ingest_at(FIXTURE_NOW, &[&sample("fixtures/bad_input"), &"--format", &"json"]);
    ok(&out);
    let by_file: BTreeMap<String, serde_json::Value> =
        reports(&out).into_iter().map(|r| (basename(r["file"].as_str().unwrap_or_default()), r)).collect();
    let expected = expected_csv("expected_counts.csv");
    assert!(!expected.is_empty());
    for row in expected {
        let r = by_file.get(&row[0]).unwrap_or_else(|| panic!("no report for {}", row[0]));
        let got = ["rows_read", "stored", "duplicates", "quarantined"].map(|k| field(r, k).to_string());
        assert_eq!(got.as_slice(), &row[1..5], "{}", row[0]);
        assert_eq!(field(r, "rows_read"), field(r, "stored") + field(r, "duplicates") + field(r, "quarantined"));
    }
    // The run log says the same as the summary.
    let logged = s.count("SELECT count(*) FROM ingest_runs WHERE rows_read = stored + duplicates + quarantined");
    assert_eq!(logged, s.count("SELECT count(*) FROM ingest_runs"));
}

#[test]
fn quarantine_raw_never_holds_personal_data() {
    let s = TestStore::new();
    let dir = s.scratch("in");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let header = "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,dorm_room,counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status";
    let rows = [
        "S1,张三丰,M,CS,SE,C1,2024,undergraduate,B1,3,301,T1,,masses,,none,active",
        "S2,李秀英,F,CS,SE,C1,20x4,undergraduate,B1,3,301,T1,,masses,,none,active",
        "S3,王五,M,CS,SE,C1,2024,undergraduate,B1,3,301,T1,,masses,,none",
    ];
    std::fs::write(dir.join("students.csv"), format!("{header}\n{}\n", rows.join("\n"))).expect("w");
    let pr = "record_id,student_id,staff_id,ts,kind,duration_min,summary,follow_up\n\
              P1,S1,T1,2025-09-01 10:00:00,talk,30,家庭困难情绪低落,true\n\
              P2,S1,T1,2025-09-01 10:00:00,chat,30,家庭困难情绪低落,true\n\
              P3,S404,T1,2025-09-01 10:00:00,talk,30,家庭困难情绪低落,true\n";
    std::fs::write(dir.join("process_records.csv"), pr).expect("w");
    ok(&s.ingest(&[&dir]));
    let q = s.sql("SELECT kind, reason, raw, key FROM quarantine ORDER BY kind, \"row\"");
    assert_eq!(q.len(), 5, "{q:?}");
    for row in &q[1..] {
        for secret in ["李秀英", "王五", "家庭困难"] {
            assert!(!row[2].contains(secret), "personal data in raw: {row:?}");
        }
    }
    assert_eq!(q[1][1], "bad_enum");
    assert_eq!(q[2][1], "unknown_student");
    assert_eq!(q[2][3], "P3");
    assert!(q[2][2].contains("P3") && q[2][2].contains("S404"), "raw keeps the other columns: {:?}", q[2]);
    assert_eq!((q[3][1].as_str(), q[4][1].as_str()), ("bad_number", "bad_row"));
}
