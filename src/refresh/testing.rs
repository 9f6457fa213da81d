//! `radar pipelines test`: pipeline unit tests kept beside the pipelines
//! (`pipelines/tests/*.toml`): contract CSV rows in, expected output rows out.
//!
//! Each test ingests its inputs into a scratch store exactly as `radar ingest` would,
//! runs a full refresh as of its date, and compares one output table with the expected
//! rows by key: every expected row must exist, no other row may, and each expected cell
//! must match (empty = null; numbers as numbers within 1e-9 relative).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Date32Type, Float64Type, TimestampMicrosecondType};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{refresh, Quiet, RefreshOptions};
use crate::ingest::{self, Encoding, IngestOptions, NoProgress};
use crate::schema::time::{days_to_date, parse_clock, parse_date, parse_timestamp};
use crate::store::Store;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestSpec {
    #[serde(default)]
    description: String,
    as_of: String,
    ingest_now: Option<String>,
    tz: Option<String>,
    table: String,
    key: Vec<String>,
    inputs: BTreeMap<String, String>,
    expected: String,
    /// Input rows the ingest is expected to set aside (a test of the contract's filtering).
    #[serde(default)]
    quarantined: u64,
}

/// The outcome of one test file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TestOutcome {
    /// Test file.
    pub file: String,
    /// What it covers.
    pub description: String,
    /// Passed.
    pub ok: bool,
    /// Mismatches or the error.
    pub problems: Vec<String>,
}

/// Runs every `*.toml` in `dir` (sorted) against the pipelines in `pipelines`.
pub async fn run_dir(dir: &Path, pipelines: Option<&Path>) -> Vec<TestOutcome> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        out.push(run_file(&f, pipelines).await);
    }
    out
}

/// Runs one test file.
pub async fn run_file(path: &Path, pipelines: Option<&Path>) -> TestOutcome {
    let file = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return TestOutcome { file, description: String::new(), ok: false, problems: vec![e.to_string()] },
    };
    let spec: TestSpec = match toml::from_str(&text) {
        Ok(s) => s,
        Err(e) => return TestOutcome { file, description: String::new(), ok: false, problems: vec![e.to_string()] },
    };
    let description = spec.description.clone();
    let problems = match run_spec(&spec, pipelines).await {
        Ok(p) => p,
        Err(e) => vec![e],
    };
    TestOutcome { file, description, ok: problems.is_empty(), problems }
}

async fn run_spec(spec: &TestSpec, pipelines: Option<&Path>) -> Result<Vec<String>, String> {
    let tz: Tz = spec.tz.as_deref().unwrap_or("Asia/Shanghai").parse().map_err(|_| "unknown tz".to_string())?;
    let as_of = parse_date(&spec.as_of).ok_or_else(|| format!("as_of `{}` is not a date", spec.as_of))?;
    let now = match &spec.ingest_now {
        Some(s) => parse_clock(s, tz).ok_or_else(|| format!("ingest_now `{s}` is not a timestamp"))?,
        None => parse_clock(&spec.as_of, tz).unwrap_or_default() + 30 * crate::schema::time::DAY_MICROS,
    };
    // Each input key names a file in the scratch directory: only a record kind may.
    if let Some(k) = spec.inputs.keys().find(|k| crate::schema::KindSpec::by_name(k).is_none()) {
        return Err(format!("input `{k}` is not a record kind"));
    }
    let scratch = std::env::temp_dir().join(format!("radar-pipeline-test-{}", uuid::Uuid::new_v4()));
    let result = async {
        let input_dir = scratch.join("input");
        std::fs::create_dir_all(&input_dir).map_err(|e| e.to_string())?;
        let mut paths = Vec::new();
        for (kind, csv) in &spec.inputs {
            let p = input_dir.join(format!("{kind}.csv"));
            std::fs::write(&p, csv.trim_start()).map_err(|e| e.to_string())?;
            paths.push(p);
        }
        let store = Store::open(&scratch.join("store")).map_err(|e| e.to_string())?;
        let opts = IngestOptions { kind: None, encoding: Encoding::Utf8, tz, now, batch_rows: 65_536 };
        let outcome = ingest::ingest(&store, &paths, &opts, &NoProgress).await.map_err(|e| e.to_string())?;
        let mut problems = Vec::new();
        let quarantined: u64 = outcome.reports.iter().map(|r| r.quarantined).sum();
        if quarantined != spec.quarantined {
            problems.push(format!("{quarantined} input rows quarantined, the test expects {}", spec.quarantined));
        }
        for r in &outcome.reports {
            if r.status != "ok" || (r.quarantined > 0 && spec.quarantined == 0) {
                problems.push(format!(
                    "input {}: {} quarantined, status {} {}",
                    r.kind,
                    r.quarantined,
                    r.status,
                    r.error.clone().unwrap_or_default()
                ));
            }
        }
        let ropts = RefreshOptions {
            as_of: Some(as_of),
            full: true,
            wait: false,
            tz,
            now,
            pipelines: pipelines.map(Path::to_path_buf),
        };
        refresh(&store, &ropts, &Quiet).await.map_err(|e| e.to_string())?;
        let batches = store.query_published(&spec.table).await.map_err(|e| e.to_string())?;
        problems.extend(compare(spec, &batches, tz)?);
        Ok(problems)
    }
    .await;
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Num(f64),
    Text(String),
}

