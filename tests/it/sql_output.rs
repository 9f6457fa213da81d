//! `radar sql` renders values as interfaces.md says, in every format.

use crate::util::*;

fn store_with_cards() -> TestStore {
    let s = TestStore::new();
    let dir = s.scratch("in");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(sample("campus/students.csv"), dir.join("students.csv")).expect("cp");
    let sid = s_first_student();
    std::fs::write(
        dir.join("card_transactions.csv"),
        format!(
            "txn_id,student_id,ts,amount,kind,merchant_category,merchant_id,location\n\
             T1,{sid},2025-08-31T23:42:13Z,12.5,purchase,canteen,,\n\
             T2,{sid},2025-09-01 07:42:13,3,purchase,canteen,M1,\"North, 1F\"\n"
        ),
    )
    .expect("w");
    ok(&s.ingest(&[&dir]));
    s
}

fn s_first_student() -> String {
    let mut r = csv::Reader::from_path(sample("campus/students.csv")).expect("open");
    r.records().next().expect("a student").expect("row")[0].to_string()
}

fn run(s: &TestStore, q: &str, format: &str) -> String {
    let out = s.cmd(NOW).args(["sql", q, "--format", format]).output().expect("run");
    ok(&out);
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn csv_uses_campus_time_decimals_as_stored_and_empty_nulls() {
    let s = store_with_cards();
    let q = "SELECT txn_id, ts, amount, merchant_id, location, amount > 5 AS big, CAST(amount AS DOUBLE) / 3 AS third FROM card_transactions ORDER BY txn_id";
    let text = run(&s, q, "csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "txn_id,ts,amount,merchant_id,location,big,third");
    assert_eq!(lines[1], "T1,2025-09-01T07:42:13+08:00,12.50,,,true,4.166666666666667");
    assert_eq!(lines[2], "T2,2025-09-01T07:42:13+08:00,3.00,M1,\"North, 1F\",false,1");
}

#[test]
fn json_and_ndjson_use_numbers_and_nulls() {
    let s = store_with_cards();
    let q =
        "SELECT txn_id, amount, merchant_id, CAST('2025-09-01' AS DATE) AS d FROM card_transactions ORDER BY txn_id";
    let json: serde_json::Value = serde_json::from_str(&run(&s, q, "json")).expect("json array");
    assert_eq!(json[0]["amount"], serde_json::json!(12.5));
    assert_eq!(json[0]["merchant_id"], serde_json::Value::Null);
    assert_eq!(json[1]["d"], "2025-09-01");
    let nd = run(&s, q, "ndjson");
    let lines: Vec<serde_json::Value> = nd.lines().map(|l| serde_json::from_str(l).expect("object")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["txn_id"], "T2");
    assert!(nd.lines().next().expect("line").starts_with("{\"txn_id\""), "column order kept");
}

#[test]
fn fractional_seconds_only_when_not_zero() {
    let s = TestStore::new();
    let dir = s.scratch("in");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(sample("campus/students.csv"), dir.join("students.csv")).expect("cp");
    let sid = s_first_student();
    std::fs::write(
        dir.join("access_events.csv"),
        format!(
            "event_id,student_id,ts,place_type,place_id,direction\nE1,{sid},2025-09-01T07:42:13.25+08:00,dorm,B1,in\n"
        ),
    )
    .expect("w");
    ok(&s.ingest(&[&dir]));
    assert_eq!(s.sql("SELECT ts FROM access_events")[1][0], "2025-09-01T07:42:13.25+08:00");
    let table = run(&s, "SELECT event_id FROM access_events", "table");
    assert!(table.contains("E1"));
}

#[test]
fn an_empty_result_still_has_its_csv_header() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus")]));
    let rows = s.sql("SELECT student_id, name FROM students WHERE student_id = 'nobody'");
    assert_eq!(rows, vec![vec!["student_id".to_string(), "name".to_string()]]);
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    use std::io::Read;
    let s = store_with_cards();
    for format in ["csv", "json", "table"] {
        let mut child = s
            .cmd(NOW)
            // Store tables only (`radar sql` refuses table functions): 27 million rows.
            .args(["sql", "SELECT a.student_id FROM students a, students b, students c", "--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut first = [0u8; 64];
        child.stdout.take().expect("stdout").read_exact(&mut first).expect("read");
        // The pipe closes here, as `| head` would close it.
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
