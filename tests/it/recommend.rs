//! `radar recommend` and `radar evaluate recommendations`: on a hand-written campus where
//! the answer is obvious (co-participation, cold start, an open academic warning and a
//! peer who recovered), the table written by `--all` is stable on re-runs, an unknown
//! student fails, and on a generated campus CF beats the popularity baseline.

use std::path::Path;
use std::process::Output;

use crate::util::*;

const STUDENTS: &str = "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,\
dorm_room,counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status
A1,甲一,M,计算机学院,计算机科学,计科2401,2024,undergraduate,D01,1,101,0001,,masses,,none,active
A2,甲二,F,计算机学院,计算机科学,计科2401,2024,undergraduate,D31,1,101,0001,,masses,,none,active
A3,甲三,M,计算机学院,计算机科学,计科2401,2024,undergraduate,D01,1,102,0001,,masses,,none,active
C1,丙一,F,计算机学院,计算机科学,计科2401,2024,undergraduate,D31,1,102,0001,,masses,,none,active
G1,戊一,F,文学院,汉语言文学,汉语2501,2025,undergraduate,D31,2,201,0002,,masses,,none,active
G2,戊二,F,文学院,汉语言文学,汉语2501,2025,undergraduate,D31,2,201,0002,,masses,,none,active
G3,戊三,M,文学院,汉语言文学,汉语2501,2025,undergraduate,D01,2,201,0002,,masses,,none,active
N1,新一,M,文学院,汉语言文学,汉语2501,2025,undergraduate,D01,2,202,0002,,masses,,none,active
M1,莫一,M,计算机学院,软件工程,软工2401,2024,undergraduate,D01,3,301,0001,,masses,,none,active
P1,裴一,F,计算机学院,软件工程,软工2301,2023,undergraduate,D31,3,301,0001,,masses,,none,active
";

const ACTIVITIES: &str = "activity_id,title,category,dimension,organiser,start_ts,end_ts,location
X1,摄影社活动日（第1期）,club,aesthetic,摄影协会,2025-09-06T19:00:00+08:00,2025-09-06T21:00:00+08:00,活动中心
X2,摄影社活动日（第2期）,club,aesthetic,摄影协会,2025-09-13T19:00:00+08:00,2025-09-13T21:00:00+08:00,活动中心
Y1,书法社练习会（第1期）,club,aesthetic,书法协会,2025-09-07T15:00:00+08:00,2025-09-07T17:00:00+08:00,社区活动室
Y2,书法社练习会（第2期）,club,aesthetic,书法协会,2025-09-14T15:00:00+08:00,2025-09-14T17:00:00+08:00,社区活动室
Y3,书法社练习会（第3期）,club,aesthetic,书法协会,2025-09-28T15:00:00+08:00,2025-09-28T17:00:00+08:00,社区活动室
W1,英语角(1),club,intellectual,外语协会,2025-09-11T19:00:00+08:00,2025-09-11T20:30:00+08:00,咖啡厅
Z1,篮球联赛 第1场,sports,physical,体育部,2025-09-10T16:00:00+08:00,2025-09-10T18:00:00+08:00,篮球场
Z2,篮球联赛 第2场,sports,physical,体育部,2025-09-17T16:00:00+08:00,2025-09-17T18:00:00+08:00,篮球场
";

const PARTICIPATION: &str = "participation_id,student_id,activity_id,role,hours,verified
P01,A1,X1,participant,2,true
P02,A1,Y1,participant,2,true
P03,A1,W1,participant,1.5,true
P04,A2,X2,participant,2,true
P05,A2,Y2,participant,2,true
P06,A3,X1,participant,2,true
P07,A3,Y2,participant,2,true
P08,C1,X1,participant,2,true
P09,G1,Z1,participant,2,true
P10,G1,Z2,participant,2,true
P11,G2,Z1,participant,2,true
P12,G3,Z2,participant,2,true
";

const LOANS: &str = "loan_id,student_id,book_id,clc_class,borrowed_at,due_at,returned_at
L01,A1,B-TP-1,TP312,2025-09-02T10:00:00+08:00,,
L02,A1,B-O-1,O211,2025-09-03T10:00:00+08:00,,
L03,A2,B-TP-2,TP311,2025-09-04T10:00:00+08:00,,
L04,A2,B-O-1,O211,2025-09-05T10:00:00+08:00,,
L05,A3,B-TP-1,TP312,2025-09-06T10:00:00+08:00,,
L06,A3,B-O-1,O211.2,2025-09-07T10:00:00+08:00,,
L07,C1,B-TP-1,TP312,2025-09-08T10:00:00+08:00,,
";

