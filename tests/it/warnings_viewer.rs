//! `radar warnings --as STAFF` and `radar warnings show --as STAFF` mask a warning drawn
//! from a psychological screening as the profile and the service do: its level, rule,
//! reasons and evidence only for the student's counsellor (and psychologists); the level
//! filter does not reveal it to others.

use crate::campus::{base, copy_dir};
use crate::util::*;

#[test]
fn the_cli_listing_is_masked_for_its_viewer_like_the_api() {
    let b = base();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("store");
    copy_dir(&b.root, &root);
    let (w, s) = b.warnings.iter().find(|(_, s)| !b.students[s].2.is_empty()).cloned().expect("a warning");
    let (college, counsellor, mentor) = b.students[&s].clone();
    let leader =
        b.staff.iter().find(|(_, (r, c))| r == "leader" && *c == college).map(|(id, _)| id.clone()).expect("leader");
    rusqlite::Connection::open(root.join("ops.sqlite"))
        .expect("ops")
        .execute(
            "UPDATE warnings SET evidence = '{\"feature\":\"psych_screening\",\"trend\":{\"band\":\"high_risk\"}}', \
             level = 'red', reason_en = 'screening high_risk' WHERE warning_id = ?1",
            [&w],
        )
        .expect("plant a screening-based warning");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_radar"))
            .arg("--store")
            .arg(&root)
            .args(["--tz", "Asia/Shanghai", "--now", &b.now])
            .args(args)
            .output()
            .expect("radar");
        ok(&out);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for (who, sees) in [(&counsellor, true), (&leader, false), (&mentor, false)] {
        let list = run(&["warnings", "--status", "all", "--format", "csv", "--as", who]);
        let line = list.lines().find(|l| l.starts_with(&w)).expect("the warning is listed");
        assert_eq!(line.contains("high_risk"), sees, "{who}: {line}");
        assert_eq!(line.contains(",red,"), sees, "{who}: {line}");
        let red = run(&["warnings", "--status", "all", "--level", "red", "--format", "csv", "--as", who]);
        assert_eq!(red.contains(&w), sees, "{who}: the level filter");
        let shown = run(&["warnings", "show", &w, "--format", "csv", "--as", who]);
        assert_eq!(shown.contains("high_risk"), sees, "{who}: warnings show");
    }
    // Without a viewer the operator's listing is unchanged.
    assert!(run(&["warnings", "--status", "all", "--format", "csv"]).contains("high_risk"));
}
