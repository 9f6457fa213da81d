//! Personal data stays where it belongs: quarantine `raw` and the replay queue keep only
//! the contract's columns with every personal, protected and sensitive one blanked.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};

use crate::util::{ok, TestStore};

/// Values that must never reach `quarantine.raw` or `quarantine_replay.payload`.
const SECRETS: [&str; 9] = [
    "张三丰",             // student name
    "李四光",             // staff name
    "13800138000",        // extra column: phone
    "110101199003070011", // extra column: ID card
    "家庭困难情绪低落",   // process record summary
    "213.5",              // screening score
    "high_risk",          // screening band
    "probationary_member",
    "黑龙江",
];

const STUDENT_COLS: &str = "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,\
dorm_floor,dorm_room,counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status";

fn student(id: &str, cohort: &str) -> String {
    format!(
        "{id},张三丰,F,CS,SE,C1,{cohort},undergraduate,B1,3,301,T1,,probationary_member,黑龙江,special_hardship,active"
    )
}

/// CSV files of four kinds with `phone` and `id_card` columns, one rejected row and one
/// row with the wrong number of fields each.
fn write_csv(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let x = ",13800138000,110101199003070011";
    let students = format!(
        "phone,{STUDENT_COLS},id_card\n13800138000,{}\n13800138000,{},110101199003070011\n13800138000,{},extra,110101199003070011\n",
        student("S1", "2024") + ",110101199003070011",
        student("S2", "20x4"),
        student("S3", "2024"),
    );
    std::fs::write(dir.join("students.csv"), students).expect("w");
    let staff = format!(
        "staff_id,name,role,college,building,phone,id_card\nT1,李四光,counsellor,CS,B1{x}\nT2,李四光,janitor,CS,B1{x}\n\
         T3,李四光,counsellor,CS{x}\n"
    );
    std::fs::write(dir.join("staff.csv"), staff).expect("w");
    let pr = format!(
        "record_id,student_id,staff_id,ts,kind,duration_min,summary,follow_up,phone,id_card\n\
         P1,S1,T1,2025-09-01 10:00:00,talk,30,家庭困难情绪低落,true{x}\n\
         P2,S1,T1,2025-09-01 10:00:00,chat,30,家庭困难情绪低落,true{x}\n\
         P3,S1,T1,2025-09-01 10:00:00,talk,30,家庭困难,情绪低落,true{x}\n"
    );
    std::fs::write(dir.join("process_records.csv"), pr).expect("w");
    let asmt = format!(
        "assessment_id,student_id,ts,kind,score,level,phone,id_card\n\
         A1,S1,2025-09-01 10:00:00,iq_test,213.5,high_risk{x}\n\
         A2,S404,2025-09-01 10:00:00,psych_screening,213.5,high_risk{x}\n\
         A3,S1,2025-09-01 10:00:00,psych_screening,213.5,high_risk,{x}\n"
    );
    std::fs::write(dir.join("assessments.csv"), asmt).expect("w");
}