const COURSES: &str = "course_id,course_name,credits,category,college
SE101,程序设计,3,compulsory,计算机学院
SE102,离散数学,3,compulsory,计算机学院
";

// M1 fails both courses of their latest term; P1 failed one in 2023-2024-2 and did well after.
const GRADES: &str = "student_id,course_id,term,attempt,score,status,recorded_at
M1,SE101,2024-2025-2,1,41,normal,2025-07-05
M1,SE102,2024-2025-2,1,38,normal,2025-07-05
P1,SE101,2023-2024-2,1,45,normal,2024-07-05
P1,SE102,2023-2024-2,1,66,normal,2024-07-05
P1,SE101,2024-2025-1,1,88,normal,2025-01-10
P1,SE102,2024-2025-1,1,91,normal,2025-01-10
";

fn write_fixture(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for (name, text) in [
        ("students.csv", STUDENTS),
        ("activities.csv", ACTIVITIES),
        ("participation.csv", PARTICIPATION),
        ("library_loans.csv", LOANS),
        ("courses.csv", COURSES),
        ("grades.csv", GRADES),
        ("staff.csv", "staff_id,name,role,college,building\n0001,林老师,counsellor,计算机学院,\n"),
    ] {
        std::fs::write(dir.join(name), text).expect("write fixture");
    }
}

fn radar(s: &TestStore, args: &[&str]) -> Output {
    s.cmd(NOW).args(args).output().expect("run radar")
}

/// CSV rows of a successful command, header first.
fn rows(out: &Output) -> Vec<Vec<String>> {
    ok(out);
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(out.stdout.as_slice());
    r.records().map(|rec| rec.expect("csv").iter().map(String::from).collect()).collect()
}

