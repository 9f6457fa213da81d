//! The OULAD mapping on a hand-written fixture.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use super::records::{grade, score_text, Scores};
use super::{calendar, import, timestamp, FinalResult};
use crate::import::ImportError;
use crate::schema::KindSpec;

const COURSES: &str = "code_module,code_presentation,module_presentation_length\n\
AAA,2013J,268\n\
BBB,2014B,240\n";

const ASSESSMENTS: &str = "code_module,code_presentation,id_assessment,assessment_type,date,weight\n\
AAA,2013J,1,TMA,19,40\n\
AAA,2013J,2,TMA,54,60\n\
AAA,2013J,3,Exam,\"\",100\n\
BBB,2014B,10,CMA,30,0\n";

const VLE: &str = "id_site,code_module,code_presentation,activity_type,week_from,week_to\n\
100,AAA,2013J,resource,\"\",\"\"\n\
200,BBB,2014B,quiz,1,2\n";

// 11 passes AAA (mean 96 → 84.99) and fails BBB (no score → 40); 12 fails AAA (80 → 59.99);
// 13 withdraws from AAA on day 54 with nothing submitted; 14 has a distinction and no
// submissions (→ 90); 15 withdraws from BBB with no unregistration date.
const INFO: &str = "code_module,code_presentation,id_student,gender,region,highest_education,imd_band,age_band,\
num_of_prev_attempts,studied_credits,disability,final_result\n\
AAA,2013J,11,M,Wales,HE,90-100%,55<=,0,60,N,Pass\n\
AAA,2013J,12,F,Scotland,HE,20-30%,35-55,0,60,N,Fail\n\
AAA,2013J,13,F,Ireland,HE,20-30%,35-55,0,60,N,Withdrawn\n\
AAA,2013J,14,M,London Region,HE,20-30%,35-55,0,60,N,Distinction\n\
BBB,2014B,11,M,North Region,HE,90-100%,55<=,1,60,N,Fail\n\
BBB,2014B,15,F,Wales,HE,20-30%,0-35,0,60,Y,Withdrawn\n";

const REGISTRATION: &str = "code_module,code_presentation,id_student,date_registration,date_unregistration\n\
AAA,2013J,11,-20,\"\"\n\
AAA,2013J,12,-20,\"\"\n\
AAA,2013J,13,-20,54\n\
AAA,2013J,14,-20,\"\"\n\
BBB,2014B,11,-20,\"\"\n\
BBB,2014B,15,-20,\"\"\n";

const STUDENT_ASSESSMENT: &str = "id_assessment,id_student,date_submitted,is_banked,score\n\
1,11,18,0,90\n\
2,11,50,0,100\n\
3,11,260,0,\"\"\n\
1,12,19,0,80\n\
10,11,31,0,55\n";

const STUDENT_VLE: &str = "code_module,code_presentation,id_student,id_site,date,sum_click\n\
AAA,2013J,11,100,-10,4\n\
AAA,2013J,11,100,-10,1\n\
AAA,2013J,11,100,5,2\n\
AAA,2013J,11,999,5,3\n\
AAA,2013J,11,100,-10,7\n\
BBB,2014B,15,200,0,1\n";

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

fn write_gz(dir: &Path, name: &str, text: &str) {
    let f = std::fs::File::create(dir.join(name)).expect("create fixture");
    let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    gz.write_all(text.as_bytes()).expect("gzip");
    gz.finish().expect("gzip");
}

/// The fixture, with `courses` and `studentVle` gzipped.
fn fixture(dir: &Path) {
    write_gz(dir, "courses.csv.gz", COURSES);
    write(dir, "assessments.csv", ASSESSMENTS);
    write(dir, "vle.csv", VLE);
    write(dir, "studentInfo.csv", INFO);
    write(dir, "studentRegistration.csv", REGISTRATION);
    write(dir, "studentAssessment.csv", STUDENT_ASSESSMENT);
    write_gz(dir, "studentVle.csv.gz", STUDENT_VLE);
}