/// The same in NDJSON, with a malformed line instead of a short row.
fn write_ndjson(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let cols: Vec<&str> = STUDENT_COLS.split(',').collect();
    let obj = |id: &str, cohort: &str| {
        let vals: Vec<String> = student(id, cohort).split(',').map(String::from).collect();
        let mut m: serde_json::Map<String, serde_json::Value> =
            cols.iter().zip(vals).map(|(c, v)| (c.to_string(), serde_json::Value::String(v))).collect();
        m.insert("phone".into(), "13800138000".into());
        m.insert("id_card".into(), "110101199003070011".into());
        serde_json::Value::Object(m).to_string()
    };
    let bad = r#"{"student_id": "S9", "name": "张三丰", "phone": "13800138000", "id_card": "110101199003070011""#;
    let lines = [obj("S1", "2024"), obj("S2", "20x4"), bad.to_string()];
    std::fs::write(dir.join("students.ndjson"), lines.join("\n") + "\n").expect("w");
    let x = r#""phone": "13800138000", "id_card": "110101199003070011""#;
    let staff = format!(
        "{{\"staff_id\": \"T1\", \"name\": \"李四光\", \"role\": \"counsellor\", {x}}}\n\
         {{\"staff_id\": \"T2\", \"name\": \"李四光\", \"role\": \"janitor\", {x}}}\n\
         [\"T3\", \"李四光\", \"13800138000\"]\n"
    );
    std::fs::write(dir.join("staff.ndjson"), staff).expect("w");
    let pr = format!(
        "{{\"record_id\": \"P1\", \"student_id\": \"S1\", \"staff_id\": \"T1\", \"ts\": \"2025-09-01 10:00:00\", \"kind\": \"chat\", \"summary\": \"家庭困难情绪低落\", {x}}}\n\
         {{\"record_id\": \"P2\", \"summary\": \"家庭困难情绪低落\", {x}\n"
    );
    std::fs::write(dir.join("process_records.ndjson"), pr).expect("w");
    let asmt = format!(
        "{{\"assessment_id\": \"A1\", \"student_id\": \"S1\", \"ts\": \"2025-09-01 10:00:00\", \"kind\": \"iq_test\", \"score\": 213.5, \"level\": \"high_risk\", {x}}}\n\
         {{\"assessment_id\": \"A2\", \"student_id\": \"S404\", \"ts\": \"2025-09-01 10:00:00\", \"kind\": \"psych_screening\", \"score\": 213.5, \"level\": \"high_risk\", {x}}}\n\
         {{\"assessment_id\": \"A3\", \"score\": 213.5, \"level\": \"high_risk\", {x}\n"
    );
    std::fs::write(dir.join("assessments.ndjson"), asmt).expect("w");
}

fn write_parquet(path: &Path, columns: Vec<(&str, Vec<&str>)>) {
    let cols: Vec<(&str, ArrayRef)> =
        columns.into_iter().map(|(n, v)| (n, Arc::new(StringArray::from(v)) as ArrayRef)).collect();
    let fields: Vec<Field> = cols.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    let batch =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols.into_iter().map(|(_, a)| a).collect()).expect("batch");
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).expect("create"), batch.schema(), None)
            .expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

/// Parquet files of the four kinds with the extra columns and one rejected row each.
fn write_parquet_files(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut cols: Vec<(&str, Vec<&str>)> = Vec::new();
    let s1 = student("S1", "2024");
    let s2 = student("S2", "20x4");
    let (v1, v2): (Vec<&str>, Vec<&str>) = (s1.split(',').collect(), s2.split(',').collect());
    for (i, c) in STUDENT_COLS.split(',').enumerate() {
        cols.push((c, vec![v1[i], v2[i]]));
    }
    cols.push(("phone", vec!["13800138000"; 2]));
    cols.push(("id_card", vec!["110101199003070011"; 2]));
    write_parquet(&dir.join("students.parquet"), cols);
    let extra = |mut v: Vec<(&'static str, Vec<&'static str>)>, n: usize| {
        v.push(("phone", vec!["13800138000"; n]));
        v.push(("id_card", vec!["110101199003070011"; n]));
        v
    };
    write_parquet(
        &dir.join("staff.parquet"),
        extra(
            vec![("staff_id", vec!["T1", "T2"]), ("name", vec!["李四光"; 2]), ("role", vec!["counsellor", "janitor"])],
            2,
        ),
    );
    write_parquet(
        &dir.join("process_records.parquet"),
        extra(
            vec![
                ("record_id", vec!["P1"]),
                ("student_id", vec!["S1"]),
                ("staff_id", vec!["T1"]),
                ("ts", vec!["2025-09-01 10:00:00"]),
                ("kind", vec!["chat"]),
                ("summary", vec!["家庭困难情绪低落"]),
            ],
            1,
        ),
    );
    write_parquet(
        &dir.join("assessments.parquet"),
        extra(
            vec![
                ("assessment_id", vec!["A1", "A2"]),
                ("student_id", vec!["S1", "S404"]),
                ("ts", vec!["2025-09-01 10:00:00"; 2]),
                ("kind", vec!["iq_test", "psych_screening"]),
                ("score", vec!["213.5"; 2]),
                ("level", vec!["high_risk"; 2]),
            ],
            2,
        ),
    );
}

