//! The `hokoku` command: a thin layer over the library (see `hokoku --help`).
//!
//! Exit codes: 0 ok; 1 done, but input rows were set aside (see the
//! rejected-rows file and the report's データ品質 section); 2 failed.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    cli::log::init(&args);
    match cli::dispatch(args.cmd) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
