//! Logging on stderr: human or JSON lines, timestamps in JST.

use super::args::{Cli, Cmd, LogFormat};

/// Set up the log for a command: the scheduler commands log at info by
/// default (their log is the night's record), the others at warn.
pub fn init(cli: &Cli) {
    let level = match (&cli.cmd, cli.verbose) {
        (Cmd::Serve { .. } | Cmd::Run { .. }, 0) => "info",
        (_, 0) => "warn",
        (_, 1) => "info",
        _ => "debug",
    };
    // tokio-cron-scheduler's own info lines ("Job creator created") are noise.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{level},tokio_cron_scheduler=warn"))
    });
    let timed = matches!(cli.cmd, Cmd::Serve { .. } | Cmd::Run { .. });
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_timer(JstTime)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match (cli.log_format, timed) {
        (LogFormat::Json, _) => fmt.json().init(),
        (LogFormat::Human, true) => fmt.init(),
        (LogFormat::Human, false) => fmt.without_time().init(),
    }
}

/// Log timestamps in JST, the time every schedule is written in.
struct JstTime;

impl tracing_subscriber::fmt::time::FormatTime for JstTime {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(
            w,
            "{}",
            chrono::Utc::now()
                .with_timezone(&chrono_tz::Asia::Tokyo)
                .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        )
    }
}
