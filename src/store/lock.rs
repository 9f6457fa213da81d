//! One writer per store at a time: an OS file lock on `<store>/_writer.lock`, released
//! when the process ends however it ends (so a killed writer never leaves a stale lock).
//! Readers never take it: every table is read at a committed Delta snapshot.
//!
//! An OS lock conflicts between two opens of the file even inside one process, so the
//! lock is held once per process and store: taking it again while held (a refresh inside
//! `radar demo`, a night inside `radar schedule`) only counts a nested holder.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::StoreError;

/// The lock file's name inside the store.
pub const LOCK_FILE: &str = "_writer.lock";

/// Locks this process holds: store root → (holders, open lock file).
static HELD: Mutex<Vec<(PathBuf, usize, File)>> = Mutex::new(Vec::new());

fn held() -> MutexGuard<'static, Vec<(PathBuf, usize, File)>> {
    // A panic while the list was locked cannot leave it inconsistent (each change is one step).
    HELD.lock().unwrap_or_else(|p| p.into_inner())
}

/// A held writer lock; the last guard of a process dropped releases it.
#[derive(Debug)]
pub struct WriterLock {
    root: PathBuf,
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        let mut list = held();
        if let Some(i) = list.iter().position(|(r, _, _)| *r == self.root) {
            list[i].1 -= 1;
            if list[i].1 == 0 {
                list.swap_remove(i);
            }
        }
    }
}

/// Takes the store's writer lock for `holder` (e.g. `radar ingest (pid 42)`); when another
/// process holds it, waits (`wait`) or fails with [`StoreError::Busy`] naming the holder.
pub async fn acquire(root: &Path, wait: bool, holder: &str) -> Result<WriterLock, StoreError> {
    let root = root.to_path_buf();
    if let Some(entry) = held().iter_mut().find(|(r, _, _)| *r == root) {
        entry.1 += 1;
        return Ok(WriterLock { root });
    }
    let path = root.join(LOCK_FILE);
    let io = |e: std::io::Error| StoreError::Location { path: path.clone(), reason: e.to_string() };
    let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut who = String::new();
            let _ = file.read_to_string(&mut who);
            let who = who.trim().to_string();
            if !wait {
                return Err(StoreError::Busy { holder: who });
            }
            tracing::warn!("another writer is using this store ({who}); waiting for it");
            file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
                .await
                .map_err(|e| io(std::io::Error::other(e.to_string())))?
                .map_err(io)?;
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    file.write_all(holder.as_bytes()).map_err(io)?;
    let mut list = held();
    match list.iter_mut().find(|(r, _, _)| *r == root) {
        // Another task of this process took it meanwhile: ours is a second open, dropped here.
        Some(entry) => entry.1 += 1,
        None => list.push((root.clone(), 1, file)),
    }
    Ok(WriterLock { root })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nested_holders_share_the_lock_and_the_last_releases_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let outer = acquire(dir.path(), false, "outer").await.expect("outer");
        let inner = acquire(dir.path(), false, "inner").await.expect("nested take is not a conflict");
        let other = File::open(dir.path().join(LOCK_FILE)).expect("open");
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(inner);
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)), "outer still holds it");
        drop(outer);
        other.try_lock().expect("released with the last holder");
    }

    #[tokio::test]
    async fn a_second_process_sees_who_holds_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(LOCK_FILE);
        std::fs::write(&path, "radar ingest (pid 1)").expect("write");
        let foreign = File::open(&path).expect("open");
        foreign.try_lock().expect("take");
        let err = acquire(dir.path(), false, "radar refresh").await.expect_err("busy");
        assert_eq!(err.to_string(), "another writer is using this store: radar ingest (pid 1); use --wait");
    }
}
