//! One refresh per store at a time: an OS file lock on `<store>/_refresh.lock`, released
//! when the process ends however it ends (so a killed run never leaves a stale lock).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};

use super::RefreshError;
use crate::store::Store;

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct RefreshLock {
    _file: File,
}

/// Takes the lock; when another refresh holds it, waits (`wait`) or fails with who holds it.
pub async fn acquire(store: &Store, wait: bool, holder: &str) -> Result<RefreshLock, RefreshError> {
    let path = store.root().join("_refresh.lock");
    let io = |e: std::io::Error| RefreshError::Io { path: path.clone(), source: e };
    let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut who = String::new();
            let _ = file.read_to_string(&mut who);
            if !wait {
                return Err(RefreshError::Busy { holder: who.trim().to_string() });
            }
            tracing::warn!("another refresh is running ({}); waiting for it", who.trim());
            file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
                .await
                .map_err(|e| RefreshError::Io { path: path.clone(), source: std::io::Error::other(e.to_string()) })?
                .map_err(io)?;
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    file.write_all(holder.as_bytes()).map_err(io)?;
    Ok(RefreshLock { _file: file })
}