/// Every quarantine entry: (kind, reason, raw), and every replay payload.
fn quarantine(s: &TestStore) -> (Vec<Vec<String>>, Vec<String>) {
    let q = s.sql("SELECT kind, reason, raw FROM quarantine ORDER BY kind, \"row\"");
    let p = s.sql("SELECT payload FROM quarantine_replay");
    (q[1..].to_vec(), p[1..].iter().map(|r| r[0].clone()).collect())
}

fn assert_nothing_leaks(q: &[Vec<String>], payloads: &[String]) {
    for row in q {
        for secret in SECRETS {
            assert!(!row[2].contains(secret), "`{secret}` in quarantine raw: {row:?}");
        }
    }
    assert!(!payloads.is_empty(), "an unknown-student row waits for replay");
    for p in payloads {
        for secret in ["13800138000", "110101199003070011", "phone", "id_card"] {
            assert!(!p.contains(secret), "extra column in the replay payload: {p}");
        }
    }
}

/// The kinds and reasons set aside by each format's files.
fn reasons(q: &[Vec<String>]) -> Vec<(String, String)> {
    q.iter().map(|r| (r[0].clone(), r[1].clone())).collect()
}

#[test]
fn csv_quarantine_raw_keeps_only_contract_columns_with_sensitive_ones_blanked() {
    let s = TestStore::new();
    let dir = s.scratch("in");
    write_csv(&dir);
    ok(&s.ingest(&[&dir]));
    let (q, payloads) = quarantine(&s);
    let by = |kind: &str, reason: &str| {
        q.iter().filter(|r| r[0] == kind && r[1] == reason).map(|r| r[2].clone()).collect::<Vec<_>>()
    };
    let want = [
        ("assessments", "bad_enum"),
        ("assessments", "unknown_student"),
        ("assessments", "bad_row"),
        ("process_records", "bad_enum"),
        ("process_records", "bad_row"),
        ("staff", "bad_enum"),
        ("staff", "bad_row"),
        ("students", "bad_number"),
        ("students", "bad_row"),
    ];
    for (kind, reason) in want {
        assert_eq!(by(kind, reason).len(), 1, "{kind} {reason}: {q:?}");
    }
    assert_nothing_leaks(&q, &payloads);
    // The contract's columns in contract order; personal, protected, sensitive ones empty.
    assert_eq!(by("students", "bad_number")[0], "S2,,,CS,SE,C1,20x4,undergraduate,B1,3,301,T1,,,,,active");
    assert_eq!(by("staff", "bad_enum")[0], "T2,,janitor,CS,B1");
    assert_eq!(by("process_records", "bad_enum")[0], "P2,S1,T1,2025-09-01 10:00:00,chat,30,,true");
    assert_eq!(by("assessments", "bad_enum")[0], "A1,S1,2025-09-01 10:00:00,iq_test,,");
    // A row with the wrong number of fields cannot be matched to columns: nothing is kept.
    for kind in ["students", "staff", "process_records", "assessments"] {
        assert_eq!(by(kind, "bad_row"), [""], "{kind}");
    }
}

#[test]
fn ndjson_quarantine_raw_keeps_only_contract_keys_with_sensitive_ones_blanked() {
    let s = TestStore::new();
    let dir = s.scratch("in");
    write_ndjson(&dir);
    ok(&s.ingest(&[&dir]));
    let (q, payloads) = quarantine(&s);
    assert_eq!(q.iter().filter(|r| r[1] == "bad_row").count(), 4, "{q:?}");
    assert_nothing_leaks(&q, &payloads);
    for row in q.iter().filter(|r| r[1] != "bad_row") {
        let v: serde_json::Value = serde_json::from_str(&row[2]).expect("raw is a JSON object");
        let keys: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
        assert!(!keys.contains(&"phone") && !keys.contains(&"id_card"), "{row:?}");
        if row[0] == "students" {
            assert_eq!(keys.len(), 17);
            for k in ["name", "gender", "political_status", "hometown_province", "financial_aid_level"] {
                assert_eq!(v[k], "", "{k} blanked: {row:?}");
            }
            assert_eq!(v["cohort"], "20x4");
        }
    }
    assert!(q.iter().filter(|r| r[1] == "bad_row").all(|r| r[2].is_empty()), "malformed lines keep nothing");
}

