//! The same records through every input form store the same rows: CSV, GB18030, NDJSON,
//! Parquet with string columns, Parquet with typed columns, gzip.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Decimal128Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{Field, Schema};
use campus_radar::schema::time::parse_timestamp;

use crate::util::*;

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Stores `files` (plus the sample students) and returns the card_transactions table.
fn cards_via(files: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<Vec<String>> {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv")]));
    let out = s.ingest(files);
    ok(&out);
    assert!(!stderr(&out).contains("quarantined ("), "nothing set aside: {}", stderr(&out));
    s.table("card_transactions")
}

fn card_csv() -> PathBuf {
    sample("campus/card_transactions.csv")
}

fn csv_records(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("open");
    let header = r.headers().expect("header").iter().map(String::from).collect();
    (header, r.records().map(|x| x.expect("row").iter().map(String::from).collect()).collect())
}

#[test]
fn ndjson_stores_the_same_rows_as_csv() {
    let expected = cards_via(&[&card_csv()]);
    assert!(!expected.is_empty());
    assert_eq!(cards_via(&[&sample("campus-ndjson/card_transactions.ndjson")]), expected);
}

#[test]
fn gzip_stores_the_same_rows_as_csv() {
    let dir = tempfile::tempdir().expect("tmp");
    let gz = dir.path().join("card_transactions.csv.gz");
    let mut enc =
        flate2::write::GzEncoder::new(std::fs::File::create(&gz).expect("create"), flate2::Compression::fast());
    enc.write_all(&std::fs::read(card_csv()).expect("read")).expect("gz");
    enc.finish().expect("gz finish");
    assert_eq!(cards_via(&[&gz]), cards_via(&[&card_csv()]));
}

#[test]
fn gb18030_stores_the_same_rows_as_utf8() {
    let gb = TestStore::new();
    ok(&gb.ingest(&[&sample("fixtures/gb18030/students.csv"), &"--encoding", &"gb18030"]));
    let utf = TestStore::new();
    ok(&utf.ingest(&[&sample("fixtures/gb18030/students-utf8.csv")]));
    let rows = gb.table("students");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows, utf.table("students"));
    assert!(
        rows.iter().flatten().any(|c| c.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch))),
        "Chinese text decoded"
    );
    // Read as UTF-8, the same bytes do not decode: bad_row, not garbage.
    let wrong = TestStore::new();
    ok(&wrong.ingest(&[&sample("fixtures/gb18030/students.csv")]));
    assert!(wrong.count("SELECT count(*) FROM quarantine WHERE reason = 'bad_row'") >= 1);
}

fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> = columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.into_iter().map(|(_, a)| a).collect())
        .expect("batch");
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).expect("create"), batch.schema(), None)
            .expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

fn text_col(rows: &[Vec<String>], i: usize) -> ArrayRef {
    Arc::new(StringArray::from_iter(rows.iter().map(|r| (!r[i].is_empty()).then(|| r[i].clone()))))
}

#[test]
fn parquet_with_string_columns_stores_the_same_rows() {
    let (header, rows) = csv_records(&card_csv());
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("card_transactions.parquet");
    write_parquet(&path, header.iter().enumerate().map(|(i, h)| (h.as_str(), text_col(&rows, i))).collect());
    assert_eq!(cards_via(&[&path]), cards_via(&[&card_csv()]));
}

#[test]
fn parquet_with_typed_columns_stores_the_same_rows() {
    let (header, rows) = csv_records(&card_csv());
    let idx = |n: &str| header.iter().position(|h| h == n).expect("column");
    let (ts, amount) = (idx("ts"), idx("amount"));
    let instants: Vec<i64> = rows.iter().map(|r| parse_timestamp(&r[ts], TZ).expect("sample ts")).collect();
    // Half the rows as zoned instants, half as naive local wall-clock times.
    let dir = tempfile::tempdir().expect("tmp");
    let (zoned, naive) = rows.split_at(rows.len() / 2);
    let local = |t: i64| t + 8 * 3600 * 1_000_000;
    for (name, part, offset, zone) in [
        ("card_transactions-a.parquet", zoned, 0, Some("UTC")),
        ("card_transactions-b.parquet", naive, zoned.len(), None),
    ] {
        let ts_col = TimestampMicrosecondArray::from_iter_values((0..part.len()).map(|i| {
            if zone.is_some() {
                instants[offset + i]
            } else {
                local(instants[offset + i])
            }
        }));
        let ts_col: ArrayRef = match zone {
            Some(z) => Arc::new(ts_col.with_timezone(z)),
            None => Arc::new(ts_col),
        };
        // decimal(14,4): `12.5000` must read as 12.5, not as a money value with 4 decimals.
        let cents = Decimal128Array::from_iter_values(
            part.iter().map(|r| (r[amount].parse::<f64>().expect("amount") * 100.0).round() as i128 * 100),
        )
        .with_precision_and_scale(14, 4)
        .expect("decimal");
        let cols: Vec<(&str, ArrayRef)> = header
            .iter()
            .enumerate()
            .map(|(i, h)| match h.as_str() {
                "ts" => (h.as_str(), ts_col.clone()),
                "amount" => (h.as_str(), Arc::new(cents.clone()) as ArrayRef),
                _ => (h.as_str(), text_col(part, i)),
            })
            .collect();
        write_parquet(&dir.path().join(name), cols);
    }
    let got =
        cards_via(&[&dir.path().join("card_transactions-a.parquet"), &dir.path().join("card_transactions-b.parquet")]);
    assert_eq!(got, cards_via(&[&card_csv()]));
}