/// Rows of an output file as column → value maps, checking the header is the contract's.
fn rows(out: &Path, kind: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(out.join(format!("{kind}.csv"))).expect("open output");
    let header: Vec<String> = r.headers().expect("header").iter().map(String::from).collect();
    let spec = KindSpec::by_name(kind).expect("kind");
    let names: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
    assert_eq!(header, names, "{kind} header");
    r.records().map(|rec| header.iter().cloned().zip(rec.expect("row").iter().map(String::from)).collect()).collect()
}

fn find<'a>(rows: &'a [HashMap<String, String>], col: &str, value: &str) -> &'a HashMap<String, String> {
    rows.iter().find(|r| r[col] == value).unwrap_or_else(|| panic!("no {col} = {value}"))
}

fn run() -> (tempfile::TempDir, std::path::PathBuf, crate::import::ImportReport) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).expect("mkdir");
    fixture(&input);
    let out = tmp.path().join("out");
    let report = import(&input, &out).expect("import");
    (tmp, out, report)
}

#[test]
fn day_zero_and_terms() {
    let (b, tb) = calendar("2013B").expect("2013B");
    assert_eq!((b, tb.as_str()), (NaiveDate::from_ymd_opt(2013, 2, 1).expect("date"), "2012-2013-2"));
    let (j, tj) = calendar("2013J").expect("2013J");
    assert_eq!((j, tj.as_str()), (NaiveDate::from_ymd_opt(2013, 10, 1).expect("date"), "2013-2014-1"));
    assert_eq!(timestamp(j, -10).as_deref(), Some("2013-09-21 00:00:00"));
    assert_eq!(timestamp(j, 268).as_deref(), Some("2014-06-26 00:00:00"));
    assert_eq!(timestamp(b, 28).as_deref(), Some("2013-03-01 00:00:00"));
    assert_eq!(timestamp(j, 20_000), None);
    for bad in ["2013X", "13J", "2013", "", "201AJ", "2013JJ"] {
        assert!(calendar(bad).is_none(), "{bad}");
    }
}

#[test]
fn grades_clamp_by_final_result_and_withdrawn_is_absent() {
    assert_eq!(grade(FinalResult::Pass, Some(96.0)), ("normal", Some(84.99)));
    assert_eq!(grade(FinalResult::Pass, Some(50.0)), ("normal", Some(60.0)));
    assert_eq!(grade(FinalResult::Pass, Some(72.456)), ("normal", Some(72.46)));
    assert_eq!(grade(FinalResult::Distinction, Some(70.0)), ("normal", Some(85.0)));
    assert_eq!(grade(FinalResult::Fail, Some(80.0)), ("normal", Some(59.99)));
    assert_eq!(grade(FinalResult::Fail, None), ("normal", Some(40.0)));
    assert_eq!(grade(FinalResult::Pass, None), ("normal", Some(70.0)));
    assert_eq!(grade(FinalResult::Distinction, None), ("normal", Some(90.0)));
    assert_eq!(grade(FinalResult::Withdrawn, Some(90.0)), ("absent", None));
    let mut s = Scores::default();
    s.add(40.0, 90.0);
    s.add(60.0, 100.0);
    assert_eq!(s.mean(), Some(96.0));
    let mut zero = Scores::default();
    zero.add(0.0, 50.0);
    zero.add(0.0, 70.0);
    assert_eq!(zero.mean(), Some(60.0), "weights summing to 0 give the plain mean");
    assert_eq!(Scores::default().mean(), None);
    assert_eq!(score_text(59.99), "59.99");
    assert_eq!(score_text(60.0), "60");
}

#[test]
fn fixture_grades() {
    let (_tmp, out, _) = run();
    let g = rows(&out, "grades");
    assert_eq!(g.len(), 6, "one per studentInfo row");
    let get = |s: &str, c: &str| {
        g.iter().find(|r| r["student_id"] == s && r["course_id"] == c).unwrap_or_else(|| panic!("{s} {c}"))
    };
    let r = get("11", "AAA");
    assert_eq!(
        (&r["term"][..], &r["attempt"][..], &r["status"][..], &r["score"][..], &r["recorded_at"][..]),
        ("2013-2014-1", "1", "normal", "84.99", "2014-06-26")
    );
    let r = get("11", "BBB");
    assert_eq!((&r["term"][..], &r["score"][..]), ("2013-2014-2", "55"), "Fail keeps a mean below 60");
    assert_eq!(get("12", "AAA")["score"], "59.99");
    assert_eq!(get("14", "AAA")["score"], "90", "a distinction without scores");
    let r = get("13", "AAA");
    assert_eq!((&r["status"][..], &r["score"][..], &r["recorded_at"][..]), ("absent", "", "2013-11-24"));
    let r = get("15", "BBB");
    assert_eq!((&r["status"][..], &r["score"][..], &r["recorded_at"][..]), ("absent", "", "2014-09-29"));
}

