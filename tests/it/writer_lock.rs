//! One writer per store: a second writing command exits 1 naming the holder, or waits with
//! `--wait`; readers run meanwhile.

use std::io::Write;
use std::time::Duration;

use crate::util::*;

/// Takes the store's writer lock as a running `radar ingest` would; dropping it releases it.
fn hold_writer_lock(s: &TestStore) -> std::fs::File {
    let mut lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(s.path().join("_writer.lock"))
        .expect("open lock");
    lock.try_lock().expect("take the lock");
    lock.write_all(b"radar ingest (pid 4242)").expect("write holder");
    lock
}

const BUSY: &str = "another writer is using this store: radar ingest (pid 4242); use --wait";

#[test]
fn a_second_writer_exits_naming_the_holder_and_readers_are_not_blocked() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv")]));
    let lock = hold_writer_lock(&s);
    let writers: [&[&str]; 5] = [
        &["ingest", "-q"],
        &["ingest", "--replay-quarantine"],
        &["refresh"],
        &["train", "--name", "m", "--week", "4"],
        &["profile", "--all"],
    ];
    let coursework = sample("campus/coursework.csv");
    for args in writers {
        let mut c = s.cmd(NOW);
        c.args(args);
        if args == ["ingest", "-q"] {
            c.arg(&coursework);
        }
        let out = c.output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(BUSY), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(s.count("SELECT count(*) FROM coursework"), 0, "the refused ingest wrote nothing");
    assert_eq!(s.count("SELECT count(*) FROM students"), 300, "a reader runs while the lock is held");
    drop(lock);
    ok(&s.ingest(&[&coursework]));
}

#[test]
fn wait_waits_for_the_writer_then_runs() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv")]));
    let lock = hold_writer_lock(&s);
    let mut child =
        s.cmd(NOW).args(["ingest", "-q", "--wait"]).arg(sample("campus/coursework.csv")).spawn().expect("spawn");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(child.try_wait().expect("poll").is_none(), "--wait gave up while the lock was held");
    assert_eq!(s.count("SELECT count(*) FROM coursework"), 0, "nothing written while waiting");
    drop(lock);
    let status = child.wait().expect("wait");
    assert!(status.success(), "the waiting ingest failed");
    assert!(s.count("SELECT count(*) FROM coursework") > 0, "the waiting ingest stored its rows");
}
