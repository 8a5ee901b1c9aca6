//! `hokoku bench`: typed ingest throughput and peak memory.
//!
//! Run on data from `hokoku sample --scale N` with a release build; the
//! results are recorded in the README.

use anyhow::Result;
use std::path::Path;
use std::time::Instant;

/// Result of one ingest benchmark.
pub struct IngestBench {
    pub rows: usize,
    pub bytes: u64,
    pub seconds: f64,
    pub peak_rss_bytes: Option<u64>,
}

impl std::fmt::Display for IngestBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = |b: u64| b as f64 / 1048576.0;
        write!(
            f,
            "typed ingest: {} rows, {:.1} MiB in {:.2} s = {:.2} M rows/s",
            self.rows,
            mib(self.bytes),
            self.seconds,
            self.rows as f64 / self.seconds / 1e6
        )?;
        if let Some(p) = self.peak_rss_bytes {
            write!(f, "; peak RSS {:.1} MiB = {:.2}× input size", mib(p), p as f64 / self.bytes.max(1) as f64)?;
        }
        Ok(())
    }
}

/// Time `ingest::load` over every source in `inputs`.
pub fn ingest(inputs: &Path, config: &Path) -> Result<IngestBench> {
    let cfg = crate::config::load(config).map_err(|e| anyhow::anyhow!(e.join("\n")))?;
    let t = Instant::now();
    let ds = crate::ingest::load(inputs, &cfg);
    let seconds = t.elapsed().as_secs_f64();
    if let Some(e) = ds.errors.first() {
        anyhow::bail!("{e}");
    }
    Ok(IngestBench {
        rows: ds.files.iter().map(|f| f.rows).sum(),
        bytes: ds.files.iter().map(|f| f.bytes).sum(),
        seconds,
        peak_rss_bytes: peak_rss(),
    })
}

/// Peak resident set size of this process (Linux `VmHWM`).
fn peak_rss() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
