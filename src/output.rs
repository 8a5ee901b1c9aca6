//! Output writing: atomic files (temporary file + rename in the same folder)
//! and the run manifest.

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
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process and call: two runs in one process (the scheduler
    // runs jobs side by side) may write the same file at once.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.tmp-{}-{seq}", std::process::id()));
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
            sha256: crate::ingest::csv_reader::hex(&Sha256::digest(bytes)),
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
