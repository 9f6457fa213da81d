//! `radar evaluate students` (comprehensive evaluation, 德智体美劳) and `radar evaluate
//! community` (guideline items 1.3, 1.5, 2.2, 2.6, 2.8) on a small hand-written campus
//! whose answers are worked out below.
//!
//! Clock 2025-10-08 08:00 local: D = 2025-10-08, the default term is 2025-2026-1 (window
//! 2025-08-01..2025-10-08) and the default month 2025-09.
//!
//! Population: ST01–ST14 (ST15 is withdrawn). Moral indicators, n = 14:
//! - volunteer_hours: ST05 3 h, ST06 1.5 h; ST03's 4 h are unverified and ST04's 5 h are
//!   from June (last term): neither counts. x' = 1, 0.5, else 0 → p = 2/3, 1/3,
//!   e_v = (−2/3·ln 2/3 − 1/3·ln 1/3) / ln 14, d_v = 1 − e_v.
//! - party_ideological_hours: no rows → no_values.
//! - award_points: ST07 3 (national) → p = 1 → e_a = 0, d_a = 1.
//! - discipline_points (negative): ST02 1 → x' = 0 for ST02, 1 for the 13 others →
//!   e_d = ln 13 / ln 14, d_d = 1 − e_d.
//!
//! So moral(ST01) = 100·d_d / (d_v + d_a + d_d) and moral(ST02) = 0: ST01 and ST02 differ
//! only by ST02's disciplinary warning. ST03 (unverified) and ST04 (last term) equal ST01.

use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

use crate::util::*;

const CLOCK: &str = "2025-10-08T08:00:00+08:00";

const STUDENTS: &str = "\
student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,dorm_room,counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status
ST01,张甲一,M,CS,软件工程,SE2401,2024,undergraduate,B1,1,101,C1,M1,league_member,,none,active
ST02,张甲二,M,CS,软件工程,SE2401,2024,undergraduate,B1,1,101,C1,M1,league_member,,none,active
ST03,张甲三,M,CS,软件工程,SE2401,2024,undergraduate,B1,1,102,C1,M1,party_member,,none,active
ST04,张甲四,M,CS,软件工程,SE2401,2024,undergraduate,B1,2,201,C1,M1,league_member,,none,active
ST05,张甲五,M,CS,软件工程,SE2401,2024,undergraduate,B1,2,201,C1,M1,league_member,,none,active
ST06,张甲六,M,CS,软件工程,SE2401,2024,undergraduate,B1,2,201,C1,M1,activist,,none,active
ST07,张甲七,M,CS,软件工程,SE2401,2024,undergraduate,B1,2,202,C1,M1,league_member,,none,active
ST08,张甲八,M,CS,软件工程,SE2401,2024,undergraduate,B1,2,202,C1,M1,masses,,none,active
ST09,张甲九,M,CS,软件工程,SE2401,2024,undergraduate,B1,2,202,C1,M1,league_member,,none,active
ST10,张甲十,M,CS,软件工程,SE2401,2024,undergraduate,B1,2,203,C1,M1,league_member,,none,active
ST11,张乙一,M,CS,软件工程,SE2401,2024,undergraduate,B1,2,203,C1,M1,league_member,,none,active
ST12,李丙一,F,EE,电子信息,EE2301,2023,undergraduate,B2,1,101,C2,M2,masses,,none,active
ST13,李丙二,F,EE,电子信息,EE2301,2023,undergraduate,B2,1,101,C2,M2,activist,,none,active
ST14,李丙三,F,EE,电子信息,EE2301,2023,undergraduate,,,,C2,M2,league_member,,none,active
ST15,李丙四,F,EE,电子信息,EE2301,2023,undergraduate,B2,1,102,C2,M2,party_member,,none,withdrawn
";

