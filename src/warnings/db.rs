//! The operational store (SQLite, `<store>/ops.sqlite`): warnings with their lifecycle,
//! every status change (who, when, note), interventions, and one row per nightly raise.
//!
//! SQLite rather than Delta: these rows change one at a time, from people, all day; the
//! analytical store is rewritten in batches at night. WAL mode lets `radar sql` read
//! while a counsellor writes.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use super::WarningError;
use crate::schema::time::Micros;

/// File name under the store directory.
pub const FILE: &str = "ops.sqlite";

/// Open statuses (the default list).
pub const OPEN: [&str; 3] = ["new", "acknowledged", "in_progress"];
/// Every status.
pub const STATUSES: [&str; 5] = ["new", "acknowledged", "in_progress", "resolved", "false_positive"];
/// Intervention kinds.
pub const INTERVENTIONS: [&str; 5] = ["talk", "referral", "home_visit", "aid", "other"];

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS warnings (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    warning_id TEXT NOT NULL UNIQUE,
    student_id TEXT NOT NULL,
    counsellor_id TEXT NOT NULL,
    college TEXT NOT NULL,
    category TEXT NOT NULL,
    level TEXT NOT NULL,
    max_level TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    closed_at INTEGER,
    rule TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    reason_zh TEXT NOT NULL,
    reason_en TEXT NOT NULL,
    evidence TEXT NOT NULL,
    priority REAL NOT NULL,
    last_seen INTEGER NOT NULL,
    active INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS warnings_student_rule ON warnings(student_id, rule);
CREATE INDEX IF NOT EXISTS warnings_counsellor ON warnings(counsellor_id, status);
CREATE TABLE IF NOT EXISTS warning_events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    warning_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    by TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    level TEXT NOT NULL,
    note TEXT
);
CREATE INDEX IF NOT EXISTS warning_events_warning ON warning_events(warning_id);
CREATE TABLE IF NOT EXISTS interventions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    intervention_id TEXT NOT NULL UNIQUE,
    warning_id TEXT NOT NULL,
    student_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    by TEXT NOT NULL,
    at INTEGER NOT NULL,
    note TEXT
);
CREATE INDEX IF NOT EXISTS interventions_student ON interventions(student_id);
CREATE TABLE IF NOT EXISTS raise_runs (
    as_of INTEGER NOT NULL,
    ran_at INTEGER NOT NULL,
    rules_version TEXT NOT NULL,
    candidates INTEGER NOT NULL,
    raised INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    deferred INTEGER NOT NULL,
    suppressed INTEGER NOT NULL,
    open INTEGER NOT NULL
);
";

/// The operational database.
pub struct OpsDb {
    /// The connection.
    pub conn: Connection,
}

