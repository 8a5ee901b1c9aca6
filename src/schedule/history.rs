//! Run history in SQLite (`<state>/history.sqlite`). Every change of a run's
//! state is committed at once (WAL, synchronous=FULL), so a crash mid-run
//! leaves a `running` row that the next start marks `interrupted` and runs
//! again.

use anyhow::{Context, Result};
use chrono::NaiveDateTime;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How a run ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Running,
    /// Every report written.
    Succeeded,
    /// Written, but input rows were set aside or a source was missing at the
    /// readiness deadline (`on_timeout = "proceed"`).
    Warning,
    /// Failed after its last try; the alert was sent; nothing was written.
    Failed,
    /// Stopped by a signal or a crash before it finished; nothing was
    /// written; run again on the next start.
    Interrupted,
    /// Not made: missed for longer than `catch_up_days`, or its periods
    /// could not be listed (the holiday list ran out); alerted.
    Skipped,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Warning => "warning",
            Status::Failed => "failed",
            Status::Interrupted => "interrupted",
            Status::Skipped => "skipped",
        }
    }
    fn parse(s: &str) -> Status {
        match s {
            "running" => Status::Running,
            "succeeded" => Status::Succeeded,
            "warning" => Status::Warning,
            "failed" => Status::Failed,
            "skipped" => Status::Skipped,
            _ => Status::Interrupted,
        }
    }
}

/// One row of `hokoku history`.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub id: i64,
    pub job: String,
    /// The scheduled time (JST); `None` for a run started by hand.
    pub scheduled_at: Option<String>,
    pub periods: String,
    /// `schedule`, `catch-up` or `manual`.
    pub trigger: String,
    pub status: Status,
    pub attempts: u32,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub outputs: Vec<String>,
    pub error: Option<String>,
    pub pid: u32,
}

/// The history database.
pub struct History {
    conn: Connection,
    pub path: PathBuf,
}

fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    scheduled_at TEXT,
    periods TEXT NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    outputs TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    pid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_occurrence ON runs (job, scheduled_at);
CREATE TABLE IF NOT EXISTS jobs_seen (
    job TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL
);
";

impl History {
    /// Open (or create) `<state_dir>/history.sqlite`.
    pub fn open(state_dir: &Path) -> Result<History> {
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("creating {}", state_dir.display()))?;
        let path = state_dir.join("history.sqlite");
        let conn =
            Connection::open(&path).with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)
            .with_context(|| format!("creating the tables of {}", path.display()))?;
        Ok(History { conn, path })
    }

    /// Record the start of a run; returns its id.
    pub fn begin(
        &self,
        job: &str,
        scheduled_at: Option<NaiveDateTime>,
        periods: &str,
        trigger: &str,
        now: NaiveDateTime,
    ) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO runs (job, scheduled_at, periods, trigger, status, started_at, pid) VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6)",
            params![job, scheduled_at.map(ts), periods, trigger, ts(now), std::process::id()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Record the start of try `n`.
    pub fn set_attempt(&self, id: i64, n: u32) -> Result<()> {
        self.conn.execute(
            "UPDATE runs SET attempts = ?2 WHERE id = ?1",
            params![id, n],
        )?;
        Ok(())
    }

    /// Record the end of a run.
    pub fn finish(
        &self,
        id: i64,
        status: Status,
        outputs: &[PathBuf],
        error: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<()> {
        let outputs: Vec<String> = outputs.iter().map(|p| p.display().to_string()).collect();
        self.conn.execute(
            "UPDATE runs SET status = ?2, outputs = ?3, error = ?4, ended_at = ?5 WHERE id = ?1",
            params![
                id,
                status.as_str(),
                serde_json::to_string(&outputs)?,
                error,
                ts(now)
            ],
        )?;
        Ok(())
    }

    /// Mark `running` rows of `job` as interrupted: call this only while
    /// holding the job's lock, when no run of it can be alive.
    pub fn interrupt_stale(&self, job: &str, now: NaiveDateTime) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE runs SET status = 'interrupted', ended_at = ?2, error = COALESCE(error || char(10), '') || 'the process ended during the run (crash or kill); reports of this run may be missing or incomplete' WHERE job = ?1 AND status = 'running'",
            params![job, ts(now)],
        )?)
    }

    /// Whether the scheduled run `(job, at)` has ended: succeeded, warning or
    /// failed. An interrupted run has not, and is run again.
    pub fn settled(&self, job: &str, at: NaiveDateTime) -> Result<bool> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM runs WHERE job = ?1 AND scheduled_at = ?2 AND status IN ('succeeded', 'warning', 'failed', 'skipped')",
            params![job, ts(at)],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// The latest scheduled time the history has for `job`.
    pub fn latest_scheduled(&self, job: &str) -> Result<Option<NaiveDateTime>> {
        let s: Option<String> = self.conn.query_row(
            "SELECT MAX(scheduled_at) FROM runs WHERE job = ?1",
            params![job],
            |r| r.get(0),
        )?;
        Ok(s.and_then(|s| NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S").ok()))
    }

    /// Whether a failed or skipped row of `job` with this error text was
    /// recorded since `since` (one alert a day for a standing problem).
    pub fn reported_since(&self, job: &str, error: &str, since: NaiveDateTime) -> Result<bool> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM runs WHERE job = ?1 AND error = ?2 AND started_at >= ?3 AND status IN ('failed', 'skipped')",
            params![job, error, ts(since)],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// When the scheduler first saw `job` (recorded now if never): runs
    /// before that were never missed, so they are not caught up.
    pub fn first_seen(&self, job: &str, now: NaiveDateTime) -> Result<NaiveDateTime> {
        self.conn.execute(
            "INSERT OR IGNORE INTO jobs_seen (job, first_seen) VALUES (?1, ?2)",
            params![job, ts(now)],
        )?;
        let s: String = self.conn.query_row(
            "SELECT first_seen FROM jobs_seen WHERE job = ?1",
            params![job],
            |r| r.get(0),
        )?;
        NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S")
            .with_context(|| format!("bad first_seen {s:?} in {}", self.path.display()))
    }

    /// Runs, newest first.
    pub fn list(&self, job: Option<&str>, limit: usize) -> Result<Vec<RunRow>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM runs WHERE (?1 IS NULL OR job = ?1) ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = st.query_map(params![job, i64::try_from(limit).unwrap_or(i64::MAX)], row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// One run by id.
    pub fn get(&self, id: i64) -> Result<Option<RunRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM runs WHERE id = ?1"),
                params![id],
                row,
            )
            .optional()?)
    }
}

const COLUMNS: &str = "id, job, scheduled_at, periods, trigger, status, attempts, started_at, ended_at, outputs, error, pid";

fn row(r: &rusqlite::Row) -> rusqlite::Result<RunRow> {
    let outputs: String = r.get(9)?;
    Ok(RunRow {
        id: r.get(0)?,
        job: r.get(1)?,
        scheduled_at: r.get(2)?,
        periods: r.get(3)?,
        trigger: r.get(4)?,
        status: Status::parse(&r.get::<_, String>(5)?),
        attempts: r.get(6)?,
        started_at: r.get(7)?,
        ended_at: r.get(8)?,
        outputs: serde_json::from_str(&outputs).unwrap_or_default(),
        error: r.get(10)?,
        pid: r.get(11)?,
    })
}