const STAFF: &str = "\
staff_id,name,role,college,building
C1,王辅一,counsellor,CS,B1
C2,王辅二,counsellor,EE,
M1,赵导一,mentor,CS,
M2,赵导二,mentor,EE,
M3,赵导三,mentor,CS,
L1,钱领一,leader,CS,
L2,钱领二,leader,EE,
";

const ACTIVITIES: &str = "\
activity_id,title,category,dimension,organiser,start_ts,end_ts,location
A0,夏季志愿服务,volunteer,moral,团委,2025-06-10T14:00:00+08:00,2025-06-10T19:00:00+08:00,
A1,社区志愿服务,volunteer,moral,团委,2025-09-10T14:00:00+08:00,2025-09-10T18:00:00+08:00,
A2,学术讲座,academic,intellectual,科研处,2025-09-11T19:00:00+08:00,2025-09-11T21:00:00+08:00,
A3,校园歌手大赛,arts,aesthetic,团委,2025-09-12T19:00:00+08:00,2025-09-12T21:00:00+08:00,
A4,社区农园劳动,labour,labour,社区,2025-09-13T09:00:00+08:00,2025-09-13T12:00:00+08:00,
";

const PARTICIPATION: &str = "\
participation_id,student_id,activity_id,role,hours,verified
P1,ST05,A1,volunteer,3,true
P2,ST06,A1,volunteer,1.5,true
P3,ST03,A1,volunteer,4,false
P4,ST05,A2,participant,2,true
P5,ST08,A3,participant,2,true
P6,ST09,A4,participant,3,true
P7,ST10,A4,participant,1,true
P8,ST04,A0,volunteer,5,true
";

const AWARDS: &str = "\
record_id,student_id,ts,kind,level,title
AW1,ST02,2025-09-15,disciplinary,warning,
AW2,ST07,2025-09-05,scholarship,national,
";

const COURSES: &str = "\
course_id,course_name,credits,category,college
C101,程序设计,3,compulsory,CS
";

const GRADES: &str = "\
student_id,course_id,term,attempt,score,status,recorded_at
ST01,C101,2025-2026-1,1,90,normal,2025-09-20
ST02,C101,2025-2026-1,1,90,normal,2025-09-20
ST05,C101,2025-2026-1,1,60,normal,2025-09-20
ST06,C101,2025-2026-1,1,75,normal,2025-09-20
";

const ASSESSMENTS: &str = "\
assessment_id,student_id,ts,kind,score,level
AS1,ST01,2025-09-08T10:00:00+08:00,physical_fitness,80,
AS2,ST02,2025-09-08T10:00:00+08:00,physical_fitness,80,
AS3,ST05,2025-09-08T10:00:00+08:00,physical_fitness,70,
";

const ACCESS: &str = "\
event_id,student_id,ts,place_type,place_id,direction
E1,ST06,2025-09-09T18:00:00+08:00,gym,G1,in
E2,ST06,2025-09-09T19:00:00+08:00,gym,G1,out
E3,ST06,2025-09-10T18:00:00+08:00,gym,G1,in
E4,ST06,2025-09-10T18:30:00+08:00,gym,G1,in
E5,ST07,2025-09-11T07:00:00+08:00,gym,G1,in
";

const PROCESS: &str = "\
record_id,student_id,staff_id,ts,kind,duration_min,summary,follow_up
R1,ST01,M1,2025-09-03T10:00:00+08:00,mentor_meeting,30,谈学业规划,
R2,ST02,M1,2025-09-10T10:00:00+08:00,mentor_meeting,30,谈学业规划,
R3,ST03,M1,2025-08-20T10:00:00+08:00,mentor_meeting,30,,
R4,ST12,M2,2025-09-12T10:00:00+08:00,mentor_meeting,30,,
R5,ST01,L1,2025-09-05T15:00:00+08:00,leader_visit,20,,
R6,ST04,L1,2025-09-25T15:00:00+08:00,leader_visit,20,,
R7,ST12,C1,2025-09-06T15:00:00+08:00,leader_visit,20,,
R8,ST05,L2,2025-10-02T15:00:00+08:00,leader_visit,20,,
";