#[test]
fn parquet_quarantine_raw_keeps_only_contract_columns_with_sensitive_ones_blanked() {
    let s = TestStore::new();
    let dir = s.scratch("in");
    write_parquet_files(&dir);
    ok(&s.ingest(&[&dir]));
    let (q, payloads) = quarantine(&s);
    assert_eq!(reasons(&q).len(), 5, "{q:?}");
    assert_nothing_leaks(&q, &payloads);
    let staff = q.iter().find(|r| r[0] == "staff").expect("staff row");
    let v: serde_json::Value = serde_json::from_str(&staff[2]).expect("json");
    assert_eq!(
        v,
        serde_json::json!({"staff_id": "T2", "name": "", "role": "janitor", "college": null, "building": null})
    );
}

// ------------------------------------------------------------------ per-viewer outputs

const CAMPUS: [(&str, &str); 7] = [
    (
        "students.csv",
        "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,dorm_room,\
counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status
S1,张三丰,M,CS,SE,SE2401,2024,undergraduate,B1,7,A718,C1,M1,probationary_member,黑龙江,special_hardship,active
S2,李四,F,CS,SE,SE2401,2024,undergraduate,B1,4,402,C2,,masses,Hunan,none,active
PEER9,裴九,F,CS,SE,SE2301,2023,undergraduate,B2,2,202,C2,,masses,Hunan,none,active
",
    ),
    (
        "staff.csv",
        "staff_id,name,role,college,building
C1,王老师,counsellor,CS,B1
C2,赵老师,counsellor,CS,B1
PSY1,孙老师,psychologist,,
M1,钱老师,mentor,CS,
L1,吴老师,leader,CS,
L2,郑老师,leader,Maths,
X1,周老师,career_advisor,,
",
    ),
    (
        "courses.csv",
        "course_id,course_name,credits,category,college\nK1,Calculus,3,compulsory,CS\nK2,Physics,3,compulsory,CS\n",
    ),
    (
        "grades.csv",
        "student_id,course_id,term,attempt,score,status,recorded_at
S1,K1,2024-2025-2,1,41,normal,2025-07-05
S1,K2,2024-2025-2,1,38,normal,2025-07-05
S2,K1,2024-2025-2,1,88,normal,2025-07-05
PEER9,K1,2023-2024-2,1,45,normal,2024-07-05
PEER9,K2,2023-2024-2,1,66,normal,2024-07-05
PEER9,K1,2024-2025-1,1,88,normal,2025-01-10
PEER9,K2,2024-2025-1,1,91,normal,2025-01-10
",
    ),
    (
        "process_records.csv",
        "record_id,student_id,staff_id,ts,kind,duration_min,summary,follow_up
PR1,S1,C1,2025-09-08 10:00:00,talk,30,家庭情况沟通,true
PR2,S1,PSY1,2025-09-15 16:00:00,psych_consult,50,焦虑失眠,true
",
    ),
    (
        "assessments.csv",
        "assessment_id,student_id,ts,kind,score,level\nAS1,S1,2025-09-12 14:00:00,psych_screening,213.5,high_risk\n",
    ),
    (
        "card_transactions.csv",
        "txn_id,student_id,ts,amount,kind,merchant_category,merchant_id,location
T1,S1,2025-09-08 07:30:00,6.50,purchase,canteen,M01,一食堂
T2,S2,2025-09-09 12:10:00,11.00,purchase,canteen,M01,一食堂
T3,PEER9,2025-09-09 12:20:00,9.00,purchase,canteen,M01,一食堂
T4,S1,2025-09-16 07:40:00,6.00,purchase,canteen,M01,一食堂
",
    ),
];

