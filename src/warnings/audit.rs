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
    detail TEXT NOT NULL,
    role TEXT,
    student_id TEXT,
    remote_addr TEXT
)";

/// Creates the table, or brings one written by an older version (a `student_id` column,
/// no `students`) up to date.
fn ensure(db: &OpsDb) -> Result<(), WarningError> {
    db.conn.execute_batch(SCHEMA)?;
    let columns = || -> Result<Vec<String>, WarningError> {
        let mut st = db.conn.prepare("SELECT name FROM pragma_table_info('audit_log')")?;
        let names = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(names)
    };
    let cols = columns()?;
    if cols.iter().any(|c| c == "student_id") && !cols.iter().any(|c| c == "subject") {
        db.conn.execute_batch("ALTER TABLE audit_log RENAME COLUMN student_id TO subject")?;
    }
    let cols = columns()?;
    if !cols.iter().any(|c| c == "students") {
        db.conn.execute_batch("ALTER TABLE audit_log ADD COLUMN students INTEGER NOT NULL DEFAULT 1")?;
    }
    // The service's columns (service.md): who in which role, which student, from where.
    for col in ["role", "student_id", "remote_addr"] {
        if !cols.iter().any(|c| c == col) {
            db.conn.execute_batch(&format!("ALTER TABLE audit_log ADD COLUMN {col} TEXT"))?;
        }
    }
    Ok(())
}

/// One audit row as the service writes it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Entry {
    /// When (µs).
    pub at: Micros,
    /// Username (service) or staff id / `os:` user (CLI).
    pub actor: String,
    /// The actor's role, when known.
    pub role: Option<String>,
    /// What was done (`profile.view`, `warnings.transition`, `login.failed`, …).
    pub action: String,
    /// The student concerned, when one is.
    pub student_id: Option<String>,
    /// What it was done to: a student or warning id, a username, a filter.
    pub subject: String,
    /// Distinct students disclosed.
    pub students: u64,
    /// Ids, flags and counts only (JSON).
    pub detail: serde_json::Value,
    /// The client's address (service), if known.
    pub remote_addr: Option<String>,
}

/// Writes one row.
pub fn write(db: &OpsDb, e: &Entry) -> Result<(), WarningError> {
    ensure(db)?;
    db.conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, students, detail, role, student_id, remote_addr) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            e.at,
            e.actor,
            e.action,
            e.subject,
            e.students as i64,
            e.detail.to_string(),
            e.role,
            e.student_id,
            e.remote_addr
        ],
    )?;
    Ok(())
}

/// Filters of [`list`].
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Actor.
    pub actor: Option<String>,
    /// Student (the row's student or subject).
    pub student_id: Option<String>,
    /// From this instant on (µs).
    pub since: Option<Micros>,
    /// At most this many rows (newest first).
    pub limit: Option<u64>,
}

/// Audit rows matching `f`, newest first.
pub fn list(db: &OpsDb, f: &AuditFilter) -> Result<Vec<Entry>, WarningError> {
    ensure(db)?;
    let mut sql = String::from(
        "SELECT at, actor, role, action, student_id, subject, students, detail, remote_addr FROM audit_log WHERE 1=1",
    );
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(a) = &f.actor {
        sql.push_str(" AND actor = ?");
        args.push(Box::new(a.clone()));
    }
    if let Some(s) = &f.student_id {
        sql.push_str(" AND (student_id = ? OR subject = ?)");
        args.push(Box::new(s.clone()));
        args.push(Box::new(s.clone()));
    }
    if let Some(t) = f.since {
        sql.push_str(" AND at >= ?");
        args.push(Box::new(t));
    }
    sql.push_str(" ORDER BY seq DESC");
    if let Some(n) = f.limit {
        sql.push_str(&format!(" LIMIT {n}"));
    }
    let mut st = db.conn.prepare(&sql)?;
    let rows = st.query_map(rusqlite::params_from_iter(args.iter().map(|b| b.as_ref())), |r| {
        let detail: String = r.get(7)?;
        Ok(Entry {
            at: r.get(0)?,
            actor: r.get(1)?,
            role: r.get(2)?,
            action: r.get(3)?,
            student_id: r.get(4)?,
            subject: r.get(5)?,
            students: r.get::<_, i64>(6)?.max(0) as u64,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            remote_addr: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
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