fn campus(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for (name, text) in [
        ("students", STUDENTS),
        ("staff", STAFF),
        ("activities", ACTIVITIES),
        ("participation", PARTICIPATION),
        ("awards", AWARDS),
        ("courses", COURSES),
        ("grades", GRADES),
        ("assessments", ASSESSMENTS),
        ("access_events", ACCESS),
        ("process_records", PROCESS),
    ] {
        std::fs::write(dir.join(format!("{name}.csv")), text).expect("write fixture");
    }
}

fn radar(s: &TestStore, args: &[&str]) -> Output {
    s.cmd(CLOCK).args(args).output().expect("run radar")
}

/// CSV stdout as rows of column → value.
fn rows(out: &Output) -> Vec<HashMap<String, String>> {
    ok(out);
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = r.headers().expect("header").iter().map(String::from).collect();
    r.records().map(|rec| header.iter().cloned().zip(rec.expect("csv").iter().map(String::from)).collect()).collect()
}

fn num(r: &HashMap<String, String>, k: &str) -> f64 {
    r.get(k).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no number {k} in {r:?}"))
}

fn by_id<'a>(rows: &'a [HashMap<String, String>], key: &str, id: &str) -> &'a HashMap<String, String> {
    rows.iter().find(|r| r[key] == id).unwrap_or_else(|| panic!("no {key} {id}"))
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: {a} != {b}");
}

fn no_personal_data(out: &Output) {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    for name in ["张甲", "李丙", "王辅", "赵导", "钱领", "谈学业"] {
        assert!(!text.contains(name), "personal data `{name}` in output:\n{text}");
    }
}