/// The grants table of `profile::access`, written out again here so that a change there
/// that shows more than it should fails this test: (role, viewer, grants).
const ROLES: [(&str, Option<&str>, &[&str]); 8] = [
    ("anonymous", None, &[]),
    ("the student's counsellor", Some("C1"), &["name", "room", "sensitive", "notes", "psych", "peers"]),
    ("another counsellor", Some("C2"), &[]),
    ("psychologist", Some("PSY1"), &["name", "room", "notes", "psych"]),
    ("the student's mentor", Some("M1"), &["name", "peers"]),
    ("leader of the college", Some("L1"), &["name"]),
    ("leader of another college", Some("L2"), &[]),
    ("career advisor", Some("X1"), &["name"]),
];

/// Each withheld value and the grant that lets a viewer see it (`never`: no one).
const VALUES: [(&str, &str); 20] = [
    ("张三丰", "name"),
    ("A718", "room"),
    ("probationary_member", "sensitive"),
    ("黑龙江", "sensitive"),
    ("special_hardship", "sensitive"),
    ("家庭情况沟通", "notes"),
    ("焦虑失眠", "psych"),
    ("心理筛查得分", "psych"), // the screening warning's reason, with score and band
    ("Psychological screening", "psych"),
    ("high_risk", "psych"),
    ("wellbeing.screening", "psych"),
    ("psych_consult", "psych"),
    ("心理咨询", "psych"),
    ("psych consult", "psych"),
    ("PSY1", "psych"),
    ("PEER9", "peers"),
    ("裴九", "never"),
    ("2023-2024-2", "never"),
    ("gpa_before", "never"),
    ("gpa_after", "never"),
];

fn leaves(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Number(n) => out.push(n.to_string()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| leaves(x, out)),
        _ => {}
    }
}