#[test]
fn fixture_students_staff_courses() {
    let (_tmp, out, _) = run();
    let s = rows(&out, "students");
    assert_eq!(s.len(), 5, "student 11 is in two presentations and is one student");
    let r = find(&s, "student_id", "11");
    assert_eq!(r["name"], "OULAD student 11");
    assert_eq!((&r["major"][..], &r["class_id"][..], &r["cohort"][..]), ("BBB", "BBB-2014B", "2013"));
    assert_eq!((&r["counsellor_id"][..], &r["hometown_province"][..]), ("OU-BBB", "North Region"));
    assert_eq!((&r["college"][..], &r["degree_level"][..], &r["status"][..]), ("OU", "undergraduate", "active"));
    assert_eq!(
        (&r["political_status"][..], &r["financial_aid_level"][..], &r["dorm_building"][..]),
        ("masses", "none", "")
    );
    assert_eq!(find(&s, "student_id", "13")["status"], "withdrawn");
    assert_eq!(find(&s, "student_id", "15")["status"], "withdrawn");
    assert_eq!(find(&s, "student_id", "12")["status"], "active");
    let staff = rows(&out, "staff");
    assert_eq!(staff.len(), 2);
    let r = find(&staff, "staff_id", "OU-AAA");
    assert_eq!((&r["name"][..], &r["role"][..], &r["college"][..]), ("OU tutor AAA", "counsellor", "OU"));
    let c = rows(&out, "courses");
    let r = find(&c, "course_id", "BBB");
    assert_eq!(
        (&r["course_name"][..], &r["credits"][..], &r["category"][..]),
        ("OULAD module BBB", "60", "compulsory")
    );
}

#[test]
fn fixture_repeated_vle_rows_are_kept_with_an_occurrence_suffix() {
    let (_tmp, out, report) = run();
    let e = rows(&out, "learning_events");
    let ids: Vec<&str> = e.iter().map(|r| r["event_id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "AAA-2013J-11-100--10-1",
            "AAA-2013J-11-100--10-2",
            "AAA-2013J-11-100-5-1",
            "AAA-2013J-11-999-5-1",
            "AAA-2013J-11-100--10-3",
            "BBB-2014B-15-200-0-1",
        ]
    );
    let r = &e[4];
    assert_eq!((&r["ts"][..], &r["activity_type"][..], &r["clicks"][..]), ("2013-09-21 00:00:00", "resource", "7"));
    assert_eq!(e[3]["activity_type"], "unknown", "a site not in vle");
    assert_eq!(e[5]["ts"], "2014-02-01 00:00:00");
    assert_eq!(report.read("studentVle"), 6);
    assert_eq!(report.written("learning_events"), 6);
}

#[test]
fn fixture_missing_work_only_while_registered() {
    let (_tmp, out, report) = run();
    let cw = rows(&out, "coursework");
    let r = find(&cw, "record_id", "3-11");
    assert_eq!((&r["item"][..], &r["weight"][..], &r["due_at"][..]), ("Exam 3", "100", "2014-06-26 00:00:00"));
    assert_eq!((&r["submitted_at"][..], &r["score"][..]), ("2014-06-18 00:00:00", ""), "submitted, not marked");
    let r = find(&cw, "record_id", "1-11");
    assert_eq!(
        (&r["term"][..], &r["due_at"][..], &r["submitted_at"][..]),
        ("2013-2014-1", "2013-10-20 00:00:00", "2013-10-19 00:00:00")
    );
    let missing: Vec<&str> =
        cw.iter().filter(|r| r["submitted_at"].is_empty()).map(|r| r["record_id"].as_str()).collect();
    // 12 misses 2 and 3; 13 (left on day 54) misses 1 only: 2 was due on day 54, 3 later;
    // 14 misses all three; 15 (no unregistration date) misses 10.
    assert_eq!(missing, ["2-12", "3-12", "1-13", "1-14", "2-14", "3-14", "10-15"]);
    assert!(cw.iter().filter(|r| r["submitted_at"].is_empty()).all(|r| r["score"].is_empty()));
    let c = report.outputs.iter().find(|o| o.kind == "coursework").expect("coursework");
    assert_eq!((c.rows_written, c.parts["submitted"], c.parts["missing"]), (12, 5, 7));
    assert_eq!(report.rows_rejected, 0);
}

