//! `radar warnings`: raised by the nightly refresh on a generated campus, listed and
//! exported with the interface columns (xlsx read back by an independent reader), moved
//! through the lifecycle from the command line, visible to `radar sql`, stable on re-runs,
//! and scored against the planted truth.

use std::process::{Command, Output};

use crate::util::*;

fn radar(s: &TestStore, now: &str, args: &[&str]) -> Output {
    s.cmd(now).args(args).output().expect("run radar")
}

fn csv_rows(out: &Output) -> Vec<Vec<String>> {
    ok(out);
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(out.stdout.as_slice());
    r.records().map(|rec| rec.expect("csv").iter().map(String::from).collect()).collect()
}

#[test]
fn nightly_warnings_lifecycle_exports_and_evaluation() {
    let s = TestStore::new();
    let data = s.scratch("campus");
    let now = generate_campus(&data, "400", "12", "11");
    ok(&s.ingest_at(&now, &[&data]));
    let as_of = &now[..10];
    // Seven nights, each seeing only what was known that morning.
    let out = radar(&s, &now, &["refresh", "--from", "2025-11-24", "--as-of", as_of]);
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("warnings:").count(), 8, "{err}");

    let list = csv_rows(&radar(&s, &now, &["warnings", "--status", "all", "--format", "csv"]));
    let header = &list[0];
    let want = [
        "warning_id",
        "student_id",
        "counsellor_id",
        "category",
        "level",
        "status",
        "created_at",
        "updated_at",
        "rule",
        "reason_zh",
        "reason_en",
        "evidence",
    ];
    assert_eq!(&header[..12], &want[..]);
    assert!(!header.iter().any(|h| h == "name"), "no names without --with-names");
    assert!(list.len() > 5, "a generated campus raises warnings: {list:?}");
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let cats: std::collections::BTreeSet<&str> = list[1..].iter().map(|r| r[col("category")].as_str()).collect();
    assert!(cats.len() >= 2, "{cats:?}");
    for r in &list[1..] {
        assert!(["red", "orange", "yellow"].contains(&r[col("level")].as_str()));
        assert!(r[col("created_at")].ends_with("+08:00") && r[col("created_at")].contains("T00:00:00"));
        let e: serde_json::Value = serde_json::from_str(&r[col("evidence")]).expect("evidence is JSON");
        for k in ["feature", "value", "baseline", "cohort_pct", "trend", "sources_used", "sources_missing"] {
            assert!(e.get(k).is_some(), "evidence lacks {k}: {e}");
        }
        assert!(!r[col("reason_zh")].is_empty() && !r[col("reason_en")].is_empty());
    }
    // The capacity holds on every night's list.
    let per_night =
        s.sql("SELECT counsellor_id, created_at, count(*) AS n FROM warnings GROUP BY 1, 2 ORDER BY n DESC LIMIT 1");
    let most: i64 = per_night[1][2].parse().expect("n");
    assert!(most <= 10, "{per_night:?}");
    // `radar sql` sees the same warnings.
    assert_eq!(s.count("SELECT count(*) FROM warnings") as usize, list.len() - 1);

    // Re-running the last night changes nothing.
    ok(&radar(&s, &now, &["warnings", "raise"]));
    let again = csv_rows(&radar(&s, &now, &["warnings", "--status", "all", "--format", "csv"]));
    assert_eq!(again, list);

    // Lifecycle from the command line.
    let id = list[1][0].clone();
    let by = list[1][col("counsellor_id")].clone();
    let by = by.as_str();
    let later = "2025-12-01T09:00:00+08:00";
    ok(&radar(&s, later, &["warnings", "ack", &id, "--by", by, "--note", "seen"]));
    ok(&radar(&s, later, &["warnings", "start", &id, "--by", by]));
    ok(&radar(&s, later, &["warnings", "log", &id, "--kind", "talk", "--by", by, "--note", "谈心"]));
    ok(&radar(&s, later, &["warnings", "resolve", &id, "--by", by, "--note", "fine"]));
    let twice = radar(&s, later, &["warnings", "resolve", &id, "--by", by]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("it is resolved"));
    let bad = radar(&s, later, &["warnings", "log", &id, "--kind", "party", "--by", by, "--note", "x"]);
    assert_eq!(bad.status.code(), Some(2));
    let stranger = radar(&s, later, &["warnings", "ack", &list[3][0], "--by", "nobody"]);
    assert_eq!(stranger.status.code(), Some(1), "only staff of the store act on warnings");
    let fp = list[2][0].clone();
    ok(&radar(&s, later, &["warnings", "false-positive", &fp, "--by", by, "--note", "on leave"]));
    let st = s.sql(&format!("SELECT status, updated_at FROM warnings WHERE warning_id = '{id}'"));
    assert_eq!(st[1], vec!["resolved".to_string(), "2025-12-01T09:00:00+08:00".to_string()]);
    assert_eq!(s.count(&format!("SELECT count(*) FROM interventions WHERE warning_id = '{id}'")), 1);
    assert!(s.count(&format!("SELECT count(*) FROM warning_events WHERE warning_id = '{id}'")) >= 4);
    let open = csv_rows(&radar(&s, later, &["warnings", "--format", "csv"]));
    assert_eq!(open.len(), list.len() - 2, "resolved and false positives leave the default list");

    // xlsx: read back by openpyxl, the same rows as the CSV.
    let xlsx = s.scratch("list.xlsx");
    ok(&radar(&s, later, &["warnings", "--status", "all", "--format", "xlsx", "--output", xlsx.to_str().expect("p")]));
    let csv_now = csv_rows(&radar(&s, later, &["warnings", "--status", "all", "--format", "csv"]));
    let py = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, json, openpyxl\n\
             ws = openpyxl.load_workbook(sys.argv[1]).active\n\
             print(json.dumps([[('' if c is None else str(c)) for c in r] for r in ws.iter_rows(values_only=True)]))",
        )
        .arg(&xlsx)
        .output()
        .expect("python3");
    ok(&py);
    let sheet: Vec<Vec<String>> = serde_json::from_slice(&py.stdout).expect("json");
    assert_eq!(sheet.len(), csv_now.len());
    for (a, b) in sheet.iter().zip(&csv_now) {
        assert_eq!(a[..12], b[..12]);
    }

    // Names only on request.
    let named = csv_rows(&radar(&s, later, &["warnings", "--with-names", "--format", "csv"]));
    assert_eq!(named[0][2], "name");

    // Evaluation against the planted truth runs and reports every category.
    let ev =
        csv_rows(&radar(&s, later, &["evaluate", "warnings", "--truth", data.to_str().expect("p"), "--format", "csv"]));
    let metrics: Vec<String> = ev[1..].iter().map(|r| format!("{}/{}", r[0], r[1])).collect();
    for m in ["wellbeing/precision", "safety/lost_contact_warned_within_span_plus_24h", "all/longest_morning_list"] {
        assert!(metrics.iter().any(|x| x == m), "{metrics:?}");
    }
}

