//! Property tests of the readers: any bytes give records or a file error, never a panic,
//! and every record read is either a checked row or a rejection.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray, TimestampSecondArray,
};
use arrow::datatypes::{Field, Schema};
use proptest::prelude::*;

use super::files::{Encoding, Format, InputFile};
use super::record::Record;
use super::source::{ByteCounter, Source};
use super::validate::Validator;
use super::IngestError;
use crate::schema::{KindSpec, ALL_KINDS};
use crate::store::KeySet;

const SH: chrono_tz::Tz = chrono_tz::Asia::Shanghai;
const NOW: i64 = 1_758_499_200_000_000;

/// What reading a whole file gave: records read, rows accepted, rows rejected.
#[derive(Debug, PartialEq)]
struct Tally {
    read: u64,
    accepted: u64,
    rejected: u64,
}

/// Reads, fills `raw` and checks every record as ingest does, then builds the batch.
fn read_all(path: &Path, kind: &'static KindSpec, format: Format, encoding: Encoding) -> Result<Tally, IngestError> {
    let f = InputFile { path: path.to_path_buf(), kind, format, gzip: false };
    let mut src = Source::open(&f, encoding, SH, &ByteCounter::default())?;
    let _ = src.extra_columns();
    let raw = src.raw_format();
    let students = KeySet::default();
    let validator = Validator::new(kind, SH, NOW, &students);
    let mut builder = super::builder::BatchBuilder::new(kind);
    let mut rec = Record::default();
    let mut t = Tally { read: 0, accepted: 0, rejected: 0 };
    while src.next(&mut rec)? {
        t.read += 1;
        assert_eq!(rec.row, t.read, "rows are numbered without gaps");
        // The checked values borrow the record: push them before `raw` may be filled.
        let accepted = {
            let mut vals = Vec::new();
            let ok = validator.check(&rec, &mut vals).is_ok();
            if ok {
                builder.push(&vals);
            }
            ok
        };
        if accepted {
            t.accepted += 1;
        } else {
            raw.fill(&mut rec);
            t.rejected += 1;
        }
    }
    let batch = builder.finish().map_err(IngestError::from)?;
    assert_eq!(batch.num_rows() as u64, t.accepted);
    Ok(t)
}

fn kind() -> impl Strategy<Value = &'static KindSpec> {
    prop::sample::select(ALL_KINDS.to_vec())
}

fn header(kind: &KindSpec) -> String {
    kind.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
}

/// A cell: arbitrary text, or text near one of the contract's forms.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^,\"\r\n]{0,12}",
        prop::sample::select(vec!["S0001", "2025-09-01 07:42:13", "2025-09-01", "12.50", "1", "true", "2025-2026-1"])
            .prop_map(String::from),
        "[0-9０-９年月日:. -]{0,20}",
    ]
}

/// A line without quotes or line breaks: fields of `width ± 1`, or arbitrary text.
fn plain_line(width: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(cell(), width.saturating_sub(1)..=width + 1).prop_map(|f| f.join(",").into_bytes()),
        1 => prop::collection::vec(any::<u8>().prop_filter("plain", |b| !b"\"\r\n".contains(b)), 1..40),
    ]
    .prop_filter("not blank", |l| !l.is_empty())
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

