//! Where built profiles live. `profiles.sqlite` in the store directory holds the latest
//! build keyed by student (the serving copy: a lookup is one B-tree read); the Delta table
//! `student_profiles` holds the same build with personal fields masked, for SQL and for
//! other engines, with earlier builds reachable by Delta time travel.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{Date32Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::access::{apply, Grants};
use super::doc::Profile;
use super::{ProfileError, PROFILE_TABLE};
use crate::store::Store;

/// The serving file in the store directory.
pub const FILE: &str = "profiles.sqlite";

fn err(path: &Path) -> impl Fn(rusqlite::Error) -> ProfileError + '_ {
    move |source| ProfileError::Serving { path: path.display().to_string(), source }
}

/// Replaces the serving copy and the Delta table with `profiles` built as of `as_of`
/// (days since epoch). Each of the two is replaced atomically.
pub async fn publish(store: &Store, as_of: i32, profiles: &[Profile]) -> Result<(), ProfileError> {
    let mut p = Publisher::begin(store, as_of)?;
    p.add(profiles)?;
    p.finish(store).await?;
    Ok(())
}

/// A build being published chunk by chunk: the serving copy is replaced in one SQLite
/// transaction and the Delta table in one commit, both at [`Publisher::finish`]; only the
/// masked documents wait in memory for the Delta commit, not the profiles.
pub struct Publisher {
    conn: Connection,
    path: std::path::PathBuf,
    as_of: i32,
    date: String,
    students: usize,
    batches: Vec<RecordBatch>,
}

impl Publisher {
    /// Opens the serving copy and starts replacing it.
    pub fn begin(store: &Store, as_of: i32) -> Result<Publisher, ProfileError> {
        let path = store.root().join(FILE);
        let e = err(&path);
        let conn = Connection::open(&path).map_err(&e)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(&e)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(&e)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS profiles (student_id TEXT PRIMARY KEY, as_of TEXT NOT NULL, doc TEXT NOT NULL) \
             WITHOUT ROWID; CREATE TABLE IF NOT EXISTS build (as_of TEXT NOT NULL, students INTEGER NOT NULL); \
             BEGIN IMMEDIATE; DELETE FROM profiles; DELETE FROM build;",
        )
        .map_err(&e)?;
        let date = crate::schema::time::days_to_date(as_of).to_string();
        Ok(Publisher { conn, path: path.clone(), as_of, date, students: 0, batches: Vec::new() })
    }

    /// Adds built profiles.
    pub fn add(&mut self, profiles: &[Profile]) -> Result<(), ProfileError> {
        let e = err(&self.path);
        let mut masked = Vec::with_capacity(profiles.len());
        {
            let mut ins = self
                .conn
                .prepare_cached("INSERT INTO profiles (student_id, as_of, doc) VALUES (?1, ?2, ?3)")
                .map_err(&e)?;
            for p in profiles {
                let doc = |p: &Profile| {
                    serde_json::to_string(p)
                        .map_err(|source| ProfileError::Doc { student: p.student_id.clone(), source })
                };
                ins.execute(params![p.student_id, self.date, doc(p)?]).map_err(&e)?;
                masked.push(doc(&apply(p, Grants::default()))?);
            }
        }
        let n = profiles.len();
        self.batches.push(RecordBatch::try_new(
            table_schema(),
            vec![
                Arc::new(StringArray::from_iter_values(profiles.iter().map(|p| p.student_id.as_str()))),
                Arc::new(Date32Array::from(vec![self.as_of; n])),
                Arc::new(StringArray::from(masked)),
            ],
        )?);
        self.students += n;
        Ok(())
    }

    /// Commits the serving copy, then the Delta table; returns the number of profiles.
    pub async fn finish(self, store: &Store) -> Result<usize, ProfileError> {
        let e = err(&self.path);
        self.conn
            .execute("INSERT INTO build (as_of, students) VALUES (?1, ?2)", params![self.date, self.students as i64])
            .map_err(&e)?;
        self.conn.execute_batch("COMMIT").map_err(&e)?;
        let t = store.ensure(PROFILE_TABLE, &table_schema()).await?;
        let batches = if self.batches.is_empty() { vec![RecordBatch::new_empty(table_schema())] } else { self.batches };
        store.overwrite(t, PROFILE_TABLE, batches).await?;
        Ok(self.students)
    }
}

/// Schema of `student_profiles`.
pub fn table_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("student_id", DataType::Utf8, false),
        Field::new("as_of", DataType::Date32, false),
        Field::new("profile", DataType::Utf8, false),
    ]))
}

/// The serving copy's build date, if there is one.
pub fn built_as_of(store_root: &Path) -> Result<Option<String>, ProfileError> {
    let path = store_root.join(FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let e = err(&path);
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(&e)?;
    conn.query_row("SELECT as_of FROM build", [], |r| r.get(0)).optional().map_err(&e)
}

/// One student's profile from the serving copy: `None` when there is no copy or the
/// student is not in it.
pub fn read(store_root: &Path, student: &str) -> Result<Option<Profile>, ProfileError> {
    let path = store_root.join(FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let e = err(&path);
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(&e)?;
    let doc: Option<String> = conn
        .query_row("SELECT doc FROM profiles WHERE student_id = ?1", [student], |r| r.get(0))
        .optional()
        .map_err(&e)?;
    match doc {
        None => Ok(None),
        Some(d) => serde_json::from_str(&d)
            .map(Some)
            .map_err(|source| ProfileError::Doc { student: student.to_string(), source }),
    }
}