#[test]
fn rules_validate_reports_every_problem_with_exit_2() {
    let s = TestStore::new();
    ok(&radar(&s, NOW, &["warnings", "rules", "validate"]));
    let bad = s.scratch("rules.toml");
    std::fs::write(
        &bad,
        r#"version = "x"
[[rule]]
id = "a"
category = "mood"
type = "change"
feature = "meals"
direction = "down"
sources = ["wifi"]
reason_zh = "z"
reason_en = "e"
levels = { yellow = 3, orange = 2 }
"#,
    )
    .expect("write");
    let out = radar(&s, NOW, &["warnings", "rules", "validate", "--rules", bad.to_str().expect("p")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`category` must be one of"), "{err}");
    assert!(err.contains("unknown source `wifi`"), "{err}");
    assert!(err.contains("`levels` must rise"), "{err}");
    let list = radar(&s, NOW, &["warnings", "rules", "list", "--format", "csv"]);
    ok(&list);
    assert!(String::from_utf8_lossy(&list.stdout).contains("safety.no_trace"));
}

/// A small campus of 20 resident students with three canteen meals and a dorm return
/// every day from 2025-09-08 to 2025-10-19; six went home over National Day on leave.
/// S01–S04 leave no trace from 2025-10-16: S01 on approved leave until 10-22, S02 without
/// leave, S03 on approved leave that ended 10-17 20:00 (not reported back), S04 with a
/// refused leave. `calendar` adds the campus calendar.
fn absence_campus(dir: &std::path::Path, calendar: bool) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut students = String::from(
        "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,dorm_room,\
         counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status\n",
    );
    let mut card = String::from("txn_id,student_id,ts,amount,kind,merchant_category,merchant_id,location\n");
    let mut access = String::from("event_id,student_id,ts,place_type,place_id,direction\n");
    let first = chrono::NaiveDate::from_ymd_opt(2025, 9, 8).expect("date");
    for s in 1..=20 {
        let id = format!("S{s:02}");
        students
            .push_str(&format!("{id},学生{s},M,CS,CS,C1,2024,undergraduate,D1,1,10{s},0001,,masses,,none,active\n"));
        for d in 0..42 {
            let day = first + chrono::Days::new(d);
            let (m, dd) = (chrono::Datelike::month(&day), chrono::Datelike::day(&day));
            let silent = s <= 4 && (m, dd) >= (10, 16);
            let holiday = (10..=15).contains(&s) && m == 10 && dd <= 7;
            if silent || holiday {
                continue;
            }
            for (k, h) in [(0, "08:00"), (1, "12:00"), (2, "18:00")] {
                card.push_str(&format!("T{s}-{d}-{k},{id},{day} {h}:00,8.00,purchase,canteen,M1,一食堂\n"));
            }
            access.push_str(&format!("A{s}-{d},{id},{day} 22:00:00,dorm,D1,in\n"));
        }
    }
    let mut leave = String::from("leave_id,student_id,kind,start_ts,end_ts,approved,returned_at\n");
    leave.push_str("LV1,S01,home,2025-10-16 08:00:00,2025-10-22 18:00:00,true,\n");
    leave.push_str("LV3,S03,home,2025-10-16 08:00:00,2025-10-17 20:00:00,true,\n");
    leave.push_str("LV4,S04,personal,2025-10-16 08:00:00,2025-10-22 18:00:00,false,\n");
    for s in 10..=15 {
        leave.push_str(&format!(
            "LV{s},S{s:02},home,2025-10-01 07:00:00,2025-10-08 08:00:00,true,2025-10-08 09:00:00\n"
        ));
    }
    for (name, text) in [
        ("students.csv", students),
        ("card_transactions.csv", card),
        ("access_events.csv", access),
        ("leave_requests.csv", leave),
    ] {
        std::fs::write(dir.join(name), text).expect("write");
    }
    if calendar {
        std::fs::write(
            dir.join("calendar.csv"),
            "start_date,end_date,kind,term,name\n2025-09-01,2026-01-18,term,2025-2026-1,\n\
             2025-09-01,2025-12-21,teaching,2025-2026-1,\n2025-10-01,2025-10-07,holiday,2025-2026-1,国庆节\n\
             2025-12-22,2026-01-18,exam,2025-2026-1,\n",
        )
        .expect("write");
    }
}

/// (student, rule) → evidence of the warnings raised as of 2025-10-20.
fn absence_warnings(calendar: bool) -> std::collections::BTreeMap<(String, String), serde_json::Value> {
    let s = TestStore::new();
    let dir = s.scratch("campus");
    absence_campus(&dir, calendar);
    let now = "2025-10-20T08:00:00+08:00";
    ok(&s.ingest_at(now, &[&dir]));
    ok(&radar(&s, now, &["refresh", "--as-of", "2025-10-20"]));
    s.sql("SELECT student_id, rule, evidence FROM warnings")
        .into_iter()
        .skip(1)
        .map(|r| ((r[0].clone(), r[1].clone()), serde_json::from_str(&r[2]).expect("evidence")))
        .collect()
}

#[test]
fn leave_excuses_a_silence_an_overdue_one_is_raised_and_the_calendar_is_named() {
    let with = absence_warnings(true);
    let key = |s: &str, r: &str| (s.to_string(), r.to_string());
    assert!(!with.contains_key(&key("S01", "safety.no_trace")), "approved leave: {with:?}");
    assert!(!with.contains_key(&key("S01", "safety.leave_overdue")), "not due back yet");
    let no_leave = &with[&key("S02", "safety.no_trace")];
    assert_eq!(no_leave["calendar"], "sent");
    let overdue = &with[&key("S03", "safety.leave_overdue")];
    assert_eq!((overdue["value"].as_f64(), &overdue["trend"]["leave_id"]), (Some(52.0), &"LV3".into()));
    assert!(!with.contains_key(&key("S03", "safety.no_trace")), "raised once, by the leave rule");
    assert!(with.contains_key(&key("S04", "safety.no_trace")), "refused leave excuses nothing");
    for s in 10..=15 {
        assert!(with.keys().all(|(id, _)| id != &format!("S{s:02}")), "home over the holiday on leave");
    }
    let without = absence_warnings(false);
    assert_eq!(without[&key("S02", "safety.no_trace")]["calendar"], "inferred");
    assert!(without.contains_key(&key("S03", "safety.leave_overdue")));
}