fn col(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[test]
fn obvious_recommendations_cold_start_resources_mentor_and_stable_reruns() {
    let s = TestStore::new();
    let data = s.scratch("fixture");
    write_fixture(&data);
    ok(&s.ingest(&[&data]));
    // The refresh builds student_term and raises M1's academic warning.
    ok(&radar(&s, &["refresh"]));
    let warned = s.sql("SELECT student_id, category FROM warnings WHERE student_id = 'M1'");
    assert!(warned.iter().any(|r| r[1] == "academic"), "{warned:?}");

    // C1 joined only 摄影社; A1–A3 joined 摄影社 and 书法社: 书法社 first, naming 摄影社, pointing to its next session.
    let c = rows(&radar(&s, &["recommend", "C1", "--format", "csv"]));
    let h = &c[0];
    let want = [
        "student_id",
        "as_of",
        "rank",
        "kind",
        "item_id",
        "title",
        "title_en",
        "detail",
        "score",
        "reason_zh",
        "reason_en",
    ];
    assert_eq!(&h[..], &want[..]);
    let top = &c[1];
    assert_eq!((top[col(h, "rank")].as_str(), top[col(h, "kind")].as_str()), ("1", "activity"), "{c:?}");
    assert_eq!(top[col(h, "item_id")], "书法社练习会");
    assert_eq!(top[col(h, "as_of")], "2025-09-22");
    assert!(top[col(h, "reason_zh")].contains("摄影社活动日"), "{top:?}");
    assert!(top[col(h, "reason_en")].contains("students who joined 摄影社活动日 also joined 书法社练习会"), "{top:?}");
    assert!(top[col(h, "detail")].contains("\"Y3\""), "next session: {top:?}");
    // The joined series is never suggested again; books follow similar readers (TP → O, naming a book).
    assert!(!c[1..].iter().any(|r| r[col(h, "item_id")] == "摄影社活动日"));
    let book = c[1..].iter().find(|r| r[col(h, "kind")] == "book").expect("a book suggestion");
    assert_eq!(book[col(h, "item_id")], "O");
    assert!(book[col(h, "detail")].contains("B-O-1") && book[col(h, "reason_en")].contains("TP"), "{book:?}");
    // No names anywhere.
    let all = String::from_utf8_lossy(&radar(&s, &["recommend", "C1", "--format", "json"]).stdout).into_owned();
    for name in ["丙一", "甲一", "莫一", "裴一"] {
        assert!(!all.contains(name), "{name} in {all}");
    }

    // N1 has no record: its college and cohort's favourite, flagged as a cold start.
    let n = rows(&radar(&s, &["recommend", "N1", "--format", "csv"]));
    let first = n[1..].iter().find(|r| r[col(h, "kind")] == "activity").expect("an activity");
    assert_eq!(first[col(h, "item_id")], "篮球联赛");
    assert!(first[col(h, "reason_en")].starts_with("you have no activity record yet"), "{first:?}");
    assert!(first[col(h, "reason_en")].contains("your college's 2025 cohort (3 students joined)"), "{first:?}");
    assert!(
        first[col(h, "reason_zh")].contains("你还没有活动记录") && first[col(h, "reason_zh")].contains("文学院2025级")
    );

    // M1's open academic warning brings the tutoring centre first, then a peer mentor (ids
    // only, never the peer's grades), shown to M1's counsellor.
    let m = rows(&radar(&s, &["recommend", "M1", "-n", "3", "--format", "csv", "--as", "0001"]));
    assert_eq!(m.len(), 4, "-n 3: {m:?}");
    assert_eq!((m[1][col(h, "kind")].as_str(), m[1][col(h, "item_id")].as_str()), ("resource", "tutoring_centre"));
    assert!(m[1][col(h, "reason_en")].contains("academic.failed_credits_term"), "{m:?}");
    assert_eq!((m[2][col(h, "kind")].as_str(), m[2][col(h, "item_id")].as_str()), ("mentor", "P1"));
    for grade in ["2023-2024-2", "GPA", "绩点", "credits in"] {
        assert!(!m[2][col(h, "reason_en")].contains(grade) && !m[2][col(h, "reason_zh")].contains(grade), "{m:?}");
        assert!(!m[2][col(h, "detail")].contains("gpa") && !m[2][col(h, "detail")].contains("failed"), "{m:?}");
    }
    // Without a viewer the peer (another student) is not shown at all.
    let anon = rows(&radar(&s, &["recommend", "M1", "--format", "csv"]));
    assert!(!anon[1..].iter().any(|r| r[col(h, "kind")] == "mentor" || r[col(h, "item_id")] == "P1"), "{anon:?}");
    // Nobody else gets tutoring or a mentor.
    assert!(!c[1..].iter().any(|r| r[col(h, "kind")] == "resource" || r[col(h, "kind")] == "mentor"));

    // --all writes the table; the list printed afterwards comes from it and is the same.
    ok(&radar(&s, &["recommend", "--all"]));
    let table = s.table("recommendations");
    assert_eq!(s.count("SELECT count(DISTINCT student_id) FROM recommendations"), 10);
    assert_eq!(rows(&radar(&s, &["recommend", "C1", "--format", "csv"])), c);
    // Re-running changes nothing.
    ok(&radar(&s, &["recommend", "--all"]));
    assert_eq!(s.table("recommendations"), table);
    assert_eq!(s.count("SELECT count(*) FROM recommendations") as usize, table.len());
    // Ranks run 1..n per student.
    let bad = s.count(
        "SELECT count(*) FROM (SELECT student_id, max(rank) AS m, count(*) AS n FROM recommendations \
         GROUP BY student_id) WHERE m <> n",
    );
    assert_eq!(bad, 0);
}

#[test]
fn an_unknown_student_exits_1() {
    let s = TestStore::new();
    let data = s.scratch("fixture");
    write_fixture(&data);
    ok(&s.ingest(&[&data]));
    let out = radar(&s, &["recommend", "NOPE"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out).trim(), "radar: unknown student NOPE");
    // Also when the table exists for that date.
    ok(&radar(&s, &["recommend", "--all", "--as-of", "2025-09-22"]));
    let out = radar(&s, &["recommend", "NOPE", "--as-of", "2025-09-22"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unknown student NOPE"));
    // Neither a student nor --all is a usage error.
    assert_eq!(radar(&s, &["recommend"]).status.code(), Some(2));
}

#[test]
fn cf_beats_popularity_on_a_generated_campus() {
    let s = TestStore::new();
    let data = s.scratch("campus");
    let now = generate_campus(&data, "1500", "20", "1");
    ok(&s.ingest_at(&now, &[&data]));
    let out = s
        .cmd(&now)
        .args(["evaluate", "recommendations", "--as-of", &now[..10], "--format", "csv"])
        .output()
        .expect("run radar");
    let r = rows(&out);
    let h = &r[0];
    for c in ["what", "method", "students", "recall_at_k", "ndcg_at_k", "lift_vs_popularity"] {
        col(h, c);
    }
    let get = |what: &str, method: &str, c: &str| -> f64 {
        let row = r[1..].iter().find(|x| x[0] == what && x[1] == method).expect("row");
        row[col(h, c)].parse().expect("number")
    };
    let (cf, pop) = (get("activities", "item_cf", "recall_at_k"), get("activities", "popularity", "recall_at_k"));
    assert!(get("activities", "item_cf", "students") > 300.0);
    assert!(cf > pop * 1.2, "CF recall {cf} vs popularity {pop}");
    assert!(get("activities", "item_cf", "ndcg_at_k") > get("activities", "popularity", "ndcg_at_k"));
    assert!(get("books", "item_cf", "students") > 100.0);
}
