//! Rows of an unknown student wait in the quarantine and are stored once the student
//! exists: by `--replay-quarantine`, or by re-running the original file.

use crate::util::*;

const STUDENT_HEADER: &str = "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,dorm_room,counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status";

fn student(id: &str) -> String {
    format!("{id},某某,F,CS,SE,C1,2024,undergraduate,,,,T1,,masses,,none,active")
}

fn setup(s: &TestStore) -> std::path::PathBuf {
    let dir = s.scratch("in");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("students.csv"), format!("{STUDENT_HEADER}\n{}\n", student("S1"))).expect("w");
    std::fs::write(
        dir.join("process_records.csv"),
        "record_id,student_id,staff_id,ts,kind,duration_min,summary,follow_up\n\
         P1,S1,T1,2025-09-01 10:00:00,talk,30,first talk,true\n\
         P2,S2,T1,2025-09-02 10:00:00,talk,45,a private summary,false\n",
    )
    .expect("w");
    ok(&s.ingest(&[&dir]));
    assert_eq!(s.count("SELECT count(*) FROM quarantine WHERE reason = 'unknown_student'"), 1);
    std::fs::write(dir.join("students-new.csv"), format!("{STUDENT_HEADER}\n{}\n", student("S2"))).expect("w");
    ok(&s.ingest(&[&dir.join("students-new.csv")]));
    dir
}

#[test]
fn replay_stores_rows_whose_student_arrived_with_every_cell() {
    let s = TestStore::new();
    setup(&s);
    let out = s.ingest(&[&"--replay-quarantine", &"--format", &"json"]);
    ok(&out);
    assert_eq!(field(&reports(&out)[0], "stored"), 1);
    assert_eq!(s.count("SELECT count(*) FROM quarantine"), 0, "the row left the quarantine");
    let rows =
        s.sql("SELECT record_id, student_id, summary, duration_min, follow_up FROM process_records ORDER BY record_id");
    assert_eq!(rows[2], ["P2", "S2", "a private summary", "45", "false"], "replayed with personal cells intact");
    // Replaying again changes nothing.
    let versions = s.versions("process_records");
    ok(&s.ingest(&[&"--replay-quarantine"]));
    assert_eq!(s.versions("process_records"), versions);
}

#[test]
fn rerunning_the_original_file_stores_the_row_and_clears_its_entry() {
    let s = TestStore::new();
    let dir = setup(&s);
    let out = s.ingest(&[&dir.join("process_records.csv"), &"--format", &"json"]);
    ok(&out);
    let r = &reports(&out)[0];
    assert_eq!((field(r, "stored"), field(r, "duplicates"), field(r, "quarantined")), (1, 1, 0));
    assert_eq!(s.count("SELECT count(*) FROM quarantine"), 0);
    assert_eq!(s.count("SELECT count(*) FROM process_records"), 2);
    // Nothing left to replay.
    ok(&s.ingest(&[&"--replay-quarantine"]));
    assert_eq!(s.count("SELECT count(*) FROM process_records"), 2);
}
