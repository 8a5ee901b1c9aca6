//! Output writing: atomic files (temporary file + rename in the same folder)
//! and the run manifest.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically: a reader sees the old file or the
/// whole new one, never a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
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
