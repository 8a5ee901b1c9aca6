//! Output writing: atomic files (temporary file + rename in the same folder),
//! all-or-nothing sets of files ([`Transaction`]), the cleaning of
//! temporaries that a killed process left, and the run manifest.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically: a reader sees the old file or the
/// whole new one, never a half-written file. Concurrent writers of the same
/// path each rename a whole file; the last one wins.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Unique per process and call: two runs in one process (the scheduler
    // runs jobs side by side) may write the same file at once.
    let tmp = temp_name(path, "tmp");
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The temporary name of `path` for this process and call
/// (`.<name>.<what>-<pid>-<seq>`): unique even when two runs of one process
/// write the same file at once.
fn temp_name(path: &Path, what: &str) -> PathBuf {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.{what}-{}-{seq}", std::process::id()))
}

/// Why a set of files was not written, and exactly what was and was not
/// replaced.
#[derive(Debug)]
pub struct CommitError {
    /// The file whose writing failed.
    pub file: PathBuf,
    pub cause: std::io::Error,
    /// Files that now hold the new content (empty unless restoring the old
    /// ones failed too).
    pub replaced: Vec<PathBuf>,
    /// Files left exactly as they were.
    pub unchanged: Vec<PathBuf>,
}

impl std::fmt::Display for CommitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "writing {} failed: {}", self.file.display(), self.cause)?;
        if self.replaced.is_empty() {
            write!(
                f,
                "; no output was replaced (the previous files are unchanged)"
            )
        } else {
            let r: Vec<String> = self
                .replaced
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            let u: Vec<String> = self
                .unchanged
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            write!(
                f,
                "; {}: {}; unchanged: {}",
                PARTIAL,
                r.join(", "),
                u.join(", ")
            )
        }
    }
}

impl std::error::Error for CommitError {}

/// How an error says that some files of a run were already replaced.
pub const PARTIAL: &str = "these files were replaced";

/// A set of files written all or nothing: every file is written to a
/// temporary in its folder and synced ([`Transaction::stage`]); then
/// [`Transaction::commit`] links each existing file to a backup, renames
/// every temporary into place and, if any rename fails, puts every backup
/// back. A transaction dropped without a commit removes its temporaries, so
/// a failure (a full disk while writing the third file) leaves every old
/// file as it was.
#[derive(Default)]
pub struct Transaction {
    staged: Vec<(PathBuf, PathBuf)>, // (temporary, target)
}

impl Transaction {
    /// An empty transaction.
    pub fn new() -> Transaction {
        Transaction::default()
    }

    /// Write `bytes` for `path` to a synced temporary.
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> Result<(), CommitError> {
        let fail = |cause, staged: &[(PathBuf, PathBuf)]| CommitError {
            file: path.to_path_buf(),
            cause,
            replaced: Vec::new(),
            unchanged: staged
                .iter()
                .map(|(_, t)| t.clone())
                .chain([path.to_path_buf()])
                .collect(),
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| fail(e, &self.staged))?;
        let tmp = temp_name(path, "tmp");
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e, &self.staged));
        }
        self.staged.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// The targets staged so far.
    pub fn targets(&self) -> Vec<PathBuf> {
        self.staged.iter().map(|(_, t)| t.clone()).collect()
    }

    /// Put every staged file in place, or none.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, CommitError> {
        let staged = std::mem::take(&mut self.staged);
        // Backups of the files being replaced (hard links: no copy).
        let mut backups: Vec<Option<PathBuf>> = Vec::with_capacity(staged.len());
        for (_, target) in &staged {
            let b = if target.exists() {
                let b = temp_name(target, "bak");
                if let Err(e) = std::fs::hard_link(target, &b) {
                    for (t, _) in &staged {
                        let _ = std::fs::remove_file(t);
                    }
                    for b in backups.iter().flatten() {
                        let _ = std::fs::remove_file(b);
                    }
                    return Err(CommitError {
                        file: target.clone(),
                        cause: e,
                        replaced: Vec::new(),
                        unchanged: staged.iter().map(|(_, t)| t.clone()).collect(),
                    });
                }
                Some(b)
            } else {
                None
            };
            backups.push(b);
        }
        for (i, (tmp, target)) in staged.iter().enumerate() {
            if let Err(e) = std::fs::rename(tmp, target) {
                // Undo: the old files back, the new ones removed.
                let mut replaced = Vec::new();
                for (j, (_, t)) in staged.iter().enumerate().take(i) {
                    let restored = match &backups[j] {
                        Some(b) => std::fs::rename(b, t).is_ok(),
                        None => std::fs::remove_file(t).is_ok(),
                    };
                    if !restored {
                        replaced.push(t.clone());
                    }
                }
                for (t, _) in &staged[i..] {
                    let _ = std::fs::remove_file(t);
                }
                for b in backups.iter().skip(i).flatten() {
                    let _ = std::fs::remove_file(b);
                }
                let unchanged = staged
                    .iter()
                    .map(|(_, t)| t.clone())
                    .filter(|t| !replaced.contains(t))
                    .collect();
                return Err(CommitError {
                    file: target.clone(),
                    cause: e,
                    replaced,
                    unchanged,
                });
            }
        }
        for b in backups.iter().flatten() {
            let _ = std::fs::remove_file(b);
        }
        // The renames survive a power cut once their folders are synced.
        let mut dirs: Vec<&Path> = staged.iter().filter_map(|(_, t)| t.parent()).collect();
        dirs.sort();
        dirs.dedup();
        for d in dirs {
            if let Ok(f) = std::fs::File::open(d) {
                let _ = f.sync_all();
            }
        }
        Ok(staged.into_iter().map(|(_, t)| t).collect())
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        for (tmp, _) in &self.staged {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Remove the temporaries (`.<name>.tmp-<pid>-<n>`, `.<name>.bak-<pid>-<n>`)
/// that a process killed while writing left in `dir`: those whose process
/// no longer runs. Returns the files removed.
pub fn clean_stale(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = stale_pid(&name) else {
            continue;
        };
        if pid != std::process::id()
            && !process_alive(pid)
            && std::fs::remove_file(e.path()).is_ok()
        {
            out.push(e.path());
        }
    }
    out
}

