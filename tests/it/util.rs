//! Helpers: run the `radar` binary against a temporary store and read tables back as CSV.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The clock used by every test unless it says otherwise.
pub const NOW: &str = "2025-09-22T08:00:00+08:00";
/// The clock of the bad-input fixtures.
pub const FIXTURE_NOW: &str = "2025-09-15T12:00:00+08:00";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample(rel: &str) -> PathBuf {
    repo().join("sample_data").join(rel)
}

/// A fresh store in a temporary directory.
pub struct TestStore {
    pub dir: tempfile::TempDir,
}

impl TestStore {
    pub fn new() -> Self {
        TestStore { dir: tempfile::tempdir().expect("tempdir") }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// A scratch path next to the store.
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn cmd(&self, now: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_radar"));
        c.arg("--store").arg(self.path()).arg("--now").arg(now).arg("--tz").arg("Asia/Shanghai");
        c.env_remove("RADAR_FAILPOINT");
        c
    }

    /// `radar ingest ARGS...` with the default clock.
    pub fn ingest(&self, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
        self.ingest_at(NOW, args)
    }

    pub fn ingest_at(&self, now: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
        let mut c = self.cmd(now);
        c.arg("ingest");
        for a in args {
            c.arg(a.as_ref());
        }
        c.output().expect("run radar")
    }

    /// Runs a query and returns the CSV rows (header first).
    pub fn sql(&self, query: &str) -> Vec<Vec<String>> {
        let out = self.cmd(NOW).args(["sql", query, "--format", "csv"]).output().expect("run radar sql");
        assert!(out.status.success(), "sql failed: {query}\n{}", String::from_utf8_lossy(&out.stderr));
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(out.stdout.as_slice());
        r.records().map(|rec| rec.expect("csv").iter().map(String::from).collect()).collect()
    }

    /// A single number from a query.
    pub fn count(&self, query: &str) -> i64 {
        let rows = self.sql(query);
        rows.get(1)
            .and_then(|r| r.first())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no count from {query}: {rows:?}"))
    }

    /// Every row of a table, sorted, as CSV text rows (header excluded).
    pub fn table(&self, table: &str) -> Vec<Vec<String>> {
        let mut rows = self.sql(&format!("SELECT * FROM {table}"));
        if !rows.is_empty() {
            rows.remove(0);
        }
        rows.sort();
        rows
    }

    /// Number of commits in a table's Delta log.
    pub fn versions(&self, table: &str) -> usize {
        let log = self.path().join(table).join("_delta_log");
        std::fs::read_dir(log)
            .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().ends_with(".json")).count())
            .unwrap_or(0)
    }
}

pub fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Data rows of a CSV file (header excluded).
pub fn csv_rows(path: &Path) -> usize {
    csv::Reader::from_path(path).expect("open csv").records().count()
}

/// The `ingest --format json` objects of a run.
pub fn reports(out: &Output) -> Vec<serde_json::Value> {
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout)
        .unwrap_or_else(|e| panic!("not a JSON array ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), stderr(out)))
}

pub fn field(r: &serde_json::Value, k: &str) -> i64 {
    r[k].as_i64().unwrap_or_else(|| panic!("no {k} in {r}"))
}

/// `radar generate` of a campus from 2025-09-08 into `out`; returns the clock it prints.
pub fn generate_campus(out: &Path, students: &str, weeks: &str, seed: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_radar"))
        .args(["-q", "generate", "--start", "2025-09-08", "--students", students, "--weeks", weeks, "--seed", seed])
        .arg("--out")
        .arg(out)
        .output()
        .expect("run radar generate");
    ok(&o);
    String::from_utf8_lossy(&o.stdout).split_whitespace().nth(2).unwrap_or_default().to_string()
}
