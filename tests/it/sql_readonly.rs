//! `radar sql` is read-only and audited: anything that writes, changes the session or reads
//! outside the store is refused with exit 2; every query leaves an audit row with its hash
//! and row count, never its values.

use std::process::Output;

use crate::util::*;

fn sql_as(s: &TestStore, query: &str, actor: Option<&str>) -> Output {
    let mut c = s.cmd(NOW);
    c.args(["sql", query, "--format", "csv"]);
    if let Some(a) = actor {
        c.args(["--as", a]);
    }
    c.output().expect("run radar sql")
}

/// The audit rows of `radar sql`, oldest first: (actor, detail).
fn audits(s: &TestStore) -> Vec<(String, serde_json::Value)> {
    let db = rusqlite::Connection::open(s.path().join("ops.sqlite")).expect("open ops.sqlite");
    let mut st =
        db.prepare("SELECT actor, detail, subject FROM audit_log WHERE action = 'sql' ORDER BY seq").expect("prepare");
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .expect("query");
    rows.map(|r| {
        let (actor, detail, student) = r.expect("row");
        assert_eq!(student, "", "a query concerns no one student");
        (actor, serde_json::from_str(&detail).expect("json"))
    })
    .collect()
}

#[test]
fn statements_that_write_or_read_outside_the_store_are_refused() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv")]));
    let outside = s.scratch("outside.csv");
    std::fs::write(&outside, "a,b\n1,2\n").expect("w");
    let target = s.scratch("copied.csv");
    let o = outside.display();
    let t = target.display();
    let refused = [
        "CREATE TABLE t2 (a INT)".to_string(),
        "CREATE TABLE t2 AS SELECT * FROM students".into(),
        "CREATE VIEW v AS SELECT * FROM students".into(),
        format!("CREATE EXTERNAL TABLE ext STORED AS CSV LOCATION '{o}'"),
        "DROP TABLE students".into(),
        "INSERT INTO students (student_id) VALUES ('x')".into(),
        "UPDATE students SET name = 'x'".into(),
        "DELETE FROM students".into(),
        format!("COPY students TO '{t}'"),
        format!("COPY (SELECT * FROM students) TO '{t}' STORED AS CSV"),
        "SET datafusion.execution.batch_size = 1".into(),
        format!("SELECT * FROM '{o}'"),
        format!("SELECT * FROM read_csv('{o}')"),
        "SELECT * FROM read_parquet('x.parquet')".into(),
        "SELECT * FROM 'https://example.com/x.parquet'".into(),
        "SELECT * FROM nowhere".into(),
        format!("EXPLAIN COPY students TO '{t}'"),
        "SELECT student_id INTO copy_of FROM students".into(),
    ];
    for q in &refused {
        let out = sql_as(&s, q, None);
        assert_eq!(out.status.code(), Some(2), "{q}: {}", stderr(&out));
        assert!(stderr(&out).contains("refused"), "{q}: {}", stderr(&out));
    }
    assert!(!target.exists(), "COPY wrote a file");
    assert_eq!(s.count("SELECT count(*) FROM students"), 300, "nothing changed");
    let tables = s.sql("SHOW TABLES");
    assert!(!tables.iter().any(|r| r.iter().any(|c| c == "t2" || c == "v" || c == "ext")), "{tables:?}");
    let audited = audits(&s);
    let refusals = audited.iter().filter(|(_, d)| d["refused"] == true).count();
    assert_eq!(refusals, refused.len(), "each refusal is audited");
}

#[test]
fn reads_run_and_are_audited_with_hash_and_rows_only() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv")]));
    let reads = [
        ("SELECT student_id, name FROM students WHERE cohort = 2022", None),
        ("WITH c AS (SELECT cohort FROM students) SELECT count(*) FROM c", None),
        ("SHOW TABLES", None),
        ("SHOW COLUMNS FROM students", None),
        ("DESCRIBE students", None),
        ("EXPLAIN SELECT count(*) FROM students", None),
        ("SELECT count(*) FROM information_schema.tables", Some("T001")),
    ];
    for (q, actor) in reads {
        let out = sql_as(&s, q, actor);
        ok(&out);
    }
    let audited = audits(&s);
    assert_eq!(audited.len(), reads.len());
    let first = s.sql("SELECT student_id FROM students WHERE cohort = 2022");
    assert_eq!(audited[0].1["rows"], (first.len() - 1) as u64, "rows returned");
    assert_eq!(audited[1].1["rows"], 1);
    assert_eq!(audited[6].0, "T001", "--as names the actor");
    assert_ne!(audited[0].0, "", "the OS user otherwise");
    let hash = audited[0].1["query_hash"].as_str().expect("hash");
    assert_eq!(hash.len(), 32);
    assert_ne!(hash, audited[1].1["query_hash"].as_str().expect("hash"));
    let names: Vec<String> =
        s.sql("SELECT name FROM students LIMIT 3").into_iter().skip(1).map(|r| r[0].clone()).collect();
    let mut db = std::fs::read(s.path().join("ops.sqlite")).expect("read");
    db.extend(std::fs::read(s.path().join("ops.sqlite-wal")).unwrap_or_default());
    let text = String::from_utf8_lossy(&db);
    assert!(!text.contains("cohort = 2022"), "the query text is not stored");
    for n in names {
        assert!(!text.contains(&n), "a value returned is not stored");
    }
}
