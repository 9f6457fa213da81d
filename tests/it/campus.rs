//! One generated campus, ingested and refreshed once per test run, with who is who read
//! back from it; tests that change anything work on their own copy ([`copy_dir`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::util::*;

/// The generated campus, ingested and refreshed once; every test works on its own copy.
pub struct Base {
    _s: TestStore,
    pub root: PathBuf,
    pub now: String,
    /// student -> (college, counsellor, mentor)
    pub students: HashMap<String, (String, String, String)>,
    /// staff -> (role, college)
    pub staff: HashMap<String, (String, String)>,
    /// (warning, student) of the warnings still `new`
    pub warnings: Vec<(String, String)>,
}

pub fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let s = TestStore::new();
        let data = s.scratch("campus");
        let now = generate_campus(&data, "240", "12", "7");
        ok(&s.ingest_at(&now, &[&data]));
        ok(&s.cmd(&now).args(["refresh", "--as-of", &now[..10]]).output().expect("refresh"));
        let students = s
            .sql("SELECT student_id, college, counsellor_id, coalesce(mentor_id, '') FROM students")
            .into_iter()
            .skip(1)
            .map(|r| (r[0].clone(), (r[1].clone(), r[2].clone(), r[3].clone())))
            .collect();
        let staff = s
            .sql("SELECT staff_id, role, coalesce(college, '') FROM staff")
            .into_iter()
            .skip(1)
            .map(|r| (r[0].clone(), (r[1].clone(), r[2].clone())))
            .collect();
        let warnings: Vec<(String, String)> = s
            .sql("SELECT warning_id, student_id FROM warnings WHERE status = 'new' ORDER BY warning_id")
            .into_iter()
            .skip(1)
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        assert!(warnings.len() >= 6, "the campus raises warnings: {warnings:?}");
        Base { root: s.path(), _s: s, now, students, staff, warnings }
    })
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).expect("copy");
        }
    }
}
