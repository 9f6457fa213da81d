//! One-click profiles and the process record: masking by viewer, the audit log, a
//! timeline in order, the serving copy equal to an on-the-fly build, and the html page
//! rendering its charts in headless Chromium.

use std::path::Path;
use std::process::Command;

use crate::util::*;

const FILES: [(&str, &str); 11] = [
    (
        "students.csv",
        "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,dorm_room,\
counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status
S1,张三丰,M,CS,SE,SE2401,2024,undergraduate,B1,3,301,C1,M1,party_member,Hubei,hardship,active
S2,李四,F,CS,SE,SE2401,2024,undergraduate,B1,4,402,C2,,masses,Hunan,none,active
",
    ),
    (
        "staff.csv",
        "staff_id,name,role,college,building
C1,王老师,counsellor,CS,B1
C2,赵老师,counsellor,CS,B1
M1,钱老师,mentor,CS,
P1,孙老师,psychologist,,
X1,周老师,career_advisor,,
",
    ),
    ("courses.csv", "course_id,course_name,credits,category,college\nK1,Calculus,3,compulsory,CS\n"),
    (
        "grades.csv",
        "student_id,course_id,term,attempt,score,status,recorded_at
S1,K1,2024-2025-2,1,55,normal,2025-07-05
S2,K1,2024-2025-2,1,88,normal,2025-07-05
",
    ),
    (
        "activities.csv",
        "activity_id,title,category,dimension,organiser,start_ts,end_ts,location
A1,社区志愿服务,volunteer,moral,Youth League,2025-09-06 10:00:00,2025-09-06 12:00:00,Hall
A2,校园歌手大赛,arts,aesthetic,Youth League,2025-09-13 19:00:00,2025-09-13 21:00:00,Hall
",
    ),
    (
        "participation.csv",
        "participation_id,student_id,activity_id,role,hours,verified
PA1,S1,A1,volunteer,2,true
PA2,S1,A2,participant,2,false
PA3,S2,A2,participant,2,true
",
    ),
    ("awards.csv", "record_id,student_id,ts,kind,level,title\nAW1,S1,2025-09-10,scholarship,school,校一等奖学金\n"),
    (
        "process_records.csv",
        "record_id,student_id,staff_id,ts,kind,duration_min,summary,follow_up
PR1,S1,C1,2025-09-08 10:00:00,talk,30,家庭情况沟通,true
PR2,S1,M1,2025-09-15 15:00:00,mentor_meeting,45,选课计划,false
",
    ),
    (
        "assessments.csv",
        "assessment_id,student_id,ts,kind,score,level\nAS1,S1,2025-09-12 14:00:00,psych_screening,150,normal\n",
    ),
    (
        "card_transactions.csv",
        "txn_id,student_id,ts,amount,kind,merchant_category,merchant_id,location
T1,S1,2025-09-08 07:30:00,6.50,purchase,canteen,M01,一食堂
T2,S1,2025-09-09 12:00:00,12.00,purchase,canteen,M01,一食堂
T3,S2,2025-09-09 12:10:00,11.00,purchase,canteen,M01,一食堂
T4,S1,2025-09-16 07:40:00,6.00,purchase,canteen,M01,一食堂
T5,S2,2025-09-16 18:00:00,13.00,purchase,canteen,M01,一食堂
",
    ),
    (
        "access_events.csv",
        "event_id,student_id,ts,place_type,place_id,direction
E1,S1,2025-09-10 19:00:00,library,LIB,in
E2,S2,2025-09-17 19:00:00,library,LIB,in
",
    ),
];

fn campus(s: &TestStore) {
    let dir = s.scratch("campus");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (name, text) in FILES {
        std::fs::write(dir.join(name), text).expect("write fixture");
    }
    ok(&s.ingest(&[&dir]));
    ok(&s.cmd(NOW).args(["refresh", "--as-of", "2025-09-22"]).output().expect("refresh"));
}