#[test]
fn evaluation_of_students_on_a_hand_worked_campus() {
    let s = TestStore::new();
    let dir = s.scratch("campus");
    campus(&dir);
    ok(&s.ingest_at(CLOCK, &[&dir]));
    assert_eq!(s.count("SELECT COUNT(*) FROM quarantine"), 0);

    let out = radar(&s, &["evaluate", "students", "--format", "csv"]);
    no_personal_data(&out);
    let st = rows(&out);
    assert_eq!(st.len(), 14, "ST15 is withdrawn");
    let header: Vec<&str> = vec![
        "student_id",
        "term",
        "college",
        "major",
        "cohort",
        "moral",
        "intellectual",
        "physical",
        "aesthetic",
        "labour",
        "total",
        "moral_pct",
        "intellectual_pct",
        "physical_pct",
        "aesthetic_pct",
        "labour_pct",
        "total_pct",
        "method",
    ];
    let table_header = s.sql("SELECT * FROM student_evaluation LIMIT 1");
    assert_eq!(table_header[0], header, "student_evaluation has exactly the documented columns");
    assert!(st.iter().all(|r| r["term"] == "2025-2026-1" && r["method"] == "entropy"));

    // Moral, by hand (module comment).
    let ln14 = 14f64.ln();
    let d_v = 1.0 - (-(2.0 / 3.0) * (2.0f64 / 3.0).ln() - (1.0 / 3.0) * (1.0f64 / 3.0).ln()) / ln14;
    let d_a = 1.0;
    let d_d = 1.0 - 13f64.ln() / ln14;
    let moral = |id: &str| num(by_id(&st, "student_id", id), "moral");
    close(moral("ST01"), 100.0 * d_d / (d_v + d_a + d_d), "moral of ST01");
    close(moral("ST02"), 0.0, "moral of ST02 (disciplinary warning)");
    assert!(moral("ST02") < moral("ST01"), "a disciplinary record lowers the moral score");
    close(moral("ST03"), moral("ST04"), "unverified and last-term participation do not count");
    close(moral("ST03"), moral("ST01"), "ST03 has only unverified hours");
    close(moral("ST07"), 100.0 * (d_a + d_d) / (d_v + d_a + d_d), "moral of ST07 (national scholarship)");
    // Percentiles within (major, cohort): ST01 is above ST02 only, among 11.
    close(num(by_id(&st, "student_id", "ST01"), "moral_pct"), 0.1, "moral_pct of ST01");
    close(num(by_id(&st, "student_id", "ST02"), "moral_pct"), 0.0, "moral_pct of ST02");
    for g in ["软件工程", "电子信息"] {
        let t: Vec<f64> = st.iter().filter(|r| r["major"] == g).map(|r| num(r, "total_pct")).collect();
        assert!(t.iter().all(|p| (0.0..=1.0).contains(p)), "{t:?}");
    }
    let ee: Vec<f64> = st.iter().filter(|r| r["major"] == "电子信息").map(|r| num(r, "moral_pct")).collect();
    assert_eq!(ee, vec![0.0; 3], "three equal moral scores tie at 0");
    // Total: the mean of the five dimensions.
    let r1 = by_id(&st, "student_id", "ST01");
    let mean =
        ["moral", "intellectual", "physical", "aesthetic", "labour"].iter().map(|k| num(r1, k)).sum::<f64>() / 5.0;
    close(num(r1, "total"), mean, "total of ST01");
    // Intellectual without a GPA: from the remaining weights (ST03 has neither → 0).
    assert!(num(by_id(&st, "student_id", "ST05"), "intellectual") > 0.0);

    // Weights: reported, summing to 1 per dimension; unavailable kinds reported, not zero.
    let out = radar(&s, &["evaluate", "students", "--show-weights", "--format", "csv"]);
    let w = rows(&out);
    let cols: Vec<&str> = vec![
        "term",
        "dimension",
        "indicator",
        "label_zh",
        "label_en",
        "method",
        "entropy",
        "divergence",
        "weight",
        "students_with_value",
    ];
    for c in cols {
        assert!(w[0].contains_key(c), "--show-weights lacks {c}");
    }
    for d in ["moral", "intellectual", "physical", "aesthetic", "labour"] {
        let sum: f64 = w.iter().filter(|r| r["dimension"] == d).map(|r| num(r, "weight")).sum();
        close(sum, 1.0, &format!("weights of {d}"));
    }
    let ind = |name: &str| by_id(&w, "indicator", name);
    for u in ["coursework_mean", "coursework_on_time"] {
        assert_eq!(ind(u)["status"], "unavailable", "coursework is not sent");
        assert_eq!(num(ind(u), "weight"), 0.0);
    }
    assert_eq!(ind("party_ideological_hours")["status"], "no_values");
    assert_eq!(num(ind("volunteer_hours"), "students_with_value"), 2.0, "only ST05 and ST06 count");
    close(num(ind("discipline_points"), "entropy"), 13f64.ln() / ln14, "entropy of discipline_points");
    close(num(ind("discipline_points"), "weight"), d_d / (d_v + d_a + d_d), "weight of discipline_points");
    assert_eq!(s.count("SELECT COUNT(*) FROM evaluation_weights WHERE term = '2025-2026-1'"), w.len() as i64);

    // Re-running changes nothing; --no-write writes nothing.
    let before = s.sql("SELECT * FROM student_evaluation ORDER BY student_id");
    assert_eq!(before.len(), 15);
    ok(&radar(&s, &["evaluate", "students", "--format", "csv"]));
    assert_eq!(s.sql("SELECT * FROM student_evaluation ORDER BY student_id"), before);

    // Expert weights change the result: moral(ST01) = 100 · 2 / (1 + 1 + 2).
    let weights = s.scratch("weights.toml");
    std::fs::write(
        &weights,
        "[weights]\nvolunteer_hours = 1\naward_points = 1\ndiscipline_points = 2\ngpa = 1\n\
         fitness_score = 1\ngym_days = 1\naesthetic_hours = 1\nlabour_hours = 1\n",
    )
    .expect("write weights");
    let wp = weights.to_str().expect("path");
    let out = radar(&s, &["evaluate", "students", "--weights", wp, "--no-write", "--format", "csv"]);
    let ex = rows(&out);
    close(num(by_id(&ex, "student_id", "ST01"), "moral"), 50.0, "expert moral of ST01");
    assert!(ex.iter().all(|r| r["method"] == "expert"));
    assert_eq!(s.sql("SELECT * FROM student_evaluation ORDER BY student_id"), before, "--no-write");
    ok(&radar(&s, &["evaluate", "students", "--weights", wp, "--format", "csv"]));
    assert_ne!(s.sql("SELECT * FROM student_evaluation ORDER BY student_id"), before);
    assert_eq!(s.count("SELECT COUNT(*) FROM student_evaluation WHERE method = 'expert'"), 14);
    assert_eq!(s.count("SELECT COUNT(*) FROM evaluation_weights WHERE method = 'expert'"), w.len() as i64);
    ok(&radar(&s, &["evaluate", "students", "--format", "csv"]));
    assert_eq!(s.sql("SELECT * FROM student_evaluation ORDER BY student_id"), before, "back to entropy");

    // Configuration errors exit 2.
    std::fs::write(&weights, "[weights]\ngpa = 1\nhappiness = 2\n").expect("write weights");
    let out = radar(&s, &["evaluate", "students", "--weights", wp]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("happiness"), "{}", stderr(&out));
    let out = radar(&s, &["evaluate", "students", "--term", "2025-2026-3"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let bad = s.scratch("indicators.toml");
    std::fs::write(
        &bad,
        "[[indicator]]\nname = \"x\"\ndimension = \"moral\"\nlabel_zh = \"甲\"\nlabel_en = \"x\"\n\
         direction = \"positive\"\nrequires = [\"students\"]\nsql = \"SELECT nope FROM students\"\n",
    )
    .expect("write indicators");
    let out = radar(&s, &["evaluate", "students", "--indicators", bad.to_str().expect("path"), "--no-write"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("indicator `x`"), "{}", stderr(&out));
}

#[test]
fn community_indicators_on_a_hand_worked_campus() {
    let s = TestStore::new();
    let dir = s.scratch("campus");
    campus(&dir);
    ok(&s.ingest_at(CLOCK, &[&dir]));

    let out = radar(&s, &["evaluate", "community", "--format", "csv"]);
    no_personal_data(&out);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!text.contains("ST0") && !text.contains("ST1"), "no student is listed:\n{text}");
    let c = rows(&out);
    assert!(c.iter().all(|r| r["month"] == "2025-09" && r["group_by"] == "campus" && r["group"] == "campus"));
    let get = |i: &str| by_id(&c, "indicator", i);
    let check = |i: &str, value: f64, num_den: Option<(i64, i64)>, met: &str| {
        let r = get(i);
        close(num(r, "value"), value, i);
        assert_eq!(r["met"], met, "{i}: {r:?}");
        if let Some((n, d)) = num_den {
            assert_eq!((num(r, "numerator") as i64, num(r, "denominator") as i64), (n, d), "{i}");
        }
    };
    // M1 has 11 active students, M2 3 (ST15 is withdrawn), M3 none.
    check("mentor_load_le_10", 2.0 / 3.0, Some((2, 3)), "false");
    assert!(get("mentor_load_le_10")["detail"].contains("M1 (11)"));
    assert_eq!(get("mentor_load_le_10")["guideline_item"], "2.8");
    // September: M1 met twice (its August meeting does not count), M2 once.
    check("mentor_meetings_ge_2", 0.5, Some((1, 2)), "false");
    check("mentor_meetings_median", 1.5, Some((3, 2)), "false");
    // L1 visited twice; L2's visit is in October; C1 is no leader.
    check("leader_contacts_ge_2", 0.5, Some((1, 2)), "false");
    assert_eq!(get("leader_contacts_ge_2")["guideline_item"], "2.6");
    // B1 has counsellor C1 stationed, B2 none; both buildings' residents have counsellors.
    check("counsellor_stationed", 0.5, Some((1, 2)), "false");
    assert!(get("counsellor_stationed")["detail"].contains("B2"));
    check("counsellor_assigned", 1.0, Some((2, 2)), "true");
    // ST03 covers B1 and its floor 1; ST15 (withdrawn) covers nothing.
    check("party_building_coverage", 0.5, Some((1, 2)), "false");
    check("party_floor_coverage", 1.0 / 3.0, Some((1, 3)), "false");
    assert!(get("party_floor_coverage")["detail"].contains("B1/2"));
    assert_eq!(get("party_floor_coverage")["guideline_item"], "1.3, 1.5");

    // By building: B1 covered, B2 not; mentors and leaders without a building under `-`.
    let b = rows(&radar(&s, &["evaluate", "community", "--by", "building", "--format", "csv"]));
    let at = |g: &str, i: &str| {
        b.iter().find(|r| r["group"] == g && r["indicator"] == i).unwrap_or_else(|| panic!("no {g} {i}"))
    };
    close(num(at("B1", "party_building_coverage"), "value"), 1.0, "B1");
    close(num(at("B2", "party_building_coverage"), "value"), 0.0, "B2");
    close(num(at("B1", "party_floor_coverage"), "value"), 0.5, "B1 floors");
    close(num(at("-", "mentor_load_le_10"), "value"), 2.0 / 3.0, "mentors without a building");

    // By college: leaders by staff.college.
    let k = rows(&radar(&s, &["evaluate", "community", "--by", "college", "--format", "csv"]));
    let at = |g: &str, i: &str| {
        k.iter().find(|r| r["group"] == g && r["indicator"] == i).unwrap_or_else(|| panic!("no {g} {i}"))
    };
    close(num(at("CS", "leader_contacts_ge_2"), "value"), 1.0, "CS leaders");
    close(num(at("EE", "leader_contacts_ge_2"), "value"), 0.0, "EE leaders");
    close(num(at("EE", "mentor_load_le_10"), "value"), 1.0, "EE mentors");

    // Another month; a month that is not one exits 2.
    let aug = rows(&radar(&s, &["evaluate", "community", "--month", "2025-08", "--format", "csv"]));
    close(num(by_id(&aug, "indicator", "mentor_meetings_median"), "value"), 0.5, "August: M1 once, M2 never");
    let out = radar(&s, &["evaluate", "community", "--month", "2025-9"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // A campus that sends students only: what needs staff or process records is null
    // ("not sent"), never 0; the evaluation finds no term with records, and given one, no
    // indicator to use, and says so.
    let only = TestStore::new();
    let dir = only.scratch("students-only");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("students.csv"), STUDENTS).expect("write students");
    ok(&only.ingest_at(CLOCK, &[&dir]));
    let c = rows(&radar(&only, &["evaluate", "community", "--format", "csv"]));
    let get = |i: &str| by_id(&c, "indicator", i);
    close(num(get("mentor_load_le_10"), "value"), 0.5, "M1 fails, M2 passes (M3 is known from staff only)");
    for i in ["mentor_meetings_ge_2", "mentor_meetings_median", "counsellor_stationed", "counsellor_assigned"] {
        assert_eq!(get(i)["value"], "", "{i} without its data");
        assert_eq!(get(i)["met"], "", "{i}");
        assert!(get(i)["detail"].ends_with("not sent"), "{i}: {}", get(i)["detail"]);
    }
    close(num(get("party_floor_coverage"), "value"), 1.0 / 3.0, "students alone suffice");
    let out = radar(&only, &["evaluate", "students"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("not enough data: no event record"), "{}", stderr(&out));
    let out = radar(&only, &["evaluate", "students", "--term", "2025-2026-1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no indicator can be used in 2025-2026-1"), "{}", stderr(&out));
}