fn run(s: &TestStore, args: &[&str], viewer: Option<&str>) -> String {
    let mut c = s.cmd(crate::util::NOW);
    c.args(args);
    if let Some(v) = viewer {
        c.args(["--as", v]);
    }
    let out = c.output().expect("run radar");
    ok(&out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn csv_cells(text: &str) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    r.records().flat_map(|rec| rec.expect("csv").iter().map(String::from).collect::<Vec<_>>()).collect()
}

/// Every value of every output a viewer gets for S1: (output, values).
fn outputs(s: &TestStore, viewer: Option<&str>) -> Vec<(&'static str, Vec<String>)> {
    let mut out = Vec::new();
    let json: serde_json::Value =
        serde_json::from_str(&run(s, &["profile", "S1", "--format", "json"], viewer)).expect("profile json");
    let mut v = Vec::new();
    leaves(&json, &mut v);
    out.push(("profile json", v));
    out.push(("profile text", vec![run(s, &["profile", "S1", "--format", "text"], viewer)]));
    out.push(("profile html", vec![run(s, &["profile", "S1", "--format", "html"], viewer)]));
    out.push(("timeline", csv_cells(&run(s, &["timeline", "S1", "--format", "csv"], viewer))));
    let recs: serde_json::Value =
        serde_json::from_str(&run(s, &["recommend", "S1", "--format", "json"], viewer)).expect("recommend json");
    let mut v = Vec::new();
    leaves(&recs, &mut v);
    out.push(("recommendations", v));
    out
}

/// The campus above, ingested and refreshed as of 2025-09-22.
fn campus() -> TestStore {
    let s = TestStore::new();
    let dir = s.scratch("campus");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (name, text) in CAMPUS {
        std::fs::write(dir.join(name), text).expect("write fixture");
    }
    ok(&s.ingest(&[&dir]));
    ok(&s.cmd(crate::util::NOW).args(["refresh", "--as-of", "2025-09-22"]).output().expect("refresh"));
    s
}

#[test]
fn every_value_of_every_output_follows_the_grants_table_for_every_role() {
    let s = campus();
    // The fixture holds what the test is about: a screening warning, a psych consultation,
    // a staff note and a peer mentor, all visible to the student's counsellor.
    let full = outputs(&s, Some("C1"));
    let all: String = full.iter().flat_map(|(_, v)| v.iter().cloned()).collect::<Vec<_>>().join("\n");
    for (value, grant) in VALUES.iter().filter(|(_, g)| *g != "never") {
        assert!(all.contains(value), "the counsellor should see {value} ({grant}): the fixture lacks it");
    }

    for (role, viewer, grants) in ROLES {
        for (output, values) in outputs(&s, viewer) {
            for (secret, grant) in VALUES {
                if grants.contains(&grant) {
                    continue;
                }
                let hit = values.iter().find(|v| v.contains(secret));
                assert!(hit.is_none(), "{role}: `{secret}` ({grant}) in {output}: {hit:?}");
            }
        }
    }

    // The SQL copy is the anonymous view (S1's row: the peer's own row holds their id).
    let rows = s.sql("SELECT * FROM student_profiles WHERE student_id = 'S1'");
    let cells: Vec<&String> = rows.iter().flatten().collect();
    assert!(rows.len() > 1, "student_profiles has rows");
    for (secret, grant) in VALUES {
        assert!(!cells.iter().any(|c| c.contains(secret)), "`{secret}` ({grant}) in student_profiles");
    }

    // Each named view was audited with ids only.
    let audit = audit_rows(&s, "action IN ('profile.view', 'timeline.view', 'recommend.view')");
    let named = ROLES.iter().filter(|r| r.1.is_some()).count() + 1;
    assert_eq!(audit.len(), named * 5, "five outputs per named view: {audit:?}");
    for row in &audit {
        assert_eq!((row[2].as_str(), row[3].as_str()), ("S1", "1"), "{row:?}");
        for (secret, _) in VALUES {
            assert!(!row.iter().any(|c| c.contains(secret) && c != "PSY1"), "`{secret}` in audit_log: {row:?}");
        }
    }
}

/// Rows of `audit_log` matching `filter`: actor, action, subject, students, detail.
pub fn audit_rows(s: &TestStore, filter: &str) -> Vec<Vec<String>> {
    let db = rusqlite::Connection::open(s.path().join("ops.sqlite")).expect("ops");
    let exists: i64 = db
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'audit_log'", [], |r| r.get(0))
        .expect("sqlite_master");
    if exists == 0 {
        return Vec::new();
    }
    let sql = format!(
        "SELECT actor, action, subject, CAST(students AS TEXT), detail FROM audit_log WHERE {filter} ORDER BY seq"
    );
    let mut st = db.prepare(&sql).expect("audit query");
    st.query_map([], |r| (0..5).map(|i| r.get::<_, String>(i)).collect::<Result<Vec<_>, _>>())
        .expect("audit rows")
        .map(|r| r.expect("row"))
        .collect()
}

fn radar_in(s: &TestStore, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    let mut c = s.cmd(crate::util::NOW);
    c.args(args).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
    c.stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("spawn radar");
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.unwrap_or_default().as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("radar")
}

#[test]
fn notes_come_from_a_file_or_stdin_and_are_never_in_the_audit_log() {
    let s = campus();
    let list = radar_in(&s, &["warnings", "--student", "S1", "--format", "json"], None);
    ok(&list);
    let warnings: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let wid = warnings[0]["warning_id"].as_str().expect("a warning of S1").to_string();
    let note = s.scratch("note.txt");
    std::fs::write(&note, "电话联系家长，情况稳定\n").expect("write note");
    let note_arg = note.to_string_lossy().into_owned();
    ok(&radar_in(&s, &["warnings", "ack", &wid, "--by", "C1", "--note-file", &note_arg], None));
    ok(&radar_in(&s, &["warnings", "start", &wid, "--by", "C1", "--note", "-"], Some("学生情绪已平复\n")));
    ok(&radar_in(&s, &["warnings", "log", &wid, "--kind", "talk", "--by", "C1", "--note-file", &note_arg], None));
    // Inline and file together, an empty file, a missing file, empty stdin: usage errors.
    let empty = s.scratch("empty.txt");
    std::fs::write(&empty, "\n").expect("write");
    let empty_arg = empty.to_string_lossy().into_owned();
    let missing = s.scratch("missing.txt").to_string_lossy().into_owned();
    for (args, stdin, says) in [
        (vec!["resolve", &wid, "--by", "C1", "--note", "x", "--note-file", &note_arg], None, "cannot be used with"),
        (vec!["resolve", &wid, "--by", "C1", "--note-file", &empty_arg], None, "is empty"),
        (vec!["resolve", &wid, "--by", "C1", "--note-file", &missing], None, "cannot read --note-file"),
        (vec!["false-positive", &wid, "--by", "C1", "--note", "-"], Some(""), "standard input (--note -) is empty"),
        (vec!["log", &wid, "--kind", "talk", "--by", "C1"], None, "--note"),
    ] {
        let mut full = vec!["warnings"];
        full.extend(args.iter().copied());
        let out = radar_in(&s, &full, stdin);
        assert_eq!(out.status.code(), Some(2), "{full:?}: {}", crate::util::stderr(&out));
        assert!(crate::util::stderr(&out).contains(says), "{full:?}: {}", crate::util::stderr(&out));
    }
    // The warning is still in progress: the failed commands changed nothing.
    let show = radar_in(&s, &["warnings", "show", &wid, "--as", "C1", "--format", "csv"], None);
    ok(&show);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.contains("电话联系家长，情况稳定") && text.contains("学生情绪已平复"), "{text}");
    assert!(text.contains("in_progress") && !text.contains("resolved"), "{text}");
    let audit = audit_rows(&s, "1=1");
    for row in &audit {
        for secret in ["电话联系家长", "学生情绪已平复", "张三丰", "李四", "裴九"] {
            assert!(!row.iter().any(|c| c.contains(secret)), "`{secret}` in audit_log: {row:?}");
        }
    }
}

