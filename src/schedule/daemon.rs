//! `hokoku serve`: the daemon. tokio-cron-scheduler wakes it at each job's
//! cron time (and every `sweep_minutes`); each wake runs [`super::tick`],
//! which decides from the job rules and the history what is due. So the
//! business-day rules, catch-up and "once" hold however the wake came.
//!
//! tokio-cron-scheduler 0.15 is used around its known behaviour: it wants
//! 6 fields with seconds first (hokoku converts), it combines day-of-month
//! and day-of-week with AND (hokoku registers the two halves separately), it
//! never fires a run missed while the process was down (the catch-up tick at
//! start does), and its `shutdown()` does not wait for running jobs (runs
//! happen on hokoku's own worker thread, which the daemon joins).

use super::clock::{Cancel, Clock};
use super::history::History;
use super::{by_job, due, recover, run_occurrences, Ctx, Setup};
use anyhow::{Context, Result};
use chrono_tz::Asia::Tokyo;
use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};

/// Run the daemon until SIGTERM/SIGINT (`cancel`). A run in progress
/// completes; a run waiting (inputs, retry) stops as `interrupted` with
/// nothing written, and is run again on the next start.
pub fn serve(setup: Setup, clock: Arc<dyn Clock>, cancel: Cancel) -> Result<()> {
    // Fail closed: no daemon without a working history; runs left
    // `running` by a crash are marked before anything else.
    History::open(setup.state_dir())?;
    recover(&setup, clock.now_jst())?;
    let (wake_tx, wake_rx) = mpsc::channel::<&'static str>();
    let setup = Arc::new(setup);
    let worker = {
        let setup = setup.clone();
        let clock = clock.clone();
        let cancel = cancel.clone();
        let done_tx = wake_tx.clone();
        std::thread::Builder::new()
            .name("hokoku-scheduler".into())
            .spawn(move || worker(setup, clock, cancel, &wake_rx, done_tx))?
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result: Result<()> = rt.block_on(async {
        let mut sched = JobScheduler::new()
            .await
            .context("starting tokio-cron-scheduler")?;
        for job in setup.jobs.iter().filter(|j| j.enabled) {
            for expr in crate::jobs::scheduler_exprs(&job.cron_text) {
                let tx = wake_tx.clone();
                let id = job.id.clone();
                let j = CronJob::new_async_tz(expr.as_str(), Tokyo, move |_, _| {
                    let _ = tx.send("cron");
                    tracing::debug!(job = %id, "cron trigger");
                    Box::pin(async {})
                })
                .with_context(|| {
                    format!("job {}: tokio-cron-scheduler refused {expr:?}", job.id)
                })?;
                sched
                    .add(j)
                    .await
                    .with_context(|| format!("adding job {}", job.id))?;
            }
            tracing::info!(job = %job.id, schedule = %job.describe(), "scheduled");
        }
        let sweep = format!("0 */{} * * * *", setup.cfg.site.scheduler.sweep_minutes);
        let tx = wake_tx.clone();
        sched
            .add(CronJob::new_async_tz(
                sweep.as_str(),
                Tokyo,
                move |_, _| {
                    let _ = tx.send("sweep");
                    Box::pin(async {})
                },
            )?)
            .await?;
        sched
            .start()
            .await
            .context("starting tokio-cron-scheduler")?;
        while !cancel.is_cancelled() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tracing::info!("stop requested: finishing the run in progress");
        sched
            .shutdown()
            .await
            .context("stopping tokio-cron-scheduler")?;
        Ok(())
    });
    cancel.cancel();
    drop(wake_tx);
    let joined = worker
        .join()
        .map_err(|_| anyhow::anyhow!("the run worker panicked"))?;
    result?;
    joined
}

/// Catch up at start, then start what is due at each wake, until cancelled:
/// each job's runs on their own thread, so a job waiting for its inputs does
/// not hold up another; a job already running is left to finish first.
fn worker(
    setup: Arc<Setup>,
    clock: Arc<dyn Clock>,
    cancel: Cancel,
    wake: &mpsc::Receiver<&'static str>,
    done_tx: mpsc::Sender<&'static str>,
) -> Result<()> {
    let mut running: BTreeMap<String, std::thread::JoinHandle<()>> = BTreeMap::new();
    let mut first = true;
    while !cancel.is_cancelled() {
        running.retain(|_, h| !h.is_finished());
        let found = History::open(setup.state_dir()).and_then(|h| due(&setup, &h, clock.now_jst()));
        match found {
            Ok(super::Due {
                runs: due,
                problems,
                skipped,
            }) => {
                super::warn_holiday_horizon(&setup, clock.now_jst().date());
                super::settle_unrunnable(&setup, clock.as_ref(), &problems, &skipped);
                if first && !due.is_empty() {
                    tracing::info!(runs = due.len(), "catching up");
                }
                for (job, occ) in by_job(due) {
                    if running.contains_key(&job) {
                        continue;
                    }
                    let (setup, clock, cancel, done) = (
                        setup.clone(),
                        clock.clone(),
                        cancel.clone(),
                        done_tx.clone(),
                    );
                    let h = std::thread::Builder::new()
                        .name(format!("job-{job}"))
                        .spawn(move || {
                            let ctx = Ctx {
                                setup: &setup,
                                clock: clock.as_ref(),
                                cancel: &cancel,
                            };
                            run_occurrences(&ctx, &occ);
                            // Look again: runs of this job that came due meanwhile.
                            let _ = done.send("done");
                        })?;
                    running.insert(job, h);
                }
            }
            // The history could not be read or written: log it loudly and
            // try again at the next wake, rather than stop scheduling.
            Err(e) => tracing::error!("scheduler: {e:#}"),
        }
        first = false;
        loop {
            match wake.recv_timeout(Duration::from_millis(200)) {
                Ok(_) => break,
                Err(mpsc::RecvTimeoutError::Timeout) if cancel.is_cancelled() => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        // Several triggers at the same minute wake us once.
        while wake.try_recv().is_ok() {}
    }
    // Stop: runs in progress finish (a waiting one stops at once).
    for (job, h) in running {
        if h.join().is_err() {
            tracing::error!(job = %job, "the job thread panicked");
        }
    }
    Ok(())
}
