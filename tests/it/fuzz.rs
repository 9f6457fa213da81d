//! Fuzz-style ingest: valid rows of the sample campus, mutated cell by cell and byte by
//! byte, written as CSV, NDJSON and Parquet and ingested. Whatever the rows hold, `radar`
//! must not panic, and every row read must be stored, a duplicate or quarantined, with the
//! store's tables agreeing with the reports exactly.
//!
//! `RADAR_FUZZ_ROWS` sets the number of rows (default 100,000), `RADAR_FUZZ_SEED` the seed
//! (default: a fixed one; the seed is printed on failure). A long run:
//! `RADAR_FUZZ_ROWS=5000000 cargo test --release --test it fuzz::`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use campus_radar::schema::{KindSpec, Mode, ALL_KINDS};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::util::*;

/// Rows per generated file, and generated files per `radar ingest` call.
const FILE_ROWS: usize = 2_500;
const FILES_PER_CALL: usize = 10;

/// Valid rows of one kind from the sample campus.
struct Sample {
    kind: &'static KindSpec,
    header: Vec<String>,
    rows: Vec<Vec<Vec<u8>>>,
}

fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    for kind in ALL_KINDS.iter().copied() {
        let path = sample("campus").join(format!("{}.csv", kind.name));
        let Ok(mut r) = csv::Reader::from_path(&path) else { continue };
        let header = r.headers().expect("header").iter().map(String::from).collect();
        let rows: Vec<Vec<Vec<u8>>> = r
            .byte_records()
            .take(3_000)
            .map(|rec| rec.expect("sample row").iter().map(<[u8]>::to_vec).collect())
            .collect();
        if !rows.is_empty() {
            out.push(Sample { kind, header, rows });
        }
    }
    assert!(out.len() >= 10, "the sample campus has most kinds");
    out
}

const ODD_TEXT: &[&str] = &[
    "2025年9月1日 07:42:13",
    "２０２５-09-01 07:42:13",
    "2025-09-0１",
    "2025-2026-１",
    "９９",
    "１２.５０",
    "\u{FEFF}",
    "é",
    "😀",
    "\u{0}",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "-1e308",
    "99999999999999999999999999",
    "-9223372036854775809",
    "9223372036854775807",
    "0.000000000000000000001",
    "12.345",
    "\"",
    "\"\"",
    ",",
    "\n",
    "\r\n",
    "\r",
    "null",
    "true",
    "   ",
    "S0001",
];

/// One random change to a row's fields.
fn mutate_fields(rng: &mut ChaCha8Rng, row: &mut Vec<Vec<u8>>, pool: &[Vec<Vec<u8>>]) {
    if row.is_empty() {
        row.push(b"x".to_vec());
    }
    let i = rng.random_range(0..row.len());
    match rng.random_range(0..13) {
        0 => {
            let cut = rng.random_range(0..=row[i].len());
            row[i].truncate(cut);
        }
        1 => {
            let s: String = (0..rng.random_range(1..6)).map(|_| rng.random::<char>()).collect();
            let at = rng.random_range(0..=row[i].len());
            row[i].splice(at..at, s.into_bytes());
        }
        2 => {
            let bytes: Vec<u8> = (0..rng.random_range(1..5)).map(|_| rng.random()).collect();
            let at = rng.random_range(0..=row[i].len());
            row[i].splice(at..at, bytes);
        }
        3 => {
            let j = rng.random_range(0..row.len());
            row.swap(i, j);
        }
        4 if row.len() > 2 => {
            row.remove(i);
        }
        5 => row.insert(i, ODD_TEXT.choose(rng).expect("odd").as_bytes().to_vec()),
        6 => row[i].clear(),
        7 => row[i] = ODD_TEXT.choose(rng).expect("odd").as_bytes().to_vec(),
        8 => {
            let at = rng.random_range(0..=row[i].len());
            let odd = ODD_TEXT.choose(rng).expect("odd").as_bytes();
            row[i].splice(at..at, odd.iter().copied());
        }
        9 => {
            // A value of the same column from another row: near-valid, often a duplicate key.
            let other = pool.choose(rng).expect("pool");
            if let Some(v) = other.get(i) {
                row[i] = v.clone();
            }
        }
        10 => row[i] = rng.random::<i64>().to_string().into_bytes(),
        11 => row[i] = format!("{:?}", rng.random::<f64>() * 10f64.powi(rng.random_range(-30..30))).into_bytes(),
        _ => row[i].splice(0..0, b"\xEF\xBB\xBF".iter().copied()).for_each(drop),
    }
}

/// Rows for one file: valid rows, exact repeats, and mutated rows.
fn rows_for(rng: &mut ChaCha8Rng, s: &Sample, n: usize) -> Vec<Vec<Vec<u8>>> {
    let mut out: Vec<Vec<Vec<u8>>> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut row = s.rows.choose(rng).expect("rows").clone();
        match rng.random_range(0..10) {
            0..=2 => {}
            3 if !out.is_empty() => row = out.choose(rng).expect("out").clone(),
            _ => {
                for _ in 0..rng.random_range(1..4) {
                    mutate_fields(rng, &mut row, &s.rows);
                }
            }
        }
        // A record of one empty field reads as a blank line, which is not a row.
        if row.len() == 1 && row[0].is_empty() {
            row[0] = b"x".to_vec();
        }
        out.push(row);
    }
    out
}

