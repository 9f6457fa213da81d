//! A table the engine wrote reads back with the same rows through the Python `deltalake`
//! package (delta-rs's Python binding, an independent reader of the Delta protocol).
//! `scripts/test.sh` installs it.

use std::process::Command;

use crate::util::*;

const READER: &str = r#"
import json, sys
import pyarrow as pa
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1]).to_pyarrow_table()
ids = t.column("txn_id").to_pylist()
sids = t.column("student_id").to_pylist()
amounts = [str(a) for a in t.column("amount").to_pylist()]
ts = t.column("ts").cast(pa.int64()).to_pylist()
print(json.dumps(sorted([list(r) for r in zip(ids, sids, amounts, ts)])))
"#;

#[test]
fn python_deltalake_reads_the_same_rows() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv"), &sample("campus/card_transactions.csv")]));
    let out = Command::new("python3")
        .arg("-c")
        .arg(READER)
        .arg(s.path().join("card_transactions"))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python deltalake failed (run scripts/test.sh, which installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let py: Vec<(String, String, String, i64)> = serde_json::from_slice(&out.stdout).expect("json from python");
    let mut ours: Vec<(String, String, String, i64)> = s
        .sql("SELECT txn_id, student_id, CAST(amount AS VARCHAR), CAST(ts AS BIGINT) FROM card_transactions")
        .into_iter()
        .skip(1)
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].parse().expect("micros")))
        .collect();
    ours.sort();
    assert_eq!(py.len(), csv_rows(&sample("campus/card_transactions.csv")));
    assert_eq!(py, ours);
}