fn actual_cell(a: &dyn Array, i: usize, tz: Tz) -> Cell {
    if a.is_null(i) {
        return Cell::Null;
    }
    match a.data_type() {
        DataType::Date32 => {
            Cell::Text(days_to_date(a.as_primitive::<Date32Type>().value(i)).format("%Y-%m-%d").to_string())
        }
        DataType::Timestamp(_, _) => {
            let t = a.as_primitive::<TimestampMicrosecondType>().value(i);
            Cell::Text(crate::schema::time::format_timestamp(t, tz))
        }
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Boolean => {
            let s = arrow::compute::cast(&arrow::array::make_array(a.to_data()), &DataType::Utf8);
            match s {
                Ok(s) => Cell::Text(s.as_string::<i32>().value(i).to_string()),
                Err(_) => Cell::Null,
            }
        }
        _ => match arrow::compute::cast(&arrow::array::make_array(a.to_data()), &DataType::Float64) {
            Ok(f) => Cell::Num(f.as_primitive::<Float64Type>().value(i)),
            Err(_) => Cell::Null,
        },
    }
}

fn matches(expected: &str, actual: &Cell, tz: Tz) -> bool {
    match actual {
        Cell::Null => expected.is_empty(),
        Cell::Num(x) => expected.parse::<f64>().is_ok_and(|e| (e - x).abs() <= 1e-9 * e.abs().max(1.0)),
        Cell::Text(s) => {
            s == expected || parse_timestamp(expected, tz).is_some_and(|e| parse_timestamp(s, tz) == Some(e))
        }
    }
}

fn compare(spec: &TestSpec, batches: &[RecordBatch], tz: Tz) -> Result<Vec<String>, String> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(spec.expected.trim_start().as_bytes());
    let header: Vec<String> = rdr.headers().map_err(|e| e.to_string())?.iter().map(str::to_string).collect();
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rdr.records() {
        let r = r.map_err(|e| format!("expected: {e}"))?;
        let row: Vec<String> = r.iter().map(str::to_string).collect();
        let key =
            spec.key.iter().map(|k| header.iter().position(|h| h == k).map(|p| row[p].clone()).unwrap_or_default());
        expected.insert(key.collect::<Vec<_>>().join("|"), row);
    }
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for b in batches {
        let schema = b.schema();
        let idx = |name: &str| schema.index_of(name).ok();
        let mut cols = Vec::new();
        for h in &header {
            match idx(h) {
                Some(i) => cols.push(i),
                None => return Ok(vec![format!("table {} has no column `{h}`", spec.table)]),
            }
        }
        for r in 0..b.num_rows() {
            let key: Vec<String> = spec
                .key
                .iter()
                .map(|k| match idx(k).map(|i| actual_cell(b.column(i).as_ref(), r, tz)) {
                    Some(Cell::Text(s)) => s,
                    Some(Cell::Num(x)) => x.to_string(),
                    _ => String::new(),
                })
                .collect();
            let key = key.join("|");
            seen.insert(key.clone());
            let Some(exp) = expected.get(&key) else {
                problems.push(format!("unexpected row {key}"));
                continue;
            };
            for (h, (&ci, e)) in header.iter().zip(cols.iter().zip(exp)) {
                let a = actual_cell(b.column(ci).as_ref(), r, tz);
                if !matches(e, &a, tz) {
                    problems.push(format!("row {key}, column {h}: expected `{e}`, got {a:?}"));
                }
            }
        }
    }
    for k in expected.keys() {
        if !seen.contains(k) {
            problems.push(format!("missing row {k}"));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_input_that_is_not_a_kind_cannot_name_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let escape = format!("{}/escaped", dir.path().display());
        let text = format!(
            "as_of = \"2025-09-22\"\ntable = \"student_week\"\nkey = [\"student_id\"]\nexpected = \"student_id\\n\"\n\
             [inputs]\n\"../../../../../../../../{escape}\" = \"a\\n1\\n\"\n"
        );
        let f = dir.path().join("t.toml");
        std::fs::write(&f, text).unwrap();
        let out = run_file(&f, None).await;
        assert!(!out.ok && out.problems.iter().any(|p| p.contains("not a record kind")), "{out:?}");
        assert!(!dir.path().join("escaped.csv").exists());
    }
}
