//! `radar import oulad` on the committed excerpt (`sample_data/oulad`, gzipped), then
//! `radar ingest` of what it wrote: every row mapped, nothing quarantined.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output};

use crate::util::*;

/// A clock after the last OULAD day in the excerpt (AAA 2014J ends in 2015).
const AFTER_OULAD: &str = "2016-01-01T00:00:00+08:00";

fn import(src: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_radar"))
        .args(["import", "oulad"])
        .arg(src)
        .arg("--out")
        .arg(out)
        .args(["--format", "json"])
        .output()
        .expect("run radar import")
}

/// Data rows of a gzipped CSV table of the excerpt.
fn gz_rows(table: &str) -> Vec<csv::StringRecord> {
    let f = std::fs::File::open(sample("oulad").join(format!("{table}.csv.gz"))).expect("open excerpt");
    let mut r = csv::Reader::from_reader(flate2::read::MultiGzDecoder::new(f));
    r.records().map(|rec| rec.expect("excerpt row")).collect()
}

fn summary_rows(out: &Output, side: &str, table: &str) -> i64 {
    let v: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json summary");
    v.iter()
        .find(|r| r["side"] == side && r["table"] == table)
        .and_then(|r| r["rows"].as_i64())
        .unwrap_or_else(|| panic!("no {side} {table} in the summary"))
}

#[test]
fn oulad_excerpt_imports_with_every_row_mapped_and_ingests_without_quarantine() {
    let s = TestStore::new();
    let out_dir = s.scratch("oulad-out");
    let o = import(&sample("oulad"), &out_dir);
    ok(&o);

    let info = gz_rows("studentInfo");
    let students: HashSet<&str> = info.iter().filter_map(|r| r.get(2)).collect();
    let (vle, assessed) = (gz_rows("studentVle").len(), gz_rows("studentAssessment").len());
    assert_eq!(vle, 753_564);
    assert_eq!(info.len(), 2_515);
    assert!(students.len() < info.len(), "the excerpt has students in two presentations");

    assert_eq!(csv_rows(&out_dir.join("learning_events.csv")), vle);
    assert_eq!(csv_rows(&out_dir.join("students.csv")), students.len());
    assert_eq!(csv_rows(&out_dir.join("grades.csv")), info.len());
    assert_eq!(csv_rows(&out_dir.join("staff.csv")), 2);
    assert_eq!(csv_rows(&out_dir.join("courses.csv")), 2);
    let coursework = csv_rows(&out_dir.join("coursework.csv"));

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("import_report.json")).expect("report")).expect("json");
    assert_eq!(report["rows_rejected"], 0, "{report}");
    let cw = report["outputs"].as_array().and_then(|a| a.iter().find(|o| o["kind"] == "coursework")).expect("cw");
    let (submitted, missing) =
        (cw["parts"]["submitted"].as_u64().expect("n"), cw["parts"]["missing"].as_u64().expect("n"));
    assert_eq!(submitted as usize, assessed, "one coursework row per studentAssessment row");
    assert!(missing > 0, "no missing work synthesized");
    assert_eq!((submitted + missing) as usize, coursework);
    assert_eq!(summary_rows(&o, "input", "studentVle"), 753_564);
    assert_eq!(summary_rows(&o, "output", "coursework (submitted)"), assessed as i64);

    let ing = s.ingest_at(AFTER_OULAD, &[&out_dir]);
    ok(&ing);
    assert_eq!(s.count("SELECT COUNT(*) AS n FROM quarantine"), 0, "{}", stderr(&ing));
    assert_eq!(s.count("SELECT COUNT(*) AS n FROM learning_events"), vle as i64);
    assert_eq!(s.count("SELECT COUNT(*) AS n FROM students"), students.len() as i64);
    assert_eq!(s.count("SELECT COUNT(*) AS n FROM grades"), info.len() as i64);
    assert_eq!(s.count("SELECT COUNT(*) AS n FROM coursework"), coursework as i64);
    assert_eq!(s.count("SELECT COUNT(*) AS n FROM coursework WHERE submitted_at IS NULL"), missing as i64);
    assert_eq!(
        s.count("SELECT COUNT(*) AS n FROM grades WHERE status = 'absent' AND score IS NULL"),
        info.iter().filter(|r| r.get(11) == Some("Withdrawn")).count() as i64
    );
    assert_eq!(
        s.count("SELECT SUM(clicks) AS n FROM learning_events"),
        gz_rows("studentVle")
            .iter()
            .map(|r| r.get(5).and_then(|c| c.parse::<i64>().ok()).expect("clicks"))
            .sum::<i64>()
    );
}

#[test]
fn oulad_rerun_overwrites_with_identical_files_and_a_rejection_exits_1() {
    let s = TestStore::new();
    let out_dir = s.scratch("oulad-out");
    ok(&import(&sample("oulad"), &out_dir));
    let first = std::fs::read(out_dir.join("learning_events.csv")).expect("read");
    let report = std::fs::read(out_dir.join("import_report.json")).expect("read");
    ok(&import(&sample("oulad"), &out_dir));
    assert!(first == std::fs::read(out_dir.join("learning_events.csv")).expect("read"), "re-run differs");
    assert!(report == std::fs::read(out_dir.join("import_report.json")).expect("read"), "report differs");

    // The excerpt with an assessment id no assessment has: rejected, reported, exit 1.
    let bad = s.scratch("bad");
    std::fs::create_dir(&bad).expect("mkdir");
    for e in std::fs::read_dir(sample("oulad")).expect("excerpt").flatten() {
        if e.file_name() != "studentAssessment.csv.gz" && e.file_name() != "README.md" {
            std::fs::copy(e.path(), bad.join(e.file_name())).expect("copy");
        }
    }
    let mut text = String::from("id_assessment,id_student,date_submitted,is_banked,score\n");
    for r in gz_rows("studentAssessment") {
        text.push_str(&r.iter().collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    text.push_str("424242,11391,20,0,50\n");
    std::fs::write(bad.join("studentAssessment.csv"), text).expect("write");
    let o = import(&bad, &s.scratch("bad-out"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let line = 14_405 + 2;
    assert!(stderr(&o).contains(&format!("studentAssessment.csv:{line}: unknown_assessment")), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.scratch("bad-out").join("import_report.json")).expect("report"))
            .expect("json");
    assert_eq!(report["rows_rejected"], 1);
    assert_eq!(report["rejections"][0]["line"], line);
}
