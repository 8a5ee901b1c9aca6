//! `hokoku bench`: typed ingest throughput and peak memory, then the KPI
//! engine: every KPI for the month of the data, and SLA clocks for 100k
//! tickets.
//!
//! Run on data from `hokoku sample --scale N` with a release build; the
//! results are recorded in the README and docs/BENCHMARKS.md.

use anyhow::Result;
use hokoku::ingest::SourceId;
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
            write!(
                f,
                "; peak RSS {:.1} MiB = {:.2}× input size",
                mib(p),
                p as f64 / self.bytes.max(1) as f64
            )?;
        }
        Ok(())
    }
}

/// Result of the KPI benchmark.
pub struct KpiBench {
    /// The month measured (`YYYY-MM`).
    pub month: String,
    /// Seconds for every KPI of the month (SLA clocks included).
    pub month_seconds: f64,
    /// Tickets and clocks in the SLA-clock run.
    pub sla_tickets: usize,
    pub sla_clocks: usize,
    pub sla_seconds: f64,
    /// Seconds per KPI family for the month (measured separately).
    pub parts: Vec<(&'static str, f64)>,
}

impl std::fmt::Display for KpiBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "all KPIs for {}: {:.3} s",
            self.month, self.month_seconds
        )?;
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|(n, s)| format!("{n} {s:.3}"))
            .collect();
        writeln!(f, "  by family (s): {}", parts.join(", "))?;
        write!(
            f,
            "SLA clocks: {} tickets, {} clocks in {:.3} s",
            self.sla_tickets, self.sla_clocks, self.sla_seconds
        )
    }
}

/// Time `ingest::load` over every source in `inputs` (peak memory read
/// right after it), then the KPI engine on the loaded data.
pub fn run(inputs: &Path, config: &Path) -> Result<(IngestBench, KpiBench)> {
    let (cfg, cat) =
        hokoku::pipeline::load_config(config).map_err(|e| anyhow::anyhow!(e.join("\n")))?;
    let t = Instant::now();
    let ds = hokoku::ingest::load(inputs, &cat);
    let seconds = t.elapsed().as_secs_f64();
    if let Some(e) = ds.errors.first() {
        anyhow::bail!("{e}");
    }
    let ingest = IngestBench {
        rows: ds.files.iter().map(|f| f.rows).sum(),
        bytes: ds.files.iter().map(|f| f.bytes).sum(),
        seconds,
        peak_rss_bytes: peak_rss(),
    };
    let tickets = ds
        .get(SourceId::Tickets)
        .ok_or_else(|| anyhow::anyhow!("no tickets in {}", inputs.display()))?;
    let (lo, _) = tickets
        .coverage
        .ok_or_else(|| anyhow::anyhow!("no ticket rows"))?;
    let month = hokoku::time::Period::month_of(hokoku::time::ms_to_dt(lo).date());
    // Every KPI of the month, as the monthly reports compute them.
    let t = Instant::now();
    let (clocks, _) = hokoku::kpi::sla::clocks_of(
        Some(tickets),
        ds.get(SourceId::TicketStatusHistory),
        &cfg.sla_targets,
        &cfg.calendars,
    )?;
    let k = hokoku::kpi::compute_period(&ds, &cfg, month, clocks.as_deref())?;
    let month_seconds = t.elapsed().as_secs_f64();
    std::hint::black_box(k.figures());
    let mut parts = Vec::new();
    let mut time = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        let t = Instant::now();
        f()?;
        parts.push((name, t.elapsed().as_secs_f64()));
        Ok(())
    };
    use hokoku::kpi;
    let s = &cfg.site;
    time("sla clocks", &mut || {
        kpi::sla::clocks_of(Some(tickets), None, &cfg.sla_targets, &cfg.calendars).map(drop)
    })?;
    time("tickets", &mut || {
        kpi::tickets::compute(Some(tickets), month, s.report.top_categories)
            .map(drop)
            .map_err(Into::into)
    })?;
    time("availability", &mut || {
        kpi::availability::compute(Some(tickets), month, &cfg).map(drop)
    })?;
    time("jobs", &mut || {
        kpi::jobs::compute(ds.get(SourceId::JobRuns), month, &cfg.deadlines)
            .map(drop)
            .map_err(Into::into)
    })?;
    time("backups", &mut || {
        kpi::backups::compute(
            ds.get(SourceId::Backups),
            month,
            &cfg.expected_backups,
            cfg.calendars.rule.as_ref(),
        )
        .map(drop)
    })?;
    time("capacity", &mut || {
        kpi::capacity::compute(ds.get(SourceId::Capacity), month, &s.capacity)
            .map(drop)
            .map_err(Into::into)
    })?;
    time("calls", &mut || {
        kpi::calls::compute(
            ds.get(SourceId::Calls),
            month,
            &s.calls,
            kpi::sl_target_pct(&cfg),
        )
        .map(drop)
        .map_err(Into::into)
    })?;
    time("cost", &mut || {
        kpi::cost::compute(
            cfg.cost.as_ref(),
            Some(tickets),
            ds.get(SourceId::Calls),
            ds.get(SourceId::Backups),
            month,
        )
        .map(drop)
        .map_err(Into::into)
    })?;
    // SLA clocks for at least 100k tickets (the tickets repeated).
    let mut big = tickets.frame.clone();
    while big.height() < 100_000 {
        big.vstack_mut(&tickets.frame)?;
    }
    let t = Instant::now();
    let c = hokoku::kpi::sla::clocks(&big, None, &cfg.sla_targets, &cfg.calendars)?;
    let sla_seconds = t.elapsed().as_secs_f64();
    let kpi = KpiBench {
        month: month.month_label(),
        month_seconds,
        sla_tickets: big.height(),
        sla_clocks: c.0.len(),
        sla_seconds,
        parts,
    };
    Ok((ingest, kpi))
}

/// Peak resident set size of this process (Linux `VmHWM`).
fn peak_rss() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
