//! The audit log (`audit_log` in ops.sqlite): one row per disclosure of student data —
//! a profile, timeline or recommendation list seen `--as` a staff member, `warnings show`,
//! every warnings listing or export (with or without names), and `radar sql`.
//!
//! A row holds who (`--as` / `--by` staff id, else `os:` and the OS user), when (the
//! `--now` clock), what (`profile.view`, `warnings.export`, …), the subject (a student or
//! warning id, or the listing's filter), how many distinct students were disclosed, and a
//! JSON detail. Ids only: never a name, a note or a reason text.

use rusqlite::params;

use super::db::OpsDb;
use super::WarningError;
use crate::schema::time::Micros;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    students INTEGER NOT NULL DEFAULT 1,
    detail TEXT NOT NULL
)";

/// Creates the table, or brings one written by an older version (a `student_id` column,
/// no `students`) up to date.
fn ensure(db: &OpsDb) -> Result<(), WarningError> {
    db.conn.execute_batch(SCHEMA)?;
    let cols: Vec<String> = {
        let mut st = db.conn.prepare("SELECT name FROM pragma_table_info('audit_log')")?;
        let names = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        names
    };
    if cols.iter().any(|c| c == "student_id") {
        db.conn.execute_batch("ALTER TABLE audit_log RENAME COLUMN student_id TO subject")?;
    }
    if !cols.iter().any(|c| c == "students") {
        db.conn.execute_batch("ALTER TABLE audit_log ADD COLUMN students INTEGER NOT NULL DEFAULT 1")?;
    }
    Ok(())
}

/// Records that `actor` did `action` on `subject`, disclosing `students` students.
pub fn record(
    db: &OpsDb,
    at: Micros,
    actor: &str,
    action: &str,
    subject: &str,
    students: u64,
) -> Result<(), WarningError> {
    record_with(db, at, actor, action, subject, students, &serde_json::json!({}))
}

/// [`record`] with a JSON detail (ids, flags and counts only).
pub fn record_with(
    db: &OpsDb,
    at: Micros,
    actor: &str,
    action: &str,
    subject: &str,
    students: u64,
    detail: &serde_json::Value,
) -> Result<(), WarningError> {
    ensure(db)?;
    db.conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, students, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at, actor, action, subject, students as i64, detail.to_string()],
    )?;
    Ok(())
}

/// The actor of a command: the staff id it names, else `os:` and the OS user.
pub fn actor(staff: Option<&str>) -> String {
    match staff {
        Some(id) => id.to_string(),
        None => {
            let user =
                ["USER", "LOGNAME", "USERNAME"].iter().find_map(|k| std::env::var(k).ok().filter(|u| !u.is_empty()));
            format!("os:{}", user.unwrap_or_else(|| "unknown".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_audit_log_is_brought_up_to_date_and_keeps_its_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = OpsDb::open(dir.path()).expect("ops");
        db.conn
            .execute_batch(
                "CREATE TABLE audit_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, \
                 actor TEXT NOT NULL, action TEXT NOT NULL, student_id TEXT NOT NULL, detail TEXT NOT NULL);
                 INSERT INTO audit_log (at, actor, action, student_id, detail) VALUES (1, 'C1', 'profile.view', 'S1', '{}');",
            )
            .expect("old table");
        record(&db, 2, "C2", "warnings.show", "W000001", 1).expect("record");
        let rows: Vec<(String, String, i64)> = db
            .conn
            .prepare("SELECT actor, subject, students FROM audit_log ORDER BY seq")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(rows, [("C1".into(), "S1".into(), 1), ("C2".into(), "W000001".into(), 1)]);
        assert!(actor(None).starts_with("os:"));
        assert_eq!(actor(Some("C7")), "C7");
    }
}
