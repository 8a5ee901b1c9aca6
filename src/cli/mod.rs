//! The `hokoku` command's modules: the arguments, logging, one module per
//! group of commands, and the tools that are not part of the library
//! (the sample generator, the benchmark).

pub mod args;
pub mod bench;
pub mod log;
pub mod report;
pub mod sample;
pub mod schedule;

use anyhow::Result;
use args::Cmd;
use std::process::ExitCode;

/// Run one command.
pub fn dispatch(cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Report {
            report: code,
            date,
            week,
            month,
            run,
        } => report::report(code, date, week, month, run),
        Cmd::Demo { out } => report::demo(out),
        Cmd::Ingest {
            dirs,
            store,
            strict,
            lock_timeout,
        } => report::ingest(dirs, store, strict, lock_timeout),
        Cmd::Validate { dirs, jobs } => report::validate(dirs, jobs),
        Cmd::Sample {
            month,
            scale,
            seed,
            config,
            out,
        } => report::sample(month, scale, seed, config, out),
        Cmd::Bench { inputs, config } => report::bench(inputs, config),
        Cmd::Serve {
            dirs,
            once,
            pretend_now,
        } => schedule::serve(dirs, once, pretend_now),
        Cmd::Run {
            job,
            date,
            week,
            month,
            dirs,
        } => schedule::run(job, date, week, month, dirs),
        Cmd::Jobs { dirs, next } => schedule::jobs(dirs, next),
        Cmd::History { dirs, job, limit } => schedule::history(dirs, job, limit),
    }
}
