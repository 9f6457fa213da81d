//! Hostile text from the command line and from files: non-ASCII clocks and timestamps,
//! names that would leave their directory, and pipeline steps named like engine tables.
//! Each is a clear error (or a quarantined row), never a panic.

use std::path::Path;

use crate::util::*;

fn assert_no_panic(out: &std::process::Output) {
    let err = stderr(out);
    assert!(out.status.code() != Some(101) && !err.contains("panicked"), "panic: {err}");
}

#[test]
fn a_non_ascii_clock_is_a_usage_error() {
    let s = TestStore::new();
    for now in ["2025年9月1日 07:42:13", "２０２５-09-01 07:42:13", "2025-09-0é 07:42:13", "2025-09-01T07:42:13é+08:00"]
    {
        let out =
            s.cmd(now).args(["ingest", "--kind", "students"]).arg(sample("campus/students.csv")).output().expect("run");
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{now}: {}", stderr(&out));
        assert!(stderr(&out).contains("--now"), "{}", stderr(&out));
    }
}

#[test]
fn non_ascii_timestamps_and_dates_are_quarantined() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv")]));
    let dir = s.scratch("in");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut r = csv::Reader::from_path(sample("campus/card_transactions.csv")).expect("sample");
    let header: Vec<String> = r.headers().expect("header").iter().map(String::from).collect();
    let ts = header.iter().position(|h| h == "ts").expect("ts column");
    let valid: Vec<String> = r.records().next().expect("a row").expect("row").iter().map(String::from).collect();
    let odd = [
        "2025年9月1日 07:42:13",
        "２０２５-09-01 07:42:13",
        "2025-09-0１ 07:42:13",
        "2025-09-01 07:42:1é",
        "2025-09-01T07:42:13.２+08:00",
    ];
    let mut w = csv::Writer::from_path(dir.join("card_transactions.csv")).expect("write");
    w.write_record(&header).expect("header");
    for (i, t) in odd.iter().enumerate() {
        let mut row = valid.clone();
        row[ts] = t.to_string();
        row[0] = format!("{}-{i}", row[0]);
        w.write_record(&row).expect("row");
    }
    w.flush().expect("flush");
    drop(w);
    let out = s.ingest(&[&dir, &"--format", &"json"]);
    assert_no_panic(&out);
    ok(&out);
    let q = s.sql("SELECT reason, \"column\" FROM quarantine WHERE kind = 'card_transactions'");
    assert_eq!(q.len() - 1, odd.len(), "{q:?}");
    assert!(q[1..].iter().all(|r| r[0] == "bad_timestamp" && r[1] == "ts"), "{q:?}");
}

#[test]
fn pipeline_steps_cannot_take_a_table_the_engine_owns() {
    let s = TestStore::new();
    let dir = s.scratch("pipelines");
    std::fs::create_dir_all(&dir).expect("mkdir");
    // Record kinds and the engine's own tables (from the code's list, so a new table is covered).
    let kinds = campus_radar::schema::ALL_KINDS.iter().map(|k| k.name);
    let owned: Vec<&str> = kinds.chain(campus_radar::store::ENGINE_TABLES.iter().copied()).collect();
    for name in owned {
        let text = format!("[[step]]\nname = \"{name}\"\ninputs = [\"grades\"]\nsql = \"SELECT 1 AS a\"\n");
        std::fs::write(dir.join("step.toml"), text).expect("write");
        let out = s.cmd(NOW).args(["pipelines", "validate", "--pipelines"]).arg(&dir).output().expect("run");
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(&format!("`{name}`")), "{name}: {}", stderr(&out));
    }
}

fn models_cmd(s: &TestStore, models: &Path, args: &[&str]) -> std::process::Output {
    s.cmd(NOW).arg("models").args(args).arg("--models").arg(models).output().expect("run")
}

#[test]
fn model_names_and_versions_cannot_leave_the_registry() {
    let s = TestStore::new();
    let models = s.scratch("reg").join("models");
    std::fs::create_dir_all(models.join("m")).expect("mkdir");
    let good = std::fs::read_to_string(repo().join("models/oulad-bbb/v1.json")).expect("model");
    // Model files a path could reach from inside the registry.
    std::fs::write(s.scratch("reg").join("v1.json"), &good).expect("write");
    std::fs::write(models.join("m").join("v1.json"), &good).expect("write");
    for spec in ["m@../../v1", "m@/tmp/v1", "..@v1", "../m", "m@", "@v1", "m/..@v1"] {
        let out = models_cmd(&s, &models, &["show", spec]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "show {spec}: {}", stderr(&out));
        let out = models_cmd(&s, &models, &["activate", spec]);
        assert_eq!(out.status.code(), Some(2), "activate {spec}: {}", stderr(&out));
    }
    assert!(!s.scratch("reg").join("ACTIVE").exists());
    let out = s
        .cmd(NOW)
        .args(["train", "--name", "../escape", "--week", "4", "--models"])
        .arg(&models)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("../escape"), "{}", stderr(&out));
}

#[test]
fn a_corrupt_model_file_is_an_error_naming_it() {
    let s = TestStore::new();
    let models = s.scratch("models");
    std::fs::create_dir_all(models.join("m")).expect("mkdir");
    let good = std::fs::read_to_string(repo().join("models/oulad-bbb/v1.json")).expect("model");
    let mut v: serde_json::Value = serde_json::from_str(&good).expect("json");
    // A node that points to itself: scoring would loop forever.
    v["estimator"]["trees"][0]["nodes"][0]["split"]["left"] = serde_json::json!(0);
    let cases = [("self-loop", v.to_string()), ("truncated", good[..good.len() / 3].to_string())];
    for (what, text) in cases {
        std::fs::write(models.join("m").join("v1.json"), text).expect("write");
        let out = models_cmd(&s, &models, &["show", "m@v1"]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(&out));
        assert!(stderr(&out).contains("v1.json"), "{what}: {}", stderr(&out));
    }
}
