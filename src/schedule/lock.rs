//! One run of a job at a time, across processes: an exclusive advisory lock
//! on `<state>/locks/<job>.lock`. The operating system releases it when the
//! process ends, so a crash never leaves a job locked.

use anyhow::{Context, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A held job lock; dropping it releases the lock.
#[derive(Debug)]
pub struct JobLock {
    file: File,
    pub path: PathBuf,
}

/// Take the lock of `job`, or `None` when another run holds it.
pub fn try_lock(state_dir: &Path, job: &str) -> Result<Option<JobLock>> {
    let dir = state_dir.join("locks");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{job}.lock"));
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            // Who holds it, for a person looking at the folder.
            file.set_len(0)?;
            writeln!(file, "{}", std::process::id())?;
            Ok(Some(JobLock { file, path }))
        }
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

impl Drop for JobLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}