/// A generated file and the rows a reader must find in it, when that is known.
struct Written {
    path: PathBuf,
    rows: Option<u64>,
}

fn write_csv(path: &Path, s: &Sample, rows: &[Vec<Vec<u8>>], rng: &mut ChaCha8Rng) -> Written {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    w.write_record(&s.header).expect("header");
    for r in rows {
        w.write_record(r).expect("row");
    }
    let mut bytes = w.into_inner().expect("csv");
    if rng.random_bool(0.2) {
        bytes.splice(0..0, b"\xEF\xBB\xBF".iter().copied());
    }
    // Some files also get raw byte damage after the header: stray quotes, line breaks,
    // arbitrary bytes. The reader must still account for whatever records it finds.
    let damaged = rng.random_bool(0.3);
    if damaged {
        let start = bytes.iter().position(|b| *b == b'\n').map_or(0, |p| p + 1);
        for _ in 0..rng.random_range(1..40) {
            if start >= bytes.len() {
                break;
            }
            let at = rng.random_range(start..bytes.len());
            match rng.random_range(0..4) {
                0 => bytes.insert(at, b'"'),
                1 => bytes.insert(at, b'\n'),
                2 => bytes.insert(at, rng.random()),
                _ => {
                    bytes.remove(at);
                }
            }
        }
    }
    std::fs::write(path, bytes).expect("write csv");
    Written { path: path.to_path_buf(), rows: (!damaged).then_some(rows.len() as u64) }
}

fn write_ndjson(path: &Path, s: &Sample, rows: &[Vec<Vec<u8>>], rng: &mut ChaCha8Rng) -> Written {
    let mut bytes = Vec::new();
    for r in rows {
        let mut line: Vec<u8> = match rng.random_range(0..20) {
            0 => b"[1,2,3]".to_vec(),
            1 => b"\"just text\"".to_vec(),
            2 => (0..rng.random_range(1..30)).map(|_| rng.random::<u8>()).filter(|b| *b != b'\n').collect(),
            _ => {
                let mut m = serde_json::Map::new();
                for (k, v) in s.header.iter().zip(r) {
                    let text = String::from_utf8_lossy(v).into_owned();
                    let value = match rng.random_range(0..12) {
                        0 => serde_json::Value::Null,
                        1 => text
                            .parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map_or(serde_json::Value::String(text.clone()), serde_json::Value::Number),
                        2 => serde_json::json!([text]),
                        _ => serde_json::Value::String(text),
                    };
                    m.insert(k.clone(), value);
                }
                if rng.random_bool(0.05) {
                    m.insert("not_a_column".into(), serde_json::json!({"a": 1}));
                }
                let mut line = serde_json::to_vec(&m).expect("json");
                if rng.random_bool(0.05) {
                    let cut = rng.random_range(0..line.len());
                    line.truncate(cut);
                }
                line
            }
        };
        // A blank line is not a row.
        if line.iter().all(u8::is_ascii_whitespace) {
            line = b"x".to_vec();
        }
        bytes.extend_from_slice(&line);
        bytes.extend_from_slice(if rng.random_bool(0.1) { b"\r\n" } else { b"\n" });
    }
    std::fs::write(path, bytes).expect("write ndjson");
    Written { path: path.to_path_buf(), rows: Some(rows.len() as u64) }
}