fn profile_json(s: &TestStore, extra: &[&str]) -> serde_json::Value {
    let out = s.cmd(NOW).args(["profile", "S1", "--format", "json"]).args(extra).output().expect("profile");
    ok(&out);
    serde_json::from_slice(&out.stdout).expect("profile json")
}

#[test]
fn personal_fields_are_masked_unless_the_viewer_may_see_them_and_views_are_audited() {
    let s = TestStore::new();
    campus(&s);
    let anon = profile_json(&s, &[]);
    let b = &anon["basic"];
    assert_eq!(b["name"]["value"], "张**");
    assert_eq!(b["name"]["masked"], true);
    for f in ["political_status", "financial_aid_level", "hometown_province", "dorm_room"] {
        assert!(b[f]["value"].is_null() && b[f]["masked"] == true, "{f}: {}", b[f]);
    }
    let text = serde_json::to_string(&anon).expect("json");
    for secret in ["张三丰", "party_member", "Hubei", "hardship", "家庭情况沟通", "301"] {
        assert!(!text.contains(secret), "{secret} leaked into the default profile");
    }

    let counsellor = profile_json(&s, &["--as", "C1"]);
    assert_eq!(counsellor["basic"]["name"]["value"], "张三丰");
    assert_eq!(counsellor["basic"]["political_status"]["value"], "party_member");
    assert_eq!(counsellor["basic"]["dorm_room"]["value"], "3F 301");
    let notes: Vec<&str> = counsellor["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["note"]["value"].as_str())
        .collect();
    assert!(notes.contains(&"家庭情况沟通") && notes.contains(&"normal"), "{notes:?}");

    let mentor = profile_json(&s, &["--as", "M1"]);
    assert_eq!(mentor["basic"]["name"]["value"], "张三丰");
    assert!(mentor["basic"]["political_status"]["value"].is_null());
    assert!(!serde_json::to_string(&mentor).expect("json").contains("家庭情况沟通"));
    // Another student's counsellor sees no more than anyone.
    let other = profile_json(&s, &["--as", "C2"]);
    assert_eq!(other["basic"]["name"]["value"], "张**");

    let bad = s.cmd(NOW).args(["profile", "S1", "--as", "NOBODY"]).output().expect("run");
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    let unknown = s.cmd(NOW).args(["profile", "S404"]).output().expect("run");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("unknown student S404"), "{}", stderr(&unknown));

    let db = rusqlite::Connection::open(s.path().join("ops.sqlite")).expect("ops");
    let mut st = db.prepare("SELECT actor, action, subject, detail FROM audit_log ORDER BY seq").expect("audit");
    let rows: Vec<(String, String, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect();
    let actors: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actors, ["C1", "M1", "C2"], "{rows:?}");
    assert!(rows[0].3.contains("sensitive") && !rows[1].3.contains("sensitive"), "{rows:?}");
    assert!(rows.iter().all(|r| r.1 == "profile.view" && r.2 == "S1"));
}

#[test]
fn the_timeline_merges_every_source_in_time_order() {
    let s = TestStore::new();
    campus(&s);
    let out = s.cmd(NOW).args(["timeline", "S1", "--format", "csv", "--as", "C1"]).output().expect("timeline");
    ok(&out);
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    let at: Vec<&str> = rows.iter().map(|x| &x[0]).collect();
    let mut sorted = at.clone();
    sorted.sort();
    assert_eq!(at, sorted, "not in time order");
    let refs: Vec<&str> = rows.iter().filter(|x| !x[1].starts_with("warning")).map(|x| &x[6]).collect();
    assert_eq!(refs, ["2024-2025-2", "PA1", "PR1", "AW1", "AS1", "PR2"], "{rows:?}");
    // Unverified participation is not 经历认证.
    assert!(!rows.iter().any(|x| &x[6] == "PA2"));
    assert_eq!(&rows[0][3], "2024-2025-2 学期成绩：GPA 0.00，修读 3 学分，不及格 3 学分");
    // Without a viewer the staff notes are withheld.
    let anon = s.cmd(NOW).args(["timeline", "S1", "--format", "csv"]).output().expect("timeline");
    ok(&anon);
    let text = String::from_utf8_lossy(&anon.stdout);
    assert!(!text.contains("家庭情况沟通") && text.contains("(restricted)"), "{text}");
    // A date bound keeps only what was known before it.
    let early = s.cmd(NOW).args(["timeline", "S1", "--as-of", "2025-09-09", "--format", "csv"]).output().expect("t");
    let early = String::from_utf8_lossy(&early.stdout).to_string();
    assert!(early.contains("PR1") && !early.contains("AW1") && !early.contains("PR2"), "{early}");
}

