//! Input readiness: every `inputs.ready` glob matches at least one file and
//! no matched file has changed for `settle_seconds`.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// Whether a job may start, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    Waiting(String),
}

/// Check `patterns` under `dir` at `now` (the scheduler clock's time).
pub fn check(dir: &Path, patterns: &[String], settle: Duration, now: SystemTime) -> Readiness {
    let mut waiting = Vec::new();
    for pat in patterns {
        let full = dir.join(pat);
        let matches: Vec<_> = match glob::glob(&full.to_string_lossy()) {
            Ok(paths) => paths
                .filter_map(Result::ok)
                .filter(|p| p.is_file())
                .collect(),
            Err(e) => {
                waiting.push(format!("{pat}: {e}"));
                continue;
            }
        };
        if matches.is_empty() {
            waiting.push(format!("no file matches {}", full.display()));
            continue;
        }
        for p in matches {
            let modified = std::fs::metadata(&p).and_then(|m| m.modified());
            match modified {
                // A time in the future (a clock ahead, or --pretend-now in
                // the past) counts as just changed.
                Ok(m) => {
                    let age = now.duration_since(m).unwrap_or(Duration::ZERO);
                    if age < settle {
                        waiting.push(format!(
                            "{} changed {} s ago (waiting until unchanged for {} s)",
                            p.display(),
                            age.as_secs(),
                            settle.as_secs()
                        ));
                    }
                }
                Err(e) => waiting.push(format!("{}: {e}", p.display())),
            }
        }
    }
    if waiting.is_empty() {
        Readiness::Ready
    } else {
        Readiness::Waiting(waiting.join("; "))
    }
}