impl OpsDb {
    /// Opens (creating) `<store>/ops.sqlite`.
    pub fn open(store_root: &Path) -> Result<OpsDb, WarningError> {
        let path = store_root.join(FILE);
        let conn = Connection::open(&path).map_err(|e| WarningError::Db(format!("{}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(OpsDb { conn })
    }

    /// Whether the file exists (without creating it).
    pub fn exists(store_root: &Path) -> bool {
        store_root.join(FILE).is_file()
    }
}

/// One warning row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WarningRow {
    /// Id, `W` + 6 digits.
    pub warning_id: String,
    /// Student.
    pub student_id: String,
    /// Counsellor.
    pub counsellor_id: String,
    /// College.
    pub college: String,
    /// Category.
    pub category: String,
    /// Current level.
    pub level: String,
    /// Highest level reached.
    pub max_level: String,
    /// Status.
    pub status: String,
    /// As-of instant of the raise that created it.
    pub created_at: Micros,
    /// Last change.
    pub updated_at: Micros,
    /// When it was resolved or marked false positive.
    pub closed_at: Option<Micros>,
    /// Rule id.
    pub rule: String,
    /// Version of the rule file.
    pub rules_version: String,
    /// Reason, Chinese.
    pub reason_zh: String,
    /// Reason, English.
    pub reason_en: String,
    /// Evidence JSON.
    pub evidence: String,
    /// Priority (higher first).
    pub priority: f64,
    /// Whether the condition still held at the last raise.
    pub active: bool,
}

const COLS: &str = "warning_id, student_id, counsellor_id, college, category, level, max_level, status, created_at, \
                    updated_at, closed_at, rule, rules_version, reason_zh, reason_en, evidence, priority, active";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WarningRow> {
    Ok(WarningRow {
        warning_id: r.get(0)?,
        student_id: r.get(1)?,
        counsellor_id: r.get(2)?,
        college: r.get(3)?,
        category: r.get(4)?,
        level: r.get(5)?,
        max_level: r.get(6)?,
        status: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
        closed_at: r.get(10)?,
        rule: r.get(11)?,
        rules_version: r.get(12)?,
        reason_zh: r.get(13)?,
        reason_en: r.get(14)?,
        evidence: r.get(15)?,
        priority: r.get(16)?,
        active: r.get::<_, i64>(17)? != 0,
    })
}

/// Filters of `radar warnings`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Counsellor id.
    pub counsellor: Option<String>,
    /// College.
    pub college: Option<String>,
    /// Level.
    pub level: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Statuses (empty = all).
    pub statuses: Vec<String>,
    /// Student.
    pub student: Option<String>,
    /// Only warnings created or changed by the raise at this instant (the morning list).
    pub raised_at: Option<Micros>,
}

impl OpsDb {
    /// Warnings matching the filter: by counsellor, then most urgent first.
    pub fn list(&self, f: &Filter) -> Result<Vec<WarningRow>, WarningError> {
        let mut sql = format!("SELECT {COLS} FROM warnings WHERE 1=1");
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        let mut eq = |col: &str, v: &Option<String>, sql: &mut String| {
            if let Some(v) = v {
                sql.push_str(&format!(" AND {col} = ?"));
                args.push(Box::new(v.clone()));
            }
        };
        eq("counsellor_id", &f.counsellor, &mut sql);
        eq("college", &f.college, &mut sql);
        eq("level", &f.level, &mut sql);
        eq("category", &f.category, &mut sql);
        eq("student_id", &f.student, &mut sql);
        if !f.statuses.is_empty() {
            sql.push_str(&format!(" AND status IN ({})", vec!["?"; f.statuses.len()].join(", ")));
            for s in &f.statuses {
                args.push(Box::new(s.clone()));
            }
        }
        if let Some(t) = f.raised_at {
            sql.push_str(" AND updated_at = ?");
            args.push(Box::new(t));
        }
        sql.push_str(" ORDER BY counsellor_id, priority DESC, created_at, warning_id");
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(args.iter().map(|b| b.as_ref())), row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One warning by id.
    pub fn get(&self, id: &str) -> Result<Option<WarningRow>, WarningError> {
        Ok(self.conn.query_row(&format!("SELECT {COLS} FROM warnings WHERE warning_id = ?1"), [id], row).optional()?)
    }

    /// The latest as-of instant a raise ran at.
    pub fn last_raise(&self) -> Result<Option<Micros>, WarningError> {
        Ok(self.conn.query_row("SELECT MAX(as_of) FROM raise_runs", [], |r| r.get::<_, Option<i64>>(0))?)
    }
}

/// A lifecycle action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `ack`: new → acknowledged.
    Ack,
    /// `start`: new / acknowledged → in_progress.
    Start,
    /// `resolve`: any open status → resolved.
    Resolve,
    /// `false-positive`: any open status → false_positive (kept for evaluation).
    FalsePositive,
}

impl Action {
    /// The statuses the action may start from and the status it leads to.
    pub fn transition(self) -> (&'static [&'static str], &'static str) {
        match self {
            Action::Ack => (&["new"], "acknowledged"),
            Action::Start => (&["new", "acknowledged"], "in_progress"),
            Action::Resolve => (&OPEN, "resolved"),
            Action::FalsePositive => (&OPEN, "false_positive"),
        }
    }