fn write_parquet(path: &Path, s: &Sample, rows: &[Vec<Vec<u8>>]) -> Written {
    use arrow::array::{ArrayRef, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    let fields: Vec<Field> = s.header.iter().map(|h| Field::new(h, DataType::Utf8, true)).collect();
    let cols: Vec<ArrayRef> = (0..s.header.len())
        .map(|c| {
            let vals = rows.iter().map(|r| r.get(c).map(|v| String::from_utf8_lossy(v).into_owned()));
            Arc::new(vals.collect::<StringArray>()) as ArrayRef
        })
        .collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).expect("batch");
    let file = std::fs::File::create(path).expect("create parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    w.write(&batch).expect("write parquet");
    w.close().expect("close parquet");
    Written { path: path.to_path_buf(), rows: Some(rows.len() as u64) }
}

/// Per kind: rows stored by the reports, and whether the kind only appends.
#[derive(Default)]
struct Totals {
    stored: BTreeMap<&'static str, i64>,
    quarantined: i64,
    runs: usize,
}

fn check_reports(out: &std::process::Output, written: &[Written], totals: &mut Totals, seed: u64) {
    let err = stderr(out);
    assert!(
        matches!(out.status.code(), Some(0 | 1)) && !err.contains("panicked"),
        "seed {seed}: exit {:?}\n{err}",
        out.status.code()
    );
    let reports = reports(out);
    let by_file: BTreeMap<String, &serde_json::Value> =
        reports.iter().map(|r| (r["file"].as_str().unwrap_or_default().to_string(), r)).collect();
    for w in written {
        let name = w.path.display().to_string();
        let r = by_file.get(&name).unwrap_or_else(|| panic!("seed {seed}: no report for {name}"));
        let (read, stored, dup, quar) =
            (field(r, "rows_read"), field(r, "stored"), field(r, "duplicates"), field(r, "quarantined"));
        assert_eq!(read, stored + dup + quar, "seed {seed}: {name}: {r}");
        // The report carries the reason counts as JSON text (an `ingest_runs` column).
        let reasons: serde_json::Value = match &r["quarantined_by_reason"] {
            serde_json::Value::String(text) => serde_json::from_str(text).expect("reason counts are JSON"),
            other => other.clone(),
        };
        let by_reason: i64 = reasons.as_object().map_or(0, |m| m.values().filter_map(|v| v.as_i64()).sum());
        assert_eq!(by_reason, quar, "seed {seed}: {name}: {r}");
        if r["status"] == "ok" {
            if let Some(rows) = w.rows {
                assert_eq!(read as u64, rows, "seed {seed}: {name}: rows written vs read");
            }
        } else {
            assert_eq!((stored, quar), (0, 0), "seed {seed}: a failed file stored nothing: {r}");
        }
        let kind = r["kind"].as_str().and_then(KindSpec::by_name).expect("kind");
        *totals.stored.entry(kind.name).or_default() += stored;
        totals.quarantined += quar;
    }
    totals.runs += written.len();
}

/// The store agrees with the reports: the run log row by row, the quarantine per file, and
/// the append-only tables' sizes exactly (upserted ones are at most what was stored).
fn check_store(s: &TestStore, totals: &Totals, seed: u64) {
    let bad = s.count("SELECT count(*) FROM ingest_runs WHERE rows_read <> stored + duplicates + quarantined");
    assert_eq!(bad, 0, "seed {seed}: ingest_runs rows that do not add up");
    assert_eq!(s.count("SELECT count(*) FROM ingest_runs") as usize, totals.runs, "seed {seed}");
    let mismatched = s.count(
        "SELECT count(*) FROM ingest_runs r LEFT JOIN \
         (SELECT file, run_id, count(*) AS n FROM quarantine GROUP BY file, run_id) q \
         ON q.file = r.file AND q.run_id = r.run_id WHERE coalesce(q.n, 0) <> r.quarantined",
    );
    assert_eq!(mismatched, 0, "seed {seed}: quarantine rows differ from the reports");
    assert_eq!(s.count("SELECT count(*) FROM quarantine"), totals.quarantined, "seed {seed}");
    let kinds: Vec<&&'static str> = totals.stored.keys().collect();
    let union = kinds
        .iter()
        .map(|k| format!("SELECT '{k}' AS kind, count(*) AS n FROM {k}"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows = s.sql(&format!("SELECT kind, n FROM ({union}) ORDER BY kind"));
    for row in &rows[1..] {
        let kind = KindSpec::by_name(&row[0]).expect("kind");
        let n: i64 = row[1].parse().expect("count");
        let stored = totals.stored[kind.name];
        if kind.mode == Mode::Event {
            assert_eq!(n, stored, "seed {seed}: {} holds {n} rows, the reports stored {stored}", kind.name);
        } else {
            assert!(n <= stored, "seed {seed}: {} holds {n} rows, the reports stored {stored}", kind.name);
        }
    }
}

#[test]
fn mutated_rows_never_panic_and_every_row_is_accounted_for() {
    let total_rows: usize = std::env::var("RADAR_FUZZ_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let seed: u64 = std::env::var("RADAR_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(20_251_205);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let samples = samples();
    let s = TestStore::new();
    let mut totals = Totals::default();

    // Known students first, so that valid event rows are stored rather than unknown.
    let students = sample("campus").join("students.csv");
    let out = s.ingest(&[&students, &"--format", &"json"]);
    ok(&out);
    let seed_file = Written { path: students.clone(), rows: None };
    check_reports(&out, std::slice::from_ref(&seed_file), &mut totals, seed);

    let mut made = 0usize;
    let mut call = 0usize;
    while made < total_rows {
        let dir = s.scratch(&format!("fuzz-{call}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut written = Vec::new();
        for f in 0..FILES_PER_CALL {
            if made >= total_rows {
                break;
            }
            let sample = samples.choose(&mut rng).expect("samples");
            let n = FILE_ROWS.min(total_rows - made);
            let rows = rows_for(&mut rng, sample, n);
            let stem = format!("{}-fuzz{call}x{f}", sample.kind.name);
            let w = match rng.random_range(0..20) {
                0..=12 => write_csv(&dir.join(format!("{stem}.csv")), sample, &rows, &mut rng),
                13..=18 => write_ndjson(&dir.join(format!("{stem}.ndjson")), sample, &rows, &mut rng),
                _ => write_parquet(&dir.join(format!("{stem}.parquet")), sample, &rows),
            };
            written.push(w);
            made += n;
        }
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"--format", &"json"];
        for w in &written {
            args.push(&w.path);
        }
        let out = s.ingest(&args);
        check_reports(&out, &written, &mut totals, seed);
        call += 1;
    }
    check_store(&s, &totals, seed);
}