#[test]
fn rerun_gives_identical_files() {
    let (tmp, out, _) = run();
    let read = |dir: &Path| {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry"))
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("read")))
            .collect();
        v.sort();
        v
    };
    let first = read(&out);
    assert_eq!(first.len(), 7, "six kinds and the report, no temporary files left");
    import(&tmp.path().join("in"), &out).expect("import again");
    assert!(first == read(&out), "a re-run changed the output");
}

#[test]
fn unmappable_rows_are_rejected_with_file_line_and_ids() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).expect("mkdir");
    fixture(&input);
    write(
        &input,
        "studentAssessment.csv",
        &format!("{STUDENT_ASSESSMENT}77,11,3,0,50\n1,14,3,0,abc\n2,14,3,0,101\n2,99,3,0,50\n1,11,18,0,90\n"),
    );
    std::fs::remove_file(input.join("studentVle.csv.gz")).expect("rm");
    write(
        &input,
        "studentVle.csv",
        &format!("{STUDENT_VLE}CCC,2013J,11,100,1,1\nAAA,2013J,11,100,x,1\nAAA,2013J,11,100,1,0\nAAA,2013J,11\n"),
    );
    let out = tmp.path().join("out");
    let report = import(&input, &out).expect("import");
    let got: Vec<(&str, u64, &str, Option<&str>)> =
        report.rejections.iter().map(|r| (r.file.as_str(), r.line, r.reason, r.column)).collect();
    assert_eq!(
        got,
        [
            ("studentAssessment.csv", 7, "unknown_assessment", Some("id_assessment")),
            ("studentAssessment.csv", 8, "bad_number", Some("score")),
            ("studentAssessment.csv", 9, "out_of_range", Some("score")),
            ("studentAssessment.csv", 10, "unknown_student", Some("id_student")),
            ("studentAssessment.csv", 11, "duplicate", Some("id_student")),
            ("studentVle.csv", 8, "unknown_presentation", Some("code_presentation")),
            ("studentVle.csv", 9, "bad_number", Some("date")),
            ("studentVle.csv", 10, "out_of_range", Some("sum_click")),
            ("studentVle.csv", 11, "bad_row", None),
        ]
    );
    assert_eq!(report.rejections[0].ids, "id_assessment=77 id_student=11");
    assert_eq!(report.rows_rejected, 9);
    assert_eq!(report.read("studentVle"), 10);
    assert_eq!(report.written("learning_events"), 6);
    let json = std::fs::read_to_string(out.join("import_report.json")).expect("report");
    assert!(json.contains("\"unknown_assessment\""), "{json}");
    assert!(!json.contains("Wales") && !json.contains("Scotland"), "personal data in the report");
}

#[test]
fn a_missing_table_or_column_fails_before_writing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).expect("mkdir");
    fixture(&input);
    std::fs::remove_file(input.join("vle.csv")).expect("rm");
    let out = tmp.path().join("out");
    let e = import(&input, &out).expect_err("no vle");
    assert!(matches!(&e, ImportError::MissingTable { table, .. } if table == "vle"), "{e}");
    assert!(!out.exists(), "nothing written");
    write(&input, "vle.csv", "id_site,code_module,code_presentation\n1,AAA,2013J\n");
    let e = import(&input, &out).expect_err("no activity_type");
    assert!(matches!(&e, ImportError::MissingColumn { column, .. } if column == "activity_type"), "{e}");
    write(&input, "vle.csv", VLE);
    write(&input, "courses.csv", COURSES);
    let e = import(&input, &out).expect_err("two courses files");
    assert!(matches!(&e, ImportError::AmbiguousTable { table, .. } if table == "courses"), "{e}");
}