    /// Name in the event log.
    pub fn name(self) -> &'static str {
        match self {
            Action::Ack => "ack",
            Action::Start => "start",
            Action::Resolve => "resolve",
            Action::FalsePositive => "false-positive",
        }
    }
}

impl OpsDb {
    /// Applies a lifecycle action; refuses a transition the lifecycle does not allow.
    pub fn transition(
        &mut self,
        id: &str,
        action: Action,
        by: &str,
        note: Option<&str>,
        now: Micros,
    ) -> Result<WarningRow, WarningError> {
        let tx = self.conn.transaction()?;
        let w = tx
            .query_row(&format!("SELECT {COLS} FROM warnings WHERE warning_id = ?1"), [id], row)
            .optional()?
            .ok_or_else(|| WarningError::NotFound(id.to_string()))?;
        let (from, to) = action.transition();
        if !from.contains(&w.status.as_str()) {
            return Err(WarningError::Transition {
                id: id.to_string(),
                action: action.name().to_string(),
                status: w.status.clone(),
                allowed: from.join(", "),
            });
        }
        let closed = matches!(to, "resolved" | "false_positive").then_some(now);
        tx.execute(
            "UPDATE warnings SET status = ?2, updated_at = ?3, closed_at = ?4 WHERE warning_id = ?1",
            params![id, to, now, closed],
        )?;
        tx.execute(
            "INSERT INTO warning_events (warning_id, at, by, action, from_status, to_status, level, note) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, now, by, action.name(), w.status, to, w.level, note],
        )?;
        tx.commit()?;
        self.get(id)?.ok_or_else(|| WarningError::NotFound(id.to_string()))
    }

    /// Logs an intervention; a warning still `new` or `acknowledged` moves to `in_progress`.
    pub fn log_intervention(
        &mut self,
        id: &str,
        kind: &str,
        by: &str,
        note: &str,
        now: Micros,
    ) -> Result<String, WarningError> {
        let tx = self.conn.transaction()?;
        let w = tx
            .query_row(&format!("SELECT {COLS} FROM warnings WHERE warning_id = ?1"), [id], row)
            .optional()?
            .ok_or_else(|| WarningError::NotFound(id.to_string()))?;
        let seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM interventions", [], |r| r.get(0))?;
        let iid = format!("I{seq:06}");
        tx.execute(
            "INSERT INTO interventions (intervention_id, warning_id, student_id, kind, by, at, note) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![iid, id, w.student_id, kind, by, now, note],
        )?;
        if w.status == "new" || w.status == "acknowledged" {
            tx.execute(
                "UPDATE warnings SET status = 'in_progress', updated_at = ?2 WHERE warning_id = ?1",
                params![id, now],
            )?;
            tx.execute(
                "INSERT INTO warning_events (warning_id, at, by, action, from_status, to_status, level, note) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'in_progress', ?6, ?7)",
                params![id, now, by, format!("log {kind}"), w.status, w.level, format!("intervention {iid}")],
            )?;
        }
        tx.commit()?;
        Ok(iid)
    }
}

fn ts_field(name: &str, nullable: bool) -> arrow::datatypes::Field {
    arrow::datatypes::Field::new(
        name,
        arrow::datatypes::DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, Some("UTC".into())),
        nullable,
    )
}

/// A warning's status history and interventions, in time order:
/// `at, by, action, from_status, to_status, level, note`.
pub fn history_batch(db: &OpsDb, id: &str) -> Result<arrow::array::RecordBatch, WarningError> {
    let mut rows: Vec<(i64, String, String, Option<String>, String, String, Option<String>)> = Vec::new();
    let mut st = db.conn.prepare(
        "SELECT at, by, action, from_status, to_status, level, note FROM warning_events WHERE warning_id = ?1 \
         UNION ALL SELECT i.at, i.by, 'intervention: ' || i.kind, NULL, w.status, w.level, i.note \
         FROM interventions i JOIN warnings w ON w.warning_id = i.warning_id WHERE i.warning_id = ?1 ORDER BY 1",
    )?;
    let it =
        st.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?;
    for r in it {
        rows.push(r?);
    }
    events_batch(rows)
}