#[test]
fn the_nightly_build_is_a_point_read_equal_to_an_on_the_fly_build_and_reruns_change_nothing() {
    let s = TestStore::new();
    campus(&s);
    let served = profile_json(&s, &[]);
    assert_eq!(served["as_of"], "2025-09-22");
    let present: Vec<&str> =
        served["sources"]["present"].as_array().expect("present").iter().filter_map(|k| k.as_str()).collect();
    assert_eq!(
        present,
        ["card_transactions", "access_events", "grades", "participation", "process_records", "assessments", "awards"]
    );
    assert!(served["sources"]["not_sent"].as_array().expect("not sent").iter().any(|k| k == "network_sessions"));
    // The nightly refresh evaluated the term before building the profile.
    assert_eq!(served["evaluation"]["term"], "2025-2026-1", "{}", served["evaluation"]);
    assert_eq!(served["evaluation"]["dimensions"].as_array().map(Vec::len), Some(5));
    // ... and the recommendations, each with its reason.
    let recs = served["recommendations"].as_array().expect("recommendations");
    assert!(!recs.is_empty() && recs.iter().all(|r| r["reason_zh"] != "" && r["reason_en"] != ""), "{recs:?}");
    // The Delta copy holds every active student, masked.
    assert_eq!(s.count("SELECT count(*) FROM student_profiles"), 2);
    assert_eq!(s.count("SELECT count(*) FROM student_profiles WHERE profile LIKE '%张三丰%'"), 0);
    std::fs::remove_file(s.path().join("profiles.sqlite")).expect("rm serving copy");
    let fresh = profile_json(&s, &[]);
    assert_eq!(fresh, served);
    ok(&s.cmd(NOW).args(["refresh", "--as-of", "2025-09-22"]).output().expect("refresh"));
    assert_eq!(profile_json(&s, &[]), served);
}

/// Opens `html` in headless Chromium and returns (charts, charts rendered with visible shapes).
pub fn charts_in_chromium(html: &Path) -> (usize, usize) {
    let dom = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium is not installed: scripts/test.sh installs Debian's chromium");
    assert!(dom.status.success(), "chromium failed: {}", String::from_utf8_lossy(&dom.stderr));
    let dom = String::from_utf8_lossy(&dom.stdout).to_string();
    let attr = |name: &str| -> usize {
        let key = format!("{name}=\"");
        let start = dom.find(&key).unwrap_or_else(|| panic!("no {name} on <body>: the page script did not run"));
        let rest = &dom[start + key.len()..];
        rest[..rest.find('"').expect("attr end")].parse().expect("count")
    };
    (attr("data-charts"), attr("data-charts-rendered"))
}

#[test]
fn the_html_profile_is_self_contained_and_renders_its_charts() {
    let s = TestStore::new();
    campus(&s);
    let html = s.scratch("S1.html");
    let out = s.cmd(NOW).args(["profile", "S1", "--format", "html", "--output"]).arg(&html).output().expect("html");
    ok(&out);
    let page = std::fs::read_to_string(&html).expect("read html");
    assert!(page.contains("<html lang=\"zh\"") && page.contains("switchLang"));
    for external in ["<link", " src=", "@import", "url("] {
        assert!(!page.contains(external), "the page loads something: {external}");
    }
    assert!(!page.contains("张三丰"));
    assert!(page.contains("data-chart=\"radar\""), "no evaluation radar chart");
    let (charts, drawn) = charts_in_chromium(&html);
    assert!(charts >= 3, "{charts} charts");
    assert_eq!(drawn, charts);
}
