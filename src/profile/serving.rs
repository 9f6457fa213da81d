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
    let path = store.root().join(FILE);
    let e = err(&path);
    let mut conn = Connection::open(&path).map_err(&e)?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(&e)?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(&e)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS profiles (student_id TEXT PRIMARY KEY, as_of TEXT NOT NULL, doc TEXT NOT NULL) \
         WITHOUT ROWID; CREATE TABLE IF NOT EXISTS build (as_of TEXT NOT NULL, students INTEGER NOT NULL);",
    )
    .map_err(&e)?;
    let date = crate::schema::time::days_to_date(as_of).to_string();
    let tx = conn.transaction().map_err(&e)?;
    tx.execute("DELETE FROM profiles", []).map_err(&e)?;
    tx.execute("DELETE FROM build", []).map_err(&e)?;
    {
        let mut ins = tx.prepare("INSERT INTO profiles (student_id, as_of, doc) VALUES (?1, ?2, ?3)").map_err(&e)?;
        for p in profiles {
            let doc = serde_json::to_string(p)
                .map_err(|source| ProfileError::Doc { student: p.student_id.clone(), source })?;
            ins.execute(params![p.student_id, date, doc]).map_err(&e)?;
        }
    }
    tx.execute("INSERT INTO build (as_of, students) VALUES (?1, ?2)", params![date, profiles.len() as i64])
        .map_err(&e)?;
    tx.commit().map_err(&e)?;

    let mut docs = Vec::with_capacity(profiles.len());
    for p in profiles {
        let masked = apply(p, Grants::default());
        docs.push(
            serde_json::to_string(&masked)
                .map_err(|source| ProfileError::Doc { student: p.student_id.clone(), source })?,
        );
    }
    let schema = table_schema();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(profiles.iter().map(|p| p.student_id.as_str()))),
            Arc::new(Date32Array::from(vec![as_of; profiles.len()])),
            Arc::new(StringArray::from(docs)),
        ],
    )?;
    let t = store.ensure(PROFILE_TABLE, &schema).await?;
    store.overwrite(t, PROFILE_TABLE, vec![batch]).await?;
    Ok(())
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