type EventRow = (i64, String, String, Option<String>, String, String, Option<String>);

fn events_batch(rows: Vec<EventRow>) -> Result<arrow::array::RecordBatch, WarningError> {
    use arrow::array::{StringArray, TimestampMicrosecondArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let schema = Schema::new(vec![
        ts_field("at", false),
        Field::new("by", DataType::Utf8, false),
        Field::new("action", DataType::Utf8, false),
        Field::new("from_status", DataType::Utf8, true),
        Field::new("to_status", DataType::Utf8, false),
        Field::new("level", DataType::Utf8, false),
        Field::new("note", DataType::Utf8, true),
    ]);
    Ok(arrow::array::RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(TimestampMicrosecondArray::from_iter_values(rows.iter().map(|r| r.0)).with_timezone("UTC")),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1.as_str()))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2.as_str()))),
            Arc::new(StringArray::from(rows.iter().map(|r| r.3.as_deref()).collect::<Vec<_>>())),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.4.as_str()))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.5.as_str()))),
            Arc::new(StringArray::from(rows.iter().map(|r| r.6.as_deref()).collect::<Vec<_>>())),
        ],
    )?)
}

/// The operational tables for `radar sql`: `warnings` (current status), `warning_events`
/// and `interventions`.
pub fn sql_tables(db: &OpsDb) -> Result<Vec<(&'static str, arrow::array::RecordBatch)>, WarningError> {
    use arrow::array::{StringArray, TimestampMicrosecondArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let all = db.list(&Filter::default())?;
    let warnings = super::export::batch(&all, None)?;
    let mut st = db.conn.prepare(
        "SELECT warning_id, at, by, action, from_status, to_status, level, note FROM warning_events ORDER BY event_id",
    )?;
    let mut ids = Vec::new();
    let mut ev: Vec<EventRow> = Vec::new();
    for r in st.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
    })? {
        let (id, row) = r?;
        ids.push(id);
        ev.push(row);
    }
    let b = events_batch(ev)?;
    let mut fields = vec![Field::new("warning_id", DataType::Utf8, false)];
    fields.extend(b.schema().fields().iter().map(|f| f.as_ref().clone()));
    let mut cols: Vec<arrow::array::ArrayRef> = vec![Arc::new(StringArray::from(ids))];
    cols.extend(b.columns().iter().cloned());
    let events = arrow::array::RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?;
    let mut st = db.conn.prepare(
        "SELECT intervention_id, warning_id, student_id, kind, by, at, note FROM interventions ORDER BY seq",
    )?;
    let mut iv: Vec<(String, String, String, String, String, i64, Option<String>)> = Vec::new();
    for r in st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))? {
        iv.push(r?);
    }
    let s = |f: fn(&(String, String, String, String, String, i64, Option<String>)) -> &str| {
        Arc::new(StringArray::from_iter_values(iv.iter().map(f))) as arrow::array::ArrayRef
    };
    let interventions = arrow::array::RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("intervention_id", DataType::Utf8, false),
            Field::new("warning_id", DataType::Utf8, false),
            Field::new("student_id", DataType::Utf8, false),
            Field::new("kind", DataType::Utf8, false),
            Field::new("by", DataType::Utf8, false),
            ts_field("at", false),
            Field::new("note", DataType::Utf8, true),
        ])),
        vec![
            s(|r| &r.0),
            s(|r| &r.1),
            s(|r| &r.2),
            s(|r| &r.3),
            s(|r| &r.4),
            Arc::new(TimestampMicrosecondArray::from_iter_values(iv.iter().map(|r| r.5)).with_timezone("UTC")),
            Arc::new(StringArray::from(iv.iter().map(|r| r.6.as_deref()).collect::<Vec<_>>())),
        ],
    )?;
    Ok(vec![("warnings", warnings), ("warning_events", events), ("interventions", interventions)])
}