proptest! {
    #[test]
    fn csv_of_any_bytes_reads_or_fails_cleanly(k in kind(), bytes in prop::collection::vec(any::<u8>(), 0..400),
                                                gb in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "x.csv", &bytes);
        let enc = if gb { Encoding::Gb18030 } else { Encoding::Utf8 };
        if let Ok(t) = read_all(&p, k, Format::Csv, enc) {
            prop_assert_eq!(t.read, t.accepted + t.rejected);
        }
    }

    #[test]
    fn csv_rows_after_a_valid_header_are_all_accounted(
        (k, lines) in kind().prop_flat_map(|k| (Just(k), prop::collection::vec(plain_line(k.columns.len()), 0..30))),
        bom in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        bytes.extend_from_slice(header(k).as_bytes());
        for l in &lines {
            bytes.push(b'\n');
            bytes.extend_from_slice(l);
        }
        let p = write(dir.path(), "x.csv", &bytes);
        let t = read_all(&p, k, Format::Csv, Encoding::Utf8).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Without quotes every line is one record.
        prop_assert_eq!(t.read, lines.len() as u64);
        prop_assert_eq!(t.read, t.accepted + t.rejected);
    }

    #[test]
    fn ndjson_of_any_lines_counts_every_non_blank_line(
        k in kind(),
        lines in prop::collection::vec(prop_oneof![
            prop::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..60),
            prop::collection::btree_map("[a-z_]{1,12}", cell(), 0..8)
                .prop_map(|m| serde_json::to_vec(&m).unwrap()),
        ], 0..30),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let bytes = lines.join(&b'\n');
        let p = write(dir.path(), "x.ndjson", &bytes);
        let t = read_all(&p, k, Format::Ndjson, Encoding::Utf8).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let non_blank = lines.iter().filter(|l| {
            let mut l = l.as_slice();
            while let Some(rest) = l.strip_suffix(b"\r") { l = rest; }
            !l.iter().all(u8::is_ascii_whitespace)
        }).count();
        prop_assert_eq!(t.read, non_blank as u64);
        prop_assert_eq!(t.read, t.accepted + t.rejected);
    }

    #[test]
    fn parquet_of_any_bytes_is_an_error(k in kind(), bytes in prop::collection::vec(any::<u8>(), 0..600),
                                        magic in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let mut b = bytes;
        if magic {
            // Past the magic-number check, into the footer parser.
            b.splice(0..0, b"PAR1".iter().copied());
            b.extend_from_slice(b"PAR1");
        }
        let p = write(dir.path(), "x.parquet", &b);
        if let Ok(t) = read_all(&p, k, Format::Parquet, Encoding::Utf8) {
            prop_assert_eq!(t.read, t.accepted + t.rejected);
        }
    }

    #[test]
    fn parquet_of_typed_batches_accounts_every_row(
        k in kind(), n in 0usize..20, seed in any::<u64>(), cut in any::<Option<(prop::sample::Index, u8)>>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let batch = random_batch(k, n, seed);
        let mut bytes = Vec::new();
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let intact = cut.is_none();
        if let Some((at, byte)) = cut {
            // One corrupted byte anywhere in the file.
            let i = at.index(bytes.len());
            bytes[i] ^= byte | 1;
        }
        let p = write(dir.path(), "x.parquet", &bytes);
        match read_all(&p, k, Format::Parquet, Encoding::Utf8) {
            Ok(t) => {
                prop_assert_eq!(t.read, t.accepted + t.rejected);
                if intact {
                    prop_assert_eq!(t.read, n as u64);
                }
            }
            Err(e) => prop_assert!(!intact, "intact file failed: {e}"),
        }
    }
}

/// Every single-byte corruption of one typed file, swept exhaustively: the proptest above
/// found a flipped byte in the embedded Arrow schema that made the decoder panic.
#[test]
fn every_corrupted_byte_of_a_parquet_file_is_an_error_or_accounted() {
    let dir = tempfile::tempdir().unwrap();
    for (ki, k) in ALL_KINDS.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let batch = random_batch(k, 3, ki as u64);
        let mut clean = Vec::new();
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut clean, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        for i in 0..clean.len() {
            for mask in [0x01u8, 0x40, 0xff] {
                let mut bytes = clean.clone();
                bytes[i] ^= mask;
                let p = write(dir.path(), "x.parquet", &bytes);
                if let Ok(t) = read_all(&p, k, Format::Parquet, Encoding::Utf8) {
                    assert_eq!(t.read, t.accepted + t.rejected, "{} byte {i} mask {mask:#x}", k.name);
                }
            }
        }
    }
}

/// A batch with every contract column, each typed at random (text or a typed form).
fn random_batch(kind: &KindSpec, n: usize, seed: u64) -> RecordBatch {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut fields = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    for c in kind.columns {
        let nulls: Vec<bool> = (0..n).map(|_| rng.random_bool(0.1)).collect();
        let pick = |i: usize| !nulls[i];
        let col: ArrayRef = match rng.random_range(0..8) {
            0 => Arc::new((0..n).map(|i| pick(i).then(|| rng.random::<i64>())).collect::<Int64Array>()),
            1 => Arc::new((0..n).map(|i| pick(i).then(|| rng.random::<f64>() * 1e6)).collect::<Float64Array>()),
            2 => Arc::new((0..n).map(|i| pick(i).then(|| rng.random::<bool>())).collect::<BooleanArray>()),
            3 => Arc::new(
                (0..n)
                    .map(|i| pick(i).then(|| rng.random::<i64>()))
                    .collect::<TimestampMicrosecondArray>()
                    .with_timezone_opt(rng.random_bool(0.5).then(|| "UTC")),
            ),
            4 => Arc::new((0..n).map(|i| pick(i).then(|| rng.random::<i64>())).collect::<TimestampSecondArray>()),
            5 => Arc::new((0..n).map(|i| pick(i).then(|| rng.random::<i32>())).collect::<Date32Array>()),
            6 => Arc::new(
                (0..n)
                    .map(|i| pick(i).then(|| rng.random_range(-(10i128.pow(20))..10i128.pow(20))))
                    .collect::<Decimal128Array>()
                    .with_precision_and_scale(38, rng.random_range(0..6))
                    .unwrap(),
            ),
            _ => Arc::new(
                (0..n)
                    .map(|i| {
                        pick(i).then(|| {
                            let len = rng.random_range(0..12);
                            (0..len).map(|_| rng.random::<char>()).collect::<String>()
                        })
                    })
                    .collect::<StringArray>(),
            ),
        };
        fields.push(Field::new(c.name, col.data_type().clone(), true));
        cols.push(col);
    }
    RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        cols,
        &arrow::array::RecordBatchOptions::new().with_row_count(Some(n)),
    )
    .unwrap()
}
