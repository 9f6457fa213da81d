//! `radar demo` works with no arguments but a place for its store.

use crate::util::*;

#[test]
fn demo_ingests_the_sample_campus_and_suggests_next_steps() {
    let s = TestStore::new();
    let demo_store = s.scratch("demo");
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_radar"))
            .args(["demo", "--demo-store"])
            .arg(&demo_store)
            .output()
            .expect("run demo")
    };
    let out = run();
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Try next"), "{stdout}");
    assert!(stdout.contains("0 rows quarantined"), "{stdout}");
    // The demo refreshes the features and shows a student's weeks.
    assert!(stdout.contains("Refreshed features as of"), "{stdout}");
    assert!(stdout.contains("Weekly features of student") && stdout.contains("breakfast_days"), "{stdout}");
    assert!(stdout.matches("2025-09-").count() >= 3, "{stdout}");
    // It raises the warnings and prints a counsellor's morning list, each with its reasons.
    assert!(stdout.contains("Warnings as of"), "{stdout}");
    assert!(stdout.contains("Morning list of counsellor"), "{stdout}");
    assert!(stdout.contains("W000001") || stdout.contains(" W0"), "{stdout}");
    // It prints one student's profile and writes the html profile, whose charts render.
    assert!(stdout.contains("One-click profile of student") && stdout.contains("过程记录"), "{stdout}");
    let html = std::fs::read_dir(&demo_store)
        .expect("demo store")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "html"))
        .expect("the demo writes an html profile");
    let (charts, drawn) = crate::profile::charts_in_chromium(&html);
    assert!(charts >= 3 && drawn == charts, "{drawn} of {charts} charts rendered");
    // A second demo starts from a fresh store: the same counts, not duplicates.
    let again = run();
    ok(&again);
    assert_eq!(String::from_utf8_lossy(&again.stdout), stdout);
    // It refuses to wipe a directory that is not a radar store.
    let other = s.scratch("precious");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::write(other.join("thesis.txt"), "do not delete").expect("w");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_radar"))
        .args(["demo", "--demo-store"])
        .arg(&other)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(other.join("thesis.txt").exists());
}