#[test]
fn warnings_show_listings_and_exports_write_one_audit_row_each() {
    let s = campus();
    let open = s.count("SELECT count(DISTINCT student_id) FROM warnings WHERE status = 'new'").to_string();
    let before = audit_rows(&s, "1=1").len();
    let xlsx = s.scratch("w.xlsx").to_string_lossy().into_owned();
    ok(&radar_in(&s, &["warnings", "--with-names", "--format", "csv", "--as", "C1"], None));
    ok(&radar_in(&s, &["warnings", "--format", "xlsx", "--output", &xlsx], None));
    ok(&radar_in(&s, &["warnings", "--format", "ndjson", "--counsellor", "C2"], None));
    let list = radar_in(&s, &["warnings", "--student", "S1", "--format", "json"], None);
    ok(&list);
    let warnings: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let wid = warnings[0]["warning_id"].as_str().expect("a warning").to_string();
    ok(&radar_in(&s, &["warnings", "show", &wid], None));
    // An unknown viewer is refused before anything is shown or recorded.
    let bad = radar_in(&s, &["warnings", "show", &wid, "--as", "NOBODY"], None);
    assert_eq!(bad.status.code(), Some(1), "{}", crate::util::stderr(&bad));
    assert!(bad.stdout.is_empty());

    let rows = audit_rows(&s, "1=1");
    let rows = &rows[before..];
    assert_eq!(rows.len(), 5, "{rows:?}");
    let actions: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(actions, ["warnings.export", "warnings.export", "warnings.export", "warnings.export", "warnings.show"]);
    assert_eq!(rows[0][0], "C1");
    assert!(rows[1..].iter().all(|r| r[0].starts_with("os:")), "the OS user without --as: {rows:?}");
    assert_eq!(rows[0][3], open, "students disclosed: {rows:?}");
    let detail = |i: usize| serde_json::from_str::<serde_json::Value>(&rows[i][4]).expect("detail json");
    assert_eq!(detail(0)["with_names"], true);
    assert_eq!((detail(1)["format"].as_str(), detail(1)["to"].as_str()), (Some("xlsx"), Some("file")));
    assert_eq!(rows[2][2], "C2");
    assert_eq!((rows[3][2].as_str(), rows[3][3].as_str()), ("S1", "1"));
    assert_eq!((rows[4][2].as_str(), rows[4][3].as_str()), (wid.as_str(), "1"));
    for row in rows {
        for secret in ["张三丰", "李四", "裴九", "心理筛查得分", "high_risk", "w.xlsx"] {
            assert!(!row.iter().any(|c| c.contains(secret)), "`{secret}` in audit_log: {row:?}");
        }
    }
}