/// The process id in a temporary's name.
fn stale_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let (rest, _seq) = name.rsplit_once('-')?;
    let (rest, pid) = rest.rsplit_once('-')?;
    if !(rest.ends_with(".tmp") || rest.ends_with(".bak")) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process runs (Linux: `/proc/<pid>`; elsewhere assumed so,
/// which only keeps a temporary).
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// One output file in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct OutputFile {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}

impl OutputFile {
    /// Describe bytes about to be written to `path`.
    pub fn new(path: &Path, bytes: &[u8]) -> Self {
        OutputFile {
            file: path.display().to_string(),
            sha256: crate::util::hex(&Sha256::digest(bytes)),
            bytes: bytes.len() as u64,
        }
    }
}

/// The planned output files of one report.
pub struct Planned {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_transaction_leaves_every_old_file() {
        let dir = std::env::temp_dir().join(format!("hokoku-tx-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.pdf"), dir.join("b.json"));
        std::fs::write(&a, "old a").unwrap();
        std::fs::write(&b, "old b").unwrap();
        // The second target cannot be renamed into place: it is a folder.
        let c = dir.join("c.xlsx");
        std::fs::create_dir_all(c.join("x")).unwrap();
        let mut tx = Transaction::new();
        tx.stage(&a, b"new a").unwrap();
        tx.stage(&b, b"new b").unwrap();
        tx.stage(&c, b"new c").unwrap();
        let e = tx.commit().unwrap_err();
        assert!(e.replaced.is_empty(), "{e}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "old b");
        assert!(e.to_string().contains("no output was replaced"), "{e}");
        // Nothing temporary is left.
        let left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        // A good one replaces all.
        let mut tx = Transaction::new();
        tx.stage(&a, b"new a").unwrap();
        tx.stage(&b, b"new b").unwrap();
        tx.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let dir = std::env::temp_dir().join(format!("hokoku-stale-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // PID 4194304 is above Linux's pid_max: never alive.
        let dead = dir.join(".daily.pdf.tmp-4194304-3");
        let mine = dir.join(format!(".daily.pdf.tmp-{}-9", std::process::id()));
        let other = dir.join("daily.pdf");
        for p in [&dead, &mine, &other] {
            std::fs::write(p, "x").unwrap();
        }
        assert_eq!(clean_stale(&dir), vec![dead.clone()]);
        assert!(mine.exists() && other.exists() && !dead.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn concurrent_writes_of_one_path_each_land_whole() {
        let dir = std::env::temp_dir().join(format!("hokoku-atomic-{}", std::process::id()));
        let path = dir.join("same.json");
        let (a, b) = (vec![b'a'; 1 << 20], vec![b'b'; 1 << 20]);
        std::thread::scope(|s| {
            for bytes in [&a, &b] {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomic(path, bytes).unwrap();
                    }
                });
            }
        });
        let got = std::fs::read(&path).unwrap();
        assert!(got == a || got == b);
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
    }
}
